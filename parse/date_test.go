package parse

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestDateUTC(t *testing.T) {
	// dateUTC is time.Date for the zones without an offset that the
	// parser makes times in, days out of their month included.
	r := rand.New(rand.NewPCG(1, 2))
	years := []int{0, 1, 4, 99, 100, 400, 1582, 1899, 1900, 1969, 1970, 1999, 2000, 2024, 2025, 2100, 2400, 9999, -1, -400, -401}
	for i := 0; i < 200_000; i++ {
		y := years[i%len(years)]
		if i%3 == 0 {
			y = r.IntN(10000)
		}
		mo := time.Month(1 + r.IntN(12))
		d, hh, mm, ss, ns := 1+r.IntN(31), r.IntN(24), r.IntN(60), r.IntN(61), r.IntN(1e9)
		for _, loc := range []*time.Location{time.UTC, wallLoc} {
			want := time.Date(y, mo, d, hh, mm, ss, ns, loc)
			if got := dateUTC(y, mo, d, hh, mm, ss, ns, loc); got != want {
				t.Fatalf("dateUTC(%d, %d, %d, %d, %d, %d, %d, %s) = %v, want %v", y, mo, d, hh, mm, ss, ns, loc, got, want)
			}
		}
	}
}

func TestMonth(t *testing.T) {
	// Every three bytes: the twelve abbreviations, and nothing else, are
	// months.
	want := map[string]time.Month{}
	for m := time.January; m <= time.December; m++ {
		want[m.String()[:3]] = m
	}
	found := 0
	for x := 0; x < 1<<24; x++ {
		a, b, c := byte(x>>16), byte(x>>8), byte(x)
		got := month(a, b, c)
		if w := want[string([]byte{a, b, c})]; got != w {
			t.Fatalf("month(%q) = %v, want %v", []byte{a, b, c}, got, w)
		}
		if got != 0 {
			found++
		}
	}
	if found != 12 {
		t.Errorf("%d months, want 12", found)
	}
}
