package storetest

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"knocks"
)

// genUsers are the user names that attackers try, most tried first.
var genUsers = []string{
	"root", "admin", "user", "test", "ubuntu", "oracle", "postgres", "git", "ftpuser", "pi",
	"guest", "support", "deploy", "jenkins", "hadoop", "mysql", "www-data", "nagios", "tomcat", "ansible",
	"dev", "minecraft", "steam", "es", "elastic", "kafka", "redis", "ts3", "teamspeak", "centos",
}

// Generate returns n realistic connections, the same for the same seed:
// a heavy-tailed population of attackers (a few addresses make most of the
// attempts), password guessing with "message repeated" counts, keys-only
// username probes, scans, some logins, IPv6 and UseDNS host names, over
// 30 days from start on three hosts. The connections have ID 0.
func Generate(n int, seed uint64, start time.Time) []*knocks.Connection {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	nIPs := n/20 + 10
	ipZipf := rand.NewZipf(r, 1.2, 2, uint64(nIPs-1))
	userZipf := rand.NewZipf(r, 1.1, 1, 10_000)
	ips := make([]netip.Addr, nIPs)
	for i := range ips {
		if i%50 == 7 {
			ips[i] = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 8), byte(i), 0, byte(i % 3), 0, 0, 0, 0, 0, 0, byte(r.IntN(256)), byte(r.IntN(256))})
		} else {
			ips[i] = netip.AddrFrom4([4]byte{byte(1 + r.IntN(222)), byte(r.IntN(256)), byte(r.IntN(256)), byte(1 + r.IntN(254))})
		}
	}
	hosts := []string{"web1", "web2", "bastion"}
	span := int64(30 * 24 * 3600)
	out := make([]*knocks.Connection, n)
	pid := 1000
	for i := range out {
		pid++
		st := start.Add(time.Duration(int64(i)*span/int64(n)+r.Int64N(60)) * time.Second).UTC().Truncate(time.Second)
		c := &knocks.Connection{
			Host:  hosts[r.IntN(len(hosts))],
			PID:   pid,
			Start: st,
			End:   st.Add(time.Duration(r.IntN(30)) * time.Second),
			IP:    ips[ipZipf.Uint64()],
			Port:  1024 + r.IntN(64511),
		}
		u := userZipf.Uint64()
		name := fmt.Sprintf("user%d", u)
		if u < uint64(len(genUsers)) {
			name = genUsers[u]
		}
		switch k := r.IntN(100); {
		case k < 55: // password guessing
			c.User, c.HasUser = name, true
			c.Invalid = name != "root" && r.IntN(10) > 0
			c.Method = "password"
			c.Failed = int64(1 + r.IntN(3))
			if r.IntN(10) == 0 {
				c.Failed += int64(2 + r.IntN(5)) // message repeated N times
			}
			c.FailureLines = c.Failed + 1
			if c.Invalid {
				c.FailureLines++
			}
		case k < 70: // keys-only server: the user name probe
			c.User, c.HasUser = name, true
			c.Invalid = name != "root"
			c.FailureLines = 1 + int64(r.IntN(2))
		case k < 95: // scan
			c.ScanLines = 1 + int64(r.IntN(2))
		case k < 97: // login
			c.User, c.HasUser, c.Method = "deploy", true, "publickey"
			c.Logins = 1
		case k < 98: // UseDNS
			c.IP = netip.Addr{}
			c.RHost = fmt.Sprintf("host-%d.example.net", r.IntN(100))
			c.User, c.HasUser, c.Invalid, c.Method = name, true, true, "password"
			c.Failed, c.FailureLines = 1, 2
		default: // a failure line without a user (ROOT LOGIN REFUSED, PAM without user=)
			c.FailureLines = 1
			c.Port = 0
		}
		out[i] = c
	}
	return out
}
