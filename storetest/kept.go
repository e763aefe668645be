package storetest

import (
	"context"
	"fmt"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"knocks"
)

// Keeper is a store that keeps the results of a report without filters
// (its summary, alerts and campaigns) and reads them back while they are
// still those of what it stores.
type Keeper interface {
	knocks.EventStore
	knocks.CampaignSource
	KeepResults(ctx context.Context, f knocks.Filter, o knocks.CampaignOptions) error
	Alerts(ctx context.Context, o knocks.AlertOptions) ([]knocks.Alert, error)
	LatestAlerts(ctx context.Context, o knocks.AlertOptions, n int) ([]knocks.Alert, int64, error)
	MarkAlerts(ctx context.Context, as []knocks.Alert) error
	UnlocatedIPs(ctx context.Context, all bool) ([]netip.Addr, error)
	SaveLocations(ctx context.Context, locs map[netip.Addr]knocks.Location, source string) error
	Prune(ctx context.Context, cut time.Time) (*knocks.PruneStats, error)
}

// KeptHooks are what TestKept needs of one store beyond Keeper.
type KeptHooks struct {
	// SetKept makes the store read kept results (on) or find them from
	// the connections (off), and returns what restores the setting.
	SetKept func(on bool) (restore func())
	// IsKept reports whether the summary of a report without filters is
	// kept and still that of what is stored.
	IsKept func(ctx context.Context, s Keeper) (bool, error)
	// Write stores the connections of an import.
	Write func(t *testing.T, s Keeper, importID int64, cs []*knocks.Connection)
	// Exec runs SQL by hand on the store's database.
	Exec func(s Keeper, query string) error
	// SetKeptAttempts is SQL that sets the attempts of the kept summary
	// to 424242; SpoilKept makes every kept result unreadable.
	SetKeptAttempts, SpoilKept string
	// ByHand are changes by hand, as SQL, to what the results are made of.
	ByHand []Change
	// Changes returns the count of changes to what kept results are made
	// of, which an import that stores nothing new leaves as it is.
	Changes func(t *testing.T, s Keeper) int64
}

// Change is a change to the store, by name.
type Change struct {
	Name, SQL string
}

// keptOptions are the campaign options of TestKept: small enough for its
// connections to make campaigns.
var keptOptions = knocks.CampaignOptions{MinAttempts: 5, MinIPs: 3}

// keptResults are what a report reads from every connection.
type keptResults struct {
	sum       *knocks.Summary
	alerts    []knocks.Alert
	latest    []knocks.Alert
	found     int64
	campaigns *knocks.Campaigns
}

// lookKept reads the results of a report without filters.
func lookKept(t *testing.T, s Keeper, when string) keptResults {
	t.Helper()
	ctx := context.Background()
	var r keptResults
	var err error
	if r.sum, err = s.Summary(ctx, knocks.Filter{}); err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	r.sum.Generated = time.Time{}
	if r.alerts, err = s.Alerts(ctx, knocks.AlertOptions{}); err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	if r.latest, r.found, err = s.LatestAlerts(ctx, knocks.AlertOptions{}, 3); err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	if r.campaigns, err = knocks.FindCampaigns(ctx, s, knocks.Filter{}, keptOptions); err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	return r
}

// checkKept compares the results read with those found from the
// connections, and reports whether they were read from what was kept.
func checkKept(t *testing.T, s Keeper, h KeptHooks, when string) (kept bool) {
	t.Helper()
	got := lookKept(t, s, when)
	restore := h.SetKept(false)
	want := lookKept(t, s, when)
	restore()
	if want.sum.Attempts == 0 || len(want.alerts) < 4 || len(want.campaigns.List) == 0 {
		t.Fatalf("%s: %d attempts, %d alerts, %d campaigns: the test checks nothing", when, want.sum.Attempts, len(want.alerts), len(want.campaigns.List))
	}
	if !reflect.DeepEqual(got.sum, want.sum) {
		t.Errorf("%s: summary\n%+v\nfound from the connections\n%+v", when, got.sum, want.sum)
	}
	if !reflect.DeepEqual(got.alerts, want.alerts) {
		t.Errorf("%s: alerts\n%+v\nfound from the connections\n%+v", when, got.alerts, want.alerts)
	}
	if !reflect.DeepEqual(got.latest, want.alerts[len(want.alerts)-3:]) || got.found != int64(len(want.alerts)) {
		t.Errorf("%s: latest alerts %+v of %d, want the last 3 of %d", when, got.latest, got.found, len(want.alerts))
	}
	if !reflect.DeepEqual(got.campaigns, want.campaigns) {
		t.Errorf("%s: campaigns\n%+v\nfound from the connections\n%+v", when, got.campaigns, want.campaigns)
	}
	kept, err := h.IsKept(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return kept
}

// Locate saves a made-up location (countries, cities, ASes, prefixes and
// some reserved ranges) for every address of s.
func Locate(t *testing.T, s interface {
	UnlocatedIPs(ctx context.Context, all bool) ([]netip.Addr, error)
	SaveLocations(ctx context.Context, locs map[netip.Addr]knocks.Location, source string) error
}) {
	t.Helper()
	ctx := context.Background()
	ips, err := s.UnlocatedIPs(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	countries := []string{"CN", "US", "RU", "NL", "DE", "BR", "IN", "VN", "KR", "SG"}
	locs := map[netip.Addr]knocks.Location{}
	for i, ip := range ips {
		if i%17 == 5 {
			locs[ip] = knocks.Location{Reserved: "documentation"}
			continue
		}
		c := countries[i%len(countries)]
		l := knocks.Location{Country: c, CountryName: c, City: fmt.Sprintf("City %d", i%13), HasCoords: i%4 != 0,
			Lat: float64(i%90) + 0.25, Lon: float64(i%180) - 0.5, ASN: uint32(64500 + i%30), Org: fmt.Sprintf("Org %d", i%7)}
		if i%5 != 0 {
			l.Prefix = netip.PrefixFrom(ip, 16).Masked().String()
		}
		locs[ip] = l
	}
	if err := s.SaveLocations(ctx, locs, "test"); err != nil {
		t.Fatal(err)
	}
}

// TestKept keeps the results of a report without filters in the store
// that open gives and checks that reports read them, equal to those found
// from the connections; that alerts marked as shown are not new, kept or
// not; that reports read what is kept (a result changed by hand shows, one
// that cannot be read is found again); and that every kind of change to
// the store (the store's own and h.ByHand) makes them stale, so that
// reports find them again, until they are kept again.
func TestKept(t *testing.T, open func(t *testing.T) Keeper, h KeptHooks) {
	ctx := context.Background()
	s := open(t)
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	cs := Generate(6000, 21, start)
	for _, c := range cs[:40] {
		c.User, c.HasUser = "\xff\xfe<b>x</b>\x1b[31m", true // bytes that are not UTF-8, as attackers send them
	}
	// Logins after failures of their user, address and subnet.
	for i := 100; i < len(cs); i += 97 {
		c := *cs[i]
		c.Logins, c.Failed, c.FailureLines, c.PID = 1, 0, 0, c.PID+100_000
		c.Start, c.End = c.End.Add(time.Minute), c.End.Add(2*time.Minute)
		cs = append(cs, &c)
	}
	id, err := s.BeginImport(ctx, start)
	if err != nil {
		t.Fatal(err)
	}
	h.Write(t, s, id, cs)
	if err := s.FinishImport(ctx, id, start, nil); err != nil {
		t.Fatal(err)
	}
	Locate(t, s)
	keep := func() {
		t.Helper()
		if err := s.KeepResults(ctx, knocks.Filter{}, keptOptions); err != nil {
			t.Fatal(err)
		}
	}
	if checkKept(t, s, h, "before any is kept") {
		t.Fatal("a summary is kept before KeepResults")
	}
	keep()
	if !checkKept(t, s, h, "kept") {
		t.Fatal("the results of KeepResults are not kept")
	}

	// Alerts marked as shown are not new, kept or not.
	as, err := s.Alerts(ctx, knocks.AlertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.MarkAlerts(ctx, as[:len(as)/2]); err != nil {
		t.Fatal(err)
	}
	if !checkKept(t, s, h, "after alerts were marked") {
		t.Fatal("marking alerts took the kept results away")
	}
	if got, err := s.Alerts(ctx, knocks.AlertOptions{}); err != nil || got[0].New || !got[len(got)-1].New {
		t.Errorf("kept alerts after half were marked: first new %v, last new %v (%v)", got[0].New, got[len(got)-1].New, err)
	}

	// An import that stores nothing new (a file read again) leaves them.
	n := h.Changes(t, s)
	if id, err = s.BeginImport(ctx, start); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishImport(ctx, id, start, []knocks.InputStats{{Name: "auth.log", Lines: 10}}); err != nil {
		t.Fatal(err)
	}
	if got := h.Changes(t, s); got != n || !checkKept(t, s, h, "after an import of nothing") {
		t.Errorf("an import of nothing moved the changes from %d to %d, or took the kept results away", n, got)
	}

	// Reports read what was kept: a result changed by hand shows.
	if err := h.Exec(s, h.SetKeptAttempts); err != nil {
		t.Fatal(err)
	}
	if sum, err := s.Summary(ctx, knocks.Filter{Top: 10}); err != nil || sum.Attempts != 424242 {
		t.Fatalf("after the kept summary was changed by hand: %v attempts, %v; want 424242", sum.Attempts, err)
	}
	// With nothing changed, KeepResults finds nothing again (an import of
	// a file read before costs next to nothing).
	keep()
	if sum, err := s.Summary(ctx, knocks.Filter{Top: 10}); err != nil || sum.Attempts != 424242 {
		t.Fatalf("KeepResults with nothing changed found the results again: %v attempts, %v", sum.Attempts, err)
	}
	// Results that cannot be read are found again.
	if err := h.Exec(s, h.SpoilKept); err != nil {
		t.Fatal(err)
	}
	if checkKept(t, s, h, "kept results that cannot be read") {
		t.Error("a summary that cannot be read reads as kept")
	}

	more := Generate(300, 22, start.Add(40*24*time.Hour))
	type change struct {
		name string
		do   func() error
	}
	var changes []change
	for _, c := range h.ByHand {
		changes = append(changes, change{c.Name, func() error { return h.Exec(s, c.SQL) }})
	}
	changes = append(changes,
		change{"an import", func() error {
			id, err := s.BeginImport(ctx, start)
			if err != nil {
				return err
			}
			if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: more}); err != nil {
				return err
			}
			Locate(t, s)
			return s.FinishImport(ctx, id, start, nil)
		}},
		change{"a ban imported without a checkpoint (fail2ban's database)", func() error {
			id, err := s.BeginImport(ctx, start)
			if err != nil {
				return err
			}
			return s.Write(ctx, &knocks.Batch{ImportID: id, Fail2ban: []knocks.Fail2banEvent{
				{Time: cs[200].End.Add(time.Minute), Kind: knocks.KindF2BBan, Host: cs[200].Host, Jail: "sshd", IP: cs[200].IP, BanTime: -1, BanCount: 3}}})
		}},
		change{"a restored ban (fail2ban started again)", func() error {
			id, err := s.BeginImport(ctx, start)
			if err != nil {
				return err
			}
			return s.Write(ctx, &knocks.Batch{ImportID: id, Fail2ban: []knocks.Fail2banEvent{
				{Time: cs[210].Start.Add(-time.Minute), Kind: knocks.KindF2BRestore, Host: cs[210].Host, Jail: "sshd", IP: cs[210].IP}}})
		}},
		change{"a prune", func() error {
			_, err := s.Prune(ctx, start.Add(5*24*time.Hour))
			return err
		}})
	for _, c := range changes {
		keep()
		if !checkKept(t, s, h, "before "+c.name) {
			t.Fatalf("before %s: the results are not kept", c.name)
		}
		if err := c.do(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if checkKept(t, s, h, "after "+c.name) {
			t.Errorf("after %s: the kept results are still read", c.name)
		}
	}
	keep()
	if !checkKept(t, s, h, "kept again") {
		t.Error("the results are not kept again")
	}
}
