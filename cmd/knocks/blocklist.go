package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"

	"knocks"
	"knocks/blocklist"
	"knocks/mmdb"
	"knocks/report"
)

// BlocklistCommand writes the addresses that crossed a rule, in a format
// that firewalls load. It reads the database only.
type BlocklistCommand struct {
	m               *Main
	db              string
	minAttempts     int64
	since           string
	allow           multiFlag
	includeLoggedIn bool
	format          string
	rollup          int
	set             string
	jail            string
	out             string
}

// FlagSet returns the flags of `knocks blocklist`.
func (c *BlocklistCommand) FlagSet() *flag.FlagSet {
	fs := c.m.newFlagSet("blocklist")
	fs.StringVar(&c.db, "db", "", "database `path` (default $KNOCKS_DB, else ~/.local/state/knocks/knocks.db)")
	fs.Int64Var(&c.minAttempts, "min-attempts", 10, "list addresses with at least this many failed `attempts`")
	fs.StringVar(&c.since, "since", "", "count the attempts from this `time` on: 2024-02-25, or 7d / 12h ago (default: all)")
	fs.Var(&c.allow, "allow", "never list this `CIDR` or the ranges in this FILE (one address or CIDR a line, # comments); repeatable")
	fs.BoolVar(&c.includeLoggedIn, "include-logged-in", false, "also list addresses that logged in successfully at some time")
	fs.StringVar(&c.format, "format", "plain", "output `format`: "+strings.Join(blocklist.Formats, ", "))
	fs.IntVar(&c.rollup, "rollup", 0, "list a whole IPv4 /24 or IPv6 /64 when at least `K` of its addresses are listed (0: never)")
	fs.StringVar(&c.set, "set", "knocks", "nft and ipset: the `name` of the sets (nft: NAME4 and NAME6 in table inet knocks; ipset: NAME-4 and NAME-6)")
	fs.StringVar(&c.jail, "jail", "sshd", "fail2ban: the `jail` of the banip commands")
	fs.StringVar(&c.out, "out", "", "write to `FILE` (atomically) instead of standard output")
	return fs
}

// Run runs `knocks blocklist`.
func (c *BlocklistCommand) Run(ctx context.Context, args []string) error {
	rest, err := parseFlags(c.FlagSet(), args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("blocklist takes no FILE: it reads the database (run knocks ingest first)")
	}
	if c.minAttempts < 1 {
		return usagef("--min-attempts must be at least 1")
	}
	if c.rollup < 0 {
		return usagef("--rollup must be 0 or more")
	}
	if c.rollup > 0 && (c.format == "plain" || c.format == "abuseipdb") {
		return usagef("--rollup lists networks, which --format %s does not take: use cidr, nft, ipset, hosts-deny or fail2ban", c.format)
	}
	known := false
	for _, f := range blocklist.Formats {
		known = known || f == c.format
	}
	if !known {
		return usagef("unknown --format %q (%s)", c.format, strings.Join(blocklist.Formats, ", "))
	}
	since, err := parseWhen(c.since, c.m.Now())
	if err != nil {
		return usagef("--since: %v", err)
	}
	allow, err := readAllow(c.allow)
	if err != nil {
		return err
	}
	store, err := c.m.openReadDB(ctx, c.db)
	if err != nil {
		return err
	}
	defer store.Close()
	var as []blocklist.Attacker
	if err := store.Attackers(ctx, since, func(a knocks.Attacker) error {
		as = append(as, blocklist.Attacker{IP: a.IP, Attempts: a.Attempts, First: a.First, Last: a.Last, LoggedIn: a.LoggedIn})
		return nil
	}); err != nil {
		return err
	}
	rule := blocklist.Rule{MinAttempts: c.minAttempts, IncludeLoggedIn: c.includeLoggedIn, Allow: allow, Reserved: mmdb.Classify}
	listed, skipped := blocklist.Select(as, rule)
	header := fmt.Sprintf("knocks blocklist, %s: %d addresses with at least %d failed attempts", c.m.Now().UTC().Format("2006-01-02 15:04 UTC"), len(listed), c.minAttempts)
	if c.since != "" {
		header += " since " + since.UTC().Format("2006-01-02 15:04 UTC")
	}
	opts := blocklist.Options{Format: c.format, Rollup: c.rollup, Allow: allow, Set: c.set, Jail: c.jail, Header: header}
	write := func(w io.Writer) error { return blocklist.Write(w, listed, opts) }
	if c.out != "" {
		if err := writeAtomic(c.out, func(f *os.File) error { return write(f) }); err != nil {
			return err
		}
	} else if err := write(c.m.Stdout); err != nil {
		return err
	}
	why := map[string]int{}
	for _, e := range skipped {
		why[e.Why]++
	}
	msg := "knocks: " + report.Count(int64(len(listed)), "address", "addresses") + " listed"
	for _, k := range []string{"logged in", "allowed"} {
		if why[k] > 0 {
			msg += fmt.Sprintf("; %d left out as %s", why[k], k)
			delete(why, k)
		}
	}
	n := 0
	for _, v := range why {
		n += v
	}
	if n > 0 {
		msg += fmt.Sprintf("; %d in private or reserved ranges left out", n)
	}
	fmt.Fprintln(c.m.Stderr, report.Safe(msg))
	return nil
}

// readAllow reads the --allow values: a CIDR or address, else a file of
// them.
func readAllow(vals []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range vals {
		if p, ok := parsePrefix(v); ok {
			out = append(out, p)
			continue
		}
		f, err := os.Open(v)
		if err != nil {
			return nil, usagef("--allow %s: neither an address or CIDR nor a readable file", report.Safe(v))
		}
		sc := bufio.NewScanner(f)
		line := 0
		for sc.Scan() {
			line++
			t := strings.TrimSpace(sc.Text())
			if i := strings.IndexByte(t, '#'); i >= 0 {
				t = strings.TrimSpace(t[:i])
			}
			if t == "" {
				continue
			}
			p, ok := parsePrefix(t)
			if !ok {
				f.Close()
				return nil, usagef("--allow %s:%d: %q is not an address or CIDR", report.Safe(v), line, report.Safe(t))
			}
			out = append(out, p)
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", v, err)
		}
	}
	return out, nil
}

// parsePrefix reads "192.0.2.0/24" or a single address.
func parsePrefix(s string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}
