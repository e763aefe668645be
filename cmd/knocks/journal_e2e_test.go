package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"knocks/source"
)

// journalEntry is one entry of a journal as `journalctl -o json` (systemd
// 252, Debian 12) writes it, with the fields that journald adds to a
// syslog message of sshd.
type journalEntry struct {
	sid     string // seqnum ID
	seqnum  int64
	boot    string
	t       time.Time
	comm    string // _COMM; also SYSLOG_IDENTIFIER
	pid     int
	message string
}

func (e journalEntry) cursor() string {
	return fmt.Sprintf("s=%s;i=%x;b=%s;m=%x;t=%x;x=%016x", e.sid, e.seqnum, e.boot, e.seqnum*1000+12345, e.t.UnixMicro(), e.seqnum*2654435761)
}

func (e journalEntry) json() string {
	fields := [][2]string{
		{"__CURSOR", e.cursor()},
		{"__REALTIME_TIMESTAMP", fmt.Sprint(e.t.UnixMicro())},
		{"__MONOTONIC_TIMESTAMP", fmt.Sprint(e.seqnum*1000 + 12345)},
		{"_BOOT_ID", e.boot},
		{"_TRANSPORT", "syslog"},
		{"PRIORITY", "6"},
		{"SYSLOG_FACILITY", "4"},
		{"SYSLOG_IDENTIFIER", e.comm},
		{"SYSLOG_PID", fmt.Sprint(e.pid)},
		{"_PID", fmt.Sprint(e.pid)},
		{"_UID", "0"},
		{"_GID", "0"},
		{"_COMM", e.comm},
		{"_EXE", "/usr/sbin/" + e.comm},
		{"_CMDLINE", "sshd: unknown [priv]"},
		{"_SYSTEMD_CGROUP", "/system.slice/ssh.service"},
		{"_SYSTEMD_UNIT", "ssh.service"},
		{"_SYSTEMD_SLICE", "system.slice"},
		{"_MACHINE_ID", "4a1d5b3e9c2f4e0d8b7a6c5d4e3f2a1b"},
		{"_HOSTNAME", "web1"},
		{"_SOURCE_REALTIME_TIMESTAMP", fmt.Sprint(e.t.UnixMicro() - 17)},
		{"MESSAGE", e.message},
	}
	var b strings.Builder
	b.WriteString("{ ")
	for i, f := range fields {
		if i > 0 {
			b.WriteString(", ")
		}
		k, _ := json.Marshal(f[0])
		v, _ := json.Marshal(f[1])
		fmt.Fprintf(&b, "%s : %s", k, v)
	}
	b.WriteString(" }\n")
	return b.String()
}

// journalSID is the seqnum ID of the test journal.
const journalSID = "739ad463348b4ceca5a9e69c95a3c93f"

// testJournal returns n connections of an OpenSSH 9.8 server as journal
// entries (sshd-session writes the per-connection lines), interleaved with
// entries of other programs, numbered from seqnum first.
func testJournal(n int, first int64) []journalEntry {
	base := time.Date(2024, 2, 25, 0, 0, 0, 0, time.UTC)
	var out []journalEntry
	add := func(t time.Time, comm string, pid int, msg string) {
		out = append(out, journalEntry{sid: journalSID, seqnum: first + int64(len(out)), boot: "6c7c6013a8e44d42b60d3fd2ab3c6d2b", t: t, comm: comm, pid: pid, message: msg})
	}
	for i := 0; i < n; i++ {
		t := base.Add(time.Duration(i) * 37 * time.Second)
		pid := 20000 + i
		ip := fmt.Sprintf("203.0.113.%d", i%250+1)
		user := []string{"admin", "oracle", "root", "test", "ubuntu"}[i%5]
		port := 40000 + i
		if i%3 == 0 {
			add(t, "sshd-session", pid, fmt.Sprintf("Invalid user %s from %s port %d", user, ip, port))
		}
		add(t.Add(time.Second), "sshd-session", pid, fmt.Sprintf("Failed password for %s from %s port %d ssh2", user, ip, port))
		if i%4 == 0 {
			add(t.Add(2*time.Second), "sshd-session", pid, fmt.Sprintf("Failed password for %s from %s port %d ssh2", user, ip, port))
		}
		add(t.Add(3*time.Second), "sshd-session", pid, fmt.Sprintf("Connection closed by authenticating user %s %s port %d [preauth]", user, ip, port))
		if i%10 == 0 {
			add(t.Add(4*time.Second), "CRON", 900+i, "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)")
		}
		if i%7 == 0 {
			add(t.Add(5*time.Second), "sshd", 812, fmt.Sprintf("drop connection #0 from [%s]:%d on [192.0.2.10]:22 penalty: exceeded LoginGraceTime", ip, port+1))
		}
	}
	return out
}

func journalText(es []journalEntry) string {
	var b strings.Builder
	for _, e := range es {
		b.WriteString(e.json())
	}
	return b.String()
}

// TestJournalExportsOverlap imports entries 1-60% of a journal and then
// 30-100% (as daily `journalctl -o json | knocks ingest -` runs do after
// journald dropped old entries), from stdin and from files, and compares
// the result with one clean import of the whole journal.
func TestJournalExportsOverlap(t *testing.T) {
	dir := t.TempDir()
	all := testJournal(400, 0x4e000)
	clean := filepath.Join(dir, "clean.db")
	mustOK(t, dir, []byte(journalText(all)), "ingest", "--db", clean, "--no-geoip", "-")
	want := jsonReport(t, dir, "--db", clean)
	if want.Attempts < 400 || want.Connections != 400 {
		t.Fatalf("clean import: %+v", want)
	}
	first, second := all[:len(all)*60/100], all[len(all)*30/100:]

	t.Run("stdin", func(t *testing.T) {
		db := filepath.Join(dir, "stdin.db")
		mustOK(t, dir, []byte(journalText(first)), "ingest", "--db", db, "--no-geoip", "-")
		r := mustOK(t, dir, []byte(journalText(second)), "ingest", "--db", db, "--no-geoip", "-")
		if !strings.Contains(r.stderr, fmt.Sprintf("%d journal entries were imported before", len(first)-len(all)*30/100)) {
			t.Errorf("the second import does not say how many entries it had already:\n%s", r.stderr)
		}
		sameSummary(t, jsonReport(t, dir, "--db", db), want)
		// The whole journal again, and the middle: nothing changes.
		mustOK(t, dir, []byte(journalText(all)), "ingest", "--db", db, "--no-geoip", "-")
		mustOK(t, dir, []byte(journalText(all[len(all)/4:len(all)*3/4])), "ingest", "--db", db, "--no-geoip", "-")
		sameSummary(t, jsonReport(t, dir, "--db", db), want)
	})
	t.Run("files", func(t *testing.T) {
		db := filepath.Join(dir, "files.db")
		a, b := filepath.Join(dir, "monday.json"), filepath.Join(dir, "tuesday.json")
		writeFile(t, a, journalText(first), time.Time{})
		writeFile(t, b, journalText(second), time.Time{})
		mustOK(t, dir, nil, "ingest", "--db", db, "--no-geoip", a)
		mustOK(t, dir, nil, "ingest", "--db", db, "--no-geoip", b)
		sameSummary(t, jsonReport(t, dir, "--db", db), want)
	})
	t.Run("both files in one run", func(t *testing.T) {
		db := filepath.Join(dir, "one.db")
		a, b := filepath.Join(dir, "one-a.json"), filepath.Join(dir, "one-b.json")
		writeFile(t, a, journalText(first), time.Time{})
		writeFile(t, b, journalText(second), time.Time{})
		mustOK(t, dir, nil, "ingest", "--db", db, "--no-geoip", a, b)
		sameSummary(t, jsonReport(t, dir, "--db", db), want)
	})
}

// sameSummary compares the counts and top lists of two reports.
func sameSummary(t *testing.T, got, want summary) {
	t.Helper()
	type counts struct{ Attempts, Connections, Scans, Logins, UniqueIPs, UniqueUsers int64 }
	g := counts{got.Attempts, got.Connections, got.Scans, got.Logins, got.UniqueIPs, got.UniqueUsers}
	w := counts{want.Attempts, want.Connections, want.Scans, want.Logins, want.UniqueIPs, want.UniqueUsers}
	if g != w {
		t.Errorf("counts %+v, a clean import has %+v", g, w)
	}
	gj, _ := json.Marshal([]any{got.TopUsers, got.TopIPs, got.PerDay, got.First, got.Last})
	wj, _ := json.Marshal([]any{want.TopUsers, want.TopIPs, want.PerDay, want.First, want.Last})
	if string(gj) != string(wj) {
		t.Errorf("top lists and period differ from a clean import:\n got %s\nwant %s", gj, wj)
	}
}

// TestJournalTimeOutOfRange imports a journal with an entry whose
// __REALTIME_TIMESTAMP is in the year 11476: that line is skipped with a
// message naming it (exit 3), the others are stored, and the report works.
func TestJournalTimeOutOfRange(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	es := testJournal(5, 1)
	bad := es[2]
	bad.t = time.UnixMicro(299999999999999999)
	es[2] = bad
	log := filepath.Join(dir, "journal.json")
	writeFile(t, log, journalText(es), time.Time{})
	r := runKnocks(t, dir, nil, "ingest", "--db", db, "--no-geoip", log)
	if r.code != 3 {
		t.Fatalf("exit %d, want 3\n%s", r.code, r.stderr)
	}
	if want := "journal.json:3: time 11476-"; !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "out of range") {
		t.Errorf("no message naming the line (%q):\n%s", want, r.stderr)
	}
	s := jsonReport(t, dir, "--db", db)
	if s.Connections != 5 || s.Last.Year() != 2024 {
		t.Errorf("report after the bad line: %+v", s)
	}
	for _, f := range []string{"text", "csv"} {
		mustOK(t, dir, nil, "report", "--db", db, "--no-geoip", "--format", f)
	}
	// knocks parse says the same.
	r = runKnocks(t, dir, nil, "parse", log)
	if r.code != 3 || !strings.Contains(r.stderr, "journal.json:3: time 11476-") {
		t.Errorf("parse: exit %d\n%s", r.code, r.stderr)
	}
	if err := os.Remove(log); err != nil {
		t.Fatal(err)
	}
}

// fakeJournal puts the fake journalctl on PATH over a journal of entries
// and returns the environment for knocks, the journal file and a function
// that returns the arguments of each journalctl run so far.
func fakeJournal(t *testing.T, dir string, es []journalEntry) (env []string, file string, runs func() [][]string) {
	t.Helper()
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(self, filepath.Join(bin, "journalctl")); err != nil && !os.IsExist(err) {
		t.Fatal(err)
	}
	file = filepath.Join(dir, "journal.json")
	writeFile(t, file, journalText(es), time.Time{})
	env = []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"), fakeJournalEnv + "=" + file}
	runs = func() [][]string {
		b, _ := os.ReadFile(file + ".args")
		var out [][]string
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var args []string
			if json.Unmarshal([]byte(l), &args) == nil {
				out = append(out, args)
			}
		}
		return out
	}
	return env, file, runs
}

func lastSSHD(es []journalEntry) journalEntry {
	for i := len(es) - 1; i >= 0; i-- {
		if strings.HasPrefix(es[i].comm, "sshd") {
			return es[i]
		}
	}
	return journalEntry{}
}

// TestIngestJournal runs `knocks ingest --journal` over a journal that
// grows: the first run reads the whole journal, a run with nothing new adds
// nothing, and the next reads after the stored cursor and adds exactly the
// new entries; the result equals one clean import.
func TestIngestJournal(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	all := testJournal(400, 0x4e000)
	clean := filepath.Join(dir, "clean.db")
	mustOK(t, dir, []byte(journalText(all)), "ingest", "--db", clean, "--no-geoip", "-")
	want := jsonReport(t, dir, "--db", clean)

	part := all[:len(all)*60/100]
	env, file, runs := fakeJournal(t, dir, part)
	ingest := func() result {
		t.Helper()
		r := runKnocksEnv(t, dir, env, nil, "ingest", "--db", db, "--no-geoip", "--journal")
		if r.code != 0 {
			t.Fatalf("ingest --journal: exit %d\n%s", r.code, r.stderr)
		}
		return r
	}
	ingest()
	first := jsonReport(t, dir, "--db", db)
	if first.Connections == 0 || first.Connections >= want.Connections {
		t.Fatalf("after the first run: %+v", first)
	}
	args := runs()
	if len(args) != 1 || strings.Contains(strings.Join(args[0], " "), "--after-cursor") {
		t.Fatalf("first journalctl run: %q, want one without --after-cursor", args)
	}
	for _, m := range []string{"_COMM=sshd", "_COMM=sshd-session", "SYSLOG_IDENTIFIER=sshd", "SYSLOG_IDENTIFIER=sshd-session", "+"} {
		if !slicesContains(args[0], m) {
			t.Errorf("journalctl run without the match %q: %q", m, args[0])
		}
	}

	// Nothing new: nothing added.
	ingest()
	sameSummary(t, jsonReport(t, dir, "--db", db), first)
	wantAfter := "--after-cursor=" + lastSSHD(part).cursor()
	if args := runs(); len(args) != 2 || !slicesContains(args[1], wantAfter) {
		t.Fatalf("second journalctl run: %q, want %s", args, wantAfter)
	}

	// New entries arrive: only they are added.
	writeFile(t, file, journalText(all), time.Time{})
	r := ingest()
	sameSummary(t, jsonReport(t, dir, "--db", db), want)
	if strings.Contains(r.stderr, "imported before") {
		t.Errorf("the run after the cursor read old entries:\n%s", r.stderr)
	}
	ingest()
	sameSummary(t, jsonReport(t, dir, "--db", db), want)
	if args := runs(); len(args) != 4 || !slicesContains(args[3], "--after-cursor="+lastSSHD(all).cursor()) {
		t.Errorf("fourth journalctl run: %q", args[len(args)-1])
	}
}

// TestIngestJournalAfterExports imports an export from stdin and then
// reads the journal: the export's entries are not counted again, and the
// journal is read whole the first time (an export's cursor may be another
// machine's).
func TestIngestJournalAfterExports(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	all := testJournal(300, 1)
	clean := filepath.Join(dir, "clean.db")
	mustOK(t, dir, []byte(journalText(all)), "ingest", "--db", clean, "--no-geoip", "-")
	want := jsonReport(t, dir, "--db", clean)

	mustOK(t, dir, []byte(journalText(all[:len(all)/2])), "ingest", "--db", db, "--no-geoip", "-")
	env, _, runs := fakeJournal(t, dir, all)
	r := runKnocksEnv(t, dir, env, nil, "ingest", "--db", db, "--no-geoip", "--journal")
	if r.code != 0 || !strings.Contains(r.stderr, "imported before") {
		t.Fatalf("ingest --journal: exit %d\n%s", r.code, r.stderr)
	}
	if args := runs(); len(args) != 1 || strings.Contains(strings.Join(args[0], " "), "--after-cursor") {
		t.Errorf("journalctl run: %q, want the whole journal", args)
	}
	sameSummary(t, jsonReport(t, dir, "--db", db), want)
}

// TestIngestJournalCannotRead checks the failures of --journal: no
// journalctl, a user who may not read the journal, an empty journal, and
// journalctl failing part-way.
func TestIngestJournalCannotRead(t *testing.T) {
	es := testJournal(20, 1)
	tests := []struct {
		Name string
		Mode string // of the fake journalctl; "none": no journalctl at all
		Code int
		Want []string // in stderr
	}{
		{"no journalctl", "none", 1, []string{"journalctl not found", "without journald", "/var/log/auth.log"}},
		{"hint: not seeing messages of the system", "hint", 1, []string{"cannot read the system journal", "not seeing messages from other users", "systemd-journal", "adm", "sudo"}},
		{"insufficient permissions", "denied", 1, []string{"cannot read the system journal", "insufficient permissions", "systemd-journal", "adm"}},
		{"empty journal", "empty", 1, []string{"no sshd entries"}},
		{"journalctl fails part-way", "broken", 3, []string{"journalctl failed", "Bad message"}},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "k.db")
			journal := es
			if tt.Mode == "empty" {
				journal = nil
			}
			env, _, _ := fakeJournal(t, dir, journal)
			switch tt.Mode {
			case "none":
				env = []string{"PATH=" + filepath.Join(dir, "nothing")}
			case "hint", "denied", "broken":
				env = append(env, fakeJournalModeEnv+"="+tt.Mode)
			}
			r := runKnocksEnv(t, dir, env, nil, "ingest", "--db", db, "--no-geoip", "--journal")
			if r.code != tt.Code {
				t.Errorf("exit %d, want %d\n%s", r.code, tt.Code, r.stderr)
			}
			for _, w := range tt.Want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if tt.Mode == "broken" {
				// The entries before the failure are stored, and the next
				// run goes on after them.
				env = env[:len(env)-1]
				mustOKEnv(t, dir, env, "ingest", "--db", db, "--no-geoip", "--journal")
				clean := filepath.Join(dir, "clean.db")
				mustOK(t, dir, []byte(journalText(es)), "ingest", "--db", clean, "--no-geoip", "-")
				sameSummary(t, jsonReport(t, dir, "--db", db), jsonReport(t, dir, "--db", clean))
			}
		})
	}
}

// TestIngestRealJournal runs `knocks ingest --journal` twice against this
// machine's journal, where there is one with sshd entries that this user
// may read: the second run adds nothing.
func TestIngestRealJournal(t *testing.T) {
	path, err := exec.LookPath("journalctl")
	if err != nil {
		t.Skip("no journalctl on this machine")
	}
	out, _ := exec.Command(path, append([]string{"-q", "-n", "1", "-o", "json", "--no-pager"}, source.SSHDMatches...)...).Output()
	if len(bytes.TrimSpace(out)) == 0 {
		t.Skip("no sshd entries in a journal that this user can read (journald not running, or not in the group systemd-journal or adm)")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	mustOK(t, dir, nil, "ingest", "--db", db, "--no-geoip", "--journal")
	first := jsonReport(t, dir, "--db", db)
	r := mustOK(t, dir, nil, "ingest", "--db", db, "--no-geoip", "--journal")
	second := jsonReport(t, dir, "--db", db)
	// sshd may have logged meanwhile; the counts never shrink and an
	// entry is never counted twice: attempts grow by at most what the
	// second run read.
	if second.Attempts < first.Attempts || second.Connections < first.Connections {
		t.Errorf("the second run lowered the counts: %+v then %+v", first, second)
	}
	if strings.Contains(r.stderr, "imported before") {
		t.Errorf("the second run read entries again instead of starting after the cursor:\n%s", r.stderr)
	}
}

func slicesContains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func mustOKEnv(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	r := runKnocksEnv(t, dir, env, nil, args...)
	if r.code != 0 {
		t.Fatalf("knocks %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r
}
