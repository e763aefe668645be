package htmlreport

import (
	"bytes"
	"encoding/json"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"knocks"
	"knocks/data/maps"
	"knocks/storetest"
)

func render(t *testing.T, s *knocks.Summary, opts Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Render(&b, s, opts); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var scriptRE = regexp.MustCompile(`(?s)<script([^>]*)>(.*?)</script>`)

// TestRenderSafe checks the structure that makes the page safe: five
// script elements (three JSON data blocks, ECharts, the report's script),
// data blocks without any "<", a CSP whose hashes are those of the two
// executable scripts, and no reference to anything outside the file.
func TestRenderSafe(t *testing.T) {
	s := hostileSummary()
	page := render(t, s, Options{})
	if !bytes.HasPrefix(page, []byte("<!doctype html>")) || !bytes.HasSuffix(bytes.TrimSpace(page), []byte("</html>")) {
		t.Fatalf("not a whole page")
	}
	scripts := scriptRE.FindAllSubmatch(page, -1)
	if len(scripts) != 5 || bytes.Count(bytes.ToLower(page), []byte("<script")) != 5 {
		t.Fatalf("%d script elements (%d <script), want 5", len(scripts), bytes.Count(page, []byte("<script")))
	}
	var hashes []string
	for _, sc := range scripts {
		attrs, body := string(sc[1]), sc[2]
		if strings.Contains(attrs, `type="application/json"`) {
			if bytes.IndexByte(body, '<') >= 0 || bytes.Contains(body, []byte("\u2028")) || bytes.Contains(body, []byte("\u2029")) {
				t.Errorf("data block %s holds <, U+2028 or U+2029", attrs)
			}
			var v any
			if err := json.Unmarshal(body, &v); err != nil {
				t.Errorf("data block %s: %v", attrs, err)
			}
			continue
		}
		if attrs != "" {
			t.Errorf("script with attributes %q", attrs)
		}
		hashes = append(hashes, hash(body))
	}
	m := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`).FindSubmatch(page)
	if m == nil {
		t.Fatal("no CSP meta element")
	}
	csp := html.UnescapeString(string(m[1]))
	want := "default-src 'none'; script-src " + strings.Join(hashes, " ") + "; style-src " + hash([]byte(styleCSS)) + "; img-src data:; base-uri 'none'; form-action 'none'"
	if csp != want {
		t.Errorf("CSP = %q\nwant  %q", csp, want)
	}
	// The style element's content is what its hash covers.
	if !bytes.Contains(page, []byte("<style>"+styleCSS+"</style>")) {
		t.Error("the style element is not the embedded stylesheet verbatim")
	}
	// No reference to anything outside the file: the only images are the
	// flags, PNGs inlined as data: URIs.
	markup := scriptRE.ReplaceAll(page, nil)
	flagRE := regexp.MustCompile(`<img class="flag" src="data:image/png;base64,([A-Za-z0-9/=]|&#43;)+" alt="" width="20" height="15">`)
	if len(flagRE.FindAll(markup, -1)) == 0 {
		t.Error("the page has no flag")
	}
	markup = flagRE.ReplaceAll(markup, nil)
	for _, re := range []string{`(?i)<[^>]*\ssrc\s*=`, `(?i)<link`, `(?i)<iframe`, `(?i)<img`, `(?i)url\(`, `(?i)@import`, `(?i)<[^>]*href="[^#]`} {
		if loc := regexp.MustCompile(re).FindIndex(markup); loc != nil {
			t.Errorf("markup matches %s: %q", re, markup[max(0, loc[0]-40):min(len(markup), loc[1]+40)])
		}
	}
	// Hostile names are escaped in the markup.
	for _, h := range hostile {
		if bytes.Contains(markup, []byte(h)) && strings.ContainsAny(h, "<>") {
			t.Errorf("markup holds %q unescaped", h)
		}
	}
}

// TestRenderBlocked checks the section of what sshd blocked by itself: its
// numbers and rows, and no section when nothing was blocked.
func TestRenderBlocked(t *testing.T) {
	page := string(render(t, hostileSummary(), Options{}))
	for _, want := range []string{
		`<section id="blocked"`,
		`<span class="num" data-key="dropped">40</span>`,
		`<td class="s">failed authentication</td><td class="n">10</td><td class="n">2</td><td class="n">2</td>`,
		`<td class="s">203.0.113.142</td><td class="n">25</td><td class="n">5</td>`,
		`<td class="s">&lt;img src=x onerror=alert(1)&gt;</td><td class="n">30</td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	s := hostileSummary()
	s.Dropped, s.Lockouts, s.Penalties, s.TopPenalised, s.TopLockedUsers = 0, 0, nil, nil, nil
	if page := string(render(t, s, Options{})); strings.Contains(page, `id="blocked"`) {
		t.Error("blocked section shown without drops, penalties or lockouts")
	}
}

func TestJSONBlock(t *testing.T) {
	b, err := jsonBlock(map[string]string{"a": "</script><!--<script>\u2028\u2029&"})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.IndexByte(b, '<') >= 0 || bytes.Contains(b, []byte("\u2028")) || bytes.Contains(b, []byte("\u2029")) {
		t.Errorf("jsonBlock = %s", b)
	}
	var back map[string]string
	if err := json.Unmarshal(b, &back); err != nil || back["a"] != "</script><!--<script>\u2028\u2029&" {
		t.Errorf("round trip: %q, %v", back, err)
	}
	for _, bad := range []string{"x</SCRIPT>", "<!-- x", "a<script"} {
		if checkScript([]byte(bad)) == nil {
			t.Errorf("checkScript(%q) = nil", bad)
		}
	}
	if err := checkScript(echartsJS); err != nil {
		t.Errorf("echarts.min.js: %v", err)
	}
	if err := checkScript(appJS); err != nil {
		t.Errorf("app.js: %v", err)
	}
	for _, bad := range []string{"eval(", "new Function", "innerHTML", "document.write", "insertAdjacentHTML"} {
		if bytes.Contains(appJS, []byte(bad)) {
			t.Errorf("app.js uses %s", bad)
		}
	}
}

// TestRenderLarge renders the summary of a large database: a year of
// hourly data, every country, thousands of cities and long top lists. The
// page must stay under 5 MB with the cities capped.
func TestRenderLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("large summary skipped in -short mode")
	}
	s := storetest.WorldSummary(storetest.WorldConfig{Seed: 3, Connections: 250_000, Days: 365, Top: 50, ExtraCities: 6000})
	// Every country of the table, as a database of a busy server has.
	seen := map[string]bool{}
	for _, c := range s.Countries {
		seen[c.Country] = true
	}
	for i, c := range maps.Countries() {
		if !seen[c.Alpha2] {
			s.Countries = append(s.Countries, knocks.GeoCount{Country: c.Alpha2, Name: c.Name, Attempts: int64(1 + i%50), IPs: 1})
		}
	}
	// And more located cities than the maps draw.
	for i := 0; len(s.Cities) < 3*DefaultMaxCities; i++ {
		s.Cities = append(s.Cities, knocks.CityCount{City: "Village " + strings.Repeat("x", i%7), Country: "BR", Lat: -10 - float64(i%100)/10, Lon: -50 + float64(i/100)/10, Attempts: 1, IPs: 1})
	}
	if len(s.Cities) <= DefaultMaxCities {
		t.Fatalf("only %d cities: the cap is not tested", len(s.Cities))
	}
	start := time.Now()
	page := render(t, s, Options{})
	t.Logf("large summary: %d per-hour points, %d countries, %d cities: %d bytes of HTML (%.2f MB) in %v",
		len(s.PerHour), len(s.Countries), len(s.Cities), len(page), float64(len(page))/(1<<20), time.Since(start).Round(time.Millisecond))
	if len(page) >= 5<<20 {
		t.Errorf("page is %d bytes, want under 5 MB", len(page))
	}
	var d data
	m := scriptRE.FindAllSubmatch(page, -1)
	if err := json.Unmarshal(m[0][2], &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Cities.Points) != DefaultMaxCities || d.Cities.Cut != len(s.Cities)-DefaultMaxCities {
		t.Errorf("cities: %d drawn, %d cut, of %d", len(d.Cities.Points), d.Cities.Cut, len(s.Cities))
	}
	if len(d.Hour) != len(s.PerHour) || d.HourCut {
		t.Errorf("hourly: %d of %d", len(d.Hour), len(s.PerHour))
	}
	// Bubbles are the busiest cities.
	if d.Cities.Points[0].N != s.Cities[0].Attempts || d.Cities.Max != s.Cities[0].Attempts {
		t.Errorf("first bubble %d, want %d", d.Cities.Points[0].N, s.Cities[0].Attempts)
	}
}

func TestRenderWithoutGeoIP(t *testing.T) {
	s := storetest.WorldSummary(storetest.WorldConfig{Seed: 5, Connections: 2000, Days: 10, NoGeo: true})
	page := string(render(t, s, Options{}))
	for _, id := range []string{`id="world"`, `id="cities"`, `id="us"`, `id="knocks-us"`} {
		if strings.Contains(page, id) {
			t.Errorf("page without GeoIP has %s", id)
		}
	}
	for _, want := range []string{`id="chart-time"`, `id="chart-users"`, "No GeoIP data was used.", "IP geolocation is nominal"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// Without US cities there is no US map.
	s = storetest.WorldSummary(storetest.WorldConfig{Seed: 5, Connections: 2000, Days: 10, NoUS: true})
	page = string(render(t, s, Options{}))
	if strings.Contains(page, `id="us"`) || !strings.Contains(page, `id="world"`) {
		t.Error("page without US cities: want a world map and no US map")
	}
}

func TestRenderFilter(t *testing.T) {
	s := &knocks.Summary{Filter: knocks.Filter{Country: "CN", ASN: 4134, Host: "<gw>", Since: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)}}
	page := string(render(t, s, Options{}))
	if want := `<p class="period" id="filter">Filtered: since 2026-01-02 03:04 UTC, host &lt;gw&gt;, country CN, AS4134</p>`; !strings.Contains(page, want) {
		t.Errorf("page lacks %s", want)
	}
	s.TopHosts = []knocks.KeyCount{{Key: "gw1", Attempts: 3}, {Key: "<gw2>", Attempts: 1}}
	if page := string(render(t, s, Options{})); !strings.Contains(page, `id="hosts"`) || !strings.Contains(page, "&lt;gw2&gt;") {
		t.Error("two hosts: want the hosts table")
	}
	if strings.Contains(string(render(t, &knocks.Summary{}, Options{})), `id="filter"`) {
		t.Error("unfiltered page names a filter")
	}
}

func TestRenderEmpty(t *testing.T) {
	page := string(render(t, &knocks.Summary{}, Options{Title: "empty <db>"}))
	for _, want := range []string{"No events in this database.", "No attempts in this period.", "<title>empty &lt;db&gt;</title>"} {
		if !strings.Contains(page, want) {
			t.Errorf("empty page lacks %q", want)
		}
	}
}

func TestUSStateValues(t *testing.T) {
	s := &knocks.Summary{Cities: []knocks.CityCount{
		{City: "Ashburn", Region: "VA", Country: "US", Lat: 39.04, Lon: -77.49, Attempts: 10},
		{City: "Reston", Region: "va", Country: "US", Lat: 38.96, Lon: -77.34, Attempts: 5},
		{City: "Anchorage", Country: "US", Lat: 61.22, Lon: -149.9, Attempts: 7}, // no region: by its shape
		{City: "Honolulu", Region: "", Country: "US", Lat: 21.31, Lon: -157.86, Attempts: 3},
		{City: "Washington", Region: "DC", Country: "US", Lat: 38.9, Lon: -77.04, Attempts: 2},
		{City: "Denver", Region: "Colorado", Country: "US", Lat: 39.74, Lon: -104.99, Attempts: 4}, // a name, not a code
		{City: "Sea", Country: "US", Lat: 30, Lon: -140, Attempts: 100},                            // in no state
		{City: "Toronto", Region: "ON", Country: "CA", Lat: 43.65, Lon: -79.38, Attempts: 50},
	}}
	got := USStateValues(s)
	want := map[string]int64{"VA": 15, "AK": 7, "HI": 3, "DC": 2, "CO": 4}
	if len(got) != len(want) {
		t.Errorf("USStateValues = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("USStateValues[%s] = %d, want %d", k, got[k], v)
		}
	}
}

// TestWorldData checks the choropleth's data: shapes keyed by alpha-2,
// small countries as points, reserved ranges and unknown codes left out,
// bins from the largest count.
func TestWorldData(t *testing.T) {
	s := &knocks.Summary{Countries: []knocks.GeoCount{
		{Country: "CN", Name: "China", Attempts: 5000},
		{Country: "SG", Name: "Singapore", Attempts: 7000},
		{Country: "private", Name: "Private network", Attempts: 90000},
		{Country: "ZZ", Attempts: 80000},
		{Country: "XK", Name: "Kosovo", Attempts: 3},
		{Country: "FJ", Attempts: 1},
	}}
	w := worldData(s)
	areas := map[string]int64{}
	for _, a := range w.Areas {
		areas[a.ID] = a.N
	}
	if len(areas) != 3 || areas["CN"] != 5000 || areas["XK"] != 3 || areas["FJ"] != 1 {
		t.Errorf("areas %v", areas)
	}
	if len(w.Points) != 1 || w.Points[0].Info != "SG" || w.Points[0].N != 7000 {
		t.Errorf("points %+v", w.Points)
	}
	if w.Max != 7000 || w.Bins[len(w.Bins)-1].Hi != 7000 {
		t.Errorf("max %d, bins %+v", w.Max, w.Bins)
	}
	if len(bins(0)) != 0 || worldData(&knocks.Summary{}) != nil {
		t.Error("no countries: want no map")
	}
}
