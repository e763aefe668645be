package main

// The commands of knocks, described once: the help, the shell completions
// and the man page are all made from this table and from the commands' own
// flag sets.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// runner is a command: its flags and what it does.
type runner interface {
	// FlagSet returns the command's flags, bound to the command.
	FlagSet() *flag.FlagSet
	// Run parses args and runs the command.
	Run(ctx context.Context, args []string) error
}

// command describes one command of knocks.
type command struct {
	name    string
	args    string   // what follows the flags in the synopsis
	summary string   // one line, for the list of commands
	about   string   // paragraphs for -h and the man page
	words   []string // the fixed first arguments (geoip's actions, completion's shells)
	new     func(m *Main) runner
}

// commands are the commands of knocks in the order the help lists them.
var commands = []*command{
	{name: "ingest", args: "FILE...", summary: "import logs into the database (cron-safe; \"-\" is stdin)",
		about: "Imports sshd logs (syslog, RFC 5424, journalctl -o json, fail2ban.log; plain or gzip; \"-\" is stdin), or with --journal this machine's journal (by cursor). Running it again over the same files adds only what is new. It ends with a summary per input and the sshd lines it did not recognise, grouped by shape.",
		new:   func(m *Main) runner { return &IngestCommand{m: m} }},
	{name: "report", args: "[FILE...]", summary: "report from the database, or one-shot from FILEs (--html: an offline HTML report)",
		about: "Without FILEs it reports from the database; with FILEs it reads them into a temporary store first. " + countingNote,
		new:   func(m *Main) runner { return &ReportCommand{m: m} }},
	{name: "watch", args: "FILE... | --journal", summary: "follow logs as they are written (tail -F) and import them live",
		about: "Follows log files as they grow, like tail -F, across logrotate's rotations (rename and create, or copytruncate), and stores every new line within a second or two. It resumes where it stopped after a restart or kill -9. With --journal it follows sshd's entries in the journal (journalctl --follow) after the last one stored. SIGTERM or SIGINT commits what was read and exits 0; SIGHUP reopens the files. New shapes of unrecognised sshd lines are logged as they are met.",
		new:   func(m *Main) runner { return &WatchCommand{m: m} }},
	{name: "serve", summary: "serve the live dashboard, a JSON API and Prometheus metrics (127.0.0.1:8022)",
		about: "Serves the HTML report made live (new attempts appear without a reload; filters; click an address, user, subnet, network or country to drill down), the JSON API under /api/ that the page uses (docs/api.md), and Prometheus metrics at /metrics. It only reads the database: run `knocks watch` (or `watch --serve ADDR`, both in one process) to import. It listens on loopback unless --auth or --insecure-public is given.",
		new:   func(m *Main) runner { return &ServeCommand{m: m} }},
	{name: "parse", args: "FILE...", summary: "print one JSON object per recognised event, like fail2ban-regex",
		about: "Prints one JSON object per recognised event (and with --unmatched, per unrecognised sshd line). A line without an address gets the address of its connection from an earlier line.",
		new:   func(m *Main) runner { return &ParseCommand{m: m} }},
	{name: "plot", args: "[FILE...]", summary: "one PNG (--svg: and SVG) per chart, for a blog post",
		about: "Writes one PNG per chart (time series, users, IPs, subnets, countries, ports, heatmap, world map, cities, US map).",
		new:   func(m *Main) runner { return &PlotCommand{m: m} }},
	{name: "alerts", summary: "list the successful logins that matter, once each; exit 1 when new (for cron)",
		about: "Lists the successful logins that matter: from an address, /24 (IPv6 /64) or AS that failed before (failed_before); from a country never seen before for that user (new_country); after --failures failed attempts for that user within --window (many_failures). It remembers in the database what it has shown and shows each alert once: it exits 1 when it showed something new, so that cron mails it, and 0 otherwise. --all lists every alert and marks none.",
		new:   func(m *Main) runner { return &AlertsCommand{m: m} }},
	{name: "blocklist", summary: "write the addresses that crossed a rule, for nftables, ipset, hosts.deny, fail2ban or AbuseIPDB",
		about: "Writes the addresses with at least --min-attempts failed attempts (since --since), never one that logged in successfully (unless --include-logged-in), never an --allow range, never a private or reserved range. Formats: plain (one address a line), cidr (adjacent addresses merged; --rollup K lists a /24 or /64 whole from K addresses), nft (a file for nft -f: sets NAME4 and NAME6 of table inet knocks, emptied and filled), ipset (for ipset restore), hosts-deny, fail2ban (fail2ban-client set JAIL banip lines) and abuseipdb (AbuseIPDB's bulk-report CSV, categories 18 and 22). It only writes: it never touches a firewall.",
		new:   func(m *Main) runner { return &BlocklistCommand{m: m} }},
	{name: "prune", summary: "delete events older than an age (--older-than 365d), keeping the checkpoints",
		about: "Deletes the connections that ended before the cut, and the ban and penalty events from before it, in one transaction, with the import records and GeoIP results that only they needed; then compacts the database (VACUUM) when a quarter or more of it is free. It keeps every checkpoint and journal cursor, so that old or rotated logs are not imported again, and the lines read that reports give (every line ever imported). It takes the importer's lock: it fails while an ingest or watch runs, or waits for it with --wait.",
		new:   func(m *Main) runner { return &PruneCommand{m: m} }},
	{name: "geoip", args: "status|update|refresh", summary: "GeoIP databases: which are used, download DB-IP City, look up again",
		about: "status: which GeoIP databases are in use, their build dates, how many stored addresses each resolves, and the databases behind the stored results. update: download the monthly DB-IP Lite City database (free, no account) into the state directory. refresh: look up every stored address again (after an update, or imports made with --no-geoip).",
		words: []string{"status", "update", "refresh"},
		new:   func(m *Main) runner { return &GeoIPCommand{m: m} }},
	{name: "doctor", summary: "check where sshd logs, whether knocks may read it, the GeoIP data and the database",
		about: "Checks this machine: where sshd logs (files or journald), its LogLevel and PerSourcePenalties, whether this user may read those logs, which GeoIP data is in use and how old it is, the database's health and size, and the last import with its rate of unrecognised sshd lines (a high rate means the parser no longer knows this sshd's messages). It exits 1 when a check failed.",
		new:   func(m *Main) runner { return &DoctorCommand{m: m} }},
	{name: "completion", args: "bash|zsh|fish", summary: "print a shell completion script",
		about: "Prints the completion script for a shell. bash: `knocks completion bash > /etc/bash_completion.d/knocks` (or source it from ~/.bashrc); zsh: `knocks completion zsh > \"${fpath[1]}/_knocks\"`; fish: `knocks completion fish > ~/.config/fish/completions/knocks.fish`.",
		words: []string{"bash", "zsh", "fish"},
		new:   func(m *Main) runner { return &CompletionCommand{m: m} }},
	{name: "man", summary: "print the manual page (roff)",
		about: "Prints the manual page in roff, made from the same flag definitions as -h: `knocks man > /usr/local/share/man/man1/knocks.1`, or read it with `knocks man | man -l -`.",
		new:   func(m *Main) runner { return &ManCommand{m: m} }},
	{name: "version", summary: "print the version and the attributions of the bundled data",
		about: "Prints the version (also `knocks --version`) and the GeoIP data in use with its attribution lines.",
		new:   func(m *Main) runner { return &VersionCommand{m: m} }},
}

// countingNote is the definition of the numbers, for report's help and
// footer.
const countingNote = "An attempt is one failed authentication (each Failed line; one for a connection that failed without one); a scan is a connection that never tried to authenticate (see README, Counting)."

// environment lists the environment variables that knocks reads.
var environment = [][2]string{
	{"KNOCKS_DB", "the database, when --db is not given"},
	{"KNOCKS_GEOIP", "GeoIP .mmdb files or directories, separated by colons, when --geoip is not given"},
	{"XDG_STATE_HOME", "the state directory is $XDG_STATE_HOME/knocks (default ~/.local/state/knocks): the database and downloaded GeoIP data"},
	{"XDG_CACHE_HOME", "the decompressed embedded GeoIP data is kept in $XDG_CACHE_HOME/knocks (default ~/.cache/knocks)"},
	{"NO_COLOR", "when set and not empty, no colour unless --color always"},
}

// lookup returns the command called name, or nil.
func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

// newFlagSet returns an empty flag set for `knocks NAME` whose -h prints
// the command's help on stdout.
func (m *Main) newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("knocks "+name, flag.ContinueOnError)
	fs.SetOutput(m.Stdout)
	fs.Usage = func() { printHelp(fs.Output(), lookup(name), fs) }
	return fs
}

// printUsage prints the list of commands.
func printUsage(w io.Writer) {
	fmt.Fprintf(w, "knocks: who is knocking on port 22, from sshd's own logs.\n\nUsage:\n")
	for _, c := range commands {
		use := strings.TrimSpace("knocks " + c.name + " " + c.args)
		if len(use) > 32 {
			fmt.Fprintf(w, "  %s\n  %-32s %s\n", use, "", c.summary)
		} else {
			fmt.Fprintf(w, "  %-32s %s\n", use, c.summary)
		}
	}
	fmt.Fprintf(w, "\nRun \"knocks COMMAND -h\" for the flags of a command, \"knocks man\" for the manual.\nEnvironment:\n")
	for _, e := range environment {
		fmt.Fprintf(w, "  %-15s %s\n", e[0], e[1])
	}
}

func synopsisArgs(c *command) string {
	if c.args == "" {
		return "[flags]"
	}
	return "[flags] " + c.args
}

// printHelp prints the help of a command: synopsis, description, flags.
func printHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: knocks %s %s\n\n%s\n", c.name, synopsisArgs(c), wrap(c.about, 78, ""))
	if hasFlags(fs) {
		fmt.Fprintf(w, "\nFlags:\n")
		printFlags(w, fs)
	}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// printFlags prints the flags of fs in the --name form that the README
// uses.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		head := "  --" + f.Name
		if name != "" && !isBool(f) {
			head += " " + name
		}
		if d := defaultText(f); d != "" {
			usage += " (default " + d + ")"
		}
		fmt.Fprintf(w, "%s\n%s\n", head, wrap(usage, 78, "      "))
	})
}

// isBool says whether f takes no value.
func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// defaultText is the default of f worth printing: not zero values.
func defaultText(f *flag.Flag) string {
	switch f.DefValue {
	case "", "0", "false", "[]":
		return ""
	}
	return f.DefValue
}

// wrap wraps text at width columns, each line after indent.
func wrap(text string, width int, indent string) string {
	var b strings.Builder
	line := indent
	for _, w := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(w) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += w
	}
	b.WriteString(line)
	return b.String()
}

// flagValues are the values a flag of that name takes, for completion.
var flagValues = map[string][]string{
	"format": {"text", "json", "csv"},
	"color":  {"auto", "always", "never"},
}

// fileFlags take a file or directory name.
var fileFlags = map[string]bool{"auth": true, "db": true, "html": true, "geoip": true, "out": true, "sshd-config": true, "log": true, "journal-dir": true, "sshd": true}

// flagsOf returns the flags of a command, sorted by name.
func flagsOf(m *Main, c *command) []*flag.Flag {
	var out []*flag.Flag
	c.new(m).FlagSet().VisitAll(func(f *flag.Flag) { out = append(out, f) })
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
