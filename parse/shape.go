package parse

import (
	"strings"
)

// maxShapeLen bounds the length of a shape in bytes.
const maxShapeLen = 200

// maxShapeInput is how much of a message Shape looks at.
const maxShapeInput = 1024

// Shape returns the form of an sshd message with what varies from line to
// line masked, so that unrecognised lines can be grouped and counted:
// addresses become <ip> (or <host> for a host name after "from"), the
// number after "port" <port>, other numbers <n>, user names (after "user"
// or "for", up to the address that follows) <user>, quoted text <str> and
// key fingerprints <fp>. For example "Foo for admin from 192.0.2.1 port 22"
// becomes "Foo for <user> from <ip> port <port>". The result is at most 200
// bytes; it is not escaped for any output.
func Shape(msg string) string {
	if len(msg) > maxShapeInput {
		msg = msg[:maxShapeInput]
	}
	msg = strings.TrimSpace(msg)
	toks := strings.Split(msg, " ")
	var b strings.Builder
	b.Grow(len(msg))
	prev := ""
	for i := 0; i < len(toks); i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		t := toks[i]
		if t == "" {
			continue
		}
		// Quoted text, possibly over several tokens.
		if q := t[0]; q == '\'' || q == '"' {
			j := i
			for ; j < len(toks); j++ {
				s := toks[j]
				if j == i {
					s = s[1:]
				}
				if k := strings.IndexByte(s, q); k >= 0 {
					break
				}
			}
			if j < len(toks) {
				end := toks[j]
				k := strings.LastIndexByte(end, q)
				b.WriteByte(q)
				b.WriteString("<str>")
				b.WriteString(end[k:])
				i, prev = j, "<str>"
				continue
			}
		}
		if isIPToken(t) { // "[192.0.2.1]:22" whole
			b.WriteString("<ip>")
			prev = "<ip>"
			continue
		}
		lead, core, trail := splitPunct(t)
		if (prev == "user" || prev == "for" && !shapeKeyword(core)) && !isIPToken(core) {
			// A user name: up to the next "from" or address, if any.
			j := i
			for k := i + 1; k < len(toks) && k < i+12; k++ {
				_, c, _ := splitPunct(toks[k])
				if c == "from" || isIPToken(c) {
					j = k - 1
					break
				}
			}
			_, _, trail = splitPunct(toks[j])
			b.WriteString(lead)
			b.WriteString("<user>")
			b.WriteString(trail)
			i, prev = j, "<user>"
			continue
		}
		b.WriteString(lead)
		b.WriteString(maskToken(core, prev))
		b.WriteString(trail)
		prev = core
	}
	s := b.String()
	if len(s) > maxShapeLen {
		s = s[:maxShapeLen]
		for len(s) > 0 && s[len(s)-1]&0xc0 == 0x80 {
			s = s[:len(s)-1]
		}
		if len(s) > 0 && s[len(s)-1] >= 0xc0 {
			s = s[:len(s)-1]
		}
	}
	return s
}

// ShapeLine returns the Shape of the sshd message of a log line, or "" for
// a line that is not an sshd line.
func ShapeLine(b []byte) string {
	_, msg, ok := Message(b)
	if !ok {
		return ""
	}
	return Shape(string(msg))
}

// shapeKeyword reports whether a word after "for" is part of the message
// rather than a user name.
func shapeKeyword(w string) bool {
	switch w {
	case "invalid", "illegal", "user", "connection", "authenticating", "the", "a", "an", "":
		return true
	}
	return isIPToken(w)
}

// splitPunct splits the leading and trailing punctuation off a token.
func splitPunct(t string) (lead, core, trail string) {
	i := 0
	for i < len(t) && strings.IndexByte("([{<", t[i]) >= 0 {
		i++
	}
	j := len(t)
	for j > i && strings.IndexByte(",;.)]}>!", t[j-1]) >= 0 {
		j--
	}
	// A trailing colon, unless it is part of an IPv6 address ("::").
	if j > i && t[j-1] == ':' && !(j-2 >= i && t[j-2] == ':') {
		j--
		for j > i && strings.IndexByte(",;.)]}>!", t[j-1]) >= 0 {
			j--
		}
	}
	return t[:i], t[i:j], t[j:]
}

// isIPToken reports whether w is an IP address, with an optional zone,
// port ("[::1]:22", "1.2.3.4:22") or "-port" suffix (1.2.3.4-1780).
func isIPToken(w string) bool {
	if w == "" {
		return false
	}
	if _, ok := parseAddrIP(w); ok {
		return true
	}
	if k := strings.LastIndexByte(w, '-'); k > 0 && allDigits(w[k+1:]) {
		if _, ok := parseAddrIP(w[:k]); ok {
			return true
		}
	}
	if k := strings.LastIndexByte(w, ':'); k > 0 && allDigits(w[k+1:]) {
		h := w[:k]
		if len(h) > 2 && h[0] == '[' && h[len(h)-1] == ']' {
			h = h[1 : len(h)-1]
		} else if strings.IndexByte(h, ':') >= 0 {
			return false
		}
		_, ok := parseAddrIP(h)
		return ok
	}
	return false
}

// parseAddrIP parses w as an IP address (not a host name).
func parseAddrIP(w string) (addr, bool) {
	a, ok := parseAddrToken([]byte(w))
	return a, ok && a.ip.IsValid()
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// maskToken masks one token of a message.
func maskToken(w, prev string) string {
	switch {
	case w == "":
		return w
	case isIPToken(w):
		return "<ip>"
	case allDigits(w):
		if prev == "port" {
			return "<port>"
		}
		return "<n>"
	case strings.HasPrefix(w, "SHA256:") || strings.HasPrefix(w, "MD5:"):
		return w[:strings.IndexByte(w, ':')+1] + "<fp>"
	case (prev == "from" || prev == "by" || prev == "host") && strings.IndexByte(w, '.') > 0 && isHostname([]byte(w)):
		return "<host>"
	case isFingerprint(w):
		return "<fp>"
	}
	// Digit runs that do not follow a letter ("#0", "=123", "7736:3");
	// names such as "ssh2" or "sha256" stay.
	var b strings.Builder
	changed := false
	for i := 0; i < len(w); {
		c := w[i]
		if isDigit(c) {
			j := i
			for j < len(w) && isDigit(w[j]) {
				j++
			}
			if i > 0 && isLetter(w[i-1]) {
				b.WriteString(w[i:j])
			} else {
				b.WriteString("<n>")
				changed = true
			}
			i = j
			continue
		}
		b.WriteByte(c)
		i++
	}
	if !changed {
		return w
	}
	return b.String()
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// isFingerprint reports whether w is a hex fingerprint "8c:e3:aa:...".
func isFingerprint(w string) bool {
	if len(w) < 23 {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if i%3 == 2 {
			if c != ':' {
				return false
			}
		} else if !(isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
