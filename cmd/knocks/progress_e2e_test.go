package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestProgressOnTerminalOnly imports a log in-process with stderr taken
// for a terminal, and through the binary with stderr a pipe.
func TestProgressOnTerminalOnly(t *testing.T) {
	dir := t.TempDir()
	var log strings.Builder
	for i := 0; i < 600; i++ {
		log.WriteString(connLines(fmt.Sprintf("Feb  5 10:%02d:%02d", i/60, i%60), 1000+i, fmt.Sprintf("203.0.113.%d", i%250), "admin"))
	}
	path := filepath.Join(dir, "a-rather-long-name-of-a-rotated-auth.log.1")
	writeFile(t, path, log.String(), time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC))

	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb, Now: time.Now, Terminal: func(w io.Writer) bool { return w == &errb },
		Getenv: func(k string) string {
			if k == "XDG_CACHE_HOME" || k == "XDG_STATE_HOME" {
				return filepath.Join(dir, k)
			}
			return ""
		}}
	if code := m.Run(context.Background(), []string{"ingest", "--no-geoip", "--db", filepath.Join(dir, "k.db"), path}); code != 0 {
		t.Fatalf("exit %d\n%s", code, errb.String())
	}
	got := errb.String()
	first := "\r1 lines, " // drawn at the first line, then every 200 ms
	if !strings.HasPrefix(got, first) || !strings.Contains(got, " of "+bytesText(int64(log.Len()))+" (") {
		t.Errorf("no progress line with the total size:\n%q", got[:min(len(got), 300)])
	}
	// The line is cleared before the summary, whose name column fits the
	// long name and which gets no total line for one input.
	if !strings.Contains(got, "\r\x1b[Kinput"+strings.Repeat(" ", len(path)-len("input"))+"      lines") {
		t.Errorf("progress not cleared before the summary, or the name column does not fit:\n%q", got)
	}

	r := mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", filepath.Join(dir, "k2.db"), path)
	if strings.ContainsAny(r.stderr, "\r\x1b") {
		t.Errorf("progress drawn on a pipe:\n%q", r.stderr)
	}
}

// TestIngestSummaryTotal checks the total line under a summary of several
// inputs.
func TestIngestSummaryTotal(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "auth.log.1"), filepath.Join(dir, "auth.log")
	writeFile(t, a, connLines("Feb  5 10:00:01", 101, "203.0.113.1", "admin"), time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC))
	writeFile(t, b, connLines("Feb  6 10:00:01", 201, "203.0.113.2", "root")+connLines("Feb  6 10:00:02", 202, "203.0.113.2", "root"), time.Date(2024, 2, 6, 12, 0, 0, 0, time.UTC))
	r := mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", filepath.Join(dir, "k.db"), b, a)
	var total string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "total (2 inputs)") {
			total = strings.Join(strings.Fields(l), " ")
		}
	}
	if total != "total (2 inputs) 18 18 18 0 0 "+fmt.Sprint(3*5) {
		t.Errorf("total line %q in:\n%s", total, r.stderr)
	}
}
