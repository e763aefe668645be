package blocklist

import (
	"bytes"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func addrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out
}

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

func TestSelect(t *testing.T) {
	at := time.Date(2024, 3, 10, 10, 0, 0, 0, time.UTC)
	a := func(ip string, n int64, in bool) Attacker {
		return Attacker{IP: netip.MustParseAddr(ip), Attempts: n, First: at, Last: at, LoggedIn: in}
	}
	as := []Attacker{
		a("45.83.1.9", 10, false),
		a("45.83.1.2", 5, false),
		a("45.83.1.3", 4, false),           // too few
		a("203.0.113.9", 50, false),        // documentation range (reserved)
		a("10.1.2.3", 50, false),           // private
		a("81.2.69.160", 9, true),          // logged in
		a("198.51.100.77", 9, false),       // reserved
		a("2a06:4880::77", 7, false),       //
		a("::ffff:91.240.118.5", 6, false), // IPv4-mapped: unmapped
		a("91.240.200.1", 7, false),        // allowed
	}
	classify := func(ip netip.Addr) string {
		for _, r := range []struct{ p, label string }{{"10.0.0.0/8", "private"}, {"203.0.113.0/24", "documentation"}, {"198.51.100.0/24", "documentation"}} {
			if netip.MustParsePrefix(r.p).Contains(ip) {
				return r.label
			}
		}
		return ""
	}
	for _, tt := range []struct {
		Name    string
		Rule    Rule
		Listed  []string
		Skipped map[string]string
	}{
		{"default", Rule{MinAttempts: 5, Reserved: classify, Allow: prefixes("91.240.200.0/24")},
			[]string{"45.83.1.2", "45.83.1.9", "91.240.118.5", "2a06:4880::77"},
			map[string]string{"203.0.113.9": "documentation", "10.1.2.3": "private", "81.2.69.160": "logged in", "198.51.100.77": "documentation", "91.240.200.1": "allowed"}},
		{"include logged in", Rule{MinAttempts: 9, Reserved: classify, IncludeLoggedIn: true},
			[]string{"45.83.1.9", "81.2.69.160"},
			map[string]string{"203.0.113.9": "documentation", "10.1.2.3": "private", "198.51.100.77": "documentation"}},
		{"no classifier", Rule{MinAttempts: 50},
			[]string{"203.0.113.9"}, map[string]string{"10.1.2.3": "reserved"}},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			listed, skipped := Select(as, tt.Rule)
			var got []string
			for _, e := range listed {
				got = append(got, e.IP.String())
			}
			if !reflect.DeepEqual(got, tt.Listed) {
				t.Errorf("listed %v, want %v", got, tt.Listed)
			}
			why := map[string]string{}
			for _, e := range skipped {
				why[e.IP.String()] = e.Why
			}
			if !reflect.DeepEqual(why, tt.Skipped) {
				t.Errorf("skipped %v, want %v", why, tt.Skipped)
			}
		})
	}
}

func TestAggregate(t *testing.T) {
	for _, tt := range []struct {
		Name   string
		Input  []netip.Addr
		Rollup int
		Allow  []netip.Prefix
		Want   []netip.Prefix
	}{
		{"single", addrs("192.0.2.7"), 0, nil, prefixes("192.0.2.7/32")},
		{"adjacent pair", addrs("192.0.2.5", "192.0.2.4"), 0, nil, prefixes("192.0.2.4/31")},
		{"not aligned", addrs("192.0.2.5", "192.0.2.6"), 0, nil, prefixes("192.0.2.5/32", "192.0.2.6/32")},
		{"a run of four", addrs("192.0.2.8", "192.0.2.9", "192.0.2.10", "192.0.2.11", "192.0.2.12"), 0, nil, prefixes("192.0.2.8/30", "192.0.2.12/32")},
		{"duplicates", addrs("192.0.2.1", "192.0.2.1"), 0, nil, prefixes("192.0.2.1/32")},
		{"roll-up /24", addrs("192.0.2.1", "192.0.2.77", "192.0.2.200", "198.51.100.1"), 3, nil, prefixes("192.0.2.0/24", "198.51.100.1/32")},
		{"below the roll-up", addrs("192.0.2.1", "192.0.2.77"), 3, nil, prefixes("192.0.2.1/32", "192.0.2.77/32")},
		{"roll-up /64", addrs("2001:db8:1:2::1", "2001:db8:1:2::ff:1", "2001:db8:1:3::1"), 2, nil, prefixes("2001:db8:1:2::/64", "2001:db8:1:3::1/128")},
		{"adjacent /64s", addrs("2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:3::1", "2001:db8:1:3::2"), 2, nil, prefixes("2001:db8:1:2::/63")},
		{"roll-up over an allowed range", addrs("192.0.2.1", "192.0.2.77", "192.0.2.200"), 3, prefixes("192.0.2.128/25"), prefixes("192.0.2.1/32", "192.0.2.77/32", "192.0.2.200/32")},
		{"mixed families", addrs("2001:db8::1", "192.0.2.1"), 0, nil, prefixes("192.0.2.1/32", "2001:db8::1/128")},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			got := Aggregate(tt.Input, tt.Rollup, tt.Allow)
			if !reflect.DeepEqual(got, tt.Want) {
				t.Errorf("Aggregate = %v, want %v", got, tt.Want)
			}
		})
	}
}

// entries returns listed entries of addresses, with 10 attempts each.
func entries(ips []netip.Addr) []Entry {
	at := time.Date(2024, 3, 10, 10, 0, 0, 0, time.UTC)
	out := make([]Entry, len(ips))
	for i, ip := range ips {
		out[i] = Entry{Attacker: Attacker{IP: ip, Attempts: 10, First: at, Last: at.Add(time.Hour)}}
	}
	return out
}

func TestFormats(t *testing.T) {
	es := entries(addrs("45.83.1.2", "45.83.1.3", "45.83.1.9", "45.83.1.10", "91.240.118.5", "2a06:4880::77", "2a06:4880::78"))
	for _, tt := range []struct {
		Format string
		Want   []string // lines the output must hold
	}{
		{"plain", []string{"45.83.1.2\n", "45.83.1.3\n", "2a06:4880::78\n"}},
		{"cidr", []string{"45.83.1.2/31\n", "45.83.1.9\n", "45.83.1.10\n", "91.240.118.5\n", "2a06:4880::77\n", "2a06:4880::78\n"}},
		{"ipset", []string{"create knocks-4 hash:net family inet maxelem 65536 -exist\n", "flush knocks-4\n", "add knocks-4 45.83.1.2/31 -exist\n", "create knocks-6 hash:net family inet6", "add knocks-6 2a06:4880::77 -exist\n"}},
		{"hosts-deny", []string{"sshd: 45.83.1.2/255.255.255.254\n", "sshd: 45.83.1.9\n", "sshd: [2a06:4880::77]\n"}},
		{"fail2ban", []string{"fail2ban-client set sshd banip 45.83.1.2/31\n", "fail2ban-client set sshd banip 2a06:4880::78\n"}},
		{"abuseipdb", []string{"IP,Categories,ReportDate,Comment\n", `45.83.1.2,"18,22",2024-03-10T11:00:00Z,SSH brute force: 10 failed authentication attempts from 2024-03-10 10:00 to 2024-03-10 11:00 UTC` + "\n"}},
		{"nft", []string{"table inet knocks {\n", "flush set inet knocks knocks4\n", "add element inet knocks knocks4 { 45.83.1.2/31, 45.83.1.9, 45.83.1.10, 91.240.118.5 }\n", "add element inet knocks knocks6 { 2a06:4880::77, 2a06:4880::78 }\n"}},
	} {
		t.Run(tt.Format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, es, Options{Format: tt.Format, Header: "knocks blocklist\nof a test"}); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.Want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, b.String())
				}
			}
			if strings.Contains(b.String(), "\nof a test") {
				t.Errorf("the header broke a line:\n%s", b.String())
			}
		})
	}
	// One attempt is an attempt, in the singular.
	one := entries(addrs("45.83.1.2"))
	one[0].Attempts, one[0].Last = 1, one[0].First
	var b bytes.Buffer
	if err := Write(&b, one, Options{Format: "abuseipdb"}); err != nil || !strings.Contains(b.String(), ",SSH brute force: 1 failed authentication attempt from 2024-03-10 10:00 to 2024-03-10 10:00 UTC\n") {
		t.Errorf("abuseipdb of one attempt (%v):\n%s", err, b.String())
	}
	if err := Write(&bytes.Buffer{}, es, Options{Format: "pf"}); err == nil {
		t.Error("an unknown format was accepted")
	}
}

// TestNFTLoads checks the nftables output with the real nft in check mode
// (nft -c -f): a list of both families, one of IPv4 only, an empty one, a
// roll-up, and one large enough to need several statements.
func TestNFTLoads(t *testing.T) {
	nft, err := exec.LookPath("nft")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("nft is missing (Debian package nftables)")
		}
		t.Skip("skipped: nft is absent (apt-get install nftables)")
	}
	var big []netip.Addr
	for i := 0; i < 2500; i++ {
		big = append(big, netip.AddrFrom4([4]byte{45, byte(i >> 8), byte(i), 7}))
	}
	for _, tt := range []struct {
		Name   string
		IPs    []netip.Addr
		Rollup int
	}{
		{"both families", addrs("45.83.1.2", "45.83.1.3", "91.240.118.5", "2a06:4880::77"), 0},
		{"ipv4 only", addrs("45.83.1.9"), 0},
		{"empty", nil, 0},
		{"roll-up", addrs("45.83.1.2", "45.83.1.99", "45.83.1.200", "2a06:4880::1", "2a06:4880::2:1"), 2},
		{"large", big, 0},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "blocklist.nft")
			var b bytes.Buffer
			if err := Write(&b, entries(tt.IPs), Options{Format: "nft", Rollup: tt.Rollup, Header: "knocks blocklist: test"}); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(nft, "-c", "-f", path).CombinedOutput()
			if err != nil {
				if strings.Contains(string(out), "Operation not permitted") && os.Getenv("CI") != "true" {
					t.Skipf("skipped: nft -c needs CAP_NET_ADMIN here: %s", out)
				}
				t.Fatalf("nft -c -f rejects the file: %v\n%s\n%s", err, out, b.String())
			}
		})
	}
}
