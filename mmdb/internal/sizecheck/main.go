// Command sizecheck is the smallest program that uses package mmdb with its
// embedded data. It measures what the data costs: build it with and without
// the tag knocks_nogeoip and compare the sizes, and run it to see the
// latency of the first lookup (which decompresses the data) and the memory
// that the data then takes.
//
//	CGO_ENABLED=0 go build -trimpath -o /tmp/with ./mmdb/internal/sizecheck
//	CGO_ENABLED=0 go build -trimpath -tags knocks_nogeoip -o /tmp/without ./mmdb/internal/sizecheck
//	ls -l /tmp/with /tmp/without && /tmp/with
package main

import (
	"bytes"
	"fmt"
	"log"
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
		log.Fatal(err)
	}
	t1 := time.Now()
	first, err := l.Locate(netip.MustParseAddr("8.8.8.8"))
	if err != nil {
		log.Fatal(err)
	}
	t2 := time.Now()
	second, err := l.Locate(netip.MustParseAddr("1.1.1.1"))
	if err != nil {
		log.Fatal(err)
	}
	t3 := time.Now()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("open %v, first lookup %v (%s AS%d), second lookup %v (%s AS%d), heap %d MiB, %s\n",
		t1.Sub(t0), t2.Sub(t1), first.Country, first.ASN, t3.Sub(t2), second.Country, second.ASN,
		ms.HeapAlloc>>20, rss())
}

// rss returns the VmRSS line of /proc/self/status, or "" off Linux.
func rss() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			return "RSS " + string(bytes.TrimSpace(v))
		}
	}
	return ""
}
