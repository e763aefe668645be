package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestHTMLReportAndPlotFromTheSampleLog(t *testing.T) {
	dir := t.TempDir()
	sample, err := filepath.Abs("../../testdata/sample/auth.log")
	if err != nil {
		t.Fatal(err)
	}
	html := filepath.Join(dir, "report.html")
	mustOK(t, dir, nil, "report", "--html", html, sample)
	b, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 5<<20 {
		t.Errorf("report is %d bytes, over 5 MB", len(b))
	}
	if !bytes.Contains(b, []byte("Content-Security-Policy")) {
		t.Error("the report declares no Content-Security-Policy")
	}
	// Self-contained: nothing is loaded from anywhere.
	if m := regexp.MustCompile(`(?i)<(script|link|img|iframe)[^>]+(src|href)=["']?(https?:)?//`).Find(b); m != nil {
		t.Errorf("the report loads an external resource: %s", m)
	}
	// The generator's heaviest attacker is in it.
	if !bytes.Contains(b, []byte("185.156.73.232")) {
		t.Error("the top IP of the sample is missing")
	}

	out := filepath.Join(dir, "charts")
	r := mustOK(t, dir, nil, "plot", "--out", out, "--svg", "--anonymize", sample)
	paths := strings.Fields(r.stdout)
	if len(paths) < 8 {
		t.Fatalf("plot wrote %d files: %s", len(paths), r.stdout)
	}
	for _, p := range paths {
		if !strings.HasSuffix(p, ".png") {
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != 1600 || cfg.Height != 900 {
			t.Errorf("%s: %v %dx%d", p, err, cfg.Width, cfg.Height)
		}
		if _, err := os.Stat(strings.TrimSuffix(p, ".png") + ".svg"); err != nil {
			t.Errorf("no SVG beside %s", p)
		}
	}
	svg, _ := os.ReadFile(filepath.Join(out, "ips.svg"))
	if bytes.Contains(svg, []byte("185.156.73.232")) || !bytes.Contains(svg, []byte("185.156.73.x")) {
		t.Error("--anonymize did not mask the last octet in ips.svg")
	}
}
