package mmdb

import (
	"slices"
	"testing"
)

func TestCountryCode(t *testing.T) {
	for _, tc := range []struct {
		Name       string
		Input      string
		Want       string
		Candidates []string
	}{
		{"code", "CN", "CN", nil},
		{"code in lower case", "de", "DE", nil},
		{"short name", "China", "CN", nil},
		{"official name", "People's Republic of China", "CN", nil},
		{"official name without apostrophe", "peoples republic of china", "CN", nil},
		{"alias", "Russia", "RU", nil},
		{"alias with spaces", "  United States ", "US", nil},
		{"name with accent, typed without", "Turkiye", "TR", nil},
		{"name with accent", "Türkiye", "TR", nil},
		{"leading article", "The Netherlands", "NL", nil},
		{"punctuation", "Taiwan, Province of China", "TW", nil},
		{"unique words of a longer name", "Federated States", "FM", nil},
		{"ambiguous", "Virgin Islands", "", []string{"VG", "VI"}},
		{"unknown name", "Narnia", "", nil},
		{"two letters that are no code", "ZZ", "", nil},
		{"a word inside another word is no match", "land", "", nil},
		{"empty", " ", "", nil},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			got, cands := CountryCode(tc.Input)
			if got != tc.Want || !slices.Equal(cands, tc.Candidates) {
				t.Errorf("CountryCode(%q) = %q, %v; want %q, %v", tc.Input, got, cands, tc.Want, tc.Candidates)
			}
		})
	}
}
