package mmdb

import "net/netip"

// CountryName returns the English name of an ISO 3166-1 alpha-2 country
// code (either case), e.g. "Germany" for "DE", or "" for a code it does not
// know. The names are the official short names of the npm package
// i18n-iso-countries (MIT licence; see NOTICE).
func CountryName(code string) string {
	i, ok := countryIndex(code)
	if !ok {
		return ""
	}
	return countryNames[i]
}

// Flag returns the flag emoji of a two-letter country code (either case),
// e.g. "🇩🇪" for "DE": the two regional indicator symbols that terminals
// and browsers with emoji fonts draw as a flag. It returns "" for anything
// that is not two ASCII letters, such as a reserved-range label.
func Flag(code string) string {
	if _, ok := countryIndex(code); !ok {
		return ""
	}
	const regionalA = 0x1F1E6
	return string([]rune{regionalA + rune((code[0]|0x20)-'a'), regionalA + rune((code[1]|0x20)-'a')})
}

func countryIndex(code string) (int, bool) {
	if len(code) != 2 {
		return 0, false
	}
	a, b := code[0]|0x20, code[1]|0x20
	if a < 'a' || a > 'z' || b < 'a' || b > 'z' {
		return 0, false
	}
	return int(a-'a')*26 + int(b-'a'), true
}

// Subnet returns the subnets that reports group addresses by: for IPv4 the
// /24 and "", for IPv6 the /64 and the /48, e.g. "203.0.113.0/24" or
// "2001:db8:1:2::/64" and "2001:db8:1::/48". IPv4-mapped IPv6 addresses
// count as IPv4. It returns "", "" for the zero netip.Addr.
func Subnet(ip netip.Addr) (s24or64 string, s48 string) {
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
