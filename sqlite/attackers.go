package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"net/netip"
	"time"

	"knocks"
)

// Attacker is what Attackers knows of one source address.
type Attacker = knocks.Attacker

// Attackers calls f with every stored address that made an attempt since
// since (zero: ever) or that ever logged in, in no particular order. It
// reads the connections once and holds one entry per address.
func (s *EventStore) Attackers(ctx context.Context, since time.Time, f func(Attacker) error) error {
	from := int64(-1 << 62)
	if !since.IsZero() {
		from = since.Unix()
	}
	type acc struct {
		attempts, first, last int64
		loggedIn              bool
	}
	m := map[string]*acc{}
	err := s.read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, `SELECT ip, start_time, end_time, attempts, logins > 0 FROM connections
			WHERE ip IS NOT NULL AND (attempts > 0 OR logins > 0)`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var ip string
			var start, end, attempts int64
			var login bool
			if err := rows.Scan(&ip, &start, &end, &attempts, &login); err != nil {
				return err
			}
			a := m[ip]
			if a == nil {
				a = &acc{first: math.MaxInt64, last: math.MinInt64}
				m[ip] = a
			}
			a.loggedIn = a.loggedIn || login
			if attempts > 0 && start >= from {
				a.attempts += attempts
				a.first, a.last = min(a.first, start), max(a.last, end)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("cannot read attackers: %w", err)
	}
	for ip, a := range m {
		addr, err := netip.ParseAddr(ip)
		if err != nil {
			continue // written by hand through the sqlite3 shell
		}
		at := Attacker{IP: addr, Attempts: a.attempts, LoggedIn: a.loggedIn}
		if a.attempts > 0 {
			at.First, at.Last = fromUnix(a.first), fromUnix(a.last)
		}
		if err := f(at); err != nil {
			return err
		}
	}
	return nil
}
