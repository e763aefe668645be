package postgres

import (
	"context"
	"fmt"
	"math"
	"net/netip"
	"time"

	"github.com/jackc/pgx/v5"

	"knocks"
)

// bump moves the change counter of the store's host id inside tx, as its
// last write, and the count of changes to what kept results are made of
// when the triggers of migration 3 saw one in tx. Every transaction of
// the store that writes to those tables ends with it.
func (s *EventStore) bump(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `INSERT INTO generations (host_id, n, kept)
		VALUES ($1, 1, CASE WHEN current_setting('knocks.changed', true) = 'on' THEN 1 ELSE 0 END)
		ON CONFLICT (host_id) DO UPDATE SET n = generations.n + 1, kept = generations.kept + EXCLUDED.kept`, s.hostID)
	return err
}

// Generation returns a number that changes whenever an importer of any
// host commits a write (the sum of the hosts' change counters).
func (s *EventStore) Generation(ctx context.Context) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, "SELECT COALESCE(SUM(n), 0)::bigint FROM generations").Scan(&n); err != nil {
		return 0, fmt.Errorf("cannot read db version: %w", err)
	}
	return n, nil
}

// Activity returns the stored counts by host and by country (the top
// countries by attempts, the rest as "other"), the lines read per input
// name, and the times of the last commit and of the newest event, for the
// metrics of `knocks serve`, from SQL aggregates.
func (s *EventStore) Activity(ctx context.Context, topCountries int) (*knocks.Activity, error) {
	act := &knocks.Activity{}
	err := s.read(ctx, func(tx pgx.Tx) error {
		type key struct{ host, country string }
		groups := map[key]*knocks.GroupTotals{}
		group := func(host, country string) *knocks.GroupTotals {
			k := key{host, country}
			g := groups[k]
			if g == nil {
				g = &knocks.GroupTotals{Host: host, Country: country}
				groups[k] = g
			}
			return g
		}
		rows, err := tx.Query(ctx, `SELECT COALESCE(c.host, ''), COALESCE(g.country, g.reserved, 'unknown'),
			SUM(c.attempts)::bigint, count(*) FILTER (WHERE c.is_failure), count(*) FILTER (WHERE c.is_scan), SUM(c.logins)::bigint
			FROM connections c LEFT JOIN ip_geo g ON g.ip = c.ip GROUP BY 1, 2`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var h []byte
			var c string
			var a, n, sc, l int64
			if err := rows.Scan(&h, &c, &a, &n, &sc, &l); err != nil {
				rows.Close()
				return err
			}
			g := group(string(h), c)
			g.Attempts, g.Connections, g.Scans, g.Logins = a, n, sc, l
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT COALESCE(p.host, ''), COALESCE(g.country, g.reserved, 'unknown'), SUM(p.count)::bigint
			FROM penalty_events p LEFT JOIN ip_geo g ON g.ip = p.ip WHERE p.kind = 'drop' GROUP BY 1, 2`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var h []byte
			var c string
			var d int64
			if err := rows.Scan(&h, &c, &d); err != nil {
				rows.Close()
				return err
			}
			group(string(h), c).Drops = d
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		act.Groups = knocks.TopGroups(groups, topCountries)
		rows, err = tx.Query(ctx, `SELECT name, SUM(lines)::bigint, SUM(recognised)::bigint, SUM(unrecognised)::bigint, SUM(skipped)::bigint
			FROM import_inputs GROUP BY name ORDER BY 2 DESC, 1 LIMIT 50`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var st knocks.SourceTotals
			var name []byte
			if err := rows.Scan(&name, &st.Lines, &st.Recognised, &st.Unrecognised, &st.Skipped); err != nil {
				rows.Close()
				return err
			}
			st.Source = string(name)
			act.Sources = append(act.Sources, st)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		var imp, cp, ev *int64
		if err := tx.QueryRow(ctx, `SELECT (SELECT MAX(finished) FROM imports), (SELECT MAX(updated) FROM checkpoints),
			(SELECT MAX(end_time) FROM connections)`).Scan(&imp, &cp, &ev); err != nil {
			return err
		}
		if imp != nil || cp != nil {
			var t int64
			if imp != nil {
				t = *imp
			}
			if cp != nil {
				t = max(t, *cp)
			}
			act.LastImport = fromUnix(t)
		}
		if ev != nil {
			act.LastEvent = fromUnix(*ev)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cannot read activity: %w", err)
	}
	return act, nil
}

// Attackers calls f with every stored address that made an attempt since
// since (zero: ever) or that ever logged in, in the order of the
// addresses. PostgreSQL groups the connections by address; f gets one row
// at a time.
func (s *EventStore) Attackers(ctx context.Context, since time.Time, f func(knocks.Attacker) error) error {
	from := int64(math.MinInt64)
	if !since.IsZero() {
		from = since.Unix()
	}
	err := s.read(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT ip, COALESCE(SUM(attempts) FILTER (WHERE attempts > 0 AND start_time >= $1), 0)::bigint,
				MIN(start_time) FILTER (WHERE attempts > 0 AND start_time >= $1), MAX(end_time) FILTER (WHERE attempts > 0 AND start_time >= $1),
				bool_or(logins > 0)
			FROM connections WHERE ip IS NOT NULL AND (attempts > 0 OR logins > 0) GROUP BY ip ORDER BY ip`, from)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var ip string
			var a knocks.Attacker
			var first, last *int64
			if err := rows.Scan(&ip, &a.Attempts, &first, &last, &a.LoggedIn); err != nil {
				return err
			}
			addr, err := netip.ParseAddr(ip)
			if err != nil {
				continue
			}
			a.IP = addr
			if a.Attempts > 0 && first != nil && last != nil {
				a.First, a.Last = fromUnix(*first), fromUnix(*last)
			}
			if err := f(a); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		if knocks.ErrorCode(err) != knocks.EINTERNAL {
			return err
		}
		return fmt.Errorf("cannot read attackers: %w", err)
	}
	return nil
}
