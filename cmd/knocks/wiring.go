package main

// The one place that knows the concrete adapters.

import (
	"context"
	"io"
	"net/url"
	"regexp"
	"strings"
	"time"

	"knocks"
	"knocks/ingest"
	"knocks/parse"
	"knocks/postgres"
	"knocks/report"
	"knocks/source"
	"knocks/sqlite"
)

var _ ingest.Input = (*source.Input)(nil)

// lastLine says when the last line of an input, without its newline, is
// read as final.
type lastLine int

const (
	lastWhenFinal lastLine = iota // when the input will not grow (ingest): see openInput
	lastAlways                    // always: nothing is left for a later run (parse, one-shot report)
	lastNever                     // never in a plain file: it is followed as it grows (watch)
)

// openInput opens a file, or stdin for "-"; ctx ends its reads. A last line
// without a newline is read as final as last says; with lastWhenFinal, when
// the input will not grow: stdin, a pipe, gzip, a rotated file, or a file
// unchanged for source.Settle as seen at now.
func openInput(ctx context.Context, name string, stdin io.Reader, last lastLine, now time.Time) (*source.Input, error) {
	if name == "-" {
		return source.NewReaderContext(ctx, "-", stdin, time.Time{})
	}
	in, err := source.OpenContext(ctx, name)
	if err != nil {
		return nil, err
	}
	switch last {
	case lastAlways:
		in.Complete = true
	case lastWhenFinal:
		in.Complete = in.Complete || source.Final(name, in.ModTime(), now)
	}
	return in, nil
}

// openJournal runs journalctl for sshd's entries after the cursor after
// ("" for the whole journal).
func openJournal(ctx context.Context, after string) (ingest.Input, error) {
	j, err := source.OpenJournal(ctx, source.JournalOptions{After: after})
	if err != nil {
		return nil, err
	}
	return j, nil
}

// orderInputs puts rotated sets oldest first.
func orderInputs(names []string) ([]string, error) { return source.Order(names) }

// dbStore is what the commands use of a store: the SQLite one
// (sqlite.EventStore) or the PostgreSQL one (postgres.EventStore).
type dbStore interface {
	ingest.Store
	knocks.Pruner
	knocks.CampaignSource
	// Path names the database for messages: a file, or a URL without
	// its password.
	Path() string
	// LockImport takes the importer's lock (of the file; of the host id
	// in PostgreSQL).
	LockImport(ctx context.Context, wait bool) (unlock func(), err error)
	Hosts(ctx context.Context) ([]string, error)
	Activity(ctx context.Context, topCountries int) (*knocks.Activity, error)
	Alerts(ctx context.Context, o knocks.AlertOptions) ([]knocks.Alert, error)
	MarkAlerts(ctx context.Context, as []knocks.Alert) error
	Attackers(ctx context.Context, since time.Time, f func(knocks.Attacker) error) error
	GeoSources(ctx context.Context) ([]knocks.GeoSource, error)
}

var (
	_ dbStore = (*sqlite.EventStore)(nil)
	_ dbStore = (*postgres.EventStore)(nil)
)

// openStore opens the store that a --db value names for reading and
// writing: a PostgreSQL database for a postgres:// URL (importing as
// hostID, "" for this machine's name), else an SQLite file, made when
// there is none.
func openStore(ctx context.Context, db, hostID string) (dbStore, error) {
	if postgres.IsURL(db) {
		return openPostgres(ctx, db, hostID)
	}
	path, err := storePath(db)
	if err != nil {
		return nil, err
	}
	return sqlite.Open(ctx, path)
}

// openReadStore opens the store that a --db value names for reading only:
// an SQLite file is opened so that it never needs write access (see
// sqlite.OpenReadOnly).
func openReadStore(ctx context.Context, db string) (dbStore, error) {
	if postgres.IsURL(db) {
		return openPostgres(ctx, db, "")
	}
	path, err := storePath(db)
	if err != nil {
		return nil, err
	}
	return sqlite.OpenReadOnly(ctx, path)
}

// openPostgres opens a PostgreSQL store; a host id "" is this machine's
// name.
func openPostgres(ctx context.Context, db, hostID string) (dbStore, error) {
	if hostID == "" {
		hostID = postgres.DefaultHostID()
	}
	s, err := postgres.Open(ctx, db, hostID)
	if err != nil {
		if knocks.ErrorCode(err) == knocks.EINVALID && strings.Contains(knocks.ErrorMessage(err), "URL") {
			return nil, usagef("--db %s: %s", report.Safe(postgres.Redact(db)), knocks.ErrorMessage(err))
		}
		return nil, err
	}
	return s, nil
}

// changes is what `knocks serve` polls to know when the stored data
// changed.
type changes interface {
	Generation(ctx context.Context) (int64, error)
	Close() error
}

// noClose is a changes without anything to close.
type noClose struct{ *postgres.EventStore }

func (noClose) Close() error { return nil }

// watchChanges returns the changes of a store.
func watchChanges(ctx context.Context, s dbStore) (changes, error) {
	switch s := s.(type) {
	case *sqlite.EventStore:
		return s.Changes(ctx)
	case *postgres.EventStore:
		return noClose{s}, nil
	}
	return nil, knocks.Errorf(knocks.EINTERNAL, "no change watch for %T", s)
}

// urlScheme matches the scheme of a URL ("postgres://"), not a Windows
// drive ("C:\").
var urlScheme = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*)://`)

// storePath returns the SQLite file that a --db value names: a path, or a
// file:// URL. With postgres.IsURL, it is the one place that reads the
// form of a --db value: a URL of any other scheme is refused here, as a
// bad argument.
func storePath(db string) (string, error) {
	m := urlScheme.FindStringSubmatch(db)
	if m == nil {
		return db, nil
	}
	switch scheme := strings.ToLower(m[1]); scheme {
	case "file":
		u, err := url.Parse(db)
		if err != nil || u.Path == "" || (u.Host != "" && u.Host != "localhost") {
			return "", usagef("--db %s: a file URL is file:///path/to/knocks.db", report.Safe(db))
		}
		return u.Path, nil
	case "mysql", "mariadb", "sqlserver", "mongodb", "redis":
		return "", usagef("--db %s: knocks cannot store in %s databases; give the path of an SQLite file (e.g. --db /var/lib/knocks/knocks.db) or a postgres:// URL", report.Safe(redactURL(db)), scheme)
	default:
		return "", usagef("--db %s: knocks cannot store at %s: URLs; give the path of an SQLite file (e.g. --db /var/lib/knocks/knocks.db) or a postgres:// URL", report.Safe(redactURL(db)), report.Safe(scheme))
	}
}

// redactURL returns a URL without its password, for a message.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		return u.Redacted()
	}
	return s
}

// parser adapts the parse package to ingest.Parser.
type parser struct {
	clock parse.Clock
	now   func() time.Time
	names parse.Names // the host and user names seen, allocated once
}

var _ ingest.Parser = (*parser)(nil)

func newParser(loc *time.Location, year int, now func() time.Time) *parser {
	return &parser{clock: parse.Clock{Loc: loc, Year: year, Now: now()}, now: now}
}

func (p *parser) Parse(line []byte, ev *knocks.Event) ingest.Status {
	return ingest.Status(p.names.LineInto(line, ev))
}

func (p *parser) Resolve(ev *knocks.Event) { p.clock.Resolve(ev) }

// Reset starts another input (or another read of a followed one): the clock
// takes the current time, so that a days-long watch never dates lines in
// the future of its start.
func (p *parser) Reset(modTime, prev time.Time) {
	p.clock.Now = p.now()
	p.clock.Reset(modTime, prev)
}
func (p *parser) Shape(line []byte) string  { return parse.ShapeLine(line) }
func (p *parser) Cursor(line []byte) []byte { return parse.JournalCursor(line) }

// openDB opens the database that the --db flag value, $KNOCKS_DB or the
// default path names, for reading and writing.
func (m *Main) openDB(ctx context.Context, flagValue string) (dbStore, error) {
	return m.openImportDB(ctx, flagValue, "")
}

// openImportDB is openDB for an importer of the host id hostID (--host-id;
// "" for this machine's name), which a PostgreSQL store keeps the inputs,
// checkpoints and lock of.
func (m *Main) openImportDB(ctx context.Context, flagValue, hostID string) (dbStore, error) {
	path, err := m.dbPath(flagValue)
	if err != nil {
		return nil, err
	}
	return openStore(ctx, path, hostID)
}

// openReadDB opens the database that the --db flag value, $KNOCKS_DB or
// the default path names, for reading only.
func (m *Main) openReadDB(ctx context.Context, flagValue string) (dbStore, error) {
	path, err := m.readDBPath(flagValue)
	if err != nil {
		return nil, err
	}
	s, err := openReadStore(ctx, path)
	if knocks.ErrorCode(err) == knocks.ENOTFOUND {
		return nil, knocks.Errorf(knocks.ENOTFOUND, "no database at %s: run `knocks ingest FILE...` first (report and plot also make a one-shot report of FILEs)", path)
	}
	return s, err
}

// zone returns the zone of a --tz value; "" is the local zone.
func zone(tz string) (*time.Location, error) {
	if tz == "" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, usagef("unknown time zone %q", tz)
	}
	return loc, nil
}
