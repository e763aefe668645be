package maps

import "math"

// Equal Earth constants (Šavrič, Patterson and Jenny, 2018).
const (
	eeA1 = 1.340264
	eeA2 = -0.081106
	eeA3 = 0.000893
	eeA4 = 0.003796
)

var eeM = math.Sqrt(3) / 2

// EqualEarth projects a longitude and latitude in degrees with the Equal
// Earth projection on the unit sphere, centred on the prime meridian: x is
// in about [-2.707, 2.707] and y in about [-1.317, 1.317], northwards.
func EqualEarth(lon, lat float64) (x, y float64) {
	lambda := lon * math.Pi / 180
	phi := lat * math.Pi / 180
	theta := math.Asin(eeM * math.Sin(phi))
	t2 := theta * theta
	t6 := t2 * t2 * t2
	x = lambda * math.Cos(theta) / (eeM * (eeA1 + 3*eeA2*t2 + t6*(7*eeA3+9*eeA4*t2)))
	y = theta * (eeA1 + eeA2*t2 + t6*(eeA3+eeA4*t2))
	return x, y
}

// EqualEarthBounds returns the corners of the projected world: EqualEarth
// of (-180, -90) and (180, 90).
func EqualEarthBounds() (min, max Point) {
	x0, y0 := EqualEarth(-180, -90)
	x1, y1 := EqualEarth(180, 90)
	// The widest point is on the equator.
	xe, _ := EqualEarth(180, 0)
	return Point{math.Min(x0, -xe), y0}, Point{math.Max(x1, xe), y1}
}

// albers is an Albers equal-area conic projection on the unit sphere with
// central meridian lon0 and standard parallels phi1 and phi2 (degrees).
type albers struct {
	lon0, n, c, r0 float64
}

func newAlbers(lon0, phi1, phi2 float64) albers {
	s1 := math.Sin(phi1 * math.Pi / 180)
	n := (s1 + math.Sin(phi2*math.Pi/180)) / 2
	c := 1 + s1*(2*n-s1)
	return albers{lon0: lon0, n: n, c: c, r0: math.Sqrt(c) / n}
}

func (a albers) project(lon, lat float64) (x, y float64) {
	d := lon - a.lon0
	for d > 180 {
		d -= 360
	}
	for d < -180 {
		d += 360
	}
	r := math.Sqrt(a.c-2*a.n*math.Sin(lat*math.Pi/180)) / a.n
	t := a.n * d * math.Pi / 180
	return r * math.Sin(t), a.r0 - r*math.Cos(t)
}

// Inset says which part of the US map a place is drawn in.
type Inset int

// The parts of the US map.
const (
	Lower48 Inset = iota // the contiguous states and DC
	Alaska               // an inset at the lower left, at 0.35 of the scale
	Hawaii               // an inset right of the Alaska one
)

// String returns the inset's name.
func (i Inset) String() string {
	switch i {
	case Alaska:
		return "Alaska"
	case Hawaii:
		return "Hawaii"
	}
	return "Lower48"
}

type usPart struct {
	proj       albers
	centerX    float64 // projected centre of the part, subtracted
	centerY    float64
	scale      float64
	offX, offY float64 // where the centre goes, in units of the lower 48's scale
}

func newUSPart(lon0, phi1, phi2, clon, clat, scale, offX, offY float64) usPart {
	p := usPart{proj: newAlbers(lon0, phi1, phi2), scale: scale, offX: offX, offY: offY}
	p.centerX, p.centerY = p.proj.project(clon, clat)
	return p
}

// The layout of d3's geoAlbersUsa: the same parallels, centres, scales and
// offsets.
var usParts = [...]usPart{
	Lower48: newUSPart(-96, 29.5, 45.5, -96.6, 38.7, 1, 0, 0),
	Alaska:  newUSPart(-154, 55, 65, -156, 58.5, 0.35, -0.307, -0.201),
	Hawaii:  newUSPart(-157, 8, 18, -160, 19.9, 1, -0.205, -0.212),
}

// USInset returns the part of the US map a place belongs to: by its state
// (USPS code "AK" or "HI") when known, else by its coordinates (Alaska north
// of 50°N and west of 129°W or east of 170°E, across the antimeridian;
// Hawaii between 18°N and 23°N and between 161°W and 154°W).
func USInset(state string, lon, lat float64) Inset {
	switch state {
	case "AK":
		return Alaska
	case "HI":
		return Hawaii
	case "":
	default:
		return Lower48
	}
	switch {
	case lat >= 50 && (lon <= -129 || lon >= 170):
		return Alaska
	case lat >= 18 && lat <= 23 && lon >= -161 && lon <= -154:
		return Hawaii
	}
	return Lower48
}

// USProject projects a place of the US map: the lower 48 states and DC in
// an Albers equal-area conic projection (parallels 29.5°N and 45.5°N), and
// Alaska (at 0.35 of the scale) and Hawaii in insets at the lower left,
// chosen by USInset. Units are those of the unit sphere (the lower 48 span
// about 0.9 × 0.5); y grows northwards.
func USProject(state string, lon, lat float64) (x, y float64) {
	p := &usParts[USInset(state, lon, lat)]
	x, y = p.proj.project(lon, lat)
	return (x-p.centerX)*p.scale + p.offX, (y-p.centerY)*p.scale + p.offY
}

// USStateAt returns the USPS code of the state (or DC) whose shape holds a
// longitude and latitude, or false when none does (at sea, abroad).
func USStateAt(lon, lat float64) (string, bool) {
	for _, f := range USFeatures() {
		if f.Contains(Point{lon, lat}) {
			return f.ID, true
		}
	}
	return "", false
}

// IsUSState reports whether code is the USPS code of a state or DC on the
// US map.
func IsUSState(code string) bool {
	for _, f := range USFeatures() {
		if f.ID == code {
			return true
		}
	}
	return false
}

// WrapLon returns a longitude in degrees moved into [-180, 180) by whole
// turns; 180 becomes -180.
func WrapLon(lon float64) float64 {
	if lon >= -180 && lon < 180 {
		return lon
	}
	lon = math.Mod(lon+180, 360)
	if lon < 0 {
		lon += 360
	}
	return lon - 180
}
