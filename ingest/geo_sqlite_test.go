package ingest_test

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"knocks"
	"knocks/gen"
	"knocks/ingest"
	"knocks/parse"
	"knocks/source"
	"knocks/sqlite"
)

// lineParser is the parser of `knocks ingest` for RFC 3164 logs in UTC.
type lineParser struct {
	clock parse.Clock
	names parse.Names
}

func (p *lineParser) Parse(line []byte, ev *knocks.Event) ingest.Status {
	return ingest.Status(p.names.LineInto(line, ev))
}
func (p *lineParser) Resolve(ev *knocks.Event)      { p.clock.Resolve(ev) }
func (p *lineParser) Reset(modTime, prev time.Time) { p.clock.Reset(modTime, prev) }
func (p *lineParser) Shape(line []byte) string      { return parse.ShapeLine(line) }
func (p *lineParser) Cursor(line []byte) []byte     { return parse.JournalCursor(line) }
func newLineParser() *lineParser                    { return &lineParser{clock: parse.Clock{Loc: time.UTC, Year: 2025}} }
func (l *countingLocator) Sources() []string        { return []string{"test 2025-01-01"} }
func (l *countingLocator) Attribution() []string    { return nil }
func (l *countingLocator) Close() error             { return nil }
func (s *countingStore) located() (pass, after int) { return s.pass, s.after }
func (s *countingStore) resetCounts()               { s.pass, s.after = 0, 0 }

// countingLocator locates an address in a country made of its last byte
// and counts its lookups.
type countingLocator struct {
	mu      sync.Mutex
	lookups map[netip.Addr]int
}

func (l *countingLocator) Locate(ip netip.Addr) (knocks.Location, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lookups == nil {
		l.lookups = map[netip.Addr]int{}
	}
	l.lookups[ip]++
	b := ip.As16()[15]
	return knocks.Location{Country: string(rune('A'+b%26)) + string(rune('A'+b/26%26)), ASN: uint32(b) + 64000}, nil
}

// countingStore counts the addresses that LocatePending (the Enricher's
// pass after an import) located, and those that SaveNewLocations stored
// (the pass during the import).
type countingStore struct {
	*sqlite.EventStore
	pass, after int
}

func (s *countingStore) SaveNewLocations(ctx context.Context, locs map[netip.Addr]knocks.Location, source string) error {
	s.pass += len(locs)
	return s.EventStore.SaveNewLocations(ctx, locs, source)
}

func (s *countingStore) LocatePending(ctx context.Context, refresh bool, batch int, loc knocks.Locator) (int, error) {
	n, err := s.EventStore.LocatePending(ctx, refresh, batch, loc)
	s.after += n
	return n, err
}

func writeLog(t *testing.T, lines int, seed int64) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "auth.log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gen.Write(f, gen.Options{Lines: lines, Seed: seed}); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// importLog imports path into s with the GeoIP pass of loc (nil: off).
func importLog(t *testing.T, s *countingStore, loc *countingLocator, path string) {
	t.Helper()
	in := &ingest.Ingester{
		Store:   s,
		Parser:  newLineParser(),
		Open:    func(ctx context.Context, name string) (ingest.Input, error) { return source.OpenContext(ctx, name) },
		Options: ingest.Options{CommitLines: 2000, ChunkLines: 256},
	}
	if loc != nil {
		in.Enricher = &ingest.Enricher{Store: s, Open: func() (ingest.Locator, error) { return loc, nil }}
		defer in.Enricher.Close()
	}
	if _, err := in.Run(context.Background(), []string{path}); err != nil {
		t.Fatal(err)
	}
}

// checkLocated checks that every stored address has a location, that loc
// (the locator of the last import) looked up none twice, and that the mark
// of LocatePending is at the last row. It returns how many addresses are
// stored.
func checkLocated(t *testing.T, s *sqlite.EventStore, loc *countingLocator) int {
	t.Helper()
	var n, geo, missing, mark, last int64
	s.DB().QueryRow("SELECT count(*) FROM (SELECT ip FROM connections WHERE ip IS NOT NULL UNION SELECT ip FROM fail2ban_events WHERE ip IS NOT NULL)").Scan(&n)
	s.DB().QueryRow("SELECT count(*) FROM ip_geo").Scan(&geo)
	s.DB().QueryRow("SELECT count(*) FROM connections AS c WHERE ip IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ip_geo AS g WHERE g.ip = c.ip)").Scan(&missing)
	s.DB().QueryRow("SELECT connections, (SELECT max(id) FROM connections) FROM geo_progress").Scan(&mark, &last)
	if n < 100 || n != geo || missing != 0 {
		t.Errorf("%d stored addresses, %d located, %d connections without a location", n, geo, missing)
	}
	loc.mu.Lock()
	for ip, c := range loc.lookups {
		if c != 1 {
			t.Errorf("%s looked up %d times", ip, c)
		}
	}
	loc.mu.Unlock()
	if mark != last {
		t.Errorf("mark at %d, last connection %d", mark, last)
	}
	return int(n)
}

// TestImportLocatesWhileItRuns imports two generated logs (the second
// with addresses of the first and new ones) and checks that the addresses
// are located by the pass that runs beside the import, each once, that it
// stores those that were not stored before, and that the pass after the
// import (LocatePending) finds none left.
func TestImportLocatesWhileItRuns(t *testing.T) {
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cs := &countingStore{EventStore: s}
	loc := &countingLocator{}
	importLog(t, cs, loc, writeLog(t, 30_000, 1))
	n1 := checkLocated(t, s, loc)
	if pass, after := cs.located(); pass != n1 || after != 0 {
		t.Errorf("first import: %d located during it, %d after it; want %d, 0", pass, after, n1)
	}
	before := geoRows(t, s)
	cs.resetCounts()
	loc = &countingLocator{}
	importLog(t, cs, loc, writeLog(t, 30_000, 2))
	n2 := checkLocated(t, s, loc)
	if _, after := cs.located(); n2 == n1 || after != 0 {
		t.Errorf("second import: %d addresses stored (%d before), %d located after it; want more, 0", n2, n1, after)
	}
	// The locations stored before stay as they were.
	now := geoRows(t, s)
	for ip, g := range before {
		if now[ip] != g {
			t.Errorf("%s: %q, was %q", ip, now[ip], g)
		}
	}
}

// geoRows returns the stored locations with their lookup times.
func geoRows(t *testing.T, s *sqlite.EventStore) map[string]string {
	t.Helper()
	rows, err := s.DB().Query("SELECT ip, coalesce(country, ''), looked_up FROM ip_geo")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var ip, cc, at string
		if err := rows.Scan(&ip, &cc, &at); err != nil {
			t.Fatal(err)
		}
		out[ip] = cc + " " + at
	}
	return out
}

// TestImportAfterOneWithoutGeoIP imports a log without GeoIP (as
// --no-geoip, or an import killed before its GeoIP pass, leaves it) and
// then another with: the stored addresses before it are found after it,
// as before, and every address is located once.
func TestImportAfterOneWithoutGeoIP(t *testing.T) {
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cs := &countingStore{EventStore: s}
	importLog(t, cs, nil, writeLog(t, 20_000, 1))
	loc := &countingLocator{}
	importLog(t, cs, loc, writeLog(t, 20_000, 2))
	n := checkLocated(t, s, loc)
	if pass, after := cs.located(); pass != 0 || after != n {
		t.Errorf("%d located during the import, %d after it; want 0, %d", pass, after, n)
	}
	// The next import runs its pass beside it again.
	cs.resetCounts()
	loc = &countingLocator{}
	importLog(t, cs, loc, writeLog(t, 20_000, 3))
	checkLocated(t, s, loc)
	if pass, after := cs.located(); pass == 0 || after != 0 {
		t.Errorf("third import: %d located during it, %d after it; want some, 0", pass, after)
	}
}
