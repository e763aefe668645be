package ingest

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"knocks"
)

// countingInput is a memInput that tells how many lines its reader has
// read, and when it has read them all, to another goroutine.
type countingInput struct {
	*memInput
	read atomic.Int64
	end  chan struct{} // closed when Next found the end
}

func (c *countingInput) Next() bool {
	if !c.memInput.Next() {
		select {
		case <-c.end:
		default:
			close(c.end)
		}
		return false
	}
	c.read.Add(1)
	return true
}

// slowStore is a memStore whose Write returns only once the reader has
// read ahead lines past the end of the batch (or to its input's end). The
// reader can be that far ahead only when the writer took chunks from it
// while the batch was being stored: so every batch is stored while the
// events after it are accounted for, whatever the scheduling.
type slowStore struct {
	*memStore
	in     *countingInput
	ahead  int64
	writes atomic.Int64
}

func (s *slowStore) Write(ctx context.Context, b *knocks.Batch) error {
	s.writes.Add(1)
	if b.Checkpoint != nil {
		for s.in.read.Load() < b.Checkpoint.Lines+s.ahead {
			select {
			case <-s.in.end:
				return s.memStore.Write(ctx, b)
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Millisecond):
			}
		}
	}
	return s.memStore.Write(ctx, b)
}

// longLog returns attackLog(n) with, after each of its lines, a Failed
// line of one long connection (pid 7) at the same second: it grows in
// every batch.
func longLog(n int) []string {
	var out []string
	for _, l := range attackLog(n) {
		sec, _, _ := strings.Cut(l, " ")
		out = append(out, l, sec+" 7 failed 203.0.113.9 root")
	}
	return out
}

// TestBatchesStoredWhileAccountingStoreWhatASerialImportStores checks the
// pipelined writer: each batch is stored on its own goroutine while the
// next chunks are accounted for, and connections that go on growing
// meanwhile (the long one is in every batch) are stored once each, with
// the ids of their first write, and whole: exactly the rows of an import
// whose store answers at once. Run with -race, it also checks that the
// store never reads a connection that the accountant changes.
func TestBatchesStoredWhileAccountingStoreWhatASerialImportStores(t *testing.T) {
	lines := longLog(400)
	opts := Options{ChunkLines: 8, CommitLines: 16, CommitInterval: time.Hour}

	want := newMemStore()
	if _, err := run(t, want, opts, &memInput{name: "auth.log", lines: lines}); err != nil {
		t.Fatal(err)
	}

	in := &countingInput{memInput: &memInput{name: "auth.log", lines: lines}, end: make(chan struct{})}
	// Without the writer, the reader gets chunksQueued chunks and the one
	// it fills ahead of the batch; one more needs a chunk taken by the
	// writer while the batch is stored. The writer takes at most two
	// before it commits and waits (CommitLines): no deadlock.
	got := &slowStore{memStore: newMemStore(), in: in, ahead: int64((chunksQueued + 2) * opts.ChunkLines)}
	ing := &Ingester{Store: got, Parser: wordParser{}, Options: opts,
		Open: func(context.Context, string) (Input, error) { return in, nil }}
	if _, err := ing.Run(context.Background(), []string{"auth.log"}); err != nil {
		t.Fatal(err)
	}
	if n := got.writes.Load(); n < 20 {
		t.Fatalf("%d writes; the test wants many batches", n)
	}
	if len(got.conns) != 401 || len(got.conns) != len(want.conns) {
		t.Fatalf("%d rows stored, a serial import stores %d; want 401", len(got.conns), len(want.conns))
	}
	for id, w := range want.conns {
		if g := got.conns[id]; g != w {
			t.Errorf("connection %d:\n got  %+v\n want %+v", id, g, w)
		}
	}
	long := 0
	for _, c := range got.conns {
		if c.PID == 7 {
			long++
			if c.Failed != 1200 || c.ID == 0 {
				t.Errorf("the long connection is %+v; want 1200 Failed lines", c)
			}
		}
	}
	if long != 1 {
		t.Errorf("the long connection is stored as %d rows, want 1", long)
	}
}
