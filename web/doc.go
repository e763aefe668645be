// Package web is the live side of knocks: an http.Handler that serves the
// dashboard (the HTML report made live), a read-only JSON API under /api/
// that the page itself uses, a stream of change notices (server-sent
// events), and Prometheus metrics at /metrics. It reads through the store
// interfaces only and keeps no globals, so tests run it with httptest.
//
// Speed: a summary is computed once per change of the database and served
// to every client from a cache keyed by the filter. A poller reads the
// store's generation (SQLite's data_version); when it moved, the next
// request for a filter gets the summary it already has at once while one
// goroutine computes the new one (at most one recomputation per filter per
// MinRecompute, or per twice the last computation's time when that is
// longer), so neither the number of clients nor the rate of imports makes
// the database be scanned more often, and the computations leave most of
// the machine to answering.
//
// Security: every endpoint is read-only (GET and HEAD only). Responses
// carry a Content-Security-Policy without inline scripts (script-src
// 'self'), X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer
// and frame-ancestors 'none'. Attacker-written text reaches the page only
// through html/template and JSON that the scripts draw on a canvas or set
// as text. Query strings, filters, top lists and the number of streams are
// bounded; requests have timeouts. Authentication (Auth) is a bearer token
// or HTTP basic auth with bcrypt hashes.
package web
