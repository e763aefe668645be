package ingest

import (
	"net/netip"
	"testing"
	"time"

	"knocks"
)

// ev builds an event of host "web1" at t0+sec.
func ev(sec int, pid int, kind knocks.Kind, ip, user string, count int) knocks.Event {
	e := knocks.Event{Time: t0.Add(time.Duration(sec) * time.Second), Host: "web1", PID: pid, Kind: kind, Count: count}
	if ip != "" {
		e.IP = netip.MustParseAddr(ip)
	}
	if user != "" {
		e.User, e.HasUser = user, true
	}
	return e
}

var t0 = time.Date(2024, 2, 25, 0, 7, 21, 0, time.UTC)

func TestAccountant(t *testing.T) {
	type want struct {
		conns, attempts, failures, scans, logins int64
	}
	tests := []struct {
		Name   string
		Events []knocks.Event
		Want   want
	}{
		{"invalid user with PAM and failed password is one attempt",
			[]knocks.Event{
				func() knocks.Event {
					e := ev(0, 100, knocks.KindInvalidUser, "203.0.113.5", "admin", 1)
					e.Invalid = true
					return e
				}(),
				ev(1, 100, knocks.KindPAMFailure, "203.0.113.5", "", 1),
				func() knocks.Event {
					e := ev(2, 100, knocks.KindFailed, "203.0.113.5", "admin", 1)
					e.Invalid = true
					return e
				}(),
				ev(3, 100, knocks.KindDisconnect, "203.0.113.5", "", 1),
			}, want{1, 1, 1, 0, 0}},
		{"message repeated counts N",
			[]knocks.Event{
				ev(0, 7, knocks.KindFailed, "198.51.100.7", "root", 1),
				ev(5, 7, knocks.KindFailed, "198.51.100.7", "root", 4),
				ev(6, 7, knocks.KindMaxAuth, "198.51.100.7", "root", 1),
			}, want{1, 5, 1, 0, 0}},
		{"keys-only probe without Failed line counts one",
			[]knocks.Event{
				ev(0, 9, knocks.KindInvalidUser, "192.0.2.9", "oracle", 1),
				ev(1, 9, knocks.KindAuthDisconnect, "192.0.2.9", "oracle", 1),
			}, want{1, 1, 1, 0, 0}},
		{"scan only",
			[]knocks.Event{
				ev(0, 11, knocks.KindConnect, "192.0.2.11", "", 1),
				ev(1, 11, knocks.KindKexFail, "", "", 1),
			}, want{1, 0, 0, 1, 0}},
		{"pid reused after more than 10 minutes is a new connection",
			[]knocks.Event{
				ev(0, 12, knocks.KindFailed, "192.0.2.12", "root", 1),
				ev(601, 12, knocks.KindFailed, "192.0.2.12", "root", 1),
			}, want{2, 2, 2, 0, 0}},
		{"pid reused within 10 minutes by another address is a new connection",
			[]knocks.Event{
				ev(0, 13, knocks.KindFailed, "192.0.2.13", "root", 1),
				ev(60, 13, knocks.KindFailed, "192.0.2.14", "root", 1),
			}, want{2, 2, 2, 0, 0}},
		{"login after failures",
			[]knocks.Event{
				ev(0, 15, knocks.KindFailed, "192.0.2.15", "alice", 1),
				ev(3, 15, knocks.KindLogin, "192.0.2.15", "alice", 1),
			}, want{1, 1, 1, 0, 1}},
		{"events without pid are connections of their own",
			[]knocks.Event{
				ev(0, 0, knocks.KindRootRefused, "192.0.2.16", "", 1),
				ev(0, 0, knocks.KindRootRefused, "192.0.2.16", "", 1),
			}, want{2, 2, 2, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			a := NewAccountant()
			for i := range tt.Events {
				a.Add(&tt.Events[i])
			}
			conns, _ := a.Take()
			var got want
			for _, c := range conns {
				got.conns++
				got.attempts += c.Attempts()
				if c.IsFailure() {
					got.failures++
				}
				if c.IsScan() {
					got.scans++
				}
				got.logins += c.Logins
			}
			if got != tt.Want {
				t.Errorf("got %+v, want %+v", got, tt.Want)
			}
		})
	}
}

func TestAccountantPenaltiesMakeNoConnection(t *testing.T) {
	// The listener (pid 500) drops and penalises; a lockout comes from a
	// connection's own process (pid 40). None of them makes, joins or
	// changes a connection.
	drop := ev(0, 500, knocks.KindDrop, "203.0.113.142", "", 1)
	drop.Reason = "failed authentication"
	summary := ev(1, 500, knocks.KindDrop, "", "", 12)
	pen := ev(2, 500, knocks.KindPenalty, "203.0.113.142", "", 1)
	pen.Reason = "failed authentication"
	failed := ev(3, 40, knocks.KindFailed, "203.0.113.9", "root", 1)
	lock := ev(4, 40, knocks.KindLockout, "", "root", 1)
	a := NewAccountant()
	for _, e := range []*knocks.Event{&drop, &summary, &pen, &failed, &lock} {
		a.Add(e)
	}
	conns, _ := a.Take()
	if len(conns) != 1 || conns[0].PID != 40 || conns[0].FailureLines != 1 || conns[0].Attempts() != 1 {
		t.Fatalf("connections %+v, want the one of pid 40 with one failure line", conns)
	}
	got := a.TakePenalties()
	want := []knocks.PenaltyEvent{
		{Time: drop.Time, Host: "web1", Kind: knocks.KindDrop, IP: drop.IP, Reason: "failed authentication", Count: 1},
		{Time: summary.Time, Host: "web1", Kind: knocks.KindDrop, Count: 12},
		{Time: pen.Time, Host: "web1", Kind: knocks.KindPenalty, IP: pen.IP, Reason: "failed authentication", Count: 1},
		{Time: lock.Time, Host: "web1", Kind: knocks.KindLockout, User: "root", Count: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("penalties %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("penalty %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if again := a.TakePenalties(); len(again) != 0 {
		t.Errorf("second take: %+v", again)
	}
}

func TestAccountantAddressFromConnection(t *testing.T) {
	a := NewAccountant()
	e1 := ev(0, 20, knocks.KindConnect, "2001:db8::20", "", 1)
	e1.Port = 40022
	a.Add(&e1)
	e2 := ev(2, 20, knocks.KindMaxAuth, "", "root", 1)
	a.Add(&e2)
	conns, _ := a.Take()
	if len(conns) != 1 || conns[0].IP != netip.MustParseAddr("2001:db8::20") || conns[0].Port != 40022 || conns[0].User != "root" {
		t.Fatalf("got %+v", conns)
	}
}

func TestAccountantExtendsLoadedConnection(t *testing.T) {
	// An earlier import stored the start of a connection; this import's
	// events extend that row instead of starting a new one.
	stored := &knocks.Connection{ID: 42, Host: "web1", PID: 30, Start: t0, End: t0.Add(time.Second),
		IP: netip.MustParseAddr("192.0.2.30"), User: "admin", HasUser: true, Invalid: true, FailureLines: 1}
	a := NewAccountant()
	a.Load([]*knocks.Connection{stored})
	e := ev(3, 30, knocks.KindFailed, "192.0.2.30", "admin", 1)
	a.Add(&e)
	conns, _ := a.Take()
	if len(conns) != 1 || conns[0].ID != 42 || conns[0].Failed != 1 || conns[0].FailureLines != 2 || conns[0].Attempts() != 1 {
		t.Fatalf("got %+v", conns[0])
	}
}

func TestAccountantForgetsEndedConnections(t *testing.T) {
	a := NewAccountant()
	for i := 0; i < 1000; i++ {
		e := ev(i*60, 1000+i, knocks.KindFailed, "192.0.2.1", "root", 1)
		a.Add(&e)
		if i%100 == 0 {
			a.Take()
		}
	}
	a.Take()
	if n := a.Open(); n > 12 {
		t.Errorf("%d connections held after Take; want only those within 10 minutes of the latest event", n)
	}
}

func TestAccountantSharedSlots(t *testing.T) {
	// Connections whose pids share a slot (the same pid on two hosts, pids
	// pidSlots apart) stay apart while they overlap in time, and each
	// goes on growing.
	on := func(host string, e knocks.Event) knocks.Event { e.Host = host; return e }
	events := []knocks.Event{
		ev(0, 77, knocks.KindFailed, "192.0.2.1", "root", 1),
		on("web2", ev(1, 77, knocks.KindFailed, "192.0.2.2", "admin", 1)),
		ev(2, 77+pidSlots, knocks.KindFailed, "192.0.2.3", "oracle", 1),
		ev(3, 77, knocks.KindFailed, "192.0.2.1", "root", 1),
		on("web2", ev(4, 77, knocks.KindFailed, "192.0.2.2", "admin", 1)),
		ev(5, 77+pidSlots, knocks.KindFailed, "192.0.2.3", "oracle", 1),
		ev(6, 77+2*pidSlots, knocks.KindFailed, "192.0.2.4", "test", 1),
		ev(7, 77, knocks.KindFailed, "192.0.2.1", "root", 1),
	}
	a := NewAccountant()
	for i := range events {
		a.Add(&events[i])
	}
	if n := a.Open(); n != 4 {
		t.Errorf("%d connections held, want 4", n)
	}
	conns, _ := a.Take()
	got := map[string]int64{}
	for _, c := range conns {
		got[c.Host+" "+c.User] += c.Failed
	}
	want := map[string]int64{"web1 root": 3, "web2 admin": 2, "web1 oracle": 2, "web1 test": 1}
	if len(conns) != 4 || len(got) != len(want) {
		t.Fatalf("connections %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d failed, want %d", k, got[k], n)
		}
	}
	// A pid reused later in the same slot: the ended connections of web1
	// are let go, the new one is held, and that of web2 waits for a later
	// line of its own host.
	late := ev(2000, 77, knocks.KindFailed, "192.0.2.9", "root", 1)
	a.Add(&late)
	conns, _ = a.Take()
	if len(conns) != 1 || conns[0].Start != late.Time || conns[0].Failed != 1 {
		t.Fatalf("after the reuse: %+v", conns)
	}
	if n := a.Open(); n != 2 {
		t.Errorf("%d connections held after Take, want 2", n)
	}
}

// TestAccountantHolds checks which connections that Take returned may
// still grow: those of a pid within ConnectionGap of the latest event of
// their host. One that ended longer ago, one whose pid went to a later
// connection, and one without a pid are not held.
func TestAccountantHolds(t *testing.T) {
	a := NewAccountant()
	for _, e := range []knocks.Event{
		ev(0, 100, knocks.KindFailed, "203.0.113.5", "root", 1),     // ends at 0
		ev(10, 0, knocks.KindFailed, "203.0.113.6", "admin", 1),     // no pid
		ev(200, 200, knocks.KindFailed, "203.0.113.7", "oracle", 1), // its pid is taken at 250
		ev(250, 200, knocks.KindFailed, "198.51.100.8", "oracle", 1),
		ev(700, 300, knocks.KindFailed, "203.0.113.9", "test", 1), // 700 s: 100 has ended
	} {
		a.Add(&e)
	}
	conns, _ := a.Take()
	held := map[string]bool{}
	for _, c := range conns {
		held[c.IP.String()] = a.Holds(c)
	}
	want := map[string]bool{"203.0.113.5": false, "203.0.113.6": false, "203.0.113.7": false, "198.51.100.8": true, "203.0.113.9": true}
	for ip, w := range want {
		if g, ok := held[ip]; !ok || g != w {
			t.Errorf("connection of %s: held %v (taken %v), want %v", ip, g, ok, w)
		}
	}
	// A held connection grows on; the next Take returns it again.
	e := ev(705, 300, knocks.KindFailed, "203.0.113.9", "test", 1)
	a.Add(&e)
	if conns, _ := a.Take(); len(conns) != 1 || !a.Holds(conns[0]) || conns[0].Failed != 2 {
		t.Errorf("after another event of pid 300: %d connections taken, want the held one with 2 Failed lines", len(conns))
	}
}
