package parse

import (
	"bytes"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"knocks"
)

// journalRecord holds the raw JSON values of the fields of a `journalctl
// -o json` object that the parser uses. Values are strings, arrays of byte
// values (fields that are not valid UTF-8), or arrays of those (fields that
// occur more than once in an entry).
type journalRecord struct {
	message, identifier, comm, pid, syslogPID, hostname, realtime []byte
}

var sshdQuote = []byte(`"sshd`)

// journalMessage decodes a journald JSON line of sshd: it fills ev's time,
// host, program and pid and returns the MESSAGE. ok is false for objects of
// other programs and for malformed JSON. The JSON is scanned by hand (only
// the fields above are decoded), which is about ten times faster than
// encoding/json on real journal entries of 1.5 kB.
func journalMessage(b []byte, ev *knocks.Event) (msg []byte, ok bool) {
	if !bytes.Contains(b, sshdQuote) {
		return nil, false
	}
	r, ok := scanJournal(b)
	if !ok {
		return nil, false
	}
	ident := journalValue(r.identifier)
	if ident == nil {
		ident = journalValue(r.comm)
	}
	if !isSSHD(ident) {
		return nil, false
	}
	msg = journalValue(r.message)
	if msg == nil {
		return nil, false
	}
	ev.Program = program(ident)
	if h := journalValue(r.hostname); len(h) > 0 {
		ev.Host = alias(h)
	}
	pid := journalValue(r.pid)
	if pid == nil {
		pid = journalValue(r.syslogPID)
	}
	ev.PID, _ = atoi(pid)
	if us, ok := atoi64(journalValue(r.realtime)); ok && us > 0 {
		ev.Time = time.UnixMicro(us).UTC()
	}
	return msg, true
}

// JournalCursor returns the __CURSOR field of a journald JSON line (as
// `journalctl -o json` writes it), or nil when b is not a JSON object or
// has no such string field. journalctl writes the cursor first, so only the
// start of the line is read; the rest of the object is not checked. The
// result may be a subslice of b.
func JournalCursor(b []byte) []byte {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil
	}
	i = skipWS(b, i+1)
	for i < len(b) && b[i] == '"' {
		kEnd, ok := skipString(b, i)
		if !ok {
			return nil
		}
		key := b[i+1 : kEnd-1]
		i = skipWS(b, kEnd)
		if i >= len(b) || b[i] != ':' {
			return nil
		}
		i = skipWS(b, i+1)
		vEnd, ok := skipValue(b, i, 0)
		if !ok {
			return nil
		}
		if string(key) == "__CURSOR" {
			if b[i] != '"' {
				return nil
			}
			return unquoteJSON(b[i:vEnd])
		}
		i = skipWS(b, vEnd)
		if i >= len(b) || b[i] != ',' {
			return nil
		}
		i = skipWS(b, i+1)
	}
	return nil
}

// scanJournal walks the members of one JSON object and keeps the raw
// values of the fields in journalRecord (the last one of a repeated key).
// It checks the structure of the object, not every detail of JSON.
func scanJournal(b []byte) (r journalRecord, ok bool) {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return r, false
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return r, len(skipWSBytes(b[i+1:])) == 0
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return r, false
		}
		kEnd, ok := skipString(b, i)
		if !ok {
			return r, false
		}
		key := b[i+1 : kEnd-1]
		i = skipWS(b, kEnd)
		if i >= len(b) || b[i] != ':' {
			return r, false
		}
		i = skipWS(b, i+1)
		vEnd, ok := skipValue(b, i, 0)
		if !ok {
			return r, false
		}
		val := b[i:vEnd]
		switch string(key) {
		case "MESSAGE":
			r.message = val
		case "SYSLOG_IDENTIFIER":
			r.identifier = val
		case "_COMM":
			r.comm = val
		case "_PID":
			r.pid = val
		case "SYSLOG_PID":
			r.syslogPID = val
		case "_HOSTNAME":
			r.hostname = val
		case "__REALTIME_TIMESTAMP":
			r.realtime = val
		}
		i = skipWS(b, vEnd)
		if i >= len(b) {
			return r, false
		}
		switch b[i] {
		case ',':
			i = skipWS(b, i+1)
		case '}':
			return r, len(skipWSBytes(b[i+1:])) == 0
		default:
			return r, false
		}
	}
}

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipWS(b []byte, i int) int {
	for i < len(b) && isWS(b[i]) {
		i++
	}
	return i
}

func skipWSBytes(b []byte) []byte { return b[skipWS(b, 0):] }

// skipString returns the index after the JSON string that starts at b[i].
func skipString(b []byte, i int) (int, bool) {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return 0, false
		}
		j += k
		// The quote ends the string unless an odd number of backslashes
		// escapes it.
		n := 0
		for p := j - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return j + 1, true
		}
		j++
	}
}

// skipValue returns the index after the JSON value that starts at b[i].
func skipValue(b []byte, i, depth int) (int, bool) {
	if i >= len(b) || depth > 32 {
		return 0, false
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '[', '{':
		close := byte(']')
		if b[i] == '{' {
			close = '}'
		}
		j := skipWS(b, i+1)
		if j < len(b) && b[j] == close {
			return j + 1, true
		}
		for {
			if close == '}' {
				if j >= len(b) || b[j] != '"' {
					return 0, false
				}
				e, ok := skipString(b, j)
				if !ok {
					return 0, false
				}
				j = skipWS(b, e)
				if j >= len(b) || b[j] != ':' {
					return 0, false
				}
				j = skipWS(b, j+1)
			}
			e, ok := skipValue(b, j, depth+1)
			if !ok {
				return 0, false
			}
			j = skipWS(b, e)
			if j >= len(b) {
				return 0, false
			}
			if b[j] == close {
				return j + 1, true
			}
			if b[j] != ',' {
				return 0, false
			}
			j = skipWS(b, j+1)
		}
	}
	j := i
	for j < len(b) && (isAlnum(b[j]) || b[j] == '-' || b[j] == '+' || b[j] == '.') {
		j++
	}
	return j, j > i
}

// journalValue decodes a journald field value: a string, an array of byte
// values, or an array of such values (the first is taken). It returns nil
// for an absent or malformed value. A string without escapes is returned
// as a subslice of raw.
func journalValue(raw []byte) []byte {
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case '"':
		return unquoteJSON(raw)
	case '[':
		i := skipWS(raw, 1)
		if i >= len(raw) {
			return nil
		}
		if raw[i] == '"' || raw[i] == '[' {
			e, ok := skipValue(raw, i, 0)
			if !ok {
				return nil
			}
			if raw[i] == '[' {
				return journalBytes(raw[i:e])
			}
			return unquoteJSON(raw[i:e])
		}
		return journalBytes(raw)
	}
	return nil
}

// journalBytes decodes an array of byte values, "[73,110]".
func journalBytes(raw []byte) []byte {
	out := make([]byte, 0, len(raw)/3)
	i := skipWS(raw, 1)
	if i < len(raw) && raw[i] == ']' {
		return out
	}
	for i < len(raw) {
		j := i
		for j < len(raw) && isDigit(raw[j]) {
			j++
		}
		n, ok := atoi(raw[i:j])
		if !ok || n > 255 {
			return nil
		}
		out = append(out, byte(n))
		i = skipWS(raw, j)
		if i >= len(raw) {
			return nil
		}
		if raw[i] == ']' {
			return out
		}
		if raw[i] != ',' {
			return nil
		}
		i = skipWS(raw, i+1)
	}
	return nil
}

// unquoteJSON decodes a JSON string literal, quotes included.
func unquoteJSON(raw []byte) []byte {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil
	}
	s := raw[1 : len(raw)-1]
	if bytes.IndexByte(s, '\\') < 0 {
		return s
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(s) {
			return nil
		}
		switch s[i] {
		case '"', '\\', '/':
			out = append(out, s[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(s[i+1:])
			if !ok {
				return nil
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if i+2 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
					r2, ok = hex4(s[i+3:])
				}
				if d := utf16.DecodeRune(r, r2); ok && d != utf8.RuneError {
					r = d
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil
		}
	}
	return out
}

// hex4 parses four hexadecimal digits.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		var v rune
		switch {
		case '0' <= c && c <= '9':
			v = rune(c - '0')
		case 'a' <= c && c <= 'f':
			v = rune(c-'a') + 10
		case 'A' <= c && c <= 'F':
			v = rune(c-'A') + 10
		default:
			return 0, false
		}
		r = r<<4 | v
	}
	return r, true
}

// atoi64 parses a non-negative decimal number of at most 18 digits.
func atoi64(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
