//go:build linux

package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"knocks/sqlite"
)

// sampleDB imports a small log into dir/db/knocks.db and returns the
// database's path and its JSON report.
func sampleDB(t *testing.T, dir string) (string, string) {
	t.Helper()
	log := filepath.Join(dir, "auth.log")
	writeFile(t, log, connLines("Feb  5 10:00:01", 101, "203.0.113.1", "admin")+
		connLines("Feb  5 10:00:02", 102, "198.51.100.2", "oracle")+
		connLines("Feb  5 10:00:04", 103, "203.0.113.1", "test"), time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC))
	db := filepath.Join(dir, "db", "knocks.db")
	mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", db, log)
	want := mustOK(t, dir, nil, "report", "--no-geoip", "--format", "json", "--db", db).stdout
	// The report (mode=ro) may leave an empty -wal and the -shm of SQLite
	// in a directory it may write; the next import removes them, as a
	// writer that closes the database last does.
	mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", db, log)
	return db, want
}

// sameReport compares two JSON reports but for the time they were made.
func sameReport(t *testing.T, got, want string) {
	t.Helper()
	strip := func(s string) string {
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, s)
		}
		delete(m, "generated")
		b, _ := json.Marshal(m)
		return string(b)
	}
	if g, w := strip(got), strip(want); g != w {
		t.Errorf("report differs:\n got %s\nwant %s", g, w)
	}
}

// TestReportAsAnotherUserInReadOnlyDirectory reads a database that root
// made, in a directory that only root may write, as the user nobody: the
// case of a report run by an ordinary user on the database of a root cron
// job. Run as an ordinary user, the test makes the directory read-only
// with chmod instead.
func TestReportAsAnotherUserInReadOnlyDirectory(t *testing.T) {
	base, err := os.MkdirTemp("", "knocks-ro-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(base, "db"), 0o755); os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	db, want := sampleDB(t, base)
	dbDir := filepath.Dir(db)
	if es, _ := os.ReadDir(dbDir); len(es) != 1 { // knocks.db alone: the lock is on the file itself
		t.Fatalf("files in the database directory after a clean import: %v", es)
	}
	// A copy of the binary that the other user may run, and a home of its
	// own for the GeoIP cache.
	bin := filepath.Join(base, "knocks")
	copyFile(t, knocksBin, bin, 0o755)
	home := filepath.Join(base, "home")
	if err := os.MkdirAll(home, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(home, 0o777)
	outDir := filepath.Join(home, "charts")
	var run func(args ...string) *exec.Cmd
	if os.Geteuid() == 0 {
		if _, err := exec.LookPath("setpriv"); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal("setpriv is needed to run knocks as another user")
			}
			t.Skip("setpriv is not installed: cannot run knocks as another user")
		}
		if err := os.Chmod(dbDir, 0o755); err != nil {
			t.Fatal(err)
		}
		run = func(args ...string) *exec.Cmd {
			return exec.Command("setpriv", append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", bin}, args...)...)
		}
	} else {
		if err := os.Chmod(dbDir, 0o555); err != nil {
			t.Fatal(err)
		}
		run = func(args ...string) *exec.Cmd { return exec.Command(bin, args...) }
	}
	knocksAs := func(args ...string) result {
		cmd := run(args...)
		cmd.Dir = home
		cmd.Env = append(os.Environ(), "TZ=UTC", "HOME="+home, "XDG_STATE_HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, "cache"), "KNOCKS_DB=", "LANG=C")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return result{out.String(), errb.String(), code}
	}
	// The other user may not write there: the test means something.
	if r := knocksAs("ingest", "--no-geoip", "--db", db, filepath.Join(base, "auth.log")); r.code == 0 {
		t.Fatalf("the other user could import into the database: the directory is not read-only for it\n%s", r.stderr)
	}
	r := knocksAs("report", "--no-geoip", "--format", "json", "--db", db)
	if r.code != 0 {
		t.Fatalf("report as another user: exit %d\n%s", r.code, r.stderr)
	}
	sameReport(t, r.stdout, want)
	if r := knocksAs("report", "--db", db); r.code != 0 || !strings.Contains(r.stdout, "203.0.113.1") {
		t.Errorf("text report as another user: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := knocksAs("plot", "--no-geoip", "--db", db, "--out", outDir); r.code != 0 || !strings.Contains(r.stdout, "attempts-over-time.png") {
		t.Errorf("plot as another user: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := knocksAs("geoip", "status", "--db", db); r.code != 0 || !strings.Contains(r.stdout, "of 2 stored addresses") {
		t.Errorf("geoip status as another user: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if es, _ := os.ReadDir(dbDir); len(es) != 1 {
		t.Errorf("files in the database directory after the reports: %v", es)
	}
}

// TestReportInImmutableDirectory reads a database in a directory where no
// file may be made, even by root (chattr +i): no -wal or -shm can be made,
// and the report still works.
func TestReportInImmutableDirectory(t *testing.T) {
	dir := t.TempDir()
	db, want := sampleDB(t, dir)
	dbDir := filepath.Dir(db)
	if err := exec.Command("chattr", "+i", dbDir).Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chattr +i: %v", err)
		}
		t.Skipf("chattr +i is not available: %v", err)
	}
	defer exec.Command("chattr", "-i", dbDir).Run()
	r := runKnocks(t, dir, nil, "report", "--no-geoip", "--format", "json", "--db", db)
	if r.code != 0 {
		t.Fatalf("report in an immutable directory: exit %d\n%s", r.code, r.stderr)
	}
	sameReport(t, r.stdout, want)
	if es, _ := os.ReadDir(dbDir); len(es) != 1 {
		t.Errorf("files in the database directory: %v", es)
	}
	// An import cannot work there, and says so.
	if r := runKnocks(t, dir, nil, "ingest", "--no-geoip", "--db", db, filepath.Join(dir, "auth.log")); r.code != 1 {
		t.Errorf("ingest into an immutable directory: exit %d, want 1\n%s", r.code, r.stderr)
	}
}

// TestForeignDatabaseIsRefused points --db at another program's SQLite
// file and at a text file: every command refuses it, and the file is left
// as it was.
func TestForeignDatabaseIsRefused(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	writeFile(t, log, connLines("Feb  5 10:00:01", 101, "203.0.113.1", "admin"), time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC))
	places := filepath.Join(dir, "places.sqlite")
	db, err := sql.Open("sqlite", places)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)", "INSERT INTO moz_places (url) VALUES ('https://example.org/')"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	notes := filepath.Join(dir, "notes.txt")
	writeFile(t, notes, strings.Repeat("a text file\n", 100), time.Time{})
	for _, path := range []string{places, notes} {
		before, _ := os.ReadFile(path)
		for _, args := range [][]string{
			{"ingest", "--no-geoip", "--db", path, log},
			{"report", "--db", path},
			{"geoip", "refresh", "--db", path},
		} {
			r := runKnocks(t, dir, nil, args...)
			if r.code != 1 || !strings.Contains(r.stderr, "is not a knocks database") {
				t.Errorf("knocks %s: exit %d, want 1 and a clear message\n%s", strings.Join(args, " "), r.code, r.stderr)
			}
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
			t.Errorf("%s was changed", filepath.Base(path))
		}
	}
}

// TestUnmarkedKnocksDatabaseGetsMarked takes a database that a knocks
// before application_id made: a report reads it as it is, and the next
// import marks it.
func TestUnmarkedKnocksDatabaseGetsMarked(t *testing.T) {
	dir := t.TempDir()
	path, want := sampleDB(t, dir)
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
		t.Fatalf("application_id %#x, want %#x", id, sqlite.ApplicationID)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA application_id = 0"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	sameReport(t, mustOK(t, dir, nil, "report", "--no-geoip", "--format", "json", "--db", path).stdout, want)
	if id := appID(); id != 0 {
		t.Errorf("a report set application_id %#x", id)
	}
	mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", path, filepath.Join(dir, "auth.log"))
	if id := appID(); id != sqlite.ApplicationID {
		t.Errorf("after an import, application_id %#x, want %#x", id, sqlite.ApplicationID)
	}
}

// TestDatabaseURLsAreRefused gives --db and $KNOCKS_DB URLs of stores
// knocks cannot serve (and a postgres:// URL it cannot read): a clear
// message, exit 2, nothing made.
func TestDatabaseURLsAreRefused(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	writeFile(t, log, connLines("Feb  5 10:00:01", 101, "203.0.113.1", "admin"), time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC))
	tests := []struct {
		Name, URL, Want string
	}{
		{"malformed postgres", "postgres://knocks:s3cret@db.example.org:notaport/knocks", "cannot read the database URL"},
		{"mysql", "mysql://root@tcp(127.0.0.1:3306)/knocks", "cannot store in mysql databases"},
		{"http", "http://example.org/knocks.db", "cannot store at http: URLs"},
		{"file with a host", "file://server/share/knocks.db", "file:///path/to/knocks.db"},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			for _, args := range [][]string{
				{"ingest", "--no-geoip", "--db", tt.URL, log},
				{"report", "--db", tt.URL},
				{"plot", "--db", tt.URL, "--out", filepath.Join(dir, "charts")},
				{"geoip", "status", "--db", tt.URL},
			} {
				r := runKnocks(t, dir, nil, args...)
				if r.code != 2 || !strings.Contains(r.stderr, tt.Want) {
					t.Errorf("knocks %s: exit %d, want 2 and %q\n%s", strings.Join(args, " "), r.code, tt.Want, r.stderr)
				}
				if strings.Contains(r.stderr, "s3cret") {
					t.Errorf("the message shows the password: %s", r.stderr)
				}
			}
			es, _ := os.ReadDir(dir)
			for _, e := range es {
				if e.Name() != "auth.log" && e.Name() != "cache" {
					t.Errorf("made %s in the working directory", e.Name())
				}
			}
		})
	}
	// The same from $KNOCKS_DB.
	cmd := exec.Command(knocksBin, "report")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KNOCKS_DB=mysql://localhost/knocks")
	out, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 2 || !strings.Contains(string(out), "cannot store in mysql databases") {
		t.Errorf("KNOCKS_DB=mysql://...: exit %d\n%s", cmd.ProcessState.ExitCode(), out)
	}
	// A file:// URL is a path.
	db := filepath.Join(dir, "u", "knocks.db")
	mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", "file://"+db, log)
	if s := jsonReport(t, dir, "--db", db); s.Attempts != 1 {
		t.Errorf("file:// database: %+v", s)
	}
}

func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dst, mode)
}

// TestImportAsAnotherUserInSharedDirectory has a user who may not write
// the database, in a directory that everyone may write, try to import
// into it: knocks refuses with a message that says why and what to do,
// and leaves no -wal or -shm file of that user beside the database (such
// files would stop the owner's next imports). It needs root, to run
// knocks as the user nobody.
func TestImportAsAnotherUserInSharedDirectory(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipped: needs root, to run knocks as another user")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("setpriv is needed to run knocks as another user")
		}
		t.Skip("setpriv is not installed: cannot run knocks as another user")
	}
	base, err := os.MkdirTemp("", "knocks-shared-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	db, want := sampleDB(t, base)
	dbDir := filepath.Dir(db)
	if err := os.Chmod(dbDir, 0o777); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(base, "knocks")
	copyFile(t, knocksBin, bin, 0o755)
	cmd := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bin, "ingest", "--no-geoip", "--db", db, filepath.Join(base, "auth.log"))
	cmd.Dir = base
	cmd.Env = append(os.Environ(), "TZ=UTC", "HOME="+base, "XDG_STATE_HOME="+base, "XDG_CACHE_HOME="+filepath.Join(base, "cache"), "KNOCKS_DB=")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitError || !strings.Contains(string(out), "cannot be written: this user may not write it") {
		t.Errorf("import as a user who may not write the database: %v, want exit %d and why\n%s", err, exitError, out)
	}
	if es, _ := os.ReadDir(dbDir); len(es) != 1 {
		var names []string
		for _, e := range es {
			names = append(names, e.Name())
		}
		t.Errorf("files in the database directory after the refused import: %v, want knocks.db alone", names)
	}
	// Its owner imports and reports as before.
	mustOK(t, base, nil, "ingest", "--no-geoip", "--db", db, filepath.Join(base, "auth.log"))
	sameReport(t, mustOK(t, base, nil, "report", "--no-geoip", "--format", "json", "--db", db).stdout, want)

	// An owner who is not root, in a directory that everyone may write
	// but nobody may delete others' files from (as /tmp): nobody's report
	// works and leaves its -shm and -wal; the owner's import then says
	// which file stops it, instead of "attempt to write a readonly
	// database".
	if err := os.Chmod(dbDir, 0o1777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(db, 1001, 1001); err != nil {
		t.Fatal(err)
	}
	as := func(uid string, args ...string) (string, int) {
		cmd := exec.Command("setpriv", append([]string{"--reuid=" + uid, "--regid=" + uid, "--clear-groups", bin}, args...)...)
		cmd.Dir = base
		cmd.Env = append(os.Environ(), "TZ=UTC", "HOME="+base, "XDG_STATE_HOME="+base, "XDG_CACHE_HOME="+filepath.Join(base, "cache"), "KNOCKS_DB=")
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return string(out), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}
	if out, code := as("65534", "report", "--no-geoip", "--format", "json", "--db", db); code != 0 {
		t.Fatalf("report as nobody: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(db + "-shm"); err != nil {
		t.Skipf("skipped: the report left no -shm here (%v): nothing stops the owner", err)
	}
	msg, code := as("1001", "ingest", "--no-geoip", "--db", db, filepath.Join(base, "auth.log"))
	if code != exitError || !strings.Contains(msg, "knocks.db-shm belongs to another user") {
		t.Errorf("the owner's import with nobody's -shm beside the database: exit %d, want %d and which file\n%s", code, exitError, msg)
	}
	// The owner's file in a directory that the owner may not write: SQLite
	// cannot make its -wal there, and the message says so.
	os.Remove(db + "-shm")
	os.Remove(db + "-wal")
	if err := os.Chmod(dbDir, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dbDir, 0o755)
	msg, code = as("1001", "ingest", "--no-geoip", "--db", db, filepath.Join(base, "auth.log"))
	if code != exitError || !strings.Contains(msg, "this user may not write the directory of "+db) {
		t.Errorf("the owner's import in a directory it may not write: exit %d, want %d and why\n%s", code, exitError, msg)
	}
}
