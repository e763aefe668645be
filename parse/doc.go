// Package parse turns one log line into a knocks.Event.
//
// It is pure: no I/O, no state that changes between calls (Clock and
// Tracker hold the little state that reading an input in order needs, and
// belong to their caller). It uses the standard library only, no regular
// expressions: lines are scanned by hand, a line of another program costs
// about 150 ns and no allocation, an sshd line about 350 ns and one or two
// small allocations (the host and user strings).
//
// # Lines
//
// Line recognises, from the content alone:
//
//   - syslog lines with an RFC 3164 stamp ("Feb 25 00:07:21", "Feb  5",
//     "Feb 5", "Jul 05", an optional fraction), with or without a host, an
//     optional "<PRI>", FreeBSD's "<10.5>" and busybox's "auth.info" before
//     the program;
//   - syslog lines with an RFC 3339 / ISO 8601 stamp ("2024-02-25T00:07:21
//     .123456+01:00", "Z", no fraction, a space for the T, "+0000" as
//     macOS writes it, or no zone at all);
//   - RFC 5424 lines ("<38>1 TIMESTAMP HOST sshd PID MSGID SD MSG", with
//     structured data whose quoted values may hold brackets; also without
//     the "<PRI>1 " as sysklogd writes them);
//   - journal-style lines without a stamp ("srv sshd[1]: ...");
//   - socklog and multilog lines (a stamp, optionally "auth.info:", then a
//     syslog line, a tagged message or a bare sshd message);
//   - journald JSON objects of `journalctl -o json` (MESSAGE as a string or
//     as an array of bytes, _PID or SYSLOG_PID, _HOSTNAME,
//     __REALTIME_TIMESTAMP, SYSLOG_IDENTIFIER or _COMM);
//   - fail2ban.log Found, Ban and Unban lines (KindF2BFound, KindF2BBan,
//     KindF2BUnban, with Jail and IP).
//
// The program tag may be "sshd[pid]:", "sshd[pid]" (rsyslog without the
// colon), "sshd:", "[sshd]:" or "[sshd]", and the program "sshd",
// "sshd-session" or "sshd-auth" (also with a path). Solaris "[ID 800047
// auth.info] " and "kernel:[ 970.69]: " prefixes of the message are
// skipped. ParseMessage parses a bare sshd message without any header;
// Message splits a line into its Header and message.
//
// A line is NotSSHD (another program, blank, other fail2ban lines),
// Recognised (an event, KindConnect context lines included), Ignored (a
// known sshd line that is not an event) or Unrecognised (an sshd line that
// is not known: report it grouped by Shape). A line with a stamp but no
// program name counts only if its message is a recognised sshd event.
//
// # Messages
//
// Every OpenSSH 6.x to 10.x failure, scan and login message gives an event
// of the kind documented in package knocks, with the address, port, user,
// auth method and invalid-user flag it names. Some choices:
//
//   - "Received disconnect ... [preauth]" is KindDisconnect, but with
//     "Auth fail" or reason 14 (SSH_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE,
//     "No supported authentication methods available") it is
//     KindAuthDisconnect: the client tried to authenticate and gave up.
//     Without [preauth] and without those it is Ignored (a session ended).
//   - Disconnects and ssh_dispatch_run_fatal lines whose remote id names an
//     "authenticating user" or "invalid user" are KindAuthDisconnect; those
//     that name a "user" (after a login) are Ignored.
//   - "Timeout before authentication for connection from IP to IP, pid = N"
//     is written by the listening sshd about its child: the event takes the
//     child's pid N, so that it joins the child's connection.
//   - "drop connection #N from [IP]:P on [IP]:22 penalty: ..." and "... past
//     MaxStartups" (OpenSSH 9.8 and later) are KindRefused. They are written
//     by the listener, so their pid is the listener's.
//   - "Connection from IP port P on IP port 22", "Connection from IP" and
//     the patched "SSH: Server;Ltype: ...;Remote: IP-PORT;..." lines are
//     KindConnect. "Address ... POSSIBLE BREAK-IN ATTEMPT", Postponed,
//     Partial, Accepted key, Close session, PAM session lines, debug lines
//     and the like are Ignored.
//   - The OpenSSH 6.x connection errors (Read from socket failed, Write
//     failed, Read error from remote host, Connection reset by peer,
//     Corrupted MAC, Bad packet length, "Disconnecting: <other reason>")
//     are KindDispatchFatal or KindDisconnect with [preauth] and Ignored
//     without it: then they come from the session process of a logged-in
//     user, which has a pid of its own and would look like a scan.
//   - "message repeated N times: [ msg ]" is parsed as msg with Count N.
//
// # Addresses and user names
//
// IPv4 and IPv6 addresses go to Event.IP; an IPv6 zone ("%eth0") is
// dropped and IPv4-mapped addresses are unmapped. Anything else that sshd
// wrote where an address goes and that can be a host name (UseDNS) goes to
// Event.RHost as written, including text that is no valid address such as
// "192.030.0.6". "UNKNOWN" names no address.
//
// User names are written by attackers and may hold spaces, "from IP port N
// ssh2" and ": ". The address is never taken from inside the user name:
// where the text after the address is sshd's own (Invalid user, not
// allowed, PAM, maximum attempts, disconnect remote ids, bad protocol
// version) the address is anchored at the end of the message; in
// Failed/Accepted lines, whose trailing info (hostbased client names,
// certificate ids, old PAM info) may hold attacker text too, it is the
// first " from ADDR[ port N][ sshN]" followed by the end or by ": " (the
// rule fail2ban's corpus asks for). A user name that itself holds " from
// ADDR port N ssh2: " still misleads this rule for Failed/Accepted lines:
// sshd's format is ambiguous there, and no parser can tell.
//
// sshd writes odd bytes of a user name as octal escapes ("\357\273\277root")
// and C escapes ("\\", "\t"); they are decoded to the exact bytes. Names
// are cut to knocks.MaxUserLen bytes (not inside a UTF-8 sequence).
// "Invalid user  from IP" is an empty user with HasUser set. Solaris's
// "<invalid username>" is no user, with Invalid set.
//
// # Times
//
// Line returns stamps as written. A stamp without a zone (RFC 3164,
// fail2ban.log, ISO without an offset) is a wall-clock time in a marker
// location (see IsWallClock); an RFC 3164 stamp also has NoYear set and
// year 0 as a placeholder. Stamps with an offset are UTC. A line without a
// stamp has the zero Time. Clock.Resolve, called for every event in line
// order, gives RFC 3164 stamps their year, reads wall-clock stamps in the
// zone of the logs, and leaves every time in UTC.
//
// # Bad input
//
// Line copes with any bytes without panicking; it is fuzzed. Which lines
// are skipped as bad input (too long, NUL bytes) is the reader's policy:
// package source reports them as a source.Error naming the file and line,
// the one error path for bad lines.
package parse
