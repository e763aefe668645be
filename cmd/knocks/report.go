package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"knocks"
	"knocks/report"
)

// ReportCommand prints a report from the database, or one-shot from files.
type ReportCommand struct {
	m       *Main
	db      string
	format  string
	top     int
	since   string
	until   string
	host    string
	country string
	asn     string
	year    int
	tz      string
	flags   bool
	geo     geoFlags
}

// Run runs `knocks report`.
func (c *ReportCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("knocks report", flag.ContinueOnError)
	fs.SetOutput(c.m.Stderr)
	fs.StringVar(&c.db, "db", "", "database `path` (default $KNOCKS_DB, else ~/.local/state/knocks/knocks.db); ignored when FILEs are given")
	fs.StringVar(&c.format, "format", "text", "output `format`: text, json or csv")
	fs.IntVar(&c.top, "top", 10, "rows in each top list")
	fs.StringVar(&c.since, "since", "", "only connections from this `time` on: 2024-02-25, 2024-02-25T10:00:00Z, or 7d / 12h ago")
	fs.StringVar(&c.until, "until", "", "only connections before this `time` (same forms as --since)")
	fs.StringVar(&c.host, "host", "", "only the logs of this `host`")
	fs.StringVar(&c.country, "country", "", "only addresses located in this `country` (ISO code, e.g. CN)")
	fs.StringVar(&c.asn, "asn", "", "only addresses of this autonomous system `number` (e.g. 4134 or AS4134)")
	fs.IntVar(&c.year, "year", 0, "one-shot: the `year` of the first syslog line (default: inferred)")
	fs.StringVar(&c.tz, "tz", "", "one-shot: time `zone` of syslog lines without one (default: local)")
	fs.BoolVar(&c.flags, "flags", strings.Contains(strings.ToUpper(c.m.Getenv("LC_ALL")+c.m.Getenv("LC_CTYPE")+c.m.Getenv("LANG")), "UTF-8") && c.m.Getenv("TERM") != "linux", "show flag emoji beside countries")
	c.geo.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: knocks report [flags] [FILE...]\n\nWithout FILEs it reports from the database; with FILEs it reads them into a temporary store first.")
		fs.PrintDefaults()
	}
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	f, err := c.filter()
	if err != nil {
		return err
	}
	switch c.format {
	case "text", "json", "csv":
	default:
		return usagef("unknown --format %q (text, json or csv)", c.format)
	}

	var store knocks.EventStore
	partial := false
	if len(files) > 0 {
		dir, err := os.MkdirTemp("", "knocks-report-")
		if err != nil {
			return fmt.Errorf("cannot make a temporary store: %w", err)
		}
		defer os.RemoveAll(dir)
		s, err := openStore(ctx, dir+"/oneshot.db")
		if err != nil {
			return err
		}
		defer s.Close()
		store = s
		res, err := runIngest(ctx, c.m, s, files, c.year, c.tz)
		if err != nil {
			return err
		}
		if res.Skipped {
			printIngest(c.m.Stderr, res)
			partial = true
		}
		if err := c.m.enrich(ctx, s, &c.geo); err != nil {
			return err
		}
	} else {
		path, err := c.m.dbPath(c.db)
		if err != nil {
			return err
		}
		if _, err := os.Stat(path); err != nil {
			return knocks.Errorf(knocks.ENOTFOUND, "no database at %s: run `knocks ingest FILE...` first, or give FILEs for a one-shot report", path)
		}
		s, err := openStore(ctx, path)
		if err != nil {
			return err
		}
		defer s.Close()
		store = s
	}
	sum, err := store.Summary(ctx, f)
	if err != nil {
		return err
	}
	if !c.geo.off && len(sum.TopCountries)+len(sum.TopASNs) > 0 {
		loc, err := c.m.locator(&c.geo)
		if err != nil {
			return err
		}
		sum.GeoIPSources, sum.GeoIPAttributed = loc.Sources(), loc.Attribution()
		loc.Close()
	}
	switch c.format {
	case "json":
		err = report.JSON(c.m.Stdout, sum)
	case "csv":
		err = report.CSV(c.m.Stdout, sum)
	default:
		err = report.Text(c.m.Stdout, sum, report.Options{Flags: c.flags})
	}
	if err != nil {
		return err
	}
	if partial {
		return errPartial
	}
	return nil
}

func (c *ReportCommand) filter() (knocks.Filter, error) {
	f := knocks.Filter{Host: c.host, Country: strings.ToUpper(c.country), Top: c.top}
	if c.top < 1 {
		return f, usagef("--top must be at least 1")
	}
	var err error
	if f.Since, err = parseWhen(c.since, c.m.Now()); err != nil {
		return f, usagef("--since: %v", err)
	}
	if f.Until, err = parseWhen(c.until, c.m.Now()); err != nil {
		return f, usagef("--until: %v", err)
	}
	if c.asn != "" {
		n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToUpper(c.asn), "AS"), 10, 32)
		if err != nil {
			return f, usagef("--asn: %q is not an AS number", c.asn)
		}
		f.ASN = uint32(n)
	}
	return f, nil
}

// parseWhen parses an absolute time (RFC 3339, a date, a date and time in
// UTC) or a duration ago (90m, 12h, 7d, 2w).
func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	if n := len(s); n >= 2 {
		if v, err := strconv.Atoi(s[:n-1]); err == nil && v >= 0 {
			unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[n-1]]
			if unit != 0 {
				return now.Add(-time.Duration(v) * unit).UTC(), nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("cannot read %q as a time (2024-02-25, 2024-02-25T10:00:00Z, 7d, 12h)", s)
}
