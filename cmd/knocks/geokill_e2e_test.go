//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// geoView is the part of a JSON report made of stored locations.
type geoView struct {
	TopCountries json.RawMessage `json:"top_countries"`
	TopASNs      json.RawMessage `json:"top_asns"`
	TopPrefixes  json.RawMessage `json:"top_prefixes"`
	Countries    json.RawMessage `json:"countries"`
	Attempts     int64           `json:"attempts"`
}

func locatedReport(t *testing.T, dir, db string) geoView {
	t.Helper()
	r := mustOK(t, dir, nil, "report", "--format", "json", "--top", "100000", "--db", db)
	var g geoView
	if err := json.Unmarshal([]byte(r.stdout), &g); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	return g
}

func sameGeo(t *testing.T, what string, got, want geoView) {
	t.Helper()
	if got.Attempts != want.Attempts {
		t.Errorf("%s: %d attempts, want %d", what, got.Attempts, want.Attempts)
	}
	for _, f := range []struct {
		name      string
		got, want json.RawMessage
	}{
		{"top_countries", got.TopCountries, want.TopCountries},
		{"top_asns", got.TopASNs, want.TopASNs},
		{"top_prefixes", got.TopPrefixes, want.TopPrefixes},
		{"countries", got.Countries, want.Countries},
	} {
		if !bytes.Equal(f.got, f.want) {
			g, w := string(f.got), string(f.want)
			if len(g) > 300 {
				g = g[:300] + "..."
			}
			if len(w) > 300 {
				w = w[:300] + "..."
			}
			t.Errorf("%s: %s differ from a clean import:\n got %s\nwant %s", what, f.name, g, w)
		}
	}
}

// manyAddresses writes a log of n failed connections from n distinct
// public addresses spread over many networks (so many countries, ASNs and
// prefixes).
func manyAddresses(t *testing.T, path string, n int) {
	t.Helper()
	firsts := []int{1, 5, 8, 14, 23, 27, 31, 36, 37, 41, 42, 43, 45, 46, 49, 58, 59, 60, 61, 77, 78, 79, 80, 81, 82, 83, 85, 87, 88, 89, 91, 93, 94, 95, 101, 103, 106, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 150, 170, 175, 176, 177, 178, 179, 180, 181, 182, 183, 185, 186, 187, 188, 189, 190, 191, 193, 194, 195, 196, 197, 200, 201, 202, 203, 210, 211, 212, 213, 217, 218, 219, 220, 221, 222}
	var b strings.Builder
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		ip := fmt.Sprintf("%d.%d.%d.%d", firsts[i%len(firsts)], (i/len(firsts))%250+1, (i*7)%256, i%250+3)
		ts := start.Add(time.Duration(i) * time.Second).Format(time.RFC3339)
		fmt.Fprintf(&b, "%s web1 sshd[%d]: Failed password for root from %s port %d ssh2\n", ts, 10000+i%50000, ip, 1024+i%60000)
	}
	writeFile(t, path, b.String(), time.Time{})
}

// TestGeoIPAfterAKilledImport kills an import (SIGKILL, SIGTERM) at several
// points, before and during its GeoIP pass, runs it again, and compares
// the countries, ASNs and prefixes with those of a clean import. One case
// is an import whose every event was committed before it died: its second
// run adds nothing, and must still locate them.
func TestGeoIPAfterAKilledImport(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a large log")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	const n = 5000
	manyAddresses(t, log, n)
	cleanDB := filepath.Join(dir, "clean.db")
	began := time.Now()
	mustOK(t, dir, nil, "ingest", "-q", "--db", cleanDB, log)
	took := time.Since(began)
	want := locatedReport(t, dir, cleanDB)
	var countries []json.RawMessage
	json.Unmarshal(want.TopCountries, &countries)
	if want.Attempts != n || len(countries) < 20 || len(want.TopPrefixes) < 1000 {
		t.Fatalf("clean import: %d attempts, %d countries, %d bytes of prefixes: the test needs many", want.Attempts, len(countries), len(want.TopPrefixes))
	}

	// Every event committed, no location: what a kill between the last
	// commit and the GeoIP pass leaves (--no-geoip leaves the same).
	t.Run("run that adds nothing", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "k.db")
		mustOK(t, dir, nil, "ingest", "-q", "--no-geoip", "--db", db, log)
		if g := locatedReport(t, dir, db); string(g.TopCountries) != "[]" && string(g.TopCountries) != "null" {
			t.Fatalf("countries before any GeoIP pass: %s", g.TopCountries)
		}
		mustOK(t, dir, nil, "ingest", "-q", "--db", db, log)
		sameGeo(t, "after a run that added nothing", locatedReport(t, dir, db), want)
	})

	// Kill points spread over the time a clean import took, so that some
	// fall in the import and some in its GeoIP pass (the log says which;
	// on a loaded machine a run may also end before its signal). The run
	// that adds nothing above is the case that does not depend on timing.
	for _, tc := range []struct {
		sig  syscall.Signal
		frac float64
	}{
		{syscall.SIGKILL, 0.15},
		{syscall.SIGKILL, 0.4},
		{syscall.SIGKILL, 0.7},
		{syscall.SIGTERM, 0.5},
	} {
		tc := tc
		delay := time.Duration(float64(took) * tc.frac)
		t.Run(fmt.Sprintf("%s at %.0f%%", tc.sig, tc.frac*100), func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "k.db")
			cmd := exec.Command(knocksBin, "ingest", "-q", "--db", db, log)
			cmd.Env = append(os.Environ(), "TZ=UTC", "XDG_STATE_HOME="+filepath.Join(dir, "state"), "XDG_CACHE_HOME="+filepath.Join(dir, "cache"), "KNOCKS_DB=")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(delay)
			cmd.Process.Signal(tc.sig)
			err := cmd.Wait()
			if _, serr := os.Stat(db); serr != nil {
				// Killed before it made the database (a fast import
				// makes the kill points early): the second run is a
				// first import.
				t.Logf("first run (%s after %s): %v; no database yet", tc.sig, delay.Round(time.Millisecond), err)
			} else {
				killed := locatedReport(t, dir, db)
				t.Logf("first run (%s after %s): %v %s; %d of %d attempts stored, %d bytes of countries",
					tc.sig, delay.Round(time.Millisecond), err, strings.TrimSpace(stderr.String()), killed.Attempts, n, len(killed.TopCountries))
			}
			mustOK(t, dir, nil, "ingest", "-q", "--db", db, log)
			sameGeo(t, "after a kill and a second run", locatedReport(t, dir, db), want)
		})
	}
}
