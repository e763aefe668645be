// Package flags holds small pictures of country flags, for the HTML report
// and the PNG/SVG charts: emoji flags show as empty boxes without an emoji
// font, as letters on Windows, and not at all in a PNG.
//
// The pictures are the 4×3 SVG flags of flag-icons (MIT, from the npm
// registry; version in data/README.md), drawn to 40 × 30 pixel PNGs by
// scripts/refresh-flags.sh. Only ISO 3166 alpha-2 codes (and xk, eu) have
// one. A report embeds only the flags it shows.
package flags

import (
	"bytes"
	"embed"
	"encoding/base64"
	"image"
	"image/png"
	"strings"
	"sync"
)

//go:embed png/*.png
var files embed.FS

// Width and Height are the size of every flag picture in pixels.
const (
	Width  = 40
	Height = 30
)

// PNG returns the PNG of the flag of an ISO 3166 alpha-2 code (any case);
// false when there is none (a reserved-range label, an unknown code).
func PNG(code string) ([]byte, bool) {
	if len(code) != 2 {
		return nil, false
	}
	b, err := files.ReadFile("png/" + strings.ToLower(code) + ".png")
	return b, err == nil
}

// DataURI returns the flag of code as a data: URI, "" when there is none.
func DataURI(code string) string {
	b, ok := PNG(code)
	if !ok {
		return ""
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b)
}

var (
	mu     sync.Mutex
	images = map[string]image.Image{}
)

// Image returns the decoded flag of code; false when there is none.
func Image(code string) (image.Image, bool) {
	code = strings.ToLower(code)
	mu.Lock()
	defer mu.Unlock()
	if img, ok := images[code]; ok {
		return img, img != nil
	}
	var img image.Image
	if b, ok := PNG(code); ok {
		if m, err := png.Decode(bytes.NewReader(b)); err == nil {
			img = m
		}
	}
	images[code] = img
	return img, img != nil
}
