package sqlite_test

import (
	"context"
	"knocks/sqlite"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"knocks"
	"knocks/sqlite/storetest"
)

func BenchmarkExp(b *testing.B) {
	ctx := context.Background()
	s := open(b)
	for _, ix := range strings.Fields(os.Getenv("DROP")) {
		if _, err := s.DB().Exec("DROP INDEX " + ix); err != nil {
			b.Fatal(err)
		}
	}
	for _, p := range strings.Split(os.Getenv("PRAGMAS"), ";") {
		if p != "" {
			s.DB().Exec("PRAGMA " + p)
		}
	}
	id, _ := s.BeginImport(ctx, time.Now())
	gen := make([][]*knocks.Connection, 8)
	size := 10000
	for i := range gen {
		gen[i] = storetest.Generate(size, uint64(i), benchStart)
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	rows := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		cs := storetest.Clone(gen[i%8])
		b.StartTimer()
		if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: cs}); err != nil {
			b.Fatal(err)
		}
		rows += len(cs)
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(rows)/(cpuTime()-cpu0).Seconds(), "rows/cpu-s")
}

func init() {
	if v := os.Getenv("PAGE"); v != "" {
		n, _ := strconv.Atoi(v)
		sqlite.SetPageSize(n)
	}
	if v := os.Getenv("ROWS"); v != "" {
		n, _ := strconv.Atoi(v)
		sqlite.SetRowsPerInsert(n)
	}
}
