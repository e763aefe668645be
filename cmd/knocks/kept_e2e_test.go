package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"knocks/sqlite"
)

// keptState returns the count of kept_changes and how many results are
// kept in the database at path and still those of what it stores.
func keptState(t *testing.T, path string) (changes int64, keys int) {
	t.Helper()
	s, err := sqlite.OpenReadOnly(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.DB().QueryRow(`SELECT (SELECT n FROM kept_changes), (SELECT COUNT(*) FROM kept_results
		WHERE change = (SELECT n FROM kept_changes) AND max_id = (SELECT COALESCE(MAX(id), 0) FROM connections))`).Scan(&changes, &keys); err != nil {
		t.Fatal(err)
	}
	return changes, keys
}

// dropKept deletes the kept results of the database at path.
func dropKept(t *testing.T, path string) {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.DB().Exec("DELETE FROM kept_results; DELETE FROM kept_alerts"); err != nil {
		t.Fatal(err)
	}
}

// generated matches the time a report was made, which differs from run
// to run.
var generated = regexp.MustCompile(`(?m)^.*[Gg]enerated.*$`)

// reports returns the text, JSON and HTML reports of the database at path.
func reports(t *testing.T, dir, path string) []string {
	t.Helper()
	html := filepath.Join(dir, "report.html")
	out := []string{
		mustOK(t, dir, nil, "report", "--db", path).stdout,
		mustOK(t, dir, nil, "report", "--db", path, "--format", "json").stdout,
	}
	mustOK(t, dir, nil, "report", "--db", path, "--html", html)
	b, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, string(b))
	for i := range out {
		out[i] = generated.ReplaceAllString(out[i], "")
	}
	return out
}

// TestKeptReports imports logs and checks that the reports without
// filters, read from the results that the import kept, are those that the
// same reports find from the connections; that importing the same files
// again keeps them as they are; and that an import of new lines keeps
// new ones.
func TestKeptReports(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "knocks.db")
	start := time.Now().UTC().AddDate(0, 0, -60).Truncate(time.Hour)
	first, second := filepath.Join(dir, "auth.log.1"), filepath.Join(dir, "auth.log")
	writeFile(t, first, string(genLog(t, start, 20*24*time.Hour, 20000, 31)), time.Time{})
	writeFile(t, second, string(genLog(t, start.Add(21*24*time.Hour), 10*24*time.Hour, 8000, 32)), time.Time{})
	bans := filepath.Join(dir, "fail2ban.log")
	writeFile(t, bans, f2bLog(start.Add(24*time.Hour), "203.0.113.1", "192.0.2.4"), time.Time{})

	check := func(when string) {
		t.Helper()
		if _, keys := keptState(t, db); keys != 3 {
			t.Fatalf("%s: %d results kept, want 3", when, keys)
		}
		kept := reports(t, dir, db)
		if nothing := regexp.MustCompile(`"(alerts|campaigns)_found": 0\b`).FindString(kept[1]); nothing != "" {
			t.Fatalf("%s: %s: the test checks no alert or no campaign", when, nothing)
		}
		dropKept(t, db)
		found := reports(t, dir, db)
		for i, name := range []string{"text", "JSON", "HTML"} {
			if kept[i] != found[i] {
				t.Errorf("%s: the %s report from the kept results differs from the one found from the connections", when, name)
			}
		}
	}
	mustOK(t, dir, nil, "ingest", "-q", "--db", db, first, bans)
	check("after the first import")

	// The same files again: nothing is found again.
	mustOK(t, dir, nil, "ingest", "-q", "--db", db, first, bans)
	changes, _ := keptState(t, db)
	mustOK(t, dir, nil, "ingest", "-q", "--db", db, first, bans)
	if again, keys := keptState(t, db); again != changes || keys != 3 {
		t.Errorf("an import of the same files moved kept_changes from %d to %d, or left %d results kept", changes, again, keys)
	}

	mustOK(t, dir, nil, "ingest", "-q", "--db", db, first, second, bans)
	if again, _ := keptState(t, db); again == changes {
		t.Error("an import of new lines left kept_changes as it was")
	}
	check("after an import of new lines")

	mustOK(t, dir, nil, "prune", "-q", "--db", db, "--older-than", "50d")
	check("after a prune")

	// --no-keep: the results kept before are stale, reports find theirs.
	third := filepath.Join(dir, "auth.log.new")
	writeFile(t, third, string(genLog(t, start.Add(32*24*time.Hour), 5*24*time.Hour, 3000, 33)), time.Time{})
	mustOK(t, dir, nil, "ingest", "-q", "--no-keep", "--db", db, third)
	if _, keys := keptState(t, db); keys != 0 {
		t.Errorf("after an import with --no-keep: %d results still read as kept", keys)
	}
	// The same file again, without --no-keep: nothing new is stored, but
	// the results are kept.
	mustOK(t, dir, nil, "ingest", "-q", "--db", db, third)
	check("after an import with --no-keep, then one without")
}
