package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// blocklistLog writes an auth.log whose blocklist is known: 45.83.1.2 and
// 45.83.1.3 (12 attempts each, adjacent), 2a06:4880::77 (11), 91.240.118.5
// (12, then a login), 10.0.0.5 (50, private), 81.2.69.160 (20, allowed by
// the test) and 45.83.1.9 (3, too few).
func blocklistLog(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	pid := 3000
	fail := func(ip string, n int) {
		for i := 0; i < n; i++ {
			pid++
			fmt.Fprintf(&b, "Mar 10 10:%02d:%02d gw sshd[%d]: Failed password for root from %s port %d ssh2\n", pid%60, i%60, pid, ip, 40000+i)
		}
	}
	fail("45.83.1.2", 12)
	fail("45.83.1.3", 12)
	fail("2a06:4880::77", 11)
	fail("91.240.118.5", 12)
	fmt.Fprintf(&b, "Mar 10 11:00:00 gw sshd[9999]: Accepted password for deploy from 91.240.118.5 port 50000 ssh2\n")
	fail("10.0.0.5", 50)
	fail("81.2.69.160", 20)
	fail("45.83.1.9", 3)
	path := filepath.Join(dir, "auth.log")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBlocklist(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "knocks.db")
	mustOK(t, dir, nil, "ingest", "-q", "--no-geoip", "--db", db, "--year", "2024", blocklistLog(t, dir))
	allow := filepath.Join(dir, "allow.txt")
	if err := os.WriteFile(allow, []byte("# our office\n81.2.69.0/24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	lines := func(s string) []string {
		var out []string
		for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
			if l != "" && !strings.HasPrefix(l, "#") {
				out = append(out, l)
			}
		}
		return out
	}
	for _, tt := range []struct {
		Name string
		Args []string
		Want []string
	}{
		{"plain", []string{"--allow", allow}, []string{"45.83.1.2", "45.83.1.3", "2a06:4880::77"}},
		{"allow as a CIDR", []string{"--allow", "81.2.69.160", "--allow", "45.83.1.3/32"}, []string{"45.83.1.2", "2a06:4880::77"}},
		{"include logged in", []string{"--allow", allow, "--include-logged-in"}, []string{"45.83.1.2", "45.83.1.3", "91.240.118.5", "2a06:4880::77"}},
		{"cidr", []string{"--allow", allow, "--format", "cidr"}, []string{"45.83.1.2/31", "2a06:4880::77"}},
		{"rollup", []string{"--allow", allow, "--format", "cidr", "--rollup", "2"}, []string{"45.83.1.0/24", "2a06:4880::77"}},
		{"min attempts", []string{"--min-attempts", "20"}, []string{"81.2.69.160"}},
		{"since after the log", []string{"--since", "2099-01-01"}, nil},
		{"hosts.deny", []string{"--allow", allow, "--format", "hosts-deny"}, []string{"sshd: 45.83.1.2/255.255.255.254", "sshd: [2a06:4880::77]"}},
		{"fail2ban", []string{"--allow", allow, "--format", "fail2ban", "--jail", "sshd"}, []string{"fail2ban-client set sshd banip 45.83.1.2/31", "fail2ban-client set sshd banip 2a06:4880::77"}},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			r := mustOK(t, dir, nil, append([]string{"blocklist", "--db", db}, tt.Args...)...)
			if got := lines(r.stdout); strings.Join(got, "|") != strings.Join(tt.Want, "|") {
				t.Errorf("got %q, want %q\nstderr: %s", got, tt.Want, r.stderr)
			}
		})
	}
	// The AbuseIPDB CSV: one report per address, categories 18 and 22.
	r := mustOK(t, dir, nil, "blocklist", "--db", db, "--allow", allow, "--format", "abuseipdb")
	if !strings.HasPrefix(r.stdout, "IP,Categories,ReportDate,Comment\n45.83.1.2,\"18,22\",2024-03-10T") || strings.Count(r.stdout, "\n") != 4 {
		t.Errorf("abuseipdb:\n%s", r.stdout)
	}
	// The nftables file loads with the real nft (check mode: nothing changes).
	out := filepath.Join(dir, "blocklist.nft")
	mustOK(t, dir, nil, "blocklist", "--db", db, "--allow", allow, "--format", "nft", "--rollup", "2", "--out", out)
	if nft, err := exec.LookPath("nft"); err == nil {
		if b, err := exec.Command(nft, "-c", "-f", out).CombinedOutput(); err != nil {
			t.Errorf("nft -c -f: %v\n%s", err, b)
		}
	} else if os.Getenv("CI") == "true" {
		t.Error("nft is missing (Debian package nftables)")
	} else {
		t.Log("nft is absent: the file was not loaded")
	}
	// Bad flags exit 2.
	for _, args := range [][]string{{"--format", "pf"}, {"--min-attempts", "0"}, {"--allow", filepath.Join(dir, "nope")}, {"--since", "yesterday"}, {"auth.log"}} {
		if r := runKnocks(t, dir, nil, append([]string{"blocklist", "--db", db}, args...)...); r.code != 2 {
			t.Errorf("blocklist %q: exit %d, want 2\n%s", args, r.code, r.stderr)
		}
	}
}
