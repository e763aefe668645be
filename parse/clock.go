package parse

import (
	"time"

	"knocks"
)

// halfYear is the backward jump between two consecutive RFC 3164 stamps
// that means a new year (Dec 31 → Jan 1); smaller jumps back are lines
// written out of order.
const halfYear = 183 * 24 * time.Hour

// strayGap is the forward jump from one RFC 3164 stamp to the next that
// means a stray line of the year before (a Dec 31 line written after the
// first Jan 1 line); smaller jumps forward are a quiet time.
const strayGap = 335 * 24 * time.Hour

// futureSlack is how far after Now a time may be before it is taken to be
// last year's.
const futureSlack = 24 * time.Hour

// Clock resolves the times of the events of one input, in line order: it
// gives RFC 3164 stamps (no year) their year, reads stamps without a zone
// in Loc, and converts every time to UTC.
//
// The year of the first RFC 3164 line is Year when set; else the year of
// Prev when set (a resumed import); else the year of Ref (the input's
// modification time), minus one if that would put the line after Ref. After
// that, a jump backwards of more than about six months from one line to the
// next starts a new year, while a jump forwards of more than about eleven
// months is a stray line of the year before. A time is never put later than Now plus
// a day: such a time is moved a year back. A line with a full timestamp
// (RFC 3339, journald) sets the year for the lines after it.
//
// The zero Clock works: it reads syslog stamps in time.Local and infers the
// year from the current time. A Clock is not safe for concurrent use.
type Clock struct {
	Loc  *time.Location // the zone of stamps without one; nil means time.Local
	Year int            // the year of the first RFC 3164 line; 0 means infer it
	Ref  time.Time      // the modification time of the input; zero means Now
	Now  time.Time      // the current time; zero means time.Now() at the first use
	Prev time.Time      // the last event time of an earlier import of this input; zero if none

	started bool
	year    int       // the running year of RFC 3164 stamps
	last    time.Time // the last resolved time, in loc
	limit   time.Time // Now + futureSlack
	day     struct {  // the midnight of the last date resolved, see at
		ok       bool
		year, d  int
		mo       time.Month
		loc      *time.Location
		midnight time.Time
	}
	wday struct { // the date of the last wall-clock day, see fields
		ok  bool
		day int64 // days since 1970-01-01
		mo  time.Month
		d   int
	}
}

// Reset starts the clock over for another input, keeping Loc, Year and Now.
func (c *Clock) Reset(ref, prev time.Time) {
	c.Ref, c.Prev = ref, prev
	c.started, c.year, c.last = false, 0, time.Time{}
	c.day.ok = false
}

// Resolve sets ev.Time to UTC and clears ev.NoYear: an RFC 3164 stamp gets
// its year as described on Clock, a wall-clock stamp (IsWallClock) is read
// in Loc, and any other time is converted to UTC. An event without a time
// (the zero Time) is left alone. Call it for every event in line order.
func (c *Clock) Resolve(ev *knocks.Event) {
	if ev.Time.IsZero() {
		ev.NoYear = false
		return
	}
	loc := c.loc()
	t := ev.Time
	switch {
	case ev.NoYear:
		t = c.withYear(t, loc)
	case t.Location() == wallLoc:
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
		c.observe(t, loc)
	default:
		c.observe(t, loc)
	}
	ev.Time = t.UTC()
	ev.NoYear = false
}

func (c *Clock) loc() *time.Location {
	if c.Loc == nil {
		return time.Local
	}
	return c.Loc
}

func (c *Clock) now() time.Time {
	if c.Now.IsZero() {
		c.Now = time.Now()
	}
	if c.limit.IsZero() {
		c.limit = c.Now.Add(futureSlack)
	}
	return c.Now
}

// observe records a time that had its own year.
func (c *Clock) observe(t time.Time, loc *time.Location) {
	t = t.In(loc)
	c.started = true
	c.year = t.Year()
	c.last = t
}

// withYear gives a wall-clock time without a year its year.
func (c *Clock) withYear(w time.Time, loc *time.Location) time.Time {
	mo, d, h, mi, sec := c.fields(w)
	ns := w.Nanosecond()
	at := func(year int) time.Time { return c.at(year, mo, d, h, mi, sec, ns, loc) }
	now := c.now()
	if !c.started {
		c.started = true
		switch {
		case c.Year != 0:
			c.year = c.Year
		case !c.Prev.IsZero():
			c.last = c.Prev.In(loc)
			c.year = c.last.Year()
		default:
			ref := c.Ref
			if ref.IsZero() {
				ref = now
			}
			ref = ref.In(loc)
			c.year = ref.Year()
			if at(c.year).After(ref.Add(futureSlack)) {
				c.year--
			}
		}
	}
	year := c.year
	t := at(year)
	running := true
	if !c.last.IsZero() {
		switch d := t.Sub(c.last); {
		case d < -halfYear:
			c.year++
			year = c.year
			t = at(year)
		case d > strayGap:
			year--
			t = at(year)
			running = false
		}
	}
	if t.After(c.limit) {
		year--
		t = at(year)
		if running {
			c.year = year
		}
	}
	if running {
		c.last = t
	}
	return t
}

// fields returns the month, day and clock of a time without a year. The
// date of the last day asked for is kept: most lines fall on the same day
// as the line before.
func (c *Clock) fields(w time.Time) (mo time.Month, d, h, mi, sec int) {
	if w.Location() != wallLoc {
		_, mo, d = w.Date()
		h, mi, sec = w.Clock()
		return mo, d, h, mi, sec
	}
	unix := w.Unix()
	day := knocks.FloorDiv(unix, 86400)
	if !c.wday.ok || c.wday.day != day {
		_, c.wday.mo, c.wday.d = w.Date()
		c.wday.day, c.wday.ok = day, true
	}
	s := int(unix - day*86400)
	return c.wday.mo, c.wday.d, s / 3600, s / 60 % 60, s % 60
}

// at returns time.Date(year, mo, d, h, mi, sec, ns, loc). The midnight of
// the last date asked for is kept: most lines fall on the same day as the
// line before, and on a day without a change of offset (no DST switch) the
// time is that midnight plus the clock, which is much cheaper.
func (c *Clock) at(year int, mo time.Month, d, h, mi, sec, ns int, loc *time.Location) time.Time {
	clock := time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute + time.Duration(sec)*time.Second + time.Duration(ns)
	if c.day.ok && c.day.year == year && c.day.mo == mo && c.day.d == d && c.day.loc == loc {
		return c.day.midnight.Add(clock)
	}
	c.day.ok = false
	midnight := time.Date(year, mo, d, 0, 0, 0, 0, loc)
	next := time.Date(year, mo, d+1, 0, 0, 0, 0, loc)
	_, off1 := midnight.Zone()
	_, off2 := next.Zone()
	if off1 != off2 || next.Sub(midnight) != 24*time.Hour || midnight.Day() != d || sec > 59 {
		// A DST switch, a date that does not exist (Feb 29 of a common
		// year) or a leap second: time.Date works it out.
		return time.Date(year, mo, d, h, mi, sec, ns, loc)
	}
	c.day.year, c.day.mo, c.day.d, c.day.loc, c.day.midnight, c.day.ok = year, mo, d, loc, midnight, true
	return midnight.Add(clock)
}
