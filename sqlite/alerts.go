package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"knocks"
)

// AlertOptions tune Alerts.
type AlertOptions = knocks.AlertOptions

// Alerts returns the successful logins that matter, oldest first, by the
// rules of knocks.FindAlerts. New says that MarkAlerts has not marked it.
// It reads the logins, then, in one pass over the connections, the failed
// ones, of which knocks.AlertFailures adds up as they come those that share
// an address, subnet, AS or user name with a login (it holds no list of
// them). Both passes read the packs of the connections (connpack.go).
//
// Alerts kept by KeepResults for o, while still those of what is stored,
// are read instead.
func (s *EventStore) Alerts(ctx context.Context, o AlertOptions) ([]knocks.Alert, error) {
	as, _, err := s.LatestAlerts(ctx, o, 0)
	return as, err
}

// alertID is what an alert is known by.
type alertID struct {
	kind string
	id   int64
}

// alertsShown returns the alerts that MarkAlerts marked.
func alertsShown(ctx context.Context, conn *sql.Conn) (map[alertID]bool, error) {
	rows, err := conn.QueryContext(ctx, `SELECT kind, login_id FROM alerts_shown`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	shown := map[alertID]bool{}
	for rows.Next() {
		var a alertID
		if err := rows.Scan(&a.kind, &a.id); err != nil {
			return nil, err
		}
		shown[a] = true
	}
	return shown, rows.Err()
}

// findAlerts is Alerts from the connections.
func (s *EventStore) findAlerts(ctx context.Context, o AlertOptions) ([]knocks.Alert, error) {
	var logins []knocks.AlertLogin
	type geo struct {
		country string
		asn     int64
	}
	geos := map[string]geo{}
	var fs knocks.AlertFailures
	var shown map[alertID]bool
	err := s.read(ctx, func(conn *sql.Conn) error {
		// The logins, then the failures, each in one pass over the
		// packs of the connections (see connpack.go).
		err := eachPackRec(ctx, conn, true, func(r *packRec) {
			if r.logins > 0 && r.hasIP() {
				// Copies: the strings of a record are views of its whole pack.
				logins = append(logins, knocks.AlertLogin{ID: r.id, Start: r.start, Host: strings.Clone(r.host), IP: strings.Clone(r.ip),
					Subnet: strings.Clone(r.subnet), User: strings.Clone(r.user)})
			}
		})
		if err != nil || len(logins) == 0 {
			return err
		}
		slices.SortFunc(logins, func(a, b knocks.AlertLogin) int {
			return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.ID, b.ID))
		})
		var ips []string
		for _, l := range logins {
			ips = append(ips, l.IP)
		}
		ipList, _ := json.Marshal(ips)
		rows, err := conn.QueryContext(ctx, `SELECT ip, COALESCE(country, reserved, ''), COALESCE(asn, 0) FROM ip_geo
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
		var f knocks.AlertFailure
		err = eachPackRec(ctx, conn, false, func(r *packRec) {
			if r.attempts > 0 {
				f.Start, f.Attempts = r.start, r.attempts
				fs.Add(f, r.ip, r.subnet, asnOf[r.ip], r.user, r.hasUser())
			}
		})
		if err != nil {
			return err
		}
		shown, err = alertsShown(ctx, conn)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("cannot find alerts: %w", err)
	}
	return knocks.FindAlerts(logins, fs, func(kind string, id int64) bool { return shown[alertID{kind, id}] }, o), nil
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
