package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"knocks"
	"knocks/sqlite"
	"knocks/storetest"
)

// keptChanges returns the count of kept_changes.
func keptChanges(t *testing.T, s *sqlite.EventStore) int64 {
	t.Helper()
	var n int64
	if err := s.DB().QueryRow("SELECT n FROM kept_changes").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestKeptResults keeps the results of a report without filters and
// checks that reports read them, equal to those found from the
// connections, and that every kind of change to the store makes them
// stale (reports then find them again) until they are kept again.
func TestKeptResults(t *testing.T) {
	for _, together := range []bool{true, false} {
		t.Run(fmt.Sprintf("together=%v", together), func(t *testing.T) {
			defer sqlite.SetKeepTogether(together)()
			testKeptResults(t)
		})
	}
}

func testKeptResults(t *testing.T) {
	storetest.TestKept(t, func(t *testing.T) storetest.Keeper {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "knocks.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}, storetest.KeptHooks{
		SetKept: sqlite.SetKept,
		IsKept: func(ctx context.Context, s storetest.Keeper) (bool, error) {
			return sqlite.KeptSummary(ctx, s.(*sqlite.EventStore), knocks.Filter{})
		},
		Write: func(t *testing.T, s storetest.Keeper, id int64, cs []*knocks.Connection) {
			writeExtended(t, s.(*sqlite.EventStore), id, cs, func(int) int { return 900 }, 7, 3, func(int) {})
		},
		Exec: func(s storetest.Keeper, q string) error {
			_, err := s.(*sqlite.EventStore).DB().Exec(q)
			return err
		},
		Changes:         func(t *testing.T, s storetest.Keeper) int64 { return keptChanges(t, s.(*sqlite.EventStore)) },
		SetKeptAttempts: `UPDATE kept_results SET data = json_set(data, '$.attempts', 424242) WHERE key LIKE 'summary %'`,
		SpoilKept:       `UPDATE kept_results SET data = 'not json'`,
		ByHand: []storetest.Change{
			{Name: "a connection changed by hand", SQL: `UPDATE connections SET failed = failed + 5, username = 'root' WHERE id = 17`},
			{Name: "a connection deleted by hand", SQL: `DELETE FROM connections WHERE id = (SELECT MIN(id) FROM connections WHERE failed > 0 AND id > 100)`},
			{Name: "a connection inserted by hand", SQL: `INSERT INTO connections (id, host, pid, start_time, end_time, ip, rhost, port, username, invalid_user, method,
				failed, failure_lines, scan_lines, logins, subnet, import_id, attempts, failure, scan, hostile_lines)
				SELECT (SELECT MAX(id) + 1 FROM connections), host, pid, start_time, end_time, ip, rhost, port, 'nobody', invalid_user, method,
				failed, failure_lines, scan_lines, logins, subnet, import_id, attempts, failure, scan, hostile_lines FROM connections WHERE attempts > 0 ORDER BY id LIMIT 1`},
			{Name: "a location changed", SQL: `UPDATE ip_geo SET country = 'FR', asn = 64999 WHERE ip = (SELECT ip FROM ip_geo ORDER BY ip LIMIT 1)`},
		},
	})
}
