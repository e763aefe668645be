// Package charts draws a knocks.Summary as static images for a blog post
// or a wiki page: one PNG (and optionally SVG) per chart, made with
// gonum/plot. The maps are drawn from the geometry embedded in
// knocks/data/maps, the world in the Equal Earth projection and the US
// with Alaska and Hawaii as insets.
//
// Every string that an attacker wrote (user names) passes through
// report.Safe before it is drawn, so control characters show as escapes.
package charts

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"

	"knocks"
	"knocks/data/maps"
	"knocks/report"
)

// Options control WriteAll.
type Options struct {
	Width, Height int  // image size in pixels; 0 means 1600 × 900
	SVG           bool // also write an SVG beside each PNG
	Anonymize     bool // mask addresses and valid user names first (see report.Anonymize)
}

// Chart is one picture of a summary, before it is written.
type Chart struct {
	Name string     // file name without extension, e.g. "world"
	Plot *plot.Plot //
}

// WriteAll draws every chart that s has data for and writes each to dir
// as NAME.png (and NAME.svg with opts.SVG), creating dir when needed. It
// returns the paths written, in order. Charts without data (the maps of a
// summary without GeoIP, the US map without US cities) are left out.
func WriteAll(dir string, s *knocks.Summary, opts Options) ([]string, error) {
	if opts.Width <= 0 || opts.Height <= 0 {
		opts.Width, opts.Height = 1600, 900
	}
	if opts.Anonymize {
		s = report.Anonymize(s)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create chart directory: %w", err)
	}
	// Pixels at the 96 dpi that gonum/plot's image canvas uses.
	w := vg.Length(opts.Width) * vg.Inch / 96
	h := vg.Length(opts.Height) * vg.Inch / 96
	var paths []string
	for _, c := range build(s, s.Anonymized) {
		exts := []string{".png"}
		if opts.SVG {
			exts = append(exts, ".svg")
		}
		for _, ext := range exts {
			path := filepath.Join(dir, c.Name+ext)
			if err := c.Plot.Save(w, h, path); err != nil {
				return paths, fmt.Errorf("cannot write chart %s: %w", c.Name, err)
			}
			paths = append(paths, path)
		}
	}
	return paths, nil
}

// Build returns the charts that s has data for, in the order WriteAll
// writes them: attempts over time, countries over time, users, ips,
// subnets, asns, countries, ports, heatmap, world, cities, us, banned-map.
func Build(s *knocks.Summary) []Chart { return build(s, false) }

// build is Build; with anonymized, titles say what Anonymize masked.
func build(s *knocks.Summary, anonymized bool) []Chart {
	var out []Chart
	add := func(name string, p *plot.Plot) {
		if p != nil {
			styleFonts(p)
			out = append(out, Chart{Name: name, Plot: p})
		}
	}
	add("attempts-over-time", timeSeries(s))
	add("countries-over-time", countryTimeSeries(s))
	add("users", usersChart(s))
	add("ips", ipsChart(s, anonymized))
	add("subnets", keyChart("Top source subnets", "subnet", s.TopSubnets, s))
	add("asns", asnsChart(s))
	add("countries", countriesChart(s))
	add("ports", keyChart("Top source ports", "port", s.TopPorts, s))
	add("heatmap", heatmap(s))
	add("world", worldMap(s))
	add("cities", cityMap(s))
	add("us", usMap(s))
	add("banned-map", bannedMap(s))
	return out
}

// Colours shared by the charts.
var (
	colInvalid = color.RGBA{0xd9, 0x5f, 0x02, 0xff} // invalid user names, attempts
	colValid   = color.RGBA{0x1b, 0x6f, 0xb5, 0xff} // valid user names
	colBar     = color.RGBA{0xc0, 0x39, 0x2b, 0xff}
	colText    = color.RGBA{0x22, 0x22, 0x22, 0xff}
	colMuted   = color.RGBA{0x66, 0x66, 0x66, 0xff}
	colLand    = color.RGBA{0xe4, 0xe4, 0xe0, 0xff} // countries without attempts
	colBorder  = color.RGBA{0xff, 0xff, 0xff, 0xff}
	colOcean   = color.RGBA{0xf3, 0xf7, 0xfb, 0xff}
	// tableau10 for the per-country series.
	seriesColors = []color.RGBA{
		{0x4e, 0x79, 0xa7, 0xff}, {0xf2, 0x8e, 0x2b, 0xff}, {0xe1, 0x57, 0x59, 0xff}, {0x76, 0xb7, 0xb2, 0xff},
		{0x59, 0xa1, 0x4f, 0xff}, {0xed, 0xc9, 0x48, 0xff}, {0xb0, 0x7a, 0xa1, 0xff}, {0xff, 0x9d, 0xa7, 0xff},
		{0x9c, 0x75, 0x5f, 0xff}, {0xba, 0xb0, 0xac, 0xff},
	}
)

// newPlot returns a plot with a two-line title: the chart's name and the
// period it covers.
func newPlot(title string, s *knocks.Summary) *plot.Plot {
	p := plot.New()
	p.Title.Text = title + "\n" + period(s)
	p.Title.TextStyle.Font.Size = vg.Points(18)
	p.Title.Padding = vg.Points(10)
	p.Title.TextStyle.Color = colText
	return p
}

// period describes the time a summary covers, for titles.
func period(s *knocks.Summary) string {
	return periodOf(s, count(s.Attempts)+" failed attempts")
}

// periodOf is the period of s and what the chart counts in it.
func periodOf(s *knocks.Summary, what string) string {
	if s.First.IsZero() {
		return "no events"
	}
	return fmt.Sprintf("%s – %s (UTC) · %s · knocks",
		s.First.UTC().Format("2006-01-02"), s.Last.UTC().Format("2006-01-02"), what)
}

// styleFonts sets every text of p to the sans-serif variant.
func styleFonts(p *plot.Plot) {
	for _, f := range []*font.Font{&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font,
		&p.X.Tick.Label.Font, &p.Y.Tick.Label.Font, &p.Legend.TextStyle.Font} {
		f.Variant = "Sans"
	}
	p.X.Label.TextStyle.Font.Size = vg.Points(13)
	p.Y.Label.TextStyle.Font.Size = vg.Points(13)
	p.X.Tick.Label.Font.Size = vg.Points(11)
	p.Y.Tick.Label.Font.Size = vg.Points(11)
	p.Legend.TextStyle.Font.Size = vg.Points(12)
}

// label makes an attacker-written string safe and short for a chart.
func label(s string, max int) string {
	s = report.Safe(s)
	if s == "" {
		s = `""`
	}
	if utf8.RuneCountInString(s) > max {
		r := []rune(s)
		s = string(r[:max-1]) + "…"
	}
	return s
}

// count formats a count with thousands separators.
func count(v int64) string { return maps.FormatCount(v) }

// compact formats a count briefly: 950, 1.2k, 12k, 3.4M.
func compact(v float64) string {
	switch {
	case v >= 1e9:
		return trimZero(fmt.Sprintf("%.1f", v/1e9)) + "G"
	case v >= 1e6:
		return trimZero(fmt.Sprintf("%.1f", v/1e6)) + "M"
	case v >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	case v >= 1e3:
		return trimZero(fmt.Sprintf("%.1f", v/1e3)) + "k"
	}
	return fmt.Sprintf("%.0f", v)
}

func trimZero(s string) string { return strings.TrimSuffix(s, ".0") }
