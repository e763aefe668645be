// Package storetest is the conformance suite that every knocks.EventStore
// passes, so that another backend (PostgreSQL) can arrive beside the
// SQLite one and count the same. It also holds the reference model of a
// report (Expected), a realistic dataset (Dataset) and a generator of
// connections for benchmarks (Generate).
//
// It is store-neutral: it imports the knocks package and the standard
// library only, so that every store's tests (sqlite's today) call the same
// suite unchanged, and the reference model is the one independent oracle
// of the counting rules.
package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"knocks"
)

// TestStore runs the conformance suite. open must return a new, empty store
// for each call and close it when the test ends (t.Cleanup). Stores that
// also implement knocks.GeoStore are tested with locations too.
//
// Times are compared to the second: a store may drop anything finer.
func TestStore(t *testing.T, open func(t *testing.T) knocks.EventStore) {
	t.Run("Empty", func(t *testing.T) { testEmpty(t, open(t)) })
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, open(t)) })
	t.Run("Update", func(t *testing.T) { testUpdate(t, open(t)) })
	t.Run("Rollback", func(t *testing.T) { testRollback(t, open(t)) })
	t.Run("Checkpoint", func(t *testing.T) { testCheckpoint(t, open(t)) })
	t.Run("Cursors", func(t *testing.T) { testCursors(t, open(t)) })
	t.Run("CheckpointSwap", func(t *testing.T) { testCheckpointSwap(t, open(t)) })
	t.Run("Imports", func(t *testing.T) { testImports(t, open(t)) })
	t.Run("RecentConnections", func(t *testing.T) { testRecent(t, open(t)) })
	t.Run("Counting", func(t *testing.T) { testCounting(t, open(t)) })
	t.Run("Summary", func(t *testing.T) { testSummary(t, open(t)) })
	t.Run("LineCounts", func(t *testing.T) { testLineCounts(t, open(t)) })
	t.Run("Geo", func(t *testing.T) { testGeo(t, open(t)) })
	t.Run("LocatePending", func(t *testing.T) { testLocatePending(t, open(t)) })
	t.Run("Networks", func(t *testing.T) { testNetworks(t, open(t)) })
	t.Run("Bans", func(t *testing.T) { testBans(t, open(t)) })
	t.Run("Restores", func(t *testing.T) { testRestores(t, open(t)) })
	t.Run("Campaigns", func(t *testing.T) { testCampaigns(t, open(t)) })
	t.Run("World", func(t *testing.T) { testWorld(t, open(t)) })
	t.Run("HasHost", func(t *testing.T) { testHasHost(t, open(t)) })
}

// testHasHost checks that a knocks.HostFinder finds the hosts that Hosts
// lists (of connections, and of fail2ban's events alone), and no other:
// not an unknown one, not one in another case, not the empty name of the
// rows without a host.
func testHasHost(t *testing.T, s knocks.EventStore) {
	hf, ok := s.(knocks.HostFinder)
	if !ok {
		t.Skip("not a knocks.HostFinder")
	}
	ctx := context.Background()
	d := Dataset()
	cs := Clone(d.Connections)
	cs[0].Host = ""
	write(t, s, cs, []knocks.Fail2banEvent{{Time: at(5), Kind: knocks.KindF2BBan, Host: "gate", Jail: "sshd", IP: addr("192.0.2.1")}}, nil)
	hosts, err := s.(interface {
		Hosts(ctx context.Context) ([]string, error)
	}).Hosts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := append(slices.Clone(hosts), "gate", "web9", "", strings.ToUpper(hosts[0]))
	found := 0
	for _, h := range names {
		got, err := hf.HasHost(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		if want := slices.Contains(hosts, h); got != want {
			t.Errorf("HasHost(%q) = %v; Hosts lists %q", h, got, hosts)
		}
		if got {
			found++
		}
	}
	if found < 2 || !slices.Contains(hosts, "gate") {
		t.Errorf("hosts %q: the test checks too little", hosts)
	}
}

func testEmpty(t *testing.T, s knocks.EventStore) {
	ctx := context.Background()
	sum, err := s.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Attempts != 0 || sum.Connections != 0 || !sum.First.IsZero() || len(sum.TopUsers) != 0 || len(sum.PerDay) != 0 {
		t.Errorf("summary of an empty store: %+v", sum)
	}
	if sum.Filter.Top != 10 {
		t.Errorf("Filter.Top = %d, want the default 10", sum.Filter.Top)
	}
	if cps, err := s.Checkpoints(ctx, "0123abcd"); len(cps) != 0 || err != nil {
		t.Errorf("Checkpoints of an unknown input: %v, %v; want none", cps, err)
	}
	cs, err := s.RecentConnections(ctx, time.Unix(0, 0), time.Now())
	if err != nil || len(cs) != 0 {
		t.Errorf("RecentConnections = %v, %v", cs, err)
	}
	if err := s.Write(ctx, &knocks.Batch{}); err != nil {
		t.Errorf("empty batch: %v", err)
	}
}

// write stores cs in one batch of a new import and returns the import id.
func write(t *testing.T, s knocks.EventStore, cs []*knocks.Connection, f2b []knocks.Fail2banEvent, cp *knocks.Checkpoint) int64 {
	t.Helper()
	ctx := context.Background()
	id, err := s.BeginImport(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: cs, Fail2ban: f2b, Checkpoint: cp}); err != nil {
		t.Fatal(err)
	}
	return id
}

// all returns every stored connection of the dataset's period, by ID.
func all(t *testing.T, s knocks.EventStore) map[int64]*knocks.Connection {
	t.Helper()
	cs, err := s.RecentConnections(context.Background(), base.AddDate(-1, 0, 0), base.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	m := map[int64]*knocks.Connection{}
	for _, c := range cs {
		if m[c.ID] != nil {
			t.Errorf("connection %d returned twice", c.ID)
		}
		m[c.ID] = c
	}
	return m
}

// sameConnection reports the differences between a connection as written
// and as read back.
func sameConnection(t *testing.T, got, want *knocks.Connection) {
	t.Helper()
	w := *want
	w.Start, w.End = sec(w.Start), sec(w.End)
	w.IP = w.IP.Unmap()
	w.User = user(&w)
	if !reflect.DeepEqual(*got, w) {
		t.Errorf("connection %d read back as\n %#v\nwant\n %#v", want.ID, *got, w)
	}
}

func testRoundTrip(t *testing.T, s knocks.EventStore) {
	d := Dataset()
	cs := Clone(d.Connections)
	write(t, s, cs, nil, nil)
	ids := map[int64]bool{}
	for _, c := range cs {
		if c.ID <= 0 || ids[c.ID] {
			t.Fatalf("Write set ID %d (duplicate or not positive)", c.ID)
		}
		ids[c.ID] = true
	}
	got := all(t, s)
	if len(got) != len(cs) {
		t.Fatalf("read back %d connections, wrote %d", len(got), len(cs))
	}
	for _, c := range cs {
		g := got[c.ID]
		if g == nil {
			t.Errorf("connection %d not read back", c.ID)
			continue
		}
		sameConnection(t, g, c)
		if c.User == EvilUser && g.User != EvilUser {
			t.Errorf("user name bytes changed: %q, want %q", g.User, EvilUser)
		}
	}
	// A second batch continues the IDs.
	more := Clone(d.Connections[:3])
	for _, c := range more {
		c.ID = 0
	}
	write(t, s, more, nil, nil)
	for _, c := range more {
		if ids[c.ID] || c.ID <= 0 {
			t.Errorf("second batch reused or set a bad ID %d", c.ID)
		}
	}
}

func testUpdate(t *testing.T, s knocks.EventStore) {
	ctx := context.Background()
	c := &knocks.Connection{Host: "web1", PID: 100, Start: at(0), End: at(1), IP: addr("203.0.113.7"), Port: 1234,
		User: "admin", HasUser: true, Invalid: true, FailureLines: 1}
	id := write(t, s, []*knocks.Connection{c}, nil, nil)
	if sum, _ := s.Summary(ctx, knocks.Filter{}); sum.Attempts != 1 {
		t.Fatalf("keys-only probe: %d attempts, want 1", sum.Attempts)
	}
	// The next import extends it: two Failed lines arrive.
	c2 := *c
	c2.End = at(3)
	c2.Failed, c2.FailureLines, c2.Method = 2, 3, "password"
	n := &knocks.Connection{Host: "web1", PID: 101, Start: at(5), End: at(5), IP: addr("203.0.113.8"), ScanLines: 1}
	if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: []*knocks.Connection{&c2, n}}); err != nil {
		t.Fatal(err)
	}
	if c2.ID != c.ID || n.ID == 0 || n.ID == c.ID {
		t.Errorf("IDs after update: %d (was %d), new %d", c2.ID, c.ID, n.ID)
	}
	got := all(t, s)
	if len(got) != 2 {
		t.Fatalf("%d connections after update, want 2", len(got))
	}
	sameConnection(t, got[c.ID], &c2)
	sum, err := s.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Attempts != 2 || sum.Connections != 1 || sum.Scans != 1 || sum.HostileLines != 4 {
		t.Errorf("after update: attempts %d connections %d scans %d hostile lines %d, want 2 1 1 4",
			sum.Attempts, sum.Connections, sum.Scans, sum.HostileLines)
	}
}

func testRollback(t *testing.T, s knocks.EventStore) {
	ctx := context.Background()
	a := &knocks.Connection{Host: "web1", PID: 100, Start: at(0), End: at(1), IP: addr("203.0.113.7"), Failed: 1, FailureLines: 1}
	id := write(t, s, []*knocks.Connection{a}, nil, nil)
	before, err := s.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}

	changed := *a
	changed.Failed, changed.FailureLines, changed.End = 9, 9, at(2)
	var conns []*knocks.Connection
	for i := 0; i < 300; i++ { // enough for more than one statement
		conns = append(conns, &knocks.Connection{Host: "web1", PID: 200 + i, Start: at(i), End: at(i), IP: addr("198.51.100.1"), Failed: 1, FailureLines: 1})
	}
	conns = append(conns, &changed, &knocks.Connection{ID: a.ID + 1000, Host: "web1", PID: 7, Start: at(0), End: at(0)})
	b := &knocks.Batch{
		ImportID:    id,
		Connections: conns,
		Fail2ban:    []knocks.Fail2banEvent{{Time: at(-100), Kind: knocks.KindF2BBan, Jail: "sshd", IP: addr("198.51.100.1")}},
		Checkpoint:  &knocks.Checkpoint{Fingerprint: "feedface", Name: "auth.log", Offset: 100, Lines: 1, New: true},
	}
	err = s.Write(ctx, b)
	if knocks.ErrorCode(err) != knocks.EINVALID {
		t.Fatalf("update of an unknown ID: %v, want EINVALID", err)
	}
	for _, c := range conns[:300] {
		if c.ID != 0 {
			t.Fatalf("a failed Write set ID %d", c.ID)
		}
	}
	after, err := s.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if after.Attempts != before.Attempts || after.Connections != before.Connections || !after.First.Equal(before.First) || after.LinesRead != 0 {
		t.Errorf("a failed Write left something: before %d attempts from %v, after %d from %v, %d lines",
			before.Attempts, before.First, after.Attempts, after.First, after.LinesRead)
	}
	got := all(t, s)
	if len(got) != 1 {
		t.Errorf("%d connections after a failed Write, want 1", len(got))
	}
	sameConnection(t, got[a.ID], a)
	if cps, err := s.Checkpoints(ctx, "feedface"); len(cps) != 0 || err != nil {
		t.Errorf("a failed Write stored its checkpoint: %v, %v", cps, err)
	}
	// A bad connection is refused before anything is written.
	bad := &knocks.Connection{Host: "web1", PID: 1, Start: at(5), End: at(4)}
	if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: []*knocks.Connection{bad}}); knocks.ErrorCode(err) != knocks.EINVALID {
		t.Errorf("connection that ends before it starts: %v, want EINVALID", err)
	}
}

// checkpoints returns the checkpoints of fp, failing the test on an error.
func checkpoints(t *testing.T, s knocks.EventStore, fp string) []*knocks.Checkpoint {
	t.Helper()
	cps, err := s.Checkpoints(context.Background(), fp)
	if err != nil {
		t.Fatal(err)
	}
	return cps
}

func testCheckpoint(t *testing.T, s knocks.EventStore) {
	ctx := context.Background()
	last := time.Date(2024, 12, 31, 23, 59, 58, 0, time.UTC)
	cp := &knocks.Checkpoint{Fingerprint: "aa11", Name: "/var/log/auth.log", Offset: 123456, Lines: 1000, Sum: "00ff:11ee", LastTime: last, New: true}
	write(t, s, nil, nil, cp)
	got := checkpoints(t, s, "aa11")
	if len(got) != 1 || got[0].Fingerprint != "aa11" || got[0].Name != cp.Name || got[0].Offset != cp.Offset ||
		got[0].Lines != cp.Lines || got[0].Sum != cp.Sum || !got[0].LastTime.Equal(last) || got[0].Updated.IsZero() {
		t.Fatalf("checkpoints read back as %+v, want %+v", got, cp)
	}
	// The file was rotated and read further under its new name: an update
	// of the checkpoint it read on from.
	cp2 := &knocks.Checkpoint{Prev: cp.Offset, PrevSum: cp.Sum, Fingerprint: "aa11", Name: "/var/log/auth.log.1", Offset: 200000, Lines: 1500, Sum: "00ff:22dd", LastTime: last.Add(time.Hour)}
	write(t, s, nil, nil, cp2)
	// Another input with the same first line: a checkpoint of its own.
	other := &knocks.Checkpoint{Fingerprint: "aa11", New: true, Siblings: 1, Name: "/srv/other.log", Offset: 10, Lines: 1, Sum: "0a0a:0b0b"}
	write(t, s, nil, nil, other)
	write(t, s, nil, nil, &knocks.Checkpoint{Fingerprint: "bb22", Name: "-", Offset: 10, Lines: 1, New: true})
	got = checkpoints(t, s, "aa11")
	if len(got) != 2 || got[0].Name != cp2.Name || got[0].Offset != cp2.Offset || got[0].Lines != cp2.Lines ||
		got[0].Sum != cp2.Sum || !got[0].LastTime.Equal(cp2.LastTime) || got[1].Name != other.Name || got[1].Offset != 10 {
		t.Errorf("checkpoints after an update and a sibling: %+v", got)
	}
	if got := checkpoints(t, s, "bb22"); len(got) != 1 || got[0].Lines != 1 || !got[0].LastTime.IsZero() || got[0].Sum != "" {
		t.Errorf("second checkpoint %+v", got)
	}
	// A checkpoint stored without a sum (by an older knocks) is read on
	// from as such.
	write(t, s, nil, nil, &knocks.Checkpoint{Fingerprint: "bb22", Prev: 10, Name: "-", Offset: 20, Lines: 2, Sum: "1:2"})
	if got := checkpoints(t, s, "bb22"); len(got) != 1 || got[0].Offset != 20 || got[0].Sum != "1:2" {
		t.Errorf("checkpoint read on from one without a sum: %+v", got)
	}
	sum, err := s.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.LinesRead != 1503 {
		t.Errorf("LinesRead = %d, want 1503 (each input's lines once)", sum.LinesRead)
	}
	if err := s.Write(ctx, &knocks.Batch{Checkpoint: &knocks.Checkpoint{Name: "x"}}); knocks.ErrorCode(err) != knocks.EINVALID {
		t.Errorf("checkpoint without fingerprint: %v, want EINVALID", err)
	}
}

// testCheckpointSwap checks that a checkpoint is written as a
// compare-and-swap: of two writers that started from the same state, the
// second stores nothing of its batch.
func testCheckpointSwap(t *testing.T, s knocks.EventStore) {
	ctx := context.Background()
	c := func(pid int) []*knocks.Connection {
		return []*knocks.Connection{{Host: "web1", PID: pid, Start: at(pid), End: at(pid), IP: netip.MustParseAddr("192.0.2.1"), Failed: 1, FailureLines: 1}}
	}
	try := func(cs []*knocks.Connection, cp *knocks.Checkpoint) error {
		return s.Write(ctx, &knocks.Batch{Connections: cs, Checkpoint: cp})
	}
	// Two writers find no checkpoint for a new input and both insert one.
	a := &knocks.Checkpoint{Fingerprint: "cc33", Name: "a", Offset: 100, Lines: 2, Sum: "1:1", New: true}
	if err := try(c(1), a); err != nil {
		t.Fatal(err)
	}
	b := &knocks.Checkpoint{Fingerprint: "cc33", Name: "b", Offset: 100, Lines: 2, Sum: "1:1", New: true}
	if err := try(c(2), b); knocks.ErrorCode(err) != knocks.ECONFLICT {
		t.Errorf("second insert of a new input: %v, want ECONFLICT", err)
	}
	// Two writers read on from the same checkpoint and both move it on.
	a2 := &knocks.Checkpoint{Prev: 100, PrevSum: "1:1", Fingerprint: "cc33", Name: "a", Offset: 200, Lines: 4, Sum: "1:2"}
	if err := try(c(3), a2); err != nil {
		t.Fatal(err)
	}
	b2 := &knocks.Checkpoint{Prev: 100, PrevSum: "1:1", Fingerprint: "cc33", Name: "b", Offset: 200, Lines: 4, Sum: "1:2"}
	if err := try(c(4), b2); knocks.ErrorCode(err) != knocks.ECONFLICT {
		t.Errorf("second update from the same checkpoint: %v, want ECONFLICT", err)
	}
	// An update from a checkpoint at the same offset of another content.
	b3 := &knocks.Checkpoint{Prev: 200, PrevSum: "1:9", Fingerprint: "cc33", Name: "b", Offset: 300, Lines: 6, Sum: "1:3"}
	if err := try(c(5), b3); knocks.ErrorCode(err) != knocks.ECONFLICT {
		t.Errorf("update from a checkpoint of other content: %v, want ECONFLICT", err)
	}
	if got := checkpoints(t, s, "cc33"); len(got) != 1 || got[0].Offset != 200 || got[0].Name != "a" {
		t.Errorf("checkpoints %+v, want a's at 200", got)
	}
	sum, err := s.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Attempts != 2 {
		t.Errorf("attempts %d, want 2: the refused batches stored connections", sum.Attempts)
	}
}

func testImports(t *testing.T, s knocks.EventStore) {
	ctx := context.Background()
	t0 := time.Date(2024, 3, 1, 2, 0, 0, 0, time.UTC)
	id1, err := s.BeginImport(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := s.BeginImport(ctx, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if id1 <= 0 || id2 <= id1 {
		t.Errorf("import ids %d, %d: want positive and increasing", id1, id2)
	}
	inputs := []knocks.InputStats{
		{Name: "/var/log/auth.log.1", Fingerprint: "aa11", Lines: 1000, SSHDLines: 800, Recognised: 790, Unrecognised: 10, Skipped: 1, Events: 700,
			Shapes: []knocks.Shape{{Shape: "error: kex_protocol_error: type <N> seq <N>", Count: 10, Example: "error: kex_protocol_error: type 20 seq 2"}}},
		{Name: "/var/log/secure", Error: "permission denied"},
	}
	if err := s.Write(ctx, &knocks.Batch{ImportID: id1, Checkpoint: &knocks.Checkpoint{Fingerprint: "aa11", Name: "/var/log/auth.log.1", Offset: 99999, Lines: 1000, New: true}}); err != nil {
		t.Fatal(err)
	}
	// Killed here: the lines read are known from the checkpoint already.
	sum, err := s.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.LinesRead != 1000 {
		t.Errorf("LinesRead before FinishImport = %d, want 1000", sum.LinesRead)
	}
	if err := s.FinishImport(ctx, id1, t0.Add(2*time.Minute), inputs); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishImport(ctx, id1, t0.Add(3*time.Minute), inputs); err != nil {
		t.Fatalf("FinishImport again: %v", err)
	}
	if err := s.FinishImport(ctx, id2+100, t0, nil); knocks.ErrorCode(err) != knocks.ENOTFOUND {
		t.Errorf("FinishImport of an unknown import: %v, want ENOTFOUND", err)
	}
	sum, err = s.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.LinesRead != 1000 {
		t.Errorf("LinesRead after FinishImport = %d, want 1000", sum.LinesRead)
	}
	if err := s.Write(ctx, &knocks.Batch{ImportID: id2 + 100}); err != nil && knocks.ErrorCode(err) != knocks.EINVALID {
		t.Errorf("empty batch of an unknown import: %v", err)
	}
	c := &knocks.Connection{Host: "h", PID: 1, Start: t0, End: t0, ScanLines: 1}
	if err := s.Write(ctx, &knocks.Batch{ImportID: id2 + 100, Connections: []*knocks.Connection{c}}); knocks.ErrorCode(err) != knocks.EINVALID {
		t.Errorf("batch of an unknown import: %v, want EINVALID", err)
	}
}

func testRecent(t *testing.T, s knocks.EventStore) {
	ctx := context.Background()
	d := Dataset()
	write(t, s, Clone(d.Connections), nil, nil)
	cases := []struct {
		name         string
		since, until time.Time
	}{
		{"all", base.Add(-24 * time.Hour), base.Add(96 * time.Hour)},
		{"window", at(60), at(80)},
		{"boundaries", at(5).Add(4 * time.Second), at(200)},
		{"inside the long one", at(1000), at(1010)},
		{"nothing", base.AddDate(1, 0, 0), base.AddDate(1, 0, 1)},
	}
	for _, tc := range cases {
		got, err := s.RecentConnections(ctx, tc.since, tc.until)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, c := range d.Connections {
			if !sec(c.End).Before(sec(tc.since)) && !sec(c.Start).After(sec(tc.until)) {
				want = append(want, key(c))
			}
		}
		var keys []string
		for _, c := range got {
			keys = append(keys, key(c))
		}
		sort.Strings(want)
		sort.Strings(keys)
		if !reflect.DeepEqual(keys, want) {
			t.Errorf("%s: RecentConnections(%v, %v) =\n %v\nwant\n %v", tc.name, tc.since, tc.until, keys, want)
		}
	}
}

func key(c *knocks.Connection) string {
	return c.Host + "/" + strconv.Itoa(c.PID) + "/" + sec(c.Start).Format(time.RFC3339)
}

// testCounting checks the counting rules on hand-made connections, with
// hand-counted numbers.
func testCounting(t *testing.T, s knocks.EventStore) {
	ctx := context.Background()
	cs := []*knocks.Connection{
		// Keys-only probe: failure lines, no Failed line: 1 attempt.
		{Host: "h", PID: 1, Start: at(0), End: at(0), IP: addr("203.0.113.1"), User: "ubuntu", HasUser: true, Invalid: true, FailureLines: 2},
		// Three Failed lines, "Invalid user" and a disconnect: 3 attempts, not 5.
		{Host: "h", PID: 2, Start: at(1), End: at(2), IP: addr("203.0.113.1"), User: "oracle", HasUser: true, Invalid: true, Method: "password", Failed: 3, FailureLines: 5},
		// A scan.
		{Host: "h", PID: 3, Start: at(3), End: at(3), IP: addr("203.0.113.2"), ScanLines: 2},
		// A login, and "Disconnected from IP port P" (a scan line) at its end:
		// not a scan.
		{Host: "h", PID: 4, Start: at(4), End: at(4), IP: addr("198.51.100.1"), User: "deploy", HasUser: true, Method: "publickey", Logins: 1, ScanLines: 1},
		// Two failed passwords, then in: a failure connection and a login.
		{Host: "h", PID: 5, Start: at(5), End: at(6), IP: addr("198.51.100.2"), User: "alice", HasUser: true, Method: "password", Failed: 2, FailureLines: 2, Logins: 1},
		// A scan line and a failure line: a failure connection, not a scan.
		{Host: "h", PID: 6, Start: at(7), End: at(7), IP: addr("203.0.113.2"), FailureLines: 1, ScanLines: 1},
		// "message repeated 5 times" of a Failed line, and the first one.
		{Host: "h", PID: 7, Start: at(8), End: at(9), IP: addr("203.0.113.3"), User: "root", HasUser: true, Method: "password", Failed: 6, FailureLines: 6},
	}
	write(t, s, cs, nil, &knocks.Checkpoint{Fingerprint: "c0", Name: "auth.log", Offset: 1, Lines: 100, New: true})
	sum, err := s.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	want := struct{ attempts, conns, scans, logins, ips, users, hostile int64 }{1 + 3 + 2 + 1 + 6, 5, 1, 2, 4, 4, 2 + 5 + 2 + 1 + 2 + 2 + 6}
	got := struct{ attempts, conns, scans, logins, ips, users, hostile int64 }{sum.Attempts, sum.Connections, sum.Scans, sum.Logins, sum.UniqueIPs, sum.UniqueUsers, sum.HostileLines}
	if got != want {
		t.Errorf("counts (attempts, connections, scans, logins, unique ips, unique users, hostile lines) = %v, want %v", got, want)
	}
	if sum.HostileShare == nil || *sum.HostileShare != 0.2 || sum.LinesRead != 100 {
		t.Errorf("hostile share %v of %d lines, want 0.2 of 100", sum.HostileShare, sum.LinesRead)
	}
	wantUsers := []knocks.UserCount{
		{User: "root", Attempts: 6, Valid: true, Share: 6.0 / 13},
		{User: "oracle", Attempts: 3, Valid: false, Share: 3.0 / 13},
		{User: "alice", Attempts: 2, Valid: true, Share: 2.0 / 13},
		{User: "ubuntu", Attempts: 1, Valid: false, Share: 1.0 / 13},
	}
	if !reflect.DeepEqual(sum.TopUsers, wantUsers) {
		t.Errorf("TopUsers = %+v, want %+v", sum.TopUsers, wantUsers) // no attacker bytes here
	}
	if len(sum.TopIPs) < 3 || sum.TopIPs[0].IP != "203.0.113.3" || sum.TopIPs[1].IP != "203.0.113.1" || sum.TopIPs[1].Attempts != 4 || sum.TopIPs[1].Connections != 2 {
		t.Errorf("TopIPs = %+v", sum.TopIPs)
	}
	if sum.Top3Share != float64(6+4+2)/13 {
		t.Errorf("Top3Share = %v, want 12/13", sum.Top3Share)
	}
	if !sum.First.Equal(at(0)) || !sum.Last.Equal(at(9)) {
		t.Errorf("period %v – %v, want %v – %v", sum.First, sum.Last, at(0), at(9))
	}
}

// testLineCounts checks the hostile share of a narrowed report against
// numbers worked out by hand: a week of logs where the last day is a
// flood, as `--since 1d` shows it.
func testLineCounts(t *testing.T, s knocks.EventStore) {
	ctx := context.Background()
	day0 := base.Truncate(24 * time.Hour)
	// Six quiet days of 1,000 lines per hour on host "gw" (cron, systemd,
	// a few logins), then a day of 4,000 lines per hour, 3,000 of them the
	// failed passwords of one connection per hour.
	var lines []knocks.LineCount
	var cs []*knocks.Connection
	var total int64
	for h := 0; h < 7*24; h++ {
		hour := day0.Add(time.Duration(h) * time.Hour)
		n := int64(1000)
		if h >= 6*24 {
			n = 4000
			cs = append(cs, &knocks.Connection{Host: "gw", PID: 100 + h, Start: hour.Add(time.Minute), End: hour.Add(50 * time.Minute),
				IP: addr("203.0.113.9"), User: "root", HasUser: true, Method: "password", Failed: 3000, FailureLines: 3000})
		}
		lines = append(lines, knocks.LineCount{Host: "gw", Hour: hour, Lines: n})
		total += n
	}
	// Another host's quiet hour.
	lines = append(lines, knocks.LineCount{Host: "db", Hour: day0, Lines: 500})
	total += 500
	write(t, s, cs, nil, &knocks.Checkpoint{Fingerprint: "lc", Name: "auth.log", Offset: 1, Lines: total, New: true})
	if err := s.Write(ctx, &knocks.Batch{Lines: lines}); err != nil {
		t.Fatal(err)
	}
	last := day0.Add(6 * 24 * time.Hour)
	for _, tc := range []struct {
		Name   string
		Filter knocks.Filter
		Lines  int64 // -1: the store cannot tell
		Share  float64
	}{
		{"everything", knocks.Filter{}, total, 72000.0 / float64(total)},
		{"the last day", knocks.Filter{Since: last}, 96000, 0.75},
		{"the last day, by host", knocks.Filter{Since: last, Host: "gw"}, 96000, 0.75},
		{"from the middle of an hour", knocks.Filter{Since: last.Add(90 * time.Minute)}, 90000, 66000.0 / 90000},
		{"the quiet days", knocks.Filter{Until: last}, 144500, 0},
		{"the other host", knocks.Filter{Host: "db"}, 500, 0},
		{"by country", knocks.Filter{Country: "NL"}, -1, 0},
		{"by AS", knocks.Filter{ASN: 64500, Since: last}, -1, 0},
		{"after the last line", knocks.Filter{Since: last.Add(30 * 24 * time.Hour)}, 0, 0},
		{"by address", knocks.Filter{IP: netip.MustParseAddr("203.0.113.9")}, -1, 0},
		{"by user name", knocks.Filter{User: "root"}, -1, 0},
		{"by subnet", knocks.Filter{Subnet: "203.0.113.0/24", Since: last}, -1, 0},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			sum, err := s.Summary(ctx, tc.Filter)
			if err != nil {
				t.Fatal(err)
			}
			if tc.Lines < 0 {
				if sum.Lines != nil || sum.HostileShare != nil {
					t.Errorf("lines %v, share %v: want none (the selection cannot tell)", sum.Lines, sum.HostileShare)
				}
				return
			}
			if tc.Lines == 0 {
				if sum.Lines == nil || *sum.Lines != 0 || sum.HostileShare != nil {
					t.Errorf("lines %v, share %v: want 0 lines and no share (a share of nothing)", ptrText(sum.Lines), ptrText(sum.HostileShare))
				}
				return
			}
			if sum.Lines == nil || *sum.Lines != tc.Lines || sum.HostileShare == nil || math.Abs(*sum.HostileShare-tc.Share) > 1e-9 {
				t.Errorf("lines %v, share %v; want %d, %v", ptrText(sum.Lines), ptrText(sum.HostileShare), tc.Lines, tc.Share)
			}
		})
	}
	// Lines in no hour (an input without a dated sshd line): a narrowed
	// report can no longer tell its share; the whole one still can.
	if err := s.Write(ctx, &knocks.Batch{Lines: []knocks.LineCount{{Lines: 25}}, Checkpoint: &knocks.Checkpoint{Fingerprint: "nodate", Name: "kern.log", Offset: 1, Lines: 25, New: true}}); err != nil {
		t.Fatal(err)
	}
	if sum, err := s.Summary(ctx, knocks.Filter{Since: last}); err != nil || sum.Lines != nil || sum.HostileShare != nil {
		t.Errorf("with undated lines: lines %v, share %v, %v; want none", ptrText(sum.Lines), ptrText(sum.HostileShare), err)
	}
	if sum, err := s.Summary(ctx, knocks.Filter{}); err != nil || sum.Lines == nil || *sum.Lines != total+25 {
		t.Errorf("with undated lines, unfiltered: lines %v, %v; want %d", ptrText(sum.Lines), err, total+25)
	}
	if err := s.Write(ctx, &knocks.Batch{Lines: []knocks.LineCount{{Host: "gw", Hour: last, Lines: -1}}}); knocks.ErrorCode(err) != knocks.EINVALID {
		t.Errorf("a negative line count: %v, want EINVALID", err)
	}
}

// ptrText shows a pointer's value, or "none".
func ptrText[T any](p *T) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprint(*p)
}

func testSummary(t *testing.T, s knocks.EventStore) {
	ctx := context.Background()
	d := Dataset()
	// The lines read: each connection's lines and a few of other programs
	// in its host's hour, and a busy hour of cron lines on web1.
	type bucket struct {
		host string
		hour time.Time
	}
	counts := map[bucket]int64{{"web1", at(300).Truncate(time.Hour)}: 1200}
	for _, c := range d.Connections {
		counts[bucket{c.Host, c.Start.Truncate(time.Hour)}] += c.FailureLines + c.ScanLines + c.Logins + 7
	}
	for b, n := range counts {
		d.Lines = append(d.Lines, knocks.LineCount{Host: b.host, Hour: b.hour, Lines: n})
		d.LinesRead += n
	}
	write(t, s, Clone(d.Connections), d.Fail2ban, &knocks.Checkpoint{Fingerprint: "d1", Name: "auth.log", Offset: 500000, Lines: d.LinesRead, New: true})
	if err := s.Write(ctx, &knocks.Batch{Penalties: d.Penalties, Lines: d.Lines}); err != nil {
		t.Fatal(err)
	}
	if gs, ok := s.(knocks.GeoStore); ok {
		saveLocations(t, gs, d.Locations)
	} else {
		d.Locations = nil
	}
	filters := []knocks.Filter{
		{},
		{Top: 3},
		{Top: 1},
		{Top: 100},
		{Since: at(60), Until: at(1000)},
		{Since: at(1400)},
		{Until: at(1010)},
		{Host: "bastion"},
		{Host: "web1", Since: at(0), Top: 5},
		{Host: "nosuchhost"},
		{Country: "CN"},
		{Country: "de"},
		{Country: "private"},
		{ASN: 4134},
		{ASN: 64500, Since: at(10)},
		{Since: base.AddDate(1, 0, 0)},
		{IP: addr("198.51.100.23")},
		{IP: addr("203.0.113.7"), Since: at(8)},
		{IP: addr("192.0.2.255")},
		{User: "admin"},
		{User: "oracle"},
		{User: "nosuchuser"},
		{Subnet: "198.51.100.0/24"},
		{Subnet: "203.0.113.0/24", User: "admin"},
	}
	for _, f := range filters {
		got, err := s.Summary(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if d.Locations == nil && (f.Country != "" || f.ASN != 0) {
			continue
		}
		compare(t, f, got, Expected(d, f))
	}

	// Spot checks of the rules that the reference model might share a
	// mistake with.
	sum, err := s.Summary(ctx, knocks.Filter{Top: 100})
	if err != nil {
		t.Fatal(err)
	}
	// 6×3 + 10×6 + 3 (valid oracle) + 4×1 (keys-only) + 1 + 2 (alice) + 1 (rhost)
	// + 2+2+1 (IPv6) + 1 (no user) + 1 + 1 (chosen names) + 1 (empty name)
	// + 1 (no host) + 4 (long).
	if sum.Attempts != 103 {
		t.Errorf("Attempts = %d, want 103", sum.Attempts)
	}
	for i, u := range sum.TopUsers {
		if u.User == "oracle" && (!u.Valid || i+1 >= len(sum.TopUsers) || sum.TopUsers[i+1].User != "oracle" || sum.TopUsers[i+1].Valid) {
			j, _ := json.Marshal(sum.TopUsers)
			t.Errorf("TopUsers: want valid oracle, then invalid oracle: %s", j)
		}
		if u.User == "oracle" {
			break
		}
	}
	if sum.Scans != 6 || sum.Logins != 2 {
		t.Errorf("scans %d logins %d, want 6 and 2", sum.Scans, sum.Logins)
	}
	for _, ip := range sum.TopIPs {
		if ip.IP == "192.0.2.200" {
			t.Error("an address that only scanned is in TopIPs")
		}
	}
	found := map[string]bool{}
	for _, k := range sum.TopSubnets {
		found[k.Key] = true
		if k.Key == "2001:db8:1:2::/64" && k.Attempts != 4 {
			t.Errorf("IPv6 /64 has %d attempts, want 4", k.Attempts)
		}
	}
	if !found["2001:db8:1:2::/64"] || !found["2001:db8:1:3::/64"] || !found["203.0.113.0/24"] {
		t.Errorf("TopSubnets = %+v", sum.TopSubnets)
	}
	if want := []knocks.KeyCount{{Key: "2001:db8:1::/48", Attempts: 5, Share: 5.0 / 103}}; !reflect.DeepEqual(sum.TopSubnets48, want) {
		t.Errorf("TopSubnets48 = %+v, want the /48 of both IPv6 /64s: %+v", sum.TopSubnets48, want)
	}
	if d.Locations != nil {
		// 198.51.100.23 (10×6 + 3) and 198.51.100.7 (4) share a /22; the
		// address with an AS but no prefix and the reserved one are in none.
		want := []knocks.KeyCount{
			{Key: "198.51.100.0/22", Attempts: 67, Share: 67.0 / 103},
			{Key: "203.0.113.0/24", Attempts: 18, Share: 18.0 / 103},
			{Key: "2001:db8::/32", Attempts: 2, Share: 2.0 / 103},
		}
		if !reflect.DeepEqual(sum.TopPrefixes, want) {
			t.Errorf("TopPrefixes = %+v, want %+v", sum.TopPrefixes, want)
		}
	}
	var evil, empty bool
	for _, u := range sum.TopInvalidUsers {
		evil = evil || u.User == EvilUser
		empty = empty || u.User == ""
	}
	if !evil || !empty {
		t.Errorf("TopInvalidUsers lacks the attacker's name (%v) or the empty name (%v)", evil, empty)
	}
	if !sum.First.Equal(at(-10)) || !sum.Last.Equal(at(3000)) {
		t.Errorf("period %v – %v, want the fail2ban events %v – %v", sum.First, sum.Last, at(-10), at(3000))
	}
	if sum.HourWeekday[3][22] == 0 { // 2024-02-28 was a Wednesday
		t.Error("HourWeekday[Wednesday][22] = 0")
	}
	if j, err := json.Marshal(sum); err != nil || len(j) == 0 {
		t.Errorf("summary does not marshal: %v", err)
	}
}

// saveLocations saves the locations of d, one call per source.
func saveLocations(t *testing.T, gs knocks.GeoStore, locs map[netip.Addr]Located) {
	t.Helper()
	by := map[string]map[netip.Addr]knocks.Location{}
	for ip, l := range locs {
		if by[l.Source] == nil {
			by[l.Source] = map[netip.Addr]knocks.Location{}
		}
		by[l.Source][ip] = l.Location
	}
	for src, m := range by {
		if err := gs.SaveLocations(context.Background(), m, src); err != nil {
			t.Fatal(err)
		}
	}
}

func testGeo(t *testing.T, s knocks.EventStore) {
	gs, ok := s.(knocks.GeoStore)
	if !ok {
		t.Skip("not a knocks.GeoStore")
	}
	ctx := context.Background()
	d := Dataset()
	write(t, s, Clone(d.Connections), d.Fail2ban, nil)
	if err := s.Write(ctx, &knocks.Batch{Penalties: d.Penalties}); err != nil {
		t.Fatal(err)
	}
	var want []netip.Addr
	seen := map[netip.Addr]bool{}
	for _, c := range d.Connections {
		if c.IP.IsValid() && !seen[c.IP] {
			seen[c.IP] = true
			want = append(want, c.IP)
		}
	}
	sort.Slice(want, func(i, j int) bool { return want[i].Less(want[j]) })
	got, err := gs.UnlocatedIPs(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("UnlocatedIPs before any lookup = %v, want %v", got, want)
	}
	saveLocations(t, gs, d.Locations)
	got, err = gs.UnlocatedIPs(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	var rest []netip.Addr
	for _, ip := range want {
		if _, ok := d.Locations[ip]; !ok {
			rest = append(rest, ip)
		}
	}
	if !reflect.DeepEqual(got, rest) {
		t.Errorf("UnlocatedIPs after SaveLocations = %v, want %v", got, rest)
	}
	got, err = gs.UnlocatedIPs(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("UnlocatedIPs(all) = %v, want %v", got, want)
	}
	// A newer database moves an address: the new location replaces the old.
	moved := map[netip.Addr]knocks.Location{addr("203.0.113.7"): {Country: "BE", CountryName: "Belgium", ASN: 64500, Org: "Example Hosting"}}
	if err := gs.SaveLocations(ctx, moved, "test-geo 2024-03-01"); err != nil {
		t.Fatal(err)
	}
	d.Locations[addr("203.0.113.7")] = Located{moved[addr("203.0.113.7")], "test-geo 2024-03-01"}
	sum, err := s.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	compare(t, knocks.Filter{}, sum, Expected(d, knocks.Filter{}))
	var countries []string
	for _, c := range sum.Countries {
		countries = append(countries, c.Country)
	}
	if !reflect.DeepEqual(countries, []string{"CN", "BE", "DE", "US"}) {
		t.Errorf("Countries = %v, want CN BE DE US (no reserved label)", countries)
	}
	var private bool
	for _, c := range sum.TopCountries {
		if c.Country == "private" {
			t.Errorf("TopCountries = %+v: a reserved range is ranked as a country", sum.TopCountries)
		}
	}
	for _, c := range sum.Reserved {
		if c.Country == "private" {
			private = c.Name == ReservedName && c.Attempts == 1
		}
	}
	if !private {
		t.Errorf("Reserved = %+v: want the private address under its label", sum.Reserved)
	}
	if len(sum.GeoIPSources) != 3 {
		t.Errorf("GeoIPSources = %v", sum.GeoIPSources)
	}

	// Asking again without saving gives the same; saving them all leaves
	// nothing to locate.
	unlocated := func() []netip.Addr {
		t.Helper()
		got, err := gs.UnlocatedIPs(ctx, false)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := unlocated(); !reflect.DeepEqual(got, rest) {
		t.Errorf("UnlocatedIPs asked again = %v, want %v", got, rest)
	}
	nothing := map[netip.Addr]knocks.Location{}
	for _, ip := range rest {
		nothing[ip] = knocks.Location{}
	}
	if err := gs.SaveLocations(ctx, nothing, "test-geo 2024-03-01"); err != nil {
		t.Fatal(err)
	}
	if got := unlocated(); len(got) != 0 {
		t.Errorf("UnlocatedIPs after locating all = %v", got)
	}
	// A new connection, a stored one that an import extends and that gets
	// an address, and a fail2ban event bring three new addresses.
	var byName *knocks.Connection
	for _, c := range all(t, s) {
		if c.RHost == "scanner.example.net" {
			byName = c
		}
	}
	if byName == nil {
		t.Fatal("the UseDNS connection is not stored")
	}
	byName.IP, byName.RHost = addr("192.0.2.88"), ""
	fresh := &knocks.Connection{Host: "web1", PID: 9999, Start: at(4000), End: at(4000), IP: addr("192.0.2.77"), ScanLines: 1}
	if err := s.Write(ctx, &knocks.Batch{Connections: []*knocks.Connection{byName, fresh},
		Fail2ban: []knocks.Fail2banEvent{{Time: at(4001), Kind: knocks.KindF2BBan, Jail: "sshd", IP: addr("192.0.2.99")}}}); err != nil {
		t.Fatal(err)
	}
	if got, want := unlocated(), []netip.Addr{addr("192.0.2.77"), addr("192.0.2.88"), addr("192.0.2.99")}; !reflect.DeepEqual(got, want) {
		t.Errorf("UnlocatedIPs after new addresses = %v, want %v", got, want)
	}
}

// countingLocator locates an address in the country its last byte
// names (odd: CN, even: NL, or every one in all when set) and counts its
// lookups.
type countingLocator struct {
	all     string
	lookups map[netip.Addr]int
}

func (l *countingLocator) Locate(ip netip.Addr) (knocks.Location, error) {
	if l.lookups == nil {
		l.lookups = map[netip.Addr]int{}
	}
	l.lookups[ip]++
	cc := "NL"
	if ip.As16()[15]%2 == 1 {
		cc = "CN"
	}
	if l.all != "" {
		cc = l.all
	}
	return knocks.Location{Country: cc}, nil
}

func (l *countingLocator) Sources() []string     { return []string{"counting " + l.all} }
func (l *countingLocator) Attribution() []string { return nil }

// testLocatePending checks the GeoIP pass of an import: in small batches
// it looks up every stored address once (connections and fail2ban
// events), stores what it found, and a second call finds nothing to do;
// with refresh it looks every address up again, and the report counts by
// the new locations.
func testLocatePending(t *testing.T, s knocks.EventStore) {
	gs, ok := s.(knocks.GeoStore)
	if !ok {
		t.Skip("not a knocks.GeoStore")
	}
	ctx := context.Background()
	d := Dataset()
	write(t, s, Clone(d.Connections), d.Fail2ban, nil)
	want, err := gs.UnlocatedIPs(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 4 {
		t.Fatalf("the dataset stores %d addresses: too few to test batches", len(want))
	}
	loc := &countingLocator{}
	n, err := gs.LocatePending(ctx, false, 3, loc)
	if err != nil {
		t.Fatalf("LocatePending: %v", err)
	}
	if n != len(want) || len(loc.lookups) != len(want) {
		t.Errorf("LocatePending located %d (%d distinct lookups), want the %d stored addresses", n, len(loc.lookups), len(want))
	}
	for _, ip := range want {
		if loc.lookups[ip] != 1 {
			t.Errorf("%s looked up %d times, want once", ip, loc.lookups[ip])
		}
	}
	if rest, err := gs.UnlocatedIPs(ctx, false); err != nil || len(rest) != 0 {
		t.Errorf("UnlocatedIPs after LocatePending = %v, %v; want none", rest, err)
	}
	idle := &countingLocator{}
	if n, err := gs.LocatePending(ctx, false, 3, idle); err != nil || n != 0 || len(idle.lookups) != 0 {
		t.Errorf("LocatePending again = %d, %v with %d lookups; want 0, nil, none", n, err, len(idle.lookups))
	}
	sum, err := s.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Countries) == 0 {
		t.Errorf("no countries in the summary after LocatePending")
	}
	var located int64
	for _, c := range sum.Countries {
		if c.Country != "CN" && c.Country != "NL" {
			t.Errorf("country %q in the summary, want CN or NL only", c.Country)
		}
		located += c.Attempts
	}
	// A refresh with other data looks every address up again.
	be := &countingLocator{all: "BE"}
	if n, err := gs.LocatePending(ctx, true, 3, be); err != nil || n != len(want) {
		t.Errorf("LocatePending(refresh) = %d, %v; want %d, nil", n, err, len(want))
	}
	if sum, err = s.Summary(ctx, knocks.Filter{}); err != nil {
		t.Fatal(err)
	}
	if len(sum.Countries) != 1 || sum.Countries[0].Country != "BE" || sum.Countries[0].Attempts != located {
		t.Errorf("Countries after the refresh = %+v, want BE with the %d attempts located before", sum.Countries, located)
	}
}

// testNetworks checks the subnet and announced-prefix lists on hand-made
// connections, with hand-counted numbers: an IPv6 /48 that holds two /64s,
// one that holds one, an IPv4-mapped address (an IPv4 one to every list),
// addresses with and without a stored prefix, and one without a location.
func testNetworks(t *testing.T, s knocks.EventStore) {
	ctx := context.Background()
	failed := func(pid, minute int, host, ip string, n int64) *knocks.Connection {
		return &knocks.Connection{Host: host, PID: pid, Start: at(minute), End: at(minute), IP: addr(ip), Port: 40000 + pid,
			User: "root", HasUser: true, Method: "password", Failed: n, FailureLines: n}
	}
	cs := []*knocks.Connection{
		failed(1, 0, "web1", "2001:db8:aa:1::10", 3),
		// A keys-only probe: one attempt.
		{Host: "web1", PID: 2, Start: at(1), End: at(1), IP: addr("2001:db8:aa:1::11"), User: "ubuntu", HasUser: true, Invalid: true, FailureLines: 2},
		failed(3, 2, "web1", "2001:db8:aa:2::5", 2),
		failed(4, 3, "web2", "2001:db8:bb:7::1", 5),
		// Scans only: in no list.
		{Host: "web1", PID: 5, Start: at(4), End: at(4), IP: addr("2001:db8:cc::1"), ScanLines: 2},
		failed(6, 5, "web2", "203.0.113.5", 4),
		failed(7, 6, "web1", "203.0.113.200", 1),
		failed(8, 7, "web1", "198.51.100.9", 2),
		// sshd on a dual-stack socket logs IPv4 as IPv4-mapped IPv6.
		failed(9, 8, "web2", "::ffff:198.51.100.10", 2),
		failed(10, 9, "web1", "192.0.2.9", 3),
		failed(11, 10, "web1", "10.1.2.3", 1),
		// UseDNS: a host name, in no list.
		{Host: "web1", PID: 12, Start: at(11), End: at(11), RHost: "scanner.example.net", User: "guest", HasUser: true, Invalid: true, Method: "password", Failed: 1, FailureLines: 1},
	}
	const total = 3 + 1 + 2 + 5 + 4 + 1 + 2 + 2 + 3 + 1 + 1
	write(t, s, cs, nil, nil)
	d := Data{Connections: cs}
	gs, geo := s.(knocks.GeoStore)
	if geo {
		const src = "test-asn 2024-02-01"
		d.Locations = map[netip.Addr]Located{
			addr("2001:db8:aa:1::10"): {knocks.Location{Country: "DE", CountryName: "Germany", ASN: 64510, Org: "Sechs GmbH", Prefix: "2001:db8:a0::/44"}, src},
			addr("2001:db8:aa:1::11"): {knocks.Location{Country: "DE", CountryName: "Germany", ASN: 64510, Org: "Sechs GmbH", Prefix: "2001:db8:a0::/44"}, src},
			addr("2001:db8:aa:2::5"):  {knocks.Location{Country: "DE", CountryName: "Germany", ASN: 64510, Org: "Sechs GmbH", Prefix: "2001:db8:a0::/44"}, src},
			addr("2001:db8:bb:7::1"):  {knocks.Location{}, src}, // looked up, nothing known
			addr("203.0.113.5"):       {knocks.Location{Country: "CN", CountryName: "China", ASN: 4134, Org: "Chinanet", Prefix: "203.0.112.0/22"}, src},
			addr("203.0.113.200"):     {knocks.Location{Country: "CN", CountryName: "China", ASN: 4134, Org: "Chinanet", Prefix: "203.0.112.0/22"}, src},
			addr("198.51.100.9"):      {knocks.Location{Country: "US", CountryName: "United States", ASN: 64511, Org: "Probe Networks"}, src}, // no prefix
			addr("198.51.100.10"):     {knocks.Location{Country: "US", CountryName: "United States", ASN: 64511, Org: "Probe Networks", Prefix: "198.51.100.0/24"}, src},
			addr("10.1.2.3"):          {knocks.Location{Reserved: "private"}, src},
			// 192.0.2.9 has no location.
		}
		saveLocations(t, gs, d.Locations)
	}
	sum, err := s.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	kc := func(key string, n int64) knocks.KeyCount {
		return knocks.KeyCount{Key: key, Attempts: n, Share: float64(n) / total}
	}
	want48 := []knocks.KeyCount{kc("2001:db8:aa::/48", 6), kc("2001:db8:bb::/48", 5)}
	if !reflect.DeepEqual(sum.TopSubnets48, want48) {
		t.Errorf("TopSubnets48 = %+v, want %+v", sum.TopSubnets48, want48)
	}
	// Ties by key: "2001:..." sorts before "203...".
	wantSubnets := []knocks.KeyCount{kc("2001:db8:bb:7::/64", 5), kc("203.0.113.0/24", 5), kc("198.51.100.0/24", 4),
		kc("2001:db8:aa:1::/64", 4), kc("192.0.2.0/24", 3), kc("2001:db8:aa:2::/64", 2), kc("10.1.2.0/24", 1)}
	if !reflect.DeepEqual(sum.TopSubnets, wantSubnets) {
		t.Errorf("TopSubnets = %+v, want %+v", sum.TopSubnets, wantSubnets)
	}
	if geo {
		want := []knocks.KeyCount{kc("2001:db8:a0::/44", 6), kc("203.0.112.0/22", 5), kc("198.51.100.0/24", 2)}
		if !reflect.DeepEqual(sum.TopPrefixes, want) {
			t.Errorf("TopPrefixes = %+v, want %+v", sum.TopPrefixes, want)
		}
	} else if len(sum.TopPrefixes) != 0 {
		t.Errorf("TopPrefixes without locations = %+v", sum.TopPrefixes)
	}
	if j, err := json.Marshal(sum); err != nil {
		t.Error(err)
	} else {
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(j, &keys); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"top_subnets48", "top_prefixes"} {
			if v, ok := keys[k]; !ok || string(v) == "null" {
				t.Errorf("JSON key %s = %s, want a list", k, v)
			}
		}
	}
	filters := []knocks.Filter{
		{},
		{Top: 1},
		{Top: 2},
		{Host: "web2"},
		{Since: at(3), Until: at(9)},
		{ASN: 64510},
		{ASN: 4134},
		{Country: "US"},
		{Country: "private"},
	}
	for _, f := range filters {
		got, err := s.Summary(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if !geo && (f.Country != "" || f.ASN != 0) {
			continue
		}
		compare(t, f, got, Expected(d, f))
	}
}

// compare reports the fields in which got differs from want.
func compare(t *testing.T, f knocks.Filter, got, want *knocks.Summary) {
	t.Helper()
	g, w := normal(got), normal(want)
	gv, wv := reflect.ValueOf(g).Elem(), reflect.ValueOf(w).Elem()
	for i := 0; i < gv.NumField(); i++ {
		if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			gj, _ := json.Marshal(gv.Field(i).Interface())
			wj, _ := json.Marshal(wv.Field(i).Interface())
			t.Errorf("filter %+v: %s =\n %s\nwant\n %s", f, gv.Type().Field(i).Name, gj, wj)
		}
	}
}

// normal returns a copy of s without the fields a store does not decide
// (Generated, attribution), with empty lists for nil ones and coordinates
// rounded.
func normal(s *knocks.Summary) *knocks.Summary {
	c := *s
	c.Generated, c.GeoIPAttributed = time.Time{}, nil
	c.First, c.Last = c.First.UTC(), c.Last.UTC()
	v := reflect.ValueOf(&c).Elem()
	for i := 0; i < v.NumField(); i++ {
		if fv := v.Field(i); fv.Kind() == reflect.Slice && fv.Len() == 0 {
			fv.Set(reflect.MakeSlice(fv.Type(), 0, 0))
		}
	}
	round := func(l []knocks.CityCount) []knocks.CityCount {
		out := make([]knocks.CityCount, len(l))
		for i, x := range l {
			x.Lat, x.Lon = math.Round(x.Lat*1e6)/1e6, math.Round(x.Lon*1e6)/1e6
			out[i] = x
		}
		return out
	}
	c.Cities, c.TopCities = round(c.Cities), round(c.TopCities)
	fixTimes := func(l []knocks.TimeCount) []knocks.TimeCount {
		out := make([]knocks.TimeCount, len(l))
		for i, x := range l {
			x.Time = x.Time.UTC()
			out[i] = x
		}
		return out
	}
	c.PerDay, c.PerHour = fixTimes(c.PerDay), fixTimes(c.PerHour)
	pcd := make([]knocks.SeriesDay, len(c.PerCountryDay))
	for i, x := range c.PerCountryDay {
		pcd[i] = knocks.SeriesDay{Country: x.Country, Days: fixTimes(x.Days)}
	}
	c.PerCountryDay = pcd
	c.Bans = normalBans(c.Bans)
	ips := make([]knocks.IPCount, len(c.TopIPs))
	for i, x := range c.TopIPs {
		x.First, x.Last = x.First.UTC(), x.Last.UTC()
		ips[i] = x
	}
	c.TopIPs = ips
	return &c
}

// testWorld stores the data that the picture outputs are tested with
// (World) and checks that the store's summaries are the reference model's
// (WorldSummary), whole and narrowed, with locations when the store keeps
// them.
func testWorld(t *testing.T, s knocks.EventStore) {
	ctx := context.Background()
	cfg := WorldConfig{Seed: 4, Connections: 3000, Days: 20, End: time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC), Top: 15,
		Users: []string{EvilUser}, ExtraCities: 40}
	d := World(cfg)
	id, err := s.BeginImport(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: Clone(d.Connections), Lines: d.Lines,
		Checkpoint: &knocks.Checkpoint{Fingerprint: "w0", Name: "auth.log", Offset: 1, Lines: d.LinesRead, New: true}}); err != nil {
		t.Fatal(err)
	}
	if gs, ok := s.(knocks.GeoStore); ok {
		saveLocations(t, gs, d.Locations)
	} else {
		d.Locations = nil
	}
	for _, f := range []knocks.Filter{
		{Top: cfg.Top},
		{Top: 5, Country: "cn"},
		{Top: 5, Since: cfg.End.AddDate(0, 0, -3)},
		{Top: 5, User: "root"},
	} {
		got, err := s.Summary(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		want := Expected(d, f)
		if want.Attempts == 0 || len(want.TopIPs) == 0 {
			t.Fatalf("filter %+v selects nothing of the world: the test tests nothing", f)
		}
		compare(t, f, got, want)
	}
}
