package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"slices"
	"time"

	"knocks"
	"knocks/report"
)

// AlertsCommand lists the successful logins that matter, once each: made
// for cron, which mails what a command prints when it exits non-zero.
type AlertsCommand struct {
	m        *Main
	db       string
	all      bool
	failures int64
	window   time.Duration
	format   string
}

// FlagSet returns the flags of `knocks alerts`.
func (c *AlertsCommand) FlagSet() *flag.FlagSet {
	fs := c.m.newFlagSet("alerts")
	fs.StringVar(&c.db, "db", "", "database `path` (default $KNOCKS_DB, else ~/.local/state/knocks/knocks.db)")
	fs.BoolVar(&c.all, "all", false, "list every alert, shown before or not, and mark none (exit 0)")
	fs.Int64Var(&c.failures, "failures", 20, "alert on a login after this many failed `attempts` for its user (within --window)")
	fs.DurationVar(&c.window, "window", 24*time.Hour, "how far back the failures for a user count, e.g. 24h")
	fs.StringVar(&c.format, "format", "text", "output `format`: text or json")
	return fs
}

// Run runs `knocks alerts`: it prints the alerts not shown before, marks
// them, and returns errNewAlerts (exit 1) when there were any.
func (c *AlertsCommand) Run(ctx context.Context, args []string) error {
	rest, err := parseFlags(c.FlagSet(), args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("alerts takes no FILE: it reads the database (run knocks ingest first)")
	}
	if c.failures < 1 || c.window <= 0 {
		return usagef("--failures and --window must be positive")
	}
	if c.format != "text" && c.format != "json" {
		return usagef("unknown --format %q (text or json)", c.format)
	}
	// Opened for reading first, for the clean message of a missing or
	// foreign database, then for writing (to mark what it showed).
	ro, err := c.m.openReadDB(ctx, c.db)
	if err != nil {
		return err
	}
	ro.Close()
	store, err := c.m.openDB(ctx, c.db)
	if err != nil {
		return err
	}
	defer store.Close()
	as, err := store.Alerts(ctx, knocks.AlertOptions{ManyFailures: c.failures, Window: c.window})
	if err != nil {
		return err
	}
	var show []knocks.Alert
	for _, a := range as {
		if c.all || a.New {
			show = append(show, a)
		}
	}
	if c.format == "json" {
		if show == nil {
			show = []knocks.Alert{}
		}
		enc := json.NewEncoder(c.m.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(show); err != nil {
			return fmt.Errorf("cannot write json: %w", err)
		}
	} else {
		for _, a := range show {
			fmt.Fprintln(c.m.Stdout, alertLine(a))
		}
	}
	if c.all || len(show) == 0 {
		return nil
	}
	if err := store.MarkAlerts(ctx, show); err != nil {
		return err
	}
	return errNewAlerts
}

// errNewAlerts makes knocks alerts exit 1 when it showed new alerts, so
// that cron mails them.
var errNewAlerts = fmt.Errorf("new alerts: %w", errReported)

// alertLine writes an alert on one line, attacker-chosen text made safe.
func alertLine(a knocks.Alert) string {
	where := a.IP
	if a.Country != "" {
		where += " (" + a.Country
		if a.ASN != 0 {
			where += fmt.Sprintf(", AS%d", a.ASN)
		}
		where += ")"
	}
	return report.Safe(fmt.Sprintf("%s  %s  login of %s on %s from %s: %s", a.Time.UTC().Format("2006-01-02 15:04 UTC"), a.Kind, a.User, a.Host, where, a.Why))
}

// reportAlerts returns the latest top alerts of the logins that the filter
// selects (knocks.Filter.Selects), oldest first, for the report, and how
// many it selects in all: a report, and every answer of the dashboard,
// holds no more alerts than it prints.
func reportAlerts(ctx context.Context, store dbStore, f knocks.Filter, top int) ([]knocks.Alert, int64, error) {
	if l, ok := store.(latestAlerter); ok && f.SelectsAll() {
		as, found, err := l.LatestAlerts(ctx, knocks.AlertOptions{}, top)
		if as == nil {
			as = []knocks.Alert{}
		}
		return as, found, err
	}
	as, err := store.Alerts(ctx, knocks.AlertOptions{})
	if err != nil {
		return nil, 0, err
	}
	// The latest top, from the end: the store's alerts are oldest first.
	out := []knocks.Alert{}
	var found int64
	for i := len(as) - 1; i >= 0; i-- {
		if f.Selects(as[i]) {
			found++
			if top <= 0 || len(out) < top {
				out = append(out, as[i])
			}
		}
	}
	slices.Reverse(out)
	return out, found, nil
}

// latestAlerter is a store that reads the latest alerts alone.
type latestAlerter interface {
	LatestAlerts(ctx context.Context, o knocks.AlertOptions, n int) ([]knocks.Alert, int64, error)
}
