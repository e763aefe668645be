package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"knocks"
	"knocks/sqlite"
	"knocks/storetest"
)

// results are what a report reads from every connection.
type results struct {
	sum       *knocks.Summary
	alerts    []knocks.Alert
	latest    []knocks.Alert
	found     int64
	campaigns *knocks.Campaigns
}

var keptCampaignOptions = knocks.CampaignOptions{MinAttempts: 5, MinIPs: 3}

// look reads the results of a report without filters.
func look(t *testing.T, s *sqlite.EventStore, when string) results {
	t.Helper()
	ctx := context.Background()
	var r results
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
	if r.campaigns, err = knocks.FindCampaigns(ctx, s, knocks.Filter{}, keptCampaignOptions); err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	return r
}

// checkKept compares the results read with those found from the
// connections, and reports whether they were read from what was kept.
func checkKept(t *testing.T, s *sqlite.EventStore, when string) (kept bool) {
	t.Helper()
	ctx := context.Background()
	got := look(t, s, when)
	restore := sqlite.SetKept(false)
	want := look(t, s, when)
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
	kept, err := sqlite.KeptSummary(ctx, s, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return kept
}

// keptChanges returns the count of kept_changes.
func keptChanges(t *testing.T, s *sqlite.EventStore) int64 {
	t.Helper()
	var n int64
	if err := s.DB().QueryRow("SELECT n FROM kept_changes").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestKeptResults keeps the results of a report without filters and
// checks that reports read them, equal to those found from the
// connections, and that every kind of change to the store makes them
// stale (reports then find them again) until they are kept again.
func TestKeptResults(t *testing.T) {
	for _, together := range []bool{true, false} {
		t.Run(fmt.Sprintf("together=%v", together), func(t *testing.T) {
			defer sqlite.SetKeepTogether(together)()
			testKeptResults(t)
		})
	}
}

func testKeptResults(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "knocks.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	cs := storetest.Generate(6000, 21, start)
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
	writeExtended(t, s, id, cs, func(int) int { return 900 }, 7, 3, func(int) {})
	if err := s.FinishImport(ctx, id, start, nil); err != nil {
		t.Fatal(err)
	}
	locate(t, s)
	keep := func() {
		t.Helper()
		if err := s.KeepResults(ctx, knocks.Filter{}, keptCampaignOptions); err != nil {
			t.Fatal(err)
		}
	}
	if checkKept(t, s, "before any is kept") {
		t.Fatal("a summary is kept before KeepResults")
	}
	keep()
	if !checkKept(t, s, "kept") {
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
	if !checkKept(t, s, "after alerts were marked") {
		t.Fatal("marking alerts took the kept results away")
	}
	if got, err := s.Alerts(ctx, knocks.AlertOptions{}); err != nil || got[0].New || !got[len(got)-1].New {
		t.Errorf("kept alerts after half were marked: first new %v, last new %v (%v)", got[0].New, got[len(got)-1].New, err)
	}

	// An import that stores nothing new (a file read again) leaves them.
	n := keptChanges(t, s)
	id, err = s.BeginImport(ctx, start)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishImport(ctx, id, start, nil); err != nil {
		t.Fatal(err)
	}
	if got := keptChanges(t, s); got != n || !checkKept(t, s, "after an import of nothing") {
		t.Errorf("an import of nothing moved kept_changes from %d to %d, or took the kept results away", n, got)
	}

	// Reports read what was kept: a result changed by hand shows.
	if _, err := s.DB().Exec(`UPDATE kept_results SET data = json_set(data, '$.attempts', 424242) WHERE key LIKE 'summary %'`); err != nil {
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
	if _, err := s.DB().Exec(`UPDATE kept_results SET data = 'not json'`); err != nil {
		t.Fatal(err)
	}
	if checkKept(t, s, "kept results that are not JSON") {
		t.Error("a summary that is not JSON reads as kept")
	}

	more := storetest.Generate(300, 22, start.Add(40*24*time.Hour))
	for _, change := range []struct {
		name string
		do   func() error
	}{
		{"a connection changed by hand", func() error {
			_, err := s.DB().Exec(`UPDATE connections SET failed = failed + 5, username = 'root' WHERE id = 17`)
			return err
		}},
		{"a connection deleted by hand", func() error {
			_, err := s.DB().Exec(`DELETE FROM connections WHERE id = (SELECT MIN(id) FROM connections WHERE failed > 0 AND id > 100)`)
			return err
		}},
		{"a connection inserted by hand", func() error {
			_, err := s.DB().Exec(`INSERT INTO connections (id, host, pid, start_time, end_time, ip, rhost, port, username, invalid_user, method,
				failed, failure_lines, scan_lines, logins, subnet, import_id, attempts, failure, scan, hostile_lines)
				SELECT (SELECT MAX(id) + 1 FROM connections), host, pid, start_time, end_time, ip, rhost, port, 'nobody', invalid_user, method,
				failed, failure_lines, scan_lines, logins, subnet, import_id, attempts, failure, scan, hostile_lines FROM connections WHERE attempts > 0 ORDER BY id LIMIT 1`)
			return err
		}},
		{"a location changed", func() error {
			_, err := s.DB().Exec(`UPDATE ip_geo SET country = 'FR', asn = 64999 WHERE ip = (SELECT ip FROM ip_geo ORDER BY ip LIMIT 1)`)
			return err
		}},
		{"an import", func() error {
			id, err := s.BeginImport(ctx, start)
			if err != nil {
				return err
			}
			if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: more}); err != nil {
				return err
			}
			locate(t, s)
			return s.FinishImport(ctx, id, start, nil)
		}},
		{"a ban imported without a checkpoint (fail2ban's database)", func() error {
			id, err := s.BeginImport(ctx, start)
			if err != nil {
				return err
			}
			ip := cs[200].IP
			return s.Write(ctx, &knocks.Batch{ImportID: id, Fail2ban: []knocks.Fail2banEvent{
				{Time: cs[200].End.Add(time.Minute), Kind: knocks.KindF2BBan, Host: cs[200].Host, Jail: "sshd", IP: ip, BanTime: -1, BanCount: 3}}})
		}},
		{"a prune", func() error {
			_, err := s.Prune(ctx, start.Add(5*24*time.Hour))
			return err
		}},
	} {
		keep()
		if !checkKept(t, s, "before "+change.name) {
			t.Fatalf("before %s: the results are not kept", change.name)
		}
		if err := change.do(); err != nil {
			t.Fatalf("%s: %v", change.name, err)
		}
		if checkKept(t, s, "after "+change.name) {
			t.Errorf("after %s: the kept results are still read", change.name)
		}
	}
	keep()
	if !checkKept(t, s, "kept again") {
		t.Error("the results are not kept again")
	}
}
