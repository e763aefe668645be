package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"time"

	"knocks"
	"knocks/ecs"
	"knocks/ingest"
	"knocks/parse"
	"knocks/report"
)

// ParseCommand prints one JSON object per recognised event, like
// fail2ban-regex: it shows what knocks makes of each line. With
// --fields ecs the objects are Elastic Common Schema documents, for log
// pipelines (Vector, Fluent Bit, Loki, Elastic).
type ParseCommand struct {
	m         *Main
	unmatched bool
	year      int
	tz        string
	fields    string
}

// parsedEvent is the JSON form of one event in `knocks parse` output.
type parsedEvent struct {
	File        string `json:"file"`
	Line        int64  `json:"line"`
	Time        string `json:"time"`
	Host        string `json:"host"`
	PID         int    `json:"pid"`
	Kind        string `json:"kind"`
	Class       string `json:"class"`
	IP          string `json:"ip"`
	Port        int    `json:"port"`
	User        string `json:"user"`
	HasUser     bool   `json:"has_user"`
	InvalidUser bool   `json:"invalid_user"`
	Method      string `json:"method"`
	Count       int    `json:"count"`
	Jail        string `json:"jail,omitempty"`
	Reason      string `json:"reason,omitempty"`
}

// unmatchedLine is the JSON form of an sshd line that was not recognised.
type unmatchedLine struct {
	File      string `json:"file"`
	Line      int64  `json:"line"`
	Unmatched bool   `json:"unmatched"`
	Shape     string `json:"shape"`
	Text      string `json:"text"`
}

// FlagSet returns the flags of `knocks parse`.
func (c *ParseCommand) FlagSet() *flag.FlagSet {
	fs := c.m.newFlagSet("parse")
	fs.BoolVar(&c.unmatched, "unmatched", false, "also print the sshd lines that were not recognised")
	fs.IntVar(&c.year, "year", 0, "the `year` of the first syslog line (default: inferred from the file's modification time)")
	fs.StringVar(&c.tz, "log-tz", "", "time `zone` of syslog lines without one (default: local); the output is in UTC")
	fs.StringVar(&c.tz, "tz", "", "the same as --log-tz (its older name)")
	fs.StringVar(&c.fields, "fields", "knocks", "field `names` of the output: knocks, or ecs (Elastic Common Schema, for log pipelines)")
	return fs
}

// Run runs `knocks parse`.
func (c *ParseCommand) Run(ctx context.Context, args []string) error {
	names, err := parseFlags(c.FlagSet(), args)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return usagef("parse needs at least one FILE (or - for stdin)")
	}
	if c.fields != "knocks" && c.fields != "ecs" {
		return usagef("--fields must be knocks or ecs, not %q", c.fields)
	}
	asECS := c.fields == "ecs"
	loc, err := zone(c.tz)
	if err != nil {
		return err
	}
	ordered, err := orderInputs(names)
	if err != nil {
		return err
	}
	out := bufio.NewWriterSize(c.m.Stdout, 64<<10)
	defer out.Flush()
	enc := json.NewEncoder(out)
	p := newParser(loc, c.year, c.m.Now)
	skipped := false
	var unread []unreadInput
	for _, name := range ordered {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		in, err := openInput(ctx, name, c.m.Stdin, lastAlways, c.m.Now())
		if err != nil {
			unread = append(unread, unreadInput{name: name, err: err})
			skipped = true
			continue
		}
		in.OnNotice(func(err error) { fmt.Fprintf(c.m.Stderr, "warning: %s\n", report.Safe(err.Error())) })
		p.Reset(in.ModTime(), time.Time{})
		var tracker parse.Tracker // a line without an address takes its connection's
		var ev knocks.Event
		for in.Next() {
			if err := in.LineErr(); err != nil {
				fmt.Fprintf(c.m.Stderr, "error: %s\n", report.Safe(err.Error()))
				skipped = true
				continue
			}
			st := p.Parse(in.Bytes(), &ev)
			switch st {
			case ingest.Unrecognised:
				if c.unmatched && asECS {
					_ = enc.Encode(ecs.Unmatched(name, in.LineNo(), p.Shape(in.Bytes()), string(in.Bytes())))
				} else if c.unmatched {
					_ = enc.Encode(unmatchedLine{File: name, Line: in.LineNo(), Unmatched: true, Shape: p.Shape(in.Bytes()), Text: string(in.Bytes())})
				}
				continue
			case ingest.Recognised:
			case ingest.Invalid:
				fmt.Fprintf(c.m.Stderr, "error: %s\n", report.Safe(fmt.Sprintf("%s:%d: %s, skipped", name, in.LineNo(), knocks.TimeRangeError(ev.Time))))
				skipped = true
				continue
			default:
				continue
			}
			p.Resolve(&ev)
			ev.Line = in.LineNo()
			tracker.Fill(&ev)
			if ev.Kind == knocks.KindConnect {
				continue
			}
			if asECS {
				_ = enc.Encode(ecs.FromEvent(name, &ev))
			} else {
				_ = enc.Encode(jsonEvent(name, &ev))
			}
		}
		if err := in.Err(); err != nil {
			fmt.Fprintf(c.m.Stderr, "error: %s\n", report.Safe(err.Error()))
			skipped = true
		}
		in.Close()
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("cannot write output: %w", err)
	}
	if len(unread) == len(ordered) {
		return failUnread(c.m.Stderr, unread)
	}
	for _, u := range unread {
		fmt.Fprintf(c.m.Stderr, "knocks: not read: %s\n", report.Safe(u.err.Error()))
	}
	printHints(c.m.Stderr, unread)
	if skipped {
		return errPartial
	}
	return nil
}

func jsonEvent(file string, ev *knocks.Event) parsedEvent {
	t := ""
	if !ev.Time.IsZero() {
		t = ev.Time.UTC().Format(time.RFC3339)
	}
	return parsedEvent{
		File: file, Line: ev.Line, Time: t, Host: ev.Host, PID: ev.PID, Kind: string(ev.Kind),
		Class: ecs.ClassName(ev.Kind.Class()), IP: ev.Source(), Port: ev.Port, User: ev.User, HasUser: ev.HasUser,
		InvalidUser: ev.Invalid, Method: ev.Method, Count: ev.Count, Jail: ev.Jail, Reason: ev.Reason,
	}
}
