// Command load polls the JSON API of `knocks serve` with many concurrent
// clients and prints the latency percentiles; scripts/load.sh runs it
// against `knocks watch --serve` while lines are written to the log.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8022/api/summary", "the `URL` to poll")
	clients := flag.Int("clients", 200, "concurrent clients")
	requests := flag.Int("requests", 4000, "requests in all")
	gz := flag.Bool("gzip", true, "ask for gzip-compressed answers")
	flag.Parse()

	// With -gzip the clients ask for the compressed answer, as browsers
	// do. They read it whole but inflate only every checkEvery-th one,
	// to check that it is JSON: the load generator shares this machine's
	// cores with the server, and inflating every answer would make its
	// own work the larger part of what it measures.
	tr := &http.Transport{MaxIdleConns: *clients, MaxIdleConnsPerHost: *clients, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	get := func(n int64) (*http.Response, error) {
		req, err := http.NewRequest("GET", *url, nil)
		if err != nil {
			return nil, err
		}
		if *gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		return client.Do(req)
	}
	// Every client connects and makes one request first, not counted:
	// the figures are those of polling clients, not of 200 TCP handshakes
	// at the same instant.
	var warm sync.WaitGroup
	for c := 0; c < *clients; c++ {
		warm.Add(1)
		go func() {
			defer warm.Done()
			if resp, err := get(0); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	warm.Wait()
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var failed, locked int
	var failures []string
	gens := map[string]bool{} // the database generations the answers were of
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < *clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// One buffer per client, reused: the load generator runs on
			// the same machine and must cost it as little as it can.
			var buf bytes.Buffer
			for n := next.Add(1); n <= int64(*requests); n = next.Add(1) {
				t := time.Now()
				resp, err := get(n)
				buf.Reset()
				if err == nil {
					_, err = buf.ReadFrom(resp.Body)
					resp.Body.Close()
				}
				d := time.Since(t)
				if err == nil && resp.StatusCode == 200 && n%checkEvery == 0 {
					err = checkJSON(resp, buf.Bytes())
				}
				// Errors are never compressed; a 200 answer is a summary.
				isLocked := err == nil && resp.StatusCode != 200 && bytes.Contains(buf.Bytes(), []byte("database is locked"))
				mu.Lock()
				if err == nil {
					gens[resp.Header.Get("X-Knocks-Generation")] = true
				}
				lat = append(lat, d)
				switch {
				case err != nil:
					failed++
					failures = append(failures, err.Error())
				case resp.StatusCode != 200:
					failed++
					failures = append(failures, fmt.Sprintf("%d %s", resp.StatusCode, strings.TrimSpace(buf.String())))
				}
				if isLocked {
					locked++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Printf("requests %d, clients %d, wall %v, %.0f req/s\n", len(lat), *clients, wall.Round(time.Millisecond), float64(len(lat))/wall.Seconds())
	fmt.Printf("latency p50 %v, p90 %v, p99 %v, max %v\n", pct(0.50).Round(time.Millisecond), pct(0.90).Round(time.Millisecond), pct(0.99).Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
	fmt.Printf("failed %d, 'database is locked' %d, answers of %d database generations\n", failed, locked, len(gens))
	for i, f := range failures {
		if i == 5 {
			break
		}
		fmt.Printf("  e.g. %s\n", f)
	}
	if failed > 0 || locked > 0 || pct(0.99) > 200*time.Millisecond {
		os.Exit(1)
	}
}

// checkEvery is how often an answer is inflated and checked to be JSON.
const checkEvery = 50

// checkJSON checks that an answer is a JSON document, inflating it first
// when it came compressed.
func checkJSON(resp *http.Response, body []byte) error {
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("answer is not gzip: %w", err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			return fmt.Errorf("answer is not gzip: %w", err)
		}
	}
	if !json.Valid(body) {
		return fmt.Errorf("answer is not JSON: %.80q", body)
	}
	return nil
}
