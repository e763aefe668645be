package main

import (
	"encoding/csv"
	"encoding/json"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestAnnouncedPrefixesAndIPv6Subnets48 runs ingest and report against the
// embedded GeoIP data: Google's public resolver 8.8.8.8 (two connections)
// gets the prefix that the ASN data says is announced for it, and its IPv6
// addresses group under their /48.
func TestAnnouncedPrefixesAndIPv6Subnets48(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	log := filepath.Join(dir, "auth.log")
	writeFile(t, log, connLines("Feb  5 10:00:01", 101, "8.8.8.8", "admin")+
		connLines("Feb  5 10:00:02", 102, "8.8.8.8", "root")+
		connLines("Feb  5 10:00:03", 103, "10.0.0.8", "root")+
		connLines("Feb  5 10:00:04", 104, "2001:4860:4860::8888", "test")+
		connLines("Feb  5 10:00:05", 105, "2001:4860:4860::8844", "test"), time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC))
	mustOK(t, dir, nil, "ingest", "--db", db, log)
	r := mustOK(t, dir, nil, "report", "--db", db, "--format", "json")
	var rep struct {
		Attempts    int64 `json:"attempts"`
		TopPrefixes []struct {
			Key      string  `json:"key"`
			Attempts int64   `json:"attempts"`
			Share    float64 `json:"share"`
		} `json:"top_prefixes"`
		TopSubnets48 []struct {
			Key      string `json:"key"`
			Attempts int64  `json:"attempts"`
		} `json:"top_subnets48"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, r.stdout)
	}
	google, private := netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("10.0.0.8")
	var prefix string
	for _, p := range rep.TopPrefixes {
		pfx, err := netip.ParsePrefix(p.Key)
		if err != nil {
			t.Errorf("top_prefixes key %q is not a prefix: %v", p.Key, err)
			continue
		}
		if pfx.Contains(private) {
			t.Errorf("a private address counts under the announced prefix %s", p.Key)
		}
		if pfx.Contains(google) {
			prefix = p.Key
			// An announced IPv4 prefix is at most a /24; the /32 of the
			// address would mean the data gave no prefix at all.
			if pfx.Bits() < 8 || pfx.Bits() > 24 || pfx.Masked() != pfx || p.Attempts < 2 || p.Share <= 0 {
				t.Errorf("announced prefix of 8.8.8.8: %+v", p)
			}
		}
	}
	if prefix == "" {
		t.Fatalf("no announced prefix holds 8.8.8.8: top_prefixes %+v", rep.TopPrefixes)
	}
	if len(rep.TopSubnets48) != 1 || rep.TopSubnets48[0].Key != "2001:4860:4860::/48" || rep.TopSubnets48[0].Attempts != 2 {
		t.Errorf("top_subnets48 = %+v, want 2001:4860:4860::/48 with 2 attempts", rep.TopSubnets48)
	}

	// The text and CSV reports show them too.
	r = mustOK(t, dir, nil, "report", "--db", db)
	if !strings.Contains(r.stdout, "Top announced prefixes (ASN data)") || !strings.Contains(r.stdout, prefix) ||
		!strings.Contains(r.stdout, "Top IPv6 /48 subnets") || !strings.Contains(r.stdout, "2001:4860:4860::/48") {
		t.Errorf("text report:\n%s", r.stdout)
	}
	r = mustOK(t, dir, nil, "report", "--db", db, "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var inCSV, v6InCSV bool
	for _, rec := range recs {
		inCSV = inCSV || rec[0] == "prefix" && rec[2] == prefix
		v6InCSV = v6InCSV || rec[0] == "subnet48" && rec[2] == "2001:4860:4860::/48"
	}
	if !inCSV || !v6InCSV {
		t.Errorf("csv report lacks the prefix (%v) or the /48 (%v):\n%s", inCSV, v6InCSV, r.stdout)
	}
}
