//go:build !(386 || arm || mips || mipsle)

// mmdbwriter, which builds this test's database, does not compile for
// 32-bit platforms.

package main

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// writeCityDB writes a small DB-IP-style (flat layout) city database.
func writeCityDB(t *testing.T, path string, nets map[string]mmdbtype.Map) {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "DBIP-City-Lite", IPVersion: 6, RecordSize: 24, BuildEpoch: 1763337600})
	if err != nil {
		t.Fatal(err)
	}
	for cidr, rec := range nets {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		if err := tree.Insert(n, rec); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatal(err)
	}
}

func TestCityDatabaseGivesCitiesAndUSMap(t *testing.T) {
	dir := t.TempDir()
	city := filepath.Join(dir, "dbip-city-lite.mmdb")
	log := filepath.Join(dir, "auth.log")
	writeFile(t, log, connLines("Feb  5 10:00:01", 101, "8.8.8.8", "admin")+
		connLines("Feb  5 10:00:02", 102, "8.8.8.9", "admin")+
		connLines("Feb  5 10:00:03", 103, "9.9.9.9", "root"), time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC))
	writeCityDB(t, city, map[string]mmdbtype.Map{
		"8.8.8.0/24": {"city": mmdbtype.String("Mountain View"), "country_code": mmdbtype.String("US"), "state1": mmdbtype.String("California"),
			"latitude": mmdbtype.Float64(37.386), "longitude": mmdbtype.Float64(-122.0838)},
		"9.9.9.0/24": {"city": mmdbtype.String("Zurich"), "country_code": mmdbtype.String("CH"), "state1": mmdbtype.String("Zurich"),
			"latitude": mmdbtype.Float64(47.3769), "longitude": mmdbtype.Float64(8.5417)},
	})
	r := mustOK(t, dir, nil, "report", "--format", "json", "--geoip", city, log)
	var s struct {
		TopCities []struct {
			City     string  `json:"city"`
			Country  string  `json:"country"`
			Lat      float64 `json:"lat"`
			Attempts int64   `json:"attempts"`
		} `json:"top_cities"`
		TopIPs []struct {
			IP      string `json:"ip"`
			Country string `json:"country"`
			ASN     uint32 `json:"asn"`
		} `json:"top_ips"`
		Sources []string `json:"geoip_sources"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, c := range s.TopCities {
		got[c.City+"/"+c.Country] = c.Attempts
	}
	if got["Mountain View/US"] != 2 || got["Zurich/CH"] != 1 {
		t.Errorf("top cities: %+v", s.TopCities)
	}
	for _, ip := range s.TopIPs {
		if ip.IP == "9.9.9.9" && (ip.Country != "CH" || ip.ASN != 19281) {
			t.Errorf("9.9.9.9: the city database's country and the embedded ASN: %+v", ip)
		}
	}
	if !strings.Contains(strings.Join(s.Sources, " "), "DBIP-City-Lite") {
		t.Errorf("sources: %v", s.Sources)
	}
	// The pictures gain the city map and the US map.
	out := filepath.Join(dir, "charts")
	r = mustOK(t, dir, nil, "plot", "--out", out, "--geoip", city, log)
	for _, name := range []string{"cities.png", "us.png"} {
		if !strings.Contains(r.stdout, name) {
			t.Errorf("plot did not write %s:\n%s", name, r.stdout)
		}
	}
}
