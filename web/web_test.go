package web

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"knocks"
	"knocks/report"
)

// fakeStore answers summaries from a fixed set of connections, counting
// the calls; block, when set, holds every call until it is closed.
type fakeStore struct {
	calls   atomic.Int64
	block   chan struct{}
	mu      sync.Mutex
	filters []knocks.Filter
	conns   []knocks.Connection
}

func (s *fakeStore) Summary(ctx context.Context, f knocks.Filter) (*knocks.Summary, error) {
	s.calls.Add(1)
	if s.block != nil {
		<-s.block
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.filters = append(s.filters, f)
	sum := &knocks.Summary{Filter: f, Generated: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	users := map[string]int64{}
	for _, c := range s.conns {
		if f.User != "" && c.User != f.User || f.IP.IsValid() && c.IP != f.IP {
			continue
		}
		sum.Attempts += c.Attempts()
		sum.Logins += c.Logins
		if c.IsFailure() {
			sum.Connections++
		}
		if c.HasUser {
			users[c.User] += c.Attempts()
		}
	}
	for u, n := range users {
		sum.TopUsers = append(sum.TopUsers, knocks.UserCount{User: u, Attempts: n})
	}
	return sum, nil
}

// Hosts lists the hosts of the connections, as the database stores them.
func (s *fakeStore) Hosts(ctx context.Context) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var hosts []string
	for _, c := range s.conns {
		if !slices.Contains(hosts, c.Host) {
			hosts = append(hosts, c.Host)
		}
	}
	return hosts, nil
}

func (s *fakeStore) add(c knocks.Connection) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conns = append(s.conns, c)
}

func newTestServer(t *testing.T, st *fakeStore, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	cfg.Store = st
	cfg.MinRecompute = time.Nanosecond
	s := New(cfg)
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

func get(t *testing.T, url string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

var guess = knocks.Connection{Host: "web1", PID: 7, Start: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC), IP: netip.MustParseAddr("203.0.113.7"),
	User: "admin", HasUser: true, Invalid: true, Failed: 3, FailureLines: 4}

func TestSummaryIsTheReportJSON(t *testing.T) {
	st := &fakeStore{}
	st.add(guess)
	_, ts := newTestServer(t, st, Config{})
	resp, body := get(t, ts.URL+"/api/summary?since=2026-11-01&host=web1&top=5")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	sum, _ := st.Summary(context.Background(), st.filters[0])
	var indented, want bytes.Buffer
	report.JSON(&indented, sum)
	json.Compact(&want, indented.Bytes())
	if !bytes.Equal(body, want.Bytes()) {
		t.Errorf("body is not report --format json without its indentation:\n%s\nwant:\n%s", body, want.Bytes())
	}
	// A client that takes gzip gets the same document compressed.
	req, _ := http.NewRequest("GET", ts.URL+"/api/summary?since=2026-11-01&host=web1&top=5", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	zresp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer zresp.Body.Close()
	if zresp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q", zresp.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(zresp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if unz, _ := io.ReadAll(zr); !bytes.Equal(unz, want.Bytes()) {
		t.Errorf("gzip body differs")
	}
	f := st.filters[0]
	if f.Host != "web1" || f.Top != 5 || !f.Since.Equal(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("filter from the query: %+v", f)
	}
}

func TestBadRequests(t *testing.T) {
	st := &fakeStore{}
	st.add(guess)
	_, ts := newTestServer(t, st, Config{})
	for _, tc := range []struct {
		Name, Path string
		Want       int
	}{
		{"unknown country", "/api/summary?country=Narnia", 400},
		{"unknown country on the page", "/?country=Narnia", 400},
		{"unknown host", "/api/summary?host=nosuch", 400},
		{"unknown host in a drill-down", "/api/ip/203.0.113.7?host=nosuch", 400},
		{"since after until", "/api/summary?since=2026-11-02&until=2026-11-01", 400},
		{"since equal to until", "/api/summary?since=2026-11-01&until=2026-11-01", 400},
		{"bad since", "/api/summary?since=yesterday", 400},
		{"bad asn", "/api/summary?asn=ASX", 400},
		{"top too large", "/api/summary?top=100000", 400},
		{"bad ip", "/api/ip/not-an-ip", 400},
		{"bad subnet", "/api/subnet/1.2.3.4", 400},
		{"query too long", "/api/summary?host=" + strings.Repeat("a", MaxQuery), 414},
		{"unknown path", "/api/nothing", 404},
		{"unknown script", "/static/evil.js", 404},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			resp, body := get(t, ts.URL+tc.Path)
			if resp.StatusCode != tc.Want {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, tc.Want, body)
			}
		})
	}
}

func TestReadOnlyAndSecurityHeaders(t *testing.T) {
	_, ts := newTestServer(t, &fakeStore{}, Config{})
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH"} {
		req, _ := http.NewRequest(m, ts.URL+"/api/summary", strings.NewReader("{}"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s: status %d, want 405", m, resp.StatusCode)
		}
	}
	resp, body := get(t, ts.URL+"/")
	if resp.StatusCode != 200 {
		t.Fatalf("dashboard: %d %s", resp.StatusCode, body)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline: %q", csp)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("headers: %v", resp.Header)
	}
	// The page loads its scripts from the server, none inline.
	for _, src := range []string{`<script src="/static/echarts.min.js">`, `<script src="/static/app.js">`, `<script src="/static/live.js">`} {
		if !bytes.Contains(body, []byte(src)) {
			t.Errorf("page lacks %s", src)
		}
	}
	if bytes.Contains(body, []byte("<script>")) {
		t.Errorf("page has an inline script")
	}
	resp, js := get(t, ts.URL+"/static/live.js")
	if resp.StatusCode != 200 || !bytes.Equal(js, liveJS) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("live.js: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// Many clients of one filter make one computation per change, and a change
// is served stale at once while the new summary is computed.
func TestSummaryComputedOncePerChange(t *testing.T) {
	st := &fakeStore{}
	st.add(guess)
	s, ts := newTestServer(t, st, Config{})
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, _ := get(t, ts.URL+"/api/summary")
			if resp.StatusCode != 200 {
				t.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	if n := st.calls.Load(); n != 1 {
		t.Fatalf("50 clients made %d computations, want 1", n)
	}
	// A change: the next request gets the old numbers at once and starts
	// one computation; later requests get the new numbers.
	st.block = make(chan struct{})
	st.add(guess)
	s.setGeneration(2)
	_, body := get(t, ts.URL+"/api/summary")
	var got struct{ Attempts int64 }
	json.Unmarshal(body, &got)
	if got.Attempts != 3 {
		t.Errorf("while recomputing: attempts %d, want the old 3", got.Attempts)
	}
	for i := 0; i < 10; i++ {
		get(t, ts.URL+"/api/summary")
	}
	close(st.block)
	for got.Attempts != 6 { // the new summary arrives; no deadline in a unit test
		_, body = get(t, ts.URL+"/api/summary")
		json.Unmarshal(body, &got)
		time.Sleep(time.Millisecond)
	}
	if n := st.calls.Load(); n != 2 {
		t.Errorf("one change made %d computations in all, want 2", n)
	}
}

// TestFilterValues checks the filter values that the flags of knocks report
// take: country names and reserved-range labels, hosts in any case.
func TestFilterValues(t *testing.T) {
	st := &fakeStore{}
	st.add(guess)
	_, ts := newTestServer(t, st, Config{})
	top := 0
	for _, tc := range []struct {
		Name, Input string
		Want        knocks.Filter
		Err         string
	}{
		{"code", "country=cn", knocks.Filter{Country: "CN"}, ""},
		{"name", "country=China", knocks.Filter{Country: "CN"}, ""},
		{"long name", "country=United%20States", knocks.Filter{Country: "US"}, ""},
		{"reserved label", "country=Private", knocks.Filter{Country: "private"}, ""},
		{"host in another case", "host=WEB1", knocks.Filter{Host: "web1"}, ""},
		{"unknown country", "country=Narnia", knocks.Filter{}, `country: "Narnia" is not a country`},
		{"ambiguous country", "country=Virgin%20Islands", knocks.Filter{}, `country: "Virgin Islands" is ambiguous: VG, VI`},
		{"unknown host", "host=nosuch", knocks.Filter{}, `host: "nosuch" is not a host in the data; known hosts: web1`},
		{"host with markup", "host=%3Cb%3E", knocks.Filter{}, `host: "<b>" is not a host`},
		{"empty range", "since=2026-11-02&until=2026-11-01", knocks.Filter{}, "since 2026-11-02T00:00:00Z is not before until 2026-11-01T00:00:00Z"},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			st.mu.Lock()
			st.filters = nil
			st.mu.Unlock()
			// Each case its own top, so that no case is answered from the
			// summary another one had computed.
			top++
			resp, body := get(t, ts.URL+"/api/summary?"+tc.Input+"&top="+strconv.Itoa(top))
			if tc.Err != "" {
				if resp.StatusCode != 400 || !strings.Contains(string(body), tc.Err) {
					t.Errorf("status %d, body %q; want 400 with %q", resp.StatusCode, body, tc.Err)
				}
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
					t.Errorf("a message with attacker text is served as %q", ct)
				}
				return
			}
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			st.mu.Lock()
			defer st.mu.Unlock()
			if len(st.filters) == 0 {
				t.Fatal("no summary computed")
			}
			f := st.filters[len(st.filters)-1]
			if f.Country != tc.Want.Country || f.Host != tc.Want.Host {
				t.Errorf("filter country %q host %q, want %q %q", f.Country, f.Host, tc.Want.Country, tc.Want.Host)
			}
		})
	}
}

func TestDrillDown(t *testing.T) {
	st := &fakeStore{}
	st.add(guess)
	evil := guess
	evil.User, evil.PID, evil.Logins = `<img src=x onerror=alert(1)>`, 8, 1
	st.add(evil)
	_, ts := newTestServer(t, st, Config{})
	resp, body := get(t, ts.URL+"/api/user/"+strings.ReplaceAll(evil.User, " ", "%20")+"?since=2026-01-01")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	if bytes.Contains(body, []byte("<img")) {
		t.Errorf("markup in JSON unescaped: %s", body)
	}
	var d Drill
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	if d.Kind != "user" || d.Key != evil.User || d.Attempts != 3 || !d.EverLoggedIn {
		t.Errorf("drill: %+v", d)
	}
	st.mu.Lock()
	f := st.filters[len(st.filters)-1]
	st.mu.Unlock()
	if f.User != evil.User || f.Since.IsZero() {
		t.Errorf("filter %+v", f)
	}
	_, body = get(t, ts.URL+"/api/ip/203.0.113.7")
	json.Unmarshal(body, &d)
	if d.Kind != "ip" || d.Attempts != 6 {
		t.Errorf("ip drill: %+v", d)
	}
}

func TestEventsStream(t *testing.T) {
	s, ts := newTestServer(t, &fakeStore{}, Config{})
	s.setGeneration(5)
	resp, err := http.Get(ts.URL + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	r := bufio.NewReader(resp.Body)
	next := func() string {
		var ev []string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if line == "\n" {
				if len(ev) > 0 {
					return strings.Join(ev, "|")
				}
				continue
			}
			if !strings.HasPrefix(line, ":") && !strings.HasPrefix(line, "retry:") {
				ev = append(ev, strings.TrimSpace(line))
			}
		}
	}
	if got := next(); got != `event: hello|data: {"generation":5}` {
		t.Errorf("first event %q", got)
	}
	s.setGeneration(6)
	if got := next(); got != `event: change|data: {"generation":6}` {
		t.Errorf("after a change %q", got)
	}
}

func TestStreamsAreBounded(t *testing.T) {
	_, ts := newTestServer(t, &fakeStore{}, Config{MaxStreams: 1})
	first, err := http.Get(ts.URL + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer first.Body.Close()
	bufio.NewReader(first.Body).ReadString('\n') // the stream is open
	resp, _ := get(t, ts.URL+"/api/events")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a second stream over the bound: %d, want 503", resp.StatusCode)
	}
}

func TestAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	file := "# who may read\ntoken 0123456789abcdef0123\nalice:" + string(hash) + "\n"
	a, err := ParseAuth(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	_, ts := newTestServer(t, &fakeStore{}, Config{Auth: a})
	for _, tc := range []struct {
		Name string
		Hdr  []string
		Want int
	}{
		{"none", nil, 401},
		{"bearer", []string{"Authorization", "Bearer 0123456789abcdef0123"}, 200},
		{"wrong bearer", []string{"Authorization", "Bearer 0123456789abcdef0124"}, 401},
		{"basic", []string{"Authorization", "Basic YWxpY2U6Y29ycmVjdCBob3JzZQ=="}, 200}, // alice:correct horse
		{"basic again (remembered)", []string{"Authorization", "Basic YWxpY2U6Y29ycmVjdCBob3JzZQ=="}, 200},
		{"wrong password", []string{"Authorization", "Basic YWxpY2U6d3Jvbmc="}, 401},       // alice:wrong
		{"unknown user", []string{"Authorization", "Basic Ym9iOmNvcnJlY3QgaG9yc2U="}, 401}, // bob:correct horse
	} {
		t.Run(tc.Name, func(t *testing.T) {
			resp, _ := get(t, ts.URL+"/api/summary", tc.Hdr...)
			if resp.StatusCode != tc.Want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.Want)
			}
			if tc.Want == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("WWW-Authenticate %q", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
	for _, bad := range []string{"", "token short\n", "alice:plaintext\n", "justaname\n"} {
		if _, err := ParseAuth(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseAuth(%q) accepted", bad)
		}
	}
}

// fakeActivity is an ActivitySource with fixed numbers.
type fakeActivity struct{ act knocks.Activity }

func (f *fakeActivity) Activity(context.Context, int) (*knocks.Activity, error) { return &f.act, nil }

func TestMetrics(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	src := &fakeActivity{knocks.Activity{
		Groups:     []knocks.GroupTotals{{Host: "web1", Country: "CN", Attempts: 40, Connections: 12, Scans: 3, Logins: 1, Drops: 7}, {Host: "web1", Country: "other", Attempts: 2}},
		Sources:    []knocks.SourceTotals{{Source: "/var/log/auth.log", Lines: 1000, Recognised: 400, Unrecognised: 2, Skipped: 1}},
		LastImport: now.Add(-time.Minute), LastEvent: now.Add(-90 * time.Second),
	}}
	reg := NewCollector(src, nil, func() time.Time { return now })
	_, ts := newTestServer(t, &fakeStore{}, Config{Metrics: handlerFor(reg)})
	resp, body := get(t, ts.URL+"/metrics")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{
		`knocks_attempts_total{country="CN",host="web1"} 40`,
		`knocks_connections_total{country="CN",host="web1"} 12`,
		`knocks_scans_total{country="CN",host="web1"} 3`,
		`knocks_logins_total{country="CN",host="web1"} 1`,
		`knocks_drops_total{country="CN",host="web1"} 7`,
		`knocks_attempts_total{country="other",host="web1"} 2`,
		`knocks_lines_read_total{source="/var/log/auth.log"} 1000`,
		`knocks_lines_unrecognised_total{source="/var/log/auth.log"} 2`,
		`knocks_ingest_lag_seconds 90`,
		`knocks_last_import_timestamp_seconds 1.79612634e+09`,
		`knocks_up 1`,
	} {
		if !strings.Contains(string(body), want+"\n") {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(string(body), `ip="`) || strings.Contains(string(body), `user="`) {
		t.Errorf("per-address or per-user labels:\n%s", body)
	}
}

// A summary served while its successor is still being computed says the
// generation it is of, older than the one /api/events announced, so that
// the page asks again; once computed, the answer is of the new one.
func TestStaleSummarySaysItsGeneration(t *testing.T) {
	st := &fakeStore{}
	st.add(guess)
	s, ts := newTestServer(t, st, Config{})
	s.setGeneration(1)
	for _, path := range []string{"/api/summary", "/"} {
		if resp, _ := get(t, ts.URL+path); resp.Header.Get(GenerationHeader) != "1" {
			t.Fatalf("%s: %s %q, want 1", path, GenerationHeader, resp.Header.Get(GenerationHeader))
		}
	}
	st.mu.Lock()
	st.block = make(chan struct{})
	st.mu.Unlock()
	st.add(guess)
	s.setGeneration(2)
	resp, body := get(t, ts.URL+"/api/summary")
	var sum knocks.Summary
	if err := json.Unmarshal(body, &sum); err != nil {
		t.Fatal(err)
	}
	if g := resp.Header.Get(GenerationHeader); g != "1" || sum.Attempts != 3 {
		t.Errorf("while computing: generation %q, attempts %d; want the stale 1 and 3", g, sum.Attempts)
	}
	close(st.block)
	for {
		resp, body = get(t, ts.URL+"/api/summary")
		if resp.Header.Get(GenerationHeader) == "2" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := json.Unmarshal(body, &sum); err != nil || sum.Attempts != 6 {
		t.Errorf("generation 2: attempts %d (%v), want 6", sum.Attempts, err)
	}
}

func TestRecomputeAfter(t *testing.T) {
	for _, c := range []struct {
		Name      string
		Min, Took time.Duration
		Want      time.Duration
	}{
		{"fast computation: the minimum", time.Second, 10 * time.Millisecond, time.Second},
		{"never computed yet", time.Second, 0, time.Second},
		{"slow computation: twice its time", time.Second, 3 * time.Second, 6 * time.Second},
		{"exactly half the minimum", time.Second, 500 * time.Millisecond, time.Second},
	} {
		if got := recomputeAfter(c.Min, c.Took); got != c.Want {
			t.Errorf("%s: recomputeAfter(%v, %v) = %v, want %v", c.Name, c.Min, c.Took, got, c.Want)
		}
	}
}
