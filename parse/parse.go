package parse

import (
	"fmt"
	"time"

	"knocks"
)

// Status says what Line made of a line.
//
// The values are in the same order as ingest.Status, so a caller can
// convert one into the other with a plain type conversion.
type Status int

// The statuses of a parsed line.
const (
	// NotSSHD is a line of another program, a blank line, or a fail2ban.log
	// line that is not a Found, Ban or Unban line.
	NotSSHD Status = iota
	// Recognised is an event: Event.Kind is set. It includes KindConnect
	// context lines, which give a connection its address but never count.
	Recognised
	// Ignored is a known sshd line that is not an event: session opened or
	// closed, Close session, Postponed, Accepted key, a disconnect after a
	// login, Server listening and the like.
	Ignored
	// Unrecognised is an sshd line that the parser does not know. Message
	// and Shape help to report it.
	Unrecognised
	// Invalid is an sshd or fail2ban.log line whose time is out of the
	// range that knocks stores (knocks.ValidTime), such as a journald
	// __REALTIME_TIMESTAMP in the year 11476: bad input, to be skipped with
	// a message. The event keeps its header (Time, Host, Program, PID).
	Invalid
)

// String returns the name of the status.
func (s Status) String() string {
	switch s {
	case NotSSHD:
		return "not-sshd"
	case Recognised:
		return "recognised"
	case Ignored:
		return "ignored"
	case Unrecognised:
		return "unrecognised"
	case Invalid:
		return "invalid"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Header is what a log line says before the sshd message.
type Header struct {
	// Time is the timestamp of the line; the zero Time when the line had
	// none (journal-style lines without a timestamp, bare messages). For
	// RFC 3164 stamps NoYear is set and the year is a placeholder (0); for
	// stamps without a zone IsWallClock(Time) is true. Clock.Resolve turns
	// both into UTC.
	Time    time.Time
	NoYear  bool
	Host    string // "" when the header named no host
	Program string // "sshd", "sshd-session" or "sshd-auth"; "" when unnamed
	PID     int    // 0 when the header had no pid
}

// Line parses one log line into an event. It recognises journald JSON
// objects (a line that starts with '{'), fail2ban.log lines and syslog lines
// in the forms listed in the package documentation, and the sshd messages
// in them.
//
// The event's Time is as written: see Header.Time; call Clock.Resolve on
// every event, in line order, to get UTC. A line whose time is outside
// knocks.MinTime to knocks.MaxTime is Invalid. Line never fails and never
// panics; Line, Count and Time aside, unset fields are zero. Event.Line is
// left 0 for the caller to set. Count is at least 1 for a Recognised line.
func Line(b []byte) (knocks.Event, Status) {
	var ev knocks.Event
	st := LineInto(b, &ev)
	return ev, st
}

// LineInto is Line that parses into an event the caller holds, such as the
// next element of a slice that is reused for many lines: every field of
// *ev is set (to zero where the line says nothing), and nothing of ev
// escapes, so a caller that parses into memory it owns allocates nothing
// per line but the event's strings.
func LineInto(b []byte, ev *knocks.Event) Status {
	*ev = knocks.Event{}
	st := lineInto(b, ev)
	own(ev)
	return st
}

// lineInto is LineInto with the event's host and user names aliasing b
// (see alias), for the caller to replace.
func lineInto(b []byte, ev *knocks.Event) Status {
	st := parseLine(b, ev)
	if st != NotSSHD && !ev.NoYear && !ev.Time.IsZero() && !knocks.ValidTime(ev.Time) {
		st = Invalid
	}
	switch st {
	case Recognised:
	case NotSSHD:
		*ev = knocks.Event{}
	default:
		// Keep the header of an Ignored or Unrecognised sshd line, drop
		// what the message parser may have half filled in.
		*ev = knocks.Event{Time: ev.Time, NoYear: ev.NoYear, Host: ev.Host, Program: ev.Program, PID: ev.PID}
	}
	return st
}

// Message splits a log line into its header and its sshd message. ok is
// false for a line that is not an sshd line (including fail2ban.log lines
// and lines without a program name). For a journald JSON line msg is the
// decoded MESSAGE field; otherwise it is a subslice of b. It is meant for
// the rare lines that Line does not recognise (see Shape); it allocates the
// header's strings.
func Message(b []byte) (h Header, msg []byte, ok bool) {
	b = trimEOL(b)
	if len(b) == 0 {
		return Header{}, nil, false
	}
	if b[0] == '{' {
		var ev knocks.Event
		m, ok := journalMessage(b, &ev)
		if !ok {
			return Header{}, nil, false
		}
		own(&ev)
		return Header{Time: ev.Time, Host: ev.Host, Program: ev.Program, PID: ev.PID}, m, true
	}
	var hd header
	k := splitHeader(b, &hd, 0)
	if k != hdrSSHD {
		return Header{}, nil, false
	}
	return Header{Time: hd.t, NoYear: hd.noYear, Host: string(hd.host), Program: program(hd.prog), PID: hd.pid}, hd.msg, true
}

// ParseMessage parses a bare sshd message, without any header, as sshd
// passes it to syslog(3): "Failed password for root from 192.0.2.1 port 22
// ssh2". The event has no time, host, program or pid. The status is
// Recognised, Ignored or Unrecognised (NotSSHD only for an empty message).
func ParseMessage(msg []byte) (knocks.Event, Status) {
	var ev knocks.Event
	msg = trimEOL(msg)
	if len(trimSpace(msg)) == 0 {
		return ev, NotSSHD
	}
	st := parseMessage(msg, &ev)
	if st != Recognised {
		ev = knocks.Event{}
	}
	own(&ev)
	return ev, st
}

// parseLine parses b into ev and returns its status. ev may be partly
// filled on any status.
func parseLine(b []byte, ev *knocks.Event) Status {
	b = trimEOL(b)
	if len(b) == 0 {
		return NotSSHD
	}
	if b[0] == '{' {
		m, ok := journalMessage(b, ev)
		if !ok {
			return NotSSHD
		}
		return parseMessage(m, ev)
	}
	var h header
	switch splitHeader(b, &h, 0) {
	case hdrSSHD:
		ev.Time, ev.NoYear = h.t, h.noYear
		if len(h.host) > 0 {
			ev.Host = alias(h.host)
		}
		ev.Program = program(h.prog)
		ev.PID = h.pid
		if string(h.prog) == pamTag {
			return pamTagged(h.msg, ev)
		}
		return parseMessage(h.msg, ev)
	case hdrNoProgram:
		// A timestamp and then no program name: a bare sshd message
		// after a timestamp (multilog, socklog). Only a recognised event
		// counts, anything else is a line of some other program.
		ev.Time, ev.NoYear = h.t, h.noYear
		if parseMessage(h.msg, ev) == Recognised {
			return Recognised
		}
		return NotSSHD
	case hdrFail2ban:
		ev.NoYear = h.noYear
		if len(h.host) > 0 {
			ev.Host = alias(h.host)
		}
		return parseFail2ban(h.msg, h.t, ev)
	case hdrSSHGuard:
		ev.NoYear = h.noYear
		if len(h.host) > 0 {
			ev.Host = alias(h.host)
		}
		return parseSSHGuard(h.msg, h.t, h.pid, ev)
	}
	return NotSSHD
}

// trimEOL removes a trailing newline and carriage return.
func trimEOL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
