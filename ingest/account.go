package ingest

import (
	"time"

	"knocks"
)

// conn is a connection being built, with whether it changed since the last
// write.
type conn struct {
	knocks.Connection
	dirty bool
}

type connKey struct {
	host string
	pid  int
}

// Accountant turns events into connections by the counting rules of the
// README: one sshd process (same host and pid, events no more than
// knocks.ConnectionGap apart) is one connection. It is not safe for
// concurrent use.
type Accountant struct {
	open  map[connKey]*conn
	dirty []*conn
	f2b   []knocks.Fail2banEvent
	pen   []knocks.PenaltyEvent
	// latest is the latest event time seen of each host in the current
	// input: a connection can grow only by later lines of its own host,
	// and an input may be older than the one read before it.
	latest map[string]time.Time
}

// NewAccountant returns an empty Accountant.
func NewAccountant() *Accountant {
	return &Accountant{open: make(map[connKey]*conn), latest: make(map[string]time.Time)}
}

// NewInput tells the Accountant that the events that follow are of
// another input, whose times may be before those of the last one: what it
// held open stays open until that input's own lines of the same host have
// gone past it.
func (a *Accountant) NewInput() {
	clear(a.latest)
}

// Load adds stored connections (from an earlier import) so that events of
// this import extend them instead of starting new ones. A connection already
// held in memory is newer than the stored one and wins.
func (a *Accountant) Load(cs []*knocks.Connection) {
	for _, c := range cs {
		if c.PID == 0 {
			continue
		}
		k := connKey{c.Host, c.PID}
		if old, ok := a.open[k]; ok && (old.ID == c.ID || !old.End.Before(c.End)) {
			continue
		}
		a.open[k] = &conn{Connection: *c}
	}
}

// Add accounts for one recognised event. Events without a pid each make a
// connection of their own.
func (a *Accountant) Add(ev *knocks.Event) {
	class := ev.Kind.Class()
	if class == knocks.ClassFail2ban {
		a.f2b = append(a.f2b, knocks.Fail2banEvent{Time: ev.Time, Kind: ev.Kind, Host: ev.Host, Jail: ev.Jail, IP: ev.IP, BanTime: ev.BanTime})
		return
	}
	if class == knocks.ClassPenalty {
		// A line of sshd's listener (or a lockout): it never makes or
		// joins a connection.
		n := int64(ev.Count)
		if n < 1 {
			n = 1
		}
		a.pen = append(a.pen, knocks.PenaltyEvent{Time: ev.Time, Host: ev.Host, Kind: ev.Kind, IP: ev.IP, Reason: ev.Reason, User: ev.User, Count: n})
		return
	}
	if class == knocks.ClassNone && ev.Kind != knocks.KindConnect {
		return
	}
	if ev.Time.After(a.latest[ev.Host]) {
		a.latest[ev.Host] = ev.Time
	}
	var c *conn
	k := connKey{ev.Host, ev.PID}
	if ev.PID != 0 {
		c = a.open[k]
		if c != nil && !a.same(c, ev) {
			c = nil
		}
	}
	if c == nil {
		c = &conn{Connection: knocks.Connection{Host: ev.Host, PID: ev.PID, Start: ev.Time, End: ev.Time}}
		if ev.PID != 0 {
			a.open[k] = c
		}
	}
	if ev.Time.Before(c.Start) {
		c.Start = ev.Time
	}
	if ev.Time.After(c.End) {
		c.End = ev.Time
	}
	if ev.IP.IsValid() && !c.IP.IsValid() {
		c.IP = ev.IP
		if ev.Port != 0 {
			c.Port = ev.Port
		}
	} else if ev.RHost != "" && c.RHost == "" && !c.IP.IsValid() {
		c.RHost = ev.RHost
		if ev.Port != 0 {
			c.Port = ev.Port
		}
	}
	if c.Port == 0 && ev.Port != 0 && (ev.IP == c.IP || !ev.IP.IsValid()) {
		c.Port = ev.Port
	}
	n := int64(ev.Count)
	if n < 1 {
		n = 1
	}
	switch class {
	case knocks.ClassFailure:
		c.FailureLines += n
		if ev.Kind == knocks.KindFailed {
			c.Failed += n
			c.Method = ev.Method
		}
		a.user(c, ev)
	case knocks.ClassScan:
		c.ScanLines += n
	case knocks.ClassLogin:
		c.Logins += n
		if !c.HasUser && ev.HasUser {
			c.User, c.HasUser = ev.User, true
		}
		if ev.Method != "" && c.Method == "" {
			c.Method = ev.Method
		}
	}
	if !c.dirty {
		c.dirty = true
		a.dirty = append(a.dirty, c)
	}
}

// user records the user of a failure line: the first named user of a
// connection is its user (sshd does not let a client change it), and the
// connection's user is invalid once any line calls it so.
func (a *Accountant) user(c *conn, ev *knocks.Event) {
	if !ev.HasUser {
		if ev.Invalid && !c.HasUser {
			c.Invalid = true
		}
		return
	}
	if !c.HasUser {
		c.User, c.HasUser = ev.User, true
		c.Invalid = c.Invalid || ev.Invalid
		return
	}
	if ev.User == c.User && ev.Invalid {
		c.Invalid = true
	}
}

// same reports whether ev belongs to the open connection c of its host and
// pid: close enough in time, and not from another address.
func (a *Accountant) same(c *conn, ev *knocks.Event) bool {
	if ev.Time.Sub(c.End) > knocks.ConnectionGap || c.Start.Sub(ev.Time) > knocks.ConnectionGap {
		return false
	}
	if ev.IP.IsValid() && c.IP.IsValid() && ev.IP != c.IP {
		return false
	}
	return true
}

// Take returns the connections that changed since the last Take and the
// fail2ban events added since, and forgets connections that ended more than
// knocks.ConnectionGap before the latest event of their host in the current
// input (they cannot grow any more).
// The returned connections stay owned by the Accountant: the store may set
// their ID, nothing else may change them.
func (a *Accountant) Take() ([]*knocks.Connection, []knocks.Fail2banEvent) {
	out := make([]*knocks.Connection, 0, len(a.dirty))
	for _, c := range a.dirty {
		c.dirty = false
		out = append(out, &c.Connection)
	}
	a.dirty = a.dirty[:0]
	f2b := a.f2b
	a.f2b = nil
	for k, c := range a.open {
		if latest, ok := a.latest[k.host]; ok && c.End.Before(latest.Add(-knocks.ConnectionGap)) {
			delete(a.open, k)
		}
	}
	return out, f2b
}

// TakePenalties returns the penalty events (drops, penalties, lockouts)
// added since the last call.
func (a *Accountant) TakePenalties() []knocks.PenaltyEvent {
	p := a.pen
	a.pen = nil
	return p
}

// Open returns how many connections are held in memory.
func (a *Accountant) Open() int { return len(a.open) }
