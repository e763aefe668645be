package report

import "knocks"

// SharePct formats a share that may be unknown: "n/a" for nil.
func SharePct(f *float64) string {
	if f == nil {
		return "n/a"
	}
	return pct(*f)
}

// noShareReason says why a summary has no hostile share.
func noShareReason(f knocks.Filter) string {
	if f.ByAddress() {
		return "lines are not counted by country, network, address or user"
	}
	return "some lines read are in no hour (imported before knocks counted lines per hour, or from inputs without sshd lines)"
}
