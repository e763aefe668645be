package storetest

import (
	"net/netip"
	"time"

	"knocks"
)

// EvilUser is a user name an attacker sent: invalid UTF-8, markup, an
// escape sequence and a NUL byte. A store must give back exactly these
// bytes.
const EvilUser = "\xff\xfe<script>alert(1)</script>\x1b[31m\x00x"

// BOMUser is a user name with a UTF-8 byte order mark, as sshd logs it with
// octal escapes (\357\273\277root).
const BOMUser = "\xef\xbb\xbfroot"

// base is the first hour of the dataset: the end of a leap February.
var base = time.Date(2024, 2, 28, 22, 0, 0, 0, time.UTC)

func at(min int) time.Time { return base.Add(time.Duration(min) * time.Minute) }

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

// Dataset returns a small, realistic store content, connections with ID 0:
// what sshd logs of password guessing, keys-only probes, scans, logins,
// UseDNS host names, IPv6, user names an attacker chose, and connections
// without a host, a port or a user; fail2ban events; drops, penalties and
// lockouts; and the locations of
// some addresses (most with the prefix their AS announces), a reserved one
// among them. It spans three UTC days.
func Dataset() Data {
	var cs []*knocks.Connection
	pid := 4000
	add := func(c knocks.Connection) *knocks.Connection {
		if c.PID == 0 && c.Host != "" {
			pid += 7
			c.PID = pid
		}
		if c.End.IsZero() {
			c.End = c.Start.Add(4 * time.Second)
		}
		cs = append(cs, &c)
		return &c
	}
	// A password guesser: "Invalid user U from IP", three "Failed password
	// for invalid user U", a disconnect naming the user.
	for i, u := range []string{"admin", "test", "oracle", "admin", "admin", "git"} {
		add(knocks.Connection{Host: "web1", Start: at(5 + i*3), IP: addr("203.0.113.7"), Port: 40112 + i,
			User: u, HasUser: true, Invalid: true, Method: "password", Failed: 3, FailureLines: 5})
	}
	// The heavy hitter: root, "message repeated 5 times" after one Failed.
	for i := 0; i < 10; i++ {
		add(knocks.Connection{Host: "bastion", Start: at(60 + i*50), IP: addr("198.51.100.23"), Port: 51000 + i,
			User: "root", HasUser: true, Method: "password", Failed: 6, FailureLines: 8})
	}
	// A real account of the same name as a guessed one, as many attempts:
	// valid and invalid "oracle" are two rows of the top users.
	add(knocks.Connection{Host: "bastion", Start: at(2200), IP: addr("198.51.100.23"), Port: 51100,
		User: "oracle", HasUser: true, Method: "password", Failed: 3, FailureLines: 3})
	// Keys-only server: "Invalid user U" and "Connection closed by invalid
	// user U ... [preauth]", no Failed line: one attempt each.
	for i, u := range []string{"ubuntu", "pi", "ubuntu", "pi"} {
		add(knocks.Connection{Host: "web1", Start: at(200 + i), IP: addr("192.0.2.50"), Port: 33000 + i,
			User: u, HasUser: true, Invalid: true, FailureLines: 2})
	}
	// "Connection closed by authenticating user root IP port P [preauth]".
	add(knocks.Connection{Host: "web1", Start: at(1500), IP: addr("192.0.2.51"), Port: 5555,
		User: "root", HasUser: true, FailureLines: 1})
	// Scans: no identification string, kex failures, preauth disconnects.
	for i := 0; i < 5; i++ {
		add(knocks.Connection{Host: "web1", Start: at(300 + i*400), IP: addr("192.0.2.200"), Port: 60000 + i, ScanLines: int64(1 + i%2)})
	}
	// A scan from the guesser's address: counts for its first/last seen.
	add(knocks.Connection{Host: "web1", Start: at(1), IP: addr("203.0.113.7"), Port: 40100, ScanLines: 1})
	// A login ("Disconnected from IP port P" at its end is a scan line), and
	// a login after two failed passwords.
	add(knocks.Connection{Host: "bastion", Start: at(700), IP: addr("198.51.100.99"), Port: 41234,
		User: "deploy", HasUser: true, Method: "publickey", Logins: 1, ScanLines: 1})
	add(knocks.Connection{Host: "bastion", Start: at(1900), IP: addr("198.51.100.98"), Port: 41235,
		User: "alice", HasUser: true, Method: "password", Failed: 2, FailureLines: 2, Logins: 1})
	// UseDNS: a host name instead of an address.
	add(knocks.Connection{Host: "web1", Start: at(900), RHost: "scanner.example.net", Port: 2222,
		User: "guest", HasUser: true, Invalid: true, Method: "password", Failed: 1, FailureLines: 2})
	// IPv6: two addresses of one /64, one of another.
	add(knocks.Connection{Host: "web1", Start: at(1000), IP: addr("2001:db8:1:2::77"), Port: 52000,
		User: "root", HasUser: true, Method: "password", Failed: 2, FailureLines: 2})
	add(knocks.Connection{Host: "web1", Start: at(1010), IP: addr("2001:db8:1:2::88"), Port: 52001,
		User: "admin", HasUser: true, Invalid: true, Method: "password", Failed: 2, FailureLines: 3})
	add(knocks.Connection{Host: "bastion", Start: at(2500), IP: addr("2001:db8:1:3::1"), Port: 52002,
		User: "admin", HasUser: true, Invalid: true, Method: "password", Failed: 1, FailureLines: 2})
	// "ROOT LOGIN REFUSED FROM IP": a failure line that names no user.
	add(knocks.Connection{Host: "bastion", Start: at(1200), IP: addr("203.0.113.99"), FailureLines: 1})
	// User names an attacker chose.
	add(knocks.Connection{Host: "web1", Start: at(1300), IP: addr("203.0.113.66"), Port: 1337,
		User: EvilUser, HasUser: true, Invalid: true, Method: "password", Failed: 1, FailureLines: 2})
	add(knocks.Connection{Host: "web1", Start: at(1301), IP: addr("203.0.113.66"), Port: 1338,
		User: BOMUser, HasUser: true, Invalid: true, Method: "keyboard-interactive", Failed: 1, FailureLines: 2})
	// "Invalid user  from IP": an empty user name.
	add(knocks.Connection{Host: "web1", Start: at(1400), IP: addr("203.0.113.66"), Port: 1339,
		User: "", HasUser: true, Invalid: true, FailureLines: 1})
	// A syslog line without a host and a pid.
	add(knocks.Connection{Start: at(1600), IP: addr("10.0.0.5"), Port: 40000,
		User: "backup", HasUser: true, Method: "password", Failed: 1, FailureLines: 1})
	// Only "Connection from IP port P": context, no event.
	add(knocks.Connection{Host: "web1", Start: at(-30), IP: addr("192.0.2.1"), Port: 44444})
	// A slow guesser whose connection lasts more than a day.
	long := add(knocks.Connection{Host: "web1", Start: at(100), IP: addr("198.51.100.7"), Port: 50505,
		User: "root", HasUser: true, Method: "password", Failed: 4, FailureLines: 4})
	long.End = at(100 + 26*60)

	// fail2ban bans the guesser as its sixth connection starts (15
	// attempts before, 3 while banned); its database holds a ban of the
	// heavy hitter for 15 minutes (one connection inside it, the next one
	// after: it came back) and a permanent ban of an address that made no
	// attempt; SSHGuard blocks the keys-only prober during its fourth
	// probe; an unban whose ban is older than the data.
	f2b := []knocks.Fail2banEvent{
		{Time: at(-10), Kind: knocks.KindF2BFound, Host: "web1", Jail: "sshd", IP: addr("203.0.113.7")},
		{Time: at(20), Kind: knocks.KindF2BBan, Host: "web1", Jail: "sshd", IP: addr("203.0.113.7")},
		{Time: at(3000), Kind: knocks.KindF2BUnban, Host: "web1", Jail: "sshd", IP: addr("203.0.113.7")},
		{Time: at(400), Kind: knocks.KindF2BBan, Host: "bastion", Jail: "sshd", IP: addr("198.51.100.23"), BanTime: 900, BanCount: 2},
		{Time: at(401), Kind: knocks.KindF2BBan, Host: "bastion", Jail: "recidive", IP: addr("192.0.2.1"), BanTime: -1, BanCount: 1},
		{Time: at(203), Kind: knocks.KindF2BBan, Host: "web1", Jail: knocks.JailSSHGuard, IP: addr("192.0.2.50"), BanTime: 120},
		{Time: at(-5), Kind: knocks.KindF2BUnban, Host: "web1", Jail: "sshd", IP: addr("192.0.2.51")},
	}
	// Most located addresses have the prefix their AS announces (two of one
	// /22, and the /32 of an IPv6 /48 that holds two /64s); 192.0.2.50 has
	// an AS but no prefix, 2001:db8:1:2::88 a city only.
	const src = "test-geo 2024-02-01"
	locs := map[netip.Addr]Located{
		addr("203.0.113.7"):      {knocks.Location{Country: "NL", CountryName: "Netherlands", City: "Amsterdam", Region: "NH", Lat: 52.37, Lon: 4.89, HasCoords: true, ASN: 64500, Org: "Example Hosting", Prefix: "203.0.113.0/24"}, src},
		addr("198.51.100.23"):    {knocks.Location{Country: "CN", CountryName: "China", City: "Shenzhen", Region: "GD", Lat: 22.54, Lon: 114.06, HasCoords: true, ASN: 4134, Org: "Chinanet", Prefix: "198.51.100.0/22"}, src},
		addr("198.51.100.7"):     {knocks.Location{Country: "CN", CountryName: "China", City: "Shenzhen", Region: "GD", Lat: 22.56, Lon: 114.08, HasCoords: true, ASN: 4134, Org: "CHINANET-BACKBONE", Prefix: "198.51.100.0/22"}, src},
		addr("192.0.2.50"):       {knocks.Location{Country: "US", CountryName: "United States", Registered: true, ASN: 64501, Org: "Probe Networks"}, src},
		addr("2001:db8:1:2::77"): {knocks.Location{Country: "DE", CountryName: "Germany", City: "Berlin", Lat: 52.52, Lon: 13.40, HasCoords: true, ASN: 64502, Org: "Sechs GmbH", Prefix: "2001:db8::/32"}, src},
		addr("2001:db8:1:2::88"): {knocks.Location{Country: "DE", CountryName: "Germany", City: "Frankfurt am Main", Region: "HE"}, "other-geo 2024-01-01"},
		addr("10.0.0.5"):         {knocks.Location{Reserved: "private"}, src},
		addr("203.0.113.66"):     {knocks.Location{}, src}, // looked up, nothing known
	}
	// What sshd's listener blocked by itself (OpenSSH 9.8+), and a lockout.
	pen := []knocks.PenaltyEvent{
		{Time: at(30), Host: "web1", Kind: knocks.KindPenalty, IP: addr("203.0.113.7"), Reason: "failed authentication", Count: 1},
		{Time: at(31), Host: "web1", Kind: knocks.KindDrop, IP: addr("203.0.113.7"), Reason: "failed authentication", Count: 1},
		{Time: at(32), Host: "web1", Kind: knocks.KindDrop, IP: addr("203.0.113.7"), Reason: "failed authentication", Count: 3},
		{Time: at(33), Host: "web1", Kind: knocks.KindDrop, Count: 12}, // rate-limited: no address, no reason
		{Time: at(200), Host: "web2", Kind: knocks.KindPenalty, IP: addr("198.51.100.7"), Reason: "connections without attempting authentication", Count: 1},
		{Time: at(201), Host: "web2", Kind: knocks.KindDrop, IP: addr("198.51.100.7"), Reason: "connections without attempting authentication", Count: 1},
		{Time: at(1500), Host: "web2", Kind: knocks.KindDrop, IP: addr("2001:db8:1:2::77"), Reason: "past MaxStartups", Count: 1},
		{Time: at(1501), Host: "web2", Kind: knocks.KindPenalty, IP: addr("2001:db8:1:2::77"), Reason: "failed authentication", Count: 1},
		{Time: at(1502), Host: "web1", Kind: knocks.KindLockout, User: "root", Count: 1},
		{Time: at(1503), Host: "web2", Kind: knocks.KindLockout, User: "root", Count: 2},
		{Time: at(1504), Host: "web1", Kind: knocks.KindLockout, User: "alice", Count: 1},
	}
	return Data{Connections: cs, Fail2ban: f2b, Penalties: pen, Locations: locs}
}

// Clone returns deep copies of connections, so that a test can write one
// copy and keep the other as written.
func Clone(cs []*knocks.Connection) []*knocks.Connection {
	out := make([]*knocks.Connection, len(cs))
	for i, c := range cs {
		c := *c
		out[i] = &c
	}
	return out
}
