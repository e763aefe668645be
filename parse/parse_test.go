package parse

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"knocks"
)

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

// wall returns a wall-clock time as Line gives it for a stamp without a
// zone (year 0 for RFC 3164 stamps).
func wall(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
	return time.Date(y, mo, d, h, mi, s, ns, wallLoc)
}

// msgHeader is the header that TestMessages puts before each message.
const msgHeader = "Feb 25 00:07:21 host sshd[22071]: "

// messageTests are sshd messages (OpenSSH 6.x to 10.x, as seen in real
// logs) with the event they give after msgHeader. Want holds no header
// fields: the test fills them in.
var messageTests = []struct {
	Name   string
	Input  string
	Want   knocks.Event
	Status Status
}{
	// Failed and Accepted.
	{"failed password", "Failed password for root from 192.0.2.1 port 22 ssh2",
		knocks.Event{Kind: knocks.KindFailed, IP: ip("192.0.2.1"), Port: 22, User: "root", HasUser: true, Method: "password"}, Recognised},
	{"failed invalid user", "Failed password for invalid user admin from 192.0.2.1 port 4242 ssh2",
		knocks.Event{Kind: knocks.KindFailed, IP: ip("192.0.2.1"), Port: 4242, User: "admin", HasUser: true, Invalid: true, Method: "password"}, Recognised},
	{"failed illegal user", "Failed password for illegal user admin from 192.0.2.1 port 4242 ssh2",
		knocks.Event{Kind: knocks.KindFailed, IP: ip("192.0.2.1"), Port: 4242, User: "admin", HasUser: true, Invalid: true, Method: "password"}, Recognised},
	{"failed none ipv6", "Failed none for invalid user guest from 2001:db8::1 port 4242 ssh2",
		knocks.Event{Kind: knocks.KindFailed, IP: ip("2001:db8::1"), Port: 4242, User: "guest", HasUser: true, Invalid: true, Method: "none"}, Recognised},
	{"failed publickey", "Failed publickey for root from 192.0.2.1 port 4242 ssh2: RSA SHA256:v3dpapGleDaUKf$4V1vKyR9ZyUgjaJAmoCTcb2PLljI",
		knocks.Event{Kind: knocks.KindFailed, IP: ip("192.0.2.1"), Port: 4242, User: "root", HasUser: true, Method: "publickey"}, Recognised},
	{"failed keyboard-interactive/pam", "Failed keyboard-interactive/pam for invalid user ftp from 192.0.2.1 port 33723 ssh2",
		knocks.Event{Kind: knocks.KindFailed, IP: ip("192.0.2.1"), Port: 33723, User: "ftp", HasUser: true, Invalid: true, Method: "keyboard-interactive/pam"}, Recognised},
	{"failed hostbased", `Failed hostbased for dan from 127.0.0.1 port 45785 ssh2: RSA 8c:e3:aa:0f:64:51:02:f7:14:79:89:3f:65:84:7c:30, client user "dan", client host "localhost.localdomain"`,
		knocks.Event{Kind: knocks.KindFailed, IP: ip("127.0.0.1"), Port: 45785, User: "dan", HasUser: true, Method: "hostbased"}, Recognised},
	{"failed unknown method", "Failed unknown for invalid user redmond from 192.0.2.1 port 59197 ssh2",
		knocks.Event{Kind: knocks.KindFailed, IP: ip("192.0.2.1"), Port: 59197, User: "redmond", HasUser: true, Invalid: true, Method: "unknown"}, Recognised},
	{"failed ssh1", "Failed password for dan from 127.0.0.1 port 45416 ssh1",
		knocks.Event{Kind: knocks.KindFailed, IP: ip("127.0.0.1"), Port: 45416, User: "dan", HasUser: true, Method: "password"}, Recognised},
	{"failed without port", "Failed password for invalid user ROOT from aaaa:bbbb:cccc:1234::1:1",
		knocks.Event{Kind: knocks.KindFailed, IP: ip("aaaa:bbbb:cccc:1234::1:1"), User: "ROOT", HasUser: true, Invalid: true, Method: "password"}, Recognised},
	{"failed mapped ipv4", "Failed password for root from ::ffff:192.0.2.7 port 22 ssh2",
		knocks.Event{Kind: knocks.KindFailed, IP: ip("192.0.2.7"), Port: 22, User: "root", HasUser: true, Method: "password"}, Recognised},
	{"failed ipv6 zone", "Failed password for root from fe80::1%eth0 port 22 ssh2",
		knocks.Event{Kind: knocks.KindFailed, IP: ip("fe80::1"), Port: 22, User: "root", HasUser: true, Method: "password"}, Recognised},
	{"failed host name", "Failed password for root from example.com port 22 ssh2",
		knocks.Event{Kind: knocks.KindFailed, RHost: "example.com", Port: 22, User: "root", HasUser: true, Method: "password"}, Recognised},
	{"failed solaris invalid username", "Failed keyboard-interactive for <invalid username> from 205.186.180.55 port 42742 ssh2",
		knocks.Event{Kind: knocks.KindFailed, IP: ip("205.186.180.55"), Port: 42742, Invalid: true, Method: "keyboard-interactive"}, Recognised},
	{"failed empty user", "Failed password for invalid user  from 192.0.2.68 port 34916 ssh2",
		knocks.Event{Kind: knocks.KindFailed, IP: ip("192.0.2.68"), Port: 34916, HasUser: true, Invalid: true, Method: "password"}, Recognised},
	{"failed user with spaces", "Failed password for invalid user a b c from 192.0.2.1 port 22 ssh2",
		knocks.Event{Kind: knocks.KindFailed, IP: ip("192.0.2.1"), Port: 22, User: "a b c", HasUser: true, Invalid: true, Method: "password"}, Recognised},
	{"message repeated", "message repeated 3 times: [ Failed password for root from 192.0.2.1 port 22 ssh2]",
		knocks.Event{Kind: knocks.KindFailed, IP: ip("192.0.2.1"), Port: 22, User: "root", HasUser: true, Method: "password", Count: 3}, Recognised},
	{"message repeated preauth", "message repeated 2 times: [ Connection closed by 192.0.2.1 port 22 [preauth]]",
		knocks.Event{Kind: knocks.KindDisconnect, IP: ip("192.0.2.1"), Port: 22, Count: 2}, Recognised},
	{"failed user plants address", "Failed password for invalid user y from 6.6.6.7 port 22 ssh2: from 203.0.113.9 port 4242 ssh2",
		knocks.Event{Kind: knocks.KindFailed, IP: ip("203.0.113.9"), Port: 4242, User: "y from 6.6.6.7 port 22 ssh2:", HasUser: true, Invalid: true, Method: "password"}, Recognised},
	{"failed user plants address and key", "Failed publickey for x from 6.6.6.7 port 22 ssh2: RSA SHA256:abc from 203.0.113.9 port 4242 ssh2: RSA SHA256:def",
		knocks.Event{Kind: knocks.KindFailed, IP: ip("203.0.113.9"), Port: 4242, User: "x from 6.6.6.7 port 22 ssh2: RSA SHA256:abc", HasUser: true, Method: "publickey"}, Recognised},
	{"failed user plants address without port", "Failed password for x from 6.6.6.7 from 203.0.113.9 port 4242 ssh2",
		knocks.Event{Kind: knocks.KindFailed, IP: ip("203.0.113.9"), Port: 4242, User: "x from 6.6.6.7", HasUser: true, Method: "password"}, Recognised},
	{"failed publickey old fingerprint", "Failed publickey for root from 203.0.113.9 port 4242 ssh2: RSA 8c:e3:aa:0f:64:51:02:f7:14:79:89:3f:65:84:7c:30",
		knocks.Event{Kind: knocks.KindFailed, IP: ip("203.0.113.9"), Port: 4242, User: "root", HasUser: true, Method: "publickey"}, Recognised},
	{"accepted certificate", "Accepted publickey for bob from 203.0.113.9 port 4242 ssh2: ED25519-CERT SHA256:5ZJ9mH8kq3lJ0Vx0e4tAqR2lS1dwSx3Zb0qFrYV7m1E ID bob@example.org (serial 7) CA ED25519 SHA256:Zb0qFrYV7m1E5ZJ9mH8kq3lJ0Vx0e4tAqR2lS1dwSx3",
		knocks.Event{Kind: knocks.KindLogin, IP: ip("203.0.113.9"), Port: 4242, User: "bob", HasUser: true, Method: "publickey"}, Recognised},
	{"password with key-like tail", "Failed password for x from 6.6.6.7 port 22 ssh2: RSA SHA256:abc, client user \"a\", client host \"b\" from 203.0.113.9 port 4242 ssh2",
		knocks.Event{Kind: knocks.KindFailed, IP: ip("203.0.113.9"), Port: 4242, User: "x from 6.6.6.7 port 22 ssh2: RSA SHA256:abc, client user \"a\", client host \"b\"", HasUser: true, Method: "password"}, Recognised},
	{"accepted password", "Accepted password for bob from 192.0.2.1 port 4242 ssh2",
		knocks.Event{Kind: knocks.KindLogin, IP: ip("192.0.2.1"), Port: 4242, User: "bob", HasUser: true, Method: "password"}, Recognised},
	{"accepted publickey", "Accepted publickey for bob from 2001:db8::1 port 4242 ssh2: ED25519 SHA256:5ZJ9mH8kq3lJ0Vx0e4tAqR2lS1dwSx3Zb0qFrYV7m1E",
		knocks.Event{Kind: knocks.KindLogin, IP: ip("2001:db8::1"), Port: 4242, User: "bob", HasUser: true, Method: "publickey"}, Recognised},
	{"accepted keyboard-interactive", "Accepted keyboard-interactive/pam for bob from 192.0.2.1 port 4242 ssh2",
		knocks.Event{Kind: knocks.KindLogin, IP: ip("192.0.2.1"), Port: 4242, User: "bob", HasUser: true, Method: "keyboard-interactive/pam"}, Recognised},

	// Invalid and not allowed users.
	{"invalid user", "Invalid user admin from 192.0.2.1 port 4242",
		knocks.Event{Kind: knocks.KindInvalidUser, IP: ip("192.0.2.1"), Port: 4242, User: "admin", HasUser: true, Invalid: true}, Recognised},
	{"invalid user no port", "Invalid user ftp from 192.0.2.1",
		knocks.Event{Kind: knocks.KindInvalidUser, IP: ip("192.0.2.1"), User: "ftp", HasUser: true, Invalid: true}, Recognised},
	{"invalid empty user", "Invalid user  from 192.0.2.68 port 34916",
		knocks.Event{Kind: knocks.KindInvalidUser, IP: ip("192.0.2.68"), Port: 34916, HasUser: true, Invalid: true}, Recognised},
	{"invalid user with spaces", "Invalid user a b c from 192.0.2.1 port 22",
		knocks.Event{Kind: knocks.KindInvalidUser, IP: ip("192.0.2.1"), Port: 22, User: "a b c", HasUser: true, Invalid: true}, Recognised},
	{"invalid user ipv6 zone", "Invalid user inexu from 2001:db8::a11:beef:7ac0%abcdefgh1234567",
		knocks.Event{Kind: knocks.KindInvalidUser, IP: ip("2001:db8::a11:beef:7ac0"), User: "inexu", HasUser: true, Invalid: true}, Recognised},
	{"invalid user without address", "Invalid user admin",
		knocks.Event{Kind: knocks.KindInvalidUser, User: "admin", HasUser: true, Invalid: true}, Recognised},
	{"invalid empty user one space", "Invalid user from 192.0.2.1 port 22",
		knocks.Event{Kind: knocks.KindInvalidUser, IP: ip("192.0.2.1"), Port: 22, HasUser: true, Invalid: true}, Recognised},
	{"invalid user named from", "Invalid user from from 192.0.2.1 port 22",
		knocks.Event{Kind: knocks.KindInvalidUser, IP: ip("192.0.2.1"), Port: 22, User: "from", HasUser: true, Invalid: true}, Recognised},
	{"invalid user bad address", "Invalid user x from no/where", knocks.Event{}, Unrecognised},
	{"more escapes", `Invalid user a\nb\sc\9d\ from 192.0.2.1`,
		knocks.Event{Kind: knocks.KindInvalidUser, IP: ip("192.0.2.1"), User: "a\nb c\\9d\\", HasUser: true, Invalid: true}, Recognised},
	{"octal out of range", `Invalid user x\400y from 192.0.2.1`,
		knocks.Event{Kind: knocks.KindInvalidUser, IP: ip("192.0.2.1"), User: "x\\400y", HasUser: true, Invalid: true}, Recognised},
	{"illegal user", "Illegal user test from 192.0.2.1",
		knocks.Event{Kind: knocks.KindInvalidUser, IP: ip("192.0.2.1"), User: "test", HasUser: true, Invalid: true}, Recognised},
	{"input_userauth_request", "input_userauth_request: invalid user root [preauth]",
		knocks.Event{Kind: knocks.KindInvalidUser, User: "root", HasUser: true, Invalid: true}, Recognised},
	{"input_userauth_request no preauth", "input_userauth_request: illegal user root",
		knocks.Event{Kind: knocks.KindInvalidUser, User: "root", HasUser: true, Invalid: true}, Recognised},
	{"invalid user escaped once", `Invalid user \026 from 203.0.113.21 port 2223`,
		knocks.Event{Kind: knocks.KindInvalidUser, IP: ip("203.0.113.21"), Port: 2223, User: "\x16", HasUser: true, Invalid: true}, Recognised},
	{"input_userauth_request escaped twice", `input_userauth_request: invalid user \\026 [preauth]`,
		knocks.Event{Kind: knocks.KindInvalidUser, User: "\x16", HasUser: true, Invalid: true}, Recognised},
	{"preauth disconnect escaped twice", `Connection closed by invalid user \\026 203.0.113.21 port 2223 [preauth]`,
		knocks.Event{Kind: knocks.KindAuthDisconnect, IP: ip("203.0.113.21"), Port: 2223, User: "\x16", HasUser: true, Invalid: true}, Recognised},
	{"preauth backslash escaped twice", `input_userauth_request: invalid user a\\\\b [preauth]`,
		knocks.Event{Kind: knocks.KindInvalidUser, User: `a\b`, HasUser: true, Invalid: true}, Recognised},
	{"invalid user trailing space", "Invalid user admin  from 203.0.113.21 port 2223",
		knocks.Event{Kind: knocks.KindInvalidUser, IP: ip("203.0.113.21"), Port: 2223, User: "admin ", HasUser: true, Invalid: true}, Recognised},
	{"input_userauth_request trailing space", "input_userauth_request: invalid user admin  [preauth]",
		knocks.Event{Kind: knocks.KindInvalidUser, User: "admin ", HasUser: true, Invalid: true}, Recognised},
	{"input_userauth_request empty user", "input_userauth_request: invalid user  [preauth]",
		knocks.Event{Kind: knocks.KindInvalidUser, HasUser: true, Invalid: true}, Recognised},
	{"invalid empty user issue", "Invalid user  from 203.0.113.172 port 4000",
		knocks.Event{Kind: knocks.KindInvalidUser, IP: ip("203.0.113.172"), Port: 4000, HasUser: true, Invalid: true}, Recognised},
	{"octal escapes", `Invalid user \357\273\277root from 192.0.2.1 port 4242`,
		knocks.Event{Kind: knocks.KindInvalidUser, IP: ip("192.0.2.1"), Port: 4242, User: "\xef\xbb\xbfroot", HasUser: true, Invalid: true}, Recognised},
	{"c-style escapes", `Invalid user a\\b\tc\001 from 192.0.2.1 port 4242`,
		knocks.Event{Kind: knocks.KindInvalidUser, IP: ip("192.0.2.1"), Port: 4242, User: "a\\b\tc\x01", HasUser: true, Invalid: true}, Recognised},
	{"not allowed", "User root from 192.0.2.1 not allowed because not listed in AllowUsers",
		knocks.Event{Kind: knocks.KindNotAllowed, IP: ip("192.0.2.1"), User: "root", HasUser: true, Invalid: true}, Recognised},
	{"not allowed host name", "User root from example.com not allowed because listed in DenyUsers",
		knocks.Event{Kind: knocks.KindNotAllowed, RHost: "example.com", User: "root", HasUser: true, Invalid: true}, Recognised},
	{"not allowed no address", "User root not allowed because account is locked",
		knocks.Event{Kind: knocks.KindNotAllowed, User: "root", HasUser: true, Invalid: true}, Recognised},
	{"not allowed zone", "User mario from 2001:db8::a11:beef:7ac0%lo not allowed because none of user's groups are listed in AllowGroups",
		knocks.Event{Kind: knocks.KindNotAllowed, IP: ip("2001:db8::a11:beef:7ac0"), User: "mario", HasUser: true, Invalid: true}, Recognised},
	{"root login refused", "ROOT LOGIN REFUSED FROM 192.0.2.1 port 4242 [preauth]",
		knocks.Event{Kind: knocks.KindRootRefused, IP: ip("192.0.2.1"), Port: 4242, User: "root", HasUser: true}, Recognised},
	{"root login refused old", "ROOT LOGIN REFUSED FROM ::ffff:1.2.3.4",
		knocks.Event{Kind: knocks.KindRootRefused, IP: ip("1.2.3.4"), User: "root", HasUser: true}, Recognised},

	// PAM.
	{"pam authentication failure", "error: PAM: Authentication failure for root from 192.0.2.1",
		knocks.Event{Kind: knocks.KindPAMFailure, IP: ip("192.0.2.1"), User: "root", HasUser: true}, Recognised},
	{"pam user not known", "error: PAM: User not known to the underlying authentication module for illegal user kernelitshell from 10.215.4.227 ",
		knocks.Event{Kind: knocks.KindPAMFailure, IP: ip("10.215.4.227"), User: "kernelitshell", HasUser: true, Invalid: true}, Recognised},
	{"pam unknown user", "error: PAM: unknown user for illegal user mario from 6.6.6.6",
		knocks.Event{Kind: knocks.KindPAMFailure, IP: ip("6.6.6.6"), User: "mario", HasUser: true, Invalid: true}, Recognised},
	{"pam via", "error: PAM: authentication error for james from example.com via 192.168.1.201",
		knocks.Event{Kind: knocks.KindPAMFailure, RHost: "example.com", User: "james", HasUser: true}, Recognised},
	{"pam_unix auth failure", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.112  user=root",
		knocks.Event{Kind: knocks.KindPAMFailure, IP: ip("192.0.2.112"), User: "root", HasUser: true}, Recognised},
	{"pam_unix auth failure no user", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.112",
		knocks.Event{Kind: knocks.KindPAMFailure, IP: ip("192.0.2.112")}, Recognised},
	{"pam more failures", "PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.1  user=root",
		knocks.Event{Kind: knocks.KindPAMFailure, IP: ip("192.0.2.1"), User: "root", HasUser: true}, Recognised},
	{"pam check pass", "pam_unix(sshd:auth): check pass; user unknown", knocks.Event{}, Ignored},
	{"pam session", "pam_unix(sshd:session): session opened for user bob(uid=1000) by (uid=0)", knocks.Event{}, Ignored},

	// Too many attempts and disconnects that name a user.
	{"maximum attempts", "error: maximum authentication attempts exceeded for root from 192.0.2.1 port 4242 ssh2 [preauth]",
		knocks.Event{Kind: knocks.KindMaxAuth, IP: ip("192.0.2.1"), Port: 4242, User: "root", HasUser: true}, Recognised},
	{"maximum attempts invalid", "error: maximum authentication attempts exceeded for invalid user xxx from 192.0.2.7 port 49941 ssh2 [preauth]",
		knocks.Event{Kind: knocks.KindMaxAuth, IP: ip("192.0.2.7"), Port: 49941, User: "xxx", HasUser: true, Invalid: true}, Recognised},
	{"too many failures old", "Disconnecting: Too many authentication failures for root [preauth]",
		knocks.Event{Kind: knocks.KindMaxAuth, User: "root", HasUser: true}, Recognised},
	{"too many failures bare", "Disconnecting: Too many authentication failures [preauth]",
		knocks.Event{Kind: knocks.KindMaxAuth}, Recognised},
	{"too many failures remote id", "Disconnecting authenticating user root 192.0.2.1 port 4242: Too many authentication failures [preauth]",
		knocks.Event{Kind: knocks.KindMaxAuth, IP: ip("192.0.2.1"), Port: 4242, User: "root", HasUser: true}, Recognised},
	{"too many failures invalid", "Disconnecting invalid user xxx 192.0.2.7 port 49941: Too many authentication failures [preauth]",
		knocks.Event{Kind: knocks.KindMaxAuth, IP: ip("192.0.2.7"), Port: 49941, User: "xxx", HasUser: true, Invalid: true}, Recognised},
	{"change of username", "Disconnecting invalid user admin 192.0.2.117 port 44004: Change of username or service not allowed: (admin,ssh-connection) -> (user,ssh-connection) [preauth]",
		knocks.Event{Kind: knocks.KindAuthDisconnect, IP: ip("192.0.2.117"), Port: 44004, User: "admin", HasUser: true, Invalid: true}, Recognised},
	{"closed authenticating user", "Connection closed by authenticating user root 192.0.2.10 port 46038 [preauth]",
		knocks.Event{Kind: knocks.KindAuthDisconnect, IP: ip("192.0.2.10"), Port: 46038, User: "root", HasUser: true}, Recognised},
	{"closed invalid user", "Connection closed by invalid user gpadmin 192.0.2.1 port 9224 [preauth]",
		knocks.Event{Kind: knocks.KindAuthDisconnect, IP: ip("192.0.2.1"), Port: 9224, User: "gpadmin", HasUser: true, Invalid: true}, Recognised},
	{"closed invalid empty user", "Connection closed by invalid user  192.0.2.68 port 34916 [preauth]",
		knocks.Event{Kind: knocks.KindAuthDisconnect, IP: ip("192.0.2.68"), Port: 34916, HasUser: true, Invalid: true}, Recognised},
	{"reset authenticating user", "Connection reset by authenticating user root 192.0.2.20 port 1558 [preauth]",
		knocks.Event{Kind: knocks.KindAuthDisconnect, IP: ip("192.0.2.20"), Port: 1558, User: "root", HasUser: true}, Recognised},
	{"disconnected invalid user", "Disconnected from invalid user support 192.0.2.1 port 56636 [preauth]",
		knocks.Event{Kind: knocks.KindAuthDisconnect, IP: ip("192.0.2.1"), Port: 56636, User: "support", HasUser: true, Invalid: true}, Recognised},
	{"disconnected authenticating user", "Disconnected from authenticating user root 192.0.2.6 port 33553 [preauth]",
		knocks.Event{Kind: knocks.KindAuthDisconnect, IP: ip("192.0.2.6"), Port: 33553, User: "root", HasUser: true}, Recognised},
	{"received disconnect auth fail", "error: Received disconnect from 10.0.0.1 port 7736:3: com.jcraft.jsch.JSchException: Auth fail [preauth]",
		knocks.Event{Kind: knocks.KindAuthDisconnect, IP: ip("10.0.0.1"), Port: 7736}, Recognised},
	{"port of more than 6 digits is no port", "Received disconnect from 192.0.2.1 port 1000000:11: Bye Bye [preauth]",
		knocks.Event{Kind: knocks.KindDisconnect, IP: ip("192.0.2.1")}, Recognised},
	{"remote id with a port of more than 6 digits", "Connection closed by 192.0.2.1 port 1000000 [preauth]",
		knocks.Event{}, Unrecognised},
	{"received disconnect auth fail old", "Received disconnect from 89.24.13.192: 3: com.jcraft.jsch.JSchException: Auth fail",
		knocks.Event{Kind: knocks.KindAuthDisconnect, IP: ip("89.24.13.192")}, Recognised},
	{"received disconnect auth cancel", "Received disconnect from 192.0.2.1 port 7736:3: com.jcraft.jsch.JSchException: Auth cancel [preauth]",
		knocks.Event{Kind: knocks.KindAuthDisconnect, IP: ip("192.0.2.1"), Port: 7736}, Recognised},
	{"received disconnect no more auth methods", "Received disconnect from 203.0.113.4 port 4000:14: No more user authentication methods available. [preauth]",
		knocks.Event{Kind: knocks.KindAuthDisconnect, IP: ip("203.0.113.4"), Port: 4000}, Recognised},
	{"received disconnect no auth methods", "error: Received disconnect from 192.168.2.92 port 1684:14: No supported authentication methods available [preauth]",
		knocks.Event{Kind: knocks.KindAuthDisconnect, IP: ip("192.168.2.92"), Port: 1684}, Recognised},

	// Scans.
	{"no identification", "Did not receive identification string from 192.0.2.5 port 35836",
		knocks.Event{Kind: knocks.KindNoIdent, IP: ip("192.0.2.5"), Port: 35836}, Recognised},
	{"no identification old", "Did not receive identification string from 69.61.56.114",
		knocks.Event{Kind: knocks.KindNoIdent, IP: ip("69.61.56.114")}, Recognised},
	{"kex closed", "error: kex_exchange_identification: Connection closed by remote host",
		knocks.Event{Kind: knocks.KindKexFail}, Recognised},
	{"kex reset", "error: kex_exchange_identification: read: Connection reset by peer",
		knocks.Event{Kind: knocks.KindKexFail}, Recognised},
	{"kex invalid identifier", `error: kex_exchange_identification: client sent invalid protocol identifier "GET / HTTP/1.1"`,
		knocks.Event{Kind: knocks.KindKexFail}, Recognised},
	{"banner exchange", "banner exchange: Connection from 192.0.2.12 port 44105: invalid format",
		knocks.Event{Kind: knocks.KindKexFail, IP: ip("192.0.2.12"), Port: 44105}, Recognised},
	{"bad protocol version", "Bad protocol version identification 'GET / HTTP/1.1' from 192.0.2.1 port 31778",
		knocks.Event{Kind: knocks.KindKexFail, IP: ip("192.0.2.1"), Port: 31778}, Recognised},
	{"protocol major versions", "Protocol major versions differ for 192.0.2.1 port 4242: SSH-2.0-OpenSSH_7.4 vs. SSH-1.5-NmapNSE_1.0",
		knocks.Event{Kind: knocks.KindKexFail, IP: ip("192.0.2.1"), Port: 4242}, Recognised},
	{"unable to negotiate", "Unable to negotiate with 192.0.2.1 port 55419: no matching cipher found. Their offer: aes256-cbc,3des-cbc [preauth]",
		knocks.Event{Kind: knocks.KindNegotiateFail, IP: ip("192.0.2.1"), Port: 55419}, Recognised},
	{"unable to negotiate fatal", "fatal: Unable to negotiate with 192.0.2.2 port 55419: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1",
		knocks.Event{Kind: knocks.KindNegotiateFail, IP: ip("192.0.2.2"), Port: 55419}, Recognised},
	{"unable to negotiate no port", "fatal: Unable to negotiate with 108.229.36.174: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]",
		knocks.Event{Kind: knocks.KindNegotiateFail, IP: ip("108.229.36.174")}, Recognised},
	{"unable to negotiate old", "fatal: Unable to negotiate a key exchange method [preauth]",
		knocks.Event{Kind: knocks.KindNegotiateFail}, Recognised},
	{"no matching mac", "fatal: no matching mac found: client hmac-md5 server hmac-sha2-256 [preauth]",
		knocks.Event{Kind: knocks.KindNegotiateFail}, Recognised},
	{"timeout", "fatal: Timeout before authentication for 192.0.2.14 port 55555",
		knocks.Event{Kind: knocks.KindTimeout, IP: ip("192.0.2.14"), Port: 55555}, Recognised},
	{"timeout listener", "Timeout before authentication for connection from 192.0.2.17 to 127.0.0.1, pid = 29098",
		knocks.Event{Kind: knocks.KindTimeout, IP: ip("192.0.2.17"), PID: 29098}, Recognised},
	{"dispatch fatal", "ssh_dispatch_run_fatal: Connection from 192.0.2.13 port 33738: message authentication code incorrect [preauth]",
		knocks.Event{Kind: knocks.KindDispatchFatal, IP: ip("192.0.2.13"), Port: 33738}, Recognised},
	{"dispatch fatal with user", "ssh_dispatch_run_fatal: Connection from authenticating user root 192.0.2.13 port 33738: Broken pipe [preauth]",
		knocks.Event{Kind: knocks.KindAuthDisconnect, IP: ip("192.0.2.13"), Port: 33738, User: "root", HasUser: true}, Recognised},
	{"read from socket failed", "fatal: Read from socket failed: Connection reset by peer [preauth]",
		knocks.Event{Kind: knocks.KindDispatchFatal}, Recognised},
	{"read error", "Read error from remote host 192.168.1.1: Connection reset by peer [preauth]",
		knocks.Event{Kind: knocks.KindDispatchFatal, IP: ip("192.168.1.1")}, Recognised},
	{"read error in a session", "Read error from remote host 192.168.1.1: Connection reset by peer", knocks.Event{}, Ignored},
	{"corrupted mac in a session", "Corrupted MAC on input.", knocks.Event{}, Ignored},
	{"write failed", "fatal: Write failed: Connection reset by peer [preauth]", knocks.Event{Kind: knocks.KindDispatchFatal}, Recognised},
	{"disconnecting in a session", "Disconnecting: Packet corrupt", knocks.Event{}, Ignored},
	{"corrupted mac", "Corrupted MAC on input. [preauth]", knocks.Event{Kind: knocks.KindDispatchFatal}, Recognised},
	{"bad packet length", "Bad packet length 4081586742. [preauth]", knocks.Event{Kind: knocks.KindDispatchFatal}, Recognised},
	{"refused connect", "refused connect from _U2FsdGVkX19P3BCJmFBHhjLza8BcMH06WCUVwttMHpE=_@::ffff:218.249.210.161 (::ffff:218.249.210.161)",
		knocks.Event{Kind: knocks.KindRefused, IP: ip("218.249.210.161")}, Recognised},
	{"refused connect host", "refused connect from host.example.com (192.0.2.9)",
		knocks.Event{Kind: knocks.KindRefused, IP: ip("192.0.2.9")}, Recognised},
	{"magic value check", "Magic value check failed (4289475479) on obfuscated handshake from 203.0.113.170 port 62730",
		knocks.Event{Kind: knocks.KindKexFail, IP: ip("203.0.113.170"), Port: 62730}, Recognised},
	{"can't get client address", "warning: can't get client address: Connection reset by peer",
		knocks.Event{Kind: knocks.KindDispatchFatal}, Recognised},
	{"could not write ident string", "Could not write ident string to 203.0.113.171 port 3333",
		knocks.Event{Kind: knocks.KindKexFail, IP: ip("203.0.113.171"), Port: 3333}, Recognised},
	{"received disconnect ipv6 ending in ::", "Received disconnect from 2001:db8:8a8e:1ffa:: port 36840:11: Bye Bye [preauth]",
		knocks.Event{Kind: knocks.KindDisconnect, IP: ip("2001:db8:8a8e:1ffa::"), Port: 36840}, Recognised},
	{"write failed is a scan", "fatal: Write failed: Connection reset by peer [preauth]", knocks.Event{Kind: knocks.KindDispatchFatal}, Recognised},
	{"protocol major versions differ without a port", "error: Protocol major versions differ for 203.0.113.52: SSH-2.0-OpenSSH_5.3 vs. SSH-1.5-NmapNSE_1.0",
		knocks.Event{Kind: knocks.KindKexFail, IP: ip("203.0.113.52")}, Recognised},
	{"protocol major versions differ without a port, IPv6", "Protocol major versions differ for 2001:db8::52: SSH-2.0-OpenSSH_5.3 vs. SSH-1.5-NmapNSE_1.0",
		knocks.Event{Kind: knocks.KindKexFail, IP: ip("2001:db8::52")}, Recognised},
	{"protocol major versions differ is a scan", "Protocol major versions differ for 203.0.113.7 port 4000: SSH-2.0-OpenSSH_9.6 vs. SSH-1.5-Nmap",
		knocks.Event{Kind: knocks.KindKexFail, IP: ip("203.0.113.7"), Port: 4000}, Recognised},
	{"corrupted mac is a scan", "Corrupted MAC on input. [preauth]", knocks.Event{Kind: knocks.KindDispatchFatal}, Recognised},

	// OpenSSH 9.8+ PerSourcePenalties and 9.9+ RefuseConnection: what the
	// listener blocked by itself.
	{"drop connection penalty", "drop connection #0 from [192.0.2.1]:48602 on [198.51.100.1]:22 penalty: exceeded LoginGraceTime",
		knocks.Event{Kind: knocks.KindDrop, IP: ip("192.0.2.1"), Port: 48602, Reason: "exceeded LoginGraceTime"}, Recognised},
	{"drop connection with a port of more than 6 digits", "drop connection #0 from [192.0.2.1]:1000000 on [198.51.100.1]:22 penalty: exceeded LoginGraceTime",
		knocks.Event{Kind: knocks.KindDrop, IP: ip("192.0.2.1"), Reason: "exceeded LoginGraceTime"}, Recognised},
	{"drop connection failed authentication", "drop connection #13 from [203.0.113.142]:57590 on [192.0.2.132]:22 penalty: failed authentication",
		knocks.Event{Kind: knocks.KindDrop, IP: ip("203.0.113.142"), Port: 57590, Reason: "failed authentication"}, Recognised},
	{"drop connection ipv6 no auth", "drop connection #2 from [2001:db8::7]:40000 on [2001:db8::1]:22 penalty: connections without attempting authentication",
		knocks.Event{Kind: knocks.KindDrop, IP: ip("2001:db8::7"), Port: 40000, Reason: "connections without attempting authentication"}, Recognised},
	{"drop connection maxstartups", "drop connection #3 from [2001:db8::5]:48602 on [2001:db8::1]:22 past MaxStartups",
		knocks.Event{Kind: knocks.KindDrop, IP: ip("2001:db8::5"), Port: 48602, Reason: "past MaxStartups"}, Recognised},
	{"penalty activating", "srclimit_penalise: 203.0.113.142/32: activating ipv4 penalty of 17 seconds for penalty: failed authentication",
		knocks.Event{Kind: knocks.KindPenalty, IP: ip("203.0.113.142"), Reason: "failed authentication"}, Recognised},
	{"penalty new active", "srclimit_penalise: ipv4: new 203.0.113.143/32 active penalty of 5.000 seconds for penalty: failed authentication",
		knocks.Event{Kind: knocks.KindPenalty, IP: ip("203.0.113.143"), Reason: "failed authentication"}, Recognised},
	{"penalty ipv6 network", "srclimit_penalise: ipv6: new 2001:db8:1:2::/64 active penalty of 30.000 seconds for penalty: caused crash",
		knocks.Event{Kind: knocks.KindPenalty, IP: ip("2001:db8:1:2::"), Reason: "caused crash"}, Recognised},
	{"penalty deferred", "srclimit_penalise: ipv4: new 203.0.113.144/32 deferred penalty of 1.000 seconds for penalty: failed authentication", knocks.Event{}, Ignored},
	{"penalty table full", "srclimit_penalise: ipv4: penalty table full, cannot penalise 203.0.113.145/32 for penalty: failed authentication", knocks.Event{}, Ignored},
	{"drops rate-limited", "PerSourcePenalties logging rate-limited: additional 12 connections dropped",
		knocks.Event{Kind: knocks.KindDrop, Count: 12}, Recognised},
	{"refuse connection invalid user", "administratively prohibited connection for invalid user bob from 203.0.113.150 port 4242",
		knocks.Event{Kind: knocks.KindNotAllowed, IP: ip("203.0.113.150"), Port: 4242, User: "bob", HasUser: true, Invalid: true}, Recognised},
	{"refuse connection valid user", "administratively prohibited connection for root from 203.0.113.151 port 4243",
		knocks.Event{Kind: knocks.KindNotAllowed, IP: ip("203.0.113.151"), Port: 4243, User: "root", HasUser: true, Invalid: true}, Recognised},
	{"refuse connection user plants address", "administratively prohibited connection for invalid user x from 6.6.6.7 port 1 from 203.0.113.152 port 4244",
		knocks.Event{Kind: knocks.KindNotAllowed, IP: ip("203.0.113.152"), Port: 4244, User: "x from 6.6.6.7 port 1", HasUser: true, Invalid: true}, Recognised},
	{"timeout listener 9.8", "Timeout before authentication for connection from 203.0.113.151 to 192.0.2.132, pid = 5345",
		knocks.Event{Kind: knocks.KindTimeout, IP: ip("203.0.113.151"), PID: 5345}, Recognised},
	{"faillock lockout", "pam_faillock(sshd:auth): Consecutive login failures for user root account temporarily locked",
		knocks.Event{Kind: knocks.KindLockout, User: "root", HasUser: true}, Recognised},
	{"closed preauth", "Connection closed by 192.0.2.212 [preauth]",
		knocks.Event{Kind: knocks.KindDisconnect, IP: ip("192.0.2.212")}, Recognised},
	{"closed no preauth", "Connection closed by 192.0.2.15 port 35352",
		knocks.Event{Kind: knocks.KindDisconnect, IP: ip("192.0.2.15"), Port: 35352}, Recognised},
	{"reset", "Connection reset by 192.0.2.39 port 14282 [preauth]",
		knocks.Event{Kind: knocks.KindDisconnect, IP: ip("192.0.2.39"), Port: 14282}, Recognised},
	{"disconnected", "Disconnected from 192.0.2.4 port 36985 [preauth]",
		knocks.Event{Kind: knocks.KindDisconnect, IP: ip("192.0.2.4"), Port: 36985}, Recognised},
	{"received disconnect bye", "Received disconnect from 192.0.2.1 port 58846:11: Bye Bye [preauth]",
		knocks.Event{Kind: knocks.KindDisconnect, IP: ip("192.0.2.1"), Port: 58846}, Recognised},
	{"received disconnect old ipv6", "Received disconnect from 2001:db8::a11:beef:7ac0: 11: Bye Bye [preauth]",
		knocks.Event{Kind: knocks.KindDisconnect, IP: ip("2001:db8::a11:beef:7ac0")}, Recognised},
	{"received disconnect empty reason", "Received disconnect from 192.0.2.1 port 5:11:  [preauth]",
		knocks.Event{Kind: knocks.KindDisconnect, IP: ip("192.0.2.1"), Port: 5}, Recognised},
	{"disconnecting other", "Disconnecting: Packet corrupt [preauth]", knocks.Event{Kind: knocks.KindDisconnect}, Recognised},
	{"disconnecting remote id", "Disconnecting 192.0.2.1 port 4242: Bad packet length 1234. [preauth]",
		knocks.Event{Kind: knocks.KindDisconnect, IP: ip("192.0.2.1"), Port: 4242}, Recognised},
	{"disconnecting remote id in a session", "Disconnecting 192.0.2.1 port 4242: Bad packet length 1234.", knocks.Event{}, Ignored},
	{"disconnecting user", "Disconnecting user bob 192.0.2.1 port 4242: Server shutting down", knocks.Event{}, Ignored},
	{"connection timed out", "Connection from 192.0.2.1 port 4242 timed out [preauth]",
		knocks.Event{Kind: knocks.KindTimeout, IP: ip("192.0.2.1"), Port: 4242}, Recognised},
	{"connection fatal with user", "Connection from authenticating user root 192.0.2.1 port 4242: Broken pipe [preauth]",
		knocks.Event{Kind: knocks.KindAuthDisconnect, IP: ip("192.0.2.1"), Port: 4242, User: "root", HasUser: true}, Recognised},
	{"connection from unknown form", "Connection from foo bar", knocks.Event{}, Unrecognised},
	{"refused connect bare", "refused connect from user@192.0.2.9",
		knocks.Event{Kind: knocks.KindRefused, IP: ip("192.0.2.9")}, Recognised},

	// Context lines.
	{"connection from", "Connection from 192.0.2.10 port 62004 on 192.0.2.10 port 22",
		knocks.Event{Kind: knocks.KindConnect, IP: ip("192.0.2.10"), Port: 62004}, Recognised},
	{"connection from rdomain", `Connection from 192.0.2.16 port 51280 on 192.0.2.16 port 22 rdomain ""`,
		knocks.Event{Kind: knocks.KindConnect, IP: ip("192.0.2.16"), Port: 51280}, Recognised},
	{"connection from old", "Connection from 192.0.2.5",
		knocks.Event{Kind: knocks.KindConnect, IP: ip("192.0.2.5")}, Recognised},
	{"ssh server patched", "SSH: Server;Ltype: Version;Remote: 127.0.0.1-1780;Protocol: 2.0;Client: libssh2_1.4.3",
		knocks.Event{Kind: knocks.KindConnect, IP: ip("127.0.0.1"), Port: 1780}, Recognised},

	// Known lines that are not events.
	{"close session", "Close session: user bob from 192.0.2.1 port 4242 id 0", knocks.Event{}, Ignored},
	{"postponed", "Postponed keyboard-interactive for invalid user warez from 192.241.237.101 port 54197 ssh2 [preauth]", knocks.Event{}, Ignored},
	{"session closed", "pam_unix(sshd:session): session closed for user bob", knocks.Event{}, Ignored},
	{"disconnected by user", "Received disconnect from 192.0.2.1 port 60058:11: disconnected by user", knocks.Event{}, Ignored},
	{"disconnected from user", "Disconnected from user bob 192.0.2.1 port 60058", knocks.Event{}, Ignored},
	{"server listening", "Server listening on 0.0.0.0 port 22.", knocks.Event{}, Ignored},
	{"accepted key", "Accepted key ED25519 SHA256:5ZJ9mH8kq3lJ0Vx0e4tAqR2lS1dwSx3Zb0qFrYV7m1E found at /home/bob/.ssh/authorized_keys:1", knocks.Event{}, Ignored},
	{"break-in attempt", "Address 192.0.2.1 maps to x.example.com, but this does not map back to the address - POSSIBLE BREAK-IN ATTEMPT!", knocks.Event{}, Ignored},
	{"reverse mapping", "reverse mapping checking getaddrinfo for hostname [172.18.1.1] failed - POSSIBLE BREAK-IN ATTEMPT!", knocks.Event{}, Ignored},
	{"debug", "debug1: channel 5: connection failed: Connection refused", knocks.Event{}, Ignored},
	{"partial", "Partial publickey for bob from 192.0.2.1 port 4242 ssh2: ED25519 SHA256:abc", knocks.Event{}, Ignored},
	{"starting session", "Starting session: shell on pts/0 for bob from 192.0.2.1 port 4242 id 0", knocks.Event{}, Ignored},
	{"received signal", "Received signal 15; terminating.", knocks.Event{}, Ignored},
	{"repeated ignored", "message repeated 2 times: [ Close session: user bob from 192.0.2.1 port 4242 id 0]", knocks.Event{}, Ignored},

	// Unknown lines.
	{"unknown", "Something new happened to 192.0.2.1 port 22", knocks.Event{}, Unrecognised},
	{"unknown error", "error: mm_request_receive: read: Connection reset by peer", knocks.Event{}, Unrecognised},
	{"empty message", "", knocks.Event{}, Unrecognised},
}

func TestMessages(t *testing.T) {
	for _, tt := range messageTests {
		t.Run(tt.Name, func(t *testing.T) {
			ev, st := Line([]byte(msgHeader + tt.Input))
			want := tt.Want
			want.Time, want.NoYear, want.Host, want.Program = wall(0, time.February, 25, 0, 7, 21, 0), true, "host", "sshd"
			if want.PID == 0 {
				want.PID = 22071
			}
			if want.Count == 0 && tt.Status == Recognised {
				want.Count = 1
			}
			if st != tt.Status {
				t.Errorf("status %v, want %v", st, tt.Status)
			}
			if !reflect.DeepEqual(ev, want) {
				t.Errorf("event\n got %+v\nwant %+v", ev, want)
			}
			// A bare message gives the same event without the header.
			bare, bst := ParseMessage([]byte(tt.Input))
			want = tt.Want
			if want.Count == 0 && tt.Status == Recognised {
				want.Count = 1
			}
			if tt.Input == "" {
				if bst != NotSSHD {
					t.Errorf("ParseMessage status %v, want %v", bst, NotSSHD)
				}
				return
			}
			if bst != tt.Status || !reflect.DeepEqual(bare, want) {
				t.Errorf("ParseMessage: %v %+v\nwant %v %+v", bst, bare, tt.Status, want)
			}
		})
	}
}

// headerTests are the header forms seen in the wild.
var headerTests = []struct {
	Name  string
	Input string
	Want  knocks.Event // header fields only; the message is checked to be an event
}{
	{"rfc3164", "Feb 25 00:07:21 host sshd[22071]: Invalid user admin from 192.0.2.1",
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 21, 0), NoYear: true, Host: "host", Program: "sshd", PID: 22071}},
	{"rfc3164 padded day", "Feb  5 00:07:21 host sshd[22071]: Invalid user admin from 192.0.2.1",
		knocks.Event{Time: wall(0, 2, 5, 0, 7, 21, 0), NoYear: true, Host: "host", Program: "sshd", PID: 22071}},
	{"rfc3164 unpadded day", "Feb 7 16:01:07 linux-m899 sshd[5106]: User root from 192.51.100.54 not allowed because a group is listed in DenyGroups",
		knocks.Event{Time: wall(0, 2, 7, 16, 1, 7, 0), NoYear: true, Host: "linux-m899", Program: "sshd", PID: 5106}},
	{"rfc3164 zero-padded day", "Jul 05 18:22:44 mercury sshd[4669]: Failed publickey for invalid user graysky from 127.0.0.1 port 37954 ssh2: RSA SHA256:v3dpapGleDaUKf$4V1vKyR9ZyUgjaJAmoCTcb2PLljI",
		knocks.Event{Time: wall(0, 7, 5, 18, 22, 44, 0), NoYear: true, Host: "mercury", Program: "sshd", PID: 4669}},
	{"rfc3164 fraction", "Feb 25 00:07:21.250 host sshd[22071]: Invalid user admin from 192.0.2.1",
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 21, 250e6), NoYear: true, Host: "host", Program: "sshd", PID: 22071}},
	{"leap day", "Feb 29 12:00:00 host sshd[1]: Invalid user admin from 192.0.2.1",
		knocks.Event{Time: wall(0, 2, 29, 12, 0, 0, 0), NoYear: true, Host: "host", Program: "sshd", PID: 1}},
	{"no host", "Nov 23 21:50:37 sshd[8148]: Connection closed by 61.0.0.1 [preauth]",
		knocks.Event{Time: wall(0, 11, 23, 21, 50, 37, 0), NoYear: true, Program: "sshd", PID: 8148}},
	{"bracketed program", "Mar  3 00:17:22 [sshd]: User root from 211.188.220.49 not allowed because not listed in AllowUsers",
		knocks.Event{Time: wall(0, 3, 3, 0, 17, 22, 0), NoYear: true, Program: "sshd"}},
	{"bracketed program no colon", "Jun 25 23:53:34 [sshd] User root from 1.2.3.4 not allowed because not listed in AllowUsers",
		knocks.Event{Time: wall(0, 6, 25, 23, 53, 34, 0), NoYear: true, Program: "sshd"}},
	{"solaris", "Mar 29 05:59:23 dusky sshd[20878]: [ID 800047 auth.info] Failed keyboard-interactive for james from 205.186.180.55 port 42742 ssh2",
		knocks.Event{Time: wall(0, 3, 29, 5, 59, 23, 0), NoYear: true, Host: "dusky", Program: "sshd", PID: 20878}},
	{"busybox", "Jun 20 02:18:39 vps auth.info sshd[13482]: Invalid user admin from 192.168.2.2",
		knocks.Event{Time: wall(0, 6, 20, 2, 18, 39, 0), NoYear: true, Host: "vps", Program: "sshd", PID: 13482}},
	{"freebsd -v", "Jan  1 00:00:00 <10.5> foxtrot sshd[1234]: Invalid user admin from 1.2.3.4",
		knocks.Event{Time: wall(0, 1, 1, 0, 0, 0, 0), NoYear: true, Host: "foxtrot", Program: "sshd", PID: 1234}},
	{"pri rfc3164", "<38>Feb 25 00:07:21 host sshd[22071]: Invalid user admin from 192.0.2.1",
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 21, 0), NoYear: true, Host: "host", Program: "sshd", PID: 22071}},
	{"sshd-session", "Jul  3 14:59:17 host sshd-session[1571]: Failed password for root from 192.0.2.1 port 56502 ssh2",
		knocks.Event{Time: wall(0, 7, 3, 14, 59, 17, 0), NoYear: true, Host: "host", Program: "sshd-session", PID: 1571}},
	{"sshd-auth", "Jul  3 14:59:17 host sshd-auth[1572]: Invalid user admin from 192.0.2.1 port 56502",
		knocks.Event{Time: wall(0, 7, 3, 14, 59, 17, 0), NoYear: true, Host: "host", Program: "sshd-auth", PID: 1572}},
	{"program path", "Jul  3 14:59:17 host /usr/sbin/sshd[1571]: Invalid user admin from 192.0.2.1 port 56502",
		knocks.Event{Time: wall(0, 7, 3, 14, 59, 17, 0), NoYear: true, Host: "host", Program: "sshd", PID: 1571}},
	{"rfc3339", "2024-02-25T00:07:21.123456+01:00 host sshd[22071]: Invalid user admin from 192.0.2.1",
		knocks.Event{Time: time.Date(2024, 2, 24, 23, 7, 21, 123456000, time.UTC), Host: "host", Program: "sshd", PID: 22071}},
	{"rfc3339 Z", "2024-02-25T00:07:21Z host sshd[22071]: Invalid user admin from 192.0.2.1",
		knocks.Event{Time: time.Date(2024, 2, 25, 0, 7, 21, 0, time.UTC), Host: "host", Program: "sshd", PID: 22071}},
	{"rfc3339 no fraction", "2015-04-16T18:02:50+00:00 host sshd[2716]: Connection closed by 192.0.2.112 [preauth]",
		knocks.Event{Time: time.Date(2015, 4, 16, 18, 2, 50, 0, time.UTC), Host: "host", Program: "sshd", PID: 2716}},
	{"macos", "2018-12-20 10:09:05.180218+0000 localhost sshd[67566]: Invalid user git from 185.52.1.9 port 35968",
		knocks.Event{Time: time.Date(2018, 12, 20, 10, 9, 5, 180218000, time.UTC), Host: "localhost", Program: "sshd", PID: 67566}},
	{"macos two spaces", "2020-03-23 06:47:42.801612-0700  localhost sshd[3186]: error: PAM: unknown user for illegal user badguy from 192.168.33.1",
		knocks.Event{Time: time.Date(2020, 3, 23, 13, 47, 42, 801612000, time.UTC), Host: "localhost", Program: "sshd", PID: 3186}},
	{"rsyslog no colon", "2020-05-29T11:28:56.058908+02:00 bastion sshd[20974] error: PAM: Authentication error for illegal user plop from 10.11.12.13",
		knocks.Event{Time: time.Date(2020, 5, 29, 9, 28, 56, 58908000, time.UTC), Host: "bastion", Program: "sshd", PID: 20974}},
	{"rfc5424", "<38>1 2019-07-08T17:40:16.954167-04:00 hostname.example.com sshd 57915 - - Failed unknown for invalid user redmond from 192.0.2.1 port 59197 ssh2",
		knocks.Event{Time: time.Date(2019, 7, 8, 21, 40, 16, 954167000, time.UTC), Host: "hostname.example.com", Program: "sshd", PID: 57915}},
	{"rfc5424 structured data", `<38>1 2019-07-08T17:40:17.954167-04:00 hostname.example.com sshd 55555 - [timeQuality tzKnown="1" isSynced="0"][xxx@123 test="[brackets] \"q\""] Failed unknown for invalid user redmond from 192.0.2.2 port 55555 ssh2`,
		knocks.Event{Time: time.Date(2019, 7, 8, 21, 40, 17, 954167000, time.UTC), Host: "hostname.example.com", Program: "sshd", PID: 55555}},
	{"rfc5424 nil values", "<38>1 - - sshd - - - Invalid user admin from 192.0.2.1",
		knocks.Event{Program: "sshd"}},
	{"rfc5424 without pri", "2022-02-24T21:00:42.021457+00:00 evse sshd 6052 - - Invalid user admin from 1.2.3.4",
		knocks.Event{Time: time.Date(2022, 2, 24, 21, 0, 42, 21457000, time.UTC), Host: "evse", Program: "sshd", PID: 6052}},
	{"journal style", "srv sshd[13709]: error: PAM: Authentication failure for myhlj1374 from 192.030.0.6",
		knocks.Event{Host: "srv", Program: "sshd", PID: 13709}},
	{"journal style kernel prefix", "srv sshd[20878]: kernel:[  970.699396]: Failed keyboard-interactive for <invalid username> from 205.186.180.55 port 42742 ssh2",
		knocks.Event{Host: "srv", Program: "sshd", PID: 20878}},
	{"tag only", "sshd[1]: Invalid user admin from 192.0.2.1",
		knocks.Event{Program: "sshd", PID: 1}},
	{"socklog", "2015-05-27T04:31:28.10040 auth.info: May 27 04:31:28 sshd[30993]: Invalid user admin from 1.2.3.4",
		knocks.Event{Time: wall(2015, 5, 27, 4, 31, 28, 100400000), Program: "sshd", PID: 30993}},
	{"socklog stripped", "2015-05-27T04:31:28.10040 auth.info: sshd[30993]:  Invalid user admin from 1.2.3.4",
		knocks.Event{Time: wall(2015, 5, 27, 4, 31, 28, 100400000), Program: "sshd", PID: 30993}},
	{"socklog bare", "2015-05-27T04:31:27.46667 auth.info: Invalid user admin from 192.168.2.1",
		knocks.Event{Time: wall(2015, 5, 27, 4, 31, 27, 466670000)}},
	{"multilog bare", "2018-06-26 13:22:02.108781500 Failed password for woold from 10.10.10.76 port 34718 ssh2",
		knocks.Event{Time: wall(2018, 6, 26, 13, 22, 2, 108781500)}},
	{"crlf", "Feb 25 00:07:21 host sshd[22071]: Invalid user admin from 192.0.2.1\r\n",
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 21, 0), NoYear: true, Host: "host", Program: "sshd", PID: 22071}},
}

func TestHeaders(t *testing.T) {
	for _, tt := range headerTests {
		t.Run(tt.Name, func(t *testing.T) {
			ev, st := Line([]byte(tt.Input))
			if st != Recognised {
				t.Fatalf("status %v, want recognised", st)
			}
			got := knocks.Event{Time: ev.Time, NoYear: ev.NoYear, Host: ev.Host, Program: ev.Program, PID: ev.PID}
			if !reflect.DeepEqual(got, tt.Want) {
				t.Errorf("header\n got %+v\nwant %+v", got, tt.Want)
			}
			if !ev.IP.IsValid() && ev.RHost == "" {
				t.Errorf("no address: %+v", ev)
			}
		})
	}
}

// notSSHDTests are lines that are not sshd lines.
var notSSHDTests = []struct {
	Name  string
	Input string
}{
	{"empty", ""},
	{"blank", "   "},
	{"newline", "\n"},
	{"kernel", "Feb 25 00:07:21 host kernel: [12345.678901] eth0: link up"},
	{"cron", "Feb 25 00:17:01 host CRON[12345]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)"},
	{"sshd-like program", "Feb 25 00:07:21 host sshd2[1]: Invalid user admin from 192.0.2.1"},
	{"sshd-keygen", "Feb 25 00:07:21 host sshd-keygen[1]: Invalid user admin from 192.0.2.1"},
	{"systemd", "2024-02-25T00:07:21.123456+01:00 host systemd[1]: Started Session 5 of user bob."},
	{"systemd-logind", "Feb 25 00:07:21 host systemd-logind[812]: New session 5 of user bob."},
	{"sudo", "Feb 25 00:07:21 host sudo:      bob : TTY=pts/0 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/ls"},
	{"text", "hello world"},
	{"bare message", "Invalid user admin from 192.0.2.1"},
	{"host then message", "Feb 25 00:07:21 host Invalid user admin from 192.0.2.1"},
	{"journal other program", `{"__REALTIME_TIMESTAMP":"1708819641123456","_HOSTNAME":"web1","_PID":"1","SYSLOG_IDENTIFIER":"cron","MESSAGE":"Invalid user admin from 192.0.2.1"}`},
	{"journal sshd in message only", `{"SYSLOG_IDENTIFIER":"cron","MESSAGE":"\"sshd\" restarted"}`},
	{"journal malformed", `{"SYSLOG_IDENTIFIER":"sshd","MESSAGE":`},
	{"socklog other", "2015-05-27T04:31:27.46667 auth.info: something else entirely"},
	{"multilog other", "2018-06-26 13:22:02.108781500 Some other text"},
	{"rfc5424 other", "<38>1 2019-07-08T17:40:16Z h cron 1 - - Invalid user admin from 192.0.2.1"},
	{"fail2ban other", "2024-02-25 00:07:21,123 fail2ban.server  [1234]: INFO    Starting Fail2ban v1.0.2"},
	{"fail2ban restore without address", "2024-02-25 00:07:21,123 fail2ban.actions [1234]: NOTICE  [sshd] Restore Ban"},
	{"fail2ban restore other word", "2024-02-25 00:07:21,123 fail2ban.actions [1234]: NOTICE  [sshd] Restore 192.0.2.1"},
	{"fail2ban ignore", "2024-02-25 00:07:21,123 fail2ban.filter  [1234]: INFO    [sshd] Ignore 192.0.2.1 by ip"},
	{"nul bytes", "\x00\x00\x00\x00"},
	{"binary", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xed\xbd"},
}

func TestNotSSHD(t *testing.T) {
	for _, tt := range notSSHDTests {
		t.Run(tt.Name, func(t *testing.T) {
			ev, st := Line([]byte(tt.Input))
			if st != NotSSHD || !reflect.DeepEqual(ev, knocks.Event{}) {
				t.Errorf("got %v %+v, want not-sshd and a zero event", st, ev)
			}
			if _, _, ok := Message([]byte(tt.Input)); ok {
				t.Errorf("Message: ok for a line that is not sshd's")
			}
		})
	}
}

// otherTests are whole lines: journald JSON, fail2ban.log, and lines whose
// sshd messages are attacks on the parser.
var otherTests = []struct {
	Name   string
	Input  string
	Want   knocks.Event
	Status Status
}{
	// journald, `journalctl -o json`.
	{"journal", `{"__CURSOR":"s=1;i=2","__REALTIME_TIMESTAMP":"1708819641123456","_HOSTNAME":"web1","_PID":"22071","_COMM":"sshd","SYSLOG_IDENTIFIER":"sshd","PRIORITY":"6","MESSAGE":"Failed password for root from 192.0.2.1 port 22 ssh2"}`,
		knocks.Event{Time: time.UnixMicro(1708819641123456).UTC(), Host: "web1", Program: "sshd", PID: 22071, Kind: knocks.KindFailed, IP: ip("192.0.2.1"), Port: 22, User: "root", HasUser: true, Method: "password", Count: 1}, Recognised},
	{"journal sshd-session", `{"__REALTIME_TIMESTAMP":"1708819641000000","_HOSTNAME":"web1","SYSLOG_PID":"7","SYSLOG_IDENTIFIER":"sshd-session","MESSAGE":"Invalid user admin from 2001:db8::1 port 4242"}`,
		knocks.Event{Time: time.UnixMicro(1708819641000000).UTC(), Host: "web1", Program: "sshd-session", PID: 7, Kind: knocks.KindInvalidUser, IP: ip("2001:db8::1"), Port: 4242, User: "admin", HasUser: true, Invalid: true, Count: 1}, Recognised},
	{"journal comm only", `{"_HOSTNAME":"web1","_PID":"8","_COMM":"sshd","MESSAGE":"Connection closed by 192.0.2.1 port 22 [preauth]"}`,
		knocks.Event{Host: "web1", Program: "sshd", PID: 8, Kind: knocks.KindDisconnect, IP: ip("192.0.2.1"), Port: 22, Count: 1}, Recognised},
	{"journal binary message", `{"_HOSTNAME":"h","_PID":"9","SYSLOG_IDENTIFIER":"sshd","MESSAGE":[73,110,118,97,108,105,100,32,117,115,101,114,32,255,254,32,102,114,111,109,32,49,46,50,46,51,46,52]}`,
		knocks.Event{Host: "h", Program: "sshd", PID: 9, Kind: knocks.KindInvalidUser, IP: ip("1.2.3.4"), User: "\xff\xfe", HasUser: true, Invalid: true, Count: 1}, Recognised},
	{"journal escapes and arrays", `{"_HOSTNAME" : "h", "_PID":["9","10"], "SYSLOG_IDENTIFIER":["sshd","sshd"], "X":{"y":[1,"]"]}, "MESSAGE":"Invalid user \"x\\y\u00e9\ud83d\ude00\" from 192.0.2.1"}`,
		knocks.Event{Host: "h", Program: "sshd", PID: 9, Kind: knocks.KindInvalidUser, IP: ip("192.0.2.1"), User: "\"x\\yé😀\"", HasUser: true, Invalid: true, Count: 1}, Recognised},
	{"journal ignored", `{"_HOSTNAME":"h","_PID":"9","SYSLOG_IDENTIFIER":"sshd","MESSAGE":"Server listening on :: port 22."}`,
		knocks.Event{Host: "h", Program: "sshd", PID: 9}, Ignored},

	// fail2ban.log.
	{"fail2ban found", "2024-02-25 00:07:21,123 fail2ban.filter  [1234]: INFO    [sshd] Found 192.0.2.1 - 2024-02-25 00:07:21",
		knocks.Event{Time: wall(2024, 2, 25, 0, 7, 21, 123e6), Program: "fail2ban", Kind: knocks.KindF2BFound, Jail: "sshd", IP: ip("192.0.2.1"), Count: 1}, Recognised},
	{"fail2ban ban", "2024-02-25 00:07:22,456 fail2ban.actions [1234]: NOTICE  [sshd] Ban 192.0.2.1",
		knocks.Event{Time: wall(2024, 2, 25, 0, 7, 22, 456e6), Program: "fail2ban", Kind: knocks.KindF2BBan, Jail: "sshd", IP: ip("192.0.2.1"), Count: 1}, Recognised},
	{"fail2ban unban ipv6", "2024-02-25 01:07:22,456 fail2ban.actions        [1234]: NOTICE  [sshd-ddos] Unban 2001:db8::1",
		knocks.Event{Time: wall(2024, 2, 25, 1, 7, 22, 456e6), Program: "fail2ban", Kind: knocks.KindF2BUnban, Jail: "sshd-ddos", IP: ip("2001:db8::1"), Count: 1}, Recognised},
	{"fail2ban old", "2013-11-06 14:31:04,432 fail2ban.actions: WARNING [ssh] Ban 192.0.2.1",
		knocks.Event{Time: wall(2013, 11, 6, 14, 31, 4, 432e6), Program: "fail2ban", Kind: knocks.KindF2BBan, Jail: "ssh", IP: ip("192.0.2.1"), Count: 1}, Recognised},
	{"fail2ban restore", "2021-08-02 17:45:42,665 fail2ban.actions        [29126]: NOTICE  [sshd] Restore Ban 102.46.7.55",
		knocks.Event{Time: wall(2021, 8, 2, 17, 45, 42, 665e6), Program: "fail2ban", Kind: knocks.KindF2BRestore, Jail: "sshd", IP: ip("102.46.7.55"), Count: 1}, Recognised},
	{"fail2ban restore ipv6", "2024-02-25 00:07:22,456 fail2ban.actions [1234]: NOTICE  [sshd-ddos] Restore Ban 2001:db8::1",
		knocks.Event{Time: wall(2024, 2, 25, 0, 7, 22, 456e6), Program: "fail2ban", Kind: knocks.KindF2BRestore, Jail: "sshd-ddos", IP: ip("2001:db8::1"), Count: 1}, Recognised},
	{"fail2ban restore old", "2016-01-04 10:12:33,123 fail2ban.actions: WARNING [ssh] Restore Ban 192.0.2.1",
		knocks.Event{Time: wall(2016, 1, 4, 10, 12, 33, 123e6), Program: "fail2ban", Kind: knocks.KindF2BRestore, Jail: "ssh", IP: ip("192.0.2.1"), Count: 1}, Recognised},

	// Red Hat / Fedora of the 2000s: PAM lines under the tag sshd(pam_unix).
	{"pam_unix tag failure", "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=203.0.113.4",
		knocks.Event{Time: wall(0, 6, 14, 15, 16, 1, 0), NoYear: true, Host: "combo", Program: "sshd", PID: 19939, Kind: knocks.KindPAMFailure, IP: ip("203.0.113.4"), Count: 1}, Recognised},
	{"pam_unix tag failure with user", "Jun 14 15:16:02 combo sshd(pam_unix)[19941]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=203.0.113.5  user=root",
		knocks.Event{Time: wall(0, 6, 14, 15, 16, 2, 0), NoYear: true, Host: "combo", Program: "sshd", PID: 19941, Kind: knocks.KindPAMFailure, IP: ip("203.0.113.5"), User: "root", HasUser: true, Count: 1}, Recognised},
	{"pam_unix tag failure host name", "Jun 14 15:16:02 combo sshd(pam_unix)[19942]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=dsl-203-0-113-6.example.net  user=admin",
		knocks.Event{Time: wall(0, 6, 14, 15, 16, 2, 0), NoYear: true, Host: "combo", Program: "sshd", PID: 19942, Kind: knocks.KindPAMFailure, RHost: "dsl-203-0-113-6.example.net", User: "admin", HasUser: true, Count: 1}, Recognised},
	{"pam_unix tag more failures", "Jun 14 15:16:05 combo sshd(pam_unix)[19941]: 2 more authentication failures; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=203.0.113.5  user=root",
		knocks.Event{Time: wall(0, 6, 14, 15, 16, 5, 0), NoYear: true, Host: "combo", Program: "sshd", PID: 19941, Kind: knocks.KindPAMFailure, IP: ip("203.0.113.5"), User: "root", HasUser: true, Count: 1}, Recognised},
	{"pam_unix tag check pass", "Jun 14 15:16:03 combo sshd(pam_unix)[19940]: check pass; user unknown",
		knocks.Event{Time: wall(0, 6, 14, 15, 16, 3, 0), NoYear: true, Host: "combo", Program: "sshd", PID: 19940}, Ignored},
	{"pam_unix tag session", "Jun 14 15:16:04 combo sshd(pam_unix)[19950]: session opened for user test by (uid=509)",
		knocks.Event{Time: wall(0, 6, 14, 15, 16, 4, 0), NoYear: true, Host: "combo", Program: "sshd", PID: 19950}, Ignored},

	// Injection: the address never comes from the user name.
	{"inject user from port ssh2", "Nov 11 08:04:52 redbamboo sshd[2737]: Failed password for invalid user test from 10.10.1.2 port 55555 ssh2 from 127.0.0.1 port 58946 ssh2",
		knocks.Event{Time: wall(0, 11, 11, 8, 4, 52, 0), NoYear: true, Host: "redbamboo", Program: "sshd", PID: 2737, Kind: knocks.KindFailed, IP: ip("127.0.0.1"), Port: 58946, User: "test from 10.10.1.2 port 55555 ssh2", HasUser: true, Invalid: true, Method: "password", Count: 1}, Recognised},
	{"inject user from", "Nov 11 08:04:51 redbamboo sshd[2737]: Failed password for invalid user from 10.10.1.1 from 127.0.0.1 port 58946 ssh2",
		knocks.Event{Time: wall(0, 11, 11, 8, 4, 51, 0), NoYear: true, Host: "redbamboo", Program: "sshd", PID: 2737, Kind: knocks.KindFailed, IP: ip("127.0.0.1"), Port: 58946, User: "from 10.10.1.1", HasUser: true, Invalid: true, Method: "password", Count: 1}, Recognised},
	// A password failure has nothing after "ssh2": the name is "test from
	// 127.0.0.1 port 58946 ssh2:" (fail2ban's corpus reads this line
	// otherwise; see TestCorpusFail2ban).
	{"inject auth info", "Nov 11 08:04:52 redbamboo sshd[2737]: Failed password for invalid user test from 127.0.0.1 port 58946 ssh2: from 10.10.1.2 port 55555 ssh2",
		knocks.Event{Time: wall(0, 11, 11, 8, 4, 52, 0), NoYear: true, Host: "redbamboo", Program: "sshd", PID: 2737, Kind: knocks.KindFailed, IP: ip("10.10.1.2"), Port: 55555, User: "test from 127.0.0.1 port 58946 ssh2:", HasUser: true, Invalid: true, Method: "password", Count: 1}, Recognised},
	{"inject ruser", "Sep 29 17:15:02 spaceman sshd[12946]: Failed password for user from 127.0.0.1 port 20000 ssh1: ruser XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX from 1.2.3.4",
		knocks.Event{Time: wall(0, 9, 29, 17, 15, 2, 0), NoYear: true, Host: "spaceman", Program: "sshd", PID: 12946, Kind: knocks.KindFailed, IP: ip("127.0.0.1"), Port: 20000, User: "user", HasUser: true, Method: "password", Count: 1}, Recognised},
	{"inject invalid user", "Feb 25 00:07:21 h sshd[1]: Invalid user x from 6.6.6.6 port 1 from 192.0.2.1 port 22",
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 21, 0), NoYear: true, Host: "h", Program: "sshd", PID: 1, Kind: knocks.KindInvalidUser, IP: ip("192.0.2.1"), Port: 22, User: "x from 6.6.6.6 port 1", HasUser: true, Invalid: true, Count: 1}, Recognised},
	{"inject not allowed", "Feb 25 00:07:21 h sshd[1]: User x from 6.6.6.6 not allowed because y from 192.0.2.1 not allowed because not listed in AllowUsers",
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 21, 0), NoYear: true, Host: "h", Program: "sshd", PID: 1, Kind: knocks.KindNotAllowed, IP: ip("192.0.2.1"), User: "x from 6.6.6.6 not allowed because y", HasUser: true, Invalid: true, Count: 1}, Recognised},
	{"inject remote id", "Jul 17 23:04:01 srv sshd[1300]: Connection closed by authenticating user test 127.0.0.1 port 12345 192.0.2.11 port 46039 [preauth]",
		knocks.Event{Time: wall(0, 7, 17, 23, 4, 1, 0), NoYear: true, Host: "srv", Program: "sshd", PID: 1300, Kind: knocks.KindAuthDisconnect, IP: ip("192.0.2.11"), Port: 46039, User: "test 127.0.0.1 port 12345", HasUser: true, Count: 1}, Recognised},
	{"inject identification", "Jun  7 01:11:58 host sshd[8783]: Bad protocol version identification 'dummy string' from 192.0.2.1' from 69.61.56.115 port 31778",
		knocks.Event{Time: wall(0, 6, 7, 1, 11, 58, 0), NoYear: true, Host: "host", Program: "sshd", PID: 8783, Kind: knocks.KindKexFail, IP: ip("69.61.56.115"), Port: 31778, Count: 1}, Recognised},
	{"inject pam via", "Feb 25 00:07:21 h sshd[1]: error: PAM: Authentication failure for x from 6.6.6.6 via y from 192.0.2.1",
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 21, 0), NoYear: true, Host: "h", Program: "sshd", PID: 1, Kind: knocks.KindPAMFailure, IP: ip("192.0.2.1"), User: "x from 6.6.6.6 via y", HasUser: true, Count: 1}, Recognised},
	{"inject pam ruser", "Feb 25 00:07:21 h sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser=x rhost=6.6.6.6 rhost=192.0.2.1  user=root",
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 21, 0), NoYear: true, Host: "h", Program: "sshd", PID: 1, Kind: knocks.KindPAMFailure, IP: ip("192.0.2.1"), User: "root", HasUser: true, Count: 1}, Recognised},
	{"inject pam user", "Feb 25 00:07:21 h sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.1  user=x rhost=6.6.6.6",
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 21, 0), NoYear: true, Host: "h", Program: "sshd", PID: 1, Kind: knocks.KindPAMFailure, IP: ip("192.0.2.1"), User: "x rhost=6.6.6.6", HasUser: true, Count: 1}, Recognised},
	{"inject pam ruser and user", "Feb 25 00:07:21 h sshd[1]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser=x rhost=6.6.6.6 rhost=192.0.2.1  user=x rhost=6.6.6.6",
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 21, 0), NoYear: true, Host: "h", Program: "sshd", PID: 1, Kind: knocks.KindPAMFailure, IP: ip("192.0.2.1"), User: "x rhost=6.6.6.6", HasUser: true, Count: 1}, Recognised},
	{"inject pam user twice", "Feb 25 00:07:21 h sshd[1]: PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.1  user=a  user=b rhost=6.6.6.6",
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 21, 0), NoYear: true, Host: "h", Program: "sshd", PID: 1, Kind: knocks.KindPAMFailure, IP: ip("192.0.2.1"), User: "a  user=b rhost=6.6.6.6", HasUser: true, Count: 1}, Recognised},
	{"inject pam_unix tag user", "Jun 14 15:16:02 combo sshd(pam_unix)[19941]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=203.0.113.5  user=r rhost=6.6.6.6",
		knocks.Event{Time: wall(0, 6, 14, 15, 16, 2, 0), NoYear: true, Host: "combo", Program: "sshd", PID: 19941, Kind: knocks.KindPAMFailure, IP: ip("203.0.113.5"), User: "r rhost=6.6.6.6", HasUser: true, Count: 1}, Recognised},
	{"inject max auth", "Feb 25 00:07:21 h sshd[1]: error: maximum authentication attempts exceeded for x from 6.6.6.6 port 1 ssh2 from 192.0.2.1 port 22 ssh2 [preauth]",
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 21, 0), NoYear: true, Host: "h", Program: "sshd", PID: 1, Kind: knocks.KindMaxAuth, IP: ip("192.0.2.1"), Port: 22, User: "x from 6.6.6.6 port 1 ssh2", HasUser: true, Count: 1}, Recognised},
	{"inject change of username", "Feb 25 00:07:21 h sshd[1]: Disconnecting invalid user a 6.6.6.6 port 1: Change of username or service not allowed: (b,c) -> (d,e) 192.0.2.1 port 2: Change of username or service not allowed: (a 6.6.6.6 port 1: Change of username or service not allowed: (b,c) -> (d,e),ssh-connection) -> (f,ssh-connection) [preauth]",
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 21, 0), NoYear: true, Host: "h", Program: "sshd", PID: 1, Kind: knocks.KindAuthDisconnect, IP: ip("192.0.2.1"), Port: 2, User: "a 6.6.6.6 port 1: Change of username or service not allowed: (b,c) -> (d,e)", HasUser: true, Invalid: true, Count: 1}, Recognised},
	{"inject dispatch", "Feb 25 00:07:21 h sshd[1]: ssh_dispatch_run_fatal: Connection from invalid user x 6.6.6.6 port 1: y 192.0.2.1 port 2: Connection corrupted [preauth]",
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 21, 0), NoYear: true, Host: "h", Program: "sshd", PID: 1, Kind: knocks.KindAuthDisconnect, IP: ip("192.0.2.1"), Port: 2, User: "x 6.6.6.6 port 1: y", HasUser: true, Invalid: true, Count: 1}, Recognised},

	// Bad bytes: parsed as they are, without a panic (package source tells a reader
	// to skip such lines).
	{"nul in user", "Feb 25 00:07:21 h sshd[1]: Invalid user a\x00b from 192.0.2.1",
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 21, 0), NoYear: true, Host: "h", Program: "sshd", PID: 1, Kind: knocks.KindInvalidUser, IP: ip("192.0.2.1"), User: "a\x00b", HasUser: true, Invalid: true, Count: 1}, Recognised},
	{"invalid utf-8 user", "Feb 25 00:07:21 h sshd[1]: Invalid user \xff\xfe from 192.0.2.1",
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 21, 0), NoYear: true, Host: "h", Program: "sshd", PID: 1, Kind: knocks.KindInvalidUser, IP: ip("192.0.2.1"), User: "\xff\xfe", HasUser: true, Invalid: true, Count: 1}, Recognised},
	{"invalid utf-8 message", "Feb 25 00:07:21 h sshd[1]: \xff\xfe\xfd\x00",
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 21, 0), NoYear: true, Host: "h", Program: "sshd", PID: 1}, Unrecognised},
	{"invalid utf-8 host", "Feb 25 00:07:21 h\xff sshd[1]: Invalid user a from 192.0.2.1",
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 21, 0), NoYear: true, Host: "h\xff", Program: "sshd", PID: 1, Kind: knocks.KindInvalidUser, IP: ip("192.0.2.1"), User: "a", HasUser: true, Invalid: true, Count: 1}, Recognised},
}

func TestOtherLines(t *testing.T) {
	for _, tt := range otherTests {
		t.Run(tt.Name, func(t *testing.T) {
			ev, st := Line([]byte(tt.Input))
			if st != tt.Status {
				t.Errorf("status %v, want %v", st, tt.Status)
			}
			if !reflect.DeepEqual(ev, tt.Want) {
				t.Errorf("event\n got %+v\nwant %+v", ev, tt.Want)
			}
		})
	}
}

func TestLongUser(t *testing.T) {
	for _, tt := range []struct {
		Name string
		User string
		Want int // length of the stored name
	}{
		{"ascii 10 kB", strings.Repeat("A", 10<<10), knocks.MaxUserLen},
		{"utf-8 10 kB", strings.Repeat("€", 10<<10/3), knocks.MaxUserLen - 1}, // not cut inside a rune
		{"octal 10 kB", strings.Repeat(`\377`, 10<<10/4), knocks.MaxUserLen},
		{"at the bound", strings.Repeat("b", knocks.MaxUserLen), knocks.MaxUserLen},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			line := "Feb 25 00:07:21 h sshd[1]: Failed password for invalid user " + tt.User + " from 192.0.2.1 port 22 ssh2"
			ev, st := Line([]byte(line))
			if st != Recognised || ev.IP != ip("192.0.2.1") || ev.Port != 22 {
				t.Fatalf("got %v %v port %d", st, ev.IP, ev.Port)
			}
			if len(ev.User) != tt.Want {
				t.Errorf("user length %d, want %d", len(ev.User), tt.Want)
			}
		})
	}
}

func TestMessageSplit(t *testing.T) {
	for _, tt := range []struct {
		Name  string
		Input string
		Want  Header
		Msg   string
	}{
		{"syslog", "Feb 25 00:07:21 host sshd[22071]: Frobnicated 192.0.2.1",
			Header{Time: wall(0, 2, 25, 0, 7, 21, 0), NoYear: true, Host: "host", Program: "sshd", PID: 22071}, "Frobnicated 192.0.2.1"},
		{"rfc5424", "<38>1 2019-07-08T17:40:16Z h sshd 7 - - Frobnicated",
			Header{Time: time.Date(2019, 7, 8, 17, 40, 16, 0, time.UTC), Host: "h", Program: "sshd", PID: 7}, "Frobnicated"},
		{"journal", `{"_HOSTNAME":"h","_PID":"9","SYSLOG_IDENTIFIER":"sshd","MESSAGE":"Frobnicated"}`,
			Header{Host: "h", Program: "sshd", PID: 9}, "Frobnicated"},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			h, msg, ok := Message([]byte(tt.Input))
			if !ok || !reflect.DeepEqual(h, tt.Want) || string(msg) != tt.Msg {
				t.Errorf("got %v %+v %q, want %+v %q", ok, h, msg, tt.Want, tt.Msg)
			}
			if ShapeLine([]byte(tt.Input)) != Shape(tt.Msg) {
				t.Errorf("ShapeLine %q, want %q", ShapeLine([]byte(tt.Input)), Shape(tt.Msg))
			}
		})
	}
}

func TestStatusString(t *testing.T) {
	for st, want := range map[Status]string{NotSSHD: "not-sshd", Recognised: "recognised", Ignored: "ignored", Unrecognised: "unrecognised", 9: "Status(9)"} {
		if st.String() != want {
			t.Errorf("%d: %q, want %q", int(st), st.String(), want)
		}
	}
}

// TestLineIntoReused parses every line of the tables into an event that
// holds what an earlier line left (as the ingest pipeline reuses its
// chunks' events), and checks that it gets exactly what Line gives.
func TestLineIntoReused(t *testing.T) {
	var inputs []string
	for _, tt := range messageTests {
		inputs = append(inputs, msgHeader+tt.Input)
	}
	for _, tt := range notSSHDTests {
		inputs = append(inputs, tt.Input)
	}
	for _, tt := range otherTests {
		inputs = append(inputs, tt.Input)
	}
	stale := knocks.Event{Time: time.Unix(1, 0), NoYear: true, Host: "stale", Program: "sshd", PID: 9, Kind: knocks.KindFailed,
		IP: ip("198.51.100.9"), RHost: "stale.example", Port: 9, User: "stale", HasUser: true, Invalid: true, Method: "password",
		Count: 9, Jail: "sshd", Reason: "stale", BanTime: 9, Line: 9}
	for i, in := range inputs {
		want, wantSt := Line([]byte(in))
		ev := stale
		if st := LineInto([]byte(in), &ev); st != wantSt || !reflect.DeepEqual(ev, want) {
			t.Errorf("line %d %q:\ngot  %v %+v\nwant %v %+v", i, in, st, ev, wantSt, want)
		}
	}
}
