package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"time"

	"knocks"
)

// Input is one opened log input, read line by line.
type Input interface {
	// Name is the name the user gave ("-" for stdin).
	Name() string
	// ModTime is the modification time of the file, zero for stdin.
	ModTime() time.Time
	// Fingerprint identifies the content; "" when the input has no complete
	// first line yet.
	Fingerprint() (string, error)
	// ResumeAt moves past the content that one of the checkpoints stored
	// for the input's fingerprint covers, after checking that the content
	// up to it is the content it covered, and returns it; nil for a new
	// input (one that matches none of them).
	ResumeAt(cps []*knocks.Checkpoint) (*knocks.Checkpoint, error)
	// Sum is the checksum of the content up to Offset, for a checkpoint.
	Sum() string
	// Next reads the next complete line; false at the end or on an error
	// that ends the input (see Err). A bad line that was skipped is reported
	// through LineErr with Next still true.
	Next() bool
	// Bytes is the current line without its newline, valid until Next.
	Bytes() []byte
	// LineErr is the error of the current line (too long, NUL bytes, ...):
	// the line was skipped; nil for a good line.
	LineErr() error
	// LineNo is the 1-based number of the current line in the content.
	LineNo() int64
	// Offset is the byte offset just after the current line.
	Offset() int64
	// Err is the error that ended the input early, nil at a clean end.
	Err() error
	// Close releases the input.
	Close() error
}

// Parser parses one line: the event, its status and, for sshd lines that
// were not recognised, the message for grouping by shape.
type Parser interface {
	// Parse parses one line into ev, setting every field of it (the
	// caller reuses events: nothing of an earlier line may remain). ev
	// must not be kept.
	Parse(line []byte, ev *knocks.Event) Status
	// Resolve gives ev its year (RFC 3164) and UTC time, in line order.
	Resolve(ev *knocks.Event)
	// Reset starts a new input with its modification time and the last
	// event time of an earlier import of it (zero when none).
	Reset(modTime, prev time.Time)
	// Shape returns the masked shape of an unrecognised sshd line.
	Shape(line []byte) string
	// Cursor returns the journald cursor of a journal JSON line (its
	// __CURSOR field), nil for any other line.
	Cursor(line []byte) []byte
}

// Status says what a parser made of a line.
type Status int

// The statuses of a parsed line.
const (
	NotSSHD      Status = iota // a line of another program
	Recognised                 // an event (or a context line)
	Ignored                    // an sshd line that is not an event
	Unrecognised               // an sshd line the parser does not know
	Invalid                    // an sshd line with a time out of range (knocks.ValidTime): skipped as bad input
)

// Options tune the pipeline.
type Options struct {
	CommitLines    int           // lines between commits (default 50,000)
	CommitInterval time.Duration // longest time read lines wait for their commit (default 1 s)
	ChunkLines     int           // lines per chunk passed between the goroutines (default 4096)
	MaxShapes      int           // distinct shapes of unrecognised lines kept per input (default 200)
	// Host is the host of ban events whose line names none (fail2ban.log
	// writes no host): the machine that fail2ban ran on.
	Host string
}

func (o Options) withDefaults() Options {
	if o.CommitLines <= 0 {
		o.CommitLines = 50_000
	}
	if o.CommitInterval <= 0 {
		o.CommitInterval = time.Second
	}
	if o.ChunkLines <= 0 {
		o.ChunkLines = 4096
	}
	if o.MaxShapes <= 0 {
		o.MaxShapes = 200
	}
	return o
}

// Ingester imports inputs into a store: the one pipeline of `knocks
// ingest`, one-shot reports and `knocks watch`.
type Ingester struct {
	Store   knocks.EventStore
	Parser  Parser
	Open    func(ctx context.Context, name string) (Input, error) // opens an input, ctx ending its reads; its error is reported and the import goes on
	Options Options
	Now     func() time.Time
	// Enricher, when set, looks up the stored addresses without a location
	// (those the import wrote, and those a killed import left): after the
	// whole import in Run, after each commit in Follow. In Run, when every
	// stored address was located before the import, it looks up those of
	// each committed batch while the import runs (see geoPass).
	Enricher *Enricher
	// Logger receives the pipeline's progress (commits at debug level,
	// broken inputs at warn); nil discards it.
	Logger *slog.Logger
	// LocalJournal says that the inputs are this machine's journal, read
	// by journalctl: the journals they hold are marked local, and their
	// cursors are what Journals.After offers to a later run.
	LocalJournal bool
	// Bans, when set, reads the inputs that are ban databases (fail2ban's)
	// instead of logs, after the logs, in the same import.
	Bans BanDatabase
}

// resumable is an Input that may say that it cannot be resumed after a
// checkpoint: the output of journalctl, made anew by each run. Such an
// input is read from its start; its entries are known by their journal
// cursors, and its checkpoint row only records the lines read.
type resumable interface {
	Resumable() bool
}

// waiter is an Input whose reads may block (a pipe): OnWait sets a
// function called before such a read (see source.Input.OnWait).
type waiter interface {
	OnWait(func())
}

func (in *Ingester) logger() *slog.Logger {
	if in.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return in.Logger
}

// Result is what an import did.
type Result struct {
	ImportID int64
	Inputs   []knocks.InputStats
	Errors   []error // one per skipped line or broken input, for the user
	Skipped  bool    // something was skipped: the exit status is non-zero
}

// chunksQueued is how many chunks the reader may be ahead of the writer.
// The free list of their event buffers holds that many and the two being
// filled and accounted for, so that once the queue was full no chunk
// allocates its buffer afresh: memory is what the queue holds in any case.
// The writer goes on taking chunks while a batch is stored (see write), so
// the queue need not cover a commit: with the batches stored on a goroutine
// of their own, 4 chunks took 2-3% less time than 8 at 1M lines, and the
// import 6 MiB less at its peak.
const chunksQueued = 4

// chunk is a run of parsed events of one input and the checkpoint after it.
type chunk struct {
	events []knocks.Event
	lines  int64
	counts map[lineKey]int64 // lines per host and hour (see addLines)
	run    lineKey           // the host and hour of the last lines added, not yet in counts
	runN   int64             // how many
	cp     *knocks.Checkpoint
	first  bool // the first chunk of its input
	final  bool // the last chunk of its input
	// done, when set, is closed once the writer committed everything
	// handed on before it and with it (a chunk with only done set is a
	// barrier: see flush).
	done chan struct{}
	// cursors are the journal positions after the chunk's entries.
	cursors []knocks.CursorUpdate
}

// Run imports the named inputs in order, opening each with Open (the
// caller orders rotated sets oldest first). An input that cannot be opened
// or read is reported in the result and the others go on; the returned
// error is for failures of the store or ctx. The inputs that are ban
// databases (see Bans) are read after the logs.
func (in *Ingester) Run(ctx context.Context, names []string) (*Result, error) {
	o := in.Options.withDefaults()
	names, dbs := in.splitDatabases(names)
	now := in.Now
	if now == nil {
		now = time.Now
	}
	res, journals, committed, err := in.beginImport(ctx, now, len(names))
	if err != nil {
		return res, err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The addresses of the connections written are located on a
	// goroutine of their own while the import runs.
	geo, err := in.Enricher.startGeoPass(ctx)
	if err != nil {
		return res, err
	}
	var afterCommit func(b *knocks.Batch) error
	if geo != nil {
		afterCommit = func(b *knocks.Batch) error { return geo.sent(ctx, b) }
	}
	chunks := make(chan *chunk, chunksQueued)
	free := make(chan []knocks.Event, chunksQueued+2)
	writeErr := make(chan error, 1)
	go func() {
		err := in.write(ctx, res.ImportID, chunks, free, o, res, committed, afterCommit)
		if err != nil {
			cancel()
		}
		writeErr <- err
	}()
	readErr := in.read(ctx, names, chunks, free, res, o, journals)
	close(chunks)
	werr := <-writeErr
	if werr == nil && readErr == nil && geo != nil {
		werr = geo.finish(ctx)
	} else if geo != nil {
		geo.abandon()
	}
	if werr != nil {
		return res, werr
	}
	if readErr != nil {
		return res, readErr
	}
	for _, db := range dbs {
		if err := in.readDatabase(ctx, res.ImportID, db, o, res); err != nil {
			return res, err
		}
	}
	if err := in.Store.FinishImport(ctx, res.ImportID, now().UTC(), res.Inputs); err != nil {
		return res, err
	}
	// Every run, even one that added nothing, looks up what is pending:
	// the addresses of this import, and those that a killed one left.
	if err := in.Enricher.Enrich(ctx); err != nil {
		return res, err
	}
	return res, nil
}

// read opens, reads and parses each input in turn, sending chunks of
// events. Inputs are opened one at a time, so a long rotated set costs
// neither file descriptors nor buffers.
func (in *Ingester) read(ctx context.Context, names []string, out chan<- *chunk, free chan []knocks.Event, res *Result, o Options, journals *Journals) error {
	// An earlier input of this import with the same first line (the same
	// file given twice, or another with the same header) must have its
	// checkpoint stored before the next one is matched against it.
	seen := make(map[string]bool)
	lookup := func(ctx context.Context, fp string) ([]*knocks.Checkpoint, error) {
		if seen[fp] {
			if err := flush(ctx, out); err != nil {
				return nil, err
			}
		}
		seen[fp] = true
		return in.Store.Checkpoints(ctx, fp)
	}
	for i, name := range names {
		st := &res.Inputs[i]
		st.Name = name
		inp, err := in.Open(ctx, name)
		if err != nil {
			res.fail(st, err)
			continue
		}
		err = in.readInput(ctx, inp, st, lookup, out, free, res, o, journals)
		inp.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// readInput reads one opened input to its end. It returns only errors that
// end the whole import (the store, ctx); a broken input is recorded in res.
func (in *Ingester) readInput(ctx context.Context, inp Input, st *knocks.InputStats, lookup lookupFunc, out chan<- *chunk, free chan []knocks.Event, res *Result, o Options, journals *Journals) error {
	r, err := in.begin(ctx, inp, st, res, lookup)
	if r == nil || err != nil {
		return err
	}
	r.journals = journals
	if err := in.drain(ctx, r, out, free, res, o, true); err != nil {
		return err
	}
	st.Shapes = r.shapes.list()
	return nil
}

// reading is an input being read on from its checkpoint.
type reading struct {
	inp      Input
	fp       string
	st       *knocks.InputStats
	shapes   *shapes
	journals *Journals         // the journal positions read
	cp       knocks.Checkpoint // the position after the last line handed on
	first    bool              // nothing handed on yet: the first chunk loads recent connections
	new      bool              // no checkpoint of the input is stored yet
	siblings int               // the checkpoints stored with fp when the input was looked up
	at       lineKey           // the host and hour that lines count in: those of the last dated sshd line
	dated    bool              // at is set
	early    int64             // lines read before the first dated sshd line
}

// lineKey is a host and an hour (unix seconds; 0 for lines in no hour).
type lineKey struct {
	host string
	hour int64
}

// count counts one line read: in the host and hour of the sshd line ev
// when it has a time of its own (status is not NotSSHD and the time has a
// year), else in those of the last one; the lines before the first dated
// line wait in early for it.
func (r *reading) count(c *chunk, ev *knocks.Event, status Status) {
	if status != NotSSHD && status != Invalid && !ev.Time.IsZero() && !ev.NoYear {
		r.at = lineKey{ev.Host, ev.Time.Unix() - ev.Time.Unix()%3600}
		if !r.dated {
			r.dated = true
			c.addLines(r.at, r.early)
			r.early = 0
		}
	}
	if r.dated {
		c.addLines(r.at, 1)
	} else {
		r.early++
	}
}

// lookupFunc returns the stored checkpoints of a fingerprint.
type lookupFunc func(ctx context.Context, fp string) ([]*knocks.Checkpoint, error)

// flush hands on a barrier and waits until the writer committed
// everything handed on before it.
func flush(ctx context.Context, out chan<- *chunk) error {
	c := &chunk{done: make(chan struct{})}
	select {
	case out <- c:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// begin fingerprints inp, looks up the checkpoints of its first line with
// lookup and resumes after the one whose content it has. It returns a nil
// reading when there is nothing to read (no complete first line yet, or a
// failure recorded in res), and an error only for failures that end the
// import.
func (in *Ingester) begin(ctx context.Context, inp Input, st *knocks.InputStats, res *Result, lookup lookupFunc) (*reading, error) {
	fp, err := inp.Fingerprint()
	if err != nil {
		res.fail(st, err)
		return nil, nil
	}
	if fp == "" {
		return nil, nil // empty: nothing to read yet
	}
	st.Fingerprint = fp
	cps, err := lookup(ctx, fp)
	if err != nil {
		return nil, err
	}
	// journalctl's output, made anew by each run, is read from its start:
	// its entries are known by their cursors.
	var cp *knocks.Checkpoint
	if r, ok := inp.(resumable); !ok || r.Resumable() {
		if cp, err = inp.ResumeAt(cps); err != nil {
			res.fail(st, err)
			return nil, nil
		}
	}
	r := &reading{inp: inp, fp: fp, st: st, shapes: newShapes(in.Options.withDefaults().MaxShapes), first: true}
	if cp == nil { // a new input, even when others share its first line
		r.cp = knocks.Checkpoint{Fingerprint: fp}
		r.new, r.siblings = true, len(cps)
	} else {
		r.cp = *cp
	}
	r.cp.Name = inp.Name()
	return r, nil
}

// drain reads r's input from where it is to its current end, handing on
// chunks of events with their checkpoint. With final, the last chunk ends
// the input and is committed at once; without, a chunk is sent only when
// lines were read (a followed input goes on later). It returns only errors
// that end the whole import.
func (in *Ingester) drain(ctx context.Context, r *reading, out chan<- *chunk, free chan []knocks.Event, res *Result, o Options, final bool) error {
	p, inp, st, journals := in.Parser, r.inp, r.st, r.journals
	p.Reset(inp.ModTime(), r.cp.LastTime)
	last := r.cp.LastTime
	// A chunk takes its buffer of events at its first line: a read that
	// finds nothing new (a re-import) costs none.
	c := &chunk{first: r.first}
	send := func() error {
		c.flushLines()
		c.cp = &knocks.Checkpoint{Fingerprint: r.fp, Name: inp.Name(), Offset: inp.Offset(), Lines: inp.LineNo(), Sum: inp.Sum(), LastTime: last,
			Prev: r.cp.Offset, PrevSum: r.cp.Sum, New: r.new, Siblings: r.siblings}
		c.cursors = journals.Take()
		// The writer owns the chunk once it is handed on (it completes
		// the checkpoint's compare part): read on from a copy.
		next := *c.cp
		select {
		case out <- c:
		case <-ctx.Done():
			return ctx.Err()
		}
		r.cp, r.first, r.new = next, false, false
		c = &chunk{}
		return nil
	}
	var sendErr error
	if w, ok := inp.(waiter); ok {
		// Before a read that may block, hand on the lines read so far, so
		// that they are committed by time while the stream is quiet.
		w.OnWait(func() {
			if c.lines > 0 && sendErr == nil {
				sendErr = send()
			}
		})
		defer w.OnWait(nil)
	}
	var none knocks.Event // the event of a line that was not parsed
	for inp.Next() {
		c.lines++
		// The line is parsed into the next element of the chunk, kept
		// only for a recognised event: no event is allocated per line.
		switch {
		case c.events == nil:
			c.events = take(free, o.ChunkLines)
		case len(c.events) == cap(c.events):
			c.events = slices.Grow(c.events, 1)
		}
		ev := &c.events[:len(c.events)+1][len(c.events)]
		status := NotSSHD
		if err := inp.LineErr(); err != nil {
			ev = &none
			st.Lines++
			st.Skipped++
			res.Skipped = true
			res.Errors = append(res.Errors, err)
		} else if line := inp.Bytes(); !in.newEntry(p, line, journals) {
			ev = &none
			st.Known++ // a journal entry imported before
		} else {
			st.Lines++
			status = p.Parse(line, ev)
			if status == Recognised {
				p.Resolve(ev)
				// A line without a time of its own (a journal-style
				// "host sshd[pid]: ..." line, which knocks parse
				// reads) cannot be stored: it is skipped.
				if ev.Time.IsZero() || !knocks.ValidTime(ev.Time) {
					status = Invalid
				}
			}
			switch status {
			case Invalid:
				st.SSHDLines++
				st.Skipped++
				res.Skipped = true
				why := knocks.TimeRangeError(ev.Time)
				if ev.Time.IsZero() {
					why = "no time stamp (for a journal, export it with `journalctl -o json`)"
				}
				res.Errors = append(res.Errors, fmt.Errorf("%s:%d: %s, skipped", inp.Name(), inp.LineNo(), why))
			case Recognised:
				st.SSHDLines++
				st.Recognised++
				ev.Line = inp.LineNo()
				if ev.Kind.Class() != knocks.ClassNone {
					st.Events++
				}
				if ev.Time.After(last) {
					last = ev.Time
				}
				c.events = c.events[:len(c.events)+1]
			case Ignored:
				st.SSHDLines++
				st.Recognised++
			case Unrecognised:
				st.SSHDLines++
				st.Unrecognised++
				shape := p.Shape(line)
				if r.shapes.add(shape, line) {
					in.logger().Info("unrecognised sshd line, a new shape", "input", inp.Name(), "line", inp.LineNo(), "shape", shape)
				}
			}
		}
		r.count(c, ev, status)
		if c.lines >= int64(o.ChunkLines) {
			if err := send(); err != nil {
				return err
			}
		}
	}
	if sendErr != nil {
		return sendErr
	}
	if err := inp.Err(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		res.fail(st, err)
		in.logger().Warn("input ended early", "input", inp.Name(), "err", err)
	}
	if !final && c.lines == 0 {
		give(free, c.events)
		return nil
	}
	c.final = final
	if final && !r.dated && r.early > 0 {
		c.addLines(lineKey{}, r.early) // an input without a dated sshd line: lines in no hour
		r.early = 0
	}
	return send()
}

// addLines adds n lines of a host and hour to the chunk's counts. Lines
// come in runs of one host and hour: a run is counted apart and added to
// counts when another begins (see flushLines), not line by line.
func (c *chunk) addLines(k lineKey, n int64) {
	if n == 0 {
		return
	}
	if c.runN > 0 && k == c.run {
		c.runN += n
		return
	}
	c.flushLines()
	c.run, c.runN = k, n
}

// flushLines adds the run of lines being counted to counts.
func (c *chunk) flushLines() {
	if c.runN == 0 {
		return
	}
	if c.counts == nil {
		c.counts = map[lineKey]int64{}
	}
	c.counts[c.run] += c.runN
	c.runN = 0
}

// newEntry reports whether a line is to be read: any line but a journal
// entry at or before the stored position of its journal. A line whose
// cursor does not parse is read (it is checked no further here).
func (in *Ingester) newEntry(p Parser, line []byte, journals *Journals) bool {
	raw := p.Cursor(line)
	if raw == nil {
		return true
	}
	cur, err := knocks.ParseCursor(string(raw))
	if err != nil {
		return true
	}
	return journals.Next(cur, in.LocalJournal)
}

// give returns a chunk's buffer of events to the free list, unless the
// list is full or the chunk had none.
func give(free chan<- []knocks.Event, events []knocks.Event) {
	if cap(events) == 0 {
		return
	}
	select {
	case free <- events:
	default:
	}
}

// take returns a buffer of events from the free list, or a new one of
// capacity n.
func take(free chan []knocks.Event, n int) []knocks.Event {
	select {
	case b := <-free:
		return b[:0]
	default:
		return make([]knocks.Event, 0, n)
	}
}

func (r *Result) fail(st *knocks.InputStats, err error) {
	r.Skipped = true
	r.Errors = append(r.Errors, err)
	if st.Error == "" {
		st.Error = err.Error()
	}
}

// write accounts for the events of each chunk and commits batches with
// their checkpoint: every CommitLines lines, at the end of each input, and
// at most CommitInterval after lines were read. A batch holds the checkpoint
// of one input: when the chunks of another input arrive, the pending ones
// are committed first.
//
// A batch is stored on a goroutine of its own (see flight) while the next
// chunks are accounted for; the store writes one batch at a time, in
// order. Before anything that must see the batches stored (the stored
// connections that a new input's first events may extend, a barrier, the
// end) and before the next batch is made, write waits for the one being
// stored.
//
// committed holds the stored seqnum of each journal (seqnum ID): the Prev
// of its next cursor update; the journal positions of the chunks are
// written with the batch that holds their events.
func (in *Ingester) write(ctx context.Context, id int64, chunks <-chan *chunk, free chan<- []knocks.Event, o Options, res *Result, committed map[string]int64, afterCommit func(b *knocks.Batch) error) (err error) {
	acc := NewAccountant()
	var pending int64
	// cp is the checkpoint of the pending lines; from, that of their first
	// chunk, which says what the store holds before them (the compare of
	// the checkpoint's compare-and-swap).
	var cp, from *knocks.Checkpoint
	cursors := map[string]knocks.CursorUpdate{} // the latest position of each journal not yet written
	needLoad := false                           // the input's first events are still to come
	counts := map[lineKey]int64{}               // lines read per host and hour, not yet written
	lastCommit := time.Now()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	log := in.logger()
	var fl *flight    // the batch being stored, nil when none
	var spare *flight // a finished flight, whose copies the next one reuses
	// finish completes the stored batch f, whose store's answer is werr.
	finish := func(f *flight, werr error) error {
		fl = nil
		if werr != nil {
			if knocks.ErrorCode(werr) == knocks.ECONFLICT && f.b.Checkpoint != nil {
				return fmt.Errorf("cannot import %s: %w", f.b.Checkpoint.Name, werr)
			}
			return werr
		}
		f.stored()
		for _, u := range f.b.Cursors {
			committed[u.SeqnumID] = u.Seqnum
		}
		if cp := f.b.Checkpoint; cp != nil {
			log.Debug("committed", "input", cp.Name, "lines", f.lines, "connections", len(f.b.Connections), "offset", cp.Offset)
		}
		spare = f
		if afterCommit != nil {
			return afterCommit(f.b)
		}
		return nil
	}
	// settle waits for the batch being stored, if any, and completes it.
	settle := func() error {
		if fl == nil {
			return nil
		}
		return finish(fl, <-fl.done)
	}
	// The batch being stored is waited for on every way out: the store is
	// not used once write returned.
	defer func() {
		if serr := settle(); err == nil {
			err = serr
		}
	}()
	// commit hands on the pending lines as a batch to be stored, after
	// the batch before is stored.
	commit := func() error {
		timer.Stop()
		if err := settle(); err != nil {
			return err
		}
		conns, f2b := acc.Take()
		for i := range f2b {
			if f2b[i].Host == "" {
				f2b[i].Host = o.Host
			}
		}
		pen := acc.TakePenalties()
		if len(conns) == 0 && len(f2b) == 0 && len(pen) == 0 && cp == nil && len(cursors) == 0 && len(counts) == 0 {
			return nil
		}
		if cp != nil {
			cp.Prev, cp.PrevSum, cp.New, cp.Siblings = from.Prev, from.PrevSum, from.New, from.Siblings
		}
		f := spare
		spare = nil
		if f == nil {
			f = &flight{}
		}
		b := &knocks.Batch{ImportID: id, Connections: f.copy(acc, conns), Fail2ban: f2b, Penalties: pen, Checkpoint: cp}
		for k, n := range counts {
			lc := knocks.LineCount{Host: k.host, Lines: n}
			if k != (lineKey{}) {
				lc.Hour = time.Unix(k.hour, 0).UTC()
			}
			b.Lines = append(b.Lines, lc)
		}
		for sid, u := range cursors {
			u.Prev = committed[sid]
			b.Cursors = append(b.Cursors, u)
		}
		clear(cursors)
		clear(counts)
		f.b, f.lines = b, pending
		f.start(ctx, in.Store)
		fl = f
		pending, cp, from = 0, nil, nil
		lastCommit = time.Now()
		return nil
	}
	for {
		var c *chunk
		var done <-chan error
		if fl != nil {
			done = fl.done
		}
		select {
		case ch, ok := <-chunks:
			if !ok {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if err := commit(); err != nil {
					return err
				}
				return settle()
			}
			c = ch
		case werr := <-done:
			// The batch is stored: it is completed at once (its
			// addresses go to be located), not at the next commit.
			if err := finish(fl, werr); err != nil {
				return err
			}
			continue
		case <-timer.C:
			if ctx.Err() == nil {
				if err := commit(); err != nil {
					return err
				}
			}
			continue
		}
		if ctx.Err() != nil {
			continue // drain so the reader is not blocked
		}
		if cp != nil && c.cp != nil && (c.cp.Fingerprint != cp.Fingerprint || c.cp.Prev != cp.Offset || c.cp.PrevSum != cp.Sum) {
			// The chunk does not go on from the pending lines (another
			// input): they are committed with their own checkpoint.
			if err := commit(); err != nil {
				return err
			}
		}
		// The first events of an input may extend connections stored
		// before; they may come after chunks without events (lines of
		// other programs, journal entries imported before).
		if c.first {
			needLoad = true
			acc.NewInput()
		}
		if needLoad && len(c.events) > 0 {
			if err := settle(); err != nil {
				return err
			}
			if err := in.load(ctx, acc, c.events); err != nil {
				return err
			}
			needLoad = false
		}
		for i := range c.events {
			acc.Add(&c.events[i])
		}
		pending += c.lines
		for k, n := range c.counts {
			counts[k] += n
		}
		if c.cp != nil {
			if cp == nil {
				from = c.cp
			}
			cp = c.cp
		}
		for _, u := range c.cursors {
			cursors[u.SeqnumID] = u
		}
		give(free, c.events)
		since := time.Since(lastCommit)
		switch {
		case pending >= int64(o.CommitLines) || c.final || c.done != nil || since >= o.CommitInterval:
			if err := commit(); err != nil {
				return err
			}
		case pending > 0 || cp != nil:
			timer.Reset(o.CommitInterval - since)
		}
		if c.done != nil {
			if err := settle(); err != nil {
				return err
			}
			close(c.done)
		}
	}
}

// flight is a batch being stored on a goroutine of its own. Its
// connections that the Accountant still holds open, which go on growing
// meanwhile, are copies; the others the Accountant has forgotten, and they
// go to the store as they are. Once stored, the ids that the store gave
// the copies are set on the Accountant's connections (stored).
type flight struct {
	b      *knocks.Batch
	lines  int64                // the lines read that the batch covers
	orig   []*knocks.Connection // the Accountant's connections
	copies []knocks.Connection  // the copies of those it holds open
	ptrs   []*knocks.Connection // b.Connections: the copies and the others
	done   chan error           // receives the store's answer, once
}

// copy returns conns, taken from acc, with those that acc still holds
// open copied into f's buffers.
func (f *flight) copy(acc *Accountant, conns []*knocks.Connection) []*knocks.Connection {
	f.orig = conns
	f.copies = f.copies[:0]
	f.ptrs = slices.Grow(f.ptrs[:0], len(conns))[:len(conns)]
	held := 0
	for _, c := range conns {
		if acc.Holds(c) {
			held++
		}
	}
	// Not grown while pointers into it are taken.
	f.copies = slices.Grow(f.copies, held)
	for i, c := range conns {
		if acc.Holds(c) {
			f.copies = append(f.copies, *c)
			f.ptrs[i] = &f.copies[len(f.copies)-1]
		} else {
			f.ptrs[i] = c
		}
	}
	return f.ptrs
}

// start stores f's batch on a goroutine of its own.
func (f *flight) start(ctx context.Context, store knocks.EventStore) {
	if f.done == nil {
		f.done = make(chan error, 1)
	}
	go func(b *knocks.Batch) { f.done <- store.Write(ctx, b) }(f.b)
}

// stored gives the Accountant's connections the ids that the store gave
// their copies.
func (f *flight) stored() {
	for i, c := range f.orig {
		if p := f.ptrs[i]; p != c {
			c.ID = p.ID
		}
	}
}

// load brings back the stored connections that the first events of an
// input may extend.
func (in *Ingester) load(ctx context.Context, acc *Accountant, evs []knocks.Event) error {
	ts := make([]time.Time, 0, len(evs))
	for i := range evs {
		if !evs[i].Time.IsZero() {
			ts = append(ts, evs[i].Time)
		}
	}
	if len(ts) == 0 {
		return nil
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	cs, err := in.Store.RecentConnections(ctx, ts[0].Add(-knocks.ConnectionGap), ts[0].Add(knocks.ConnectionGap))
	if err != nil {
		return fmt.Errorf("cannot load recent connections: %w", err)
	}
	acc.Load(cs)
	return nil
}

// beginImport records the start of an import of n inputs and reads the stored
// journal cursors: the reader's Journals, and the writer's view of them
// (seqnum ID → stored seqnum). The result is nil when the import could not
// be begun.
func (in *Ingester) beginImport(ctx context.Context, now func() time.Time, n int) (*Result, *Journals, map[string]int64, error) {
	id, err := in.Store.BeginImport(ctx, now().UTC())
	if err != nil {
		return nil, nil, nil, err
	}
	res := &Result{ImportID: id, Inputs: make([]knocks.InputStats, n)}
	stored, err := in.Store.JournalCursors(ctx)
	if err != nil {
		return res, nil, nil, err
	}
	committed := make(map[string]int64, len(stored))
	for _, c := range stored {
		committed[c.SeqnumID] = c.Seqnum
	}
	return res, NewJournals(stored), committed, nil
}
