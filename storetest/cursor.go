package storetest

import (
	"context"
	"testing"
	"time"

	"knocks"
)

// cursor parses a journald cursor of the test journals.
func cursor(t *testing.T, sid string, seq int64, realtime time.Time) knocks.Cursor {
	t.Helper()
	text := "s=" + sid + ";i=" + hex(seq) + ";b=6c7c6013a8e44d42b60d3fd2ab3c6d2b;m=c8a2cc3f;t=" + hex(realtime.UnixMicro()) + ";x=5f6e1c49a3e1c6d7"
	c, err := knocks.ParseCursor(text)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func hex(n int64) string {
	const digits = "0123456789abcdef"
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 16 {
		b = append([]byte{digits[n%16]}, b...)
	}
	return string(b)
}

// testCursors checks that journal cursors are stored with the batch they
// belong to, move by compare-and-swap, and roll back with a failed batch.
func testCursors(t *testing.T, s knocks.EventStore) {
	ctx := context.Background()
	if cs, err := s.JournalCursors(ctx); err != nil || len(cs) != 0 {
		t.Fatalf("JournalCursors of an empty store = %v, %v", cs, err)
	}
	const sidA, sidB = "739ad463348b4ceca5a9e69c95a3c93f", "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	rt := time.Date(2024, 2, 25, 0, 7, 21, 123456000, time.UTC)
	id, err := s.BeginImport(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	conn := &knocks.Connection{Host: "web1", PID: 10, Start: at(0), End: at(1), IP: addr("203.0.113.9"), Failed: 1, FailureLines: 1}
	first := knocks.CursorUpdate{Cursor: cursor(t, sidA, 0x4ece7, rt)}
	if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: []*knocks.Connection{conn},
		Cursors: []knocks.CursorUpdate{first, {Cursor: cursor(t, sidB, 5, rt.Add(-time.Hour)), Local: true}}}); err != nil {
		t.Fatal(err)
	}
	got := cursorMap(t, s)
	if a := got[sidA]; a.Seqnum != 0x4ece7 || a.Text != first.Text || !a.Realtime.Equal(rt) || a.Local || a.Updated.IsZero() {
		t.Errorf("cursor of journal A read back as %+v, want %+v", a, first)
	}
	if b := got[sidB]; b.Seqnum != 5 || !b.Local {
		t.Errorf("cursor of journal B read back as %+v, want seqnum 5, local", b)
	}

	// A second importer that read the journal before the first committed
	// (it expected no cursor) must not store the same entries again: its
	// whole batch fails and leaves nothing.
	dup := &knocks.Connection{Host: "web1", PID: 10, Start: at(0), End: at(1), IP: addr("203.0.113.9"), Failed: 1, FailureLines: 1}
	err = s.Write(ctx, &knocks.Batch{ImportID: id, Connections: []*knocks.Connection{dup},
		Checkpoint: &knocks.Checkpoint{Fingerprint: "cc33", Name: "-", Offset: 10, Lines: 1, New: true},
		Cursors:    []knocks.CursorUpdate{{Cursor: cursor(t, sidA, 0x4ece9, rt.Add(time.Second))}}})
	if knocks.ErrorCode(err) != knocks.ECONFLICT {
		t.Fatalf("cursor update from a stale position: %v, want ECONFLICT", err)
	}
	if dup.ID != 0 {
		t.Error("a failed Write set a connection ID")
	}
	if cps, err := s.Checkpoints(ctx, "cc33"); len(cps) != 0 || err != nil {
		t.Errorf("a failed Write stored its checkpoint: %v, %v", cps, err)
	}
	if sum, err := s.Summary(ctx, knocks.Filter{}); err != nil || sum.Attempts != 1 {
		t.Errorf("after a conflicting Write: attempts %v, %v; want 1", sum, err)
	}

	// Moving on from the stored position works, and the local mark stays.
	next := knocks.CursorUpdate{Cursor: cursor(t, sidA, 0x4ece9, rt.Add(time.Second)), Prev: 0x4ece7, Local: true}
	if err := s.Write(ctx, &knocks.Batch{ImportID: id, Cursors: []knocks.CursorUpdate{next}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, &knocks.Batch{ImportID: id, Cursors: []knocks.CursorUpdate{{Cursor: cursor(t, sidA, 0x4ecf0, rt.Add(2*time.Second)), Prev: 0x4ece9}}}); err != nil {
		t.Fatal(err)
	}
	got = cursorMap(t, s)
	if a := got[sidA]; a.Seqnum != 0x4ecf0 || !a.Local {
		t.Errorf("cursor of journal A after two moves: %+v, want seqnum 0x4ecf0, local", a)
	}
	if len(got) != 2 {
		t.Errorf("%d journals stored, want 2", len(got))
	}

	for _, bad := range [][]knocks.CursorUpdate{
		{{Cursor: knocks.Cursor{SeqnumID: sidA, Text: "s=x"}, Prev: 0x4ecf0}},                  // seqnum 0
		{{Cursor: cursor(t, sidA, 3, rt), Prev: 0x4ecf0}},                                      // backwards
		{{Cursor: cursor(t, sidB, 6, rt), Prev: 5}, {Cursor: cursor(t, sidB, 7, rt), Prev: 6}}, // one journal twice
		{{Cursor: knocks.Cursor{Seqnum: 9, Text: "i=9"}}},                                      // no seqnum id
	} {
		if err := s.Write(ctx, &knocks.Batch{ImportID: id, Cursors: bad}); knocks.ErrorCode(err) != knocks.EINVALID {
			t.Errorf("bad cursor update %+v: %v, want EINVALID", bad, err)
		}
	}
}

func cursorMap(t *testing.T, s knocks.EventStore) map[string]knocks.StoredCursor {
	t.Helper()
	cs, err := s.JournalCursors(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]knocks.StoredCursor{}
	for _, c := range cs {
		m[c.SeqnumID] = c
	}
	return m
}
