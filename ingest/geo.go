package ingest

import (
	"context"
	"fmt"
	"net/netip"
	"runtime/debug"
	"strings"

	"knocks"
)

// Locator is a knocks.Locator that holds open files.
type Locator interface {
	knocks.Locator
	// Close releases the files of the locator.
	Close() error
}

// LocateIPs looks up ips with loc and stores the results in gs, with the
// sources of loc.
func LocateIPs(ctx context.Context, gs knocks.GeoStore, loc knocks.Locator, ips []netip.Addr) error {
	if len(ips) == 0 {
		return nil
	}
	locs := make(map[netip.Addr]knocks.Location, len(ips))
	for _, ip := range ips {
		l, err := loc.Locate(ip)
		if err != nil {
			return fmt.Errorf("cannot look up %s: %w", ip, err)
		}
		locs[ip] = l
	}
	return gs.SaveLocations(ctx, locs, strings.Join(loc.Sources(), "; "))
}

// LocateStored looks up every stored address without a location (every
// stored address with all) and stores the results; it returns how many it
// looked up.
func LocateStored(ctx context.Context, gs knocks.GeoStore, loc knocks.Locator, all bool) (int, error) {
	ips, err := gs.UnlocatedIPs(ctx, all)
	if err != nil || len(ips) == 0 {
		return 0, err
	}
	return len(ips), LocateIPs(ctx, gs, loc, ips)
}

// Enricher is the GeoIP pass of the pipeline: it looks up the addresses that
// an import wrote and stores their locations. The locator is opened on first
// use and kept until Close, so that a long-running import opens it once.
type Enricher struct {
	Store knocks.GeoStore
	// Open opens the locator; nil turns the GeoIP pass off.
	Open func() (Locator, error)

	loc Locator
}

// Enrich looks up ips and stores their locations. It does nothing when e or
// e.Open is nil or ips is empty.
func (e *Enricher) Enrich(ctx context.Context, ips []netip.Addr) error {
	if e == nil || e.Open == nil || len(ips) == 0 {
		return nil
	}
	if e.loc == nil {
		// The import's buffers go back before the GeoIP data is loaded:
		// peak memory stays flat.
		debug.FreeOSMemory()
		loc, err := e.Open()
		if err != nil {
			return err
		}
		e.loc = loc
	}
	return LocateIPs(ctx, e.Store, e.loc, ips)
}

// Close closes the locator, if it was opened.
func (e *Enricher) Close() error {
	if e == nil || e.loc == nil {
		return nil
	}
	err := e.loc.Close()
	e.loc = nil
	return err
}
