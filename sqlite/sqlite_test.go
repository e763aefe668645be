package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"knocks"
	"knocks/sqlite"
	"knocks/storetest"
)

// open opens a new store in a temporary directory, closed at the end of
// the test.
func open(t testing.TB) *sqlite.EventStore {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "state", "knocks.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	storetest.TestStore(t, func(t *testing.T) knocks.EventStore { return open(t) })
}

// TestStoreBounded runs the suite with summaries that hold no address,
// user or day in memory, and with bounds that the datasets cross part-way:
// SQL then groups what the maps would have held, to the same numbers.
func TestStoreBounded(t *testing.T) {
	for _, b := range [][3]int{{0, 0, 0}, {3, 2, 5}} {
		t.Run(fmt.Sprintf("bounds=%d,%d,%d", b[0], b[1], b[2]), func(t *testing.T) {
			defer sqlite.SetSummaryBounds(b[0], b[1], b[2])()
			storetest.TestStore(t, func(t *testing.T) knocks.EventStore { return open(t) })
		})
	}
}

// keeping is a store whose every summary is kept by KeepResults and read
// back from what it kept.
type keeping struct {
	*sqlite.EventStore
}

func (s keeping) Summary(ctx context.Context, f knocks.Filter) (*knocks.Summary, error) {
	if err := s.KeepResults(ctx, f, knocks.CampaignOptions{}); err != nil {
		return nil, err
	}
	if ok, err := sqlite.KeptSummary(ctx, s.EventStore, f); err != nil || !ok {
		return nil, fmt.Errorf("the summary of %+v is not kept (%v)", f, err)
	}
	return s.EventStore.Summary(ctx, f)
}

// TestStoreKept runs the suite with every summary kept first, then read
// from kept_results: what is kept is the summary itself.
func TestStoreKept(t *testing.T) {
	storetest.TestStore(t, func(t *testing.T) knocks.EventStore { return keeping{open(t)} })
}

func TestStoreMemory(t *testing.T) {
	storetest.TestStore(t, func(t *testing.T) knocks.EventStore {
		s, err := sqlite.Open(context.Background(), sqlite.Memory)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a", "b", "knocks.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var mode string
	if err := s.DB().QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != sqlite.SchemaVersion() || v < 1 {
		t.Errorf("user_version = %d, want %d", v, sqlite.SchemaVersion())
	}
	if err := s.DB().QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	for _, table := range []string{"connections", "fail2ban_events", "checkpoints", "imports", "import_inputs", "import_shapes", "ip_geo"} {
		var n int
		if err := s.DB().QueryRow("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?", table).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s: %d, %v", table, n, err)
		}
	}
	var fk, sync int
	s.DB().QueryRow("PRAGMA foreign_keys").Scan(&fk)
	s.DB().QueryRow("PRAGMA synchronous").Scan(&sync)
	if fk != 1 || sync != 1 {
		t.Errorf("foreign_keys = %d, synchronous = %d; want 1 and 1 (NORMAL)", fk, sync)
	}
	cs := storetest.Dataset().Connections
	id, _ := s.BeginImport(ctx, time.Now())
	if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: cs, Checkpoint: &knocks.Checkpoint{Fingerprint: "f", Name: "auth.log", Offset: 10, Lines: 2, New: true}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopened: nothing migrates again, everything is there.
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.RecentConnections(ctx, time.Unix(0, 0), time.Now())
	if err != nil || len(got) != len(cs) {
		t.Errorf("after reopening: %d connections (%v), want %d", len(got), err, len(cs))
	}
	if cps, err := s.Checkpoints(ctx, "f"); err != nil || len(cps) != 1 || cps[0].Offset != 10 {
		t.Errorf("after reopening: checkpoints %+v, %v", cps, err)
	}
	// A database of version 1 (checkpoints keyed by fingerprint alone) is
	// brought to the current version, its checkpoints kept.
	if _, err := s.DB().Exec(`DROP TABLE kept_results; DROP TABLE kept_alerts; DROP TABLE kept_changes;
		DROP TRIGGER kept_checkpoints_insert; DROP TRIGGER kept_checkpoints_update;
		DROP TRIGGER kept_checkpoints_delete; DROP TRIGGER kept_spans_insert;
		DROP TRIGGER kept_spans_update; DROP TRIGGER kept_spans_delete;
		DROP TRIGGER kept_connections_update; DROP TRIGGER kept_connections_delete;
		DROP TRIGGER kept_geo_insert; DROP TRIGGER kept_geo_update; DROP TRIGGER kept_geo_delete;
		DROP TRIGGER kept_bans_insert; DROP TRIGGER kept_bans_update; DROP TRIGGER kept_bans_delete;
		DROP TRIGGER kept_penalties_insert; DROP TRIGGER kept_penalties_update;
		DROP TRIGGER kept_penalties_delete; DROP TRIGGER kept_lines_insert; DROP TRIGGER kept_lines_update;
		DROP TRIGGER kept_lines_delete; DROP TRIGGER kept_unbucketed_insert;
		DROP TRIGGER kept_unbucketed_update; DROP TRIGGER kept_rollups_insert;
		DROP TRIGGER kept_rollups_update; DROP TRIGGER kept_rollups_delete; DROP TRIGGER kept_hours_insert;
		DROP TRIGGER kept_hours_update; DROP TRIGGER kept_hours_delete;
		DROP TABLE geo_progress; DROP TABLE journal_cursors; DROP TABLE penalty_events; DROP TABLE alerts_shown;
		DROP INDEX fail2ban_events_once; ALTER TABLE fail2ban_events DROP COLUMN host;
		ALTER TABLE fail2ban_events DROP COLUMN bantime; ALTER TABLE fail2ban_events DROP COLUMN bancount;
		DROP TABLE import_lock; DROP TABLE checkpoints; DROP TABLE line_counts; DROP TABLE lines_unbucketed;
		DROP TABLE rollup_state; DROP TABLE rollup_hours; DROP TABLE rollup_sources; DROP TABLE rollup_users;
		DROP TABLE rollup_ports; DROP TRIGGER conn_packs_update; DROP TRIGGER conn_packs_delete; DROP TABLE conn_packs;
		ALTER TABLE connections DROP COLUMN attempts; ALTER TABLE connections DROP COLUMN failure;
		ALTER TABLE connections DROP COLUMN scan; ALTER TABLE connections DROP COLUMN hostile_lines;
		ALTER TABLE connections ADD COLUMN attempts INTEGER GENERATED ALWAYS AS (failed) VIRTUAL;
		CREATE TABLE checkpoints (fingerprint TEXT PRIMARY KEY, name TEXT NOT NULL, byte_offset INTEGER NOT NULL,
			lines INTEGER NOT NULL, last_time INTEGER, updated INTEGER NOT NULL);
		INSERT INTO checkpoints VALUES ('f', 'auth.log', 10, 1, NULL, 1700000000), ('g', 'auth.log.1', 20, 2, 1700000000, 1700000001);
		PRAGMA user_version = 1`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var progress int64
	if err := s.DB().QueryRow("SELECT connections FROM geo_progress").Scan(&progress); err != nil {
		t.Errorf("migration from version 1: %v", err)
	}
	// The rows of version 1 get the derived columns by the rules of the
	// knocks package.
	stored, err := s.RecentConnections(ctx, time.Unix(0, 0), time.Now())
	if err != nil || len(stored) != len(cs) {
		t.Fatalf("after migration: %d connections (%v), want %d", len(stored), err, len(cs))
	}
	for _, c := range stored {
		var attempts, hostile int64
		var failure, scan bool
		if err := s.DB().QueryRow("SELECT attempts, failure, scan, hostile_lines FROM connections WHERE id = ?", c.ID).
			Scan(&attempts, &failure, &scan, &hostile); err != nil {
			t.Fatal(err)
		}
		if attempts != c.Attempts() || failure != c.IsFailure() || scan != c.IsScan() || hostile != c.HostileLines() {
			t.Errorf("connection %+v after migration: attempts %d, failure %v, scan %v, hostile lines %d", c, attempts, failure, scan, hostile)
		}
	}
	for _, want := range []knocks.Checkpoint{{Fingerprint: "f", Name: "auth.log", Offset: 10, Lines: 1}, {Fingerprint: "g", Name: "auth.log.1", Offset: 20, Lines: 2, LastTime: time.Unix(1700000000, 0)}} {
		cps, err := s.Checkpoints(ctx, want.Fingerprint)
		if err != nil || len(cps) != 1 || cps[0].Name != want.Name || cps[0].Offset != want.Offset || cps[0].Lines != want.Lines ||
			cps[0].Sum != "" || !cps[0].LastTime.Equal(want.LastTime) {
			t.Errorf("checkpoint %s after migration: %+v, %v", want.Fingerprint, cps, err)
		}
	}
	// The lines read before line counts existed are in no hour: a report
	// narrowed by time cannot tell its hostile share.
	var unbucketed int64
	if err := s.DB().QueryRow("SELECT lines FROM lines_unbucketed").Scan(&unbucketed); err != nil || unbucketed != 3 {
		t.Errorf("lines in no hour after migration = %d, %v; want the checkpoints' 3", unbucketed, err)
	}
	if sum, err := s.Summary(ctx, knocks.Filter{Since: time.Unix(0, 0)}); err != nil || sum.HostileShare != nil {
		t.Errorf("share of a narrowed report after migration: %v, %v; want none", sum.HostileShare, err)
	}
	if err := s.DB().QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != sqlite.SchemaVersion() {
		t.Errorf("user_version after migration = %d, %v", v, err)
	}
	if sqlite.SchemaVersion() < 2 {
		t.Errorf("SchemaVersion = %d", sqlite.SchemaVersion())
	}
	// A database from a newer knocks is refused, untouched.
	if _, err := s.DB().Exec(fmt.Sprintf("PRAGMA user_version = %d", sqlite.SchemaVersion()+1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := sqlite.Open(ctx, path); knocks.ErrorCode(err) != knocks.EINVALID {
		t.Errorf("newer schema: %v, want EINVALID", err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := sqlite.Open(context.Background(), filepath.Join(file, "knocks.db"))
	if err == nil || !strings.HasPrefix(err.Error(), "cannot open db") {
		t.Errorf("db under a file: %v", err)
	}
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a database ", 500)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.Open(context.Background(), garbage); err == nil || !strings.HasPrefix(err.Error(), "cannot open db") {
		t.Errorf("garbage file: %v", err)
	}
	// Odd characters in the path are not URI syntax.
	odd := filepath.Join(dir, "a?b#c%20d", "k.db")
	s, err := sqlite.Open(context.Background(), odd)
	if err != nil {
		t.Fatalf("odd path: %v", err)
	}
	s.Close()
	if _, err := os.Stat(odd); err != nil {
		t.Errorf("odd path not created as given: %v", err)
	}
}

// TestBytes checks that attacker-written user names are stored as the
// exact bytes, as TEXT, so that the sqlite3 shell can compare them.
func TestBytes(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	long := strings.Repeat("A", knocks.MaxUserLen+10)
	cs := []*knocks.Connection{
		{Host: "h", PID: 1, Start: time.Unix(1700000000, 0), End: time.Unix(1700000001, 0), User: storetest.EvilUser, HasUser: true, FailureLines: 1},
		{Host: "h", PID: 2, Start: time.Unix(1700000000, 0), End: time.Unix(1700000001, 0), User: long, HasUser: true, FailureLines: 1},
	}
	if err := s.Write(ctx, &knocks.Batch{Connections: cs}); err != nil {
		t.Fatal(err)
	}
	var typ, hex string
	if err := s.DB().QueryRow("SELECT typeof(username), hex(username) FROM connections WHERE id = ?", cs[0].ID).Scan(&typ, &hex); err != nil {
		t.Fatal(err)
	}
	if typ != "text" || hex != fmt.Sprintf("%X", storetest.EvilUser) {
		t.Errorf("stored %s %s, want text %X", typ, hex, storetest.EvilUser)
	}
	var n int
	if err := s.DB().QueryRow("SELECT length(CAST(username AS BLOB)) FROM connections WHERE id = ?", cs[1].ID).Scan(&n); err != nil || n != knocks.MaxUserLen {
		t.Errorf("a long user name is stored with %d bytes (%v), want %d", n, err, knocks.MaxUserLen)
	}
}

func TestNow(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	if err := s.Write(ctx, &knocks.Batch{Checkpoint: &knocks.Checkpoint{Fingerprint: "f", Name: "n", New: true}}); err != nil {
		t.Fatal(err)
	}
	cps, err := s.Checkpoints(ctx, "f")
	if err != nil || len(cps) != 1 || !cps[0].Updated.Equal(now) {
		t.Errorf("checkpoints %+v (%v), want one updated at %v", cps, err, now)
	}
	sum, err := s.Summary(ctx, knocks.Filter{})
	if err != nil || !sum.Generated.Equal(now) {
		t.Errorf("summary generated %v (%v), want %v", sum.Generated, err, now)
	}
}

// TestReaderDuringWrite checks that a report reads while another process
// holds the write lock (WAL), and sees only what was committed.
func TestReaderDuringWrite(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	cs := storetest.Generate(1000, 1, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	if err := s.Write(ctx, &knocks.Batch{Connections: cs}); err != nil {
		t.Fatal(err)
	}
	before, err := s.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	// Another writer, as a second process would be.
	other, err := sql.Open("sqlite", "file:"+s.Path()+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`INSERT INTO connections (host, start_time, end_time, invalid_user, failed, failure_lines, scan_lines, logins, attempts, failure, hostile_lines)
		VALUES ('x', 1704067200, 1704067200, 0, 50, 50, 0, 0, 50, 1, 50)`); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	during, err := s.Summary(rctx, knocks.Filter{})
	if err != nil {
		t.Fatalf("summary while another connection writes: %v", err)
	}
	if during.Attempts != before.Attempts {
		t.Errorf("summary saw an uncommitted write: %d attempts, before %d", during.Attempts, before.Attempts)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	after, err := s.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if after.Attempts != before.Attempts+50 {
		t.Errorf("after commit: %d attempts, want %d", after.Attempts, before.Attempts+50)
	}
}

// TestConsistentSnapshot runs summaries while batches are written: each
// summary sees whole batches only.
func TestConsistentSnapshot(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	const batches, size = 20, 500
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	wg.Add(1)
	errc := make(chan error, 1)
	go func() {
		defer wg.Done()
		for i := 0; i < batches; i++ {
			cs := make([]*knocks.Connection, size)
			for j := range cs {
				st := start.Add(time.Duration(i*size+j) * time.Second)
				cs[j] = &knocks.Connection{Host: "h", PID: j + 1, Start: st, End: st, Failed: 1, FailureLines: 1}
			}
			if err := s.Write(ctx, &knocks.Batch{Connections: cs}); err != nil {
				errc <- err
				return
			}
		}
	}()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	reads := 0
	for {
		select {
		case err := <-errc:
			t.Fatal(err)
		default:
		}
		sum, err := s.Summary(ctx, knocks.Filter{Top: 1})
		if err != nil {
			t.Fatalf("summary during writes: %v", err)
		}
		reads++
		if sum.Connections%size != 0 || sum.Attempts != sum.Connections {
			t.Fatalf("summary saw part of a batch: %d connections, %d attempts", sum.Connections, sum.Attempts)
		}
		var perDay int64
		for _, d := range sum.PerDay {
			perDay += d.Attempts
		}
		if perDay != sum.Attempts {
			t.Fatalf("per-day attempts %d disagree with attempts %d", perDay, sum.Attempts)
		}
		select {
		case <-done:
			sum, _ := s.Summary(ctx, knocks.Filter{})
			if sum.Connections != batches*size {
				t.Errorf("%d connections, want %d", sum.Connections, batches*size)
			}
			t.Logf("%d summaries during the writes", reads)
			return
		default:
		}
	}
}

func TestLockImport(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	unlock, err := s.LockImport(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	// A second store on the same file, as a second `knocks ingest` would.
	s2, err := sqlite.Open(ctx, s.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	_, err = s2.LockImport(ctx, false)
	if knocks.ErrorCode(err) != knocks.ECONFLICT {
		t.Fatalf("second importer: %v, want ECONFLICT", err)
	}
	msg := knocks.ErrorMessage(err)
	if !strings.Contains(msg, "another knocks ingest is running") || !strings.Contains(msg, fmt.Sprintf("(pid %d)", os.Getpid())) {
		t.Errorf("message %q does not say who holds the lock", msg)
	}
	// Waiting gives up with the context.
	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err = s2.LockImport(wctx, true)
	cancel()
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting importer whose context ends: %v", err)
	}
	// Waiting gets the lock once the first lets go.
	got := make(chan error, 1)
	go func() {
		unlock2, err := s2.LockImport(ctx, true)
		if err == nil {
			unlock2()
		}
		got <- err
	}()
	time.Sleep(100 * time.Millisecond)
	unlock()
	unlock() // twice is harmless
	select {
	case err := <-got:
		if err != nil {
			t.Errorf("waiting importer: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("waiting importer did not get the lock")
	}
	unlock, err = s.LockImport(ctx, false)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	unlock()

	m, err := sqlite.Open(ctx, sqlite.Memory)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	u1, err1 := m.LockImport(ctx, false)
	u2, err2 := m.LockImport(ctx, false)
	if err1 != nil || err2 != nil {
		t.Errorf("in-memory store: %v, %v", err1, err2)
	} else {
		u1()
		u2()
	}
}

// TestUnknownImport checks that a batch naming an import that does not
// exist is refused whole.
func TestUnknownImport(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	cs := storetest.Generate(200, 2, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	err := s.Write(ctx, &knocks.Batch{ImportID: 42, Connections: cs})
	if knocks.ErrorCode(err) != knocks.EINVALID {
		t.Fatalf("unknown import: %v, want EINVALID", err)
	}
	var n int
	s.DB().QueryRow("SELECT count(*) FROM connections").Scan(&n)
	if n != 0 || cs[0].ID != 0 {
		t.Errorf("%d rows written, first ID %d", n, cs[0].ID)
	}
}

// TestSpans checks that a time range reads the rows of the matching spans
// only, and that rows which no span covers are still found.
func TestSpans(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	day := func(d int) time.Time { return time.Date(2024, 1, 1+d, 0, 0, 0, 0, time.UTC) }
	var ids [][]*knocks.Connection
	byHand := func(attempts int) {
		if _, err := s.DB().Exec(`INSERT INTO connections (host, start_time, end_time, invalid_user, failed, failure_lines, scan_lines, logins, attempts, failure, hostile_lines)
			VALUES ('byhand', ?1, ?1, 0, ?2, ?2, 0, 0, ?2, 1, ?2)`, day(2).Unix(), attempts); err != nil {
			t.Fatal(err)
		}
	}
	for d := 0; d < 5; d++ { // one batch a day, as a daily cron job writes
		if d == 4 {
			byHand(7) // a row in no span, between two spans
		}
		cs := storetest.Generate(100, uint64(d), day(d))
		for _, c := range cs {
			c.Start, c.End = day(d).Add(c.Start.Sub(day(d))/30), day(d).Add(c.End.Sub(day(d))/30)
		}
		if err := s.Write(ctx, &knocks.Batch{Connections: cs}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cs)
	}
	byHand(5) // and one after the last span
	// The next import extends a connection of day 1 into day 3.
	c := *ids[1][0]
	c.End = day(3).Add(time.Minute)
	if err := s.Write(ctx, &knocks.Batch{Connections: []*knocks.Connection{&c}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.RecentConnections(ctx, day(3), day(3).Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, g := range got {
		found = found || g.ID == c.ID
		if g.Start.Before(day(3)) && g.ID != c.ID {
			t.Errorf("connection %d of %v is not in the window", g.ID, g.Start)
		}
	}
	if !found {
		t.Error("the extended connection is not found by its new end")
	}
	sum, err := s.Summary(ctx, knocks.Filter{Since: day(2), Until: day(3), Host: "byhand"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Attempts != 12 {
		t.Errorf("the rows written by hand: %d attempts, want 12", sum.Attempts)
	}
	// The plan reads a range of ids, not the whole table.
	ranges, err := sqlite.IDRanges(ctx, s.DB(), day(1).Unix(), day(2).Unix()-1, -1<<63)
	if err != nil {
		t.Fatal(err)
	}
	if len(ranges) != 3 || ranges[0] != [2]int64{ids[1][0].ID, ids[1][99].ID} || ranges[1][0] != ranges[1][1] || ranges[2][1] != 1<<63-1 {
		t.Errorf("id ranges of day 1: %v", ranges)
	}
	for _, q := range []string{
		"SELECT count(*) FROM connections WHERE id BETWEEN ? AND ? AND start_time >= ?",
		"SELECT id FROM connections WHERE id BETWEEN ? AND ? AND end_time >= ? AND start_time <= ? ORDER BY id",
	} {
		rows, err := s.DB().Query("EXPLAIN QUERY PLAN "+q, 1, 2, 3, 4)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if p := strings.Join(plan, "; "); !strings.Contains(p, "SEARCH connections USING INTEGER PRIMARY KEY") {
			t.Errorf("plan of %s: %s", q, p)
		}
	}
}

// TestWriteCanceled checks that a write whose context ends half-way stores
// nothing and leaves the store usable.
func TestWriteCanceled(t *testing.T) {
	s := open(t)
	for _, delay := range []time.Duration{0, time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond} {
		ctx, cancel := context.WithCancel(context.Background())
		cs := storetest.Generate(50_000, 3, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
		if delay == 0 {
			cancel()
		} else {
			time.AfterFunc(delay, cancel)
		}
		err := s.Write(ctx, &knocks.Batch{Connections: cs, Checkpoint: &knocks.Checkpoint{Fingerprint: delay.String(), Name: "x", Lines: 1, New: true}})
		cancel()
		if err == nil {
			t.Logf("delay %v: the write was faster than the cancellation", delay)
			continue
		}
		t.Logf("delay %v: %v", delay, err)
		if !errors.Is(err, context.Canceled) && !strings.Contains(err.Error(), "interrupt") {
			t.Errorf("canceled write: %v", err)
		}
		if cs[0].ID != 0 {
			t.Error("a canceled write set IDs")
		}
		var n int
		if err := s.DB().QueryRow("SELECT count(*) FROM connections").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("a canceled write left %d rows", n)
		}
	}
	cs := storetest.Generate(100, 4, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	if err := s.Write(context.Background(), &knocks.Batch{Connections: cs}); err != nil {
		t.Fatalf("write after canceled writes: %v", err)
	}
	sum, err := s.Summary(context.Background(), knocks.Filter{})
	if err != nil || sum.Connections+sum.Scans == 0 {
		t.Errorf("summary after canceled writes: %v", err)
	}
}

// TestGeoProgress checks that UnlocatedIPs remembers how far every address
// is located, and that a Write which gives a stored connection an address
// makes it look there again.
func TestGeoProgress(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	progress := func() int64 {
		var n int64
		if err := s.DB().QueryRow("SELECT connections FROM geo_progress").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	cs := storetest.Generate(1000, 5, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	if err := s.Write(ctx, &knocks.Batch{Connections: cs}); err != nil {
		t.Fatal(err)
	}
	ips, err := s.UnlocatedIPs(ctx, false)
	if err != nil || len(ips) == 0 {
		t.Fatalf("UnlocatedIPs = %d addresses, %v", len(ips), err)
	}
	if p := progress(); p != 0 {
		t.Errorf("progress %d before any location is saved", p)
	}
	locs := map[netip.Addr]knocks.Location{}
	for _, ip := range ips {
		locs[ip] = knocks.Location{Country: "NL"}
	}
	if err := s.SaveLocations(ctx, locs, "test"); err != nil {
		t.Fatal(err)
	}
	if ips, err := s.UnlocatedIPs(ctx, false); err != nil || len(ips) != 0 {
		t.Fatalf("UnlocatedIPs after saving = %v, %v", ips, err)
	}
	if p := progress(); p != cs[len(cs)-1].ID {
		t.Errorf("progress %d, want the last id %d", p, cs[len(cs)-1].ID)
	}
	c := *cs[500]
	c.IP = netip.MustParseAddr("192.0.2.123")
	if err := s.Write(ctx, &knocks.Batch{Connections: []*knocks.Connection{&c}}); err != nil {
		t.Fatal(err)
	}
	if p := progress(); p != c.ID-1 {
		t.Errorf("progress %d after an update of %d", p, c.ID)
	}
	if ips, err := s.UnlocatedIPs(ctx, false); err != nil || len(ips) != 1 || ips[0] != c.IP {
		t.Errorf("UnlocatedIPs after the update = %v, %v", ips, err)
	}
}
