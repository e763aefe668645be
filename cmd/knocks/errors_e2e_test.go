package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestErrorPaths runs the binary on each kind of bad command line or input
// and checks the exit code and the first line of what it says.
func TestErrorPaths(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	writeFile(t, log, connLines("Feb  5 10:00:01", 101, "203.0.113.1", "admin")+connLines("Feb  5 10:00:02", 102, "198.51.100.2", "oracle"), time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC))
	missing := filepath.Join(dir, "auth.log.typo")
	// Journal-style lines without a time stamp (as in fail2ban's test logs),
	// between two lines that have one.
	timeless := filepath.Join(dir, "timeless.log")
	writeFile(t, timeless, connLines("Feb  5 10:00:01", 101, "203.0.113.1", "admin")+
		"srv sshd[31602]: Failed password for invalid user ROOT from 194.117.26.69 port 50273 ssh2\n"+
		connLines("Feb  5 10:00:02", 102, "198.51.100.2", "oracle"), time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC))
	db := filepath.Join(dir, "k.db")
	mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", db, log)

	for _, tc := range []struct {
		Name   string
		Args   []string
		Code   int
		Stderr []string // substrings of stderr, in order
		Absent []string // what stderr and stdout must not hold
	}{
		{"unknown flag", []string{"report", "--bogus"}, exitUsage, []string{"knocks: unknown flag --bogus (see `knocks report -h`)"}, []string{"Usage:"}},
		{"unknown flag of ingest", []string{"ingest", "--nope", log}, exitUsage, []string{"unknown flag --nope (see `knocks ingest -h`)"}, []string{"Usage:"}},
		{"flag without value", []string{"report", "--db", db, "--top"}, exitUsage, []string{"flag --top needs a value"}, nil},
		{"bad flag value", []string{"plot", "--width", "wide"}, exitUsage, []string{`invalid value "wide" for flag --width`, "knocks plot -h"}, nil},
		{"unknown command", []string{"repotr"}, exitUsage, []string{`unknown command "repotr" (see ` + "`knocks -h`)"}, []string{"Usage:"}},
		{"unknown format", []string{"report", "--db", db, "--format", "xml"}, exitUsage, []string{`unknown --format "xml"`}, nil},
		{"unknown country", []string{"report", "--db", db, "--country", "Narnia"}, exitUsage, []string{`--country "Narnia" is not a country`, "CN or China"}, nil},
		{"ambiguous country", []string{"report", "--db", db, "--country", "virgin islands"}, exitUsage, []string{`--country "virgin islands" is ambiguous: VG (Virgin Islands, British), VI (Virgin Islands, U.S.)`}, nil},
		{"unknown host", []string{"report", "--db", db, "--host", "nosuch"}, exitUsage, []string{`--host "nosuch" is not a host in the data; known hosts: web1`}, nil},
		{"since after until", []string{"report", "--db", db, "--since", "2024-02-06", "--until", "2024-02-05"}, exitUsage, []string{"--since 2024-02-06T00:00:00Z is not before --until 2024-02-05T00:00:00Z"}, nil},
		{"bad time", []string{"report", "--db", db, "--since", "yesterday"}, exitUsage, []string{`--since: cannot read "yesterday" as a time`}, nil},
		{"no database", []string{"report", "--db", filepath.Join(dir, "none.db")}, exitError, []string{"no database at", "knocks ingest"}, nil},
		{"no database, serve", []string{"serve", "--db", filepath.Join(dir, "none.db")}, exitError, []string{"no database at", "knocks ingest"}, []string{"serving"}},
		{"rollup of a plain list", []string{"blocklist", "--db", db, "--rollup", "3"}, exitUsage, []string{"--rollup lists networks, which --format plain does not take"}, nil},
		{"no database, blocklist", []string{"blocklist", "--db", filepath.Join(dir, "none.db")}, exitError, []string{"no database at", "knocks ingest"}, nil},
		{"nothing readable, one-shot", []string{"report", "--no-geoip", missing}, exitError, []string{"knocks: nothing could be read: " + missing + ": cannot open: no such file or directory", "hint: check the path"}, []string{"No events", "input "}},
		{"nothing readable, ingest", []string{"ingest", "--no-geoip", "--db", db, missing, dir}, exitError, []string{"knocks: cannot read any of the 2 inputs:", missing + ": cannot open", dir + ": ", "hint: check the path"}, []string{"input "}},
		{"nothing readable, parse", []string{"parse", missing}, exitError, []string{"knocks: nothing could be read: " + missing}, nil},
		{"line without a time, one-shot", []string{"report", "--no-geoip", timeless}, exitPartial, []string{timeless + ":", ": no time stamp (for a journal, export it with `journalctl -o json`), skipped", "knocks: some input was skipped"}, []string{"without a time"}},
		{"line without a time, ingest", []string{"ingest", "--no-geoip", "--db", filepath.Join(dir, "timeless.db"), timeless}, exitPartial, []string{": no time stamp"}, []string{"without a time"}},
		{"some readable, one-shot", []string{"report", "--no-geoip", missing, log}, exitPartial, []string{"knocks: not read, left out of the report: " + missing + ": cannot open", "knocks: some input was skipped"}, nil},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			r := runKnocks(t, dir, nil, tc.Args...)
			if r.code != tc.Code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.Code, r.stdout, r.stderr)
			}
			rest := r.stderr
			for _, want := range tc.Stderr {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Errorf("stderr lacks %q (in order):\n%s", want, r.stderr)
					break
				}
				rest = rest[i+len(want):]
			}
			for _, bad := range tc.Absent {
				if strings.Contains(r.stderr, bad) || strings.Contains(r.stdout, bad) {
					t.Errorf("output holds %q:\nstdout:\n%s\nstderr:\n%s", bad, r.stdout, r.stderr)
				}
			}
			if tc.Code == exitUsage && strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
				t.Errorf("a usage error is one line, got:\n%s", r.stderr)
			}
		})
	}
}

// TestPartialReportSaysWhatWasLeftOut checks that a one-shot report of a
// readable and a missing file names the missing one before the report and
// reports the readable one.
func TestPartialReportSaysWhatWasLeftOut(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	writeFile(t, log, connLines("Feb  5 10:00:01", 101, "203.0.113.1", "admin"), time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC))
	r := runKnocks(t, dir, nil, "report", "--format", "json", "--no-geoip", log, filepath.Join(dir, "gone.log"))
	if r.code != exitPartial || !strings.Contains(r.stdout, `"attempts": 1`) {
		t.Fatalf("exit %d, want %d with a report of one attempt\n%s\n%s", r.code, exitPartial, r.stdout, r.stderr)
	}
}

// TestFilterValues checks that a country given by name selects what its
// code selects, and that a host is matched without regard to case.
func TestFilterValues(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	log := filepath.Join(dir, "auth.log")
	// 1.0.1.1 is in China (APNIC), 8.8.8.8 in the US, in the embedded data.
	writeFile(t, log, connLines("Feb  5 10:00:01", 101, "1.0.1.1", "admin")+connLines("Feb  5 10:00:02", 102, "1.0.1.1", "root")+connLines("Feb  5 10:00:03", 103, "8.8.8.8", "oracle"), time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC))
	mustOK(t, dir, nil, "ingest", "--db", db, log)
	for _, tc := range []struct {
		Name string
		Args []string
		Want int64
	}{
		{"code", []string{"--country", "CN"}, 2},
		{"name", []string{"--country", "China"}, 2},
		{"official name", []string{"--country", "people's republic of china"}, 2},
		{"us by name", []string{"--country", "United States"}, 1},
		{"host in another case", []string{"--host", "WEB1"}, 3},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			r := mustOK(t, dir, nil, append([]string{"report", "--format", "json", "--db", db}, tc.Args...)...)
			if want := `"attempts": ` + strconv.FormatInt(tc.Want, 10) + ","; !strings.Contains(r.stdout, want) {
				t.Errorf("%v: want %s in\n%s", tc.Args, want, r.stdout[:min(len(r.stdout), 300)])
			}
		})
	}
}
