package ingest

import (
	"context"
	"errors"
	"time"

	"knocks"
	"knocks/source"
)

// FollowOptions tune Follow.
type FollowOptions struct {
	// Poll is how often the files are checked for new lines and rotation
	// (default 200 ms).
	Poll time.Duration
	// Retire is how long a file that was rotated away is still read after
	// it went quiet, for the lines its writer adds before it reopens
	// (default 30 s).
	Retire time.Duration
	// StatsEvery is how often the statistics of the inputs are saved with
	// the import (default 1 min); they are saved at the end as well.
	StatsEvery time.Duration
	// Reopen, when it receives, closes and reopens every file (SIGHUP).
	Reopen <-chan struct{}
}

func (fo FollowOptions) withDefaults() FollowOptions {
	if fo.Poll <= 0 {
		fo.Poll = 200 * time.Millisecond
	}
	if fo.Retire <= 0 {
		fo.Retire = 30 * time.Second
	}
	if fo.StatsEvery <= 0 {
		fo.StatsEvery = time.Minute
	}
	return fo
}

// followable is an Input over a plain file that can be read on as it grows.
type followable interface {
	Resume() bool
	Rotated() source.Rotation
}

// tail is one followed name: the file it names now, and files that were
// rotated away from it and are still read until they go quiet.
type tail struct {
	name    string
	st      *knocks.InputStats
	shapes  *shapes
	cur     *reading
	retired []*retiree
	absent  bool // the name named no file at the last poll (logged once)

	journals *Journals // the journal positions, shared by every input
}

type retiree struct {
	r     *reading
	quiet time.Time // when it last had no new lines, zero while it had
}

// Follow imports the named files as they grow, like `tail -F`, until ctx
// ends: it reads each file's new lines every Poll, follows the name across
// both kinds of logrotate rotation (rename and create: the old file is read
// to its end first; copytruncate: the end written before the truncation is
// read from the rotated copy when it can be found), and resumes after
// restarts from the checkpoints committed with the events. Batches are
// committed by size and by time (Options.CommitInterval); the GeoIP pass
// runs after each commit. When ctx ends, the lines already handed on are
// committed, the statistics saved, and Follow returns with a nil error;
// errors are those of the store.
//
// Memory stays flat: the buffers are bounded, and connections quiet for
// longer than knocks.ConnectionGap leave memory at each commit.
func (in *Ingester) Follow(ctx context.Context, names []string, fo FollowOptions) (*Result, error) {
	o := in.Options.withDefaults()
	fo = fo.withDefaults()
	now := in.Now
	if now == nil {
		now = time.Now
	}
	// The store outlives ctx: what was read is committed after ctx ends.
	wctx, wcancel := context.WithCancel(context.WithoutCancel(ctx))
	defer wcancel()
	res, journals, committed, err := in.beginImport(wctx, now, len(names))
	if err != nil {
		return res, err
	}
	rctx, rcancel := context.WithCancel(ctx)
	defer rcancel()

	chunks := make(chan *chunk, chunksQueued)
	// A followed log comes in small pieces: a few buffers are enough, and
	// a watch that runs for days does not keep a full queue's worth.
	free := make(chan []knocks.Event, 4)
	writeErr := make(chan error, 1)
	afterCommit := func(*knocks.Batch) error {
		return in.Enricher.Enrich(wctx)
	}
	go func() {
		err := in.write(wctx, res.ImportID, chunks, free, o, res, committed, afterCommit)
		if err != nil {
			rcancel()
		}
		writeErr <- err
	}()
	tails := make([]*tail, len(names))
	for i, name := range names {
		res.Inputs[i].Name = name
		tails[i] = &tail{name: name, st: &res.Inputs[i], shapes: newShapes(o.MaxShapes), journals: journals}
	}
	readErr := in.follow(rctx, tails, chunks, free, res, o, fo)
	for _, t := range tails {
		t.close()
	}
	close(chunks)
	werr := <-writeErr
	for _, t := range tails {
		t.st.Shapes = t.shapes.list()
	}
	if err := in.Store.FinishImport(wctx, res.ImportID, now().UTC(), res.Inputs); err != nil && werr == nil {
		werr = err
	}
	if werr != nil {
		return res, werr
	}
	if readErr != nil && !errors.Is(readErr, context.Canceled) && !errors.Is(readErr, context.DeadlineExceeded) {
		return res, readErr
	}
	return res, nil
}

// follow polls the tails until ctx ends.
func (in *Ingester) follow(ctx context.Context, tails []*tail, out chan<- *chunk, free chan []knocks.Event, res *Result, o Options, fo FollowOptions) error {
	log := in.logger()
	// A file opened again resumes where reading stopped: what was handed
	// on is committed first, so that the store knows it.
	lookup := func(ctx context.Context, fp string) ([]*knocks.Checkpoint, error) {
		if err := flush(ctx, out); err != nil {
			return nil, err
		}
		return in.Store.Checkpoints(ctx, fp)
	}
	tick := time.NewTicker(fo.Poll)
	defer tick.Stop()
	lastStats := time.Now()
	for {
		for _, t := range tails {
			if err := in.poll(ctx, t, out, free, res, o, fo, lookup); err != nil {
				return err
			}
		}
		for _, err := range res.Errors { // bounded: logged and dropped at every poll
			log.Warn("input skipped", "err", err)
		}
		res.Errors = res.Errors[:0]
		if time.Since(lastStats) >= fo.StatsEvery {
			lastStats = time.Now()
			stats := make([]knocks.InputStats, len(tails))
			for i, t := range tails {
				stats[i] = *t.st
				stats[i].Shapes = t.shapes.list()
			}
			if err := in.Store.FinishImport(ctx, res.ImportID, time.Now().UTC(), stats); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		case <-fo.Reopen:
			log.Info("reopening the inputs")
			for _, t := range tails {
				// Read what the open files hold, then let the next poll
				// open the names afresh.
				for _, r := range t.readings() {
					if err := in.drain(ctx, r, out, free, res, o, false); err != nil {
						return err
					}
				}
				t.close()
			}
		}
	}
}

// poll reads what is new in one followed name.
func (in *Ingester) poll(ctx context.Context, t *tail, out chan<- *chunk, free chan []knocks.Event, res *Result, o Options, fo FollowOptions, lookup lookupFunc) error {
	log := in.logger()
	drain := func(r *reading) (bool, error) {
		before := r.cp.Lines
		if err := in.drain(ctx, r, out, free, res, o, false); err != nil {
			return false, err
		}
		return r.cp.Lines != before, nil
	}
	// Files rotated away: read until they have been quiet for Retire.
	kept := t.retired[:0]
	for _, rt := range t.retired {
		got, err := drain(rt.r)
		if err != nil {
			return err
		}
		switch {
		case got:
			rt.quiet = time.Time{}
		case rt.quiet.IsZero():
			rt.quiet = time.Now()
		}
		if !rt.quiet.IsZero() && time.Since(rt.quiet) >= fo.Retire || len(t.retired) > 4 && len(kept) == 0 {
			rt.r.inp.Close()
			continue
		}
		rt.r.inp.(followable).Resume()
		kept = append(kept, rt)
	}
	clear(t.retired[len(kept):])
	t.retired = kept

	if t.cur != nil {
		f, ok := t.cur.inp.(followable)
		rot := source.Same
		if ok {
			rot = f.Rotated()
		}
		if rot == source.Truncated {
			log.Info("input truncated (copytruncate)", "input", t.name)
			if err := in.readCopy(ctx, t, out, free, res, o, lookup, drain); err != nil {
				return err
			}
			t.cur.inp.Close()
			t.cur = nil
		} else {
			if _, err := drain(t.cur); err != nil {
				return err
			}
			switch {
			case !ok || !f.Resume():
				t.cur.inp.Close() // a stream or gzip: read once
				t.cur = nil
				return nil
			case rot == source.Replaced:
				log.Info("input rotated (a new file)", "input", t.name)
				t.retired = append(t.retired, &retiree{r: t.cur})
				t.cur = nil
			default:
				return nil
			}
		}
	}
	// Open the name.
	inp, err := in.Open(ctx, t.name)
	if err != nil {
		if !t.absent {
			log.Warn("cannot open input, waiting for it", "input", t.name, "err", err)
			t.absent = true
		}
		return nil
	}
	if t.absent {
		log.Info("input appeared", "input", t.name)
		t.absent = false
	}
	// A file truncated and written again with the same first line does
	// not match the checkpoint of the old content: it is a new input.
	r, err := in.begin(ctx, inp, t.st, res, lookup)
	if err != nil {
		inp.Close()
		return err
	}
	if r == nil {
		inp.Close() // nothing to read yet
		return nil
	}
	r.shapes, r.journals = t.shapes, t.journals
	t.cur = r
	if _, err := drain(r); err != nil {
		return err
	}
	if f, ok := r.inp.(followable); !ok || !f.Resume() {
		r.inp.Close()
		t.cur = nil
	}
	return nil
}

// readCopy reads the end of a truncated file from its rotated copy
// (copytruncate): the copy with the same first line, from where reading
// stopped.
func (in *Ingester) readCopy(ctx context.Context, t *tail, out chan<- *chunk, free chan []knocks.Event, res *Result, o Options, lookup lookupFunc, drain func(*reading) (bool, error)) error {
	for _, name := range source.RotatedCopies(t.name) {
		inp, err := in.Open(ctx, name)
		if err != nil {
			continue
		}
		fp, _ := inp.Fingerprint()
		if fp != t.cur.fp {
			inp.Close()
			continue
		}
		r, err := in.begin(ctx, inp, t.st, res, lookup)
		if err != nil || r == nil {
			inp.Close()
			return err
		}
		r.shapes, r.journals = t.shapes, t.journals
		_, err = drain(r)
		inp.Close()
		in.logger().Info("read the end of the truncated input from its copy", "input", t.name, "copy", name)
		return err
	}
	return nil
}

// readings returns the open readings of t.
func (t *tail) readings() []*reading {
	var out []*reading
	for _, rt := range t.retired {
		out = append(out, rt.r)
	}
	if t.cur != nil {
		out = append(out, t.cur)
	}
	return out
}

// close closes every file of t.
func (t *tail) close() {
	for _, r := range t.readings() {
		r.inp.Close()
	}
	t.cur, t.retired = nil, nil
}
