package charts

import (
	"image/color"
	"math"
	"slices"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"knocks"
	"knocks/data/maps"
)

// countryValues returns the attempts per country that the world map can
// show: shapes by feature id (ISO alpha-2), and the countries too small for
// a shape as points. Reserved-range labels ("private") and codes the map
// does not know are left out.
func countryValues(s *knocks.Summary) (shapes map[string]int64, points []mapPoint) {
	shapes = map[string]int64{}
	for _, c := range s.Countries {
		code := strings.ToUpper(c.Country)
		if c.Attempts <= 0 {
			continue
		}
		if maps.HasShape(code) {
			shapes[code] += c.Attempts
			continue
		}
		if e, ok := maps.Lookup(code); ok && e.HasPoint {
			points = append(points, mapPoint{ID: code, Lon: e.Lon, Lat: e.Lat, Value: c.Attempts})
		}
	}
	sort.Slice(points, func(i, j int) bool { return points[i].Value > points[j].Value })
	return shapes, points
}

// mapPoint is a country without a shape, or a city, with its attempts.
type mapPoint struct {
	ID       string
	Name     string
	Region   string
	Lon, Lat float64
	Value    int64
}

// MaxCities is the most cities a map draws (the busiest ones).
const MaxCities = 2000

// cityPoints returns the located cities of s with attempts, busiest
// first, at most MaxCities; with onlyUS, only those in the United States.
func cityPoints(s *knocks.Summary, onlyUS bool) []mapPoint {
	var out []mapPoint
	for _, c := range s.Cities {
		if c.Attempts <= 0 || (c.Lat == 0 && c.Lon == 0) || math.IsNaN(c.Lat) || math.IsInf(c.Lon, 0) || math.IsNaN(c.Lon) || math.Abs(c.Lat) > 90 {
			continue
		}
		c.Lon = maps.WrapLon(c.Lon)
		if onlyUS && !strings.EqualFold(c.Country, "US") {
			continue
		}
		out = append(out, mapPoint{ID: c.Country, Name: c.City, Region: strings.ToUpper(c.Region), Lon: c.Lon, Lat: c.Lat, Value: c.Attempts})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Value > out[j].Value })
	if len(out) > MaxCities {
		out = out[:MaxCities]
	}
	return out
}

// bubbleRadius returns the radius of a bubble whose area is proportional
// to v, maxR for the largest value max.
func bubbleRadius(v, max int64, maxR vg.Length) vg.Length {
	if v <= 0 || max <= 0 {
		return 0
	}
	return maxR * vg.Length(math.Sqrt(float64(v)/float64(max)))
}

// usStateValues sums the attempts of US cities per state: by the city's
// region when it is a state code of the map, else by the state whose shape
// holds the city's coordinates.
func usStateValues(s *knocks.Summary) map[string]int64 {
	out := map[string]int64{}
	for _, c := range cityPoints(s, true) {
		if maps.IsUSState(c.Region) {
			out[c.Region] += c.Value
		} else if st, ok := maps.USStateAt(c.Lon, c.Lat); ok {
			out[st] += c.Value
		}
	}
	return out
}

// hasUS reports whether s has a located US city: then the US map is drawn.
func hasUS(s *knocks.Summary) bool { return len(cityPoints(s, true)) > 0 }

func worldProjected() []maps.Feature {
	return maps.Project(maps.WorldFeatures(), func(_ string, lon, lat float64) (float64, float64) { return maps.EqualEarth(lon, lat) })
}

func usProjected() []maps.Feature {
	return maps.Project(maps.USFeatures(), func(id string, lon, lat float64) (float64, float64) { return maps.USProject(id, lon, lat) })
}

// worldOutline returns the edge of the Equal Earth map (the meridians ±180).
func worldOutline() maps.Ring {
	var r maps.Ring
	for lat := -90.0; lat <= 90; lat++ {
		x, y := maps.EqualEarth(180, lat)
		r = append(r, maps.Point{x, y})
	}
	for lat := 90.0; lat >= -90; lat-- {
		x, y := maps.EqualEarth(-180, lat)
		r = append(r, maps.Point{x, y})
	}
	return r
}

func worldMap(s *knocks.Summary) *plot.Plot {
	shapes, points := countryValues(s)
	var max int64
	for _, v := range shapes {
		max = int64(math.Max(float64(max), float64(v)))
	}
	for _, p := range points {
		max = int64(math.Max(float64(max), float64(p.Value)))
	}
	if max == 0 {
		return nil
	}
	bins := maps.LogBins(max)
	m := &mapPlot{outline: worldOutline(), legendTitle: "failed attempts", bins: bins, legendAt: legendBottomLeft}
	m.min, m.max = maps.EqualEarthBounds()
	for _, f := range worldProjected() {
		col := colLand
		if i := maps.BinIndex(bins, shapes[f.ID]); i >= 0 {
			col = hexColor(bins[i].Color)
		}
		m.shapes = append(m.shapes, shape{f: f, fill: col})
	}
	for _, pt := range points {
		x, y := maps.EqualEarth(pt.Lon, pt.Lat)
		m.dots = append(m.dots, dot{x: x, y: y, r: vg.Points(4), fill: hexColor(bins[maps.BinIndex(bins, pt.Value)].Color), stroke: colText})
	}
	m.note = "Equal Earth projection · Natural Earth 1:110m · small countries as dots · IP geolocation is nominal"
	p := newPlot("Failed attempts by country (log colour scale)", s)
	p.HideAxes()
	p.Add(m)
	return p
}

func cityMap(s *knocks.Summary) *plot.Plot {
	cities := cityPoints(s, false)
	if len(cities) == 0 {
		return nil
	}
	m := &mapPlot{outline: worldOutline(), legendTitle: "failed attempts", bubbleMax: cities[0].Value, bubbleR: vg.Points(26), legendAt: legendBottomLeft}
	m.min, m.max = maps.EqualEarthBounds()
	for _, f := range worldProjected() {
		m.shapes = append(m.shapes, shape{f: f, fill: colLand})
	}
	for _, c := range cities {
		x, y := maps.EqualEarth(c.Lon, c.Lat)
		m.dots = append(m.dots, dot{x: x, y: y, r: bubbleRadius(c.Value, cities[0].Value, m.bubbleR),
			fill: color.NRGBA{0xc0, 0x39, 0x2b, 0x88}, stroke: color.RGBA{0x7f, 0x1d, 0x12, 0xff}})
	}
	for _, c := range cities[:min(cityLabels, len(cities))] {
		x, y := maps.EqualEarth(c.Lon, c.Lat)
		m.labels = append(m.labels, mapLabel{x: x, y: y, r: bubbleRadius(c.Value, cities[0].Value, m.bubbleR), text: label(c.Name, 24)})
	}
	m.note = "bubble area proportional to attempts · the busiest cities named · Equal Earth projection · IP geolocation is nominal"
	p := newPlot("Failed attempts by city", s)
	p.HideAxes()
	p.Add(m)
	return p
}

func usMap(s *knocks.Summary) *plot.Plot {
	cities := cityPoints(s, true)
	if len(cities) == 0 {
		return nil
	}
	states := usStateValues(s)
	var max int64
	for _, v := range states {
		max = int64(math.Max(float64(max), float64(v)))
	}
	bins := maps.LogBins(max)
	m := &mapPlot{legendTitle: "failed attempts", bins: bins, bubbleMax: cities[0].Value, bubbleR: vg.Points(22), legendAt: legendBottomRight}
	feats := usProjected()
	m.min, m.max = maps.Point{math.Inf(1), math.Inf(1)}, maps.Point{math.Inf(-1), math.Inf(-1)}
	for _, f := range feats {
		lo, hi := f.Bounds()
		m.min = maps.Point{math.Min(m.min[0], lo[0]), math.Min(m.min[1], lo[1])}
		m.max = maps.Point{math.Max(m.max[0], hi[0]), math.Max(m.max[1], hi[1])}
		col := colLand
		if i := maps.BinIndex(bins, states[f.ID]); i >= 0 {
			col = hexColor(bins[i].Color)
		}
		m.shapes = append(m.shapes, shape{f: f, fill: col})
	}
	for _, c := range cities {
		x, y := maps.USProject(c.Region, c.Lon, c.Lat)
		m.dots = append(m.dots, dot{x: x, y: y, r: bubbleRadius(c.Value, cities[0].Value, m.bubbleR),
			fill: color.NRGBA{0x1b, 0x6f, 0xb5, 0x70}, stroke: color.RGBA{0x0b, 0x3a, 0x66, 0xff}})
	}
	for _, c := range cities[:min(usCityLabels, len(cities))] {
		x, y := maps.USProject(c.Region, c.Lon, c.Lat)
		m.labels = append(m.labels, mapLabel{x: x, y: y, r: bubbleRadius(c.Value, cities[0].Value, m.bubbleR), text: label(c.Name, 24)})
	}
	m.note = "states coloured by the attempts of their located cities · bubble area proportional to attempts · Alaska and Hawaii as insets, Alaska at 0.35 scale"
	p := newPlot("Failed attempts from the United States", s)
	p.Title.Text = "Failed attempts from the United States\n" + periodOf(s, usTotal(s))
	p.HideAxes()
	p.Add(m)
	return p
}

// How many of the busiest cities the city maps name.
const (
	cityLabels   = 8
	usCityLabels = 6
)

// usTotal says the attempts from the United States: the country's count
// when GeoIP located it, else the sum of its located cities.
func usTotal(s *knocks.Summary) string {
	for _, c := range s.Countries {
		if strings.EqualFold(c.Country, "US") {
			return count(c.Attempts) + " failed attempts from the US (of " + count(s.Attempts) + ")"
		}
	}
	var n int64
	for _, c := range cityPoints(s, true) {
		n += c.Value
	}
	return count(n) + " failed attempts from located US cities (of " + count(s.Attempts) + ")"
}

// mapLabel names a bubble: the text goes right of its circle.
type mapLabel struct {
	x, y float64
	r    vg.Length
	text string
}

// shape is a projected feature and its fill.
type shape struct {
	f    maps.Feature
	fill color.Color
}

// dot is a circle on a map.
type dot struct {
	x, y         float64
	r            vg.Length
	fill, stroke color.Color
}

// mapPlot draws projected shapes and dots at a fixed aspect ratio, with a
// legend column on the right: colour bins in counts, bubble sizes in
// counts, or both.
type mapPlot struct {
	min, max    maps.Point
	outline     maps.Ring
	shapes      []shape
	dots        []dot
	labels      []mapLabel
	legendTitle string
	bins        []maps.Bin
	bubbleMax   int64
	bubbleR     vg.Length
	note        string
	legendAt    legendPlace
}

// legendPlace says where a map's legend goes.
type legendPlace int

const (
	legendColumn      legendPlace = iota // a column right of the map
	legendBottomLeft                     // inside the map's box, bottom left
	legendBottomRight                    // inside the map's box, bottom right
)

// DataRange implements plot.DataRanger.
func (m *mapPlot) DataRange() (xmin, xmax, ymin, ymax float64) {
	return m.min[0], m.max[0], m.min[1], m.max[1]
}

// Plot implements plot.Plotter.
func (m *mapPlot) Plot(c draw.Canvas, p *plot.Plot) {
	sty := p.Legend.TextStyle
	sty.Color = colText
	legendW := vg.Points(190)
	noteH := sty.Height("Xg") + vg.Points(6)
	mapRight := c.Max.X
	if m.legendAt == legendColumn {
		mapRight -= legendW
	}
	area := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{Min: vg.Point{X: c.Min.X, Y: c.Min.Y + noteH}, Max: vg.Point{X: mapRight, Y: c.Max.Y}}}
	dx, dy := m.max[0]-m.min[0], m.max[1]-m.min[1]
	scale := math.Min(float64(area.Size().X)/dx, float64(area.Size().Y)/dy)
	ox := float64(area.Min.X) + (float64(area.Size().X)-dx*scale)/2
	oy := float64(area.Min.Y) + (float64(area.Size().Y)-dy*scale)/2
	tr := func(pt maps.Point) vg.Point {
		return vg.Point{X: vg.Length(ox + (pt[0]-m.min[0])*scale), Y: vg.Length(oy + (pt[1]-m.min[1])*scale)}
	}
	if len(m.outline) > 0 {
		var path vg.Path
		for i, pt := range m.outline {
			if i == 0 {
				path.Move(tr(pt))
			} else {
				path.Line(tr(pt))
			}
		}
		path.Close()
		c.SetColor(colOcean)
		c.Fill(path)
		c.SetLineStyle(draw.LineStyle{Color: color.Gray{0xbb}, Width: vg.Points(0.7)})
		c.Stroke(path)
	}
	for _, sh := range m.shapes {
		var path vg.Path
		for _, poly := range sh.f.Polygons {
			for _, r := range poly {
				for i, pt := range r {
					if i == 0 {
						path.Move(tr(pt))
					} else {
						path.Line(tr(pt))
					}
				}
				path.Close()
			}
		}
		c.SetColor(sh.fill)
		c.Fill(path)
		c.SetLineStyle(draw.LineStyle{Color: colBorder, Width: vg.Points(0.4)})
		c.Stroke(path)
	}
	// Largest dots first, so that small ones stay visible on top.
	dots := append([]dot(nil), m.dots...)
	sort.SliceStable(dots, func(i, j int) bool { return dots[i].r > dots[j].r })
	for _, d := range dots {
		circle(c, tr(maps.Point{d.x, d.y}), d.r, d.fill, d.stroke)
	}
	// Names beside the busiest bubbles, on a light box so that they read
	// over land, sea and other bubbles; a name that would cover a busier
	// city's name is left out.
	lsty := sty
	lsty.Font.Size = sty.Font.Size * 0.9
	lsty.XAlign, lsty.YAlign = text.XLeft, text.YCenter
	var taken []vg.Rectangle
	for _, l := range m.labels {
		pt := tr(maps.Point{l.x, l.y})
		at := vg.Point{X: pt.X + max(l.r, vg.Points(1.5)) + vg.Points(3), Y: pt.Y}
		w, h := lsty.Width(l.text), lsty.Height(l.text)
		box := vg.Rectangle{Min: vg.Point{X: at.X - vg.Points(1.5), Y: at.Y - h/2}, Max: vg.Point{X: at.X + w + vg.Points(1.5), Y: at.Y + h/2}}
		if slices.ContainsFunc(taken, func(r vg.Rectangle) bool {
			return r.Min.X < box.Max.X && box.Min.X < r.Max.X && r.Min.Y < box.Max.Y && box.Min.Y < r.Max.Y
		}) {
			continue
		}
		taken = append(taken, box)
		c.FillPolygon(color.NRGBA{0xff, 0xff, 0xff, 0xc8}, []vg.Point{box.Min, {X: box.Max.X, Y: box.Min.Y}, box.Max, {X: box.Min.X, Y: box.Max.Y}})
		c.FillText(lsty, at, l.text)
	}

	// The legend: a column on the right, or in a bottom corner that the map
	// leaves empty.
	head := sty
	head.Font.Size = sty.Font.Size * 1.1
	head.YAlign = text.YTop
	box := vg.Points(14)
	x := c.Max.X - legendW + vg.Points(12)
	y := c.Max.Y - vg.Points(8)
	if m.legendAt != legendColumn {
		h := head.Height(m.legendTitle) + vg.Points(8)
		if len(m.bins) > 0 {
			h += vg.Length(len(m.bins)+1)*(box+vg.Points(4)) + vg.Points(12)
		}
		if m.bubbleMax > 0 {
			h += vg.Length(len(bubbleLegend(m.bubbleMax))) * (2*m.bubbleR + vg.Points(4))
		}
		y = c.Min.Y + noteH + h + vg.Points(4)
		x = c.Min.X + vg.Points(4)
		if m.legendAt == legendBottomRight {
			x = c.Max.X - vg.Points(150)
		}
	}
	c.FillText(head, vg.Point{X: x, Y: y}, m.legendTitle)
	y -= head.Height(m.legendTitle) + vg.Points(8)
	rowSty := sty
	rowSty.YAlign = text.YCenter
	if len(m.bins) > 0 {
		for i := len(m.bins) - 1; i >= 0; i-- {
			b := m.bins[i]
			c.FillPolygon(hexColor(b.Color), []vg.Point{{X: x, Y: y - box}, {X: x + box, Y: y - box}, {X: x + box, Y: y}, {X: x, Y: y}})
			c.FillText(rowSty, vg.Point{X: x + box + vg.Points(6), Y: y - box/2}, b.Label)
			y -= box + vg.Points(4)
		}
		c.FillPolygon(colLand, []vg.Point{{X: x, Y: y - box}, {X: x + box, Y: y - box}, {X: x + box, Y: y}, {X: x, Y: y}})
		c.FillText(rowSty, vg.Point{X: x + box + vg.Points(6), Y: y - box/2}, "none / no data")
		y -= box + vg.Points(16)
	}
	if m.bubbleMax > 0 {
		for _, v := range bubbleLegend(m.bubbleMax) {
			r := bubbleRadius(v, m.bubbleMax, m.bubbleR)
			cx := x + m.bubbleR
			circle(c, vg.Point{X: cx, Y: y - m.bubbleR}, r, color.NRGBA{0x99, 0x99, 0x99, 0x66}, colMuted)
			c.FillText(rowSty, vg.Point{X: x + 2*m.bubbleR + vg.Points(8), Y: y - m.bubbleR}, count(v))
			y -= 2*m.bubbleR + vg.Points(4)
		}
	}
	if m.note != "" {
		n := sty
		n.Font.Size = sty.Font.Size * 0.85
		n.Color = colMuted
		n.YAlign = text.YBottom
		c.FillText(n, vg.Point{X: c.Min.X, Y: c.Min.Y}, m.note)
	}
}

// bubbleLegend returns the counts of the legend's reference bubbles: the
// largest value and two round values below it.
func bubbleLegend(max int64) []int64 {
	out := []int64{max}
	for _, f := range []float64{0.25, 0.025} {
		v := float64(max) * f
		if v < 1 {
			break
		}
		m := math.Pow10(int(math.Floor(math.Log10(v))))
		r := int64(math.Round(v/m) * m)
		if r >= 1 && r < out[len(out)-1] {
			out = append(out, r)
		}
	}
	return out
}

func circle(c draw.Canvas, ctr vg.Point, r vg.Length, fill, stroke color.Color) {
	if r <= 0 {
		return
	}
	r = vg.Length(math.Max(float64(r), float64(vg.Points(1.5))))
	var path vg.Path
	path.Move(vg.Point{X: ctr.X + r, Y: ctr.Y})
	path.Arc(ctr, r, 0, 2*math.Pi)
	path.Close()
	c.SetColor(fill)
	c.Fill(path)
	c.SetLineStyle(draw.LineStyle{Color: stroke, Width: vg.Points(0.6)})
	c.Stroke(path)
}

// hexColor parses #rrggbb.
func hexColor(s string) color.RGBA {
	var v [3]uint8
	for i := range v {
		for _, ch := range s[1+2*i : 3+2*i] {
			v[i] = v[i]*16 + uint8(strings.IndexRune("0123456789abcdef", ch))
		}
	}
	return color.RGBA{v[0], v[1], v[2], 0xff}
}
