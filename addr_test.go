package knocks

import (
	"net/netip"
	"testing"
)

func TestSubnets(t *testing.T) {
	for _, tt := range []struct{ IP, S, S48 string }{
		{"203.0.113.77", "203.0.113.0/24", ""},
		{"::ffff:203.0.113.77", "203.0.113.0/24", ""},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64", "2001:db8:1::/48"},
		{"fe80::1%eth0", "fe80::/64", "fe80::/48"},
	} {
		s, s48 := Subnets(netip.MustParseAddr(tt.IP))
		if s != tt.S || s48 != tt.S48 {
			t.Errorf("Subnets(%s) = %q, %q; want %q, %q", tt.IP, s, s48, tt.S, tt.S48)
		}
	}
	if s, s48 := Subnets(netip.Addr{}); s != "" || s48 != "" {
		t.Errorf("Subnets(zero) = %q, %q", s, s48)
	}
}

func TestFlag(t *testing.T) {
	for in, want := range map[string]string{
		"DE": "🇩🇪", "de": "🇩🇪", "us": "🇺🇸", "GB": "🇬🇧", "XK": "🇽🇰", "ZZ": "🇿🇿",
		"": "", "D": "", "DEU": "", "private": "", "1A": "", "É": "",
	} {
		if got := Flag(in); got != want {
			t.Errorf("Flag(%q) = %q, want %q", in, got, want)
		}
	}
}
