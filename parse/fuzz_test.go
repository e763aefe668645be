package parse

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"knocks"
)

// seeds returns every input of the table tests.
func seeds() []string {
	var s []string
	for _, tt := range messageTests {
		s = append(s, msgHeader+tt.Input, tt.Input)
	}
	for _, tt := range headerTests {
		s = append(s, tt.Input)
	}
	for _, tt := range notSSHDTests {
		s = append(s, tt.Input)
	}
	for _, tt := range otherTests {
		s = append(s, tt.Input)
	}
	return s
}

// FuzzLine checks that Line never panics, that its events keep the
// invariants the rest of knocks relies on, and that it is deterministic.
func FuzzLine(f *testing.F) {
	for _, s := range seeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in := append([]byte(nil), b...)
		ev, st := Line(b)
		if string(b) != string(in) {
			t.Fatalf("Line changed its input")
		}
		checkEvent(t, ev, st)
		ev2, st2 := Line(b)
		if st2 != st || !reflect.DeepEqual(ev, ev2) {
			t.Fatalf("not deterministic: %v %+v then %v %+v", st, ev, st2, ev2)
		}

		bare, bst := ParseMessage(b)
		checkEvent(t, bare, bst)
		if bst == Recognised && (!bare.Time.IsZero() || bare.Host != "" || bare.PID != 0 && bare.Kind != knocks.KindTimeout) {
			t.Fatalf("ParseMessage gave a header: %+v", bare)
		}

		if _, msg, ok := Message(b); ok {
			if st == NotSSHD {
				t.Fatalf("Message ok but Line not-sshd")
			}
			if s := Shape(string(msg)); len(s) > maxShapeLen {
				t.Fatalf("shape of %d bytes", len(s))
			}
		}

		c := Clock{Loc: time.FixedZone("X", 5400), Now: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)}
		c.Resolve(&ev)
		if !ev.Time.IsZero() && ev.Time.Location() != time.UTC || ev.NoYear {
			t.Fatalf("unresolved time %v (NoYear %v)", ev.Time, ev.NoYear)
		}
		if ev.Time.After(c.Now.Add(futureSlack)) && st == Recognised && wasWall(b) {
			t.Fatalf("resolved into the future: %v", ev.Time)
		}
	})
}

// wasWall reports whether the line's own stamp lacked a year (only those
// are moved out of the future).
func wasWall(b []byte) bool {
	ev, _ := Line(b)
	return ev.NoYear
}

// checkEvent checks the invariants of an event.
func checkEvent(t *testing.T, ev knocks.Event, st Status) {
	t.Helper()
	if st < NotSSHD || st > Invalid {
		t.Fatalf("status %d", st)
	}
	switch st {
	case Recognised:
		if ev.Count < 1 {
			t.Fatalf("count %d", ev.Count)
		}
		if ev.Kind == "" {
			t.Fatalf("no kind: %+v", ev)
		}
	case NotSSHD:
		if !reflect.DeepEqual(ev, knocks.Event{}) {
			t.Fatalf("not-sshd line with an event: %+v", ev)
		}
	default:
		if ev.Kind != "" || ev.IP.IsValid() || ev.User != "" || ev.HasUser {
			t.Fatalf("%v line with event fields: %+v", st, ev)
		}
	}
	if ev.IP.IsValid() {
		if ev.IP.Is4In6() || ev.IP.Zone() != "" {
			t.Fatalf("address not normalised: %v", ev.IP)
		}
		if ev.RHost != "" {
			t.Fatalf("both IP and RHost: %+v", ev)
		}
	}
	if ev.RHost != "" && !isHostname([]byte(ev.RHost)) {
		t.Fatalf("RHost %q", ev.RHost)
	}
	if len(ev.User) > knocks.MaxUserLen {
		t.Fatalf("user of %d bytes", len(ev.User))
	}
	if ev.User != "" && !ev.HasUser {
		t.Fatalf("user without HasUser")
	}
	if ev.Port < 0 || ev.Port > 999999 || ev.PID < 0 {
		t.Fatalf("port %d pid %d", ev.Port, ev.PID)
	}
	if ev.Kind.Class() == knocks.ClassNone && ev.Kind != "" && ev.Kind != knocks.KindConnect {
		t.Fatalf("unknown kind %q", ev.Kind)
	}
}

// FuzzAddr checks the hand-written address parsers against net/netip.
func FuzzAddr(f *testing.F) {
	for _, s := range []string{"1.2.3.4", "01.2.3.4", "255.255.255.255", "256.1.1.1", "::", "::1", "1::", "::ffff:1.2.3.4",
		"2001:db8::a11:beef:7ac0", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:8:9", "::1.2.3.4", "1:2:3:4:5:6:1.2.3.4",
		"fe80::1%eth0", "12345::", ":::", "1.2.3", "1.2.3.4.5", "aaaa:bbbb:cccc:1234::1:1", "example.com", "UNKNOWN"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := parseAddrToken([]byte(s))
		if strings.IndexByte(s, '%') >= 0 {
			return // zones: netip keeps them, the parser drops them
		}
		want, err := netip.ParseAddr(s)
		if err == nil {
			if !ok || a.ip != want.Unmap() {
				t.Fatalf("%q: got %v %v, want %v", s, ok, a.ip, want)
			}
			return
		}
		if a.ip.IsValid() {
			t.Fatalf("%q: got address %v, netip says %v", s, a.ip, err)
		}
	})
}

// FuzzJournal checks the hand-written journald JSON scanner against
// encoding/json on valid JSON objects.
func FuzzJournal(f *testing.F) {
	for _, tt := range otherTests {
		if strings.HasPrefix(tt.Input, "{") {
			f.Add([]byte(tt.Input))
		}
	}
	f.Add([]byte(`{"MESSAGE":"a\"b\\\u00e9\ud83d\ude00\n","_PID":"1","_PID":"2","X":{"a":[1,{"b":null}]},"SYSLOG_IDENTIFIER":["sshd","x"]}`))
	f.Add([]byte(`{"MESSAGE":[[104,105],[1]],"_HOSTNAME":"h" , "__REALTIME_TIMESTAMP" : "1" }`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, ok := scanJournal(b)
		var m map[string]json.RawMessage
		if !utf8.Valid(b) || json.Unmarshal(b, &m) != nil || m == nil {
			return
		}
		if !ok {
			if bytes.Count(b, []byte("["))+bytes.Count(b, []byte("{")) > 30 {
				return // deeper than the scanner goes
			}
			t.Fatalf("valid object not scanned: %q", b)
		}
		for key, got := range map[string][]byte{"MESSAGE": r.message, "SYSLOG_IDENTIFIER": r.identifier, "_COMM": r.comm,
			"_PID": r.pid, "SYSLOG_PID": r.syslogPID, "_HOSTNAME": r.hostname, "__REALTIME_TIMESTAMP": r.realtime} {
			want := bytes.TrimSpace(m[key])
			if !bytes.Equal(got, want) {
				t.Fatalf("%s: raw %q, want %q", key, got, want)
			}
			var s string
			if json.Unmarshal(want, &s) == nil && utf8.ValidString(s) && !strings.ContainsRune(s, utf8.RuneError) {
				if v := journalValue(got); string(v) != s {
					t.Fatalf("%s: %q, want %q", key, v, s)
				}
			}
		}
	})
}
