package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"knocks/gen"
	"knocks/internal/pgtest"
)

// genHostsLog writes a generated log of the given hosts to path.
func genHostsLog(t *testing.T, path string, lines int, seed int64, hosts ...string) {
	t.Helper()
	var b bytes.Buffer
	o := gen.Options{Lines: lines, Seed: seed, Hosts: hosts, Location: time.UTC, Start: time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)}
	if _, err := gen.Write(&b, o); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, b.String(), time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC))
}

// pgReport returns the JSON report of a database, for sameReport.
func pgReport(t *testing.T, dir, db string, args ...string) string {
	t.Helper()
	return mustOK(t, dir, nil, append([]string{"report", "--no-geoip", "--format", "json", "--top", "50", "--db", db}, args...)...).stdout
}

// TestPostgresLikeSQLite imports the same logs into PostgreSQL and into
// SQLite with the built binary: the reports are the same, with every
// filter of the command line; an import run again stores nothing; the
// dashboard's summary and the blocklist agree too.
func TestPostgresLikeSQLite(t *testing.T) {
	pg := pgtest.DB(t)
	dir := t.TempDir()
	sq := filepath.Join(dir, "knocks.db")
	log := filepath.Join(dir, "auth.log")
	data, err := os.ReadFile("../../testdata/sample/auth.log")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, log, string(data), time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC))
	gl := filepath.Join(dir, "gen.log")
	genHostsLog(t, gl, 20000, 7, "srv1", "srv2")
	for _, db := range []string{sq, pg} {
		mustOK(t, dir, nil, "ingest", "-q", "--no-geoip", "--year", "2024", "--db", db, log, gl)
	}
	want := pgReport(t, dir, sq)
	sameReport(t, pgReport(t, dir, pg), want)
	for _, args := range [][]string{
		{"--host", "srv2"},
		{"--since", "2025-01-06T03:00:00Z", "--until", "2025-01-06T09:30:00Z"},
		{"--top", "3"},
	} {
		sameReport(t, pgReport(t, dir, pg, args...), pgReport(t, dir, sq, args...))
	}
	// Run again: nothing new is stored, no line is read again (the
	// per-input summary goes to stderr).
	r := mustOK(t, dir, nil, "ingest", "--no-geoip", "--year", "2024", "--db", pg, log, gl)
	rows := regexp.MustCompile(`(?m)^\S+\s+(\d+)\s`).FindAllStringSubmatch(r.stderr, -1)
	if len(rows) < 2 {
		t.Errorf("no per-input summary:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	for _, row := range rows {
		if row[1] != "0" {
			t.Errorf("the second import read lines again:\n%s", r.stderr)
		}
	}
	sameReport(t, pgReport(t, dir, pg), want)
	// The text report, $KNOCKS_DB and the blocklist read it too.
	env := []string{"KNOCKS_DB=" + pg}
	text := mustOKEnv(t, dir, env, "report", "--no-geoip", "--color", "never").stdout
	if text != mustOK(t, dir, nil, "report", "--no-geoip", "--color", "never", "--db", sq).stdout {
		t.Errorf("text reports differ:\n%s", text)
	}
	if got, want := mustOK(t, dir, nil, "blocklist", "--db", pg, "--min-attempts", "3").stdout,
		mustOK(t, dir, nil, "blocklist", "--db", sq, "--min-attempts", "3").stdout; got != want || want == "" {
		t.Errorf("blocklists differ or are empty:\n%s\nwant\n%s", got, want)
	}
	if got, want := runKnocks(t, dir, nil, "alerts", "--all", "--db", pg), runKnocks(t, dir, nil, "alerts", "--all", "--db", sq); got.stdout != want.stdout || got.code != want.code {
		t.Errorf("alerts differ: exit %d\n%s\nwant exit %d\n%s", got.code, got.stdout, want.code, want.stdout)
	}
}

// TestPostgresHosts has two hosts import their own logs at once into one
// PostgreSQL database, each under its --host-id, twice: the report is
// that of both logs imported into one SQLite database, each line once;
// and the two hosts' imports of the same file are two inputs.
func TestPostgresHosts(t *testing.T) {
	pg := pgtest.DB(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.log"), filepath.Join(dir, "b.log")
	genHostsLog(t, a, 30000, 11, "alpha")
	genHostsLog(t, b, 30000, 12, "beta")
	for round := 0; round < 2; round++ {
		var wg sync.WaitGroup
		for _, in := range []struct{ id, log string }{{"alpha", a}, {"beta", b}, {"alpha", a}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// A second importer of alpha waits for the first (--wait);
				// it then finds everything stored.
				r := runKnocks(t, dir, nil, "ingest", "-q", "--wait", "--no-geoip", "--db", pg, "--host-id", in.id, in.log)
				if r.code != 0 {
					t.Errorf("ingest --host-id %s: exit %d\n%s", in.id, r.code, r.stderr)
				}
			}()
		}
		wg.Wait()
	}
	sq := filepath.Join(dir, "knocks.db")
	mustOK(t, dir, nil, "ingest", "-q", "--no-geoip", "--db", sq, a, b)
	sameReport(t, pgReport(t, dir, pg), pgReport(t, dir, sq))
	var got struct {
		LinesRead int64 `json:"lines_read"`
		TopHosts  []struct {
			Key string `json:"key"`
		} `json:"top_hosts"`
	}
	if err := json.Unmarshal([]byte(pgReport(t, dir, pg)), &got); err != nil {
		t.Fatal(err)
	}
	if got.LinesRead != 60000 || len(got.TopHosts) != 2 {
		t.Errorf("lines read %d, hosts %+v; want 60000 and alpha and beta", got.LinesRead, got.TopHosts)
	}
	// The same file imported by another host id is that host's input.
	mustOK(t, dir, nil, "ingest", "-q", "--no-geoip", "--db", pg, "--host-id", "gamma", a)
	if err := json.Unmarshal([]byte(pgReport(t, dir, pg)), &got); err != nil {
		t.Fatal(err)
	}
	if got.LinesRead != 90000 {
		t.Errorf("lines read %d after a third host imported a's file, want 90000", got.LinesRead)
	}
}

// TestPostgresGeoIPLikeSQLite imports the same log into PostgreSQL and
// into SQLite with the embedded GeoIP data, as a user does without
// --no-geoip: the import locates the addresses in both stores without an
// error, and the reports, with their countries, ASNs and prefixes, are
// the same; `knocks geoip refresh` keeps them so.
func TestPostgresGeoIPLikeSQLite(t *testing.T) {
	pg := pgtest.DB(t)
	dir := t.TempDir()
	sq := filepath.Join(dir, "knocks.db")
	gl := filepath.Join(dir, "gen.log")
	genHostsLog(t, gl, 20000, 5, "srv1", "srv2")
	for _, db := range []string{sq, pg} {
		r := runKnocks(t, dir, nil, "ingest", "-q", "--db", db, gl)
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("ingest --db %s: exit %d\n%s", db, r.code, r.stderr)
		}
	}
	report := func(db string) string {
		t.Helper()
		return mustOK(t, dir, nil, "report", "--format", "json", "--top", "20", "--db", db).stdout
	}
	want := report(sq)
	var sum struct {
		Countries []struct {
			Country string `json:"country"`
		} `json:"countries"`
		TopASNs []struct {
			ASN int64 `json:"asn"`
		} `json:"top_asns"`
	}
	if err := json.Unmarshal([]byte(want), &sum); err != nil {
		t.Fatal(err)
	}
	if len(sum.Countries) < 5 || len(sum.TopASNs) < 5 {
		t.Fatalf("the SQLite report locates too little to compare: %d countries, %d ASNs", len(sum.Countries), len(sum.TopASNs))
	}
	sameReport(t, report(pg), want)
	mustOK(t, dir, nil, "geoip", "refresh", "--db", pg)
	sameReport(t, report(pg), want)
}

// TestPostgresHostsGeoIPAtOnce has four hosts, whose attackers are much
// the same addresses, import their logs at once into one PostgreSQL
// database with GeoIP lookups on: every import succeeds (their lookups of
// the same addresses never end in a deadlock), and the report, with its
// countries and ASNs, is that of the four logs imported into SQLite.
func TestPostgresHostsGeoIPAtOnce(t *testing.T) {
	pg := pgtest.DB(t)
	dir := t.TempDir()
	var logs []string
	for i, h := range []string{"a", "b", "c", "d"} {
		l := filepath.Join(dir, h+".log")
		genHostsLog(t, l, 20000, int64(20+i), h)
		logs = append(logs, l)
	}
	var wg sync.WaitGroup
	for i, l := range logs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := runKnocks(t, dir, nil, "ingest", "-q", "--db", pg, "--host-id", string(rune('a'+i)), l)
			if r.code != 0 || r.stderr != "" {
				t.Errorf("ingest of host %c: exit %d\n%s", 'a'+i, r.code, r.stderr)
			}
		}()
	}
	wg.Wait()
	sq := filepath.Join(dir, "knocks.db")
	mustOK(t, dir, nil, append([]string{"ingest", "-q", "--db", sq}, logs...)...)
	report := func(db string) string {
		t.Helper()
		return mustOK(t, dir, nil, "report", "--format", "json", "--top", "20", "--db", db).stdout
	}
	sameReport(t, report(pg), report(sq))
}

// pgKept returns how many results are kept in the PostgreSQL database at
// url and are still those of what it stores.
func pgKept(t *testing.T, url string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM kept_results WHERE mark = (SELECT SUM(kept) FROM generations)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPostgresKeptReports imports logs into PostgreSQL and SQLite: the
// import keeps the results of a report without filters, and the text,
// JSON and HTML reports read from them are SQLite's. After an import with
// --no-keep, the first report finds the results and keeps them for the
// next; a change by hand shows in the next report.
func TestPostgresKeptReports(t *testing.T) {
	pg := pgtest.DB(t)
	dir := t.TempDir()
	sq := filepath.Join(dir, "knocks.db")
	start := time.Now().UTC().AddDate(0, 0, -60).Truncate(time.Hour)
	first, second := filepath.Join(dir, "auth.log.1"), filepath.Join(dir, "auth.log")
	writeFile(t, first, string(genLog(t, start, 20*24*time.Hour, 12000, 41)), time.Time{})
	writeFile(t, second, string(genLog(t, start.Add(21*24*time.Hour), 10*24*time.Hour, 5000, 42)), time.Time{})
	for _, db := range []string{sq, pg} {
		mustOK(t, dir, nil, "ingest", "-q", "--db", db, first)
	}
	if n := pgKept(t, pg); n != 3 {
		t.Fatalf("after the import, %d results kept; want 3 (summary, alerts, campaigns)", n)
	}
	same := func(when string) {
		t.Helper()
		got, want := reports(t, dir, pg), reports(t, dir, sq)
		for i, name := range []string{"text", "JSON", "HTML"} {
			if got[i] != want[i] {
				t.Errorf("%s: the %s report of PostgreSQL is not SQLite's:\n%s\nwant\n%s", when, name, got[i], want[i])
			}
		}
	}
	same("kept by the import")

	for _, db := range []string{sq, pg} {
		mustOK(t, dir, nil, "ingest", "-q", "--no-keep", "--db", db, second)
	}
	if n := pgKept(t, pg); n != 0 {
		t.Fatalf("after an import with --no-keep, %d results are still read as kept", n)
	}
	mustOK(t, dir, nil, "report", "--db", pg)
	if n := pgKept(t, pg); n != 3 {
		t.Fatalf("after a report, %d results kept; want 3", n)
	}
	same("kept by a report")

	// A change by hand: every user name of the top list becomes one.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `UPDATE connections SET username = 'edited-by-hand' WHERE username IS NOT NULL AND attempts > 0`); err != nil {
		t.Fatal(err)
	}
	if n := pgKept(t, pg); n != 0 {
		t.Fatalf("after a change by hand, %d results are still read as kept", n)
	}
	if out := mustOK(t, dir, nil, "report", "--db", pg, "--format", "json").stdout; !strings.Contains(out, `"edited-by-hand"`) {
		t.Errorf("the change by hand does not show in the report:\n%s", out)
	}
}
