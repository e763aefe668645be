package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// freePort returns a loopback address with a port that is free now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// waitHTTP polls url until it answers 200, with a generous deadline.
func waitHTTP(t *testing.T, url string, w *watcher) {
	t.Helper()
	for start := time.Now(); time.Since(start) < time.Minute; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
	}
	t.Fatalf("%s did not answer; log:\n%s", url, w.log())
}

// poll waits in the page until expr is true.
func poll(t *testing.T, ctx context.Context, expr, what string, rec *pageRecord) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(time.Minute))); err != nil {
		problems, _, dialogs := rec.snapshot()
		t.Fatalf("%s: %v\nproblems: %q\ndialogs: %q", what, err, problems, dialogs)
	}
}

// The dashboard of `knocks watch --serve` in headless Chromium: new
// attempts appear without a reload, an address drills down with a click,
// and hostile user names are shown as text and run nowhere.
func TestDashboardInChromium(t *testing.T) {
	ctx := startChromium(t)
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	db := filepath.Join(dir, "k.db")
	at := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	var b strings.Builder
	for i, u := range evilUsers {
		b.WriteString(bruteForce(at.Add(time.Duration(i)*time.Minute), 5000+i, fmt.Sprintf("198.51.100.%d", i+1), 41000+i, u.name, 3))
	}
	writeFile(t, log, b.String(), at.Add(time.Hour))
	addr := freePort(t)
	w := startWatch(t, dir, nil, "--db", db, "--serve", addr, log)
	base := "http://" + addr
	waitAttempts(t, dir, db, int64(3*len(evilUsers)), w)
	waitHTTP(t, base+"/api/summary", w)

	rec := &pageRecord{}
	rec.watch(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, `!!(window.knocksReport && window.knocksReport.ready && window.knocksLive && window.knocksLive.connected)`, "the dashboard did not go live", rec)
	attempts := func() string {
		return js[string](t, ctx, `document.querySelector('[data-key="attempts"]').textContent`)
	}
	if got := attempts(); got != fmt.Sprint(3*len(evilUsers)) {
		t.Errorf("attempts shown %q, want %d", got, 3*len(evilUsers))
	}

	// Hostile names are text in the table, and no element of theirs exists.
	cells := js[[]string](t, ctx, `Array.prototype.map.call(document.querySelectorAll("#table-invalid-users tbody td.s"), function (td) { return td.textContent; })`)
	for _, u := range evilUsers {
		found := false
		for _, c := range cells {
			found = found || c == u.text
		}
		if !found {
			t.Errorf("user name %q not shown as text %q among %q", u.name, u.text, cells)
		}
	}
	if n := js[int](t, ctx, `document.querySelectorAll('img[src="x"], body script:not([src]):not([type="application/json"])').length`); n != 0 {
		t.Errorf("%d elements made of attacker text", n)
	}

	// A live update: new attempts appear without a reload.
	js[bool](t, ctx, `window.__sameDocument = true`)
	f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(bruteForce(at.Add(30*time.Minute), 6000, "192.0.2.99", 42000, "newcomer", 4))
	f.Close()
	want := 3*len(evilUsers) + 4
	poll(t, ctx, fmt.Sprintf(`document.querySelector('[data-key="attempts"]').textContent === "%d"`, want), "the new attempts did not appear", rec)
	if !js[bool](t, ctx, `window.__sameDocument === true && window.knocksLive.updates > 0`) {
		t.Errorf("the page was reloaded instead of updated")
	}
	if n := js[int](t, ctx, `Array.prototype.filter.call(document.querySelectorAll("#table-ips td"), function (td) { return td.textContent === "192.0.2.99"; }).length`); n != 1 {
		t.Errorf("the new address is not in the table after the update")
	}

	// A drill-down click on the new address.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`Array.prototype.find.call(document.querySelectorAll("#table-ips a.drill"), function (a) { return a.textContent === "192.0.2.99"; }).click()`)); err != nil {
		t.Fatal(err)
	}
	// The page navigates: poll again while the old document goes away.
	opened := false
	for start := time.Now(); !opened && time.Since(start) < time.Minute; {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.search.indexOf("ip=192.0.2.99") >= 0 && !!document.getElementById("live-drill")`))
		opened = err == nil && v
		time.Sleep(50 * time.Millisecond)
	}
	if !opened {
		problems, _, _ := rec.snapshot()
		t.Fatalf("the drill-down did not open; problems: %q", problems)
	}
	drill := js[string](t, ctx, `document.getElementById("live-drill").textContent`)
	for _, want := range []string{"Drill-down: ip 192.0.2.99", "ever logged inno", "users triednewcomer", "first seen2026-11-30T10:30:00Z", "bansnever banned"} {
		if !strings.Contains(drill, want) {
			t.Errorf("drill-down panel %q lacks %q", drill, want)
		}
	}
	if got := attempts(); got != "4" {
		t.Errorf("the drill-down page shows %q attempts, want 4", got)
	}
	problems, _, dialogs := rec.snapshot()
	if len(problems) > 0 || len(dialogs) > 0 {
		t.Errorf("problems: %q\ndialogs: %q", problems, dialogs)
	}
	if code := w.stop(t, os.Interrupt); code != 0 {
		t.Errorf("watch --serve exit %d", code)
	}
}

// serve refuses to listen where other machines reach it without --auth.
func TestServeRefusesPublicWithoutAuth(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"serve", "--listen", "0.0.0.0:0"}, {"serve", "--listen", ":8022"}, {"watch", "--serve", "192.0.2.1:80", "x.log"}} {
		r := runKnocks(t, dir, nil, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "--auth") {
			t.Errorf("knocks %s: exit %d, %s", strings.Join(args, " "), r.code, r.stderr)
		}
	}
}
