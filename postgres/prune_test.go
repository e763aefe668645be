package postgres_test

import (
	"context"
	"encoding/json"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"knocks"
	"knocks/postgres"
	"knocks/storetest"
)

// TestPrune writes a year of old and a month of recent connections, bans
// and penalties, prunes at the start of the recent month, and checks that
// the store then reports as one that holds the recent events only, keeps
// every checkpoint, forgets the locations and imports that only old rows
// needed, and vacuums.
func TestPrune(t *testing.T) {
	ctx := context.Background()
	oldStart, cut := time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	old, recent := storetest.Generate(3000, 21, oldStart), storetest.Generate(500, 22, cut)
	var oldF2B, recentF2B []knocks.Fail2banEvent
	for i, c := range old {
		if i%7 == 0 && c.IP.IsValid() {
			oldF2B = append(oldF2B, knocks.Fail2banEvent{Time: c.End.Add(time.Second), Kind: knocks.KindF2BBan, Jail: "sshd", IP: c.IP, Host: c.Host})
		}
	}
	for i, c := range recent {
		if i%5 == 0 && c.IP.IsValid() {
			recentF2B = append(recentF2B, knocks.Fail2banEvent{Time: c.End.Add(time.Second), Kind: knocks.KindF2BBan, Jail: "sshd", IP: c.IP, Host: c.Host})
		}
	}
	oldPen := []knocks.PenaltyEvent{{Time: oldStart, Host: "web1", Kind: knocks.KindDrop, IP: netip.MustParseAddr("198.51.100.7"), Reason: "penalty: failed authentication", Count: 4}}
	recentPen := []knocks.PenaltyEvent{{Time: cut.Add(time.Hour), Host: "web1", Kind: knocks.KindPenalty, IP: netip.MustParseAddr("198.51.100.8"), Reason: "failed authentication", Count: 2}}
	write := func(s *postgres.EventStore, started time.Time, cs []*knocks.Connection, f2b []knocks.Fail2banEvent, pen []knocks.PenaltyEvent, cp *knocks.Checkpoint, lines []knocks.LineCount) {
		t.Helper()
		id, err := s.BeginImport(ctx, started)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: storetest.Clone(cs), Fail2ban: f2b, Penalties: pen, Checkpoint: cp, Lines: lines}); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishImport(ctx, id, started.Add(time.Minute), nil); err != nil {
			t.Fatal(err)
		}
	}
	locate := func(s *postgres.EventStore) {
		t.Helper()
		ips, err := s.UnlocatedIPs(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		locs := map[netip.Addr]knocks.Location{}
		for _, ip := range ips {
			locs[ip] = knocks.Location{Country: "DE", CountryName: "Germany", ASN: 64500, Org: "Example"}
		}
		if err := s.SaveLocations(ctx, locs, "test-geo 2024-05-01"); err != nil {
			t.Fatal(err)
		}
	}
	oldLines := []knocks.LineCount{{Host: "web1", Hour: oldStart, Lines: 9000}}
	recentLines := []knocks.LineCount{{Host: "web1", Hour: cut.Add(2 * time.Hour), Lines: 1000}}
	s := open(t, "gw")
	write(s, oldStart, old, oldF2B, oldPen, &knocks.Checkpoint{Fingerprint: "01d", Name: "auth.log.2.gz", Offset: 900, Lines: 9000, New: true}, oldLines)
	write(s, cut, recent, recentF2B, recentPen, &knocks.Checkpoint{Fingerprint: "4ew", Name: "auth.log", Offset: 100, Lines: 1000, New: true}, recentLines)
	locate(s)

	st, err := s.Prune(ctx, cut)
	if err != nil {
		t.Fatal(err)
	}
	var oldConns int64
	for _, c := range old {
		if c.End.Before(cut) {
			oldConns++
		}
	}
	if st.Connections != oldConns || st.Fail2ban != int64(len(oldF2B)) || st.Penalties != 1 || st.LineHours != 1 || st.Imports != 1 || st.Locations == 0 || !st.Compacted || st.SizeBefore == 0 {
		t.Errorf("prune stats %+v, want %d connections, %d bans, 1 penalty, 1 line hour, 1 import, some locations, compacted", st, oldConns, len(oldF2B))
	}
	for _, fp := range []string{"01d", "4ew"} {
		if cps, err := s.Checkpoints(ctx, fp); err != nil || len(cps) != 1 {
			t.Errorf("checkpoint %s after prune: %v, %v; want it kept", fp, cps, err)
		}
	}

	// The same recent events in a store that never held the old ones.
	fresh := open(t, "gw")
	write(fresh, cut, recent, recentF2B, recentPen, &knocks.Checkpoint{Fingerprint: "4ew", Name: "auth.log", Offset: 100, Lines: 1000, New: true}, recentLines)
	locate(fresh)
	for _, f := range []knocks.Filter{{}, {Since: cut.Add(time.Hour)}, {Country: "DE"}, {Top: 3}} {
		got, err := s.Summary(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		want, err := fresh.Summary(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		got.Generated, want.Generated = time.Time{}, time.Time{}
		// lines_read counts every line ever imported (README: Retention),
		// and so do the lines of a report narrowed by nothing but Top.
		if got.LinesRead != 10000 {
			t.Errorf("lines read after prune %d, want every line ever imported (10000)", got.LinesRead)
		}
		got.LinesRead, want.LinesRead = 0, 0
		if f.Since.IsZero() && f.Until.IsZero() && f.Host == "" && f.Country == "" {
			got.Lines, want.Lines, got.HostileShare, want.HostileShare = nil, nil, nil, nil
		}
		gv, wv := reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()
		for i := 0; i < gv.NumField(); i++ {
			if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
				gj, _ := json.Marshal(gv.Field(i).Interface())
				wj, _ := json.Marshal(wv.Field(i).Interface())
				t.Errorf("filter %+v: after prune %s = %.300s, want %.300s as in a store of the recent events only", f, gv.Type().Field(i).Name, gj, wj)
			}
		}
	}
	for _, st := range []*postgres.EventStore{s, fresh} {
		if ips, err := st.UnlocatedIPs(ctx, false); err != nil || len(ips) != 0 {
			t.Errorf("unlocated addresses after prune: %v, %v", ips, err)
		}
	}
	gotAll, _ := s.UnlocatedIPs(ctx, true)
	wantAll, _ := fresh.UnlocatedIPs(ctx, true)
	if !reflect.DeepEqual(gotAll, wantAll) {
		t.Errorf("addresses after prune %d, want those of the recent events (%d)", len(gotAll), len(wantAll))
	}
	if _, err := s.Prune(ctx, time.Time{}); knocks.ErrorCode(err) != knocks.EINVALID {
		t.Errorf("prune without a cut: %v, want EINVALID", err)
	}
}
