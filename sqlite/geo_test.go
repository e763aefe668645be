package sqlite_test

import (
	"context"
	"errors"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"knocks"
	"knocks/sqlite"
	"knocks/storetest"
)

// fakeLocator locates every address in the country named by its first
// byte, counts its lookups, and fails after failAfter of them (0: never).
type fakeLocator struct {
	lookups   map[netip.Addr]int
	sources   int
	failAfter int
}

var errCrash = errors.New("crash")

func (l *fakeLocator) Locate(ip netip.Addr) (knocks.Location, error) {
	if l.lookups == nil {
		l.lookups = map[netip.Addr]int{}
	}
	n := 0
	for _, c := range l.lookups {
		n += c
	}
	if l.failAfter > 0 && n >= l.failAfter {
		return knocks.Location{}, errCrash
	}
	l.lookups[ip]++
	cc := "NL"
	if ip.As16()[15]%2 == 1 {
		cc = "CN"
	}
	return knocks.Location{Country: cc, ASN: uint32(ip.As16()[15]) + 64000, Prefix: ip.String() + "/32"}, nil
}

func (l *fakeLocator) Sources() []string     { l.sources++; return []string{"fake 2024-01-01"} }
func (l *fakeLocator) Attribution() []string { return nil }

// geoRows returns the stored locations, without their lookup times.
func geoRows(t *testing.T, s *sqlite.EventStore) map[string]string {
	t.Helper()
	rows, err := s.DB().Query("SELECT ip, coalesce(country, ''), coalesce(asn, 0), coalesce(prefix, ''), source FROM ip_geo")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var ip, cc, prefix, source string
		var asn int64
		if err := rows.Scan(&ip, &cc, &asn, &prefix, &source); err != nil {
			t.Fatal(err)
		}
		out[ip] = cc + " " + prefix + " " + source + " " + string(rune('0'+asn%10))
	}
	return out
}

func marks(t *testing.T, s *sqlite.EventStore) [2]int64 {
	t.Helper()
	var m [2]int64
	if err := s.DB().QueryRow("SELECT connections, fail2ban FROM geo_progress").Scan(&m[0], &m[1]); err != nil {
		t.Fatal(err)
	}
	return m
}

func generated(t *testing.T, s *sqlite.EventStore, n int) (distinct int) {
	t.Helper()
	ctx := context.Background()
	cs := storetest.Generate(n, 11, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	f2b := []knocks.Fail2banEvent{
		{Time: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Kind: knocks.KindF2BBan, Jail: "sshd", IP: netip.MustParseAddr("192.0.2.250")},
		{Time: time.Date(2024, 1, 1, 0, 0, 1, 0, time.UTC), Kind: knocks.KindF2BBan, Jail: "sshd", IP: cs[0].IP},
	}
	if err := s.Write(ctx, &knocks.Batch{Connections: cs, Fail2ban: f2b}); err != nil {
		t.Fatal(err)
	}
	seen := map[netip.Addr]bool{}
	for _, c := range cs {
		if c.IP.IsValid() {
			seen[c.IP] = true
		}
	}
	for _, e := range f2b {
		seen[e.IP] = true
	}
	return len(seen)
}

func TestLocatePendingLooksUpEachAddressOnce(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	distinct := generated(t, s, 3000)
	loc := &fakeLocator{}
	n, err := s.LocatePending(ctx, false, 97, loc)
	if err != nil {
		t.Fatal(err)
	}
	if n != distinct || len(loc.lookups) != distinct {
		t.Errorf("looked up %d (%d distinct), want %d", n, len(loc.lookups), distinct)
	}
	for ip, c := range loc.lookups {
		if c != 1 {
			t.Errorf("%s looked up %d times", ip, c)
		}
	}
	if ips, err := s.UnlocatedIPs(ctx, false); err != nil || len(ips) != 0 {
		t.Errorf("unlocated after LocatePending: %v, %v", ips, err)
	}
	var maxConn, maxF2B int64
	s.DB().QueryRow("SELECT max(id) FROM connections").Scan(&maxConn)
	s.DB().QueryRow("SELECT max(id) FROM fail2ban_events").Scan(&maxF2B)
	if m := marks(t, s); m != [2]int64{maxConn, maxF2B} {
		t.Errorf("marks %v, want the last ids %d, %d", m, maxConn, maxF2B)
	}
	// Nothing pending: the locator is not asked for anything.
	idle := &fakeLocator{}
	if n, err := s.LocatePending(ctx, false, 97, idle); err != nil || n != 0 || len(idle.lookups) != 0 || idle.sources != 0 {
		t.Errorf("second call: %d, %v; %d lookups, %d Sources calls", n, err, len(idle.lookups), idle.sources)
	}
	// A stored connection that gets an address lowers the mark; the next
	// call finds it.
	var id int64
	s.DB().QueryRow("SELECT id FROM connections WHERE ip IS NOT NULL ORDER BY id LIMIT 1 OFFSET 100").Scan(&id)
	var c *knocks.Connection
	cs, err := s.RecentConnections(ctx, time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range cs {
		if x.ID == id {
			c = x
		}
	}
	if c == nil {
		t.Fatalf("connection %d not found", id)
	}
	c.IP = netip.MustParseAddr("198.18.0.1")
	if err := s.Write(ctx, &knocks.Batch{Connections: []*knocks.Connection{c}}); err != nil {
		t.Fatal(err)
	}
	again := &fakeLocator{}
	if n, err := s.LocatePending(ctx, false, 97, again); err != nil || n != 1 || again.lookups[c.IP] != 1 {
		t.Errorf("after an update: %d, %v, %v", n, err, again.lookups)
	}
}

// TestLocatePendingResumesAfterACrash fails the lookups part way (as a
// kill would stop them) and checks that the next call looks up exactly
// the rest, and that the result is that of one clean pass.
func TestLocatePendingResumesAfterACrash(t *testing.T) {
	ctx := context.Background()
	clean := open(t)
	generated(t, clean, 3000)
	if _, err := clean.LocatePending(ctx, false, 50, &fakeLocator{}); err != nil {
		t.Fatal(err)
	}
	want := geoRows(t, clean)
	distinct := len(want)
	for _, failAfter := range []int{1, 24, 25, 26, distinct - 1} {
		s := open(t)
		generated(t, s, 3000)
		first := &fakeLocator{failAfter: failAfter}
		if _, err := s.LocatePending(ctx, false, 50, first); !errors.Is(err, errCrash) {
			t.Fatalf("failAfter %d: %v, want the crash", failAfter, err)
		}
		committed := len(geoRows(t, s))
		if committed > failAfter {
			t.Errorf("failAfter %d: %d locations committed", failAfter, committed)
		}
		second := &fakeLocator{}
		n, err := s.LocatePending(ctx, false, 50, second)
		if err != nil {
			t.Fatal(err)
		}
		if n != distinct-committed {
			t.Errorf("failAfter %d: resumed with %d lookups, want %d", failAfter, n, distinct-committed)
		}
		if got := geoRows(t, s); !reflect.DeepEqual(got, want) {
			t.Errorf("failAfter %d: %d locations differ from a clean pass (%d)", failAfter, len(got), len(want))
		}
	}
}

func TestLocatePendingRefresh(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	distinct := generated(t, s, 2000)
	now := time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	if _, err := s.LocatePending(ctx, false, 0, &fakeLocator{}); err != nil {
		t.Fatal(err)
	}
	// A refresh looks every address up once, whatever the batch.
	now = now.Add(time.Hour)
	loc := &fakeLocator{}
	n, err := s.LocatePending(ctx, true, 7, loc)
	if err != nil {
		t.Fatal(err)
	}
	if n != distinct || len(loc.lookups) != distinct {
		t.Errorf("refresh looked up %d (%d distinct), want %d", n, len(loc.lookups), distinct)
	}
	for ip, c := range loc.lookups {
		if c != 1 {
			t.Errorf("refresh looked %s up %d times", ip, c)
		}
	}
}

// TestGeoMarkAndMarkLocated checks the three methods that let an import
// locate its own addresses: GeoMark says whether every stored address is
// located, Unlocated which of some addresses are not, and MarkLocated
// moves the mark only from where the import read it (or below, where its
// own update of a stored connection put it) to the last row.
func TestGeoMarkAndMarkLocated(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	generated(t, s, 500)
	mark, last, err := s.GeoMark(ctx)
	if err != nil || mark != 0 || last < 500 {
		t.Fatalf("before any lookup: mark %d, last %d, %v", mark, last, err)
	}
	if _, err := s.LocatePending(ctx, false, 100, &fakeLocator{}); err != nil {
		t.Fatal(err)
	}
	mark, last, err = s.GeoMark(ctx)
	if err != nil || mark != last {
		t.Fatalf("after LocatePending: mark %d, last %d, %v", mark, last, err)
	}

	// SaveNewLocations stores the new addresses (more than one
	// statement's worth, an IPv4-mapped one as IPv4) and leaves a stored
	// location as it is.
	var stored string
	s.DB().QueryRow("SELECT ip FROM connections WHERE ip IS NOT NULL LIMIT 1").Scan(&stored)
	before := geoRows(t, s)
	newV4, newV6 := netip.MustParseAddr("198.18.7.7"), netip.MustParseAddr("2001:db8::77")
	locs := map[netip.Addr]knocks.Location{
		netip.MustParseAddr(stored):    {Country: "ZZ"},
		netip.AddrFrom16(newV4.As16()): {Country: "DE", ASN: 64500, Prefix: "198.18.0.0/15", HasCoords: true, Lat: 52.5, Lon: 13.4},
		newV6:                          {Reserved: "documentation", Country: "XX"},
	}
	for i := 0; i < 150; i++ {
		locs[netip.AddrFrom4([4]byte{198, 19, 0, byte(i)})] = knocks.Location{Country: "FR"}
	}
	if err := s.SaveNewLocations(ctx, locs, "new 2025-01-01"); err != nil {
		t.Fatal(err)
	}
	after := geoRows(t, s)
	if len(after) != len(before)+152 || after[stored] != before[stored] {
		t.Errorf("%d locations stored, want %d; %s: %q, want %q as it was", len(after), len(before)+152, stored, after[stored], before[stored])
	}
	if got := after[newV4.String()]; got != "DE 198.18.0.0/15 new 2025-01-01 0" {
		t.Errorf("%s: %q", newV4, got)
	}
	if got := after[newV6.String()]; got != "  new 2025-01-01 0" {
		t.Errorf("%s (reserved): %q", newV6, got)
	}
	var lat, lon float64
	var reserved string
	s.DB().QueryRow("SELECT lat, lon FROM ip_geo WHERE ip = ?", newV4.String()).Scan(&lat, &lon)
	s.DB().QueryRow("SELECT reserved FROM ip_geo WHERE ip = ?", newV6.String()).Scan(&reserved)
	if lat != 52.5 || lon != 13.4 || reserved != "documentation" {
		t.Errorf("coordinates %v %v, reserved label %q", lat, lon, reserved)
	}

	// An import writes a new connection and updates a stored one, which
	// gets an address: Write lowers the mark below it.
	cs, err := s.RecentConnections(ctx, time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	upd := cs[10]
	upd.IP = newV4
	add := storetest.Generate(1, 12, time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC))[0]
	add.IP = newV6
	if err := s.Write(ctx, &knocks.Batch{Connections: []*knocks.Connection{upd, add}}); err != nil {
		t.Fatal(err)
	}
	if m := marks(t, s); m[0] >= upd.ID {
		t.Fatalf("mark %d not lowered below the updated connection %d", m[0], upd.ID)
	}
	// Not the last row, or not from where the import read the mark: no move.
	for _, c := range []struct{ old, last int64 }{{mark, add.ID - 1}, {mark, add.ID + 1}, {upd.ID - 2, add.ID}} {
		if moved, err := s.MarkLocated(ctx, c.old, c.last); err != nil || moved {
			t.Errorf("MarkLocated(%d, %d) moved the mark (%v)", c.old, c.last, err)
		}
	}
	if moved, err := s.MarkLocated(ctx, mark, add.ID); err != nil || !moved {
		t.Errorf("MarkLocated(%d, %d): %v, %v", mark, add.ID, moved, err)
	}
	if m := marks(t, s); m[0] != add.ID {
		t.Errorf("mark %d, want %d", m[0], add.ID)
	}
}
