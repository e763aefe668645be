package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"knocks"
	"knocks/report"
)

// PruneCommand deletes old events from the database.
type PruneCommand struct {
	m         *Main
	db        string
	hostID    string
	olderThan string
	wait      bool
	quiet     bool
}

// FlagSet returns the flags of `knocks prune`.
func (c *PruneCommand) FlagSet() *flag.FlagSet {
	fs := c.m.newFlagSet("prune")
	fs.StringVar(&c.db, "db", "", "database `path` (default $KNOCKS_DB, else ~/.local/state/knocks/knocks.db)")
	fs.StringVar(&c.hostID, "host-id", "", "the `name` this machine imports under into a PostgreSQL --db: its inputs, checkpoints and importer's lock are its own (default: the host name)")
	fs.StringVar(&c.olderThan, "older-than", "", "delete the events older than this `age`: days (365d), weeks (52w) or hours (8760h); required")
	fs.BoolVar(&c.wait, "wait", false, "wait for a running import (ingest, watch) instead of failing")
	fs.BoolVar(&c.quiet, "q", false, "print nothing when all went well")
	return fs
}

// Run runs `knocks prune`.
func (c *PruneCommand) Run(ctx context.Context, args []string) error {
	names, err := parseFlags(c.FlagSet(), args)
	if err != nil {
		return err
	}
	if len(names) > 0 {
		return usagef("prune takes no FILE (see `knocks prune -h`)")
	}
	if c.olderThan == "" {
		return usagef("prune needs --older-than AGE, e.g. --older-than 365d")
	}
	age, err := parseAge(c.olderThan)
	if err != nil {
		return err
	}
	store, err := c.m.openImportDB(ctx, c.db, c.hostID)
	if err != nil {
		return err
	}
	defer store.Close()
	// An import holds connections that it may still extend: prune waits
	// for it, or fails, as a second importer does.
	unlock, err := store.LockImport(ctx, c.wait)
	if err != nil {
		return err
	}
	defer unlock()
	var p knocks.Pruner = store
	st, err := p.Prune(ctx, c.m.Now().Add(-age))
	if err != nil {
		return err
	}
	if err := keepResults(ctx, store); err != nil {
		return err
	}
	if !c.quiet {
		printPrune(c.m, st)
	}
	return nil
}

// printPrune prints what a prune deleted, on stdout.
func printPrune(m *Main, st *knocks.PruneStats) {
	w := m.Stdout
	fmt.Fprintf(w, "Deleted the events before %s:\n", st.Cut.UTC().Format("2006-01-02 15:04:05 MST"))
	fmt.Fprintf(w, "  %d connections, %d ban events, %d penalty events\n", st.Connections, st.Fail2ban, st.Penalties)
	fmt.Fprintf(w, "  %d import records, %d located addresses no longer named\n", st.Imports, st.Locations)
	fmt.Fprintln(w, "Kept the checkpoints and journal cursors: the inputs they cover are not imported again.")
	size := fmt.Sprintf("%.1f MB", float64(st.SizeAfter)/1e6)
	if st.Compacted {
		size = fmt.Sprintf("%.1f MB, from %.1f MB (compacted)", float64(st.SizeAfter)/1e6, float64(st.SizeBefore)/1e6)
	}
	fmt.Fprintf(w, "Database: %s\n", size)
}

// parseAge parses an age such as 365d, 52w or 8760h (any Go duration).
func parseAge(s string) (time.Duration, error) {
	bad := usagef("--older-than %q: give an age such as 365d, 52w or 8760h", report.Safe(s))
	var d time.Duration
	if s == "" {
		return 0, bad
	}
	if unit := s[len(s)-1:]; unit == "d" || unit == "w" {
		n, err := strconv.ParseInt(strings.TrimSuffix(s, unit), 10, 64)
		if unit == "w" {
			n *= 7
		}
		if err != nil || n <= 0 || n > 100*366 {
			return 0, bad
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil || d <= 0 {
			return 0, bad
		}
	}
	return d, nil
}
