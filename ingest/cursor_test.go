package ingest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"knocks"
)

func mustCursor(t *testing.T, text string) knocks.Cursor {
	t.Helper()
	c, err := knocks.ParseCursor(text)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestJournals(t *testing.T) {
	j := NewJournals([]knocks.StoredCursor{
		{Cursor: mustCursor(t, "s=aa;i=10;t=6122a3c2e7a40"), Local: true},
		{Cursor: mustCursor(t, "s=bb;i=5;t=7000000000000")}, // later, but from an export: maybe another machine's
	})
	tests := []struct {
		Name   string
		Cursor string
		Local  bool
		Want   bool
	}{
		{"before the stored position", "s=aa;i=9", false, false},
		{"at the stored position", "s=aa;i=10", false, false},
		{"after it (seqnums are hexadecimal)", "s=aa;i=a", false, false},
		{"after it", "s=aa;i=11", false, true},
		{"the same entry again", "s=aa;i=11", false, false},
		{"gap", "s=aa;i=20;t=6122a3c2e7b00", false, true},
		{"older after newer", "s=aa;i=15", false, false},
		{"other journal", "s=bb;i=6;t=7000000000001", false, true},
		{"new journal", "s=cc;i=1;t=8000000000000", false, true},
		{"known entry read locally", "s=bb;i=6", true, false},
	}
	for _, tt := range tests {
		if got := j.Next(mustCursor(t, tt.Cursor), tt.Local); got != tt.Want {
			t.Errorf("%s: Next(%s) = %v, want %v", tt.Name, tt.Cursor, got, tt.Want)
		}
	}
	got := map[string]knocks.CursorUpdate{}
	for _, u := range j.Take() {
		got[u.SeqnumID] = u
	}
	if len(got) != 3 || got["aa"].Seqnum != 0x20 || !got["aa"].Local || got["bb"].Seqnum != 6 || !got["bb"].Local || got["cc"].Seqnum != 1 || got["cc"].Local {
		t.Errorf("Take = %+v, want aa at 20 (local), bb at 6 (now local), cc at 1", got)
	}
	if u := j.Take(); u != nil {
		t.Errorf("second Take = %+v, want nothing: nothing moved", u)
	}
	if c, ok := j.After(); !ok || c.SeqnumID != "bb" {
		t.Errorf("After = %v, %v; want the local journal with the latest time, bb (cc is later but not local)", c, ok)
	}
	if c, ok := NewJournals([]knocks.StoredCursor{{Cursor: mustCursor(t, "s=bb;i=5")}}).After(); ok {
		t.Errorf("After with no local journal = %v, want none", c)
	}
}

// journalLog returns the lines of attackLog(n) as the entries of one
// journal: each line starts with its cursor, seqnums from first on.
func journalLog(sid string, n int, first int) []string {
	lines := attackLog(n)
	for i, l := range lines {
		lines[i] = fmt.Sprintf("s=%s;i=%x;b=6c7c6013a8e44d42b60d3fd2ab3c6d2b;t=%x %s", sid, first+i, t0.Add(time.Duration(i)*time.Second).UnixMicro(), l)
	}
	return lines
}

// TestOverlappingJournalExports imports overlapping exports of a journal
// (as `journalctl -o json | knocks ingest -` run every day would) and
// compares the result with one import of the whole journal.
func TestOverlappingJournalExports(t *testing.T) {
	all := journalLog("739ad463348b4ceca5a9e69c95a3c93f", 300, 0x4e000)
	clean := newMemStore()
	if _, err := run(t, clean, Options{}, &memInput{name: "-", lines: all}); err != nil {
		t.Fatal(err)
	}
	wantC, wantA := totals(t, clean)
	if wantC != 300 || wantA != 300 {
		t.Fatalf("clean import: %d connections, %d attempts; want 300", wantC, wantA)
	}
	pct := func(p int) int { return len(all) * p / 100 }
	for _, tc := range []struct {
		Name    string
		Exports [][2]int // percent ranges, imported one per run in order
	}{
		{"1-60 then 30-100", [][2]int{{0, 60}, {30, 100}}},
		{"three overlapping", [][2]int{{0, 40}, {20, 70}, {50, 100}}},
		{"the same export twice", [][2]int{{0, 100}, {0, 100}}},
		{"inside an earlier one", [][2]int{{0, 80}, {10, 50}, {60, 100}}},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			s := newMemStore()
			for i, e := range tc.Exports {
				// A different first line each time (journald dropped old
				// entries), so the fingerprint does not help: the cursor must.
				in := &memInput{name: "-", lines: all[pct(e[0]):pct(e[1])]}
				res, err := run(t, s, Options{ChunkLines: 50, CommitLines: 120}, in)
				if err != nil {
					t.Fatal(err)
				}
				if i > 0 && res.Inputs[0].Known == 0 && e[0] != tc.Exports[i-1][0] && e[0] < tc.Exports[i-1][1] {
					t.Errorf("export %d: no entry counted as known", i)
				}
			}
			if c, a := totals(t, s); c != wantC || a != wantA || len(s.conns) != len(clean.conns) {
				t.Errorf("%d connections, %d attempts, %d rows; a clean import has %d, %d, %d", c, a, len(s.conns), wantC, wantA, len(clean.conns))
			}
			if cs, _ := s.JournalCursors(context.Background()); len(cs) != 1 || cs[0].Seqnum != 0x4e000+int64(len(all))-1 {
				t.Errorf("stored cursors %+v, want the last entry", cs)
			}
		})
	}
	t.Run("two exports in one run", func(t *testing.T) {
		s := newMemStore()
		a, b := &memInput{name: "a.json", lines: all[:pct(60)]}, &memInput{name: "b.json", lines: all[pct(30):]}
		if _, err := run(t, s, Options{ChunkLines: 50}, a, b); err != nil {
			t.Fatal(err)
		}
		if c, at := totals(t, s); c != wantC || at != wantA {
			t.Errorf("%d connections, %d attempts; want %d, %d", c, at, wantC, wantA)
		}
	})
}

// TestKilledJournalImportResumesExactlyOnce kills an import of an export
// at each of its commits, runs the export again (grown meanwhile), then
// imports a later, overlapping export.
func TestKilledJournalImportResumesExactlyOnce(t *testing.T) {
	all := journalLog("aa", 500, 1)
	for fail := 1; fail <= 3; fail++ {
		t.Run(fmt.Sprintf("killed at write %d", fail), func(t *testing.T) {
			s := newMemStore()
			s.failWrite = fail
			opts := Options{ChunkLines: 100, CommitLines: 300}
			if _, err := run(t, s, opts, &memInput{name: "-", lines: all[:800]}); err == nil {
				t.Fatal("want the write error")
			}
			s.failWrite = 0
			if _, err := run(t, s, opts, &memInput{name: "-", lines: all[:1200]}); err != nil {
				t.Fatal(err)
			}
			if _, err := run(t, s, opts, &memInput{name: "-", lines: all[600:]}); err != nil {
				t.Fatal(err)
			}
			if c, a := totals(t, s); c != 500 || a != 500 || len(s.conns) != 500 {
				t.Errorf("after resume: %d connections, %d attempts, %d rows; want 500 each", c, a, len(s.conns))
			}
		})
	}
}

// TestConcurrentJournalImportConflicts checks that an import whose journal
// moved under it (another importer stored the same entries meanwhile)
// fails instead of storing them twice.
func TestConcurrentJournalImportConflicts(t *testing.T) {
	all := journalLog("aa", 100, 1)
	s := newMemStore()
	other := &racer{memStore: s, lines: all[:150]}
	ing := &Ingester{Store: other, Parser: wordParser{}, Open: func(context.Context, string) (Input, error) { return &memInput{name: "-", lines: all}, nil }}
	_, err := ing.Run(context.Background(), []string{"-"})
	if knocks.ErrorCode(err) != knocks.ECONFLICT {
		t.Fatalf("import racing another: %v, want ECONFLICT", err)
	}
	if c, a := totals(t, s); c != 50 || a != 50 {
		t.Errorf("%d connections, %d attempts: want the other importer's 50 only", c, a)
	}
}

// racer is a store where another importer imports lines just before the
// first Write.
type racer struct {
	*memStore
	lines []string
	done  bool
}

func (r *racer) Write(ctx context.Context, b *knocks.Batch) error {
	if !r.done {
		r.done = true
		if _, err := (&Ingester{Store: r.memStore, Parser: wordParser{}, Open: func(context.Context, string) (Input, error) {
			return &memInput{name: "other", lines: r.lines}, nil
		}}).Run(ctx, []string{"other"}); err != nil {
			return err
		}
	}
	return r.memStore.Write(ctx, b)
}

// TestJournalExportCutsConnection imports an export that ends inside a
// connection, then one that starts long before that: the first chunks of
// the second hold only entries imported before, and the first events
// after them must still extend the cut connection, not start another.
func TestJournalExportCutsConnection(t *testing.T) {
	all := journalLog("aa", 300, 1)
	s := newMemStore()
	cut := 3*180 + 1 // after the invalid-user line of connection 180
	if _, err := run(t, s, Options{ChunkLines: 50}, &memInput{name: "a", lines: all[:cut]}); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, s, Options{ChunkLines: 50}, &memInput{name: "b", lines: all[300:]}); err != nil {
		t.Fatal(err)
	}
	if c, a := totals(t, s); c != 300 || a != 300 || len(s.conns) != 300 {
		t.Errorf("%d connections, %d attempts, %d rows; want 300 each", c, a, len(s.conns))
	}
}
