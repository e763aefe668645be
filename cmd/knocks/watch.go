package main

import (
	"context"
	"flag"
	"os"
	"os/signal"
	"syscall"
	"time"

	"knocks/ingest"
)

// WatchCommand follows logs as they are written and imports their lines.
type WatchCommand struct {
	m     *Main
	db    string
	year  int
	tz    string
	poll  time.Duration
	wait  bool
	geo   geoFlags
	quiet bool
	serve serveFlags
}

// FlagSet returns the flags of `knocks watch`.
func (c *WatchCommand) FlagSet() *flag.FlagSet {
	fs := c.m.newFlagSet("watch")
	fs.StringVar(&c.db, "db", "", "database `path` (default $KNOCKS_DB, else ~/.local/state/knocks/knocks.db)")
	fs.IntVar(&c.year, "year", 0, "the `year` of the first line of syslog files that have none (default: inferred)")
	fs.StringVar(&c.tz, "log-tz", "", "time `zone` that syslog lines without a zone were written in (default: local)")
	fs.StringVar(&c.tz, "tz", "", "the same as --log-tz (its older name)")
	fs.DurationVar(&c.poll, "poll", 200*time.Millisecond, "how often the files are checked for new lines")
	fs.BoolVar(&c.wait, "wait", false, "wait for another running import instead of failing")
	fs.BoolVar(&c.quiet, "q", false, "log only warnings and errors")
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
	if len(names) == 0 {
		return usagef("watch needs at least one FILE to follow")
	}
	for _, n := range names {
		if n == "-" {
			return usagef("watch follows files; for a stream use `knocks ingest -`")
		}
	}
	if c.poll <= 0 {
		return usagef("--poll must be positive")
	}
	if c.serve.listen != "" {
		if err := checkListen(c.serve); err != nil {
			return err
		}
	} else if c.serve.auth != "" || c.serve.insecure {
		return usagef("--auth and --insecure-public go with --serve")
	}
	store, err := c.m.openDB(ctx, c.db)
	if err != nil {
		return err
	}
	defer store.Close()
	unlock, err := store.LockImport(ctx, c.wait)
	if err != nil {
		return err
	}
	defer unlock()
	ing, err := c.m.ingester(c.year, c.tz, lastNever)
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
	ing.Logger.Info("following", "inputs", len(names), "db", store.Path())
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
	res, err := ing.Follow(fctx, names, ingest.FollowOptions{Poll: c.poll, Reopen: reopen})
	stop()
	if serr := <-served; err == nil && serr != nil {
		err = serr
	}
	if res != nil && !c.quiet {
		printIngest(c.m.Stderr, res)
	}
	return err
}
