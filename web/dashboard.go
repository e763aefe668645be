package web

import (
	"bytes"
	"context"
	_ "embed"
	"net/http"
	"strconv"
	"strings"

	"knocks/htmlreport"
)

//go:embed live.js
var liveJS []byte

// scripts are the files of /static/, by name.
var scripts = map[string][]byte{
	"echarts.min.js": htmlreport.Script("echarts.min.js"),
	"app.js":         htmlreport.Script("app.js"),
	"live.js":        liveJS,
}

// dashboard serves the page: the HTML report of the filter in the query,
// made live by live.js.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
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
	page, err := s.page(res)
	if err != nil {
		s.log.Warn("cannot render the dashboard", "err", err)
		http.Error(w, "cannot render the dashboard", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set(GenerationHeader, strconv.FormatInt(res.gen, 10))
	w.Write(page)
}

// page returns the rendered page of a result, rendering it once per
// computed summary.
func (s *Server) page(res result) ([]byte, error) {
	e := res.e
	e.mu.Lock()
	if e.sum == res.sum && e.html != nil {
		defer e.mu.Unlock()
		return e.html, nil
	}
	e.mu.Unlock()
	var b bytes.Buffer
	// frame-ancestors works only as a header; in the page's <meta> it is
	// ignored with a warning.
	meta := strings.Replace(s.csp, "; frame-ancestors 'none'", "", 1)
	live := htmlreport.Live{CSP: meta, Scripts: []string{"/static/echarts.min.js", "/static/app.js", "/static/live.js"}}
	if err := htmlreport.RenderLive(&b, res.sum, htmlreport.Options{Title: s.cfg.Title}, live); err != nil {
		return nil, err
	}
	e.mu.Lock()
	if e.sum == res.sum {
		e.html = b.Bytes()
	}
	e.mu.Unlock()
	return b.Bytes(), nil
}

// static serves the scripts.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	b, ok := scripts[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "max-age=3600")
	w.Write(b)
}
