package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestIngestIsIdempotentAcrossLogrotate(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	log := filepath.Join(dir, "auth.log")
	day1 := connLines("Feb  5 10:00:01", 101, "203.0.113.1", "admin") +
		connLines("Feb  5 10:00:02", 102, "203.0.113.2", "oracle") +
		"Feb  5 10:00:03 web1 CRON[555]: pam_unix(cron:session): session opened for user root by (uid=0)\n" +
		connLines("Feb  5 10:00:04", 103, "203.0.113.1", "test")
	mtime := time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC)
	writeFile(t, log, day1, mtime)

	mustOK(t, dir, nil, "ingest", "--db", db, log)
	if s := jsonReport(t, dir, "--db", db); s.Attempts != 3 || s.Connections != 3 || s.UniqueIPs != 2 || s.UniqueUsers != 3 {
		t.Fatalf("first import: %+v", s)
	}
	r := mustOK(t, dir, nil, "ingest", "--db", db, log)
	if s := jsonReport(t, dir, "--db", db); s.Attempts != 3 || s.Connections != 3 {
		t.Fatalf("importing the same file again changed the counts: %+v\n%s", s, r.stderr)
	}

	// sshd appends; the next import adds exactly the new lines.
	day1b := day1 + connLines("Feb  5 11:00:00", 104, "198.51.100.9", "root")
	writeFile(t, log, day1b, mtime.Add(time.Hour))
	mustOK(t, dir, nil, "ingest", "--db", db, log)
	if s := jsonReport(t, dir, "--db", db); s.Attempts != 4 {
		t.Fatalf("after growth: attempts %d, want 4", s.Attempts)
	}

	// A last line is written, then logrotate: auth.log → auth.log.1, new auth.log.
	rotated := day1b + connLines("Feb  5 23:59:00", 105, "198.51.100.9", "root")
	writeFile(t, log+".1", rotated, mtime.Add(12*time.Hour))
	day2 := connLines("Feb  6 00:10:00", 201, "192.0.2.77", "ubuntu") + connLines("Feb  6 00:11:00", 202, "192.0.2.78", "ubuntu")
	writeFile(t, log, day2, mtime.Add(13*time.Hour))
	mustOK(t, dir, nil, "ingest", "--db", db, log, log+".1")
	if s := jsonReport(t, dir, "--db", db); s.Attempts != 7 || s.Connections != 7 {
		t.Fatalf("after first rotation: %+v", s)
	}

	// Next rotation: auth.log.1 is compressed to auth.log.2.gz, auth.log → auth.log.1.
	gzipFile(t, log+".2.gz", rotated)
	os.Remove(log + ".1")
	writeFile(t, log+".1", day2, mtime.Add(24*time.Hour))
	writeFile(t, log, connLines("Feb  7 08:00:00", 301, "192.0.2.200", "git"), mtime.Add(44*time.Hour))
	r = mustOK(t, dir, nil, "ingest", "--db", db, log+".1", log, log+".2.gz")
	s := jsonReport(t, dir, "--db", db)
	if s.Attempts != 8 || s.Connections != 8 {
		t.Fatalf("after second rotation: %+v\n%s", s, r.stderr)
	}
	// Every day is there once, in the right year.
	var days []string
	for _, d := range s.PerDay {
		if d.Attempts == 0 {
			continue
		}
		days = append(days, fmt.Sprintf("%s=%d", d.Time.Format("2006-01-02"), d.Attempts))
	}
	if got, want := strings.Join(days, " "), "2024-02-05=5 2024-02-06=2 2024-02-07=1"; got != want {
		t.Errorf("per day = %s, want %s", got, want)
	}
}

func TestKill9DuringIngestThenResumeStoresEachEventOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a large log")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	var b strings.Builder
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	const conns = 40000
	for i := 0; i < conns; i++ {
		if i%5000 == 4999 {
			// The holes of NULs that power cuts left, each glued to the
			// line written after the reboot: read, and stored once too.
			b.WriteString(strings.Repeat("\x00", 4096<<(i/5000%2*5)))
		}
		ts := start.Add(time.Duration(i) * 2 * time.Second).Format(time.RFC3339)
		b.WriteString(connLines(ts, 10000+i%30000, fmt.Sprintf("198.51.%d.%d", i%200, i%250+1), fmt.Sprintf("user%d", i%97)))
	}
	writeFile(t, log, b.String(), time.Time{})

	want := jsonReport(t, dir, log) // one-shot, never killed
	if want.Attempts != conns || want.Connections != conns {
		t.Fatalf("one-shot report: %+v", want)
	}
	for _, delay := range []time.Duration{150 * time.Millisecond, 400 * time.Millisecond, 900 * time.Millisecond} {
		t.Run(delay.String(), func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "k.db")
			cmd := exec.Command(knocksBin, "ingest", "--no-geoip", "--db", db, log)
			cmd.Env = append(os.Environ(), "TZ=UTC")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(delay)
			cmd.Process.Signal(syscall.SIGKILL)
			cmd.Wait()
			mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", db, log)
			got := jsonReport(t, dir, "--db", db)
			if got.Attempts != want.Attempts || got.Connections != want.Connections || got.UniqueIPs != want.UniqueIPs || got.UniqueUsers != want.UniqueUsers {
				t.Errorf("after kill -9 and resume: %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestYearInference(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	// A file that spans the new year, last written on Jan 1 2026.
	span := filepath.Join(dir, "auth.log")
	writeFile(t, span, connLines("Dec 31 23:58:00", 11, "203.0.113.31", "admin")+connLines("Jan  1 00:02:00", 12, "203.0.113.32", "admin"),
		time.Date(2026, 1, 1, 0, 5, 0, 0, time.UTC))
	// A rotated file from March of last year (its mtime says so).
	old := filepath.Join(dir, "secure-20250304")
	writeFile(t, old, connLines("Mar  3 12:00:00", 21, "203.0.113.33", "root"), time.Date(2025, 3, 4, 3, 0, 0, 0, time.UTC))
	mustOK(t, dir, nil, "ingest", "--db", db, span, old)
	s := jsonReport(t, dir, "--db", db)
	var days []string
	for _, d := range s.PerDay {
		if d.Attempts > 0 {
			days = append(days, d.Time.Format("2006-01-02"))
		}
	}
	if got, want := strings.Join(days, " "), "2025-03-03 2025-12-31 2026-01-01"; got != want {
		t.Errorf("days = %s, want %s", got, want)
	}
	// --year overrides the inference.
	db2 := filepath.Join(dir, "k2.db")
	mustOK(t, dir, nil, "ingest", "--db", db2, "--year", "2019", old)
	if s := jsonReport(t, dir, "--db", db2); len(s.PerDay) != 1 || s.PerDay[0].Time.Year() != 2019 || s.PerDay[0].Attempts != 1 {
		t.Errorf("--year 2019: %+v", s.PerDay)
	}
}

func TestJournaldFromStdin(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	var b strings.Builder
	us := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC).UnixMicro()
	msgs := []string{
		"Invalid user guest from 2001:db8:aa:1::5 port 51000",
		"Failed password for invalid user guest from 2001:db8:aa:1::5 port 51000 ssh2",
		"Connection closed by invalid user guest 2001:db8:aa:1::5 port 51000 [preauth]",
	}
	for i, m := range msgs {
		fmt.Fprintf(&b, `{"__REALTIME_TIMESTAMP":"%d","_HOSTNAME":"bastion","_PID":"4242","SYSLOG_IDENTIFIER":"sshd","MESSAGE":%q,"PRIORITY":"6"}`+"\n", us+int64(i)*1000, m)
	}
	fmt.Fprintf(&b, `{"__REALTIME_TIMESTAMP":"%d","_HOSTNAME":"bastion","_PID":"1","SYSLOG_IDENTIFIER":"systemd","MESSAGE":"Started Session 5 of User root."}`+"\n", us)
	mustOK(t, dir, []byte(b.String()), "ingest", "--db", db, "-")
	s := jsonReport(t, dir, "--db", db)
	if s.Attempts != 1 || s.Connections != 1 || len(s.TopIPs) != 1 || s.TopIPs[0].IP != "2001:db8:aa:1::5" {
		t.Fatalf("journald import: %+v", s)
	}
	if len(s.TopSubnets) != 1 || s.TopSubnets[0].Key != "2001:db8:aa:1::/64" {
		t.Errorf("IPv6 subnet: %+v", s.TopSubnets)
	}
	if !s.First.Equal(time.UnixMicro(us).UTC()) {
		t.Errorf("first = %v, want %v", s.First, time.UnixMicro(us).UTC())
	}
	// The same export again adds nothing.
	mustOK(t, dir, []byte(b.String()), "ingest", "--db", db, "-")
	if s := jsonReport(t, dir, "--db", db); s.Attempts != 1 {
		t.Errorf("second import of the same journal: attempts %d", s.Attempts)
	}
}

func TestFail2banLogIsStoredButNotCounted(t *testing.T) {
	dir := t.TempDir()
	f2b := filepath.Join(dir, "fail2ban.log")
	writeFile(t, f2b, `2024-02-25 00:07:21,123 fail2ban.filter         [812]: INFO    [sshd] Found 203.0.113.9 - 2024-02-25 00:07:21
2024-02-25 00:07:25,456 fail2ban.filter         [812]: INFO    [sshd] Found 203.0.113.9 - 2024-02-25 00:07:25
2024-02-25 00:07:26,001 fail2ban.actions        [812]: NOTICE  [sshd] Ban 203.0.113.9
2024-02-25 01:07:26,002 fail2ban.actions        [812]: NOTICE  [sshd] Unban 203.0.113.9
`, time.Time{})
	r := mustOK(t, dir, nil, "parse", f2b)
	for _, kind := range []string{`"kind":"f2b_found"`, `"kind":"f2b_ban"`, `"kind":"f2b_unban"`} {
		if !strings.Contains(r.stdout, kind) {
			t.Errorf("parse output lacks %s:\n%s", kind, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, `"ip":"203.0.113.9"`) || !strings.Contains(r.stdout, `"jail":"sshd"`) {
		t.Errorf("parse output lacks ip or jail:\n%s", r.stdout)
	}
	db := filepath.Join(dir, "k.db")
	mustOK(t, dir, nil, "ingest", "--db", db, f2b)
	if s := jsonReport(t, dir, "--db", db); s.Attempts != 0 || s.Connections != 0 || s.UniqueIPs != 0 {
		t.Errorf("fail2ban lines were counted: %+v", s)
	}
}

func TestOneShotReportNeedsNoDatabase(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	writeFile(t, log, connLines("Feb  5 10:00:01", 101, "203.0.113.1", "admin"), time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC))
	r := mustOK(t, dir, nil, "report", "--no-geoip", log)
	if !strings.Contains(r.stdout, "Attempts") || !strings.Contains(r.stdout, "admin") {
		t.Errorf("one-shot report:\n%s", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "state", "knocks", "knocks.db")); err == nil {
		t.Error("a one-shot report created the default database")
	}
	// Without FILEs and without a database, the user is told what to do.
	r = runKnocks(t, dir, nil, "report")
	if r.code == 0 || !strings.Contains(r.stderr, "knocks ingest") {
		t.Errorf("report without a database: exit %d, %s", r.code, r.stderr)
	}
}

func TestBadInputIsReportedAndTheRestImported(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	good := connLines("Feb  5 10:00:01", 101, "203.0.113.1", "admin")
	long := "Feb  5 10:00:02 web1 sshd[102]: Invalid user " + strings.Repeat("A", 1<<20) + " from 203.0.113.2 port 1\n"
	nul := "Feb  5 10:00:03 web1 sshd[103]: Invalid user a\x00b from 203.0.113.3 port 1\n"
	bigUser := connLines("Feb  5 10:00:04", 104, "203.0.113.4", strings.Repeat("u", 10<<10))
	odd := connLines("Feb  5 10:00:05", 105, "203.0.113.5", "\\357\\273\\277root\xff\xfe")
	mixed := filepath.Join(dir, "auth.log")
	writeFile(t, mixed, good+long+nul+bigUser+odd, time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC))
	garbage := filepath.Join(dir, "garbage.bin")
	g := make([]byte, 64<<10)
	for i := range g {
		g[i] = byte(i * 7919 % 251)
	}
	os.WriteFile(garbage, g, 0o644)
	trunc := filepath.Join(dir, "auth.log.3.gz")
	gzipFile(t, trunc, connLines("Feb  1 09:00:00", 301, "192.0.2.30", "pi")+connLines("Feb  1 09:00:01", 302, "192.0.2.31", "pi"))
	data, _ := os.ReadFile(trunc)
	os.WriteFile(trunc, data[:len(data)-12], 0o644)
	missing := filepath.Join(dir, "nope.log")

	r := runKnocks(t, dir, nil, "ingest", "--db", db, mixed, garbage, trunc, missing)
	if r.code != exitPartial {
		t.Fatalf("exit %d, want %d\n%s", r.code, exitPartial, r.stderr)
	}
	for _, want := range []string{"auth.log:7: line too long", "auth.log:8: line contains NUL", "garbage.bin", "auth.log.3.gz", "nope.log"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	s := jsonReport(t, dir, "--db", db)
	// good, bigUser and odd from auth.log; the complete connections before
	// the truncation point of the gzip file.
	if s.Attempts < 3 {
		t.Errorf("attempts %d, want at least the 3 good connections\n%s", s.Attempts, r.stderr)
	}
	var sawOdd, sawBig bool
	for _, u := range s.TopUsers {
		if strings.HasPrefix(u.User, "\ufeffroot") {
			sawOdd = true
		}
		if strings.HasPrefix(u.User, "uuuu") && len(u.User) <= 1024 {
			sawBig = true
		}
	}
	if !sawOdd || !sawBig {
		t.Errorf("users: odd %v, 10 kB %v: %+v", sawOdd, sawBig, s.TopUsers)
	}
	// The terminal report shows the odd bytes escaped.
	r = mustOK(t, dir, nil, "report", "--db", db, "--no-geoip")
	if !strings.Contains(r.stdout, `\ufeffroot\xff\xfe`) {
		t.Errorf("text report does not show the odd user name safely:\n%s", r.stdout)
	}
}

func TestHostileUserNamesCannotDriveTheTerminal(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	writeFile(t, log, connLines("Feb  5 10:00:01", 101, "203.0.113.1", "\\033[31mred\\033[2J")+
		connLines("Feb  5 10:00:02", 102, "203.0.113.2", "<img src=x onerror=alert(1)>")+
		connLines("Feb  5 10:00:03", 103, "203.0.113.3", "=cmd|' /C calc'!A0"), time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC))
	r := mustOK(t, dir, nil, "report", "--no-geoip", log)
	if strings.ContainsRune(r.stdout, 0x1b) {
		t.Errorf("text report contains a raw ESC:\n%q", r.stdout)
	}
	if !strings.Contains(r.stdout, `\x1b[31mred\x1b[2J`) {
		t.Errorf("text report does not show the escape sequence literally:\n%s", r.stdout)
	}
	r = mustOK(t, dir, nil, "report", "--no-geoip", "--format", "csv", log)
	if !strings.Contains(r.stdout, `'=cmd|' /C calc'!A0`) {
		t.Errorf("csv does not neutralise a formula:\n%s", r.stdout)
	}
}
