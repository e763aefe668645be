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

// openStore opens the store that a --db value names for reading and
// writing, creating an SQLite database when there is none.
func openStore(ctx context.Context, db string) (*sqlite.EventStore, error) {
	path, err := storePath(db)
	if err != nil {
		return nil, err
	}
	return sqlite.Open(ctx, path)
}

// openReadStore opens the store that a --db value names for reading only:
// it never needs write access (see sqlite.OpenReadOnly).
func openReadStore(ctx context.Context, db string) (*sqlite.EventStore, error) {
	path, err := storePath(db)
	if err != nil {
		return nil, err
	}
	return sqlite.OpenReadOnly(ctx, path)
}

// urlScheme matches the scheme of a URL ("postgres://"), not a Windows
// drive ("C:\").
var urlScheme = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*)://`)

// storePath returns the SQLite file that a --db value names: a path, or a
// file:// URL. It is the one place that reads the form of a --db value:
// a URL of any other scheme is refused here, as a bad argument, until
// knocks can store there.
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
	case "postgres", "postgresql", "mysql", "mariadb", "sqlserver", "mongodb", "redis":
		return "", usagef("--db %s: knocks cannot store in %s databases; give the path of an SQLite file (e.g. --db /var/lib/knocks/knocks.db)", report.Safe(redactURL(db)), scheme)
	default:
		return "", usagef("--db %s: knocks cannot store at %s: URLs; give the path of an SQLite file (e.g. --db /var/lib/knocks/knocks.db)", report.Safe(redactURL(db)), report.Safe(scheme))
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
}

var _ ingest.Parser = (*parser)(nil)

func newParser(loc *time.Location, year int, now func() time.Time) *parser {
	return &parser{clock: parse.Clock{Loc: loc, Year: year, Now: now()}, now: now}
}

func (p *parser) Parse(line []byte) (knocks.Event, ingest.Status) {
	ev, st := parse.Line(line)
	return ev, ingest.Status(st)
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
func (m *Main) openDB(ctx context.Context, flagValue string) (*sqlite.EventStore, error) {
	path, err := m.dbPath(flagValue)
	if err != nil {
		return nil, err
	}
	return openStore(ctx, path)
}

// openReadDB opens the database that the --db flag value, $KNOCKS_DB or
// the default path names, for reading only.
func (m *Main) openReadDB(ctx context.Context, flagValue string) (*sqlite.EventStore, error) {
	path, err := m.readDBPath(flagValue)
	if err != nil {
		return nil, err
	}
	s, err := openReadStore(ctx, path)
	if knocks.ErrorCode(err) == knocks.ENOTFOUND {
		return nil, knocks.Errorf(knocks.ENOTFOUND, "no database at %s: run `knocks ingest FILE...` first, or give FILEs for a one-shot report", path)
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
