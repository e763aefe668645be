// Package htmlreport writes a knocks.Summary as one self-contained HTML
// file: headline numbers, attempts over time with a line per top country,
// top lists, an hour × weekday heatmap, a world choropleth, a city bubble
// map and a US map, drawn in the browser by the Apache ECharts build that
// the file inlines (htmlreport/echarts), from the map geometry embedded in
// knocks/data/maps. The file makes no request of any kind: it opens
// offline, from a mail attachment or a file share.
//
// Safety: every attacker-written string (user names, host names, network
// names) passes through report.Safe and then reaches the page only through
// html/template (tables) or as JSON data that the script reads with
// JSON.parse and draws on a canvas or escapes before any tooltip markup.
// The data sits in <script type="application/json"> elements, encoded so
// that it cannot contain "<" (so no "</script>" or "<!--") nor U+2028 or
// U+2029. The page declares a Content-Security-Policy with
// default-src 'none' and the SHA-256 hashes of its two inline scripts, so
// no other script can run even if markup were injected.
package htmlreport

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"knocks"
	"knocks/data/flags"
	"knocks/data/maps"
	"knocks/report"
)

//go:embed echarts/echarts.min.js
var echartsJS []byte

//go:embed app.js
var appJS []byte

//go:embed style.css
var styleCSS string

//go:embed page.html.tmpl
var pageTmpl string

// Options control Render.
type Options struct {
	// Title is the page title; "" means "knocks report".
	Title string
	// MaxCities bounds the cities drawn on the maps (the busiest first);
	// 0 means DefaultMaxCities.
	MaxCities int
	// MaxHours bounds the hourly series (the latest hours are kept); 0 means
	// DefaultMaxHours. The daily series is always complete.
	MaxHours int
}

// DefaultMaxCities is the default of Options.MaxCities.
const DefaultMaxCities = 2000

// countriesShown is how many country lines the per-country chart shows
// at first; app.js has the same number.
const countriesShown = 5

// DefaultMaxHours is the default of Options.MaxHours: about 400 days.
const DefaultMaxHours = 400 * 24

var (
	tmplOnce sync.Once
	tmpl     *template.Template
	tmplErr  error
	hashes   struct {
		echarts, app, style string
	}
)

func setup() {
	tmpl, tmplErr = template.New("page").Funcs(template.FuncMap{
		"count": maps.FormatCount,
		"pct":   func(f float64) string { return fmt.Sprintf("%.1f %%", f*100) },
		"sharePct": func(f *float64) string {
			if f == nil {
				return "n/a"
			}
			return fmt.Sprintf("%.1f %%", *f*100)
		},
		"deref": func(p *int64) int64 { return *p },
		"flag":  knocks.Flag,
		"day":   func(t time.Time) string { return fmtTime(t, "2006-01-02") },
		"ts":    func(t time.Time) string { return fmtTime(t, "2006-01-02 15:04") },
		"safe":  report.Safe,
		"inc":   func(i int) int { return i + 1 },
		"int64": func(i int) int64 { return int64(i) },
		"hours": func() []string {
			h := make([]string, 24)
			for i := range h {
				h[i] = fmt.Sprintf("%02d", i)
			}
			return h
		},
		"asn": func(a uint32) string {
			if a == 0 {
				return ""
			}
			return fmt.Sprintf("AS%d", a)
		},
	}).Parse(pageTmpl)
	hashes.echarts = hash(echartsJS)
	hashes.app = hash(appJS)
	hashes.style = hash([]byte(styleCSS))
	for name, b := range map[string][]byte{"echarts.min.js": echartsJS, "app.js": appJS} {
		if err := checkScript(b); err != nil && tmplErr == nil {
			tmplErr = fmt.Errorf("%s: %w", name, err)
		}
	}
}

func fmtTime(t time.Time, layout string) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(layout)
}

// hash returns a CSP source expression for an inline element's content.
func hash(b []byte) string {
	sum := sha256.Sum256(b)
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// errUnsafeScript is returned when content would end or confuse the
// <script> element it is written into.
var errUnsafeScript = errors.New("content could end its script element")

// checkScript returns errUnsafeScript when b contains "</script", "<!--" or
// "<script" (any case), which would end or change the parsing of the
// element it is written into.
func checkScript(b []byte) error {
	l := bytes.ToLower(b)
	for _, bad := range []string{"</script", "<!--", "<script"} {
		if bytes.Contains(l, []byte(bad)) {
			return errUnsafeScript
		}
	}
	return nil
}

// jsonBlock encodes v for a <script type="application/json"> element:
// encoding/json escapes <, > and & as \u003c, \u003e, \u0026 and U+2028,
// U+2029 as \u2028, \u2029; the result is checked to hold no "<" at all.
func jsonBlock(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("cannot encode report data: %w", err)
	}
	if bytes.IndexByte(b, '<') >= 0 || bytes.Contains(b, []byte("\u2028")) || bytes.Contains(b, []byte("\u2029")) {
		return nil, errUnsafeScript
	}
	return b, nil
}

// Render writes s as one self-contained HTML page to w.
func Render(w io.Writer, s *knocks.Summary, opts Options) error {
	return renderPage(w, s, opts, nil)
}

// Live is how a server (the dashboard of `knocks serve`) serves the page:
// the scripts are files of the server, loaded by URL, instead of inline.
type Live struct {
	// Scripts are the URLs of the scripts, in order: ECharts
	// (Script("echarts.min.js")), the report's script (Script("app.js")),
	// and any of the server's own.
	Scripts []string
	// CSP is the page's Content-Security-Policy; the server sends it as a
	// header as well (frame-ancestors works only there).
	CSP string
}

// RenderLive writes the page of s as Render does, for a server: the data
// blocks inline, the scripts loaded from live.Scripts. The report's script
// draws the charts again from new data blocks when the document receives
// the event "knocks:data".
func RenderLive(w io.Writer, s *knocks.Summary, opts Options, live Live) error {
	return renderPage(w, s, opts, &live)
}

// Script returns an embedded script of the page by name, "echarts.min.js"
// or "app.js"; nil for another name.
func Script(name string) []byte {
	switch name {
	case "echarts.min.js":
		return echartsJS
	case "app.js":
		return appJS
	}
	return nil
}

// StyleSource returns the CSP source expression that allows the page's
// inline stylesheet.
func StyleSource() string {
	tmplOnce.Do(setup)
	return hashes.style
}

func renderPage(w io.Writer, s *knocks.Summary, opts Options, live *Live) error {
	tmplOnce.Do(setup)
	if tmplErr != nil {
		return fmt.Errorf("cannot prepare html report: %w", tmplErr)
	}
	if opts.Title == "" {
		opts.Title = "knocks report"
	}
	if opts.MaxCities <= 0 {
		opts.MaxCities = DefaultMaxCities
	}
	if opts.MaxHours <= 0 {
		opts.MaxHours = DefaultMaxHours
	}
	d := buildData(s, opts)
	data, err := jsonBlock(d)
	if err != nil {
		return err
	}
	world, err := jsonBlock(json.RawMessage(worldGeo()))
	if err != nil {
		return err
	}
	var us []byte
	if d.US != nil {
		if us, err = jsonBlock(json.RawMessage(usGeo())); err != nil {
			return err
		}
	}
	v := newView(s, d, opts)
	v.CSP = "default-src 'none'; script-src " + hashes.echarts + " " + hashes.app +
		"; style-src " + hashes.style + "; img-src data:; base-uri 'none'; form-action 'none'"
	if live != nil {
		v.CSP = live.CSP
	}
	v.Style = template.CSS(styleCSS) // our own constant stylesheet, not data

	var buf bytes.Buffer
	buf.Grow(len(echartsJS) + len(data) + len(world) + len(us) + 64<<10)
	if err := tmpl.Execute(&buf, v); err != nil {
		return fmt.Errorf("cannot render html report: %w", err)
	}
	page := buf.Bytes()
	// The scripts go at the end of the body, written as they are: the data
	// blocks hold no "<", and the two scripts were checked by setup.
	i := bytes.LastIndex(page, []byte("</body>"))
	if i < 0 {
		return errors.New("cannot render html report: template has no </body>")
	}
	// Written through a buffer, not copied into a second page: memory holds
	// the page once.
	out := bufio.NewWriterSize(w, 64<<10)
	out.Write(page[:i])
	block := func(id string, b []byte) {
		out.WriteString(`<script type="application/json" id="` + id + `">`)
		out.Write(b)
		out.WriteString("</script>\n")
	}
	block("knocks-data", data)
	block("knocks-world", world)
	if us != nil {
		block("knocks-us", us)
	}
	if live != nil {
		for _, src := range live.Scripts {
			out.WriteString(`<script src="` + template.HTMLEscapeString(src) + `"></script>` + "\n")
		}
	} else {
		out.WriteString("<script>")
		out.Write(echartsJS)
		out.WriteString("</script>\n<script>")
		out.Write(appJS)
		out.WriteString("</script>\n")
	}
	out.Write(page[i:])
	if err := out.Flush(); err != nil {
		return fmt.Errorf("cannot write html report: %w", err)
	}
	return nil
}

// The geometry the browser draws, projected in Go so that the page and the
// PNG charts share one projection: the world in Equal Earth × 100, the US
// in its Albers layout × 1000, y northwards (ECharts flips it as it does
// latitudes). Features are named by their id (alpha-2, USPS code).
var (
	geoOnce       sync.Once
	worldGeoBytes []byte
	usGeoBytes    []byte
)

// sphereID names the outline feature of the world map.
const sphereID = "_sphere"

const (
	worldScale = 100
	usScale    = 1000
)

func projectGeo() {
	named := func(fs []maps.Feature) []maps.Feature {
		out := make([]maps.Feature, len(fs))
		for i, f := range fs {
			f.Name = f.ID
			out[i] = f
		}
		return out
	}
	world := maps.Project(named(maps.WorldFeatures()), func(_ string, lon, lat float64) (float64, float64) {
		x, y := maps.EqualEarth(lon, lat)
		return x * worldScale, y * worldScale
	})
	// The outline of the map (the meridians ±180) as a first feature, drawn
	// below the countries as the ocean.
	var sphere maps.Ring
	for lat := -90.0; lat <= 90; lat += 2 {
		x, y := maps.EqualEarth(180, lat)
		sphere = append(sphere, maps.Point{x * worldScale, y * worldScale})
	}
	for lat := 90.0; lat >= -90; lat -= 2 {
		x, y := maps.EqualEarth(-180, lat)
		sphere = append(sphere, maps.Point{x * worldScale, y * worldScale})
	}
	sphere = append(sphere, sphere[0])
	world = append([]maps.Feature{{ID: sphereID, Name: sphereID, Polygons: []maps.Polygon{{sphere}}}}, world...)
	worldGeoBytes = maps.EncodeGeoJSON(world, 2)
	us := maps.Project(named(maps.USFeatures()), func(id string, lon, lat float64) (float64, float64) {
		x, y := maps.USProject(id, lon, lat)
		return x * usScale, y * usScale
	})
	usGeoBytes = maps.EncodeGeoJSON(us, 1)
}

func worldGeo() []byte { geoOnce.Do(projectGeo); return worldGeoBytes }
func usGeo() []byte    { geoOnce.Do(projectGeo); return usGeoBytes }

// data is the JSON the page's script draws from. Every string in it has
// passed through report.Safe.
type data struct {
	Hour    [][2]int64 `json:"hour"` // [Unix ms, attempts]
	HourCut bool       `json:"hourCut"`
	Day     [][2]int64 `json:"day"`
	// The last day or hour when the logs end inside it; nil when whole.
	PartialDay  *partial       `json:"partialDay"`
	PartialHour *partial       `json:"partialHour"`
	Countries   []countrySerie `json:"countryDays"`
	Users       []userRow      `json:"users"`
	IPs         []namedRow     `json:"ips"`
	Subnets     []namedRow     `json:"subnets"`
	ASNs        []namedRow     `json:"asns"`
	TopCC       []namedRow     `json:"countries"`
	Ports       []namedRow     `json:"ports"`
	Heat        [][3]int64     `json:"heat"` // [hour, row (0 = Monday), attempts]
	World       *choropleth    `json:"world"`
	Cities      *bubbles       `json:"cities"`
	US          *choropleth    `json:"us"`
	Banned      *banMap        `json:"banned"`
}

// partial is a bucket of a time series that the logs end inside.
type partial struct {
	Start int64  `json:"start"` // Unix ms
	End   int64  `json:"end"`
	Until string `json:"until"` // the last event, "2006-01-02 15:04 UTC"
}

func partialOf(s *knocks.Summary, list []knocks.TimeCount, width time.Duration) *partial {
	p, ok := report.LastPartial(s, list, width)
	if !ok {
		return nil
	}
	return &partial{Start: ms(p.Start), End: ms(p.End), Until: fmtTime(p.Until, "2006-01-02 15:04") + " UTC"}
}

type countrySerie struct {
	Name string     `json:"name"`
	Days [][2]int64 `json:"days"`
}

type userRow struct {
	Name  string `json:"name"`
	N     int64  `json:"n"`
	Valid bool   `json:"valid"`
}

type namedRow struct {
	Name string `json:"name"`
	N    int64  `json:"n"`
	Info string `json:"info,omitempty"` // a second line for the tooltip
	Flag string `json:"flag,omitempty"` // the country's flag as a data: URI (knocks/data/flags)
}

// choropleth is a map coloured by the bins of a log scale.
type choropleth struct {
	Bins   []bin       `json:"bins"`
	Areas  []area      `json:"areas"`  // by feature id
	Points []mapPoint  `json:"points"` // countries without a shape; US cities
	Max    int64       `json:"max"`    // largest point value, for bubble sizes
	Bounds [2][2]int64 `json:"bounds,omitempty"`
}

type bin struct {
	Lo    int64  `json:"lo"`
	Hi    int64  `json:"hi"`
	Label string `json:"label"`
	Color string `json:"color"`
}

type area struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	N    int64  `json:"n"`
}

type mapPoint struct {
	Name string  `json:"name"`
	Info string  `json:"info,omitempty"`
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
	N    int64   `json:"n"`
}

type bubbles struct {
	Points []mapPoint `json:"points"`
	Max    int64      `json:"max"`
	Cut    int        `json:"cut"` // cities left out by the cap
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func series(l []knocks.TimeCount) [][2]int64 {
	out := make([][2]int64, len(l))
	for i, t := range l {
		out[i] = [2]int64{ms(t.Time), t.Attempts}
	}
	return out
}

func round(v float64, prec int) float64 {
	p := math.Pow10(prec)
	return math.Round(v*p) / p
}

// countryName returns the name of a country code: the summary's, else
// the ISO table's, else the code.
func countryName(code, name string) string {
	if name != "" {
		return report.Safe(name)
	}
	if c, ok := maps.Lookup(code); ok {
		return c.Name
	}
	return report.Safe(code)
}

func buildData(s *knocks.Summary, opts Options) *data {
	d := &data{Hour: series(s.PerHour), Day: series(s.PerDay),
		PartialDay: partialOf(s, s.PerDay, 24*time.Hour), PartialHour: partialOf(s, s.PerHour, time.Hour)}
	if len(d.Hour) > opts.MaxHours {
		d.Hour, d.HourCut = d.Hour[len(d.Hour)-opts.MaxHours:], true
	}
	names := map[string]string{}
	for _, c := range s.Countries {
		names[c.Country] = c.Name
	}
	for _, c := range s.PerCountryDay {
		d.Countries = append(d.Countries, countrySerie{Name: report.Safe(c.Country) + " " + countryName(c.Country, names[c.Country]), Days: series(c.Days)})
	}
	for _, u := range s.TopUsers {
		d.Users = append(d.Users, userRow{Name: report.Safe(u.User), N: u.Attempts, Valid: u.Valid})
	}
	for _, ip := range s.TopIPs {
		info := strings.TrimSpace(strings.Join([]string{report.Safe(ip.Country), asnText(ip.ASN), report.Safe(ip.Org)}, " "))
		d.IPs = append(d.IPs, namedRow{Name: report.Safe(ip.IP), N: ip.Attempts, Info: info})
	}
	for _, k := range s.TopSubnets {
		d.Subnets = append(d.Subnets, namedRow{Name: report.Safe(k.Key), N: k.Attempts})
	}
	for _, k := range s.TopPorts {
		d.Ports = append(d.Ports, namedRow{Name: report.Safe(k.Key), N: k.Attempts})
	}
	for _, a := range s.TopASNs {
		d.ASNs = append(d.ASNs, namedRow{Name: asnText(a.ASN), N: a.Attempts, Info: report.Safe(a.Org)})
	}
	for _, c := range s.TopCountries {
		d.TopCC = append(d.TopCC, namedRow{Name: report.Safe(c.Country), N: c.Attempts, Info: countryName(c.Country, c.Name),
			Flag: flags.DataURI(c.Country)})
	}
	for row, wd := range weekdays {
		for h := 0; h < 24; h++ {
			d.Heat = append(d.Heat, [3]int64{int64(h), int64(row), s.HourWeekday[wd][h]})
		}
	}
	d.World = worldData(s)
	d.Cities = cityData(s, opts.MaxCities)
	d.US = usData(s, opts.MaxCities)
	d.Banned = bannedData(s)
	return d
}

// weekdays in the order of the heatmap's rows, top to bottom.
var weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

func asnText(a uint32) string {
	if a == 0 {
		return ""
	}
	return fmt.Sprintf("AS%d", a)
}

func bins(max int64) []bin {
	var out []bin
	for _, b := range maps.LogBins(max) {
		out = append(out, bin{Lo: b.Lo, Hi: b.Hi, Label: b.Label, Color: b.Color})
	}
	return out
}

// worldData returns the choropleth of countries: the ones with a shape as
// areas keyed by alpha-2, the small ones as points; nil without countries.
func worldData(s *knocks.Summary) *choropleth {
	c := &choropleth{}
	var max int64
	for _, g := range s.Countries {
		code := strings.ToUpper(g.Country)
		if g.Attempts <= 0 {
			continue
		}
		name := countryName(g.Country, g.Name)
		if maps.HasShape(code) {
			c.Areas = append(c.Areas, area{ID: code, Name: name, N: g.Attempts})
		} else if e, ok := maps.Lookup(code); ok && e.HasPoint {
			x, y := maps.EqualEarth(e.Lon, e.Lat)
			c.Points = append(c.Points, mapPoint{Name: name, Info: code, X: round(x*worldScale, 2), Y: round(y*worldScale, 2), N: g.Attempts})
		} else {
			continue
		}
		max = int64(math.Max(float64(max), float64(g.Attempts)))
	}
	if max == 0 {
		return nil
	}
	c.Bins = bins(max)
	c.Max = max
	return c
}

// cityPoints returns the located cities with attempts, busiest first,
// at most limit, and how many were left out.
func cityPoints(s *knocks.Summary, onlyUS bool, limit int) ([]knocks.CityCount, int) {
	var out []knocks.CityCount
	for _, c := range s.Cities {
		if c.Attempts <= 0 || (c.Lat == 0 && c.Lon == 0) || math.IsNaN(c.Lat) || math.IsInf(c.Lon, 0) || math.IsNaN(c.Lon) || math.Abs(c.Lat) > 90 {
			continue
		}
		c.Lon = maps.WrapLon(c.Lon)
		if onlyUS && !strings.EqualFold(c.Country, "US") {
			continue
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Attempts > out[j].Attempts })
	if len(out) > limit {
		return out[:limit], len(out) - limit
	}
	return out, 0
}

func cityName(c knocks.CityCount) (name, info string) {
	name = report.Safe(c.City)
	if name == "" {
		name = "(unnamed place)"
	}
	info = report.Safe(c.Country)
	if c.Region != "" {
		info = report.Safe(c.Region) + ", " + info
	}
	return name, info
}

func cityData(s *knocks.Summary, limit int) *bubbles {
	list, cut := cityPoints(s, false, limit)
	if len(list) == 0 {
		return nil
	}
	b := &bubbles{Max: list[0].Attempts, Cut: cut}
	for _, c := range list {
		x, y := maps.EqualEarth(c.Lon, c.Lat)
		name, info := cityName(c)
		b.Points = append(b.Points, mapPoint{Name: name, Info: info, X: round(x*worldScale, 2), Y: round(y*worldScale, 2), N: c.Attempts})
	}
	return b
}

// usData returns the US map: states coloured by the attempts of their
// cities, and the cities as points; nil without a US city.
func usData(s *knocks.Summary, limit int) *choropleth {
	list, _ := cityPoints(s, true, limit)
	if len(list) == 0 {
		return nil
	}
	states := USStateValues(s)
	c := &choropleth{Max: list[0].Attempts}
	var max int64
	for _, f := range maps.USFeatures() {
		if n := states[f.ID]; n > 0 {
			c.Areas = append(c.Areas, area{ID: f.ID, Name: f.Name, N: n})
			max = int64(math.Max(float64(max), float64(n)))
		}
	}
	c.Bins = bins(max)
	for _, ct := range list {
		x, y := maps.USProject(strings.ToUpper(ct.Region), ct.Lon, ct.Lat)
		name, info := cityName(ct)
		c.Points = append(c.Points, mapPoint{Name: name, Info: info, X: round(x*usScale, 1), Y: round(y*usScale, 1), N: ct.Attempts})
	}
	return c
}

// USStateValues sums the attempts of the summary's US cities per state
// (USPS code): by the city's region when it is a state code, else by the
// state whose shape holds the city's coordinates. Cities in no state are
// left out.
func USStateValues(s *knocks.Summary) map[string]int64 {
	out := map[string]int64{}
	list, _ := cityPoints(s, true, math.MaxInt)
	for _, c := range list {
		if r := strings.ToUpper(c.Region); maps.IsUSState(r) {
			out[r] += c.Attempts
		} else if st, ok := maps.USStateAt(c.Lon, c.Lat); ok {
			out[st] += c.Attempts
		}
	}
	return out
}
