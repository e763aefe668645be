// Command render rasterises the 4×3 SVG flags of the flag-icons package
// (https://github.com/lipis/flag-icons, MIT, from the npm registry) into
// the small PNGs that knocks embeds (data/flags/png). It is run by
// scripts/refresh-flags.sh, never at build time.
//
// The SVGs use clip paths, <use> and gradients, which the pure-Go SVG
// rasterisers draw wrongly, so they are drawn by headless Chromium (the
// same browser the HTML report's tests use): one page shows every flag at
// its final size on a grid, one screenshot is taken, and each cell is cut
// out and written as a PNG. Only the ISO 3166 alpha-2 codes (two letters)
// are kept, with xk (Kosovo) and eu.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// The size of each flag in pixels: 4 × 3, twice the size it is drawn at on
// a page, so that it stays sharp on high-density screens.
const (
	width  = 40
	height = 30
	cols   = 16
	gap    = 4
)

func main() {
	src := flag.String("src", "", "the flags/4x3 directory of the flag-icons package")
	out := flag.String("out", "data/flags/png", "the directory to write the PNGs to")
	chromium := flag.String("chromium", "/usr/bin/chromium", "the Chromium binary")
	flag.Parse()
	if *src == "" {
		log.Fatal("usage: render -src DIR [-out DIR]")
	}
	names, err := filepath.Glob(filepath.Join(*src, "*.svg"))
	if err != nil {
		log.Fatal(err)
	}
	var codes []string
	for _, n := range names {
		code := strings.TrimSuffix(filepath.Base(n), ".svg")
		if len(code) == 2 {
			codes = append(codes, code)
		}
	}
	sort.Strings(codes)
	if len(codes) < 200 {
		log.Fatalf("only %d two-letter flags in %s", len(codes), *src)
	}
	var page strings.Builder
	page.WriteString(`<!doctype html><html><head><style>html,body{margin:0;background:transparent}` +
		`img{position:absolute;display:block}</style></head><body>`)
	for i, code := range codes {
		b, err := os.ReadFile(filepath.Join(*src, code+".svg"))
		if err != nil {
			log.Fatal(err)
		}
		x, y := (i%cols)*(width+gap), (i/cols)*(height+gap)
		fmt.Fprintf(&page, `<img style="left:%dpx;top:%dpx;width:%dpx;height:%dpx" src="data:image/svg+xml;base64,%s">`,
			x, y, width, height, base64.StdEncoding.EncodeToString(b))
	}
	page.WriteString(`</body></html>`)
	tmp, err := os.MkdirTemp("", "knocks-flags-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	rows := (len(codes) + cols - 1) / cols
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(*chromium), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.UserDataDir(filepath.Join(tmp, "profile")))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		log.Fatal(err)
	}
	doc, err := json.Marshal(page.String())
	if err != nil {
		log.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`document.open(); document.write(`+string(doc)+`); document.close();`)); err != nil {
		log.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.EmulateViewport(int64(cols*(width+gap)), int64(rows*(height+gap)))); err != nil {
		log.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`Array.prototype.every.call(document.images, function (i) { return i.complete && i.naturalWidth > 0; })`)); err != nil {
		log.Fatalf("the flags did not load: %v", err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		log.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	var total int
	for i, code := range codes {
		x, y := (i%cols)*(width+gap), (i/cols)*(height+gap)
		cell := image.NewNRGBA(image.Rect(0, 0, width, height))
		draw.Draw(cell, cell.Bounds(), img, image.Pt(x, y), draw.Src)
		var buf bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.BestCompression}
		if err := enc.Encode(&buf, cell); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*out, code+".png"), buf.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
		total += buf.Len()
	}
	fmt.Printf("%d flags, %d bytes\n", len(codes), total)
}
