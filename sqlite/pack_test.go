package sqlite

import (
	"context"
	"database/sql/driver"
	"fmt"
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"knocks"
	"knocks/storetest"
)

// TestPackedInsert writes the same connections in packed form where they
// fit (insertConns) and as they are (setConn), and checks that every
// column of every row is the same: the packed form is only a way of
// binding fewer values.
func TestPackedInsert(t *testing.T) {
	t0 := time.Date(2024, 2, 25, 0, 7, 21, 0, time.UTC)
	conn := func(f func(c *knocks.Connection)) *knocks.Connection {
		c := &knocks.Connection{Host: "web1", PID: 22071, Start: t0, End: t0.Add(4 * time.Second),
			IP: netip.MustParseAddr("192.0.2.1"), Port: 41852, User: "admin", HasUser: true, Invalid: true,
			Method: "password", Failed: 3, FailureLines: 5}
		f(c)
		return c
	}
	cases := []*knocks.Connection{
		conn(func(c *knocks.Connection) {}),
		conn(func(c *knocks.Connection) { c.IP = netip.MustParseAddr("2001:db8::a11:beef:7ac0") }),
		conn(func(c *knocks.Connection) { c.IP = netip.MustParseAddr("::ffff:198.51.100.7") }),
		conn(func(c *knocks.Connection) { c.IP = netip.MustParseAddr("10.0.0.0") }),
		conn(func(c *knocks.Connection) { c.IP = netip.MustParseAddr("203.0.113.255") }),
		conn(func(c *knocks.Connection) { c.IP = netip.MustParseAddr("fe80::1%eth 0") }),
		conn(func(c *knocks.Connection) { c.IP, c.RHost = netip.Addr{}, "host-7.example.net" }),
		conn(func(c *knocks.Connection) { c.RHost = "both.example.net" }),
		conn(func(c *knocks.Connection) { c.IP, c.Port = netip.Addr{}, 0 }),
		conn(func(c *knocks.Connection) { c.PID, c.Port, c.Host = 0, 0, "" }),
		conn(func(c *knocks.Connection) { c.PID = 1 << 30 }),
		conn(func(c *knocks.Connection) { c.PID = 1<<23 - 1 }),
		conn(func(c *knocks.Connection) { c.PID = 1 << 23 }),
		conn(func(c *knocks.Connection) { c.Method = "keyboard-interactive/pam" }),
		conn(func(c *knocks.Connection) { c.Method = "gssapi-keyex" }),
		conn(func(c *knocks.Connection) { c.Method = "unknown" }),
		conn(func(c *knocks.Connection) { c.Method = "x-custom@example.org" }),
		conn(func(c *knocks.Connection) { c.Method = "pass'word" }),
		conn(func(c *knocks.Connection) { c.End = c.Start.Add((1<<19 - 1) * time.Second) }),
		conn(func(c *knocks.Connection) { c.End = c.Start.Add(1 << 19 * time.Second) }),
		conn(func(c *knocks.Connection) { c.Port = 65535 }),
		conn(func(c *knocks.Connection) { c.End = c.Start.Add(400 * 24 * time.Hour) }),
		conn(func(c *knocks.Connection) { c.Failed, c.FailureLines = 1023, 1023 }),
		conn(func(c *knocks.Connection) { c.Failed, c.FailureLines = 0, 1024 }),
		conn(func(c *knocks.Connection) { c.Logins, c.FailureLines, c.Failed = 1023, 0, 0 }),
		conn(func(c *knocks.Connection) { c.ScanLines, c.FailureLines = 600, 600 }),
		conn(func(c *knocks.Connection) { c.ScanLines, c.FailureLines, c.Failed = 1000, 0, 0 }),
		conn(func(c *knocks.Connection) { c.FailureLines, c.Failed, c.Logins = 0, 0, 1 }),
		conn(func(c *knocks.Connection) { c.User, c.Method = "", "" }),
		conn(func(c *knocks.Connection) { c.User, c.HasUser, c.Invalid = "", false, false }),
		conn(func(c *knocks.Connection) { c.User = strings.Repeat("ü", knocks.MaxUserLen) }),
		conn(func(c *knocks.Connection) { c.User = "a b\x1b[31m'; DROP TABLE connections; --" }),
	}
	cs := append(cases, storetest.Generate(300, 3, t0)...)
	fit := 0
	for i, c := range cs {
		if ok := packCounts(c) >= 0 && packHeader(c) >= 0; ok {
			fit++
		} else if i < 5 {
			t.Fatalf("case %d does not fit the packed form", i)
		}
	}
	if fit < len(cs)*9/10 || fit == len(cs) {
		t.Fatalf("%d of %d connections fit the packed form: both forms are to be tested", fit, len(cs))
	}
	rows := func(packed bool) [][]any {
		ctx := context.Background()
		s, err := Open(ctx, filepath.Join(t.TempDir(), "k.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		conn, err := s.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		// One row at a time too, so that groups of both forms follow
		// each other.
		for _, part := range [][]*knocks.Connection{cs[:5], cs[5:7], cs[7:8], cs[8:]} {
			if packed {
				err = insertConns(ctx, conn, int64(1), part)
			} else {
				ips := addrCache{}
				err = insertRows(ctx, conn, len(part), connArgs, int64(1), insertConnSQL, func(v []driver.NamedValue, i int) {
					setConn(v, part[i], ips)
				})
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		q, err := conn.QueryContext(ctx, "SELECT id, "+connColumnsWritten+" FROM connections ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		defer q.Close()
		var out [][]any
		for q.Next() {
			row := make([]any, 21)
			ptrs := make([]any, len(row))
			for i := range row {
				ptrs[i] = &row[i]
			}
			if err := q.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out = append(out, row)
		}
		return out
	}
	plain, packed := rows(false), rows(true)
	if len(plain) != len(cs) || len(packed) != len(cs) {
		t.Fatalf("%d and %d rows, want %d", len(plain), len(packed), len(cs))
	}
	for i := range plain {
		if !reflect.DeepEqual(plain[i], packed[i]) {
			t.Errorf("row %d:\nplain  %s\npacked %s", i, fmt.Sprint(plain[i]...), fmt.Sprint(packed[i]...))
		}
	}
}
