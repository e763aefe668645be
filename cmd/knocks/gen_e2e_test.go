package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var (
	genOnce sync.Once
	genBin  string
	genErr  error
)

// knocksGen builds cmd/knocks-gen once, next to the knocks binary.
func knocksGen(t *testing.T) string {
	t.Helper()
	genOnce.Do(func() {
		genBin = filepath.Join(filepath.Dir(knocksBin), "knocks-gen")
		out, err := exec.Command("go", "build", "-o", genBin, "../knocks-gen").CombinedOutput()
		if err != nil {
			genErr = err
			genBin = string(out)
		}
	})
	if genErr != nil {
		t.Fatalf("cannot build knocks-gen: %v\n%s", genErr, genBin)
	}
	return genBin
}

// genTruth is the part of `knocks-gen -stats` the test compares.
type genTruth struct {
	Attempts    int64
	Connections int64
	Scans       int64
	Logins      int64
	UniqueIPs   int64
	UniqueUsers int64
	IPs         map[string]int64
	Users       map[string]struct {
		Attempts int64
		Valid    bool
	}
	Dropped   int64
	Lockouts  int64
	Penalties map[string]struct{ Drops, Penalties, Addresses int64 }
}

// genReport is the part of `knocks report --format json` the test compares.
type genReport struct {
	Attempts    int64 `json:"attempts"`
	Connections int64 `json:"connections"`
	Scans       int64 `json:"scans"`
	Logins      int64 `json:"logins"`
	UniqueIPs   int64 `json:"unique_ips"`
	UniqueHosts int64 `json:"unique_hostnames"`
	UniqueUsers int64 `json:"unique_users"`
	Dropped     int64 `json:"dropped"`
	Lockouts    int64 `json:"lockouts"`
	TopUsers    []struct {
		User     string `json:"user"`
		Attempts int64  `json:"attempts"`
		Valid    bool   `json:"valid"`
	} `json:"top_users"`
	TopIPs []struct {
		IP       string `json:"ip"`
		Attempts int64  `json:"attempts"`
	} `json:"top_ips"`
	Penalties []struct {
		Reason    string `json:"reason"`
		Drops     int64  `json:"drops"`
		Penalties int64  `json:"penalties"`
		Addresses int64  `json:"addresses"`
	} `json:"penalties"`
}

// unoctal decodes the octal escapes that sshd writes (and knocks-gen's
// truth keeps): knocks reports the bytes.
func unoctal(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// TestReportMatchesGenerator runs knocks-gen in every style and with every
// option, and checks that `knocks report --format json` of its log finds
// the generator's own truth (-stats): the headline numbers, what sshd
// blocked by itself, and the top users and IPs in order.
func TestReportMatchesGenerator(t *testing.T) {
	bin := knocksGen(t)
	for _, tt := range []struct {
		Name   string
		Gen    []string
		Report []string
	}{
		{"rfc3164", []string{"-style", "rfc3164"}, nil},
		{"rfc3339", []string{"-style", "rfc3339"}, nil},
		{"journal", []string{"-style", "journal"}, nil},
		{"mixed one host", []string{"-style", "mixed"}, nil},
		{"mixed three hosts", []string{"-style", "mixed", "-hosts", "web1,web2,db"}, nil},
		{"sshd-session", []string{"-program", "sshd-session", "-hosts", "a,b"}, nil},
		{"program mixed", []string{"-program", "mixed", "-hosts", "a,b,c,d"}, nil},
		{"tricky", []string{"-tricky", "0.3"}, nil},
		{"verbose", []string{"-verbose", "0.5"}, nil},
		{"mapped", []string{"-mapped", "0.4", "-ipv6", "0.2"}, nil},
		{"time zone", []string{"-tz", "America/New_York"}, []string{"--tz", "America/New_York"}},
		{"journal with everything", []string{"-style", "journal", "-program", "sshd-session", "-tricky", "0.1", "-verbose", "0.3", "-mapped", "0.2", "-hosts", "a,b"}, nil},
		{"rfc3339 zone with everything", []string{"-style", "rfc3339", "-tz", "Asia/Kolkata", "-program", "mixed", "-tricky", "0.1", "-verbose", "0.3", "-mapped", "0.2", "-hosts", "a,b,c"}, nil},
		{"rfc3164 zone with everything", []string{"-style", "mixed", "-tz", "Europe/Berlin", "-program", "sshd-session", "-tricky", "0.2", "-verbose", "0.2", "-mapped", "0.2", "-hosts", "a,b"}, []string{"--tz", "Europe/Berlin"}},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			dir := t.TempDir()
			log, stats := filepath.Join(dir, "auth.log"), filepath.Join(dir, "stats.json")
			args := append([]string{"-lines", "6000", "-seed", "7", "-q", "-o", log, "-stats", stats}, tt.Gen...)
			if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
				t.Fatalf("knocks-gen %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			b, err := os.ReadFile(stats)
			if err != nil {
				t.Fatal(err)
			}
			var want genTruth
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			r := mustOK(t, dir, nil, append(append([]string{"report", "--format", "json", "--no-geoip", "--top", "15"}, tt.Report...), log)...)
			var got genReport
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
				t.Fatalf("report is not JSON: %v", err)
			}

			head := func(a, c, s, l, ips, users, dropped, lockouts int64) [8]int64 {
				return [8]int64{a, c, s, l, ips, users, dropped, lockouts}
			}
			g := head(got.Attempts, got.Connections, got.Scans, got.Logins, got.UniqueIPs, got.UniqueUsers, got.Dropped, got.Lockouts)
			w := head(want.Attempts, want.Connections, want.Scans, want.Logins, want.UniqueIPs, want.UniqueUsers, want.Dropped, want.Lockouts)
			if g != w {
				t.Errorf("attempts, connections, scans, logins, unique IPs, unique users, dropped, lockouts:\n got %v\nwant %v", g, w)
			}
			if got.UniqueHosts != 0 {
				t.Errorf("unique_hostnames %d, want 0 (knocks-gen writes addresses only)", got.UniqueHosts)
			}
			if want.Attempts == 0 {
				t.Fatal("the generated log has no attempts")
			}

			// What sshd blocked by itself, by reason.
			gotPen := map[string][3]int64{}
			for _, p := range got.Penalties {
				gotPen[p.Reason] = [3]int64{p.Drops, p.Penalties, p.Addresses}
			}
			wantPen := map[string][3]int64{}
			for r, p := range want.Penalties {
				wantPen[r] = [3]int64{p.Drops, p.Penalties, p.Addresses}
			}
			if !reflect.DeepEqual(gotPen, wantPen) {
				t.Errorf("penalties by reason (drops, penalties, addresses):\n got %v\nwant %v", gotPen, wantPen)
			}

			// Top users and IPs, in the report's order: attempts, then name.
			type kv struct {
				k     string
				v     int64
				valid bool
			}
			var users []kv
			for u, c := range want.Users {
				users = append(users, kv{unoctal(u), c.Attempts, c.Valid})
			}
			var ips []kv
			for ip, n := range want.IPs {
				ips = append(ips, kv{ip, n, false})
			}
			for _, l := range [][]kv{users, ips} {
				sort.Slice(l, func(i, j int) bool { return l[i].v > l[j].v || l[i].v == l[j].v && l[i].k < l[j].k })
			}
			var gu, wu, gi, wi []kv
			for i, u := range got.TopUsers {
				gu = append(gu, kv{u.User, u.Attempts, u.Valid})
				wu = append(wu, users[i])
			}
			for i, ip := range got.TopIPs {
				gi = append(gi, kv{ip.IP, ip.Attempts, false})
				wi = append(wi, ips[i])
			}
			if len(gu) != min(15, len(users)) || !reflect.DeepEqual(gu, wu) {
				t.Errorf("top users:\n got %+v\nwant %+v", gu, users[:min(15, len(users))])
			}
			if len(gi) != min(15, len(ips)) || !reflect.DeepEqual(gi, wi) {
				t.Errorf("top IPs:\n got %v\nwant %v", gi, ips[:min(15, len(ips))])
			}
		})
	}
}
