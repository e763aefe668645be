package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// watcher is a running `knocks watch`.
type watcher struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan error
}

func (w *watcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stderr.Write(p)
}

func (w *watcher) log() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stderr.String()
}

// startWatch starts `knocks watch --no-geoip ARGS` in dir.
func startWatch(t *testing.T, dir string, env []string, args ...string) *watcher {
	t.Helper()
	return startKnocks(t, dir, env, append([]string{"watch", "--no-geoip", "--poll", "50ms"}, args...)...)
}

// startKnocks starts `knocks ARGS` in dir, to run until stopped.
func startKnocks(t *testing.T, dir string, env []string, args ...string) *watcher {
	t.Helper()
	w := &watcher{done: make(chan error, 1)}
	w.cmd = exec.Command(knocksBin, args...)
	w.cmd.Dir = dir
	w.cmd.Env = append(os.Environ(), append([]string{"TZ=UTC", "XDG_STATE_HOME=" + filepath.Join(dir, "state"), "XDG_CACHE_HOME=" + filepath.Join(dir, "cache"), "KNOCKS_DB=", "LANG=C"}, env...)...)
	w.cmd.Stderr = w
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { w.done <- w.cmd.Wait() }()
	t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			w.cmd.Process.Kill()
			<-w.done
		}
	})
	return w
}

// stop sends sig and waits for the exit; it returns the exit code.
func (w *watcher) stop(t *testing.T, sig os.Signal) int {
	t.Helper()
	w.cmd.Process.Signal(sig)
	select {
	case <-w.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("watch did not exit after %v; log:\n%s", sig, w.log())
	}
	return w.cmd.ProcessState.ExitCode()
}

// waitAttempts polls the report until it counts want attempts, and fails
// after a generous deadline. It returns how long it waited.
func waitAttempts(t *testing.T, dir, db string, want int64, w *watcher) time.Duration {
	t.Helper()
	start := time.Now()
	var got summary
	for time.Since(start) < 60*time.Second {
		if r := runKnocks(t, dir, nil, "report", "--format", "json", "--no-geoip", "--db", db); r.code == 0 {
			got = summary{}
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
				t.Fatalf("report is not JSON: %v", err)
			}
			if got.Attempts == want {
				return time.Since(start)
			}
			if got.Attempts > want {
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	log := ""
	if w != nil {
		log = w.log()
	}
	t.Fatalf("attempts = %d, want %d; watch log:\n%s", got.Attempts, want, log)
	return 0
}

// appendConns appends n password-guess connections (one attempt each) with
// pids and times from *next on.
func appendConns(t *testing.T, path string, next *int, n int) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	for i := 0; i < n; i++ {
		k := *next
		*next++
		ts := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC).Add(time.Duration(k) * time.Second).Format(time.RFC3339)
		b.WriteString(connLines(ts, 2000+k, fmt.Sprintf("203.0.113.%d", k%250+1), fmt.Sprintf("user%d", k)))
	}
	if _, err := f.WriteString(b.String()); err != nil {
		t.Fatal(err)
	}
}

// watch follows a log through growth, both logrotate styles, a plain
// truncation, SIGHUP, a clean stop, and kill -9, and stores every attempt
// exactly once.
func TestWatchFollowsRotationsExactlyOnce(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	db := filepath.Join(dir, "k.db")
	next := 0
	appendConns(t, log, &next, 10)
	w := startWatch(t, dir, []string{"KNOCKS_LOG=" + os.Getenv("KNOCKS_TEST_LOG")}, "--db", db, log)
	waitAttempts(t, dir, db, 10, w)

	appendConns(t, log, &next, 10)
	took := waitAttempts(t, dir, db, 20, w)
	t.Logf("appended lines in the database after %v", took)

	// Rename and create: the writer adds to the renamed file before it
	// reopens; both parts are read.
	if err := os.Rename(log, log+".1"); err != nil {
		t.Fatal(err)
	}
	appendConns(t, log+".1", &next, 5)
	appendConns(t, log, &next, 5)
	waitAttempts(t, dir, db, 30, w)

	// copytruncate, with lines written just before the copy: they are read
	// from the copy.
	if err := os.Rename(log+".1", log+".2"); err != nil {
		t.Fatal(err)
	}
	appendConns(t, log, &next, 5)
	content, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, log+".1", string(content), time.Time{})
	if err := os.Truncate(log, 0); err != nil {
		t.Fatal(err)
	}
	appendConns(t, log, &next, 5)
	waitAttempts(t, dir, db, 40, w)

	// A plain truncation (> auth.log) and new lines.
	if err := os.Truncate(log, 0); err != nil {
		t.Fatal(err)
	}
	appendConns(t, log, &next, 3)
	waitAttempts(t, dir, db, 43, w)

	// SIGHUP reopens; nothing is read twice.
	w.cmd.Process.Signal(syscall.SIGHUP)
	appendConns(t, log, &next, 2)
	waitAttempts(t, dir, db, 45, w)

	// SIGTERM commits and exits 0.
	if code := w.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("watch exit %d after SIGTERM, want 0; log:\n%s", code, w.log())
	}
	if !strings.Contains(w.log(), "following") {
		t.Errorf("watch did not log that it follows:\n%s", w.log())
	}

	// Lines written while it was stopped are read after a restart.
	appendConns(t, log, &next, 4)
	w = startWatch(t, dir, nil, "--db", db, log)
	waitAttempts(t, dir, db, 49, w)

	// kill -9 while lines arrive, then a restart: each attempt once.
	appendConns(t, log, &next, 6)
	w.cmd.Process.Kill()
	<-w.done
	appendConns(t, log, &next, 6)
	w = startWatch(t, dir, nil, "--db", db, log)
	waitAttempts(t, dir, db, 61, w)
	if code := w.stop(t, os.Interrupt); code != 0 {
		t.Fatalf("watch exit %d after SIGINT, want 0", code)
	}
	s := jsonReport(t, dir, "--db", db)
	if s.Connections != 61 || s.UniqueUsers != 61 {
		t.Errorf("connections %d, users %d; want 61 and 61", s.Connections, s.UniqueUsers)
	}
}

// Unrecognised sshd lines are logged by shape while following.
func TestWatchLogsUnrecognisedShapes(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	db := filepath.Join(dir, "k.db")
	next := 0
	appendConns(t, log, &next, 1)
	w := startWatch(t, dir, nil, "--db", db, log)
	waitAttempts(t, dir, db, 1, w)
	f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, "2026-11-30T11:00:00Z web1 sshd[9999]: frobnicated the flux capacitor for 198.51.100.7")
	f.Close()
	appendConns(t, log, &next, 1)
	waitAttempts(t, dir, db, 2, w)
	if code := w.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d", code)
	}
	out := w.log()
	if !strings.Contains(out, "unrecognised sshd line") || !strings.Contains(out, "frobnicated the flux capacitor") {
		t.Errorf("the unrecognised line was not logged by shape:\n%s", out)
	}
}

// A power cut leaves a hole of NULs at the end of the followed log, and
// syslog writes on after it: watch reads the line glued to the hole, while
// it follows and after a restart, and logs the NULs with file and line.
func TestWatchReadsTheLineAfterAPowerCutHole(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	db := filepath.Join(dir, "k.db")
	next := 0
	appendConns(t, log, &next, 1)
	w := startWatch(t, dir, nil, "--db", db, log)
	waitAttempts(t, dir, db, 1, w)
	hole := func(n int) {
		f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.Write(make([]byte, n)); err != nil {
			t.Fatal(err)
		}
	}
	// While it follows: a hole longer than a line, the lines after it.
	hole(200 << 10)
	appendConns(t, log, &next, 1)
	waitAttempts(t, dir, db, 2, w)
	// Killed while the hole is the end of the file, started again after
	// syslog wrote on.
	hole(4096)
	w.cmd.Process.Kill()
	<-w.done
	first := w.log()
	appendConns(t, log, &next, 2)
	w = startWatch(t, dir, nil, "--db", db, log)
	waitAttempts(t, dir, db, 4, w)
	if code := w.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d; log:\n%s", code, w.log())
	}
	for _, want := range []string{log + ":7: 204800 NUL bytes before the line ignored", log + ":13: 4096 NUL bytes before the line ignored"} {
		if !strings.Contains(first+w.log(), want) {
			t.Errorf("not logged: %q\n%s\n%s", want, first, w.log())
		}
	}
	if strings.Contains(first+w.log(), "input skipped") {
		t.Errorf("a line was skipped:\n%s\n%s", first, w.log())
	}
	if s := jsonReport(t, dir, "--db", db); s.Connections != 4 || s.UniqueUsers != 4 {
		t.Errorf("connections %d, users %d; want 4 and 4", s.Connections, s.UniqueUsers)
	}
}

// watch --journal follows journalctl --follow (a fake one on PATH): entries
// written while it runs are stored within the poll, SIGTERM commits them
// with their cursor, and a restart goes on after that cursor.
func TestWatchJournal(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	all := testJournal(400, 0x4e000)
	part := all[:len(all)/2]
	clean := func(name string, es []journalEntry) summary {
		p := filepath.Join(dir, name)
		mustOK(t, dir, []byte(journalText(es)), "ingest", "--db", p, "--no-geoip", "-")
		return jsonReport(t, dir, "--db", p)
	}
	wantPart, want := clean("part.db", part), clean("all.db", all)
	if wantPart.Attempts == 0 || wantPart.Attempts == want.Attempts {
		t.Fatalf("test journal: %d and %d attempts", wantPart.Attempts, want.Attempts)
	}
	env, file, runs := fakeJournal(t, dir, part)
	w := startWatch(t, dir, env, "--db", db, "--journal")
	waitAttempts(t, dir, db, wantPart.Attempts, w)

	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(journalText(all[len(part):]))
	f.Close()
	took := waitAttempts(t, dir, db, want.Attempts, w)
	t.Logf("new journal entries in the database after %v", took)
	if code := w.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("watch --journal exit %d after SIGTERM; log:\n%s", code, w.log())
	}
	sameSummary(t, jsonReport(t, dir, "--db", db), want)
	if !strings.Contains(w.log(), "msg=\"following the journal\"") {
		t.Errorf("watch --journal did not log that it follows the journal:\n%s", w.log())
	}
	if args := runs(); len(args) != 1 || !slicesContains(args[0], "--follow") || slicesContains(args[0], "--after-cursor") {
		t.Fatalf("journalctl runs: %q, want one --follow without a cursor", args)
	}

	// A restart reads after the stored cursor and adds nothing.
	w = startWatch(t, dir, env, "--db", db, "--journal")
	wantAfter := "--after-cursor=" + lastSSHD(all).cursor()
	for start := time.Now(); len(runs()) < 2 && time.Since(start) < time.Minute; time.Sleep(20 * time.Millisecond) {
	}
	if code := w.stop(t, os.Interrupt); code != 0 {
		t.Fatalf("exit %d; log:\n%s", code, w.log())
	}
	if args := runs(); len(args) != 2 || !slicesContains(args[1], wantAfter) {
		t.Fatalf("second journalctl run: %q, want %s", args, wantAfter)
	}
	sameSummary(t, jsonReport(t, dir, "--db", db), want)
}

// TestWatchUnreadableFileFails checks that watch fails at once (exit 1),
// with the reason and the hint, on a file that is there but that the user
// may not read, instead of waiting for it forever as for a missing file.
// As root the test runs knocks as the user nobody.
func TestWatchUnreadableFileFails(t *testing.T) {
	base, err := os.MkdirTemp("", "knocks-unreadable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o777); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(base, "knocks")
	copyFile(t, knocksBin, bin, 0o755)
	log := filepath.Join(base, "auth.log")
	if err := os.WriteFile(log, []byte("Mar 10 10:00:00 gw sshd[1]: Failed password for root from 192.0.2.1 port 1 ssh2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"watch", "--no-geoip", "--db", filepath.Join(base, "k.db"), log, filepath.Join(base, "not-yet.log")}
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		if _, err := exec.LookPath("setpriv"); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatal("setpriv is needed to run knocks as another user")
			}
			t.Skip("setpriv is not installed: cannot run knocks as another user")
		}
		cmd = exec.Command("setpriv", append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", bin}, args...)...)
	} else {
		if err := os.Chmod(log, 0); err != nil {
			t.Fatal(err)
		}
		cmd = exec.Command(bin, args...)
	}
	cmd.Env = append(os.Environ(), "HOME="+base, "XDG_STATE_HOME="+base, "XDG_CACHE_HOME="+base, "KNOCKS_DB=", "LANG=C")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	code := cmd.ProcessState.ExitCode()
	want := "knocks: cannot follow " + log + ": permission denied\nhint: " + log + " is not readable by this user: run knocks with sudo"
	if code != 1 || !strings.HasPrefix(stderr.String(), want) {
		t.Errorf("exit %d (%v), stderr:\n%s\nwant exit 1 and:\n%s", code, err, stderr.String(), want)
	}
}
