package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"time"

	"knocks"
)

// AlertOptions tune Alerts.
type AlertOptions = knocks.AlertOptions

// failure is a failed connection as Alerts needs it.
type failure struct {
	start, attempts int64
}

// Alerts returns the successful logins that matter, oldest first: a
// login from an address, /24 (IPv6 /64) or AS that failed before it (one
// alert, for the most specific of the three); a login from a country
// never seen before for its user (who logged in before from elsewhere); a
// login after at least ManyFailures failed attempts for its user in the
// Window before it. New says that MarkAlerts has not marked it. It reads
// the logins, then the failed connections that share an address, subnet,
// AS or user name with one of them.
func (s *EventStore) Alerts(ctx context.Context, o AlertOptions) ([]knocks.Alert, error) {
	if o.ManyFailures <= 0 {
		o.ManyFailures = 20
	}
	if o.Window <= 0 {
		o.Window = 24 * time.Hour
	}
	type login struct {
		id, start          int64
		host, ip, sub, usr string
	}
	var logins []login
	type geo struct {
		country string
		asn     int64
	}
	geos := map[string]geo{}
	byIP, bySub, byASN, byUser := map[string][]failure{}, map[string][]failure{}, map[int64][]failure{}, map[string][]failure{}
	shown := map[[2]any]bool{}
	err := s.read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, `SELECT id, start_time, COALESCE(host, ''), ip, COALESCE(subnet, ''), COALESCE(username, '')
			FROM connections WHERE logins > 0 AND ip IS NOT NULL ORDER BY start_time, id`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var l login
			if err := rows.Scan(&l.id, &l.start, &l.host, &l.ip, &l.sub, &l.usr); err != nil {
				rows.Close()
				return err
			}
			logins = append(logins, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(logins) == 0 {
			return err
		}
		var ips, subs, users []string
		for _, l := range logins {
			ips, subs, users = append(ips, l.ip), append(subs, l.sub), append(users, l.usr)
		}
		ipList, _ := json.Marshal(ips)
		rows, err = conn.QueryContext(ctx, `SELECT ip, COALESCE(country, reserved, ''), COALESCE(asn, 0) FROM ip_geo
			WHERE ip IN (SELECT value FROM json_each(?))`, string(ipList))
		if err != nil {
			return err
		}
		var asns []int64
		for rows.Next() {
			var ip string
			var g geo
			if err := rows.Scan(&ip, &g.country, &g.asn); err != nil {
				rows.Close()
				return err
			}
			geos[ip] = g
			if g.asn > 0 {
				asns = append(asns, g.asn)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		subList, _ := json.Marshal(subs)
		userList, _ := json.Marshal(users)
		asnList, _ := json.Marshal(append(asns, -1))
		rows, err = conn.QueryContext(ctx, `SELECT c.ip, COALESCE(c.subnet, ''), c.username, c.start_time, c.attempts, COALESCE(g.asn, 0)
			FROM connections c LEFT JOIN ip_geo g ON g.ip = c.ip
			WHERE c.attempts > 0 AND (c.ip IN (SELECT value FROM json_each(?1)) OR c.subnet IN (SELECT value FROM json_each(?2))
				OR c.username IN (SELECT value FROM json_each(?3)) OR c.ip IN (SELECT ip FROM ip_geo WHERE asn IN (SELECT value FROM json_each(?4))))`,
			string(ipList), string(subList), string(userList), string(asnList))
		if err != nil {
			return err
		}
		inIPs, inSubs, inUsers, inASNs := set(ips), set(subs), set(users), map[int64]bool{}
		for _, a := range asns {
			inASNs[a] = true
		}
		for rows.Next() {
			var ip, sub sql.NullString
			var usr sql.NullString
			var f failure
			var asn int64
			if err := rows.Scan(&ip, &sub, &usr, &f.start, &f.attempts, &asn); err != nil {
				rows.Close()
				return err
			}
			if ip.Valid && inIPs[ip.String] {
				byIP[ip.String] = append(byIP[ip.String], f)
			}
			if sub.String != "" && inSubs[sub.String] {
				bySub[sub.String] = append(bySub[sub.String], f)
			}
			if asn > 0 && inASNs[asn] {
				byASN[asn] = append(byASN[asn], f)
			}
			if usr.Valid && inUsers[usr.String] {
				byUser[usr.String] = append(byUser[usr.String], f)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = conn.QueryContext(ctx, `SELECT kind, login_id FROM alerts_shown`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var kind string
			var id int64
			if err := rows.Scan(&kind, &id); err != nil {
				return err
			}
			shown[[2]any{kind, id}] = true
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("cannot find alerts: %w", err)
	}
	before := func(fs []failure, from, until int64) int64 {
		var n int64
		for _, f := range fs {
			if f.start >= from && f.start < until {
				n += f.attempts
			}
		}
		return n
	}
	var out []knocks.Alert
	countries := map[string]map[string]bool{} // user → countries of earlier logins
	for _, l := range logins {
		g := geos[l.ip]
		a := knocks.Alert{LoginID: l.id, Time: fromUnix(l.start), Host: l.host, User: l.usr, IP: l.ip, Country: g.country}
		if g.asn > 0 && g.asn <= math.MaxUint32 {
			a.ASN = uint32(g.asn)
		}
		add := func(kind, why string, failed int64) {
			a.Kind, a.Why, a.Failed = kind, why, failed
			a.New = !shown[[2]any{kind, l.id}]
			out = append(out, a)
		}
		if n := before(byIP[l.ip], math.MinInt64, l.start); n > 0 {
			add(knocks.AlertFailedBefore, fmt.Sprintf("the address failed %d times before", n), n)
		} else if n := before(bySub[l.sub], math.MinInt64, l.start); l.sub != "" && n > 0 {
			add(knocks.AlertFailedBefore, fmt.Sprintf("its subnet %s failed %d times before", l.sub, n), n)
		} else if n := before(byASN[g.asn], math.MinInt64, l.start); g.asn > 0 && n > 0 {
			add(knocks.AlertFailedBefore, fmt.Sprintf("its network AS%d failed %d times before", g.asn, n), n)
		}
		seen := countries[l.usr]
		if g.country != "" && len(seen) > 0 && !seen[g.country] {
			known := make([]string, 0, len(seen))
			for c := range seen {
				known = append(known, c)
			}
			sort.Strings(known)
			add(knocks.AlertNewCountry, fmt.Sprintf("the first login of this user from %s (before: %v)", g.country, known), 0)
		}
		if g.country != "" {
			if seen == nil {
				seen = map[string]bool{}
				countries[l.usr] = seen
			}
			seen[g.country] = true
		}
		if n := before(byUser[l.usr], l.start-int64(o.Window/time.Second), l.start); n >= o.ManyFailures {
			add(knocks.AlertManyFailures, fmt.Sprintf("%d failed attempts for this user in the %v before", n, o.Window), n)
		}
	}
	return out, nil
}

// MarkAlerts records that the alerts were shown, so that Alerts no
// longer calls them new.
func (s *EventStore) MarkAlerts(ctx context.Context, as []knocks.Alert) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("cannot mark alerts: %w", err)
	}
	defer tx.Rollback()
	now := s.now().Unix()
	for _, a := range as {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO alerts_shown (kind, login_id, shown) VALUES (?, ?, ?)`, a.Kind, a.LoginID, now); err != nil {
			return fmt.Errorf("cannot mark alerts: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("cannot mark alerts: %w", err)
	}
	return nil
}

func set(l []string) map[string]bool {
	m := make(map[string]bool, len(l))
	for _, s := range l {
		m[s] = true
	}
	return m
}
