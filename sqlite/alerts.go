package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"io"
	"math"

	"knocks"
)

// AlertOptions tune Alerts.
type AlertOptions = knocks.AlertOptions

// Alerts returns the successful logins that matter, oldest first, by the
// rules of knocks.FindAlerts. New says that MarkAlerts has not marked it.
// It reads the logins, then, in one pass over the connections, the failed
// ones that share an address, subnet, AS or user name with one of them,
// which knocks.AlertFailures adds up as they come (it holds no list of
// them).
func (s *EventStore) Alerts(ctx context.Context, o AlertOptions) ([]knocks.Alert, error) {
	var logins []knocks.AlertLogin
	type geo struct {
		country string
		asn     int64
	}
	geos := map[string]geo{}
	var fs knocks.AlertFailures
	shown := map[[2]any]bool{}
	err := s.read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, `SELECT id, start_time, COALESCE(host, ''), ip, COALESCE(subnet, ''), COALESCE(username, '')
			FROM connections WHERE logins > 0 AND ip IS NOT NULL ORDER BY start_time, id`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var l knocks.AlertLogin
			if err := rows.Scan(&l.ID, &l.Start, &l.Host, &l.IP, &l.Subnet, &l.User); err != nil {
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
			ips, subs, users = append(ips, l.IP), append(subs, l.Subnet), append(users, l.User)
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
		for i := range logins {
			g := geos[logins[i].IP]
			logins[i].Country = g.country
			if g.asn > 0 && g.asn <= math.MaxUint32 {
				logins[i].ASN = uint32(g.asn)
			}
		}
		fs = knocks.NewAlertFailures(logins, o)
		// The addresses of the logins' ASes, whose failures count for
		// those ASes: looked up here once, not joined to every failure.
		asnList, _ := json.Marshal(append(asns, -1))
		asnOf := map[string]int64{}
		rows, err = conn.QueryContext(ctx, `SELECT ip, asn FROM ip_geo WHERE asn IN (SELECT value FROM json_each(?))`, string(asnList))
		if err != nil {
			return err
		}
		for rows.Next() {
			var ip string
			var asn int64
			if err := rows.Scan(&ip, &asn); err != nil {
				rows.Close()
				return err
			}
			asnOf[ip] = asn
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		subList, _ := json.Marshal(subs)
		userList, _ := json.Marshal(users)
		// One pass over the connections, read through the driver directly
		// (as Summary reads them). The user name is tested first: it is
		// the key that most failures share with a login (root).
		err = conn.Raw(func(dc any) error {
			qc, ok := dc.(driver.QueryerContext)
			if !ok {
				return fmt.Errorf("driver %T cannot query with a context", dc)
			}
			rows, err := qc.QueryContext(ctx, `WITH ips(ip) AS (SELECT value FROM json_each(?1) UNION SELECT ip FROM ip_geo WHERE asn IN (SELECT value FROM json_each(?4))),
					subs(subnet) AS (SELECT value FROM json_each(?2)), users(username) AS (SELECT value FROM json_each(?3))
				SELECT ip, subnet, username, start_time, attempts FROM connections
				WHERE attempts > 0 AND (username IN users OR ip IN ips OR subnet IN subs)`,
				[]driver.NamedValue{{Ordinal: 1, Value: string(ipList)}, {Ordinal: 2, Value: string(subList)}, {Ordinal: 3, Value: string(userList)}, {Ordinal: 4, Value: string(asnList)}})
			if err != nil {
				return err
			}
			defer rows.Close()
			v := make([]driver.Value, 5)
			var f knocks.AlertFailure
			for {
				if err := rows.Next(v); err == io.EOF {
					return nil
				} else if err != nil {
					return err
				}
				ip, _ := v[0].(string)
				sub, _ := v[1].(string)
				usr, hasUser := v[2].(string)
				f.Start, _ = v[3].(int64)
				f.Attempts, _ = v[4].(int64)
				fs.Add(f, ip, sub, asnOf[ip], usr, hasUser)
			}
		})
		if err != nil {
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
	return knocks.FindAlerts(logins, fs, func(kind string, id int64) bool { return shown[[2]any{kind, id}] }, o), nil
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
