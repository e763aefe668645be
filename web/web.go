package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"knocks"
	"knocks/htmlreport"
	"knocks/mmdb"
	"knocks/report"
)

// Store is what the server reads.
type Store interface {
	// Summary computes the report for a filter.
	Summary(ctx context.Context, f knocks.Filter) (*knocks.Summary, error)
}

// Config configures a Server.
type Config struct {
	// Store answers the summaries.
	Store Store
	// Generation returns a number that changes whenever the stored data
	// changes; nil means the data never changes.
	Generation func(ctx context.Context) (int64, error)
	// Decorate, when set, completes each computed summary (the GeoIP
	// attribution lines).
	Decorate func(*knocks.Summary)
	// Auth, when set, is required of every request.
	Auth *Auth
	// Metrics, when set, is served at /metrics.
	Metrics http.Handler
	// Logger receives errors; nil discards them.
	Logger *slog.Logger
	// Now is the clock for relative filters (since=7d); nil is time.Now.
	Now func() time.Time
	// Title is the dashboard's title; "" is "knocks live".
	Title string
	// CheckEvery is how often the generation is read (default 500 ms).
	CheckEvery time.Duration
	// MinRecompute is the shortest time between two computations of the
	// summary of one filter (default 1 s); it grows to twice the time the
	// last computation took, so that recomputing one filter under a steady
	// stream of imports takes at most a third of a core.
	MinRecompute time.Duration
	// MaxStreams bounds the open event streams (default 100).
	MaxStreams int
	// MaxFilters bounds the summaries kept, one per filter (default 64).
	MaxFilters int
}

// Limits of what a request may ask.
const (
	// MaxQuery is the longest query string accepted, in bytes.
	MaxQuery = 2048
	// MaxTop is the largest top list a request may ask for.
	MaxTop = 100
	// computeTimeout bounds one computation of a summary.
	computeTimeout = 60 * time.Second
	// requestTimeout bounds the wait of one request for a summary.
	requestTimeout = 30 * time.Second
	// streamLife is how long one event stream stays open; the browser's
	// EventSource connects again by itself.
	streamLife = 10 * time.Minute
)

// Server serves the dashboard, the API and the metrics. Run must be
// running for the summaries to follow changes.
type Server struct {
	cfg  Config
	mux  *http.ServeMux
	log  *slog.Logger
	csp  string
	sem  chan struct{} // bounds concurrent computations
	strm chan struct{} // bounds open streams

	mu      sync.Mutex
	gen     int64
	changed chan struct{} // closed and replaced when gen moves
	cache   map[string]*entry
	clock   int64 // counts uses, for the least recently used entry
}

// New returns a Server for cfg.
func New(cfg Config) *Server {
	if cfg.CheckEvery <= 0 {
		cfg.CheckEvery = 500 * time.Millisecond
	}
	if cfg.MinRecompute <= 0 {
		cfg.MinRecompute = time.Second
	}
	if cfg.MaxStreams <= 0 {
		cfg.MaxStreams = 100
	}
	if cfg.MaxFilters <= 0 {
		cfg.MaxFilters = 64
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Title == "" {
		cfg.Title = "knocks live"
	}
	s := &Server{
		cfg:     cfg,
		mux:     http.NewServeMux(),
		log:     cfg.Logger,
		sem:     make(chan struct{}, 2),
		strm:    make(chan struct{}, cfg.MaxStreams),
		changed: make(chan struct{}),
		cache:   make(map[string]*entry),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.csp = "default-src 'none'; script-src 'self'; style-src " + htmlreport.StyleSource() +
		"; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	s.mux.HandleFunc("GET /{$}", s.dashboard)
	s.mux.HandleFunc("GET /static/{name}", s.static)
	s.mux.HandleFunc("GET /api/summary", s.summary)
	s.mux.HandleFunc("GET /api/events", s.events)
	for _, kind := range []string{"ip", "user", "country", "asn", "subnet"} {
		s.mux.HandleFunc("GET /api/"+kind+"/{key...}", s.drill(kind))
	}
	if cfg.Metrics != nil {
		s.mux.Handle("GET /metrics", cfg.Metrics)
	}
	return s
}

// Run reads the generation every CheckEvery until ctx ends, and tells the
// open streams when it moved.
func (s *Server) Run(ctx context.Context) {
	if s.cfg.Generation == nil {
		<-ctx.Done()
		return
	}
	t := time.NewTicker(s.cfg.CheckEvery)
	defer t.Stop()
	for {
		g, err := s.cfg.Generation(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Warn("cannot read the database generation", "err", err)
		} else {
			s.setGeneration(g)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Server) setGeneration(g int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g == s.gen {
		return
	}
	s.gen = g
	close(s.changed)
	s.changed = make(chan struct{})
}

// generation returns the current generation and a channel closed when it
// moves.
func (s *Server) generation() (int64, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen, s.changed
}

// ServeHTTP serves a request: security headers, the bounds of a request,
// authentication, then the routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", s.csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "read-only: only GET and HEAD", http.StatusMethodNotAllowed)
		return
	}
	if len(r.URL.RawQuery) > MaxQuery || len(r.URL.Path) > MaxQuery {
		http.Error(w, "request too long", http.StatusRequestURITooLong)
		return
	}
	if s.cfg.Auth != nil && !s.cfg.Auth.Allow(r) {
		s.cfg.Auth.Challenge(w)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// badRequest is a client error with a message safe to show.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

func badf(format string, args ...any) error {
	return &badRequest{report.Safe(fmt.Sprintf(format, args...))}
}

// Filter reads a filter from query parameters: since, until, host,
// country, asn, ip, user, subnet and top, with the meanings of the flags
// of `knocks report`.
func Filter(q map[string][]string, now time.Time) (knocks.Filter, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	f := knocks.Filter{Host: get("host"), User: get("user"), Subnet: get("subnet"), Top: 10}
	if len(f.User) > knocks.MaxUserLen || len(f.Host) > 255 || len(get("country")) > 64 {
		return f, badf("a filter value is too long")
	}
	var err error
	if f.Since, err = knocks.ParseWhen(get("since"), now); err != nil {
		return f, badf("since: %v", err)
	}
	if f.Until, err = knocks.ParseWhen(get("until"), now); err != nil {
		return f, badf("until: %v", err)
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return f, badf("since %s is not before until %s: the selection would be empty", f.Since.Format(time.RFC3339), f.Until.Format(time.RFC3339))
	}
	if v := get("country"); v != "" {
		code, candidates := mmdb.CountryFilter(v)
		switch {
		case code != "":
			f.Country = code
		case len(candidates) > 0:
			return f, badf("country: %q is ambiguous: %s", v, strings.Join(candidates, ", "))
		default:
			return f, badf("country: %q is not a country: give an ISO code or an English name (CN or China) or a reserved range (%s)", v, strings.Join(mmdb.Labels(), ", "))
		}
	}
	if v := get("asn"); v != "" {
		n, err := strconv.ParseUint(strings.TrimPrefix(strings.ToUpper(v), "AS"), 10, 32)
		if err != nil {
			return f, badf("asn: %q is not an AS number", v)
		}
		f.ASN = uint32(n)
	}
	if v := get("ip"); v != "" {
		ip, err := netip.ParseAddr(v)
		if err != nil {
			return f, badf("ip: %q is not an address", v)
		}
		f.IP = ip.Unmap()
	}
	if v := get("subnet"); v != "" {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return f, badf("subnet: %q is not a subnet such as 198.51.100.0/24", v)
		}
		f.Subnet = p.Masked().String()
	}
	if v := get("top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxTop {
			return f, badf("top: %q is not a number from 1 to %d", v, MaxTop)
		}
		f.Top = n
	}
	return f, nil
}

// hostLister is a Store that can list the hosts in the data, so that a
// filter on an unknown host is refused rather than answered with zeros.
type hostLister interface {
	Hosts(ctx context.Context) ([]string, error)
}

// checkHost returns f with its host as stored (matched without regard to
// case), or a bad request that lists the known hosts. A store that cannot
// list its hosts takes any host.
func (s *Server) checkHost(ctx context.Context, f knocks.Filter) (knocks.Filter, error) {
	hl, ok := s.cfg.Store.(hostLister)
	if f.Host == "" || !ok {
		return f, nil
	}
	if h, ok := s.cfg.Store.(knocks.HostFinder); ok {
		// Listing every host reads every connection; the host asked for
		// is most often there.
		if found, err := h.HasHost(ctx, f.Host); err != nil || found {
			return f, err
		}
	}
	hosts, err := hl.Hosts(ctx)
	if err != nil {
		return f, err
	}
	if slices.Contains(hosts, f.Host) {
		return f, nil
	}
	for _, h := range hosts {
		if strings.EqualFold(h, f.Host) {
			f.Host = h
			return f, nil
		}
	}
	if len(hosts) > 20 {
		hosts = append(hosts[:20:20], fmt.Sprintf("and %d more", len(hosts)-20))
	}
	return f, badf("host: %q is not a host in the data; known hosts: %s", f.Host, strings.Join(hosts, ", "))
}

// key is the cache key of a filter: its fields, with times to the second.
func key(f knocks.Filter) string {
	b, _ := json.Marshal([]any{f.Since.Unix(), f.Until.Unix(), f.Since.IsZero(), f.Until.IsZero(), f.Host, f.Country, f.ASN, f.IP.String(), f.User, f.Subnet, f.Top})
	return string(b)
}

// entry is the cached summary of one filter.
type entry struct {
	filter knocks.Filter

	mu       sync.Mutex
	ready    chan struct{} // closed when the first computation ended
	gen      int64         // the generation the summary was computed at
	sum      *knocks.Summary
	json     []byte
	gz       []byte // json, gzip-compressed once for every client that accepts it
	html     []byte // rendered on demand
	err      error
	busy     bool // a computation runs
	computed time.Time
	took     time.Duration // how long the last computation took
	used     int64
}

// result is what a request gets of an entry.
type result struct {
	sum  *knocks.Summary
	json []byte
	gz   []byte
	gen  int64 // the generation sum was computed at
	e    *entry
}

// GenerationHeader names the response header of the summary and the
// dashboard that gives the generation their summary was computed at: a
// client that saw a later one in /api/events got a summary that was still
// being recomputed, and asks again.
const GenerationHeader = "X-Knocks-Generation"

// get returns the summary of f: the cached one when it is of the current
// generation; else the cached one at once while a new one is computed
// (stale while revalidating), or, the first time, the new one.
func (s *Server) get(ctx context.Context, f knocks.Filter) (result, error) {
	// Relative times (since=7d) are fixed to the minute, so that clients
	// share one entry.
	k := key(f)
	s.mu.Lock()
	gen := s.gen
	e := s.cache[k]
	if e == nil {
		if len(s.cache) >= s.cfg.MaxFilters {
			s.evict()
		}
		e = &entry{filter: f, ready: make(chan struct{})}
		s.cache[k] = e
	}
	s.clock++
	e.used = s.clock
	s.mu.Unlock()

	e.mu.Lock()
	first := e.sum == nil && e.err == nil
	stale := e.gen != gen || e.err != nil
	if !e.busy && (first || stale && time.Since(e.computed) >= recomputeAfter(s.cfg.MinRecompute, e.took)) {
		e.busy = true
		go s.compute(e, gen)
	}
	e.mu.Unlock()

	select {
	case <-e.ready:
	case <-ctx.Done():
		return result{}, ctx.Err()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sum == nil {
		return result{}, e.err
	}
	return result{sum: e.sum, json: e.json, gz: e.gz, gen: e.gen, e: e}, nil
}

// recomputeAfter is how long after the last computation of a filter, which
// took took, a stale summary of it is computed again: at least least, and
// at least twice took (a computation then has the core a third of the
// time, whatever the rate of imports).
func recomputeAfter(least, took time.Duration) time.Duration {
	return max(least, 2*took)
}

// evict drops the least recently used entry; s.mu is held.
func (s *Server) evict() {
	var oldest string
	var used int64 = -1
	for k, e := range s.cache {
		if used < 0 || e.used < used {
			oldest, used = k, e.used
		}
	}
	delete(s.cache, oldest)
}

// compute computes the summary of e at generation gen.
func (s *Server) compute(e *entry, gen int64) {
	s.sem <- struct{}{}
	defer func() { <-s.sem }()
	ctx, cancel := context.WithTimeout(context.Background(), computeTimeout)
	defer cancel()
	began := time.Now()
	sum, err := s.cfg.Store.Summary(ctx, e.filter)
	var js, gz bytes.Buffer
	if err == nil {
		if s.cfg.Decorate != nil {
			s.cfg.Decorate(sum)
		}
		err = report.JSON(&js, sum)
	}
	if err == nil {
		// The keys and values of the report, without its indentation:
		// 40% fewer bytes for every client to read.
		var compact bytes.Buffer
		if err = json.Compact(&compact, js.Bytes()); err == nil {
			js = compact
		}
	}
	if err == nil {
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
		zw.Write(js.Bytes())
		err = zw.Close()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.busy = false
	e.computed = time.Now()
	e.took = e.computed.Sub(began)
	if err != nil {
		s.log.Warn("cannot compute summary", "err", err)
		e.err = errors.New("cannot compute the summary")
	} else {
		e.sum, e.json, e.gz, e.html, e.err, e.gen = sum, js.Bytes(), gz.Bytes(), nil, nil, gen
	}
	select {
	case <-e.ready:
	default:
		close(e.ready)
	}
}

// filterFrom reads the filter of a request, answering it when it is bad.
func (s *Server) filterFrom(w http.ResponseWriter, r *http.Request) (knocks.Filter, bool) {
	return s.checkedFilter(w, r, r.URL.Query())
}

// checkedFilter reads the filter of query q, checks its host against the
// data, and answers the request when either is bad.
func (s *Server) checkedFilter(w http.ResponseWriter, r *http.Request, q map[string][]string) (knocks.Filter, bool) {
	now := s.cfg.Now().UTC().Truncate(time.Minute)
	f, err := Filter(q, now)
	if err == nil {
		f, err = s.checkHost(r.Context(), f)
	}
	if err != nil {
		var bad *badRequest
		if errors.As(err, &bad) {
			http.Error(w, err.Error(), http.StatusBadRequest)
		} else {
			s.log.Warn("cannot list the hosts", "err", err)
			http.Error(w, "cannot read the database", http.StatusInternalServerError)
		}
		return f, false
	}
	return f, true
}

// fail answers a request whose summary could not be had.
func (s *Server) fail(w http.ResponseWriter, err error) {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		http.Error(w, "the summary is still being computed; try again", http.StatusServiceUnavailable)
		return
	}
	http.Error(w, "cannot compute the summary", http.StatusInternalServerError)
}

// summary serves /api/summary: the keys of `knocks report --format json`.
func (s *Server) summary(w http.ResponseWriter, r *http.Request) {
	f, ok := s.filterFrom(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), requestTimeout)
	defer cancel()
	res, err := s.get(ctx, f)
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set(GenerationHeader, strconv.FormatInt(res.gen, 10))
	if res.gz != nil && acceptsGzip(r) {
		h := w.Header()
		h.Set("Content-Encoding", "gzip")
		h.Set("Vary", "Accept-Encoding")
		writeJSONBytes(w, res.gz)
		return
	}
	w.Header().Set("Vary", "Accept-Encoding")
	writeJSONBytes(w, res.json)
}

// acceptsGzip reports whether the client takes a gzip-compressed answer.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

func writeJSONBytes(w http.ResponseWriter, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.Write(b)
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "cannot encode", http.StatusInternalServerError)
		return
	}
	writeJSONBytes(w, append(b, '\n'))
}
