package web

import (
	"fmt"
	"net/http"
	"time"
)

// events serves /api/events: a stream of server-sent events. It sends
// "hello" with the current generation, then "change" each time the data
// changed, and a comment every 20 s so that proxies keep it open. A stream
// ends after streamLife; the browser's EventSource connects again.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	select {
	case s.strm <- struct{}{}:
		defer func() { <-s.strm }()
	default:
		w.Header().Set("Retry-After", "10")
		http.Error(w, "too many open streams", http.StatusServiceUnavailable)
		return
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	send := func(format string, args ...any) bool {
		rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	gen, changed := s.generation()
	if !send("retry: 2000\nevent: hello\ndata: {\"generation\":%d}\n\n", gen) {
		return
	}
	end := time.NewTimer(streamLife)
	defer end.Stop()
	ping := time.NewTicker(20 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-end.C:
			return
		case <-ping.C:
			if !send(": ping\n\n") {
				return
			}
		case <-changed:
			gen, changed = s.generation()
			if !send("event: change\ndata: {\"generation\":%d}\n\n", gen) {
				return
			}
		}
	}
}
