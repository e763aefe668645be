package parse

import (
	"net/netip"
	"strings"
	"testing"
)

// TestNoUserNamePlantsAnAddress writes every sshd message that carries a
// user name with names that hold an address of their own (as attackers
// send them) and checks that the address is sshd's and the user the
// whole name, whatever the name holds.
func TestNoUserNamePlantsAnAddress(t *testing.T) {
	const real = "192.0.2.1"
	templates := []struct {
		Name, Msg string
		// The name ends the line: it loses its trailing spaces, and a
		// " [preauth]" at its end is taken for sshd's mark.
		Trim bool
	}{
		{"invalid user", "Invalid user %U from 192.0.2.1 port 4242", false},
		{"failed password", "Failed password for %U from 192.0.2.1 port 4242 ssh2", false},
		{"failed password invalid", "Failed password for invalid user %U from 192.0.2.1 port 4242 ssh2", false},
		{"failed publickey", "Failed publickey for %U from 192.0.2.1 port 4242 ssh2: RSA SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", false},
		{"failed publickey old fingerprint", "Failed publickey for %U from 192.0.2.1 port 4242 ssh2: RSA aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99", false},
		{"failed keyboard-interactive", "Failed keyboard-interactive/pam for invalid user %U from 192.0.2.1 port 4242 ssh2", false},
		{"failed none", "Failed none for invalid user %U from 192.0.2.1 port 4242 ssh2", false},
		{"accepted password", "Accepted password for %U from 192.0.2.1 port 4242 ssh2", false},
		{"accepted publickey", "Accepted publickey for %U from 192.0.2.1 port 4242 ssh2: ED25519 SHA256:q0w9e8r7t6y5u4i3o2p1", false},
		{"connection closed invalid", "Connection closed by invalid user %U 192.0.2.1 port 4242 [preauth]", false},
		{"connection closed authenticating", "Connection closed by authenticating user %U 192.0.2.1 port 4242 [preauth]", false},
		{"disconnected invalid", "Disconnected from invalid user %U 192.0.2.1 port 4242 [preauth]", false},
		{"disconnected authenticating", "Disconnected from authenticating user %U 192.0.2.1 port 4242 [preauth]", false},
		{"connection reset invalid", "Connection reset by invalid user %U 192.0.2.1 port 4242 [preauth]", false},
		{"max auth", "error: maximum authentication attempts exceeded for invalid user %U from 192.0.2.1 port 4242 ssh2 [preauth]", false},
		{"disconnecting too many", "Disconnecting invalid user %U 192.0.2.1 port 4242: Too many authentication failures [preauth]", false},
		{"not allowed", "User %U from 192.0.2.1 not allowed because not listed in AllowUsers", false},
		{"refused connection", "administratively prohibited connection for invalid user %U from 192.0.2.1 port 4242", false},
		{"pam_unix", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.1  user=%U", true},
		{"pam more", "PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.1  user=%U", true},
		{"pam error illegal", "error: PAM: Authentication failure for illegal user %U from 192.0.2.1", false},
		{"pam error", "error: PAM: Authentication failure for %U from 192.0.2.1", false},
	}
	names := []string{
		"root",
		"x from 6.6.6.6",
		"x from 6.6.6.6 port 1",
		"x from 6.6.6.6 port 1 ssh2",
		"x from 6.6.6.6 port 1 ssh2:",
		"x from 6.6.6.6 port 1 ssh2: RSA SHA256:zz",
		"x 6.6.6.6 port 1",
		"x 6.6.6.6 port 1 [preauth]",
		"x rhost=6.6.6.6",
		"x  user=y rhost=6.6.6.6",
		"x from 6.6.6.6 not allowed because y",
		"x 6.6.6.6 port 1: Too many authentication failures",
		"x from 2001:db8::6 port 1 ssh2",
		"admin ",
	}
	// sshd's address: IPv4, IPv6, or a host name (UseDNS).
	for _, src := range []string{real, "2001:db8::1", "scanner.example.net"} {
		for _, tm := range templates {
			for _, name := range names {
				msg := strings.ReplaceAll(strings.ReplaceAll(tm.Msg, real, src), "%U", name)
				check(t, tm.Name, name, src, tm.Trim, "Feb 25 00:07:21 host sshd[22071]: "+msg)
			}
		}
	}
}

// check parses line and checks that its source is src and its user name.
func check(t *testing.T, what, name, src string, trim bool, line string) {
	t.Helper()
	ev, st := Line([]byte(line))
	if st != Recognised {
		t.Errorf("%s, name %q: status %v\n%s", what, name, st, line)
		return
	}
	if a, err := netip.ParseAddr(src); err == nil && ev.IP != a || err != nil && ev.RHost != src {
		t.Errorf("%s, name %q: address %v (host name %q), want %s\n%s", what, name, ev.IP, ev.RHost, src, line)
	}
	want := name
	if trim {
		want = strings.TrimRight(strings.TrimSuffix(want, " [preauth]"), " ")
	}
	if ev.User != want || !ev.HasUser {
		t.Errorf("%s, name %q: user %q (has %v), want %q\n%s", what, name, ev.User, ev.HasUser, want, line)
	}
}
