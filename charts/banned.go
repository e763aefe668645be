package charts

import (
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"knocks"
	"knocks/data/maps"
)

// bannedMap draws the banned addresses: countries coloured by their banned
// addresses (log scale), bubbles sized by bans at the located cities or,
// with country data only, in the middle of each country. nil without
// located bans.
func bannedMap(s *knocks.Summary) *plot.Plot {
	m := bannedMapData(s)
	if m == nil {
		return nil
	}
	p := newPlot("", s)
	// The subtitle counts what the map shows: bans, not attempts.
	p.Title.Text = "Banned addresses (fail2ban, SSHGuard)\n" +
		periodOf(s, count(s.Bans.Bans)+" bans of "+count(s.Bans.BannedIPs)+" addresses")
	p.HideAxes()
	p.Add(m)
	return p
}

// bannedMapData returns the shapes and bubbles of bannedMap.
func bannedMapData(s *knocks.Summary) *mapPlot {
	b := &s.Bans
	shapes := map[string]int64{}
	var max int64
	for _, g := range b.BannedCountries {
		code := strings.ToUpper(g.Country)
		if g.IPs > 0 && maps.HasShape(code) {
			shapes[code] = g.IPs
			max = int64(math.Max(float64(max), float64(g.IPs)))
		}
	}
	var spots []mapPoint
	if len(b.BannedPlaces) > 0 {
		for _, p := range b.BannedPlaces {
			spots = append(spots, mapPoint{ID: p.Country, Lon: maps.WrapLon(p.Lon), Lat: p.Lat, Value: p.Bans})
		}
	} else {
		for _, g := range b.BannedCountries {
			if lon, lat, ok := maps.Center(strings.ToUpper(g.Country)); ok && g.Attempts > 0 {
				spots = append(spots, mapPoint{ID: g.Country, Lon: lon, Lat: lat, Value: g.Attempts})
			}
		}
	}
	var bubbleMax int64
	for _, p := range spots {
		bubbleMax = int64(math.Max(float64(bubbleMax), float64(p.Value)))
	}
	if max == 0 && bubbleMax == 0 {
		return nil
	}
	m := &mapPlot{outline: worldOutline(), legendTitle: "banned addresses", bubbleMax: bubbleMax, bubbleR: vg.Points(22), legendAt: legendBottomLeft}
	if max > 0 {
		m.bins = maps.LogBins(max)
	}
	m.min, m.max = maps.EqualEarthBounds()
	for _, f := range worldProjected() {
		col := color.Color(colLand)
		if i := maps.BinIndex(m.bins, shapes[f.ID]); m.bins != nil && i >= 0 {
			col = hexColor(m.bins[i].Color)
		}
		m.shapes = append(m.shapes, shape{f: f, fill: col})
	}
	for _, p := range spots {
		x, y := maps.EqualEarth(p.Lon, p.Lat)
		m.dots = append(m.dots, dot{x: x, y: y, r: bubbleRadius(p.Value, bubbleMax, m.bubbleR),
			fill: color.NRGBA{0xc0, 0x39, 0x2b, 0x88}, stroke: color.RGBA{0x7f, 0x1d, 0x12, 0xff}})
	}
	m.note = "countries coloured by banned addresses (log scale) · bubble area proportional to bans · IP geolocation is nominal"
	return m
}
