package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
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
	return nil
}

// Checkpoint returns the checkpoint of the input with this fingerprint.
// Returns ENOTFOUND when the input was never imported.
func (s *EventStore) Checkpoint(ctx context.Context, fingerprint string) (*knocks.Checkpoint, error) {
	cp := &knocks.Checkpoint{Fingerprint: fingerprint}
	var last sql.NullInt64
	var updated int64
	err := s.db.QueryRowContext(ctx,
		"SELECT name, byte_offset, lines, last_time, updated FROM checkpoints WHERE fingerprint = ?", fingerprint).
		Scan(&cp.Name, &cp.Offset, &cp.Lines, &last, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, knocks.Errorf(knocks.ENOTFOUND, "no checkpoint for input %.16s", fingerprint)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read checkpoint: %w", err)
	}
	cp.LastTime = fromNullUnix(last)
	cp.Updated = fromUnix(updated)
	return cp, nil
}

// longConnection is the duration beyond which a connection is found by the
// partial index connections_long rather than by a range of start_time.
const longConnection = 86400 // seconds; the constant of the index's WHERE

// connColumns are the columns that make up a knocks.Connection, in the
// order scanConnection reads them.
const connColumns = "id, host, pid, start_time, end_time, ip, rhost, port, username, invalid_user, method, failed, failure_lines, scan_lines, logins"

// RecentConnections returns the stored connections whose end is at or after
// since and whose start is at or before until, oldest first.
func (s *EventStore) RecentConnections(ctx context.Context, since, until time.Time) ([]*knocks.Connection, error) {
	lo, hi := since.Unix(), until.Unix()
	// Both sides of start_time are bounded for connections of up to a day;
	// the longer ones (there are next to none) come from a partial index.
	rows, err := s.db.QueryContext(ctx, `
		SELECT `+connColumns+` FROM connections
		 WHERE start_time BETWEEN ?1 - 86400 AND ?2 AND end_time >= ?1
		UNION ALL
		SELECT `+connColumns+` FROM connections
		 WHERE end_time - start_time > 86400 AND end_time >= ?1 AND start_time <= ?2 AND start_time < ?1 - 86400
		ORDER BY start_time, id`, lo, hi)
	if err != nil {
		return nil, fmt.Errorf("cannot read recent connections: %w", err)
	}
	defer rows.Close()
	var out []*knocks.Connection
	for rows.Next() {
		c, err := scanConnection(rows)
		if err != nil {
			return nil, fmt.Errorf("cannot read recent connections: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read recent connections: %w", err)
	}
	return out, nil
}

// scanConnection reads a row of connColumns.
func scanConnection(rows *sql.Rows) (*knocks.Connection, error) {
	var (
		c                    knocks.Connection
		host, ip, rhost      sql.NullString
		user, method         sql.NullString
		pid, port            sql.NullInt64
		start, end, invalid_ int64
	)
	if err := rows.Scan(&c.ID, &host, &pid, &start, &end, &ip, &rhost, &port, &user, &invalid_, &method,
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
	c.Invalid = invalid_ != 0
	c.Method = method.String
	return &c, nil
}

// connArgs is the number of columns written per connection.
const connArgs = 19

// insertConnSQL returns an INSERT of n connections.
func insertConnSQL(n int) string {
	return multiInsert("INSERT INTO connections (id, host, pid, start_time, end_time, ip, rhost, port, username, has_user, invalid_user, method, failed, failure_lines, scan_lines, logins, attempts, subnet, import_id) VALUES ", connArgs, n)
}

// f2bArgs is the number of columns written per fail2ban event.
const f2bArgs = 5

func insertF2BSQL(n int) string {
	return multiInsert("INSERT INTO fail2ban_events (time, kind, jail, ip, import_id) VALUES ", f2bArgs, n)
}

// multiInsert returns head followed by n groups of cols placeholders.
func multiInsert(head string, cols, n int) string {
	var b strings.Builder
	b.Grow(len(head) + n*(cols*2+3))
	b.WriteString(head)
	group := "(" + strings.Repeat("?,", cols-1) + "?)"
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(group)
	}
	return b.String()
}

// rowsPerInsert is how many rows one multi-row INSERT writes: fewer round
// trips through database/sql, well under SQLite's limit of parameters.
const rowsPerInsert = 64

// Write stores a batch in one transaction: it inserts the connections with
// ID 0 (and sets their ID once the transaction committed), updates the
// others, inserts the fail2ban events and upserts the checkpoint. On any
// error nothing of the batch is stored and no ID is set.
// Returns EINVALID for a connection with an unknown ID, an impossible
// connection (no start time, end before start, negative counts), a
// fail2ban event of another kind, or an unknown import id.
func (s *EventStore) Write(ctx context.Context, b *knocks.Batch) error {
	if b == nil {
		return nil
	}
	var inserts, updates []*knocks.Connection
	for _, c := range b.Connections {
		if err := validConnection(c); err != nil {
			return err
		}
		if c.ID == 0 {
			inserts = append(inserts, c)
		} else {
			updates = append(updates, c)
		}
	}
	for i := range b.Fail2ban {
		switch k := b.Fail2ban[i].Kind; k {
		case knocks.KindF2BFound, knocks.KindF2BBan, knocks.KindF2BUnban:
		default:
			return knocks.Errorf(knocks.EINVALID, "not a fail2ban event kind: %q", k)
		}
	}
	importID := nullInt(b.ImportID)

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("cannot write batch: %w", err)
	}
	defer tx.Rollback()

	var ids []int64
	if len(inserts) > 0 {
		var last int64
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM connections").Scan(&last); err != nil {
			return fmt.Errorf("cannot write batch: %w", err)
		}
		ids = make([]int64, len(inserts))
		for i := range ids {
			ids[i] = last + 1 + int64(i)
		}
		if err := insertRows(ctx, tx, len(inserts), connArgs, insertConnSQL, func(args []any, i int) []any {
			return appendConn(args, ids[i], inserts[i], importID)
		}); err != nil {
			return s.writeErr(err, b.ImportID)
		}
	}
	if len(updates) > 0 {
		up, err := tx.PrepareContext(ctx, `UPDATE connections SET
			host = ?2, pid = ?3, start_time = ?4, end_time = ?5, ip = ?6, rhost = ?7, port = ?8, username = ?9,
			has_user = ?10, invalid_user = ?11, method = ?12, failed = ?13, failure_lines = ?14, scan_lines = ?15,
			logins = ?16, attempts = ?17, subnet = ?18, import_id = ?19
			WHERE id = ?1`)
		if err != nil {
			return fmt.Errorf("cannot write batch: %w", err)
		}
		defer up.Close()
		args := make([]any, 0, connArgs)
		for _, c := range updates {
			args = appendConn(args[:0], c.ID, c, importID)
			res, err := up.ExecContext(ctx, args...)
			if err != nil {
				return s.writeErr(err, b.ImportID)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("cannot write batch: %w", err)
			} else if n != 1 {
				return knocks.Errorf(knocks.EINVALID, "cannot update connection %d: it is not stored", c.ID)
			}
		}
	}
	if len(b.Fail2ban) > 0 {
		if err := insertRows(ctx, tx, len(b.Fail2ban), f2bArgs, insertF2BSQL, func(args []any, i int) []any {
			e := &b.Fail2ban[i]
			return append(args, e.Time.Unix(), string(e.Kind), nullString(e.Jail), ipText(e.IP), importID)
		}); err != nil {
			return s.writeErr(err, b.ImportID)
		}
	}
	if cp := b.Checkpoint; cp != nil {
		if cp.Fingerprint == "" {
			return knocks.Errorf(knocks.EINVALID, "checkpoint without a fingerprint")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO checkpoints (fingerprint, name, byte_offset, lines, last_time, updated)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (fingerprint) DO UPDATE SET name = excluded.name, byte_offset = excluded.byte_offset,
				lines = excluded.lines, last_time = excluded.last_time, updated = excluded.updated`,
			cp.Fingerprint, cp.Name, cp.Offset, cp.Lines, nullUnix(cp.LastTime), s.now().Unix()); err != nil {
			return fmt.Errorf("cannot write checkpoint: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("cannot write batch: %w", err)
	}
	for i, c := range inserts {
		c.ID = ids[i]
	}
	return nil
}

// writeErr turns a constraint failure into EINVALID.
func (s *EventStore) writeErr(err error, importID int64) error {
	if isConstraint(err) {
		if strings.Contains(err.Error(), "FOREIGN KEY") {
			return knocks.Errorf(knocks.EINVALID, "cannot write batch: no import with id %d", importID)
		}
		return knocks.Errorf(knocks.EINVALID, "cannot write batch: %v", err)
	}
	return fmt.Errorf("cannot write batch: %w", err)
}

// insertRows inserts n rows with multi-row INSERT statements of
// rowsPerInsert rows, prepared once, and one statement for the rest;
// appendRow appends the values of row i.
func insertRows(ctx context.Context, tx *sql.Tx, n, cols int, query func(int) string, appendRow func([]any, int) []any) error {
	args := make([]any, 0, rowsPerInsert*cols)
	i := 0
	if n >= rowsPerInsert {
		st, err := tx.PrepareContext(ctx, query(rowsPerInsert))
		if err != nil {
			return err
		}
		defer st.Close()
		for ; i+rowsPerInsert <= n; i += rowsPerInsert {
			args = args[:0]
			for j := i; j < i+rowsPerInsert; j++ {
				args = appendRow(args, j)
			}
			if _, err := st.ExecContext(ctx, args...); err != nil {
				return err
			}
		}
	}
	if i < n {
		args = args[:0]
		for j := i; j < n; j++ {
			args = appendRow(args, j)
		}
		if _, err := tx.ExecContext(ctx, query(n-i), args...); err != nil {
			return err
		}
	}
	return nil
}

// appendConn appends the connArgs values of c, stored under id.
func appendConn(args []any, id int64, c *knocks.Connection, importID any) []any {
	var user any
	if c.HasUser {
		u := c.User
		if len(u) > knocks.MaxUserLen {
			u = u[:knocks.MaxUserLen]
		}
		user = u
	}
	return append(args,
		id, nullString(c.Host), nullInt(int64(c.PID)), c.Start.Unix(), c.End.Unix(),
		ipText(c.IP), nullString(c.RHost), nullInt(int64(c.Port)), user, boolInt(c.HasUser), boolInt(c.Invalid),
		nullString(c.Method), c.Failed, c.FailureLines, c.ScanLines, c.Logins, c.Attempts(), subnet(c.IP), importID)
}

// validConnection rejects a connection that cannot be stored.
func validConnection(c *knocks.Connection) error {
	switch {
	case c == nil:
		return knocks.Errorf(knocks.EINVALID, "nil connection in batch")
	case c.ID < 0:
		return knocks.Errorf(knocks.EINVALID, "connection with negative id %d", c.ID)
	case c.Start.IsZero() || c.End.IsZero():
		return knocks.Errorf(knocks.EINVALID, "connection of %s pid %d without a time", c.Host, c.PID)
	case c.End.Before(c.Start):
		return knocks.Errorf(knocks.EINVALID, "connection of %s pid %d ends before it starts", c.Host, c.PID)
	case c.Failed < 0 || c.FailureLines < 0 || c.ScanLines < 0 || c.Logins < 0:
		return knocks.Errorf(knocks.EINVALID, "connection of %s pid %d with a negative count", c.Host, c.PID)
	}
	return nil
}

// subnet returns the /24 of an IPv4 address or the /64 of an IPv6 address
// in canonical text form, or nil.
func subnet(ip netip.Addr) any {
	if !ip.IsValid() {
		return nil
	}
	ip = ip.Unmap().WithZone("")
	bits := 64
	if ip.Is4() {
		bits = 24
	}
	p, err := ip.Prefix(bits)
	if err != nil {
		return nil
	}
	return p.String()
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
