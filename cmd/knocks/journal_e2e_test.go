package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
