package postgres_test

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"testing"

	"knocks"
	"knocks/internal/pgtest"
	"knocks/postgres"
)

// TestSaveLocationsAtOnce has importers of four hosts save the locations
// of the same 3,000 addresses at the same time, several rounds, as the
// GeoIP pass of concurrent imports does: each call succeeds (no deadlock
// ends one), and the stored locations are those saved.
func TestSaveLocationsAtOnce(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DB(t)
	var stores []*postgres.EventStore
	for _, h := range []string{"h1", "h2", "h3", "h4"} {
		stores = append(stores, openAs(t, dsn, h))
	}
	locs := map[netip.Addr]knocks.Location{}
	for i := 0; i < 3000; i++ {
		ip := netip.MustParseAddr(fmt.Sprintf("198.51.%d.%d", i/250, i%250+1))
		locs[ip] = knocks.Location{Country: "NL", ASN: uint32(64500 + i%7), Prefix: fmt.Sprintf("198.51.%d.0/24", i/250)}
	}
	for round := 0; round < 5; round++ {
		var wg sync.WaitGroup
		for i, s := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.SaveLocations(ctx, locs, fmt.Sprintf("test %d", i)); err != nil {
					t.Errorf("round %d, host %d: %v", round, i, err)
				}
			}()
		}
		wg.Wait()
	}
	sources, err := stores[0].GeoSources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, g := range sources {
		n += g.Addresses
	}
	if n != int64(len(locs)) {
		t.Errorf("%d stored locations (%+v), want %d", n, sources, len(locs))
	}
}
