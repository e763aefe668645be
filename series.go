package knocks

import "time"

// MaxDense is the most buckets that a per-day or per-hour series is filled
// in with zero buckets; a longer series lists only buckets with attempts.
const MaxDense = 100_000

// TimeBucket is the attempts of one time bucket: N numbers it from the
// epoch (it starts N × the width of its series, in seconds, after it).
type TimeBucket struct {
	N        int64
	Attempts int64
}

// SetSeries sets the per-hour, per-day and hour × weekday attempts of s
// from the attempts per hour (UTC), in ascending order of hour. Every store
// adds up its hours and leaves the rest to it.
func SetSeries(s *Summary, hours []TimeBucket) {
	var days []TimeBucket
	for _, h := range hours {
		t := time.Unix(h.N*3600, 0).UTC()
		s.HourWeekday[t.Weekday()][t.Hour()] += h.Attempts
		d := FloorDiv(h.N, 24)
		if len(days) > 0 && days[len(days)-1].N == d {
			days[len(days)-1].Attempts += h.Attempts
		} else {
			days = append(days, TimeBucket{d, h.Attempts})
		}
	}
	s.PerHour = Series(hours, 3600)
	s.PerDay = Series(days, 86400)
}

// Series turns buckets of the given width (in seconds), in ascending
// order, into a series: filled in with zero buckets from the first to the
// last, unless that would make more than MaxDense.
func Series(bs []TimeBucket, width int64) []TimeCount {
	out := []TimeCount{}
	if len(bs) == 0 {
		return out
	}
	first, last := bs[0].N, bs[len(bs)-1].N
	if last-first >= MaxDense {
		for _, b := range bs {
			out = append(out, TimeCount{Time: time.Unix(b.N*width, 0).UTC(), Attempts: b.Attempts})
		}
		return out
	}
	out = make([]TimeCount, 0, last-first+1)
	i := 0
	for n := first; n <= last; n++ {
		tc := TimeCount{Time: time.Unix(n*width, 0).UTC()}
		if i < len(bs) && bs[i].N == n {
			tc.Attempts = bs[i].Attempts
			i++
		}
		out = append(out, tc)
	}
	return out
}

// FloorDiv is a / b rounded down (Go's / rounds towards zero): the bucket
// of a time before the epoch.
func FloorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Share returns n as a fraction of total, 0 when total is 0.
func Share(n, total int64) float64 {
	if total == 0 {
		return 0
	}
	return float64(n) / float64(total)
}

// HourOverlap returns the part of the hour starting at hour (unix seconds)
// that the range [lo, hi) covers, from 0 to 1.
func HourOverlap(hour, lo, hi int64) float64 {
	from, to := max(hour, lo), min(hour+3600, hi)
	if to <= from {
		return 0
	}
	return float64(to-from) / 3600
}
