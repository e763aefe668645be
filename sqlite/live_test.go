package sqlite_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"knocks"
	"knocks/storetest"
)

// The generation moves when a write commits, and not otherwise.
func TestChangesGeneration(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	ch, err := s.Changes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	g1, err := ch.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g2, _ := ch.Generation(ctx); g2 != g1 {
		t.Fatalf("generation moved without a write: %d → %d", g1, g2)
	}
	if _, err := s.Summary(ctx, knocks.Filter{}); err != nil {
		t.Fatal(err)
	}
	if g2, _ := ch.Generation(ctx); g2 != g1 {
		t.Fatalf("a read moved the generation: %d → %d", g1, g2)
	}
	id, err := s.BeginImport(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: storetest.Clone(storetest.Dataset().Connections)}); err != nil {
		t.Fatal(err)
	}
	if g3, _ := ch.Generation(ctx); g3 == g1 {
		t.Fatalf("a write did not move the generation (%d)", g3)
	}
}

// Activity adds up to the summary, folds countries beyond the top into
// "other", and knows the newest event.
func TestActivity(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	d := storetest.Dataset()
	id, err := s.BeginImport(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: storetest.Clone(d.Connections), Penalties: d.Penalties,
		Checkpoint: &knocks.Checkpoint{Fingerprint: "x", Name: "auth.log", Offset: 10, Lines: 1, New: true}}); err != nil {
		t.Fatal(err)
	}
	locs := map[netip.Addr]knocks.Location{}
	for ip, l := range d.Locations {
		locs[ip] = l.Location
	}
	if err := s.SaveLocations(ctx, locs, "test"); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishImport(ctx, id, time.Now(), []knocks.InputStats{{Name: "auth.log", Lines: 100, Recognised: 40, Unrecognised: 2, Skipped: 1}}); err != nil {
		t.Fatal(err)
	}
	sum, err := s.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	act, err := s.Activity(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var attempts, conns, scans, logins, drops int64
	countries := map[string]bool{}
	for _, g := range act.Groups {
		attempts += g.Attempts
		conns += g.Connections
		scans += g.Scans
		logins += g.Logins
		drops += g.Drops
		countries[g.Country] = true
	}
	if attempts != sum.Attempts || conns != sum.Connections || scans != sum.Scans || logins != sum.Logins || drops != sum.Dropped {
		t.Errorf("activity %d/%d/%d/%d/%d, summary %d/%d/%d/%d/%d", attempts, conns, scans, logins, drops,
			sum.Attempts, sum.Connections, sum.Scans, sum.Logins, sum.Dropped)
	}
	if len(countries) != 2 || !countries["other"] {
		t.Errorf("countries %v: want the top one and other", countries)
	}
	if len(act.Sources) != 1 || act.Sources[0] != (knocks.SourceTotals{Source: "auth.log", Lines: 100, Recognised: 40, Unrecognised: 2, Skipped: 1}) {
		t.Errorf("sources %+v", act.Sources)
	}
	if act.LastEvent.IsZero() || act.LastEvent.After(sum.Last) {
		t.Errorf("last event %v, summary last %v", act.LastEvent, sum.Last)
	}
	if act.LastImport.IsZero() {
		t.Errorf("no last import")
	}
}
