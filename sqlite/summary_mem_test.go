package sqlite_test

import (
	"context"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"knocks"
	"knocks/sqlite"
	"knocks/storetest"
)

// tieConnections returns connections of equal attempts from addresses
// that are alone in their country (203.0.113.1, .2), or in their city of
// one country and region (.3, .4), or in their AS and prefix (.5, .6),
// and from two addresses of one AS under two names (.7, .8): the lists
// order them by key, and the AS takes the smaller name.
func tieConnections(start time.Time) []*knocks.Connection {
	var cs []*knocks.Connection
	for i := 1; i <= 8; i++ {
		st := start.Add(time.Duration(i) * time.Hour)
		cs = append(cs, &knocks.Connection{Host: "web1", PID: 90000 + i, Start: st, End: st.Add(time.Second),
			IP: netip.AddrFrom4([4]byte{203, 0, 113, byte(i)}), Port: 40000 + i, User: "tie", HasUser: true, Invalid: true,
			Method: "password", Failed: 7, FailureLines: 8})
	}
	return cs
}

// locateVaried stores locations for every unlocated address, in two
// lookups of different sources: reserved ranges of two labels, addresses
// left without a location, countries under two names, cities of the same
// name in two regions, with coordinates that differ within a city or
// none, ASes whose addresses carry several names (one with the separator
// of the fields that the summary reads in one value), and prefixes for
// most; and the addresses of tieConnections.
func locateVaried(t *testing.T, s *sqlite.EventStore) {
	t.Helper()
	ctx := context.Background()
	ips, err := s.UnlocatedIPs(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(ips, netip.Addr.Compare)
	countries := []string{"CN", "US", "RU", "NL", "DE", "BR", "IN", "VN", "KR", "SG"}
	locs := []map[netip.Addr]knocks.Location{{}, {}}
	ties := map[byte]knocks.Location{
		1: {Country: "ZB", CountryName: "Zed B"},
		2: {Country: "ZA", CountryName: "Zed A"},
		3: {Country: "NL", CountryName: "NL", City: "Tie B", Region: "T", HasCoords: true, Lat: 52, Lon: 5},
		4: {Country: "NL", CountryName: "NL", City: "Tie A", Region: "T"},
		5: {Country: "NL", CountryName: "NL", ASN: 65002, Org: "Tie Two", Prefix: "203.0.113.4/31"},
		6: {Country: "NL", CountryName: "NL", ASN: 65001, Org: "Tie One", Prefix: "203.0.113.6/31"},
		7: {Country: "NL", CountryName: "NL", ASN: 65003, Org: "Org Y"},
		8: {Country: "NL", CountryName: "NL", ASN: 65003, Org: "Org X"},
	}
	for i, ip := range ips {
		lookup := locs[i%2]
		if b := ip.As16(); ip.Is4() && b[12] == 203 && b[13] == 0 && b[14] == 113 {
			if l, ok := ties[b[15]]; ok {
				lookup[ip] = l
				continue
			}
		}
		switch {
		case i%23 == 4:
			continue // not located
		case i%17 == 5:
			lookup[ip] = knocks.Location{Reserved: "documentation"}
			continue
		case i%19 == 6:
			lookup[ip] = knocks.Location{Reserved: "private"}
			continue
		}
		c := countries[i%len(countries)]
		l := knocks.Location{Country: c, CountryName: c + " name", City: fmt.Sprintf("City %d", i%13), Region: fmt.Sprintf("R%d", i%2),
			HasCoords: i%4 != 0, Lat: float64(i%90) + 0.25, Lon: float64(i%180) - 0.5, ASN: uint32(64500 + i%30), Org: fmt.Sprintf("Org %d", i%7)}
		if i%3 == 0 {
			l.CountryName = c + " other name"
		}
		if i%29 == 3 {
			l.Org = "Odd\x1fOrg"
		}
		if i%11 == 0 {
			l.ASN, l.Org = 0, ""
		}
		if i%5 != 0 {
			l.Prefix = netip.PrefixFrom(ip, 16).Masked().String()
		}
		lookup[ip] = l
	}
	for i, source := range []string{"db-a", "db-b"} {
		if err := s.SaveLocations(ctx, locs[i], source); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSummaryInMemoryMatchesSQL checks that a summary that ranks its
// addresses and users in memory (from the rollups, with connections after
// them or none, or from the connections alone) equals the one that SQL
// ranks from temporary tables (bounds 0), and the one with bounds that
// the data crosses part-way, for every filter of TestRollupsMatchScan:
// every list in the same order, ties included.
func TestSummaryInMemoryMatchesSQL(t *testing.T) {
	defer sqlite.SetRollupFlush(time.Hour, 1<<30)()
	ctx := context.Background()
	s := open(t)
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	cs := append(storetest.Generate(4000, 11, start), tieConnections(start)...)
	// write writes cs in an import that it leaves open, and returns its id.
	write := func(cs []*knocks.Connection) int64 {
		id, err := s.BeginImport(ctx, start)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(cs); i += 500 {
			if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: cs[i:min(i+500, len(cs))]}); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	check := func(when string) {
		t.Helper()
		for name, f := range rollupFilters(start) {
			var want *knocks.Summary
			for _, v := range []struct {
				name    string
				rollups bool
				bounds  [3]int
				chunk   int
			}{
				{"in memory", true, [3]int{100_000, 100_000, 400_000}, 4096},
				{"in memory, chunks of 7 rows", true, [3]int{100_000, 100_000, 400_000}, 7},
				{"in memory from the connections", false, [3]int{100_000, 100_000, 400_000}, 4096},
				{"by SQL", true, [3]int{0, 0, 0}, 4096},
				{"by SQL from the connections", false, [3]int{0, 0, 0}, 4096},
				{"bounds crossed", true, [3]int{60, 40, 300}, 4096},
			} {
				restore, restoreBounds := sqlite.SetRollups(v.rollups), sqlite.SetSummaryBounds(v.bounds[0], v.bounds[1], v.bounds[2])
				restoreChunk := sqlite.SetChunkRows(v.chunk)
				got, err := s.Summary(ctx, f)
				restore()
				restoreBounds()
				restoreChunk()
				if err != nil {
					t.Fatalf("%s, %s, %s: %v", when, name, v.name, err)
				}
				got = comparableSummary(got)
				if want == nil {
					want = got
					if f.User == "" && f.Country == "" && (len(got.Countries) < 5 || len(got.Reserved) != 2 || len(got.Cities) == 0 || len(got.GeoIPSources) != 2) {
						t.Fatalf("%s, %s: %d countries, %d reserved, %d cities, sources %q: the test checks too little",
							when, name, len(got.Countries), len(got.Reserved), len(got.Cities), got.GeoIPSources)
					}
					continue
				}
				if !reflect.DeepEqual(got, want) {
					for _, d := range summaryDiff(got, want) {
						t.Errorf("%s, filter %s, %s: %s", when, name, v.name, d)
					}
				}
			}
		}
	}
	half := len(cs) / 2
	if err := s.FinishImport(ctx, write(cs[:half]), start, nil); err != nil {
		t.Fatal(err)
	}
	// The second import is still open: the rollups cover the first
	// only, and the summary reads the connections after them.
	id := write(cs[half:])
	locateVaried(t, s)
	check("rows after the rollups")
	if err := s.FinishImport(ctx, id, start, nil); err != nil {
		t.Fatal(err)
	}
	check("after the imports")
	sum, err := s.Summary(ctx, knocks.Filter{Top: 50})
	if err != nil {
		t.Fatal(err)
	}
	var zed []string
	for _, c := range sum.Countries {
		if c.Country == "ZA" || c.Country == "ZB" {
			zed = append(zed, c.Country)
		}
	}
	if !slices.Equal(zed, []string{"ZA", "ZB"}) {
		t.Errorf("countries of equal attempts in the order %q, want ZA, ZB", zed)
	}
	var org string
	for _, a := range sum.TopASNs {
		if a.ASN == 65003 {
			org = a.Org
		}
	}
	if org != "Org X" {
		t.Errorf("AS 65003 named %q, want the smaller of two names of equal attempts, Org X", org)
	}
}

// TestHasHost checks that HasHost answers as Hosts lists: a host of the
// rollups, one of fail2ban's events only, one of a row written by hand
// that the rollups do not hold yet, and none for an unknown host, one
// that differs in case, and the empty name of rows without a host.
func TestHasHost(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	gen := storetest.Generate(2_000, 3, benchStart)
	gen[0].Host = ""
	id, err := s.BeginImport(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: gen,
		Fail2ban: []knocks.Fail2banEvent{{Time: benchStart, Kind: knocks.KindF2BBan, Host: "gate", Jail: "sshd", IP: netip.MustParseAddr("192.0.2.1")}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishImport(ctx, id, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().Exec(`INSERT INTO connections (host, start_time, end_time, invalid_user, failed, failure_lines, scan_lines, logins)
		VALUES ('by-hand', 1704067200, 1704067200, 0, 0, 0, 1, 0)`); err != nil {
		t.Fatal(err)
	}
	hosts, err := s.Hosts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var rolled int
	if err := s.DB().QueryRow("SELECT COUNT(*) FROM rollup_hours WHERE host = ?", gen[1].Host).Scan(&rolled); err != nil || rolled == 0 {
		t.Fatalf("%d hours of %s in the rollups (%v): the test does not check them", rolled, gen[1].Host, err)
	}
	for _, c := range []struct {
		Name, Host string
		Want       bool
	}{
		{Name: "in the rollups", Host: gen[1].Host, Want: true},
		{Name: "fail2ban only", Host: "gate", Want: true},
		{Name: "written by hand", Host: "by-hand", Want: true},
		{Name: "unknown", Host: "web9", Want: false},
		{Name: "another case", Host: strings.ToUpper(gen[1].Host), Want: false},
		{Name: "no host", Host: "", Want: false},
	} {
		t.Run(c.Name, func(t *testing.T) {
			got, err := s.HasHost(ctx, c.Host)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.Want || slices.Contains(hosts, c.Host) != c.Want {
				t.Errorf("HasHost(%q) = %v, in Hosts %v, want %v (hosts %q)", c.Host, got, slices.Contains(hosts, c.Host), c.Want, hosts)
			}
		})
	}
}
