package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"knocks"
)

// getBody fetches url and returns its status and body.
func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestServeBansAndFilters runs `knocks serve` on a database of the bans
// fixture (testdata/bans/README.md): the drill-down of an address carries
// its bans with the known answers, filters take what the flags of report
// take (country names, reserved ranges, hosts in any case), and a filter
// that can select nothing is refused with a message instead of zeros.
func TestServeBansAndFilters(t *testing.T) {
	fx := banFixture(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	mustOK(t, dir, nil, "ingest", "--year", "2024", "--host", "gw", "--db", db,
		filepath.Join(fx, "auth.log"), filepath.Join(fx, "fail2ban.log"))
	addr := freePort(t)
	w := startKnocks(t, dir, nil, "serve", "--db", db, "--listen", addr)
	base := "http://" + addr
	waitHTTP(t, base+"/api/summary", w)

	// 203.0.113.10: 5 attempts before its ban at 10:02:05 (125 s after the
	// first), 2 while banned, back after the unban.
	attempts, b := drillDown(t, base, "203.0.113.10")
	got := [...]float64{float64(attempts), float64(b.Bans), float64(b.Unbans), b.MedianTimeToBan, float64(b.AttemptsBeforeBan), float64(b.AttemptsWhileBanned), float64(b.ReturnedAfterUnban)}
	if want := [...]float64{8, 1, 1, 125, 5, 2, 1}; got != want {
		t.Errorf("drill-down attempts, bans, unbans, time to ban, before, while, returned = %v, want %v", got, want)
	}
	code, body := getBody(t, base+"/api/ip/192.0.2.30")
	if code != 200 || !strings.Contains(body, `"bans":{"bans":0,`) {
		t.Errorf("drill-down of a never banned address: %d %s", code, body)
	}

	for _, tc := range []struct {
		Name, Input string
		Want        int64
		Err         string
	}{
		{"reserved range by its label", "country=Documentation", 31, ""},
		{"host in another case", "host=GW", 31, ""},
		{"country by name", "country=China", 0, ""},
		{"unknown country", "country=Narnia", 0, `country: "Narnia" is not a country`},
		{"unknown host", "host=nosuch", 0, `host: "nosuch" is not a host in the data; known hosts: gw`},
		{"since after until", "since=2024-03-11&until=2024-03-10", 0, "is not before until"},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			code, body := getBody(t, base+"/api/summary?"+tc.Input)
			if tc.Err != "" {
				if code != 400 || !strings.Contains(body, tc.Err) {
					t.Errorf("%d %q, want 400 with %q", code, body, tc.Err)
				}
				if code, page := getBody(t, base+"/?"+tc.Input); code != 400 || !strings.Contains(page, tc.Err) {
					t.Errorf("dashboard: %d %q, want 400 with %q", code, page, tc.Err)
				}
				return
			}
			var s summary
			if err := json.Unmarshal([]byte(body), &s); code != 200 || err != nil {
				t.Fatalf("%d %v: %s", code, err, body)
			}
			if s.Attempts != tc.Want {
				t.Errorf("attempts %d, want %d", s.Attempts, tc.Want)
			}
		})
	}
	if code := w.stop(t, os.Interrupt); code != 0 {
		t.Errorf("serve exit %d; log:\n%s", code, w.log())
	}
}

// drillDown returns the attempts and bans of the dashboard's drill-down of
// ip (/api/ip/IP) from the server at base.
func drillDown(t *testing.T, base, ip string) (int64, knocks.Bans) {
	t.Helper()
	code, body := getBody(t, base+"/api/ip/"+ip)
	if code != 200 {
		t.Fatalf("drill-down of %s: %d %s", ip, code, body)
	}
	var d struct {
		Attempts int64       `json:"attempts"`
		Bans     knocks.Bans `json:"bans"`
	}
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	return d.Attempts, d.Bans
}
