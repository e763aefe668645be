package postgres

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"knocks"
	"knocks/internal/pgtest"
)

// TestMigrateRestoreKind brings a database of version 3, made by the
// migrations of that version and holding ban events, to the version that
// stores restores (4): its rows are kept, a restore is stored once, and
// another kind is still refused.
func TestMigrateRestoreKind(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DB(t)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 4 || ms[3].Version != 4 {
		t.Fatalf("migration 4 missing: %d migrations", len(ms))
	}
	raw, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(ctx, "CREATE TABLE knocks_schema (version integer NOT NULL, applied bigint NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:3] {
		if _, err := raw.Exec(ctx, m.SQL); err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		if _, err := raw.Exec(ctx, "INSERT INTO knocks_schema VALUES ($1, 0)", m.Version); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := raw.Exec(ctx, `INSERT INTO fail2ban_events (time, kind, jail, ip, host, bantime, bancount) VALUES
		(1700000000, 'f2b_found', 'sshd', '192.0.2.1', 'web1', NULL, NULL),
		(1700000010, 'f2b_ban', 'sshd', '192.0.2.1', 'web1', 600, 2),
		(1700000500, 'f2b_unban', 'sshd', '192.0.2.1', 'web1', NULL, NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(ctx, `INSERT INTO fail2ban_events (time, kind, jail, ip) VALUES (1700000600, 'f2b_restore', 'sshd', '192.0.2.1')`); err == nil {
		t.Fatal("version 3 stored a restore")
	}
	// raw stays open beside the store; it is closed at the end.
	defer raw.Close(context.Background())
	rowsOf := func() []string {
		rows, err := raw.Query(ctx, "SELECT id::text || ' ' || time || ' ' || kind || ' ' || convert_from(jail, 'UTF8') || ' ' || ip || ' ' || COALESCE(bantime, 0) || ' ' || COALESCE(bancount, 0) FROM fail2ban_events ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	before := rowsOf()
	if len(before) != 3 {
		t.Fatalf("rows before migration: %q", before)
	}

	s, err := Open(ctx, dsn, "web1")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v int
	if err := raw.QueryRow(ctx, "SELECT max(version) FROM knocks_schema").Scan(&v); err != nil || v != SchemaVersion() || v < 4 {
		t.Fatalf("schema version %d, %v; want %d", v, err, SchemaVersion())
	}
	after := rowsOf()
	if len(after) != len(before) {
		t.Fatalf("rows after migration: %q, want %q", after, before)
	}
	for i := range before {
		if after[i] != before[i] {
			t.Errorf("row %d after migration: %q, want %q", i, after[i], before[i])
		}
	}
	if _, err := raw.Exec(ctx, "INSERT INTO fail2ban_events (time, kind) VALUES (1, 'f2b_other')"); err == nil {
		t.Error("the CHECK of kind let 'f2b_other' in")
	}
	r := knocks.Fail2banEvent{Time: time.Unix(1700000600, 0).UTC(), Kind: knocks.KindF2BRestore, Host: "web1", Jail: "sshd", IP: netip.MustParseAddr("192.0.2.1")}
	id, err := s.BeginImport(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.Write(ctx, &knocks.Batch{ImportID: id, Fail2ban: []knocks.Fail2banEvent{r}}); err != nil {
			t.Fatal(err)
		}
	}
	var n int64
	if err := raw.QueryRow(ctx, "SELECT count(*) FROM fail2ban_events WHERE kind = 'f2b_restore'").Scan(&n); err != nil || n != 1 {
		t.Errorf("restores stored: %d, %v; want 1", n, err)
	}
}
