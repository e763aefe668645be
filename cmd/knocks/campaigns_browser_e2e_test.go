package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"knocks"
)

// campaignsAndAlertsLog returns campaignLog with the logins of alertsLog
// (three alerts) and a burst of 120 attempts from 2001:db8:bad::1 at 22:00
// whose user name is markup, its lines in time order.
func campaignsAndAlertsLog() string {
	lines := strings.SplitAfter(campaignLog()+alertsLog(""), "\n")
	at := campaignStart.Add(14 * time.Hour)
	for i := range 40 {
		lines = append(lines, strings.SplitAfter(bruteForce(at.Add(time.Duration(i)*time.Minute), 7000+i, "2001:db8:bad::1", 50000+i, evilUsers[0].name, 3), "\n")...)
	}
	lines = slices.DeleteFunc(lines, func(l string) bool { return l == "" })
	// Every line is of Mar 10: the time stamp sorts as text.
	slices.SortStableFunc(lines, func(a, b string) int { return strings.Compare(a[:15], b[:15]) })
	return strings.Join(lines, "")
}

// The campaigns and alerts of the live dashboard, and the campaigns of the
// HTML report, in headless Chromium: the alerts come first, framed, and
// counted in the tab's title; an alert that arrives live is highlighted;
// the campaigns table lists the bursts and the group, attacker text as
// text. Screenshots go to $KNOCKS_SCREENSHOTS when set.
func TestCampaignsAndAlertsInChromium(t *testing.T) {
	ctx := startChromium(t)
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	db := filepath.Join(dir, "k.db")
	writeFile(t, log, campaignsAndAlertsLog(), campaignStart.Add(24*time.Hour))
	var oneShot knocks.Summary
	r := mustOK(t, dir, nil, "report", "--format", "json", "--no-geoip", "--log-tz", "UTC", "--year", "2024", log)
	if err := json.Unmarshal([]byte(r.stdout), &oneShot); err != nil {
		t.Fatal(err)
	}
	if len(oneShot.Campaigns) != 4 || len(oneShot.Alerts) != 3 {
		t.Fatalf("the log has %d campaigns and %d alerts, want 4 and 3", len(oneShot.Campaigns), len(oneShot.Alerts))
	}

	addr := freePort(t)
	w := startWatch(t, dir, nil, "--db", db, "--no-geoip", "--year", "2024", "--tz", "UTC", "--serve", addr, log)
	base := "http://" + addr
	waitAttempts(t, dir, db, oneShot.Attempts, w)
	waitHTTP(t, base+"/api/summary", w)

	// The API carries them.
	resp, err := http.Get(base + "/api/summary")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var api knocks.Summary
	if err := json.Unmarshal(body, &api); err != nil {
		t.Fatal(err)
	}
	if len(api.Alerts) != 3 || len(api.Campaigns) != 4 || api.Campaigns[0].Attempts != 1960 {
		t.Errorf("/api/summary: %d alerts, campaigns %+v", len(api.Alerts), api.Campaigns)
	}

	rec := &pageRecord{}
	rec.watch(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, `!!(window.knocksReport && window.knocksReport.ready && window.knocksLive && window.knocksLive.connected)`, "the dashboard did not go live", rec)
	if got := js[string](t, ctx, `document.title`); !strings.HasPrefix(got, "(3 alerts) ") {
		t.Errorf("title %q does not count the 3 alerts", got)
	}
	// The alerts come first, framed in the accent colour, linked first.
	if !js[bool](t, ctx, `(function () {
		var a = document.getElementById("alerts"), h = document.getElementById("headline");
		var s = getComputedStyle(a);
		return !!(a.compareDocumentPosition(h) & Node.DOCUMENT_POSITION_FOLLOWING) && s.borderTopStyle === "solid" &&
			s.borderTopColor === getComputedStyle(document.querySelector("#h-alerts")).color &&
			document.querySelector("header nav a").getAttribute("href") === "#alerts";
	})()`) {
		t.Error("the alerts are not first and framed")
	}
	rows := js[[]string](t, ctx, `Array.prototype.map.call(document.querySelectorAll("#table-campaigns tbody tr"), function (tr) { return tr.textContent; })`)
	wantRows := []string{"burst (address)198.51.100.501,960", "burst (subnet)192.0.2.0/24120", "burst (address)2001:db8:bad::1120", "group (same users)the same 2 user names24"}
	if len(rows) != len(wantRows) {
		t.Fatalf("campaign rows %q", rows)
	}
	for i, w := range wantRows {
		if !strings.HasPrefix(rows[i], w) {
			t.Errorf("campaign row %d = %q, want it to start with %q", i, rows[i], w)
		}
	}
	if !strings.Contains(rows[2], evilUsers[0].text) {
		t.Errorf("the campaign of the markup name does not show it as text: %q", rows[2])
	}
	if n := js[int](t, ctx, `document.querySelectorAll('img[src="x"]').length`); n != 0 {
		t.Errorf("%d elements made of attacker text", n)
	}
	shoot(t, ctx, "dashboard-alerts.png", "alerts")
	shoot(t, ctx, "dashboard-campaigns.png", "campaigns")

	// A login from the burst's address: a fourth alert arrives live and is
	// highlighted; the page is not reloaded.
	js[bool](t, ctx, `window.__sameDocument = true`)
	f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "Mar 10 23:00:00 gw sshd[9999]: Accepted password for carol from 198.51.100.50 port 40000 ssh2\n")
	f.Close()
	poll(t, ctx, `document.title.indexOf("(4 alerts) ") === 0`, "the new alert did not arrive", rec)
	fresh := js[[]string](t, ctx, `Array.prototype.map.call(document.querySelectorAll("#table-alerts tr.fresh"), function (tr) { return tr.textContent; })`)
	if len(fresh) != 1 || !strings.Contains(fresh[0], "198.51.100.50") || !strings.Contains(fresh[0], "failed 2050 times before") {
		t.Errorf("highlighted alerts %q, want the login from 198.51.100.50", fresh)
	}
	if !js[bool](t, ctx, `window.__sameDocument === true && getComputedStyle(document.querySelector("#table-alerts tr.fresh td")).backgroundColor !== getComputedStyle(document.querySelector("#table-alerts tr:not(.fresh) td")).backgroundColor`) {
		t.Error("the new alert is not highlighted, or the page was reloaded")
	}
	shoot(t, ctx, "dashboard-new-alert.png", "alerts")

	// A filtered page with neither alerts nor campaigns gains both
	// sections live when a burst and a login arrive.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/?since=2024-03-10T23:00:30Z")); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, `!!(window.knocksReport && window.knocksReport.ready && window.knocksLive && window.knocksLive.connected)`, "the filtered dashboard did not go live", rec)
	if js[bool](t, ctx, `!!(document.getElementById("alerts") || document.getElementById("campaigns")) || document.title.indexOf("alert") >= 0`) {
		t.Error("the filtered page shows alerts or campaigns before any")
	}
	js[bool](t, ctx, `window.__sameDocument = true`)
	if f, err = os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 3, 10, 23, 1, 0, 0, time.UTC)
	for i := range 20 {
		for j := range 5 {
			fmt.Fprintf(f, "%s gw sshd[%d]: Failed password for root from 198.51.100.77 port %d ssh2\n", at.Add(time.Duration(10*i+j)*time.Second).Format(time.Stamp), 11000+i, 45000+i)
		}
	}
	fmt.Fprintf(f, "Mar 10 23:05:00 gw sshd[11999]: Accepted password for dave from 198.51.100.77 port 46000 ssh2\n")
	f.Close()
	poll(t, ctx, `document.title.indexOf("(1 alert) ") === 0 && document.querySelectorAll("#table-campaigns tbody tr").length === 1`, "the alert and the campaign did not appear", rec)
	if got := js[string](t, ctx, `document.querySelector("#table-campaigns tbody tr").textContent`); !strings.HasPrefix(got, "burst (address)198.51.100.77100") {
		t.Errorf("the new campaign reads %q", got)
	}
	if !js[bool](t, ctx, `window.__sameDocument === true && document.querySelectorAll("#table-alerts tr.fresh").length === 1 &&
		!!document.querySelector('header nav a[href="#alerts"]') && !!document.querySelector('header nav a[href="#campaigns"]') &&
		!!(document.getElementById("alerts").compareDocumentPosition(document.getElementById("headline")) & Node.DOCUMENT_POSITION_FOLLOWING) &&
		document.getElementById("headline").nextElementSibling.id === "campaigns"`) {
		t.Error("the alerts and campaigns sections, or their links, are not in place after the update")
	}
	problems, _, dialogs := rec.snapshot()
	if len(problems) > 0 || len(dialogs) > 0 {
		t.Errorf("problems: %q\ndialogs: %q", problems, dialogs)
	}
	if code := w.stop(t, os.Interrupt); code != 0 {
		t.Errorf("watch --serve exit %d", code)
	}

	// The HTML report of the same log.
	htmlPath := filepath.Join(dir, "report.html")
	mustOK(t, dir, nil, "report", "--no-geoip", "--log-tz", "UTC", "--year", "2024", "--html", htmlPath, log)
	if err := chromedp.Do(ctx, chromedp.Navigate((&url.URL{Scheme: "file", Path: htmlPath}).String())); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, `!!(window.knocksReport && window.knocksReport.ready)`, "the report's script did not finish", rec)
	rows = js[[]string](t, ctx, `Array.prototype.map.call(document.querySelectorAll("#table-campaigns tbody tr"), function (tr) { return tr.textContent; })`)
	// The log has the burst of 198.51.100.77 now, fourth by attempts.
	if len(rows) != len(wantRows)+1 || !strings.Contains(rows[2], evilUsers[0].text) || !strings.HasPrefix(rows[3], "burst (address)198.51.100.77100") {
		t.Errorf("HTML report campaign rows %q", rows)
	}
	if n := js[int](t, ctx, `document.querySelectorAll('img[src="x"]').length`); n != 0 {
		t.Errorf("%d elements made of attacker text in the HTML report", n)
	}
	shoot(t, ctx, "report-campaigns.png", "campaigns")
}

// shoot writes a screenshot of the element with this id to
// $KNOCKS_SCREENSHOTS, when set.
func shoot(t *testing.T, ctx context.Context, name, id string) {
	t.Helper()
	out := os.Getenv("KNOCKS_SCREENSHOTS")
	if out == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.ID(id)))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", filepath.Join(out, name))
}
