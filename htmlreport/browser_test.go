package htmlreport

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"knocks"
	"knocks/data/flags"
	"knocks/data/maps"
	"knocks/report"
	"knocks/storetest"
)

const chromiumPath = "/usr/bin/chromium"

// hostile are user names an attacker can send; the page must show each
// literally (after report.Safe) and run none of them.
var hostile = []string{
	"<img src=x onerror=alert(1)>",
	"</script><script>alert(1)</script>",
	"\x1b[31mred",
	`<img src=x onerror="window.__pwned='img'">`,
	"</script><script>window.__pwned='script'</script>",
	"<!--<script>window.__pwned='comment'</script>",
	"\u2028</script>\u2029{{.}}${window.__pwned='tmpl'}",
}

// hostileSummary is a realistic summary (made up from connections and
// aggregated, see storetest.World) with hostile strings in every place an
// attacker or a GeoIP database can put text.
func hostileSummary() *knocks.Summary {
	s := storetest.WorldSummary(storetest.WorldConfig{Seed: 7, Connections: 30000, Days: 45, Top: 20, Users: hostile, UserTries: 2600})
	s.TopASNs[0].Org = "<script>window.__pwned='org'</script>"
	s.TopIPs[0].Org = `"><img src=x onerror="window.__pwned='iporg'">`
	s.Cities[0].City = `<svg onload="window.__pwned='city'">`
	s.TopCities = s.Cities[:10]
	s.TopSubnets[0].Key = "</script><b>subnet</b>"
	s.GeoIPSources = append(s.GeoIPSources, "<script>window.__pwned='source'</script>")
	s.Dropped, s.Lockouts = 40, int64(len(hostile))
	s.Penalties = []knocks.PenaltyCount{{Reason: hostile[0], Drops: 30, Penalties: 9, Addresses: 7}, {Reason: "failed authentication", Drops: 10, Penalties: 2, Addresses: 2}}
	s.TopPenalised = []knocks.PenalisedIP{{IP: "203.0.113.142", Drops: 25, Penalties: 5, First: s.First, Last: s.Last}}
	for _, h := range hostile {
		s.TopLockedUsers = append(s.TopLockedUsers, knocks.LockedUser{User: h, Lockouts: 1})
	}
	return s
}

type browserLog struct {
	mu        sync.Mutex
	console   []string // console errors and warnings, exceptions, browser log errors
	requests  []string
	dialogs   []string
	dialogsCh chan struct{}
}

func (l *browserLog) add(dst *[]string, s string) {
	l.mu.Lock()
	*dst = append(*dst, s)
	l.mu.Unlock()
}

// newBrowser starts headless Chromium as the machine notes prescribe, or
// skips the test when it is not installed.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser test skipped: %s is absent (apt-get install chromium)", chromiumPath)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("allow-file-access-from-files", false),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
		// A loaded machine may take longer than chromedp's 20 s to
		// start the browser: slow, not wrong.
		chromedp.WSURLReadTimeout(2*time.Minute),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelA)
	// No time limit of its own (a loaded machine is slow, not wrong): the
	// browser stops a little before the test binary's own deadline, so that
	// a hung page fails with its messages instead of a panic.
	ctx, cancel := context.WithCancel(actx)
	if d, ok := t.Deadline(); ok {
		ctx, cancel = context.WithDeadline(actx, d.Add(-30*time.Second))
	}
	t.Cleanup(cancel)
	return ctx
}

// openPage opens a file in a new tab with every event of interest recorded,
// and waits until the report's script has drawn every chart.
func openPage(t *testing.T, parent context.Context, path string, dark bool) (context.Context, *browserLog) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent)
	t.Cleanup(cancel)
	return openPageIn(t, ctx, path, dark)
}

// openPageIn is openPage in a tab that is already open (e.g. one whose
// viewport was set).
func openPageIn(t *testing.T, ctx context.Context, path string, dark bool) (context.Context, *browserLog) {
	t.Helper()
	l := &browserLog{dialogsCh: make(chan struct{}, 16)}
	if err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				l.add(&l.console, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(parts, " ")))
			}
		case *runtime.EventExceptionThrown:
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			l.add(&l.console, "exception: "+msg)
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError || e.Entry.Level == cdplog.EntryLevelWarning {
				l.add(&l.console, fmt.Sprintf("log %s/%s: %s %s", e.Entry.Source, e.Entry.Level, e.Entry.Text, e.Entry.URL))
			}
		case *network.EventRequestWillBeSent:
			l.add(&l.requests, e.Request.URL)
		case *page.EventJavascriptDialogOpening:
			l.add(&l.dialogs, string(e.Type)+": "+e.Message)
			select {
			case l.dialogsCh <- struct{}{}:
			default:
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	go func() {
		for range l.dialogsCh {
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	t.Cleanup(func() { close(l.dialogsCh) })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
	must(err)
	_, err = chromedp.Call(ctx, cdplog.Enable, cdp.Empty{})
	must(err)
	scheme := "light"
	if dark {
		scheme = "dark"
	}
	_, err = chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
	must(err)
	// Record CSP violations, which the console may not show.
	_, err = chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
		window.__csp = [];
		document.addEventListener("securitypolicyviolation", function (e) {
			window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sample || ""));
		});`})
	must(err)
	u := url.URL{Scheme: "file", Path: path}
	must(chromedp.Do(ctx, chromedp.Navigate(u.String())))
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(window.knocksReport && window.knocksReport.ready)`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("the report's script did not finish: %v; console: %q", err, l.console)
	}
	ms := eval[float64](t, ctx, `window.knocksReport.ms`)
	t.Logf("%s: first charts drawn %.0f ms after navigation start (load average %s)", filepath.Base(path), ms, loadAvg())
	// Draw the charts below the fold too.
	start := time.Now()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`window.knocksReport.renderAll()`)); err != nil {
		t.Fatal(err)
	}
	t.Logf("the other charts drawn in %v", time.Since(start).Round(time.Millisecond))
	return ctx, l
}

func eval[T any](t *testing.T, ctx context.Context, expr string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// shotDir is where screenshots go: $KNOCKS_SCREENSHOTS, else a temporary
// directory of the test.
func shotDir(t *testing.T) string {
	if d := os.Getenv("KNOCKS_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

func TestBrowser(t *testing.T) {
	bctx := newBrowser(t)
	s := hostileSummary()
	dir := shotDir(t)
	path := filepath.Join(dir, "report.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Render(f, s, Options{Title: "knocks report: test"}); err != nil {
		t.Fatal(err)
	}
	f.Close()

	for _, dark := range []bool{false, true} {
		name := "light"
		if dark {
			name = "dark"
		}
		t.Run(name, func(t *testing.T) {
			ctx, l := openPage(t, bctx, path, dark)
			checkPage(t, ctx, s, path)

			// Open the tooltip of each hostile user name.
			for _, h := range hostile {
				checkTooltip(t, ctx, s, h)
			}
			// Switch the time chart to hours.
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('.seg button[data-step="hour"]').click()`)); err != nil {
				t.Fatal(err)
			}
			hourly := eval[[]int](t, ctx, `(function () {
				var o = echarts.getInstanceByDom(document.getElementById("chart-time")).getOption();
				return [o.series.length, o.series[0].data.length];
			})()`)
			// One line of the total; a partial last hour is a dashed
			// segment of its own.
			wantSeries, wantPoints := 1, len(s.PerHour)
			if _, ok := report.LastPartial(s, s.PerHour, time.Hour); ok {
				wantSeries, wantPoints = 2, len(s.PerHour)-1
			}
			if hourly[0] != wantSeries || hourly[1] != wantPoints {
				t.Errorf("per hour: %d series, the first of %d points, want %d of %d", hourly[0], hourly[1], wantSeries, wantPoints)
			}

			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			shot := filepath.Join(dir, "report-"+name+".png")
			if err := os.WriteFile(shot, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot: %s", shot)

			// Print: the page must lay out on A4.
			pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4), chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "report-"+name+".pdf"), pdf, 0o644); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(pdf), "%PDF") || len(pdf) < 10000 {
				t.Errorf("print produced no PDF (%d bytes)", len(pdf))
			}

			// The policy is in force: an inline style attribute added now is
			// refused (and reported), as an injected script would be.
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`document.body.insertAdjacentHTML("beforeend", '<p id="csp-probe" style="color: red">probe</p>')`)); err != nil {
				t.Fatal(err)
			}
			if got := eval[int](t, ctx, `window.__csp.length`); got != 1 {
				t.Errorf("CSP probe: %d violations reported, want 1 (is the policy in force?)", got)
			}

			l.mu.Lock()
			defer l.mu.Unlock()
			var console []string
			for _, c := range l.console {
				if !strings.Contains(c, "Content Security Policy") || !strings.Contains(c, "style") {
					console = append(console, c) // the probe's own report is expected
				}
			}
			l.console = console
			if len(l.console) > 0 {
				t.Errorf("console errors: %q", l.console)
			}
			if len(l.dialogs) > 0 {
				t.Errorf("a script from the data ran: dialogs %q", l.dialogs)
			}
			want := (&url.URL{Scheme: "file", Path: path}).String()
			// The file, and the flags it inlines as data: URIs: nothing
			// from anywhere else.
			var files []string
			for _, r := range l.requests {
				if strings.HasPrefix(r, "data:image/png;base64,") {
					continue
				}
				files = append(files, r)
				if r != want {
					t.Errorf("request to %q: the report must make none but its own file", r)
				}
			}
			if len(files) != 1 {
				t.Errorf("%d requests %q, want the file only", len(files), files)
			}
		})
	}
}

// checkPage asserts what the page shows against the summary it was made of.
func checkPage(t *testing.T, ctx context.Context, s *knocks.Summary, path string) {
	t.Helper()
	if v := eval[string](t, ctx, `String(window.__pwned)`); v != "undefined" {
		t.Errorf("a script from the data ran: window.__pwned = %q", v)
	}
	if csp := eval[[]string](t, ctx, `window.__csp`); len(csp) > 0 {
		t.Errorf("CSP violations: %q", csp)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("img:not(.flag), svg[onload], b").length`); n != 0 {
		t.Errorf("%d elements made from data (img, svg, b)", n)
	}
	// Flags are pictures of our own, inlined: one per top country that has
	// one, each a PNG data: URI that loaded.
	type flagInfo struct {
		N, Loaded, Foreign int
		Chart              int
	}
	fl := eval[flagInfo](t, ctx, `(function () {
		var imgs = document.querySelectorAll("#table-countries img.flag"), out = { N: imgs.length, Loaded: 0, Foreign: 0, Chart: 0 };
		imgs.forEach(function (i) { if (i.complete && i.naturalWidth === 40) out.Loaded++; });
		document.querySelectorAll("img.flag").forEach(function (i) { if (i.getAttribute("src").indexOf("data:image/png;base64,") !== 0) out.Foreign++; });
		var rich = echarts.getInstanceByDom(document.getElementById("chart-countries")).getOption().yAxis[0].axisLabel.rich || {};
		out.Chart = Object.keys(rich).length;
		return out;
	})()`)
	var withFlag int
	for _, c := range s.TopCountries {
		if flags.DataURI(c.Country) != "" {
			withFlag++
		}
	}
	if fl.N != withFlag || fl.Loaded != withFlag || fl.Foreign != 0 || fl.Chart != withFlag {
		t.Errorf("flags: %+v, want %d in the table, loaded, none from elsewhere, and %d in the chart", fl, withFlag, withFlag)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("script").length`); n != 5 {
		t.Errorf("%d script elements, want 5 (3 data blocks, echarts, app)", n)
	}
	// Hostile strings show literally, as text.
	text := eval[string](t, ctx, `document.body.innerText`)
	for _, h := range append(hostile, s.TopASNs[0].Org, s.TopIPs[0].Org, s.Cities[0].City, s.TopSubnets[0].Key, s.GeoIPSources[len(s.GeoIPSources)-1]) {
		want := report.Safe(h)
		if !strings.Contains(text, want) {
			t.Errorf("page text lacks %q literally", want)
		}
	}
	if !strings.Contains(text, `\x1b[31mred`) {
		t.Error(`the ESC of "\x1b[31mred" is not shown as \x1b`)
	}
	// Headline numbers.
	for key, want := range map[string]string{
		"attempts": maps.FormatCount(s.Attempts), "connections": maps.FormatCount(s.Connections), "scans": maps.FormatCount(s.Scans),
		"logins": maps.FormatCount(s.Logins), "unique_ips": maps.FormatCount(s.UniqueIPs), "unique_users": maps.FormatCount(s.UniqueUsers),
		"hostile_share": fmt.Sprintf("%.1f %%", *s.HostileShare*100),
	} {
		if got := eval[string](t, ctx, fmt.Sprintf(`document.querySelector('[data-key=%q]').textContent`, key)); got != want {
			t.Errorf("headline %s = %q, want %q", key, got, want)
		}
	}
	// Every section drew a chart: a canvas inside an ECharts instance.
	for _, id := range []string{"time", "country-time", "users", "ips", "subnets", "asns", "countries", "ports", "heatmap", "world", "cities", "us"} {
		ok := eval[bool](t, ctx, fmt.Sprintf(`(function () {
			var el = document.getElementById("chart-%s");
			if (!el || !echarts.getInstanceByDom(el)) return false;
			var c = el.querySelector("canvas");
			return !!c && c.width > 100 && c.height > 100;
		})()`, id))
		if !ok {
			t.Errorf("section %s: no chart drawn", id)
		}
	}
	// The bar charts hold the summary's rows, the hostile names as text.
	type axis struct {
		Names []string `json:"names"`
		N     []int64  `json:"n"`
	}
	bars := func(id string) axis {
		return eval[axis](t, ctx, fmt.Sprintf(`(function () {
			var o = echarts.getInstanceByDom(document.getElementById("chart-%s")).getOption();
			return { names: o.yAxis[0].data, n: o.series[0].data.map(function (d) { return d.value; }) };
		})()`, id))
	}
	var wantUsers axis
	for _, u := range s.TopUsers {
		wantUsers.Names = append(wantUsers.Names, report.Safe(u.User))
		wantUsers.N = append(wantUsers.N, u.Attempts)
	}
	if got := bars("users"); !reflect.DeepEqual(got, wantUsers) {
		t.Errorf("users chart = %+v, want %+v", got, wantUsers)
	}
	if got := bars("ips"); len(got.N) != len(s.TopIPs) || got.N[0] != s.TopIPs[0].Attempts {
		t.Errorf("ips chart = %+v", got)
	}
	// Bars are on a linear axis from 0: lengths compare as counts do.
	for _, id := range []string{"users", "ips", "subnets", "asns", "countries", "ports"} {
		if typ := eval[string](t, ctx, fmt.Sprintf(`(function () { var a = echarts.getInstanceByDom(document.getElementById("chart-%s")).getOption().xAxis[0]; return a.type + " " + a.min; })()`, id)); typ != "value 0" {
			t.Errorf("%s chart: x axis %q, want a linear one from 0", id, typ)
		}
	}
	// The countries over time: a line per top country (no reserved
	// range), the five busiest shown at first.
	type legend struct {
		Names    []string        `json:"names"`
		Selected map[string]bool `json:"selected"`
	}
	lg := eval[legend](t, ctx, `(function () {
		var o = echarts.getInstanceByDom(document.getElementById("chart-country-time")).getOption();
		return { names: o.legend[0].data, selected: o.legend[0].selected };
	})()`)
	if len(lg.Names) != len(s.PerCountryDay) {
		t.Errorf("country time legend %q, want %d countries", lg.Names, len(s.PerCountryDay))
	}
	on := 0
	for i, n := range lg.Names {
		if lg.Selected[n] {
			on++
			if i >= countriesShown {
				t.Errorf("country %q (rank %d) shown at first", n, i+1)
			}
		}
		if strings.HasPrefix(n, "private") {
			t.Errorf("a reserved range in the country timeline: %q", n)
		}
	}
	if on != min(countriesShown, len(lg.Names)) {
		t.Errorf("%d countries shown at first, want %d", on, countriesShown)
	}
	// Reserved ranges are listed apart, not ranked as countries.
	if got := eval[int](t, ctx, `document.querySelectorAll("#table-reserved tbody tr").length`); got != len(s.Reserved) {
		t.Errorf("%d reserved ranges listed, want %d", got, len(s.Reserved))
	}
	if strings.Contains(eval[string](t, ctx, `document.getElementById("table-countries").textContent`), "private") {
		t.Error("a reserved range is ranked with the countries")
	}

	// The world map's legend reads in counts: the bins of the largest
	// count of a country the map can show.
	var worldMax int64
	for _, c := range s.Countries {
		if e, ok := maps.Lookup(c.Country); ok && (maps.HasShape(c.Country) || e.HasPoint) && c.Attempts > worldMax {
			worldMax = c.Attempts
		}
	}
	checkLegend(t, ctx, "world", maps.LogBins(worldMax))
	// The US map's legend: the largest state sum of US cities.
	states := map[string]int64{}
	var usMax int64
	for _, c := range s.Cities {
		if c.Country == "US" {
			states[c.Region] += c.Attempts
			usMax = max(usMax, states[c.Region])
		}
	}
	checkLegend(t, ctx, "us", maps.LogBins(usMax))
	// Each country of the map is coloured by its bin.
	type region struct {
		Name  string `json:"name"`
		Value int64  `json:"value"`
	}
	regions := eval[[]region](t, ctx, `echarts.getInstanceByDom(document.getElementById("chart-world")).getOption().series[0].data`)
	got := map[string]int64{}
	for _, r := range regions {
		got[r.Name] = r.Value
	}
	for _, c := range s.Countries {
		if maps.HasShape(c.Country) && got[c.Country] != c.Attempts {
			t.Errorf("world map %s = %d, want %d", c.Country, got[c.Country], c.Attempts)
		}
	}
	if _, ok := got["private"]; ok {
		t.Error(`world map has a region "private"`)
	}
	// Cities: one bubble per located city, up to the cap.
	if n := eval[int](t, ctx, `echarts.getInstanceByDom(document.getElementById("chart-cities")).getOption().series[0].data.length`); n != min(len(s.Cities), DefaultMaxCities) {
		t.Errorf("%d city bubbles, want %d", n, len(s.Cities))
	}

}

func checkLegend(t *testing.T, ctx context.Context, id string, bins []maps.Bin) {
	t.Helper()
	var want []string
	for _, b := range bins {
		want = append(want, b.Label)
	}
	got := eval[[]string](t, ctx, fmt.Sprintf(`echarts.getInstanceByDom(document.getElementById("chart-%s")).getOption().visualMap[0].pieces.map(function (p) { return p.label; })`, id))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s legend = %q, want %q", id, got, want)
	}
}

// checkTooltip shows the tooltip of a user's bar and checks that it shows
// the name literally and made no element of it.
func checkTooltip(t *testing.T, ctx context.Context, s *knocks.Summary, user string) {
	t.Helper()
	idx := -1
	for i, u := range s.TopUsers {
		if u.User == user {
			idx = i
		}
	}
	if idx < 0 {
		t.Fatalf("hostile user %q is not in the top users", user)
	}
	js := fmt.Sprintf(`(function () {
		var el = document.getElementById("chart-users");
		var c = echarts.getInstanceByDom(el);
		c.dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: %d });
		var tip = el.querySelector(".knocks-tip");
		if (!tip) return null;
		return { text: tip.textContent, elements: tip.querySelectorAll("img, script, svg, b").length };
	})()`, idx)
	type tipInfo struct {
		Text     string `json:"text"`
		Elements int    `json:"elements"`
	}
	got := eval[*tipInfo](t, ctx, js)
	if got == nil {
		t.Errorf("no tooltip for %q", user)
		return
	}
	if !strings.Contains(got.Text, report.Safe(user)) || got.Elements != 0 {
		b, _ := json.Marshal(got)
		t.Errorf("tooltip of %q: %s", user, b)
	}
}

// loadAvg returns the 1-minute load average, to judge timings by.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

// TestBrowserLarge opens the report of a large database (a year of hourly
// data, every country, 2,000 of 6,000 cities drawn) and measures how long
// it takes to show its first charts and then all of them.
func TestBrowserLarge(t *testing.T) {
	bctx := newBrowser(t)
	s := storetest.WorldSummary(storetest.WorldConfig{Seed: 3, Connections: 250_000, Days: 365, Top: 50, ExtraCities: 6000})
	path := filepath.Join(shotDir(t), "report-large.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Render(f, s, Options{}); err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	f.Close()
	t.Logf("large report: %d bytes", fi.Size())
	ctx, l := openPage(t, bctx, path, false)
	// A time says little on a machine that runs other work too: it fails
	// the test only when the load leaves the browser its cores.
	ms := eval[float64](t, ctx, `window.knocksReport.ms`)
	if load, err := strconv.ParseFloat(loadAvg(), 64); ms > 15000 && err == nil && load < float64(2*goruntime.NumCPU()) {
		t.Errorf("first charts after %.0f ms (load average %.1f)", ms, load)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var files []string
	for _, r := range l.requests {
		if !strings.HasPrefix(r, "data:image/png;base64,") { // the inlined flags
			files = append(files, r)
		}
	}
	if len(l.console) > 0 || len(files) != 1 {
		t.Errorf("console %q, requests %q", l.console, files)
	}
}

// TestBrowserPrintWhileDrawing prints from dark mode again and again while
// the charts are still being painted (a large report paints its maps over
// several frames), as a user who prints right after opening the page
// does. Switching colours must never break a chart that is mid-paint.
func TestBrowserPrintWhileDrawing(t *testing.T) {
	bctx := newBrowser(t)
	s := storetest.WorldSummary(storetest.WorldConfig{Seed: 5, Connections: 20_000, Days: 60, Top: 20, ExtraCities: 500})
	path := filepath.Join(t.TempDir(), "report-print.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Render(f, s, Options{}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ctx, l := openPage(t, bctx, path, true)
	// Each round: beforeprint (light colours), one frame, afterprint (dark
	// again), a few frames; then wait for every chart to settle.
	n := eval[int](t, ctx, `(async function () {
		function frames(k) { return new Promise(function (r) { (function f() { if (k-- <= 0) r(); else requestAnimationFrame(f); })(); }); }
		for (var i = 0; i < 4; i++) {
			window.dispatchEvent(new Event("beforeprint"));
			await frames(1 + i % 3);
			window.dispatchEvent(new Event("afterprint"));
			await frames(i % 2);
		}
		window.knocksReport.renderAll();
		await frames(60);
		return window.knocksReport.charts().length;
	})()`, chromedp.EvalAwaitPromise)
	if n < 11 {
		t.Errorf("%d charts after printing, want at least 11", n)
	}
	// Dark again: the world map is drawn in the dark palette.
	if got := eval[string](t, ctx, `echarts.getInstanceByDom(document.getElementById("chart-world")).getOption().geo[0].itemStyle.areaColor`); got != "#2d333b" {
		t.Errorf("world map land after printing = %q, want the dark palette's", got)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.console) > 0 {
		t.Errorf("console errors while printing: %q", l.console)
	}
}

// TestBrowserPhone opens the report at the width of a phone (390 CSS
// pixels, as an iPhone 12 to 15) and checks that nothing is wider than the
// screen: the page does not scroll sideways and every chart fits.
func TestBrowserPhone(t *testing.T) {
	bctx := newBrowser(t)
	s := hostileSummary()
	dir := shotDir(t)
	path := filepath.Join(dir, "report-phone.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Render(f, s, Options{}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ctx, cancel := chromedp.NewContext(bctx)
	t.Cleanup(cancel)
	const width = 390
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(width, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	ctx, l := openPageIn(t, ctx, path, false)
	type box struct {
		ID    string  `json:"id"`
		Right float64 `json:"right"`
		Width float64 `json:"width"`
	}
	got := eval[struct {
		Scroll int   `json:"scroll"`
		Inner  int   `json:"inner"`
		Charts []box `json:"charts"`
	}](t, ctx, `(function () {
		var out = { scroll: document.documentElement.scrollWidth, inner: window.innerWidth, charts: [] };
		document.querySelectorAll(".chart").forEach(function (el) {
			var c = el.querySelector("canvas"), r = (c || el).getBoundingClientRect();
			out.charts.push({ id: el.id, right: r.right, width: r.width });
		});
		return out;
	})()`)
	if got.Inner != width {
		t.Fatalf("viewport is %d px wide, want %d", got.Inner, width)
	}
	if got.Scroll > width {
		t.Errorf("the page is %d px wide on a %d px screen: it scrolls sideways", got.Scroll, width)
	}
	if len(got.Charts) < 12 {
		t.Errorf("%d charts, want 12", len(got.Charts))
	}
	for _, c := range got.Charts {
		if c.Right > width+0.5 || c.Width < 200 {
			t.Errorf("chart %s: %.0f px wide, right edge at %.0f on a %d px screen", c.ID, c.Width, c.Right, width)
		}
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "report-phone.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.console) > 0 {
		t.Errorf("console errors: %q", l.console)
	}
}

// TestBrowserOneDay opens the report of logs of one day: the lines per day
// have one point each, which a line alone does not draw, so the points
// must be drawn (else the charts look empty).
func TestBrowserOneDay(t *testing.T) {
	bctx := newBrowser(t)
	s := storetest.WorldSummary(storetest.WorldConfig{Seed: 3, Connections: 400, Days: 1, Top: 10})
	if len(s.PerDay) != 1 || len(s.PerCountryDay) == 0 {
		t.Fatalf("the summary has %d days and %d country lines, want 1 day", len(s.PerDay), len(s.PerCountryDay))
	}
	path := filepath.Join(t.TempDir(), "report-one-day.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := Render(f, s, Options{}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ctx, l := openPage(t, bctx, path, false)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('.seg button[data-step="day"]').click()`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`echarts.getInstanceByDom(document.getElementById("chart-time")).getOption().series[0].data.length === 1`,
		chromedp.WithPollingTimeout(time.Minute))); err != nil {
		t.Fatalf("the time chart did not switch to days: %v", err)
	}
	// The graphic element of a series' first point exists only when it is
	// drawn.
	drawn := eval[map[string]bool](t, ctx, `(function () {
		var out = {};
		["chart-time", "chart-country-time"].forEach(function (id) {
			var data = echarts.getInstanceByDom(document.getElementById(id)).getModel().getSeriesByIndex(0).getData();
			var el = data.count() > 0 ? data.getItemGraphicEl(0) : null;
			out[id] = !!el && !el.invisible && !el.ignore;
		});
		return out;
	})()`)
	for _, id := range []string{"chart-time", "chart-country-time"} {
		if !drawn[id] {
			t.Errorf("%s: the only day's point is not drawn", id)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.console) > 0 {
		t.Errorf("console errors: %q", l.console)
	}
}
