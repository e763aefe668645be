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
	"knocks/htmlreport"
	"knocks/ingest"
	"knocks/internal/atomicfile"
	"knocks/mmdb"
	"knocks/report"
)

// selection is what a report is made of: the database or one-shot files,
// and the filter. report and plot share it.
type selection struct {
	db      string
	top     int
	since   string
	until   string
	host    string
	country string
	asn     string
	year    int
	logTZ   string // the zone of syslog lines without one (one-shot)
	f2bDB   string
	geo     geoFlags
	camp    *knocks.CampaignOptions // the rules of the campaigns (report's flags); nil: none are found (plot draws none)
}

func (s *selection) register(fs *flag.FlagSet, top int) {
	fs.StringVar(&s.db, "db", "", "database `path` (default $KNOCKS_DB, else ~/.local/state/knocks/knocks.db); ignored when FILEs are given")
	fs.IntVar(&s.top, "top", top, "rows in each top list (at most "+strconv.Itoa(knocks.MaxTop)+")")
	fs.StringVar(&s.since, "since", "", "only connections from this `time` on: 2024-02-25, 2024-02-25T10:00:00Z, or 7d / 12h ago")
	fs.StringVar(&s.until, "until", "", "only connections before this `time` (same forms as --since)")
	fs.StringVar(&s.host, "host", "", "only the logs of this `host`")
	fs.StringVar(&s.country, "country", "", "only addresses located in this `country`: an ISO code or English name (CN, China), or a reserved range (private, documentation, ...)")
	fs.StringVar(&s.asn, "asn", "", "only addresses of this autonomous system `number` (e.g. 4134 or AS4134)")
	fs.IntVar(&s.year, "year", 0, "one-shot: the `year` of the first syslog line (default: inferred)")
	fs.StringVar(&s.logTZ, "log-tz", "", "one-shot: time `zone` of syslog lines without one (default: local)")
	fs.StringVar(&s.f2bDB, "fail2ban-db", "", "one-shot: also read the bans of fail2ban's database at `path` (e.g. /var/lib/fail2ban/fail2ban.sqlite3), read-only")
	s.geo.register(fs)
}

// summary computes the summary of the selection: from the database, or,
// with files, from a temporary store that they are read into. partial says
// that some input was skipped (the reasons were printed).
func (m *Main) summary(ctx context.Context, sel *selection, files []string) (sum *knocks.Summary, partial bool, err error) {
	f, err := sel.filter(m.Now())
	if err != nil {
		return nil, false, err
	}
	if f.Top > knocks.MaxTop {
		fmt.Fprintf(m.Stderr, "knocks: --top %d: a list holds at most %d rows\n", f.Top, knocks.MaxTop)
		f.Top = knocks.MaxTop
	}
	var store dbStore
	if files, err = withFail2banDB(files, sel.f2bDB); err != nil {
		return nil, false, err
	}
	if len(files) > 0 {
		var notes notices
		ing, err := m.ingester(sel.year, sel.logTZ, lastAlways, notes.add)
		if err != nil {
			return nil, false, err
		}
		ing.Options.Host = banHost(sel.host)
		ordered, err := orderInputs(files)
		if err != nil {
			return nil, false, err
		}
		var geo func() (ingest.Locator, error)
		if !sel.geo.off {
			geo = m.geoOpener(&sel.geo)
		}
		open := func(ctx context.Context, path string) (ingest.Store, error) {
			s, err := openStore(ctx, path, "")
			store = s
			return s, err
		}
		clearProgress := m.withProgress(ing, ordered)
		tmp, res, err := ingest.OneShot(ctx, open, *ing, geo, ordered)
		clearProgress()
		if err != nil {
			return nil, false, err
		}
		defer tmp.Close()
		if err := checkInputs(m.Stderr, res); err != nil {
			return nil, false, err
		}
		if res.Skipped {
			printNotRead(m.Stderr, res)
			partial = true
		}
		notes.print(m.Stderr)
	} else {
		s, err := m.openReadDB(ctx, sel.db)
		if err != nil {
			return nil, false, err
		}
		defer s.Close()
		store = s
	}
	if f.Host != "" {
		if f.Host, err = checkHost(ctx, store, f.Host); err != nil {
			return nil, false, err
		}
	}
	// A store that reads the kept report whole (PostgreSQL) does so on
	// one connection; where nothing is kept (imports with --no-keep, or
	// another host's import since), it keeps what it finds, for the
	// reports that follow.
	if kr, ok := store.(keptReporter); ok && f.SelectsAll() {
		sum, err := kr.FindReport(ctx, f, sel.camp, f.Top)
		if err != nil {
			return nil, false, err
		}
		sum, err = m.attribute(sum, &sel.geo)
		return sum, partial, err
	}
	// The alerts and the campaigns read the store apart from the summary:
	// at the same time, on a connection of their own.
	side := &knocks.Summary{Filter: f}
	done := make(chan error, 1)
	go func() { done <- complete(ctx, store, f, sel.camp, side) }()
	sum, err = store.Summary(ctx, f)
	if cerr := <-done; err == nil {
		err = cerr
	}
	if err != nil {
		return nil, false, err
	}
	sum.Alerts, sum.AlertsFound, sum.Campaigns, sum.CampaignsFound = side.Alerts, side.AlertsFound, side.Campaigns, side.CampaignsFound
	sum, err = m.attribute(sum, &sel.geo)
	return sum, partial, err
}

// attribute names in sum the GeoIP data that its locations come from.
func (m *Main) attribute(sum *knocks.Summary, geo *geoFlags) (*knocks.Summary, error) {
	if !geo.off && len(sum.TopCountries)+len(sum.TopASNs) > 0 {
		loc, err := m.locator(geo)
		if err != nil {
			return nil, err
		}
		// The store names the data each stored location came from; the
		// attribution lines are those of the data in use.
		if len(sum.GeoIPSources) == 0 {
			sum.GeoIPSources = loc.Sources()
		}
		sum.GeoIPAttributed = loc.Attribution()
		loc.Close()
	}
	return sum, nil
}

// keptReporter is a store that reads a kept report whole, and keeps the
// one it finds (PostgreSQL).
type keptReporter interface {
	FindReport(ctx context.Context, f knocks.Filter, o *knocks.CampaignOptions, alerts int) (*knocks.Summary, error)
}

func (s *selection) filter(now time.Time) (knocks.Filter, error) {
	f := knocks.Filter{Host: s.host, Top: s.top}
	if s.top < 1 {
		return f, usagef("--top must be at least 1")
	}
	var err error
	if f.Country, err = countryFilter(s.country); err != nil {
		return f, err
	}
	if f.Since, err = parseWhen(s.since, now); err != nil {
		return f, usagef("--since: %v", err)
	}
	if f.Until, err = parseWhen(s.until, now); err != nil {
		return f, usagef("--until: %v", err)
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return f, usagef("--since %s is not before --until %s: the selection would be empty", f.Since.Format(time.RFC3339), f.Until.Format(time.RFC3339))
	}
	if s.asn != "" {
		n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToUpper(s.asn), "AS"), 10, 32)
		if err != nil {
			return f, usagef("--asn: %q is not an AS number", s.asn)
		}
		f.ASN = uint32(n)
	}
	return f, nil
}

// countryFilter returns the value of a --country flag as stored: an ISO
// 3166-1 alpha-2 code (from a code or an English name) or the label of a
// reserved range ("private", "documentation", ...).
func countryFilter(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	code, candidates := mmdb.CountryFilter(v)
	switch {
	case code != "":
		return code, nil
	case len(candidates) > 0:
		names := make([]string, len(candidates))
		for i, c := range candidates {
			names[i] = c + " (" + mmdb.CountryName(c) + ")"
		}
		return "", usagef("--country %q is ambiguous: %s", report.Safe(v), strings.Join(names, ", "))
	}
	return "", usagef("--country %q is not a country: give an ISO code or an English name (CN or China, US or \"United States\") or a reserved range (%s)", report.Safe(v), strings.Join(mmdb.Labels(), ", "))
}

// checkHost returns the host of a --host flag as stored (matched without
// regard to case), or a usage error that lists the known hosts.
func checkHost(ctx context.Context, store dbStore, host string) (string, error) {
	if h, ok := store.(knocks.HostFinder); ok {
		// Listing every host reads every connection; the host that was
		// asked for is most often there.
		if found, err := h.HasHost(ctx, host); err != nil {
			return "", err
		} else if found {
			return host, nil
		}
	}
	hosts, err := store.Hosts(ctx)
	if err != nil {
		return "", err
	}
	for _, h := range hosts {
		if h == host {
			return h, nil
		}
	}
	for _, h := range hosts {
		if strings.EqualFold(h, host) {
			return h, nil
		}
	}
	if len(hosts) == 0 {
		return "", usagef("--host %q: no host has logged anything yet", report.Safe(host))
	}
	known := make([]string, 0, min(len(hosts), 20))
	for i, h := range hosts {
		if i == 20 {
			known = append(known, fmt.Sprintf("and %d more", len(hosts)-20))
			break
		}
		known = append(known, report.Safe(h))
	}
	return "", usagef("--host %q is not a host in the data; known hosts: %s", report.Safe(host), strings.Join(known, ", "))
}

// ReportCommand prints a report from the database, or one-shot from files.
type ReportCommand struct {
	m      *Main
	sel    selection
	format string
	html   string
	flags  bool
	color  string
	tz     string // the zone of the times shown
	anon   bool
}

// FlagSet returns the flags of `knocks report`.
func (c *ReportCommand) FlagSet() *flag.FlagSet {
	fs := c.m.newFlagSet("report")
	c.sel.register(fs, 10)
	c.sel.camp = &knocks.CampaignOptions{}
	registerCampaigns(fs, c.sel.camp)
	fs.StringVar(&c.format, "format", "text", "output `format`: text, json or csv")
	fs.StringVar(&c.html, "html", "", "write a self-contained offline HTML report with charts and maps to `FILE` instead of a report on stdout (--format is then not used)")
	fs.StringVar(&c.tz, "tz", "UTC", "show times in this time `zone`: UTC, Local, or a name such as Europe/Berlin (days per day stay UTC days)")
	fs.BoolVar(&c.anon, "anonymize", false, "mask the last octet of IPv4 addresses (IPv6 to /48), hide the names of valid accounts, the hosts and the paths of GeoIP files, in every format and in --html, for publishing")
	fs.StringVar(&c.color, "color", "auto", "colour the text report: auto (when stdout is a terminal and $NO_COLOR is unset), always or never")
	fs.BoolVar(&c.flags, "flags", strings.Contains(strings.ToUpper(c.m.Getenv("LC_ALL")+c.m.Getenv("LC_CTYPE")+c.m.Getenv("LANG")), "UTF-8") && c.m.Getenv("TERM") != "linux", "show flag emoji beside countries")
	return fs
}

// Run runs `knocks report`.
func (c *ReportCommand) Run(ctx context.Context, args []string) error {
	fs := c.FlagSet()
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch c.format {
	case "text", "json", "csv":
	default:
		return usagef("unknown --format %q (text, json or csv)", c.format)
	}
	if err := checkCampaigns(*c.sel.camp); err != nil {
		return err
	}
	color, err := c.m.useColor(c.color)
	if err != nil {
		return err
	}
	zone, err := outputZone(c.tz)
	if err != nil {
		return err
	}
	if c.html != "" && isSet(fs, "format") {
		fmt.Fprintf(c.m.Stderr, "knocks: --html and --format: writing the HTML report to %s; --format %s is not used\n", report.Safe(c.html), report.Safe(c.format))
	}
	sum, partial, err := c.m.summary(ctx, &c.sel, files)
	if err != nil {
		return err
	}
	if c.anon {
		sum = report.Anonymize(sum)
	}
	if c.html == "" && c.format != "text" {
		inZone(sum, zone)
	}
	switch {
	case c.html != "":
		err = writeAtomic(c.html, func(f *os.File) error { return htmlreport.Render(f, sum, htmlreport.Options{}) })
		if err == nil {
			fmt.Fprintf(c.m.Stderr, "wrote %s\n", c.html)
		}
	case c.format == "json":
		err = report.JSON(c.m.Stdout, sum)
	case c.format == "csv":
		err = report.CSV(c.m.Stdout, sum)
	default:
		err = report.Text(c.m.Stdout, sum, report.Options{Flags: c.flags, Color: color, Zone: zone})
	}
	if err != nil {
		return err
	}
	if partial {
		return errPartial
	}
	return nil
}

// isSet says whether the flag called name was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// outputZone returns the zone of a --tz value for output: "" and "UTC" are
// UTC, "Local" the local zone.
func outputZone(tz string) (*time.Location, error) {
	switch tz {
	case "", "UTC", "utc":
		return time.UTC, nil
	case "local":
		tz = "Local"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, usagef("--tz: unknown time zone %q (UTC, Local, or a name such as Europe/Berlin)", report.Safe(tz))
	}
	return loc, nil
}

// inZone puts the times of a summary that are shown as times (not as UTC
// buckets) in zone: the period, the first and last times of the top IPs,
// and those of the banned and never-banned addresses.
func inZone(sum *knocks.Summary, zone *time.Location) {
	in := func(t *time.Time) {
		if !t.IsZero() {
			*t = t.In(zone)
		}
	}
	in(&sum.First)
	in(&sum.Last)
	for i := range sum.TopIPs {
		in(&sum.TopIPs[i].First)
		in(&sum.TopIPs[i].Last)
	}
	for i := range sum.Bans.TopBanned {
		in(&sum.Bans.TopBanned[i].FirstBan)
		in(&sum.Bans.TopBanned[i].LastBan)
	}
	for i := range sum.Bans.TopNeverBanned {
		in(&sum.Bans.TopNeverBanned[i].First)
		in(&sum.Bans.TopNeverBanned[i].Last)
	}
}

// writeAtomic writes a file through a temporary file in the same
// directory, so a reader never sees half a report. The file gets the
// permissions that the umask gives a new file.
func writeAtomic(path string, write func(*os.File) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// parseWhen parses an absolute time (RFC 3339, a date, a date and time in
// UTC) or a duration ago (90m, 12h, 7d, 2w).
func parseWhen(s string, now time.Time) (time.Time, error) { return knocks.ParseWhen(s, now) }
