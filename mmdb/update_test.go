// mmdbwriter, which builds these tests' databases, does not compile for
// 32-bit platforms.

//go:build !(386 || arm || mips || mipsle)

package mmdb

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/oschwald/maxminddb-golang/v2"

	"knocks"
)

// cityLite builds a small stand-in for DB-IP City Lite; city names it.
func cityLite(t *testing.T, typ, city string) []byte {
	t.Helper()
	var nets []entry
	for _, p := range []string{"1.0.0.0/8", "8.0.0.0/8", "81.0.0.0/8", "185.0.0.0/8"} {
		nets = append(nets, entry{p, mmCity{Country: "DE", City: city, SubdivisionName: "Land Berlin", Lat: 52.52, Lon: 13.4}.rec()})
	}
	nets = append(nets, entry{"2a00::/12", mmCity{Country: "DE", City: city, Lat: 52.52, Lon: 13.4}.rec()})
	return buildBytes(t, spec{Type: typ, Nets: nets})
}

// fakeDBIP serves files by path and records the paths asked for.
type fakeDBIP struct {
	mu    sync.Mutex
	files map[string][]byte
	asked []string
	code  int // when set, every request gets this status
}

func (f *fakeDBIP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, r.URL.Path)
	if f.code != 0 {
		http.Error(w, "nope", f.code)
		return
	}
	b, ok := f.files[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Write(b)
}

func lowerMinNodes(t *testing.T) {
	old := minUpdateNodes
	minUpdateNodes = 10
	t.Cleanup(func() { minUpdateNodes = old })
}

func TestUpdate(t *testing.T) {
	lowerMinNodes(t)
	dir := filepath.Join(t.TempDir(), "state") // Update creates it
	fake := &fakeDBIP{files: map[string][]byte{
		"/free/dbip-city-lite-2026-11.mmdb.gz": gz(t, cityLite(t, "DBIP-City-Lite", "November")),
	}}
	srv := httptest.NewServer(fake)
	defer srv.Close()

	now := time.Date(2026, 11, 24, 7, 0, 0, 0, time.UTC)
	path, err := Update(context.Background(), srv.Client(), srv.URL+"/free/", dir, now)
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, UpdateFile) {
		t.Errorf("path %s", path)
	}
	// The search path finds it, and it locates.
	l, err := Open(Config{SearchDirs: DefaultSearchDirs(dir), NoEmbedded: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	loc, err := l.Locate(netip.MustParseAddr("185.220.101.1"))
	if err != nil {
		t.Fatal(err)
	}
	if loc.City != "November" || loc.Country != "DE" {
		t.Errorf("Locate after update: %+v", loc)
	}
	if attr := l.Attribution(); len(attr) == 0 || attr[0] != AttributionDBIP {
		t.Errorf("Attribution() = %q", attr)
	}
	assertNoTemp(t, dir)
}

func TestUpdatePreviousMonth(t *testing.T) {
	lowerMinNodes(t)
	dir := t.TempDir()
	fake := &fakeDBIP{files: map[string][]byte{
		"/dbip-city-lite-2025-12.mmdb.gz": gz(t, cityLite(t, "DBIP-City-Lite", "December")),
	}}
	srv := httptest.NewServer(fake)
	defer srv.Close()

	// Early on 1 January the new month's file is not out yet.
	now := time.Date(2026, 1, 1, 0, 30, 0, 0, time.FixedZone("CET", 3600))
	path, err := Update(context.Background(), srv.Client(), srv.URL, dir, now)
	if err != nil {
		t.Fatal(err)
	}
	// 00:30 CET is 23:30 UTC on 31 December: December's file first.
	if want := []string{"/dbip-city-lite-2025-12.mmdb.gz"}; !equal(fake.asked, want) {
		t.Errorf("asked %q, want %q", fake.asked, want)
	}
	fake.asked = nil
	now = time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	if _, err := Update(context.Background(), srv.Client(), srv.URL, dir, now); err != nil {
		t.Fatal(err)
	}
	if want := []string{"/dbip-city-lite-2026-01.mmdb.gz", "/dbip-city-lite-2025-12.mmdb.gz"}; !equal(fake.asked, want) {
		t.Errorf("asked %q, want %q", fake.asked, want)
	}
	l, err := Open(Config{Paths: []string{path}, NoEmbedded: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if loc, _ := l.Locate(netip.MustParseAddr("8.8.8.8")); loc.City != "December" {
		t.Errorf("Locate after update: %+v", loc)
	}

	// Neither month published.
	fake.files = nil
	_, err = Update(context.Background(), srv.Client(), srv.URL, dir, now)
	if knocks.ErrorCode(err) != knocks.ENOTFOUND {
		t.Errorf("nothing published: %v, want ENOTFOUND", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the old file is gone: %v", err)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestUpdateKeepsOldFile serves bad downloads of every kind: the old
// database must stay as it was and no temporary file may be left.
func TestUpdateKeepsOldFile(t *testing.T) {
	lowerMinNodes(t)
	good := gz(t, cityLite(t, "DBIP-City-Lite", "Good"))
	truncated := good[:len(good)*2/3]
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0xff // the gzip CRC or inflate catches it
	// A sound gzip stream around a cut database: no metadata.
	raw := cityLite(t, "DBIP-City-Lite", "Cut")
	cut := gz(t, raw[:len(raw)/2])
	country := gz(t, cityLite(t, "DBIP-Country-Lite", "Country"))
	damagedData := gz(t, damageData(t, cityLite(t, "DBIP-City-Lite", "Damaged")))
	tiny := gz(t, buildBytes(t, spec{Type: "DBIP-City-Lite", Nets: []entry{{"1.0.0.0/24", mmCity{Country: "AU", City: "X"}.rec()}}}))

	for _, tt := range []struct {
		Name string
		Body []byte
		Code int
		Min  uint
		Want string
	}{
		{"truncated gzip", truncated, 0, 10, knocks.EINVALID},
		{"corrupt gzip", flipped, 0, 10, knocks.EINVALID},
		{"not gzip", []byte("<html>maintenance</html>"), 0, 10, knocks.EINVALID},
		{"not a database", gz(t, []byte("hello")), 0, 10, knocks.EINVALID},
		{"cut database", cut, 0, 10, knocks.EINVALID},
		{"country database", country, 0, 10, knocks.EINVALID},
		{"damaged data section", damagedData, 0, 10, knocks.EINVALID},
		{"too few nodes", tiny, 0, 10_000, knocks.EINVALID},
		{"server error", nil, http.StatusServiceUnavailable, 10, knocks.EINTERNAL},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			minUpdateNodes = tt.Min
			defer func() { minUpdateNodes = 10 }()
			dir := t.TempDir()
			old := filepath.Join(dir, UpdateFile)
			oldData := cityLite(t, "DBIP-City-Lite", "Old")
			if err := os.WriteFile(old, oldData, 0o644); err != nil {
				t.Fatal(err)
			}
			fake := &fakeDBIP{code: tt.Code, files: map[string][]byte{"/dbip-city-lite-2026-11.mmdb.gz": tt.Body}}
			srv := httptest.NewServer(fake)
			defer srv.Close()
			_, err := Update(context.Background(), srv.Client(), srv.URL, dir, time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC))
			if knocks.ErrorCode(err) != tt.Want {
				t.Errorf("error %v, want code %s", err, tt.Want)
			}
			t.Log(knocks.ErrorMessage(err))
			b, err := os.ReadFile(old)
			if err != nil || !bytes.Equal(b, oldData) {
				t.Errorf("the old database changed (%v)", err)
			}
			assertNoTemp(t, dir)
		})
	}
}

func TestUpdateCancelled(t *testing.T) {
	lowerMinNodes(t)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	dir := t.TempDir()
	_, err := Update(ctx, srv.Client(), srv.URL, dir, time.Now())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want the context's", err)
	}
	assertNoTemp(t, dir)
}

// damageData overwrites the data section of a database (between the
// search tree with its 16-byte separator and the metadata) with bytes that
// do not decode.
func damageData(t *testing.T, b []byte) []byte {
	t.Helper()
	r, err := maxminddb.OpenBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	tree := int(r.Metadata.NodeCount * r.Metadata.RecordSize / 4)
	b = bytes.Clone(b)
	meta := bytes.LastIndex(b, []byte("\xab\xcd\xefMaxMind.com"))
	for i := tree + 16; i < meta; i++ {
		b[i] = 0xff
	}
	return b
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != UpdateFile {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
