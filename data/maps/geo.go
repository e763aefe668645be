package maps

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Point is a position: longitude and latitude in degrees, or projected x
// and y (y grows northwards).
type Point [2]float64

// Ring is a closed ring of points: the first point equals the last.
type Ring []Point

// Polygon is an outer ring followed by its holes.
type Polygon []Ring

// Feature is one country or state.
type Feature struct {
	ID       string // ISO 3166 alpha-2 for countries, USPS code for US states
	Name     string // English name
	Polygons []Polygon
}

// Bounds returns the smallest and largest x and y of f's points.
func (f *Feature) Bounds() (min, max Point) {
	min = Point{math.Inf(1), math.Inf(1)}
	max = Point{math.Inf(-1), math.Inf(-1)}
	for _, poly := range f.Polygons {
		for _, r := range poly {
			for _, p := range r {
				min[0], min[1] = math.Min(min[0], p[0]), math.Min(min[1], p[1])
				max[0], max[1] = math.Max(max[0], p[0]), math.Max(max[1], p[1])
			}
		}
	}
	return min, max
}

// Contains reports whether p is inside one of f's polygons (even-odd rule
// over each polygon's rings, so a hole is outside).
func (f *Feature) Contains(p Point) bool {
	for _, poly := range f.Polygons {
		in := false
		for _, r := range poly {
			for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
				if (r[i][1] > p[1]) != (r[j][1] > p[1]) &&
					p[0] < (r[j][0]-r[i][0])*(p[1]-r[i][1])/(r[j][1]-r[i][1])+r[i][0] {
					in = !in
				}
			}
		}
		if in {
			return true
		}
	}
	return false
}

type geoJSON struct {
	Type     string `json:"type"`
	Features []struct {
		ID         string `json:"id"`
		Properties struct {
			Name string `json:"name"`
		} `json:"properties"`
		Geometry struct {
			Type        string          `json:"type"`
			Coordinates json.RawMessage `json:"coordinates"`
		} `json:"geometry"`
	} `json:"features"`
}

// ParseFeatures parses a GeoJSON FeatureCollection of Polygon and
// MultiPolygon features with string ids.
func ParseFeatures(b []byte) ([]Feature, error) {
	var g geoJSON
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("cannot parse geojson: %w", err)
	}
	if g.Type != "FeatureCollection" {
		return nil, fmt.Errorf("cannot parse geojson: type %q, want FeatureCollection", g.Type)
	}
	out := make([]Feature, 0, len(g.Features))
	for _, f := range g.Features {
		feat := Feature{ID: f.ID, Name: f.Properties.Name}
		switch f.Geometry.Type {
		case "Polygon":
			var p Polygon
			if err := json.Unmarshal(f.Geometry.Coordinates, &p); err != nil {
				return nil, fmt.Errorf("cannot parse geojson feature %q: %w", f.ID, err)
			}
			feat.Polygons = []Polygon{p}
		case "MultiPolygon":
			if err := json.Unmarshal(f.Geometry.Coordinates, &feat.Polygons); err != nil {
				return nil, fmt.Errorf("cannot parse geojson feature %q: %w", f.ID, err)
			}
		default:
			return nil, fmt.Errorf("cannot parse geojson feature %q: geometry %q", f.ID, f.Geometry.Type)
		}
		out = append(out, feat)
	}
	return out, nil
}

// Project returns copies of features with every point passed through
// proj, which is given the feature's id, longitude and latitude. Repeated
// points that proj makes equal are kept; rings are not re-closed.
func Project(features []Feature, proj func(id string, lon, lat float64) (x, y float64)) []Feature {
	out := make([]Feature, len(features))
	for i, f := range features {
		g := Feature{ID: f.ID, Name: f.Name, Polygons: make([]Polygon, len(f.Polygons))}
		for j, poly := range f.Polygons {
			np := make(Polygon, len(poly))
			for k, r := range poly {
				nr := make(Ring, len(r))
				for m, p := range r {
					x, y := proj(f.ID, p[0], p[1])
					nr[m] = Point{x, y}
				}
				np[k] = nr
			}
			g.Polygons[j] = np
		}
		out[i] = g
	}
	return out
}

// EncodeGeoJSON writes features as a compact GeoJSON FeatureCollection
// with coordinates rounded to prec decimals, for a browser's map library.
// Ids and names are JSON-escaped (with HTML characters escaped too).
func EncodeGeoJSON(features []Feature, prec int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	for i, f := range features {
		if i > 0 {
			b.WriteByte(',')
		}
		id, _ := json.Marshal(f.ID)
		name, _ := json.Marshal(f.Name)
		b.WriteString(`{"type":"Feature","id":`)
		b.Write(id)
		b.WriteString(`,"properties":{"name":`)
		b.Write(name)
		b.WriteString(`},"geometry":{"type":"MultiPolygon","coordinates":[`)
		for j, poly := range f.Polygons {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('[')
			for k, r := range poly {
				if k > 0 {
					b.WriteByte(',')
				}
				b.WriteByte('[')
				for m, p := range r {
					if m > 0 {
						b.WriteByte(',')
					}
					b.WriteByte('[')
					b.WriteString(strconv.FormatFloat(round(p[0], prec), 'f', -1, 64))
					b.WriteByte(',')
					b.WriteString(strconv.FormatFloat(round(p[1], prec), 'f', -1, 64))
					b.WriteByte(']')
				}
				b.WriteByte(']')
			}
			b.WriteByte(']')
		}
		b.WriteString(`]}}`)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func round(v float64, prec int) float64 {
	p := math.Pow10(prec)
	r := math.Round(v*p) / p
	if r == 0 {
		return 0 // no "-0"
	}
	return r
}
