package charts

import (
	"bytes"
	"encoding/json"
	"flag"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"knocks"
	"knocks/data/maps"
	"knocks/report"
	"knocks/storetest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestCountryValues(t *testing.T) {
	s := &knocks.Summary{Countries: []knocks.GeoCount{
		{Country: "CN", Attempts: 500}, {Country: "us", Attempts: 40}, {Country: "SG", Attempts: 70},
		{Country: "HK", Attempts: 20}, {Country: "private", Attempts: 9000}, {Country: "ZZ", Attempts: 1},
		{Country: "RU", Attempts: 0}, {Country: "XK", Attempts: 2},
	}}
	shapes, points := countryValues(s)
	if want := map[string]int64{"CN": 500, "US": 40, "XK": 2}; !reflect.DeepEqual(shapes, want) {
		t.Errorf("shapes = %v, want %v", shapes, want)
	}
	if len(points) != 2 || points[0].ID != "SG" || points[1].ID != "HK" || points[0].Value != 70 {
		t.Errorf("points = %+v, want SG then HK", points)
	}
	// Every shape id is a world feature: the choropleth colours it.
	ids := map[string]bool{}
	for _, f := range maps.WorldFeatures() {
		ids[f.ID] = true
	}
	for id := range shapes {
		if !ids[id] {
			t.Errorf("%s has no feature", id)
		}
	}
}

func TestCityPointsAndBubbles(t *testing.T) {
	s := &knocks.Summary{Cities: []knocks.CityCount{
		{City: "A", Country: "US", Region: "va", Lat: 39, Lon: -77.5, Attempts: 400},
		{City: "B", Country: "DE", Lat: 50, Lon: 8, Attempts: 100},
		{City: "Null Island", Country: "", Lat: 0, Lon: 0, Attempts: 1000},
		{City: "C", Country: "FJ", Lat: -18, Lon: 181, Attempts: 25},
		{City: "D", Country: "US", Lat: 61.2, Lon: -149.9, Attempts: 0},
	}}
	all := cityPoints(s, false)
	if len(all) != 3 || all[0].Name != "A" || all[0].Region != "VA" || all[2].Lon != -179 {
		t.Errorf("cityPoints = %+v", all)
	}
	us := cityPoints(s, true)
	if len(us) != 1 || us[0].Name != "A" || !hasUS(s) {
		t.Errorf("US cityPoints = %+v", us)
	}
	// Bubble area is proportional to attempts: a quarter of the attempts is
	// half the radius.
	if r := bubbleRadius(100, 400, 20); math.Abs(float64(r-10)) > 1e-9 {
		t.Errorf("bubbleRadius(100, 400, 20) = %v, want 10", r)
	}
	if r := bubbleRadius(0, 400, 20); r != 0 {
		t.Errorf("bubbleRadius(0) = %v", r)
	}
	for max, want := range map[int64][]int64{7292: {7292, 2000, 200}, 40: {40, 10, 1}, 3: {3}, 1: {1}} {
		if got := bubbleLegend(max); !reflect.DeepEqual(got, want) {
			t.Errorf("bubbleLegend(%d) = %v, want %v", max, got, want)
		}
	}
	// The cap.
	many := &knocks.Summary{}
	for i := 0; i < MaxCities+10; i++ {
		many.Cities = append(many.Cities, knocks.CityCount{City: "x", Country: "BR", Lat: -10, Lon: -50 + float64(i)/100, Attempts: int64(i + 1)})
	}
	if got := cityPoints(many, false); len(got) != MaxCities || got[0].Value != int64(MaxCities+10) {
		t.Errorf("capped cities: %d, first %d", len(got), got[0].Value)
	}
}

func TestUSStateValuesAndInsets(t *testing.T) {
	s := &knocks.Summary{Cities: []knocks.CityCount{
		{City: "Ashburn", Region: "VA", Country: "US", Lat: 39.04, Lon: -77.49, Attempts: 10},
		{City: "Anchorage", Country: "US", Lat: 61.22, Lon: -149.9, Attempts: 7},
		{City: "Adak", Country: "US", Lat: 51.88, Lon: -176.66, Attempts: 1},
		{City: "Attu", Country: "US", Lat: 52.9, Lon: 173.2, Attempts: 1},
		{City: "Honolulu", Country: "US", Lat: 21.31, Lon: -157.86, Attempts: 3},
		{City: "Washington", Region: "DC", Country: "US", Lat: 38.9, Lon: -77.04, Attempts: 2},
	}}
	got := usStateValues(s)
	want := map[string]int64{"VA": 10, "AK": 9, "HI": 3, "DC": 2}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("usStateValues = %v, want %v", got, want)
	}
	// Each city lands in the inset of its state's shape.
	feats := usProjected()
	byID := map[string]maps.Feature{}
	for _, f := range feats {
		byID[f.ID] = f
	}
	for _, c := range s.Cities {
		x, y := maps.USProject(c.Region, c.Lon, c.Lat)
		st := c.Region
		if st == "" {
			st, _ = maps.USStateAt(c.Lon, c.Lat)
		}
		f := byID[st]
		lo, hi := f.Bounds()
		if x < lo[0]-0.01 || x > hi[0]+0.01 || y < lo[1]-0.01 || y > hi[1]+0.01 {
			t.Errorf("%s projects to %v,%v outside %s %v–%v", c.City, x, y, st, lo, hi)
		}
	}
}

func TestHeatData(t *testing.T) {
	var s knocks.Summary
	s.HourWeekday[time.Sunday][3] = 7
	s.HourWeekday[time.Monday][23] = 11
	cells, max := heatData(&s)
	if len(cells) != 168 || max != 11 {
		t.Fatalf("%d cells, max %d", len(cells), max)
	}
	for _, c := range cells {
		switch {
		case c.Row == 6 && c.Hour == 3:
			if c.Value != 7 {
				t.Errorf("Sunday 03: %d", c.Value)
			}
		case c.Row == 0 && c.Hour == 23:
			if c.Value != 11 {
				t.Errorf("Monday 23: %d", c.Value)
			}
		default:
			if c.Value != 0 {
				t.Errorf("cell %+v", c)
			}
		}
	}
	if heatmap(&knocks.Summary{}) != nil {
		t.Error("heatmap of nothing")
	}
}

func TestTimeData(t *testing.T) {
	// Logs that end at 14:00 on 1 March: the last day is partial.
	end := time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)
	s := storetest.WorldSummary(storetest.WorldConfig{Seed: 2, Connections: 3000, Days: 20, End: end})
	step, total, last := timeData(s)
	if step != 24*time.Hour || len(total.Points) != len(s.PerDay) {
		t.Fatalf("step %v, %d points, want a day and %d", step, len(total.Points), len(s.PerDay))
	}
	var sum float64
	for _, p := range total.Points {
		sum += p.Y
	}
	if int64(sum) != s.Attempts {
		t.Errorf("per-day total %v, want %d", sum, s.Attempts)
	}
	day := end.Truncate(24 * time.Hour)
	if last == nil || !last.Start.Equal(day) || !last.Until.Equal(s.Last) || !s.Last.Before(end) {
		t.Errorf("partial last day = %+v, want the day of %v (last event %v)", last, end, s.Last)
	}
	// The per-country chart: the busiest countriesShown countries, in
	// order, reserved ranges left out.
	lines := countryData(s)
	if len(lines) != countriesShown {
		t.Fatalf("%d country lines, want %d", len(lines), countriesShown)
	}
	for i, l := range lines {
		if c := s.TopCountries[i].Country; !strings.HasPrefix(l.Name, c+" ") {
			t.Errorf("country line %d is %q, want %s", i, l.Name, c)
		}
		if strings.HasPrefix(l.Name, "private") {
			t.Errorf("a reserved range is drawn as a country: %q", l.Name)
		}
	}
	// Logs that end just before midnight: the last day is whole.
	s = storetest.WorldSummary(storetest.WorldConfig{Seed: 2, Connections: 3000, Days: 20})
	if _, _, last := timeData(s); last != nil && s.Last.Hour() == 23 {
		t.Errorf("the last day ends at %v and is drawn as partial", s.Last)
	}
	// A short period is drawn per hour.
	s = storetest.WorldSummary(storetest.WorldConfig{Seed: 2, Connections: 300, Days: 2})
	step, total, _ = timeData(s)
	if step != time.Hour || len(total.Points) != len(s.PerHour) {
		t.Errorf("short period: step %v, %d points", step, len(total.Points))
	}
}

func TestLabelsAndBars(t *testing.T) {
	s := &knocks.Summary{TopUsers: []knocks.UserCount{
		{User: "\x1b[31mred", Attempts: 5}, {User: "root", Attempts: 4, Valid: true},
		{User: strings.Repeat("a", 50), Attempts: 3}, {User: "", Attempts: 1},
	}}
	got := userBars(s)
	want := []bar{{Label: `\x1b[31mred`, Value: 5}, {Label: "root", Value: 4, Valid: true}, {Label: strings.Repeat("a", 31) + "…", Value: 3}, {Label: `""`, Value: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("userBars = %+v, want %+v", got, want)
	}
	if got := countryLabel("CN", ""); got != "CN  China" {
		t.Errorf("countryLabel = %q", got)
	}
	if got := countryLabel("private", "private"); got != "private" {
		t.Errorf("countryLabel(private) = %q", got)
	}
}

func TestCompact(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 950: "950", 1000: "1k", 1234: "1.2k", 12345: "12k", 3.4e6: "3.4M", 2e9: "2G"} {
		if got := compact(v); got != want {
			t.Errorf("compact(%v) = %q, want %q", v, got, want)
		}
	}
}

// TestWriteAll writes every chart of a realistic summary and checks the
// files: one PNG (and SVG) per chart at the asked size, the maps left out
// without GeoIP, and nothing of what Anonymize hides in the SVG text.
func TestWriteAll(t *testing.T) {
	s := storetest.WorldSummary(storetest.WorldConfig{Seed: 1, Connections: 8000, Days: 30, Users: []string{"<b>x</b>", "\x1b[31mred"}, UserTries: 3000})
	dir := t.TempDir()
	if d := os.Getenv("KNOCKS_SCREENSHOTS"); d != "" {
		// Full-size pictures of a realistic summary, to look at.
		full := storetest.WorldSummary(storetest.WorldConfig{Seed: 1, Connections: 30000, Days: 40, End: time.Date(2026, 3, 1, 15, 20, 0, 0, time.UTC)})
		if _, err := WriteAll(filepath.Join(d, "plots"), full, Options{}); err != nil {
			t.Fatal(err)
		}
	}
	paths, err := WriteAll(dir, s, Options{Width: 800, Height: 450, SVG: true, Anonymize: true})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		if strings.HasSuffix(p, ".png") {
			names = append(names, strings.TrimSuffix(filepath.Base(p), ".png"))
		}
	}
	want := []string{"attempts-over-time", "countries-over-time", "users", "ips", "subnets", "asns", "countries", "ports", "heatmap", "world", "cities", "us"}
	if !reflect.DeepEqual(names, want) || len(paths) != 2*len(want) {
		t.Fatalf("charts %q, want %q", names, want)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(p, ".png") {
			cfg, err := png.DecodeConfig(bytes.NewReader(b))
			if err != nil || cfg.Width != 800 || cfg.Height != 450 {
				t.Errorf("%s: %dx%d, %v", p, cfg.Width, cfg.Height, err)
			}
			continue
		}
		for _, ip := range s.TopIPs {
			if bytes.Contains(b, []byte(">"+ip.IP+" ")) || bytes.Contains(b, []byte(">"+ip.IP+"<")) {
				t.Errorf("%s shows the address %s", filepath.Base(p), ip.IP)
			}
		}
		for _, u := range s.TopValidUsers {
			if bytes.Contains(b, []byte(">"+u.User+"<")) {
				t.Errorf("%s shows the valid user %q", filepath.Base(p), u.User)
			}
		}
		if bytes.Contains(b, []byte("<b>x</b>")) || bytes.Contains(b, []byte("\x1b")) {
			t.Errorf("%s holds a raw hostile name", filepath.Base(p))
		}
	}
	// Without GeoIP: no maps, no country or network charts.
	s = storetest.WorldSummary(storetest.WorldConfig{Seed: 1, Connections: 2000, Days: 5, NoGeo: true})
	paths, err = WriteAll(t.TempDir(), s, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		switch filepath.Base(p) {
		case "world.png", "cities.png", "us.png", "countries.png", "asns.png":
			t.Errorf("chart %s without GeoIP", filepath.Base(p))
		}
		if cfg, _ := png.DecodeConfig(mustOpen(t, p)); cfg.Width != 1600 || cfg.Height != 900 {
			t.Errorf("%s: default size %dx%d", p, cfg.Width, cfg.Height)
		}
	}
	// An empty summary draws nothing and fails nothing.
	if paths, err := WriteAll(t.TempDir(), &knocks.Summary{}, Options{}); err != nil || len(paths) != 0 {
		t.Errorf("empty summary: %q, %v", paths, err)
	}
}

func mustOpen(t *testing.T, p string) *bytes.Reader {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}

// chartData is the data that feeds the charts of a summary, kept as a
// golden file: a change to it is a change of the pictures.
type chartData struct {
	Users     []bar            `json:"users"`
	IPs       []bar            `json:"ips"`
	Countries []bar            `json:"countries"`
	Shapes    map[string]int64 `json:"world_shapes"`
	Points    []mapPoint       `json:"world_points"`
	Bins      []maps.Bin       `json:"world_bins"`
	States    map[string]int64 `json:"us_states"`
	StateBins []maps.Bin       `json:"us_bins"`
	Cities    int              `json:"cities"`
	Heat      int64            `json:"heat_max"`
	TimeStep  string           `json:"time_step"`
	TimeN     int              `json:"time_points"`
	Partial   *report.Partial  `json:"partial_last"`
	CountryTS []string         `json:"country_lines"`
	Reserved  string           `json:"reserved_note"`
	USTotal   string           `json:"us_total"`
}

func TestGoldenChartData(t *testing.T) {
	s := storetest.WorldSummary(storetest.WorldConfig{Seed: 11, Connections: 5000, Days: 14, End: time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)})
	shapes, points := countryValues(s)
	var max int64
	for _, v := range shapes {
		max = int64(math.Max(float64(max), float64(v)))
	}
	for _, p := range points {
		max = int64(math.Max(float64(max), float64(p.Value)))
	}
	states := usStateValues(s)
	var smax int64
	for _, v := range states {
		smax = int64(math.Max(float64(smax), float64(v)))
	}
	_, heatMax := heatData(s)
	d := chartData{
		Users: userBars(s), IPs: ipBars(s), Countries: countryBars(s),
		Shapes: shapes, Points: points, Bins: maps.LogBins(max), States: states, StateBins: maps.LogBins(smax),
		Cities: len(cityPoints(s, false)), Heat: heatMax,
		Reserved: reservedNote(s), USTotal: usTotal(s),
	}
	step, total, last := timeData(s)
	d.TimeStep, d.TimeN, d.Partial = stepName(step), len(total.Points), last
	for _, l := range countryData(s) {
		d.CountryTS = append(d.CountryTS, l.Name)
	}
	got, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "chartdata.golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./charts -run Golden -update)", err)
	}
	if !bytes.Equal(append(got, '\n'), want) {
		t.Errorf("chart data differs from %s (run with -update if the change is meant):\n%s", golden, got)
	}
}

// TestTimeSeriesOfOneHour draws the logs of one hour: one point, which a
// line alone does not draw. The point must be on the picture, in the
// plotting area where, but for it, only the light grid is.
func TestTimeSeriesOfOneHour(t *testing.T) {
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	s := &knocks.Summary{Attempts: 5, First: at.Add(time.Minute), Last: at.Add(4 * time.Minute),
		PerDay: []knocks.TimeCount{{Time: at.Truncate(24 * time.Hour), Attempts: 5}}, PerHour: []knocks.TimeCount{{Time: at, Attempts: 5}}}
	p := timeSeries(s)
	if p == nil {
		t.Fatal("no chart of one hour")
	}
	const w, h = 400, 300
	c := vgimg.New(w, h)
	p.Draw(draw.New(c))
	img := c.Image()
	b := img.Bounds()
	dark := 0
	for y := b.Min.Y + b.Dy()/6; y < b.Max.Y-b.Dy()/6; y++ {
		for x := b.Min.X + b.Dx()/4; x < b.Max.X-b.Dx()/4; x++ {
			if r, g, bl, _ := img.At(x, y).RGBA(); r>>8 < 0x60 && g>>8 < 0x60 && bl>>8 < 0x60 {
				dark++
			}
		}
	}
	if dark < 20 {
		t.Errorf("%d dark pixels in the plotting area: the only point is not drawn", dark)
	}
}
