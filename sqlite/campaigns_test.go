package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"

	"knocks"
	"knocks/sqlite"
	"knocks/storetest"
)

// streamsOnly hides the one pass of a store: FindCampaigns reads its
// sorted streams.
type streamsOnly struct{ knocks.CampaignSource }

// TestCampaignConns checks that CampaignConns gives the selected
// connections in start time order however they were written, and that
// FindCampaigns finds the same campaigns through it as through the sorted
// streams: connections written in time order, as the logs of three hosts
// imported one after the other (their spans overlap in time), with rows
// written by hand outside every span, and past the bounds of CampaignConns.
func TestCampaignConns(t *testing.T) {
	ctx := context.Background()
	// Two generated populations at once: Generate alone starts its
	// connections on a grid, one every 30 days / n.
	gen := append(storetest.Generate(8_000, 9, benchStart), storetest.Generate(8_000, 10, benchStart.Add(77*time.Second))...)
	slices.SortStableFunc(gen, func(a, b *knocks.Connection) int { return a.Start.Compare(b.Start) })
	byHost := map[string][]*knocks.Connection{}
	for _, c := range gen {
		byHost[c.Host] = append(byHost[c.Host], c)
	}
	for _, c := range []struct {
		Name        string
		Batches     [][]*knocks.Connection
		ByHand      bool
		Loose, Open int // the bounds; 0: as they are
		WantErr     bool
	}{
		{Name: "time order", Batches: [][]*knocks.Connection{gen[:5000], gen[5000:]}},
		{Name: "three hosts one after the other", Batches: [][]*knocks.Connection{byHost["web1"], byHost["web2"], byHost["bastion"]}},
		{Name: "rows outside every span", Batches: [][]*knocks.Connection{gen}, ByHand: true},
		{Name: "more overlapping spans than the bound", Batches: [][]*knocks.Connection{byHost["web1"], byHost["web2"], byHost["bastion"]}, Open: 2, WantErr: true},
		{Name: "more rows outside spans than the bound", Batches: [][]*knocks.Connection{gen}, ByHand: true, Loose: 10, WantErr: true},
	} {
		t.Run(c.Name, func(t *testing.T) {
			if c.Loose > 0 || c.Open > 0 {
				loose, open := c.Loose, c.Open
				if loose == 0 {
					loose = 1 << 18
				}
				if open == 0 {
					open = 1024
				}
				defer sqlite.SetCampaignBounds(loose, open)()
			}
			s := open(t)
			id, err := s.BeginImport(ctx, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range c.Batches {
				for i := 0; i < len(b); i += 100 { // small batches: many spans, many of their bounds to merge at
					if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: storetest.Clone(b[i:min(i+100, len(b))])}); err != nil {
						t.Fatal(err)
					}
				}
			}
			if c.ByHand {
				for i := range 40 { // after the last span, and going back in time
					at := benchStart.Add(time.Duration(30*24-i) * time.Hour).Unix()
					if _, err := s.DB().Exec(`INSERT INTO connections (host, pid, start_time, end_time, ip, subnet, username, invalid_user, failed, failure_lines, scan_lines, logins,
							attempts, failure, hostile_lines)
						VALUES ('gw', ?, ?, ?, '192.0.2.7', '192.0.2.0/24', 'admin', 1, 3, 3, 0, 0, 3, 1, 3)`, i, at, at+5); err != nil {
						t.Fatal(err)
					}
				}
			}
			locs := map[netip.Addr]knocks.Location{}
			ips, err := s.UnlocatedIPs(ctx, true)
			if err != nil {
				t.Fatal(err)
			}
			for i, ip := range ips {
				if i%3 != 0 {
					locs[ip] = knocks.Location{Country: "NL", ASN: uint32(64500 + i%4), Org: fmt.Sprintf("Org %d", i%4)}
				}
			}
			if err := s.SaveLocations(ctx, locs, "test"); err != nil {
				t.Fatal(err)
			}

			var n int
			var last int64
			err = s.CampaignConns(ctx, knocks.Filter{}, func(c *knocks.CampaignConn) error {
				if c.Start < last {
					return fmt.Errorf("connection %d starts at %d, before %d", n, c.Start, last)
				}
				last = c.Start
				n++
				return nil
			})
			if c.WantErr {
				if !errors.Is(err, knocks.ErrCampaignScan) {
					t.Fatalf("CampaignConns = %v, want ErrCampaignScan", err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			for _, f := range []knocks.Filter{{}, {Since: benchStart.AddDate(0, 0, 10), Until: benchStart.AddDate(0, 0, 12)}, {Host: "web2"}} {
				for _, o := range []knocks.CampaignOptions{{}, {MinAttempts: 5, Gap: time.Hour, MinIPs: 3, MinUsers: 1}} {
					f.Top = 1000
					got, err := knocks.FindCampaigns(ctx, s, f, o)
					if err != nil {
						t.Fatal(err)
					}
					want, err := knocks.FindCampaigns(ctx, streamsOnly{s}, f, o)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, want) {
						t.Errorf("filter %+v, options %+v: %d campaigns (%d found), want %d (%d found)", f, o, len(got.List), got.Found, len(want.List), want.Found)
					}
					if len(want.List) == 0 {
						t.Errorf("filter %+v, options %+v: no campaigns, the data tests nothing", f, o)
					}
				}
			}
		})
	}
}

func TestParseSpanRows(t *testing.T) {
	tests := []struct {
		Name  string
		Input string
		Want  []knocks.CampaignConn
		Err   bool
	}{
		{Name: "one row", Input: "11:203.0.113.54:root1700000000,1700000005,3,42",
			Want: []knocks.CampaignConn{{IP: "203.0.113.5", User: "root", HasUser: true, Start: 1700000000, End: 1700000005, Attempts: 3}}},
		{Name: "no user name, then the empty one", Input: "10:2001:db8::-1,2,1,7;10:2001:db8::0:3,4,1,8",
			Want: []knocks.CampaignConn{{IP: "2001:db8::", Start: 1, End: 2, Attempts: 1}, {IP: "2001:db8::", HasUser: true, Start: 3, End: 4, Attempts: 1}}},
		{Name: "separators and digits in a name", Input: "7:1.2.3.412:a;5:b,-1,2\x00\x1b1,2,3,4",
			Want: []knocks.CampaignConn{{IP: "1.2.3.4", User: "a;5:b,-1,2\x00\x1b", HasUser: true, Start: 1, End: 2, Attempts: 3}}},
		{Name: "nothing", Input: "", Want: nil},
		{Name: "a time that is not an integer", Input: "7:1.2.3.4-1.7e9,2,3,4", Err: true},
		{Name: "a length past the end", Input: "70:1.2.3.4-1,2,3,4", Err: true},
		{Name: "a field missing", Input: "7:1.2.3.4-1,2,3", Err: true},
		{Name: "no length", Input: "1.2.3.4-1,2,3,4", Err: true},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			got, err := sqlite.ParseSpanRows(tt.Input)
			if tt.Err {
				if !errors.Is(err, knocks.ErrCampaignScan) {
					t.Fatalf("err = %v, want ErrCampaignScan", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.Want) {
				t.Errorf("got %+v\nwant %+v", got, tt.Want)
			}
		})
	}
}

// TestCampaignsByPlace checks that the campaigns of a country or an AS,
// which CampaignConns finds in the packs with the addresses located
// there, are those found from every row (where SQL joins ip_geo), and
// those found from the rows when the country has more addresses than the
// packs' filter holds.
func TestCampaignsByPlace(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	gen := storetest.Generate(20_000, 11, benchStart)
	id, err := s.BeginImport(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(gen); i += 5_000 {
		if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: gen[i:min(i+5_000, len(gen))]}); err != nil {
			t.Fatal(err)
		}
	}
	// Every other address in XA, one in three in AS 64500 (some in both),
	// and the others unlocated; one address is a reserved one.
	locs := map[netip.Addr]knocks.Location{}
	n := 0
	for _, c := range gen {
		if !c.IP.IsValid() {
			continue
		}
		if _, ok := locs[c.IP]; ok {
			continue
		}
		n++
		var l knocks.Location
		if n%2 == 0 {
			l.Country, l.CountryName = "XA", "Example A"
		}
		if n%3 == 0 {
			l.ASN, l.Org = 64500, "Example Net"
		}
		if n == 7 {
			l = knocks.Location{Reserved: "xa"}
		}
		if n%5 != 1 {
			locs[c.IP] = l
		}
	}
	if err := s.SaveLocations(ctx, locs, "test"); err != nil {
		t.Fatal(err)
	}
	opts := knocks.CampaignOptions{MinAttempts: 5, MinIPs: 2}
	for _, f := range []knocks.Filter{
		{Country: "xa", Top: 1000},
		{ASN: 64500, Top: 1000},
		{Country: "XA", ASN: 64500, Top: 1000},
		{Country: "XA", Host: "web1", Since: benchStart.Add(48 * time.Hour), Top: 1000},
		{Country: "ZZ", Top: 1000},
	} {
		find := func() *knocks.Campaigns {
			t.Helper()
			c, err := knocks.FindCampaigns(ctx, s, f, opts)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		packs := find()
		restore := sqlite.SetPacks(false)
		rows := find()
		restore()
		restore = sqlite.SetMaxLocatedFilter(10)
		over := find()
		restore()
		if f.Country != "ZZ" && len(rows.List) == 0 {
			t.Fatalf("filter %+v: no campaigns: the test checks nothing", f)
		}
		if !reflect.DeepEqual(packs, rows) {
			t.Errorf("filter %+v: campaigns through the packs\n%+v\nfrom the rows\n%+v", f, packs, rows)
		}
		if !reflect.DeepEqual(over, rows) {
			t.Errorf("filter %+v: campaigns past the filter's bound\n%+v\nfrom the rows\n%+v", f, over, rows)
		}
	}
}
