package mmdb

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
