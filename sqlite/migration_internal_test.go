package sqlite

import (
	"context"
	"database/sql"
	"net/netip"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"knocks"
)

// TestMigrateRestoreKind brings a database of version 13, made by the
// migrations of that version and holding ban events, to the version that
// stores restores (14), which makes fail2ban_events again: its rows and
// ids, its indexes and its triggers must be kept.
func TestMigrateRestoreKind(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "knocks.db")
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 14 || ms[13].Version != 14 {
		t.Fatalf("migration 14 missing: %d migrations", len(ms))
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:13] {
		if _, err := raw.Exec(m.SQL); err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
	}
	if _, err := raw.Exec(`PRAGMA user_version = 13;
		INSERT INTO fail2ban_events (id, time, kind, jail, ip, import_id, host, bantime, bancount) VALUES
			(3, 1700000000, 'f2b_found', 'sshd', '192.0.2.1', NULL, 'web1', NULL, NULL),
			(7, 1700000010, 'f2b_ban', 'sshd', '192.0.2.1', NULL, 'web1', 600, 2),
			(12, 1700000500, 'f2b_unban', 'sshd', '192.0.2.1', NULL, 'web1', NULL, NULL)`); err != nil {
		t.Fatal(err)
	}
	// Version 13 refuses a restore.
	if _, err := raw.Exec(`INSERT INTO fail2ban_events (time, kind, jail, ip) VALUES (1700000600, 'f2b_restore', 'sshd', '192.0.2.1')`); err == nil {
		t.Fatal("version 13 stored a restore")
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v int
	if err := s.DB().QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != SchemaVersion() {
		t.Fatalf("user_version = %d, %v; want %d", v, err, SchemaVersion())
	}
	rows, err := s.DB().Query("SELECT id, time, kind, jail, ip, host, COALESCE(bantime, 0), COALESCE(bancount, 0) FROM fail2ban_events ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var id, at, bantime, bancount int64
		var kind, jail, ip, host string
		if err := rows.Scan(&id, &at, &kind, &jail, &ip, &host, &bantime, &bancount); err != nil {
			t.Fatal(err)
		}
		got = append(got, strconv.FormatInt(id, 10)+" "+strconv.FormatInt(at, 10)+" "+kind+" "+jail+" "+ip+" "+host+" "+
			strconv.FormatInt(bantime, 10)+" "+strconv.FormatInt(bancount, 10))
	}
	rows.Close()
	want := []string{"3 1700000000 f2b_found sshd 192.0.2.1 web1 0 0", "7 1700000010 f2b_ban sshd 192.0.2.1 web1 600 2",
		"12 1700000500 f2b_unban sshd 192.0.2.1 web1 0 0"}
	if len(got) != len(want) {
		t.Fatalf("rows after migration: %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d after migration: %q, want %q", i, got[i], want[i])
		}
	}
	// The indexes and triggers of the table are there again.
	for _, name := range []string{"fail2ban_events_time", "fail2ban_events_ip", "fail2ban_events_once",
		"kept_bans_insert", "kept_bans_update", "kept_bans_delete"} {
		var tbl string
		if err := s.DB().QueryRow("SELECT tbl_name FROM sqlite_schema WHERE name = ?", name).Scan(&tbl); err != nil || tbl != "fail2ban_events" {
			t.Errorf("%s after migration: on %q, %v", name, tbl, err)
		}
	}
	if _, err := s.DB().Exec("INSERT INTO fail2ban_events (time, kind) VALUES (1, 'f2b_other')"); err == nil {
		t.Error("the CHECK of kind let 'f2b_other' in")
	}

	// A restore is stored, once however often it is read, and counts as a
	// change for the kept results.
	var before, after int64
	if err := s.DB().QueryRow("SELECT n FROM kept_changes").Scan(&before); err != nil {
		t.Fatal(err)
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
	var n, maxID int64
	if err := s.DB().QueryRow("SELECT count(*), max(id) FROM fail2ban_events WHERE kind = 'f2b_restore'").Scan(&n, &maxID); err != nil || n != 1 || maxID <= 12 {
		t.Errorf("restores stored: %d (id %d), %v; want 1 after id 12", n, maxID, err)
	}
	if err := s.DB().QueryRow("SELECT n FROM kept_changes").Scan(&after); err != nil || after <= before {
		t.Errorf("kept_changes %d -> %d, %v: a restore must count as a change", before, after, err)
	}
}
