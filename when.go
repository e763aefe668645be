package knocks

import (
	"fmt"
	"strconv"
	"time"
)

// ParseWhen parses the time of a --since or --until filter: an absolute
// time (RFC 3339, a date and time in UTC, a date) or a duration before now
// (90m, 12h, 7d, 2w). "" is the zero time (no bound).
func ParseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	if n := len(s); n >= 2 {
		if v, err := strconv.Atoi(s[:n-1]); err == nil && v >= 0 {
			unit := map[byte]time.Duration{'m': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[n-1]]
			if unit != 0 {
				return now.Add(-time.Duration(v) * unit).UTC(), nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("cannot read %q as a time (2024-02-25, 2024-02-25T10:00:00Z, 7d, 12h)", s)
}
