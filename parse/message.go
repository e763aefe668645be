package parse

import (
	"bytes"
	"strings"

	"knocks"
)

// parseMessage parses an sshd message (the text after the header) into ev
// and returns Recognised, Ignored or Unrecognised.
func parseMessage(m []byte, ev *knocks.Event) Status {
	ev.Count = 1
	// The prefixes are looked for only after a first byte that one of
	// them begins with: most messages begin with none.
	m = stripPrefixes(trimSpace(m))
	if len(m) > 0 && m[0] == 'm' && hasPrefix(m, "message repeated ") {
		if n, inner, ok := repeated(m); ok {
			ev.Count = n
			m = stripPrefixes(inner)
		}
	}
	if len(m) > 0 {
		switch m[0] {
		case 'e', 'f':
			if hasPrefix(m, "error: ") || hasPrefix(m, "fatal: ") {
				m = skipSpaces(m[7:])
			}
		case 'F':
			if hasPrefix(m, "Fatal: ") {
				m = skipSpaces(m[7:])
			}
		case 'd', 'v':
			if hasPrefix(m, "debug") || hasPrefix(m, "verbose: ") {
				return Ignored
			}
		}
	}
	preauth := false
	if hasSuffix(m, "[preauth]") {
		preauth = true
		if r, ok := cutPrefix(m, "input_userauth_request: "); ok {
			// The name ends at the one space sshd puts before
			// "[preauth]": trailing spaces are part of it.
			r = r[:len(r)-len("[preauth]")]
			if len(r) > 0 && r[len(r)-1] == ' ' {
				r = r[:len(r)-1]
			}
			return unescapeTwice(inputUserauth(r, ev), ev)
		}
		m = trimSpace(m[:len(m)-len("[preauth]")])
	}
	if len(m) == 0 {
		return Unrecognised
	}
	if st, ok := dispatch(m, preauth, ev); ok {
		if preauth {
			return unescapeTwice(st, ev)
		}
		return st
	}
	// "tag: Connection from RID: error" (sshpkt_fatal's default form).
	if k := bytes.Index(m, []byte(": Connection from ")); k > 0 && k < 64 {
		st := connFatal(m[k+len(": Connection from "):], knocks.KindDispatchFatal, ev)
		if preauth {
			return unescapeTwice(st, ev)
		}
		return st
	}
	return Unrecognised
}

// unescapeTwice decodes the user name of a [preauth] line a second time:
// the unprivileged child escapes its message (strnvis) and the privileged
// monitor that logs it escapes it again, so the one byte 0x16 of a name is
// "\\026" in such a line and "\026" in a line the monitor wrote itself.
func unescapeTwice(st Status, ev *knocks.Event) Status {
	if st == Recognised && strings.IndexByte(ev.User, '\\') >= 0 {
		ev.User = string(unvis([]byte(ev.User)))
	}
	return st
}

// inputUserauth parses what follows "input_userauth_request: " (OpenSSH
// before 7.x): "invalid user U" or "illegal user U". The name is all of the
// rest, empty and trailing spaces included.
func inputUserauth(r []byte, ev *knocks.Event) Status {
	u, ok := cutPrefix(r, "invalid user ")
	if !ok {
		u, ok = cutPrefix(r, "illegal user ")
	}
	if !ok {
		if string(r) == "invalid user" || string(r) == "illegal user" {
			u, ok = nil, true // an empty name whose space was trimmed
		} else {
			return Unrecognised
		}
	}
	ev.Kind = knocks.KindInvalidUser
	ev.Invalid = true
	setUser(ev, u)
	return Recognised
}

// ignored lists the prefixes of sshd messages that are known and are not
// events.
var ignored = [...]string{
	"Accepted key ", "Accepted certificate ", "Address ", "Authentication refused",
	"Authentication tried for ", "AuthorizedKeysCommand", "AuthorizedPrincipalsCommand",
	"Bind to port ", "Cannot bind any address", "Changed root directory",
	"Close session: ", "Closing connection to ", "Could not ", "Exiting on signal",
	"Nasty PTR record", "Partial ", "Postponed ", "Received SIGHUP", "Received signal ",
	"Server listening", "Server terminated", "Set /proc/", "Starting session: ",
	"Timeout, client not responding", "Transferred: ", "User child is on pid",
	"beginning MaxStartups throttling", "exited MaxStartups throttling", "channel ", "channel_",
	"connect_to ", "reverse mapping checking getaddrinfo", "session opened for user",
	"session closed for user", "srclimit_penalise", "subsystem request for ",
	"userauth_", "PAM service(", "PAM: pam_", "Missing privilege separation",
	"Invalid key length", "Deprecated option", "Unsupported option", "rexec line ",
	"Disabling protocol version", "Starting sshd", "sshd version",
	"Connection refused", "Connection timed out", "Received request to connect",
	"Accepted gssapi", "pam_lastlog", "lastlog_", "Attempt to write login records",
}

// dispatch parses m by its first words. ok is false when no form matched.
func dispatch(m []byte, preauth bool, ev *knocks.Event) (Status, bool) {
	switch m[0] {
	case 'A':
		if r, ok := cutPrefix(m, "Accepted "); ok && !hasPrefix(r, "key ") && !hasPrefix(r, "certificate ") {
			return authLine(r, knocks.KindLogin, ev), true
		}
	case 'B':
		if r, ok := cutPrefix(m, "Bad protocol version identification"); ok {
			ev.Kind = knocks.KindKexFail
			if _, a, found := lastFrom(r, tailEnd); found {
				a.set(ev)
			}
			return Recognised, true
		}
		if hasPrefix(m, "Bad remote protocol version") {
			ev.Kind = knocks.KindKexFail
			return Recognised, true
		}
		if hasPrefix(m, "Bad packet length") {
			return preauthFatal(preauth, ev), true
		}
	case 'C':
		if r, ok := cutPrefix(m, "Connection closed by "); ok {
			return remoteDisconnect(r, ev), true
		}
		if r, ok := cutPrefix(m, "Connection reset by "); ok {
			if hasPrefix(r, "peer") {
				return preauthFatal(preauth, ev), true
			}
			return remoteDisconnect(r, ev), true
		}
		if r, ok := cutPrefix(m, "Connection from "); ok {
			return connectionFrom(r, ev), true
		}
		if hasPrefix(m, "Corrupted MAC on input") || hasPrefix(m, "Corrupted check bytes on input") {
			return preauthFatal(preauth, ev), true
		}
		if r, ok := cutPrefix(m, "Could not write ident string to "); ok {
			// The listener's child could not even send its banner.
			ev.Kind = knocks.KindKexFail
			if a, n, ok := addrPort(r); ok && n == len(r) {
				a.set(ev)
			}
			return Recognised, true
		}
	case 'D':
		if r, ok := cutPrefix(m, "Did not receive identification string"); ok {
			ev.Kind = knocks.KindNoIdent
			if r, ok := cutPrefix(r, " from "); ok {
				if a, _, ok := addrPort(r); ok {
					a.set(ev)
				}
			}
			return Recognised, true
		}
		if r, ok := cutPrefix(m, "Disconnected from "); ok {
			return remoteDisconnect(r, ev), true
		}
		if r, ok := cutPrefix(m, "Disconnecting"); ok {
			return disconnecting(r, preauth, ev), true
		}
	case 'F':
		if r, ok := cutPrefix(m, "Failed "); ok {
			return authLine(r, knocks.KindFailed, ev), true
		}
	case 'I':
		if r, ok := cutPrefix(m, "Invalid user "); ok {
			return invalidUser(r, ev), true
		}
		if r, ok := cutPrefix(m, "Illegal user "); ok {
			return invalidUser(r, ev), true
		}
	case 'M':
		if r, ok := cutPrefix(m, "Magic value check failed ("); ok {
			// Obfuscated handshake patches: a client that does not speak it.
			ev.Kind = knocks.KindKexFail
			if k := bytes.Index(r, []byte(") on obfuscated handshake from ")); k >= 0 {
				r = r[k+len(") on obfuscated handshake from "):]
				if a, n, ok := addrPort(r); ok && n == len(r) {
					a.set(ev)
				}
			}
			return Recognised, true
		}
	case 'P':
		if r, ok := cutPrefix(m, "PerSourcePenalties logging rate-limited: additional "); ok {
			// OpenSSH 10.0+: N more drops, not logged one by one.
			k := bytes.IndexByte(r, ' ')
			if k <= 0 || !hasPrefix(r[k:], " connections dropped") {
				return Unrecognised, true
			}
			n, ok := atoi(r[:k])
			if !ok || n < 1 {
				return Unrecognised, true
			}
			ev.Kind = knocks.KindDrop
			ev.Count *= n
			return Recognised, true
		}
		if r, ok := cutPrefix(m, "PAM: "); ok {
			return pamColon(r, ev), true
		}
		if r, ok := cutPrefix(m, "PAM "); ok && len(r) > 0 && isDigit(r[0]) {
			// "PAM 2 more authentication failures; logname= ... rhost=IP  user=U"
			return pamFailure(r, ev), true
		}
		if r, ok := cutPrefix(m, "Protocol major versions differ"); ok {
			ev.Kind = knocks.KindKexFail
			if r, ok := cutPrefix(r, " for "); ok {
				if a, _, ok := addrPort(r); ok {
					a.set(ev)
				} else if k := bytes.Index(r, []byte(": ")); k > 0 {
					// OpenSSH before 6.x: "for ADDR: SSH-2.0-... vs. ...",
					// without a port.
					if a, ok := parseAddrToken(r[:k]); ok {
						a.set(ev)
					}
				}
			}
			return Recognised, true
		}
	case 'R':
		if r, ok := cutPrefix(m, "ROOT LOGIN REFUSED FROM "); ok {
			a, _, ok := addrPort(r)
			if !ok {
				return Unrecognised, true
			}
			ev.Kind = knocks.KindRootRefused
			a.set(ev)
			setUser(ev, []byte("root"))
			return Recognised, true
		}
		if r, ok := cutPrefix(m, "Received disconnect from "); ok {
			return receivedDisconnect(r, preauth, ev), true
		}
		if hasPrefix(m, "Read from socket failed") {
			return preauthFatal(preauth, ev), true
		}
		if r, ok := cutPrefix(m, "Read error from remote host "); ok {
			tok, _ := nextToken(r)
			if a, ok := parseAddrToken(bytes.TrimSuffix(tok, []byte(":"))); ok {
				a.set(ev)
			}
			return preauthFatal(preauth, ev), true
		}
	case 'S':
		if r, ok := cutPrefix(m, "SSH: Server;Ltype: "); ok {
			return sshServerLine(r, ev), true
		}
	case 'T':
		if r, ok := cutPrefix(m, "Timeout before authentication for "); ok {
			return timeoutLine(r, ev), true
		}
		if r, ok := cutPrefix(m, "Too many authentication failures"); ok {
			ev.Kind = knocks.KindMaxAuth
			if u, ok := cutPrefix(r, " for "); ok {
				maxAuthUser(u, ev)
			}
			return Recognised, true
		}
	case 'U':
		if r, ok := cutPrefix(m, "Unable to negotiate"); ok {
			ev.Kind = knocks.KindNegotiateFail
			if r, ok := cutPrefix(r, " with "); ok {
				// The offer after the address is the client's: the
				// first "RID: " that parses is sshd's own text.
				for i, n := 0, 0; n < maxCandidates; n++ {
					k := bytes.Index(r[i:], []byte(": "))
					if k < 0 {
						break
					}
					k += i
					if pre, _, a, ok := parseRemoteID(r[:k]); ok && pre == preNone {
						a.set(ev)
						break
					}
					i = k + 1
				}
			}
			return Recognised, true
		}
		if hasPrefix(m, "User child") {
			return Ignored, true
		}
		if r, ok := cutPrefix(m, "User "); ok {
			return notAllowed(r, ev), true
		}
	case 'W':
		if hasPrefix(m, "Write failed") {
			return preauthFatal(preauth, ev), true
		}
	case 'a':
		if r, ok := cutPrefix(m, "administratively prohibited connection for "); ok {
			return refuseConnection(r, ev), true
		}
	case 'w':
		if hasPrefix(m, "warning: can't get client address") {
			// sshd-session lost the connection before it began.
			ev.Kind = knocks.KindDispatchFatal
			return Recognised, true
		}
	case 'b':
		if r, ok := cutPrefix(m, "banner exchange: Connection from "); ok {
			return connFatal(r, knocks.KindKexFail, ev), true
		}
		if hasPrefix(m, "banner exchange") || hasPrefix(m, "bad client public DH value") {
			ev.Kind = knocks.KindKexFail
			return Recognised, true
		}
	case 'd':
		if r, ok := cutPrefix(m, "drop connection #"); ok {
			return dropConnection(r, ev), true
		}
	case 'i':
		if r, ok := cutPrefix(m, "input_userauth_request: "); ok {
			return inputUserauth(r, ev), true
		}
	case 'k':
		if hasPrefix(m, "kex_exchange_identification: ") || hasPrefix(m, "kex_protocol_error: ") {
			ev.Kind = knocks.KindKexFail
			return Recognised, true
		}
	case 'm':
		if r, ok := cutPrefix(m, "maximum authentication attempts exceeded for "); ok {
			ev.Kind = knocks.KindMaxAuth
			maxAuthUser(r, ev)
			return Recognised, true
		}
	case 'n':
		if hasPrefix(m, "no matching ") || hasPrefix(m, "no hostkey alg") || hasPrefix(m, "no kex alg") {
			ev.Kind = knocks.KindNegotiateFail
			return Recognised, true
		}
	case 'p':
		if hasPrefix(m, "pam_") {
			return pamModule(m, ev), true
		}
	case 'r':
		if r, ok := cutPrefix(m, "refused connect from "); ok {
			return refusedConnect(r, ev), true
		}
	case 's':
		if r, ok := cutPrefix(m, "srclimit_penalise: "); ok {
			return penalise(r, ev), true
		}
		if r, ok := cutPrefix(m, "ssh_dispatch_run_fatal: Connection from "); ok {
			return connFatal(r, knocks.KindDispatchFatal, ev), true
		}
		if hasPrefix(m, "ssh_dispatch_run_fatal: ") {
			ev.Kind = knocks.KindDispatchFatal
			return Recognised, true
		}
	}
	for _, p := range ignored {
		if hasPrefix(m, p) {
			return Ignored, true
		}
	}
	return Unrecognised, false
}

// stripPrefixes drops what some systems put between the header and the
// message: Solaris "[ID 800047 auth.info] " and "kernel:[ 970.69]: ".
func stripPrefixes(m []byte) []byte {
	for {
		if len(m) == 0 || (m[0] != '[' && m[0] != 'k' && m[0] != 0xef) {
			return m
		}
		if hasPrefix(m, "[ID ") {
			if k := bytes.IndexByte(m, ']'); k > 0 {
				m = skipSpaces(m[k+1:])
				continue
			}
		}
		if r, ok := cutPrefix(m, "kernel:"); ok {
			r = skipSpaces(r)
			if len(r) > 0 && r[0] == '[' {
				if k := bytes.IndexByte(r, ']'); k > 0 {
					r = r[k+1:]
					if len(r) > 0 && r[0] == ':' {
						r = r[1:]
					}
					m = skipSpaces(r)
					continue
				}
			}
		}
		if hasPrefix(m, "\xef\xbb\xbf") {
			m = m[3:]
			continue
		}
		return m
	}
}

// repeated parses rsyslog's "message repeated N times: [ msg]".
func repeated(m []byte) (int, []byte, bool) {
	r := m[len("message repeated "):]
	k := bytes.IndexByte(r, ' ')
	if k < 0 {
		return 0, nil, false
	}
	n, ok := atoi(r[:k])
	if !ok || n < 1 {
		return 0, nil, false
	}
	r, ok = cutPrefix(r[k:], " times: [")
	if !ok {
		return 0, nil, false
	}
	r = trimSpace(r)
	if len(r) == 0 || r[len(r)-1] != ']' {
		return 0, nil, false
	}
	return n, trimSpace(r[:len(r)-1]), true
}

// authLine parses the rest of "Failed|Accepted METHOD for [invalid user ]U
// from ADDR[ port N][ sshN][: INFO]". The address is found from the end of
// the line by sshd's fixed grammar of what follows it (see authFrom), so a
// user name cannot plant one.
func authLine(r []byte, kind knocks.Kind, ev *knocks.Event) Status {
	sp := bytes.IndexByte(r, ' ')
	if sp <= 0 {
		return Unrecognised
	}
	method := r[:sp]
	r, ok := cutPrefix(r[sp:], " for ")
	if !ok {
		return Unrecognised
	}
	invalid := false
	if u, ok := cutPrefix(r, "invalid user "); ok {
		r, invalid = u, true
	} else if u, ok := cutPrefix(r, "illegal user "); ok {
		r, invalid = u, true
	}
	user, a, found := authFrom(method, r)
	if !found {
		return Unrecognised
	}
	ev.Kind = kind
	ev.Method = methodName(method)
	ev.Invalid = invalid
	a.set(ev)
	if string(user) == "<invalid username>" { // Solaris
		ev.Invalid = true
	} else {
		setUser(ev, user)
	}
	return Recognised
}

// authFrom finds the source address in "U from ADDR port N sshN[: INFO]"
// of a Failed or Accepted line and returns the user name before it. sshd
// writes the real address after the name, and what follows the address has
// a fixed grammar: nothing (password, keyboard-interactive, none...), or
// ": INFO" where INFO is a key ("RSA SHA256:..." or the older "RSA
// aa:bb:..."), a certificate ("RSA-CERT SHA256:... ID X (serial N) CA RSA
// SHA256:..."), hostbased client names ("RSA SHA256:..., client user "U",
// client host "H"") or SSH protocol 1's "ruser U". The last " from ADDR
// port N sshN" whose tail fits that grammar is the address; only when none
// fits, the last " from ADDR" at the very end (sshd before 3.x wrote no
// port).
func authFrom(method, r []byte) (user []byte, a addr, found bool) {
	for pass := 0; pass < 2; pass++ {
		end := len(r)
		for n := 0; n < maxCandidates; n++ {
			k := lastIndex(r[:end], []byte(fromWord))
			if k < 0 {
				break
			}
			end = k + len(fromWord) - 1
			at := k + len(fromWord)
			a, m, ok := addrPort(r[at:])
			if !ok {
				continue
			}
			tail := r[at+m:]
			if pass == 1 {
				if len(tail) == 0 {
					return r[:k], a, true
				}
				continue
			}
			ap := r[at : at+m]
			if !bytes.Contains(ap, []byte(" port ")) || !(hasSuffix(ap, " ssh2") || hasSuffix(ap, " ssh1")) {
				continue
			}
			if authTail(method, hasSuffix(ap, " ssh1"), tail) {
				return r[:k], a, true
			}
		}
	}
	return nil, addr{}, false
}

// authTail reports whether t is what sshd may write after the address of
// a Failed or Accepted line of this method (see authFrom).
func authTail(method []byte, ssh1 bool, t []byte) bool {
	if len(t) == 0 {
		return true
	}
	info, ok := cutPrefix(t, ": ")
	if !ok {
		return false
	}
	if ssh1 && hasPrefix(info, "ruser ") {
		return true
	}
	if rest, ok := keyInfo(info); ok && len(rest) == 0 {
		return true
	}
	switch string(method) {
	case "publickey":
		// "T-CERT FP ID X (serial N) CA T FP": X is the certificate's.
		rest, ok := keyInfo(info)
		if !ok || !hasPrefix(rest, " ID ") {
			return false
		}
		k := lastIndex(rest, []byte(" CA "))
		if k < 0 {
			return false
		}
		if ca, ok := keyInfo(rest[k+len(" CA "):]); !ok || len(ca) != 0 {
			return false
		}
		s := lastIndex(rest[:k], []byte(" (serial "))
		if s < 0 || rest[k-1] != ')' {
			return false
		}
		_, ok = atoi(rest[s+len(" (serial ") : k-1])
		return ok
	case "hostbased":
		// "[T FP, ]client user "U", client host "H"".
		if rest, ok := keyInfo(info); ok {
			if r, ok := cutPrefix(rest, ", "); ok {
				info = r
			}
		}
		r, ok := cutPrefix(info, `client user "`)
		return ok && len(r) > 0 && r[len(r)-1] == '"' && bytes.Contains(r, []byte(`", client host "`))
	}
	return false
}

// keyInfo parses "KEYTYPE FINGERPRINT" at the start of b, as sshd logs a
// key: a type (RSA, ED25519, ECDSA-SK, RSA-CERT...) and a fingerprint
// (SHA256:base64, MD5:hex:..., or the older hex aa:bb:...), which always
// holds a colon. It returns what follows the fingerprint (from a " " or
// ", " on). No user name can make a tail of two such tokens, because the
// real address and its port follow the name.
func keyInfo(b []byte) (rest []byte, ok bool) {
	sp := bytes.IndexByte(b, ' ')
	if sp <= 0 || sp > 32 {
		return nil, false
	}
	for _, c := range b[:sp] {
		if !(isAlnum(c) || c == '-' || c == '_' || c == '@' || c == '.') {
			return nil, false
		}
	}
	fp := b[sp+1:]
	n := 0
	for n < len(fp) && fp[n] > ' ' && fp[n] != ',' {
		n++
	}
	if n == 0 || bytes.IndexByte(fp[:n], ':') < 0 {
		return nil, false
	}
	return fp[n:], true
}

// methodName returns the interned name of an authentication method.
func methodName(m []byte) string {
	switch string(m) {
	case "password":
		return "password"
	case "publickey":
		return "publickey"
	case "keyboard-interactive":
		return "keyboard-interactive"
	case "keyboard-interactive/pam":
		return "keyboard-interactive/pam"
	case "hostbased":
		return "hostbased"
	case "none":
		return "none"
	case "gssapi-with-mic":
		return "gssapi-with-mic"
	case "gssapi-keyex":
		return "gssapi-keyex"
	case "unknown":
		return "unknown"
	}
	if len(m) > 64 {
		m = m[:64]
	}
	return string(m)
}

// invalidUser parses "U from ADDR[ port N]" of "Invalid user" (and the old
// "Illegal user"), anchored at the end of the message.
func invalidUser(r []byte, ev *knocks.Event) Status {
	ev.Kind = knocks.KindInvalidUser
	ev.Invalid = true
	user, a, found := lastFrom(r, tailEnd)
	if !found {
		if hasPrefix(r, "from ") {
			// "Invalid user  from ADDR" with one of the spaces lost.
			if a, n, ok := addrPort(r[5:]); ok && n == len(r)-5 {
				a.set(ev)
				setUser(ev, nil)
				return Recognised
			}
		}
		if bytes.Contains(r, []byte(fromWord)) {
			return Unrecognised
		}
		setUser(ev, r)
		return Recognised
	}
	a.set(ev)
	setUser(ev, user)
	return Recognised
}

// notAllowed parses "U from ADDR not allowed because REASON" and the old
// "U not allowed because REASON" (no address).
func notAllowed(r []byte, ev *knocks.Event) Status {
	k := lastIndex(r, []byte(" not allowed because "))
	if k < 0 {
		return Unrecognised
	}
	head := r[:k]
	ev.Kind = knocks.KindNotAllowed
	ev.Invalid = true
	if j := lastIndex(head, []byte(fromWord)); j >= 0 {
		if a, ok := parseAddrToken(head[j+len(fromWord):]); ok {
			a.set(ev)
			setUser(ev, head[:j])
			return Recognised
		}
	}
	setUser(ev, head)
	return Recognised
}

// maxAuthUser parses "[invalid user ]U from ADDR port N ssh2" (anchored at
// the end) or a bare "U".
func maxAuthUser(r []byte, ev *knocks.Event) {
	if u, ok := cutPrefix(r, "invalid user "); ok {
		r = u
		ev.Invalid = true
	}
	if user, a, found := lastFrom(r, tailEnd); found {
		a.set(ev)
		setUser(ev, user)
		return
	}
	setUser(ev, r)
}

// pamColon parses "error: PAM: REASON for [illegal user ]U from ADDR[ via
// ADDR]" (Linux-PAM via sshd, macOS adds "via").
func pamColon(r []byte, ev *knocks.Event) Status {
	k := bytes.Index(r, []byte(" for "))
	if k < 0 {
		return Ignored
	}
	r = r[k+len(" for "):]
	invalid := false
	if u, ok := cutPrefix(r, "illegal user "); ok {
		r, invalid = u, true
	} else if u, ok := cutPrefix(r, "invalid user "); ok {
		r, invalid = u, true
	}
	user, a, found := lastFrom(r, tailEndOrVia)
	if !found {
		return Ignored
	}
	ev.Kind = knocks.KindPAMFailure
	ev.Invalid = invalid
	a.set(ev)
	setUser(ev, user)
	return Recognised
}

// pamModule parses a line of a PAM module, "pam_unix(sshd:auth): ...".
func pamModule(m []byte, ev *knocks.Event) Status {
	k := bytes.Index(m, []byte("): "))
	if k < 0 {
		return Unrecognised
	}
	svc, body := m[:k], m[k+3:]
	if hasSuffix(svc, ":auth") && hasPrefix(body, "authentication failure;") {
		return pamFailure(body, ev)
	}
	if r, ok := cutPrefix(body, "Consecutive login failures for user "); ok {
		// pam_faillock: "... for user U account temporarily locked".
		u, ok := cutSuffix(r, " account temporarily locked")
		if !ok {
			return Unrecognised
		}
		ev.Kind = knocks.KindLockout
		setUser(ev, u)
		return Recognised
	}
	return Ignored
}

// pamTagged parses the message of a line tagged "sshd(pam_unix)": an
// authentication failure ("authentication failure; ... rhost=ADDR[
// user=U]", or "N more authentication failures; ...") is a failure line,
// anything else ("check pass; user unknown", session opened or closed) is
// context.
func pamTagged(m []byte, ev *knocks.Event) Status {
	ev.Count = 1
	m = trimSpace(m)
	if hasPrefix(m, "message repeated ") {
		if n, inner, ok := repeated(m); ok {
			ev.Count = n
			m = inner
		}
	}
	if hasPrefix(m, "authentication failure;") {
		return pamFailure(m, ev)
	}
	if k := bytes.IndexByte(m, ' '); k > 0 && isDigit(m[0]) && hasPrefix(m[k:], " more authentication failures;") {
		return pamFailure(m, ev)
	}
	return Ignored
}

// pamFailure parses "...; logname= uid=0 euid=0 tty=ssh ruser=R rhost=ADDR
// [ user=U]". The user name U comes last and R, when set, is the same
// name: either may hold " rhost=" and an address of the attacker's choice.
// The real rhost is the one that ruser's text runs up to (empty, or U)
// and that is followed by nothing but " user=U". Should no candidate fit
// (a PAM module that sets another ruser), the first one that is followed
// by nothing or by " user=" is taken.
func pamFailure(body []byte, ev *knocks.Event) Status {
	ev.Kind = knocks.KindPAMFailure
	const rhost = " rhost="
	ruser := bytes.Index(body, []byte(" ruser="))
	var addrTok, user []byte
	hasUser, found, fallback := false, false, false
	for off := 0; ; {
		k := bytes.Index(body[off:], []byte(rhost))
		if k < 0 {
			break
		}
		k += off
		off = k + len(rhost)
		tok, rest := nextToken(body[off:])
		u, isUser := cutPrefix(rest, "user=")
		if len(rest) > 0 && !isUser {
			continue
		}
		if u != nil {
			u = trimSpace(u)
		}
		if !fallback {
			addrTok, user, hasUser, fallback = tok, u, isUser, true
		}
		if ruser >= 0 && ruser+len(" ruser=") <= k {
			r := body[ruser+len(" ruser=") : k]
			if len(r) > 0 && !(isUser && bytes.Equal(r, u)) {
				continue
			}
		}
		addrTok, user, hasUser, found = tok, u, isUser, true
		break
	}
	if !found && !fallback {
		return Recognised
	}
	if a, ok := parseAddrToken(addrTok); ok {
		a.set(ev)
	}
	if hasUser {
		setUser(ev, user)
	}
	return Recognised
}

// remoteDisconnect parses the remote id of "Connection closed by",
// "Connection reset by" and "Disconnected from".
func remoteDisconnect(r []byte, ev *knocks.Event) Status {
	pre, user, a, ok := parseRemoteID(r)
	if !ok {
		return Unrecognised
	}
	return withRemoteID(pre, user, a, knocks.KindDisconnect, ev)
}

// withRemoteID fills ev from a parsed remote id: a disconnect that names a
// user before a login is a failure line, one after a login is Ignored.
func withRemoteID(pre int, user []byte, a addr, kind knocks.Kind, ev *knocks.Event) Status {
	switch pre {
	case preUser:
		return Ignored
	case preAuthenticating:
		kind = knocks.KindAuthDisconnect
		setUser(ev, user)
	case preInvalid:
		kind = knocks.KindAuthDisconnect
		ev.Invalid = true
		setUser(ev, user)
	}
	ev.Kind = kind
	a.set(ev)
	return Recognised
}

// connFatal parses "RID: REASON" after "... Connection from ". The reason
// is sshd's own (ssh_err), the remote id may hold a user name: the last
// ": " whose head parses as a remote id is the end of it.
func connFatal(r []byte, kind knocks.Kind, ev *knocks.Event) Status {
	end := len(r)
	for n := 0; n < maxCandidates; n++ {
		k := lastIndex(r[:end], []byte(": "))
		if k < 0 {
			break
		}
		if pre, user, a, ok := parseRemoteID(r[:k]); ok {
			if kind == knocks.KindKexFail && pre != preNone {
				return Unrecognised
			}
			return withRemoteID(pre, user, a, kind, ev)
		}
		end = k
	}
	if pre, user, a, ok := parseRemoteID(r); ok {
		return withRemoteID(pre, user, a, kind, ev)
	}
	ev.Kind = kind
	return Recognised
}

// connectionFrom parses "Connection from ADDR port N on ADDR port N[ rdomain
// "X"]" (context: KindConnect) and sshpkt_fatal's "Connection from RID timed
// out" and "Connection from RID: REASON".
func connectionFrom(r []byte, ev *knocks.Event) Status {
	if a, n, ok := addrPort(r); ok && (n == len(r) || hasPrefix(r[n:], " on ")) {
		ev.Kind = knocks.KindConnect
		a.set(ev)
		return Recognised
	}
	if h, ok := cutSuffix(r, " timed out"); ok {
		if pre, user, a, ok := parseRemoteID(h); ok {
			return withRemoteID(pre, user, a, knocks.KindTimeout, ev)
		}
	}
	if bytes.Contains(r, []byte(": ")) {
		return connFatal(r, knocks.KindDispatchFatal, ev)
	}
	return Unrecognised
}

// preauthFatal is the status of the OpenSSH 6.x connection errors (Read
// from socket failed, Write failed, Corrupted MAC, ...): a scan line before
// authentication, Ignored without [preauth] (then it was written by the
// session's own process, which has another pid than the connection).
func preauthFatal(preauth bool, ev *knocks.Event) Status {
	if !preauth {
		return Ignored
	}
	ev.Kind = knocks.KindDispatchFatal
	return Recognised
}

// disconnecting parses the rest of "Disconnecting[ RID]: REASON". A reason
// other than too many failures or a change of user is a scan line before
// authentication and Ignored without [preauth] (see preauthFatal).
func disconnecting(r []byte, preauth bool, ev *knocks.Event) Status {
	if reason, ok := cutPrefix(r, ": "); ok {
		// OpenSSH 6.x: no remote id.
		switch {
		case hasPrefix(reason, "Too many authentication failures"):
			ev.Kind = knocks.KindMaxAuth
			if u, ok := cutPrefix(reason[len("Too many authentication failures"):], " for "); ok {
				maxAuthUser(u, ev)
			}
		case hasPrefix(reason, "Change of username or service not allowed"):
			ev.Kind = knocks.KindAuthDisconnect
		case preauth:
			ev.Kind = knocks.KindDisconnect
		default:
			return Ignored
		}
		return Recognised
	}
	r, ok := cutPrefix(r, " ")
	if !ok {
		return Unrecognised
	}
	const tooMany = ": Too many authentication failures"
	if h, ok := cutSuffix(r, tooMany); ok {
		if pre, user, a, ok := parseRemoteID(h); ok {
			st := withRemoteID(pre, user, a, knocks.KindMaxAuth, ev)
			ev.Kind = knocks.KindMaxAuth
			return st
		}
	}
	const change = ": Change of username or service not allowed: ("
	type cand struct {
		pre  int
		user []byte
		a    addr
	}
	var first *cand
	for i, n := 0, 0; n < maxCandidates; n++ {
		k := bytes.Index(r[i:], []byte(change))
		if k < 0 {
			break
		}
		k += i
		if pre, user, a, ok := parseRemoteID(r[:k]); ok {
			// The reason repeats the user, "(U,service) -> (...)": prefer
			// the candidate that agrees with it.
			rest := r[k+len(change):]
			if hasPrefix(rest, string(user)) && hasPrefix(rest[len(user):], ",") {
				return withRemoteID(pre, user, a, knocks.KindAuthDisconnect, ev)
			}
			if first == nil {
				first = &cand{pre, user, a}
			}
		}
		i = k + 1
	}
	if first != nil {
		return withRemoteID(first.pre, first.user, first.a, knocks.KindAuthDisconnect, ev)
	}
	// Any other reason: the first ": " whose head parses as a remote id.
	for i, n := 0, 0; n < maxCandidates; n++ {
		k := bytes.Index(r[i:], []byte(": "))
		if k < 0 {
			break
		}
		k += i
		if pre, user, a, ok := parseRemoteID(r[:k]); ok {
			if pre == preNone && !preauth {
				return Ignored
			}
			return withRemoteID(pre, user, a, knocks.KindDisconnect, ev)
		}
		i = k + 1
	}
	return Unrecognised
}

// receivedDisconnect parses "ADDR port N:CODE: REASON" (7.x and later) or
// "ADDR: CODE: REASON" (6.x) after "Received disconnect from ".
func receivedDisconnect(r []byte, preauth bool, ev *knocks.Event) Status {
	tok, rest := nextToken(r)
	var a addr
	code := -1
	if len(tok) > 1 && tok[len(tok)-1] == ':' && !(hasPrefix(rest, "port ") && validAddr(tok)) {
		var ok bool
		if a, ok = parseAddrToken(tok[:len(tok)-1]); !ok {
			return Unrecognised
		}
		// rest: "CODE: REASON"
		code, rest = leadingCode(rest)
	} else {
		var ok bool
		if a, ok = parseAddrToken(tok); !ok {
			return Unrecognised
		}
		p, ok := cutPrefix(rest, "port ")
		if !ok {
			return Unrecognised
		}
		d := 0
		for d < len(p) && isDigit(p[d]) {
			d++
		}
		a.port = port(p[:d])
		p = p[d:]
		if len(p) > 0 && p[0] == ':' {
			p = p[1:]
		}
		code, rest = leadingCode(skipSpaces(p))
	}
	reason := rest
	switch {
	case code == 14 || bytes.Contains(reason, []byte("Auth fail")) || bytes.Contains(reason, []byte("Auth cancel")) ||
		hasPrefix(reason, "No supported authentication methods") || hasPrefix(reason, "No authentication methods"):
		ev.Kind = knocks.KindAuthDisconnect
	case preauth:
		ev.Kind = knocks.KindDisconnect
	default:
		return Ignored // after a login: "disconnected by user" and the like
	}
	a.set(ev)
	return Recognised
}

// leadingCode parses "CODE:[ ]REST".
func leadingCode(b []byte) (int, []byte) {
	d := 0
	for d < len(b) && isDigit(b[d]) {
		d++
	}
	if d == 0 || d >= len(b) || b[d] != ':' {
		return -1, b
	}
	n, _ := atoi(b[:d])
	return n, skipSpaces(b[d+1:])
}

// sshServerLine parses the patched "SSH: Server;Ltype: Version;Remote:
// 127.0.0.1-1780;..." lines: context that gives the address.
func sshServerLine(r []byte, ev *knocks.Event) Status {
	k := bytes.Index(r, []byte(";Remote: "))
	if k < 0 {
		return Ignored
	}
	v := r[k+len(";Remote: "):]
	if e := bytes.IndexByte(v, ';'); e >= 0 {
		v = v[:e]
	}
	v = trimSpace(v)
	d := bytes.LastIndexByte(v, '-')
	if d <= 0 {
		return Ignored
	}
	a, ok := parseAddrToken(v[:d])
	if !ok {
		return Ignored
	}
	a.port = port(v[d+1:])
	ev.Kind = knocks.KindConnect
	a.set(ev)
	return Recognised
}

// timeoutLine parses "ADDR port N" or "connection from ADDR to ADDR, pid =
// N" after "Timeout before authentication for ". The second form is logged
// by the listening sshd about its child: the event takes the child's pid,
// so that it joins the child's connection.
func timeoutLine(r []byte, ev *knocks.Event) Status {
	ev.Kind = knocks.KindTimeout
	if c, ok := cutPrefix(r, "connection from "); ok {
		tok, rest := nextToken(c)
		if a, ok := parseAddrToken(tok); ok {
			a.set(ev)
		}
		if k := bytes.Index(rest, []byte(", pid = ")); k >= 0 {
			if pid, ok := atoi(rest[k+len(", pid = "):]); ok && pid > 0 {
				ev.PID = pid
			}
		}
		return Recognised
	}
	if a, _, ok := addrPort(r); ok {
		a.set(ev)
	}
	return Recognised
}

// refusedConnect parses "NAME[@ADDR] (ADDR)" after "refused connect from "
// (TCP wrappers): the address is the one in parentheses at the end.
func refusedConnect(r []byte, ev *knocks.Event) Status {
	ev.Kind = knocks.KindRefused
	if len(r) > 0 && r[len(r)-1] == ')' {
		if k := bytes.LastIndexByte(r, '('); k >= 0 {
			if a, ok := parseAddrToken(r[k+1 : len(r)-1]); ok {
				a.set(ev)
				return Recognised
			}
		}
	}
	tok, _ := nextToken(r)
	if k := bytes.LastIndexByte(tok, '@'); k >= 0 {
		tok = tok[k+1:]
	}
	if a, ok := parseAddrToken(tok); ok {
		a.set(ev)
	}
	return Recognised
}

// dropConnection parses "N from [ADDR]:PORT on [ADDR]:PORT REASON" after
// "drop connection #" (the listener refusing a connection: penalty or
// MaxStartups, OpenSSH 9.8 and later).
func dropConnection(r []byte, ev *knocks.Event) Status {
	k := bytes.Index(r, []byte(" from ["))
	if k < 0 {
		return Unrecognised
	}
	r = r[k+len(" from ["):]
	e := bytes.Index(r, []byte("]:"))
	if e < 0 {
		return Unrecognised
	}
	a, ok := parseAddrToken(r[:e])
	if !ok {
		return Unrecognised
	}
	p := r[e+2:]
	d := 0
	for d < len(p) && isDigit(p[d]) {
		d++
	}
	a.port = port(p[:d])
	ev.Kind = knocks.KindDrop
	a.set(ev)
	// " on [ADDR]:PORT penalty: REASON" or " on [ADDR]:PORT past MaxStartups".
	p = p[d:]
	if q, ok := cutPrefix(p, " on ["); ok {
		if k := bytes.Index(q, []byte("]:")); k >= 0 {
			q = q[k+2:]
			for len(q) > 0 && isDigit(q[0]) {
				q = q[1:]
			}
			p = q
		}
	}
	p = skipSpaces(p)
	if r, ok := cutPrefix(p, "penalty: "); ok {
		p = r
	}
	setReason(ev, p)
	return Recognised
}

// setReason stores the reason of a drop or penalty, bounded by
// knocks.MaxReasonLen.
func setReason(ev *knocks.Event, r []byte) {
	r = trimSpace(r)
	if len(r) > knocks.MaxReasonLen {
		r = r[:knocks.MaxReasonLen]
	}
	ev.Reason = string(r)
}

// penalise parses what follows "srclimit_penalise: " (OpenSSH 9.8+
// PerSourcePenalties): "ADDR/BITS: activating ipv4 penalty of N seconds for
// penalty: REASON" or "ipv4: new ADDR/BITS active penalty of N seconds for
// penalty: REASON". The address is the first token that is a prefix; a
// network wider than one address is recorded as its first address. Other
// forms (a full penalty table, a deferred penalty...) are context.
func penalise(r []byte, ev *knocks.Event) Status {
	const forPenalty = " for penalty: "
	k := bytes.Index(r, []byte(forPenalty))
	if k < 0 || bytes.Contains(r[:k], []byte(" deferred ")) {
		return Ignored
	}
	head, reason := r[:k], r[k+len(forPenalty):]
	for n := 0; n < 4 && len(head) > 0; n++ {
		var tok []byte
		tok, head = nextToken(head)
		tok = bytes.TrimSuffix(tok, []byte(":"))
		s := bytes.IndexByte(tok, '/')
		if s <= 0 {
			continue
		}
		a, ok := parseAddrToken(tok[:s])
		if !ok || !a.ip.IsValid() {
			continue
		}
		if bits, ok := atoi(tok[s+1:]); !ok || bits > a.ip.BitLen() {
			continue
		}
		ev.Kind = knocks.KindPenalty
		a.set(ev)
		setReason(ev, reason)
		return Recognised
	}
	return Ignored
}

// refuseConnection parses "[invalid user ]U from ADDR port N" after
// "administratively prohibited connection for " (OpenSSH 9.9+
// RefuseConnection): a failure line, like "User U not allowed".
func refuseConnection(r []byte, ev *knocks.Event) Status {
	r, _ = cutPrefix(r, "invalid user ")
	user, a, found := lastFrom(r, tailEnd)
	if !found {
		return Unrecognised
	}
	ev.Kind = knocks.KindNotAllowed
	ev.Invalid = true
	a.set(ev)
	setUser(ev, user)
	return Recognised
}

// cutPrefix is bytes.CutPrefix with a string prefix.
func cutPrefix(b []byte, s string) ([]byte, bool) {
	if hasPrefix(b, s) {
		return b[len(s):], true
	}
	return b, false
}

// cutSuffix is bytes.CutSuffix with a string suffix.
func cutSuffix(b []byte, s string) ([]byte, bool) {
	if hasSuffix(b, s) {
		return b[:len(b)-len(s)], true
	}
	return b, false
}
