package parse

import (
	"bytes"
	"time"

	"knocks"
)

// parseSSHGuard parses the message of an sshguard line: SSHGuard 2's
// `Blocking "192.0.2.1/32" for 120 secs (3 attacks in 5 secs, after 1
// abuses over 5 secs.)` and SSHGuard 1's `Blocking 192.0.2.1:4 for >630secs:
// ...`. A block is a ban event (knocks.KindF2BBan) in the jail
// knocks.JailSSHGuard, with its duration in BanTime; the address is the
// one blocked (a /64 block of IPv6 keeps the address that caused it).
// Other sshguard lines are NotSSHD.
func parseSSHGuard(m []byte, t time.Time, pid int, ev *knocks.Event) Status {
	m = skipSpaces(m)
	if !hasPrefix(m, "Blocking ") {
		return NotSSHD
	}
	tok, r := nextToken(m[len("Blocking "):])
	tok = bytes.Trim(tok, `"`)
	if k := bytes.IndexByte(tok, '/'); k >= 0 {
		tok = tok[:k] // "192.0.2.1/32", "2001:db8::1/64"
	} else if k := bytes.LastIndexByte(tok, ':'); k > 0 && bytes.Count(tok, []byte{':'}) == 1 {
		tok = tok[:k] // SSHGuard 1: "192.0.2.1:4", the 4 is the address family
	}
	a, ok := parseAddrToken(tok)
	if !ok || !a.ip.IsValid() {
		return NotSSHD
	}
	r = skipSpaces(r)
	if !hasPrefix(r, "for ") {
		return NotSSHD
	}
	r = skipSpaces(r[len("for "):])
	if len(r) > 0 && r[0] == '>' {
		r = r[1:]
	}
	j := 0
	for j < len(r) && isDigit(r[j]) {
		j++
	}
	secs, ok := atoi(r[:j])
	if j == 0 || !ok || !hasPrefix(skipSpaces(r[j:]), "secs") {
		return NotSSHD
	}
	ev.Time = t
	ev.Program = "sshguard"
	ev.PID = pid
	ev.Kind = knocks.KindF2BBan
	ev.Jail = knocks.JailSSHGuard
	ev.BanTime = int64(secs)
	ev.Count = 1
	a.set(ev)
	return Recognised
}
