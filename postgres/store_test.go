package postgres_test

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"knocks"
	"knocks/internal/pgtest"
	"knocks/postgres"
	"knocks/storetest"
)

// open opens a store on a new database of the test server.
func open(t *testing.T, hostID string) *postgres.EventStore {
	t.Helper()
	s, err := postgres.Open(context.Background(), pgtest.DB(t), hostID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestStore runs the store-neutral conformance suite against PostgreSQL.
func TestStore(t *testing.T) {
	pgtest.Server(t)
	storetest.TestStore(t, func(t *testing.T) knocks.EventStore { return open(t, "test-host") })
}

// openAs opens a second store on the database of s as another host id.
func openAs(t *testing.T, dsn, hostID string) *postgres.EventStore {
	t.Helper()
	s, err := postgres.Open(context.Background(), dsn, hostID)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestHosts checks that the inputs, checkpoints, journal cursors and
// importer's locks of two hosts are their own, and that a report counts
// both.
func TestHosts(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DB(t)
	a, b := openAs(t, dsn, "gw-a"), openAs(t, dsn, "gw-b")
	t0 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	conn := func(host string, pid int) *knocks.Connection {
		return &knocks.Connection{Host: host, PID: pid, Start: t0, End: t0.Add(time.Minute), IP: netip.MustParseAddr("203.0.113.5"),
			User: "root", HasUser: true, Method: "password", Failed: 2, FailureLines: 2}
	}
	// The same file (the same first line and content) on both hosts: a
	// new input for each.
	cp := func() *knocks.Checkpoint {
		return &knocks.Checkpoint{Fingerprint: "f00d", Name: "/var/log/auth.log", Offset: 100, Lines: 10, Sum: "1:1", New: true}
	}
	cur := knocks.CursorUpdate{Cursor: knocks.Cursor{SeqnumID: "abc", Seqnum: 5, Text: "s=abc;i=5"}}
	if err := a.Write(ctx, &knocks.Batch{Connections: []*knocks.Connection{conn("a", 1)}, Checkpoint: cp(), Cursors: []knocks.CursorUpdate{cur}}); err != nil {
		t.Fatal(err)
	}
	if cps, err := b.Checkpoints(ctx, "f00d"); err != nil || len(cps) != 0 {
		t.Fatalf("host b sees host a's checkpoints: %v, %v", cps, err)
	}
	if cs, err := b.JournalCursors(ctx); err != nil || len(cs) != 0 {
		t.Fatalf("host b sees host a's journal cursors: %v, %v", cs, err)
	}
	if cs, err := b.RecentConnections(ctx, t0, t0.Add(time.Hour)); err != nil || len(cs) != 0 {
		t.Fatalf("host b would extend host a's connections: %v, %v", cs, err)
	}
	if err := b.Write(ctx, &knocks.Batch{Connections: []*knocks.Connection{conn("b", 1)}, Checkpoint: cp(), Cursors: []knocks.CursorUpdate{cur}}); err != nil {
		t.Fatalf("host b's first import of the same input: %v", err)
	}
	for _, s := range []*postgres.EventStore{a, b} {
		cps, err := s.Checkpoints(ctx, "f00d")
		if err != nil || len(cps) != 1 {
			t.Errorf("%s: checkpoints %v, %v; want its own one", s.HostID(), cps, err)
		}
		cs, err := s.RecentConnections(ctx, t0, t0.Add(time.Hour))
		if err != nil || len(cs) != 1 {
			t.Errorf("%s: recent connections %v, %v; want its own one", s.HostID(), cs, err)
		}
	}
	sum, err := a.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Attempts != 4 || sum.Connections != 2 || sum.LinesRead != 20 || len(sum.TopHosts) != 2 {
		t.Errorf("summary of both hosts: %d attempts, %d connections, %d lines, hosts %v; want 4, 2, 20 and both", sum.Attempts, sum.Connections, sum.LinesRead, sum.TopHosts)
	}

	// The importer's lock is per host: b imports while a holds a's lock; a
	// second importer of a fails at once.
	unlock, err := a.LockImport(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	unlockB, err := b.LockImport(ctx, false)
	if err != nil {
		t.Fatalf("host b waits for host a's lock: %v", err)
	}
	unlockB()
	a2 := openAs(t, dsn, "gw-a")
	if _, err := a2.LockImport(ctx, false); knocks.ErrorCode(err) != knocks.ECONFLICT || !strings.Contains(knocks.ErrorMessage(err), "pid") {
		t.Errorf("second importer of host a: %v, want ECONFLICT naming the holder's pid", err)
	}
	unlock()
	if u, err := a2.LockImport(ctx, false); err != nil {
		t.Errorf("lock after its release: %v", err)
	} else {
		u()
	}
}

// TestConcurrentWriters has importers of one host write the same lines
// at once, as two imports of the same file do, and importers of other
// hosts write beside them: of each host's writers exactly one stores the
// lines, the others get ECONFLICT and store nothing, and no host waits for
// another's input.
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DB(t)
	t0 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	const hosts, writers, conns = 3, 4, 200
	var stores [hosts][writers]*postgres.EventStore
	for h := range hosts {
		for w := range writers {
			stores[h][w] = openAs(t, dsn, fmt.Sprintf("host-%d", h))
		}
	}
	batch := func(h int) *knocks.Batch {
		var cs []*knocks.Connection
		for i := range conns {
			cs = append(cs, &knocks.Connection{Host: fmt.Sprintf("h%d", h), PID: i + 1, Start: t0.Add(time.Duration(i) * time.Second),
				End: t0.Add(time.Duration(i) * time.Second), IP: netip.MustParseAddr("198.51.100.7"), Failed: 1, FailureLines: 1})
		}
		return &knocks.Batch{Connections: cs, Lines: []knocks.LineCount{{Host: fmt.Sprintf("h%d", h), Hour: t0, Lines: conns}},
			Checkpoint: &knocks.Checkpoint{Fingerprint: "beef", Name: "auth.log", Offset: 1000, Lines: conns, Sum: "2:2", New: true}}
	}
	for round := range 2 {
		var wg sync.WaitGroup
		errs := make(chan error, hosts*writers)
		for h := range hosts {
			for w := range writers {
				b := batch(h)
				if round == 1 {
					// Both read on from the checkpoint of round 0.
					b.Checkpoint.New, b.Checkpoint.Prev, b.Checkpoint.PrevSum = false, 1000, "2:2"
					b.Checkpoint.Offset, b.Checkpoint.Lines, b.Checkpoint.Sum = 2000, 2*conns, "3:3"
					for _, c := range b.Connections {
						c.Start, c.End = c.Start.Add(time.Hour), c.End.Add(time.Hour)
					}
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- stores[h][w].Write(ctx, b)
				}()
			}
		}
		wg.Wait()
		close(errs)
		ok := 0
		for err := range errs {
			switch knocks.ErrorCode(err) {
			case "":
				ok++
			case knocks.ECONFLICT:
			default:
				t.Errorf("round %d: %v", round, err)
			}
		}
		if ok != hosts {
			t.Errorf("round %d: %d writers stored their batch, want one per host (%d)", round, ok, hosts)
		}
	}
	sum, err := stores[0][0].Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(2 * hosts * conns); sum.Attempts != want || sum.Connections != want {
		t.Errorf("%d attempts in %d connections, want each line once: %d", sum.Attempts, sum.Connections, want)
	}
	if sum.LinesRead != int64(2*hosts*conns) {
		t.Errorf("lines read %d, want %d", sum.LinesRead, 2*hosts*conns)
	}
	if sum, err := stores[0][0].Summary(ctx, knocks.Filter{Host: "h1"}); err != nil || sum.Lines == nil || *sum.Lines != 2*conns {
		t.Errorf("lines of host h1: %v, %v; want %d (each batch's line counts once)", ptr(sum), err, 2*conns)
	}
}

// ptr returns the lines of a summary for a message.
func ptr(s *knocks.Summary) any {
	if s == nil || s.Lines == nil {
		return nil
	}
	return *s.Lines
}

// TestGeneration checks that the change counter that `knocks serve` polls
// moves with every write of any host, and not with reads.
func TestGeneration(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DB(t)
	a, b := openAs(t, dsn, "gw-a"), openAs(t, dsn, "gw-b")
	gen := func() int64 {
		t.Helper()
		n, err := a.Generation(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	g0 := gen()
	t0 := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	c := &knocks.Connection{Host: "b", PID: 1, Start: t0, End: t0, IP: netip.MustParseAddr("203.0.113.5"), Failed: 1, FailureLines: 1}
	if err := b.Write(ctx, &knocks.Batch{Connections: []*knocks.Connection{c}}); err != nil {
		t.Fatal(err)
	}
	g1 := gen()
	if g1 == g0 {
		t.Errorf("generation %d did not move with another host's write", g1)
	}
	if _, err := a.Summary(ctx, knocks.Filter{}); err != nil {
		t.Fatal(err)
	}
	if g := gen(); g != g1 {
		t.Errorf("generation moved from %d to %d with a read", g1, g)
	}
	if err := a.SaveLocations(ctx, map[netip.Addr]knocks.Location{c.IP: {Country: "DE"}}, "test"); err != nil {
		t.Fatal(err)
	}
	if g := gen(); g == g1 {
		t.Errorf("generation %d did not move with new locations", g)
	}
}
