package blocklist

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"
)

// Formats are the names of the output formats, in the order of the
// documentation.
var Formats = []string{"plain", "cidr", "nft", "ipset", "hosts-deny", "fail2ban", "abuseipdb"}

// Options control Write.
type Options struct {
	Format string // one of Formats; "" is plain
	Rollup int    // cidr, nft, ipset, hosts-deny, fail2ban: list a /24 or /64 whole from this many addresses (0: never)
	Allow  []netip.Prefix
	Set    string // nft and ipset: the set name (default "knocks"; nft adds 4 and 6, ipset -4 and -6)
	Table  string // nft: the table of family inet (default "knocks")
	Jail   string // fail2ban: the jail (default "sshd")
	Header string // a comment line for the formats that have comments
}

// Write writes the listed entries in the format of o. The plain format
// lists addresses one per line; the others that firewalls load list CIDR
// blocks (see Aggregate); abuseipdb lists addresses, one report each.
func Write(w io.Writer, listed []Entry, o Options) error {
	if o.Set == "" {
		o.Set = "knocks"
	}
	if o.Table == "" {
		o.Table = "knocks"
	}
	if o.Jail == "" {
		o.Jail = "sshd"
	}
	ips := make([]netip.Addr, len(listed))
	for i, e := range listed {
		ips[i] = e.IP
	}
	bw := bufio.NewWriter(w)
	comment := func() {
		if o.Header != "" {
			fmt.Fprintf(bw, "# %s\n", oneLine(o.Header))
		}
	}
	switch o.Format {
	case "", "plain":
		comment()
		for _, ip := range ips {
			fmt.Fprintln(bw, ip)
		}
	case "cidr":
		comment()
		for _, p := range Aggregate(ips, o.Rollup, o.Allow) {
			fmt.Fprintln(bw, cidr(p))
		}
	case "nft":
		writeNFT(bw, Aggregate(ips, o.Rollup, o.Allow), o)
	case "ipset":
		writeIpset(bw, Aggregate(ips, o.Rollup, o.Allow), o)
	case "hosts-deny":
		comment()
		for _, p := range Aggregate(ips, o.Rollup, o.Allow) {
			fmt.Fprintf(bw, "sshd: %s\n", hostsDeny(p))
		}
	case "fail2ban":
		comment()
		for _, p := range Aggregate(ips, o.Rollup, o.Allow) {
			fmt.Fprintf(bw, "fail2ban-client set %s banip %s\n", shellWord(o.Jail), cidr(p))
		}
	case "abuseipdb":
		writeAbuseIPDB(bw, listed)
	default:
		return fmt.Errorf("unknown blocklist format %q (%s)", o.Format, strings.Join(Formats, ", "))
	}
	return bw.Flush()
}

// cidr writes a block, a single address without its /32 or /128.
func cidr(p netip.Prefix) string {
	if p.IsSingleIP() {
		return p.Addr().String()
	}
	return p.String()
}

// split returns the IPv4 and the IPv6 blocks.
func split(ps []netip.Prefix) (v4, v6 []netip.Prefix) {
	for _, p := range ps {
		if p.Addr().Is4() {
			v4 = append(v4, p)
		} else {
			v6 = append(v6, p)
		}
	}
	return v4, v6
}

// writeNFT writes a file for `nft -f`: a table of family inet with two
// interval sets, emptied and filled again, so that loading it again
// replaces the list. It adds no rule: the user's ruleset decides what to
// do with the sets.
func writeNFT(w io.Writer, ps []netip.Prefix, o Options) {
	v4, v6 := split(ps)
	fmt.Fprintln(w, "#!/usr/sbin/nft -f")
	if o.Header != "" {
		fmt.Fprintf(w, "# %s\n", oneLine(o.Header))
	}
	fmt.Fprintf(w, "# Use it from your ruleset, e.g.: ip saddr @%s4 drop; ip6 saddr @%s6 drop\n", o.Set, o.Set)
	fmt.Fprintf(w, "table inet %s {\n", o.Table)
	for _, s := range []struct{ suffix, typ string }{{"4", "ipv4_addr"}, {"6", "ipv6_addr"}} {
		fmt.Fprintf(w, "\tset %s%s {\n\t\ttype %s\n\t\tflags interval\n\t}\n", o.Set, s.suffix, s.typ)
	}
	fmt.Fprintln(w, "}")
	for _, s := range []struct {
		suffix string
		ps     []netip.Prefix
	}{{"4", v4}, {"6", v6}} {
		fmt.Fprintf(w, "flush set inet %s %s%s\n", o.Table, o.Set, s.suffix)
		// Elements in chunks: one statement per thousand keeps lines short.
		for i := 0; i < len(s.ps); i += 1000 {
			var b strings.Builder
			for j, p := range s.ps[i:min(i+1000, len(s.ps))] {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(cidr(p))
			}
			fmt.Fprintf(w, "add element inet %s %s%s { %s }\n", o.Table, o.Set, s.suffix, b.String())
		}
	}
}

// writeIpset writes a file for `ipset restore`: two hash:net sets, created
// when absent and emptied, then filled.
func writeIpset(w io.Writer, ps []netip.Prefix, o Options) {
	v4, v6 := split(ps)
	if o.Header != "" {
		fmt.Fprintf(w, "# %s\n", oneLine(o.Header))
	}
	for _, s := range []struct {
		suffix, family string
		ps             []netip.Prefix
	}{{"-4", "inet", v4}, {"-6", "inet6", v6}} {
		name := o.Set + s.suffix
		fmt.Fprintf(w, "create %s hash:net family %s maxelem %d -exist\n", name, s.family, max(65536, 2*len(s.ps)))
		fmt.Fprintf(w, "flush %s\n", name)
		for _, p := range s.ps {
			fmt.Fprintf(w, "add %s %s -exist\n", name, cidr(p))
		}
	}
}

// hostsDeny writes a block as hosts_access(5) reads it: n.n.n.n/m.m.m.m
// for IPv4 networks, [n:n::n]/m for IPv6.
func hostsDeny(p netip.Prefix) string {
	if p.Addr().Is4() {
		if p.IsSingleIP() {
			return p.Addr().String()
		}
		var mask [4]byte
		for i := 0; i < p.Bits(); i++ {
			mask[i/8] |= 0x80 >> (i % 8)
		}
		return p.Addr().String() + "/" + netip.AddrFrom4(mask).String()
	}
	if p.IsSingleIP() {
		return "[" + p.Addr().String() + "]"
	}
	return fmt.Sprintf("[%s]/%d", p.Addr(), p.Bits())
}

// writeAbuseIPDB writes AbuseIPDB's bulk-report CSV: IP, Categories (18
// brute force, 22 SSH), ReportDate (the last attempt) and Comment.
func writeAbuseIPDB(w io.Writer, listed []Entry) {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"IP", "Categories", "ReportDate", "Comment"})
	for _, e := range listed {
		comment := fmt.Sprintf("SSH brute force: %d failed authentication attempts", e.Attempts)
		if e.Attempts == 1 {
			comment = "SSH brute force: 1 failed authentication attempt"
		}
		if !e.First.IsZero() && !e.Last.IsZero() {
			comment += fmt.Sprintf(" from %s to %s UTC", e.First.UTC().Format("2006-01-02 15:04"), e.Last.UTC().Format("2006-01-02 15:04"))
		}
		_ = cw.Write([]string{e.IP.String(), "18,22", e.Last.UTC().Format(time.RFC3339), comment})
	}
	cw.Flush()
}

// oneLine keeps a comment on one line.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// shellWord quotes a jail name for a shell when it needs it.
func shellWord(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.", r)) {
			return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		}
	}
	return s
}
