package ingest

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync"

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
	_, err := e.Store.LocatePending(ctx, false, locateBatch, lazyLocator{e: e})
	return err
}

// lazyLocator is the locator of an Enricher, opened on first use.
type lazyLocator struct {
	e    *Enricher
	keep bool // do not give memory back first (the import runs)
}

func (l lazyLocator) open() (Locator, error) {
	if l.e.loc == nil {
		// The import's buffers go back before the GeoIP data is loaded:
		// peak memory stays flat.
		if !l.keep {
			debug.FreeOSMemory()
		}
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

// geoTracker is a GeoStore that lets an import locate the addresses of the
// connections it writes while it runs, instead of finding them among the
// stored rows afterwards (see sqlite.EventStore.GeoMark).
type geoTracker interface {
	// GeoMark returns the mark of LocatePending over the connections and
	// the greatest connection id.
	GeoMark(ctx context.Context) (mark, last int64, err error)
	// SaveNewLocations stores the locations of the addresses that have
	// none stored, leaving the others as they are.
	SaveNewLocations(ctx context.Context, locs map[netip.Addr]knocks.Location, source string) error
	// MarkLocated moves the mark from at most old to last, the greatest
	// connection id, and reports whether it moved.
	MarkLocated(ctx context.Context, old, last int64) (bool, error)
}

// maxTracked is the most addresses that the GeoIP pass of an import
// remembers having looked up; past it, it forgets them (and may look one
// up again): its memory is bounded, not its work.
const maxTracked = 1 << 16

// saveEvery is how many locations the GeoIP pass of an import finds
// before the writer stores them, after its next commit: few transactions
// (each rewrites pages all over ip_geo) in little memory (about 1 MB; 16,384
// cost 0.25 s less CPU time at 10M lines, and 5 MB more at the peak).
const saveEvery = 4096

// geoPass locates the addresses of the connections an import writes, on
// a goroutine of its own while the import runs: after each commit the
// writer hands on the batch's addresses (see sent) and stores the
// locations found so far (see save) of those that have none stored. It
// looks up each address once an import, without asking the store first
// whether it has it: a lookup costs less than that question. At the end
// (finish) the store's mark moves over the import's connections, so that
// the Enricher's pass after the import has none to look for. An import
// killed on the way leaves the mark where it was, and the next import's
// Enricher finds the rest.
type geoPass struct {
	e     *Enricher
	store geoTracker
	mark  int64 // the mark and greatest id when the import began
	last  int64 // the greatest id of a connection the import wrote
	wrote bool  // the import wrote connections
	in    chan []netip.Addr
	done  chan struct{}

	mu     sync.Mutex
	found  map[netip.Addr]knocks.Location // located, not yet stored
	source string                         // the locator's sources
	err    error                          // the pass failed: the mark stays
}

// startGeoPass starts the GeoIP pass of an import, or returns nil when
// the Enricher is off, its store cannot track addresses, or some stored
// addresses are still to be located (an import killed before its GeoIP
// pass): the Enricher then finds them after the import, as before.
func (e *Enricher) startGeoPass(ctx context.Context) (*geoPass, error) {
	if e == nil || e.Open == nil {
		return nil, nil
	}
	gt, ok := e.Store.(geoTracker)
	if !ok {
		return nil, nil
	}
	mark, last, err := gt.GeoMark(ctx)
	if err != nil || mark != last {
		return nil, err
	}
	g := &geoPass{e: e, store: gt, mark: mark, last: mark, in: make(chan []netip.Addr, 2), done: make(chan struct{}), found: map[netip.Addr]knocks.Location{}}
	go g.run(ctx)
	return g, nil
}

// run locates the addresses handed on that the store has no location of.
func (g *geoPass) run(ctx context.Context) {
	defer close(g.done)
	seen := make(map[netip.Addr]struct{})
	// The import's buffers are in use: memory is not given back before
	// the GeoIP data is loaded, as after an import.
	loc := lazyLocator{e: g.e, keep: true}
	for addrs := range g.in {
		if g.failed() {
			continue // drain: the writer is not blocked
		}
		locs := make(map[netip.Addr]knocks.Location)
		for _, a := range addrs {
			if _, ok := seen[a]; ok {
				continue
			}
			if len(seen) >= maxTracked {
				clear(seen)
			}
			seen[a] = struct{}{}
			l, err := loc.Locate(a)
			if err != nil {
				g.fail(fmt.Errorf("cannot look up %s: %w", a, err))
				break
			}
			locs[a] = l
		}
		if g.failed() {
			continue
		}
		var source string
		if len(locs) > 0 {
			source = strings.Join(loc.Sources(), "; ")
		}
		g.mu.Lock()
		maps.Copy(g.found, locs)
		if source != "" {
			g.source = source
		}
		g.mu.Unlock()
	}
}

func (g *geoPass) fail(err error) {
	g.mu.Lock()
	if g.err == nil {
		g.err = err
	}
	clear(g.found)
	g.mu.Unlock()
}

func (g *geoPass) failed() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err != nil
}

// sent hands on the addresses of the connections of a committed batch,
// whose ids the store has set, and stores the locations found so far.
// It waits only when the pass is two batches behind.
func (g *geoPass) sent(ctx context.Context, b *knocks.Batch) error {
	var addrs []netip.Addr
	for _, c := range b.Connections {
		g.wrote = true
		g.last = max(g.last, c.ID)
		if a := c.IP.Unmap(); a.IsValid() && (len(addrs) == 0 || addrs[len(addrs)-1] != a) {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) > 0 {
		select {
		case g.in <- addrs:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return g.save(ctx, saveEvery)
}

// save stores the locations found and not yet stored, when there are at
// least min.
func (g *geoPass) save(ctx context.Context, min int) error {
	g.mu.Lock()
	locs, source := g.found, g.source
	if len(locs) > 0 && len(locs) >= min {
		g.found = map[netip.Addr]knocks.Location{}
	} else {
		locs = nil
	}
	g.mu.Unlock()
	if len(locs) == 0 {
		return nil
	}
	return g.store.SaveNewLocations(ctx, locs, source)
}

// finish waits for the pass to locate what was handed on, stores the rest
// and, when every address was located, moves the store's mark over the
// import's connections. A failure of the pass itself is left to the
// Enricher's pass after the import, which meets it again or not.
func (g *geoPass) finish(ctx context.Context) error {
	close(g.in)
	<-g.done
	if g.failed() {
		return nil
	}
	if err := g.save(ctx, 1); err != nil {
		return err
	}
	if !g.wrote {
		return nil // the mark is where it was: a re-import writes nothing
	}
	_, err := g.store.MarkLocated(ctx, g.mark, g.last)
	return err
}

// abandon stops the pass without moving the mark.
func (g *geoPass) abandon() {
	close(g.in)
	<-g.done
}
