package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"
	"time"

	"knocks"
)

// BeginImport records the start of an import and returns its id.
func (s *EventStore) BeginImport(ctx context.Context, started time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, "INSERT INTO imports (started) VALUES (?)", started.Unix())
	if err != nil {
		return 0, fmt.Errorf("cannot begin import: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("cannot begin import: %w", err)
	}
	return id, nil
}

// FinishImport records the end of an import and the statistics of each of
// its inputs, with their unrecognised lines by shape; called again for the
// same import it replaces what the first call recorded.
// Returns ENOTFOUND for an unknown import id.
func (s *EventStore) FinishImport(ctx context.Context, id int64, finished time.Time, inputs []knocks.InputStats) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("cannot finish import: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, "UPDATE imports SET finished = ? WHERE id = ?", finished.Unix(), id)
	if err != nil {
		return fmt.Errorf("cannot finish import: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("cannot finish import: %w", err)
	} else if n == 0 {
		return knocks.Errorf(knocks.ENOTFOUND, "no import with id %d", id)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM import_inputs WHERE import_id = ?", id); err != nil {
		return fmt.Errorf("cannot finish import: %w", err)
	}
	in, err := tx.PrepareContext(ctx, `INSERT INTO import_inputs
		(import_id, seq, name, fingerprint, lines, sshd_lines, recognised, unrecognised, skipped, events, error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("cannot finish import: %w", err)
	}
	defer in.Close()
	sh, err := tx.PrepareContext(ctx, "INSERT INTO import_shapes (import_id, seq, shape, count, example) VALUES (?, ?, ?, ?, ?)")
	if err != nil {
		return fmt.Errorf("cannot finish import: %w", err)
	}
	defer sh.Close()
	for i, st := range inputs {
		if _, err := in.ExecContext(ctx, id, i, st.Name, nullString(st.Fingerprint), st.Lines, st.SSHDLines,
			st.Recognised, st.Unrecognised, st.Skipped, st.Events, nullString(st.Error)); err != nil {
			return fmt.Errorf("cannot finish import: %w", err)
		}
		for _, shape := range st.Shapes {
			if _, err := sh.ExecContext(ctx, id, i, shape.Shape, shape.Count, nullString(shape.Example)); err != nil {
				return fmt.Errorf("cannot finish import: %w", err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("cannot finish import: %w", err)
	}
	// The sums of what the import wrote go to the rollup tables.
	if err := s.refreshRollups(ctx); err != nil {
		return fmt.Errorf("cannot finish import: %w", err)
	}
	return nil
}

// Checkpoints returns the checkpoints of the inputs with this fingerprint,
// oldest first; none when no such input was imported.
func (s *EventStore) Checkpoints(ctx context.Context, fingerprint string) ([]*knocks.Checkpoint, error) {
	rows, err := s.db.QueryContext(ctx,
		"SELECT name, byte_offset, lines, sum, last_time, updated FROM checkpoints WHERE fingerprint = ? ORDER BY id", fingerprint)
	if err != nil {
		return nil, fmt.Errorf("cannot read checkpoints: %w", err)
	}
	defer rows.Close()
	var cps []*knocks.Checkpoint
	for rows.Next() {
		cp := &knocks.Checkpoint{Fingerprint: fingerprint}
		var sum sql.NullString
		var last sql.NullInt64
		var updated int64
		if err := rows.Scan(&cp.Name, &cp.Offset, &cp.Lines, &sum, &last, &updated); err != nil {
			return nil, fmt.Errorf("cannot read checkpoints: %w", err)
		}
		cp.Sum = sum.String
		cp.LastTime = fromNullUnix(last)
		cp.Updated = fromUnix(updated)
		cps = append(cps, cp)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read checkpoints: %w", err)
	}
	return cps, nil
}

// connColumns are the columns that make up a knocks.Connection, in the
// order scanConnection reads them.
const connColumns = "id, host, pid, start_time, end_time, ip, rhost, port, username, invalid_user, method, failed, failure_lines, scan_lines, logins"

// RecentConnections returns the stored connections whose end is at or after
// since and whose start is at or before until, in the order of their ids.
func (s *EventStore) RecentConnections(ctx context.Context, since, until time.Time) ([]*knocks.Connection, error) {
	lo, hi := since.Unix(), until.Unix()
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("cannot read recent connections: %w", err)
	}
	defer tx.Rollback()
	ranges, err := idRanges(ctx, tx, math.MinInt64, hi, lo)
	if err != nil {
		return nil, fmt.Errorf("cannot read recent connections: %w", err)
	}
	var out []*knocks.Connection
	for _, r := range ranges {
		if err := func() error {
			rows, err := tx.QueryContext(ctx, "SELECT "+connColumns+
				" FROM connections WHERE id BETWEEN ? AND ? AND end_time >= ? AND start_time <= ? ORDER BY id", r.lo, r.hi, lo, hi)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				c, err := scanConnection(rows)
				if err != nil {
					return err
				}
				out = append(out, c)
			}
			return rows.Err()
		}(); err != nil {
			return nil, fmt.Errorf("cannot read recent connections: %w", err)
		}
	}
	return out, nil
}

// scanConnection reads a row of connColumns.
func scanConnection(rows *sql.Rows) (*knocks.Connection, error) {
	var (
		c                   knocks.Connection
		host, ip, rhost     sql.NullString
		user, method        sql.NullString
		pid, port           sql.NullInt64
		start, end, invalid int64
	)
	if err := rows.Scan(&c.ID, &host, &pid, &start, &end, &ip, &rhost, &port, &user, &invalid, &method,
		&c.Failed, &c.FailureLines, &c.ScanLines, &c.Logins); err != nil {
		return nil, err
	}
	c.Host, c.PID = host.String, int(pid.Int64)
	c.Start, c.End = fromUnix(start), fromUnix(end)
	if ip.Valid {
		a, err := netip.ParseAddr(ip.String)
		if err != nil {
			return nil, fmt.Errorf("connection %d: bad ip %q: %w", c.ID, ip.String, err)
		}
		c.IP = a
	}
	c.RHost, c.Port = rhost.String, int(port.Int64)
	c.User, c.HasUser = user.String, user.Valid
	c.Invalid = invalid != 0
	c.Method = method.String
	return &c, nil
}

// connArgs is the number of values written per connection; the import id
// is one more value, ?1, shared by all rows of a statement.
const connArgs = 19

// insertConnSQL returns an INSERT of n connections. OR FAIL rather than
// the default ABORT: a failing statement need not undo its own rows, since
// Write rolls back the whole transaction on any error, and so SQLite keeps
// no statement journal (which cost a tenth of the time of an insert).
func insertConnSQL(n int) string {
	return multiInsert("INSERT OR FAIL INTO connections ("+connColumnsWritten+") VALUES ", connArgs, n)
}

// connColumnsWritten are the columns that an insert of a connection
// writes, the import id first.
const connColumnsWritten = "import_id, host, pid, start_time, end_time, ip, rhost, port, username, invalid_user, method, failed, failure_lines, scan_lines, logins, subnet, attempts, failure, scan, hostile_lines"

// f2bArgs is the number of values written per fail2ban event, with the
// import id as ?1.
const f2bArgs = 7

// insertF2BSQL returns an INSERT of n fail2ban events. A ban or unban
// that is already stored (the same kind, host, jail, address and second:
// read from fail2ban.log and from fail2ban's database, or a database
// imported again) is left out by the unique index fail2ban_events_once.
func insertF2BSQL(n int) string {
	return multiInsert("INSERT OR IGNORE INTO fail2ban_events (import_id, time, kind, jail, ip, host, bantime, bancount) VALUES ", f2bArgs, n)
}

// penArgs is the number of values written per penalty event, with the
// import id as ?1.
const penArgs = 7

// insertPenaltySQL returns an INSERT of n penalty events.
func insertPenaltySQL(n int) string {
	return multiInsert("INSERT OR FAIL INTO penalty_events (import_id, time, host, kind, ip, reason, username, count) VALUES ", penArgs, n)
}

// multiInsert returns head followed by n groups of ?1 and cols anonymous
// parameters: "(?1,?,?),(?1,?,?)". SQLite numbers an anonymous parameter
// one more than the largest before it, so the first group binds ?2, ?3 and
// the second ?4, ?5; only ?1 has a name to look up when binding.
func multiInsert(head string, cols, n int) string {
	group := "(?1" + strings.Repeat(",?", cols) + ")"
	var b strings.Builder
	b.Grow(len(head) + n*(len(group)+1))
	b.WriteString(head)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(group)
	}
	return b.String()
}

// multiInsertValues returns head followed by n groups of cols anonymous
// parameters, "(?,?),(?,?)": the rows of a VALUES table.
func multiInsertValues(head string, cols, n int) string {
	group := "(?" + strings.Repeat(",?", cols-1) + ")"
	var b strings.Builder
	b.Grow(len(head) + n*(len(group)+1))
	b.WriteString(head)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(group)
	}
	return b.String()
}

// spanRows is the most connections that one row of connection_spans
// covers: a time range is found to within this many rows.
const spanRows = 2048

// rowsPerInsert is how many rows one multi-row INSERT writes: fewer round
// trips through the driver, well under SQLite's limit of parameters.
const rowsPerInsert = 64

// Write stores a batch in one transaction: it inserts the connections with
// ID 0 (and sets their ID once the transaction committed), updates the
// others, inserts the fail2ban and penalty events, writes the checkpoint
// and moves the journal cursors (see writeCursors). On any error nothing of
// the batch is stored and no ID is set.
// Returns EINVALID for a connection with an unknown ID, an impossible
// connection (no start time, end before start, negative counts), a
// fail2ban or penalty event of another kind, a penalty event with a count
// below 1, a checkpoint without a fingerprint, a malformed cursor update,
// or an unknown import id; ECONFLICT when another writer moved the
// checkpoint meanwhile (it is written as a compare-and-swap: see
// knocks.Checkpoint), or when a cursor update's Prev is not the stored
// seqnum.
func (s *EventStore) Write(ctx context.Context, b *knocks.Batch) error {
	if b == nil {
		return nil
	}
	if err := b.Validate(); err != nil {
		return err
	}
	var inserts, updates []*knocks.Connection
	for _, c := range b.Connections {
		if c.ID == 0 {
			inserts = append(inserts, c)
		} else {
			updates = append(updates, c)
		}
	}

	// The transaction runs on one connection by hand, so that the bulk
	// inserts can pass their values to the driver directly (see
	// insertRows); database/sql's conversion of each value costs as much
	// as SQLite's insert of it.
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("cannot write batch: %w", err)
	}
	defer conn.Close()
	s.roll.mu.Lock()
	defer s.roll.mu.Unlock()
	tx, err := begin(ctx, conn, "BEGIN IMMEDIATE")
	if err != nil {
		return fmt.Errorf("cannot write batch: %w", err)
	}
	defer tx.end()
	// The rollups (see rollup.go) take the batch's connections from
	// memory, and its rewritten ones out with their stored values.
	rt, err := s.roll.rollBegin(ctx, conn)
	if err != nil {
		return fmt.Errorf("cannot write batch: cannot add up connections: %w", err)
	}
	var old map[int64]rollRow
	var packs map[int64]*packRange // the packs of the rewritten rows, before
	if len(updates) > 0 {
		ids := make([]int64, len(updates))
		for i, c := range updates {
			ids[i] = c.ID
		}
		if old, err = storedRolls(ctx, conn, ids); err != nil {
			return fmt.Errorf("cannot write batch: %w", err)
		}
		if packs, err = packsOf(ctx, conn, ids); err != nil {
			return fmt.Errorf("cannot write batch: %w", err)
		}
	}
	ins, err := s.write(ctx, conn, b, inserts, updates)
	if err != nil {
		return err
	}
	ips := addrCache{}
	if err := writePacks(ctx, conn, ins, inserts, updates, packs, ips); err != nil {
		return fmt.Errorf("cannot write batch: %w", err)
	}
	for _, c := range inserts {
		r := rowOf(c, ips)
		rt.batch.add(&r, 1)
	}
	for _, c := range updates {
		o, ok := old[c.ID]
		if !ok {
			continue // write returned EINVALID for it
		}
		r := rowOf(c, ips)
		rt.rewrite(c.ID, &o, &r)
	}
	done, err := s.roll.rollEnd(ctx, conn, rt, int64(len(inserts)), false)
	if err != nil {
		return fmt.Errorf("cannot write batch: cannot add up connections: %w", err)
	}
	if err := tx.commit(); err != nil {
		return fmt.Errorf("cannot write batch: %w", err)
	}
	done()
	for i, c := range inserts {
		c.ID = ins.first + int64(i)
	}
	return nil
}

// inserted is where write put the connections that it inserted: ids from
// first on, of which the first extend went to the end of the span that
// starts at extended (none when extend is 0), and the others to new spans
// of at most spanRows rows.
type inserted struct {
	first, extended int64
	extend          int
}

// spanTimes returns the least and greatest start and the greatest end of
// cs, which are not empty.
func spanTimes(cs []*knocks.Connection) (minStart, maxStart, maxEnd int64) {
	minStart, maxStart, maxEnd = cs[0].Start.Unix(), cs[0].Start.Unix(), cs[0].End.Unix()
	for _, c := range cs[1:] {
		minStart, maxStart, maxEnd = min(minStart, c.Start.Unix()), max(maxStart, c.Start.Unix()), max(maxEnd, c.End.Unix())
	}
	return minStart, maxStart, maxEnd
}

// write does the work of Write inside its transaction and returns where
// it put the connections it inserted.
func (s *EventStore) write(ctx context.Context, conn *sql.Conn, b *knocks.Batch, inserts, updates []*knocks.Connection) (inserted, error) {
	var ins inserted
	importID := nullInt(b.ImportID)
	if b.ImportID != 0 && (len(b.Connections) > 0 || len(b.Fail2ban) > 0 || len(b.Penalties) > 0) {
		var ok bool
		if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM imports WHERE id = ?)", b.ImportID).Scan(&ok); err != nil {
			return ins, fmt.Errorf("cannot write batch: %w", err)
		}
		if !ok {
			return ins, knocks.Errorf(knocks.EINVALID, "cannot write batch: no import with id %d", b.ImportID)
		}
	}
	if len(inserts) > 0 {
		// SQLite gives each new row the largest rowid plus one; this
		// transaction holds the write lock, so the rows get last+1, last+2...
		var last int64
		if err := conn.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM connections").Scan(&last); err != nil {
			return ins, fmt.Errorf("cannot write batch: %w", err)
		}
		if err := insertConns(ctx, conn, importID, inserts); err != nil {
			return ins, s.writeErr(err)
		}
		var now int64
		if err := conn.QueryRowContext(ctx, "SELECT MAX(id) FROM connections").Scan(&now); err != nil {
			return ins, fmt.Errorf("cannot write batch: %w", err)
		}
		if now != last+int64(len(inserts)) {
			return ins, knocks.Errorf(knocks.EINTERNAL, "cannot write batch: new connection ids %d..%d, expected %d..%d", last+1, now, last+1, last+int64(len(inserts)))
		}
		ins.first = last + 1
		// The last span of this import (its last row was written by
		// it) grows with the first rows, up to spanRows: a watch that
		// commits every second writes a few rows at a time, and a span
		// (and its pack) of a few rows would cost its readers a look-up
		// each. Imports do not share spans, so that a time range maps
		// to the ids of the imports of its times (daily cron jobs, logs
		// of hosts one after the other).
		var sp struct{ first, last, minStart, maxStart, maxEnd int64 }
		var mine bool
		err := conn.QueryRowContext(ctx, `SELECT s.first_id, s.last_id, s.min_start, s.max_start, s.max_end, c.import_id IS ?
			FROM connection_spans s LEFT JOIN connections c ON c.id = s.last_id ORDER BY s.first_id DESC LIMIT 1`, importID).Scan(
			&sp.first, &sp.last, &sp.minStart, &sp.maxStart, &sp.maxEnd, &mine)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return ins, fmt.Errorf("cannot write batch: %w", err)
		}
		if err == nil && mine && b.ImportID != 0 && sp.last == last && sp.first <= sp.last && sp.last-sp.first+1 < spanRows {
			ins.extended, ins.extend = sp.first, min(len(inserts), int(spanRows-(sp.last-sp.first+1)))
			minStart, maxStart, maxEnd := spanTimes(inserts[:ins.extend])
			if _, err := conn.ExecContext(ctx, `UPDATE connection_spans SET last_id = ?, min_start = ?, max_start = ?, max_end = ?
				WHERE first_id = ?`, sp.last+int64(ins.extend), min(minStart, sp.minStart), max(maxStart, sp.maxStart), max(maxEnd, sp.maxEnd), sp.first); err != nil {
				return ins, fmt.Errorf("cannot write batch: %w", err)
			}
		}
		for i := ins.extend; i < len(inserts); i += spanRows {
			cs := inserts[i:min(i+spanRows, len(inserts))]
			minStart, maxStart, maxEnd := spanTimes(cs)
			if _, err := conn.ExecContext(ctx, `INSERT INTO connection_spans (first_id, last_id, min_start, max_start, max_end)
				VALUES (?, ?, ?, ?, ?)`, ins.first+int64(i), ins.first+int64(i+len(cs)-1), minStart, maxStart, maxEnd); err != nil {
				return ins, fmt.Errorf("cannot write batch: %w", err)
			}
		}
	}
	if len(updates) > 0 {
		up, err := conn.PrepareContext(ctx, `UPDATE connections SET import_id = ?1,
			host = ?2, pid = ?3, start_time = ?4, end_time = ?5, ip = ?6, rhost = ?7, port = ?8, username = ?9,
			invalid_user = ?10, method = ?11, failed = ?12, failure_lines = ?13, scan_lines = ?14, logins = ?15,
			subnet = ?16, attempts = ?17, failure = ?18, scan = ?19, hostile_lines = ?20
			WHERE id = ?21`)
		if err != nil {
			return ins, fmt.Errorf("cannot write batch: %w", err)
		}
		defer up.Close()
		v := make([]driver.NamedValue, connArgs)
		args := make([]any, 0, connArgs+2)
		ips := addrCache{}
		var located int64 // the least id of an updated connection with an address
		for _, c := range updates {
			setConn(v, c, ips)
			args = append(args[:0], importID)
			for _, x := range v {
				args = append(args, x.Value)
			}
			res, err := up.ExecContext(ctx, append(args, c.ID)...)
			if err != nil {
				return ins, s.writeErr(err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return ins, fmt.Errorf("cannot write batch: %w", err)
			} else if n != 1 {
				return ins, knocks.Errorf(knocks.EINVALID, "cannot update connection %d: it is not stored", c.ID)
			}
			if err := widenSpan(ctx, conn, c); err != nil {
				return ins, fmt.Errorf("cannot write batch: %w", err)
			}
			if c.IP.IsValid() && (located == 0 || c.ID < located) {
				located = c.ID
			}
		}
		if located > 0 {
			// The address of a connection that UnlocatedIPs has seen may
			// be new: let it look again from there.
			if _, err := conn.ExecContext(ctx, "UPDATE geo_progress SET connections = min(connections, ?)", located-1); err != nil {
				return ins, fmt.Errorf("cannot write batch: %w", err)
			}
		}
	}
	if len(b.Fail2ban) > 0 {
		if err := insertRows(ctx, conn, len(b.Fail2ban), f2bArgs, importID, insertF2BSQL, func(v []driver.NamedValue, i int) {
			e := &b.Fail2ban[i]
			v[0].Value, v[1].Value, v[2].Value, v[3].Value = e.Time.Unix(), string(e.Kind), nullString(e.Jail), ipText(e.IP)
			v[4].Value, v[5].Value, v[6].Value = nullString(e.Host), nullInt(e.BanTime), nullInt(e.BanCount)
		}); err != nil {
			return ins, s.writeErr(err)
		}
	}
	if len(b.Penalties) > 0 {
		if err := insertRows(ctx, conn, len(b.Penalties), penArgs, importID, insertPenaltySQL, func(v []driver.NamedValue, i int) {
			e := &b.Penalties[i]
			v[0].Value, v[1].Value, v[2].Value, v[3].Value = e.Time.Unix(), nullString(e.Host), string(e.Kind), ipText(e.IP)
			var user any // only a lockout names a user, maybe an empty one
			if e.Kind == knocks.KindLockout {
				user = e.User
			}
			v[4].Value, v[5].Value, v[6].Value = nullString(e.Reason), user, e.Count
		}); err != nil {
			return ins, s.writeErr(err)
		}
	}
	if cp := b.Checkpoint; cp != nil {
		if err := s.writeCheckpoint(ctx, conn, cp); err != nil {
			return ins, err
		}
	}
	if err := writeLines(ctx, conn, b.Lines); err != nil {
		return ins, err
	}
	if err := s.writeCursors(ctx, conn, b.Cursors); err != nil {
		return ins, err
	}
	return ins, nil
}

// writeCheckpoint stores cp as a compare-and-swap: it updates the
// checkpoint that cp reads on from (its fingerprint at cp.Prev with
// cp.PrevSum) only while the store holds it, and inserts the checkpoint of
// a new input only while cp.Siblings checkpoints share its fingerprint;
// otherwise another writer stored lines of this input meanwhile, and it
// returns ECONFLICT.
func (s *EventStore) writeCheckpoint(ctx context.Context, conn *sql.Conn, cp *knocks.Checkpoint) error {
	conflict := knocks.Errorf(knocks.ECONFLICT, "another import stored lines of %s meanwhile; nothing of this batch was stored", cp.Name)
	if !cp.New {
		r, err := conn.ExecContext(ctx, `UPDATE checkpoints SET name = ?, byte_offset = ?, lines = ?, sum = ?, last_time = ?, updated = ?
			WHERE fingerprint = ? AND byte_offset = ? AND sum IS ?`,
			cp.Name, cp.Offset, cp.Lines, nullString(cp.Sum), nullUnix(cp.LastTime), s.now().Unix(), cp.Fingerprint, cp.Prev, nullString(cp.PrevSum))
		if err != nil {
			return fmt.Errorf("cannot write checkpoint: %w", err)
		}
		if n, err := r.RowsAffected(); err != nil || n != 1 {
			return conflict
		}
		return nil
	}
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM checkpoints WHERE fingerprint = ?", cp.Fingerprint).Scan(&n); err != nil {
		return fmt.Errorf("cannot write checkpoint: %w", err)
	}
	if n != cp.Siblings {
		return conflict
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO checkpoints (fingerprint, name, byte_offset, lines, sum, last_time, updated)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		cp.Fingerprint, cp.Name, cp.Offset, cp.Lines, nullString(cp.Sum), nullUnix(cp.LastTime), s.now().Unix()); err != nil {
		return fmt.Errorf("cannot write checkpoint: %w", err)
	}
	return nil
}

// writeLines adds line counts to the stored ones: per host and hour, and
// the lines without an hour.
func writeLines(ctx context.Context, conn *sql.Conn, lines []knocks.LineCount) error {
	for _, l := range lines {
		if l.Lines == 0 {
			continue
		}
		var err error
		if l.Hour.IsZero() {
			_, err = conn.ExecContext(ctx, "UPDATE lines_unbucketed SET lines = lines + ? WHERE id = 1", l.Lines)
		} else {
			_, err = conn.ExecContext(ctx, `INSERT INTO line_counts (host, hour, lines) VALUES (?, ?, ?)
				ON CONFLICT (host, hour) DO UPDATE SET lines = lines + excluded.lines`, l.Host, l.Hour.Truncate(time.Hour).Unix(), l.Lines)
		}
		if err != nil {
			return fmt.Errorf("cannot write line counts: %w", err)
		}
	}
	return nil
}

// insertRows inserts n rows with multi-row INSERT statements of
// rowsPerInsert rows, prepared once, and one statement for the rest.
// shared is the value of ?1 and setRow sets the cols values of row i. The
// values go to the driver as they are: they must be driver.Values (int64,
// string, nil...).
func insertRows(ctx context.Context, conn *sql.Conn, n, cols int, shared any, query func(int) string, setRow func([]driver.NamedValue, int)) error {
	return insertGroups(ctx, conn, n, shared, []rowShape{{cols: cols, query: query, set: setRow}}, nil)
}

// rowShape is one form of a multi-row INSERT: cols values a row, the
// statement of n rows, and the function that sets the values of row i;
// with head, a statement also has head values of its own after ?1 (?2...),
// which setHead sets for the group of rows that begins at row i.
type rowShape struct {
	cols    int
	query   func(n int) string
	set     func(v []driver.NamedValue, i int)
	head    int
	setHead func(v []driver.NamedValue, i int)
}

// insertGroups inserts n rows in groups of rowsPerInsert (and one group
// of the rest), each group in the shape (an index into shapes) that pick
// returns for its rows [from, to); with a nil pick, in shapes[0]. Each
// statement is prepared once per shape and group size. shared is the value
// of ?1.
func insertGroups(ctx context.Context, conn *sql.Conn, n int, shared any, shapes []rowShape, pick func(from, to int) int) error {
	return conn.Raw(func(dc any) error {
		pc, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("driver %T cannot prepare with a context", dc)
		}
		type prepared struct {
			st driver.StmtExecContext
			v  []driver.NamedValue
		}
		type key struct{ shape, rows int }
		stmts := map[key]prepared{}
		defer func() {
			for _, p := range stmts {
				p.st.(driver.Stmt).Close()
			}
		}()
		get := func(k key) (prepared, error) {
			if p, ok := stmts[k]; ok {
				return p, nil
			}
			st, err := pc.PrepareContext(ctx, shapes[k.shape].query(k.rows))
			if err != nil {
				return prepared{}, err
			}
			se, ok := st.(driver.StmtExecContext)
			if !ok {
				st.Close()
				return prepared{}, fmt.Errorf("driver statement %T cannot execute with a context", st)
			}
			v := make([]driver.NamedValue, 1+shapes[k.shape].head+k.rows*shapes[k.shape].cols)
			for i := range v {
				v[i].Ordinal = i + 1
			}
			v[0].Value = shared
			p := prepared{se, v}
			stmts[k] = p
			return p, nil
		}
		for from := 0; from < n; from += rowsPerInsert {
			to := min(from+rowsPerInsert, n)
			k := key{rows: to - from}
			if pick != nil {
				k.shape = pick(from, to)
			}
			p, err := get(k)
			if err != nil {
				return err
			}
			sh := shapes[k.shape]
			if sh.head > 0 {
				sh.setHead(p.v[1:1+sh.head], from)
			}
			for j, at := 0, 1+sh.head; j < k.rows; j++ {
				sh.set(p.v[at+j*sh.cols:at+(j+1)*sh.cols], from+j)
			}
			if _, err := p.st.ExecContext(ctx, p.v); err != nil {
				return err
			}
		}
		return nil
	})
}

// insertConns inserts the new connections cs in their order, so that they
// get consecutive ids. Binding a value costs the driver (its call into
// SQLite takes the connection's mutex, a string is copied into C memory)
// about eight times what SQLite takes to unpack a number with a shift and
// a mask, so the nine counts and flags of a row go in as one packed value
// (see packCounts), and its pid, port, method and duration as another
// (see packHeader), where they fit: 8 values a row, not 19. A group of
// rows of one host and without a host name for an address (rhost), as
// most are, binds the host once and 6 values a row. A group of rows where
// one does not fit goes in as it is.
func insertConns(ctx context.Context, conn *sql.Conn, importID any, cs []*knocks.Connection) error {
	packed := make([][2]int64, len(cs))
	for i, c := range cs {
		packed[i] = [2]int64{packCounts(c), packHeader(c)}
	}
	ips := addrCache{}
	shapes := []rowShape{
		{cols: packedArgs, query: func(n int) string { return insertPackedSQL(n, false) },
			set: func(v []driver.NamedValue, i int) { setPacked(v, cs[i], packed[i], ips) }},
		{cols: connArgs, query: insertConnSQL, set: func(v []driver.NamedValue, i int) { setConn(v, cs[i], ips) }},
		{cols: hostPackedArgs, query: func(n int) string { return insertPackedSQL(n, true) },
			set:  func(v []driver.NamedValue, i int) { setHostPacked(v, cs[i], packed[i], ips) },
			head: 1, setHead: func(v []driver.NamedValue, i int) { v[0].Value = nullString(cs[i].Host) }},
	}
	return insertGroups(ctx, conn, len(cs), importID, shapes, func(from, to int) int {
		shape := 2
		for i, n := range packed[from:to] {
			if n[0] < 0 || n[1] < 0 {
				return 1
			}
			if c := cs[from+i]; c.RHost != "" || c.Host != cs[from].Host {
				shape = 0
			}
		}
		return shape
	})
}

// packedArgs is the number of values of a connection in packed form;
// hostPackedArgs, without its host and rhost.
const packedArgs, hostPackedArgs = 8, 6

// packBits is the width of each count in a packed value: a count below
// 1,024 fits.
const packBits = 10

// packCounts returns the counts and flags of c packed into one value, 10
// bits each: failed, failure_lines, scan_lines, logins, attempts,
// hostile_lines, and then one bit each for invalid_user, failure and scan;
// -1 when a count does not fit.
func packCounts(c *knocks.Connection) int64 {
	var n int64
	for i, x := range [...]int64{c.Failed, c.FailureLines, c.ScanLines, c.Logins, c.Attempts(), c.HostileLines()} {
		if x < 0 || x >= 1<<packBits {
			return -1
		}
		n |= x << (i * packBits)
	}
	return n | boolInt(c.Invalid)<<60 | boolInt(c.IsFailure())<<61 | boolInt(c.IsScan())<<62
}

// The fields of the value of packHeader: their shift and width in bits.
const (
	pidBits, portShift, portBits = 23, 23, 17 // Linux's largest pid_max is 2^22
	methodShift, methodBits      = 40, 4
	durationShift, durationBits  = 44, 19 // up to six days
)

// packedMethods are the auth methods that packHeader codes, by code (0:
// none, NULL).
var packedMethods = [...]string{"", "password", "publickey", "keyboard-interactive", "keyboard-interactive/pam",
	"hostbased", "none", "gssapi-with-mic", "gssapi-keyex", "unknown"}

// packHeader returns the pid, port, method (its index in packedMethods)
// and duration in seconds (end - start) of c packed into one value; -1
// when one does not fit.
func packHeader(c *knocks.Connection) int64 {
	method := slices.Index(packedMethods[:], c.Method)
	d := c.End.Unix() - c.Start.Unix()
	if c.PID < 0 || c.PID >= 1<<pidBits || c.Port < 0 || c.Port >= 1<<portBits || method < 0 || d < 0 || d >= 1<<durationBits {
		return -1
	}
	return int64(c.PID) | int64(c.Port)<<portShift | int64(method)<<methodShift | d<<durationShift
}

// setPacked sets the packedArgs values of c, whose packed values are n.
func setPacked(v []driver.NamedValue, c *knocks.Connection, n [2]int64, ips addrCache) {
	var user any
	if c.HasUser {
		user = truncUser(c.User)
	}
	ip, sub := ips.get(c.IP)
	v[0].Value = nullString(c.Host)
	v[1].Value = c.Start.Unix()
	v[2].Value = ip
	v[3].Value = nullString(c.RHost)
	v[4].Value = user
	v[5].Value = sub
	v[6].Value = n[0]
	v[7].Value = n[1]
}

// setHostPacked sets the hostPackedArgs values of c, whose packed values
// are n.
func setHostPacked(v []driver.NamedValue, c *knocks.Connection, n [2]int64, ips addrCache) {
	var user any
	if c.HasUser {
		user = truncUser(c.User)
	}
	ip, sub := ips.get(c.IP)
	v[0].Value = c.Start.Unix()
	v[1].Value = ip
	v[2].Value = user
	v[3].Value = sub
	v[4].Value = n[0]
	v[5].Value = n[1]
}

// insertPackedSQL returns an INSERT of n connections in packed form: the
// rows are a VALUES table whose columns the SELECT unpacks into the
// columns of connections. With host, the rows are of one host, ?2, and
// have no rhost (see setHostPacked); else see setPacked.
func insertPackedSQL(n int, host bool) string {
	// The columns of the VALUES table, named by what they hold.
	col := map[string]string{"host": "column1", "start": "column2", "ip": "column3", "rhost": "column4", "user": "column5",
		"subnet": "column6", "counts": "column7", "header": "column8"}
	args := packedArgs
	if host {
		col = map[string]string{"host": "?2", "start": "column1", "ip": "column2", "rhost": "NULL", "user": "column3",
			"subnet": "column4", "counts": "column5", "header": "column6"}
		args = hostPackedArgs
	}
	count := func(i int) string { return fmt.Sprintf("(%s >> %d) & 1023", col["counts"], i*packBits) }
	flag := func(bit int) string { return fmt.Sprintf("(%s >> %d) & 1", col["counts"], bit) }
	field := func(shift, bits int) string { return fmt.Sprintf("((%s >> %d) & %d)", col["header"], shift, 1<<bits-1) }
	method := "CASE " + field(methodShift, methodBits)
	for i, m := range packedMethods[1:] {
		method += fmt.Sprintf(" WHEN %d THEN '%s'", i+1, m)
	}
	method += " END"
	cols := []string{
		"?1", col["host"],
		"nullif(" + field(0, pidBits) + ", 0)", // pid
		col["start"],                           // start_time
		col["start"] + " + (" + col["header"] + " >> " + fmt.Sprint(durationShift) + ")", // end_time
		col["ip"], col["rhost"],
		"nullif(" + field(portShift, portBits) + ", 0)", // port
		col["user"],   // username
		flag(60),      // invalid_user
		method,        // method
		count(0),      // failed
		count(1),      // failure_lines
		count(2),      // scan_lines
		count(3),      // logins
		col["subnet"], // subnet
		count(4),      // attempts
		flag(61),      // failure
		flag(62),      // scan
		count(5),      // hostile_lines
	}
	head := "INSERT OR FAIL INTO connections (" + connColumnsWritten + ") SELECT " + strings.Join(cols, ", ") + " FROM (VALUES "
	return multiInsertValues(head, args, n) + ")"
}

// addrCache holds the text and subnet of the addresses of one batch, made
// once: attackers come back.
type addrCache map[netip.Addr][2]any

// get returns the stored text and subnet of ip.
func (m addrCache) get(ip netip.Addr) (text, sub any) {
	if !ip.IsValid() {
		return nil, nil
	}
	if x, ok := m[ip]; ok {
		return x[0], x[1]
	}
	text, sub = ipText(ip), subnet(ip)
	m[ip] = [2]any{text, sub}
	return text, sub
}

// truncUser cuts a user name to the length that is stored.
func truncUser(u string) string {
	if len(u) > knocks.MaxUserLen {
		return u[:knocks.MaxUserLen]
	}
	return u
}

// setConn sets the connArgs values of c.
func setConn(v []driver.NamedValue, c *knocks.Connection, ips addrCache) {
	var user any
	if c.HasUser {
		user = truncUser(c.User)
	}
	v[0].Value = nullString(c.Host)
	v[1].Value = nullInt(int64(c.PID))
	v[2].Value = c.Start.Unix()
	v[3].Value = c.End.Unix()
	ip, sub := ips.get(c.IP)
	v[4].Value = ip
	v[5].Value = nullString(c.RHost)
	v[6].Value = nullInt(int64(c.Port))
	v[7].Value = user
	v[8].Value = boolInt(c.Invalid)
	v[9].Value = nullString(c.Method)
	v[10].Value = c.Failed
	v[11].Value = c.FailureLines
	v[12].Value = c.ScanLines
	v[13].Value = c.Logins
	v[14].Value = sub
	// The derived columns: the counting rules of the knocks package.
	v[15].Value = c.Attempts()
	v[16].Value = boolInt(c.IsFailure())
	v[17].Value = boolInt(c.IsScan())
	v[18].Value = c.HostileLines()
}

// widenSpan makes the span of the updated connection c cover its times,
// or gives it a span of its own when none covers its id (a row inserted by
// hand).
func widenSpan(ctx context.Context, tx *sql.Conn, c *knocks.Connection) error {
	st, end := c.Start.Unix(), c.End.Unix()
	res, err := tx.ExecContext(ctx, `UPDATE connection_spans
		SET min_start = min(min_start, ?2), max_start = max(max_start, ?2), max_end = max(max_end, ?3)
		WHERE first_id = (SELECT max(first_id) FROM connection_spans WHERE first_id <= ?1) AND last_id >= ?1`, c.ID, st, end)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO connection_spans (first_id, last_id, min_start, max_start, max_end) VALUES (?, ?, ?, ?, ?)",
		c.ID, c.ID, st, st, end)
	return err
}

// idRange is a range of connections.id, both ends included.
type idRange struct{ lo, hi int64 }

// idRanges returns the ranges of connections.id that hold every connection
// whose start is in [startLo, startHi] and whose end is at or after endLo,
// as far as connection_spans tells: the merged id ranges of the spans that
// may hold such rows, of the gaps between spans, and of every id after the
// last span (rows that no write of ours inserted, such as rows written by
// hand). Each range is read on its own: SQLite may choose to scan the whole
// table for a condition that ORs ranges.
func idRanges(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, startLo, startHi, endLo int64) ([]idRange, error) {
	rows, err := q.QueryContext(ctx, `SELECT first_id, last_id, max_start >= ?1 AND min_start <= ?2 AND max_end >= ?3
		FROM connection_spans ORDER BY first_id`, startLo, startHi, endLo)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []idRange
	add := func(r idRange) {
		if n := len(out); n > 0 && r.lo <= out[n-1].hi+1 {
			out[n-1].hi = max(out[n-1].hi, r.hi)
			return
		}
		out = append(out, r)
	}
	next := int64(1) // the least id that no span seen so far covers
	for rows.Next() {
		var r idRange
		var match bool
		if err := rows.Scan(&r.lo, &r.hi, &match); err != nil {
			return nil, err
		}
		if r.lo > next {
			add(idRange{next, r.lo - 1})
		}
		if match {
			add(r)
		}
		next = max(next, r.hi+1)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	add(idRange{next, math.MaxInt64})
	return out, nil
}

// writeErr turns a constraint failure into EINVALID.
func (s *EventStore) writeErr(err error) error {
	if isConstraint(err) {
		return knocks.Errorf(knocks.EINVALID, "cannot write batch: %v", err)
	}
	return fmt.Errorf("cannot write batch: %w", err)
}

// subnet returns the /24 of an IPv4 address or the /64 of an IPv6 address
// in canonical text form, or nil.
func subnet(ip netip.Addr) any {
	if s, _ := knocks.Subnets(ip); s != "" {
		return s
	}
	return nil
}

// ipText returns the canonical text of ip (IPv4-mapped IPv6 as IPv4), or
// nil for the zero address.
func ipText(ip netip.Addr) any {
	if !ip.IsValid() {
		return nil
	}
	return ip.Unmap().String()
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func nullUnix(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

func fromUnix(n int64) time.Time { return time.Unix(n, 0).UTC() }

func fromNullUnix(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return fromUnix(n.Int64)
}
