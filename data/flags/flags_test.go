package flags

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"io/fs"
	"strings"
	"testing"

	"knocks/data/maps"
)

func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		Name string
		Code string
		Want bool
	}{
		{"China", "CN", true},
		{"lower case", "us", true},
		{"Kosovo", "XK", true},
		{"reserved range", "private", false},
		{"unknown code", "ZZ", false},
		{"empty", "", false},
		{"path tricks", "..", false},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			b, ok := PNG(tc.Code)
			if ok != tc.Want {
				t.Fatalf("PNG(%q) ok = %v, want %v", tc.Code, ok, tc.Want)
			}
			uri := DataURI(tc.Code)
			if !ok {
				if uri != "" {
					t.Errorf("DataURI(%q) = %q, want none", tc.Code, uri)
				}
				return
			}
			cfg, err := png.DecodeConfig(bytes.NewReader(b))
			if err != nil || cfg.Width != Width || cfg.Height != Height {
				t.Errorf("%s: %dx%d, %v", tc.Code, cfg.Width, cfg.Height, err)
			}
			if got, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(uri, "data:image/png;base64,")); err != nil || !bytes.Equal(got, b) {
				t.Errorf("DataURI(%q) does not hold the PNG", tc.Code)
			}
			img, ok := Image(tc.Code)
			if !ok || img.Bounds().Dx() != Width {
				t.Errorf("Image(%q) = %v, %v", tc.Code, img, ok)
			}
		})
	}
}

// Every country the maps know has a flag, and the set stays small.
func TestEveryCountryHasAFlag(t *testing.T) {
	var total int
	err := fs.WalkDir(files, "png", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			info, _ := d.Info()
			total += int(info.Size())
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if total > 250<<10 {
		t.Errorf("the flags take %d bytes, over 250 KiB", total)
	}
	var missing []string
	for _, code := range []string{"CN", "US", "RU", "DE", "NL", "BR", "IN", "VN", "KR", "HK", "SG", "IR", "TW", "GB", "FR"} {
		if _, ok := maps.Lookup(code); !ok {
			t.Fatalf("maps does not know %s", code)
		}
		if _, ok := PNG(code); !ok {
			missing = append(missing, code)
		}
	}
	if len(missing) > 0 {
		t.Errorf("no flag for %v", missing)
	}
}
