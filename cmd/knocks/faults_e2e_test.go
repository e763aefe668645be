package main

// End-to-end tests of knocks under faults: power cuts, skipped lines,
// files that look alike, importers that race.

import (
	"fmt"
	"os"
	"os/exec"
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

func TestPowerCutHoleGluedToALineIsRead(t *testing.T) {
	// After a power cut, syslog appends after the hole of NULs the file
	// system left: the first line after it begins with the NULs. The line
	// is read and counted, and the user is told, with file and line, of the
	// NULs that were ignored; nothing that was data is skipped: exit 0.
	dir := t.TempDir()
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	a, b := manyConns(start, 6), manyConns(start.Add(time.Hour), 6) // 36 lines each
	failed := "2024-03-01T00:30:00Z web1 sshd[77]: Failed password for root from 203.0.113.7 port 40077 ssh2\n"
	cleanLog := filepath.Join(dir, "clean.log")
	writeFile(t, cleanLog, a+failed+b, start.Add(24*time.Hour))
	want := jsonReport(t, dir, cleanLog)
	withoutLog := filepath.Join(dir, "without.log")
	writeFile(t, withoutLog, a+b, start.Add(24*time.Hour))
	if without := jsonReport(t, dir, withoutLog); want.Attempts != without.Attempts+1 {
		t.Fatalf("the Failed password line does not count: %d and %d attempts", want.Attempts, without.Attempts)
	}
	for _, size := range []int{512, 4096, 200 << 10} {
		for _, z := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d bytes/gzip=%v", size, z), func(t *testing.T) {
				dir := t.TempDir()
				content := a + strings.Repeat("\x00", size) + failed + b
				name := "auth.log"
				if z {
					name = "auth.log.2.gz"
					gzipFile(t, filepath.Join(dir, name), content)
				} else {
					writeFile(t, filepath.Join(dir, name), content, start.Add(24*time.Hour))
				}
				warning := fmt.Sprintf("warning: %s:37: %d NUL bytes before the line ignored (a hole left by a crash), the line was read\n", name, size)
				r := runKnocks(t, dir, nil, "ingest", "--no-geoip", "--db", "k.db", name)
				if r.code != 0 || !strings.Contains(r.stderr, warning) || strings.Contains(r.stderr, "error") {
					t.Fatalf("ingest: exit %d, want 0 with %q\n%s", r.code, warning, r.stderr)
				}
				// The ingest table: 73 lines read, none skipped.
				var row []string
				for _, l := range strings.Split(r.stderr, "\n") {
					if f := strings.Fields(l); len(f) == 7 && f[0] == name {
						row = f
					}
				}
				if row == nil || row[1] != "73" || row[5] != "0" {
					t.Errorf("ingest table row %q, want 73 lines and 0 skipped\n%s", row, r.stderr)
				}
				sameCounts(t, "after the hole", jsonReport(t, dir, "--db", "k.db"), want)
				// Importing again reads nothing new and says nothing, even
				// of the hole.
				r = mustOK(t, dir, nil, "ingest", "-q", "--no-geoip", "--db", "k.db", name)
				if r.stderr != "" {
					t.Errorf("second import:\n%s", r.stderr)
				}
				sameCounts(t, "second import", jsonReport(t, dir, "--db", "k.db"), want)
				// The one-shot report and parse read the line too.
				r = runKnocks(t, dir, nil, "report", "--no-geoip", "--format", "json", name)
				if r.code != 0 || !strings.Contains(r.stderr, warning) {
					t.Errorf("one-shot report: exit %d, want 0 with %q\n%s", r.code, warning, r.stderr)
				}
				r = runKnocks(t, dir, nil, "parse", name)
				if r.code != 0 || !strings.Contains(r.stderr, warning) || !strings.Contains(r.stdout, `"line":37,"time":"2024-03-01T00:30:00Z","host":"web1","pid":77,"kind":"failed"`) {
					t.Errorf("parse: exit %d, want 0 with %q and line 37\n%s", r.code, warning, r.stderr)
				}
			})
		}
	}
}

func TestPowerCutHoleAtTheEndThenAppended(t *testing.T) {
	// The power cut leaves the hole at the end of the file, without a
	// newline; an import runs before syslog appends to it, another after.
	// Together they store every line once, the first line after the hole
	// included.
	dir := t.TempDir()
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	a, b := manyConns(start, 6), manyConns(start.Add(time.Hour), 6)
	failed := "2024-03-01T00:30:00Z web1 sshd[77]: Failed password for root from 203.0.113.7 port 40077 ssh2\n"
	cleanLog := filepath.Join(dir, "clean.log")
	writeFile(t, cleanLog, a+failed+b, start.Add(24*time.Hour))
	want := jsonReport(t, dir, cleanLog)
	for _, size := range []int{4096, 200 << 10} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			dir := t.TempDir()
			log := filepath.Join(dir, "auth.log")
			writeFile(t, log, a+strings.Repeat("\x00", size), time.Now()) // live: the hole may yet be written after
			r := mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", "k.db", "auth.log")
			if strings.Contains(r.stderr, "NUL") {
				t.Errorf("first import:\n%s", r.stderr)
			}
			f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString(failed + b)
			f.Close()
			// With -q too: the log lost what was to be written there.
			r = mustOK(t, dir, nil, "ingest", "-q", "--no-geoip", "--db", "k.db", "auth.log")
			if w := fmt.Sprintf("warning: auth.log:37: %d NUL bytes before the line ignored (a hole left by a crash), the line was read\n", size); r.stderr != w {
				t.Errorf("second import: want only %q\n%s", w, r.stderr)
			}
			sameCounts(t, "after both imports", jsonReport(t, dir, "--db", "k.db"), want)
		})
	}
}

func TestManyPowerCutHolesAreCountedNotAllPrinted(t *testing.T) {
	// A machine that lost power 25 times: each line after a hole is read,
	// the first 20 holes are printed and the rest counted.
	dir := t.TempDir()
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	var clean, holed strings.Builder
	for i := range 25 {
		conn := connLines(start.Add(time.Duration(i)*time.Hour).Format(time.RFC3339), 1000+i, fmt.Sprintf("198.51.100.%d", i+1), "admin")
		clean.WriteString(conn)
		holed.WriteString(strings.Repeat("\x00", 4096) + conn)
	}
	writeFile(t, filepath.Join(dir, "clean.log"), clean.String(), start.Add(48*time.Hour))
	writeFile(t, filepath.Join(dir, "auth.log"), holed.String(), start.Add(48*time.Hour))
	want := jsonReport(t, dir, "clean.log")
	r := mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", "k.db", "auth.log")
	if n := strings.Count(r.stderr, "NUL bytes before the line ignored"); n != 20 || !strings.Contains(r.stderr, "warning: auth.log:115: 4096 NUL bytes") ||
		!strings.Contains(r.stderr, "\n... and 5 more warnings\n") {
		t.Errorf("%d warnings printed, want 20 (the 20th at line 115) and 5 more counted:\n%s", n, r.stderr)
	}
	sameCounts(t, "25 holes", jsonReport(t, dir, "--db", "k.db"), want)
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

func TestLastLineWithoutNewlineIsNeverLost(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	body := manyConns(start, 9)
	last := "2024-03-01T01:00:00Z web1 sshd[999]: Failed password for root from 203.0.113.50 port 4444 ssh2"
	cleanLog := filepath.Join(dir, "clean.log")
	writeFile(t, cleanLog, body+last+"\n", start.Add(24*time.Hour))
	want := jsonReport(t, dir, cleanLog)
	without := jsonReport(t, dir, func() string { p := filepath.Join(dir, "short.log"); writeFile(t, p, body, time.Time{}); return p }())
	if want.Attempts != without.Attempts+1 {
		t.Fatalf("the last line does not count: %d and %d attempts", want.Attempts, without.Attempts)
	}
	now := time.Now()

	// Read once and for all: parse and the one-shot report, whatever the
	// file's age.
	live := filepath.Join(dir, "auth.log")
	writeFile(t, live, body+last, now)
	r := mustOK(t, dir, nil, "parse", live)
	if !strings.Contains(r.stdout, `"ip":"203.0.113.50"`) {
		t.Errorf("parse lost the last line:\n%s", r.stdout)
	}
	sameCounts(t, "one-shot report", jsonReport(t, dir, live), want)

	// Final inputs: a rotated name, gzip, stdin, a file left alone for
	// 5 minutes.
	rotated := filepath.Join(dir, "auth.log.1")
	writeFile(t, rotated, body+last, now)
	zipped := filepath.Join(dir, "auth.log.2.gz")
	gzipFile(t, zipped, body+last)
	settled := filepath.Join(dir, "settled.log")
	writeFile(t, settled, body+last, now.Add(-6*time.Minute))
	for _, c := range []struct {
		Name  string
		Args  []string
		Stdin []byte
	}{
		{"rotated", []string{rotated}, nil},
		{"gzip", []string{zipped}, nil},
		{"stdin", []string{"-"}, []byte(body + last)},
		{"unchanged for 6 minutes", []string{settled}, nil},
	} {
		t.Run(c.Name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "k.db")
			mustOK(t, dir, c.Stdin, append([]string{"ingest", "--no-geoip", "--db", db}, c.Args...)...)
			sameCounts(t, c.Name, jsonReport(t, dir, "--db", db), want)
			// Imported again: nothing more.
			mustOK(t, dir, c.Stdin, append([]string{"ingest", "--no-geoip", "--db", db}, c.Args...)...)
			sameCounts(t, c.Name+", again", jsonReport(t, dir, "--db", db), want)
		})
	}

	// The live file, just written: its last line may be half-written, so
	// ingest leaves it for a later run...
	db := filepath.Join(dir, "live.db")
	mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", db, live)
	sameCounts(t, "live, just written", jsonReport(t, dir, "--db", db), without)
	// ... which reads it once it is complete,
	writeFile(t, live, body+last+"\n", now)
	mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", db, live)
	sameCounts(t, "live, completed", jsonReport(t, dir, "--db", db), want)
	// or once it has been left alone for 5 minutes.
	db2 := filepath.Join(dir, "live2.db")
	writeFile(t, live, body+last, now)
	mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", db2, live)
	writeFile(t, live, body+last, now.Add(-5*time.Minute))
	mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", db2, live)
	sameCounts(t, "live, left alone", jsonReport(t, dir, "--db", db2), want)

	// A final line that was read, and then a writer that appends after
	// all: the line it glues on is read, the final line is not read twice.
	next := "2024-03-01T01:05:00Z web1 sshd[1001]: Failed password for admin from 203.0.113.51 port 4445 ssh2\n"
	db3 := filepath.Join(dir, "glued.db")
	writeFile(t, rotated, body+last, now)
	mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", db3, rotated)
	writeFile(t, rotated, body+last+next, now)
	mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", db3, rotated)
	if got := jsonReport(t, dir, "--db", db3); got.Attempts != want.Attempts+1 || got.UniqueIPs != want.UniqueIPs+1 {
		t.Errorf("after a line glued on: %d attempts from %d addresses, want %d from %d", got.Attempts, got.UniqueIPs, want.Attempts+1, want.UniqueIPs+1)
	}
}

func TestFilesWithTheSameFirstLineAreBothImported(t *testing.T) {
	dir := t.TempDir()
	mtime := time.Date(2024, 3, 3, 0, 0, 0, 0, time.UTC)
	a := manyConns(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), 12)
	b := manyConns(time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC), 9)
	aMore := manyConns(time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC), 4)
	// The clean import: the same lines, in files that do not look alike.
	cleanA, cleanB := filepath.Join(dir, "clean-a.log"), filepath.Join(dir, "clean-b.log")
	writeFile(t, cleanA, a+aMore, mtime)
	writeFile(t, cleanB, b, mtime)
	want := jsonReport(t, dir, cleanA, cleanB)

	for _, first := range []string{"\n", "# web1 sshd log, kept by the backup job\n"} {
		t.Run(fmt.Sprintf("%q", first), func(t *testing.T) {
			tmp := t.TempDir()
			db := filepath.Join(tmp, "k.db")
			pa, pb := filepath.Join(tmp, "a.log"), filepath.Join(tmp, "b.log")
			writeFile(t, pa, first+a, mtime)
			writeFile(t, pb, first+b, mtime)
			mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", db, pa)
			mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", db, pb)
			// a grows; both again, and a given twice.
			writeFile(t, pa, first+a+aMore, mtime)
			mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", db, pb, pa, pa)
			sameCounts(t, "a, b, then both", jsonReport(t, dir, "--db", db), want)
			// The same in one run, and a copy of b as gzip.
			db2 := filepath.Join(tmp, "k2.db")
			gzipFile(t, pb+".gz", first+b)
			mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", db2, pa, pb, pb+".gz")
			sameCounts(t, "one run", jsonReport(t, dir, "--db", db2), want)
		})
	}
}

// waitForLock waits until the importer of process pid holds the lock of
// the database at db: until another importer (of an empty file, that would
// add nothing) is refused with a message that names pid. Such a probe holds
// the lock for a moment when it is free, so the importer waited for must
// run with --wait.
func waitForLock(t *testing.T, dir, db string, pid int) {
	t.Helper()
	empty := filepath.Join(t.TempDir(), "empty.log")
	writeFile(t, empty, "", time.Time{})
	for i := 0; i < 400; i++ {
		if r := runKnocks(t, dir, nil, "ingest", "-q", "--no-geoip", "--db", db, empty); r.code != 0 && strings.Contains(r.stderr, "another knocks ingest") && strings.Contains(r.stderr, fmt.Sprintf("pid %d", pid)) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	r := runKnocks(t, dir, nil, "ingest", "-q", "--no-geoip", "--db", db, empty)
	t.Fatalf("the first importer never took the lock: a second import exits %d\n%s", r.code, r.stderr)
}

func TestImportersThroughSymlinkAndHardLinkStoreEachEventOnce(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	logA := manyConns(start, 60)
	logB := manyConns(start.Add(48*time.Hour), 30)
	pa, pb := filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log")
	writeFile(t, pa, logA, start.Add(72*time.Hour))
	writeFile(t, pb, logB, start.Add(72*time.Hour))
	want := jsonReport(t, dir, pa, pb)

	db := filepath.Join(dir, "db", "knocks.db")
	mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", db, pa)
	// The same database by three paths.
	sym := filepath.Join(dir, "sym.db")
	hard := filepath.Join(dir, "hard.db")
	if err := os.Symlink(db, sym); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(db, hard); err != nil {
		t.Fatal(err)
	}
	// The first importer holds the lock while it reads stdin.
	// --wait: a probe of waitForLock may hold the lock for a moment.
	cmd := exec.Command(knocksBin, "ingest", "--wait", "--no-geoip", "--db", db, pb, "-")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TZ=UTC", "XDG_CACHE_HOME="+filepath.Join(dir, "cache"))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill() // only matters when the test fails early
	defer func() {
		if t.Failed() {
			t.Logf("first importer:\n%s", stderr.String())
		}
	}()
	waitForLock(t, dir, db, cmd.Process.Pid)
	for _, p := range []string{sym, hard} {
		r := runKnocks(t, dir, nil, "ingest", "--no-geoip", "--db", p, pa, pb)
		if r.code != 1 || !strings.Contains(r.stderr, "another knocks ingest") || !strings.Contains(r.stderr, fmt.Sprintf("pid %d", cmd.Process.Pid)) {
			t.Errorf("second importer through %s: exit %d, want 1 naming pid %d\n%s", filepath.Base(p), r.code, cmd.Process.Pid, r.stderr)
		}
	}
	// One through the hard link waits its turn.
	waiter := exec.Command(knocksBin, "ingest", "--wait", "--no-geoip", "--db", hard, pa, pb)
	waiter.Dir = dir
	waiter.Env = cmd.Env
	var werr strings.Builder
	waiter.Stderr = &werr
	if err := waiter.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("first importer: %v\n%s", err, stderr.String())
	}
	if err := waiter.Wait(); err != nil {
		t.Fatalf("waiting importer: %v\n%s", err, werr.String())
	}
	for _, p := range []string{db, sym, hard} {
		sameCounts(t, "read through "+filepath.Base(p), jsonReport(t, dir, "--db", p), want)
	}
}
