package sqlite_test

import (
	"context"
	"testing"
)

// BenchmarkInsertFloor measures the least that SQLite itself (this
// driver's SQLite, as knocks links it) takes to store connection rows:
// 100,000 rows shaped like real ones (a host, an address and its subnet,
// a user, a method, the counts) made inside SQLite by a recursive query,
// so that nothing is bound and no Go code runs per row. Its ns/row, times
// the connections of a log, is a floor under any import that stores a row
// per connection; compare BenchmarkWrite, knocks' own path.
func BenchmarkInsertFloor(b *testing.B) {
	ctx := context.Background()
	s := open(b)
	db := s.DB()
	const rows = 100_000
	q := `WITH RECURSIVE n(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1 + ?2 - 1)
		INSERT INTO connections (import_id, host, pid, start_time, end_time, ip, rhost, port, username, invalid_user, method,
			failed, failure_lines, scan_lines, logins, subnet, attempts, failure, scan, hostile_lines)
		SELECT 1, 'web1', 100000 + i % 900000, 1700000000 + i, 1700000003 + i,
			'203.0.113.7', NULL, 30000 + i % 30000, 'admin', i % 2, 'password',
			i % 6, i % 6, i % 3, 0, '203.0.113.0/24', i % 6, 1, 0, i % 6 + i % 3
		FROM n`
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.ExecContext(ctx, q, i*rows, rows); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
}
