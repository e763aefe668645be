package sqlite_test

import (
	"context"
	"fmt"
	"math"
	"net/netip"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"knocks"
	"knocks/sqlite"
	"knocks/storetest"
)

// rollupFilters are the filters that TestRollupsMatchScan compares: those
// that the rollups answer, and some that read the connections (which must
// not be disturbed by them).
func rollupFilters(start time.Time) map[string]knocks.Filter {
	odd := start.Add(3*24*time.Hour + 17*time.Minute + 13*time.Second)
	return map[string]knocks.Filter{
		"all":        {},
		"top50":      {Top: 50},
		"web1":       {Host: "web1"},
		"bastion":    {Host: "bastion", Top: 3},
		"since":      {Since: odd},
		"until-host": {Until: odd.Add(9 * 24 * time.Hour), Host: "web2"},
		"user":       {User: "root"},
		"country":    {Country: "NL"},
	}
}

// comparable returns s with what differs between two computations of the
// same summary (when it was made, float sums of coordinates in another
// order) made equal.
func comparableSummary(s *knocks.Summary) *knocks.Summary {
	c := *s
	c.Generated = time.Time{}
	round := func(x float64) float64 { return math.Round(x*1e6) / 1e6 }
	for _, l := range [][]knocks.CityCount{c.Cities, c.TopCities} {
		for i := range l {
			l[i].Lat, l[i].Lon = round(l[i].Lat), round(l[i].Lon)
		}
	}
	return &c
}

// checkRollups compares every filter's summary from the rollups with the
// one that reads every connection.
func checkRollups(t *testing.T, s *sqlite.EventStore, start time.Time, when string) {
	t.Helper()
	ctx := context.Background()
	for name, f := range rollupFilters(start) {
		got, err := s.Summary(ctx, f)
		if err != nil {
			t.Fatalf("%s, %s: %v", when, name, err)
		}
		restore := sqlite.SetRollups(false)
		want, err := s.Summary(ctx, f)
		restore()
		if err != nil {
			t.Fatalf("%s, %s: %v", when, name, err)
		}
		if f.Since.IsZero() && f.Until.IsZero() && f.User == "" && f.Country == "" && want.Attempts == 0 {
			t.Fatalf("%s, %s: no attempts: the test checks nothing", when, name)
		}
		g, w := comparableSummary(got), comparableSummary(want)
		if !reflect.DeepEqual(g, w) {
			for _, d := range summaryDiff(g, w) {
				t.Errorf("%s, filter %s: %s", when, name, d)
			}
		}
	}
}

// summaryDiff names the fields in which two summaries differ.
func summaryDiff(got, want *knocks.Summary) []string {
	var out []string
	gv, wv := reflect.ValueOf(*got), reflect.ValueOf(*want)
	for i := 0; i < gv.NumField(); i++ {
		if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			out = append(out, fmt.Sprintf("%s: got %v, want %v", gv.Type().Field(i).Name, gv.Field(i).Interface(), wv.Field(i).Interface()))
		}
	}
	return out
}

// rollupState returns rollup_state.covered and the greatest connection id.
func rollupState(t *testing.T, s *sqlite.EventStore) (covered, last int64) {
	t.Helper()
	if err := s.DB().QueryRow("SELECT covered, (SELECT COALESCE(MAX(id), 0) FROM connections) FROM rollup_state").Scan(&covered, &last); err != nil {
		t.Fatal(err)
	}
	return covered, last
}

// partial returns a copy of c as an import that read only its first lines
// stores it: no address or user name yet for some, fewer lines, an
// earlier end.
func partial(c *knocks.Connection, i int) *knocks.Connection {
	p := *c
	p.End = c.Start.Add((c.End.Sub(c.Start) / 2).Truncate(time.Second))
	p.Failed, p.FailureLines, p.ScanLines, p.Logins = c.Failed/2, c.FailureLines/2, c.ScanLines/2, c.Logins/2
	switch i % 3 {
	case 0:
		p.User, p.HasUser, p.Invalid = "", false, false
	case 1:
		if p.ScanLines+p.FailureLines+p.Logins == 0 {
			p.IP, p.RHost = netip.Addr{}, ""
		}
	}
	return &p
}

// writeExtended writes cs in batches of size(i) connections from cs[i]
// on, as an import does with connections that span two of its commits:
// each connection j with j%every == rest (but in the last batch) is first
// written in part (see partial), and whole, with its id, by the next batch.
// After each batch it calls after with i.
func writeExtended(t *testing.T, s *sqlite.EventStore, importID int64, cs []*knocks.Connection, size func(i int) int, every, rest int, after func(i int)) {
	t.Helper()
	var prev []int                 // indexes in cs of the connections written in part by the batch before
	var prevP []*knocks.Connection // and as written
	for i, n := 0, 0; i < len(cs); i += n {
		n = size(i)
		var batch []*knocks.Connection
		for k, p := range prevP {
			whole := *cs[prev[k]]
			whole.ID = p.ID
			batch = append(batch, &whole)
		}
		prev, prevP = nil, nil
		for j := i; j < min(i+n, len(cs)); j++ {
			if j%every == rest && j+n < len(cs) {
				p := partial(cs[j], j)
				batch = append(batch, p)
				prev, prevP = append(prev, j), append(prevP, p)
				continue
			}
			batch = append(batch, cs[j])
		}
		if err := s.Write(context.Background(), &knocks.Batch{ImportID: importID, Connections: batch}); err != nil {
			t.Fatal(err)
		}
		after(i)
	}
}

// TestRollupsMatchScan writes realistic connections in batches, with
// connections that a later batch extends (as an import does when a
// connection spans two of its commits), and checks after each step that a
// summary from the rollups equals the one that reads every connection, for
// filters with and without host, at odd times: while sums wait in memory
// and rows after the rollups are read one by one, after the import ends,
// after a rewrite that the rollups cannot follow, after a prune, and after
// a second store wrote to the same file.
func TestRollupsMatchScan(t *testing.T) {
	for _, tc := range []struct {
		name  string
		every time.Duration
		keys  int
	}{
		{"flush-at-end", time.Hour, 1 << 30},
		{"flush-often", 0, 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer sqlite.SetRollupFlush(tc.every, tc.keys)()
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "knocks.db")
			s, err := sqlite.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { s.Close() }()
			start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			cs := storetest.Generate(6000, 7, start)
			id, err := s.BeginImport(ctx, start)
			if err != nil {
				t.Fatal(err)
			}
			// Batches of 500; every 7th connection of a batch is first
			// written in part, and whole by the next batch.
			writeExtended(t, s, id, cs, func(int) int { return 500 }, 7, 3, func(i int) {
				if i == 2500 {
					// Halfway, the sums of later batches wait in memory.
					locate(t, s)
					checkRollups(t, s, start, "halfway")
				}
			})
			if c, last := rollupState(t, s); tc.keys > 1000 && c == last {
				t.Errorf("before the end of the import the rollups cover every row (%d): the test reads none after them", c)
			}
			if err := s.FinishImport(ctx, id, start, nil); err != nil {
				t.Fatal(err)
			}
			locate(t, s)
			if c, last := rollupState(t, s); c != last {
				t.Errorf("after the import the rollups cover ids up to %d, want %d", c, last)
			}
			checkRollups(t, s, start, "after the import")

			// A rewrite that the sums cannot follow: a connection moves
			// to another address and host.
			var moved knocks.Connection
			for _, c := range cs {
				if c.ID != 0 && c.IP.IsValid() && c.Attempts() > 0 {
					moved = *c
					break
				}
			}
			moved.IP, moved.Host = netip.MustParseAddr("198.51.100.77"), "web2"
			if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: []*knocks.Connection{&moved}}); err != nil {
				t.Fatal(err)
			}
			locate(t, s)
			checkRollups(t, s, start, "after a rewrite to another address")

			if _, err := s.Prune(ctx, start.Add(11*24*time.Hour+5*time.Hour+7*time.Second)); err != nil {
				t.Fatal(err)
			}
			checkRollups(t, s, start, "after a prune")

			more := storetest.Generate(700, 8, start.Add(20*24*time.Hour))
			if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: more}); err != nil {
				t.Fatal(err)
			}
			locate(t, s)
			checkRollups(t, s, start, "after a prune and a write")

			// Another store on the same file writes meanwhile: the first
			// one's pending sums no longer tell what is after the
			// rollups.
			o, err := sqlite.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			if err := o.Write(ctx, &knocks.Batch{ImportID: id, Connections: storetest.Generate(300, 9, start.Add(25*24*time.Hour))}); err != nil {
				t.Fatal(err)
			}
			if err := o.Close(); err != nil {
				t.Fatal(err)
			}
			if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: storetest.Generate(300, 10, start.Add(26*24*time.Hour))}); err != nil {
				t.Fatal(err)
			}
			if err := s.FinishImport(ctx, id, start, nil); err != nil {
				t.Fatal(err)
			}
			locate(t, s)
			if c, last := rollupState(t, s); c != last {
				t.Errorf("after two writers the rollups cover ids up to %d, want %d", c, last)
			}
			checkRollups(t, s, start, "after two writers")
		})
	}
}

// locate gives every stored address a location: ten countries, some
// reserved, ASNs, cities and prefixes.
func locate(t *testing.T, s *sqlite.EventStore) {
	t.Helper()
	storetest.Locate(t, s)
}
