package parse

import (
	"strings"
	"testing"
)

// hostileLines are lines of about a megabyte built to make a careless
// parser quadratic (many candidate places for an address).
func hostileLines() []struct{ Name, Input string } {
	h := "Feb 25 00:07:21 h sshd[1]: "
	return []struct{ Name, Input string }{
		{"dispatch colons", h + "ssh_dispatch_run_fatal: Connection from " + strings.Repeat("a: ", 1<<18)},
		{"connection from colons", h + "Connection from " + strings.Repeat("a: ", 1<<18)},
		{"disconnecting colons", h + "Disconnecting x" + strings.Repeat("a: ", 1<<18)},
		{"change of username", h + "Disconnecting x" + strings.Repeat(": Change of username or service not allowed: (", 1<<14)},
		{"negotiate colons", h + "Unable to negotiate with " + strings.Repeat("a: ", 1<<18)},
		{"failed froms", h + "Failed password for " + strings.Repeat(" from 1.2.3.4 x", 1<<16)},
		{"invalid froms", h + "Invalid user " + strings.Repeat(" from x y", 1<<17)},
		{"failed froms with keys", h + "Failed publickey for " + strings.Repeat(" from 1.2.3.4 port 1 ssh2: RSA-CERT a:b ID (serial 1) CA", 1<<14)},
		{"hostbased froms", h + "Failed hostbased for " + strings.Repeat(` from 1.2.3.4 port 1 ssh2: RSA a:b, client user "`, 1<<14)},
		{"penalty prefixes", h + "srclimit_penalise: " + strings.Repeat("1.2.3.4/33: ", 1<<16) + " for penalty: x"},
		{"drop brackets", h + "drop connection #1 from [" + strings.Repeat("]:1 on [", 1<<16)},
		{"not allowed froms", h + "User " + strings.Repeat(" from ", 1<<17) + " not allowed because x"},
		{"remote id", h + "Connection closed by " + strings.Repeat("a", 1<<20)},
		{"quotes", h + strings.Repeat("'a \"b ", 1<<17)},
		{"json backslashes", `{"SYSLOG_IDENTIFIER":"sshd","MESSAGE":"` + strings.Repeat(`\\\"`, 1<<18) + `"}`},
		{"solaris prefixes", h + strings.Repeat("[ID 1 a.b] ", 1<<16)},
		{"kernel prefixes", h + strings.Repeat("kernel:[1]: ", 1<<16)},
		{"nested repeats", h + strings.Repeat("message repeated 2 times: [ ", 1<<15)},
		{"octal user", h + "Invalid user " + strings.Repeat(`\377`, 1<<18) + " from 192.0.2.1"},
	}
}

// TestHostileLongLines parses every hostile line and its shape: quadratic
// code shows up as a test that runs into go test's own timeout, and
// BenchmarkHostileLongLines gives the cost per byte. No wall-clock bound is
// asserted here, so a loaded machine cannot fail it.
func TestHostileLongLines(t *testing.T) {
	if testing.Short() {
		t.Skip("long lines")
	}
	for _, tt := range hostileLines() {
		t.Run(tt.Name, func(t *testing.T) {
			Line([]byte(tt.Input))
			if s := ShapeLine([]byte(tt.Input)); len(s) > len(tt.Input)+64 {
				t.Errorf("shape of %d bytes is %d bytes", len(tt.Input), len(s))
			}
		})
	}
}

// BenchmarkHostileLongLines measures the parse and shape of each hostile
// line; ns/op divided by the line's size should stay in nanoseconds per
// byte (linear), where quadratic code would take seconds.
func BenchmarkHostileLongLines(b *testing.B) {
	for _, tt := range hostileLines() {
		in := []byte(tt.Input)
		b.Run(tt.Name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				Line(in)
				ShapeLine(in)
			}
		})
	}
}
