package report

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"

	"knocks"
)

func TestAnonymize(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &knocks.Summary{
		TopIPs: []knocks.IPCount{
			{IP: "203.0.113.7", Attempts: 10, Connections: 2, Share: 0.1, First: t0, Last: t0.Add(time.Hour), Country: "NL", ASN: 1},
			{IP: "2001:db8:1:2::5", Attempts: 8, Share: 0.08, Country: "DE"},
			{IP: "203.0.113.200", Attempts: 5, Connections: 1, Share: 0.05, First: t0.Add(-time.Hour), Last: t0, Country: "NL", ASN: 1},
			{IP: "2001:db8:1:ffff::1", Attempts: 4, Share: 0.04, Country: "FR"},
			{IP: "host.example", Attempts: 1},
		},
		TopSubnets:      []knocks.KeyCount{{Key: "203.0.113.0/24", Attempts: 15}, {Key: "2001:db8:1:2::/64", Attempts: 8}, {Key: "2001:db8:1:ffff::/64", Attempts: 4}},
		TopUsers:        []knocks.UserCount{{User: "alice", Attempts: 9, Valid: true}, {User: "admin", Attempts: 7}, {User: "root", Attempts: 3, Valid: true}},
		TopValidUsers:   []knocks.UserCount{{User: "alice", Attempts: 9, Valid: true}, {User: "root", Attempts: 3, Valid: true}},
		TopInvalidUsers: []knocks.UserCount{{User: "admin", Attempts: 7}},
		TopHosts:        []knocks.KeyCount{{Key: "secret-gateway", Attempts: 19}},
		TopPenalised: []knocks.PenalisedIP{{IP: "203.0.113.7", Drops: 3, Penalties: 1, First: t0, Last: t0}, {IP: "198.51.100.1", Drops: 2},
			{IP: "203.0.113.9", Drops: 1, Penalties: 1, First: t0.Add(-time.Hour), Last: t0}},
		TopLockedUsers: []knocks.LockedUser{{User: "alice", Lockouts: 2}},
		GeoIPSources:   []string{"geo-whois-asn-country (embedded), built 2026-06-17", "GeoIP2-City (/home/alice/geoip/GeoLite2-City.mmdb), built 2026-11-20"},
		Filter:         knocks.Filter{Host: "secret-gateway"},
		Bans: knocks.Bans{TopBanned: []knocks.BannedIP{{IP: "203.0.113.7", Bans: 2, Jails: "sshd"}},
			TopNeverBanned: []knocks.IPCount{{IP: "198.51.100.1", Attempts: 3}, {IP: "198.51.100.2", Attempts: 2}}},
	}
	orig, _ := json.Marshal(s)
	a := Anonymize(s)
	if now, _ := json.Marshal(s); !bytes.Equal(now, orig) {
		t.Error("Anonymize changed its argument")
	}
	type ip struct {
		IP       string
		Attempts int64
		Country  string
	}
	var ips []ip
	for _, x := range a.TopIPs {
		ips = append(ips, ip{x.IP, x.Attempts, x.Country})
	}
	wantIPs := []ip{{"203.0.113.x", 15, "NL"}, {"2001:db8:1::/48", 12, ""}, {"host.example", 1, ""}}
	if !reflect.DeepEqual(ips, wantIPs) {
		t.Errorf("IPs = %+v, want %+v", ips, wantIPs)
	}
	if m := a.TopIPs[0]; m.Connections != 3 || !m.First.Equal(t0.Add(-time.Hour)) || !m.Last.Equal(t0.Add(time.Hour)) || m.ASN != 1 || math.Abs(m.Share-0.15) > 1e-9 {
		t.Errorf("merged IP %+v", m)
	}
	if want := []knocks.KeyCount{{Key: "203.0.113.0/24", Attempts: 15}, {Key: "2001:db8:1::/48", Attempts: 12}}; !reflect.DeepEqual(a.TopSubnets, want) {
		t.Errorf("subnets = %+v, want %+v", a.TopSubnets, want)
	}
	var users []string
	for _, u := range a.TopUsers {
		users = append(users, u.User)
	}
	if want := []string{"(valid user 1)", "admin", "(valid user 2)"}; !reflect.DeepEqual(users, want) {
		t.Errorf("users = %q, want %q", users, want)
	}
	if a.TopValidUsers[0].User != "(valid user 1)" || a.TopInvalidUsers[0].User != "admin" || a.TopHosts != nil {
		t.Errorf("valid %+v, invalid %+v, hosts %+v", a.TopValidUsers, a.TopInvalidUsers, a.TopHosts)
	}
	wantPen := []knocks.PenalisedIP{{IP: "203.0.113.x", Drops: 4, Penalties: 2, First: t0.Add(-time.Hour), Last: t0}, {IP: "198.51.100.x", Drops: 2}}
	if !reflect.DeepEqual(a.TopPenalised, wantPen) {
		t.Errorf("penalised = %+v, want %+v", a.TopPenalised, wantPen)
	}
	if want := []knocks.LockedUser{{User: "(locked user 1)", Lockouts: 2}}; !reflect.DeepEqual(a.TopLockedUsers, want) {
		t.Errorf("locked users = %+v, want %+v", a.TopLockedUsers, want)
	}
	if want := []string{"geo-whois-asn-country (embedded), built 2026-06-17", "GeoIP2-City (GeoLite2-City.mmdb), built 2026-11-20"}; !reflect.DeepEqual(a.GeoIPSources, want) {
		t.Errorf("GeoIP sources = %q, want %q", a.GeoIPSources, want)
	}
	if got := a.Bans.TopBanned; len(got) != 1 || got[0].IP != "203.0.113.x" || got[0].Bans != 2 {
		t.Errorf("banned = %+v", got)
	}
	if got := a.Bans.TopNeverBanned; len(got) != 1 || got[0].IP != "198.51.100.x" || got[0].Attempts != 5 {
		t.Errorf("never banned = %+v", got)
	}
	if !a.Anonymized || s.Anonymized || a.Filter.Host == "secret-gateway" {
		t.Errorf("anonymized %v (argument %v), filter host %q", a.Anonymized, s.Anonymized, a.Filter.Host)
	}
	for in, want := range map[string]string{"1.2.3.4": "1.2.3.x", "::ffff:1.2.3.4": "1.2.3.x", "2001:db8::1": "2001:db8::/48", "fe80::1%eth0": "fe80::/48", "x": "x"} {
		if got := MaskAddr(in); got != want {
			t.Errorf("MaskAddr(%q) = %q, want %q", in, got, want)
		}
	}
}
