package knocks

import (
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
	f := AlertFailure{Start: 1, Attempts: 2}
	for _, c := range []struct {
		Name          string
		IP, Subnet    string
		ASN           int64
		User          string
		HasUser       bool
		IPs, Subs, AS int
		Users         int
	}{
		{"its address, its subnet, no user", "203.0.113.5", "203.0.113.0/24", 0, "", false, 1, 1, 0, 0},
		{"its subnet only, the empty user name", "203.0.113.9", "203.0.113.0/24", 0, "", true, 0, 1, 0, 1},
		{"another address of a wanted AS", "192.0.2.1", "192.0.2.0/24", 64500, "admin", true, 0, 0, 1, 0},
		{"the user name of a login", "192.0.2.2", "", 64501, "root", true, 0, 0, 0, 1},
		{"nothing shared", "192.0.2.3", "192.0.2.0/24", 64501, "admin", true, 0, 0, 0, 0},
	} {
		fs := NewAlertFailures([]AlertLogin{{IP: "203.0.113.5", Subnet: "203.0.113.0/24", User: ""}, {IP: "198.51.100.7", User: "root"}})
		fs.WantASN(64500)
		fs.Add(f, c.IP, c.Subnet, c.ASN, c.User, c.HasUser)
		count := func(m map[string][]AlertFailure) (n int) {
			for _, l := range m {
				n += len(l)
			}
			return n
		}
		as := 0
		for _, l := range fs.ByASN {
			as += len(l)
		}
		if got := [4]int{count(fs.ByIP), count(fs.BySubnet), as, count(fs.ByUser)}; got != [4]int{c.IPs, c.Subs, c.AS, c.Users} {
			t.Errorf("%s: filed by address, subnet, AS, user %v, want %v", c.Name, got, [4]int{c.IPs, c.Subs, c.AS, c.Users})
		}
	}
}
