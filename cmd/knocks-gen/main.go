// Command knocks-gen writes a realistic synthetic sshd log (see package
// knocks/gen) and prints its ground truth, for tests and benchmarks:
//
//	knocks-gen -lines 1000000 -seed 1 -o /tmp/auth.log
//	knocks-gen -lines 3000 -style journal | knocks ingest -
//
// When -o names a file, its modification time is set to the time of the
// last line, as syslog would leave it, so that the year of RFC 3164 lines
// can be inferred from it.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"knocks/gen"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "knocks-gen:", err)
		os.Exit(2)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("knocks-gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		o       gen.Options
		style   = fs.String("style", "rfc3164", "line `style`: rfc3164, rfc3339, journal or mixed")
		start   = fs.String("start", "2025-01-06", "`time` of the first line: 2006-01-02, RFC 3339, or now-DURATION (e.g. now-72h; not reproducible)")
		hosts   = fs.String("hosts", "srv1", "comma-separated host `names`")
		zone    = fs.String("tz", "UTC", "time `zone` of the syslog timestamps")
		out     = fs.String("o", "-", "output `file` (- for stdout)")
		stats   = fs.String("stats", "", "write the ground truth as JSON to this `file`")
		quiet   = fs.Bool("q", false, "do not print the summary on stderr")
		lines   = fs.Int("lines", 1000, "`number` of lines")
		seed    = fs.Int64("seed", 1, "random `seed`: the same seed gives the same log")
		span    = fs.Duration("span", 0, "about how long the log covers (default 2s per line)")
		program = fs.String("program", "sshd", "sshd `name`: sshd, sshd-session (OpenSSH 9.8+) or mixed")
	)
	fs.Float64Var(&o.IPv6Share, "ipv6", 0, "share of IPv6 attackers (0: default 0.05, negative: none)")
	fs.Float64Var(&o.NoiseShare, "noise", 0, "share of lines of other programs (0: default 0.10, negative: none)")
	fs.Float64Var(&o.VerboseShare, "verbose", 0, "share of connections logged with LogLevel VERBOSE")
	fs.Float64Var(&o.MappedShare, "mapped", 0, "share of IPv4 connections logged as ::ffff:a.b.c.d")
	fs.Float64Var(&o.Tricky, "tricky", 0, "share of failed connections with hostile user names")
	fs.IntVar(&o.Attackers, "attackers", 0, "size of the attacker address pool (default lines/100)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if o.Style, err = gen.ParseStyle(*style); err != nil {
		return err
	}
	if o.Location, err = time.LoadLocation(*zone); err != nil {
		return fmt.Errorf("unknown time zone %q", *zone)
	}
	if o.Start, err = parseStart(*start); err != nil {
		return err
	}
	o.Lines, o.Seed, o.Span, o.Program = *lines, *seed, *span, *program
	for _, h := range strings.Split(*hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			o.Hosts = append(o.Hosts, h)
		}
	}

	w := stdout
	var f *os.File
	if *out != "-" {
		if f, err = os.Create(*out); err != nil {
			return fmt.Errorf("cannot create output: %w", err)
		}
		defer f.Close()
		w = f
	}
	st, err := gen.Write(w, o)
	if err != nil {
		return err
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return fmt.Errorf("cannot write output: %w", err)
		}
		if !st.Last.IsZero() {
			if err := os.Chtimes(*out, st.Last, st.Last); err != nil {
				return fmt.Errorf("cannot set the modification time: %w", err)
			}
		}
	}
	if *stats != "" {
		b, err := json.MarshalIndent(st, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*stats, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("cannot write stats: %w", err)
		}
	}
	if !*quiet {
		printSummary(stderr, st)
	}
	return nil
}

// parseStart parses the -start flag.
func parseStart(s string) (time.Time, error) {
	if rest, ok := strings.CutPrefix(s, "now"); ok {
		d := time.Duration(0)
		if rest != "" {
			var err error
			if d, err = time.ParseDuration(rest); err != nil {
				return time.Time{}, fmt.Errorf("bad -start %q: %v", s, err)
			}
		}
		return time.Now().Add(d).UTC().Truncate(time.Second), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad -start %q (want 2006-01-02, RFC 3339 or now-DURATION)", s)
}

func printSummary(w io.Writer, st gen.Stats) {
	fmt.Fprintf(w, "lines %d (sshd %d), %s .. %s\n", st.Lines, st.SSHDLines, st.First.Format(time.RFC3339), st.Last.Format(time.RFC3339))
	fmt.Fprintf(w, "attempts %d, connections %d, scans %d, logins %d, unique IPs %d, unique users %d\n",
		st.Attempts, st.Connections, st.Scans, st.Logins, st.UniqueIPs, st.UniqueUsers)
	if st.Dropped > 0 || st.Lockouts > 0 || len(st.Penalties) > 0 {
		fmt.Fprintf(w, "blocked by sshd itself: dropped %d, penalty reasons %d, lockouts %d\n", st.Dropped, len(st.Penalties), st.Lockouts)
	}
	type kv struct {
		k string
		v int64
	}
	var ips []kv
	for k, v := range st.IPs {
		ips = append(ips, kv{k, v})
	}
	sort.Slice(ips, func(i, j int) bool { return ips[i].v > ips[j].v || ips[i].v == ips[j].v && ips[i].k < ips[j].k })
	fmt.Fprint(w, "top IPs:")
	for i := 0; i < len(ips) && i < 5; i++ {
		fmt.Fprintf(w, " %s %d;", ips[i].k, ips[i].v)
	}
	fmt.Fprintln(w)
}
