package knocks

import (
	"testing"
	"time"
)

func TestShortDuration(t *testing.T) {
	for _, c := range []struct {
		In   time.Duration
		Want string
	}{
		{24 * time.Hour, "24h"},
		{90 * time.Minute, "1h30m"},
		{2 * time.Minute, "2m"},
		{30 * time.Second, "30s"},
		{61 * time.Second, "1m1s"},
		{time.Hour + time.Second, "1h0m1s"},
		{1500 * time.Millisecond, "1.5s"},
	} {
		if got := shortDuration(c.In); got != c.Want {
			t.Errorf("shortDuration(%v) = %q, want %q", c.In, got, c.Want)
		}
	}
}
