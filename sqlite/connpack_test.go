package sqlite_test

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"knocks"
	"knocks/sqlite"
	"knocks/storetest"
)

// packCount returns the rows of conn_packs and of connection_spans.
func packCount(t *testing.T, s *sqlite.EventStore) (packs, spans int) {
	t.Helper()
	if err := s.DB().QueryRow("SELECT (SELECT COUNT(*) FROM conn_packs), (SELECT COUNT(*) FROM connection_spans)").Scan(&packs, &spans); err != nil {
		t.Fatal(err)
	}
	return packs, spans
}

// checkPacks compares what the readers of connections see through the
// packs with what they see reading every row: the records themselves, the
// alerts, and the campaigns of some filters.
func checkPacks(t *testing.T, s *sqlite.EventStore, start time.Time, when string) {
	t.Helper()
	ctx := context.Background()
	type seen struct {
		recs      []string
		alerts    []knocks.Alert
		campaigns map[string]*knocks.Campaigns
	}
	look := func() seen {
		var v seen
		var err error
		if v.recs, err = sqlite.PackRecords(ctx, s); err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if v.alerts, err = s.Alerts(ctx, knocks.AlertOptions{ManyFailures: 3}); err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		v.campaigns = map[string]*knocks.Campaigns{}
		for name, f := range map[string]knocks.Filter{
			"all":   {Top: 1000},
			"host":  {Host: "web1", Top: 1000},
			"since": {Since: start.Add(5*24*time.Hour + 13*time.Second), Until: start.Add(20 * 24 * time.Hour), Top: 1000},
			"user":  {User: "root", Top: 1000},
		} {
			if v.campaigns[name], err = knocks.FindCampaigns(ctx, s, f, knocks.CampaignOptions{MinAttempts: 5, MinIPs: 3}); err != nil {
				t.Fatalf("%s, %s: %v", when, name, err)
			}
		}
		return v
	}
	got := look()
	restore := sqlite.SetPacks(false)
	want := look()
	restore()
	if len(want.recs) == 0 || len(want.alerts) == 0 || len(want.campaigns["all"].List) == 0 {
		t.Fatalf("%s: %d records, %d alerts, %d campaigns: the test checks nothing", when, len(want.recs), len(want.alerts), len(want.campaigns["all"].List))
	}
	if !slices.Equal(got.recs, want.recs) {
		for i := range min(len(got.recs), len(want.recs)) {
			if got.recs[i] != want.recs[i] {
				t.Errorf("%s: record %d: through the packs %s, in the rows %s", when, i, got.recs[i], want.recs[i])
				break
			}
		}
		t.Fatalf("%s: %d records through the packs, %d in the rows", when, len(got.recs), len(want.recs))
	}
	if !reflect.DeepEqual(got.alerts, want.alerts) {
		t.Errorf("%s: alerts through the packs\n%+v\nin the rows\n%+v", when, got.alerts, want.alerts)
	}
	for name, w := range want.campaigns {
		if !reflect.DeepEqual(got.campaigns[name], w) {
			t.Errorf("%s, %s: campaigns through the packs\n%+v\nin the rows\n%+v", when, name, got.campaigns[name], w)
		}
	}
}

// TestPacksMatchRows writes realistic connections in batches, with
// connections that a later batch extends (as an import does when a
// connection spans two of its commits), and checks that alerts and
// campaigns through the packs equal those that read every row: while the
// import runs, after it, after rows changed by hand (which take their
// packs away), after a pack made unreadable, and after a prune and the
// import after it (which makes the missing packs again).
func TestPacksMatchRows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "knocks.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	cs := storetest.Generate(9000, 11, start)
	// No logins in the rows of one span (ids 2049 to 4096: the rows get
	// the ids of their order): its pack has none, which alerts skip.
	for _, c := range cs[2048:4096] {
		if c.Logins > 0 {
			c.Logins, c.ScanLines = 0, c.ScanLines+1
		}
	}
	id, err := s.BeginImport(ctx, start)
	if err != nil {
		t.Fatal(err)
	}
	// Batches of 700, then of 2,500 (a span of connection_spans holds at
	// most 2048 rows: such a batch fills one and makes another); every 5th
	// connection of a batch is first written in part, and whole by the
	// next batch.
	size := func(i int) int {
		if i >= 4200 {
			return 2500
		}
		return 700
	}
	writeExtended(t, s, id, cs, size, 5, 2, func(i int) {
		if i == 2100 {
			locate(t, s)
			checkPacks(t, s, start, "halfway")
		}
	})
	if err := s.FinishImport(ctx, id, start, nil); err != nil {
		t.Fatal(err)
	}
	locate(t, s)
	// The batches of the import grow its last span up to 2,048 rows.
	if packs, spans := packCount(t, s); packs != spans || spans != (len(cs)+2047)/2048 {
		t.Errorf("after the import: %d packs for %d spans, want %d", packs, spans, (len(cs)+2047)/2048)
	}
	var with, without int
	if err := s.DB().QueryRow("SELECT COUNT(*) FILTER (WHERE logins > 0), COUNT(*) FILTER (WHERE logins = 0) FROM conn_packs").Scan(&with, &without); err != nil {
		t.Fatal(err)
	}
	if with == 0 || without == 0 {
		t.Errorf("%d packs with logins, %d without: the test reads only one kind", with, without)
	}
	checkPacks(t, s, start, "after the import")

	// Rows changed by hand: their packs go, the others stay.
	if _, err := s.DB().Exec(`UPDATE connections SET failed = failed + 3, username = 'root' WHERE id IN (5, 3000)`); err != nil {
		t.Fatal(err)
	}
	if packs, spans := packCount(t, s); packs != spans-2 {
		t.Errorf("after two rows of two spans changed by hand: %d packs for %d spans, want %d", packs, spans, spans-2)
	}
	checkPacks(t, s, start, "after rows changed by hand")
	// A pack that cannot be read is read from the rows, its logins too.
	if _, err := s.DB().Exec(`UPDATE conn_packs SET data = substr(data, 1, length(data) - 3) WHERE first_id = (SELECT MAX(first_id) FROM conn_packs);
		UPDATE conn_packs SET login_data = substr(login_data, 1, length(login_data) - 2) WHERE first_id = (SELECT MIN(first_id) FROM conn_packs WHERE logins > 0)`); err != nil {
		t.Fatal(err)
	}
	checkPacks(t, s, start, "after a pack was cut short")

	if _, err := s.Prune(ctx, start.Add(10*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	checkPacks(t, s, start, "after a prune")
	// The next import makes the missing packs.
	id, err = s.BeginImport(ctx, start)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishImport(ctx, id, start, nil); err != nil {
		t.Fatal(err)
	}
	if packs, spans := packCount(t, s); packs != spans {
		t.Errorf("after the next import: %d packs for %d spans", packs, spans)
	}
	checkPacks(t, s, start, "after the next import")
}

// TestSpansGrowWithinAnImport writes connections a few at a time, as
// knocks watch commits them every second: the writes of one import fill
// one span (and its pack), the next import begins a span of its own, and
// the packs still hold exactly the rows.
func TestSpansGrowWithinAnImport(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "knocks.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	cs := storetest.Generate(600, 12, start)
	for k, part := range [][]*knocks.Connection{cs[:300], cs[300:]} {
		id, err := s.BeginImport(ctx, start)
		if err != nil {
			t.Fatal(err)
		}
		writeExtended(t, s, id, part, func(int) int { return 3 }, 4, 1, func(int) {})
		if packs, spans := packCount(t, s); packs != k+1 || spans != k+1 {
			t.Errorf("after import %d of 100 writes: %d packs, %d spans, want %d", k+1, packs, spans, k+1)
		}
	}
	checkPacks(t, s, start, "after two imports")
}
