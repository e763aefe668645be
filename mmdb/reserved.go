package mmdb

import "net/netip"

// The labels of special-purpose address ranges. Classify returns them and
// Locate puts them in knocks.Location.Reserved. They are stable: they are
// stored in the database and appear in reports.
const (
	LabelUnspecified   = "unspecified"   // 0.0.0.0/8 ("this network"), ::/128
	LabelLoopback      = "loopback"      // 127.0.0.0/8, ::1/128
	LabelPrivate       = "private"       // RFC 1918, IPv6 unique local fc00::/7 and site-local fec0::/10, 64:ff9b:1::/48
	LabelLinkLocal     = "link-local"    // 169.254.0.0/16, fe80::/10
	LabelCGNAT         = "cgnat"         // 100.64.0.0/10, shared address space of carrier-grade NAT (RFC 6598)
	LabelDocumentation = "documentation" // 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32, 3fff::/20
	LabelBenchmarking  = "benchmarking"  // 198.18.0.0/15, 2001:2::/48
	LabelMulticast     = "multicast"     // 224.0.0.0/4, ff00::/8
	LabelBroadcast     = "broadcast"     // 255.255.255.255
	LabelReserved      = "reserved"      // 240.0.0.0/4, IETF protocol assignments and every IPv6 range outside 2000::/3
)

// Labels returns every label of a special-purpose range, in the order of
// the constants.
func Labels() []string {
	return []string{LabelUnspecified, LabelLoopback, LabelPrivate, LabelLinkLocal, LabelCGNAT,
		LabelDocumentation, LabelBenchmarking, LabelMulticast, LabelBroadcast, LabelReserved}
}

// Classify returns the label of the special-purpose range that ip is in
// (one of the Label constants), or "" for an address that may be publicly
// routed and so may be looked up. IPv4-mapped IPv6 addresses are classified
// as their IPv4 address. 6to4 (2002::/16), Teredo (2001::/32) and NAT64
// (64:ff9b::/96) addresses carry the IPv4 address of the host behind them;
// they are classified as that IPv4 address, and Locate looks them up by it.
// The zero netip.Addr is classified as LabelUnspecified.
//
// The ranges follow the IANA IPv4 and IPv6 Special-Purpose Address
// Registries: every range that is not globally reachable has a label; the
// few globally reachable assignments inside reserved blocks (AS112, AMT,
// ORCHIDv2, the PCP and TURN anycast addresses) do not.
func Classify(ip netip.Addr) string {
	if !ip.IsValid() {
		return LabelUnspecified
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return classify4(ip.As4())
	}
	if v4, _, ok := tunnelled(ip); ok {
		return classify4(v4.As4())
	}
	return classify6(ip.As16())
}

func classify4(b [4]byte) string {
	switch b[0] {
	case 0:
		return LabelUnspecified
	case 10:
		return LabelPrivate
	case 100:
		if b[1]&0xc0 == 64 {
			return LabelCGNAT
		}
	case 127:
		return LabelLoopback
	case 169:
		if b[1] == 254 {
			return LabelLinkLocal
		}
	case 172:
		if b[1]&0xf0 == 16 {
			return LabelPrivate
		}
	case 192:
		switch {
		case b[1] == 168:
			return LabelPrivate
		case b[1] == 0 && b[2] == 0:
			// IETF protocol assignments; 192.0.0.9 (PCP anycast) and
			// 192.0.0.10 (TURN anycast) are globally reachable.
			if b[3] == 9 || b[3] == 10 {
				return ""
			}
			return LabelReserved
		case b[1] == 0 && b[2] == 2:
			return LabelDocumentation
		case b[1] == 88 && b[2] == 99:
			return LabelReserved // the deprecated 6to4 relay anycast (RFC 7526)
		}
	case 198:
		if b[1]&0xfe == 18 {
			return LabelBenchmarking
		}
		if b[1] == 51 && b[2] == 100 {
			return LabelDocumentation
		}
	case 203:
		if b[1] == 0 && b[2] == 113 {
			return LabelDocumentation
		}
	case 255:
		if b == [4]byte{255, 255, 255, 255} {
			return LabelBroadcast
		}
	}
	switch {
	case b[0] >= 224 && b[0] < 240:
		return LabelMulticast
	case b[0] >= 240:
		return LabelReserved
	}
	return ""
}

// special6 lists the IPv6 ranges that need more than a look at the first
// bits, most specific first. An empty label marks a globally reachable
// assignment inside a reserved block.
var special6 = []struct {
	p     netip.Prefix
	label string
}{
	{netip.MustParsePrefix("::/128"), LabelUnspecified},
	{netip.MustParsePrefix("::1/128"), LabelLoopback},
	{netip.MustParsePrefix("2001:1::1/128"), ""}, // PCP anycast
	{netip.MustParsePrefix("2001:1::2/128"), ""}, // TURN anycast
	{netip.MustParsePrefix("2001:1::3/128"), ""}, // DNS-SD SRP anycast
	{netip.MustParsePrefix("2001:2::/48"), LabelBenchmarking},
	{netip.MustParsePrefix("2001:4:112::/48"), ""}, // AS112-v6
	{netip.MustParsePrefix("64:ff9b:1::/48"), LabelPrivate},
	{netip.MustParsePrefix("100::/64"), LabelReserved}, // discard-only
	{netip.MustParsePrefix("2001:3::/32"), ""},         // AMT
	{netip.MustParsePrefix("2001:db8::/32"), LabelDocumentation},
	{netip.MustParsePrefix("2001:20::/28"), ""}, // ORCHIDv2
	{netip.MustParsePrefix("2001:30::/28"), ""}, // drone remote ID
	{netip.MustParsePrefix("2001::/23"), LabelReserved},
	{netip.MustParsePrefix("3fff::/20"), LabelDocumentation},
	{netip.MustParsePrefix("5f00::/16"), LabelReserved}, // SRv6 SIDs
}

func classify6(b [16]byte) string {
	switch {
	case b[0] == 0xff:
		return LabelMulticast
	case b[0] == 0xfe && b[1]&0xc0 == 0x80:
		return LabelLinkLocal
	case b[0] == 0xfe && b[1]&0xc0 == 0xc0:
		return LabelPrivate // site-local, deprecated by RFC 3879
	case b[0]&0xfe == 0xfc:
		return LabelPrivate // unique local
	}
	ip := netip.AddrFrom16(b)
	for _, s := range special6 {
		if s.p.Contains(ip) {
			return s.label
		}
	}
	if b[0]&0xe0 != 0x20 {
		return LabelReserved // outside 2000::/3, the only global unicast block IANA allocates from
	}
	return ""
}

var (
	prefix6to4  = netip.MustParsePrefix("2002::/16")
	prefixTered = netip.MustParsePrefix("2001::/32")
	prefixNAT64 = netip.MustParsePrefix("64:ff9b::/96")
)

// tunnelled returns the IPv4 address that a 6to4, Teredo or NAT64 address
// carries, and the bit offset of that address in the IPv6 address (-1 for
// Teredo, whose client address is stored inverted).
func tunnelled(ip netip.Addr) (netip.Addr, int, bool) {
	if !ip.Is6() {
		return netip.Addr{}, 0, false
	}
	b := ip.As16()
	switch {
	case prefix6to4.Contains(ip):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), 16, true
	case prefixNAT64.Contains(ip):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), 96, true
	case prefixTered.Contains(ip):
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), -1, true
	}
	return netip.Addr{}, 0, false
}
