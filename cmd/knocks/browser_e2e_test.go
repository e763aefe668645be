package main

// End to end in a real browser: the binary makes the HTML report of a
// generated log, and headless Chromium opens it.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"knocks/gen"
)

// chromiumExe is where Debian's chromium package puts the browser.
const chromiumExe = "/usr/bin/chromium"

// evilUsers are user names that an attacker sends to sshd. The report must
// show each one as text and run none of them.
var evilUsers = []struct {
	name string // as the attacker sent it
	text string // as the page must show it
}{
	{"<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"},
	{"</script><script>alert(1)</script>", "</script><script>alert(1)</script>"},
	{"\x1b[31mred", `\x1b[31mred`},
}

// asSSHDLogsIt returns a user name as sshd writes it to the log: control
// characters become octal escapes, so ESC is \033.
func asSSHDLogsIt(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c == 0x7f {
			fmt.Fprintf(&b, `\%03o`, c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// bruteForce returns the lines of one OpenSSH 9 connection that tries a
// password tries times for an invalid user until MaxAuthTries ends it.
func bruteForce(at time.Time, pid int, ip string, port int, user string, tries int) string {
	var b strings.Builder
	line := func(format string, args ...any) {
		fmt.Fprintf(&b, "%s srv1 sshd[%d]: ", at.Format(time.Stamp), pid)
		fmt.Fprintf(&b, format, args...)
		b.WriteByte('\n')
		at = at.Add(time.Second)
	}
	u := asSSHDLogsIt(user)
	line("Invalid user %s from %s port %d", u, ip, port)
	line("pam_unix(sshd:auth): check pass; user unknown")
	line("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=%s", ip)
	for range tries {
		line("Failed password for invalid user %s from %s port %d ssh2", u, ip, port)
	}
	line("error: maximum authentication attempts exceeded for invalid user %s from %s port %d ssh2 [preauth]", u, ip, port)
	line("Disconnecting invalid user %s %s port %d: Too many authentication failures [preauth]", u, ip, port)
	line("PAM %d more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=%s", tries-1, ip)
	return b.String()
}

// evilBurst returns a burst of connections from three bots, each of which
// sends one of evilUsers, starting at start. Each name gets enough attempts
// to be among the top user names of a 200,000-line generated log, so that
// the report shows it. It returns the time of the last line too.
func evilBurst(start time.Time) (string, time.Time) {
	ips := []string{"198.51.100.7", "203.0.113.66", "2001:db8::bad"}
	var b strings.Builder
	at := start
	for i := range 200 {
		for j, u := range evilUsers {
			n := i*len(evilUsers) + j
			b.WriteString(bruteForce(at, 3_000_000+n, ips[j], 40_000+n, u.name, 6))
			at = at.Add(20 * time.Second)
		}
	}
	return b.String(), at
}

// pageRecord is what a page did that the test must see: console errors
// and exceptions, requests and dialogs.
type pageRecord struct {
	mu       sync.Mutex
	problems []string
	requests []string
	dialogs  []string
}

func (r *pageRecord) note(list *[]string, format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*list = append(*list, fmt.Sprintf(format, args...))
}

// snapshot returns copies of what the page did so far.
func (r *pageRecord) snapshot() (problems, requests, dialogs []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.problems), slices.Clone(r.requests), slices.Clone(r.dialogs)
}

// watch records the events of the tab of ctx into r. It dismisses every
// JavaScript dialog, so that a dialog cannot stop the page.
func (r *pageRecord) watch(t *testing.T, ctx context.Context) {
	t.Helper()
	dialogs := make(chan struct{}, 8)
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *cdpruntime.EventConsoleAPICalled:
			switch e.Type {
			case cdpruntime.ConsoleAPICalledTypeError, cdpruntime.ConsoleAPICalledTypeWarning, cdpruntime.ConsoleAPICalledTypeAssert:
				var args []string
				for _, a := range e.Args {
					args = append(args, strings.TrimSpace(string(a.Value)+" "+a.Description))
				}
				r.note(&r.problems, "console.%s(%s)", e.Type, strings.Join(args, ", "))
			}
		case *cdpruntime.EventExceptionThrown:
			d := e.ExceptionDetails
			desc := ""
			if d.Exception != nil {
				desc = d.Exception.Description
			}
			r.note(&r.problems, "exception at %s:%d: %s %s", d.URL, d.LineNumber, d.Text, desc)
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError || e.Entry.Level == cdplog.EntryLevelWarning {
				r.note(&r.problems, "browser log (%s, %s): %s %s", e.Entry.Source, e.Entry.Level, e.Entry.Text, e.Entry.URL)
			}
		case *network.EventRequestWillBeSent:
			r.note(&r.requests, "%s", e.Request.URL)
		case *network.EventWebSocketCreated:
			r.note(&r.requests, "%s", e.URL)
		case *page.EventJavascriptDialogOpening:
			r.note(&r.dialogs, "%s(%q)", e.Type, e.Message)
			select {
			case dialogs <- struct{}{}:
			default:
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	// The listener must not send commands itself: dismiss from here.
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-dialogs:
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			}
		}
	}()
}

// startChromium starts headless Chromium with a fresh profile and returns
// the context of a tab, or skips the test when there is no Chromium.
func startChromium(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumExe); err != nil {
		t.Skipf("skipped: no browser at %s (install Debian's chromium package to run this test)", chromiumExe)
	}
	if testing.Short() {
		t.Skip("skipped in -short mode: it starts a browser")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumExe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
		// A loaded machine may take longer than chromedp's 20 s to
		// start the browser: slow, not wrong.
		chromedp.WSURLReadTimeout(2 * time.Minute),
	}
	// The time limit is on the allocator, whose cancel stops the browser.
	limit, cancelLimit := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancelLimit)
	actx, cancelAlloc := chromedp.NewExecAllocator(limit, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(cancelTab)
	return ctx
}

// js evaluates expr in the page and decodes its value.
func js[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// frameProbe runs before the page's own scripts. It notes when the first
// animation frame after the report's first charts starts: when they reach
// the screen.
const frameProbe = `(function frame() {
	if (window.knocksReport && window.knocksReport.ready) {
		window.__firstFrame = performance.now();
		return;
	}
	requestAnimationFrame(frame);
})();`

// chartSection is what the page says of one chart container.
type chartSection struct {
	ID      string `json:"id"`
	ECharts bool   `json:"echarts"`
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	Inked   int    `json:"inked"` // sampled pixels that are not transparent
}

const chartSections = `Array.prototype.map.call(document.querySelectorAll(".chart"), function (el) {
	var c = el.querySelector("canvas"), inked = 0;
	if (c && c.width > 0 && c.height > 0) {
		var px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		for (var i = 3; i < px.length; i += 4 * 97) if (px[i] !== 0) inked++;
	}
	return { id: el.id, echarts: !!echarts.getInstanceByDom(el), width: c ? c.width : 0, height: c ? c.height : 0, inked: inked };
})`

// TestHTMLReportOfAGeneratedLogInChromium makes the HTML report of a
// generated log with hostile user names in it, opens it in headless
// Chromium, and checks that the page makes no request, logs no error, runs
// none of the names but shows them as text, draws every chart and shows the
// number of attempts of the JSON report.
func TestHTMLReportOfAGeneratedLogInChromium(t *testing.T) {
	ctx := startChromium(t)
	dir := t.TempDir()

	// A realistic log, then a burst of hostile user names after its end.
	var logText bytes.Buffer
	st, err := gen.Write(&logText, gen.Options{Lines: 200_000, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	burst, end := evilBurst(st.Last.Add(time.Minute))
	logText.WriteString(burst)
	logPath := filepath.Join(dir, "auth.log")
	writeFile(t, logPath, logText.String(), end.Add(time.Hour)) // the year comes from the mtime

	htmlPath := filepath.Join(dir, "report.html")
	mustOK(t, dir, nil, "report", "--html", htmlPath, logPath)
	fi, err := os.Stat(htmlPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("report of %d lines: %d bytes", st.Lines+int64(strings.Count(burst, "\n")), fi.Size())

	var want summary
	r := mustOK(t, dir, nil, "report", "--format", "json", logPath)
	if err := json.Unmarshal([]byte(r.stdout), &want); err != nil {
		t.Fatalf("report --format json: %v\n%.2000s", err, r.stdout)
	}
	// The names must be in the top list, or the page has no reason to show them.
	top := map[string]bool{}
	for _, tu := range want.TopUsers {
		top[tu.User] = true
	}
	for _, u := range evilUsers {
		if !top[u.name] {
			t.Fatalf("%q is not among the top users %+v: the test log must put it there", u.name, want.TopUsers)
		}
	}

	rec := &pageRecord{}
	rec.watch(t, ctx)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: frameProbe}); err != nil {
		t.Fatal(err)
	}
	fileURL := (&url.URL{Scheme: "file", Path: htmlPath}).String()
	start := time.Now()
	if err := chromedp.Do(ctx, chromedp.Navigate(fileURL)); err != nil {
		t.Fatalf("open %s: %v", fileURL, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(window.knocksReport && window.knocksReport.ready && window.__firstFrame)`, chromedp.WithPollingTimeout(time.Minute))); err != nil {
		problems, _, dialogs := rec.snapshot()
		t.Fatalf("the report's script did not finish: %v\nproblems: %q\ndialogs: %q", err, problems, dialogs)
	}
	wall := time.Since(start)
	t.Logf("first charts drawn %.0f ms after navigation start, on screen at %.0f ms (%v seen from the test)",
		js[float64](t, ctx, `window.knocksReport.ms`), js[float64](t, ctx, `window.__firstFrame`), wall.Round(time.Millisecond))

	// Draw the charts that the page leaves until they are scrolled to.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`window.knocksReport.renderAll()`)); err != nil {
		t.Fatal(err)
	}

	// Every section drew its chart, and the ones the report must have are there.
	sections := js[[]chartSection](t, ctx, chartSections)
	seen := map[string]bool{}
	for _, s := range sections {
		seen[s.ID] = true
		if !s.ECharts || s.Width < 100 || s.Height < 100 || s.Inked == 0 {
			t.Errorf("section %s: no chart drawn (%+v)", s.ID, s)
		}
	}
	for _, id := range []string{"chart-time", "chart-users", "chart-ips", "chart-subnets", "chart-asns", "chart-countries", "chart-ports", "chart-heatmap", "chart-world"} {
		if !seen[id] {
			t.Errorf("no %s in the page (chart containers: %+v)", id, sections)
		}
	}

	// The hostile names show as text and made nothing.
	text := js[string](t, ctx, `document.body.innerText`)
	for _, u := range evilUsers {
		if !strings.Contains(text, u.text) {
			t.Errorf("the page does not show %q literally", u.text)
		}
	}
	if strings.Contains(text, "\x1b") {
		t.Error("the page shows a raw ESC")
	}
	// The only images are the inlined flags; an <img> from a user name
	// would be another.
	if n := js[int](t, ctx, `Array.prototype.filter.call(document.querySelectorAll("img"), function (i) { return !(i.classList.contains("flag") && (i.getAttribute("src") || "").indexOf("data:image/png;base64,") === 0); }).length`); n != 0 {
		t.Errorf("%d img elements in the page besides the flags", n)
	}
	if n := js[int](t, ctx, `Array.prototype.filter.call(document.scripts, function (s) { return s.type !== "application/json" && s.textContent.indexOf("alert(1)") >= 0; }).length`); n != 0 {
		t.Errorf("%d script elements made of a user name", n)
	}

	// The headline is the number of the JSON report.
	headline := js[string](t, ctx, `document.querySelector('[data-key="attempts"]').textContent`)
	got, err := strconv.ParseInt(strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, headline), 10, 64)
	if err != nil || got != want.Attempts {
		t.Errorf("headline attempts %q, want %d as in the JSON report", headline, want.Attempts)
	}

	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := png.DecodeConfig(bytes.NewReader(shot)); err != nil || cfg.Width < 1000 || cfg.Height < 3000 {
		t.Errorf("screenshot: %v, %dx%d", err, cfg.Width, cfg.Height)
	}
	shotDir := os.Getenv("KNOCKS_SCREENSHOTS")
	if shotDir == "" {
		shotDir = dir
	} else if err := os.MkdirAll(shotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	shotPath := filepath.Join(shotDir, "e2e-report.png")
	if err := os.WriteFile(shotPath, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shotPath)

	problems, requests, dialogs := rec.snapshot()
	if len(dialogs) > 0 {
		t.Errorf("a user name ran as script: dialogs %q", dialogs)
	}
	if len(problems) > 0 {
		t.Errorf("console errors, warnings or exceptions:\n%s", strings.Join(problems, "\n"))
	}
	// The file itself, and the flags it inlines as PNG data: URIs: nothing
	// from anywhere else.
	var files []string
	for _, r := range requests {
		if !strings.HasPrefix(r, "data:image/png;base64,") {
			files = append(files, r)
		}
	}
	if len(files) != 1 || files[0] != fileURL {
		t.Errorf("requests %q, want only %s and inlined flags", files, fileURL)
	}
}
