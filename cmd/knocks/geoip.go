package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"knocks"
	"knocks/ingest"
	"knocks/mmdb"
	"knocks/report"
)

// geoFlags are the GeoIP flags that ingest, report and geoip share.
type geoFlags struct {
	paths multiFlag
	off   bool
}

func (g *geoFlags) register(fs *flag.FlagSet) {
	fs.Var(&g.paths, "geoip", "a GeoIP `.mmdb` file or directory (MaxMind GeoLite2/GeoIP2, DB-IP; repeatable; default $KNOCKS_GEOIP, colon-separated); the embedded country and ASN data fill in")
	fs.BoolVar(&g.off, "no-geoip", false, "do not look up where addresses are")
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

// locator opens the GeoIP databases: the --geoip files, the search path,
// and the embedded data.
// Without --geoip, $KNOCKS_GEOIP names the files (a list separated by
// colons).
func (m *Main) locator(g *geoFlags) (*mmdb.Locator, error) {
	state, _ := m.stateDir()
	return mmdb.Open(mmdb.Config{Paths: m.geoipPaths(g), SearchDirs: mmdb.DefaultSearchDirs(state), CacheDir: m.cacheDir()})
}

// geoipPaths returns the --geoip paths, else those of $KNOCKS_GEOIP.
func (m *Main) geoipPaths(g *geoFlags) []string {
	if len(g.paths) > 0 {
		return g.paths
	}
	var paths []string
	for _, p := range filepath.SplitList(m.Getenv("KNOCKS_GEOIP")) {
		if p != "" {
			paths = append(paths, p)
		}
	}
	return paths
}

// GeoIPCommand is `knocks geoip status|update|refresh`.
type GeoIPCommand struct {
	m   *Main
	db  string
	geo geoFlags
	url string
}

// FlagSet returns the flags of `knocks geoip`.
func (c *GeoIPCommand) FlagSet() *flag.FlagSet {
	fs := c.m.newFlagSet("geoip")
	fs.StringVar(&c.db, "db", "", "database `path` (default $KNOCKS_DB, else ~/.local/state/knocks/knocks.db)")
	fs.StringVar(&c.url, "url", "https://download.db-ip.com/free", "update: the `base URL` of the DB-IP Lite downloads")
	c.geo.register(fs)
	return fs
}

// Run runs `knocks geoip`.
func (c *GeoIPCommand) Run(ctx context.Context, args []string) error {
	pos, err := parseFlags(c.FlagSet(), args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("geoip needs one of: status, update, refresh")
	}
	switch pos[0] {
	case "update":
		dir, err := c.m.stateDir()
		if err != nil {
			return err
		}
		client := &http.Client{Timeout: 10 * time.Minute}
		path, err := mmdb.Update(ctx, client, c.url, dir, c.m.Now())
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			return c.updateFailed(err, dir)
		}
		fmt.Fprintf(c.m.Stdout, "installed %s\nrun `knocks geoip refresh` to look up the stored addresses with it\n", path)
		return nil
	case "status", "refresh":
	default:
		return usagef("unknown geoip command %q (status, update, refresh)", pos[0])
	}
	loc, err := c.m.locator(&c.geo)
	if err != nil {
		return err
	}
	defer loc.Close()
	open := c.m.openReadDB // status only reads
	if pos[0] == "refresh" {
		open = c.m.openDB
	}
	store, err := open(ctx, c.db)
	if err != nil {
		return err
	}
	defer store.Close()
	if pos[0] == "refresh" {
		n, err := ingest.LocateStored(ctx, store, loc, true)
		if err != nil {
			return err
		}
		if err := keepResults(ctx, store); err != nil {
			return err
		}
		fmt.Fprintf(c.m.Stdout, "looked up %d addresses with: %s\n", n, strings.Join(loc.Sources(), "; "))
		return nil
	}
	ips, err := store.UnlocatedIPs(ctx, true)
	if err != nil {
		return err
	}
	cov, err := loc.Coverage(ips)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.m.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "database\tkind\tbuilt\tresolves\n")
	for i, d := range loc.Databases() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d of %d stored addresses\n", report.Safe(d.Name), d.Kind, d.Built.Format("2006-01-02"), cov[i], len(ips))
	}
	tw.Flush()
	for _, s := range loc.Skipped() {
		fmt.Fprintf(c.m.Stdout, "skipped: %s\n", report.Safe(s))
	}
	if err := c.storedSources(ctx, store, loc.Sources()); err != nil {
		return err
	}
	fmt.Fprintln(c.m.Stdout)
	for _, a := range loc.Attribution() {
		fmt.Fprintln(c.m.Stdout, report.Safe(a))
	}
	return nil
}

// storedSources prints the databases behind the stored results, the city
// database first, and says when they are not the data in use.
func (c *GeoIPCommand) storedSources(ctx context.Context, store dbStore, inUse []string) error {
	srcs, err := store.GeoSources(ctx)
	if err != nil {
		return err
	}
	w := c.m.Stdout
	fmt.Fprintf(w, "\nStored results (the data each stored address was looked up in):\n")
	if len(srcs) == 0 {
		fmt.Fprintf(w, "  none yet: addresses are looked up after each import\n")
		return nil
	}
	current := strings.Join(inUse, "; ")
	stale := int64(0)
	for _, g := range srcs {
		city := "no city database"
		for _, part := range strings.Split(g.Source, "; ") {
			if strings.Contains(strings.ToLower(part), "city") {
				city = "city database " + part
				break
			}
		}
		fmt.Fprintf(w, "  %d addresses, looked up %s: %s\n", g.Addresses, g.LookedUp.Format("2006-01-02"), report.Safe(city))
		for _, part := range strings.Split(g.Source, "; ") {
			fmt.Fprintf(w, "      %s\n", report.Safe(part))
		}
		if g.Source != current {
			stale += g.Addresses
		}
	}
	if stale > 0 {
		fmt.Fprintf(w, "%d stored addresses were looked up in other data than is in use now: run `knocks geoip refresh` to look them up again\n", stale)
	}
	return nil
}

// updateFailed explains a failed download and how to install the database
// by hand, and returns errReported.
func (c *GeoIPCommand) updateFailed(err error, dir string) error {
	w := c.m.Stderr
	msg := err.Error()
	var ke *knocks.Error
	if errors.As(err, &ke) {
		msg = ke.Message
	}
	month := c.m.Now().UTC().Format("2006-01")
	fmt.Fprintf(w, "knocks: geoip update failed: %s\n", report.Safe(msg))
	fmt.Fprintf(w, `To install the database without a network here:
  1. on a machine that has one, download %s/dbip-city-lite-%s.mmdb.gz (or last month's)
     and decompress it: gunzip dbip-city-lite-%s.mmdb.gz
  2. copy the .mmdb file to this machine and either
       - give it to each command: --geoip PATH (or set KNOCKS_GEOIP=PATH), or
       - put it into the state directory, where knocks finds it by itself: %s
  3. run `+"`knocks geoip refresh`"+` to look up the stored addresses with it.
`, report.Safe(strings.TrimRight(c.url, "/")), month, month, report.Safe(dir))
	return errReported
}

// cacheDir returns where the decompressed embedded GeoIP data is kept:
// $XDG_CACHE_HOME/knocks, else ~/.cache/knocks; "" when there is no home.
func (m *Main) cacheDir() string {
	if d := m.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "knocks")
	}
	if h := m.Getenv("HOME"); h != "" {
		return filepath.Join(h, ".cache", "knocks")
	}
	return ""
}
