package parse

import (
	"net/netip"
	"time"

	"knocks"
)

// Tracker remembers the address of each sshd process (host and pid) so
// that a line without an address ("Disconnecting: Too many authentication
// failures [preauth]", "error: kex_exchange_identification: ...") can take
// it from an earlier line of the same process: a KindConnect line, or any
// other line that had one. It forgets an address that was last seen more
// than knocks.ConnectionGap earlier. The zero Tracker is ready to use; it is
// not safe for concurrent use.
type Tracker struct {
	m      map[trackKey]trackVal
	latest time.Time
	adds   int
}

type trackKey struct {
	host string
	pid  int
}

type trackVal struct {
	ip    netip.Addr
	rhost string
	port  int
	t     time.Time
}

// Fill records the address of ev, or fills in ev's missing address (IP or
// RHost, and Port) from the last event of the same host and pid within
// knocks.ConnectionGap. It reports whether it filled anything in. Call it
// after Clock.Resolve, in line order. Events without a pid, fail2ban.log
// events and penalty events (lines of sshd's listener, whose pid is no
// connection's, and lockouts) are left alone;
// events without a time match any time (journal-style lines).
func (tr *Tracker) Fill(ev *knocks.Event) bool {
	if c := ev.Kind.Class(); ev.PID == 0 || c == knocks.ClassFail2ban || c == knocks.ClassPenalty {
		return false
	}
	if tr.m == nil {
		tr.m = make(map[trackKey]trackVal)
	}
	if ev.Time.After(tr.latest) {
		tr.latest = ev.Time
	}
	k := trackKey{ev.Host, ev.PID}
	if ev.IP.IsValid() || ev.RHost != "" {
		tr.m[k] = trackVal{ip: ev.IP, rhost: ev.RHost, port: ev.Port, t: ev.Time}
		tr.adds++
		if tr.adds%4096 == 0 {
			tr.prune()
		}
		return false
	}
	v, ok := tr.m[k]
	if !ok {
		return false
	}
	if !ev.Time.IsZero() && !v.t.IsZero() {
		if d := ev.Time.Sub(v.t); d > knocks.ConnectionGap || d < -knocks.ConnectionGap {
			delete(tr.m, k)
			return false
		}
	}
	ev.IP, ev.RHost = v.ip, v.rhost
	if ev.Port == 0 {
		ev.Port = v.port
	}
	if !ev.Time.IsZero() {
		v.t = ev.Time
		tr.m[k] = v
	}
	return true
}

// prune forgets addresses last seen more than ConnectionGap before the
// latest event.
func (tr *Tracker) prune() {
	cut := tr.latest.Add(-knocks.ConnectionGap)
	for k, v := range tr.m {
		if !v.t.IsZero() && v.t.Before(cut) {
			delete(tr.m, k)
		}
	}
}
