package report_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"knocks"
	"knocks/report"
	"knocks/storetest"
)

// TestJSONStreamsAsEncoder checks that JSON, which writes a list entry at
// a time, writes exactly what json.Encoder with a two-space indent writes
// of the whole summary: of the reference summaries of the conformance
// dataset (every list filled, locations, bans, penalties), of an empty
// one, and of an anonymized one (its omitempty key set).
func TestJSONStreamsAsEncoder(t *testing.T) {
	d := storetest.Dataset()
	full := storetest.Expected(d, knocks.Filter{Top: 5})
	full.Generated = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	full.Alerts = []knocks.Alert{}
	cases := []struct {
		Name string
		Sum  *knocks.Summary
	}{
		{"Full", full},
		{"Empty", &knocks.Summary{}},
		{"Anonymized", report.Anonymize(full)},
		{"Host", storetest.Expected(d, knocks.Filter{Host: "bastion"})},
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetIndent("", "  ")
			if err := enc.Encode(tc.Sum); err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := report.JSON(&got, tc.Sum); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				g, w := got.String(), want.String()
				i := 0
				for i < len(g) && i < len(w) && g[i] == w[i] {
					i++
				}
				t.Errorf("JSON differs from json.Encoder at byte %d:\ngot  %q\nwant %q", i, g[max(0, i-80):min(len(g), i+80)], w[max(0, i-80):min(len(w), i+80)])
			}
			if len(tc.Sum.TopIPs) > 0 && !bytes.Contains(got.Bytes(), []byte(`"top_ips": [`+"\n")) {
				t.Errorf("no top_ips list in %s", got.String())
			}
		})
	}
}

// BenchmarkJSON writes a report whose lists hold knocks.MaxTop rows each;
// bytes/op is the size of the output.
func BenchmarkJSON(b *testing.B) {
	s := &knocks.Summary{Generated: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)}
	for i := 0; i < knocks.MaxTop; i++ {
		ip := fmt.Sprintf("2a01:4f8:%x:%x::1", i>>16, i&0xffff)
		s.TopIPs = append(s.TopIPs, knocks.IPCount{IP: ip, Attempts: 1, Connections: 1, Share: 1e-6, First: s.Generated, Last: s.Generated})
		s.TopUsers = append(s.TopUsers, knocks.UserCount{User: fmt.Sprintf("u%d", i), Attempts: 1, Share: 1e-6})
		s.TopSubnets = append(s.TopSubnets, knocks.KeyCount{Key: ip + "/64", Attempts: 1, Share: 1e-6})
	}
	s.TopInvalidUsers, s.Bans.TopNeverBanned = s.TopUsers, s.TopIPs
	var n countingWriter
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := report.JSON(&n, s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/float64(b.N), "bytes/op")
}

// countingWriter counts what is written to it.
type countingWriter int64

func (w *countingWriter) Write(p []byte) (int, error) {
	*w += countingWriter(len(p))
	return len(p), nil
}
