package main

// End-to-end tests: they build the knocks binary once and run it against
// temporary databases and realistic logs.

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

var knocksBin string

func TestMain(m *testing.M) {
	if os.Getenv(fakeJournalEnv) != "" {
		os.Exit(fakeJournalctl()) // the test binary runs as journalctl
	}
	dir, err := os.MkdirTemp("", "knocks-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	knocksBin = filepath.Join(dir, "knocks")
	if runtime.GOOS == "windows" {
		knocksBin += ".exe"
	}
	build := exec.Command("go", "build", "-o", knocksBin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "cannot build knocks:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is one run of the binary.
type result struct {
	stdout, stderr string
	code           int
}

// runKnocks runs the binary with args in dir, with stdin, a fixed zone
// (UTC), a private state directory and none of knocks's environment
// variables.
func runKnocks(t *testing.T, dir string, stdin []byte, args ...string) result {
	t.Helper()
	return runKnocksEnv(t, dir, nil, stdin, args...)
}

// runKnocksEnv is runKnocks with more environment variables (NAME=value),
// which win over the test's own.
func runKnocksEnv(t *testing.T, dir string, env []string, stdin []byte, args ...string) result {
	t.Helper()
	cmd := exec.Command(knocksBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TZ=UTC", "XDG_STATE_HOME="+filepath.Join(dir, "state"), "XDG_CACHE_HOME="+filepath.Join(dir, "cache"),
		"KNOCKS_DB=", "KNOCKS_GEOIP=", "NO_COLOR=", "LANG=C")
	cmd.Env = append(cmd.Env, env...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	return runCmd(t, cmd)
}

// runCmd runs cmd and returns its output and exit code.
func runCmd(t *testing.T, cmd *exec.Cmd) result {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("cannot run knocks: %v", err)
	}
	return result{out.String(), errb.String(), code}
}

// mustOK runs knocks and fails the test unless it exits 0.
func mustOK(t *testing.T, dir string, stdin []byte, args ...string) result {
	t.Helper()
	r := runKnocks(t, dir, stdin, args...)
	if r.code != 0 {
		t.Fatalf("knocks %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// summary is the part of the JSON report the tests read.
type summary struct {
	Attempts    int64 `json:"attempts"`
	Connections int64 `json:"connections"`
	Scans       int64 `json:"scans"`
	Logins      int64 `json:"logins"`
	UniqueIPs   int64 `json:"unique_ips"`
	UniqueUsers int64 `json:"unique_users"`
	LinesRead   int64 `json:"lines_read"`
	First       time.Time
	Last        time.Time
	TopUsers    []struct {
		User     string `json:"user"`
		Attempts int64  `json:"attempts"`
		Valid    bool   `json:"valid"`
	} `json:"top_users"`
	TopIPs []struct {
		IP       string `json:"ip"`
		Attempts int64  `json:"attempts"`
	} `json:"top_ips"`
	TopSubnets []struct {
		Key      string `json:"key"`
		Attempts int64  `json:"attempts"`
	} `json:"top_subnets"`
	PerDay []struct {
		Time     time.Time `json:"time"`
		Attempts int64     `json:"attempts"`
	} `json:"per_day"`
}

func jsonReport(t *testing.T, dir string, args ...string) summary {
	t.Helper()
	r := mustOK(t, dir, nil, append([]string{"report", "--format", "json", "--no-geoip"}, args...)...)
	var s summary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, r.stdout)
	}
	return s
}

func writeFile(t *testing.T, path, content string, mtime time.Time) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
}

func gzipFile(t *testing.T, path, content string) {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(content))
	zw.Close()
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// connLines returns the lines an OpenSSH 9 server writes for one password
// guess by an invalid user: invalid user, PAM, Failed, disconnect.
func connLines(ts string, pid int, ip, user string) string {
	return fmt.Sprintf(`%[1]s web1 sshd[%[2]d]: Invalid user %[4]s from %[3]s port 40%[2]d
%[1]s web1 sshd[%[2]d]: pam_unix(sshd:auth): check pass; user unknown
%[1]s web1 sshd[%[2]d]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=%[3]s
%[1]s web1 sshd[%[2]d]: Failed password for invalid user %[4]s from %[3]s port 40%[2]d ssh2
%[1]s web1 sshd[%[2]d]: Received disconnect from %[3]s port 40%[2]d:11: Bye Bye [preauth]
%[1]s web1 sshd[%[2]d]: Disconnected from invalid user %[4]s %[3]s port 40%[2]d [preauth]
`, ts, pid, ip, user)
}
