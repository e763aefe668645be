package ingest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"knocks"
	"knocks/sqlite"
)

// TestTwoWritersWithoutLockStoreEachLineOnce runs two imports of the same
// input at the same time into one SQLite file, without the importer's lock
// (as two hosts on a network file system might): the checkpoints'
// compare-and-swap lets each batch of lines be stored by one of them only.
// A refused import is run again, and the end is a clean import's.
func TestTwoWritersWithoutLockStoreEachLineOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	lines := attackLog(3000)
	clean, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "clean.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer clean.Close()
	opts := Options{ChunkLines: 64, CommitLines: 128}
	importInto := func(s knocks.EventStore) error {
		in := &memInput{name: "auth.log", lines: lines}
		ing := &Ingester{Store: s, Parser: wordParser{}, Open: func(context.Context, string) (Input, error) { return in, nil }, Options: opts}
		_, err := ing.Run(ctx, []string{"auth.log"})
		return err
	}
	if err := importInto(clean); err != nil {
		t.Fatal(err)
	}
	want, err := clean.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for round := range 5 {
		stores := make([]*sqlite.EventStore, 2)
		for i := range stores {
			if stores[i], err = sqlite.Open(ctx, path); err != nil {
				t.Fatal(err)
			}
		}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range stores {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = importInto(stores[i]) }()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil && knocks.ErrorCode(err) != knocks.ECONFLICT {
				t.Fatalf("round %d, writer %d: %v", round, i, err)
			}
		}
		t.Logf("round %d: %v", round, errs)
		// What a refused writer left is read by the next run.
		if err := importInto(stores[0]); err != nil {
			t.Fatal(err)
		}
		got, err := stores[0].Summary(ctx, knocks.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Attempts != want.Attempts || got.Connections != want.Connections || got.LinesRead != want.LinesRead {
			t.Fatalf("round %d (errors %v): attempts %d, connections %d, lines %d; a clean import has %d, %d, %d",
				round, errs, got.Attempts, got.Connections, got.LinesRead, want.Attempts, want.Connections, want.LinesRead)
		}
		for _, s := range stores {
			s.Close()
		}
		// The next round starts afresh.
		for _, suffix := range []string{"", "-wal", "-shm"} {
			_ = os.Remove(path + suffix)
		}
	}
}
