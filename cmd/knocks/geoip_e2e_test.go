package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// geoReport is the GeoIP part of the JSON report.
type geoReport struct {
	Attempts     int64 `json:"attempts"`
	TopCountries []struct {
		Country  string `json:"country"`
		Attempts int64  `json:"attempts"`
		IPs      int64  `json:"ips"`
	} `json:"top_countries"`
	TopASNs []struct {
		ASN      uint32 `json:"asn"`
		Org      string `json:"org"`
		Attempts int64  `json:"attempts"`
	} `json:"top_asns"`
	TopIPs []struct {
		IP      string `json:"ip"`
		Country string `json:"country"`
		ASN     uint32 `json:"asn"`
	} `json:"top_ips"`
	Sources     []string `json:"geoip_sources"`
	Attribution []string `json:"geoip_attribution"`
}

func TestGeoIPWithEmbeddedData(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	log := filepath.Join(dir, "auth.log")
	// Google's and Quad9's resolvers stand in for attackers: their country
	// and AS are stable public facts. 10.0.0.8 is private.
	writeFile(t, log, connLines("Feb  5 10:00:01", 101, "8.8.8.8", "admin")+
		connLines("Feb  5 10:00:02", 102, "8.8.4.4", "admin")+
		connLines("Feb  5 10:00:03", 103, "9.9.9.9", "root")+
		connLines("Feb  5 10:00:04", 104, "10.0.0.8", "root")+
		connLines("Feb  5 10:00:05", 105, "2001:4860:4860::8888", "test"), time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC))
	mustOK(t, dir, nil, "ingest", "--db", db, log)
	r := mustOK(t, dir, nil, "report", "--db", db, "--format", "json")
	var g geoReport
	if err := json.Unmarshal([]byte(r.stdout), &g); err != nil {
		t.Fatal(err)
	}
	byIP := map[string]struct {
		country string
		asn     uint32
	}{}
	for _, ip := range g.TopIPs {
		byIP[ip.IP] = struct {
			country string
			asn     uint32
		}{ip.Country, ip.ASN}
	}
	if v := byIP["8.8.8.8"]; v.country != "US" || v.asn != 15169 {
		t.Errorf("8.8.8.8: %+v", v)
	}
	if v := byIP["2001:4860:4860::8888"]; v.asn != 15169 {
		t.Errorf("2001:4860:4860::8888: %+v", v)
	}
	if v := byIP["9.9.9.9"]; v.asn != 19281 {
		t.Errorf("9.9.9.9: %+v", v)
	}
	if v := byIP["10.0.0.8"]; v.country != "" && v.country != "private" || v.asn != 0 {
		t.Errorf("a private address got a location: %+v", v)
	}
	var us int64
	for _, c := range g.TopCountries {
		if c.Country == "US" {
			us = c.IPs
		}
		if len(c.Country) == 2 && c.Country != strings.ToUpper(c.Country) {
			t.Errorf("country code %q", c.Country)
		}
	}
	if us < 2 {
		t.Errorf("top countries: %+v", g.TopCountries)
	}
	if len(g.Sources) == 0 || len(g.Attribution) == 0 || !strings.Contains(strings.Join(g.Attribution, " "), "nominal") {
		t.Errorf("sources %v, attribution %v", g.Sources, g.Attribution)
	}

	// Filters by country and AS.
	r = mustOK(t, dir, nil, "report", "--db", db, "--format", "json", "--asn", "AS15169")
	var only geoReport
	json.Unmarshal([]byte(r.stdout), &only)
	if only.Attempts != 3 {
		t.Errorf("--asn AS15169: attempts %d, want 3 (8.8.8.8, 8.8.4.4, 2001:4860:4860::8888)", only.Attempts)
	}
	r = mustOK(t, dir, nil, "report", "--db", db, "--format", "json", "--country", "us")
	json.Unmarshal([]byte(r.stdout), &only)
	if only.Attempts < 3 || only.Attempts > 4 {
		t.Errorf("--country us: attempts %d", only.Attempts)
	}

	// The text report names the data and its caveat; geoip status counts.
	r = mustOK(t, dir, nil, "report", "--db", db)
	if !strings.Contains(r.stdout, "Top countries") || !strings.Contains(r.stdout, "AS15169") || !strings.Contains(r.stdout, "GeoIP data") {
		t.Errorf("text report:\n%s", r.stdout)
	}
	r = mustOK(t, dir, nil, "geoip", "status", "--db", db)
	if !strings.Contains(r.stdout, "embedded") || !strings.Contains(r.stdout, "of 5 stored addresses") {
		t.Errorf("geoip status:\n%s", r.stdout)
	}
	// A refresh skips the addresses already looked up with the same data
	// since the second it began (times are whole seconds): past the
	// import's second, it looks every address up again.
	time.Sleep(1100 * time.Millisecond)
	r = mustOK(t, dir, nil, "geoip", "refresh", "--db", db)
	if !strings.Contains(r.stdout, "looked up 5 addresses") {
		t.Errorf("geoip refresh:\n%s", r.stdout)
	}
}
