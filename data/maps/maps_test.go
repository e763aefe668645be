package maps

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestISOTable(t *testing.T) {
	tests := []struct{ Alpha2, Numeric string }{
		{"AF", "004"}, {"DE", "276"}, {"US", "840"}, {"CN", "156"}, {"RU", "643"},
		{"FJ", "242"}, {"AQ", "010"}, {"XK", "983"}, {"SG", "702"}, {"HK", "344"},
	}
	for _, tt := range tests {
		if got, ok := Numeric(tt.Alpha2); !ok || got != tt.Numeric {
			t.Errorf("Numeric(%q) = %q, %v; want %q", tt.Alpha2, got, ok, tt.Numeric)
		}
		if got, ok := Alpha2(tt.Numeric); !ok || got != tt.Alpha2 {
			t.Errorf("Alpha2(%q) = %q, %v; want %q", tt.Numeric, got, ok, tt.Alpha2)
		}
	}
	if got, _ := Alpha2("4"); got != "AF" {
		t.Errorf(`Alpha2("4") = %q, want AF`, got)
	}
	if got, _ := Numeric("de"); got != "276" {
		t.Errorf(`Numeric("de") = %q, want 276 (any case)`, got)
	}
	if _, ok := Numeric("private"); ok {
		t.Error(`Numeric("private") found a code`)
	}
	seen := map[string]bool{}
	for _, c := range Countries() {
		if len(c.Alpha2) != 2 || len(c.Numeric) != 3 || c.Name == "" {
			t.Errorf("bad table row %+v", c)
		}
		if seen[c.Alpha2] || seen[c.Numeric] {
			t.Errorf("duplicate row %+v", c)
		}
		seen[c.Alpha2], seen[c.Numeric] = true, true
		if a, _ := Alpha2(c.Numeric); a != c.Alpha2 {
			t.Errorf("round trip of %s: %s", c.Alpha2, a)
		}
	}
	if len(Countries()) < 249 {
		t.Errorf("only %d countries", len(Countries()))
	}
}

// TestWorldFeatureIDs checks that the world's features are keyed by the
// alpha-2 codes that GeoIP data reports, so that a choropleth finds them.
func TestWorldFeatureIDs(t *testing.T) {
	fs := WorldFeatures()
	if len(fs) != 175 {
		t.Errorf("%d world features, want 175 (177 of Natural Earth, N. Cyprus and Somaliland merged)", len(fs))
	}
	ids := map[string]bool{}
	for _, f := range fs {
		if _, ok := Lookup(f.ID); !ok {
			t.Errorf("feature %q (%s) is not an ISO 3166 alpha-2 code", f.ID, f.Name)
		}
		if ids[f.ID] {
			t.Errorf("feature %q twice", f.ID)
		}
		ids[f.ID] = true
		if len(f.Polygons) == 0 {
			t.Errorf("feature %q has no polygons", f.ID)
		}
	}
	for _, id := range []string{"US", "CN", "RU", "DE", "BR", "IN", "FJ", "AQ", "XK", "CY", "SO", "TW", "KR", "FR", "GB", "AU", "CA", "ZA"} {
		if !ids[id] || !HasShape(id) {
			t.Errorf("no feature %q", id)
		}
	}
	// Countries too small for 1:110m have a point instead, inside their
	// real whereabouts.
	for id, want := range map[string]Point{"SG": {103.8, 1.35}, "HK": {114.1, 22.4}, "MT": {14.4, 35.9}, "BH": {50.55, 26.05}, "MO": {113.55, 22.17}} {
		c, _ := Lookup(id)
		if HasShape(id) || !c.HasPoint {
			t.Errorf("%s: shape %v, point %v; want a point only", id, HasShape(id), c.HasPoint)
			continue
		}
		if math.Abs(c.Lon-want[0]) > 0.5 || math.Abs(c.Lat-want[1]) > 0.5 {
			t.Errorf("%s point at %v,%v; want near %v", id, c.Lon, c.Lat, want)
		}
	}
	for _, c := range Countries() {
		if c.HasPoint && HasShape(c.Alpha2) {
			t.Errorf("%s has both a shape and a point", c.Alpha2)
		}
	}
}

// checkRings asserts the antimeridian split: every ring stays within one
// 180° band of longitude, except a ring around a pole, whose edges longer
// than 180° all run along that pole.
func checkRings(t *testing.T, fs []Feature) {
	t.Helper()
	for _, f := range fs {
		for pi, poly := range f.Polygons {
			for ri, r := range poly {
				if len(r) < 4 || r[0] != r[len(r)-1] {
					t.Errorf("%s polygon %d ring %d: not closed or too short (%d points)", f.ID, pi, ri, len(r))
				}
				lo, hi, polar := 180.0, -180.0, false
				for i, p := range r {
					if p[0] < -180 || p[0] > 180 || p[1] < -90 || p[1] > 90 {
						t.Errorf("%s: point %v out of range", f.ID, p)
					}
					lo, hi = math.Min(lo, p[0]), math.Max(hi, p[0])
					if math.Abs(p[1]) == 90 {
						polar = true
					}
					if i > 0 {
						q := r[i-1]
						if math.Abs(p[0]-q[0]) > 180 && !(math.Abs(p[1]) == 90 && p[1] == q[1]) {
							t.Errorf("%s polygon %d ring %d: edge %v → %v crosses the antimeridian", f.ID, pi, ri, q, p)
						}
					}
				}
				if hi-lo > 180 && !polar {
					t.Errorf("%s polygon %d ring %d spans %.1f° of longitude", f.ID, pi, ri, hi-lo)
				}
			}
		}
	}
}

func TestAntimeridianSplit(t *testing.T) {
	checkRings(t, WorldFeatures())
	checkRings(t, USFeatures())

	// Russia and Fiji have land on both sides of the antimeridian: after the
	// split, some of their rings touch 180 and others -180.
	for _, id := range []string{"RU", "FJ"} {
		east, west := false, false
		for _, f := range WorldFeatures() {
			if f.ID != id {
				continue
			}
			for _, poly := range f.Polygons {
				lo, hi := poly[0][0][0], poly[0][0][0]
				for _, p := range poly[0] {
					lo, hi = math.Min(lo, p[0]), math.Max(hi, p[0])
				}
				east = east || hi == 180
				west = west || lo == -180
			}
		}
		if !east || !west {
			t.Errorf("%s: a ring at 180: %v, at -180: %v; want both", id, east, west)
		}
	}
	// Antarctica is closed along the south pole.
	for _, f := range WorldFeatures() {
		if f.ID == "AQ" {
			min, max := f.Bounds()
			if min[1] != -90 || min[0] != -180 || max[0] != 180 {
				t.Errorf("AQ bounds %v %v, want it closed along the pole", min, max)
			}
		}
	}
}

// TestProjectedEdges draws the world in Equal Earth and checks that no edge
// jumps across the map (the band that an unsplit Russia or Fiji would
// draw); only Antarctica's edge along the pole may be long.
func TestProjectedEdges(t *testing.T) {
	world := Project(WorldFeatures(), func(_ string, lon, lat float64) (float64, float64) { return EqualEarth(lon, lat) })
	for _, f := range world {
		for _, poly := range f.Polygons {
			for _, r := range poly {
				for i := 1; i < len(r); i++ {
					d := math.Hypot(r[i][0]-r[i-1][0], r[i][1]-r[i-1][1])
					if d > 0.5 && !(f.ID == "AQ" && r[i][1] == r[i-1][1]) {
						t.Errorf("%s: projected edge %v → %v is %.2f long", f.ID, r[i-1], r[i], d)
					}
				}
			}
		}
	}
}

func TestUSStates(t *testing.T) {
	fs := USFeatures()
	if len(fs) != 51 {
		t.Errorf("%d US features, want 50 states and DC", len(fs))
	}
	names := map[string]string{}
	for _, f := range fs {
		names[f.ID] = f.Name
	}
	for id, want := range map[string]string{"AK": "Alaska", "HI": "Hawaii", "DC": "District of Columbia", "CA": "California", "NY": "New York"} {
		if names[id] != want {
			t.Errorf("US feature %s = %q, want %q", id, names[id], want)
		}
	}
	for _, id := range []string{"PR", "GU", "VI", "AS", "MP"} {
		if _, ok := names[id]; ok {
			t.Errorf("US map has territory %s (a country of its own in GeoIP data)", id)
		}
	}
}

func TestUSInset(t *testing.T) {
	tests := []struct {
		Name     string
		State    string
		Lon, Lat float64
		Want     Inset
	}{
		{"Anchorage", "", -149.9, 61.2, Alaska},
		{"Anchorage with state", "AK", -149.9, 61.2, Alaska},
		{"Attu, west of the antimeridian", "", 173.2, 52.9, Alaska},
		{"Juneau", "", -134.4, 58.3, Alaska},
		{"Honolulu", "", -157.86, 21.31, Hawaii},
		{"Hilo", "HI", -155.09, 19.72, Hawaii},
		{"Seattle", "", -122.33, 47.61, Lower48},
		{"Washington DC", "DC", -77.04, 38.9, Lower48},
		{"Miami", "FL", -80.19, 25.76, Lower48},
		{"Bellingham by state", "WA", -122.48, 48.75, Lower48},
	}
	for _, tt := range tests {
		if got := USInset(tt.State, tt.Lon, tt.Lat); got != tt.Want {
			t.Errorf("%s: USInset = %v, want %v", tt.Name, got, tt.Want)
		}
	}
}

// TestUSLayout projects the states and checks the insets: Alaska and Hawaii
// sit below the lower 48's west, apart from each other and from the
// contiguous states, and every state's points use one inset.
func TestUSLayout(t *testing.T) {
	type box struct{ min, max Point }
	boxes := map[string]box{}
	proj := Project(USFeatures(), func(id string, lon, lat float64) (float64, float64) { return USProject(id, lon, lat) })
	var l48 box
	l48.min, l48.max = Point{math.Inf(1), math.Inf(1)}, Point{math.Inf(-1), math.Inf(-1)}
	for _, f := range proj {
		min, max := f.Bounds()
		boxes[f.ID] = box{min, max}
		if f.ID != "AK" && f.ID != "HI" {
			l48.min = Point{math.Min(l48.min[0], min[0]), math.Min(l48.min[1], min[1])}
			l48.max = Point{math.Max(l48.max[0], max[0]), math.Max(l48.max[1], max[1])}
		}
	}
	overlap := func(a, b box) bool {
		return a.min[0] < b.max[0] && b.min[0] < a.max[0] && a.min[1] < b.max[1] && b.min[1] < a.max[1]
	}
	ak, hi := boxes["AK"], boxes["HI"]
	if overlap(ak, hi) {
		t.Errorf("Alaska %v and Hawaii %v overlap", ak, hi)
	}
	// No point of an inset lies inside a contiguous state, nor the other
	// way round.
	byID := map[string]Feature{}
	for _, f := range proj {
		byID[f.ID] = f
	}
	for _, inset := range []string{"AK", "HI"} {
		for _, f := range proj {
			if f.ID == "AK" || f.ID == "HI" {
				continue
			}
			if p, ok := sharesPoint(byID[inset], f); ok {
				t.Errorf("%s and %s overlap at %v", inset, f.ID, p)
			}
		}
	}
	if ak.max[0] > hi.min[0] || ak.min[0] > l48.min[0]+0.1 || hi.max[1] > l48.min[1]+0.15 {
		t.Errorf("inset layout: AK %v, HI %v, lower 48 %v", ak, hi, l48)
	}
	w, h := l48.max[0]-l48.min[0], l48.max[1]-l48.min[1]
	if w < 0.65 || w > 0.8 || h < 0.4 || h > 0.5 {
		t.Errorf("lower 48 is %.2f × %.2f, want about 0.72 × 0.46", w, h)
	}
	// The Aleutians west of the antimeridian stay with the rest of Alaska.
	if ak.max[0]-ak.min[0] > 0.4 {
		t.Errorf("Alaska inset is %.2f wide: the Aleutians wrapped around", ak.max[0]-ak.min[0])
	}
}

func TestEqualEarth(t *testing.T) {
	x, y := EqualEarth(0, 0)
	if x != 0 || y != 0 {
		t.Errorf("EqualEarth(0, 0) = %v, %v", x, y)
	}
	// The published extent: 2.7066 × 1.3174 on the unit sphere.
	x, _ = EqualEarth(180, 0)
	_, y = EqualEarth(0, 90)
	if math.Abs(x-2.70663) > 1e-4 || math.Abs(y-1.31736) > 1e-4 {
		t.Errorf("extent %v × %v, want 2.70663 × 1.31736", x, y)
	}
	if x2, y2 := EqualEarth(-180, -90); x2 > -1.5 || math.Abs(y2+y) > 1e-12 {
		t.Errorf("south-west corner %v, %v", x2, y2)
	}
	// Equal area: a 1° × 1° cell anywhere covers the area of its spherical
	// cell (Δλ · Δsin φ on the unit sphere).
	for lat := -89.0; lat < 89; lat += 7 {
		var cell Ring
		for _, c := range [][2]float64{{10, lat}, {11, lat}, {11, lat + 1}, {10, lat + 1}, {10, lat}} {
			x, y := EqualEarth(c[0], c[1])
			cell = append(cell, Point{x, y})
		}
		area := 0.0
		for i := 1; i < len(cell); i++ {
			area += cell[i-1][0]*cell[i][1] - cell[i][0]*cell[i-1][1]
		}
		area /= 2
		want := (math.Sin((lat+1)*math.Pi/180) - math.Sin(lat*math.Pi/180)) * math.Pi / 180
		if math.Abs(area-want)/want > 1e-4 {
			t.Errorf("cell at %v°: area %g, want %g", lat, area, want)
		}
	}
}

func TestLogBins(t *testing.T) {
	tests := []struct {
		Max    int64
		Labels []string
	}{
		{0, nil},
		{1, []string{"1"}},
		{2, []string{"1", "2"}},
		{3, []string{"1", "2–3"}},
		{7, []string{"1", "2–4", "5–7"}},
		{60, []string{"1", "2–4", "5–9", "10–19", "20–49", "50–60"}},
		{100, []string{"1", "2–4", "5–9", "10–19", "20–49", "50–100"}},
		{101, []string{"1", "2–4", "5–9", "10–19", "20–49", "50–99", "100–101"}},
		{201, []string{"1", "2–4", "5–9", "10–19", "20–49", "50–99", "100–199", "200–201"}},
		{501, []string{"1–2", "3–9", "10–29", "30–99", "100–299", "300–501"}},
		{1000, []string{"1–2", "3–9", "10–29", "30–99", "100–299", "300–1,000"}},
		{3001, []string{"1–2", "3–9", "10–29", "30–99", "100–299", "300–999", "1,000–2,999", "3,000–3,001"}},
		{30001, []string{"1–9", "10–99", "100–999", "1,000–9,999", "10,000–30,001"}},
		{7523, []string{"1–2", "3–9", "10–29", "30–99", "100–299", "300–999", "1,000–2,999", "3,000–7,523"}},
		{1_000_000, []string{"1–9", "10–99", "100–999", "1,000–9,999", "10,000–99,999", "100,000–1,000,000"}},
		{100_000_000, []string{"1–9", "10–99", "100–999", "1,000–9,999", "10,000–99,999", "100,000–999,999", "1,000,000–9,999,999", "10,000,000–100,000,000"}},
		{100_000_001, []string{"1–99", "100–9,999", "10,000–999,999", "1,000,000–99,999,999", "100,000,000–100,000,001"}},
		{123_456_789, []string{"1–99", "100–9,999", "10,000–999,999", "1,000,000–99,999,999", "100,000,000–123,456,789"}},
		{math.MaxInt64, []string{"1–999", "1,000–999,999", "1,000,000–999,999,999", "1,000,000,000–999,999,999,999",
			"1,000,000,000,000–999,999,999,999,999", "1,000,000,000,000,000–999,999,999,999,999,999",
			"1,000,000,000,000,000,000–9,223,372,036,854,775,807"}},
	}
	for _, tt := range tests {
		bins := LogBins(tt.Max)
		var labels []string
		for i, b := range bins {
			labels = append(labels, b.Label)
			if i > 0 && b.Lo != bins[i-1].Hi+1 {
				t.Errorf("LogBins(%d): bin %d starts at %d after %d", tt.Max, i, b.Lo, bins[i-1].Hi)
			}
			if !strings.HasPrefix(b.Color, "#") || len(b.Color) != 7 {
				t.Errorf("LogBins(%d): colour %q", tt.Max, b.Color)
			}
		}
		if !reflect.DeepEqual(labels, tt.Labels) {
			t.Errorf("LogBins(%d) = %q, want %q", tt.Max, labels, tt.Labels)
		}
		if len(bins) > MaxBins {
			t.Errorf("LogBins(%d): %d bins", tt.Max, len(bins))
		}
		if len(bins) > 0 && (bins[0].Lo != 1 || bins[len(bins)-1].Hi != tt.Max) {
			t.Errorf("LogBins(%d) covers %d–%d", tt.Max, bins[0].Lo, bins[len(bins)-1].Hi)
		}
	}
	bins := LogBins(1000)
	for v, want := range map[int64]int{0: -1, 1: 0, 2: 0, 3: 1, 9: 1, 10: 2, 999: 5, 1000: 5, 5000: 5} {
		if got := BinIndex(bins, v); got != want {
			t.Errorf("BinIndex(%d) = %d, want %d", v, got, want)
		}
	}
}

func TestPalette(t *testing.T) {
	lum := func(hex string) float64 {
		var r, g, b int
		for i, p := range []*int{&r, &g, &b} {
			v := hex[1+2*i : 3+2*i]
			for _, c := range v {
				*p *= 16
				*p += strings.IndexRune("0123456789abcdef", c)
			}
		}
		return 0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)
	}
	for n := 1; n <= 9; n++ {
		p := Palette(n)
		if len(p) != n {
			t.Fatalf("Palette(%d) has %d colours", n, len(p))
		}
		for i := 1; i < n; i++ {
			if lum(p[i]) >= lum(p[i-1]) {
				t.Errorf("Palette(%d): %s is not darker than %s", n, p[i], p[i-1])
			}
		}
	}
}

func TestFormatCount(t *testing.T) {
	for v, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1234: "-1,234"} {
		if got := FormatCount(v); got != want {
			t.Errorf("FormatCount(%d) = %q, want %q", v, got, want)
		}
	}
}

func TestEncodeGeoJSON(t *testing.T) {
	in := []Feature{{ID: "XX", Name: "</script><!-- \u2028", Polygons: []Polygon{{{{0.123456, -0.5}, {1, 0}, {1, 1}, {0.123456, -0.5}}}}}}
	b := EncodeGeoJSON(in, 3)
	s := string(b)
	for _, bad := range []string{"<", ">", "\u2028"} {
		if strings.Contains(s, bad) {
			t.Errorf("encoded geojson contains %q: %s", bad, s)
		}
	}
	out, err := ParseFeatures(b)
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Name != in[0].Name || out[0].Polygons[0][0][0] != (Point{0.123, -0.5}) {
		t.Errorf("round trip: %+v", out[0])
	}
}

// sharesPoint reports a point of a inside b or of b inside a.
func sharesPoint(a, b Feature) (Point, bool) {
	for _, pair := range [][2]Feature{{a, b}, {b, a}} {
		for _, poly := range pair[0].Polygons {
			for _, p := range poly[0] {
				if inside(pair[1], p) {
					return p, true
				}
			}
		}
	}
	return Point{}, false
}

// inside reports whether p is inside f's outer rings (even-odd rule).
func inside(f Feature, p Point) bool {
	for _, poly := range f.Polygons {
		r, in := poly[0], false
		for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
			if (r[i][1] > p[1]) != (r[j][1] > p[1]) &&
				p[0] < (r[j][0]-r[i][0])*(p[1]-r[i][1])/(r[j][1]-r[i][1])+r[i][0] {
				in = !in
			}
		}
		if in {
			return true
		}
	}
	return false
}

func TestWrapLon(t *testing.T) {
	for in, want := range map[float64]float64{0: 0, 179.5: 179.5, 180: -180, 180.5: -179.5, -180: -180, -190: 170, 540: -180, 725: 5} {
		if got := WrapLon(in); math.Abs(got-want) > 1e-9 {
			t.Errorf("WrapLon(%v) = %v, want %v", in, got, want)
		}
	}
}
