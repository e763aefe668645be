package charts

import (
	"image/color"
	"math"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"knocks"
)

// series is one line of the time series chart.
type series struct {
	Name   string
	Points plotter.XYs // x: Unix seconds, y: attempts
	Total  bool        // the all-countries line
}

// timeData returns the lines of the time series chart: the attempts per
// day (per hour for a period of a week or less) and, per day, one line
// for each country of s.PerCountryDay.
func timeData(s *knocks.Summary) (step time.Duration, lines []series) {
	list, step := s.PerDay, 24*time.Hour
	if len(s.PerDay) <= 7 && len(s.PerHour) > 0 {
		list, step = s.PerHour, time.Hour
	}
	if len(list) == 0 {
		return step, nil
	}
	total := series{Name: "all sources", Total: true}
	for _, t := range list {
		total.Points = append(total.Points, plotter.XY{X: float64(t.Time.Unix()), Y: float64(t.Attempts)})
	}
	lines = append(lines, total)
	if step != 24*time.Hour {
		return step, lines
	}
	names := map[string]string{}
	for _, c := range s.Countries {
		names[c.Country] = c.Name
	}
	for _, cs := range s.PerCountryDay {
		l := series{Name: countryLabel(cs.Country, names[cs.Country])}
		for _, t := range cs.Days {
			l.Points = append(l.Points, plotter.XY{X: float64(t.Time.Unix()), Y: float64(t.Attempts)})
		}
		lines = append(lines, l)
	}
	return step, lines
}

func timeSeries(s *knocks.Summary) *plot.Plot {
	step, lines := timeData(s)
	if len(lines) == 0 {
		return nil
	}
	what := "per day"
	if step == time.Hour {
		what = "per hour"
	}
	p := newPlot("Failed SSH authentication attempts "+what, s)
	p.X.Label.Text = "time (UTC)"
	p.Y.Label.Text = "failed attempts " + what
	p.X.Tick.Marker = timeTicks{}
	p.Y.Tick.Marker = countTicks{}
	p.Y.Min = 0
	p.Add(plotter.NewGrid())
	// Countries first, the total last so it stays on top.
	for i := len(lines) - 1; i >= 0; i-- {
		ln, err := plotter.NewLine(lines[i].Points)
		if err != nil {
			continue // NaN or Inf: cannot happen with counts
		}
		if lines[i].Total {
			ln.Color = colText
			ln.Width = vg.Points(2)
		} else {
			ln.Color = seriesColors[(i-1)%len(seriesColors)]
			ln.Width = vg.Points(1.3)
		}
		p.Add(ln)
	}
	for i, l := range lines {
		col := colText
		if !l.Total {
			col = seriesColors[(i-1)%len(seriesColors)]
		}
		p.Legend.Add(l.Name, swatch{col})
	}
	p.Legend.Top = true
	p.Legend.XOffs = -vg.Points(10)
	p.Legend.YOffs = -vg.Points(4)
	var max float64
	for _, l := range lines {
		for _, pt := range l.Points {
			max = math.Max(max, pt.Y)
		}
	}
	p.Y.Max = max * 1.08
	return p
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
}

// DataRange implements plot.DataRanger.
func (h *heatPlot) DataRange() (xmin, xmax, ymin, ymax float64) { return 0, 24, 0, 7 }

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
