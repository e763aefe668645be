package charts

import (
	"fmt"
	"image/color"
	"math"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"knocks"
	"knocks/report"
)

// series is one line of a time series chart.
type series struct {
	Name   string
	Points plotter.XYs // x: Unix seconds, y: attempts
}

// timeData returns the total of the time chart: the attempts per day (per
// hour for a period of a week or less), and its last bucket when the logs
// end inside it.
func timeData(s *knocks.Summary) (step time.Duration, total series, last *report.Partial) {
	list, step := s.PerDay, 24*time.Hour
	if len(s.PerDay) <= 7 && len(s.PerHour) > 0 {
		list, step = s.PerHour, time.Hour
	}
	total.Name = "all sources"
	for _, t := range list {
		total.Points = append(total.Points, plotter.XY{X: float64(t.Time.Unix()), Y: float64(t.Attempts)})
	}
	if p, ok := report.LastPartial(s, list, step); ok {
		last = &p
	}
	return step, total, last
}

// countriesShown is how many countries the per-country chart draws: more
// lines than this do not read apart.
const countriesShown = 5

// countryData returns a line per day for each of the busiest
// countriesShown countries of s.PerCountryDay.
func countryData(s *knocks.Summary) []series {
	names := map[string]string{}
	for _, c := range s.Countries {
		names[c.Country] = c.Name
	}
	var lines []series
	for _, cs := range s.PerCountryDay[:min(countriesShown, len(s.PerCountryDay))] {
		l := series{Name: countryLabel(cs.Country, names[cs.Country])}
		for _, t := range cs.Days {
			l.Points = append(l.Points, plotter.XY{X: float64(t.Time.Unix()), Y: float64(t.Attempts)})
		}
		lines = append(lines, l)
	}
	return lines
}

// stepName is "day" or "hour".
func stepName(step time.Duration) string {
	if step == time.Hour {
		return "hour"
	}
	return "day"
}

// timeSeries draws the total over time as one line. A partial last bucket
// is shaded and its segment dashed, so that it does not read as a drop.
func timeSeries(s *knocks.Summary) *plot.Plot {
	step, total, last := timeData(s)
	if len(total.Points) == 0 {
		return nil
	}
	unit := stepName(step)
	p := newPlot("Failed SSH authentication attempts per "+unit, s)
	p.X.Label.Text = "time (UTC)"
	p.Y.Label.Text = "failed attempts per " + unit
	p.X.Tick.Marker = timeTicks{}
	p.Y.Tick.Marker = countTicks{}
	p.Y.Min = 0
	p.Add(plotter.NewGrid())
	pts := total.Points
	if last != nil && len(pts) > 1 {
		p.Add(&shade{from: pts[len(pts)-2].X, to: pts[len(pts)-1].X, label: "partial " + unit})
		tail, err := plotter.NewLine(pts[len(pts)-2:])
		if err == nil {
			tail.Color = colMuted
			tail.Width = vg.Points(2)
			tail.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			p.Add(tail)
			p.Legend.Add(fmt.Sprintf("partial %s: the logs end at %s UTC", unit, last.Until.Format("2006-01-02 15:04")), tail)
		}
		pts = pts[:len(pts)-1]
	}
	if ln, err := plotter.NewLine(pts); err == nil {
		ln.Color = colText
		ln.Width = vg.Points(2)
		p.Add(ln)
	}
	// A line needs two points: with fewer (logs of one hour) the points
	// are drawn, else the chart would look empty.
	if len(total.Points) < 3 {
		if sc, err := plotter.NewScatter(total.Points); err == nil {
			sc.GlyphStyle = draw.GlyphStyle{Color: colText, Radius: vg.Points(4), Shape: draw.CircleGlyph{}}
			p.Add(sc)
		}
	}
	p.Legend.Top = true
	p.Legend.XOffs = -vg.Points(10)
	p.Legend.YOffs = -vg.Points(4)
	p.Y.Max = maxY([]series{total}) * 1.12
	return p
}

// countryTimeSeries draws the attempts per day of the busiest countries, a
// line each, with headroom above the lines for the legend so that it
// covers no data.
func countryTimeSeries(s *knocks.Summary) *plot.Plot {
	lines := countryData(s)
	if len(lines) == 0 || len(lines[0].Points) < 2 {
		return nil
	}
	p := newPlot(fmt.Sprintf("Failed attempts per day of the %d busiest countries", len(lines)), s)
	p.X.Label.Text = "time (UTC)"
	p.Y.Label.Text = "failed attempts per day"
	p.X.Tick.Marker = timeTicks{}
	p.Y.Tick.Marker = countTicks{}
	p.Y.Min = 0
	p.Add(plotter.NewGrid())
	// A partial last day: its segment dashed and shaded.
	_, partial := report.LastPartial(s, s.PerDay, 24*time.Hour)
	partial = partial && len(lines[0].Points) > 1
	if partial {
		pts := lines[0].Points
		p.Add(&shade{from: pts[len(pts)-2].X, to: pts[len(pts)-1].X, label: "partial day"})
	}
	for i := len(lines) - 1; i >= 0; i-- {
		pts := lines[i].Points
		if partial {
			if tail, err := plotter.NewLine(pts[len(pts)-2:]); err == nil {
				tail.Color = seriesColors[i%len(seriesColors)]
				tail.Width = vg.Points(1.6)
				tail.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
				p.Add(tail)
			}
			pts = pts[:len(pts)-1]
		}
		ln, err := plotter.NewLine(pts)
		if err != nil {
			continue // NaN or Inf: cannot happen with counts
		}
		ln.Color = seriesColors[i%len(seriesColors)]
		ln.Width = vg.Points(1.6)
		p.Add(ln)
	}
	for i, l := range lines {
		p.Legend.Add(l.Name, swatch{seriesColors[i%len(seriesColors)]})
	}
	p.Legend.Top = true
	p.Legend.XOffs = -vg.Points(10)
	p.Legend.YOffs = -vg.Points(4)
	// The legend's rows take about 4 % of the height each: keep the lines
	// below them.
	p.Y.Max = maxY(lines) * (1.1 + 0.05*float64(len(lines)))
	return p
}

// maxY returns the largest y of the lines.
func maxY(lines []series) float64 {
	var max float64
	for _, l := range lines {
		for _, pt := range l.Points {
			max = math.Max(max, pt.Y)
		}
	}
	return max
}

// shade fills a time range from top to bottom in a light grey and names
// it at its top: the partial last bucket.
type shade struct {
	from, to float64
	label    string
}

// Plot implements plot.Plotter.
func (sh *shade) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x0, x1 := trX(sh.from), trX(math.Min(sh.to, p.X.Max))
	if x1 <= x0 {
		return
	}
	c.FillPolygon(color.NRGBA{0x59, 0x63, 0x6e, 0x1c}, []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
	sty := p.X.Tick.Label
	sty.Color = colMuted
	sty.XAlign, sty.YAlign = text.XRight, text.YBottom
	c.FillText(sty, vg.Point{X: x1 - vg.Points(3), Y: c.Min.Y + vg.Points(4)}, sh.label)
}

// timeTicks labels a time axis in Unix seconds at whole hours, days, weeks
// or months (UTC), at most about ten labels.
type timeTicks struct{}

// Ticks implements plot.Ticker.
func (timeTicks) Ticks(min, max float64) []plot.Tick {
	lo, hi := time.Unix(int64(min), 0).UTC(), time.Unix(int64(max), 0).UTC()
	span := hi.Sub(lo)
	var ticks []plot.Tick
	add := func(t time.Time, format string) {
		if !t.Before(lo) && !t.After(hi) {
			ticks = append(ticks, plot.Tick{Value: float64(t.Unix()), Label: t.Format(format)})
		}
	}
	for _, st := range []struct {
		d      time.Duration
		format string
	}{{time.Hour, "15:04"}, {3 * time.Hour, "Jan 2 15:04"}, {6 * time.Hour, "Jan 2 15:04"}, {12 * time.Hour, "Jan 2 15:04"},
		{24 * time.Hour, "Jan 2"}, {2 * 24 * time.Hour, "Jan 2"}, {7 * 24 * time.Hour, "Jan 2"}, {14 * 24 * time.Hour, "Jan 2"}} {
		if span/st.d <= 10 {
			t := lo.Truncate(st.d)
			if st.d >= 7*24*time.Hour {
				// Weeks start on Mondays.
				t = lo.Truncate(24 * time.Hour)
				for t.Weekday() != time.Monday {
					t = t.Add(24 * time.Hour)
				}
			}
			for ; !t.After(hi); t = t.Add(st.d) {
				add(t, st.format)
			}
			return ticks
		}
	}
	months := 1
	for span/(time.Duration(months)*30*24*time.Hour) > 10 {
		months *= 2
	}
	for t := time.Date(lo.Year(), lo.Month(), 1, 0, 0, 0, 0, time.UTC); !t.After(hi); t = t.AddDate(0, months, 0) {
		add(t, "Jan 2006")
	}
	return ticks
}

// countTicks is a linear ticker whose labels are compact counts.
type countTicks struct{}

// Ticks implements plot.Ticker.
func (countTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = compact(ticks[i].Value)
		}
	}
	return ticks
}

// weekdays in the order of the heatmap's rows, top to bottom.
var weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// heatCell is one cell of the hour × weekday heatmap.
type heatCell struct {
	Row, Hour int // Row 0 is Monday (top)
	Value     int64
}

// heatData returns the 168 cells of the heatmap and the largest value;
// s.HourWeekday is indexed by weekday with 0 = Sunday.
func heatData(s *knocks.Summary) ([]heatCell, int64) {
	var cells []heatCell
	var max int64
	for row, wd := range weekdays {
		for h := 0; h < 24; h++ {
			v := s.HourWeekday[wd][h]
			cells = append(cells, heatCell{Row: row, Hour: h, Value: v})
			if v > max {
				max = v
			}
		}
	}
	return cells, max
}

func heatmap(s *knocks.Summary) *plot.Plot {
	cells, max := heatData(s)
	if max == 0 {
		return nil
	}
	p := newPlot("Failed attempts by hour of day and weekday (UTC)", s)
	p.X.Label.Text = "hour of day (UTC)"
	p.Y.Label.Text = "weekday"
	var xt, yt []plot.Tick
	for h := 0; h < 24; h++ {
		xt = append(xt, plot.Tick{Value: float64(h) + 0.5, Label: time.Date(2000, 1, 1, h, 0, 0, 0, time.UTC).Format("15")})
	}
	for row, wd := range weekdays {
		yt = append(yt, plot.Tick{Value: float64(6-row) + 0.5, Label: wd.String()[:3]})
	}
	p.X.Tick.Marker = plot.ConstantTicks(xt)
	p.Y.Tick.Marker = plot.ConstantTicks(yt)
	p.Add(&heatPlot{cells: cells, max: max})
	p.X.LineStyle.Width = 0 // the axis would run under the colour legend too
	return p
}

// heatPlot draws the cells with their counts written in them, so the chart
// reads without colour.
type heatPlot struct {
	cells []heatCell
	max   int64
}

// Plot implements plot.Plotter.
func (h *heatPlot) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := p.X.Tick.Label
	sty.XAlign, sty.YAlign = text.XCenter, text.YCenter
	for _, cell := range h.cells {
		x0, x1 := trX(float64(cell.Hour)), trX(float64(cell.Hour+1))
		y0, y1 := trY(float64(6-cell.Row)), trY(float64(7-cell.Row))
		f := float64(cell.Value) / float64(h.max)
		col := heatColor(f)
		c.FillPolygon(col, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
		c.StrokeLines(draw.LineStyle{Color: color.White, Width: vg.Points(1)}, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}, {X: x0, Y: y0}})
		sty.Color = colText
		if f > 0.55 {
			sty.Color = color.White
		}
		c.FillText(sty, vg.Point{X: (x0 + x1) / 2, Y: (y0 + y1) / 2}, compact(float64(cell.Value)))
	}
	h.legend(c, p)
}

// heatLegendX is where the colour legend of the heatmap starts, in hours
// of the x axis: right of the 24 columns.
const heatLegendX = 24.6

// DataRange implements plot.DataRanger: the 24 × 7 cells and, right of
// them, the colour legend.
func (h *heatPlot) DataRange() (xmin, xmax, ymin, ymax float64) { return 0, 27.5, 0, 7 }

// legend draws the colour scale beside the cells: a bar from 0 at the
// bottom to the largest count at the top, labelled in counts.
func (h *heatPlot) legend(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	x0, x1 := trX(heatLegendX), trX(heatLegendX+0.6)
	const steps = 70
	for i := 0; i < steps; i++ {
		y0, y1 := trY(7*float64(i)/steps), trY(7*float64(i+1)/steps)
		f := (float64(i) + 0.5) / steps
		c.FillPolygon(heatColor(f), []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1 + vg.Points(0.3)}, {X: x0, Y: y1 + vg.Points(0.3)}})
	}
	c.StrokeLines(draw.LineStyle{Color: colMuted, Width: vg.Points(0.5)}, []vg.Point{{X: x0, Y: trY(0)}, {X: x1, Y: trY(0)}, {X: x1, Y: trY(7)}, {X: x0, Y: trY(7)}, {X: x0, Y: trY(0)}})
	sty := p.X.Tick.Label
	sty.Color = colText
	sty.XAlign, sty.YAlign = text.XLeft, text.YCenter
	for _, f := range []float64{0, 0.25, 0.5, 0.75, 1} {
		y := trY(7 * f)
		c.StrokeLine2(draw.LineStyle{Color: colMuted, Width: vg.Points(0.5)}, x1, y, x1+vg.Points(3), y)
		c.FillText(sty, vg.Point{X: x1 + vg.Points(5), Y: y}, compact(math.Round(f*float64(h.max))))
	}
	head := sty
	head.XAlign, head.YAlign = text.XCenter, text.YBottom
	c.FillText(head, vg.Point{X: (x0 + x1) / 2, Y: trY(7) + vg.Points(6)}, "attempts")
}

// heatColor interpolates the YlOrRd scale: 0 is pale, 1 is dark red.
func heatColor(f float64) color.RGBA {
	stops := []color.RGBA{{0xff, 0xff, 0xcc, 0xff}, {0xfe, 0xd9, 0x76, 0xff}, {0xfd, 0x8d, 0x3c, 0xff}, {0xe3, 0x1a, 0x1c, 0xff}, {0x80, 0x00, 0x26, 0xff}}
	if f <= 0 {
		return color.RGBA{0xf7, 0xf7, 0xf7, 0xff}
	}
	if f >= 1 {
		return stops[len(stops)-1]
	}
	pos := f * float64(len(stops)-1)
	i := int(pos)
	t := pos - float64(i)
	a, b := stops[i], stops[i+1]
	mix := func(x, y uint8) uint8 { return uint8(float64(x) + (float64(y)-float64(x))*t + 0.5) }
	return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 0xff}
}
