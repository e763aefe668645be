package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

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
	a.rollDays = func(idx map[string]int, add func(i int, day, n int64)) error {
		codes := make([]string, 0, len(idx))
		for c := range idx {
			codes = append(codes, c)
		}
		list, err := json.Marshal(codes)
		if err != nil {
			return err
		}
		return eachRow(ctx, conn, `SELECT g.c, r.days FROM rollup_sources r JOIN temp.summary_geo g ON g.k = r.k
			WHERE r.days IS NOT NULL AND g.c IN (SELECT value FROM json_each(?))`+and, append([]any{string(list)}, hargs2...), func(rows *sql.Rows) error {
			var c string
			var b []byte
			if err := rows.Scan(&c, &b); err != nil {
				return err
			}
			i := idx[c]
			return decodeDays(b, func(day, n int64) { add(i, day, n) })
		})
	}
	return nil
}

// sourceRecord is what eachSource reads of a row of rollup_sources, as one
// text: the lengths in bytes of host and k, is_ip, attempts, conns, first,
// last and days in hexadecimal, host and k, separated by commas (host and
// k are read by their lengths: they may hold any character).
const sourceRecord = `concat_ws(',', octet_length(host), octet_length(k), is_ip, attempts, conns, first, last, ifnull(hex(days), ''), host, k)`

// eachSource calls f with each row of rollup_sources of the host (all
// hosts when ""), or with those with attempts or failure connections
// unless every, read in chunks of chunkRows rows, each as one value of
// group_concat. The key and days it passes stay valid.
func (r *rollupRead) eachSource(ctx context.Context, conn *sql.Conn, every bool, f func(k string, isIP bool, attempts, conns, first, last int64, days []byte) error) error {
	// The first chunk from the least key, the next ones after the last
	// key of the one before.
	from := "(SELECT * FROM rollup_sources WHERE (host, k) %s (?1, ?2)%s ORDER BY host, k LIMIT ?3)"
	if r.host != "" {
		from = "(SELECT * FROM rollup_sources WHERE host = ?1 AND k %s ?2%s ORDER BY k LIMIT ?3)"
	}
	some := ""
	if !every {
		some = " AND (attempts > 0 OR conns > 0)"
	}
	host, k, op := r.host, "", ">="
	for ; ; op = ">" {
		var text sql.NullString
		var n int64
		if err := conn.QueryRowContext(ctx, "SELECT group_concat("+sourceRecord+", char(30)), COUNT(*) FROM "+fmt.Sprintf(from, op, some), host, k, chunkRows).
			Scan(&text, &n); err != nil || n == 0 {
			return err
		}
		rest := text.String
		days := make([]byte, 0, len(rest)/2)
		for i := int64(0); i < n; i++ {
			if i > 0 {
				if rest == "" || rest[0] != 0x1e {
					return errors.New("bad chunk of rollup_sources")
				}
				rest = rest[1:]
			}
			var v [8]int64
			var hexDays string
			for j := range v {
				field, after, ok := strings.Cut(rest, ",")
				if !ok {
					return errors.New("bad chunk of rollup_sources")
				}
				rest = after
				if j == 7 {
					hexDays = field
					break
				}
				var err error
				if v[j], err = strconv.ParseInt(field, 10, 64); err != nil {
					return fmt.Errorf("bad chunk of rollup_sources: %w", err)
				}
			}
			hl, kl := int(v[0]), int(v[1])
			if hl < 0 || kl < 0 || len(rest) < hl+1+kl || rest[hl] != ',' {
				return errors.New("bad chunk of rollup_sources")
			}
			host, k, rest = rest[:hl], rest[hl+1:hl+1+kl], rest[hl+1+kl:]
			start := len(days)
			for j := 0; j+1 < len(hexDays); j += 2 {
				days = append(days, unhex(hexDays[j])<<4|unhex(hexDays[j+1]))
			}
			if err := f(k, v[2] != 0, v[3], v[4], v[5], v[6], days[start:len(days):len(days)]); err != nil {
				return err
			}
		}
		if rest != "" {
			return errors.New("bad chunk of rollup_sources")
		}
		if n < int64(chunkRows) {
			return nil
		}
	}
}

// unhex returns the value of a hexadecimal digit.
func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// keyDays is the days of one row of rollup_sources (see decodeDays).
type keyDays struct {
	k    string
	days []byte
}

// merge adds the rows of the rollup tables to the addresses and users of
// a, and reports whether they all fit in its bounds (see maxAddrs): the
// summary then ranks them in memory, and the attempts per day of the
// rollups come from what merge read (rollDays). When they do not fit, a
// keeps neither map (nor any row of the rollups): SQL groups them (see
// tables).
func (r *rollupRead) merge(ctx context.Context, conn *sql.Conn, a *accumulator) (bool, error) {
	if a.sources == nil || a.users == nil {
		a.sources, a.users = nil, nil
		return false, nil
	}
	// A row without attempts or failure connections (an address that only
	// scanned) counts in no list; it matters only where another row (of
	// another host, or the connections after the rollups) has the same
	// key: then its times count.
	where, args := r.where("WHERE")
	var hosts int
	if r.host == "" {
		if err := conn.QueryRowContext(ctx, "SELECT (SELECT MIN(host) FROM rollup_sources) IS NOT (SELECT MAX(host) FROM rollup_sources)").
			Scan(&hosts); err != nil {
			return false, err
		}
	}
	every := len(a.sources) > 0 || hosts != 0
	if !every {
		if where == "" {
			where = " WHERE"
		} else {
			where += " AND"
		}
		where += " (attempts > 0 OR conns > 0)"
	}
	// The maps and slices are made once for the rows to come: growing
	// them would cost more than counting the rows.
	var rows int
	if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM rollup_sources"+where, args...).Scan(&rows); err != nil {
		return false, err
	}
	rows = min(rows, maxAddrs)
	sources := make(map[string]*source, len(a.sources)+rows)
	for k, src := range a.sources {
		sources[k] = src
	}
	a.sources = sources
	days := make([]keyDays, 0, rows)
	slab := make([]source, rows) // the new sources
	err := r.eachSource(ctx, conn, every, func(k string, isIP bool, attempts, conns, first, last int64, d []byte) error {
		src := a.sources[k]
		if src == nil {
			if len(a.sources) >= maxAddrs {
				return errTooMany
			}
			if len(slab) == 0 {
				slab = make([]source, 1024)
			}
			src, slab = &slab[0], slab[1:]
			src.first, src.last = first, last
			a.sources[k] = src
		}
		src.isIP = src.isIP || isIP
		src.first, src.last = min(src.first, first), max(src.last, last)
		src.attempts += attempts
		src.conns += conns
		if len(d) > 0 {
			days = append(days, keyDays{k, d})
		}
		return nil
	})
	if err == nil {
		and, args := r.where("AND")
		err = rawRows(ctx, conn, "SELECT name, invalid, attempts, conns FROM rollup_users WHERE conns > 0"+and, args, func(v []driver.Value) error {
			name, _ := v[0].(string)
			invalid, _ := v[1].(int64)
			attempts, _ := v[2].(int64)
			conns, _ := v[3].(int64)
			k := userKey{name, invalid != 0}
			u := a.users[k]
			if u == nil {
				if len(a.users) >= maxUsers {
					return errTooMany
				}
				u = &userCount{}
				a.users[k] = u
			}
			u.attempts += attempts
			u.conns += conns
			return nil
		})
	}
	if errors.Is(err, errTooMany) {
		a.sources, a.users = nil, nil
		return false, nil
	}
	if err != nil {
		return false, err
	}
	a.rollDays = func(idx map[string]int, add func(i int, day, n int64)) error {
		for _, d := range days {
			src := a.sources[d.k]
			if src == nil || src.loc == nil {
				continue
			}
			if i, ok := idx[src.loc.key()]; ok {
				if err := decodeDays(d.days, func(day, n int64) { add(i, day, n) }); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return true, nil
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
	ports := newTopper(top, func(x, y knocks.TimeBucket) int { // N: the port
		return cmp.Or(cmp.Compare(y.Attempts, x.Attempts), cmp.Compare(x.N, y.N))
	})
	for p, n := range counts {
		if p != 0 && n > 0 {
			ports.add(knocks.TimeBucket{N: int64(p), Attempts: n})
		}
	}
	l := []knocks.KeyCount{}
	for _, p := range ports.sorted() {
		l = append(l, knocks.KeyCount{Key: strconv.FormatInt(p.N, 10), Attempts: p.Attempts, Share: knocks.Share(p.Attempts, a.attempts)})
	}
	return l, nil
}
