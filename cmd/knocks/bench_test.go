package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"knocks"
	"knocks/gen"
	"knocks/ingest"
	"knocks/source"
)

// discardStore is a knocks.EventStore that stores nothing, to time the
// pipeline without the database.
type discardStore struct{ next int64 }

func (d *discardStore) BeginImport(context.Context, time.Time) (int64, error) { return 1, nil }
func (d *discardStore) FinishImport(context.Context, int64, time.Time, []knocks.InputStats) error {
	return nil
}
func (d *discardStore) Checkpoints(context.Context, string) ([]*knocks.Checkpoint, error) {
	return nil, nil
}
func (d *discardStore) RecentConnections(context.Context, time.Time, time.Time) ([]*knocks.Connection, error) {
	return nil, nil
}
func (d *discardStore) JournalCursors(context.Context) ([]knocks.StoredCursor, error) {
	return nil, nil
}
func (d *discardStore) Write(_ context.Context, b *knocks.Batch) error {
	for _, c := range b.Connections {
		if c.ID == 0 {
			d.next++
			c.ID = d.next
		}
	}
	return nil
}
func (d *discardStore) Summary(context.Context, knocks.Filter) (*knocks.Summary, error) {
	return &knocks.Summary{}, nil
}
func (d *discardStore) Close() error { return nil }

// benchLog writes a generated log of n lines once per benchmark run.
func benchLog(b *testing.B, n int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "auth.log")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := gen.Write(f, gen.Options{Lines: n, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return path
}

func benchIngest(b *testing.B, n int, store func(b *testing.B) knocks.EventStore) {
	path := benchLog(b, n)
	fi, _ := os.Stat(path)
	b.SetBytes(fi.Size())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s := store(b)
		open := func(ctx context.Context, name string) (ingest.Input, error) { return source.OpenContext(ctx, name) }
		b.StartTimer()
		ing := &ingest.Ingester{Store: s, Parser: newParser(time.UTC, 0, time.Now), Open: open}
		if _, err := ing.Run(context.Background(), []string{path}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkIngestPipeline times read, parse, year inference and connection
// accounting of 200k generated lines, without a database.
func BenchmarkIngestPipeline(b *testing.B) {
	benchIngest(b, 200_000, func(*testing.B) knocks.EventStore { return &discardStore{} })
}

// BenchmarkIngestSQLite times the whole import of 200k generated lines into
// a new SQLite database.
func BenchmarkIngestSQLite(b *testing.B) {
	benchIngest(b, 200_000, func(b *testing.B) knocks.EventStore {
		s, err := openStore(context.Background(), filepath.Join(b.TempDir(), "k.db"), "")
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}
