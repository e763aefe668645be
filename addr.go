package knocks

import "net/netip"

// Subnets returns the subnets that reports group source addresses by: for
// IPv4 the /24 and "", for IPv6 the /64 and the /48, in canonical text
// form, e.g. "203.0.113.0/24", or "2001:db8:1:2::/64" and "2001:db8:1::/48".
// IPv4-mapped IPv6 addresses count as IPv4; a zone is dropped. It returns
// "", "" for the zero netip.Addr.
func Subnets(ip netip.Addr) (s24or64, s48 string) {
	if !ip.IsValid() {
		return "", ""
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		p, _ := ip.Prefix(24)
		return p.String(), ""
	}
	p64, _ := ip.Prefix(64)
	p48, _ := ip.Prefix(48)
	return p64.String(), p48.String()
}

// Flag returns the flag emoji of a two-letter country code (either case),
// e.g. "🇩🇪" for "DE": the two regional indicator symbols that terminals
// and browsers with emoji fonts draw as a flag. It returns "" for anything
// that is not two ASCII letters, such as a reserved-range label.
func Flag(code string) string {
	if len(code) != 2 {
		return ""
	}
	const regionalA = 0x1F1E6
	var r [2]rune
	for i := 0; i < 2; i++ {
		c := code[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			return ""
		}
		r[i] = regionalA + rune(c-'a')
	}
	return string(r[:])
}
