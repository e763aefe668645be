package ingest_test

import (
	"bytes"
	"testing"
	"time"

	"knocks"
	"knocks/gen"
	"knocks/ingest"
	"knocks/parse"
)

// benchEvents returns the recognised events of a generated log of n lines,
// with their times resolved, as the writer receives them.
func benchEvents(b *testing.B, n int) []knocks.Event {
	b.Helper()
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Options{Lines: n, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	var names parse.Names
	clock := parse.Clock{Loc: time.UTC, Year: 2024}
	var evs []knocks.Event
	for _, line := range bytes.Split(buf.Bytes(), []byte("\n")) {
		var ev knocks.Event
		if names.LineInto(line, &ev) == parse.Recognised {
			clock.Resolve(&ev)
			evs = append(evs, ev)
		}
	}
	return evs
}

// BenchmarkAccountantAdd accounts for the events of 200k generated lines,
// taking the connections every 50,000 lines as a commit does; ns/op is per
// event.
func BenchmarkAccountantAdd(b *testing.B) {
	evs := benchEvents(b, 200_000)
	perCommit := len(evs) / 4
	a := ingest.NewAccountant()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := i % len(evs)
		if k == 0 {
			a = ingest.NewAccountant()
		}
		a.Add(&evs[k])
		if k%perCommit == perCommit-1 {
			a.Take()
		}
	}
}
