package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHostileShareOfANarrowedReport imports a week of auth.log in which
// the last day is a flood, and checks the hostile share that `report
// --since` gives against the lines of that day alone (issue 9, item 5): the
// share of every line ever read would be far lower.
func TestHostileShareOfANarrowedReport(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var b strings.Builder
	stamp := func(t time.Time) string { return t.Format("2006-01-02T15:04:05.000000+00:00") }
	pid := 1000
	var dayLines, dayHostile, allLines int
	for h := 0; h < 7*24; h++ {
		hour := start.Add(time.Duration(h) * time.Hour)
		last := h >= 6*24
		// Every hour: the monitoring's key login (an sshd line that is not
		// hostile) and cron, lines of another program.
		pid++
		fmt.Fprintf(&b, "%s gw sshd[%d]: Accepted publickey for monitor from 192.0.2.10 port 51000 ssh2: ED25519 SHA256:abc\n", stamp(hour.Add(30*time.Second)), pid)
		allLines++
		if last {
			dayLines++
		}
		for m := 0; m < 6; m++ {
			at := hour.Add(time.Duration(m*10) * time.Minute)
			fmt.Fprintf(&b, "%s gw CRON[%d]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)\n", stamp(at), 20000+h*10+m)
			fmt.Fprintf(&b, "%s gw CRON[%d]: pam_unix(cron:session): session closed for user root\n", stamp(at.Add(time.Second)), 20000+h*10+m)
			allLines += 2
			if last {
				dayLines += 2
			}
		}
		if !last {
			continue
		}
		// The flood: 20 connections an hour, each an invalid user and three
		// failed passwords.
		for c := 0; c < 20; c++ {
			pid++
			at := hour.Add(time.Duration(c*2+1) * time.Minute)
			ip := fmt.Sprintf("203.0.113.%d", c+1)
			fmt.Fprintf(&b, "%s gw sshd[%d]: Invalid user admin from %s port %d\n", stamp(at), pid, ip, 40000+c)
			for k := 0; k < 3; k++ {
				fmt.Fprintf(&b, "%s gw sshd[%d]: Failed password for invalid user admin from %s port %d ssh2\n", stamp(at.Add(time.Duration(k+1)*time.Second)), pid, ip, 40000+c)
			}
			allLines += 4
			dayLines += 4
			dayHostile += 4
		}
	}
	log := filepath.Join(dir, "auth.log")
	if err := os.WriteFile(log, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "knocks.db")
	mustOK(t, dir, nil, "ingest", "--db", db, "--no-geoip", log)

	type summary struct {
		LinesRead     int64    `json:"lines_read"`
		LinesSelected *int64   `json:"lines_selected"`
		HostileLines  int64    `json:"hostile_lines"`
		HostileShare  *float64 `json:"hostile_share"`
	}
	report := func(args ...string) summary {
		t.Helper()
		r := mustOK(t, dir, nil, append([]string{"report", "--db", db, "--format", "json"}, args...)...)
		var s summary
		if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
			t.Fatalf("%v: %s", err, r.stdout)
		}
		return s
	}
	all := report()
	if all.LinesRead != int64(allLines) || all.LinesSelected == nil || *all.LinesSelected != int64(allLines) {
		t.Fatalf("whole report: %+v, want %d lines", all, allLines)
	}
	day := report("--since", start.Add(6*24*time.Hour).Format(time.RFC3339))
	want := float64(dayHostile) / float64(dayLines)
	if day.LinesSelected == nil || *day.LinesSelected != int64(dayLines) || day.HostileShare == nil || math.Abs(*day.HostileShare-want) > 1e-9 {
		t.Errorf("the last day: %d hostile of %s lines, share %s; want %d of %d, %.4f", day.HostileLines, show(day.LinesSelected), show(day.HostileShare), dayHostile, dayLines, want)
	}
	if day.HostileLines != int64(dayHostile) {
		t.Errorf("hostile lines of the last day = %d, want %d", day.HostileLines, dayHostile)
	}
	// By host: the same lines.
	if gw := report("--host", "gw"); gw.LinesSelected == nil || *gw.LinesSelected != int64(allLines) {
		t.Errorf("--host gw: lines %v, want %d", gw.LinesSelected, allLines)
	}
	// By country: lines are not counted by address, so no share at all.
	r := mustOK(t, dir, nil, "report", "--db", db, "--format", "json", "--country", "NL")
	if !strings.Contains(r.stdout, `"hostile_share": null`) || !strings.Contains(r.stdout, `"lines_selected": null`) {
		t.Errorf("--country: want a null share and lines, got %s", r.stdout[:min(len(r.stdout), 600)])
	}
}

// show prints a pointer's value, or "null".
func show[T any](p *T) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}
