package sqlite_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"knocks"
	"knocks/sqlite"
	"knocks/storetest"
)

var benchStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// BenchmarkWrite writes batches of 10,000 new connections (the size the
// ingest pipeline commits) to a database on disk that grows as it goes,
// with a checkpoint each; rows/s is the figure to watch, rows/cpu-s the
// one that does not depend on what else the machine runs.
//
// The sub-benchmarks with indexes measure what docs/schema.md says of
// them: why connections has none.
func BenchmarkWrite(b *testing.B) {
	sets := []struct {
		name, sql string
		oneHost   bool // every connection of one host, as in one host's log
	}{
		{"batch=10000", "", false},
		{"batch=10000,one-host", "", true},
		{"index=start", "CREATE INDEX x1 ON connections (start_time)", false},
		{"index=start,host", "CREATE INDEX x1 ON connections (start_time); CREATE INDEX x2 ON connections (host, start_time)", false},
		{"index=ip,username", "CREATE INDEX x1 ON connections (ip); CREATE INDEX x2 ON connections (username)", false},
		{"index=start,host-pid-end,ip,username", "CREATE INDEX x1 ON connections (start_time); CREATE INDEX x2 ON connections (host, pid, end_time);" +
			"CREATE INDEX x3 ON connections (ip); CREATE INDEX x4 ON connections (username)", false},
	}
	for _, set := range sets {
		b.Run(set.name, func(b *testing.B) {
			ctx := context.Background()
			s := open(b)
			if set.sql != "" {
				if _, err := s.DB().Exec(set.sql); err != nil {
					b.Fatal(err)
				}
			}
			id, err := s.BeginImport(ctx, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			// Pre-generate, so that only the store is timed.
			const sets = 8
			gen := make([][]*knocks.Connection, sets)
			for i := range gen {
				gen[i] = storetest.Generate(10_000, uint64(i), benchStart)
				if set.oneHost {
					for _, c := range gen[i] {
						c.Host = "web1"
					}
				}
			}
			b.ResetTimer()
			cpu0 := cpuTime()
			rows := 0
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				cs := storetest.Clone(gen[i%sets])
				b.StartTimer()
				cp := &knocks.Checkpoint{Fingerprint: "bench", Name: "auth.log", Offset: int64(i), Lines: int64(i), New: i == 0, Prev: int64(i - 1)}
				if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: cs, Checkpoint: cp}); err != nil {
					b.Fatal(err)
				}
				rows += len(cs)
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(rows)/(cpuTime()-cpu0).Seconds(), "rows/cpu-s")
		})
	}
}

// BenchmarkSummary computes reports over 250,000 connections (a busy
// server's year), every address located, most with an announced prefix:
// the summary with several filters (all and host from the rollup tables,
// all-scan the same summary from every connection), and the alerts and
// campaigns that a report reads beside it.
func BenchmarkSummary(b *testing.B) {
	ctx := context.Background()
	s := open(b)
	const n = 250_000
	cs := storetest.Generate(n, 42, benchStart)
	id, _ := s.BeginImport(ctx, time.Now())
	for i := 0; i < n; i += 10_000 {
		if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: cs[i:min(i+10_000, n)]}); err != nil {
			b.Fatal(err)
		}
	}
	ips, err := s.UnlocatedIPs(ctx, true)
	if err != nil {
		b.Fatal(err)
	}
	countries := []string{"CN", "US", "RU", "NL", "DE", "BR", "IN", "VN", "KR", "SG"}
	locs := map[netip.Addr]knocks.Location{}
	for i, ip := range ips {
		c := countries[i%len(countries)]
		l := knocks.Location{Country: c, CountryName: c, City: fmt.Sprintf("City %d", i%50), HasCoords: true,
			Lat: float64(i % 90), Lon: float64(i % 180), ASN: uint32(64500 + i%300), Org: fmt.Sprintf("Org %d", i%300)}
		if i%20 != 0 { // the ASN data announces most addresses
			bits := 20 + i%5
			if ip.Is6() {
				bits = 32 + i%17
			}
			l.Prefix = netip.PrefixFrom(ip, bits).Masked().String()
		}
		locs[ip] = l
	}
	if err := s.SaveLocations(ctx, locs, "bench"); err != nil {
		b.Fatal(err)
	}
	if err := s.Close(); err != nil { // lets PRAGMA optimize gather statistics, as a real import ends
		b.Fatal(err)
	}
	s, err = sqlite.Open(ctx, s.Path())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	filters := map[string]knocks.Filter{
		"all":     {},
		"last7d":  {Since: benchStart.AddDate(0, 0, 23)},
		"host":    {Host: "bastion"},
		"country": {Country: "CN"},
		"oneday":  {Since: benchStart.AddDate(0, 0, 10), Until: benchStart.AddDate(0, 0, 11)},
	}
	filters["all-scan"] = knocks.Filter{}
	for _, name := range []string{"all", "all-scan", "last7d", "oneday", "host", "country"} {
		f := filters[name]
		b.Run(name, func(b *testing.B) {
			if name == "all-scan" {
				defer sqlite.SetRollups(false)()
			}
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				sum, err := s.Summary(ctx, f)
				if err != nil {
					b.Fatal(err)
				}
				if sum.Attempts == 0 {
					b.Fatal("no attempts")
				}
			}
			reportCPU(b, cpu0)
		})
	}
	// The other parts of a report, read beside the summary.
	b.Run("Alerts", func(b *testing.B) {
		cpu0 := cpuTime()
		for i := 0; i < b.N; i++ {
			if _, err := s.Alerts(ctx, sqlite.AlertOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu0)
	})
	b.Run("Campaigns", func(b *testing.B) {
		cpu0 := cpuTime()
		for i := 0; i < b.N; i++ {
			if _, err := knocks.FindCampaigns(ctx, s, knocks.Filter{}, knocks.CampaignOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu0)
	})
	b.Run("UnlocatedIPs", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := s.UnlocatedIPs(ctx, true); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("RecentConnections", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			t := benchStart.Add(time.Duration(i%700) * time.Hour)
			if _, err := s.RecentConnections(ctx, t.Add(-knocks.ConnectionGap), t.Add(knocks.ConnectionGap)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// reportCPU reports the CPU time per operation since cpu0, the figure of
// a shared machine: wall time there measures the other work too.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// cpuTime returns the user and system CPU time of this process: the
// benchmark figures that do not depend on what else the machine runs.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchLocator locates every address in the same place, at no cost.
type benchLocator struct{}

func (benchLocator) Locate(netip.Addr) (knocks.Location, error) {
	return knocks.Location{Country: "DE", CountryName: "Germany", ASN: 3320, Org: "Deutsche Telekom AG", Prefix: "192.0.2.0/24"}, nil
}
func (benchLocator) Sources() []string     { return []string{"bench"} }
func (benchLocator) Attribution() []string { return nil }

// BenchmarkLocatePending times the GeoIP pass after an import of 170,000
// connections (a 1M-line log) into an empty database: finding their
// distinct addresses (about 8,500) and storing a location for each. The
// locator costs nothing, so this is the store's part of the pass.
func BenchmarkLocatePending(b *testing.B) {
	ctx := context.Background()
	s := open(b)
	id, err := s.BeginImport(ctx, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	const n = 170_000
	cs := storetest.Generate(n, 7, benchStart)
	for i := 0; i < n; i += 10_000 {
		if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: cs[i:min(i+10_000, n)]}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		if _, err := s.DB().Exec("DELETE FROM ip_geo; UPDATE geo_progress SET connections = 0, fail2ban = 0"); err != nil {
			b.Fatal(err)
		}
		cpu0 := cpuTime()
		b.StartTimer()
		located, err := s.LocatePending(ctx, false, 10_000, benchLocator{})
		if err != nil {
			b.Fatal(err)
		}
		if located == 0 {
			b.Fatal("nothing located")
		}
		cpu += cpuTime() - cpu0
	}
	b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms/op")
}

// BenchmarkSummaryDistinct computes the default report over connections
// that each come from an address and a user name of their own, as
// attackers may choose them (issue 8): past the bounds of what a summary
// adds up in memory, SQLite groups them on disk. peak-heap-MiB is the
// most heap in use while the summaries ran, which must stay flat however
// many distinct keys are stored; on Linux, peak-RSS-MiB is the peak
// resident size of the process while they ran (SQLite's own memory too).
func BenchmarkSummaryDistinct(b *testing.B) {
	for _, n := range []int{50_000, 200_000} {
		b.Run(fmt.Sprintf("connections=%d", n), func(b *testing.B) {
			ctx := context.Background()
			s := open(b)
			id, err := s.BeginImport(ctx, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			for i := 0; i < n; i += 10_000 {
				cs := make([]*knocks.Connection, 0, 10_000)
				for j := i; j < min(i+10_000, n); j++ {
					t := benchStart.Add(time.Duration(j) * time.Second)
					ip := netip.AddrFrom16([16]byte{0x2a, 0x01, 0x04, 0xf8, 0, byte(j >> 16), byte(j >> 8), byte(j), 15: 1})
					cs = append(cs, &knocks.Connection{Host: "web1", PID: 10000 + j%50000, Start: t, End: t, IP: ip,
						Port: 1024 + j%60000, User: fmt.Sprintf("u%d", j), HasUser: true, Invalid: true, Failed: 1, FailureLines: 1})
				}
				if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: cs}); err != nil {
					b.Fatal(err)
				}
			}
			runtime.GC()
			// Writing 5 to clear_refs resets the peak resident size (VmHWM).
			rss := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
			peak := peakHeap()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				sum, err := s.Summary(ctx, knocks.Filter{})
				if err != nil {
					b.Fatal(err)
				}
				if sum.UniqueIPs != int64(n) || sum.UniqueUsers != int64(n) {
					b.Fatalf("unique IPs %d, users %d; want %d", sum.UniqueIPs, sum.UniqueUsers, n)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MiB")
			if rss {
				if kib, ok := peakRSS(); ok {
					b.ReportMetric(float64(kib)/1024, "peak-RSS-MiB")
				}
			}
		})
	}
}

// peakHeap samples the heap in use every millisecond until the function
// it returns is called, which returns the most it saw.
func peakHeap() func() uint64 {
	stop, done := make(chan struct{}), make(chan uint64)
	go func() {
		var most uint64
		var m runtime.MemStats
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			most = max(most, m.HeapInuse)
			select {
			case <-stop:
				done <- most
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(stop); return <-done }
}

// peakRSS returns the peak resident size of the process in KiB (VmHWM).
func peakRSS() (int64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}
