package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"knocks"
	"knocks/internal/pgtest"
	"knocks/postgres"
	"knocks/storetest"
)

// keptChanges returns the mark of kept results: the sum of
// generations.kept.
func keptChanges(t *testing.T, s *postgres.EventStore) int64 {
	t.Helper()
	var n int64
	if err := s.Pool().QueryRow(context.Background(), "SELECT COALESCE(SUM(kept), 0)::bigint FROM generations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// keptHooks are the PostgreSQL side of storetest.TestKept.
var keptHooks = storetest.KeptHooks{
	SetKept: postgres.SetKept,
	IsKept: func(ctx context.Context, s storetest.Keeper) (bool, error) {
		return postgres.KeptSummary(ctx, s.(*postgres.EventStore), knocks.Filter{})
	},
	Write: func(t *testing.T, s storetest.Keeper, id int64, cs []*knocks.Connection) {
		for i := 0; i < len(cs); i += 900 {
			if err := s.Write(context.Background(), &knocks.Batch{ImportID: id, Connections: cs[i:min(i+900, len(cs))]}); err != nil {
				t.Fatal(err)
			}
		}
	},
	// By hand: on a connection of its own, without the host id that
	// knocks gives its connections.
	Exec: func(s storetest.Keeper, q string) error {
		ctx := context.Background()
		conn, err := pgx.ConnectConfig(ctx, s.(*postgres.EventStore).Pool().Config().ConnConfig.Copy())
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, q)
		return err
	},
	Changes: func(t *testing.T, s storetest.Keeper) int64 { return keptChanges(t, s.(*postgres.EventStore)) },
	SetKeptAttempts: `UPDATE kept_results SET data = convert_to(regexp_replace(convert_from(data, 'UTF8'), '"attempts":[0-9]+', '"attempts":424242'), 'UTF8')
		WHERE key LIKE 'summary %'`,
	SpoilKept: `UPDATE kept_results SET data = 'not json'`,
	ByHand: []storetest.Change{
		{Name: "a connection changed by hand", SQL: `UPDATE connections SET failed = failed + 5, attempts = attempts + 5, username = 'root'
			WHERE id = (SELECT MIN(id) FROM connections WHERE failed > 0)`},
		{Name: "a connection deleted by hand", SQL: `DELETE FROM connections WHERE id = (SELECT MIN(id) FROM connections WHERE failed > 0 AND id > 100)`},
		{Name: "a connection inserted by hand", SQL: `INSERT INTO connections SELECT nextval('connections_id'), host_id, host, pid, start_time, end_time, ip,
			rhost, port, 'nobody', invalid_user, method, failed, failure_lines, scan_lines, logins, subnet, subnet48, import_id, attempts,
			is_failure, is_scan, hostile_lines, has_event FROM connections WHERE attempts > 0 ORDER BY id LIMIT 1`},
		{Name: "a location changed", SQL: `UPDATE ip_geo SET country = 'FR', asn = 64999 WHERE ip = (SELECT ip FROM ip_geo ORDER BY ip LIMIT 1)`},
		{Name: "line counts deleted by hand", SQL: `DELETE FROM line_counts`},
	},
}

// TestKept runs the store-neutral test of kept results against
// PostgreSQL.
func TestKept(t *testing.T) {
	pgtest.Server(t)
	for _, together := range []bool{true, false} {
		t.Run(fmt.Sprintf("together=%v", together), func(t *testing.T) {
			defer postgres.SetKeepTogether(together)()
			storetest.TestKept(t, func(t *testing.T) storetest.Keeper { return open(t, "test-host") }, keptHooks)
		})
	}
}

// keeping is a store whose summaries are kept first, then read from
// kept_results.
type keeping struct {
	*postgres.EventStore
}

func (s keeping) Summary(ctx context.Context, f knocks.Filter) (*knocks.Summary, error) {
	if !f.SelectsAll() {
		return s.EventStore.Summary(ctx, f)
	}
	if err := s.KeepResults(ctx, f, knocks.CampaignOptions{}); err != nil {
		return nil, err
	}
	if ok, err := postgres.KeptSummary(ctx, s.EventStore, f); err != nil || !ok {
		return nil, fmt.Errorf("the summary of %+v is not kept (%v)", f, err)
	}
	return s.EventStore.Summary(ctx, f)
}

// TestStoreKept runs the conformance suite with every summary of a report
// without filters kept first, then read from kept_results: what is kept
// is the summary itself, user names that are not UTF-8 included.
func TestStoreKept(t *testing.T) {
	pgtest.Server(t)
	storetest.TestStore(t, func(t *testing.T) knocks.EventStore { return keeping{open(t, "test-host")} })
}

// TestKeptHosts checks that a write of another host id makes the kept
// results stale, that knocks' writes move only their own host's
// generation, and that a write by hand moves the generation of no host
// (”).
func TestKeptHosts(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DB(t)
	a, b := openAs(t, dsn, "host-a"), openAs(t, dsn, "host-b")
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	write := func(s *postgres.EventStore, cs []*knocks.Connection) {
		t.Helper()
		id, err := s.BeginImport(ctx, start)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: cs}); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishImport(ctx, id, start, nil); err != nil {
			t.Fatal(err)
		}
	}
	kept := func(s *postgres.EventStore) bool {
		t.Helper()
		ok, err := postgres.KeptSummary(ctx, s, knocks.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	gens := func() map[string]int64 {
		t.Helper()
		rows, err := a.Pool().Query(ctx, "SELECT host_id, kept FROM generations")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]int64{}
		for rows.Next() {
			var h string
			var n int64
			if err := rows.Scan(&h, &n); err != nil {
				t.Fatal(err)
			}
			m[h] = n
		}
		return m
	}
	write(a, storetest.Generate(500, 31, start))
	if err := a.KeepResults(ctx, knocks.Filter{}, knocks.CampaignOptions{}); err != nil {
		t.Fatal(err)
	}
	if !kept(a) || !kept(b) {
		t.Fatal("the results that host-a kept are not read")
	}
	g := gens()
	if g["host-a"] == 0 || g["host-b"] != 0 || len(g) != 1 {
		t.Errorf("after host-a's import, generations.kept = %v; want host-a's alone", g)
	}
	write(b, storetest.Generate(50, 32, start.Add(time.Hour)))
	if kept(a) {
		t.Error("host-b's import left host-a's kept results fresh")
	}
	if g := gens(); g["host-b"] == 0 || g[""] != 0 {
		t.Errorf("after host-b's import, generations.kept = %v", g)
	}
	if err := b.KeepResults(ctx, knocks.Filter{}, knocks.CampaignOptions{}); err != nil {
		t.Fatal(err)
	}
	if !kept(a) {
		t.Fatal("the results kept again are not read")
	}
	if err := keptHooks.Exec(a, `UPDATE penalty_events SET count = count`); err != nil {
		t.Fatal(err)
	}
	if kept(a) {
		t.Error("a write by hand left the kept results fresh")
	}
	if g := gens(); g[""] != 1 {
		t.Errorf("after a write by hand, generations.kept = %v; want 1 for ''", g)
	}
}

// TestKeptReadOnlyUser reads a database as a user that may only read it
// (a report user of a fleet): KeepResults keeps nothing and fails not, and
// reports are found from the connections, as the writer's are.
func TestKeptReadOnlyUser(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DB(t)
	w := openAs(t, dsn, "host-a")
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	id, err := w.BeginImport(ctx, start)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ctx, &knocks.Batch{ImportID: id, Connections: storetest.Generate(500, 33, start)}); err != nil {
		t.Fatal(err)
	}
	role := fmt.Sprintf("knocks_reader_%d", time.Now().UnixNano())
	for _, q := range []string{"CREATE ROLE " + role + " LOGIN", "GRANT USAGE ON SCHEMA public TO " + role,
		"GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + role} {
		if _, err := w.Pool().Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		w.Pool().Exec(context.Background(), "DROP OWNED BY "+role)
		w.Pool().Exec(context.Background(), "DROP ROLE "+role)
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(role)
	r := openAs(t, u.String(), "reader")
	if err := r.KeepResults(ctx, knocks.Filter{}, knocks.CampaignOptions{}); err != nil {
		t.Fatalf("KeepResults as a user that may only read: %v", err)
	}
	if ok, err := postgres.KeptSummary(ctx, r, knocks.Filter{}); err != nil || ok {
		t.Fatalf("a summary is kept by a user that may only read (%v)", err)
	}
	if _, ok, err := r.KeptReport(ctx, knocks.Filter{}, nil, 10); err != nil || ok {
		t.Fatalf("a kept report is read (%v)", err)
	}
	got, err := r.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := w.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	got.Generated, want.Generated = time.Time{}, time.Time{}
	if want.Attempts == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("the reader's summary\n%+v\nthe writer's\n%+v", got, want)
	}
	// The whole report, found by a reader that may not keep it, is the
	// one read from what the writer keeps.
	o := &knocks.CampaignOptions{MinAttempts: 5, MinIPs: 3}
	report, err := r.FindReport(ctx, knocks.Filter{}, o, 3)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := postgres.KeptSummary(ctx, r, knocks.Filter{}); ok {
		t.Fatal("FindReport kept a summary as a user that may only read")
	}
	if err := w.KeepResults(ctx, knocks.Filter{}, *o); err != nil {
		t.Fatal(err)
	}
	kept, ok, err := w.KeptReport(ctx, knocks.Filter{}, o, 3)
	if err != nil || !ok {
		t.Fatalf("the writer's report is not kept (%v)", err)
	}
	report.Generated, kept.Generated = time.Time{}, time.Time{}
	if len(kept.Campaigns) == 0 || !reflect.DeepEqual(report, kept) {
		t.Errorf("the report found\n%+v\nthe one kept\n%+v", report, kept)
	}
}

// TestKeepWhileAnotherHostWrites keeps results while another host's
// importer writes: whenever a kept summary is read as fresh, it is the one
// found from the connections at that time.
func TestKeepWhileAnotherHostWrites(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DB(t)
	a, b := openAs(t, dsn, "host-a"), openAs(t, dsn, "host-b")
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	id, err := a.BeginImport(ctx, start)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Write(ctx, &knocks.Batch{ImportID: id, Connections: storetest.Generate(2000, 34, start)}); err != nil {
		t.Fatal(err)
	}
	check := func(when string) bool {
		t.Helper()
		// The kept summary and the one found, from one state: nothing is
		// written between the two reads here.
		kept, err := postgres.KeptSummary(ctx, a, knocks.Filter{})
		if err != nil || !kept {
			return false
		}
		got, err := a.Summary(ctx, knocks.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		restore := postgres.SetKept(false)
		want, err := a.Summary(ctx, knocks.Filter{})
		restore()
		if err != nil {
			t.Fatal(err)
		}
		got.Generated, want.Generated = time.Time{}, time.Time{}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the kept summary (%d attempts) is not the one found (%d)", when, got.Attempts, want.Attempts)
		}
		return true
	}
	done := make(chan error)
	go func() {
		id, err := b.BeginImport(ctx, start)
		for i := 0; i < 8 && err == nil; i++ {
			err = b.Write(ctx, &knocks.Batch{ImportID: id, Connections: storetest.Generate(150, uint64(40+i), start.Add(time.Duration(i)*time.Hour))})
		}
		done <- err
	}()
	writing := true
	for writing {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			writing = false
		default:
		}
		if err := a.KeepResults(ctx, knocks.Filter{}, knocks.CampaignOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// The writes are over: what was kept last may be stale, never wrong.
	check("after the other host's writes")
	if err := a.KeepResults(ctx, knocks.Filter{}, knocks.CampaignOptions{}); err != nil {
		t.Fatal(err)
	}
	if !check("kept again") {
		t.Error("the results are not kept once the writes are over")
	}
}
