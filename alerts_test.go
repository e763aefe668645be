package knocks_test

import (
	"net/netip"
	"testing"
	"time"

	"knocks"
)

func TestFilterSelectsAlert(t *testing.T) {
	at := time.Date(2024, 3, 10, 9, 30, 0, 0, time.UTC)
	a := knocks.Alert{Kind: knocks.AlertFailedBefore, Time: at, Host: "gw", User: "deploy", IP: "45.83.1.7", Country: "DE", ASN: 3320}
	v6 := knocks.Alert{Time: at, Host: "gw", User: "bob", IP: "2a06:4880::5"}
	tests := []struct {
		Name   string
		Filter knocks.Filter
		Alert  knocks.Alert
		Want   bool
	}{
		{"no filter", knocks.Filter{Top: 3}, a, true},
		{"since its time", knocks.Filter{Since: at}, a, true},
		{"since after it", knocks.Filter{Since: at.Add(time.Second)}, a, false},
		{"until its time", knocks.Filter{Until: at}, a, false},
		{"until after it", knocks.Filter{Until: at.Add(time.Second)}, a, true},
		{"its host", knocks.Filter{Host: "gw"}, a, true},
		{"another host", knocks.Filter{Host: "web1"}, a, false},
		{"its address", knocks.Filter{IP: netip.MustParseAddr("45.83.1.7")}, a, true},
		{"its address, mapped", knocks.Filter{IP: netip.MustParseAddr("::ffff:45.83.1.7")}, a, true},
		{"another address", knocks.Filter{IP: netip.MustParseAddr("45.83.1.8")}, a, false},
		{"its user", knocks.Filter{User: "deploy"}, a, true},
		{"another user", knocks.Filter{User: "Deploy"}, a, false},
		{"its /24", knocks.Filter{Subnet: "45.83.1.0/24"}, a, true},
		{"another /24", knocks.Filter{Subnet: "45.83.2.0/24"}, a, false},
		{"its /64", knocks.Filter{Subnet: "2a06:4880::/64"}, v6, true},
		{"its country, any case", knocks.Filter{Country: "de"}, a, true},
		{"another country", knocks.Filter{Country: "NL"}, a, false},
		{"a country, alert without one", knocks.Filter{Country: "DE"}, v6, false},
		{"its AS", knocks.Filter{ASN: 3320}, a, true},
		{"another AS", knocks.Filter{ASN: 4134}, a, false},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			if got := tt.Filter.Selects(tt.Alert); got != tt.Want {
				t.Errorf("Selects = %v, want %v", got, tt.Want)
			}
		})
	}
}
