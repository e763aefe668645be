package sqlite_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"knocks"
	"knocks/sqlite"
	"knocks/storetest"
)

// filled makes a knocks database holding the conformance dataset at
// dir/knocks.db, closes it, and returns its path and the summary of all
// of it.
func filled(t *testing.T, dir string) (string, *knocks.Summary) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(dir, "knocks.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	d := storetest.Dataset()
	id, err := s.BeginImport(ctx, d.Connections[0].Start)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: d.Connections, Fail2ban: d.Fail2ban}); err != nil {
		t.Fatal(err)
	}
	sum, err := s.Summary(ctx, knocks.Filter{Top: 10})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path, sum
}

// sidecars returns the names of the files beside the database.
func sidecars(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		if e.Name() != "knocks.db" {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestOpenReadOnlyWritesNothing reads a database in a directory that may
// be written: the file is not changed and nothing is written to its WAL.
func TestOpenReadOnlyWritesNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path, want := filled(t, dir)
	if side := sidecars(t, dir); len(side) != 0 {
		t.Fatalf("files beside a closed database: %v", side)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Summary(ctx, knocks.Filter{Top: 10})
	if err != nil {
		t.Fatal(err)
	}
	got.Generated = want.Generated
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if !bytes.Equal(gj, wj) {
		t.Errorf("read-only summary differs:\n got %s\nwant %s", gj, wj)
	}
	if _, err := s.DB().ExecContext(ctx, "DELETE FROM connections"); err == nil {
		t.Error("a read-only store deleted rows")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("a read-only open changed the database file")
	}
	// Where the directory may be written, SQLite's mode=ro makes the
	// -shm file of a WAL database (and an empty -wal), and a read-only
	// connection cannot remove them; nothing is written to the WAL.
	for _, name := range sidecars(t, dir) {
		if name != "knocks.db-wal" && name != "knocks.db-shm" {
			t.Errorf("a read-only open left %s", name)
		}
	}
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() != 0 {
		t.Errorf("a read-only open wrote %d bytes to the WAL", fi.Size())
	}
}

// TestOpenReadOnlyWhileWriting reads a database that a writer holds open
// (its -wal and -shm exist): the reader sees what was committed.
func TestOpenReadOnlyWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path, want := filled(t, dir)
	w, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	id, err := w.BeginImport(ctx, want.First)
	if err != nil {
		t.Fatal(err)
	}
	more := storetest.Dataset().Connections[:3]
	if err := w.Write(ctx, &knocks.Batch{ImportID: id, Connections: more}); err != nil {
		t.Fatal(err)
	}
	r, err := sqlite.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := r.Summary(ctx, knocks.Filter{Top: 10})
	if err != nil {
		t.Fatal(err)
	}
	var added int64
	for _, c := range more {
		added += c.Attempts()
	}
	if got.Attempts != want.Attempts+added {
		t.Errorf("reader sees %d attempts, want %d (the writer's commit included)", got.Attempts, want.Attempts+added)
	}
}

// TestOpenReadOnlyInImmutableDirectory reads a database in a directory
// where no file may be made (chattr +i, which binds root too): SQLite
// cannot make the -shm file that mode=ro needs, and the store falls back
// to immutable.
func TestOpenReadOnlyInImmutableDirectory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path, want := filled(t, dir)
	lock := func(flag string) error { return exec.Command("chattr", flag, dir).Run() }
	if err := lock("+i"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chattr +i %s: %v", dir, err)
		}
		t.Skipf("chattr +i is not available here: %v", err)
	}
	defer lock("-i")
	if f, err := os.Create(filepath.Join(dir, "probe")); err == nil {
		f.Close()
		t.Fatal("chattr +i did not make the directory read-only")
	}
	if side := sidecars(t, dir); len(side) != 0 {
		t.Fatalf("files beside a closed database: %v", side)
	}
	// mode=ro alone cannot read it: this is the case of the fallback.
	if db, err := sql.Open("sqlite", "file:"+path+"?mode=ro"); err == nil {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM connections").Scan(&n); err == nil {
			t.Errorf("mode=ro read %d rows in an immutable directory: the fallback is not tested", n)
		}
		db.Close()
	}
	s, err := sqlite.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatalf("read-only open in a read-only directory: %v", err)
	}
	defer s.Close()
	got, err := s.Summary(ctx, knocks.Filter{Top: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got.Attempts != want.Attempts || got.UniqueIPs != want.UniqueIPs {
		t.Errorf("summary: %d attempts, %d ips; want %d, %d", got.Attempts, got.UniqueIPs, want.Attempts, want.UniqueIPs)
	}
	if side := sidecars(t, dir); len(side) != 0 {
		t.Errorf("files beside the database: %v", side)
	}
}

func TestOpenRefusesOtherPrograms(t *testing.T) {
	ctx := context.Background()
	foreign := func(t *testing.T, setup ...string) string {
		path := filepath.Join(t.TempDir(), "other.db")
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range setup {
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
		return path
	}
	tests := []struct {
		Name string
		Path func(t *testing.T) string
		Err  string
	}{
		{"another program's tables", func(t *testing.T) string {
			return foreign(t, "CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)", "INSERT INTO moz_places (url) VALUES ('https://example.org/')")
		}, "another program's tables: moz_places"},
		{"another program's application_id", func(t *testing.T) string {
			return foreign(t, "PRAGMA application_id = 1196444487") // GPKG
		}, "application_id 0x47504b47"},
		{"a table named like ours, no schema version", func(t *testing.T) string {
			return foreign(t, "CREATE TABLE connections (id INTEGER PRIMARY KEY, host TEXT)")
		}, "another program's tables: connections"},
		{"not SQLite at all", func(t *testing.T) string {
			path := filepath.Join(t.TempDir(), "notes.txt")
			if err := os.WriteFile(path, []byte(strings.Repeat("just some text, not a database\n", 200)), 0o644); err != nil {
				t.Fatal(err)
			}
			return path
		}, "not an SQLite file"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			path := tt.Path(t)
			before, _ := os.ReadFile(path)
			for name, open := range map[string]func(context.Context, string) (*sqlite.EventStore, error){"Open": sqlite.Open, "OpenReadOnly": sqlite.OpenReadOnly} {
				s, err := open(ctx, path)
				if err == nil {
					s.Close()
					t.Fatalf("%s opened it", name)
				}
				if knocks.ErrorCode(err) != knocks.EINVALID || !strings.Contains(err.Error(), tt.Err) || !strings.Contains(err.Error(), "not a knocks database") {
					t.Errorf("%s: %v (code %s), want EINVALID naming %q", name, err, knocks.ErrorCode(err), tt.Err)
				}
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(before, after) {
				t.Error("the file was changed")
			}
			if side := sidecars(t, filepath.Dir(path)); len(side) > 1 {
				t.Errorf("files made beside it: %v", side)
			}
		})
	}
}

func TestApplicationID(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path, _ := filled(t, dir)
	appID := func() int64 {
		db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var id int64
		if err := db.QueryRow("PRAGMA application_id").Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	if id := appID(); id != sqlite.ApplicationID {
		t.Fatalf("a new database has application_id %#x, want %#x", id, sqlite.ApplicationID)
	}
	// A database that an older knocks made has no mark: it is read, and
	// marked on the next write-open.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA application_id = 0"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	r, err := sqlite.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatalf("an unmarked knocks database: %v", err)
	}
	r.Close()
	if id := appID(); id != 0 {
		t.Fatalf("a read-only open set application_id %#x", id)
	}
	w, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if id := appID(); id != sqlite.ApplicationID {
		t.Errorf("after a write-open, application_id %#x, want %#x", id, sqlite.ApplicationID)
	}
}

func TestOpenReadOnlyMissingOrEmpty(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := sqlite.OpenReadOnly(ctx, filepath.Join(dir, "none.db")); knocks.ErrorCode(err) != knocks.ENOTFOUND {
		t.Errorf("missing file: %v, want ENOTFOUND", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); err == nil {
		t.Error("a read-only open made the file")
	}
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// An empty file (or one whose first import is making its tables) is
	// an empty store.
	s, err := sqlite.OpenReadOnly(ctx, empty)
	if err != nil {
		t.Fatalf("empty file: %v", err)
	}
	sum, err := s.Summary(ctx, knocks.Filter{Top: 10})
	if err != nil || sum.Attempts != 0 || !sum.First.IsZero() {
		t.Errorf("summary of an empty file: %+v, %v", sum, err)
	}
	s.Close()
	if fi, _ := os.Stat(empty); fi.Size() != 0 {
		t.Error("a read-only open wrote to an empty file")
	}
}
