package ingest

import (
	"context"
	"net/netip"
	"runtime/debug"

	"knocks"
)

// Locator is a knocks.Locator that holds open files.
type Locator interface {
	knocks.Locator
	// Close releases the files of the locator.
	Close() error
}

// locateBatch is how many distinct addresses the GeoIP pass looks up and
// commits at a time: memory is bounded by it, not by what is stored.
const locateBatch = 10000

// LocateStored looks up every stored address without a location (every
// stored address with all) and stores the results in batches, each
// committed with the store's mark of how far it has located; it returns
// how many it looked up.
func LocateStored(ctx context.Context, gs knocks.GeoStore, loc knocks.Locator, all bool) (int, error) {
	return gs.LocatePending(ctx, all, locateBatch, loc)
}

// Enricher is the GeoIP pass of the pipeline: it looks up the stored
// addresses that have no location yet, those of the import that ran and
// those that an import killed before its GeoIP pass (or made with GeoIP
// off) left, and stores their locations. The locator is opened when there
// is something to look up, and kept until Close, so that a long-running
// import opens it once.
type Enricher struct {
	Store knocks.GeoStore
	// Open opens the locator; nil turns the GeoIP pass off.
	Open func() (Locator, error)

	loc Locator
}

// Enrich looks up the stored addresses that have no location and stores
// their locations, in batches that each commit with the store's durable
// mark of how far it has located: an import killed at any point leaves
// the rest to the next Enrich, even one of a run that adds nothing. It
// does nothing when e or e.Open is nil, and opens the locator only when
// an address is pending.
func (e *Enricher) Enrich(ctx context.Context) error {
	if e == nil || e.Open == nil {
		return nil
	}
	_, err := e.Store.LocatePending(ctx, false, locateBatch, lazyLocator{e})
	return err
}

// lazyLocator is the locator of an Enricher, opened on first use.
type lazyLocator struct{ e *Enricher }

func (l lazyLocator) open() (Locator, error) {
	if l.e.loc == nil {
		// The import's buffers go back before the GeoIP data is loaded:
		// peak memory stays flat.
		debug.FreeOSMemory()
		loc, err := l.e.Open()
		if err != nil {
			return nil, err
		}
		l.e.loc = loc
	}
	return l.e.loc, nil
}

func (l lazyLocator) Locate(ip netip.Addr) (knocks.Location, error) {
	loc, err := l.open()
	if err != nil {
		return knocks.Location{}, err
	}
	return loc.Locate(ip)
}

func (l lazyLocator) Sources() []string {
	if loc, err := l.open(); err == nil {
		return loc.Sources()
	}
	return nil
}

func (l lazyLocator) Attribution() []string {
	if loc, err := l.open(); err == nil {
		return loc.Attribution()
	}
	return nil
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
