package sqlite_test

import (
	"context"
	"encoding/hex"
	"strconv"
	"testing"

	"knocks/sqlite/storetest"
)

func BenchmarkExpJSON(b *testing.B) {
	ctx := context.Background()
	s := open(b)
	for _, ix := range []string{"connections_ip", "connections_username", "connections_host", "connections_start"} {
		s.DB().Exec("DROP INDEX " + ix)
	}
	gen := storetest.Generate(10000, 1, benchStart)
	b.ResetTimer()
	cpu0 := cpuTime()
	rows := 0
	id := int64(1)
	q := `INSERT INTO connections (id, host, pid, start_time, end_time, ip, rhost, port, username, has_user, invalid_user, method, failed, failure_lines, scan_lines, logins, attempts, subnet)
	SELECT j->>0, CAST(unhex(j->>1) AS TEXT), j->>2, j->>3, j->>4, j->>5, CAST(unhex(j->>6) AS TEXT), j->>7, CAST(unhex(j->>8) AS TEXT), j->>9, j->>10, j->>11, j->>12, j->>13, j->>14, j->>15, j->>16, j->>17
	FROM (SELECT value AS j FROM json_each(?))`
	for i := 0; i < b.N; i++ {
		tx, err := s.DB().BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		st, err := tx.Prepare(q)
		if err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, 0, 1<<20)
		for k := 0; k < len(gen); k += 1000 {
			buf = append(buf[:0], '[')
			for m, c := range gen[k : k+1000] {
				if m > 0 {
					buf = append(buf, ',')
				}
				buf = append(buf, '[')
				buf = strconv.AppendInt(buf, id, 10)
				id++
				buf = append(buf, ",\""...)
				buf = hex.AppendEncode(buf, []byte(c.Host))
				buf = append(buf, "\","...)
				buf = strconv.AppendInt(buf, int64(c.PID), 10)
				buf = append(buf, ',')
				buf = strconv.AppendInt(buf, c.Start.Unix(), 10)
				buf = append(buf, ',')
				buf = strconv.AppendInt(buf, c.End.Unix(), 10)
				if c.IP.IsValid() {
					buf = append(buf, ",\""...)
					buf = c.IP.AppendTo(buf)
					buf = append(buf, '"')
				} else {
					buf = append(buf, ",null"...)
				}
				buf = append(buf, ",\""...)
				buf = hex.AppendEncode(buf, []byte(c.RHost))
				buf = append(buf, "\","...)
				buf = strconv.AppendInt(buf, int64(c.Port), 10)
				buf = append(buf, ",\""...)
				buf = hex.AppendEncode(buf, []byte(c.User))
				buf = append(buf, "\","...)
				buf = strconv.AppendInt(buf, 1, 10)
				buf = append(buf, ',')
				buf = strconv.AppendInt(buf, 0, 10)
				buf = append(buf, ",\"password\","...)
				buf = strconv.AppendInt(buf, c.Failed, 10)
				buf = append(buf, ',')
				buf = strconv.AppendInt(buf, c.FailureLines, 10)
				buf = append(buf, ',')
				buf = strconv.AppendInt(buf, c.ScanLines, 10)
				buf = append(buf, ',')
				buf = strconv.AppendInt(buf, c.Logins, 10)
				buf = append(buf, ',')
				buf = strconv.AppendInt(buf, c.Attempts(), 10)
				buf = append(buf, ",\"1.2.3.0/24\"]"...)
			}
			buf = append(buf, ']')
			if _, err := st.Exec(string(buf)); err != nil {
				b.Fatal(err)
			}
		}
		st.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		rows += len(gen)
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(rows)/(cpuTime()-cpu0).Seconds(), "rows/cpu-s")
}
