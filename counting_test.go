package knocks

import "testing"

// TestCountingRules checks the counting rules of a connection, as the
// lines sshd writes about it make them (see DESIGN.md, "Counting").
func TestCountingRules(t *testing.T) {
	type want struct {
		attempts, hostile int64
		failure, scan     bool
		event             bool
	}
	for _, tc := range []struct {
		Name  string
		Input Connection
		Want  want
	}{
		{"keys-only probe: Invalid user and a preauth close, no Failed line", Connection{FailureLines: 2, HasUser: true, Invalid: true},
			want{attempts: 1, hostile: 2, failure: true, event: true}},
		{"three Failed lines with Invalid user and a disconnect", Connection{Failed: 3, FailureLines: 5},
			want{attempts: 3, hostile: 5, failure: true, event: true}},
		{"message repeated 5 times after one Failed line", Connection{Failed: 6, FailureLines: 6},
			want{attempts: 6, hostile: 6, failure: true, event: true}},
		{"no identification string", Connection{ScanLines: 1},
			want{hostile: 1, scan: true, event: true}},
		{"a scan line and a failure line: a failure, not a scan", Connection{FailureLines: 1, ScanLines: 1},
			want{attempts: 1, hostile: 2, failure: true, event: true}},
		{"a login with Disconnected at its end: not a scan", Connection{Logins: 1, ScanLines: 1},
			want{hostile: 1, event: true}},
		{"two failed passwords, then in", Connection{Failed: 2, FailureLines: 2, Logins: 1},
			want{attempts: 2, hostile: 2, failure: true, event: true}},
		{"Connection from alone: no event", Connection{}, want{}},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			c := tc.Input
			got := want{c.Attempts(), c.HostileLines(), c.IsFailure(), c.IsScan(), c.HasEvent()}
			if got != tc.Want {
				t.Errorf("got %+v, want %+v", got, tc.Want)
			}
		})
	}
}
