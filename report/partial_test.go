package report

import (
	"testing"
	"time"

	"knocks"
)

func TestLastPartial(t *testing.T) {
	day := func(d int) knocks.TimeCount {
		return knocks.TimeCount{Time: time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC), Attempts: 100}
	}
	days := []knocks.TimeCount{day(1), day(2), day(3)}
	for _, tc := range []struct {
		Name string
		Last time.Time
		List []knocks.TimeCount
		Want bool
	}{
		{"logs end at 14:05 on the last day", time.Date(2026, 3, 3, 14, 5, 0, 0, time.UTC), days, true},
		{"logs end at 23:30 on the last day", time.Date(2026, 3, 3, 23, 30, 0, 0, time.UTC), days, false},
		{"logs end at 22:59 on the last day", time.Date(2026, 3, 3, 22, 59, 0, 0, time.UTC), days, true},
		{"logs end just after midnight", time.Date(2026, 3, 3, 0, 0, 1, 0, time.UTC), days, true},
		{"no days", time.Date(2026, 3, 3, 14, 5, 0, 0, time.UTC), nil, false},
		{"no last event", time.Time{}, days, false},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			p, ok := LastPartial(&knocks.Summary{Last: tc.Last}, tc.List, 24*time.Hour)
			if ok != tc.Want {
				t.Fatalf("partial = %v, want %v", ok, tc.Want)
			}
			if ok && (!p.Start.Equal(days[2].Time) || !p.End.Equal(days[2].Time.Add(24*time.Hour)) || !p.Until.Equal(tc.Last)) {
				t.Errorf("partial = %+v", p)
			}
		})
	}
}
