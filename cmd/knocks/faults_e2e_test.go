package main

// End-to-end tests of knocks under faults: power cuts, skipped lines,
// files that look alike, importers that race.

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// manyConns returns n connections, one a minute from start, from n/3
// addresses.
func manyConns(start time.Time, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		ts := start.Add(time.Duration(i) * time.Minute).Format(time.RFC3339)
		b.WriteString(connLines(ts, 1000+i, fmt.Sprintf("198.51.100.%d", i%(n/3+1)+1), fmt.Sprintf("user%d", i%7)))
	}
	return b.String()
}

// sameCounts fails the test unless got and want agree on the headline
// numbers.
func sameCounts(t *testing.T, what string, got, want summary) {
	t.Helper()
	if got.Attempts != want.Attempts || got.Connections != want.Connections || got.Scans != want.Scans ||
		got.UniqueIPs != want.UniqueIPs || got.UniqueUsers != want.UniqueUsers || !got.First.Equal(want.First) || !got.Last.Equal(want.Last) {
		t.Errorf("%s: %+v\nwant (clean import) %+v", what, got, want)
	}
}

func TestPowerCutHoleSkipsOneLineOnce(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	clean := manyConns(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), 30)
	cleanLog := filepath.Join(dir, "clean.log")
	writeFile(t, cleanLog, clean, time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC))
	want := jsonReport(t, dir, cleanLog)

	// The hole a power cut leaves at the start of a file, then what
	// syslog wrote after the reboot.
	log := filepath.Join(dir, "auth.log")
	writeFile(t, log, strings.Repeat("\x00", 8192)+"\n"+clean, time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC))
	r := runKnocks(t, dir, nil, "ingest", "--no-geoip", "--db", db, log)
	if r.code != exitPartial || !strings.Contains(r.stderr, "auth.log:1: line contains NUL bytes") {
		t.Fatalf("ingest of a file with a hole: exit %d, want %d naming auth.log:1\n%s", r.code, exitPartial, r.stderr)
	}
	sameCounts(t, "after the hole", jsonReport(t, dir, "--db", db), want)
	// The next run neither rejects the file nor reports the line again.
	r = mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", db, log)
	if strings.Contains(r.stderr, "error") {
		t.Errorf("second run reports again:\n%s", r.stderr)
	}
	sameCounts(t, "second run", jsonReport(t, dir, "--db", db), want)
}

func TestSkippedLinesExit3(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	a, b := manyConns(start, 6), manyConns(start.Add(time.Hour), 6)
	cleanLog := filepath.Join(dir, "clean.log")
	writeFile(t, cleanLog, a+b, start.Add(24*time.Hour))
	want := jsonReport(t, dir, cleanLog)
	for _, c := range []struct {
		Name, Bad, Err string
	}{
		// 64 KiB is the limit; rsyslog's default message is at most 8 KiB,
		// syslog-ng's 64 KiB.
		{"too long", "2024-03-01T00:30:00Z web1 sshd[77]: Invalid user " + strings.Repeat("A", 64<<10) + " from 203.0.113.2 port 1\n", "auth.log:37: line too long (65609 bytes, the limit is 65536), skipped"},
		{"NUL", "2024-03-01T00:30:00Z web1 sshd[77]: Invalid user a\x00b from 203.0.113.3 port 1\n", "auth.log:37: line contains NUL bytes, skipped"},
	} {
		t.Run(c.Name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "k.db")
			log := filepath.Join(dir, "auth.log")
			writeFile(t, log, a+c.Bad+b, start.Add(24*time.Hour))
			r := runKnocks(t, dir, nil, "ingest", "--no-geoip", "--db", db, log)
			if r.code != exitPartial || !strings.Contains(r.stderr, c.Err) {
				t.Fatalf("exit %d, want %d with %q\n%s", r.code, exitPartial, c.Err, r.stderr)
			}
			sameCounts(t, c.Name, jsonReport(t, dir, "--db", db), want)
			// The one-shot report says so too.
			if r := runKnocks(t, dir, nil, "report", "--no-geoip", log); r.code != exitPartial || !strings.Contains(r.stderr, c.Err) {
				t.Errorf("one-shot report: exit %d\n%s", r.code, r.stderr)
			}
		})
	}
}
