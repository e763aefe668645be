package parse

import (
	"bytes"
	"time"
)

// wallLoc marks a time that was written without a zone: its fields are the
// wall clock as written, to be read in Clock.Loc by Clock.Resolve. It is
// never changed.
var wallLoc = time.FixedZone("wall-clock", 0)

// IsWallClock reports whether t is a wall-clock time as written in a log
// line without a zone (RFC 3164 stamps, fail2ban.log, ISO stamps without
// an offset). Its fields are the wall clock; Clock.Resolve reads them in
// the zone of the logs and converts them to UTC.
func IsWallClock(t time.Time) bool { return t.Location() == wallLoc }

// hdrKind is what splitHeader found.
type hdrKind int

const (
	hdrNone      hdrKind = iota // not a form we know
	hdrOther                    // a syslog line of another program
	hdrSSHD                     // a line of sshd: h.msg is its message
	hdrNoProgram                // a timestamp and then no program: h.msg follows the timestamp
	hdrFail2ban                 // a fail2ban.log line, or a fail2ban line in syslog: h.msg starts at "fail2ban."
	hdrSSHGuard                 // a line of sshguard: h.msg is its message
)

// header is a parsed line header. Its slices point into the line.
type header struct {
	t      time.Time
	noYear bool
	host   []byte
	prog   []byte
	pid    int
	msg    []byte
}

// splitHeader parses the header of a syslog, RFC 5424 or fail2ban.log line.
// depth is 1 inside a socklog line, whose message is a line of its own.
func splitHeader(b []byte, h *header, depth int) hdrKind {
	rest := b
	if len(rest) > 0 && rest[0] == '<' {
		j := 1
		for j < len(rest) && j < 5 && isDigit(rest[j]) {
			j++
		}
		if j > 1 && j < len(rest) && rest[j] == '>' {
			rest = rest[j+1:]
			if len(rest) >= 2 && rest[0] == '1' && rest[1] == ' ' {
				return split5424(rest[2:], h)
			}
		}
	}
	hadTime := false
	if t, n, ok := parse3164(rest); ok {
		h.t, h.noYear = t, true
		rest, hadTime = rest[n:], true
	} else if t, n, ok := parseISO(rest); ok {
		h.t = t
		rest, hadTime = rest[n:], true
		if r := skipSpaces(rest); hasPrefix(r, "fail2ban.") {
			h.msg = r
			return hdrFail2ban
		}
	}
	return splitTagged(skipSpaces(rest), h, hadTime, depth)
}

// splitTagged parses "[host ]program[[pid]]: message" and its variants.
func splitTagged(rest []byte, h *header, hadTime bool, depth int) hdrKind {
	tok1, r1 := nextToken(rest)
	if len(tok1) == 0 {
		return hdrNone
	}
	// socklog: "2015-05-27T04:31:28.10040 auth.info: <a line or a message>".
	if hadTime && depth == 0 && tok1[len(tok1)-1] == ':' && isFacLevel(tok1[:len(tok1)-1]) {
		var in header
		switch splitHeader(r1, &in, 1) {
		case hdrSSHD:
			h.host, h.prog, h.pid, h.msg = in.host, in.prog, in.pid, in.msg
			return hdrSSHD
		case hdrOther:
			return hdrOther
		}
		h.msg = r1
		return hdrNoProgram
	}
	if name, pid, ok := parseTag(tok1); ok {
		return tagged(h, nil, name, pid, r1)
	}
	// FreeBSD syslogd -v: "<10.5> host program[pid]: ...".
	if tok1[0] == '<' && tok1[len(tok1)-1] == '>' && len(tok1) > 2 {
		tok1, r1 = nextToken(r1)
		if len(tok1) == 0 {
			return hdrNone
		}
	}
	host := tok1
	tok2, r2 := nextToken(r1)
	if hadTime && hasPrefix(tok2, "fail2ban.") {
		// fail2ban with logtarget = SYSLOG: "host fail2ban.actions [1234]: ...".
		// Without a time the line is of no use: a ban has one.
		h.host, h.msg = host, skipSpaces(r1)
		return hdrFail2ban
	}
	if len(tok2) > 0 {
		if name, pid, ok := parseTag(tok2); ok {
			return tagged(h, host, name, pid, r2)
		}
		// busybox: "host auth.info program[pid]: ...".
		if isFacLevel(tok2) {
			if tok3, r3 := nextToken(r2); len(tok3) > 0 {
				if name, pid, ok := parseTag(tok3); ok {
					return tagged(h, host, name, pid, r3)
				}
			}
		}
		// RFC 5424 without its "<PRI>1 " (sysklogd):
		// "TIMESTAMP HOST APP PROCID MSGID SD MSG".
		if hadTime {
			if k := split5424Tail(r1, h); k != hdrNone {
				h.host = host
				return k
			}
		}
	}
	if hadTime {
		h.msg = rest
		return hdrNoProgram
	}
	return hdrNone
}

// tagged fills h for a line whose program tag was found.
func tagged(h *header, host, name []byte, pid int, msg []byte) hdrKind {
	if string(name) == "sshguard" {
		h.host, h.prog, h.pid, h.msg = host, name, pid, msg
		return hdrSSHGuard
	}
	if !isSSHD(name) {
		return hdrOther
	}
	h.host, h.prog, h.pid, h.msg = host, name, pid, msg
	return hdrSSHD
}

// split5424 parses an RFC 5424 line after its "<PRI>1 ".
func split5424(b []byte, h *header) hdrKind {
	ts, r := nextToken(b)
	if len(ts) == 0 {
		return hdrNone
	}
	if !(len(ts) == 1 && ts[0] == '-') {
		t, n, ok := parseISO(ts)
		if !ok || n != len(ts) {
			return hdrNone
		}
		h.t = t
	}
	host, r := nextToken(r)
	if len(host) == 0 {
		return hdrNone
	}
	if !(len(host) == 1 && host[0] == '-') {
		h.host = host
	}
	return split5424Tail(r, h)
}

// split5424Tail parses "APP PROCID MSGID SD [MSG]".
func split5424Tail(b []byte, h *header) hdrKind {
	app, r := nextToken(b)
	procid, r := nextToken(r)
	msgid, r := nextToken(r)
	if len(app) == 0 || len(procid) == 0 || len(msgid) == 0 || len(r) == 0 {
		return hdrNone
	}
	pid := 0
	if !(len(procid) == 1 && procid[0] == '-') {
		n, ok := atoi(procid)
		if !ok {
			return hdrNone
		}
		pid = n
	}
	msg, ok := skipSD(r)
	if !ok {
		return hdrNone
	}
	if !isSSHD(baseName(app)) {
		return hdrOther
	}
	h.prog, h.pid = baseName(app), pid
	h.msg = skipSpaces(msg)
	if hasPrefix(h.msg, "\xef\xbb\xbf") {
		h.msg = h.msg[3:]
	}
	return hdrSSHD
}

// skipSD skips the structured data of an RFC 5424 line: "-" or one or more
// "[id key="value" ...]" elements, whose quoted values may hold brackets
// and backslash escapes.
func skipSD(b []byte) ([]byte, bool) {
	if len(b) == 0 {
		return nil, false
	}
	if b[0] == '-' {
		return b[1:], len(b) == 1 || b[1] == ' '
	}
	if b[0] != '[' {
		return nil, false
	}
	for len(b) > 0 && b[0] == '[' {
		i, inQuote := 1, false
		for ; i < len(b); i++ {
			c := b[i]
			if inQuote {
				switch c {
				case '\\':
					i++
				case '"':
					inQuote = false
				}
				continue
			}
			if c == '"' {
				inQuote = true
			} else if c == ']' {
				break
			}
		}
		if i >= len(b) {
			return nil, false
		}
		b = b[i+1:]
	}
	return b, len(b) == 0 || b[0] == ' '
}

// parseTag parses a program tag token: "name[pid]:", "name[pid]",
// "name:", "[name]:" or "[name]". name is the base name of the program.
func parseTag(t []byte) (name []byte, pid int, ok bool) {
	if len(t) < 2 {
		return nil, 0, false
	}
	if t[0] == '[' {
		end := len(t) - 1
		if t[end] == ':' {
			end--
		}
		if end < 2 || t[end] != ']' {
			return nil, 0, false
		}
		name = t[1:end]
		if !validTagName(name) {
			return nil, 0, false
		}
		return baseName(name), 0, true
	}
	last := len(t) - 1
	if t[last] != ':' && t[last] != ']' {
		return nil, 0, false // none of the forms: "name:", "name[pid]", "name[pid]:"
	}
	// One pass over the name: where it ends (the first '['), its first
	// byte that a name may not hold (':' or ']'), and its last '/'.
	k, bad, slash := -1, -1, -1
	for i, c := range t {
		if c == '[' {
			k = i
			break
		}
		if c == ':' || c == ']' {
			if bad < 0 {
				bad = i
			}
		} else if c == '/' {
			slash = i
		}
	}
	if k > 0 {
		r := t[k+1:]
		j, n := 0, 0
		for j < len(r) && isDigit(r[j]) {
			n = n*10 + int(r[j]-'0')
			j++
		}
		if j == 0 || j > 10 || j >= len(r) || r[j] != ']' {
			return nil, 0, false
		}
		if rest := r[j+1:]; !(len(rest) == 0 || len(rest) == 1 && rest[0] == ':') {
			return nil, 0, false
		}
		if bad >= 0 {
			return nil, 0, false
		}
		if j <= 9 { // as atoi: a longer pid is none
			pid = n
		}
		name = t[:k]
	} else {
		if t[last] != ':' || (bad >= 0 && bad < last) {
			return nil, 0, false
		}
		name = t[:last]
	}
	if slash >= 0 && slash < len(name)-1 {
		name = name[slash+1:]
	}
	return name, pid, true
}

// validTagName reports whether a program name has no brackets or colons.
func validTagName(name []byte) bool {
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c == ':' || c == '[' || c == ']' {
			return false
		}
	}
	return true
}

// baseName returns the part of a program path after its last slash.
func baseName(name []byte) []byte {
	if k := bytes.LastIndexByte(name, '/'); k >= 0 && k < len(name)-1 {
		return name[k+1:]
	}
	return name
}

// isSSHD reports whether a program name is one that sshd logs under.
func isSSHD(name []byte) bool {
	switch string(name) {
	case "sshd", "sshd-session", "sshd-auth", pamTag:
		return true
	}
	return false
}

// pamTag is the program tag under which the PAM modules of Red Hat and
// Fedora of the 2000s logged for sshd: "sshd(pam_unix)[19939]: ...".
const pamTag = "sshd(pam_unix)"

// program returns the interned program name.
func program(name []byte) string {
	switch string(name) {
	case "sshd":
		return "sshd"
	case "sshd-session":
		return "sshd-session"
	case "sshd-auth":
		return "sshd-auth"
	case pamTag:
		return "sshd"
	case "":
		return ""
	}
	return string(name)
}

// isFacLevel reports whether t is a syslog "facility.level" pair such as
// "auth.info", as busybox and socklog write before the program.
func isFacLevel(t []byte) bool {
	k := bytes.IndexByte(t, '.')
	if k <= 0 {
		return false
	}
	fac, lvl := t[:k], t[k+1:]
	switch string(fac) {
	case "auth", "authpriv", "daemon", "user", "security", "kern", "mail", "syslog", "cron",
		"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7":
	default:
		return false
	}
	switch string(lvl) {
	case "emerg", "panic", "alert", "crit", "err", "error", "warning", "warn", "notice", "info", "debug":
		return true
	}
	return false
}

// month returns the month of a three-letter English abbreviation, 0 if none.
// It is a perfect hash: (b+c)%32 differs for the twelve, so one entry of
// monthTable is the only candidate, with no chain of comparisons whose
// branches a processor may mispredict.
func month(a, b, c byte) time.Month {
	e := monthTable[(b+c)&31]
	if e.abbr != uint32(a)<<16|uint32(b)<<8|uint32(c) {
		return 0
	}
	return e.m
}

// monthTable holds the months by the hash of month.
var monthTable = func() (t [32]struct {
	abbr uint32 // the three letters, the first in the high byte
	m    time.Month
}) {
	for m := time.January; m <= time.December; m++ {
		s := m.String()
		e := &t[(s[1]+s[2])&31]
		if e.m != 0 {
			panic("parse: two months in one entry of monthTable")
		}
		e.abbr, e.m = uint32(s[0])<<16|uint32(s[1])<<8|uint32(s[2]), m
	}
	return t
}()

// parse3164 parses an RFC 3164 stamp, "Feb 25 00:07:21", "Feb  5 ...",
// "Feb 5 ..." or "Jul 05 ...", with an optional fraction of a second. The
// result is a wall-clock time in year 0 (a leap year, so Feb 29 is kept).
func parse3164(b []byte) (time.Time, int, bool) {
	if len(b) < 14 || b[3] != ' ' {
		return time.Time{}, 0, false
	}
	m := month(b[0], b[1], b[2])
	if m == 0 {
		return time.Time{}, 0, false
	}
	i := 4
	if b[i] == ' ' {
		i++
	}
	d, j := 0, i
	for j < len(b) && j < i+2 && isDigit(b[j]) {
		d = d*10 + int(b[j]-'0')
		j++
	}
	if j == i || j >= len(b) || b[j] != ' ' {
		return time.Time{}, 0, false
	}
	j++
	hh, mm, ss, ok := clock(b[j:])
	if !ok || d < 1 || d > 31 {
		return time.Time{}, 0, false
	}
	j += 8
	ns := 0
	if j < len(b) && b[j] == '.' {
		var n int
		ns, n = fraction(b[j+1:])
		if n == 0 {
			return time.Time{}, 0, false
		}
		j += 1 + n
	}
	if j < len(b) && b[j] != ' ' {
		return time.Time{}, 0, false
	}
	return dateUTC(0, m, d, hh, mm, ss, ns, wallLoc), j, true
}

// dateUTC is time.Date for a zone without an offset (UTC or wallLoc) and
// a month from 1 to 12, with the same normalisation of a day, hour, minute
// or second out of its range (Feb 30 is Mar 1, a second 60 is the next
// minute), and without the zone lookup and the checks of time.Date.
func dateUTC(year int, mo time.Month, d, hh, mm, ss, ns int, loc *time.Location) time.Time {
	days := daysFromCivil(year, int(mo)) + int64(d-1)
	sec := days*86400 + int64(hh*3600+mm*60+ss)
	return time.Unix(sec, int64(ns)).In(loc)
}

// daysFromCivil returns the days from 1970-01-01 to the first day of month
// mo (1 to 12) of year, in the proleptic Gregorian calendar (H. Hinnant's
// days_from_civil).
func daysFromCivil(year, mo int) int64 {
	y := int64(year)
	if mo <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400                      // [0, 399]
	doy := int64((153*((mo+9)%12) + 2) / 5) // days from March 1 to the first of mo
	doe := yoe*365 + yoe/4 - yoe/100 + doy  // [0, 146096]
	return era*146097 + doe - 719468
}

// clock parses "hh:mm:ss".
func clock(b []byte) (h, m, s int, ok bool) {
	if len(b) < 8 || b[2] != ':' || b[5] != ':' {
		return 0, 0, 0, false
	}
	h, ok1 := two(b[0:])
	m, ok2 := two(b[3:])
	s, ok3 := two(b[6:])
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || s > 60 {
		return 0, 0, 0, false
	}
	return h, m, s, true
}

// two parses two decimal digits.
func two(b []byte) (int, bool) {
	if len(b) < 2 || !isDigit(b[0]) || !isDigit(b[1]) {
		return 0, false
	}
	return int(b[0]-'0')*10 + int(b[1]-'0'), true
}

// fraction parses the digits of a fraction of a second into nanoseconds
// and returns how many digits there were.
func fraction(b []byte) (ns, n int) {
	scale := 100_000_000
	for n < len(b) && isDigit(b[n]) {
		ns += int(b[n]-'0') * scale
		scale /= 10
		n++
	}
	return ns, n
}

// parseISO parses an RFC 3339 / ISO 8601 stamp: "2024-02-25T00:07:21",
// a space instead of the T, an optional fraction after '.' or ',', and an
// optional zone "Z", "+01:00", "+0100" or "+01". A stamp with a zone gives
// UTC; one without gives a wall-clock time.
func parseISO(b []byte) (time.Time, int, bool) {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != 'T' && b[10] != ' ') {
		return time.Time{}, 0, false
	}
	y := 0
	for i := 0; i < 4; i++ {
		if !isDigit(b[i]) {
			return time.Time{}, 0, false
		}
		y = y*10 + int(b[i]-'0')
	}
	mo, ok1 := two(b[5:])
	d, ok2 := two(b[8:])
	hh, mm, ss, ok3 := clock(b[11:])
	if !ok1 || !ok2 || !ok3 || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return time.Time{}, 0, false
	}
	j := 19
	ns := 0
	if j < len(b) && (b[j] == '.' || b[j] == ',') {
		var n int
		ns, n = fraction(b[j+1:])
		if n == 0 {
			return time.Time{}, 0, false
		}
		j += 1 + n
	}
	loc, off := wallLoc, 0
	if j < len(b) {
		switch b[j] {
		case 'Z', 'z':
			loc = time.UTC
			j++
		case '+', '-':
			sign := 1
			if b[j] == '-' {
				sign = -1
			}
			oh, ok := two(b[j+1:])
			if !ok || oh > 23 {
				return time.Time{}, 0, false
			}
			k := j + 3
			om := 0
			if k < len(b) && b[k] == ':' {
				k++
			}
			if v, ok := two(b[k:]); ok && v < 60 {
				om = v
				k += 2
			} else if b[k-1] == ':' {
				return time.Time{}, 0, false
			}
			loc, off = time.UTC, sign*(oh*3600+om*60)
			j = k
		}
	}
	if j < len(b) && b[j] != ' ' {
		return time.Time{}, 0, false
	}
	t := dateUTC(y, time.Month(mo), d, hh, mm, ss, ns, loc)
	if off != 0 {
		t = t.Add(-time.Duration(off) * time.Second)
	}
	return t, j, true
}

// nextToken returns the bytes up to the next space, and the rest after the
// spaces that follow.
func nextToken(b []byte) (tok, rest []byte) {
	k := bytes.IndexByte(b, ' ')
	if k < 0 {
		return b, nil
	}
	return b[:k], skipSpaces(b[k:])
}

// skipSpaces drops leading spaces.
func skipSpaces(b []byte) []byte {
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	return b
}

// trimSpace drops leading and trailing spaces and tabs.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// port parses the digits of a port: 0 for more than 6 digits (a port is
// at most 65535; the bound of 6 is the one addrPort has always read).
func port(b []byte) int {
	if len(b) > 6 {
		return 0
	}
	n, _ := atoi(b)
	return n
}

// atoi parses a non-negative decimal number of at most 9 digits.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// hasPrefix reports whether b begins with s, without allocating.
func hasPrefix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[:len(s)]) == s
}

// hasSuffix reports whether b ends with s, without allocating.
func hasSuffix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[len(b)-len(s):]) == s
}
