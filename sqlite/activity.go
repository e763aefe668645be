package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"knocks"
)

// maxSources bounds the input names of an Activity.
const maxSources = 50

// Activity returns the stored counts by host and by country (the top
// countries by attempts, the rest as "other"), the lines read per input
// name, and the times of the last commit and of the newest event, for the
// metrics of `knocks serve`. Its memory grows with hosts and countries,
// never with addresses.
func (s *EventStore) Activity(ctx context.Context, topCountries int) (*knocks.Activity, error) {
	act := &knocks.Activity{}
	err := s.read(ctx, func(conn *sql.Conn) error {
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
		rows, err := conn.QueryContext(ctx, `SELECT COALESCE(c.host, ''), COALESCE(g.country, g.reserved, 'unknown'),
			SUM(c.attempts), SUM(c.failure), SUM(c.scan), SUM(c.logins)
			FROM connections c LEFT JOIN ip_geo g ON g.ip = c.ip GROUP BY 1, 2`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var h, c string
			var a, n, sc, l int64
			if err := rows.Scan(&h, &c, &a, &n, &sc, &l); err != nil {
				rows.Close()
				return err
			}
			g := group(h, c)
			g.Attempts, g.Connections, g.Scans, g.Logins = a, n, sc, l
		}
		if err := rows.Close(); err != nil {
			return err
		}
		rows, err = conn.QueryContext(ctx, `SELECT COALESCE(p.host, ''), COALESCE(g.country, g.reserved, 'unknown'), SUM(p.count)
			FROM penalty_events p LEFT JOIN ip_geo g ON g.ip = p.ip WHERE p.kind = 'drop' GROUP BY 1, 2`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var h, c string
			var d int64
			if err := rows.Scan(&h, &c, &d); err != nil {
				rows.Close()
				return err
			}
			group(h, c).Drops = d
		}
		if err := rows.Close(); err != nil {
			return err
		}
		act.Groups = knocks.TopGroups(groups, topCountries)

		rows, err = conn.QueryContext(ctx, `SELECT name, SUM(lines), SUM(recognised), SUM(unrecognised), SUM(skipped)
			FROM import_inputs GROUP BY name ORDER BY 2 DESC, 1 LIMIT ?`, maxSources)
		if err != nil {
			return err
		}
		for rows.Next() {
			var st knocks.SourceTotals
			if err := rows.Scan(&st.Source, &st.Lines, &st.Recognised, &st.Unrecognised, &st.Skipped); err != nil {
				rows.Close()
				return err
			}
			act.Sources = append(act.Sources, st)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		var imp, cp, ev sql.NullInt64
		if err := conn.QueryRowContext(ctx, `SELECT (SELECT MAX(finished) FROM imports), (SELECT MAX(updated) FROM checkpoints),
			(SELECT MAX(max_end) FROM connection_spans)`).Scan(&imp, &cp, &ev); err != nil {
			return err
		}
		act.LastImport = fromNullUnix(sql.NullInt64{Int64: max(imp.Int64, cp.Int64), Valid: imp.Valid || cp.Valid})
		act.LastEvent = fromNullUnix(ev)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cannot read activity: %w", err)
	}
	return act, nil
}
