package knocks_test

import (
	"testing"
	"time"

	"knocks"
)

func TestSeries(t *testing.T) {
	h := func(n int64) time.Time { return time.Unix(n*3600, 0).UTC() }
	for _, c := range []struct {
		Name string
		In   []knocks.TimeBucket
		Want []knocks.TimeCount
	}{
		{"empty", nil, []knocks.TimeCount{}},
		{"one", []knocks.TimeBucket{{N: 5, Attempts: 3}}, []knocks.TimeCount{{Time: h(5), Attempts: 3}}},
		{"a gap is filled with zeros", []knocks.TimeBucket{{N: 5, Attempts: 3}, {N: 8, Attempts: 1}},
			[]knocks.TimeCount{{Time: h(5), Attempts: 3}, {Time: h(6)}, {Time: h(7)}, {Time: h(8), Attempts: 1}}},
		{"too long to fill: the buckets alone", []knocks.TimeBucket{{N: 0, Attempts: 1}, {N: knocks.MaxDense, Attempts: 2}},
			[]knocks.TimeCount{{Time: h(0), Attempts: 1}, {Time: h(knocks.MaxDense), Attempts: 2}}},
	} {
		got := knocks.Series(c.In, 3600)
		if len(got) != len(c.Want) {
			t.Errorf("%s: %d buckets, want %d: %v", c.Name, len(got), len(c.Want), got)
			continue
		}
		for i := range got {
			if !got[i].Time.Equal(c.Want[i].Time) || got[i].Attempts != c.Want[i].Attempts {
				t.Errorf("%s: bucket %d is %v, want %v", c.Name, i, got[i], c.Want[i])
			}
		}
	}
}

func TestSetSeries(t *testing.T) {
	// 2024-03-10 is a Sunday: hours 23:00 on the 9th, 00:00 and 05:00 on the 10th.
	base := time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC).Unix() / 3600
	var s knocks.Summary
	knocks.SetSeries(&s, []knocks.TimeBucket{{N: base - 1, Attempts: 2}, {N: base, Attempts: 3}, {N: base + 5, Attempts: 4}})
	if len(s.PerHour) != 7 || s.PerHour[0].Attempts != 2 || s.PerHour[6].Attempts != 4 {
		t.Errorf("per hour: %v", s.PerHour)
	}
	if len(s.PerDay) != 2 || s.PerDay[0].Attempts != 2 || s.PerDay[1].Attempts != 7 ||
		!s.PerDay[1].Time.Equal(time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("per day: %v", s.PerDay)
	}
	if s.HourWeekday[time.Saturday][23] != 2 || s.HourWeekday[time.Sunday][0] != 3 || s.HourWeekday[time.Sunday][5] != 4 {
		t.Errorf("hour × weekday: Saturday 23h %d, Sunday 0h %d, 5h %d", s.HourWeekday[time.Saturday][23], s.HourWeekday[time.Sunday][0], s.HourWeekday[time.Sunday][5])
	}
}

func TestShareAndHourOverlap(t *testing.T) {
	if knocks.Share(1, 0) != 0 || knocks.Share(1, 4) != 0.25 {
		t.Error("Share")
	}
	for _, c := range []struct {
		Name         string
		Hour, Lo, Hi int64
		Want         float64
	}{
		{"inside", 3600, 0, 10800, 1},
		{"half", 3600, 5400, 10800, 0.5},
		{"outside", 3600, 7200, 10800, 0},
		{"a quarter at the end", 3600, 0, 4500, 0.25},
	} {
		if got := knocks.HourOverlap(c.Hour, c.Lo, c.Hi); got != c.Want {
			t.Errorf("%s: HourOverlap = %v, want %v", c.Name, got, c.Want)
		}
	}
	if knocks.FloorDiv(-1, 24) != -1 || knocks.FloorDiv(25, 24) != 1 || knocks.FloorDiv(-24, 24) != -1 {
		t.Error("FloorDiv")
	}
}
