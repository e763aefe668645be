package knocks

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestShortDuration(t *testing.T) {
	for _, c := range []struct {
		In   time.Duration
		Want string
	}{
		{24 * time.Hour, "24h"},
		{90 * time.Minute, "1h30m"},
		{2 * time.Minute, "2m"},
		{30 * time.Second, "30s"},
		{61 * time.Second, "1m1s"},
		{time.Hour + time.Second, "1h0m1s"},
		{1500 * time.Millisecond, "1.5s"},
	} {
		if got := shortDuration(c.In); got != c.Want {
			t.Errorf("shortDuration(%v) = %q, want %q", c.In, got, c.Want)
		}
	}
}

func TestAlertFailuresAdd(t *testing.T) {
	// Two logins at t=100 and one at t=200; a failure of 3 attempts is
	// added to those of its keys that start after it (and, for the user
	// name, at most the window of 60 s after it).
	logins := []AlertLogin{
		{ID: 1, Start: 100, IP: "203.0.113.5", Subnet: "203.0.113.0/24", User: "", ASN: 64500},
		{ID: 2, Start: 200, IP: "198.51.100.7", Subnet: "198.51.100.0/24", User: "root"},
		{ID: 3, Start: 100, IP: "198.51.100.7", Subnet: "198.51.100.0/24", User: "root"},
	}
	type sums struct{ IP, Subnet, ASN, User int64 }
	for _, c := range []struct {
		Name       string
		Start      int64
		IP, Subnet string
		ASN        int64
		User       string
		HasUser    bool
		Login      int // the index in logins whose sums are checked
		Want       sums
	}{
		{"its address, its subnet, no user", 99, "203.0.113.5", "203.0.113.0/24", 0, "", false, 0, sums{3, 3, 0, 0}},
		{"its subnet only, the empty user name", 40, "203.0.113.9", "203.0.113.0/24", 0, "", true, 0, sums{0, 3, 0, 3}},
		{"another address of its AS", 0, "192.0.2.1", "192.0.2.0/24", 64500, "admin", true, 0, sums{0, 0, 3, 0}},
		{"at the login's second: not before it", 100, "203.0.113.5", "203.0.113.0/24", 64500, "", true, 0, sums{}},
		{"after the login", 150, "203.0.113.5", "203.0.113.0/24", 64500, "", true, 0, sums{}},
		{"the user name, in the window", 140, "192.0.2.2", "", 64501, "root", true, 1, sums{0, 0, 0, 3}},
		{"the user name, at the window's start", 140, "192.0.2.2", "", 0, "root", true, 1, sums{0, 0, 0, 3}},
		{"the user name, before the window", 139, "192.0.2.2", "", 0, "root", true, 1, sums{}},
		{"the user name, before the earlier login only", 99, "192.0.2.2", "", 0, "root", true, 2, sums{0, 0, 0, 3}},
		{"the address, long before the later login", 1, "198.51.100.7", "", 0, "", false, 1, sums{3, 0, 0, 0}},
		{"nothing shared", 1, "192.0.2.3", "192.0.2.0/24", 64501, "admin", true, 0, sums{}},
	} {
		fs := NewAlertFailures(logins, AlertOptions{Window: time.Minute})
		fs.Add(AlertFailure{Start: c.Start, Attempts: 3}, c.IP, c.Subnet, c.ASN, c.User, c.HasUser)
		l := logins[c.Login]
		var got sums
		got.IP, _ = fs.ips[l.IP].at(l.Start)
		got.Subnet, _ = fs.subs[l.Subnet].at(l.Start)
		got.ASN, _ = fs.asns[l.ASN].at(l.Start)
		_, got.User = fs.users[l.User].at(l.Start)
		if got != c.Want {
			t.Errorf("%s: attempts by address, subnet, AS, user %+v, want %+v", c.Name, got, c.Want)
		}
	}
}

// findAlertsByScan is the straightforward definition of FindAlerts that
// it must agree with: for each login, every failure is looked at.
func findAlertsByScan(logins []AlertLogin, fails []testFailure, o AlertOptions) []Alert {
	o = o.withDefaults()
	sum := func(keep func(f testFailure) bool, from, until int64) (n int64) {
		for _, f := range fails {
			if keep(f) && f.Start >= from && f.Start < until {
				n += f.Attempts
			}
		}
		return n
	}
	var out []Alert
	countries := map[string]map[string]bool{}
	for _, l := range logins {
		a := Alert{LoginID: l.ID, Time: time.Unix(l.Start, 0).UTC(), Host: l.Host, User: l.User, IP: l.IP, Country: l.Country, ASN: l.ASN}
		add := func(kind, why string, failed int64) {
			a.Kind, a.Why, a.Failed, a.New = kind, why, failed, true
			out = append(out, a)
		}
		if n := sum(func(f testFailure) bool { return f.IP != "" && f.IP == l.IP }, math.MinInt64, l.Start); n > 0 {
			add(AlertFailedBefore, fmt.Sprintf("the address failed %s before", times(n)), n)
		} else if n := sum(func(f testFailure) bool { return f.Subnet != "" && f.Subnet == l.Subnet }, math.MinInt64, l.Start); n > 0 {
			add(AlertFailedBefore, fmt.Sprintf("its subnet %s failed %s before", l.Subnet, times(n)), n)
		} else if n := sum(func(f testFailure) bool { return f.ASN > 0 && f.ASN == int64(l.ASN) }, math.MinInt64, l.Start); n > 0 {
			add(AlertFailedBefore, fmt.Sprintf("its network AS%d failed %s before", l.ASN, times(n)), n)
		}
		seen := countries[l.User]
		if l.Country != "" && len(seen) > 0 && !seen[l.Country] {
			known := slices.Sorted(maps.Keys(seen))
			add(AlertNewCountry, fmt.Sprintf("the first login of this user from %s (before: %s)", l.Country, strings.Join(known, ", ")), 0)
		}
		if l.Country != "" {
			if seen == nil {
				seen = map[string]bool{}
				countries[l.User] = seen
			}
			seen[l.Country] = true
		}
		if n := sum(func(f testFailure) bool { return f.HasUser && f.User == l.User }, l.Start-int64(o.Window/time.Second), l.Start); n >= o.ManyFailures {
			add(AlertManyFailures, fmt.Sprintf("%d failed attempts for this user in the %s before", n, shortDuration(o.Window)), n)
		}
	}
	return out
}

type testFailure struct {
	AlertFailure
	IP, Subnet, User string
	ASN              int64
	HasUser          bool
}

// TestFindAlertsByScan compares FindAlerts with its straightforward
// definition on generated logins and failures: few keys, so that they
// share them often, times that often coincide, failures in a random order.
func TestFindAlertsByScan(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		ips := []string{"203.0.113.5", "203.0.113.6", "198.51.100.7", "2001:db8::1", ""}
		subnet := func(ip string) string {
			switch {
			case ip == "":
				return ""
			case strings.HasPrefix(ip, "203.0.113."):
				return "203.0.113.0/24"
			case strings.HasPrefix(ip, "2001:"):
				return "2001:db8::/64"
			}
			return "198.51.100.0/24"
		}
		users := []string{"root", "alice", "", "deploy"}
		countries := []string{"", "DE", "NL", "US"}
		asnOf := func(ip string) int64 {
			if ip == "" || ip == "198.51.100.7" {
				return 0
			}
			return 64500 + int64(len(ip)%2)
		}
		o := AlertOptions{ManyFailures: 1 + r.Int64N(8), Window: time.Duration(1+r.IntN(50)) * time.Second}
		var logins []AlertLogin
		for i := range 30 + r.IntN(30) {
			ip := ips[r.IntN(len(ips)-1)]
			logins = append(logins, AlertLogin{ID: int64(i), Start: r.Int64N(200), Host: "gw", IP: ip, Subnet: subnet(ip),
				User: users[r.IntN(len(users))], Country: countries[r.IntN(len(countries))], ASN: uint32(asnOf(ip))})
		}
		slices.SortStableFunc(logins, func(a, b AlertLogin) int { return cmp.Compare(a.Start, b.Start) })
		var fails []testFailure
		for range r.IntN(400) {
			ip := ips[r.IntN(len(ips))]
			f := testFailure{AlertFailure: AlertFailure{Start: r.Int64N(220) - 10, Attempts: 1 + r.Int64N(5)}, IP: ip, Subnet: subnet(ip), ASN: asnOf(ip)}
			if r.IntN(5) > 0 {
				f.User, f.HasUser = users[r.IntN(len(users))], true
			}
			fails = append(fails, f)
		}
		fs := NewAlertFailures(logins, o)
		for _, f := range fails {
			fs.Add(f.AlertFailure, f.IP, f.Subnet, f.ASN, f.User, f.HasUser)
		}
		got := FindAlerts(logins, fs, func(string, int64) bool { return false }, o)
		want := findAlertsByScan(logins, fails, o)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: %d alerts, want %d\ngot  %+v\nwant %+v", seed, len(got), len(want), got, want)
		}
		if seed == 1 && len(want) < 10 {
			t.Fatalf("seed 1 makes only %d alerts: the data shares too little", len(want))
		}
	}
}

// BenchmarkAlertFailures adds up 1,000,000 failures for 2,000 logins of
// 4 users from 50 addresses and finds the alerts: the cost of the rules
// without a store's reading, per failure.
func BenchmarkAlertFailures(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	users := []string{"root", "alice", "bob", "deploy"}
	var logins []AlertLogin
	for i := range 2000 {
		ip := fmt.Sprintf("192.0.2.%d", i%50)
		logins = append(logins, AlertLogin{ID: int64(i), Start: int64(i) * 10_000, IP: ip, Subnet: "192.0.2.0/24", User: users[i%4], Country: "DE", ASN: 64500})
	}
	fails := make([]testFailure, 1_000_000)
	for i := range fails {
		fails[i] = testFailure{AlertFailure: AlertFailure{Start: r.Int64N(20_000_000), Attempts: 1 + r.Int64N(3)},
			IP: fmt.Sprintf("198.51.100.%d", r.IntN(200)), Subnet: "198.51.100.0/24", User: users[r.IntN(8)%5%4], HasUser: true, ASN: 64500 + r.Int64N(3)}
	}
	for b.Loop() {
		fs := NewAlertFailures(logins, AlertOptions{})
		for i := range fails {
			f := &fails[i]
			fs.Add(f.AlertFailure, f.IP, f.Subnet, f.ASN, f.User, f.HasUser)
		}
		if as := FindAlerts(logins, fs, func(string, int64) bool { return false }, AlertOptions{}); len(as) == 0 {
			b.Fatal("no alerts")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(fails)), "ns/failure")
}

func TestTimes(t *testing.T) {
	for _, tc := range []struct {
		Name  string
		Input int64
		Want  string
	}{
		{"one", 1, "1 time"},
		{"two", 2, "2 times"},
		{"many", 1960, "1960 times"},
	} {
		if got := times(tc.Input); got != tc.Want {
			t.Errorf("%s: times(%d) = %q, want %q", tc.Name, tc.Input, got, tc.Want)
		}
	}
}
