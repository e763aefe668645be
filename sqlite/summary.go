package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"

	"knocks"

	msqlite "modernc.org/sqlite"
)

// selection is the WHERE clause of a filter over the connections table,
// with its arguments.
type selection struct {
	ranges  []idRange // the id ranges to read one by one; nil: the whole table
	where   string    // never empty
	args    []any
	f2b     string // the same over fail2ban_events; "" when none of them can match
	f2bArgs []any
}

// newSelection builds the selection of a filter: connections by start
// time (since ≤ start < until), host, and the country or AS of their
// address as stored in ip_geo; never rows with times outside knocks.MinTime
// to knocks.MaxTime. A time range is narrowed to the ids that
// connection_spans says may hold it.
func newSelection(ctx context.Context, tx *sql.Conn, f knocks.Filter) (selection, error) {
	// Rows with a time outside the range knocks stores (written by an
	// older version, or by hand) are left out: one bad row must not make
	// a report fail (JSON has no year 11476).
	conds := []string{"start_time >= ?", "end_time <= ?"}
	args := []any{knocks.MinTime.Unix(), knocks.MaxTime.Unix()}
	f2b := []string{"time BETWEEN ? AND ?"}
	f2bArgs := []any{knocks.MinTime.Unix(), knocks.MaxTime.Unix()}
	var ranges []idRange
	if !f.Since.IsZero() || !f.Until.IsZero() {
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		if !f.Since.IsZero() {
			lo = f.Since.Unix()
		}
		if !f.Until.IsZero() {
			hi = f.Until.Unix() - 1
		}
		var err error
		if ranges, err = idRanges(ctx, tx, lo, hi, math.MinInt64); err != nil {
			return selection{}, err
		}
	}
	if !f.Since.IsZero() {
		conds, args = append(conds, "start_time >= ?"), append(args, f.Since.Unix())
		f2b, f2bArgs = append(f2b, "time >= ?"), append(f2bArgs, f.Since.Unix())
	}
	if !f.Until.IsZero() {
		conds, args = append(conds, "start_time < ?"), append(args, f.Until.Unix())
		f2b, f2bArgs = append(f2b, "time < ?"), append(f2bArgs, f.Until.Unix())
	}
	if f.Host != "" {
		conds, args = append(conds, "host = ?"), append(args, f.Host)
		f2b, f2bArgs = append(f2b, "host = ?"), append(f2bArgs, f.Host)
	}
	if f.Country != "" {
		c := "ip IN (SELECT ip FROM ip_geo WHERE country = ? OR reserved = ?)"
		conds, args = append(conds, c), append(args, strings.ToUpper(f.Country), strings.ToLower(f.Country))
		f2b, f2bArgs = append(f2b, c), append(f2bArgs, strings.ToUpper(f.Country), strings.ToLower(f.Country))
	}
	if f.ASN != 0 {
		c := "ip IN (SELECT ip FROM ip_geo WHERE asn = ?)"
		conds, args = append(conds, c), append(args, int64(f.ASN))
		f2b, f2bArgs = append(f2b, c), append(f2bArgs, int64(f.ASN))
	}
	if f.IP.IsValid() {
		conds, args = append(conds, "ip = ?"), append(args, f.IP.Unmap().String())
		f2b, f2bArgs = append(f2b, "ip = ?"), append(f2bArgs, f.IP.Unmap().String())
	}
	if f.User != "" {
		conds, args = append(conds, "username = ?"), append(args, f.User)
	}
	if f.Subnet != "" {
		conds, args = append(conds, "subnet = ?"), append(args, f.Subnet)
	}
	if f.User != "" || f.Subnet != "" {
		f2b = append(f2b, "0") // fail2ban.log lines name no user; their subnets are not stored
	}
	s := selection{ranges: ranges, where: strings.Join(conds, " AND "), args: args, f2b: strings.Join(f2b, " AND "), f2bArgs: f2bArgs}
	return s, nil
}

// The most keys that a summary adds up in memory while it reads the
// connections: addresses (and host names), user names, and (address, day)
// pairs. Attackers choose their addresses and user names, so past these a
// summary drops that map and lets SQLite group the rows instead, sorting
// on disk (temp_store=FILE): its memory grows with what it prints, never
// with what is stored. Variables, so that tests can take the other path.
var (
	maxAddrs = 100_000
	maxUsers = 100_000
	maxDays  = 400_000
)

// Summary computes the report for a filter from one consistent snapshot of
// the database, so that an import writing at the same time never makes its
// numbers disagree. It reads the selected connections once (or the rollup
// tables and the connections after them) and adds up in memory what has
// few keys (hosts, ports, hours) and, up to maxAddrs and maxUsers keys, the
// addresses and user names, which it then ranks in memory with their
// stored locations (see summary_mem.go). Past those bounds they go into
// temporary tables (from SQLite's GROUP BY), and every list keyed by
// address, user name, subnet or location is ranked and cut by SQL, to the
// same lists. A top list holds at most knocks.MaxTop rows. See
// docs/schema.md for how each field is computed.
//
// The summary that KeepResults kept for f, while still that of what is
// stored, is read instead.
func (s *EventStore) Summary(ctx context.Context, f knocks.Filter) (*knocks.Summary, error) {
	top := f.Top
	if top <= 0 {
		top = 10
	}
	f.Top = top
	var kept knocks.Summary
	if ok, err := s.kept(ctx, knocks.SummaryKey(f), &kept); err != nil {
		return nil, fmt.Errorf("cannot summarise: %w", err)
	} else if ok {
		kept.Filter, kept.Generated = f, s.now()
		return &kept, nil
	}
	return s.summary(ctx, f)
}

// summary is Summary from the connections.
func (s *EventStore) summary(ctx context.Context, f knocks.Filter) (*knocks.Summary, error) {
	top := min(f.Top, knocks.MaxTop)
	sum := &knocks.Summary{Filter: f, Generated: s.now()}
	err := s.readTemp(ctx, func(conn *sql.Conn) error {
		sel, err := newSelection(ctx, conn, f)
		if err != nil {
			return err
		}
		a := newAccumulator()
		ro, err := rollupsFor(ctx, conn, f, sel)
		if err != nil {
			return err
		}
		if ro != nil {
			err = ro.scan(ctx, conn, a)
		} else {
			err = a.scan(ctx, conn, sel)
		}
		if err != nil {
			return err
		}
		if err := period(ctx, conn, sel, a); err != nil {
			return err
		}
		if err := penalties(ctx, conn, f, top, sum, a); err != nil {
			return err
		}
		if err := conn.QueryRowContext(ctx, "SELECT COALESCE(SUM(lines), 0) FROM checkpoints").Scan(&sum.LinesRead); err != nil {
			return err
		}
		if sum.Lines, err = selectedLines(ctx, conn, f, sum.LinesRead); err != nil {
			return err
		}
		// In memory when every address and user fits (see summary_mem.go),
		// else by SQL from temporary tables.
		a.inMem = a.sources != nil && a.users != nil
		if ro != nil {
			if a.inMem, err = ro.merge(ctx, conn, a); err != nil {
				return err
			}
		}
		switch {
		case a.inMem:
			err = a.locate(ctx, conn)
		case ro != nil:
			err = ro.tables(ctx, conn, a)
		default:
			err = a.tables(ctx, conn, sel)
		}
		if err != nil {
			return err
		}
		a.fill(sum)
		if ro != nil {
			if sum.TopPorts, err = ro.topPorts(ctx, conn, a, top); err != nil {
				return err
			}
		}
		if a.inMem {
			a.rank(sum, top)
			a.fillGeoMem(sum, top)
		} else {
			if err := ranked(ctx, conn, sum, top); err != nil {
				return err
			}
			if err := fillGeo(ctx, conn, sum, top); err != nil {
				return err
			}
		}
		daysSel := sel
		if ro != nil {
			daysSel = ro.raw
		}
		if err := a.countryDays(ctx, conn, daysSel, sum); err != nil {
			return err
		}
		return bans(ctx, conn, sel, top, sum, a)
	})
	if err != nil {
		return nil, fmt.Errorf("cannot compute summary: %w", err)
	}
	return sum, nil
}

// readTemp is read for a reader that writes temporary tables: to files
// (temp_store=FILE), so that SQLite's sorts of them spill to disk rather
// than grow in memory, and allowed on a read-only store (query_only is off
// meanwhile; mode=ro still keeps the database file from any change).
func (s *EventStore) readTemp(ctx context.Context, f func(*sql.Conn) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	restore := []string{"PRAGMA temp_store = MEMORY"}
	if s.readOnly {
		restore = append(restore, "PRAGMA query_only = 1")
	}
	defer func() {
		for _, q := range restore {
			if _, err := conn.ExecContext(context.Background(), q); err != nil {
				// The connection must not go back to the pool as it is.
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
				return
			}
		}
	}()
	for _, q := range []string{"PRAGMA query_only = 0", "PRAGMA temp_store = FILE", "BEGIN DEFERRED"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	defer func() {
		if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
			// The transaction may still be open: the connection must
			// not go back to the pool.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return f(conn)
}

// selectedLines returns the lines read in the time and host of a filter:
// all lines without a filter; nil for a filter by country, AS, address,
// subnet or user name (Filter.ByAddress: lines are not counted by
// address) and while some lines read are in no hour (see
// migration 7); else the sum of the counts of the host's hours in the
// range, those at either end in proportion to the part of the hour the
// range covers.
func selectedLines(ctx context.Context, conn *sql.Conn, f knocks.Filter, all int64) (*int64, error) {
	if f.ByAddress() {
		return nil, nil
	}
	if f.Since.IsZero() && f.Until.IsZero() && f.Host == "" {
		return &all, nil
	}
	var unbucketed int64
	if err := conn.QueryRowContext(ctx, "SELECT lines FROM lines_unbucketed WHERE id = 1").Scan(&unbucketed); err != nil {
		return nil, err
	}
	if unbucketed > 0 {
		return nil, nil
	}
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !f.Since.IsZero() {
		lo = f.Since.Unix()
	}
	if !f.Until.IsZero() {
		hi = f.Until.Unix()
	}
	q := "SELECT hour, lines FROM line_counts WHERE hour > ? AND hour < ?"
	args := []any{max(lo, math.MinInt64+3600) - 3600, hi}
	if f.Host != "" {
		q += " AND host = ?"
		args = append(args, f.Host)
	}
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var sum float64
	for rows.Next() {
		var hour, n int64
		if err := rows.Scan(&hour, &n); err != nil {
			return nil, err
		}
		sum += float64(n) * knocks.HourOverlap(hour, lo, hi)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	lines := int64(math.Round(sum))
	return &lines, nil
}

// hostileShare returns hostile lines as a share of lines, at most 1 (a
// "message repeated N times" line counts N hostile lines); nil when lines
// is nil, 0 when it is 0.
func hostileShare(hostile int64, lines *int64) *float64 {
	if lines == nil || *lines == 0 {
		return nil // unknown, or a share of nothing
	}
	v := min(knocks.Share(hostile, *lines), 1)
	return &v
}

// source is what an accumulator knows of one address (or host name).
type source struct {
	isIP        bool
	attempts    int64
	conns       int64 // failure connections
	first, last int64
	loc         *location // of an address with attempts, once located (see locate)
}

// userKey is a user name with its validity.
type userKey struct {
	user    string
	invalid bool
}

// userCount is what an accumulator knows of one user name.
type userCount struct {
	attempts, conns int64
}

// ipDay is one address on one UTC day, for PerCountryDay.
type ipDay struct {
	ip  string
	day int64
}

// accumulator adds up the selected connections. Its maps of addresses,
// users and days are nil once they would hold more keys than their bound
// (see maxAddrs): SQL then groups those rows.
type accumulator struct {
	attempts, conns, scans, logins, hostile int64
	first, last                             int64 // of connections with events; last < first when none
	hosts                                   map[string]int64
	ports, hours                            map[int64]int64
	sources                                 map[string]*source
	users                                   map[userKey]*userCount
	days                                    map[ipDay]int64
	// rollDays, when set, calls add with the attempts per day of the
	// addresses of the countries of idx (by their index there) that the
	// rollups hold: a summary from the rollups (see rollupRead) sets it.
	rollDays func(idx map[string]int, add func(i int, day, n int64)) error
	// inMem says that the summary ranks sources and users from the maps,
	// whose addresses carry their locations (see summary_mem.go); else
	// SQL ranks the temporary tables.
	inMem bool
}

func newAccumulator() *accumulator {
	return &accumulator{
		first: math.MaxInt64, last: math.MinInt64,
		hosts: map[string]int64{}, ports: map[int64]int64{}, hours: map[int64]int64{},
		sources: map[string]*source{}, users: map[userKey]*userCount{}, days: map[ipDay]int64{},
	}
}

// The bits of the packed column of scan.
const (
	bitFailure = 1 << iota // failure: the connection counts in connections
	bitScan                // scan: the connection is a scan
	bitHasUser             // username IS NOT NULL
	bitInvalid             // invalid_user
	bitIP                  // the source is an address, not a host name
)

// scanQuery reads what a summary needs of each selected connection in as
// few columns as it can: every column costs more to fetch through the
// driver than SQLite takes to produce it. packed holds the flags above in
// its low byte, the port in the next two and the logins above them (in
// SQLite, | and << bind equally tightly: hence the parentheses).
const scanQuery = `SELECT host, start_time, end_time, COALESCE(ip, rhost), username,
	failure | (scan << 1) | ((username IS NOT NULL) << 2) | ((invalid_user != 0) << 3)
		| ((ip IS NOT NULL) << 4) | ((COALESCE(port, 0) & 65535) << 8) | (logins << 24),
	attempts, hostile_lines
	FROM connections WHERE `

// scan reads the selected connections and adds them up. It reads the rows
// through the driver directly (see scanQuery).
func (a *accumulator) scan(ctx context.Context, conn *sql.Conn, sel selection) error {
	add := func(v []driver.Value) error {
		host, _ := v[0].(string)
		start, _ := v[1].(int64)
		end, _ := v[2].(int64)
		src, _ := v[3].(string)
		user, _ := v[4].(string)
		packed, _ := v[5].(int64)
		attempts, _ := v[6].(int64)
		hostile, _ := v[7].(int64)
		a.add(host, start, end, src, user, packed, attempts, hostile)
		return nil
	}
	if sel.ranges == nil {
		return rawRows(ctx, conn, scanQuery+sel.where, sel.args, add)
	}
	for _, r := range sel.ranges {
		if err := rawRows(ctx, conn, scanQuery+"id BETWEEN ? AND ? AND "+sel.where, append([]any{r.lo, r.hi}, sel.args...), add); err != nil {
			return err
		}
	}
	return nil
}

// add adds up one connection.
func (a *accumulator) add(host string, start, end int64, key, user string, packed, attempts, hostile int64) {
	failure, hasUser, invalid, isIP := packed&bitFailure != 0, packed&bitHasUser != 0, packed&bitInvalid != 0, packed&bitIP != 0
	port, logins := packed>>8&65535, packed>>24
	a.attempts += attempts
	a.logins += logins
	a.hostile += hostile
	if hostile+logins > 0 {
		a.first, a.last = min(a.first, start), max(a.last, end)
	}
	if packed&bitScan != 0 {
		a.scans++
	}
	if failure {
		a.conns++
	}
	if key != "" && a.sources != nil {
		src := a.sources[key]
		if src == nil && len(a.sources) < maxAddrs {
			src = &source{first: start, last: end}
			a.sources[key] = src
		}
		if src == nil {
			a.sources, a.days = nil, nil
		} else {
			src.isIP = src.isIP || isIP
			src.first, src.last = min(src.first, start), max(src.last, end)
			src.attempts += attempts
			if failure {
				src.conns++
			}
		}
	}
	if failure && hasUser && a.users != nil {
		k := userKey{user, invalid}
		u := a.users[k]
		if u == nil && len(a.users) < maxUsers {
			u = &userCount{}
			a.users[k] = u
		}
		if u == nil {
			a.users = nil
		} else {
			u.attempts += attempts
			u.conns++
		}
	}
	if attempts == 0 {
		return
	}
	if host != "" {
		a.hosts[host] += attempts
	}
	if port != 0 {
		a.ports[port] += attempts
	}
	a.hours[knocks.FloorDiv(start, 3600)] += attempts
	if isIP && key != "" && a.days != nil {
		k := ipDay{key, knocks.FloorDiv(start, 86400)}
		if n, ok := a.days[k]; ok || len(a.days) < maxDays {
			a.days[k] = n + attempts
		} else {
			a.days = nil
		}
	}
}

// period widens the first and last time by the selected fail2ban events.
func period(ctx context.Context, tx *sql.Conn, sel selection, a *accumulator) error {
	if sel.f2b == "" {
		return nil
	}
	var first, last sql.NullInt64
	err := tx.QueryRowContext(ctx, "SELECT MIN(time), MAX(time) FROM fail2ban_events WHERE "+sel.f2b, sel.f2bArgs...).
		Scan(&first, &last)
	if err != nil || !first.Valid {
		return err
	}
	a.first, a.last = min(a.first, first.Int64), max(a.last, last.Int64)
	return nil
}

// The temporary tables that a summary ranks: every selected address (or
// host name) and every user name of a failure connection, with what they
// add up to. They live in the read transaction of the summary, which rolls
// them back at its end.
const tempTables = `DROP TABLE IF EXISTS temp.summary_sources;
DROP TABLE IF EXISTS temp.summary_users;
CREATE TEMP TABLE summary_sources (
	k        TEXT    NOT NULL,  -- COALESCE(ip, rhost)
	is_ip    INTEGER NOT NULL,
	attempts INTEGER NOT NULL,
	conns    INTEGER NOT NULL,  -- failure connections
	first    INTEGER NOT NULL,  -- the least start_time
	last     INTEGER NOT NULL,  -- the greatest end_time
	sub      TEXT,              -- /24 or /64 of an address
	sub48    TEXT               -- /48 of an IPv6 address
);
CREATE TEMP TABLE summary_users (
	name     TEXT    NOT NULL,
	invalid  INTEGER NOT NULL,
	attempts INTEGER NOT NULL,
	conns    INTEGER NOT NULL   -- failure connections (all of its rows)
);`

// selectedIDs returns the WHERE clause and arguments of a selection with
// its id ranges, for one statement over the connections.
func selectedIDs(sel selection) (string, []any) {
	if sel.ranges == nil {
		return sel.where, sel.args
	}
	if len(sel.ranges) == 0 {
		return "0", nil
	}
	var b strings.Builder
	args := make([]any, 0, 2*len(sel.ranges)+len(sel.args))
	b.WriteByte('(')
	for i, r := range sel.ranges {
		if i > 0 {
			b.WriteString(" OR ")
		}
		b.WriteString("id BETWEEN ? AND ?")
		args = append(args, r.lo, r.hi)
	}
	b.WriteString(") AND ")
	b.WriteString(sel.where)
	return b.String(), append(args, sel.args...)
}

// tables fills the temporary tables from the maps of the accumulator, or
// by SQL from the selected connections where a map went past its bound.
func (a *accumulator) tables(ctx context.Context, conn *sql.Conn, sel selection) error {
	if _, err := conn.ExecContext(ctx, tempTables); err != nil {
		return err
	}
	where, args := selectedIDs(sel)
	if a.sources == nil {
		if _, err := conn.ExecContext(ctx, `INSERT INTO temp.summary_sources
			SELECT k, is_ip, attempts, conns, first, last,
				CASE WHEN is_ip THEN knocks_subnet(k, 0) END, CASE WHEN is_ip THEN knocks_subnet(k, 1) END
			FROM (SELECT COALESCE(ip, rhost) AS k, MAX(ip IS NOT NULL) AS is_ip, SUM(attempts) AS attempts,
				SUM(failure_lines > 0) AS conns, MIN(start_time) AS first, MAX(end_time) AS last
				FROM connections WHERE `+where+` AND COALESCE(ip, rhost) != '' GROUP BY 1)`, args...); err != nil {
			return err
		}
	} else {
		keys := make([]string, 0, len(a.sources))
		for k := range a.sources {
			keys = append(keys, k)
		}
		// In key order, as SQL's GROUP BY writes them: the joins with
		// ip_geo then read its pages in order.
		slices.Sort(keys)
		err := insertTemp(ctx, conn, "INSERT INTO temp.summary_sources VALUES ", 8, len(keys), func(v []driver.NamedValue, i int) {
			src := a.sources[keys[i]]
			v[0].Value, v[1].Value, v[2].Value, v[3].Value = keys[i], boolInt(src.isIP), src.attempts, src.conns
			v[4].Value, v[5].Value, v[6].Value, v[7].Value = src.first, src.last, nil, nil
			if src.isIP {
				v[6].Value, v[7].Value = subnets(keys[i])
			}
		})
		if err != nil {
			return err
		}
	}
	if a.users == nil {
		_, err := conn.ExecContext(ctx, `INSERT INTO temp.summary_users
			SELECT username, invalid_user != 0, SUM(attempts), COUNT(*) FROM connections
			WHERE `+where+` AND failure_lines > 0 AND username IS NOT NULL GROUP BY 1, 2`, args...)
		return err
	}
	keys := make([]userKey, 0, len(a.users))
	for k := range a.users {
		keys = append(keys, k)
	}
	return insertTemp(ctx, conn, "INSERT INTO temp.summary_users VALUES ", 4, len(keys), func(v []driver.NamedValue, i int) {
		u := a.users[keys[i]]
		v[0].Value, v[1].Value, v[2].Value, v[3].Value = keys[i].user, boolInt(keys[i].invalid), u.attempts, u.conns
	})
}

// subnets returns the /24 or /64 and the /48 of the address in text form
// ip, as stored values (nil for none).
func subnets(ip string) (any, any) {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return nil, nil
	}
	s, s48 := knocks.Subnets(a)
	return nullString(s), nullString(s48)
}

// insertTemp inserts n rows of cols values into a temporary table with
// multi-row INSERTs through the driver; head is the statement up to VALUES.
func insertTemp(ctx context.Context, conn *sql.Conn, head string, cols, n int, setRow func([]driver.NamedValue, int)) error {
	return upsertRows(ctx, conn, head, "", cols, n, setRow)
}

// fill sets the fields of sum that the accumulator holds: the totals, the
// hosts, ports and the time series.
func (a *accumulator) fill(sum *knocks.Summary) {
	top := min(sum.Filter.Top, knocks.MaxTop)
	sum.Attempts, sum.Connections, sum.Scans, sum.Logins = a.attempts, a.conns, a.scans, a.logins
	sum.HostileLines = a.hostile
	sum.HostileShare = hostileShare(sum.HostileLines, sum.Lines)
	if a.first <= a.last {
		sum.First, sum.Last = fromUnix(a.first), fromUnix(a.last)
	}
	sum.TopHosts = topKeys(a.hosts, a.attempts, top)
	ports := make([]knocks.TimeBucket, 0, len(a.ports)) // N: the port
	for p, n := range a.ports {
		ports = append(ports, knocks.TimeBucket{N: p, Attempts: n})
	}
	slices.SortFunc(ports, func(x, y knocks.TimeBucket) int {
		if c := cmp.Compare(y.Attempts, x.Attempts); c != 0 {
			return c
		}
		return cmp.Compare(x.N, y.N)
	})
	sum.TopPorts = []knocks.KeyCount{}
	for _, p := range ports[:min(top, len(ports))] {
		sum.TopPorts = append(sum.TopPorts, knocks.KeyCount{Key: strconv.FormatInt(p.N, 10), Attempts: p.Attempts, Share: knocks.Share(p.Attempts, a.attempts)})
	}

	hours := make([]knocks.TimeBucket, 0, len(a.hours))
	for h, n := range a.hours {
		hours = append(hours, knocks.TimeBucket{N: h, Attempts: n})
	}
	sort.Slice(hours, func(i, j int) bool { return hours[i].N < hours[j].N })
	knocks.SetSeries(sum, hours)
}

// ranked sets the fields of sum that rank the temporary tables: the unique
// addresses, host names and users, the top users, IPs and subnets.
func ranked(ctx context.Context, conn *sql.Conn, sum *knocks.Summary, top int) error {
	err := conn.QueryRowContext(ctx, `SELECT COALESCE(SUM(is_ip), 0), COALESCE(SUM(NOT is_ip), 0)
		FROM temp.summary_sources WHERE conns > 0`).Scan(&sum.UniqueIPs, &sum.UniqueHosts)
	if err != nil {
		return err
	}
	if err := conn.QueryRowContext(ctx, "SELECT COUNT(DISTINCT name) FROM temp.summary_users").Scan(&sum.UniqueUsers); err != nil {
		return err
	}
	users := func(cond string) ([]knocks.UserCount, error) {
		l := []knocks.UserCount{}
		err := eachRow(ctx, conn, `SELECT name, invalid, attempts FROM temp.summary_users WHERE attempts > 0`+cond+`
			ORDER BY attempts DESC, name, invalid LIMIT ?`, []any{top}, func(rows *sql.Rows) error {
			var u knocks.UserCount
			var invalid bool
			if err := rows.Scan(&u.User, &invalid, &u.Attempts); err != nil {
				return err
			}
			u.Valid, u.Share = !invalid, knocks.Share(u.Attempts, sum.Attempts)
			l = append(l, u)
			return nil
		})
		return l, err
	}
	if sum.TopUsers, err = users(""); err != nil {
		return err
	}
	if sum.TopValidUsers, err = users(" AND invalid = 0"); err != nil {
		return err
	}
	if sum.TopInvalidUsers, err = users(" AND invalid = 1"); err != nil {
		return err
	}

	var top3 int64
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(SUM(attempts), 0) FROM
		(SELECT attempts FROM temp.summary_sources WHERE attempts > 0 ORDER BY attempts DESC LIMIT 3)`).Scan(&top3); err != nil {
		return err
	}
	sum.Top3Share = knocks.Share(top3, sum.Attempts)
	if sum.TopIPs, err = topSources(ctx, conn, "", nil, top, sum.Attempts); err != nil {
		return err
	}
	for _, s := range []struct {
		col string
		out *[]knocks.KeyCount
	}{{"sub", &sum.TopSubnets}, {"sub48", &sum.TopSubnets48}} {
		if *s.out, err = keyCounts(ctx, conn, `SELECT `+s.col+`, SUM(attempts) AS n FROM temp.summary_sources
			WHERE is_ip AND attempts > 0 AND `+s.col+` IS NOT NULL GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?`, []any{top}, sum.Attempts); err != nil {
			return err
		}
	}
	return nil
}

// topSources returns the top sources of the temporary table with attempts
// that meet cond (" AND ..." with args), most first, ties by key, with
// their location.
func topSources(ctx context.Context, conn *sql.Conn, cond string, args []any, top int, total int64) ([]knocks.IPCount, error) {
	l := []knocks.IPCount{}
	// The top rows first, then their locations: a join before the
	// LIMIT would look up every source.
	err := eachRow(ctx, conn, `SELECT s.k, s.attempts, s.conns, s.first, s.last,
			COALESCE(g.reserved, ''), COALESCE(g.country, ''), COALESCE(g.asn, 0), COALESCE(g.org, '')
		FROM (SELECT * FROM temp.summary_sources s WHERE s.attempts > 0`+cond+` ORDER BY s.attempts DESC, s.k LIMIT ?) s
		LEFT JOIN ip_geo g ON s.is_ip AND g.ip = s.k ORDER BY s.attempts DESC, s.k`, append(args, top), func(rows *sql.Rows) error {
		var r knocks.IPCount
		var first, last, asn int64
		var reserved string
		if err := rows.Scan(&r.IP, &r.Attempts, &r.Connections, &first, &last, &reserved, &r.Country, &asn, &r.Org); err != nil {
			return err
		}
		r.Share, r.First, r.Last = knocks.Share(r.Attempts, total), fromUnix(first), fromUnix(last)
		if reserved != "" {
			r.Country, r.Org = reserved, ""
		} else if asn > 0 && asn <= math.MaxUint32 {
			r.ASN = uint32(asn)
		}
		l = append(l, r)
		return nil
	})
	return l, err
}

// keyCounts returns the rows (key, attempts) of a query as KeyCounts.
func keyCounts(ctx context.Context, conn *sql.Conn, query string, args []any, total int64) ([]knocks.KeyCount, error) {
	l := []knocks.KeyCount{}
	err := eachRow(ctx, conn, query, args, func(rows *sql.Rows) error {
		var k knocks.KeyCount
		if err := rows.Scan(&k.Key, &k.Attempts); err != nil {
			return err
		}
		k.Share = knocks.Share(k.Attempts, total)
		l = append(l, k)
		return nil
	})
	return l, err
}

// eachRow calls f for every row of a query.
func eachRow(ctx context.Context, conn *sql.Conn, query string, args []any, f func(*sql.Rows) error) error {
	rows, err := conn.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// topKeys returns the top keys of m by attempts, ties by key.
func topKeys(m map[string]int64, total int64, top int) []knocks.KeyCount {
	t := newTopper(top, func(x, y knocks.KeyCount) int {
		return cmp.Or(cmp.Compare(y.Attempts, x.Attempts), strings.Compare(x.Key, y.Key))
	})
	for k, n := range m {
		t.add(knocks.KeyCount{Key: k, Attempts: n, Share: knocks.Share(n, total)})
	}
	return append([]knocks.KeyCount{}, t.sorted()...)
}

// geoTemp is the join of the selected addresses with attempts with their
// stored locations, made once for fillGeo and countryDays (each of their
// queries looked every address up again): c is the key of a location in
// the country lists (its reserved label, else its country code), res 1
// for a reserved range. It lives in the read transaction of the summary.
const geoTemp = `DROP TABLE IF EXISTS temp.summary_geo;
CREATE TEMP TABLE summary_geo (
	k TEXT PRIMARY KEY, attempts INTEGER NOT NULL, c TEXT, res INTEGER NOT NULL,
	country_name TEXT, country TEXT, region TEXT, city TEXT, lat REAL, lon REAL, has_coords INTEGER,
	asn INTEGER, org TEXT, prefix TEXT, source TEXT
) WITHOUT ROWID;
INSERT INTO temp.summary_geo
	SELECT s.k, s.attempts, COALESCE(NULLIF(g.reserved, ''), g.country), COALESCE(g.reserved, '') != '',
		g.country_name, g.country, g.region, g.city, g.lat, g.lon, g.has_coords, g.asn, g.org, g.prefix, g.source
	FROM temp.summary_sources s JOIN ip_geo g ON g.ip = s.k WHERE s.is_ip AND s.attempts > 0;`

// located selects the rows of summary_geo; notRes leaves out reserved
// ranges.
const (
	located = ` FROM temp.summary_geo g WHERE 1`
	notRes  = ` AND NOT g.res`
)

// fillGeo sets the fields of sum that need the stored locations: top
// countries, ASNs, announced prefixes and cities, every country and
// located city, and the sources of the locations. Addresses without a
// stored location (or prefix) are left out; reserved addresses count
// under their label in Reserved and nowhere else.
func fillGeo(ctx context.Context, conn *sql.Conn, sum *knocks.Summary, top int) error {
	sum.TopCountries, sum.TopASNs, sum.TopCities = []knocks.GeoCount{}, []knocks.ASNCount{}, []knocks.CityCount{}
	sum.Reserved = []knocks.GeoCount{}
	sum.Countries, sum.Cities, sum.PerCountryDay = []knocks.GeoCount{}, []knocks.CityCount{}, []knocks.SeriesDay{}
	if _, err := conn.ExecContext(ctx, geoTemp); err != nil {
		return err
	}
	err := eachRow(ctx, conn, `SELECT g.c, MAX(g.res), COALESCE(MAX(g.country_name), ''),
			SUM(g.attempts) AS n, COUNT(*)`+located+` AND COALESCE(g.c, '') != ''
		GROUP BY g.c ORDER BY n DESC, g.c`, nil, func(rows *sql.Rows) error {
		var c knocks.GeoCount
		var reserved bool
		if err := rows.Scan(&c.Country, &reserved, &c.Name, &c.Attempts, &c.IPs); err != nil {
			return err
		}
		c.Share = knocks.Share(c.Attempts, sum.Attempts)
		if reserved {
			c.Name = reservedName
			sum.Reserved = append(sum.Reserved, c)
		} else {
			sum.Countries = append(sum.Countries, c)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sum.TopCountries = append(sum.TopCountries, sum.Countries[:min(top, len(sum.Countries))]...)

	asn := `g.asn > 0 AND g.asn <= ` + strconv.FormatInt(math.MaxUint32, 10)
	err = eachRow(ctx, conn, `SELECT g.asn, SUM(g.attempts) AS n, COUNT(*)`+located+notRes+` AND `+asn+`
		GROUP BY g.asn ORDER BY n DESC, g.asn LIMIT ?`, []any{top}, func(rows *sql.Rows) error {
		var c knocks.ASNCount
		if err := rows.Scan(&c.ASN, &c.Attempts, &c.IPs); err != nil {
			return err
		}
		c.Share = knocks.Share(c.Attempts, sum.Attempts)
		sum.TopASNs = append(sum.TopASNs, c)
		return nil
	})
	if err != nil {
		return err
	}
	if len(sum.TopASNs) > 0 {
		// The name of an AS is the one its addresses with the most
		// attempts carry (the smallest of equals).
		asns := make([]uint32, len(sum.TopASNs))
		idx := map[uint32]int{}
		for i, c := range sum.TopASNs {
			asns[i], idx[c.ASN] = c.ASN, i
		}
		list, _ := json.Marshal(asns)
		best := make([]int64, len(asns))
		err = eachRow(ctx, conn, `SELECT g.asn, g.org, SUM(g.attempts)`+located+notRes+` AND COALESCE(g.org, '') != ''
			AND g.asn IN (SELECT value FROM json_each(?)) GROUP BY 1, 2 ORDER BY 1, 2`, []any{string(list)}, func(rows *sql.Rows) error {
			var a uint32
			var org string
			var n int64
			if err := rows.Scan(&a, &org, &n); err != nil {
				return err
			}
			if i := idx[a]; n > best[i] {
				sum.TopASNs[i].Org, best[i] = org, n
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if sum.TopPrefixes, err = keyCounts(ctx, conn, `SELECT g.prefix, SUM(g.attempts) AS n`+located+notRes+`
		AND COALESCE(g.prefix, '') != '' GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?`, []any{top}, sum.Attempts); err != nil {
		return err
	}

	// Addresses of one city may carry slightly different coordinates:
	// they are weighed by attempts.
	const coords = `g.has_coords AND g.lat IS NOT NULL AND g.lon IS NOT NULL`
	err = eachRow(ctx, conn, `SELECT COALESCE(g.country, ''), COALESCE(g.region, ''), g.city, SUM(g.attempts) AS n, COUNT(*),
			SUM(CASE WHEN `+coords+` THEN g.lat * g.attempts END), SUM(CASE WHEN `+coords+` THEN g.lon * g.attempts END),
			SUM(CASE WHEN `+coords+` THEN g.attempts END)`+located+notRes+` AND COALESCE(g.city, '') != ''
		GROUP BY 1, 2, 3 ORDER BY n DESC, 1, 2, 3`, nil, func(rows *sql.Rows) error {
		var c knocks.CityCount
		var lat, lon sql.NullFloat64
		var weight sql.NullInt64
		if err := rows.Scan(&c.Country, &c.Region, &c.City, &c.Attempts, &c.IPs, &lat, &lon, &weight); err != nil {
			return err
		}
		if weight.Valid && weight.Int64 > 0 {
			c.Lat, c.Lon = lat.Float64/float64(weight.Int64), lon.Float64/float64(weight.Int64)
			sum.Cities = append(sum.Cities, c)
		}
		if len(sum.TopCities) < top {
			sum.TopCities = append(sum.TopCities, c)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return eachRow(ctx, conn, `SELECT DISTINCT g.source`+located+` AND g.source != '' ORDER BY 1`, nil, func(rows *sql.Rows) error {
		var src string
		if err := rows.Scan(&src); err != nil {
			return err
		}
		sum.GeoIPSources = append(sum.GeoIPSources, src)
		return nil
	})
}

// reservedName is the Name of a GeoCount whose Country is a reserved-range
// label.
const reservedName = "reserved address range"

// countryDays sets the attempts per UTC day of each top country, over the
// days of PerDay: of the selected connections (sel), from the
// accumulator's days, else by SQL; and of the rollups (rollDays).
func (a *accumulator) countryDays(ctx context.Context, conn *sql.Conn, sel selection, sum *knocks.Summary) error {
	if len(sum.TopCountries) == 0 {
		return nil
	}
	idx := map[string]int{}
	per := make([]map[int64]int64, len(sum.TopCountries))
	codes := make([]string, len(sum.TopCountries))
	for i, c := range sum.TopCountries {
		idx[c.Country], per[i], codes[i] = i, map[int64]int64{}, c.Country
	}
	list, err := json.Marshal(codes)
	if err != nil {
		return err
	}
	switch {
	case len(a.days) > 0 && a.inMem:
		for k, n := range a.days {
			if src := a.sources[k.ip]; src != nil && src.loc != nil {
				if i, ok := idx[src.loc.key()]; ok {
					per[i][k.day] += n
				}
			}
		}
	case len(a.days) > 0:
		ips := map[string]bool{}
		for k := range a.days {
			ips[k.ip] = true
		}
		keys := make([]string, 0, len(ips))
		for ip := range ips {
			keys = append(keys, ip)
		}
		klist, err := json.Marshal(keys)
		if err != nil {
			return err
		}
		country := map[string]int{}
		err = eachRow(ctx, conn, `SELECT g.k, g.c`+located+` AND g.c IN (SELECT value FROM json_each(?))
			AND g.k IN (SELECT value FROM json_each(?))`, []any{string(list), string(klist)}, func(rows *sql.Rows) error {
			var ip, c string
			if err := rows.Scan(&ip, &c); err != nil {
				return err
			}
			country[ip] = idx[c]
			return nil
		})
		if err != nil {
			return err
		}
		for k, n := range a.days {
			if i, ok := country[k.ip]; ok {
				per[i][k.day] += n
			}
		}
	case a.days == nil:
		// Too many (address, day) pairs to add up in memory: SQL
		// groups the selected connections.
		where, args := selectedIDs(sel)
		err = eachRow(ctx, conn, `SELECT COALESCE(NULLIF(g.reserved, ''), g.country), c.day, SUM(c.attempts)
			FROM (SELECT ip, (start_time - (start_time % 86400 + 86400) % 86400) / 86400 AS day, attempts
				FROM connections WHERE attempts > 0 AND ip IS NOT NULL AND `+where+`) c
			JOIN ip_geo g ON g.ip = c.ip
			WHERE COALESCE(NULLIF(g.reserved, ''), g.country) IN (SELECT value FROM json_each(?)) GROUP BY 1, 2`, append(args, string(list)), func(rows *sql.Rows) error {
			var c string
			var day, n int64
			if err := rows.Scan(&c, &day, &n); err != nil {
				return err
			}
			per[idx[c]][day] += n
			return nil
		})
		if err != nil {
			return err
		}
	}
	if a.rollDays != nil {
		if err := a.rollDays(idx, func(i int, day, n int64) { per[i][day] += n }); err != nil {
			return err
		}
	}
	for i, c := range sum.TopCountries {
		days := make([]knocks.TimeCount, len(sum.PerDay))
		for j, d := range sum.PerDay {
			days[j] = knocks.TimeCount{Time: d.Time, Attempts: per[i][knocks.FloorDiv(d.Time.Unix(), 86400)]}
		}
		sum.PerCountryDay = append(sum.PerCountryDay, knocks.SeriesDay{Country: c.Country, Days: days})
	}
	return nil
}

// Hosts returns the distinct hosts that logged the stored connections, in
// order. A filter by host is checked against it.
func (s *EventStore) Hosts(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT host FROM connections WHERE host IS NOT NULL
		UNION SELECT host FROM fail2ban_events WHERE host IS NOT NULL ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("cannot list hosts: %w", err)
	}
	defer rows.Close()
	var hosts []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("cannot list hosts: %w", err)
		}
		hosts = append(hosts, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot list hosts: %w", err)
	}
	return hosts, nil
}

var _ knocks.HostFinder = (*EventStore)(nil)

// HasHost reports whether host is one of Hosts, without listing them: the
// rollup of the host's hours is one look-up, and only a host that has none
// (a typo, or rows that the rollups do not hold yet) is looked for in
// fail2ban_events and then in every connection.
func (s *EventStore) HasHost(ctx context.Context, host string) (bool, error) {
	var ok bool
	for _, q := range []string{
		"SELECT EXISTS (SELECT 1 FROM rollup_hours WHERE host = ? AND host <> '')",
		"SELECT EXISTS (SELECT 1 FROM fail2ban_events WHERE host = ?)",
		"SELECT EXISTS (SELECT 1 FROM connections WHERE host = ?)",
	} {
		if err := s.db.QueryRowContext(ctx, q, host).Scan(&ok); err != nil {
			return false, fmt.Errorf("cannot list hosts: %w", err)
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

func init() {
	// knocks_subnet(ip, 0) is the /24 (IPv4) or /64 (IPv6) of the address
	// in text form ip, knocks_subnet(ip, 1) its /48 (IPv6 only); NULL for
	// none: the subnets of knocks.Subnets, for the summaries that SQL
	// groups (see Summary).
	msqlite.MustRegisterDeterministicScalarFunction("knocks_subnet", 2, func(_ *msqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		ip, _ := args[0].(string)
		which, _ := args[1].(int64)
		s, s48 := subnets(ip)
		if which == 1 {
			return s48, nil
		}
		return s, nil
	})
}
