package ingest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"knocks"
	"knocks/source"
)

// notifyStore is a memStore safe for the test goroutine to read while the
// pipeline writes, that reports each write with a checkpoint.
type notifyStore struct {
	mu sync.Mutex
	*memStore
	written chan int64 // the checkpoint's line count after each write
}

func (s *notifyStore) Write(ctx context.Context, b *knocks.Batch) error {
	s.mu.Lock()
	err := s.memStore.Write(ctx, b)
	s.mu.Unlock()
	if err == nil && b.Checkpoint != nil {
		s.written <- b.Checkpoint.Lines
	}
	return err
}

func (s *notifyStore) Checkpoints(ctx context.Context, fp string) ([]*knocks.Checkpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.memStore.Checkpoints(ctx, fp)
}

func (s *notifyStore) RecentConnections(ctx context.Context, since, until time.Time) ([]*knocks.Connection, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.memStore.RecentConnections(ctx, since, until)
}

// A stream that goes quiet has its lines committed while it is still open,
// not only at its end.
func TestQuietStreamCommitsBeforeItEnds(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s := &notifyStore{memStore: newMemStore(), written: make(chan int64, 100)}
	lines := attackLog(4)
	open := func(ctx context.Context, name string) (Input, error) {
		return source.NewReaderContext(ctx, name, r, time.Time{})
	}
	ing := &Ingester{Store: s, Parser: wordParser{}, Open: open, Options: Options{CommitInterval: time.Nanosecond}}
	done := make(chan error, 1)
	go func() {
		_, err := ing.Run(context.Background(), []string{"-"})
		done <- err
	}()
	// The first half, then wait for its commit with the pipe still open.
	fmt.Fprintln(w, strings.Join(lines[:6], "\n"))
	for n := int64(0); n < 6; {
		select {
		case n = <-s.written:
		case err := <-done:
			t.Fatalf("the import ended before the stream did: %v", err)
		}
	}
	s.mu.Lock()
	if got := len(s.conns); got != 2 {
		t.Errorf("while the stream is open: %d connections stored, want 2", got)
	}
	s.mu.Unlock()
	fmt.Fprintln(w, strings.Join(lines[6:], "\n"))
	w.Close()
	go func() {
		for range s.written {
		}
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	conns, attempts := totals(t, s.memStore)
	if conns != 4 || attempts != 4 {
		t.Errorf("got %d connections and %d attempts, want 4 and 4", conns, attempts)
	}
}

// Canceling the context ends a read that is blocked on a quiet pipe.
func TestContextEndsBlockedRead(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	fmt.Fprintln(w, "first line")
	ctx, cancel := context.WithCancel(context.Background())
	in, err := source.NewReaderContext(ctx, "-", r, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if !in.Next() || string(in.Bytes()) != "first line" {
		t.Fatalf("first line: %q", in.Bytes())
	}
	next := make(chan bool)
	go func() { next <- in.Next() }()
	cancel()
	if <-next {
		t.Fatalf("Next after cancel returned a line: %q", in.Bytes())
	}
	if !errors.Is(in.Err(), context.Canceled) {
		t.Errorf("Err = %v, want context.Canceled", in.Err())
	}
}
