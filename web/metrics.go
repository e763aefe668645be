package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"knocks"
)

// ActivitySource answers what the metrics export.
type ActivitySource interface {
	// Activity returns the stored counts by host and by country (the top
	// countries, the rest as "other"), the lines read per source and the
	// freshness of the data.
	Activity(ctx context.Context, topCountries int) (*knocks.Activity, error)
}

// MetricsTopCountries is how many countries the metrics name; the others
// are counted as "other".
const MetricsTopCountries = 20

// collector computes the metrics at scrape time from the store.
type collector struct {
	src ActivitySource
	log *slog.Logger
	now func() time.Time

	attempts, connections, scans, logins, drops *prometheus.Desc
	lines, recognised, unrecognised, skipped    *prometheus.Desc
	lag, lastImport, lastEvent, up              *prometheus.Desc
}

// NewCollector returns a Prometheus collector over src. Its series carry no
// address and no user name: only host, country (a bounded top list and
// "other") and source labels.
func NewCollector(src ActivitySource, log *slog.Logger, now func() time.Time) prometheus.Collector {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	hc := []string{"host", "country"}
	src1 := []string{"source"}
	return &collector{
		src: src, log: log, now: now,
		attempts:     prometheus.NewDesc("knocks_attempts_total", "Failed SSH authentications (each Failed line, or one per failed connection without one).", hc, nil),
		connections:  prometheus.NewDesc("knocks_connections_total", "sshd connections with at least one failure line.", hc, nil),
		scans:        prometheus.NewDesc("knocks_scans_total", "sshd connections that never tried to authenticate.", hc, nil),
		logins:       prometheus.NewDesc("knocks_logins_total", "Accepted lines (successful logins).", hc, nil),
		drops:        prometheus.NewDesc("knocks_drops_total", "Connections that sshd's listener refused before they began (PerSourcePenalties).", hc, nil),
		lines:        prometheus.NewDesc("knocks_lines_read_total", "Log lines read by the imports.", src1, nil),
		recognised:   prometheus.NewDesc("knocks_lines_recognised_total", "sshd lines recognised.", src1, nil),
		unrecognised: prometheus.NewDesc("knocks_lines_unrecognised_total", "sshd lines not recognised (see knocks ingest's shapes).", src1, nil),
		skipped:      prometheus.NewDesc("knocks_lines_skipped_total", "Lines skipped as bad input (too long, NUL bytes, times out of range).", src1, nil),
		lag:          prometheus.NewDesc("knocks_ingest_lag_seconds", "Seconds between now and the newest stored event.", nil, nil),
		lastImport:   prometheus.NewDesc("knocks_last_import_timestamp_seconds", "Unix time of the last commit of an import.", nil, nil),
		lastEvent:    prometheus.NewDesc("knocks_last_event_timestamp_seconds", "Unix time of the newest stored event.", nil, nil),
		up:           prometheus.NewDesc("knocks_up", "1 when the database could be read at this scrape.", nil, nil),
	}
}

// Describe sends the descriptions of the metrics.
func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.attempts, c.connections, c.scans, c.logins, c.drops, c.lines, c.recognised, c.unrecognised, c.skipped, c.lag, c.lastImport, c.lastEvent, c.up} {
		ch <- d
	}
}

// Collect reads the store and sends the metrics.
func (c *collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	act, err := c.src.Activity(ctx, MetricsTopCountries)
	if err != nil {
		c.log.Warn("cannot collect metrics", "err", err)
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 1)
	for _, g := range act.Groups {
		for _, m := range []struct {
			d *prometheus.Desc
			v int64
		}{{c.attempts, g.Attempts}, {c.connections, g.Connections}, {c.scans, g.Scans}, {c.logins, g.Logins}, {c.drops, g.Drops}} {
			ch <- prometheus.MustNewConstMetric(m.d, prometheus.CounterValue, float64(m.v), g.Host, g.Country)
		}
	}
	for _, s := range act.Sources {
		ch <- prometheus.MustNewConstMetric(c.lines, prometheus.CounterValue, float64(s.Lines), s.Source)
		ch <- prometheus.MustNewConstMetric(c.recognised, prometheus.CounterValue, float64(s.Recognised), s.Source)
		ch <- prometheus.MustNewConstMetric(c.unrecognised, prometheus.CounterValue, float64(s.Unrecognised), s.Source)
		ch <- prometheus.MustNewConstMetric(c.skipped, prometheus.CounterValue, float64(s.Skipped), s.Source)
	}
	if !act.LastImport.IsZero() {
		ch <- prometheus.MustNewConstMetric(c.lastImport, prometheus.GaugeValue, float64(act.LastImport.Unix()))
	}
	if !act.LastEvent.IsZero() {
		ch <- prometheus.MustNewConstMetric(c.lastEvent, prometheus.GaugeValue, float64(act.LastEvent.Unix()))
		ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, max(0, c.now().Sub(act.LastEvent).Seconds()))
	}
}

// MetricsHandler returns the /metrics handler: the collector of src on a
// registry of its own.
func MetricsHandler(src ActivitySource, log *slog.Logger) http.Handler {
	return handlerFor(NewCollector(src, log, nil))
}

// handlerFor serves a collector on a registry of its own.
func handlerFor(c prometheus.Collector) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Timeout: 25 * time.Second, MaxRequestsInFlight: 4})
}
