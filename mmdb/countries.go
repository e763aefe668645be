package mmdb

import (
	"slices"
	"strings"
)

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

// countryAliases are the common short names of countries whose official
// name in the table is longer or different.
var countryAliases = map[string]string{
	"china": "CN", "prc": "CN", "russia": "RU", "usa": "US", "united states": "US", "america": "US",
	"uk": "GB", "britain": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
	"iran": "IR", "syria": "SY", "laos": "LA", "moldova": "MD", "tanzania": "TZ", "taiwan": "TW",
	"turkey": "TR", "vatican": "VA", "czechia": "CZ", "holland": "NL", "ivory coast": "CI",
	"macedonia": "MK", "north macedonia": "MK", "korea": "KR", "south korea": "KR", "palestine": "PS",
	"congo": "CG", "drc": "CD", "gambia": "GM", "micronesia": "FM", "brunei": "BN", "swaziland": "SZ",
	"burma": "MM", "east timor": "TL", "uae": "AE", "macau": "MO", "cabo verde": "CV",
}

// CountryCode returns the ISO 3166-1 alpha-2 code of a country given by its
// code (either case) or its English name ("China", "united states",
// "Russian Federation"; case, accents and punctuation do not matter). When
// the name is not known, code is "" and candidates lists the codes of the
// countries whose names contain the words given (none, or more than one).
func CountryCode(s string) (code string, candidates []string) {
	s = strings.TrimSpace(s)
	if i, ok := countryIndex(s); ok && countryNames[i] != "" {
		return strings.ToUpper(s), nil
	}
	q := normCountry(s)
	if q == "" {
		return "", nil
	}
	if c, ok := countryAliases[q]; ok {
		return c, nil
	}
	for i, name := range countryNames {
		if name != "" && normCountry(name) == q {
			return codeAt(i), nil
		}
	}
	for i, name := range countryNames {
		if name != "" && strings.Contains(" "+normCountry(name)+" ", " "+q+" ") {
			candidates = append(candidates, codeAt(i))
		}
	}
	if len(candidates) == 1 {
		return candidates[0], nil
	}
	return "", candidates
}

// CountryFilter returns the stored value that a country filter given as v
// selects: the label of a reserved range ("private", "documentation", any
// case), else the code of CountryCode. When v is neither, value is "" and
// candidates are those of CountryCode.
func CountryFilter(v string) (value string, candidates []string) {
	if l := strings.ToLower(strings.TrimSpace(v)); slices.Contains(Labels(), l) {
		return l, nil
	}
	return CountryCode(v)
}

func codeAt(i int) string { return string([]byte{byte('A' + i/26), byte('A' + i%26)}) }

// normCountry lowercases a country name, folds the accents of the table's
// names, and turns punctuation into single spaces.
func normCountry(s string) string {
	var b strings.Builder
	space := true
	for _, r := range strings.ToLower(s) {
		switch r {
		case 'å', 'á', 'à', 'â', 'ä':
			r = 'a'
		case 'é', 'è', 'ê', 'ë':
			r = 'e'
		case 'ç':
			r = 'c'
		case 'ô', 'ö', 'ó':
			r = 'o'
		case 'ü', 'ú':
			r = 'u'
		case 'í':
			r = 'i'
		case '\'', '’':
			continue // People's → peoples
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	out := strings.TrimSuffix(b.String(), " ")
	return strings.TrimPrefix(out, "the ")
}
