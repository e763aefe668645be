package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"knocks"
)

// A summary whose addresses and users fit in the bounds of its accumulator
// (see maxAddrs) ranks them in memory: the accumulator's maps hold them all
// (with the rows of the rollup tables, see rollupRead.merge), locate reads
// the stored location of each address with attempts, and rank and
// fillGeoMem make the lists that ranked and fillGeo make by SQL from the
// temporary tables otherwise, in the same order, ties included. Grouping
// tens of thousands of rows in SQLite costs a sort on disk and every value
// fetched through the driver; in memory it costs a map entry each.

// rawRows runs a query through the driver directly and calls f with the
// values of each row (which f must not keep past its return): every column
// fetched through database/sql costs more than SQLite takes to make it.
func rawRows(ctx context.Context, conn *sql.Conn, query string, args []any, f func(v []driver.Value) error) error {
	return conn.Raw(func(dc any) error {
		qc, ok := dc.(driver.QueryerContext)
		if !ok {
			return fmt.Errorf("driver %T cannot query with a context", dc)
		}
		nv := make([]driver.NamedValue, len(args))
		for i, a := range args {
			nv[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
		}
		rows, err := qc.QueryContext(ctx, query, nv)
		if err != nil {
			return err
		}
		defer rows.Close()
		v := make([]driver.Value, len(rows.Columns()))
		for {
			if err := rows.Next(v); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			if err := f(v); err != nil {
				return err
			}
		}
	})
}

// location is a stored location (a row of ip_geo without its address),
// shared by the addresses that carry the same, with what the selected
// addresses that carry it add up to. Empty strings stand for NULL: every
// list treats both alike.
type location struct {
	reserved, country, countryName, region, city, org, prefix, source string
	asn                                                               int64
	coords                                                            bool // has_coords, and both coordinates stored
	lat, lon                                                          float64
	attempts, ips                                                     int64 // of the selected addresses
}

// key returns the key of the location in the country lists: its reserved
// label, else its country code.
func (l *location) key() string {
	if l.reserved != "" {
		return l.reserved
	}
	return l.country
}

// chunkRows is the most rows of one value of group_concat (see locate and
// rollupRead.merge): a value per row costs more to fetch through the
// driver than to make in SQLite and parse here, and the chunks keep the
// values small.
var chunkRows = 4096

// geoRecord is what locate reads of a row of ip_geo, as one text: the
// address, its text fields and has_coords and the AS number, separated by
// \x1f. The source is empty when it is ?1 (most addresses share one),
// else it follows a '+'.
const geoRecord = `concat_ws(char(31), ip, ifnull(reserved, ''), ifnull(country, ''), ifnull(country_name, ''), ifnull(region, ''),
	ifnull(city, ''), ifnull(org, ''), ifnull(prefix, ''), iif(source = ?1, '', '+' || source), has_coords, ifnull(asn, 0))`

// geoRecordFields is the number of fields of a geoRecord.
const geoRecordFields = 11

// geoKey identifies a stored location in locate.
type geoKey struct {
	text     string // a geoRecord without its address
	lat, lon any    // float64, or nil when the location has no coordinates
}

// geoChunk is how locate reads part of ip_geo: from (a subquery of at
// most chunkRows rows of ip_geo ordered by ip) with its arguments after ?1.
type geoChunk struct {
	from string
	args []any
}

// locate sets the location of every address with attempts in a.sources,
// as stored in ip_geo; those without one keep none. It reads ip_geo in
// chunks of rows, each as one value (see geoRecord), or, when the
// addresses are few beside the rows of ip_geo, looks them up.
func (a *accumulator) locate(ctx context.Context, conn *sql.Conn) error {
	want := make([]string, 0, len(a.sources))
	for k, src := range a.sources {
		if src.isIP && src.attempts > 0 {
			want = append(want, k)
		}
	}
	if len(want) == 0 {
		return nil
	}
	var stored int64
	var common sql.NullString
	if err := conn.QueryRowContext(ctx, "SELECT COUNT(*), (SELECT source FROM ip_geo LIMIT 1) FROM ip_geo").Scan(&stored, &common); err != nil {
		return err
	}
	locs := map[geoKey]*location{}
	if int64(len(want))*geoScanShare < stored {
		slices.Sort(want)
		for len(want) > 0 {
			n := min(len(want), chunkRows)
			list, err := json.Marshal(want[:n])
			if err != nil {
				return err
			}
			want = want[n:]
			c := geoChunk{"(SELECT * FROM ip_geo WHERE ip IN (SELECT value FROM json_each(?2)))", []any{string(list)}}
			if _, err := a.locateChunk(ctx, conn, c, common.String, locs); err != nil {
				return err
			}
		}
		return nil
	}
	for last := ""; ; {
		c := geoChunk{"(SELECT * FROM ip_geo WHERE ip > ?2 ORDER BY ip LIMIT ?3)", []any{last, int64(chunkRows)}}
		next, err := a.locateChunk(ctx, conn, c, common.String, locs)
		if err != nil || next == "" {
			return err
		}
		last = next
	}
}

// locateChunk locates the addresses of a.sources in a chunk of ip_geo
// (see locate), and returns the greatest address of the chunk ("" for an
// empty one). Locations are shared by key. Should a field hold a
// separator of geoRecord, it reads the chunk column by column instead.
func (a *accumulator) locateChunk(ctx context.Context, conn *sql.Conn, c geoChunk, common string, locs map[geoKey]*location) (string, error) {
	args := append([]any{common}, c.args...)
	var text, last sql.NullString
	var n int64
	if err := conn.QueryRowContext(ctx, "SELECT group_concat("+geoRecord+", char(30)), COUNT(*), MAX(ip) FROM "+c.from, args...).
		Scan(&text, &n, &last); err != nil || n == 0 {
		return "", err
	}
	type located struct {
		src  *source
		text string // the record without its address
	}
	found := make([]located, 0, n)
	coords := false
	records, ok := strings.Count(text.String, "\x1e")+1 == int(n), true
	for rest := text.String; ok && rest != ""; {
		var rec string
		rec, rest, _ = strings.Cut(rest, "\x1e")
		ip, fields, _ := strings.Cut(rec, "\x1f")
		if ok = strings.Count(fields, "\x1f") == geoRecordFields-2; !ok {
			break
		}
		if src := a.sources[ip]; src != nil && src.isIP && src.attempts > 0 {
			found = append(found, located{src, fields})
			// has_coords is the last field but one.
			hc := fields[:strings.LastIndexByte(fields, 0x1f)]
			coords = coords || hc[strings.LastIndexByte(hc, 0x1f)+1:] != "0"
		}
	}
	if !records || !ok {
		return last.String, a.locateColumns(ctx, conn, c, locs)
	}
	var at map[*source][2]float64
	if coords {
		at = map[*source][2]float64{}
		err := rawRows(ctx, conn, "SELECT ip, lat, lon FROM "+c.from+" WHERE has_coords AND lat IS NOT NULL AND lon IS NOT NULL",
			args, func(v []driver.Value) error {
				ip, _ := v[0].(string)
				lat, _ := realValue(v[1])
				lon, _ := realValue(v[2])
				if src := a.sources[ip]; src != nil {
					at[src] = [2]float64{lat, lon}
				}
				return nil
			})
		if err != nil {
			return "", err
		}
	}
	for _, f := range found {
		k := geoKey{text: f.text}
		if ll, ok := at[f.src]; ok {
			k.lat, k.lon = ll[0], ll[1]
		}
		l := locs[k]
		if l == nil {
			l = parseLocation(k, common)
			locs[k] = l
		}
		f.src.loc = l
	}
	return last.String, nil
}

// parseLocation returns the location of a geoKey, whose source is common
// when empty.
func parseLocation(k geoKey, common string) *location {
	f := strings.Split(k.text, "\x1f")
	if f[7] == "" {
		f[7] = common
	} else {
		f[7] = f[7][1:]
	}
	hasCoords, _ := strconv.ParseInt(f[8], 10, 64)
	asn, _ := strconv.ParseInt(f[9], 10, 64)
	return newLocation(f[:8], hasCoords != 0, asn, k.lat, k.lon)
}

// locateColumns locates the addresses of a.sources in a chunk of ip_geo
// (see locate) reading a column per field: for chunks that geoRecord
// cannot carry.
func (a *accumulator) locateColumns(ctx context.Context, conn *sql.Conn, c geoChunk, locs map[geoKey]*location) error {
	return rawRows(ctx, conn, `SELECT ip, ifnull(reserved, ''), ifnull(country, ''), ifnull(country_name, ''), ifnull(region, ''),
		ifnull(city, ''), ifnull(org, ''), ifnull(prefix, ''), source, has_coords, ifnull(asn, 0), lat, lon FROM `+c.from,
		append([]any{nil}, c.args...), func(v []driver.Value) error {
			ip, _ := v[0].(string)
			src := a.sources[ip]
			if src == nil || !src.isIP || src.attempts == 0 {
				return nil
			}
			f := make([]string, 8)
			for i := range f {
				f[i], _ = v[i+1].(string)
			}
			hasCoords, _ := v[9].(int64)
			asn, _ := v[10].(int64)
			src.loc = newLocation(f, hasCoords != 0, asn, v[11], v[12])
			return nil
		})
}

// newLocation returns a location of the text fields of geoRecord (reserved,
// country, country_name, region, city, org, prefix, source), has_coords,
// the AS number and the coordinates.
func newLocation(f []string, hasCoords bool, asn int64, lat, lon any) *location {
	l := &location{reserved: f[0], country: f[1], countryName: f[2], region: f[3], city: f[4], org: f[5], prefix: f[6],
		source: f[7], asn: asn}
	var latOK, lonOK bool
	l.lat, latOK = realValue(lat)
	l.lon, lonOK = realValue(lon)
	l.coords = hasCoords && latOK && lonOK
	return l
}

// realValue returns a stored REAL value, and false for NULL.
func realValue(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// geoScanShare: locate reads every stored location when the addresses it
// needs are at least 1/geoScanShare of them, else it looks each one up.
const geoScanShare = 8

// rank sets the fields of sum that ranked sets from the temporary tables,
// from the accumulator's maps: the unique addresses, host names and users,
// the top users, the top sources (with their locations, see locate) and
// subnets.
func (a *accumulator) rank(sum *knocks.Summary, top int) {
	names := map[string]bool{}
	var users []userKey
	for k, u := range a.users {
		names[k.user] = true
		if u.attempts > 0 {
			users = append(users, k)
		}
	}
	sum.UniqueUsers = int64(len(names))
	slices.SortFunc(users, func(x, y userKey) int {
		return cmp.Or(cmp.Compare(a.users[y].attempts, a.users[x].attempts), strings.Compare(x.user, y.user),
			cmp.Compare(boolInt(x.invalid), boolInt(y.invalid)))
	}) // all of them: each list takes the first of its own
	sum.TopUsers, sum.TopValidUsers, sum.TopInvalidUsers = []knocks.UserCount{}, []knocks.UserCount{}, []knocks.UserCount{}
	for _, k := range users {
		n := a.users[k].attempts
		u := knocks.UserCount{User: k.user, Attempts: n, Valid: !k.invalid, Share: knocks.Share(n, sum.Attempts)}
		if len(sum.TopUsers) < top {
			sum.TopUsers = append(sum.TopUsers, u)
		}
		l := &sum.TopValidUsers
		if k.invalid {
			l = &sum.TopInvalidUsers
		}
		if len(*l) < top {
			*l = append(*l, u)
		}
	}

	subs, subs48 := map[netip.Prefix]int64{}, map[netip.Prefix]int64{}
	srcs := newTopper(max(top, 3), bySize)
	for k, src := range a.sources {
		if src.conns > 0 {
			if src.isIP {
				sum.UniqueIPs++
			} else {
				sum.UniqueHosts++
			}
		}
		if src.attempts == 0 {
			continue
		}
		srcs.add(keySource{k, src})
		if !src.isIP {
			continue
		}
		if ip, err := netip.ParseAddr(k); err == nil {
			s, s48 := subnetsOf(ip)
			if s.IsValid() {
				subs[s] += src.attempts
			}
			if s48.IsValid() {
				subs48[s48] += src.attempts
			}
		}
	}
	l := srcs.sorted()
	var top3 int64
	for _, s := range l[:min(3, len(l))] {
		top3 += s.src.attempts
	}
	sum.Top3Share = knocks.Share(top3, sum.Attempts)
	sum.TopIPs = ipCounts(l[:min(top, len(l))], sum.Attempts)
	sum.TopSubnets, sum.TopSubnets48 = topPrefixes(subs, sum.Attempts, top), topPrefixes(subs48, sum.Attempts, top)
}

// subnetsOf returns the subnets of an address that knocks.Subnets returns,
// as prefixes (the zero Prefix for none).
func subnetsOf(ip netip.Addr) (s24or64, s48 netip.Prefix) {
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		p, _ := ip.Prefix(24)
		return p, netip.Prefix{}
	}
	p64, _ := ip.Prefix(64)
	p48, _ := ip.Prefix(48)
	return p64, p48
}

// topPrefixes returns the top prefixes of m by attempts, ties by their
// text, as topKeys does: only the prefixes that tie are written out to
// be compared.
func topPrefixes(m map[netip.Prefix]int64, total int64, top int) []knocks.KeyCount {
	type prefixCount struct {
		p netip.Prefix
		n int64
	}
	t := newTopper(top, func(x, y prefixCount) int {
		if x.n != y.n {
			return cmp.Compare(y.n, x.n)
		}
		return strings.Compare(x.p.String(), y.p.String())
	})
	for p, n := range m {
		t.add(prefixCount{p, n})
	}
	out := []knocks.KeyCount{}
	for _, c := range t.sorted() {
		out = append(out, knocks.KeyCount{Key: c.p.String(), Attempts: c.n, Share: knocks.Share(c.n, total)})
	}
	return out
}

// topper keeps the n first items of those it is given in the order of
// cmp, which must order any two distinct items, in a heap whose root is the
// last of them: a short top list of many items costs a comparison each,
// not a sort of them all.
type topper[T any] struct {
	n   int
	cmp func(x, y T) int
	h   []T
}

// newTopper returns a topper of the n first items by cmp.
func newTopper[T any](n int, cmp func(x, y T) int) *topper[T] {
	return &topper[T]{n: n, cmp: cmp}
}

// add offers x.
func (t *topper[T]) add(x T) {
	h := t.h
	if len(h) < t.n {
		h = append(h, x)
		for i := len(h) - 1; i > 0; {
			p := (i - 1) / 2
			if t.cmp(h[i], h[p]) <= 0 {
				break
			}
			h[i], h[p] = h[p], h[i]
			i = p
		}
		t.h = h
		return
	}
	if len(h) == 0 || t.cmp(x, h[0]) >= 0 {
		return
	}
	h[0] = x
	for i := 0; ; {
		c := 2*i + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && t.cmp(h[c+1], h[c]) > 0 {
			c++
		}
		if t.cmp(h[c], h[i]) <= 0 {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// sorted returns the items kept, in order.
func (t *topper[T]) sorted() []T {
	slices.SortFunc(t.h, t.cmp)
	return t.h
}

// topSources returns the sources with attempts that keep selects, most
// attempts first, ties by key, with their locations, as the SQL
// topSources does.
func (a *accumulator) topSources(keep func(string, *source) bool, top int, total int64) []knocks.IPCount {
	t := newTopper(top, bySize)
	for k, src := range a.sources {
		if src.attempts > 0 && keep(k, src) {
			t.add(keySource{k, src})
		}
	}
	return ipCounts(t.sorted(), total)
}

// keySource is a source with its key.
type keySource struct {
	k   string
	src *source
}

// bySize orders sources by attempts, most first, ties by key.
func bySize(x, y keySource) int {
	return cmp.Or(cmp.Compare(y.src.attempts, x.src.attempts), strings.Compare(x.k, y.k))
}

// ipCounts returns the IPCounts of sources, with their locations.
func ipCounts(l []keySource, total int64) []knocks.IPCount {
	out := []knocks.IPCount{}
	for _, s := range l {
		r := knocks.IPCount{IP: s.k, Attempts: s.src.attempts, Connections: s.src.conns, Share: knocks.Share(s.src.attempts, total),
			First: fromUnix(s.src.first), Last: fromUnix(s.src.last)}
		if g := s.src.loc; g != nil {
			r.Country, r.Org = g.country, g.org
			if g.reserved != "" {
				r.Country, r.Org = g.reserved, ""
			} else if g.asn > 0 && g.asn <= math.MaxUint32 {
				r.ASN = uint32(g.asn)
			}
		}
		out = append(out, r)
	}
	return out
}

// fillGeoMem sets the fields of sum that fillGeo sets, from the locations
// of the addresses (see locate), to the same lists in the same order.
func (a *accumulator) fillGeoMem(sum *knocks.Summary, top int) {
	sum.TopCountries, sum.TopASNs, sum.TopCities = []knocks.GeoCount{}, []knocks.ASNCount{}, []knocks.CityCount{}
	sum.Reserved = []knocks.GeoCount{}
	sum.Countries, sum.Cities, sum.PerCountryDay = []knocks.GeoCount{}, []knocks.CityCount{}, []knocks.SeriesDay{}
	var locs []*location
	for _, src := range a.sources {
		if l := src.loc; l != nil {
			if l.ips == 0 {
				locs = append(locs, l)
			}
			l.attempts += src.attempts
			l.ips++
		}
	}

	type country struct {
		knocks.GeoCount
		reserved bool
	}
	type asn struct {
		knocks.ASNCount
		orgs map[string]int64
	}
	type cityKey struct{ country, region, city string }
	type city struct {
		knocks.CityCount
		lat, lon float64 // sums of the coordinates weighed by attempts
		weight   int64   // attempts of the addresses with coordinates
	}
	countries := map[string]*country{}
	asns := map[int64]*asn{}
	prefixes := map[string]int64{}
	cities := map[cityKey]*city{}
	sources := map[string]bool{}
	for _, l := range locs {
		if l.source != "" {
			sources[l.source] = true
		}
		if k := l.key(); k != "" {
			c := countries[k]
			if c == nil {
				c = &country{GeoCount: knocks.GeoCount{Country: k}}
				countries[k] = c
			}
			c.reserved = c.reserved || l.reserved != ""
			c.Name = max(c.Name, l.countryName)
			c.Attempts += l.attempts
			c.IPs += l.ips
		}
		if l.reserved != "" {
			continue
		}
		if l.asn > 0 && l.asn <= math.MaxUint32 {
			s := asns[l.asn]
			if s == nil {
				s = &asn{ASNCount: knocks.ASNCount{ASN: uint32(l.asn)}, orgs: map[string]int64{}}
				asns[l.asn] = s
			}
			s.Attempts += l.attempts
			s.IPs += l.ips
			if l.org != "" {
				s.orgs[l.org] += l.attempts
			}
		}
		if l.prefix != "" {
			prefixes[l.prefix] += l.attempts
		}
		if l.city != "" {
			k := cityKey{l.country, l.region, l.city}
			c := cities[k]
			if c == nil {
				c = &city{CityCount: knocks.CityCount{Country: l.country, Region: l.region, City: l.city}}
				cities[k] = c
			}
			c.Attempts += l.attempts
			c.IPs += l.ips
			if l.coords {
				// Addresses of one city may carry slightly different
				// coordinates: they are weighed by attempts.
				c.lat += l.lat * float64(l.attempts)
				c.lon += l.lon * float64(l.attempts)
				c.weight += l.attempts
			}
		}
	}

	cl := make([]*country, 0, len(countries))
	for _, c := range countries {
		cl = append(cl, c)
	}
	slices.SortFunc(cl, func(x, y *country) int {
		return cmp.Or(cmp.Compare(y.Attempts, x.Attempts), strings.Compare(x.Country, y.Country))
	})
	for _, c := range cl {
		c.Share = knocks.Share(c.Attempts, sum.Attempts)
		if c.reserved {
			c.Name = reservedName
			sum.Reserved = append(sum.Reserved, c.GeoCount)
		} else {
			sum.Countries = append(sum.Countries, c.GeoCount)
		}
	}
	sum.TopCountries = append(sum.TopCountries, sum.Countries[:min(top, len(sum.Countries))]...)

	al := make([]*asn, 0, len(asns))
	for _, s := range asns {
		al = append(al, s)
	}
	slices.SortFunc(al, func(x, y *asn) int {
		return cmp.Or(cmp.Compare(y.Attempts, x.Attempts), cmp.Compare(x.ASN, y.ASN))
	})
	for _, s := range al[:min(top, len(al))] {
		// The name of an AS is the one its addresses with the most
		// attempts carry (the smallest of equals).
		var best int64
		for org, n := range s.orgs {
			if n > best || n == best && org < s.Org {
				s.Org, best = org, n
			}
		}
		s.Share = knocks.Share(s.Attempts, sum.Attempts)
		sum.TopASNs = append(sum.TopASNs, s.ASNCount)
	}
	sum.TopPrefixes = topKeys(prefixes, sum.Attempts, top)

	ctl := make([]*city, 0, len(cities))
	for _, c := range cities {
		ctl = append(ctl, c)
	}
	slices.SortFunc(ctl, func(x, y *city) int {
		return cmp.Or(cmp.Compare(y.Attempts, x.Attempts), strings.Compare(x.Country, y.Country),
			strings.Compare(x.Region, y.Region), strings.Compare(x.City, y.City))
	})
	for _, c := range ctl {
		if c.weight > 0 {
			c.Lat, c.Lon = c.lat/float64(c.weight), c.lon/float64(c.weight)
			sum.Cities = append(sum.Cities, c.CityCount)
		}
		if len(sum.TopCities) < top {
			sum.TopCities = append(sum.TopCities, c.CityCount)
		}
	}
	for s := range sources {
		sum.GeoIPSources = append(sum.GeoIPSources, s)
	}
	slices.Sort(sum.GeoIPSources)
}

// errTooMany stops a read that went past the bounds of an accumulator.
var errTooMany = errors.New("more keys than a summary adds up in memory")
