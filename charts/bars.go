package charts

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"knocks"
	"knocks/data/flags"
	"knocks/data/maps"
)

// bar is one row of a horizontal bar chart.
type bar struct {
	Label string
	Value int64
	Valid bool   // drawn in the colour of valid user names
	Flag  string // a country code whose flag is drawn after the bar (knocks/data/flags)
}

// userBars returns the rows of the users chart: the top user names, valid
// and invalid together, labelled safely.
func userBars(s *knocks.Summary) []bar {
	var out []bar
	for _, u := range s.TopUsers {
		out = append(out, bar{Label: label(u.User, 32), Value: u.Attempts, Valid: u.Valid})
	}
	return out
}

// ipBars returns the rows of the IPs chart: address, country and ASN.
func ipBars(s *knocks.Summary) []bar {
	var out []bar
	for _, ip := range s.TopIPs {
		l := ip.IP
		if ip.Country != "" {
			l += "  " + label(ip.Country, 10)
		}
		if ip.ASN != 0 {
			l += fmt.Sprintf("  AS%d", ip.ASN)
		}
		out = append(out, bar{Label: l, Value: ip.Attempts})
	}
	return out
}

// countryBars returns the rows of the countries chart: ISO code and name.
func countryBars(s *knocks.Summary) []bar {
	var out []bar
	for _, c := range s.TopCountries {
		out = append(out, bar{Label: countryLabel(c.Country, c.Name), Value: c.Attempts, Flag: c.Country})
	}
	return out
}

// countryLabel is "CN  China": the code (or a reserved-range label) and
// the name.
func countryLabel(code, name string) string {
	if name == "" {
		if c, ok := maps.Lookup(code); ok {
			name = c.Name
		}
	}
	if name == "" || name == code {
		return label(code, 24)
	}
	return label(code, 12) + "  " + label(name, 24)
}

// asnBars returns the rows of the ASN chart.
func asnBars(s *knocks.Summary) []bar {
	var out []bar
	for _, a := range s.TopASNs {
		out = append(out, bar{Label: fmt.Sprintf("AS%d  %s", a.ASN, label(a.Org, 32)), Value: a.Attempts})
	}
	return out
}

// keyBars returns the rows of a subnet, port or host chart.
func keyBars(list []knocks.KeyCount) []bar {
	var out []bar
	for _, k := range list {
		out = append(out, bar{Label: label(k.Key, 40), Value: k.Attempts})
	}
	return out
}

func usersChart(s *knocks.Summary) *plot.Plot {
	rows := userBars(s)
	if len(rows) == 0 {
		return nil
	}
	p := barChart("Top user names of failed attempts", "user name", rows, s)
	p.Legend.Add("invalid user (no such account)", swatch{colInvalid})
	p.Legend.Add("valid user (the account exists)", swatch{colValid})
	return p
}

func ipsChart(s *knocks.Summary, anonymized bool) *plot.Plot {
	if len(s.TopIPs) == 0 {
		return nil
	}
	title := "Top source addresses"
	if anonymized {
		title += " (last IPv4 octet masked, IPv6 cut to /48)"
	}
	return barChart(title, "address, country, AS", ipBars(s), s)
}

func countriesChart(s *knocks.Summary) *plot.Plot {
	if len(s.TopCountries) == 0 {
		return nil
	}
	p := barChart("Top countries (GeoIP, nominal)", "country (ISO 3166)", countryBars(s), s)
	if r := reservedNote(s); r != "" {
		p.X.Label.Text += "\n" + r
	}
	return p
}

// reservedNote tells the attempts from reserved address ranges, which are
// not countries and are not ranked with them; "" when there are none.
func reservedNote(s *knocks.Summary) string {
	var parts []string
	for _, r := range s.Reserved {
		parts = append(parts, label(r.Country, 16)+" "+count(r.Attempts))
	}
	if len(parts) == 0 {
		return ""
	}
	return "not countries, left out: reserved address ranges " + strings.Join(parts, ", ")
}

func asnsChart(s *knocks.Summary) *plot.Plot {
	if len(s.TopASNs) == 0 {
		return nil
	}
	return barChart("Top networks (autonomous systems)", "AS and organisation", asnBars(s), s)
}

func keyChart(title, what string, list []knocks.KeyCount, s *knocks.Summary) *plot.Plot {
	if len(list) == 0 {
		return nil
	}
	return barChart(title, what, keyBars(list), s)
}

// barChart draws rows as horizontal bars, largest on top, with the count
// at the end of each bar, on a linear axis from 0: bar lengths compare as
// the counts do.
func barChart(title, what string, rows []bar, s *knocks.Summary) *plot.Plot {
	p := newPlot(title, s)
	hb := &hbars{rows: rows}
	p.X.Label.Text = "failed attempts"
	p.X.Tick.Marker = countTicks{}
	p.Y.Label.Text = what
	names := make([]string, len(rows))
	for i, r := range rows {
		names[len(rows)-1-i] = r.Label
	}
	p.Add(&gridX{}, hb)
	p.NominalY(names...)
	p.Legend.Top = false
	p.Legend.XOffs = -vg.Points(10)
	p.Legend.YOffs = vg.Points(10)
	return p
}

// hbars draws horizontal bars from 0 to each row's value.
type hbars struct {
	rows []bar
}

// Plot implements plot.Plotter.
func (b *hbars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	n := len(b.rows)
	thick := (trY(1) - trY(0)) * 0.7
	sty := p.Y.Tick.Label
	sty.XAlign, sty.YAlign = text.XLeft, text.YCenter
	sty.Color = colText
	for i, r := range b.rows {
		y := trY(float64(n - 1 - i))
		x0, x1 := trX(0), trX(float64(r.Value))
		col := colBar
		if r.Valid {
			col = colValid
		} else if len(b.rows) > 0 && b.isUsers() {
			col = colInvalid
		}
		c.FillPolygon(col, []vg.Point{{X: x0, Y: y - thick/2}, {X: x1, Y: y - thick/2}, {X: x1, Y: y + thick/2}, {X: x0, Y: y + thick/2}})
		at := x1 + vg.Points(4)
		if img, ok := flags.Image(r.Flag); ok && r.Flag != "" {
			// The flag after the bar, then the count: 4 × 3, as tall as
			// the text or the bar allows.
			h := min(thick*0.8, vg.Points(15))
			w := h * 4 / 3
			c.DrawImage(vg.Rectangle{Min: vg.Point{X: at, Y: y - h/2}, Max: vg.Point{X: at + w, Y: y + h/2}}, img)
			c.StrokeLines(draw.LineStyle{Color: color.Gray{0xbb}, Width: vg.Points(0.4)}, []vg.Point{{X: at, Y: y - h/2}, {X: at + w, Y: y - h/2}, {X: at + w, Y: y + h/2}, {X: at, Y: y + h/2}, {X: at, Y: y - h/2}})
			at += w + vg.Points(4)
		}
		c.FillText(sty, vg.Point{X: at, Y: y}, count(r.Value))
	}
}

// isUsers reports whether the bars are user names (some valid): then the
// invalid ones get their own colour.
func (b *hbars) isUsers() bool {
	for _, r := range b.rows {
		if r.Valid {
			return true
		}
	}
	return false
}

// DataRange implements plot.DataRanger: from 0 to beyond the largest
// value, leaving room for the count labels.
func (b *hbars) DataRange() (xmin, xmax, ymin, ymax float64) {
	max := 1.0
	for _, r := range b.rows {
		max = math.Max(max, float64(r.Value))
	}
	return 0, max * 1.16, -0.5, float64(len(b.rows)) - 0.5
}

// gridX draws light vertical lines at the major ticks of the x axis.
type gridX struct{}

// Plot implements plot.Plotter.
func (gridX) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	sty := draw.LineStyle{Color: color.Gray{0xdd}, Width: vg.Points(0.5)}
	for _, t := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
		if t.Label == "" || t.Value < p.X.Min || t.Value > p.X.Max {
			continue
		}
		x := trX(t.Value)
		c.StrokeLine2(sty, x, c.Min.Y, x, c.Max.Y)
	}
}

// swatch is a legend entry: a filled square.
type swatch struct{ c color.Color }

// Thumbnail implements plot.Thumbnailer.
func (s swatch) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(s.c, []vg.Point{c.Min, {X: c.Max.X, Y: c.Min.Y}, c.Max, {X: c.Min.X, Y: c.Max.Y}})
}
