package parse

import (
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
