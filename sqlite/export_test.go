package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"knocks"
)

// IDRanges exposes idRanges to the tests, as pairs.
func IDRanges(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, startLo, startHi, endLo int64) ([][2]int64, error) {
	rs, err := idRanges(ctx, q, startLo, startHi, endLo)
	out := make([][2]int64, len(rs))
	for i, r := range rs {
		out[i] = [2]int64{r.lo, r.hi}
	}
	return out, err
}

// SetSummaryBounds sets the most addresses, users and (address, day) pairs
// that a summary adds up in memory, and returns a function that restores
// them: with 0, SQL groups them all.
func SetSummaryBounds(addrs, users, days int) (restore func()) {
	a, u, d := maxAddrs, maxUsers, maxDays
	maxAddrs, maxUsers, maxDays = addrs, users, days
	return func() { maxAddrs, maxUsers, maxDays = a, u, d }
}

// SetCampaignBounds sets the most rows outside every span and the most
// overlapping spans that CampaignConns holds, and returns a function that
// restores them.
func SetCampaignBounds(loose, open int) (restore func()) {
	l, o := maxLooseRows, maxOpenSpans
	maxLooseRows, maxOpenSpans = loose, open
	return func() { maxLooseRows, maxOpenSpans = l, o }
}

// SetRollups turns the summary from the rollup tables on or off, and
// returns a function that restores it.
func SetRollups(on bool) (restore func()) {
	old := useRollups
	useRollups = on
	return func() { useRollups = old }
}

// SetRollupFlush sets how long and how many keys the sums of written
// connections wait in memory before they go to the rollup tables, and
// returns a function that restores them.
func SetRollupFlush(every time.Duration, keys int) (restore func()) {
	e, k := rollupEvery, maxPending
	rollupEvery, maxPending = every, keys
	return func() { rollupEvery, maxPending = e, k }
}

// ParseSpanRows exposes parseSpanRows to the tests.
func ParseSpanRows(text string) ([]knocks.CampaignConn, error) {
	rows, err := parseSpanRows(text, 0, nil)
	var out []knocks.CampaignConn
	for _, r := range rows {
		out = append(out, r.CampaignConn)
	}
	return out, err
}

// SetPacks makes the readers of connections take their packs (on) or read
// every row from connections (off), and returns a function that restores
// the setting.
func SetPacks(on bool) (restore func()) {
	old := usePacks
	usePacks = on
	return func() { usePacks = old }
}

// PackRecords returns every connection with attempts or logins as the
// readers of packs see it, one line each, in id order.
func PackRecords(ctx context.Context, s *EventStore) ([]string, error) {
	var out []string
	err := s.read(ctx, func(conn *sql.Conn) error {
		return eachPackRec(ctx, conn, false, func(r *packRec) {
			out = append(out, fmt.Sprintf("%d %d %q %q %q %q %d %d %d %d", r.id, r.flags, r.host, r.ip, r.subnet, r.user, r.start, r.end, r.attempts, r.logins))
		})
	})
	return out, err
}

// SetKept makes Summary, Alerts and the campaigns read the results that
// KeepResults kept (on) or find them from the connections (off), and
// returns a function that restores the setting.
func SetKept(on bool) (restore func()) {
	old := useKept
	useKept = on
	return func() { useKept = old }
}

// KeptSummary reports whether the summary of f is kept and is still that
// of what is stored.
func KeptSummary(ctx context.Context, s *EventStore, f knocks.Filter) (bool, error) {
	if f.Top <= 0 {
		f.Top = 10
	}
	var sum knocks.Summary
	return s.kept(ctx, knocks.SummaryKey(f), &sum)
}

// SetKeepTogether makes KeepResults find its results all at once (on) or
// one after the other (off), and returns a function that restores the
// setting.
func SetKeepTogether(on bool) (restore func()) {
	old := keepTogetherSources
	keepTogetherSources = 0
	if on {
		keepTogetherSources = 1 << 62
	}
	return func() { keepTogetherSources = old }
}

// SetMaxLocatedFilter sets the most addresses of a country or AS that
// CampaignConns tests in the packs, and returns a function that restores
// it.
func SetMaxLocatedFilter(n int) (restore func()) {
	old := maxLocatedFilter
	maxLocatedFilter = n
	return func() { maxLocatedFilter = old }
}
