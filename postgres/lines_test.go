package postgres_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"knocks"
	"knocks/internal/pgtest"
	"knocks/postgres"
)

// TestLineCountsAtOnce has importers of four host ids write the line
// counts of the same logged hosts and hours at the same time, each batch
// in an order of its own, as imports of one shared log or of machines of
// one name do: each write succeeds (no deadlock ends one), and the stored
// lines are all of them.
func TestLineCountsAtOnce(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DB(t)
	var stores []*postgres.EventStore
	for _, h := range []string{"h1", "h2", "h3", "h4"} {
		stores = append(stores, openAs(t, dsn, h))
	}
	t0 := time.Date(2025, 1, 6, 0, 0, 0, 0, time.UTC)
	var counts []knocks.LineCount
	for _, host := range []string{"web", "raspberrypi", "localhost"} {
		for h := range 200 {
			counts = append(counts, knocks.LineCount{Host: host, Hour: t0.Add(time.Duration(h) * time.Hour), Lines: 1})
		}
	}
	const rounds = 5
	for round := range rounds {
		var wg sync.WaitGroup
		for i, s := range stores {
			b := &knocks.Batch{Lines: append([]knocks.LineCount(nil), counts...)}
			r := rand.New(rand.NewPCG(uint64(round), uint64(i)))
			r.Shuffle(len(b.Lines), func(x, y int) { b.Lines[x], b.Lines[y] = b.Lines[y], b.Lines[x] })
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.Write(ctx, b); err != nil {
					t.Errorf("round %d, host id %d: %v", round, i, err)
				}
			}()
		}
		wg.Wait()
	}
	sum, err := stores[0].Summary(ctx, knocks.Filter{Since: t0}) // counted from line_counts, by hour
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(rounds * len(stores) * len(counts)); sum.Lines == nil || *sum.Lines != want {
		t.Errorf("lines counted %v, want %d", ptr(sum), want)
	}
}
