package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"knocks"

	msqlite "modernc.org/sqlite"
)

// The rollup tables (migration 10, docs/schema.md) hold the sums of the
// connections per host and hour, source, user name, port, and address and
// day: what a summary without a time filter adds up. They are kept by the
// writer, in Go, from the connections it writes (which it has in memory
// anyway: reading them back costs SQLite far more than adding them up),
// and they cover every connection up to the id in rollup_state.covered, as
// it is now; a summary reads the rows after it one by one. So a summary is
// always exact, whatever the rollups lag behind.
//
// The sums of new connections wait in memory (pending) and go to the
// tables at most every rollupEvery, when pending holds more than
// maxPending keys, and at the end of an import (FinishImport): an import
// upserts each port, address or user name once, not once per batch. A
// connection that a batch rewrites (one that spans batches) is taken out
// with its stored values and added with its new ones, at once when the
// tables hold it. What sums cannot take out (the least and greatest times
// of a source) follows such a rewrite as long as it only extends the
// connection, as an import does; any other rewrite, a prune, or rows that
// another writer added meanwhile make them again from the connections.

// rollupEvery is the longest time that the sums of written connections
// wait in memory, while an import runs, before they go to the tables.
var rollupEvery = 10 * time.Second

// maxPending is the most keys that the pending sums hold before they go
// to the tables: memory stays flat whatever addresses attackers use.
var maxPending = 50_000

// rollRow is what the rollups need of one connection, as stored.
type rollRow struct {
	host, key                 string // host: "" for none; key: COALESCE(ip, rhost), "" for none
	isIP                      bool
	port                      int64
	user                      string
	hasUser, invalid          bool
	start, end                int64
	attempts, logins, hostile int64
	failure, scan             bool
}

// rowOf returns what Write stores of c, as a rollRow.
func rowOf(c *knocks.Connection, ips addrCache) rollRow {
	r := rollRow{host: c.Host, port: int64(c.Port) & 65535, start: c.Start.Unix(), end: c.End.Unix(),
		attempts: c.Attempts(), logins: c.Logins, hostile: c.HostileLines(), failure: c.IsFailure(), scan: c.IsScan(),
		hasUser: c.HasUser, invalid: c.Invalid}
	if c.HasUser {
		r.user = truncUser(c.User)
	}
	if ip, _ := ips.get(c.IP); ip != nil {
		r.key, r.isIP = ip.(string), true
	} else {
		r.key = c.RHost
	}
	return r
}

// monotone reports whether the rollups can follow a rewrite of a
// connection from old to new by taking old out and adding new: when new
// only extends old (the same host and source, no later start, no earlier
// end, and still hostile when it was). The least and greatest times that
// they keep cannot be taken out.
func monotone(old, new *rollRow) bool {
	if old.host != new.host {
		return false
	}
	if old.key != "" && (old.key != new.key || old.isIP != new.isIP) {
		return false
	}
	if (old.key != "" || old.hostile+old.logins > 0) && (new.start > old.start || new.end < old.end) {
		return false
	}
	return old.hostile+old.logins == 0 || new.hostile+new.logins > 0
}

// inRange reports whether a row's times are in the range that a summary
// reads (see newSelection).
func (r *rollRow) inRange() bool {
	return r.start >= knocks.MinTime.Unix() && r.end <= knocks.MaxTime.Unix()
}

type (
	hourKey struct {
		host string
		hour int64
	}
	hourSum struct {
		attempts, conns, scans, logins, hostile int64
		first, last                             int64 // math.MaxInt64 and MinInt64 when none
	}
	sourceKey struct{ host, k string }
	sourceSum struct {
		isIP            bool
		attempts, conns int64
		first, last     int64
		days            []dayCount // of an address, with attempts; in the order the days came
	}
	rollUserKey struct {
		host, name string
		invalid    bool
	}
	rollUserSum struct{ attempts, conns int64 }
	// portCounts are the attempts of the ports of one host, in chunks of
	// 16 ports made when one is used: dense where ports are (most
	// connections have one of their own), small where they are not.
	portCounts [4096]*[16]int64
	// dayCount is the attempts of one address on one day.
	dayCount struct{ day, attempts int64 }
)

// rollup is a set of sums to add to the rollup tables.
type rollup struct {
	hours   map[hourKey]*hourSum
	sources map[sourceKey]*sourceSum
	users   map[rollUserKey]*rollUserSum
	ports   map[string]*portCounts // by host
	chunks  int                    // of ports
	days    int                    // dayCounts of sources
	last    *hourSum               // the hour of the connection added last, and its key
	lastKey hourKey
}

func newRollup() *rollup {
	return &rollup{hours: map[hourKey]*hourSum{}, sources: map[sourceKey]*sourceSum{},
		users: map[rollUserKey]*rollUserSum{}, ports: map[string]*portCounts{}}
}

// size returns the number of keys that r holds, its ports weighed less:
// they are written as one value per host.
func (r *rollup) size() int {
	return len(r.hours) + len(r.sources) + len(r.users) + r.chunks + r.days
}

// add adds a connection to the sums (sign 1) or takes it out (sign -1),
// by the rules of accumulator.add. Taking out leaves the least and
// greatest times as they are (see monotone).
func (r *rollup) add(c *rollRow, sign int64) {
	if !c.inRange() {
		return
	}
	hk := hourKey{c.host, knocks.FloorDiv(c.start, 3600)}
	h := r.last
	if h == nil || hk != r.lastKey {
		if h = r.hours[hk]; h == nil {
			h = &hourSum{first: math.MaxInt64, last: math.MinInt64}
			r.hours[hk] = h
		}
		r.last, r.lastKey = h, hk
	}
	h.attempts += sign * c.attempts
	h.logins += sign * c.logins
	h.hostile += sign * c.hostile
	if c.failure {
		h.conns += sign
	}
	if c.scan {
		h.scans += sign
	}
	if sign > 0 && c.hostile+c.logins > 0 {
		h.first, h.last = min(h.first, c.start), max(h.last, c.end)
	}
	var src *sourceSum
	if c.key != "" {
		sk := sourceKey{c.host, c.key}
		src = r.sources[sk]
		if src == nil {
			src = &sourceSum{first: math.MaxInt64, last: math.MinInt64}
			r.sources[sk] = src
		}
		src.attempts += sign * c.attempts
		if c.failure {
			src.conns += sign
		}
		if sign > 0 {
			src.isIP = src.isIP || c.isIP
			src.first, src.last = min(src.first, c.start), max(src.last, c.end)
		}
	}
	if c.failure && c.hasUser {
		uk := rollUserKey{c.host, c.user, c.invalid}
		u := r.users[uk]
		if u == nil {
			u = &rollUserSum{}
			r.users[uk] = u
		}
		u.attempts += sign * c.attempts
		u.conns += sign
	}
	if c.attempts == 0 {
		return
	}
	if c.port != 0 {
		pc := r.ports[c.host]
		if pc == nil {
			pc = &portCounts{}
			r.ports[c.host] = pc
		}
		chunk := pc[c.port>>4&4095]
		if chunk == nil {
			chunk = &[16]int64{}
			pc[c.port>>4&4095] = chunk
			r.chunks++
		}
		chunk[c.port&15] += sign * c.attempts
	}
	if c.isIP && src != nil {
		day := knocks.FloorDiv(c.start, 86400)
		i := len(src.days) - 1
		for i >= 0 && src.days[i].day != day {
			i--
		}
		if i < 0 {
			src.days = append(src.days, dayCount{day: day})
			i = len(src.days) - 1
			r.days++
		}
		src.days[i].attempts += sign * c.attempts
	}
}

// nullTime returns a least or greatest time for a rollup table: nil for
// the sentinels of none.
func nullTime(t int64) any {
	if t == math.MaxInt64 || t == math.MinInt64 {
		return nil
	}
	return t
}

// apply adds the sums of r to the rollup tables.
func (r *rollup) apply(ctx context.Context, conn *sql.Conn) error {
	hours := sortedKeys(r.hours, func(a, b hourKey) int {
		return cmp.Or(strings.Compare(a.host, b.host), cmp.Compare(a.hour, b.hour))
	})
	err := upsertRows(ctx, conn, "INSERT INTO rollup_hours (host, hour, attempts, conns, scans, logins, hostile, first, last) VALUES ",
		` ON CONFLICT (host, hour) DO UPDATE SET attempts = attempts + excluded.attempts, conns = conns + excluded.conns,
			scans = scans + excluded.scans, logins = logins + excluded.logins, hostile = hostile + excluded.hostile,
			first = COALESCE(min(first, excluded.first), first, excluded.first),
			last = COALESCE(max(last, excluded.last), last, excluded.last)`, 9, len(hours), func(v []driver.NamedValue, i int) {
			k := hours[i]
			h := r.hours[k]
			v[0].Value, v[1].Value, v[2].Value, v[3].Value, v[4].Value = k.host, k.hour, h.attempts, h.conns, h.scans
			v[5].Value, v[6].Value, v[7].Value, v[8].Value = h.logins, h.hostile, nullTime(h.first), nullTime(h.last)
		})
	if err != nil {
		return err
	}
	sources := sortedKeys(r.sources, func(a, b sourceKey) int {
		return cmp.Or(strings.Compare(a.host, b.host), strings.Compare(a.k, b.k))
	})
	err = upsertRows(ctx, conn, "INSERT INTO rollup_sources (host, k, is_ip, attempts, conns, first, last, sub, sub48, days) VALUES ",
		` ON CONFLICT (host, k) DO UPDATE SET is_ip = max(is_ip, excluded.is_ip), attempts = attempts + excluded.attempts,
			conns = conns + excluded.conns, first = min(first, excluded.first), last = max(last, excluded.last),
			days = knocks_add_days(days, excluded.days)`, 10, len(sources),
		func(v []driver.NamedValue, i int) {
			k := sources[i]
			s := r.sources[k]
			v[0].Value, v[1].Value, v[2].Value, v[3].Value, v[4].Value = k.host, k.k, boolInt(s.isIP), s.attempts, s.conns
			// A source that was only taken out is in the table already:
			// its times there stand.
			v[5].Value, v[6].Value, v[7].Value, v[8].Value = min(s.first, math.MaxInt64-1), max(s.last, math.MinInt64+1), nil, nil
			if s.isIP {
				v[7].Value, v[8].Value = subnets(k.k)
			}
			v[9].Value = encodeDays(s.days)
		})
	if err != nil {
		return err
	}
	users := sortedKeys(r.users, func(a, b rollUserKey) int {
		return cmp.Or(strings.Compare(a.host, b.host), strings.Compare(a.name, b.name), cmp.Compare(boolInt(a.invalid), boolInt(b.invalid)))
	})
	err = upsertRows(ctx, conn, "INSERT INTO rollup_users (host, name, invalid, attempts, conns) VALUES ",
		` ON CONFLICT (host, name, invalid) DO UPDATE SET attempts = attempts + excluded.attempts, conns = conns + excluded.conns`,
		5, len(users), func(v []driver.NamedValue, i int) {
			k := users[i]
			u := r.users[k]
			v[0].Value, v[1].Value, v[2].Value, v[3].Value, v[4].Value = k.host, k.name, boolInt(k.invalid), u.attempts, u.conns
		})
	if err != nil {
		return err
	}
	return r.applyPorts(ctx, conn)
}

// applyPorts adds the ports of r to the values of their hosts in
// rollup_ports.
func (r *rollup) applyPorts(ctx context.Context, conn *sql.Conn) error {
	if len(r.ports) == 0 {
		return nil // as a re-import: no 512 KiB of counts to clear
	}
	var counts [65536]int64
	for host, pc := range r.ports {
		clear(counts[:])
		var stored []byte
		err := conn.QueryRowContext(ctx, "SELECT ports FROM rollup_ports WHERE host = ?", host).Scan(&stored)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := decodePorts(stored, func(port uint16, n int64) { counts[port] += n }); err != nil {
			return fmt.Errorf("ports of host %q: %w", host, err)
		}
		for i, chunk := range pc {
			if chunk != nil {
				for j, n := range chunk {
					counts[i<<4|j] += n
				}
			}
		}
		if _, err := conn.ExecContext(ctx, "INSERT OR REPLACE INTO rollup_ports (host, ports) VALUES (?, ?)", host, encodePorts(&counts)); err != nil {
			return err
		}
	}
	return nil
}

// encodePorts returns the value of rollup_ports.ports of counts (see the
// migration): the ports with counts, ascending, as the uvarint of the
// distance from the one before and the varint of the count.
func encodePorts(counts *[65536]int64) []byte {
	var b []byte
	prev := 0
	for p, n := range counts {
		if n != 0 {
			b = binary.AppendUvarint(b, uint64(p-prev))
			b = binary.AppendVarint(b, n)
			prev = p
		}
	}
	if b == nil {
		b = []byte{}
	}
	return b
}

// decodePorts calls f with each port and count of a value of
// rollup_ports.ports.
func decodePorts(b []byte, f func(port uint16, n int64)) error {
	p := uint64(0)
	for len(b) > 0 {
		d, k := binary.Uvarint(b)
		if k <= 0 || p+d > 65535 {
			return errors.New("bad port list")
		}
		b = b[k:]
		n, k := binary.Varint(b)
		if k <= 0 {
			return errors.New("bad port list")
		}
		b = b[k:]
		p += d
		f(uint16(p), n)
	}
	return nil
}

// encodeDays returns the value of rollup_sources.days of the days of a
// source: its days with attempts, ascending, each as the varint of its
// distance from the one before (from 0) and the varint of its attempts;
// nil (NULL) for none.
func encodeDays(ds []dayCount) any {
	ds = slices.Clone(ds)
	slices.SortFunc(ds, func(a, b dayCount) int { return cmp.Compare(a.day, b.day) })
	var b []byte
	prev := int64(0)
	for i, d := range ds {
		if i+1 < len(ds) && ds[i+1].day == d.day {
			ds[i+1].attempts += d.attempts
			continue
		}
		if d.attempts != 0 {
			b = binary.AppendVarint(b, d.day-prev)
			b = binary.AppendVarint(b, d.attempts)
			prev = d.day
		}
	}
	if b == nil {
		return nil
	}
	return b
}

// decodeDays calls f with each day and attempts of a value of
// rollup_sources.days.
func decodeDays(b []byte, f func(day, n int64)) error {
	day := int64(0)
	for len(b) > 0 {
		d, k := binary.Varint(b)
		if k <= 0 {
			return errors.New("bad day list")
		}
		b = b[k:]
		n, k := binary.Varint(b)
		if k <= 0 {
			return errors.New("bad day list")
		}
		b = b[k:]
		day += d
		f(day, n)
	}
	return nil
}

// addDays returns the sum of two values of rollup_sources.days.
func addDays(x, y []byte) (any, error) {
	var ds []dayCount
	add := func(day, n int64) { ds = append(ds, dayCount{day, n}) }
	if err := decodeDays(x, add); err != nil {
		return nil, err
	}
	if err := decodeDays(y, add); err != nil {
		return nil, err
	}
	return encodeDays(ds), nil
}

func init() {
	// knocks_add_days(a, b) is the sum of two values of
	// rollup_sources.days (NULL for none), for the upserts of apply.
	msqlite.MustRegisterDeterministicScalarFunction("knocks_add_days", 2, func(_ *msqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		x, _ := args[0].([]byte)
		y, _ := args[1].([]byte)
		return addDays(x, y)
	})
}

// sortedKeys returns the keys of m in the order of compare: the upserts
// then walk the tables' pages in order.
func sortedKeys[K comparable, V any](m map[K]V, compare func(a, b K) int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compare)
	return keys
}

// upsertRows writes n rows of cols values with multi-row statements of
// head, the rows, and tail (an ON CONFLICT clause, or nothing).
func upsertRows(ctx context.Context, conn *sql.Conn, head, tail string, cols, n int, setRow func([]driver.NamedValue, int)) error {
	if n == 0 {
		return nil
	}
	return conn.Raw(func(dc any) error {
		pc, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("driver %T cannot prepare with a context", dc)
		}
		group := "(?" + strings.Repeat(",?", cols-1) + ")"
		exec := func(rows, from, to int) error {
			st, err := pc.PrepareContext(ctx, head+strings.TrimSuffix(strings.Repeat(group+",", rows), ",")+tail)
			if err != nil {
				return err
			}
			defer st.Close()
			se, ok := st.(driver.StmtExecContext)
			if !ok {
				return fmt.Errorf("driver statement %T cannot execute with a context", st)
			}
			v := make([]driver.NamedValue, rows*cols)
			for i := range v {
				v[i].Ordinal = i + 1
			}
			for i := from; i+rows <= to; i += rows {
				for j := 0; j < rows; j++ {
					setRow(v[j*cols:(j+1)*cols], i+j)
				}
				if _, err := se.ExecContext(ctx, v); err != nil {
					return err
				}
			}
			return nil
		}
		full := n / rowsPerInsert * rowsPerInsert
		if full > 0 {
			if err := exec(rowsPerInsert, 0, full); err != nil {
				return err
			}
		}
		if full < n {
			return exec(n-full, full, n)
		}
		return nil
	})
}

// rollColumns are the columns of a connection that scanRolls reads.
const rollColumns = `id, COALESCE(host, ''), COALESCE(ip, rhost, ''), ip IS NOT NULL, COALESCE(port, 0) & 65535, username, invalid_user != 0,
	start_time, end_time, attempts, failure, scan, logins, hostile_lines`

// scanRolls calls f for each connection that where (with args) selects, in
// the order of their ids, reading them through the driver directly.
func scanRolls(ctx context.Context, conn *sql.Conn, where string, args []any, f func(id int64, r *rollRow)) error {
	return rawRows(ctx, conn, "SELECT "+rollColumns+" FROM connections WHERE "+where+" ORDER BY id", args, func(v []driver.Value) error {
		var r rollRow
		id, _ := v[0].(int64)
		r.host, _ = v[1].(string)
		r.key, _ = v[2].(string)
		isIP, _ := v[3].(int64)
		r.port, _ = v[4].(int64)
		switch u := v[5].(type) {
		case string:
			r.user, r.hasUser = u, true
		case []byte:
			r.user, r.hasUser = string(u), true
		}
		invalid, _ := v[6].(int64)
		r.start, _ = v[7].(int64)
		r.end, _ = v[8].(int64)
		r.attempts, _ = v[9].(int64)
		failure, _ := v[10].(int64)
		scan, _ := v[11].(int64)
		r.logins, _ = v[12].(int64)
		r.hostile, _ = v[13].(int64)
		r.isIP, r.invalid, r.failure, r.scan = isIP != 0, invalid != 0, failure != 0, scan != 0
		f(id, &r)
		return nil
	})
}

// addStored adds the stored connections with ids in (lo, hi] to the
// rollup tables, reading a bounded number of ids at a time and applying
// the sums whenever they hold maxPending keys.
func addStored(ctx context.Context, conn *sql.Conn, lo, hi int64) error {
	const step = 10_000 // ids a query
	r := newRollup()
	for from := lo; from < hi; from += step {
		if err := scanRolls(ctx, conn, "id > ? AND id <= ?", []any{from, min(from+step, hi)}, func(_ int64, row *rollRow) {
			r.add(row, 1)
		}); err != nil {
			return err
		}
		if r.size() >= maxPending {
			if err := r.apply(ctx, conn); err != nil {
				return err
			}
			r = newRollup()
		}
	}
	return r.apply(ctx, conn)
}

// rollupTables are the tables that rebuild empties.
var rollupTables = []string{"rollup_hours", "rollup_sources", "rollup_users", "rollup_ports"}

// rebuild makes the rollup tables again from every stored connection, in
// the caller's write transaction, and returns the id they now cover.
func rebuild(ctx context.Context, conn *sql.Conn) (int64, error) {
	for _, t := range rollupTables {
		if _, err := conn.ExecContext(ctx, "DELETE FROM "+t); err != nil {
			return 0, err
		}
	}
	last, err := maxConnID(ctx, conn)
	if err != nil {
		return 0, err
	}
	if err := addStored(ctx, conn, 0, last); err != nil {
		return 0, err
	}
	return last, setCovered(ctx, conn, last)
}

// maxConnID returns the greatest id of a stored connection, 0 for none.
func maxConnID(ctx context.Context, conn *sql.Conn) (int64, error) {
	var n int64
	err := conn.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM connections").Scan(&n)
	return n, err
}

// covered returns rollup_state.covered (see the migration).
func covered(ctx context.Context, conn *sql.Conn) (int64, error) {
	var n int64
	err := conn.QueryRowContext(ctx, "SELECT covered FROM rollup_state WHERE id = 1").Scan(&n)
	return n, err
}

func setCovered(ctx context.Context, conn *sql.Conn, n int64) error {
	_, err := conn.ExecContext(ctx, "UPDATE rollup_state SET covered = ? WHERE id = 1", n)
	return err
}

// rollupMem is the writer's side of the rollups: the sums of the
// connections after rollup_state.covered that it wrote, waiting to go to
// the tables.
type rollupMem struct {
	mu       sync.Mutex
	pending  *rollup   // nil when nothing waits (or a write transaction holds them)
	base     int64     // covered when pending began
	inserted int64     // the connections pending holds: ids base+1 to base+inserted
	flushed  time.Time // when pending sums last went to the tables
}

// rollTx is what one write transaction does to the rollups.
type rollTx struct {
	covered int64   // rollup_state.covered at the start, after any catch-up
	now     *rollup // sums of rewritten connections that the tables hold: applied at once
	batch   *rollup // the pending sums, to which the batch adds its connections after covered
	base, n int64   // the pending sums hold the connections base+1 to base+n
	rebuild bool    // a rewrite that the sums cannot follow: make them again
}

// rollBegin starts the rollup side of a write transaction on conn. The
// transaction takes the pending sums, and gives them back when it commits
// (see rollEnd): after a failed one none wait, and the next transaction
// adds up the rows after covered from the table. It makes the tables
// whole again when they are to be (covered -1), or when rows were written
// that the pending sums do not hold (another writer); it adds the rows
// after covered when no sums wait for them (an import killed or failed, a
// database of an older schema). The caller holds m.mu.
func (m *rollupMem) rollBegin(ctx context.Context, conn *sql.Conn) (*rollTx, error) {
	pending, base, n := m.pending, m.base, m.inserted
	m.pending = nil
	w, err := covered(ctx, conn)
	if err != nil {
		return nil, err
	}
	last, err := maxConnID(ctx, conn)
	if err != nil {
		return nil, err
	}
	t := &rollTx{covered: w, now: newRollup()}
	switch {
	case w < 0 || (pending != nil && (w != base || last-base != n)):
		if t.covered, err = rebuild(ctx, conn); err != nil {
			return nil, err
		}
		pending = nil
	case pending == nil && w < last:
		if err := addStored(ctx, conn, w, last); err != nil {
			return nil, err
		}
		if err := setCovered(ctx, conn, last); err != nil {
			return nil, err
		}
		t.covered = last
	}
	if pending == nil {
		pending, base, n = newRollup(), t.covered, 0
	}
	t.batch, t.base, t.n = pending, base, n
	return t, nil
}

// storedRolls returns the stored rows of the connections with these ids.
func storedRolls(ctx context.Context, conn *sql.Conn, ids []int64) (map[int64]rollRow, error) {
	out := make(map[int64]rollRow, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	err = scanRolls(ctx, conn, "id IN (SELECT value FROM json_each(?))", []any{string(list)}, func(id int64, r *rollRow) {
		out[id] = *r
	})
	return out, err
}

// rewrite records that the connection id, stored as old, is written as new.
func (t *rollTx) rewrite(id int64, old, new *rollRow) {
	if !monotone(old, new) {
		t.rebuild = true
		return
	}
	sums := t.batch
	if id <= t.covered {
		sums = t.now
	}
	sums.add(old, -1)
	sums.add(new, 1)
}

// rollEnd ends the rollup side of a write transaction before its commit,
// in which inserted connections were added to t.batch: it applies the
// sums that the tables hold at once, and, when due (force, or after
// rollupEvery, or past maxPending keys), the pending ones, moving covered
// to the last id. It returns the function that gives the pending sums
// back to m once the transaction committed.
func (m *rollupMem) rollEnd(ctx context.Context, conn *sql.Conn, t *rollTx, inserted int64, force bool) (func(), error) {
	if t.rebuild {
		w, err := rebuild(ctx, conn)
		if err != nil {
			return nil, err
		}
		return func() { m.base, m.inserted, m.flushed = w, 0, time.Now() }, nil
	}
	if err := t.now.apply(ctx, conn); err != nil {
		return nil, err
	}
	n := t.n + inserted
	if !force && t.batch.size() < maxPending && time.Since(m.flushed) < rollupEvery {
		return func() { m.pending, m.base, m.inserted = t.batch, t.base, n }, nil
	}
	if err := t.batch.apply(ctx, conn); err != nil {
		return nil, err
	}
	w := t.base + n
	if err := setCovered(ctx, conn, w); err != nil {
		return nil, err
	}
	return func() { m.base, m.inserted, m.flushed = w, 0, time.Now() }, nil
}

// refreshRollups brings the rollup tables up to every stored connection,
// in a write transaction of its own: an import ends with it.
func (s *EventStore) refreshRollups(ctx context.Context) error {
	if s.readOnly {
		return nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("cannot refresh rollups: %w", err)
	}
	defer conn.Close()
	return s.refreshOn(ctx, conn)
}

// refreshOn is refreshRollups on a connection of the caller's.
func (s *EventStore) refreshOn(ctx context.Context, conn *sql.Conn) error {
	s.roll.mu.Lock()
	defer s.roll.mu.Unlock()
	tx, err := begin(ctx, conn, "BEGIN IMMEDIATE")
	if err != nil {
		return fmt.Errorf("cannot refresh rollups: %w", err)
	}
	defer tx.end()
	t, err := s.roll.rollBegin(ctx, conn)
	if err != nil {
		return fmt.Errorf("cannot refresh rollups: %w", err)
	}
	done, err := s.roll.rollEnd(ctx, conn, t, 0, true)
	if err != nil {
		return fmt.Errorf("cannot refresh rollups: %w", err)
	}
	if err := makeMissingPacks(ctx, conn); err != nil {
		return fmt.Errorf("cannot refresh rollups: cannot make packs: %w", err)
	}
	if err := tx.commit(); err != nil {
		return fmt.Errorf("cannot refresh rollups: %w", err)
	}
	done()
	return nil
}
