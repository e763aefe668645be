package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"knocks"
)

// TestReportTopIsCapped runs a one-shot report of a log in which every
// failed password comes from its own address as its own user name, with a
// --top beyond knocks.MaxTop: the lists hold MaxTop rows, the counts are
// of every address and user, and stderr says why the lists are cut.
func TestReportTopIsCapped(t *testing.T) {
	dir := t.TempDir()
	n := knocks.MaxTop + 50
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "Mar %2d %02d:%02d:%02d web1 sshd[%d]: Failed password for invalid user u%d from 2a01:4f8:%x:%x::1 port %d ssh2\n",
			1+i/86400, i/3600%24, i/60%60, i%60, 10000+i, i, i>>16, i&0xffff, 1024+i%60000)
	}
	log := filepath.Join(dir, "auth.log")
	if err := os.WriteFile(log, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	r := mustOK(t, dir, nil, "report", "--format", "json", "--no-geoip", "--year", "2024", "--top", fmt.Sprint(10*knocks.MaxTop), log)
	want := fmt.Sprintf("--top %d: a list holds at most %d rows", 10*knocks.MaxTop, knocks.MaxTop)
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr %q does not say %q", r.stderr, want)
	}
	var got struct {
		UniqueIPs   int64             `json:"unique_ips"`
		UniqueUsers int64             `json:"unique_users"`
		TopIPs      []json.RawMessage `json:"top_ips"`
		TopUsers    []json.RawMessage `json:"top_users"`
		TopInvalid  []json.RawMessage `json:"top_invalid_users"`
		TopSubnets  []json.RawMessage `json:"top_subnets"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	if got.UniqueIPs != int64(n) || got.UniqueUsers != int64(n) {
		t.Errorf("unique IPs %d, users %d; want %d each", got.UniqueIPs, got.UniqueUsers, n)
	}
	for name, l := range map[string][]json.RawMessage{"top_ips": got.TopIPs, "top_users": got.TopUsers, "top_invalid_users": got.TopInvalid, "top_subnets": got.TopSubnets} {
		if len(l) != knocks.MaxTop {
			t.Errorf("%s holds %d rows, want %d", name, len(l), knocks.MaxTop)
		}
	}
}
