package maps

import "testing"

func TestCenter(t *testing.T) {
	for _, tt := range []struct {
		Name, Code string
		Want       bool
	}{
		{"one polygon", "DE", true},
		{"overseas parts", "FR", true},
		{"islands", "JP", true},
		{"across the antimeridian", "RU", true},
		{"a point country", "SG", true},
		{"unknown", "XX", false},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			lon, lat, ok := Center(tt.Code)
			if ok != tt.Want {
				t.Fatalf("Center(%s) ok = %v", tt.Code, ok)
			}
			if !ok {
				return
			}
			if c, _ := Lookup(tt.Code); c.HasPoint {
				if lon != c.Lon || lat != c.Lat {
					t.Errorf("Center(%s) = %v, %v; want its point %v, %v", tt.Code, lon, lat, c.Lon, c.Lat)
				}
				return
			}
			var f *Feature
			for _, g := range WorldFeatures() {
				if g.ID == tt.Code {
					f = &g
				}
			}
			if f == nil {
				t.Fatalf("no feature %s", tt.Code)
			}
			lo, hi := f.Bounds()
			if lon < lo[0] || lon > hi[0] || lat < lo[1] || lat > hi[1] {
				t.Errorf("Center(%s) = %v, %v outside its bounds %v..%v", tt.Code, lon, lat, lo, hi)
			}
			if tt.Code == "FR" && (lon < -5 || lon > 10 || lat < 41 || lat > 52) {
				t.Errorf("Center(FR) = %v, %v is not in metropolitan France", lon, lat)
			}
			if tt.Code == "DE" && !f.Contains(Point{lon, lat}) {
				t.Errorf("Center(DE) = %v, %v is not in Germany", lon, lat)
			}
		})
	}
}
