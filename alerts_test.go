package knocks

import (
	"reflect"
	"testing"
	"time"
)

// TestFindAlerts checks the alert rules on logins and failures as a store
// reads them.
func TestFindAlerts(t *testing.T) {
	h := int64(3600)
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC).Unix()
	fs := AlertFailures{
		ByIP:     map[string][]AlertFailure{"203.0.113.7": {{t0, 3}, {t0 + 10*h, 4}}},
		BySubnet: map[string][]AlertFailure{"203.0.113.0/24": {{t0, 3}, {t0 + 10*h, 4}}, "198.51.100.0/24": {{t0 + h, 2}}},
		ByASN:    map[uint32][]AlertFailure{64500: {{t0 + 2*h, 5}}},
		ByUser:   map[string][]AlertFailure{"deploy": {{t0, 30}, {t0 + 40*h, 15}, {t0 + 47*h, 6}}},
	}
	type got struct {
		Kind   string
		ID     int64
		Failed int64
		New    bool
		Why    string
	}
	for _, tc := range []struct {
		Name  string
		Input []AlertLogin
		Want  []got
	}{
		{"a login from an address that failed before: the address, not also its subnet",
			[]AlertLogin{{ID: 1, Start: t0 + 5*h, IP: "203.0.113.7", Subnet: "203.0.113.0/24", User: "alice", ASN: 64500}},
			[]got{{AlertFailedBefore, 1, 3, true, "the address failed 3 times before"}}},
		{"only failures before the login count",
			[]AlertLogin{{ID: 2, Start: t0, IP: "203.0.113.7", Subnet: "203.0.113.0/24", User: "alice"}},
			nil},
		{"its subnet failed before",
			[]AlertLogin{{ID: 3, Start: t0 + 5*h, IP: "198.51.100.9", Subnet: "198.51.100.0/24", User: "alice"}},
			[]got{{AlertFailedBefore, 3, 2, true, "its subnet 198.51.100.0/24 failed 2 times before"}}},
		{"its network failed before; an alert shown before is not new",
			[]AlertLogin{{ID: 4, Start: t0 + 5*h, IP: "192.0.2.1", Subnet: "192.0.2.0/24", User: "alice", ASN: 64500}},
			[]got{{AlertFailedBefore, 4, 5, false, "its network AS64500 failed 5 times before"}}},
		{"a user's first country is no alert, the second is",
			[]AlertLogin{{ID: 5, Start: t0, IP: "192.0.2.2", User: "bob", Country: "NL"}, {ID: 6, Start: t0 + h, IP: "192.0.2.3", User: "bob", Country: "NL"},
				{ID: 7, Start: t0 + 2*h, IP: "192.0.2.4", User: "bob", Country: "CN"}},
			[]got{{AlertNewCountry, 7, 0, true, "the first login of this user from CN (before: [NL])"}}},
		{"many failures for the user in the 24 hours before, and not 48 hours before",
			[]AlertLogin{{ID: 8, Start: t0 + 48*h, IP: "192.0.2.5", User: "deploy"}, {ID: 9, Start: t0 + 23*h, IP: "192.0.2.6", User: "deploy"}},
			[]got{{AlertManyFailures, 8, 21, true, "21 failed attempts for this user in the 24h0m0s before"},
				{AlertManyFailures, 9, 30, true, "30 failed attempts for this user in the 24h0m0s before"}}},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			shown := func(kind string, id int64) bool { return kind == AlertFailedBefore && id == 4 }
			var g []got
			for _, a := range FindAlerts(tc.Input, fs, shown, AlertOptions{}) {
				g = append(g, got{a.Kind, a.LoginID, a.Failed, a.New, a.Why})
			}
			if !reflect.DeepEqual(g, tc.Want) {
				t.Errorf("got %+v\nwant %+v", g, tc.Want)
			}
		})
	}
}
