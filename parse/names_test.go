package parse

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"

	"knocks"
)

// TestNamesLineInto parses every line of the tables with Names.LineInto,
// each from a buffer that is overwritten afterwards, and checks that the
// event is Line's and that its names did not change with the buffer: they
// do not alias the line.
func TestNamesLineInto(t *testing.T) {
	var inputs []string
	for _, tt := range messageTests {
		inputs = append(inputs, msgHeader+tt.Input)
	}
	for _, tt := range headerTests {
		inputs = append(inputs, tt.Input)
	}
	for _, tt := range notSSHDTests {
		inputs = append(inputs, tt.Input)
	}
	for _, tt := range otherTests {
		inputs = append(inputs, tt.Input)
	}
	var n Names
	for round := 0; round < 2; round++ { // the second round finds every name kept
		for i, in := range inputs {
			want, wantSt := Line([]byte(in))
			buf := []byte(in)
			var ev knocks.Event
			st := n.LineInto(buf, &ev)
			for j := range buf {
				buf[j] = 'X'
			}
			if st != wantSt || !reflect.DeepEqual(ev, want) {
				t.Errorf("round %d, line %d %q:\ngot  %v %+v\nwant %v %+v", round, i, in, st, ev, wantSt, want)
			}
		}
	}
}

// TestNamesBounded checks that a Names keeps at most maxNames user names
// and that a name it forgot is still parsed right.
func TestNamesBounded(t *testing.T) {
	var n Names
	for i := 0; i < 3*maxNames; i++ {
		user := fmt.Sprintf("user%d", i)
		line := []byte("Feb 25 00:07:21 host sshd[22071]: Invalid user " + user + " from 192.0.2.1 port 4242")
		var ev knocks.Event
		if st := n.LineInto(line, &ev); st != Recognised || ev.User != user || ev.Host != "host" {
			t.Fatalf("line %d: got %v, user %q, host %q", i, st, ev.User, ev.Host)
		}
		if len(n.users) > maxNames || len(n.hosts) != 1 {
			t.Fatalf("line %d: %d user names and %d hosts kept", i, len(n.users), len(n.hosts))
		}
	}
}

// TestLastIndex compares lastIndex with bytes.LastIndex on sshd lines and
// on every string of a small alphabet up to a length.
func TestLastIndex(t *testing.T) {
	tests := []struct {
		Name, Input, Sep string
		Want             int
	}{
		{"from", "Failed password for root from 192.0.2.1 port 22 ssh2", " from ", 24},
		{"user named from", "Failed password for invalid user a from b from 192.0.2.1 port 22 ssh2", " from ", 41},
		{"none", "Connection closed by 192.0.2.1 port 22 [preauth]", " from ", -1},
		{"at the start", " from x", " from ", 0},
		{"at the end", "x from ", " from ", 1},
		{"shorter than sep", "from", " from ", -1},
		{"empty", "", " rhost=", -1},
		{"rhost", "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.1  user=root", " rhost=", 81},
		{"colon", "error: kex_exchange_identification: Connection closed by remote host", ": ", 34},
		{"spaces only", "a  b", " ", 2},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if got := lastIndex([]byte(tt.Input), []byte(tt.Sep)); got != tt.Want || got != bytes.LastIndex([]byte(tt.Input), []byte(tt.Sep)) {
				t.Errorf("lastIndex(%q, %q) = %d, want %d", tt.Input, tt.Sep, got, tt.Want)
			}
		})
	}
	seps := []string{" from ", " ab", "a ", ": ", " ", "  a", "ab"}
	var s []byte
	var walk func(n int)
	walk = func(n int) {
		for _, sep := range seps {
			if got, want := lastIndex(s, []byte(sep)), bytes.LastIndex(s, []byte(sep)); got != want {
				t.Fatalf("lastIndex(%q, %q) = %d, want %d", s, sep, got, want)
			}
		}
		if n == 0 {
			return
		}
		for _, c := range []byte(" ab:") {
			s = append(s, c)
			walk(n - 1)
			s = s[:len(s)-1]
		}
	}
	walk(7)
}
