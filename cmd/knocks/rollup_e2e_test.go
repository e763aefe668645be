package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
)

// TestReportRollupsMatchScan imports a generated log of three hosts in two
// parts (the connections cut by the boundary are extended by the second
// import), and checks that the JSON report of the whole database, whose
// summary comes from the rollup tables, equals the report narrowed to a
// time before every connection, which reads every connection: with and
// without --host, and again after a prune (which makes the rollups again).
func TestReportRollupsMatchScan(t *testing.T) {
	bin := knocksGen(t)
	dir := t.TempDir()
	log := filepath.Join(dir, "gen.log")
	args := []string{"-lines", "30000", "-seed", "11", "-hosts", "web1,web2,db", "-style", "rfc3339",
		"-start", "now-960h", "-span", "960h", "-q", "-o", log}
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("knocks-gen %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	half := strings.IndexByte(string(b[len(b)/2:]), '\n') + len(b)/2 + 1
	first, second := filepath.Join(dir, "auth.log.1"), filepath.Join(dir, "auth.log")
	if err := os.WriteFile(first, b[:half], 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(second, b[half:], 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "knocks.db")
	mustOK(t, dir, nil, "ingest", "-q", "--db", db, first)
	mustOK(t, dir, nil, "ingest", "-q", "--db", db, second)

	report := func(args ...string) map[string]any {
		t.Helper()
		r := mustOK(t, dir, nil, append([]string{"report", "--db", db, "--format", "json", "--top", "20"}, args...)...)
		var m map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
			t.Fatalf("report is not JSON: %v", err)
		}
		delete(m, "generated")
		return m
	}
	compare := func(when string, skip ...string) {
		t.Helper()
		for _, host := range []string{"", "web2"} {
			var args []string
			if host != "" {
				args = []string{"--host", host}
			}
			got := report(args...)
			want := report(append(args, "--since", "2000-01-01")...)
			if n, _ := want["attempts"].(float64); n == 0 {
				t.Fatalf("%s, host %q: no attempts: the test compares nothing", when, host)
			}
			if c, _ := want["countries"].([]any); len(c) == 0 {
				t.Fatalf("%s, host %q: no countries: the test compares no located address", when, host)
			}
			var diff []string
			for k := range want {
				if !reflect.DeepEqual(got[k], want[k]) && !slices.Contains(skip, k) {
					diff = append(diff, k)
				}
			}
			sort.Strings(diff)
			if len(diff) > 0 || len(got) != len(want) {
				t.Errorf("%s, host %q: the report of the whole database differs from the one that reads every connection in %v", when, host, diff)
			}
		}
	}
	compare("after two imports")
	mustOK(t, dir, nil, "prune", "--db", db, "--older-than", "20d")
	// After a prune, a report of the whole database divides by every line
	// ever read, one narrowed by time by the lines of the hours kept
	// (README, Retention): those two keys differ by design.
	compare("after a prune", "lines_selected", "hostile_share")
}
