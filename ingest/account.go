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
//
// The connections it holds open are in slots, by their pid modulo
// pidSlots: finding the connection of an event costs no hashing of its
// host name, and as pids grow a connection gives its slot to one that
// came long after it. One whose slot is taken by a connection of another
// host or pid while it may still grow goes to the map open.
type Accountant struct {
	slots [pidSlots]*conn
	open  map[connKey]*conn
	dirty []*conn
	slab  []conn // new connections are cut from it, not allocated one by one
	f2b   []knocks.Fail2banEvent
	pen   []knocks.PenaltyEvent
	// latest is the latest event time seen of each host in the current
	// input: a connection can grow only by later lines of its own host,
	// and an input may be older than the one read before it. cur is the
	// entry of curHost, the host of the last event.
	latest  map[string]*time.Time
	cur     *time.Time
	curHost string
}

// pidSlots is the number of Accountant.slots: far more than the
// connections of a host that overlap in time, even on a busy server.
const pidSlots = 4096

// slabConns is how many connections an Accountant allocates at a time.
const slabConns = 256

// NewAccountant returns an empty Accountant.
func NewAccountant() *Accountant {
	return &Accountant{open: make(map[connKey]*conn), latest: make(map[string]*time.Time)}
}

// NewInput tells the Accountant that the events that follow are of
// another input, whose times may be before those of the last one: what it
// held open stays open until that input's own lines of the same host have
// gone past it.
func (a *Accountant) NewInput() {
	clear(a.latest)
	a.cur, a.curHost = nil, ""
}

// Load adds stored connections (from an earlier import) so that events of
// this import extend them instead of starting new ones. A connection already
// held in memory is newer than the stored one and wins.
func (a *Accountant) Load(cs []*knocks.Connection) {
	for _, c := range cs {
		if c.PID == 0 {
			continue
		}
		if old, _ := a.held(c.Host, c.PID); old != nil && (old.ID == c.ID || !old.End.Before(c.End)) {
			continue
		}
		n := a.newConn()
		n.Connection = *c
		a.hold(n)
	}
}

// held returns the connection held open for host and pid, nil when none,
// and the slot of pid.
func (a *Accountant) held(host string, pid int) (*conn, **conn) {
	slot := &a.slots[uint(pid)%pidSlots]
	if c := *slot; c != nil && c.PID == pid && c.Host == host {
		return c, slot
	}
	if len(a.open) > 0 {
		return a.open[connKey{host, pid}], slot
	}
	return nil, slot
}

// hold holds c open in place of any connection of its host and pid: in
// the slot of its pid, whose connection goes to open unless it has ended.
func (a *Accountant) hold(c *conn) {
	slot := &a.slots[uint(c.PID)%pidSlots]
	old := *slot
	if old != nil && old.PID == c.PID && old.Host == c.Host {
		*slot = c
		return
	}
	if len(a.open) > 0 {
		delete(a.open, connKey{c.Host, c.PID})
	}
	if old != nil && !a.ended(old) {
		a.open[connKey{old.Host, old.PID}] = old
	}
	*slot = c
}

// ended reports whether c ended more than knocks.ConnectionGap before the
// latest event of its host in the current input: it cannot grow any more.
func (a *Accountant) ended(c *conn) bool {
	latest := a.cur
	if c.Host != a.curHost || latest == nil {
		latest = a.latest[c.Host]
	}
	return latest != nil && !latest.IsZero() && c.End.Before(latest.Add(-knocks.ConnectionGap))
}

// newConn returns a zero connection, cut from the slab.
func (a *Accountant) newConn() *conn {
	if len(a.slab) == 0 {
		a.slab = make([]conn, slabConns)
	}
	c := &a.slab[0]
	a.slab = a.slab[1:]
	return c
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
	if a.cur == nil || ev.Host != a.curHost {
		t := a.latest[ev.Host]
		if t == nil {
			t = new(time.Time)
			a.latest[ev.Host] = t
		}
		a.cur, a.curHost = t, ev.Host
	}
	if ev.Time.After(*a.cur) {
		*a.cur = ev.Time
	}
	var c *conn
	if ev.PID != 0 {
		c, _ = a.held(ev.Host, ev.PID)
		if c != nil && !a.same(c, ev) {
			c = nil
		}
	}
	if c == nil {
		c = a.newConn()
		c.Connection = knocks.Connection{Host: ev.Host, PID: ev.PID, Start: ev.Time, End: ev.Time}
		if ev.PID != 0 {
			a.hold(c)
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
	for i, c := range a.slots {
		if c != nil && a.ended(c) {
			a.slots[i] = nil
		}
	}
	for k, c := range a.open {
		if a.ended(c) {
			delete(a.open, k)
		}
	}
	return out, f2b
}

// Holds reports whether c, a connection that Take returned, is still held
// open: events may yet change it. Take forgets the others, and nothing of
// the Accountant changes them again.
func (a *Accountant) Holds(c *knocks.Connection) bool {
	if c.PID == 0 {
		return false // never held: each such event is a connection of its own
	}
	h, _ := a.held(c.Host, c.PID)
	return h != nil && &h.Connection == c
}

// TakePenalties returns the penalty events (drops, penalties, lockouts)
// added since the last call.
func (a *Accountant) TakePenalties() []knocks.PenaltyEvent {
	p := a.pen
	a.pen = nil
	return p
}

// Open returns how many connections are held in memory.
func (a *Accountant) Open() int {
	n := len(a.open)
	for _, c := range a.slots {
		if c != nil {
			n++
		}
	}
	return n
}
