package mmdb

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"knocks"
	"knocks/data/geoip"
)

func embeddedLocator(t testing.TB) *Locator {
	t.Helper()
	if !embeddedAvailable() {
		t.Skip("built with knocks_nogeoip")
	}
	l, err := Open(Config{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestEmbeddedWellKnown checks addresses whose network and country are
// stable public facts:
//
//   - 1.1.1.1: 1.1.1.0/24 is APNIC's (APNIC Labs, Brisbane; whois country
//     AU), announced by Cloudflare (AS13335) under their research
//     agreement. The embedded country data is whois-based, so it says AU,
//     not where Cloudflare's anycast servers are.
//   - 8.8.8.8 and 2001:4860:4860::8888: Google Public DNS, AS15169 Google
//     LLC, US.
//   - 9.9.9.9: Quad9, AS19281. Its country is not asserted: Quad9 is a
//     Swiss foundation on an anycast prefix carved from IBM's 9.0.0.0/8
//     (ARIN, US), so "the" country depends on the data.
func TestEmbeddedWellKnown(t *testing.T) {
	l := embeddedLocator(t)
	for _, tt := range []struct {
		IP      string
		Country string
		ASN     uint32
		Org     string
	}{
		{"1.1.1.1", "AU", 13335, "Cloudflare, Inc."},
		{"8.8.8.8", "US", 15169, "Google LLC"},
		{"8.8.4.4", "US", 15169, "Google LLC"},
		{"9.9.9.9", "", 19281, "Quad9"},
		{"2001:4860:4860::8888", "US", 15169, "Google LLC"},
		{"::ffff:8.8.8.8", "US", 15169, "Google LLC"},
		{"2002:808:808::1", "US", 15169, "Google LLC"}, // 6to4 of 8.8.8.8
	} {
		loc, err := l.Locate(netip.MustParseAddr(tt.IP))
		if err != nil {
			t.Fatal(err)
		}
		if tt.Country != "" && loc.Country != tt.Country {
			t.Errorf("%s: country %q, want %q", tt.IP, loc.Country, tt.Country)
		}
		if loc.Country == "" || loc.CountryName == "" || loc.Registered {
			t.Errorf("%s: %+v, want a located country with a name", tt.IP, loc)
		}
		if loc.ASN != tt.ASN || loc.Org != tt.Org {
			t.Errorf("%s: AS%d %q, want AS%d %q", tt.IP, loc.ASN, loc.Org, tt.ASN, tt.Org)
		}
		p, err := netip.ParsePrefix(loc.Prefix)
		if err != nil || !p.Contains(netip.MustParseAddr(tt.IP).Unmap()) && tt.IP[:4] != "2002" {
			t.Errorf("%s: prefix %q does not contain it", tt.IP, loc.Prefix)
		}
		if loc.City != "" || loc.HasCoords {
			t.Errorf("%s: the embedded data has no cities: %+v", tt.IP, loc)
		}
	}
}

// TestEmbeddedReserved checks that no special-purpose address gets a
// country or network from the embedded data, which maps some of them
// (192.168.0.0/16, 2001:db8::/32) to a country.
func TestEmbeddedReserved(t *testing.T) {
	l := embeddedLocator(t)
	for ip, label := range reservedSamples {
		loc, err := l.Locate(netip.MustParseAddr(ip))
		if err != nil {
			t.Fatal(err)
		}
		if loc != (knocks.Location{Reserved: label}) {
			t.Errorf("Locate(%s) = %+v, want only Reserved %q", ip, loc, label)
		}
	}
	// Every address of the IPv4 special ranges, sampled densely.
	for _, p := range []string{"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
		"172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
		"203.0.113.0/24", "224.0.0.0/3"} {
		pfx := netip.MustParsePrefix(p)
		step := uint32(1) << max(0, 32-pfx.Bits()-12) // about 4096 addresses each
		a := pfx.Addr().As4()
		start := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
		end := start + (uint32(1)<<(32-pfx.Bits()) - 1)
		for u := start; ; u += step {
			ip := netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
			if ip == netip.MustParseAddr("192.0.0.9") || ip == netip.MustParseAddr("192.0.0.10") {
				continue // PCP and TURN anycast: globally reachable
			}
			loc, err := l.Locate(ip)
			if err != nil {
				t.Fatal(err)
			}
			if loc.Reserved == "" || loc.Country != "" || loc.ASN != 0 {
				t.Fatalf("Locate(%s) = %+v", ip, loc)
			}
			if end-u < step {
				break
			}
		}
	}
}

// TestEmbeddedManifest checks that the manifest describes the embedded
// files and that their data is sound.
func TestEmbeddedManifest(t *testing.T) {
	if !embeddedAvailable() {
		t.Skip("built with knocks_nogeoip")
	}
	dbs, err := loadEmbedded("")
	if err != nil {
		t.Fatal(err)
	}
	if len(dbs) != 2 {
		t.Fatalf("%d embedded databases", len(dbs))
	}
	for i, want := range []struct {
		Type  string
		Epoch int64
		Kind  Kind
	}{
		{geoip.CountryDatabaseType, geoip.CountryBuildEpoch, KindCountry},
		{geoip.ASNDatabaseType, geoip.ASNBuildEpoch, KindASN},
	} {
		m := dbs[i].r.Metadata
		if m.DatabaseType != want.Type || int64(m.BuildEpoch) != want.Epoch || m.IPVersion != 6 {
			t.Errorf("%s: metadata %+v, manifest says %+v", dbs[i].Name, m, want)
		}
		if kindOf(m.DatabaseType) != want.Kind {
			t.Errorf("%s: kind %v, want %v", dbs[i].Name, kindOf(m.DatabaseType), want.Kind)
		}
	}
	l := embeddedLocator(t)
	if err := l.Preload(); err != nil {
		t.Fatal(err)
	}
	src := l.Sources()
	if len(src) != 2 || src[0] != "ip-location-db/geo-whois-asn-country@"+geoip.CountryVersion+" (embedded), built 2026-06-17" {
		t.Errorf("Sources() = %q", src)
	}
	attr := l.Attribution()
	for _, line := range []string{AttributionEmbeddedCountry, AttributionEmbeddedASN, AttributionDBIP, Caveat} {
		if !slices.Contains(attr, line) {
			t.Errorf("Attribution() lacks %q", line)
		}
	}
	if attr[len(attr)-1] != Caveat {
		t.Errorf("Attribution() does not end with the caveat")
	}
	// The raw data does map a private range to a country: the classifier
	// is what keeps it out.
	if res := dbs[0].r.Lookup(netip.MustParseAddr("192.168.1.1")); res.Found() {
		t.Logf("note: the embedded country data maps 192.168.1.1 to a country (%v); Classify keeps it out", res.Prefix())
	}
}

// TestEmbeddedCoverage checks that the embedded data locates most public
// IPv4 addresses.
func TestEmbeddedCoverage(t *testing.T) {
	l := embeddedLocator(t)
	ips := publicIPs(2000, false)
	var country, asn int
	for _, ip := range ips {
		loc, err := l.Locate(ip)
		if err != nil {
			t.Fatal(err)
		}
		if loc.Country != "" {
			country++
		}
		if loc.ASN != 0 {
			asn++
		}
	}
	t.Logf("of %d random public IPv4 addresses: %d with a country, %d with an ASN", len(ips), country, asn)
	if country < len(ips)*9/10 || asn < len(ips)/2 {
		t.Errorf("of %d random public IPv4 addresses: %d with a country, %d with an ASN", len(ips), country, asn)
	}
}

// publicIPs returns n pseudo-random addresses that Classify passes, the
// same ones on every run.
func publicIPs(n int, v6 bool) []netip.Addr {
	r := rand.New(rand.NewPCG(1, 2))
	var out []netip.Addr
	for len(out) < n {
		var ip netip.Addr
		if v6 {
			var b [16]byte
			b[0], b[1] = 0x2a, byte(r.IntN(16)) // 2a00::/12, RIPE's
			for i := 2; i < 16; i++ {
				b[i] = byte(r.Uint32())
			}
			ip = netip.AddrFrom16(b)
		} else {
			u := r.Uint32()
			ip = netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
		}
		if Classify(ip) == "" {
			out = append(out, ip)
		}
	}
	return out
}

// BenchmarkLocate measures lookups on the embedded data (country and
// ASN) of random public IPv4 addresses.
func BenchmarkLocate(b *testing.B) {
	benchmarkLocate(b, publicIPs(1<<14, false))
}

// BenchmarkLocateIPv6 is BenchmarkLocate for addresses in 2a00::/12.
func BenchmarkLocateIPv6(b *testing.B) {
	benchmarkLocate(b, publicIPs(1<<14, true))
}

func benchmarkLocate(b *testing.B, ips []netip.Addr) {
	l := embeddedLocator(b)
	if _, err := l.Locate(ips[0]); err != nil { // load outside the timer
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := l.Locate(ips[i&(len(ips)-1)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

// BenchmarkOpenEmbedded measures what the first lookup of a process pays:
// decompressing and opening the embedded databases.
func BenchmarkOpenEmbedded(b *testing.B) {
	if !embeddedAvailable() {
		b.Skip("built with knocks_nogeoip")
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := openEmbedded(""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenEmbeddedCached measures the same when an earlier process
// left the decompressed data in the cache directory.
func BenchmarkOpenEmbeddedCached(b *testing.B) {
	if !embeddedAvailable() {
		b.Skip("built with knocks_nogeoip")
	}
	dir := b.TempDir()
	if _, err := openEmbedded(dir); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		dbs, err := openEmbedded(dir)
		if err != nil {
			b.Fatal(err)
		}
		for _, d := range dbs {
			d.r.Close()
		}
	}
}

// TestEmbeddedCache checks that the decompressed copies are written, used
// by the next open (same answers), and replaced when they are not the
// embedded data.
func TestEmbeddedCache(t *testing.T) {
	if !embeddedAvailable() {
		t.Skip("built with knocks_nogeoip")
	}
	dir := t.TempDir()
	want, err := openEmbedded("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openEmbedded(dir); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "embedded-*.mmdb"))
	if len(files) != 2 {
		t.Fatalf("cache holds %v, want the two databases", files)
	}
	// A damaged or foreign file in the cache is not used, and is replaced.
	if err := os.WriteFile(files[0], []byte("not a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := openEmbedded(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, ip := range []netip.Addr{netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("2001:4860:4860::8888"), netip.MustParseAddr("1.1.1.1")} {
		for i := range want {
			var a, b map[string]any
			if err := want[i].r.Lookup(ip).Decode(&a); err != nil {
				t.Fatal(err)
			}
			if err := got[i].r.Lookup(ip).Decode(&b); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(a) != fmt.Sprint(b) {
				t.Errorf("%s in %s: cached %v, embedded %v", ip, want[i].Name, b, a)
			}
		}
	}
	if fi, err := os.Stat(files[0]); err != nil || fi.Size() < 1<<20 {
		t.Errorf("the damaged cache file was not replaced: %v %v", fi, err)
	}
}

// BenchmarkClassify measures the special-range check alone.
func BenchmarkClassify(b *testing.B) {
	ips := publicIPs(1<<12, false)
	i := 0
	for b.Loop() {
		Classify(ips[i&(len(ips)-1)])
		i++
	}
}

// TestLocateConcurrent checks that concurrent lookups, the first of which
// load the embedded data, agree with sequential ones (run with -race).
func TestLocateConcurrent(t *testing.T) {
	l := embeddedLocator(t)
	ips := publicIPs(512, false)
	want := make([]knocks.Location, len(ips))
	got := make([][]knocks.Location, 4)
	done := make(chan error)
	for g := range got {
		got[g] = make([]knocks.Location, len(ips))
		go func() {
			for i, ip := range ips {
				loc, err := l.Locate(ip)
				if err != nil {
					done <- err
					return
				}
				got[g][i] = loc
			}
			done <- nil
		}()
	}
	for range got {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	for i, ip := range ips {
		loc, err := l.Locate(ip)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = loc
	}
	for g := range got {
		if !slices.Equal(got[g], want) {
			t.Fatalf("goroutine %d disagrees", g)
		}
	}
}
