package report

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strings"

	"knocks"
)

// Anonymize returns a copy of s fit for publishing: source addresses with
// the last IPv4 octet masked ("203.0.113.x") and IPv6 cut to /48
// ("2001:db8:1::/48"), entries that become equal merged; IPv6 subnets cut to
// /48 and merged; the names of valid accounts replaced by "(valid user 1)",
// "(valid user 2)", ... in order of attempts; the addresses penalised by
// sshd masked the same way and merged; the names of locked accounts
// replaced by "(locked user 1)", ...; the list of the hosts that logged
// the attempts left out; and the GeoIP data named by file name only, not
// by its path on this machine. Totals, countries, networks and cities are
// kept, and Anonymized is set so that every output says so. Every output
// (text, JSON, CSV, HTML, plots) takes its result alike. s is not changed.
func Anonymize(s *knocks.Summary) *knocks.Summary {
	a := *s
	a.Anonymized = true
	a.GeoIPSources = make([]string, len(s.GeoIPSources))
	for i, src := range s.GeoIPSources {
		a.GeoIPSources[i] = hidePaths(src)
	}
	if a.Filter.Host != "" {
		a.Filter.Host = "(a host)"
	}
	a.TopIPs = anonIPs(s.TopIPs)
	a.TopSubnets = anonSubnets(s.TopSubnets)
	names := map[string]string{}
	for _, u := range s.TopValidUsers {
		if _, ok := names[u.User]; !ok {
			names[u.User] = fmt.Sprintf("(valid user %d)", len(names)+1)
		}
	}
	anonUsers := func(list []knocks.UserCount) []knocks.UserCount {
		out := make([]knocks.UserCount, len(list))
		for i, u := range list {
			if u.Valid {
				n, ok := names[u.User]
				if !ok {
					n = fmt.Sprintf("(valid user %d)", len(names)+1)
					names[u.User] = n
				}
				u.User = n
			}
			out[i] = u
		}
		return out
	}
	a.TopValidUsers = anonUsers(s.TopValidUsers)
	a.TopUsers = anonUsers(s.TopUsers)
	a.TopInvalidUsers = append([]knocks.UserCount(nil), s.TopInvalidUsers...)
	a.TopHosts = nil
	a.TopPenalised = anonPenalised(s.TopPenalised)
	// What fail2ban or SSHGuard banned: the same masks (entries of banned
	// addresses that become equal are kept apart, each with its jails).
	a.Bans.TopNeverBanned = anonIPs(s.Bans.TopNeverBanned)
	a.Bans.TopBanned = make([]knocks.BannedIP, len(s.Bans.TopBanned))
	for i, b := range s.Bans.TopBanned {
		b.IP = MaskAddr(b.IP)
		a.Bans.TopBanned[i] = b
	}
	// Alerts are about logins: of valid accounts, from addresses that got
	// in, to hosts that are hidden like the hosts list.
	a.Alerts = make([]knocks.Alert, len(s.Alerts))
	for i, al := range s.Alerts {
		al.IP = MaskAddr(al.IP)
		n, ok := names[al.User]
		if !ok {
			n = fmt.Sprintf("(valid user %d)", len(names)+1)
			names[al.User] = n
		}
		al.User = n
		al.Host = "(a host)"
		a.Alerts[i] = al
	}
	// Campaigns: addresses and subnets masked alike; of the names tried,
	// only those known as invalid are kept (a name of the campaign may
	// be a valid account that no top list shows).
	invalid := map[string]bool{}
	for _, u := range s.TopInvalidUsers {
		invalid[u.User] = true
	}
	a.Campaigns = make([]knocks.Campaign, len(s.Campaigns))
	for i, c := range s.Campaigns {
		ips := []string{}
		for _, ip := range c.IPs {
			if m := MaskAddr(ip); !slices.Contains(ips, m) {
				ips = append(ips, m)
			}
		}
		c.IPs = ips
		if c.Subnet != "" {
			c.Subnet = anonSubnets([]knocks.KeyCount{{Key: c.Subnet}})[0].Key
		}
		users := make([]string, len(c.Users))
		for j, u := range c.Users {
			switch n, ok := names[u]; {
			case ok:
				users[j] = n
			case invalid[u]:
				users[j] = u
			default:
				users[j] = "(a user)"
			}
		}
		c.Users = users
		a.Campaigns[i] = c
	}
	a.TopLockedUsers = make([]knocks.LockedUser, len(s.TopLockedUsers))
	for i, u := range s.TopLockedUsers {
		a.TopLockedUsers[i] = knocks.LockedUser{User: fmt.Sprintf("(locked user %d)", i+1), Lockouts: u.Lockouts}
	}
	return &a
}

// AnonymizedNote says what Anonymize hides, for the outputs to show.
const AnonymizedNote = "last IPv4 octet masked, IPv6 cut to /48; names of valid and locked accounts, hosts and GeoIP file paths hidden"

// pathRE matches a file path in parentheses, as the GeoIP sources name
// the files given with --geoip: "GeoLite2-City (/home/u/GeoLite2-City.mmdb)".
var pathRE = regexp.MustCompile(`\(([^()]*[/\\][^()]*)\)`)

// hidePaths replaces each file path in parentheses by its base name.
func hidePaths(s string) string {
	return pathRE.ReplaceAllStringFunc(s, func(m string) string {
		p := m[1 : len(m)-1]
		if i := strings.LastIndexAny(p, `/\`); i >= 0 {
			p = p[i+1:]
		}
		return "(" + p + ")"
	})
}

func anonPenalised(list []knocks.PenalisedIP) []knocks.PenalisedIP {
	out := []knocks.PenalisedIP{}
	at := map[string]int{}
	for _, p := range list {
		key := MaskAddr(p.IP)
		i, ok := at[key]
		if !ok {
			p.IP = key
			at[key] = len(out)
			out = append(out, p)
			continue
		}
		m := &out[i]
		m.Drops += p.Drops
		m.Penalties += p.Penalties
		if p.First.Before(m.First) {
			m.First = p.First
		}
		if p.Last.After(m.Last) {
			m.Last = p.Last
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Drops+out[i].Penalties > out[j].Drops+out[j].Penalties })
	return out
}

// MaskAddr returns an address with its last IPv4 octet masked
// ("203.0.113.x") or an IPv6 address cut to its /48 ("2001:db8:1::/48").
// Text that is not an address is returned unchanged.
func MaskAddr(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	addr = addr.Unmap()
	if addr.Is4() {
		b := addr.As4()
		return fmt.Sprintf("%d.%d.%d.x", b[0], b[1], b[2])
	}
	p, _ := addr.WithZone("").Prefix(48)
	return p.String()
}

func anonIPs(list []knocks.IPCount) []knocks.IPCount {
	var out []knocks.IPCount
	at := map[string]int{}
	for _, ip := range list {
		key := MaskAddr(ip.IP)
		i, ok := at[key]
		if !ok {
			ip.IP = key
			at[key] = len(out)
			out = append(out, ip)
			continue
		}
		m := &out[i]
		m.Attempts += ip.Attempts
		m.Connections += ip.Connections
		m.Share += ip.Share
		if ip.First.Before(m.First) {
			m.First = ip.First
		}
		if ip.Last.After(m.Last) {
			m.Last = ip.Last
		}
		if m.Country != ip.Country {
			m.Country = ""
		}
		if m.ASN != ip.ASN {
			m.ASN, m.Org = 0, ""
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Attempts > out[j].Attempts })
	return out
}

func anonSubnets(list []knocks.KeyCount) []knocks.KeyCount {
	var out []knocks.KeyCount
	at := map[string]int{}
	for _, k := range list {
		if p, err := netip.ParsePrefix(k.Key); err == nil && p.Addr().Is6() && !p.Addr().Is4In6() && p.Bits() > 48 {
			p, _ = p.Addr().Prefix(48)
			k.Key = p.String()
		} else if err != nil && !strings.Contains(k.Key, "/") {
			k.Key = MaskAddr(k.Key)
		}
		if i, ok := at[k.Key]; ok {
			out[i].Attempts += k.Attempts
			out[i].Share += k.Share
			continue
		}
		at[k.Key] = len(out)
		out = append(out, k)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Attempts > out[j].Attempts })
	return out
}
