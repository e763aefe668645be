package postgres

import (
	"context"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"

	"knocks"
)

// Alerts returns the successful logins that matter, oldest first, by the
// rules of knocks.FindAlerts. New says that MarkAlerts has not marked it.
// They are those that KeepResults kept, while still those of what is
// stored, or else found by findAlerts.
func (s *EventStore) Alerts(ctx context.Context, o knocks.AlertOptions) ([]knocks.Alert, error) {
	as, _, err := s.LatestAlerts(ctx, o, 0)
	return as, err
}

// findAlerts finds the alerts of o from the connections: it reads the
// logins, then the failed connections that share an address, subnet, AS
// or user name with one of them.
func (s *EventStore) findAlerts(ctx context.Context, o knocks.AlertOptions) ([]knocks.Alert, error) {
	var logins []knocks.AlertLogin
	type geo struct {
		country string
		asn     int64
	}
	geos := map[string]geo{}
	var fs knocks.AlertFailures
	shown := map[[2]any]bool{}
	err := s.read(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, start_time, COALESCE(host, ''), ip, COALESCE(subnet, ''), COALESCE(username, '')
			FROM connections WHERE logins > 0 AND ip IS NOT NULL ORDER BY start_time, id`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var l knocks.AlertLogin
			var host, usr []byte
			if err := rows.Scan(&l.ID, &l.Start, &host, &l.IP, &l.Subnet, &usr); err != nil {
				rows.Close()
				return err
			}
			l.Host, l.User = string(host), string(usr)
			logins = append(logins, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(logins) == 0 {
			return err
		}
		var ips, subs []string
		var users [][]byte
		for _, l := range logins {
			ips, subs, users = append(ips, l.IP), append(subs, l.Subnet), append(users, []byte(l.User))
		}
		rows, err = tx.Query(ctx, `SELECT ip, COALESCE(country, reserved, ''), COALESCE(asn, 0) FROM ip_geo WHERE ip = ANY($1)`, ips)
		if err != nil {
			return err
		}
		asns := []int64{-1}
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
		rows, err = tx.Query(ctx, `SELECT c.ip, COALESCE(c.subnet, ''), c.username, c.start_time, c.attempts, COALESCE(g.asn, 0)
			FROM connections c LEFT JOIN ip_geo g ON g.ip = c.ip
			WHERE c.attempts > 0 AND (c.ip = ANY($1) OR c.subnet = ANY($2) OR c.username = ANY($3)
				OR c.ip IN (SELECT ip FROM ip_geo WHERE asn = ANY($4)))`, ips, subs, users, asns)
		if err != nil {
			return err
		}
		for rows.Next() {
			var ip *string
			var sub string
			var usr []byte
			var f knocks.AlertFailure
			var asn int64
			if err := rows.Scan(&ip, &sub, &usr, &f.Start, &f.Attempts, &asn); err != nil {
				rows.Close()
				return err
			}
			var addr string
			if ip != nil {
				addr = *ip
			}
			fs.Add(f, addr, sub, asn, string(usr), usr != nil)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT kind, login_id FROM alerts_shown`)
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
	if len(as) == 0 {
		return nil
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		now := s.now().Unix()
		for _, a := range as {
			b.Queue(`INSERT INTO alerts_shown (kind, login_id, shown) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, a.Kind, a.LoginID, now)
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return fmt.Errorf("cannot mark alerts: %w", err)
	}
	return nil
}
