package main

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"knocks"
)

// bannedInCorpus are public addresses of fail2ban's own sshd test log (the
// corpus) that the test's fail2ban.log bans, so that they have a location.
var bannedInCorpus = []string{"194.117.26.69", "61.0.0.1", "94.249.236.6", "115.249.163.77", "69.61.56.115",
	"211.188.220.49", "218.249.210.161", "46.45.128.3", "2606:2800:220:1:248:1893:25c8:1946"}

// TestBansHTMLReportInChromium makes the HTML report of fail2ban's real sshd
// test log with a fail2ban.log that bans some of its addresses, opens it in
// headless Chromium, and checks the bans section: the map of banned
// addresses is drawn with a bubble per country, the tables list them, and
// the page logs no error. The screenshot of the section goes to
// $KNOCKS_SCREENSHOTS when set.
func TestBansHTMLReportInChromium(t *testing.T) {
	corpus := filepath.Join("..", "..", "..", "shared", "corpora", "fail2ban", "sshd")
	if _, err := os.Stat(corpus); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the corpus is missing: %v", err)
		}
		t.Skipf("skipped: no corpus at %s", corpus)
	}
	ctx := startChromium(t)
	dir := t.TempDir()
	var f2b strings.Builder
	at := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	for i, ip := range bannedInCorpus {
		at = at.Add(time.Duration(i+1) * 17 * time.Minute)
		f2b.WriteString(at.Format("2006-01-02 15:04:05") + ",101 fail2ban.actions        [811]: NOTICE  [sshd] Ban " + ip + "\n")
		if i%2 == 0 {
			f2b.WriteString(at.Add(10*time.Minute).Format("2006-01-02 15:04:05") + ",101 fail2ban.actions        [811]: NOTICE  [sshd] Unban " + ip + "\n")
		}
	}
	f2bPath := filepath.Join(dir, "fail2ban.log")
	if err := os.WriteFile(f2bPath, []byte(f2b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(corpus)
	if err != nil {
		t.Fatal(err)
	}
	htmlPath := filepath.Join(dir, "report.html")
	if r := runKnocks(t, dir, nil, "report", "--html", htmlPath, abs, f2bPath); r.code != 0 && r.code != 3 {
		t.Fatalf("report --html: exit %d\n%s", r.code, r.stderr)
	}
	var s knocks.Summary
	r := runKnocks(t, dir, nil, "report", "--format", "json", abs, f2bPath)
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("report json (exit %d): %v\n%s", r.code, err, r.stderr)
	}
	if s.Bans.Bans != int64(len(bannedInCorpus)) || len(s.Bans.BannedCountries) < 5 {
		t.Fatalf("bans %d, countries %+v: the test needs located bans", s.Bans.Bans, s.Bans.BannedCountries)
	}

	rec := &pageRecord{}
	rec.watch(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate((&url.URL{Scheme: "file", Path: htmlPath}).String())); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(window.knocksReport && window.knocksReport.ready)`, chromedp.WithPollingTimeout(time.Minute))); err != nil {
		problems, _, _ := rec.snapshot()
		t.Fatalf("the report's script did not finish: %v\nproblems: %q", err, problems)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`window.knocksReport.renderAll()`)); err != nil {
		t.Fatal(err)
	}
	var banned *chartSection
	for _, c := range js[[]chartSection](t, ctx, chartSections) {
		if c.ID == "chart-banned" {
			banned = &c
		}
	}
	if banned == nil || !banned.ECharts || banned.Inked == 0 {
		t.Fatalf("the map of banned addresses is not drawn: %+v", banned)
	}
	// One bubble per country with banned addresses (country data only).
	bubbles := js[int](t, ctx, `(function () {
		var o = echarts.getInstanceByDom(document.getElementById("chart-banned")).getOption();
		for (var i = 0; i < o.series.length; i++) if (o.series[i].type === "scatter") return o.series[i].data.length;
		return 0;
	})()`)
	if bubbles != len(s.Bans.BannedCountries) {
		t.Errorf("%d bubbles on the map, want one per country: %d", bubbles, len(s.Bans.BannedCountries))
	}
	rows := js[int](t, ctx, `document.querySelectorAll("#table-banned tbody tr").length`)
	if rows != len(bannedInCorpus) {
		t.Errorf("%d rows of banned addresses, want %d", rows, len(bannedInCorpus))
	}
	problems, requests, _ := rec.snapshot()
	var fetched []string // the page itself, and nothing else but its inlined data: images
	for _, r := range requests {
		if !strings.HasPrefix(r, "data:image/png;base64,") {
			fetched = append(fetched, r)
		}
	}
	if len(problems) > 0 || len(fetched) > 1 {
		t.Errorf("problems %q, requests %q", problems, fetched)
	}
	if out := os.Getenv("KNOCKS_SCREENSHOTS"); out != "" {
		if err := chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.ID("bans"))); err != nil {
			t.Fatal(err)
		}
		png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.ID("bans")))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		shot := filepath.Join(out, "bans.png")
		if err := os.WriteFile(shot, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", shot)
	}
}
