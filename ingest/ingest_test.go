package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"knocks"
)

// memStore is an in-memory knocks.EventStore that can be told to fail the
// n-th Write, like a process killed mid-import.
type memStore struct {
	mu        sync.Mutex // the pipeline calls the store from its reader and its writer
	conns     map[int64]knocks.Connection
	cps       map[string][]knocks.Checkpoint
	f2b       []knocks.Fail2banEvent
	cursors   map[string]knocks.StoredCursor
	nextID    int64
	writes    int
	failWrite int // fail the write with this number (1-based); 0: never
}

func newMemStore() *memStore {
	return &memStore{conns: map[int64]knocks.Connection{}, cps: map[string][]knocks.Checkpoint{}, cursors: map[string]knocks.StoredCursor{}}
}

func (s *memStore) BeginImport(context.Context, time.Time) (int64, error) { return 1, nil }
func (s *memStore) FinishImport(context.Context, int64, time.Time, []knocks.InputStats) error {
	return nil
}
func (s *memStore) Checkpoints(_ context.Context, fp string) ([]*knocks.Checkpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*knocks.Checkpoint
	for _, cp := range s.cps[fp] {
		cp := cp
		out = append(out, &cp)
	}
	return out, nil
}
func (s *memStore) RecentConnections(_ context.Context, since, until time.Time) ([]*knocks.Connection, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*knocks.Connection
	for _, c := range s.conns {
		if !c.End.Before(since) && !c.Start.After(until) {
			c := c
			out = append(out, &c)
		}
	}
	return out, nil
}
func (s *memStore) Write(_ context.Context, b *knocks.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	if s.writes == s.failWrite {
		return errors.New("killed")
	}
	// all or nothing: validate, then apply
	for _, c := range b.Connections {
		if _, ok := s.conns[c.ID]; c.ID != 0 && !ok {
			return knocks.Errorf(knocks.EINVALID, "unknown id %d", c.ID)
		}
	}
	cpAt := -1 // the index of the checkpoint to update; len for a new one
	if cp := b.Checkpoint; cp != nil {
		cps := s.cps[cp.Fingerprint]
		if cp.New {
			if len(cps) != cp.Siblings {
				return knocks.Errorf(knocks.ECONFLICT, "siblings")
			}
			cpAt = len(cps)
		} else {
			for i := range cps {
				if cps[i].Offset == cp.Prev && cps[i].Sum == cp.PrevSum {
					cpAt = i
				}
			}
			if cpAt < 0 {
				return knocks.Errorf(knocks.ECONFLICT, "moved")
			}
		}
	}
	for _, u := range b.Cursors {
		if s.cursors[u.SeqnumID].Seqnum != u.Prev {
			return knocks.Errorf(knocks.ECONFLICT, "journal %s moved", u.SeqnumID)
		}
	}
	for _, u := range b.Cursors {
		s.cursors[u.SeqnumID] = knocks.StoredCursor{Cursor: u.Cursor, Local: u.Local || s.cursors[u.SeqnumID].Local}
	}
	for _, c := range b.Connections {
		if c.ID == 0 {
			s.nextID++
			c.ID = s.nextID
		}
		s.conns[c.ID] = *c
	}
	s.f2b = append(s.f2b, b.Fail2ban...)
	if cp := b.Checkpoint; cp != nil {
		if cp.New {
			s.cps[cp.Fingerprint] = append(s.cps[cp.Fingerprint], *cp)
		} else {
			s.cps[cp.Fingerprint][cpAt] = *cp
		}
	}
	return nil
}
func (s *memStore) JournalCursors(context.Context) ([]knocks.StoredCursor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []knocks.StoredCursor
	for _, c := range s.cursors {
		out = append(out, c)
	}
	return out, nil
}
func (s *memStore) Summary(context.Context, knocks.Filter) (*knocks.Summary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum := &knocks.Summary{}
	for _, c := range s.conns {
		sum.Attempts += c.Attempts()
		if c.IsFailure() {
			sum.Connections++
		}
		if c.IsScan() {
			sum.Scans++
		}
		sum.Logins += c.Logins
	}
	return sum, nil
}
func (s *memStore) Close() error { return nil }

// memInput is an Input over lines held in memory; each line is followed by
// a newline in the "content".
type memInput struct {
	name  string
	lines []string
	i     int
	off   int64
}

func (m *memInput) Name() string       { return m.name }
func (m *memInput) ModTime() time.Time { return time.Time{} }
func (m *memInput) Fingerprint() (string, error) {
	if len(m.lines) == 0 {
		return "", nil
	}
	h := sha256.Sum256([]byte(m.lines[0] + "\n"))
	return hex.EncodeToString(h[:]), nil
}

// sum is the checksum of the first n lines: their text.
func (m *memInput) sum(n int) string { return strings.Join(m.lines[:n], "\n") }
func (m *memInput) Sum() string      { return m.sum(m.i) }
func (m *memInput) ResumeAt(cps []*knocks.Checkpoint) (*knocks.Checkpoint, error) {
	for _, cp := range cps {
		if int(cp.Lines) <= len(m.lines) && cp.Sum == m.sum(int(cp.Lines)) {
			for m.i < int(cp.Lines) {
				m.Next()
			}
			return cp, nil
		}
	}
	return nil, nil
}
func (m *memInput) Next() bool {
	if m.i >= len(m.lines) {
		return false
	}
	m.off += int64(len(m.lines[m.i]) + 1)
	m.i++
	return true
}
func (m *memInput) Bytes() []byte  { return []byte(m.lines[m.i-1]) }
func (m *memInput) LineErr() error { return nil }
func (m *memInput) LineNo() int64  { return int64(m.i) }
func (m *memInput) Offset() int64  { return m.off }
func (m *memInput) Err() error     { return nil }
func (m *memInput) Close() error   { return nil }

// wordParser parses "SECONDS PID KIND IP USER" lines; "-" is empty. A
// journal entry starts with its cursor: "s=ID;i=SEQNUM SECONDS PID ...".
type wordParser struct{}

func (w wordParser) Parse(line []byte, ev *knocks.Event) Status {
	e, st := w.words(line)
	*ev = e
	return st
}

func (wordParser) words(line []byte) (knocks.Event, Status) {
	f := strings.Fields(string(line))
	if len(f) > 0 && strings.HasPrefix(f[0], "s=") { // a journal entry's cursor
		f = f[1:]
	}
	if len(f) != 5 {
		return knocks.Event{}, NotSSHD
	}
	sec, _ := strconv.Atoi(f[0])
	pid, _ := strconv.Atoi(f[1])
	e := knocks.Event{Time: t0.Add(time.Duration(sec) * time.Second), Host: "h", PID: pid, Kind: knocks.Kind(f[2]), Count: 1}
	if f[3] != "-" {
		e.IP = netip.MustParseAddr(f[3])
	}
	if f[4] != "-" {
		e.User, e.HasUser = f[4], true
	}
	return e, Recognised
}
func (wordParser) Resolve(*knocks.Event)      {}
func (wordParser) Reset(time.Time, time.Time) {}
func (wordParser) Shape(line []byte) string   { return string(line) }
func (wordParser) Cursor(line []byte) []byte {
	if c, _, ok := strings.Cut(string(line), " "); ok && strings.HasPrefix(c, "s=") {
		return []byte(c)
	}
	return nil
}

// attackLog returns n connections of 3 lines each: invalid user, Failed,
// disconnect; connection i uses pid 1000+i and starts at second 7*i.
func attackLog(n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		ip := fmt.Sprintf("198.51.100.%d", i%200+1)
		s := 7 * i
		out = append(out,
			fmt.Sprintf("%d %d invalid_user %s u%d", s, 1000+i, ip, i%5),
			fmt.Sprintf("%d %d failed %s u%d", s+1, 1000+i, ip, i%5),
			fmt.Sprintf("%d %d disconnect %s -", s+2, 1000+i, ip))
	}
	return out
}

func run(t *testing.T, s *memStore, opts Options, inputs ...*memInput) (*Result, error) {
	t.Helper()
	names := make([]string, len(inputs))
	byName := make(map[string]*memInput)
	for i, in := range inputs {
		in.i, in.off = 0, 0
		names[i] = in.name
		byName[in.name] = in
	}
	open := func(_ context.Context, name string) (Input, error) { return byName[name], nil }
	ing := &Ingester{Store: s, Parser: wordParser{}, Open: open, Options: opts}
	return ing.Run(context.Background(), names)
}

func totals(t *testing.T, s *memStore) (conns, attempts int64) {
	sum, _ := s.Summary(context.Background(), knocks.Filter{})
	return sum.Connections, sum.Attempts
}

func TestRunTwiceAddsNothing(t *testing.T) {
	s := newMemStore()
	in := &memInput{name: "auth.log", lines: attackLog(1000)}
	if _, err := run(t, s, Options{ChunkLines: 64, CommitLines: 500}, in); err != nil {
		t.Fatal(err)
	}
	c1, a1 := totals(t, s)
	if c1 != 1000 || a1 != 1000 {
		t.Fatalf("first import: %d connections, %d attempts; want 1000, 1000", c1, a1)
	}
	if _, err := run(t, s, Options{}, in); err != nil {
		t.Fatal(err)
	}
	if c2, a2 := totals(t, s); c2 != c1 || a2 != a1 || len(s.conns) != 1000 {
		t.Errorf("second import changed totals: %d/%d rows %d", c2, a2, len(s.conns))
	}
}

func TestKilledImportResumesExactlyOnce(t *testing.T) {
	lines := attackLog(1000)
	for fail := 1; fail <= 6; fail++ {
		t.Run(fmt.Sprintf("killed at write %d", fail), func(t *testing.T) {
			s := newMemStore()
			s.failWrite = fail
			in := &memInput{name: "auth.log", lines: lines}
			if _, err := run(t, s, Options{ChunkLines: 100, CommitLines: 450}, in); err == nil {
				t.Fatal("want the write error")
			}
			s.failWrite = 0
			if _, err := run(t, s, Options{ChunkLines: 100, CommitLines: 450}, in); err != nil {
				t.Fatal(err)
			}
			if c, a := totals(t, s); c != 1000 || a != 1000 || len(s.conns) != 1000 {
				t.Errorf("after resume: %d connections, %d attempts, %d rows; want 1000 each", c, a, len(s.conns))
			}
		})
	}
}

func TestGrowingFileAddsOnlyNewLinesAndExtendsCutConnection(t *testing.T) {
	all := attackLog(100)
	s := newMemStore()
	// The first import stops in the middle of connection 50 (after its
	// invalid-user line).
	cut := 50*3 + 1
	if _, err := run(t, s, Options{}, &memInput{name: "auth.log", lines: all[:cut]}); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, s, Options{}, &memInput{name: "auth.log", lines: all}); err != nil {
		t.Fatal(err)
	}
	if c, a := totals(t, s); c != 100 || a != 100 || len(s.conns) != 100 {
		t.Errorf("got %d connections, %d attempts, %d rows; want 100 each", c, a, len(s.conns))
	}
}

func TestRotatedSetConnectionSpansTwoFiles(t *testing.T) {
	all := attackLog(10)
	s := newMemStore()
	old := &memInput{name: "auth.log.1", lines: all[:4]} // cuts connection 1 after its first line
	cur := &memInput{name: "auth.log", lines: all[4:]}
	if _, err := run(t, s, Options{}, old, cur); err != nil {
		t.Fatal(err)
	}
	if c, a := totals(t, s); c != 10 || a != 10 || len(s.conns) != 10 {
		t.Errorf("got %d connections, %d attempts, %d rows; want 10 each", c, a, len(s.conns))
	}
	// The next day: the old file is imported again (nothing new), and the
	// current one has grown.
	more := append(append([]string{}, all[4:]...), attackLog(12)[30:]...)
	if _, err := run(t, s, Options{}, old, &memInput{name: "auth.log", lines: more}); err != nil {
		t.Fatal(err)
	}
	if c, a := totals(t, s); c != 12 || a != 12 {
		t.Errorf("after growth: %d connections, %d attempts; want 12", c, a)
	}
}

func TestInputsWithTheSameFirstLineAreEachImported(t *testing.T) {
	s := newMemStore()
	log := attackLog(20)
	// A header line, then different connections.
	a := &memInput{name: "a.log", lines: append([]string{"# header"}, log[:30]...)}
	b := &memInput{name: "b.log", lines: append([]string{"# header"}, log[30:]...)}
	if fa, _ := a.Fingerprint(); func() string { fb, _ := b.Fingerprint(); return fb }() != fa {
		t.Fatal("the fingerprints differ")
	}
	if _, err := run(t, s, Options{ChunkLines: 4, CommitLines: 8}, a, b, a); err != nil {
		t.Fatal(err)
	}
	if c, at := totals(t, s); c != 20 || at != 20 {
		t.Fatalf("after a, b, a: %d connections, %d attempts; want 20 and 20", c, at)
	}
	if n := len(s.cps[func() string { f, _ := a.Fingerprint(); return f }()]); n != 2 {
		t.Errorf("%d checkpoints for the shared first line, want 2", n)
	}
	// Grown, each resumes at its own checkpoint.
	more := attackLog(24)[60:]
	a.lines = append(a.lines, more[:6]...)
	b.lines = append(b.lines, more[6:]...)
	if _, err := run(t, s, Options{ChunkLines: 4, CommitLines: 8}, b, a); err != nil {
		t.Fatal(err)
	}
	if c, at := totals(t, s); c != 24 || at != 24 {
		t.Errorf("after growth: %d connections, %d attempts; want 24 and 24", c, at)
	}
}

func TestCheckpointConflictStopsTheImport(t *testing.T) {
	// Another writer moved the checkpoint between this import's lookup and
	// its write: the import stops with ECONFLICT and stores nothing twice.
	s := newMemStore()
	in := &memInput{name: "auth.log", lines: attackLog(10)}
	if _, err := run(t, s, Options{}, in); err != nil {
		t.Fatal(err)
	}
	in.lines = attackLog(20)
	ing := &Ingester{Store: &racingStore{s}, Parser: wordParser{}, Open: func(context.Context, string) (Input, error) { in.i, in.off = 0, 0; return in, nil }}
	_, err := ing.Run(context.Background(), []string{"auth.log"})
	if knocks.ErrorCode(err) != knocks.ECONFLICT {
		t.Fatalf("import after the checkpoint moved: %v, want ECONFLICT", err)
	}
	if c, _ := totals(t, s); c != 10 {
		t.Errorf("%d connections, want 10: the conflicting batch was stored", c)
	}
}

// racingStore moves every checkpoint on by one line right after an import
// read them, as a second writer would.
type racingStore struct{ *memStore }

func (r *racingStore) Checkpoints(ctx context.Context, fp string) ([]*knocks.Checkpoint, error) {
	cps, err := r.memStore.Checkpoints(ctx, fp)
	for i := range r.cps[fp] {
		r.cps[fp][i].Offset++
	}
	return cps, err
}

// TestOlderInputAfterNewerKeepsItsConnectionsWhole checks that an input
// whose times are before those of the input read before it (another host's
// log, or an older file given last) counts its connections whole across
// commits: the Accountant must not forget its open connections because an
// earlier input had later times.
func TestOlderInputAfterNewerKeepsItsConnectionsWhole(t *testing.T) {
	var newer []string
	for _, l := range attackLog(50) {
		f := strings.Fields(l)
		sec, _ := strconv.Atoi(f[0])
		pid, _ := strconv.Atoi(f[1])
		newer = append(newer, fmt.Sprintf("%d %d %s %s %s", sec+1_000_000, pid+5000, f[2], f[3], f[4]))
	}
	s := newMemStore()
	opts := Options{ChunkLines: 4, CommitLines: 8}
	if _, err := run(t, s, opts, &memInput{name: "new.log", lines: newer}, &memInput{name: "old.log", lines: attackLog(300)}); err != nil {
		t.Fatal(err)
	}
	if c, a := totals(t, s); c != 350 || a != 350 || len(s.conns) != 350 {
		t.Errorf("got %d connections, %d attempts, %d rows; want 350 each", c, a, len(s.conns))
	}
}
