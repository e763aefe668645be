package sqlite_test

import (
	"context"
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	"knocks"
)

// TestSummaryLeavesOutRowsOutOfRange stores rows whose times no report can
// show (an older version stored a journald time in the year 11476) and
// checks that a summary leaves them out instead of failing.
func TestSummaryLeavesOutRowsOutOfRange(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	good := time.Date(2024, 2, 25, 0, 7, 21, 0, time.UTC)
	id, err := s.BeginImport(ctx, good)
	if err != nil {
		t.Fatal(err)
	}
	c := &knocks.Connection{Host: "web1", PID: 1, Start: good, End: good, IP: netip.MustParseAddr("192.0.2.1"), Failed: 2, FailureLines: 2}
	if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: []*knocks.Connection{c}}); err != nil {
		t.Fatal(err)
	}
	far := time.UnixMicro(299999999999999999).Unix() // 11476
	for _, q := range []string{
		`INSERT INTO connections (host, pid, start_time, end_time, ip, invalid_user, failed, failure_lines, scan_lines, logins, attempts, failure, hostile_lines)
			VALUES ('web1', 2, ?, ?, '198.51.100.7', 0, 5, 5, 0, 0, 5, 1, 5)`,
		`INSERT INTO connections (host, pid, start_time, end_time, ip, invalid_user, failed, failure_lines, scan_lines, logins, attempts, failure, hostile_lines)
			VALUES ('web1', 3, -?, -?, '198.51.100.8', 0, 7, 7, 0, 0, 7, 1, 7)`,
		`INSERT INTO fail2ban_events (time, kind, jail, ip) VALUES (?, 'f2b_ban', 'sshd', '198.51.100.7')`,
	} {
		args := []any{far, far}
		if _, err := s.DB().ExecContext(ctx, q, args[:countParams(q)]...); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := s.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Attempts != 2 || !sum.First.Equal(good) || !sum.Last.Equal(good) || len(sum.TopIPs) != 1 {
		t.Errorf("summary: %d attempts from %v to %v, top IPs %+v; want the one good row", sum.Attempts, sum.First, sum.Last, sum.TopIPs)
	}
	if _, err := json.Marshal(sum); err != nil {
		t.Errorf("the summary cannot be written as JSON: %v", err)
	}
}

func countParams(q string) int {
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
		}
	}
	return n
}
