// Package maps embeds the map geometry of the knocks pictures and the
// arithmetic that goes with it: world countries keyed by ISO 3166 alpha-2,
// US states keyed by USPS code, the ISO alpha-2 ↔ numeric table, the Equal
// Earth projection, a US projection with Alaska and Hawaii insets, and the
// logarithmic colour bins of choropleths.
//
// The files are made once by scripts/refresh-maps.sh from the npm packages
// world-atlas, us-atlas and i18n-iso-countries; README.md beside them
// records their sources, versions and licences.
package maps

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

//go:embed world.geojson
var world []byte

//go:embed us-states.geojson
var usStates []byte

//go:embed countries.json
var countriesJSON []byte

// World returns the GeoJSON FeatureCollection of the world's countries
// (Natural Earth 1:110m), in longitude/latitude degrees, split at the
// antimeridian. Each feature's id is an ISO 3166 alpha-2 code and its
// properties hold the English "name". The caller must not modify the bytes.
func World() []byte { return world }

// USStates returns the GeoJSON FeatureCollection of the 50 US states and
// the District of Columbia (US Census 1:10m), in longitude/latitude degrees.
// Each feature's id is a USPS code ("AK", "DC", ...) and its properties hold
// the "name". The caller must not modify the bytes.
func USStates() []byte { return usStates }

// Country is one entry of the ISO 3166 table.
type Country struct {
	Alpha2  string // ISO 3166 alpha-2, e.g. "DE"
	Numeric string // ISO 3166 numeric, three digits, e.g. "276"
	Name    string // a short English name
	// HasPoint is set for countries too small to have a shape in World
	// (Singapore, Hong Kong, Malta, ...): Lon and Lat are then a point
	// inside the country to draw a marker at.
	HasPoint bool
	Lon, Lat float64
}

var (
	tableOnce sync.Once
	table     []Country
	byAlpha2  map[string]int
	byNumeric map[string]int
)

func loadTable() {
	var rows [][]any
	if err := json.Unmarshal(countriesJSON, &rows); err != nil {
		panic(fmt.Sprintf("maps: embedded countries.json: %v", err))
	}
	table = make([]Country, 0, len(rows))
	byAlpha2 = make(map[string]int, len(rows))
	byNumeric = make(map[string]int, len(rows))
	for _, r := range rows {
		c := Country{Alpha2: r[0].(string), Numeric: r[1].(string), Name: r[2].(string)}
		if len(r) == 5 {
			c.HasPoint, c.Lon, c.Lat = true, r[3].(float64), r[4].(float64)
		}
		byAlpha2[c.Alpha2] = len(table)
		byNumeric[c.Numeric] = len(table)
		table = append(table, c)
	}
}

// Countries returns the ISO 3166 table sorted by alpha-2 code. The caller
// must not modify it.
func Countries() []Country {
	tableOnce.Do(loadTable)
	return table
}

// Lookup returns the table entry of an alpha-2 code (any case).
func Lookup(alpha2 string) (Country, bool) {
	tableOnce.Do(loadTable)
	i, ok := byAlpha2[strings.ToUpper(alpha2)]
	if !ok {
		return Country{}, false
	}
	return table[i], true
}

// Numeric returns the ISO 3166 numeric code of an alpha-2 code.
func Numeric(alpha2 string) (string, bool) {
	c, ok := Lookup(alpha2)
	return c.Numeric, ok
}

// Alpha2 returns the alpha-2 code of an ISO 3166 numeric code ("4", "04"
// and "004" are the same).
func Alpha2(numeric string) (string, bool) {
	tableOnce.Do(loadTable)
	for len(numeric) < 3 {
		numeric = "0" + numeric
	}
	i, ok := byNumeric[numeric]
	if !ok {
		return "", false
	}
	return table[i].Alpha2, true
}

var (
	worldOnce, usOnce         sync.Once
	worldFeatures, usFeatures []Feature
	worldIndex                map[string]int
)

// WorldFeatures returns the parsed features of World. The caller must not
// modify them.
func WorldFeatures() []Feature {
	worldOnce.Do(func() {
		worldFeatures = mustParse(world)
		worldIndex = make(map[string]int, len(worldFeatures))
		for i, f := range worldFeatures {
			worldIndex[f.ID] = i
		}
	})
	return worldFeatures
}

// USFeatures returns the parsed features of USStates. The caller must not
// modify them.
func USFeatures() []Feature {
	usOnce.Do(func() { usFeatures = mustParse(usStates) })
	return usFeatures
}

// HasShape reports whether World has a feature for an alpha-2 code; a
// country without one may still have a point (see Country.HasPoint).
func HasShape(alpha2 string) bool {
	WorldFeatures()
	_, ok := worldIndex[strings.ToUpper(alpha2)]
	return ok
}

func mustParse(b []byte) []Feature {
	fs, err := ParseFeatures(b)
	if err != nil {
		panic(fmt.Sprintf("maps: embedded geometry: %v", err))
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].ID < fs[j].ID })
	return fs
}
