package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// TestGeoIPUpdateOffline checks that a failed download says what to do
// instead, naming the state directory.
func TestGeoIPUpdateOffline(t *testing.T) {
	dir := t.TempDir()
	// Nothing listens on port 1 of the loopback address: the connection is refused at once.
	r := runKnocks(t, dir, nil, "geoip", "update", "--url", "http://127.0.0.1:1")
	state := filepath.Join(dir, "state", "knocks")
	if r.code != exitError {
		t.Errorf("exit %d, want %d", r.code, exitError)
	}
	for _, want := range []string{
		"knocks: geoip update failed: cannot download http://127.0.0.1:1/dbip-city-lite-",
		"connection refused\n",
		"download http://127.0.0.1:1/dbip-city-lite-",
		"--geoip PATH (or set KNOCKS_GEOIP=PATH)",
		"put it into the state directory, where knocks finds it by itself: " + state + "\n",
		"knocks geoip refresh",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if strings.Contains(r.stderr, `Get "`) {
		t.Errorf("raw Go error:\n%s", r.stderr)
	}
}

// TestGeoIPStatusListsStoredSources checks that status names the city
// database behind the stored results, and says when the data in use is
// other than that.
func TestGeoIPStatusListsStoredSources(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	city := filepath.Join(dir, "city.mmdb")
	writeCityDB(t, city, map[string]mmdbtype.Map{
		"8.8.8.0/24": {"city": mmdbtype.String("Mountain View"), "country_code": mmdbtype.String("US"), "latitude": mmdbtype.Float64(37.386), "longitude": mmdbtype.Float64(-122.0838)},
	})
	log := filepath.Join(dir, "auth.log")
	writeFile(t, log, connLines("Feb  5 10:00:01", 101, "8.8.8.8", "admin")+connLines("Feb  5 10:00:02", 102, "9.9.9.9", "root"), time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC))

	mustOK(t, dir, nil, "ingest", "--db", db, "--no-geoip", log)
	if r := mustOK(t, dir, nil, "geoip", "status", "--db", db); !strings.Contains(r.stdout, "none yet") {
		t.Errorf("status before any lookup:\n%s", r.stdout)
	}
	mustOK(t, dir, nil, "geoip", "refresh", "--db", db, "--geoip", city)
	r := mustOK(t, dir, nil, "geoip", "status", "--db", db, "--geoip", city)
	if !strings.Contains(r.stdout, "2 addresses, looked up ") || !strings.Contains(r.stdout, "city database DBIP-City-Lite ("+city+"), built 2025-11-17") {
		t.Errorf("status lacks the city database behind the results:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout, "other data than is in use") {
		t.Errorf("results are of the data in use:\n%s", r.stdout)
	}
	r = mustOK(t, dir, nil, "geoip", "status", "--db", db)
	if !strings.Contains(r.stdout, "2 stored addresses were looked up in other data than is in use now: run `knocks geoip refresh`") {
		t.Errorf("status without the city database:\n%s", r.stdout)
	}
}
