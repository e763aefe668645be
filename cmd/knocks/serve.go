package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"time"

	"knocks"
	"knocks/web"
)

// serveFlags are the flags of `knocks serve` that `knocks watch --serve`
// shares.
type serveFlags struct {
	listen   string
	auth     string
	insecure bool
	camp     knocks.CampaignOptions
}

func (s *serveFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.auth, "auth", "", "require credentials listed in `FILE`: lines \"token SECRET\" (bearer) or \"USER:BCRYPT-HASH\" (basic auth, htpasswd -nB USER)")
	fs.BoolVar(&s.insecure, "insecure-public", false, "allow a non-loopback listen address without --auth (anyone who can reach it reads the data)")
	registerCampaigns(fs, &s.camp)
}

// ServeCommand serves the live dashboard, the JSON API and the metrics.
type ServeCommand struct {
	m   *Main
	db  string
	srv serveFlags
	geo geoFlags
}

// FlagSet returns the flags of `knocks serve`.
func (c *ServeCommand) FlagSet() *flag.FlagSet {
	fs := c.m.newFlagSet("serve")
	fs.StringVar(&c.db, "db", "", "database `path` (default $KNOCKS_DB, else ~/.local/state/knocks/knocks.db)")
	fs.StringVar(&c.srv.listen, "listen", "127.0.0.1:8022", "the `address` to listen on; a non-loopback one needs --auth or --insecure-public")
	c.srv.register(fs)
	c.geo.register(fs)
	return fs
}

// Run runs `knocks serve`.
func (c *ServeCommand) Run(ctx context.Context, args []string) error {
	pos, err := parseFlags(c.FlagSet(), args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("serve takes no arguments (the database is --db)")
	}
	if err := checkListen(c.srv); err != nil {
		return err
	}
	store, err := c.m.openReadDB(ctx, c.db)
	if err != nil {
		return err
	}
	defer store.Close()
	return c.m.serve(ctx, store, c.srv, &c.geo, c.m.loggerAt("info"))
}

// checkListen refuses a listen address that is not loopback unless
// credentials are required or the user said it is meant to be public.
func checkListen(s serveFlags) error {
	host, _, err := net.SplitHostPort(s.listen)
	if err != nil {
		return usagef("--listen %q: %v (e.g. 127.0.0.1:8022)", s.listen, err)
	}
	if err := checkCampaigns(s.camp); err != nil {
		return err
	}
	if loopback(host) || s.auth != "" || s.insecure {
		return nil
	}
	return usagef("--listen %s is reachable from other machines: give --auth FILE, or --insecure-public to serve the data to anyone who can reach it", s.listen)
}

// loopback reports whether a listen host is a loopback address.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// serve serves the dashboard of store at s.listen until ctx ends.
func (m *Main) serve(ctx context.Context, store dbStore, s serveFlags, g *geoFlags, log *slog.Logger) error {
	var auth *web.Auth
	if s.auth != "" {
		f, err := os.Open(s.auth)
		if err != nil {
			return fmt.Errorf("cannot read auth file: %w", err)
		}
		auth, err = web.ParseAuth(f)
		f.Close()
		if err != nil {
			return knocks.Errorf(knocks.EINVALID, "%s: %v", s.auth, err)
		}
	}
	changes, err := watchChanges(ctx, store)
	if err != nil {
		return err
	}
	defer changes.Close()
	var sources, attribution []string
	if !g.off {
		if loc, err := m.locator(g); err == nil {
			sources, attribution = loc.Sources(), loc.Attribution()
			loc.Close()
		}
	}
	srv := web.New(web.Config{
		Store:      reportStore{store, s.camp},
		Generation: changes.Generation,
		Decorate: func(sum *knocks.Summary) {
			if len(sum.TopCountries)+len(sum.TopASNs) == 0 {
				return
			}
			if len(sum.GeoIPSources) == 0 {
				sum.GeoIPSources = sources
			}
			sum.GeoIPAttributed = attribution
		},
		Auth:    auth,
		Metrics: web.MetricsHandler(store, log),
		Logger:  log,
		Now:     m.Now,
	})
	ln, err := net.Listen("tcp", s.listen)
	if err != nil {
		return fmt.Errorf("cannot listen: %w", err)
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      45 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go srv.Run(rctx)
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	log.Info("serving", "url", "http://"+ln.Addr().String()+"/", "auth", auth != nil)
	select {
	case err := <-done:
		return fmt.Errorf("cannot serve: %w", err)
	case <-ctx.Done():
	}
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("cannot stop serving: %w", err)
	}
	hs.Close()
	return nil
}
