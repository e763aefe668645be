package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"knocks/ingest"
	"knocks/report"
	"knocks/source"
)

// WatchCommand follows logs as they are written and imports their lines.
type WatchCommand struct {
	m       *Main
	db      string
	hostID  string
	year    int
	tz      string
	poll    time.Duration
	wait    bool
	geo     geoFlags
	quiet   bool
	journal bool
	serve   serveFlags
}

// FlagSet returns the flags of `knocks watch`.
func (c *WatchCommand) FlagSet() *flag.FlagSet {
	fs := c.m.newFlagSet("watch")
	fs.StringVar(&c.db, "db", "", "database `path` (default $KNOCKS_DB, else ~/.local/state/knocks/knocks.db)")
	fs.StringVar(&c.hostID, "host-id", "", "the `name` this machine imports under into a PostgreSQL --db: its inputs, checkpoints and importer's lock are its own (default: the host name)")
	fs.IntVar(&c.year, "year", 0, "the `year` of the first line of syslog files that have none (default: inferred)")
	fs.StringVar(&c.tz, "log-tz", "", "time `zone` that syslog lines without a zone were written in (default: local)")
	fs.StringVar(&c.tz, "tz", "", "the same as --log-tz (its older name)")
	fs.DurationVar(&c.poll, "poll", 200*time.Millisecond, "how often the files are checked for new lines")
	fs.BoolVar(&c.wait, "wait", false, "wait for another running import instead of failing")
	fs.BoolVar(&c.quiet, "q", false, "log only warnings and errors")
	fs.BoolVar(&c.journal, "journal", false, "follow sshd's entries in this machine's journal (journalctl --follow, after the last entry imported); takes no FILE")
	fs.StringVar(&c.serve.listen, "serve", "", "also serve the live dashboard, API and metrics at `address` (as knocks serve --listen)")
	c.serve.register(fs)
	c.geo.register(fs)
	return fs
}

// Run runs `knocks watch`.
func (c *WatchCommand) Run(ctx context.Context, args []string) error {
	fs := c.FlagSet()
	names, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch {
	case c.journal && len(names) > 0:
		return usagef("--journal follows the journal and takes no FILE (follow files with another watch)")
	case !c.journal && len(names) == 0:
		return usagef("watch needs at least one FILE to follow, or --journal")
	}
	for _, n := range names {
		if n == "-" {
			return usagef("watch follows files; for a stream use `knocks ingest -`")
		}
	}
	if c.poll <= 0 {
		return usagef("--poll must be positive")
	}
	if err := checkReadable(c.m.Stderr, names); err != nil {
		return err
	}
	if c.serve.listen != "" {
		if err := checkListen(c.serve); err != nil {
			return err
		}
	} else if c.serve.auth != "" || c.serve.insecure {
		return usagef("--auth and --insecure-public go with --serve")
	}
	store, err := c.m.openImportDB(ctx, c.db, c.hostID)
	if err != nil {
		return err
	}
	defer store.Close()
	unlock, err := store.LockImport(ctx, c.wait)
	if err != nil {
		return err
	}
	defer unlock()
	c.m.setImportHeapLimit()
	var ing *ingest.Ingester
	ing, err = c.m.ingester(c.year, c.tz, lastNever, func(err error) {
		ing.Logger.Warn("NUL bytes before a line ignored", "err", err)
	})
	if err != nil {
		return err
	}
	if !c.quiet && c.m.Getenv("KNOCKS_LOG") == "" {
		ing.Logger = c.m.loggerAt("info")
	}
	ing.Store = store
	ing.Options.CommitInterval = 500 * time.Millisecond
	ing.Enricher = c.m.enricher(store, &c.geo)
	defer ing.Enricher.Close()

	reopen := make(chan struct{}, 1)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			select {
			case reopen <- struct{}{}:
			default:
			}
		}
	}()
	if c.journal {
		ing.Logger.Info("following the journal", "db", store.Path())
	} else {
		ing.Logger.Info("following", "inputs", len(names), "db", store.Path())
	}
	served := make(chan error, 1)
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	if c.serve.listen != "" {
		go func() {
			err := c.m.serve(fctx, store, c.serve, &c.geo, ing.Logger)
			if err != nil {
				stop() // the dashboard failed: stop following too, and say why
			}
			served <- err
		}()
	} else {
		served <- nil
	}
	var res *ingest.Result
	if c.journal {
		res, err = c.followJournal(fctx, ing, store)
	} else {
		res, err = ing.Follow(fctx, names, ingest.FollowOptions{Poll: c.poll, Reopen: reopen})
	}
	stop()
	if serr := <-served; err == nil && serr != nil {
		err = serr
	}
	if res != nil && !c.quiet {
		printIngest(c.m.Stderr, res, nil)
	}
	return err
}

// followJournal follows this machine's journal from the last entry stored
// until ctx ends: one journalctl --follow whose lines go through the
// pipeline of ingest, committed by time as they come (the journal reader
// hands its lines on before each read that waits). When ctx ends,
// journalctl is stopped and what was read is committed with its cursor.
func (c *WatchCommand) followJournal(ctx context.Context, ing *ingest.Ingester, store dbStore) (*ingest.Result, error) {
	after, err := ingest.AfterCursor(ctx, store)
	if err != nil {
		return nil, err
	}
	ing.Open = func(context.Context, string) (ingest.Input, error) {
		j, err := source.OpenJournal(ctx, source.JournalOptions{After: after, Follow: true})
		if err != nil {
			return nil, err
		}
		return j, nil
	}
	ing.LocalJournal = true
	// The store outlives ctx: the lines read are committed after it ends.
	res, err := ing.Run(context.WithoutCancel(ctx), []string{source.JournalName})
	if ctx.Err() != nil && res != nil {
		// The end of journalctl that ctx caused is no error.
		kept := res.Errors[:0]
		for _, e := range res.Errors {
			if !errors.Is(e, context.Canceled) && !strings.Contains(e.Error(), "signal: killed") {
				kept = append(kept, e)
			}
		}
		res.Errors = kept
		for i := range res.Inputs {
			res.Inputs[i].Error = ""
		}
	}
	if err == nil && res != nil && len(res.Errors) > 0 && ctx.Err() == nil {
		return res, fmt.Errorf("cannot follow the journal: %w", res.Errors[0])
	}
	return res, err
}

// checkReadable fails (exit 1, with the reason and a hint) when an input
// to follow is there but this user may not read it: watch waits for a
// file that is not there yet, but would wait forever for one it may not
// read.
func checkReadable(w io.Writer, names []string) error {
	var denied []unreadInput
	for _, n := range names {
		f, err := os.Open(n)
		if err == nil {
			f.Close()
			continue
		}
		if errors.Is(err, fs.ErrPermission) {
			denied = append(denied, unreadInput{name: n, err: fmt.Errorf("%s: cannot open: %w", n, fs.ErrPermission)})
		}
	}
	if len(denied) == 0 {
		return nil
	}
	for _, u := range denied {
		fmt.Fprintf(w, "knocks: cannot follow %s: permission denied\n", report.Safe(u.name))
	}
	printHints(w, denied)
	return errReported
}
