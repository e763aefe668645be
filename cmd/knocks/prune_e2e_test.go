//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"knocks/gen"
	"knocks/sqlite"
)

// genLog writes n generated lines (RFC 3339 stamps: the year is in every
// line) from start over span.
func genLog(t *testing.T, start time.Time, span time.Duration, n int, seed int64) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := gen.Write(&b, gen.Options{Lines: n, Seed: seed, Start: start, Span: span, Style: gen.RFC3339, Program: "mixed", Hosts: []string{"web1", "web2"}}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// f2bLog returns fail2ban.log lines: a ban and an unban of each address,
// a day apart, from start on.
func f2bLog(start time.Time, ips ...string) string {
	var b strings.Builder
	for i, ip := range ips {
		at := start.Add(time.Duration(i) * 24 * time.Hour)
		fmt.Fprintf(&b, "%s,101 fail2ban.actions        [811]: NOTICE  [sshd] Ban %s\n", at.Format("2006-01-02 15:04:05"), ip)
		fmt.Fprintf(&b, "%s,101 fail2ban.actions        [811]: NOTICE  [sshd] Unban %s\n", at.Add(10*time.Minute).Format("2006-01-02 15:04:05"), ip)
	}
	return b.String()
}

// TestPrune imports logs over two years, prunes what is older than a year,
// and checks that the report is then that of a clean import of the recent
// part alone, and that importing the same logs again adds nothing.
func TestPrune(t *testing.T) {
	dir := t.TempDir()
	now := time.Now().UTC()
	// Two years of logs, the first year ending a month before the cut of
	// 365 days and the second starting a month after it, so that no
	// connection spans the cut however long the test runs.
	old := genLog(t, now.AddDate(0, 0, -730), 330*24*time.Hour, 30000, 7)
	recent := genLog(t, now.AddDate(0, 0, -330), 320*24*time.Hour, 20000, 8)
	oldBans := f2bLog(now.AddDate(0, 0, -700), "203.0.113.1", "203.0.113.2", "198.51.100.3")
	recentBans := f2bLog(now.AddDate(0, 0, -300), "203.0.113.1", "192.0.2.4")

	all := filepath.Join(dir, "auth.log")
	writeFile(t, all, string(old)+string(recent), time.Time{})
	allBans := filepath.Join(dir, "fail2ban.log")
	writeFile(t, allBans, oldBans+recentBans, time.Time{})
	recentLog := filepath.Join(dir, "recent.log")
	writeFile(t, recentLog, string(recent), time.Time{})
	recentF2B := filepath.Join(dir, "recent-fail2ban.log")
	writeFile(t, recentF2B, recentBans, time.Time{})

	db := filepath.Join(dir, "knocks.db")
	cleanDB := filepath.Join(dir, "clean.db")
	mustOK(t, dir, nil, "ingest", "-q", "--no-geoip", "--db", db, all, allBans)
	mustOK(t, dir, nil, "ingest", "-q", "--no-geoip", "--db", cleanDB, recentLog, recentF2B)
	report := func(db string) map[string]any {
		t.Helper()
		r := mustOK(t, dir, nil, "report", "--format", "json", "--no-geoip", "--db", db)
		var m map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
			t.Fatalf("report is not JSON: %v\n%s", err, r.stdout)
		}
		return m
	}
	before := report(db)
	want := report(cleanDB)
	if before["attempts"].(float64) <= want["attempts"].(float64) {
		t.Fatalf("the old year adds no attempts (%v, %v): the test proves nothing", before["attempts"], want["attempts"])
	}
	sizeBefore := fileSize(t, db)

	// While an importer holds the lock, prune fails rather than delete
	// the connections that the importer may still extend.
	holder, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := holder.LockImport(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	r := runKnocks(t, dir, nil, "prune", "--db", db, "--older-than", "365d")
	unlock()
	if err := holder.Close(); err != nil {
		t.Fatal(err)
	}
	if r.code != 1 || !strings.Contains(r.stderr, "another knocks ingest is running") {
		t.Errorf("prune under an importer's lock: exit %d, %s", r.code, r.stderr)
	}
	if fileSize(t, db) != sizeBefore {
		t.Error("prune under an importer's lock changed the database")
	}

	r = mustOK(t, dir, nil, "prune", "--db", db, "--older-than", "365d")
	for _, w := range []string{"connections", "ban events", "penalty events", "compacted"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("prune's output does not say %q:\n%s", w, r.stdout)
		}
	}
	if size := fileSize(t, db); size >= sizeBefore {
		t.Errorf("the database did not shrink: %d bytes, %d before", size, sizeBefore)
	}

	got := report(db)
	// What is still counted over every import: the lines read (the
	// checkpoints stay) and the share of hostile lines among them.
	if got["lines_read"] != before["lines_read"] {
		t.Errorf("lines read %v after prune, %v before: the checkpoints must stay", got["lines_read"], before["lines_read"])
	}
	for _, m := range []map[string]any{got, want} {
		for _, k := range []string{"generated", "lines_read", "lines_selected", "hostile_share"} {
			delete(m, k)
		}
	}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if !bytes.Equal(gotJSON, wantJSON) {
		t.Errorf("after prune, the report differs from a clean import of the recent lines:\n got %s\nwant %s", gotJSON, wantJSON)
	}

	// A report narrowed by time divides by the lines of its own hours: the
	// counts of the pruned hours are gone with their events.
	since := func(db string) any {
		t.Helper()
		r := mustOK(t, dir, nil, "report", "--format", "json", "--no-geoip", "--since", "800d", "--db", db)
		var m map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
			t.Fatalf("report is not JSON: %v\n%s", err, r.stdout)
		}
		return m["lines_selected"]
	}
	// Lines of other programs count in the hour of the sshd line before
	// them: in the whole log, the few at the start of the recent part went
	// to the last hour of the old part.
	g, _ := since(db).(float64)
	w, _ := since(cleanDB).(float64)
	if w == 0 || g > w || g < w-10 {
		t.Errorf("lines selected since 800 days ago: %v after prune, %v in a clean import of the recent lines", g, w)
	}

	// The same logs again: their checkpoints stay, nothing is added.
	r = mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", db, all, allBans)
	again := report(db)
	delete(again, "generated")
	delete(again, "lines_read")
	delete(again, "hostile_share")
	delete(again, "lines_selected")
	a, _ := json.Marshal(again)
	if !bytes.Equal(a, wantJSON) {
		t.Errorf("importing the same logs after prune changed the report:\n got %s\nwant %s\nstderr of ingest:\n%s", a, wantJSON, r.stderr)
	}

	// Bad ages are usage errors; prune without a database fails.
	for _, args := range [][]string{{"prune", "--db", db}, {"prune", "--db", db, "--older-than", "soon"}, {"prune", "--db", db, "--older-than", "0d"}, {"prune", "--db", db, "--older-than", "1d", "extra"}} {
		if r := runKnocks(t, dir, nil, args...); r.code != 2 {
			t.Errorf("knocks %s: exit %d, want 2\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err == nil {
			n += fi.Size()
		}
	}
	return n
}
