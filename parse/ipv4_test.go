package parse

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

func TestParseIPv4(t *testing.T) {
	tests := []struct {
		Name  string
		Input string
		Want  string // "" when not an address
	}{
		{"address", "218.92.156.96", "218.92.156.96"},
		{"shortest", "0.0.0.0", "0.0.0.0"},
		{"longest", "255.255.255.255", "255.255.255.255"},
		{"field over 255", "256.1.1.1", ""},
		{"leading zero", "01.2.3.4", ""},
		{"three fields", "1.2.3", ""},
		{"five fields", "1.2.3.4.5", ""},
		{"four digits", "1.2.3.1234", ""},
		{"empty field", "1..2.3", ""},
		{"trailing dot", "1.2.3.4.", ""},
		{"port glued on", "1.2.3.4:22", ""},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			ip, ok := parseIPv4([]byte(tt.Input))
			got := ""
			if ok {
				got = netip.AddrFrom4(ip).String()
			}
			if got != tt.Want {
				t.Errorf("parseIPv4(%q) = %q, want %q", tt.Input, got, tt.Want)
			}
		})
	}
}

func TestParseIPv4AsNetip(t *testing.T) {
	// parseIPv4 accepts exactly the dotted quads that net/netip does.
	r := rand.New(rand.NewPCG(5, 6))
	const alphabet = "0123456789.0123456789.12"
	buf := make([]byte, 0, 20)
	accepted := 0
	for i := 0; i < 500_000; i++ {
		buf = buf[:0]
		if i%2 == 0 {
			// Three to five fields of one to four digits.
			for f := 2 + r.IntN(3); f >= 0; f-- {
				for n := 1 + r.IntN(4); n > 0; n-- {
					buf = append(buf, byte('0'+r.IntN(10)))
				}
				if f > 0 {
					buf = append(buf, '.')
				}
			}
		} else {
			for n := 6 + r.IntN(11); n > 0; n-- {
				buf = append(buf, alphabet[r.IntN(len(alphabet))])
			}
		}
		ip, ok := parseIPv4(buf)
		want, err := netip.ParseAddr(string(buf))
		wok := err == nil && want.Is4()
		if ok != wok || ok && netip.AddrFrom4(ip) != want {
			t.Fatalf("parseIPv4(%q) = %v, %v; netip: %v, %v", buf, ip, ok, want, err)
		}
		if ok {
			accepted++
		}
	}
	if accepted < 1000 {
		t.Errorf("only %d addresses among the samples", accepted)
	}
}
