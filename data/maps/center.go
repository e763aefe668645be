package maps

import "sync"

var (
	centersOnce sync.Once
	centers     map[string]Point
)

// Center returns a point inside (or near) the main land of a country, by
// its alpha-2 code, to place a bubble where no city is known: the middle
// of the bounding box of its largest polygon (so that France's is in
// France, not in the Atlantic between it and French Guiana), or the point
// of a country too small for a shape. ok is false for a code the map does
// not know.
func Center(alpha2 string) (lon, lat float64, ok bool) {
	centersOnce.Do(func() {
		centers = map[string]Point{}
		for _, f := range WorldFeatures() {
			best, area := Point{}, -1.0
			for _, poly := range f.Polygons {
				if len(poly) == 0 {
					continue
				}
				g := Feature{Polygons: []Polygon{{poly[0]}}}
				lo, hi := g.Bounds()
				if a := (hi[0] - lo[0]) * (hi[1] - lo[1]); a > area {
					best, area = Point{(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2}, a
				}
			}
			if area >= 0 {
				centers[f.ID] = best
			}
		}
	})
	if p, ok := centers[alpha2]; ok {
		return p[0], p[1], true
	}
	if c, ok := Lookup(alpha2); ok && c.HasPoint {
		return c.Lon, c.Lat, true
	}
	return 0, 0, false
}
