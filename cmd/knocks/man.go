package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
)

// ManCommand prints the manual page, made from the commands' flag sets.
type ManCommand struct {
	m *Main
}

// FlagSet returns the flags of `knocks man` (none).
func (c *ManCommand) FlagSet() *flag.FlagSet { return c.m.newFlagSet("man") }

// Run runs `knocks man`.
func (c *ManCommand) Run(ctx context.Context, args []string) error {
	pos, err := parseFlags(c.FlagSet(), args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("man takes no arguments (see `knocks man -h`)")
	}
	writeMan(c.m.Stdout, c.m)
	return nil
}

// roff escapes text for a roff line: backslashes, and a leading dot or
// quote that would make it a request.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

// manExitCodes are the exit codes of README.md, for the man page.
var manExitCodes = [][2]string{
	{"0", "success"},
	{"1", "the command failed; also when none of the inputs could be read (the reason comes first, with a hint)"},
	{"2", "bad flags or arguments, or a filter value that selects nothing known (an unknown --country or --host, --since not before --until)"},
	{"3", "finished, but some input was skipped (an unreadable file, a truncated gzip, an overlong line, NUL bytes within a line); the message names the file and line"},
}

func writeMan(w io.Writer, m *Main) {
	fmt.Fprintf(w, ".TH KNOCKS 1 \"\" \"knocks %s\" \"User Commands\"\n", roff(buildVersion()))
	fmt.Fprint(w, ".SH NAME\nknocks \\- who is knocking on port 22, from sshd's own logs\n")
	fmt.Fprint(w, ".SH SYNOPSIS\n.B knocks\n.I command\n[\\fIflags\\fR] [\\fIarguments\\fR]\n.br\n.B knocks \\-\\-version\n")
	fmt.Fprint(w, ".SH DESCRIPTION\n", roff("knocks reads the logs that sshd already writes (syslog auth.log or secure, journalctl -o json, fail2ban.log; plain or gzip) and answers who is trying to get in, from where, as whom, how hard, and whether anyone succeeded. Inputs are recognised by their content; an input is known by a fingerprint of its first line, so importing it again adds only what is new."), "\n")
	fmt.Fprint(w, ".PP\n", roff(countingNote), "\n")
	fmt.Fprint(w, ".PP\n", roff("Flags may come before, between or after the arguments, with one or two dashes; -- ends the flags; - is standard input."), "\n")
	fmt.Fprint(w, ".SH COMMANDS\n")
	for _, c := range commands {
		fmt.Fprintf(w, ".SS \"knocks %s %s\"\n%s\n", c.name, roff(synopsisArgs(c)), roff(c.about))
		for _, f := range flagsOf(m, c) {
			name, usage := flag.UnquoteUsage(f)
			if name != "" && !isBool(f) {
				fmt.Fprintf(w, ".TP\n.BI \\-\\-%s \" %s\"", roff(f.Name), roff(name))
			} else {
				fmt.Fprintf(w, ".TP\n.B \\-\\-%s", roff(f.Name))
			}
			if d := defaultText(f); d != "" {
				usage += " (default " + d + ")"
			}
			fmt.Fprintf(w, "\n%s\n", roff(usage))
		}
	}
	fmt.Fprint(w, ".SH ENVIRONMENT\n")
	for _, e := range environment {
		fmt.Fprintf(w, ".TP\n.B %s\n%s\n", e[0], roff(e[1]))
	}
	fmt.Fprint(w, ".SH FILES\n.TP\n.I ~/.local/state/knocks/knocks.db\n", roff("the database (SQLite; its schema is in docs/schema.md)"), "\n")
	fmt.Fprint(w, ".TP\n.I ~/.local/state/knocks/\n", roff("also GeoIP .mmdb files (knocks geoip update downloads into it); /var/lib/GeoIP and /usr/share/GeoIP are searched too"), "\n")
	fmt.Fprint(w, ".SH EXIT STATUS\n")
	for _, e := range manExitCodes {
		fmt.Fprintf(w, ".TP\n.B %s\n%s\n", e[0], roff(e[1]))
	}
	fmt.Fprint(w, ".SH EXAMPLES\n.nf\n")
	for _, ex := range []string{
		"knocks ingest /var/log/auth.log*",
		"knocks report --since 7d --country China",
		"knocks report --html report.html /var/log/auth.log*",
		"knocks ingest --journal",
		"knocks doctor",
	} {
		fmt.Fprintln(w, roff(ex))
	}
	fmt.Fprint(w, ".fi\n.SH SEE ALSO\n.BR sshd (8),\n.BR sshd_config (5),\n.BR journalctl (1),\n.BR fail2ban\\-regex (1)\n")
}
