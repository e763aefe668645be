package parse

import (
	"bytes"
	"time"

	"knocks"
)

// parseFail2ban parses the rest of a fail2ban.log line after its stamp:
// "fail2ban.filter  [1234]: INFO    [sshd] Found 192.0.2.1 - 2024-02-25
// 00:07:21", "fail2ban.actions [1234]: NOTICE  [sshd] Ban 192.0.2.1",
// "... Unban 192.0.2.1", "... Restore Ban 192.0.2.1" (a ban that fail2ban
// applied again when it started), and the older "fail2ban.actions: WARNING [ssh] Ban
// 192.0.2.1". Other fail2ban lines are NotSSHD.
func parseFail2ban(m []byte, t time.Time, ev *knocks.Event) Status {
	mod, r := nextToken(m)
	if len(mod) == 0 {
		return NotSSHD
	}
	if mod[len(mod)-1] != ':' {
		if k := bytes.IndexByte(mod, '['); k < 0 {
			// "fail2ban.filter  [1234]:"
			tag, rest := nextToken(r)
			if len(tag) < 3 || tag[0] != '[' || !hasSuffix(tag, "]:") {
				return NotSSHD
			}
			r = rest
		} else if !hasSuffix(mod, "]:") {
			return NotSSHD
		}
	}
	_, r = nextToken(r) // the level: INFO, NOTICE, WARNING
	if len(r) == 0 || r[0] != '[' {
		return NotSSHD
	}
	e := bytes.IndexByte(r, ']')
	if e < 0 {
		return NotSSHD
	}
	jail := r[1:e]
	r = skipSpaces(r[e+1:])
	var kind knocks.Kind
	switch {
	case hasPrefix(r, "Found "):
		kind, r = knocks.KindF2BFound, r[len("Found "):]
	case hasPrefix(r, "Ban "):
		kind, r = knocks.KindF2BBan, r[len("Ban "):]
	case hasPrefix(r, "Restore Ban "):
		kind, r = knocks.KindF2BRestore, r[len("Restore Ban "):]
	case hasPrefix(r, "Unban "):
		kind, r = knocks.KindF2BUnban, r[len("Unban "):]
	default:
		return NotSSHD
	}
	tok, _ := nextToken(r)
	a, ok := parseAddrToken(tok)
	if !ok || !a.ip.IsValid() && len(a.host) == 0 {
		return NotSSHD
	}
	ev.Time = t
	ev.Program = "fail2ban"
	ev.Kind = kind
	ev.Jail = string(jail)
	ev.Count = 1
	a.set(ev)
	return Recognised
}
