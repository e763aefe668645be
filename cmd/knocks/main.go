// Command knocks answers who is trying to get in over SSH, from where, as
// whom, how hard, and whether anyone succeeded, from the logs the machine
// already writes. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // --tz works on systems without a zoneinfo database

	"knocks"
	"knocks/report"
)

// Exit codes, documented in README.md.
const (
	exitOK      = 0 // success
	exitError   = 1 // the command failed
	exitUsage   = 2 // bad flags or arguments
	exitPartial = 3 // the command finished, but some input was skipped (bad lines, unreadable files)
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

// errPartial is returned by a command that finished but skipped input; the
// reasons were already printed.
var errPartial = errors.New("some input was skipped")

// errReported is returned by a command that failed and has already printed
// why.
var errReported = errors.New("failed")

// errUsage marks an error in the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// Main is the program with its environment, so that tests can run it.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Now    func() time.Time
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Now: time.Now}
	if path := os.Getenv("KNOCKS_CPUPROFILE"); path != "" { // for developers: go tool pprof
		if f, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				code := m.Run(ctx, os.Args[1:])
				pprof.StopCPUProfile()
				f.Close()
				os.Exit(code)
			}
		}
	}
	os.Exit(m.Run(ctx, os.Args[1:]))
}

const usage = `knocks: who is knocking on port 22, from sshd's own logs.

Usage:
  knocks ingest [flags] FILE...      import logs into the database (cron-safe; "-" is stdin)
  knocks report [flags] [FILE...]    report from the database, or one-shot from FILEs
  knocks parse [flags] FILE...       print one JSON object per recognised event
  knocks report --html FILE [FILE...] a self-contained offline HTML report with charts and maps
  knocks plot --out DIR [FILE...]    one PNG (--svg: and SVG) per chart, for a blog post
  knocks geoip status|update|refresh GeoIP databases: which are used, download DB-IP City, look up again
  knocks version                     print the version and data attributions

Run "knocks COMMAND -h" for the flags of a command.
The database is --db PATH, else $KNOCKS_DB, else $XDG_STATE_HOME/knocks/knocks.db
(~/.local/state/knocks/knocks.db).
`

// Run runs the program with args (without the program name) and returns the
// exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return exitUsage
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "ingest":
		err = (&IngestCommand{m: m}).Run(ctx, rest)
	case "report":
		err = (&ReportCommand{m: m}).Run(ctx, rest)
	case "parse":
		err = (&ParseCommand{m: m}).Run(ctx, rest)
	case "plot":
		err = (&PlotCommand{m: m}).Run(ctx, rest)
	case "geoip":
		err = (&GeoIPCommand{m: m}).Run(ctx, rest)
	case "version", "--version":
		err = m.version()
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
	default:
		fmt.Fprintf(m.Stderr, "knocks: unknown command %q (see `knocks -h`)\n", report.Safe(cmd))
		return exitUsage
	}
	return m.exit(err)
}

// exit prints err for a user and maps it to an exit code.
func (m *Main) exit(err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errReported):
		return exitError
	case errors.Is(err, errPartial):
		fmt.Fprintf(m.Stderr, "knocks: %v\n", err)
		return exitPartial
	case errors.As(err, &ue):
		fmt.Fprintf(m.Stderr, "knocks: %s\n", ue.msg)
		return exitUsage
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(m.Stderr, "knocks: interrupted")
		return exitError
	}
	var ke *knocks.Error
	if errors.As(err, &ke) {
		fmt.Fprintf(m.Stderr, "knocks: %s\n", report.Safe(ke.Message))
		return exitError
	}
	fmt.Fprintf(m.Stderr, "knocks: %s\n", report.Safe(err.Error()))
	return exitError
}

// logger returns the program's log: text lines on stderr at the level of
// $KNOCKS_LOG (debug, info, warn, error; default warn).
func (m *Main) logger() *slog.Logger {
	level := slog.LevelWarn
	if v := m.Getenv("KNOCKS_LOG"); v != "" {
		_ = level.UnmarshalText([]byte(v))
	}
	return slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: level}))
}

// dbPath returns the database path: the flag, else $KNOCKS_DB, else the
// per-user state directory.
func (m *Main) dbPath(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if p := m.Getenv("KNOCKS_DB"); p != "" {
		return p, nil
	}
	dir, err := m.stateDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "knocks.db"), nil
}

// stateDir returns $XDG_STATE_HOME/knocks, else ~/.local/state/knocks.
func (m *Main) stateDir() (string, error) {
	if d := m.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "knocks"), nil
	}
	home := m.Getenv("HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("cannot find a home directory for the database; use --db or KNOCKS_DB: %w", err)
		}
		home = h
	}
	return filepath.Join(home, ".local", "state", "knocks"), nil
}

// parseFlags parses flags that may come before, between or after the
// positional arguments and returns the positional arguments. "-" is a
// positional argument (stdin); "--" ends the flags. -h prints the help on
// the flag set's output and returns flag.ErrHelp; a bad flag is a one-line
// usage error that names it and points to the help.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	out := fs.Output()
	fs.SetOutput(io.Discard) // the flag package would print the whole usage on every error
	defer fs.SetOutput(out)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(out)
				fs.Usage()
				return nil, err
			}
			return nil, usagef("%s (see `%s -h`)", flagMessage(err), fs.Name())
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// flagMessage rewords an error of the flag package with the --name form
// that the help and README use.
func flagMessage(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return "unknown flag --" + strings.TrimPrefix(name, "-")
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return "flag --" + strings.TrimPrefix(name, "-") + " needs a value"
	}
	return strings.Replace(msg, " for flag -", " for flag --", 1)
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		v := bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " " + s.Value[:12]
			}
		}
		if v != "" && v != "(devel)" {
			return v
		}
	}
	return "dev"
}

// version prints the version and the attribution lines of the bundled data.
func (m *Main) version() error {
	fmt.Fprintf(m.Stdout, "knocks %s\n", buildVersion())
	loc, err := m.locator(&geoFlags{})
	if err != nil {
		return err
	}
	defer loc.Close()
	fmt.Fprintln(m.Stdout, "\nGeoIP data in use:")
	for _, s := range loc.Sources() {
		fmt.Fprintf(m.Stdout, "  %s\n", report.Safe(s))
	}
	for _, a := range loc.Attribution() {
		fmt.Fprintf(m.Stdout, "%s\n", report.Safe(a))
	}
	return nil
}
