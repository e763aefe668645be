package main

import (
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"time"

	"knocks/mmdb"
)

func main() {
	t0 := time.Now()
	l, err := mmdb.Open(mmdb.Config{})
	if err != nil {
		panic(err)
	}
	t1 := time.Now()
	loc, err := l.Locate(netip.MustParseAddr("8.8.8.8"))
	t2 := time.Now()
	loc2, _ := l.Locate(netip.MustParseAddr("1.1.1.1"))
	t3 := time.Now()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st, _ := os.ReadFile("/proc/self/status")
	var rss string
	for _, line := range splitLines(string(st)) {
		if len(line) > 6 && line[:6] == "VmRSS:" {
			rss = line
		}
	}
	fmt.Printf("open %v first %v second %v heap %dMB %s %v %v %v %v\n", t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), ms.HeapAlloc>>20, rss, loc.Country, loc.ASN, loc2.Country, err)
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := range s {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}
