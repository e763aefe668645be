package postgres

import (
	"context"

	"knocks"
)

// SetKept makes Summary, Alerts and the campaigns read the results that
// KeepResults kept (on) or find them from the connections (off), and
// returns what restores the setting.
func SetKept(on bool) (restore func()) {
	old := useKept
	useKept = on
	return func() { useKept = old }
}

// KeptSummary reports whether the summary of f is kept and is still that
// of what is stored.
func KeptSummary(ctx context.Context, s *EventStore, f knocks.Filter) (bool, error) {
	var sum knocks.Summary
	return s.kept(ctx, knocks.SummaryKey(f), &sum)
}

// SetKeepTogether makes KeepResults find its results all at once (on) or
// one after the other (off), whatever the store's size, and returns what
// restores the setting.
func SetKeepTogether(on bool) (restore func()) {
	old := keepTogetherConns
	keepTogetherConns = 0
	if on {
		keepTogetherConns = 1 << 62
	}
	return func() { keepTogetherConns = old }
}
