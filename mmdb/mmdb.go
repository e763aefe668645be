package mmdb

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/oschwald/maxminddb-golang/v2"

	"knocks"
)

// Kind says what a database knows, as its metadata database_type tells.
type Kind int

// The kinds of database, most specific first: where several databases
// know a field, the most specific one gives it.
const (
	KindCity    Kind = iota // city, region, coordinates and country (GeoIP2/GeoLite2/DB-IP City, Enterprise)
	KindCountry             // country only
	KindASN                 // autonomous system number and organisation (GeoLite2-ASN, GeoIP2-ISP, DB-IP ASN)
	KindUnknown             // none of these: such a database is not used
)

// String returns "city", "country", "asn" or "unknown".
func (k Kind) String() string {
	switch k {
	case KindCity:
		return "city"
	case KindCountry:
		return "country"
	case KindASN:
		return "asn"
	}
	return "unknown"
}

// kindOf tells the kind of a database from its metadata database_type,
// never from its file name. Known types: GeoLite2-City, GeoIP2-City,
// GeoIP2-Enterprise, DBIP-City-Lite, DBIP-Location (compat=City),
// GeoLite2-Country, GeoIP2-Country, DBIP-Country-Lite, GeoLite2-ASN,
// GeoIP2-ISP, DBIP-ASN-Lite (compat=GeoLite2-ASN), and the ip-location-db
// types ("country ipvAll", ...).
func kindOf(databaseType string) Kind {
	t := strings.ToLower(databaseType)
	switch {
	case strings.Contains(t, "city"), strings.Contains(t, "enterprise"), strings.HasPrefix(t, "dbip-location"):
		return KindCity
	case strings.Contains(t, "country"):
		return KindCountry
	case strings.Contains(t, "asn"), strings.Contains(t, "isp"):
		return KindASN
	}
	return KindUnknown
}

// The attribution lines that Attribution returns, and the caveat it ends with.
const (
	// AttributionGeoLite2 is the line the GeoLite2 licence requires.
	AttributionGeoLite2 = "This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com"
	// AttributionDBIP is the line the CC BY 4.0 licence of the DB-IP Lite
	// databases requires.
	AttributionDBIP = "IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0"
	// AttributionEmbeddedCountry is the line of the embedded country data.
	AttributionEmbeddedCountry = "Country data: ip-location-db geo-whois-asn-country (https://github.com/sapics/ip-location-db), CC0 1.0, from RIR whois data of the NRO (https://www.nro.net), CC BY 4.0"
	// AttributionEmbeddedASN is the line of the embedded ASN data.
	AttributionEmbeddedASN = "ASN data: ip-location-db asn (https://github.com/sapics/ip-location-db) from RouteViews (https://www.routeviews.org), the NRO (https://www.nro.net) and DB-IP, CC BY 4.0, converted to MaxMind DB format by knocks"
	// Caveat is the warning that every report of locations carries.
	Caveat = "IP geolocation is nominal: it tells where an address is registered or believed to be, not where the person using it is."
)

// attributionOf returns the attribution line a user database needs, "" for
// none (MaxMind's and DB-IP's commercial databases), or a generic line for
// data of unknown origin.
func attributionOf(name, databaseType string, description map[string]string) string {
	t := strings.ToLower(databaseType)
	d := strings.ToLower(description["en"])
	switch {
	case strings.HasPrefix(t, "geolite2"):
		return AttributionGeoLite2
	case strings.HasPrefix(t, "geoip2"):
		return ""
	case strings.HasPrefix(t, "dbip") || strings.HasPrefix(t, "db-ip"):
		if strings.Contains(t, "lite") {
			return AttributionDBIP
		}
		return ""
	case strings.Contains(d, "db-ip") || strings.Contains(d, "dbip") || strings.Contains(t, "dbip"):
		return AttributionDBIP // e.g. the ip-location-db conversions of DB-IP Lite
	}
	return fmt.Sprintf("GeoIP data %q from %s: its licence may require attribution", databaseType, filepath.Base(name))
}

// Database describes one database that a Locator uses.
type Database struct {
	Name        string    // the file's path, or "embedded:NAME" for the embedded data
	Type        string    // the database_type of its metadata
	Kind        Kind      // what it knows, from Type
	Built       time.Time // the build_epoch of its metadata, UTC
	IPVersion   int       // 4: IPv4 only; 6: IPv6 and, where the file has them, IPv4
	Embedded    bool      // part of the knocks binary
	Attribution string    // the line its licence requires, "" for none
}

// Source returns the one-line description of the database that Sources
// lists, e.g. "GeoLite2-City (/var/lib/GeoIP/GeoLite2-City.mmdb), built 2026-11-17".
// The embedded ones read e.g. "ip-location-db/asn@2.3.2026061719
// (embedded), built 2026-06-17".
func (d Database) Source() string {
	if d.Embedded {
		return fmt.Sprintf("%s (embedded), built %s", strings.TrimPrefix(d.Name, "embedded:"), d.Built.Format(time.DateOnly))
	}
	return fmt.Sprintf("%s (%s), built %s", d.Type, d.Name, d.Built.Format(time.DateOnly))
}

// database is an open database.
type database struct {
	Database
	r *maxminddb.Reader
}

// Config says which databases Open uses.
type Config struct {
	// Paths are the files (or directories of .mmdb files) the user named,
	// e.g. with --geoip, highest precedence first. Each file must open and
	// be of a supported kind; the files of a directory are taken as those
	// of SearchDirs are.
	Paths []string

	// SearchDirs are directories whose *.mmdb files are used when they are
	// of a supported kind; see DefaultSearchDirs. A missing directory and
	// a file that does not open or is of another kind are skipped (and
	// listed by Skipped).
	SearchDirs []string

	// NoEmbedded leaves the embedded data out.
	NoEmbedded bool

	// CacheDir, when set, is where the decompressed embedded data is kept
	// (about 24 MB), so that later processes memory-map it instead of
	// decompressing it again: faster, and the pages are shared and only
	// read where lookups go. A cache that cannot be written is skipped.
	CacheDir string
}

// DefaultSearchDirs returns the directories searched for .mmdb files when
// the user names none: the knocks state directory (where Update puts the
// DB-IP City database; left out when stateDir is ""), /var/lib/GeoIP
// (where MaxMind's geoipupdate writes) and /usr/share/GeoIP (Debian's
// geoip packages).
func DefaultSearchDirs(stateDir string) []string {
	var dirs []string
	if stateDir != "" {
		dirs = append(dirs, stateDir)
	}
	return append(dirs, "/var/lib/GeoIP", "/usr/share/GeoIP")
}

// Locator is a knocks.Locator over MaxMind DB (.mmdb) files: the user's
// databases, in the order of precedence Open gives them, and then the
// embedded data. Its methods are safe for concurrent use, except Close.
type Locator struct {
	dbs      []*database
	embedded bool
	cacheDir string
	skipped  []string
}

var _ knocks.Locator = (*Locator)(nil)

// Open opens the databases cfg names and returns a Locator over them.
//
// The user's databases are ordered by kind (city, then country, then ASN:
// the most specific database wins per field), and within a kind in the
// order of cfg.Paths and then cfg.SearchDirs (files of one directory by
// name). A file that is found twice, or a copy of one already open, is
// used once. The embedded data comes last and fills in what the user's
// databases lack; it is decompressed at the first lookup that needs it.
//
// Returns EINVALID when a file of cfg.Paths does not open as a MaxMind DB
// or is of an unsupported kind.
func Open(cfg Config) (*Locator, error) {
	l := &Locator{embedded: !cfg.NoEmbedded, cacheDir: cfg.CacheDir}
	seen := map[string]bool{}
	ok := false
	defer func() {
		if !ok {
			l.Close()
		}
	}()
	for _, p := range cfg.Paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, knocks.Errorf(knocks.EINVALID, "cannot open GeoIP database %s: %v", p, err)
		}
		if fi.IsDir() {
			l.addDir(p, seen)
			continue
		}
		if err := l.add(p, seen); err != nil {
			return nil, knocks.Errorf(knocks.EINVALID, "cannot open GeoIP database %s: %v", p, err)
		}
	}
	for _, d := range cfg.SearchDirs {
		l.addDir(d, seen)
	}
	sort.SliceStable(l.dbs, func(i, j int) bool { return l.dbs[i].Kind < l.dbs[j].Kind })
	ok = true
	return l, nil
}

// addDir adds the supported .mmdb files of a directory, in name order.
func (l *Locator) addDir(dir string, seen map[string]bool) {
	names, err := filepath.Glob(filepath.Join(dir, "*.mmdb"))
	if err != nil {
		return
	}
	sort.Strings(names)
	for _, n := range names {
		if err := l.add(n, seen); err != nil {
			l.skipped = append(l.skipped, fmt.Sprintf("%s: %v", n, err))
		}
	}
}

// errDuplicate marks a database that is already open.
type errDuplicate string

func (e errDuplicate) Error() string { return "same data as " + string(e) }

// add opens one file.
func (l *Locator) add(name string, seen map[string]bool) error {
	key := name
	if abs, err := filepath.Abs(name); err == nil {
		key = abs
	}
	if real, err := filepath.EvalSymlinks(key); err == nil {
		key = real
	}
	if seen[key] {
		return nil
	}
	seen[key] = true
	r, err := maxminddb.Open(name)
	if err != nil {
		return err
	}
	m := r.Metadata
	kind := kindOf(m.DatabaseType)
	if kind == KindUnknown {
		r.Close()
		return fmt.Errorf("unsupported database type %q", m.DatabaseType)
	}
	for _, d := range l.dbs {
		dm := d.r.Metadata
		if dm.DatabaseType == m.DatabaseType && dm.BuildEpoch == m.BuildEpoch &&
			dm.NodeCount == m.NodeCount && dm.IPVersion == m.IPVersion {
			r.Close()
			return errDuplicate(d.Name)
		}
	}
	l.dbs = append(l.dbs, &database{
		Database: Database{
			Name:        name,
			Type:        m.DatabaseType,
			Kind:        kind,
			Built:       m.BuildTime().UTC(),
			IPVersion:   int(m.IPVersion),
			Attribution: attributionOf(name, m.DatabaseType, m.Description),
		},
		r: r,
	})
	return nil
}

// Close closes the user's databases. The embedded data stays loaded for
// other Locators of the process.
func (l *Locator) Close() error {
	var first error
	for _, d := range l.dbs {
		if err := d.r.Close(); err != nil && first == nil {
			first = err
		}
	}
	l.dbs = nil
	return first
}

// Preload decompresses and opens the embedded data now (once per
// process), so that the first Locate does not wait for it (about 0.1 s);
// a program can call it in a goroutine at start-up. It does nothing when
// the embedded data is left out. Returns EINTERNAL when the embedded data
// cannot be loaded.
func (l *Locator) Preload() error {
	if !l.embedded {
		return nil
	}
	_, err := loadEmbedded(l.cacheDir)
	return err
}

// Skipped returns why files in the search directories were not used (not
// a MaxMind DB, an unsupported kind, a copy of another), one line each.
func (l *Locator) Skipped() []string { return slices.Clone(l.skipped) }

// Databases returns the databases in use, in order of precedence, the
// embedded ones last.
func (l *Locator) Databases() []Database {
	out := make([]Database, 0, len(l.dbs)+2)
	for _, d := range l.dbs {
		out = append(out, d.Database)
	}
	if l.embedded && embeddedAvailable() {
		out = append(out, embeddedDatabases()...)
	}
	return out
}

// Sources describes the databases in use with their build dates, one line
// each, in order of precedence. It implements knocks.Locator.
func (l *Locator) Sources() []string {
	var out []string
	for _, d := range l.Databases() {
		out = append(out, d.Source())
	}
	return out
}

// Attribution returns the attribution lines the data in use requires,
// each once, followed by Caveat. It implements knocks.Locator.
func (l *Locator) Attribution() []string {
	var out []string
	for _, d := range l.Databases() {
		for _, line := range strings.Split(d.Attribution, "\n") {
			if line != "" && !slices.Contains(out, line) {
				out = append(out, line)
			}
		}
	}
	return append(out, Caveat)
}

// Locate returns what the data knows of ip. A special-purpose address
// (see Classify) gives a Location with only Reserved set. Otherwise each
// field comes from the first database in order of precedence that has it:
// the country where the address is located (or, when no database has
// that, the registered country, with Registered set); city, region and
// coordinates together from one record that names a city; ASN,
// organisation and the prefix of the ASN record together. An address that
// no database knows gives a zero Location. 6to4, Teredo and NAT64
// addresses are looked up by the IPv4 address they carry.
//
// Returns EINVALID for the zero netip.Addr and for a damaged database, and
// EINTERNAL when the embedded data cannot be loaded.
func (l *Locator) Locate(ip netip.Addr) (knocks.Location, error) {
	if !ip.IsValid() {
		return knocks.Location{}, knocks.Errorf(knocks.EINVALID, "invalid IP address")
	}
	ip = ip.Unmap().WithZone("")
	if label := Classify(ip); label != "" {
		return knocks.Location{Reserved: label}, nil
	}
	q := ip
	v4, offset, tunnel := tunnelled(ip)
	if tunnel {
		q = v4
	}
	var f filler
	for _, d := range l.dbs {
		if f.full() {
			break
		}
		if err := f.lookup(d, q); err != nil {
			return knocks.Location{}, err
		}
	}
	if l.embedded && !f.full() {
		e, err := loadEmbedded(l.cacheDir)
		if err != nil {
			return knocks.Location{}, err
		}
		for _, d := range e {
			if err := f.lookup(d, q); err != nil {
				return knocks.Location{}, err
			}
		}
	}
	loc := f.loc
	if loc.Country == "" && f.registered != "" {
		loc.Country, loc.Registered = f.registered, true
	}
	loc.CountryName = CountryName(loc.Country)
	if f.prefix.IsValid() {
		if tunnel {
			f.prefix = tunnelPrefix(f.prefix, offset)
		}
		if f.prefix.IsValid() {
			loc.Prefix = f.prefix.String()
		}
	}
	return loc, nil
}

// filler collects the fields of a Location from records in order of
// precedence.
type filler struct {
	loc        knocks.Location
	registered string
	prefix     netip.Prefix
}

// full reports whether nothing more can be learnt.
func (f *filler) full() bool {
	return f.loc.Country != "" && f.loc.City != "" && f.loc.ASN != 0
}

// lookup looks q up in d and takes the fields still missing.
func (f *filler) lookup(d *database, q netip.Addr) error {
	if q.Is6() && d.IPVersion == 4 {
		return nil
	}
	res := d.r.Lookup(q)
	if !res.Found() {
		if err := res.Err(); err != nil {
			return damaged(d, err)
		}
		return nil
	}
	rec := recordPool.Get().(*record)
	defer recordPool.Put(rec)
	*rec = record{}
	if err := res.Decode(rec); err != nil {
		return damaged(d, err)
	}
	if f.loc.Country == "" && validCode(rec.country) {
		f.loc.Country = strings.ToUpper(rec.country)
	}
	if f.registered == "" && validCode(rec.registered) {
		f.registered = strings.ToUpper(rec.registered)
	}
	if f.loc.City == "" && rec.city != "" {
		f.loc.City, f.loc.Region = rec.city, rec.region
		if rec.hasLat && rec.hasLon && validCoords(rec.lat, rec.lon) {
			f.loc.Lat, f.loc.Lon, f.loc.HasCoords = rec.lat, rec.lon, true
		}
	}
	if f.loc.City == "" && f.loc.Region == "" && rec.region != "" {
		f.loc.Region = rec.region
	}
	if f.loc.ASN == 0 && rec.asn != 0 {
		f.loc.ASN, f.loc.Org, f.prefix = rec.asn, rec.org, res.Prefix()
	}
	return nil
}

// recordPool saves an allocation per lookup: Decode makes its argument
// escape.
var recordPool = sync.Pool{New: func() any { return new(record) }}

// damaged wraps a read error of a database.
func damaged(d *database, err error) error {
	return &knocks.Error{Code: knocks.EINVALID,
		Message: fmt.Sprintf("GeoIP database %s is damaged: %v", d.Name, err)}
}

// validCode reports whether s is a two-letter country code. Databases use
// a few codes outside ISO 3166 (EU, AP, XK); they are kept.
func validCode(s string) bool {
	if len(s) != 2 {
		return false
	}
	for i := 0; i < 2; i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func validCoords(lat, lon float64) bool {
	return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
}

// tunnelPrefix maps the IPv4 prefix of a tunnelled address's lookup back
// into IPv6: 6to4 a.b.c.d/n is 2002:aabb:ccdd::/(16+n) and NAT64 is
// 64:ff9b::a.b.c.d/(96+n). Teredo (offset -1) stores its client address
// inverted behind the server's, so it has no such prefix.
func tunnelPrefix(p netip.Prefix, offset int) netip.Prefix {
	if offset < 0 || !p.Addr().Is4() {
		return netip.Prefix{}
	}
	var b [16]byte
	v4 := p.Addr().As4()
	switch offset {
	case 16:
		b[0], b[1] = 0x20, 0x02
	case 96:
		b[1], b[2], b[3] = 0x64, 0xff, 0x9b
	}
	copy(b[offset/8:], v4[:])
	q, err := netip.AddrFrom16(b).Prefix(offset + p.Bits())
	if err != nil {
		return netip.Prefix{}
	}
	return q
}

// Coverage returns, for each database of Databases (in that order), how
// many of ips it has a record for, as `knocks geoip status` shows.
// Special-purpose addresses count for none. Returns EINTERNAL when the
// embedded data cannot be loaded.
func (l *Locator) Coverage(ips []netip.Addr) ([]int, error) {
	dbs := slices.Clone(l.dbs)
	if l.embedded {
		e, err := loadEmbedded(l.cacheDir)
		if err != nil {
			return nil, err
		}
		dbs = append(dbs, e...)
	}
	counts := make([]int, len(dbs))
	for _, ip := range ips {
		if !ip.IsValid() {
			continue
		}
		ip = ip.Unmap().WithZone("")
		if Classify(ip) != "" {
			continue
		}
		if v4, _, ok := tunnelled(ip); ok {
			ip = v4
		}
		for i, d := range dbs {
			if ip.Is6() && d.IPVersion == 4 {
				continue
			}
			if d.r.Lookup(ip).Found() {
				counts[i]++
			}
		}
	}
	return counts, nil
}
