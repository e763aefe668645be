package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"

	"knocks"
)

// AlertOptions tune Alerts.
type AlertOptions = knocks.AlertOptions

// Alerts returns the successful logins that matter, oldest first, by the
// rules of knocks.FindAlerts. New says that MarkAlerts has not marked it.
// It reads the logins, then the failed connections that share an address,
// subnet, AS or user name with one of them.
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
		// One pass over the connections. The address and subnet of a
		// failure that shares only its user name with a login are not
		// read (NULL), which spares a string for most rows.
		rows, err = conn.QueryContext(ctx, `WITH ips(ip) AS (SELECT value FROM json_each(?1) UNION SELECT ip FROM ip_geo WHERE asn IN (SELECT value FROM json_each(?4))),
				subs(subnet) AS (SELECT value FROM json_each(?2)), users(username) AS (SELECT value FROM json_each(?3))
			SELECT CASE WHEN ip IN ips THEN ip END, CASE WHEN subnet IN subs THEN subnet END, username, start_time, attempts FROM connections
			WHERE attempts > 0 AND (ip IN ips OR subnet IN subs OR username IN users)`,
			string(ipList), string(subList), string(userList), string(asnList))
		if err != nil {
			return err
		}
		var ip, sub, usr sql.NullString
		var f knocks.AlertFailure
		for rows.Next() {
			if err := rows.Scan(&ip, &sub, &usr, &f.Start, &f.Attempts); err != nil {
				rows.Close()
				return err
			}
			fs.Add(f, ip.String, sub.String, asnOf[ip.String], usr.String, usr.Valid)
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
