package report

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
	"time"

	"knocks"
)

func TestTextHostileShare(t *testing.T) {
	t0 := time.Date(2026, 11, 7, 0, 0, 0, 0, time.UTC)
	n := func(v int64) *int64 { return &v }
	f := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		Name string
		S    knocks.Summary
		Want string
	}{
		{"whole", knocks.Summary{LinesRead: 1000, Lines: n(1000), HostileLines: 760, HostileShare: f(0.76)}, "760 of 1,000 log lines (76.0%)"},
		{"since", knocks.Summary{LinesRead: 10000, Lines: n(1000), HostileLines: 760, HostileShare: f(0.76), Filter: knocks.Filter{Since: t0}}, "760 of 1,000 log lines of this time and host (76.0%)"},
		{"by country", knocks.Summary{LinesRead: 10000, HostileLines: 760, Filter: knocks.Filter{Country: "CN"}}, "760 (share n/a: lines are not counted by country, network, address or user)"},
		{"by address", knocks.Summary{LinesRead: 10000, HostileLines: 90, Filter: knocks.Filter{IP: netip.MustParseAddr("203.0.113.9")}}, "90 (share n/a: lines are not counted by country, network, address or user)"},
		{"old database", knocks.Summary{LinesRead: 10000, HostileLines: 760, Filter: knocks.Filter{Since: t0}}, "760 (share n/a: some lines read are in no hour"},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			s := tc.S
			s.First, s.Last, s.Attempts = t0, t0.Add(time.Hour), 1
			var b bytes.Buffer
			if err := Text(&b, &s, Options{}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), tc.Want) {
				t.Errorf("text report lacks %q:\n%s", tc.Want, b.String())
			}
		})
	}
}
