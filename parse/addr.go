package parse

import (
	"bytes"
	"net/netip"
	"unicode/utf8"

	"knocks"
)

// addr is a source address as sshd wrote it: an IP, or a host name (UseDNS),
// or neither ("UNKNOWN").
type addr struct {
	ip   netip.Addr
	host []byte
	port int
}

// set stores a in ev.
func (a *addr) set(ev *knocks.Event) {
	ev.IP = a.ip
	if len(a.host) > 0 {
		ev.RHost = string(a.host)
	}
	if a.port > 0 {
		ev.Port = a.port
	}
}

// parseAddrToken parses a whole token as an address: IPv4, IPv6 (a zone
// such as "%eth0" is dropped, IPv4-mapped addresses are unmapped), a host
// name, or "UNKNOWN" (a valid address token that names nothing).
func parseAddrToken(tok []byte) (addr, bool) {
	if len(tok) == 0 {
		return addr{}, false
	}
	if v4, ok := parseIPv4(tok); ok {
		return addr{ip: netip.AddrFrom4(v4)}, true
	}
	if bytes.IndexByte(tok, ':') >= 0 {
		if k := bytes.IndexByte(tok, '%'); k > 0 {
			if !validZone(tok[k+1:]) {
				return addr{}, false
			}
			tok = tok[:k]
		}
		ip, ok := parseIPv6(tok)
		if !ok {
			return addr{}, false
		}
		return addr{ip: ip.Unmap()}, true
	}
	if string(tok) == "UNKNOWN" || string(tok) == "unknown" {
		return addr{}, true
	}
	if isHostname(tok) {
		return addr{host: tok}, true
	}
	return addr{}, false
}

// validAddr reports whether tok is an IP address (not a host name).
func validAddr(tok []byte) bool {
	a, ok := parseAddrToken(tok)
	return ok && a.ip.IsValid()
}

// validZone reports whether z can be an IPv6 zone (an interface name).
func validZone(z []byte) bool {
	if len(z) == 0 || len(z) > 64 {
		return false
	}
	for _, c := range z {
		if c <= ' ' || c == '%' || c >= 0x7f {
			return false
		}
	}
	return true
}

// isHostname reports whether tok can be a host name as sshd logs one with
// UseDNS: letters, digits, dots, hyphens and underscores, at most 253 bytes,
// starting with a letter, digit or underscore.
func isHostname(tok []byte) bool {
	if len(tok) == 0 || len(tok) > 253 {
		return false
	}
	c := tok[0]
	if !(isAlnum(c) || c == '_') {
		return false
	}
	for _, c := range tok {
		if !(isAlnum(c) || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// parseIPv4 parses a dotted-quad IPv4 address (no leading zeros, as
// net/netip) that makes up all of s.
func parseIPv4(s []byte) ([4]byte, bool) {
	var ip [4]byte
	if len(s) < 7 || len(s) > 15 {
		return ip, false
	}
	// Each field is read by straight code for its one to three digits,
	// not byte by byte in a loop.
	i := 0
	for f := range 4 {
		if f > 0 {
			if i >= len(s) || s[i] != '.' {
				return ip, false
			}
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			return ip, false
		}
		v := int(s[i] - '0')
		i++
		if i < len(s) && isDigit(s[i]) {
			if v == 0 {
				return ip, false // leading zero
			}
			v = v*10 + int(s[i]-'0')
			i++
			if i < len(s) && isDigit(s[i]) {
				v = v*10 + int(s[i]-'0')
				i++
				if v > 255 {
					return ip, false
				}
			}
		}
		ip[f] = byte(v)
	}
	return ip, i == len(s)
}

// parseIPv6 parses an IPv6 address without a zone that makes up all of s,
// including "::" compression and a trailing dotted quad.
func parseIPv6(s []byte) (netip.Addr, bool) {
	var ip [16]byte
	ellipsis := -1
	if len(s) >= 2 && s[0] == ':' && s[1] == ':' {
		ellipsis = 0
		s = s[2:]
		if len(s) == 0 {
			return netip.IPv6Unspecified(), true
		}
	}
	i := 0
	for i < 16 {
		off, acc := 0, 0
		for ; off < len(s); off++ {
			c := s[off]
			var v int
			switch {
			case '0' <= c && c <= '9':
				v = int(c - '0')
			case 'a' <= c && c <= 'f':
				v = int(c-'a') + 10
			case 'A' <= c && c <= 'F':
				v = int(c-'A') + 10
			default:
				v = -1
			}
			if v < 0 {
				break
			}
			if off >= 4 {
				return netip.Addr{}, false
			}
			acc = acc<<4 | v
		}
		if off == 0 {
			return netip.Addr{}, false
		}
		if off < len(s) && s[off] == '.' {
			if ellipsis < 0 && i != 12 || i+4 > 16 {
				return netip.Addr{}, false
			}
			v4, ok := parseIPv4(s)
			if !ok {
				return netip.Addr{}, false
			}
			copy(ip[i:], v4[:])
			i += 4
			s = nil
			break
		}
		ip[i], ip[i+1] = byte(acc>>8), byte(acc)
		i += 2
		s = s[off:]
		if len(s) == 0 {
			break
		}
		if s[0] != ':' || len(s) == 1 {
			return netip.Addr{}, false
		}
		s = s[1:]
		if s[0] == ':' {
			if ellipsis >= 0 {
				return netip.Addr{}, false
			}
			ellipsis = i
			s = s[1:]
			if len(s) == 0 {
				break
			}
		}
	}
	if len(s) != 0 {
		return netip.Addr{}, false
	}
	if i < 16 {
		if ellipsis < 0 {
			return netip.Addr{}, false
		}
		n := 16 - i
		for j := i - 1; j >= ellipsis; j-- {
			ip[j+n] = ip[j]
		}
		for j := ellipsis + n - 1; j >= ellipsis; j-- {
			ip[j] = 0
		}
	} else if ellipsis >= 0 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom16(ip), true
}

// addrPort parses "ADDR[ port N][ sshN]" at the start of b and returns the
// address and how many bytes it took.
func addrPort(b []byte) (addr, int, bool) {
	n := bytes.IndexByte(b, ' ')
	if n < 0 {
		n = len(b)
	}
	a, ok := parseAddrToken(b[:n])
	if !ok {
		return addr{}, 0, false
	}
	if hasPrefix(b[n:], " port ") {
		d := 0
		r := b[n+6:]
		for d < len(r) && d < 6 && isDigit(r[d]) {
			d++
		}
		if d > 0 && (d == len(r) || !isDigit(r[d])) {
			a.port = port(r[:d])
			n += 6 + d
		}
	}
	if hasPrefix(b[n:], " ssh") {
		r := b[n+4:]
		d := 0
		if len(r) > 0 && isDigit(r[0]) {
			d = 1
		}
		if d == len(r) || r[d] == ':' || r[d] == ' ' {
			n += 4 + d
		}
	}
	return a, n, true
}

// A tail says whether what follows an address is what the message allows.
type tail func(rest []byte) bool

func tailEnd(r []byte) bool { return len(r) == 0 }

func tailEndOrVia(r []byte) bool { return len(r) == 0 || hasPrefix(r, " via ") }

const fromWord = " from "

// maxCandidates bounds the places in one message where a parser tries an
// address: a real sshd line has a few, and the bound keeps a hostile line
// of a megabyte linear.
const maxCandidates = 64

// lastFrom finds the last " from ADDR[ port N][ sshN]" in b that is
// followed by what ok allows, and returns the text before it. Used where
// the text after the address is fixed, so that a user name that contains
// " from ..." cannot move the address.
func lastFrom(b []byte, ok tail) (before []byte, a addr, found bool) {
	end := len(b)
	for n := 0; n < maxCandidates; n++ {
		k := lastIndex(b[:end], []byte(fromWord))
		if k < 0 {
			return nil, addr{}, false
		}
		at := k + len(fromWord)
		if a, n, good := addrPort(b[at:]); good && ok(b[at+n:]) {
			return b[:k], a, true
		}
		end = k + len(fromWord) - 1
	}
	return nil, addr{}, false
}

// Who a remote id of sshd names before its address ("authenticating user
// U", "invalid user U", "user U" after a login).
const (
	preNone = iota
	preAuthenticating
	preInvalid
	preUser
)

var preambles = [...]struct {
	s    string
	kind int
}{{"authenticating user ", preAuthenticating}, {"invalid user ", preInvalid}, {"user ", preUser}}

// parseRemoteID parses the remote id that sshd (7.x and later) puts in its
// disconnect messages: "[authenticating user U |invalid user U |user U ]ADDR[
// port N]", anchored at the end of b, so the user name may hold anything.
func parseRemoteID(b []byte) (pre int, user []byte, a addr, ok bool) {
	// Only the tail is looked at: callers try many prefixes of a line, and
	// a search through all of each would be quadratic.
	pn := 0
	sp := bytes.LastIndexByte(b, ' ')
	if sp >= 0 && hasSuffix(b[:sp], " port") && len(b)-sp-1 <= 6 { // at most 6 digits, as port
		if p, good := atoi(b[sp+1:]); good {
			pn = p
			b = b[:sp-len(" port")]
			sp = bytes.LastIndexByte(b, ' ')
		}
	}
	a, ok = parseAddrToken(b[sp+1:])
	if !ok {
		return 0, nil, addr{}, false
	}
	a.port = pn
	if sp < 0 {
		return preNone, nil, a, true
	}
	head := b[:sp+1] // keeps the space before the address
	for _, p := range preambles {
		if hasPrefix(head, p.s) {
			u := head[len(p.s):]
			if len(u) > 0 {
				u = u[:len(u)-1]
			}
			return p.kind, u, a, true
		}
	}
	return 0, nil, addr{}, false
}

// setUser stores a user name as sshd logged it: octal and C-style escapes
// that sshd writes (strnvis with VIS_OCTAL|VIS_CSTYLE) are decoded to the
// exact bytes, and the result is cut to knocks.MaxUserLen bytes.
func setUser(ev *knocks.Event, u []byte) {
	ev.HasUser = true
	if len(u) > 4*knocks.MaxUserLen {
		u = u[:4*knocks.MaxUserLen]
	}
	if bytes.IndexByte(u, '\\') >= 0 {
		u = unvis(u)
	}
	if len(u) > knocks.MaxUserLen {
		n := knocks.MaxUserLen
		for i := 0; i < utf8.UTFMax-1 && n > 0 && !utf8.RuneStart(u[n]); i++ {
			n--
		}
		if !utf8.RuneStart(u[n]) {
			n = knocks.MaxUserLen
		}
		u = u[:n]
	}
	ev.User = alias(u)
}

// unvis decodes the escapes of strnvis(3) with VIS_OCTAL and VIS_CSTYLE:
// "\ooo", "\\", "\n", "\t", "\r", "\a", "\b", "\v", "\f", "\s", "\0".
// A backslash that starts no escape is kept as it is.
func unvis(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' || i+1 >= len(b) {
			out = append(out, c)
			continue
		}
		d := b[i+1]
		switch d {
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v, j := 0, i+1
			for j < len(b) && j < i+4 && '0' <= b[j] && b[j] <= '7' {
				v = v*8 + int(b[j]-'0')
				j++
			}
			if v > 255 {
				out = append(out, c)
				continue
			}
			out = append(out, byte(v))
			i = j - 1
			continue
		case '\\':
			out = append(out, '\\')
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'a':
			out = append(out, '\a')
		case 'b':
			out = append(out, '\b')
		case 'v':
			out = append(out, '\v')
		case 'f':
			out = append(out, '\f')
		case 's':
			out = append(out, ' ')
		default:
			out = append(out, c)
			continue
		}
		i++
	}
	return out
}
