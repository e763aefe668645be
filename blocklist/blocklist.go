// Package blocklist chooses the addresses that crossed a rule (so many
// attempts since a time, never an address that logged in, never an
// allowlisted or reserved range), merges them into CIDR blocks, and writes
// them in the formats that firewalls and banning tools load: plain lines,
// CIDR blocks, an nftables set file, an ipset restore file, hosts.deny,
// fail2ban-client commands and AbuseIPDB's bulk-report CSV.
//
// It only writes text: it never touches a firewall.
package blocklist

import (
	"net/netip"
	"slices"
	"time"
)

// Attacker is what the store knows of one source address.
type Attacker struct {
	IP       netip.Addr
	Attempts int64     // failed authentications in the period of the rule
	First    time.Time // first attempt in the period
	Last     time.Time // last attempt in the period
	LoggedIn bool      // the address ever logged in successfully
}

// Rule says which addresses go on the list.
type Rule struct {
	MinAttempts     int64          // at least this many attempts (at least 1)
	IncludeLoggedIn bool           // also addresses that logged in successfully
	Allow           []netip.Prefix // never an address in these ranges
	// Reserved returns the label of the special-purpose range an address
	// is in ("private", "loopback", ...), "" for a global address; such
	// addresses are never listed. Nil lists none that netip calls private,
	// loopback, link-local, multicast or unspecified.
	Reserved func(netip.Addr) string
}

// Entry is one listed address with what it did.
type Entry struct {
	Attacker
	Why string // "" when listed; else why not: "logged in", "allowed", or the reserved label
}

// Select returns the attackers that the rule lists, sorted by address,
// and those it left out although they had enough attempts, with the
// reason.
func Select(as []Attacker, r Rule) (listed, skipped []Entry) {
	min := max(r.MinAttempts, 1)
	for _, a := range as {
		if a.Attempts < min || !a.IP.IsValid() {
			continue
		}
		a.IP = a.IP.Unmap()
		e := Entry{Attacker: a}
		switch {
		case reserved(r, a.IP) != "":
			e.Why = reserved(r, a.IP)
		case allowed(r.Allow, a.IP):
			e.Why = "allowed"
		case a.LoggedIn && !r.IncludeLoggedIn:
			e.Why = "logged in"
		}
		if e.Why == "" {
			listed = append(listed, e)
		} else {
			skipped = append(skipped, e)
		}
	}
	byAddr := func(x, y Entry) int { return x.IP.Compare(y.IP) }
	slices.SortFunc(listed, byAddr)
	slices.SortFunc(skipped, byAddr)
	return listed, skipped
}

func reserved(r Rule, ip netip.Addr) string {
	if r.Reserved != nil {
		return r.Reserved(ip)
	}
	switch {
	case ip.IsPrivate(), ip.IsLoopback(), ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(), ip.IsMulticast(), ip.IsUnspecified():
		return "reserved"
	}
	return ""
}

func allowed(allow []netip.Prefix, ip netip.Addr) bool {
	for _, p := range allow {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Aggregate returns the smallest list of CIDR blocks that covers exactly
// the addresses, adjacent blocks merged, sorted. With rollup K > 0, an
// IPv4 /24 or IPv6 /64 from which at least K of the addresses attack is
// listed whole; allow ranges are never covered by a roll-up (the /24 or
// /64 is then listed address by address).
func Aggregate(ips []netip.Addr, rollup int, allow []netip.Prefix) []netip.Prefix {
	var ps []netip.Prefix
	if rollup > 0 {
		count := map[netip.Prefix]int{}
		for _, ip := range ips {
			count[rollupOf(ip)]++
		}
		for _, ip := range ips {
			p := rollupOf(ip)
			if count[p] >= rollup && !overlapsAny(p, allow) {
				ps = append(ps, p)
			} else {
				ps = append(ps, netip.PrefixFrom(ip, ip.BitLen()))
			}
		}
	} else {
		for _, ip := range ips {
			ps = append(ps, netip.PrefixFrom(ip, ip.BitLen()))
		}
	}
	return merge(ps)
}

// rollupOf returns the /24 of an IPv4 address or the /64 of an IPv6 one.
func rollupOf(ip netip.Addr) netip.Prefix {
	bits := 24
	if ip.Is6() {
		bits = 64
	}
	p, _ := ip.Prefix(bits)
	return p
}

func overlapsAny(p netip.Prefix, allow []netip.Prefix) bool {
	for _, a := range allow {
		if p.Overlaps(a) {
			return true
		}
	}
	return false
}

// merge sorts prefixes, drops those inside another, and joins two halves
// of a larger block into it, until nothing changes.
func merge(ps []netip.Prefix) []netip.Prefix {
	for {
		slices.SortFunc(ps, func(a, b netip.Prefix) int {
			if c := a.Addr().Compare(b.Addr()); c != 0 {
				return c
			}
			return a.Bits() - b.Bits()
		})
		out := ps[:0:0]
		changed := false
		for _, p := range ps {
			p = p.Masked()
			if n := len(out); n > 0 {
				last := out[n-1]
				if last.Contains(p.Addr()) && last.Bits() <= p.Bits() {
					changed = changed || last != p
					continue // inside the previous block (or the same)
				}
				if last.Bits() == p.Bits() && last.Bits() > 0 && last.Addr().BitLen() == p.Addr().BitLen() {
					if parent, _ := last.Addr().Prefix(last.Bits() - 1); parent.Addr() == last.Addr() && parent.Contains(p.Addr()) {
						out[n-1] = parent
						changed = true
						continue
					}
				}
			}
			out = append(out, p)
		}
		ps = out
		if !changed {
			return ps
		}
	}
}
