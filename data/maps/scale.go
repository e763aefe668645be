package maps

import (
	"math"
	"strconv"
)

// Bin is one class of a choropleth's logarithmic colour scale: counts from
// Lo to Hi inclusive.
type Bin struct {
	Lo, Hi int64
	Label  string // the range in counts, e.g. "10–49" or "5,000–7,523"
	Color  string // a colour as #rrggbb, light for few and dark for many
}

// MaxBins is the most bins LogBins returns.
const MaxBins = 8

// steps are the per-decade bin starts to try, finest first.
var steps = [][]float64{{1, 2, 5}, {1, 3}, {1}}

// LogBins returns the classes of a logarithmic colour scale for counts
// from 1 to max: boundaries at 1, 2, 5, 10, 20, 50, ... (or 1, 3, 10, 30,
// ..., or powers of 10, or of 100, 1000, ... for very wide ranges), the
// finest that needs at most MaxBins bins; the last bin ends at max, which no
// other bin starts at. Labels are in counts, not logs. It returns nil when
// max < 1.
func LogBins(max int64) []Bin {
	if max < 1 {
		return nil
	}
	var starts []int64
	for _, st := range steps {
		starts = binStarts(st, 1, max)
		if len(starts) <= MaxBins {
			break
		}
	}
	if len(starts) == 1 && max > 1 {
		starts = append(starts, 2) // two bins rather than one for 2 or 3
	}
	if len(starts) > MaxBins {
		for decades := 2; ; decades++ {
			starts = starts[:0]
			step := pow10(decades)
			for v := int64(1); ; v *= step {
				starts = append(starts, v)
				if v > (max-1)/step {
					break // the next start would be max or more (or overflow)
				}
			}
			if len(starts) <= MaxBins {
				break
			}
		}
	}
	colors := Palette(len(starts))
	bins := make([]Bin, len(starts))
	for i, lo := range starts {
		hi := max
		if i+1 < len(starts) {
			hi = starts[i+1] - 1
		}
		label := FormatCount(lo)
		if hi != lo {
			label += "–" + FormatCount(hi)
		}
		bins[i] = Bin{Lo: lo, Hi: hi, Label: label, Color: colors[i]}
	}
	return bins
}

func pow10(n int) int64 {
	v := int64(1)
	for ; n > 0; n-- {
		v *= 10
	}
	return v
}

func binStarts(step []float64, min, max int64) []int64 {
	var out []int64
	for dec := int64(1); dec <= max; dec *= 10 {
		for _, s := range step {
			v := int64(math.Round(s * float64(dec)))
			if v >= min && (v < max || v == min) {
				out = append(out, v)
			}
		}
		if dec > math.MaxInt64/10 {
			break
		}
	}
	return out
}

// BinIndex returns the index of the bin that holds v, or -1 when v is
// below the first bin (0 attempts) or bins is empty. Values above the last
// bin's Hi fall in the last bin.
func BinIndex(bins []Bin, v int64) int {
	for i := len(bins) - 1; i >= 0; i-- {
		if v >= bins[i].Lo {
			return i
		}
	}
	return -1
}

// ylOrRd is ColorBrewer's 9-class YlOrRd sequential scheme (Cynthia Brewer,
// Apache-2.0 licensed colour specifications).
var ylOrRd = []string{"#ffffcc", "#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026"}

// Palette returns n colours (#rrggbb) of a sequential light-to-dark scale
// (ColorBrewer YlOrRd), evenly picked so that the darkest stays last; n is
// at most 9.
func Palette(n int) []string {
	if n <= 0 {
		return nil
	}
	if n > len(ylOrRd) {
		n = len(ylOrRd)
	}
	out := make([]string, n)
	for i := range out {
		j := len(ylOrRd) - 1
		if n == len(ylOrRd) {
			j = i
		} else if n > 1 {
			// Skip the palest colour: it vanishes on a white page.
			j = 1 + i*(len(ylOrRd)-2)/(n-1)
		}
		out[i] = ylOrRd[j]
	}
	return out
}

// FormatCount formats a count with thousands separators: 1234567 is
// "1,234,567".
func FormatCount(v int64) string {
	s := strconv.FormatInt(v, 10)
	neg := false
	if v < 0 {
		neg, s = true, s[1:]
	}
	var b []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}
