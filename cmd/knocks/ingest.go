package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"sort"
	"strings"
	"unicode/utf8"

	"knocks"
	"knocks/ingest"
	"knocks/report"
	"knocks/source"
)

// IngestCommand imports logs into the database.
type IngestCommand struct {
	m       *Main
	db      string
	hostID  string
	year    int
	tz      string
	quiet   bool
	wait    bool
	journal bool
	noKeep  bool
	host    string
	f2bDB   string
	geo     geoFlags
}

func (c *IngestCommand) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.db, "db", "", "database `path` (default $KNOCKS_DB, else ~/.local/state/knocks/knocks.db)")
	fs.StringVar(&c.hostID, "host-id", "", "the `name` this machine imports under into a PostgreSQL --db: its inputs, checkpoints and importer's lock are its own (default: the host name)")
	fs.IntVar(&c.year, "year", 0, "the `year` of the first line of syslog files that have none (default: inferred from the file's modification time)")
	fs.StringVar(&c.tz, "log-tz", "", "time `zone` that syslog lines without a zone were written in, e.g. Europe/Berlin (default: local)")
	fs.StringVar(&c.tz, "tz", "", "the same as --log-tz (its older name)")
	fs.BoolVar(&c.wait, "wait", false, "wait for another running import instead of failing")
	fs.StringVar(&c.host, "host", "", "the `host` of ban events whose input names none (fail2ban.log, fail2ban.sqlite3; default: this machine's name)")
	fs.StringVar(&c.f2bDB, "fail2ban-db", "", "also import the bans of fail2ban's database at `path` (e.g. /var/lib/fail2ban/fail2ban.sqlite3), read-only")
	c.geo.register(fs)
}

// FlagSet returns the flags of `knocks ingest`.
func (c *IngestCommand) FlagSet() *flag.FlagSet {
	fs := c.m.newFlagSet("ingest")
	c.flags(fs)
	fs.BoolVar(&c.quiet, "q", false, "print nothing when all went well, but warnings (NUL bytes a power cut left before a line, which was read)")
	fs.BoolVar(&c.journal, "journal", false, "read sshd's entries from this machine's journal (runs journalctl, after the last entry imported); takes no FILE")
	fs.BoolVar(&c.noKeep, "no-keep", false, "do not keep the results of a report without filters at the end (each report then finds them: about 1.4 s of CPU over 10M log lines)")
	return fs
}

// Run runs `knocks ingest`.
func (c *IngestCommand) Run(ctx context.Context, args []string) error {
	names, err := parseFlags(c.FlagSet(), args)
	if err != nil {
		return err
	}
	switch {
	case c.journal && (len(names) > 0 || c.f2bDB != ""):
		return usagef("--journal reads the journal and takes no FILE or --fail2ban-db (import them with another run)")
	case !c.journal && len(names) == 0 && c.f2bDB == "":
		return usagef("ingest needs at least one FILE (or - for stdin, or --journal)")
	}
	if names, err = withFail2banDB(names, c.f2bDB); err != nil {
		return err
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
	var notes notices
	ing, err := c.m.ingester(c.year, c.tz, lastWhenFinal, notes.add)
	if err != nil {
		return err
	}
	ing.Store = store
	ing.Options.Host = banHost(c.host)
	ing.Enricher = c.m.enricher(store, &c.geo)
	defer ing.Enricher.Close()
	var ordered []string
	if c.journal {
		after, err := ingest.AfterCursor(ctx, store)
		if err != nil {
			return err
		}
		ing.Open = func(ctx context.Context, _ string) (ingest.Input, error) { return openJournal(ctx, after) }
		ing.LocalJournal = true
		ordered = []string{source.JournalName}
	} else if ordered, err = orderInputs(names); err != nil {
		return err
	}
	clearProgress := func() {}
	if !c.journal { // a journal's size is not known; its input keeps its own methods (Resumable, OnWait)
		clearProgress = c.m.withProgress(ing, ordered)
	}
	res, err := ing.Run(ctx, ordered)
	clearProgress()
	if err == nil {
		if err := checkInputs(c.m.Stderr, res); err != nil {
			return err
		}
	}
	if res != nil && (!c.quiet || res.Skipped) {
		printIngest(c.m.Stderr, res, &notes)
	} else {
		notes.print(c.m.Stderr) // what the log lost, even with -q
	}
	if err != nil {
		return err
	}
	if !c.noKeep {
		// The GeoIP data's pages go first: what is kept is found with
		// the import's memory given back.
		if err := ing.Enricher.Close(); err != nil {
			return err
		}
		if err := keepResults(ctx, store); err != nil {
			return err
		}
	}
	if res.Skipped {
		return errPartial
	}
	return nil
}

// keepResults keeps, in a store that can (SQLite, PostgreSQL), what a report without
// filters reads from every connection (its summary, alerts and
// campaigns): found once by the command that changed the store, rather
// than by each report.
func keepResults(ctx context.Context, store any) error {
	k, ok := store.(interface {
		KeepResults(ctx context.Context, f knocks.Filter, o knocks.CampaignOptions) error
	})
	if !ok {
		return nil
	}
	return k.KeepResults(ctx, knocks.Filter{}, knocks.CampaignOptions{})
}

// enricher returns the GeoIP pass of the pipeline over gs, nil when GeoIP
// is off. (The addresses that an import with --no-geoip left out are looked
// up by the next import with GeoIP.)
func (m *Main) enricher(gs knocks.GeoStore, g *geoFlags) *ingest.Enricher {
	if g.off {
		return nil
	}
	return &ingest.Enricher{Store: gs, Open: m.geoOpener(g)}
}

// geoOpener returns a function that opens the locator of g.
func (m *Main) geoOpener(g *geoFlags) func() (ingest.Locator, error) {
	return func() (ingest.Locator, error) { return m.locator(g) }
}

// importHeapLimit is the soft limit of the Go heap of an import (ingest,
// watch): what an import holds is bounded (a transaction's connections, the
// addresses of a batch, the rollups' pending sums), but with every line from
// an address and a user name of its own it is near 50 MB, which the
// collector's default pacing lets grow to twice that before it collects.
const importHeapLimit = 80 << 20

// setImportHeapLimit sets the soft limit of the Go heap for an import,
// unless GOMEMLIMIT says otherwise: at most 10% more CPU time with a
// million distinct addresses and user names (peak RSS 117 MiB, not 157),
// nothing for a log of a few thousand addresses, whose heap stays under it.
func (m *Main) setImportHeapLimit() {
	if m.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(importHeapLimit)
	}
}

// ingester returns the pipeline with the parser of --year and --tz, and
// inputs opened from files or stdin, their last lines read as last says
// (see openInput), whose notices (see source.Input.OnNotice) go to notice.
// The caller sets its Store.
func (m *Main) ingester(year int, tz string, last lastLine, notice func(error)) (*ingest.Ingester, error) {
	loc, err := zone(tz)
	if err != nil {
		return nil, err
	}
	now := m.Now()
	return &ingest.Ingester{
		Parser: newParser(loc, year, m.Now),
		Open: func(ctx context.Context, name string) (ingest.Input, error) {
			in, err := openInput(ctx, name, m.Stdin, last, now)
			if err != nil {
				return nil, err
			}
			in.OnNotice(notice)
			return in, nil
		},
		Now:    m.Now,
		Logger: m.logger(),
		Bans:   fail2banDB{},
	}, nil
}

// printIngest prints the per-input summary with a total line, the errors,
// the notices (nil: none) and the unrecognised lines grouped by shape.
func printIngest(w io.Writer, res *ingest.Result, notes *notices) {
	nameWidth := len("input")
	var total knocks.InputStats
	for _, st := range res.Inputs {
		nameWidth = max(nameWidth, displayWidth(report.Safe(st.Name)))
		total.Lines += st.Lines
		total.SSHDLines += st.SSHDLines
		total.Recognised += st.Recognised
		total.Unrecognised += st.Unrecognised
		total.Skipped += st.Skipped
		total.Events += st.Events
	}
	nameWidth = min(nameWidth, 100)
	row := func(name string, st *knocks.InputStats) {
		fmt.Fprintf(w, "%-*s %10d %10d %10d %12d %8d %8d\n", nameWidth, name, st.Lines, st.SSHDLines, st.Recognised, st.Unrecognised, st.Skipped, st.Events)
	}
	fmt.Fprintf(w, "%-*s %10s %10s %10s %12s %8s %8s\n", nameWidth, "input", "lines", "sshd", "recognised", "unrecognised", "skipped", "events")
	for i := range res.Inputs {
		row(report.Safe(res.Inputs[i].Name), &res.Inputs[i])
	}
	if len(res.Inputs) > 1 {
		row(fmt.Sprintf("total (%d inputs)", len(res.Inputs)), &total)
	}
	for _, st := range res.Inputs {
		if st.Known > 0 {
			fmt.Fprintf(w, "%s: %d journal entries were imported before (at or before the stored cursor), not read again\n", report.Safe(st.Name), st.Known)
		}
	}
	printErrors(w, res, func(error) bool { return true })
	notes.print(w)
	for _, st := range res.Inputs {
		if len(st.Shapes) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s: %d sshd lines not recognised, by shape (please report them):\n", report.Safe(st.Name), st.Unrecognised)
		shapes := append([]knocks.Shape(nil), st.Shapes...)
		sort.SliceStable(shapes, func(i, j int) bool { return shapes[i].Count > shapes[j].Count })
		for i, sh := range shapes {
			if i == 15 {
				fmt.Fprintf(w, "  ... %d more shapes\n", len(shapes)-15)
				break
			}
			fmt.Fprintf(w, "  %6d  %s\n          e.g. %s\n", sh.Count, report.Safe(sh.Shape), report.Safe(strings.TrimSpace(sh.Example)))
		}
	}
}

// displayWidth is the number of terminal columns of s (one per rune).
func displayWidth(s string) int { return utf8.RuneCountInString(s) }
