package knocks

import (
	"net/netip"
	"testing"
	"time"
)

// TestBatchValidate checks the batches that every store refuses before it
// writes anything, and one it accepts.
func TestBatchValidate(t *testing.T) {
	t0 := time.Date(2024, 2, 25, 0, 7, 21, 0, time.UTC)
	conn := func(f func(c *Connection)) *Connection {
		c := &Connection{Host: "web1", PID: 22071, Start: t0, End: t0.Add(time.Minute), IP: netip.MustParseAddr("203.0.113.7"), Failed: 1, FailureLines: 1}
		f(c)
		return c
	}
	cursor := func(sid string, prev, seq int64) CursorUpdate {
		return CursorUpdate{Cursor: Cursor{SeqnumID: sid, Seqnum: seq, Text: "s=" + sid}, Prev: prev}
	}
	tests := []struct {
		Name  string
		Input Batch
		Err   bool
	}{
		{"empty", Batch{}, false},
		{"a full batch", Batch{
			Connections: []*Connection{conn(func(*Connection) {})},
			Fail2ban:    []Fail2banEvent{{Time: t0, Kind: KindF2BBan, IP: netip.MustParseAddr("203.0.113.7")}},
			Penalties:   []PenaltyEvent{{Time: t0, Kind: KindDrop, Count: 3}},
			Lines:       []LineCount{{Host: "web1", Hour: t0.Truncate(time.Hour), Lines: 10}, {Lines: 2}},
			Checkpoint:  &Checkpoint{Fingerprint: "aa", Name: "auth.log", New: true},
			Cursors:     []CursorUpdate{cursor("ab", 0, 5), cursor("cd", 3, 3)},
		}, false},
		{"nil connection", Batch{Connections: []*Connection{nil}}, true},
		{"negative id", Batch{Connections: []*Connection{conn(func(c *Connection) { c.ID = -1 })}}, true},
		{"no time", Batch{Connections: []*Connection{conn(func(c *Connection) { c.Start = time.Time{} })}}, true},
		{"ends before it starts", Batch{Connections: []*Connection{conn(func(c *Connection) { c.End = t0.Add(-time.Second) })}}, true},
		{"negative count", Batch{Connections: []*Connection{conn(func(c *Connection) { c.ScanLines = -1 })}}, true},
		{"fail2ban event of a login kind", Batch{Fail2ban: []Fail2banEvent{{Time: t0, Kind: KindLogin}}}, true},
		{"penalty event of a fail2ban kind", Batch{Penalties: []PenaltyEvent{{Time: t0, Kind: KindF2BBan, Count: 1}}}, true},
		{"penalty count 0", Batch{Penalties: []PenaltyEvent{{Time: t0, Kind: KindLockout}}}, true},
		{"negative lines", Batch{Lines: []LineCount{{Hour: t0, Lines: -1}}}, true},
		{"hour out of range", Batch{Lines: []LineCount{{Hour: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), Lines: 1}}}, true},
		{"checkpoint without fingerprint", Batch{Checkpoint: &Checkpoint{Name: "auth.log"}}, true},
		{"cursor without text", Batch{Cursors: []CursorUpdate{{Cursor: Cursor{SeqnumID: "ab", Seqnum: 1}}}}, true},
		{"cursor moved back", Batch{Cursors: []CursorUpdate{cursor("ab", 5, 4)}}, true},
		{"two updates of one journal", Batch{Cursors: []CursorUpdate{cursor("ab", 0, 1), cursor("ab", 1, 2)}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			err := tt.Input.Validate()
			if tt.Err && ErrorCode(err) != EINVALID || !tt.Err && err != nil {
				t.Errorf("Validate() = %v, want an error: %v", err, tt.Err)
			}
		})
	}
}
