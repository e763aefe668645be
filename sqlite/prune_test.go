package sqlite_test

import (
	"context"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"knocks"
	"knocks/sqlite"
	"knocks/storetest"
)

// pruneData is a year of old and a month of recent events: connections,
// bans and penalties of each, written by their own imports.
type pruneData struct {
	old, recent         []*knocks.Connection
	oldF2B, recentF2B   []knocks.Fail2banEvent
	oldPen, recentPen   []knocks.PenaltyEvent
	oldStart, recentDay time.Time
}

func newPruneData() pruneData {
	d := pruneData{
		oldStart:  time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC),
		recentDay: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC),
	}
	d.old = storetest.Generate(3000, 21, d.oldStart)
	d.recent = storetest.Generate(500, 22, d.recentDay)
	for i, c := range d.old {
		if i%7 == 0 {
			d.oldF2B = append(d.oldF2B, knocks.Fail2banEvent{Time: c.End.Add(time.Second), Kind: knocks.KindF2BBan, Jail: "sshd", IP: c.IP, Host: c.Host})
		}
		if i%11 == 0 {
			d.oldPen = append(d.oldPen, knocks.PenaltyEvent{Time: c.Start, Host: c.Host, Kind: knocks.KindDrop, IP: netip.MustParseAddr("198.51.100.7"), Reason: "penalty: failed authentication", Count: 1})
		}
	}
	for i, c := range d.recent {
		if i%5 == 0 {
			d.recentF2B = append(d.recentF2B, knocks.Fail2banEvent{Time: c.End.Add(time.Second), Kind: knocks.KindF2BBan, Jail: "sshd", IP: c.IP, Host: c.Host})
		}
		if i%13 == 0 {
			d.recentPen = append(d.recentPen, knocks.PenaltyEvent{Time: c.Start, Host: c.Host, Kind: knocks.KindPenalty, IP: c.IP, Reason: "failed authentication", Count: 2})
		}
	}
	return d
}

// writeImport writes one import of cs, f2b and pen started at started.
func writeImport(t *testing.T, s *sqlite.EventStore, started time.Time, cs []*knocks.Connection, f2b []knocks.Fail2banEvent, pen []knocks.PenaltyEvent, cp *knocks.Checkpoint) int64 {
	t.Helper()
	ctx := context.Background()
	id, err := s.BeginImport(ctx, started)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: cs, Fail2ban: f2b, Penalties: pen, Checkpoint: cp}); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishImport(ctx, id, started.Add(time.Minute), []knocks.InputStats{{Name: "auth.log", Lines: int64(len(cs)) * 4, Events: int64(len(cs))}}); err != nil {
		t.Fatal(err)
	}
	return id
}

// comparable blanks what a pruned store rightly reports otherwise than a
// store that never held the old events: the lines read (every line ever
// imported, also selected without a filter) and the share of hostile
// lines among them.
func comparable(s *knocks.Summary) *knocks.Summary {
	c := *s
	c.Generated, c.LinesRead, c.Lines, c.HostileShare = time.Time{}, 0, nil, nil
	return &c
}

func count(t *testing.T, s *sqlite.EventStore, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.DB().QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	d := newPruneData()
	cut := d.recentDay.Add(-24 * time.Hour)

	// Most recent events are written first, the old ones after them (a
	// rotated file imported late), so that the old rows get the greatest
	// ids; the rest of the recent ones share a span with old rows.
	s := open(t)
	cp := &knocks.Checkpoint{Fingerprint: "f1", Name: "auth.log", Offset: 1000, Lines: 14000, New: true}
	writeImport(t, s, d.recentDay.Add(40*24*time.Hour), storetest.Clone(d.recent[:400]), d.recentF2B, d.recentPen, cp)
	writeImport(t, s, d.recentDay.Add(50*24*time.Hour), append(storetest.Clone(d.old), storetest.Clone(d.recent[400:])...), d.oldF2B, d.oldPen, nil)
	oldImport := writeImport(t, s, d.oldStart, storetest.Generate(200, 23, d.oldStart), nil, nil, nil)
	if _, err := s.LocatePending(ctx, false, 1000, &fakeLocator{}); err != nil {
		t.Fatal(err)
	}

	clean := open(t)
	writeImport(t, clean, d.recentDay.Add(40*24*time.Hour), storetest.Clone(d.recent), d.recentF2B, d.recentPen, nil)
	if _, err := clean.LocatePending(ctx, false, 1000, &fakeLocator{}); err != nil {
		t.Fatal(err)
	}
	want, err := clean.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}

	// An alert shown for an old login, and one for a recent login.
	if _, err := s.DB().Exec(`INSERT INTO alerts_shown (kind, login_id, shown) VALUES ('failed_before', ?, 1), ('failed_before', ?, 1)`,
		count(t, s, "SELECT max(id) FROM connections"), count(t, s, "SELECT min(id) FROM connections")); err != nil {
		t.Fatal(err)
	}

	st, err := s.Prune(ctx, cut)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "SELECT count(*) FROM alerts_shown WHERE login_id NOT IN (SELECT id FROM connections)"); n != 0 || count(t, s, "SELECT count(*) FROM alerts_shown") != 1 {
		t.Errorf("%d alerts of deleted logins left; want only the recent one kept", n)
	}
	if st.Connections != int64(len(d.old)+200) || st.Fail2ban != int64(len(d.oldF2B)) || st.Penalties != int64(len(d.oldPen)) {
		t.Errorf("pruned %d connections, %d bans, %d penalties; want %d, %d, %d",
			st.Connections, st.Fail2ban, st.Penalties, len(d.old)+200, len(d.oldF2B), len(d.oldPen))
	}
	if st.Imports != 1 || count(t, s, "SELECT count(*) FROM imports WHERE id = ?", oldImport) != 0 {
		t.Errorf("pruned %d imports; want only the import of the old events that no kept row comes from", st.Imports)
	}
	if n := count(t, s, "SELECT count(*) FROM import_inputs WHERE import_id = ?", oldImport); n != 0 {
		t.Errorf("%d inputs of the pruned import are left", n)
	}
	if !st.Compacted || st.SizeAfter >= st.SizeBefore {
		t.Errorf("most of the store was deleted: compacted %v, %d bytes -> %d", st.Compacted, st.SizeBefore, st.SizeAfter)
	}

	got, err := s.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if g, w := comparable(got), comparable(want); !reflect.DeepEqual(g, w) {
		t.Errorf("after pruning, the report is not that of the recent events alone:\n got %+v\nwant %+v", g, w)
	}
	if got.LinesRead != 14000 {
		t.Errorf("lines read %d: the checkpoint's lines must stay", got.LinesRead)
	}
	// A window that starts before the cut finds the same.
	got, err = s.Summary(ctx, knocks.Filter{Since: d.oldStart, Until: d.recentDay.Add(60 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Attempts != want.Attempts || got.Connections != want.Connections {
		t.Errorf("window over the cut: %d attempts in %d connections, want %d in %d", got.Attempts, got.Connections, want.Attempts, want.Connections)
	}

	// Checkpoints stay, so the input is not imported again.
	if cps, err := s.Checkpoints(ctx, "f1"); err != nil || len(cps) != 1 || cps[0].Lines != 14000 {
		t.Errorf("checkpoints after prune: %v, %v", cps, err)
	}
	// No span is left without rows, and every span covers exactly its rows.
	if n := count(t, s, `SELECT count(*) FROM connection_spans WHERE min_start < ? OR NOT EXISTS (SELECT 1 FROM connections WHERE id BETWEEN first_id AND last_id)
		OR min_start != (SELECT min(start_time) FROM connections WHERE id BETWEEN first_id AND last_id)
		OR max_end != (SELECT max(end_time) FROM connections WHERE id BETWEEN first_id AND last_id)`, cut.Unix()); n != 0 {
		t.Errorf("%d spans do not fit their rows after prune", n)
	}
	// Locations of addresses that only old events named are gone.
	if n := count(t, s, `SELECT count(*) FROM ip_geo WHERE ip NOT IN (SELECT ip FROM connections WHERE ip IS NOT NULL
		UNION SELECT ip FROM fail2ban_events WHERE ip IS NOT NULL UNION SELECT ip FROM penalty_events WHERE ip IS NOT NULL)`); n != 0 || st.Locations == 0 {
		t.Errorf("%d orphan locations left, %d deleted", n, st.Locations)
	}

	// The ids of the deleted rows come again: their new addresses must
	// still be located, and new rows must be found by time.
	more := storetest.Generate(300, 24, d.recentDay.Add(45*24*time.Hour))
	for _, c := range more {
		c.IP = netip.AddrFrom4([4]byte{100, 64, byte(c.Start.Unix() >> 8), byte(c.Start.Unix())})
	}
	writeImport(t, s, d.recentDay.Add(80*24*time.Hour), more, nil, nil, nil)
	if min := count(t, s, "SELECT min(id) FROM connections WHERE ip LIKE '100.64.%'"); min > int64(len(d.recent)+len(d.old)+200) {
		t.Fatalf("new rows start at id %d: the test wants ids of deleted rows to come again", min)
	}
	loc := &fakeLocator{}
	if _, err := s.LocatePending(ctx, false, 1000, loc); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "SELECT count(DISTINCT ip) FROM connections WHERE ip LIKE '100.64.%' AND ip NOT IN (SELECT ip FROM ip_geo)"); n != 0 {
		t.Errorf("%d new addresses on reused ids were not located", n)
	}
	got, err = s.Summary(ctx, knocks.Filter{Since: d.recentDay.Add(45 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var wantAttempts int64
	for _, c := range more {
		wantAttempts += c.Attempts()
	}
	if got.Attempts < wantAttempts {
		t.Errorf("rows written after prune: %d attempts in the window, want at least %d", got.Attempts, wantAttempts)
	}

	// Nothing older left: a second prune deletes nothing and keeps the file.
	st, err = s.Prune(ctx, cut)
	if err != nil {
		t.Fatal(err)
	}
	if st.Connections+st.Fail2ban+st.Penalties+st.Imports+st.Locations != 0 || st.Compacted {
		t.Errorf("second prune: %+v", st)
	}
	if _, err := s.Prune(ctx, time.Time{}); knocks.ErrorCode(err) != knocks.EINVALID {
		t.Errorf("prune without a cut: %v", err)
	}
}
