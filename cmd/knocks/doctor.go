package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"knocks"
	"knocks/mmdb"
	"knocks/postgres"
	"knocks/report"
	"knocks/sqlite"
)

// DoctorCommand checks this machine: where sshd logs, whether this user
// may read it, sshd's settings, the GeoIP data and the database. Every
// path it looks at is a flag, so that it can be pointed elsewhere (and
// tested).
type DoctorCommand struct {
	m          *Main
	db         string
	geo        geoFlags
	logs       multiFlag
	journals   multiFlag
	sshdConfig string
	sshd       string
	out        io.Writer
	fails      int
	warns      int
}

// Where sshd's logs and settings are on common systems.
var (
	defaultLogs        = []string{"/var/log/auth.log", "/var/log/secure", "/var/log/messages"}
	defaultJournalDirs = []string{"/var/log/journal", "/run/log/journal"}
)

// driftWarn is the share of unrecognised sshd lines above which doctor
// warns that the parser may no longer know this sshd's messages.
const driftWarn = 0.01

// FlagSet returns the flags of `knocks doctor`.
func (c *DoctorCommand) FlagSet() *flag.FlagSet {
	fs := c.m.newFlagSet("doctor")
	fs.StringVar(&c.db, "db", "", "database `path` (default $KNOCKS_DB, else ~/.local/state/knocks/knocks.db)")
	fs.Var(&c.logs, "log", "a log `file` sshd may write to (repeatable; default "+strings.Join(defaultLogs, ", ")+")")
	fs.Var(&c.journals, "journal-dir", "a journald `directory` (repeatable; default "+strings.Join(defaultJournalDirs, ", ")+")")
	fs.StringVar(&c.sshdConfig, "sshd-config", "/etc/ssh/sshd_config", "sshd's configuration `file`, read when `sshd -T` cannot run")
	fs.StringVar(&c.sshd, "sshd", "sshd", "the sshd `program` to ask with -T for its effective settings (\"\" to read --sshd-config only)")
	c.geo.register(fs)
	return fs
}

// Run runs `knocks doctor`.
func (c *DoctorCommand) Run(ctx context.Context, args []string) error {
	pos, err := parseFlags(c.FlagSet(), args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("doctor takes no arguments (see `knocks doctor -h`)")
	}
	if len(c.logs) == 0 {
		c.logs = defaultLogs
	}
	if len(c.journals) == 0 {
		c.journals = defaultJournalDirs
	}
	c.out = c.m.Stdout
	fmt.Fprintln(c.out, "Logs")
	c.checkLogs()
	fmt.Fprintln(c.out, "\nsshd")
	c.checkSSHD(ctx)
	fmt.Fprintln(c.out, "\nGeoIP")
	c.checkGeoIP()
	fmt.Fprintln(c.out, "\nDatabase")
	c.checkDB(ctx)
	fmt.Fprintf(c.out, "\n%s, %s\n", report.Count(int64(c.fails), "problem", "problems"), report.Count(int64(c.warns), "warning", "warnings"))
	if c.fails > 0 {
		return errReported
	}
	return nil
}

func (c *DoctorCommand) ok(format string, args ...any) { c.line("ok", format, args...) }
func (c *DoctorCommand) info(format string, args ...any) {
	c.line("info", format, args...)
}
func (c *DoctorCommand) warn(format string, args ...any) {
	c.warns++
	c.line("warn", format, args...)
}
func (c *DoctorCommand) fail(format string, args ...any) {
	c.fails++
	c.line("FAIL", format, args...)
}

// line prints one finding; args that are text from files or the system
// are made safe by the callers.
func (c *DoctorCommand) line(tag, format string, args ...any) {
	fmt.Fprintf(c.out, "  %-4s  %s\n", tag, fmt.Sprintf(format, args...))
}

// checkLogs looks for log files and journals that hold sshd's lines, and
// whether this user may read them.
func (c *DoctorCommand) checkLogs() {
	found := 0
	for _, name := range c.logs {
		fi, err := os.Stat(name)
		if errors.Is(err, fs.ErrNotExist) {
			c.info("%s: not here", report.Safe(name))
			continue
		}
		if err != nil {
			c.warn("%s: %s", report.Safe(name), report.Safe(err.Error()))
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			c.fail("%s exists but this user may not read it: %s", report.Safe(name), report.Safe(err.Error()))
			if h := readHint(name, err); h != "" {
				c.line("", "hint: %s", h)
			}
			continue
		}
		n, last := sshdLines(f, fi.Size())
		f.Close()
		size := fmt.Sprintf("%.1f MB, modified %s", float64(fi.Size())/1e6, fi.ModTime().UTC().Format("2006-01-02 15:04 MST"))
		if n == 0 {
			c.info("%s (%s) is readable, but its last 256 KiB hold no sshd line", report.Safe(name), size)
			continue
		}
		found++
		c.ok("sshd logs to %s (%s), readable by this user; last sshd line: %s", report.Safe(name), size, report.Safe(clipText(last, 100)))
	}
	journald := false
	if _, err := os.Stat("/run/systemd/journal"); err == nil {
		journald = true
	}
	for _, dir := range c.journals {
		files, _ := filepath.Glob(filepath.Join(dir, "*", "*.journal"))
		if len(files) == 0 {
			continue
		}
		journald = true
		f, err := os.Open(files[0])
		if err != nil {
			c.fail("journald keeps logs in %s, but this user may not read them (%s): run knocks with sudo, or `sudo usermod -aG systemd-journal $USER` (then log in again)", report.Safe(dir), report.Safe(errors.Unwrap(err).Error()))
			continue
		}
		f.Close()
		found++
		c.ok("journald keeps logs in %s, readable by this user: `knocks ingest --journal`", report.Safe(dir))
	}
	switch {
	case found > 0:
	case journald:
		c.warn("journald runs, but no journal files were found to read: sshd's lines may be in a volatile journal only")
	default:
		c.fail("no sshd log found in %s or a journal: give the path to knocks ingest, or look where sshd's SyslogFacility goes", report.Safe(strings.Join(c.logs, ", ")))
	}
}

// sshdLines counts the sshd lines in the last 256 KiB of f and returns
// the last one.
func sshdLines(f *os.File, size int64) (int, string) {
	const tail = 256 << 10
	if size > tail {
		if _, err := f.Seek(size-tail, io.SeekStart); err != nil {
			return 0, ""
		}
	}
	n, last := 0, ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if bytes.Contains(line, []byte(" sshd[")) || bytes.Contains(line, []byte(" sshd-session[")) || bytes.Contains(line, []byte(" sshd: ")) {
			n++
			last = string(line)
		}
	}
	return n, last
}

func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// sshdSettings are the settings of sshd that doctor reports.
type sshdSettings struct {
	from               string // where they were read
	logLevel           string // "" when not set (the default, INFO)
	penalties          string // PerSourcePenalties, "" when not set
	penaltiesFrom      string // where it was read
	penaltiesSupported bool   // sshd -T listed the setting (OpenSSH 9.8+)
	effective          bool   // from sshd -T: every setting is there, defaults included
}

// checkSSHD reports sshd's LogLevel and PerSourcePenalties, from `sshd -T`
// when it can run (as root), else from the configuration files.
func (c *DoctorCommand) checkSSHD(ctx context.Context) {
	st, err := c.sshdT(ctx)
	if err != nil {
		c.info("cannot ask sshd for its effective settings (%s): reading %s", report.Safe(err.Error()), report.Safe(c.sshdConfig))
		st, err = readSSHDConfig(c.sshdConfig)
		if err != nil {
			c.warn("cannot read sshd's configuration: %s", report.Safe(err.Error()))
			return
		}
	}
	level := strings.ToUpper(st.logLevel)
	switch {
	case level == "":
		c.ok("LogLevel not set in %s: INFO, the default, logs every failed login", report.Safe(st.from))
	case level == "INFO" || level == "VERBOSE":
		c.ok("LogLevel %s (%s): failed logins are logged", level, report.Safe(st.from))
	case strings.HasPrefix(level, "DEBUG"):
		c.warn("LogLevel %s (%s): logs much more than knocks needs, and may log private data; INFO is enough", report.Safe(level), report.Safe(st.from))
	default:
		c.fail("LogLevel %s (%s): sshd does not log failed logins at this level; set LogLevel INFO", report.Safe(level), report.Safe(st.from))
	}
	p := strings.ToLower(st.penalties)
	switch {
	case st.effective && !st.penaltiesSupported:
		c.info("PerSourcePenalties: not in this sshd (OpenSSH before 9.8): no connections are dropped by penalty")
	case p == "no":
		c.info("PerSourcePenalties off (%s): sshd does not drop repeat offenders", report.Safe(st.penaltiesFrom))
	case p == "" && !st.effective:
		c.info("PerSourcePenalties not set in %s: on by default in OpenSSH 9.8 and later, whose drops knocks counts apart (drops)", report.Safe(st.penaltiesFrom))
	default:
		c.info("PerSourcePenalties on (%s): sshd drops repeat offenders; knocks counts them apart (drops), never as attempts", report.Safe(clipText(st.penalties, 80)))
	}
}

// sshdT runs `sshd -T` and reads its settings.
func (c *DoctorCommand) sshdT(ctx context.Context) (*sshdSettings, error) {
	if c.sshd == "" {
		return nil, errors.New("no --sshd")
	}
	path, err := exec.LookPath(c.sshd)
	if err != nil && c.sshd == "sshd" {
		path, err = exec.LookPath("/usr/sbin/sshd")
	}
	if err != nil {
		return nil, errors.New("sshd is not installed here")
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, "-T")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.IndexByte(msg, '\n'); i > 0 {
			msg = msg[:i]
		}
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("%s -T: %s", path, msg)
	}
	st := &sshdSettings{from: path + " -T", penaltiesFrom: path + " -T", effective: true}
	for _, line := range strings.Split(string(out), "\n") {
		key, value, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch strings.ToLower(key) {
		case "loglevel":
			st.logLevel = value
		case "persourcepenalties":
			st.penalties, st.penaltiesSupported = value, true
		}
	}
	return st, nil
}

// readSSHDConfig reads LogLevel and PerSourcePenalties from an sshd
// configuration file and the files it includes, as sshd does: the first
// value wins, settings inside Match blocks are not global.
func readSSHDConfig(path string) (*sshdSettings, error) {
	st := &sshdSettings{from: path, penaltiesFrom: path}
	if err := readConfigFile(path, filepath.Dir(path), st, 0); err != nil {
		return nil, err
	}
	return st, nil
}

func readConfigFile(path, base string, st *sshdSettings, depth int) error {
	if depth > 8 {
		return fmt.Errorf("%s: includes nested too deep", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", path, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		fields := strings.Fields(strings.Replace(line, "=", " ", 1))
		if len(fields) < 2 {
			continue
		}
		switch strings.ToLower(fields[0]) {
		case "match":
			return nil // everything after is conditional
		case "include":
			for _, pat := range fields[1:] {
				if !filepath.IsAbs(pat) {
					pat = filepath.Join(base, pat)
				}
				files, _ := filepath.Glob(pat)
				for _, f := range files { // Glob sorts them, as sshd does
					if err := readConfigFile(f, base, st, depth+1); err != nil {
						return err
					}
				}
			}
		case "loglevel":
			if st.logLevel == "" {
				st.logLevel = fields[1]
				st.from = path
			}
		case "persourcepenalties":
			if st.penalties == "" {
				st.penalties = strings.Join(fields[1:], " ")
				st.penaltiesFrom = path
			}
		}
	}
	return nil
}

// checkGeoIP reports the GeoIP data in use and its age.
func (c *DoctorCommand) checkGeoIP() {
	if c.geo.off {
		c.info("GeoIP off (--no-geoip)")
		return
	}
	loc, err := c.m.locator(&c.geo)
	if err != nil {
		c.fail("cannot open the GeoIP data: %s", report.Safe(err.Error()))
		return
	}
	defer loc.Close()
	now := c.m.Now()
	city := false
	for _, d := range loc.Databases() {
		age := int(now.Sub(d.Built).Hours() / 24)
		if d.Kind == mmdb.KindCity {
			city = true
		}
		name := d.Type + " (" + d.Name + ")"
		if d.Embedded {
			name = strings.TrimPrefix(d.Name, "embedded:") + " (embedded)"
		}
		msg := fmt.Sprintf("%s: %s data, built %s, %d days ago", report.Safe(name), d.Kind, d.Built.Format("2006-01-02"), age)
		if age > 180 {
			c.warn("%s: old; locations drift as addresses change hands: run `knocks geoip update` (city) or use a newer knocks (embedded data)", msg)
		} else {
			c.ok("%s", msg)
		}
	}
	for _, s := range loc.Skipped() {
		c.warn("skipped: %s", report.Safe(s))
	}
	if !city {
		c.info("no city database: countries and ASNs only; `knocks geoip update` downloads DB-IP Lite City (free)")
	}
}

// checkDB reports the database's health and size and the last imports.
func (c *DoctorCommand) checkDB(ctx context.Context) {
	path, err := c.m.readDBPath(c.db)
	if err != nil {
		c.fail("%s", report.Safe(err.Error()))
		return
	}
	if postgres.IsURL(path) {
		name := report.Safe(postgres.Redact(path))
		s, err := openReadStore(ctx, path)
		if err != nil {
			c.fail("cannot open %s: %s", name, report.Safe(errText(err)))
			return
		}
		s.Close()
		c.info("%s is a PostgreSQL database (reachable, schema up to date); doctor checks the health of SQLite files only", name)
		return
	}
	store, err := sqlite.OpenReadOnly(ctx, path)
	if knocks.ErrorCode(err) == knocks.ENOTFOUND {
		c.info("no database at %s yet: `knocks ingest FILE...` makes it", report.Safe(path))
		return
	}
	if err != nil {
		c.fail("cannot open %s: %s", report.Safe(path), report.Safe(errText(err)))
		return
	}
	defer store.Close()
	h, err := store.Health(ctx)
	if err != nil {
		c.fail("cannot check %s: %s", report.Safe(path), report.Safe(errText(err)))
		return
	}
	if h.Check != "ok" {
		c.fail("%s is damaged: %s (keep a copy; a new import into a new --db reads the logs again)", report.Safe(path), report.Safe(h.Check))
	} else {
		c.ok("%s: %.1f MB, schema %d, %d connections, integrity ok", report.Safe(path), float64(h.Size)/1e6, h.Schema, h.Connections)
	}
	if h.Last == nil {
		c.info("no import yet")
		return
	}
	l := h.Last
	when := l.Started.Format("2006-01-02 15:04 UTC")
	switch {
	case l.Finished.IsZero():
		c.warn("the last import (%s) did not finish: it was killed or is running; the next one reads on from the last commit", when)
	case l.Errors > 0:
		c.warn("the last import (%s) could not read %d of its %d inputs; run `knocks ingest` to see why", when, l.Errors, l.Inputs)
	default:
		age := c.m.Now().Sub(l.Started)
		c.ok("last import %s (%s ago): %d inputs, %d new lines", when, age.Round(time.Minute), l.Inputs, l.Lines)
	}
	r := h.LastRead
	if r == nil {
		c.info("no import has read sshd lines yet")
		return
	}
	rate := float64(r.Unrecognised) / float64(r.SSHDLines)
	msg := fmt.Sprintf("import of %s: %d of %d sshd lines unrecognised (%.2f%%)", r.Started.Format("2006-01-02 15:04 UTC"), r.Unrecognised, r.SSHDLines, rate*100)
	if rate <= driftWarn {
		c.ok("%s", msg)
		return
	}
	c.warn("%s: more than %.0f%%: knocks may not know this sshd's messages (parser drift); please report these shapes:", msg, driftWarn*100)
	for _, sh := range r.Shapes {
		c.line("", "%6d  %s", sh.Count, report.Safe(sh.Shape))
	}
}

// errText is the message of err for a user.
func errText(err error) string {
	var ke *knocks.Error
	if errors.As(err, &ke) {
		return ke.Message
	}
	return err.Error()
}
