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

	"github.com/mattn/go-isatty"

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
	// Terminal says whether w is a terminal (colour on stdout, progress on
	// stderr); nil means none is.
	Terminal func(w io.Writer) bool
	// Geteuid returns the effective user id; nil means not root.
	Geteuid func() int
	// SystemDir is the state directory of the shared, system-wide
	// database; "" means DefaultSystemDir.
	SystemDir string
}

// DefaultSystemDir is where the shared database lives when knocks runs as
// a system service or as root: systemd's StateDirectory=knocks.
const DefaultSystemDir = "/var/lib/knocks"

// isTerminal says whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// terminal says whether w is a terminal, as m.Terminal tells.
func (m *Main) terminal(w io.Writer) bool { return m.Terminal != nil && m.Terminal(w) }

// useColor turns a --color value into whether to colour: auto colours a
// terminal unless $NO_COLOR is set (https://no-color.org) or $TERM is dumb.
func (m *Main) useColor(mode string) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto", "":
		return m.terminal(m.Stdout) && m.Getenv("NO_COLOR") == "" && m.Getenv("TERM") != "dumb", nil
	}
	return false, usagef("unknown --color %q (auto, always or never)", report.Safe(mode))
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Now: time.Now, Terminal: isTerminal, Geteuid: os.Geteuid}
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
	if path := os.Getenv("KNOCKS_MEMPROFILE"); path != "" { // for developers: go tool pprof -sample_index=alloc_space
		code := m.Run(ctx, os.Args[1:])
		if f, err := os.Create(path); err == nil {
			pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
		os.Exit(code)
	}
	os.Exit(m.Run(ctx, os.Args[1:]))
}

// Run runs the program with args (without the program name) and returns the
// exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		printUsage(m.Stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "--version", "-version", "-v":
		name = "version"
	case "help", "-h", "--help", "-help":
		if len(rest) == 1 && lookup(rest[0]) != nil { // knocks help report
			c := lookup(rest[0])
			printHelp(m.Stdout, c, c.new(m).FlagSet())
			return exitOK
		}
		printUsage(m.Stdout)
		return exitOK
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(m.Stderr, "knocks: unknown command %q (see `knocks -h`)\n", report.Safe(name))
		return exitUsage
	}
	err := c.new(m).Run(ctx, rest)
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
func (m *Main) logger() *slog.Logger { return m.loggerAt("warn") }

// loggerAt is logger with another default level.
func (m *Main) loggerAt(def string) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(def))
	if v := m.Getenv("KNOCKS_LOG"); v != "" {
		_ = level.UnmarshalText([]byte(v))
	}
	return slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: level}))
}

// dbPath returns the database path: the flag, else $KNOCKS_DB, else the
// per-user state directory.
func (m *Main) dbPath(flagValue string) (string, error) {
	p, _, err := m.dbPathFrom(flagValue)
	return p, err
}

// dbPathFrom returns the database path and whether it is the per-user
// default: the flag, else $KNOCKS_DB, else $STATE_DIRECTORY/knocks.db (a
// systemd service with StateDirectory=knocks), else the per-user state
// directory when $XDG_STATE_HOME is set, else the system directory
// (/var/lib/knocks) for root, else ~/.local/state/knocks.
func (m *Main) dbPathFrom(flagValue string) (path string, userDefault bool, err error) {
	if flagValue != "" {
		return flagValue, false, nil
	}
	if p := m.Getenv("KNOCKS_DB"); p != "" {
		return p, false, nil
	}
	if d := m.Getenv("STATE_DIRECTORY"); d != "" {
		d, _, _ = strings.Cut(d, ":") // systemd lists several directories with colons
		return filepath.Join(d, "knocks.db"), false, nil
	}
	if m.Getenv("XDG_STATE_HOME") == "" && m.Geteuid != nil && m.Geteuid() == 0 {
		return filepath.Join(m.systemDir(), "knocks.db"), false, nil
	}
	dir, err := m.stateDir()
	if err != nil {
		return "", false, err
	}
	return filepath.Join(dir, "knocks.db"), true, nil
}

// systemDir returns the directory of the shared database.
func (m *Main) systemDir() string {
	if m.SystemDir != "" {
		return m.SystemDir
	}
	return DefaultSystemDir
}

// readDBPath is dbPath for a reader: where the per-user default does not
// exist but the shared database does (a service or root imports, a user
// in the right group reports), it is the shared one.
func (m *Main) readDBPath(flagValue string) (string, error) {
	p, userDefault, err := m.dbPathFrom(flagValue)
	if err != nil || !userDefault {
		return p, err
	}
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	if shared := filepath.Join(m.systemDir(), "knocks.db"); fileExists(shared) {
		return shared, nil
	}
	return p, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
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

// VersionCommand prints the version and the attribution lines of the
// bundled data.
type VersionCommand struct {
	m   *Main
	geo geoFlags
}

// FlagSet returns the flags of `knocks version`.
func (c *VersionCommand) FlagSet() *flag.FlagSet {
	fs := c.m.newFlagSet("version")
	c.geo.register(fs)
	return fs
}

// Run runs `knocks version`.
func (c *VersionCommand) Run(ctx context.Context, args []string) error {
	pos, err := parseFlags(c.FlagSet(), args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("version takes no arguments")
	}
	m := c.m
	fmt.Fprintf(m.Stdout, "knocks %s\n", buildVersion())
	if c.geo.off {
		return nil
	}
	loc, err := m.locator(&c.geo)
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
