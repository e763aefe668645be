package main

// The one place that knows the concrete adapters.

import (
	"context"
	"io"
	"time"

	"knocks"
	"knocks/ingest"
	"knocks/parse"
	"knocks/source"
	"knocks/sqlite"
)

var _ ingest.Input = (*source.Input)(nil)

// openInput opens a file, or stdin for "-"; ctx ends its reads.
func openInput(ctx context.Context, name string, stdin io.Reader) (*source.Input, error) {
	if name == "-" {
		return source.NewReaderContext(ctx, "-", stdin, time.Time{})
	}
	return source.OpenContext(ctx, name)
}

// orderInputs puts rotated sets oldest first.
func orderInputs(names []string) ([]string, error) { return source.Order(names) }

// openStore opens the SQLite store at path.
func openStore(ctx context.Context, path string) (*sqlite.EventStore, error) {
	return sqlite.Open(ctx, path)
}

// parser adapts the parse package to ingest.Parser.
type parser struct {
	clock parse.Clock
}

var _ ingest.Parser = (*parser)(nil)

func newParser(loc *time.Location, year int, now func() time.Time) *parser {
	return &parser{clock: parse.Clock{Loc: loc, Year: year, Now: now()}}
}

func (p *parser) Parse(line []byte) (knocks.Event, ingest.Status) {
	ev, st := parse.Line(line)
	return ev, ingest.Status(st)
}

func (p *parser) Resolve(ev *knocks.Event)      { p.clock.Resolve(ev) }
func (p *parser) Reset(modTime, prev time.Time) { p.clock.Reset(modTime, prev) }
func (p *parser) Shape(line []byte) string      { return parse.ShapeLine(line) }

// openDB opens the database that the --db flag value, $KNOCKS_DB or the
// default path names.
func (m *Main) openDB(ctx context.Context, flagValue string) (*sqlite.EventStore, error) {
	path, err := m.dbPath(flagValue)
	if err != nil {
		return nil, err
	}
	return openStore(ctx, path)
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
