package main

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"knocks"

	_ "modernc.org/sqlite"
)

// banFixture returns the directory of the hand-written auth.log and
// fail2ban.log whose bans have known answers (testdata/bans/README.md).
func banFixture(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "testdata", "bans"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// reportBans runs knocks report --format json with args and returns the
// summary.
func reportBans(t *testing.T, dir string, args ...string) knocks.Summary {
	t.Helper()
	r := mustOK(t, dir, nil, append([]string{"report", "--format", "json", "--no-geoip"}, args...)...)
	var s knocks.Summary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("report json: %v\n%s", err, r.stdout)
	}
	return s
}

// makeFail2banDB writes a database with fail2ban 0.11's bans table: the
// ban of 203.0.113.10 that fail2ban.log holds too, and one of 203.0.113.200
// that only the database knows.
func makeFail2banDB(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`CREATE TABLE jails(name TEXT NOT NULL UNIQUE, enabled INTEGER NOT NULL DEFAULT 1)`,
		`CREATE TABLE bans(jail TEXT NOT NULL, ip TEXT, timeofban INTEGER NOT NULL, bantime INTEGER NOT NULL, bancount INTEGER NOT NULL default 1, data JSON, FOREIGN KEY(jail) REFERENCES jails(name))`,
		`INSERT INTO jails VALUES ('sshd', 1)`,
		`INSERT INTO bans VALUES ('sshd', '203.0.113.10', 1710064925, 600, 1, '{}')`, // 2024-03-10 10:02:05 UTC
		`INSERT INTO bans VALUES ('sshd', '203.0.113.200', 1710082800, -1, 3, '{}')`, // 2024-03-10 15:00:00 UTC
		`INSERT INTO bans VALUES ('sshd', 'not an address', 1710082800, 600, 1, '{}')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBansOneShot(t *testing.T) {
	fx := banFixture(t)
	s := reportBans(t, fx, "--year", "2024", "auth.log", "fail2ban.log")
	b := s.Bans
	// The answers counted by hand in testdata/bans/README.md.
	got := [...]float64{float64(b.Bans), float64(b.Unbans), float64(b.BannedIPs), b.MedianTimeToBan, float64(b.BannedWithAttempts),
		float64(b.AttemptsBeforeBan), float64(b.AttemptsWhileBanned), float64(b.ReturnedAfterUnban)}
	want := [...]float64{5, 2, 5, 122.5, 4, 15, 2, 2}
	if got != want {
		t.Errorf("bans, unbans, banned IPs, median, with attempts, before, while, returned = %v, want %v", got, want)
	}
	if len(b.TopNeverBanned) != 2 || b.TopNeverBanned[0].IP != "192.0.2.30" || b.TopNeverBanned[0].Attempts != 10 || b.TopNeverBanned[1].IP != "2001:db8::5" {
		t.Errorf("top never banned = %+v", b.TopNeverBanned)
	}
	if len(b.Jails) != 3 || b.Jails[0].Jail != "sshd" || b.Jails[0].Bans != 3 || b.Jails[0].Unbans != 2 {
		t.Errorf("jails = %+v", b.Jails)
	}
	// The text report shows them.
	r := mustOK(t, fx, nil, "report", "--no-geoip", "--year", "2024", "auth.log", "fail2ban.log")
	for _, want := range []string{"Bans per jail", "median 2m03s", "Top attackers never banned", "sshguard"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("text report lacks %q:\n%s", want, r.stdout)
		}
	}
	r = mustOK(t, fx, nil, "report", "--no-geoip", "--format", "csv", "--year", "2024", "auth.log", "fail2ban.log")
	for _, want := range []string{"bans,,attempts_while_banned,2,", "never_banned,1,192.0.2.30,10,", "jail,1,sshd,3,,,3,"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("csv report lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestBansFail2banDB(t *testing.T) {
	fx := banFixture(t)
	dir := t.TempDir()
	f2bdb := filepath.Join(dir, "fail2ban.sqlite3")
	makeFail2banDB(t, f2bdb)
	db := filepath.Join(dir, "knocks.db")
	mustOK(t, dir, nil, "ingest", "-q", "--no-geoip", "--db", db, "--host", "gw", "--year", "2024",
		filepath.Join(fx, "auth.log"), filepath.Join(fx, "fail2ban.log"))
	// The database given like any input: one row has no address (exit 3).
	r := runKnocks(t, dir, nil, "ingest", "-q", "--no-geoip", "--db", db, "--host", "gw", f2bdb)
	if r.code != 3 || !strings.Contains(r.stderr, "1 bans without a valid address skipped") {
		t.Errorf("ingest of the fail2ban db: exit %d, stderr %s", r.code, r.stderr)
	}
	// And again, with the flag: nothing new.
	runKnocks(t, dir, nil, "ingest", "-q", "--no-geoip", "--db", db, "--host", "gw", "--fail2ban-db", f2bdb)
	s := reportBans(t, dir, "--db", db)
	// The database adds one ban (203.0.113.200); its ban of 203.0.113.10 is
	// the one of fail2ban.log, stored once.
	if s.Bans.Bans != 6 || s.Bans.BannedIPs != 6 {
		t.Errorf("after the fail2ban db twice: %d bans of %d addresses, want 6 of 6", s.Bans.Bans, s.Bans.BannedIPs)
	}
	var perm bool
	for _, x := range s.Bans.TopBanned {
		if x.IP == "203.0.113.200" {
			perm = x.Permanent && x.BanCount == 3
		}
	}
	if !perm {
		t.Errorf("203.0.113.200 is not shown as a permanent ban with bancount 3: %+v", s.Bans.TopBanned)
	}
	// The text report says so too, on the address's row.
	text := mustOK(t, dir, nil, "report", "--db", db, "--color", "never").stdout
	if !regexp.MustCompile(`(?m)^\s*203\.0\.113\.200\s+1 \(fail2ban: 3\) permanent\s`).MatchString(text) {
		t.Errorf("the text report does not show the permanent ban of 203.0.113.200 with fail2ban's count 3:\n%s", text)
	}
	// Ban events belong to the host of the import: --host gw selects them
	// with the attempts of gw; another host has none.
	if s := reportBans(t, dir, "--db", db, "--host", "gw"); s.Bans.Bans != 6 || s.Attempts != 31 {
		t.Errorf("--host gw: %d bans, %d attempts; want 6 and 31", s.Bans.Bans, s.Attempts)
	}
	// A host that only banned is a host.
	db2 := filepath.Join(dir, "fw.db")
	mustOK(t, dir, nil, "ingest", "-q", "--no-geoip", "--db", db2, "--host", "fw", filepath.Join(fx, "fail2ban.log"))
	if s := reportBans(t, dir, "--db", db2, "--host", "fw"); s.Bans.Bans != 4 || s.Attempts != 0 {
		t.Errorf("--host fw: %d bans, %d attempts; want 4 and 0", s.Bans.Bans, s.Attempts)
	}
	// A database that is not fail2ban's is refused with a clean message.
	other := filepath.Join(dir, "other.sqlite3")
	odb, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := odb.Exec("CREATE TABLE t (x)"); err != nil {
		t.Fatal(err)
	}
	odb.Close()
	r = runKnocks(t, dir, nil, "ingest", "-q", "--no-geoip", "--db", db, other)
	if r.code != 1 || !strings.Contains(r.stderr, "not a fail2ban database") {
		t.Errorf("ingest of another database: exit %d, stderr %s", r.code, r.stderr)
	}
	if _, err := os.Stat(f2bdb + "-journal"); err == nil {
		t.Errorf("the fail2ban database was opened for writing")
	}
}
