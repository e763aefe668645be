package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"knocks"
)

// BeginImport records the start of an import of the store's host id and
// returns its id.
func (s *EventStore) BeginImport(ctx context.Context, started time.Time) (int64, error) {
	var id int64
	if err := s.pool.QueryRow(ctx, "INSERT INTO imports (host_id, started) VALUES ($1, $2) RETURNING id", s.hostID, started.Unix()).Scan(&id); err != nil {
		return 0, fmt.Errorf("cannot begin import: %w", err)
	}
	return id, nil
}

// FinishImport records the end of an import and the statistics of each of
// its inputs, with their unrecognised lines by shape; called again for the
// same import it replaces what the first call recorded.
// Returns ENOTFOUND for an unknown import id.
func (s *EventStore) FinishImport(ctx context.Context, id int64, finished time.Time, inputs []knocks.InputStats) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE imports SET finished = $1 WHERE id = $2", finished.Unix(), id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return knocks.Errorf(knocks.ENOTFOUND, "no import with id %d", id)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM import_inputs WHERE import_id = $1", id); err != nil {
			return err
		}
		b := &pgx.Batch{}
		for i, st := range inputs {
			b.Queue(`INSERT INTO import_inputs (import_id, seq, name, fingerprint, lines, sshd_lines, recognised, unrecognised, skipped, events, error)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
				id, i, []byte(st.Name), nullString(st.Fingerprint), st.Lines, st.SSHDLines, st.Recognised, st.Unrecognised, st.Skipped, st.Events, nullBytes(st.Error))
			for _, sh := range st.Shapes {
				b.Queue("INSERT INTO import_shapes (import_id, seq, shape, count, example) VALUES ($1, $2, $3, $4, $5)",
					id, i, []byte(sh.Shape), sh.Count, nullBytes(sh.Example))
			}
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		return s.bump(ctx, tx)
	})
	if err != nil {
		if knocks.ErrorCode(err) == knocks.ENOTFOUND {
			return err
		}
		return fmt.Errorf("cannot finish import: %w", err)
	}
	return nil
}

// Checkpoints returns the checkpoints of the store's host id with this
// fingerprint, oldest first; none when that host imported no such input.
func (s *EventStore) Checkpoints(ctx context.Context, fingerprint string) ([]*knocks.Checkpoint, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, byte_offset, lines, COALESCE(sum, ''), last_time, updated
		FROM checkpoints WHERE host_id = $1 AND fingerprint = $2 ORDER BY id`, s.hostID, fingerprint)
	if err != nil {
		return nil, fmt.Errorf("cannot read checkpoints: %w", err)
	}
	defer rows.Close()
	var cps []*knocks.Checkpoint
	for rows.Next() {
		cp := &knocks.Checkpoint{Fingerprint: fingerprint}
		var name []byte
		var last *int64
		var updated int64
		if err := rows.Scan(&name, &cp.Offset, &cp.Lines, &cp.Sum, &last, &updated); err != nil {
			return nil, fmt.Errorf("cannot read checkpoints: %w", err)
		}
		cp.Name = string(name)
		if last != nil {
			cp.LastTime = fromUnix(*last)
		}
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
const connColumns = `id, host, pid, start_time, end_time, ip, rhost, port, username, username IS NOT NULL,
	invalid_user, method, failed, failure_lines, scan_lines, logins`

// RecentConnections returns the connections that the store's host id
// stored whose end is at or after since and whose start is at or before
// until, in the order of their ids: an import extends only its own host's
// connections.
func (s *EventStore) RecentConnections(ctx context.Context, since, until time.Time) ([]*knocks.Connection, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+connColumns+` FROM connections
		WHERE host_id = $1 AND end_time >= $2 AND start_time <= $3 ORDER BY id`, s.hostID, since.Unix(), until.Unix())
	if err != nil {
		return nil, fmt.Errorf("cannot read recent connections: %w", err)
	}
	defer rows.Close()
	var out []*knocks.Connection
	for rows.Next() {
		var (
			c                       knocks.Connection
			host, rhost, user, meth []byte
			ip                      *string
			pid, port               *int32
			start, end              int64
		)
		if err := rows.Scan(&c.ID, &host, &pid, &start, &end, &ip, &rhost, &port, &user, &c.HasUser, &c.Invalid, &meth,
			&c.Failed, &c.FailureLines, &c.ScanLines, &c.Logins); err != nil {
			return nil, fmt.Errorf("cannot read recent connections: %w", err)
		}
		c.Host, c.RHost, c.User, c.Method = string(host), string(rhost), string(user), string(meth)
		if pid != nil {
			c.PID = int(*pid)
		}
		if port != nil {
			c.Port = int(*port)
		}
		c.Start, c.End = fromUnix(start), fromUnix(end)
		if ip != nil {
			a, err := netip.ParseAddr(*ip)
			if err != nil {
				return nil, fmt.Errorf("cannot read recent connections: connection %d: bad ip %q: %w", c.ID, *ip, err)
			}
			c.IP = a
		}
		out = append(out, &c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read recent connections: %w", err)
	}
	return out, nil
}

// Write stores a batch in one transaction: it inserts the connections with
// ID 0 (with COPY, and sets their ID once the transaction committed),
// updates the others, inserts the fail2ban and penalty events, writes the
// checkpoint, the line counts and the journal cursors. On any error
// nothing of the batch is stored and no ID is set.
//
// The checkpoint and each cursor are written as a compare-and-swap (see
// knocks.Checkpoint, knocks.CursorUpdate) under a transaction-scoped
// advisory lock on the input (the store's host id and the fingerprint, or
// the seqnum ID): two imports of one host that read the same lines store
// them once, and imports of other inputs or hosts do not wait.
// Returns EINVALID for a connection with an unknown ID, an impossible
// connection, an event of another kind, a checkpoint without a
// fingerprint, a malformed cursor update or an unknown import id;
// ECONFLICT when another writer moved the checkpoint or a cursor
// meanwhile.
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
	if len(inserts)+len(updates)+len(b.Fail2ban)+len(b.Penalties)+len(b.Lines)+len(b.Cursors) == 0 && b.Checkpoint == nil {
		return nil
	}
	var ids []int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		ids, err = s.write(ctx, tx, b, inserts, updates)
		return err
	})
	if err != nil {
		if knocks.ErrorCode(err) != knocks.EINTERNAL {
			return err
		}
		if isConstraint(err) {
			return knocks.Errorf(knocks.EINVALID, "cannot write batch: %v", err)
		}
		return fmt.Errorf("cannot write batch: %w", err)
	}
	for i, c := range inserts {
		c.ID = ids[i]
	}
	return nil
}

// lockKey returns the key of the advisory lock of one input or journal of
// one host: a 64-bit FNV-1a hash of the kind, the host id and the name.
func lockKey(kind, hostID, name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(hostID))
	h.Write([]byte{0})
	h.Write([]byte(name))
	return int64(h.Sum64())
}

// write does the work of Write inside tx and returns the ids of the
// inserted connections.
func (s *EventStore) write(ctx context.Context, tx pgx.Tx, b *knocks.Batch, inserts, updates []*knocks.Connection) ([]int64, error) {
	// The locks and the compare-and-swap first: a writer that lost the
	// race stops before it writes anything.
	if cp := b.Checkpoint; cp != nil {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", lockKey("input", s.hostID, cp.Fingerprint)); err != nil {
			return nil, err
		}
		if err := s.writeCheckpoint(ctx, tx, cp); err != nil {
			return nil, err
		}
	}
	if err := s.writeCursors(ctx, tx, b.Cursors); err != nil {
		return nil, err
	}
	var importID any
	if b.ImportID != 0 {
		importID = b.ImportID
		if len(b.Connections) > 0 || len(b.Fail2ban) > 0 || len(b.Penalties) > 0 {
			var ok bool
			if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM imports WHERE id = $1)", b.ImportID).Scan(&ok); err != nil {
				return nil, err
			}
			if !ok {
				return nil, knocks.Errorf(knocks.EINVALID, "cannot write batch: no import with id %d", b.ImportID)
			}
		}
	}
	var ids []int64
	if len(inserts) > 0 {
		rows, err := tx.Query(ctx, "SELECT nextval('connections_id') FROM generate_series(1, $1)", len(inserts))
		if err != nil {
			return nil, err
		}
		if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return nil, err
		}
		if len(ids) != len(inserts) {
			return nil, knocks.Errorf(knocks.EINTERNAL, "cannot write batch: %d ids for %d connections", len(ids), len(inserts))
		}
		ips := addrCache{}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"connections"}, connCopyColumns, pgx.CopyFromSlice(len(inserts), func(i int) ([]any, error) {
			return s.connValues(ids[i], importID, inserts[i], ips), nil
		})); err != nil {
			return nil, err
		}
	}
	if len(updates) > 0 {
		q := &pgx.Batch{}
		ips := addrCache{}
		for _, c := range updates {
			v := s.connValues(c.ID, importID, c, ips)
			q.Queue(`UPDATE connections SET host_id = $2, import_id = $3, host = $4, pid = $5, start_time = $6, end_time = $7,
				ip = $8, rhost = $9, port = $10, username = $11, invalid_user = $12, method = $13, failed = $14,
				failure_lines = $15, scan_lines = $16, logins = $17, subnet = $18, subnet48 = $19, attempts = $20,
				is_failure = $21, is_scan = $22, hostile_lines = $23, has_event = $24
				WHERE id = $1`, v...)
		}
		br := tx.SendBatch(ctx, q)
		for _, c := range updates {
			tag, err := br.Exec()
			if err != nil {
				br.Close()
				return nil, err
			}
			if tag.RowsAffected() != 1 {
				br.Close()
				return nil, knocks.Errorf(knocks.EINVALID, "cannot update connection %d: it is not stored", c.ID)
			}
		}
		if err := br.Close(); err != nil {
			return nil, err
		}
	}
	if len(b.Fail2ban) > 0 {
		q := &pgx.Batch{}
		for i := range b.Fail2ban {
			e := &b.Fail2ban[i]
			q.Queue(`INSERT INTO fail2ban_events (import_id, time, kind, jail, ip, host, bantime, bancount)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
				importID, e.Time.Unix(), string(e.Kind), nullBytes(e.Jail), ipText(e.IP), nullBytes(e.Host), nullInt(e.BanTime), nullInt(e.BanCount))
		}
		if err := tx.SendBatch(ctx, q).Close(); err != nil {
			return nil, err
		}
	}
	if len(b.Penalties) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"penalty_events"}, []string{"import_id", "time", "host", "kind", "ip", "reason", "username", "count"},
			pgx.CopyFromSlice(len(b.Penalties), func(i int) ([]any, error) {
				e := &b.Penalties[i]
				var user any // only a lockout names a user, maybe an empty one
				if e.Kind == knocks.KindLockout {
					user = append([]byte{}, e.User...)
				}
				return []any{importID, e.Time.Unix(), nullBytes(e.Host), string(e.Kind), ipText(e.IP), nullBytes(e.Reason), user, e.Count}, nil
			})); err != nil {
			return nil, err
		}
	}
	if err := s.writeLines(ctx, tx, b.Lines); err != nil {
		return nil, err
	}
	return ids, s.bump(ctx, tx)
}

// connCopyColumns are the columns of connValues.
var connCopyColumns = []string{"id", "host_id", "import_id", "host", "pid", "start_time", "end_time", "ip", "rhost", "port",
	"username", "invalid_user", "method", "failed", "failure_lines", "scan_lines", "logins", "subnet", "subnet48",
	"attempts", "is_failure", "is_scan", "hostile_lines", "has_event"}

// connValues returns the values of connCopyColumns of c. The derived
// columns come from the domain's counting rules.
func (s *EventStore) connValues(id int64, importID any, c *knocks.Connection, ips addrCache) []any {
	var user any
	if c.HasUser {
		u := c.User
		if len(u) > knocks.MaxUserLen {
			u = u[:knocks.MaxUserLen]
		}
		user = append([]byte{}, u...)
	}
	a := ips.get(c.IP)
	return []any{id, s.hostID, importID, nullBytes(c.Host), nullInt32(c.PID), c.Start.Unix(), c.End.Unix(), a.text, nullBytes(c.RHost), nullInt32(c.Port),
		user, c.Invalid, nullBytes(c.Method), c.Failed, c.FailureLines, c.ScanLines, c.Logins, a.sub, a.sub48,
		c.Attempts(), c.IsFailure(), c.IsScan(), c.HostileLines(), c.HasEvent()}
}

// writeCheckpoint stores cp as a compare-and-swap, under the advisory lock
// of its input: it updates the checkpoint that cp reads on from (its
// fingerprint at cp.Prev with cp.PrevSum) only while the store holds it,
// and inserts the checkpoint of a new input only while cp.Siblings
// checkpoints of the host share its fingerprint; otherwise another writer
// stored lines of this input meanwhile, and it returns ECONFLICT.
func (s *EventStore) writeCheckpoint(ctx context.Context, tx pgx.Tx, cp *knocks.Checkpoint) error {
	conflict := knocks.Errorf(knocks.ECONFLICT, "another import stored lines of %s meanwhile; nothing of this batch was stored", cp.Name)
	if !cp.New {
		tag, err := tx.Exec(ctx, `UPDATE checkpoints SET name = $1, byte_offset = $2, lines = $3, sum = $4, last_time = $5, updated = $6
			WHERE host_id = $7 AND fingerprint = $8 AND byte_offset = $9 AND sum IS NOT DISTINCT FROM $10`,
			[]byte(cp.Name), cp.Offset, cp.Lines, nullString(cp.Sum), nullUnix(cp.LastTime), s.now().Unix(), s.hostID, cp.Fingerprint, cp.Prev, nullString(cp.PrevSum))
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return conflict
		}
		return nil
	}
	var n int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM checkpoints WHERE host_id = $1 AND fingerprint = $2", s.hostID, cp.Fingerprint).Scan(&n); err != nil {
		return err
	}
	if n != cp.Siblings {
		return conflict
	}
	_, err := tx.Exec(ctx, `INSERT INTO checkpoints (host_id, fingerprint, name, byte_offset, lines, sum, last_time, updated)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		s.hostID, cp.Fingerprint, []byte(cp.Name), cp.Offset, cp.Lines, nullString(cp.Sum), nullUnix(cp.LastTime), s.now().Unix())
	return err
}

// writeLines adds line counts to the stored ones: per logged host and
// hour, and the lines without an hour (per host id).
func (s *EventStore) writeLines(ctx context.Context, tx pgx.Tx, lines []knocks.LineCount) error {
	// Importers of other host ids may count lines of the same logged host
	// and hour (a shared syslog server, machines of one name): the rows
	// are updated in one order, by host and hour, so that no two
	// transactions wait for each other's rows in a cycle (a deadlock).
	lines = slices.Clone(lines)
	slices.SortFunc(lines, func(a, b knocks.LineCount) int {
		if c := strings.Compare(a.Host, b.Host); c != 0 {
			return c
		}
		return a.Hour.Compare(b.Hour)
	})
	q := &pgx.Batch{}
	for _, l := range lines {
		if l.Lines == 0 {
			continue
		}
		if l.Hour.IsZero() {
			q.Queue(`INSERT INTO lines_unbucketed (host_id, lines) VALUES ($1, $2)
				ON CONFLICT (host_id) DO UPDATE SET lines = lines_unbucketed.lines + excluded.lines`, s.hostID, l.Lines)
		} else {
			q.Queue(`INSERT INTO line_counts (host, hour, lines) VALUES ($1, $2, $3)
				ON CONFLICT (host, hour) DO UPDATE SET lines = line_counts.lines + excluded.lines`, []byte(l.Host), l.Hour.Truncate(time.Hour).Unix(), l.Lines)
		}
	}
	if q.Len() == 0 {
		return nil
	}
	return tx.SendBatch(ctx, q).Close()
}

// writeCursors moves the host's stored cursors inside the transaction of a
// batch, each under the advisory lock of its journal and as a
// compare-and-swap: it applies only when the stored seqnum is still its
// Prev (no row when Prev is 0), and otherwise the whole batch fails with
// ECONFLICT.
func (s *EventStore) writeCursors(ctx context.Context, tx pgx.Tx, ups []knocks.CursorUpdate) error {
	now := s.now().Unix()
	for _, u := range ups {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", lockKey("journal", s.hostID, u.SeqnumID)); err != nil {
			return err
		}
		var stored int64
		err := tx.QueryRow(ctx, "SELECT seqnum FROM journal_cursors WHERE host_id = $1 AND seqnum_id = $2", s.hostID, u.SeqnumID).Scan(&stored)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if stored != u.Prev {
			return knocks.Errorf(knocks.ECONFLICT, "journal %.32s: another import stored its entries up to %d meanwhile (expected %d); run the import again",
				u.SeqnumID, stored, u.Prev)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO journal_cursors (host_id, seqnum_id, seqnum, cursor, realtime, local, updated)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (host_id, seqnum_id) DO UPDATE SET seqnum = excluded.seqnum, cursor = excluded.cursor,
				realtime = excluded.realtime, local = journal_cursors.local OR excluded.local, updated = excluded.updated`,
			s.hostID, u.SeqnumID, u.Seqnum, []byte(u.Text), nullMicro(u.Realtime), u.Local, now); err != nil {
			return err
		}
	}
	return nil
}

// JournalCursors returns the stored cursor of every journal (seqnum ID)
// that the store's host id imported entries from, ordered by seqnum ID.
func (s *EventStore) JournalCursors(ctx context.Context) ([]knocks.StoredCursor, error) {
	rows, err := s.pool.Query(ctx, `SELECT seqnum_id, seqnum, cursor, realtime, local, updated FROM journal_cursors
		WHERE host_id = $1 ORDER BY seqnum_id`, s.hostID)
	if err != nil {
		return nil, fmt.Errorf("cannot read journal cursors: %w", err)
	}
	defer rows.Close()
	var out []knocks.StoredCursor
	for rows.Next() {
		var c knocks.StoredCursor
		var text []byte
		var realtime *int64
		var updated int64
		if err := rows.Scan(&c.SeqnumID, &c.Seqnum, &text, &realtime, &c.Local, &updated); err != nil {
			return nil, fmt.Errorf("cannot read journal cursors: %w", err)
		}
		c.Text = string(text)
		if realtime != nil {
			c.Realtime = time.UnixMicro(*realtime).UTC()
		}
		c.Updated = fromUnix(updated)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read journal cursors: %w", err)
	}
	return out, nil
}

// addr is the stored text and subnets of an address.
type addr struct{ text, sub, sub48 any }

// addrCache holds the text and subnets of the addresses of one batch, made
// once: attackers come back.
type addrCache map[netip.Addr]addr

// get returns the stored text and subnets of ip (nil for the zero address).
func (m addrCache) get(ip netip.Addr) addr {
	if !ip.IsValid() {
		return addr{}
	}
	if x, ok := m[ip]; ok {
		return x
	}
	s24, s48 := knocks.Subnets(ip)
	x := addr{text: ip.Unmap().String(), sub: nullString(s24), sub48: nullString(s48)}
	m[ip] = x
	return x
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

// nullBytes returns s as bytea, or NULL for "".
func nullBytes(s string) any {
	if s == "" {
		return nil
	}
	return []byte(s)
}

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

func nullInt32(n int) any {
	if n == 0 {
		return nil
	}
	return int32(n)
}

func nullUnix(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

func nullMicro(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func fromUnix(n int64) time.Time { return time.Unix(n, 0).UTC() }
