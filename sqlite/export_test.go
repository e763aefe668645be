package sqlite

import (
	"context"
	"database/sql"
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
