package report

import (
	"time"

	"knocks"
)

// Partial is the last bucket of a time series when the logs end inside
// it: it holds less than a whole day (or hour) of data, and a chart that
// draws it like the others shows a drop that did not happen.
type Partial struct {
	Start, End time.Time // the bucket
	Until      time.Time // the last event of the summary, inside the bucket
}

// LastPartial returns the last bucket of list (buckets of the given width,
// in time order) when it is partial: the summary's last event falls more
// than a twenty-fourth of the width before the bucket's end (an hour of a
// day, two and a half minutes of an hour). ok is false when the last bucket
// is whole or the list is empty.
func LastPartial(s *knocks.Summary, list []knocks.TimeCount, width time.Duration) (p Partial, ok bool) {
	if len(list) == 0 || s.Last.IsZero() {
		return p, false
	}
	start := list[len(list)-1].Time.UTC()
	end := start.Add(width)
	last := s.Last.UTC()
	if last.Before(start) || !last.Before(end.Add(-width/24)) {
		return p, false
	}
	return Partial{Start: start, End: end, Until: last}, true
}
