package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strconv"

	"knocks"
)

// useRollups lets a summary read the rollup tables; tests turn it off to
// compare with the summary that reads every connection.
var useRollups = true

// rollupRead is a summary from the rollup tables (see rollup.go): their
// rows of one host (of all when host is ""), and the connections after
// the id that they cover, read one by one.
type rollupRead struct {
	host string
	raw  selection // the selected connections after rollup_state.covered
}

// rollupsFor returns how a summary for f reads the rollups, or nil when it
// cannot: a filter by time, address, user name, subnet, country or AS
// (the rollups keep neither), or rollups that are being made again.
func rollupsFor(ctx context.Context, conn *sql.Conn, f knocks.Filter, sel selection) (*rollupRead, error) {
	if !useRollups || !f.Since.IsZero() || !f.Until.IsZero() || f.Country != "" || f.ASN != 0 || f.IP.IsValid() ||
		f.User != "" || f.Subnet != "" {
		return nil, nil
	}
	w, err := covered(ctx, conn)
	if err != nil || w < 0 {
		return nil, err
	}
	raw := selection{ranges: []idRange{{w + 1, math.MaxInt64}}, where: sel.where, args: sel.args}
	return &rollupRead{host: f.Host, raw: raw}, nil
}

// where returns the condition on the host of the rollup tables, with its
// arguments: " WHERE host = ?", or nothing for every host.
func (r *rollupRead) where(and string) (string, []any) {
	if r.host == "" {
		return "", nil
	}
	return " " + and + " host = ?", []any{r.host}
}

// scan adds up in a the connections after the rollups and the totals,
// hosts and hours of the rollups.
func (r *rollupRead) scan(ctx context.Context, conn *sql.Conn, a *accumulator) error {
	if err := a.scan(ctx, conn, r.raw); err != nil {
		return err
	}
	where, args := r.where("WHERE")
	var first, last sql.NullInt64
	var attempts, conns, scans, logins, hostile int64
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(SUM(attempts), 0), COALESCE(SUM(conns), 0), COALESCE(SUM(scans), 0),
		COALESCE(SUM(logins), 0), COALESCE(SUM(hostile), 0), MIN(first), MAX(last) FROM rollup_hours`+where, args...).
		Scan(&attempts, &conns, &scans, &logins, &hostile, &first, &last); err != nil {
		return err
	}
	a.attempts, a.conns, a.scans, a.logins, a.hostile = a.attempts+attempts, a.conns+conns, a.scans+scans, a.logins+logins, a.hostile+hostile
	if first.Valid && last.Valid {
		a.first, a.last = min(a.first, first.Int64), max(a.last, last.Int64)
	}
	err := eachRow(ctx, conn, `SELECT hour, SUM(attempts) AS n FROM rollup_hours`+where+` GROUP BY hour HAVING n != 0`, args, func(rows *sql.Rows) error {
		var h, n int64
		if err := rows.Scan(&h, &n); err != nil {
			return err
		}
		a.hours[h] += n
		return nil
	})
	if err != nil {
		return err
	}
	hw, hargs := r.where("AND")
	err = eachRow(ctx, conn, `SELECT host, SUM(attempts) AS n FROM rollup_hours WHERE host != ''`+hw+` GROUP BY host HAVING n != 0`, hargs, func(rows *sql.Rows) error {
		var h string
		var n int64
		if err := rows.Scan(&h, &n); err != nil {
			return err
		}
		a.hosts[h] += n
		return nil
	})
	if err != nil {
		return err
	}
	and, hargs2 := r.where("AND")
	a.rollDays = func(codes string, add func(c string, day, n int64)) error {
		return eachRow(ctx, conn, `SELECT g.c, r.days FROM rollup_sources r JOIN temp.summary_geo g ON g.k = r.k
			WHERE r.days IS NOT NULL AND g.c IN (SELECT value FROM json_each(?))`+and, append([]any{codes}, hargs2...), func(rows *sql.Rows) error {
			var c string
			var b []byte
			if err := rows.Scan(&c, &b); err != nil {
				return err
			}
			return decodeDays(b, func(day, n int64) { add(c, day, n) })
		})
	}
	return nil
}

// tables fills the temporary tables of the summary (see tempTables) with
// the connections after the rollups and the rows of the rollups, added up
// by key where both (or several hosts) hold one.
func (r *rollupRead) tables(ctx context.Context, conn *sql.Conn, a *accumulator) error {
	if err := a.tables(ctx, conn, r.raw); err != nil {
		return err
	}
	var rawRows, hosts int64
	if err := conn.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM temp.summary_sources) + (SELECT COUNT(*) FROM temp.summary_users)`).
		Scan(&rawRows); err != nil {
		return err
	}
	if r.host == "" {
		if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT DISTINCT host FROM rollup_sources)`).Scan(&hosts); err != nil {
			return err
		}
	}
	where, args := r.where("WHERE")
	if _, err := conn.ExecContext(ctx, `INSERT INTO temp.summary_sources
		SELECT k, is_ip, attempts, conns, first, last, sub, sub48 FROM rollup_sources`+where, args...); err != nil {
		return err
	}
	and, args := r.where("AND")
	if _, err := conn.ExecContext(ctx, `INSERT INTO temp.summary_users
		SELECT name, invalid, attempts, conns FROM rollup_users WHERE conns > 0`+and, args...); err != nil {
		return err
	}
	if rawRows == 0 && hosts <= 1 {
		return nil
	}
	_, err := conn.ExecContext(ctx, `CREATE TEMP TABLE summary_regroup AS
			SELECT k, MAX(is_ip) AS is_ip, SUM(attempts) AS attempts, SUM(conns) AS conns, MIN(first) AS first, MAX(last) AS last,
				MAX(sub) AS sub, MAX(sub48) AS sub48
			FROM temp.summary_sources GROUP BY k;
		DROP TABLE temp.summary_sources;
		ALTER TABLE temp.summary_regroup RENAME TO summary_sources;
		CREATE TEMP TABLE summary_regroup AS
			SELECT name, invalid, SUM(attempts) AS attempts, SUM(conns) AS conns FROM temp.summary_users GROUP BY name, invalid;
		DROP TABLE temp.summary_users;
		ALTER TABLE temp.summary_regroup RENAME TO summary_users;`)
	return err
}

// topPorts returns the top source ports of the rollups and of the
// connections after them (in a.ports), most attempts first, ties by port.
func (r *rollupRead) topPorts(ctx context.Context, conn *sql.Conn, a *accumulator, top int) ([]knocks.KeyCount, error) {
	var counts [65536]int64
	for p, n := range a.ports {
		counts[p&65535] += n
	}
	where, args := r.where("WHERE")
	err := eachRow(ctx, conn, "SELECT host, ports FROM rollup_ports"+where, args, func(rows *sql.Rows) error {
		var host string
		var b []byte
		if err := rows.Scan(&host, &b); err != nil {
			return err
		}
		if err := decodePorts(b, func(p uint16, n int64) { counts[p] += n }); err != nil {
			return fmt.Errorf("ports of host %q: %w", host, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var ports []knocks.TimeBucket // N: the port
	for p, n := range counts {
		if p != 0 && n > 0 {
			ports = append(ports, knocks.TimeBucket{N: int64(p), Attempts: n})
		}
	}
	slices.SortFunc(ports, func(x, y knocks.TimeBucket) int {
		return cmp.Or(cmp.Compare(y.Attempts, x.Attempts), cmp.Compare(x.N, y.N))
	})
	l := []knocks.KeyCount{}
	for _, p := range ports[:min(top, len(ports))] {
		l = append(l, knocks.KeyCount{Key: strconv.FormatInt(p.N, 10), Attempts: p.Attempts, Share: knocks.Share(p.Attempts, a.attempts)})
	}
	return l, nil
}
