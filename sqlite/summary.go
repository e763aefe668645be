package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"knocks"
)

// maxDense is the most buckets that a per-day or per-hour series is filled
// in with zero buckets; a longer series lists only buckets with attempts.
const maxDense = 100_000

// reservedName is the Name of a GeoCount whose Country is a reserved-range
// label.
const reservedName = "reserved address range"

// selection is the WHERE clause of a filter over the connections table,
// with its arguments.
type selection struct {
	ranges  []idRange // the id ranges to read one by one; nil: the whole table
	where   string    // never empty
	args    []any
	f2b     string // the same over fail2ban_events; "" when none of them can match
	f2bArgs []any
}

// newSelection builds the selection of a filter: connections by start
// time (since ≤ start < until), host, and the country or AS of their
// address as stored in ip_geo; never rows with times outside knocks.MinTime
// to knocks.MaxTime. A time range is narrowed to the ids that
// connection_spans says may hold it.
func newSelection(ctx context.Context, tx *sql.Conn, f knocks.Filter) (selection, error) {
	// Rows with a time outside the range knocks stores (written by an
	// older version, or by hand) are left out: one bad row must not make
	// a report fail (JSON has no year 11476).
	conds := []string{"start_time >= ?", "end_time <= ?"}
	args := []any{knocks.MinTime.Unix(), knocks.MaxTime.Unix()}
	f2b := []string{"time BETWEEN ? AND ?"}
	f2bArgs := []any{knocks.MinTime.Unix(), knocks.MaxTime.Unix()}
	var ranges []idRange
	if !f.Since.IsZero() || !f.Until.IsZero() {
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		if !f.Since.IsZero() {
			lo = f.Since.Unix()
		}
		if !f.Until.IsZero() {
			hi = f.Until.Unix() - 1
		}
		var err error
		if ranges, err = idRanges(ctx, tx, lo, hi, math.MinInt64); err != nil {
			return selection{}, err
		}
	}
	if !f.Since.IsZero() {
		conds, args = append(conds, "start_time >= ?"), append(args, f.Since.Unix())
		f2b, f2bArgs = append(f2b, "time >= ?"), append(f2bArgs, f.Since.Unix())
	}
	if !f.Until.IsZero() {
		conds, args = append(conds, "start_time < ?"), append(args, f.Until.Unix())
		f2b, f2bArgs = append(f2b, "time < ?"), append(f2bArgs, f.Until.Unix())
	}
	if f.Host != "" {
		conds, args = append(conds, "host = ?"), append(args, f.Host)
		f2b, f2bArgs = append(f2b, "host = ?"), append(f2bArgs, f.Host)
	}
	if f.Country != "" {
		c := "ip IN (SELECT ip FROM ip_geo WHERE country = ? OR reserved = ?)"
		conds, args = append(conds, c), append(args, strings.ToUpper(f.Country), strings.ToLower(f.Country))
		f2b, f2bArgs = append(f2b, c), append(f2bArgs, strings.ToUpper(f.Country), strings.ToLower(f.Country))
	}
	if f.ASN != 0 {
		c := "ip IN (SELECT ip FROM ip_geo WHERE asn = ?)"
		conds, args = append(conds, c), append(args, int64(f.ASN))
		f2b, f2bArgs = append(f2b, c), append(f2bArgs, int64(f.ASN))
	}
	if f.IP.IsValid() {
		conds, args = append(conds, "ip = ?"), append(args, f.IP.Unmap().String())
		f2b, f2bArgs = append(f2b, "ip = ?"), append(f2bArgs, f.IP.Unmap().String())
	}
	if f.User != "" {
		conds, args = append(conds, "username = ?"), append(args, f.User)
	}
	if f.Subnet != "" {
		conds, args = append(conds, "subnet = ?"), append(args, f.Subnet)
	}
	if f.User != "" || f.Subnet != "" {
		f2b = append(f2b, "0") // fail2ban.log lines name no user; their subnets are not stored
	}
	s := selection{ranges: ranges, where: strings.Join(conds, " AND "), args: args, f2b: strings.Join(f2b, " AND "), f2bArgs: f2bArgs}
	return s, nil
}

// Summary computes the report for a filter from one consistent snapshot of
// the database, so that an import writing at the same time never makes its
// numbers disagree. It reads the selected connections once and adds them
// up in memory (SQLite would sort them once for each GROUP BY); see
// docs/schema.md for how each field is computed.
func (s *EventStore) Summary(ctx context.Context, f knocks.Filter) (*knocks.Summary, error) {
	top := f.Top
	if top <= 0 {
		top = 10
	}
	f.Top = top
	sum := &knocks.Summary{Filter: f, Generated: s.now()}
	err := s.read(ctx, func(conn *sql.Conn) error {
		sel, err := newSelection(ctx, conn, f)
		if err != nil {
			return err
		}
		a := newAccumulator()
		if err := a.scan(ctx, conn, sel); err != nil {
			return err
		}
		if err := period(ctx, conn, sel, a); err != nil {
			return err
		}
		if err := penalties(ctx, conn, f, top, sum, a); err != nil {
			return err
		}
		if err := conn.QueryRowContext(ctx, "SELECT COALESCE(SUM(lines), 0) FROM checkpoints").Scan(&sum.LinesRead); err != nil {
			return err
		}
		if sum.Lines, err = selectedLines(ctx, conn, f, sum.LinesRead); err != nil {
			return err
		}
		locs, err := locations(ctx, conn, a)
		if err != nil {
			return err
		}
		a.fill(sum, top)
		a.fillGeo(sum, locs, top)
		return bans(ctx, conn, sel, a, locs, top, sum)
	})
	if err != nil {
		return nil, fmt.Errorf("cannot compute summary: %w", err)
	}
	return sum, nil
}

// selectedLines returns the lines read in the time and host of a filter:
// all lines without a filter; nil for a filter by country or AS (lines are
// not counted by address) and while some lines read are in no hour (see
// migration 7); else the sum of the counts of the host's hours in the
// range, those at either end in proportion to the part of the hour the
// range covers.
func selectedLines(ctx context.Context, conn *sql.Conn, f knocks.Filter, all int64) (*int64, error) {
	if f.Since.IsZero() && f.Until.IsZero() && f.Host == "" && f.Country == "" && f.ASN == 0 {
		return &all, nil
	}
	if f.Country != "" || f.ASN != 0 {
		return nil, nil
	}
	var unbucketed int64
	if err := conn.QueryRowContext(ctx, "SELECT lines FROM lines_unbucketed WHERE id = 1").Scan(&unbucketed); err != nil {
		return nil, err
	}
	if unbucketed > 0 {
		return nil, nil
	}
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !f.Since.IsZero() {
		lo = f.Since.Unix()
	}
	if !f.Until.IsZero() {
		hi = f.Until.Unix()
	}
	q := "SELECT hour, lines FROM line_counts WHERE hour > ? AND hour < ?"
	args := []any{max(lo, math.MinInt64+3600) - 3600, hi}
	if f.Host != "" {
		q += " AND host = ?"
		args = append(args, f.Host)
	}
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var sum float64
	for rows.Next() {
		var hour, n int64
		if err := rows.Scan(&hour, &n); err != nil {
			return nil, err
		}
		sum += float64(n) * hourOverlap(hour, lo, hi)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	lines := int64(math.Round(sum))
	return &lines, nil
}

// hourOverlap returns the part of the hour starting at hour (unix seconds)
// that the range [lo, hi) covers, from 0 to 1.
func hourOverlap(hour, lo, hi int64) float64 {
	from, to := max(hour, lo), min(hour+3600, hi)
	if to <= from {
		return 0
	}
	return float64(to-from) / 3600
}

// hostileShare returns hostile lines as a share of lines, at most 1 (a
// "message repeated N times" line counts N hostile lines); nil when lines
// is nil, 0 when it is 0.
func hostileShare(hostile int64, lines *int64) *float64 {
	if lines == nil {
		return nil
	}
	v := min(share(hostile, *lines), 1)
	return &v
}

// share returns n as a fraction of total, 0 when total is 0.
func share(n, total int64) float64 {
	if total == 0 {
		return 0
	}
	return float64(n) / float64(total)
}

// source is what an accumulator knows of one address (or host name).
type source struct {
	key         string
	isIP        bool
	attempts    int64
	conns       int64 // failure connections
	first, last int64
}

// userKey is a user name with its validity.
type userKey struct {
	user    string
	invalid bool
}

// ipDay is the attempts of one address on one UTC day, for PerCountryDay.
type ipDay struct {
	src *source
	day int64
}

// accumulator adds up the selected connections.
type accumulator struct {
	attempts, conns, scans, logins, hostile int64
	first, last                             int64 // of connections with events; last < first when none
	uniqueIPs, uniqueHosts, uniqueUsers     int64
	sources                                 map[string]*source
	users                                   map[userKey]int64
	failUsers                               map[string]bool
	hosts                                   map[string]int64
	ports, hours                            map[int64]int64
	days                                    map[ipDay]int64
}

func newAccumulator() *accumulator {
	return &accumulator{
		first: math.MaxInt64, last: math.MinInt64,
		sources: map[string]*source{}, users: map[userKey]int64{}, failUsers: map[string]bool{},
		hosts: map[string]int64{}, ports: map[int64]int64{}, hours: map[int64]int64{},
		days: map[ipDay]int64{},
	}
}

// The bits of the packed column of scan.
const (
	bitFailure = 1 << iota // failure: the connection counts in connections
	bitScan                // scan: the connection is a scan
	bitHasUser             // username IS NOT NULL
	bitInvalid             // invalid_user
	bitIP                  // the source is an address, not a host name
)

// scanQuery reads what a summary needs of each selected connection in as
// few columns as it can: every column costs more to fetch through the
// driver than SQLite takes to produce it. packed holds the flags above in
// its low byte, the port in the next two and the logins above them (in
// SQLite, | and << bind equally tightly: hence the parentheses).
const scanQuery = `SELECT host, start_time, end_time, COALESCE(ip, rhost), username,
	failure | (scan << 1) | ((username IS NOT NULL) << 2) | ((invalid_user != 0) << 3)
		| ((ip IS NOT NULL) << 4) | ((COALESCE(port, 0) & 65535) << 8) | (logins << 24),
	attempts, hostile_lines
	FROM connections WHERE `

// scan reads the selected connections and adds them up. It reads the rows
// through the driver directly (see scanQuery).
func (a *accumulator) scan(ctx context.Context, conn *sql.Conn, sel selection) error {
	return conn.Raw(func(dc any) error {
		qc, ok := dc.(driver.QueryerContext)
		if !ok {
			return fmt.Errorf("driver %T cannot query with a context", dc)
		}
		query := func(where string, vals []any) error {
			args := make([]driver.NamedValue, len(vals))
			for i, v := range vals {
				args[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
			}
			rows, err := qc.QueryContext(ctx, scanQuery+where, args)
			if err != nil {
				return err
			}
			defer rows.Close()
			v := make([]driver.Value, 8)
			for {
				if err := rows.Next(v); err == io.EOF {
					return nil
				} else if err != nil {
					return err
				}
				host, _ := v[0].(string)
				start, _ := v[1].(int64)
				end, _ := v[2].(int64)
				src, _ := v[3].(string)
				user, _ := v[4].(string)
				packed, _ := v[5].(int64)
				attempts, _ := v[6].(int64)
				hostile, _ := v[7].(int64)
				a.add(host, start, end, src, user, packed, attempts, hostile)
			}
		}
		if sel.ranges == nil {
			return query(sel.where, sel.args)
		}
		for _, r := range sel.ranges {
			if err := query("id BETWEEN ? AND ? AND "+sel.where, append([]any{r.lo, r.hi}, sel.args...)); err != nil {
				return err
			}
		}
		return nil
	})
}

// add adds up one connection.
func (a *accumulator) add(host string, start, end int64, key, user string, packed, attempts, hostile int64) {
	failure, hasUser, invalid := packed&bitFailure != 0, packed&bitHasUser != 0, packed&bitInvalid != 0
	port, logins := packed>>8&65535, packed>>24
	a.attempts += attempts
	a.logins += logins
	a.hostile += hostile
	if hostile+logins > 0 {
		a.first, a.last = min(a.first, start), max(a.last, end)
	}
	if packed&bitScan != 0 {
		a.scans++
	}
	var src *source
	if key != "" {
		src = a.sources[key]
		if src == nil {
			src = &source{key: key, isIP: packed&bitIP != 0, first: start, last: end}
			a.sources[key] = src
		}
		src.first, src.last = min(src.first, start), max(src.last, end)
		src.attempts += attempts
	}
	if failure {
		a.conns++
		if src != nil {
			if src.conns == 0 {
				if src.isIP {
					a.uniqueIPs++
				} else {
					a.uniqueHosts++ // known only by a host name (UseDNS)
				}
			}
			src.conns++
		}
		if hasUser && !a.failUsers[user] {
			a.failUsers[user] = true
			a.uniqueUsers++
		}
	}
	if attempts == 0 {
		return
	}
	if hasUser {
		a.users[userKey{user, invalid}] += attempts
	}
	if host != "" {
		a.hosts[host] += attempts
	}
	if port != 0 {
		a.ports[port] += attempts
	}
	a.hours[floorDiv(start, 3600)] += attempts
	if src != nil && src.isIP {
		a.days[ipDay{src, floorDiv(start, 86400)}] += attempts
	}
}

// period widens the first and last time by the selected fail2ban events.
func period(ctx context.Context, tx *sql.Conn, sel selection, a *accumulator) error {
	if sel.f2b == "" {
		return nil
	}
	var first, last sql.NullInt64
	err := tx.QueryRowContext(ctx, "SELECT MIN(time), MAX(time) FROM fail2ban_events WHERE "+sel.f2b, sel.f2bArgs...).
		Scan(&first, &last)
	if err != nil || !first.Valid {
		return err
	}
	a.first, a.last = min(a.first, first.Int64), max(a.last, last.Int64)
	return nil
}

// fill sets the fields of sum that need no locations.
func (a *accumulator) fill(sum *knocks.Summary, top int) {
	sum.Attempts, sum.Connections, sum.Scans, sum.Logins = a.attempts, a.conns, a.scans, a.logins
	sum.UniqueIPs, sum.UniqueHosts, sum.UniqueUsers, sum.HostileLines = a.uniqueIPs, a.uniqueHosts, a.uniqueUsers, a.hostile
	sum.HostileShare = hostileShare(sum.HostileLines, sum.Lines)
	if a.first <= a.last {
		sum.First, sum.Last = fromUnix(a.first), fromUnix(a.last)
	}

	users := make([]knocks.UserCount, 0, len(a.users))
	for k, n := range a.users {
		users = append(users, knocks.UserCount{User: k.user, Attempts: n, Valid: !k.invalid, Share: share(n, a.attempts)})
	}
	sort.Slice(users, func(i, j int) bool {
		x, y := users[i], users[j]
		if x.Attempts != y.Attempts {
			return x.Attempts > y.Attempts
		}
		if x.User != y.User {
			return x.User < y.User
		}
		return x.Valid && !y.Valid
	})
	sum.TopUsers, sum.TopValidUsers, sum.TopInvalidUsers = []knocks.UserCount{}, []knocks.UserCount{}, []knocks.UserCount{}
	for _, u := range users {
		if len(sum.TopUsers) < top {
			sum.TopUsers = append(sum.TopUsers, u)
		}
		if u.Valid && len(sum.TopValidUsers) < top {
			sum.TopValidUsers = append(sum.TopValidUsers, u)
		}
		if !u.Valid && len(sum.TopInvalidUsers) < top {
			sum.TopInvalidUsers = append(sum.TopInvalidUsers, u)
		}
	}

	ips := a.topSources()
	var top3 int64
	for i := 0; i < len(ips) && i < 3; i++ {
		top3 += ips[i].attempts
	}
	sum.Top3Share = share(top3, a.attempts)
	sum.TopIPs = []knocks.IPCount{}
	for _, src := range ips[:min(top, len(ips))] {
		sum.TopIPs = append(sum.TopIPs, knocks.IPCount{IP: src.key, Attempts: src.attempts, Connections: src.conns,
			Share: share(src.attempts, a.attempts), First: fromUnix(src.first), Last: fromUnix(src.last)})
	}

	subnets, subnets48 := map[string]int64{}, map[string]int64{}
	for _, src := range ips {
		if !src.isIP {
			continue
		}
		if ip, err := netip.ParseAddr(src.key); err == nil {
			if sub, ok := subnet(ip).(string); ok {
				subnets[sub] += src.attempts
			}
			if sub, ok := subnet48(ip); ok {
				subnets48[sub] += src.attempts
			}
		}
	}
	sum.TopSubnets = topKeys(subnets, a.attempts, top)
	sum.TopSubnets48 = topKeys(subnets48, a.attempts, top)
	sum.TopHosts = topKeys(a.hosts, a.attempts, top)
	ports := make([]bucket, 0, len(a.ports))
	for p, n := range a.ports {
		ports = append(ports, bucket{p, n})
	}
	slices.SortFunc(ports, func(x, y bucket) int {
		if c := cmp.Compare(y.attempts, x.attempts); c != 0 {
			return c
		}
		return cmp.Compare(x.n, y.n)
	})
	sum.TopPorts = []knocks.KeyCount{}
	for _, p := range ports[:min(top, len(ports))] {
		sum.TopPorts = append(sum.TopPorts, knocks.KeyCount{Key: strconv.FormatInt(p.n, 10), Attempts: p.attempts, Share: share(p.attempts, a.attempts)})
	}

	hours := make([]bucket, 0, len(a.hours))
	for h, n := range a.hours {
		hours = append(hours, bucket{h, n})
	}
	sort.Slice(hours, func(i, j int) bool { return hours[i].n < hours[j].n })
	var days []bucket
	for _, h := range hours {
		t := time.Unix(h.n*3600, 0).UTC()
		sum.HourWeekday[t.Weekday()][t.Hour()] += h.attempts
		d := floorDiv(h.n, 24)
		if len(days) > 0 && days[len(days)-1].n == d {
			days[len(days)-1].attempts += h.attempts
		} else {
			days = append(days, bucket{d, h.attempts})
		}
	}
	sum.PerHour = series(hours, 3600)
	sum.PerDay = series(days, 86400)
}

// subnet48 returns the /48 of an IPv6 address in canonical text form; false
// for an IPv4 (or IPv4-mapped) address.
func subnet48(ip netip.Addr) (string, bool) {
	_, s := knocks.Subnets(ip)
	return s, s != ""
}

// topSources returns the sources with attempts, most first.
func (a *accumulator) topSources() []*source {
	var l []*source
	for _, src := range a.sources {
		if src.attempts > 0 {
			l = append(l, src)
		}
	}
	sort.Slice(l, func(i, j int) bool {
		if l[i].attempts != l[j].attempts {
			return l[i].attempts > l[j].attempts
		}
		return l[i].key < l[j].key
	})
	return l
}

// topKeys returns the top keys of m by attempts, ties by key.
func topKeys(m map[string]int64, total int64, top int) []knocks.KeyCount {
	l := make([]knocks.KeyCount, 0, len(m))
	for k, n := range m {
		l = append(l, knocks.KeyCount{Key: k, Attempts: n, Share: share(n, total)})
	}
	slices.SortFunc(l, func(x, y knocks.KeyCount) int {
		if c := cmp.Compare(y.Attempts, x.Attempts); c != 0 {
			return c
		}
		return strings.Compare(x.Key, y.Key)
	})
	return l[:min(top, len(l))]
}

// bucket is the attempts of one time bucket, numbered from the epoch.
type bucket struct {
	n        int64
	attempts int64
}

// series turns buckets of the given width (in seconds) in ascending order
// into a series; filled in with zero buckets from the first to the last
// unless that would make more than maxDense.
func series(bs []bucket, width int64) []knocks.TimeCount {
	out := []knocks.TimeCount{}
	if len(bs) == 0 {
		return out
	}
	first, last := bs[0].n, bs[len(bs)-1].n
	if last-first >= maxDense {
		for _, b := range bs {
			out = append(out, knocks.TimeCount{Time: fromUnix(b.n * width), Attempts: b.attempts})
		}
		return out
	}
	out = make([]knocks.TimeCount, 0, last-first+1)
	i := 0
	for n := first; n <= last; n++ {
		tc := knocks.TimeCount{Time: fromUnix(n * width)}
		if i < len(bs) && bs[i].n == n {
			tc.Attempts = bs[i].attempts
			i++
		}
		out = append(out, tc)
	}
	return out
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// location is a row of ip_geo.
type location struct {
	knocks.Location
	source string
}

// locations returns the stored locations of the addresses with attempts.
func locations(ctx context.Context, tx *sql.Conn, a *accumulator) (map[string]*location, error) {
	var ips []string
	for _, src := range a.sources {
		if src.isIP && src.attempts > 0 {
			ips = append(ips, src.key)
		}
	}
	if len(ips) == 0 {
		return nil, nil
	}
	list, err := json.Marshal(ips)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT ip, reserved, country, country_name, registered, city, region, lat, lon,
		has_coords, asn, org, prefix, source
		FROM ip_geo WHERE ip IN (SELECT value FROM json_each(?))`, string(list))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[string]*location{}
	for rows.Next() {
		var ip string
		var reserved, country, name, city, region, org, prefix, src sql.NullString
		var lat, lon sql.NullFloat64
		var asn sql.NullInt64
		var registered, hasCoords bool
		if err := rows.Scan(&ip, &reserved, &country, &name, &registered, &city, &region, &lat, &lon, &hasCoords, &asn, &org, &prefix, &src); err != nil {
			return nil, err
		}
		l := &location{source: src.String}
		l.Reserved, l.Country, l.CountryName, l.Registered = reserved.String, country.String, name.String, registered
		l.City, l.Region, l.Lat, l.Lon, l.HasCoords = city.String, region.String, lat.Float64, lon.Float64, hasCoords && lat.Valid && lon.Valid
		if asn.Int64 > 0 && asn.Int64 <= math.MaxUint32 {
			l.ASN = uint32(asn.Int64)
		}
		l.Org, l.Prefix = org.String, prefix.String
		m[ip] = l
	}
	return m, rows.Err()
}

// cityKey is a city: the same name may exist in several regions.
type cityKey struct{ country, region, city string }

// cityAcc adds up the addresses of one city.
type cityAcc struct {
	attempts, ips    int64
	lat, lon, weight float64
	hasCoords        bool
}

// fillGeo sets the fields of sum that need the stored locations: the
// location of the top IPs, top countries, ASNs, announced prefixes and
// cities, every country and located city, the attempts per day of the top
// countries, and the sources of the locations. Addresses without a stored
// location (or prefix) are left out; reserved addresses count under their
// label in Reserved and nowhere else.
func (a *accumulator) fillGeo(sum *knocks.Summary, locs map[string]*location, top int) {
	sum.TopCountries, sum.TopASNs, sum.TopCities = []knocks.GeoCount{}, []knocks.ASNCount{}, []knocks.CityCount{}
	sum.Reserved = []knocks.GeoCount{}
	sum.TopPrefixes = []knocks.KeyCount{}
	sum.Countries, sum.Cities, sum.PerCountryDay = []knocks.GeoCount{}, []knocks.CityCount{}, []knocks.SeriesDay{}
	if len(locs) == 0 {
		return
	}
	for i := range sum.TopIPs {
		if l := locs[sum.TopIPs[i].IP]; l != nil {
			if l.Reserved != "" {
				sum.TopIPs[i].Country = l.Reserved
			} else {
				sum.TopIPs[i].Country, sum.TopIPs[i].ASN, sum.TopIPs[i].Org = l.Country, l.ASN, l.Org
			}
		}
	}
	countries := map[string]*knocks.GeoCount{}
	asns := map[uint32]*knocks.ASNCount{}
	asnOrgs := map[uint32]map[string]int64{}
	prefixes := map[string]int64{}
	cities := map[cityKey]*cityAcc{}
	sources := map[string]bool{}
	for ip, l := range locs {
		n := a.sources[ip].attempts
		if l.source != "" {
			sources[l.source] = true
		}
		if key := countryKey(l); key != "" {
			c := countries[key]
			if c == nil {
				c = &knocks.GeoCount{Country: key, Name: l.CountryName}
				if l.Reserved != "" {
					c.Name = reservedName
				}
				countries[key] = c
			}
			c.Attempts += n
			c.IPs++
		}
		if l.Reserved != "" {
			continue
		}
		if l.ASN != 0 {
			c := asns[l.ASN]
			if c == nil {
				c = &knocks.ASNCount{ASN: l.ASN}
				asns[l.ASN] = c
				asnOrgs[l.ASN] = map[string]int64{}
			}
			c.Attempts += n
			c.IPs++
			if l.Org != "" {
				asnOrgs[l.ASN][l.Org] += n
			}
		}
		if l.Prefix != "" {
			prefixes[l.Prefix] += n
		}
		if l.City != "" {
			k := cityKey{l.Country, l.Region, l.City}
			c := cities[k]
			if c == nil {
				c = &cityAcc{}
				cities[k] = c
			}
			c.attempts += n
			c.ips++
			if l.HasCoords {
				// Addresses of one city may carry slightly different
				// coordinates: weigh them by attempts.
				c.hasCoords = true
				c.lat += l.Lat * float64(n)
				c.lon += l.Lon * float64(n)
				c.weight += float64(n)
			}
		}
	}

	for _, c := range countries {
		c.Share = share(c.Attempts, a.attempts)
		if c.Name == reservedName {
			sum.Reserved = append(sum.Reserved, *c)
		} else {
			sum.Countries = append(sum.Countries, *c)
		}
	}
	for _, l := range [][]knocks.GeoCount{sum.Countries, sum.Reserved} {
		sort.Slice(l, func(i, j int) bool {
			x, y := l[i], l[j]
			if x.Attempts != y.Attempts {
				return x.Attempts > y.Attempts
			}
			return x.Country < y.Country
		})
	}
	sum.TopCountries = append(sum.TopCountries, sum.Countries[:min(top, len(sum.Countries))]...)

	for n, c := range asns {
		c.Org = mostOf(asnOrgs[n])
		c.Share = share(c.Attempts, a.attempts)
		sum.TopASNs = append(sum.TopASNs, *c)
	}
	sort.Slice(sum.TopASNs, func(i, j int) bool {
		x, y := sum.TopASNs[i], sum.TopASNs[j]
		if x.Attempts != y.Attempts {
			return x.Attempts > y.Attempts
		}
		return x.ASN < y.ASN
	})
	sum.TopASNs = sum.TopASNs[:min(top, len(sum.TopASNs))]
	sum.TopPrefixes = topKeys(prefixes, a.attempts, top)

	var all []knocks.CityCount
	for k, c := range cities {
		cc := knocks.CityCount{City: k.city, Region: k.region, Country: k.country, Attempts: c.attempts, IPs: c.ips}
		if c.hasCoords {
			cc.Lat, cc.Lon = c.lat/c.weight, c.lon/c.weight
			sum.Cities = append(sum.Cities, cc)
		}
		all = append(all, cc)
	}
	byAttempts := func(l []knocks.CityCount) {
		sort.Slice(l, func(i, j int) bool {
			x, y := l[i], l[j]
			if x.Attempts != y.Attempts {
				return x.Attempts > y.Attempts
			}
			if x.Country != y.Country {
				return x.Country < y.Country
			}
			if x.Region != y.Region {
				return x.Region < y.Region
			}
			return x.City < y.City
		})
	}
	byAttempts(all)
	byAttempts(sum.Cities)
	sum.TopCities = append(sum.TopCities, all[:min(top, len(all))]...)

	for src := range sources {
		sum.GeoIPSources = append(sum.GeoIPSources, src)
	}
	sort.Strings(sum.GeoIPSources)
	a.countryDays(sum, locs)
}

// countryKey is the key of a location in the country lists: its reserved
// label, else its country code.
func countryKey(l *location) string {
	if l.Reserved != "" {
		return l.Reserved
	}
	return l.Country
}

// mostOf returns the key with the largest count (the smallest key of
// equals), "" for none.
func mostOf(m map[string]int64) string {
	best, bestN := "", int64(-1)
	for k, n := range m {
		if n > bestN || n == bestN && k < best {
			best, bestN = k, n
		}
	}
	return best
}

// countryDays sets the attempts per UTC day of each top country, over the
// days of PerDay.
func (a *accumulator) countryDays(sum *knocks.Summary, locs map[string]*location) {
	if len(sum.TopCountries) == 0 {
		return
	}
	idx := map[string]int{}
	per := make([]map[int64]int64, len(sum.TopCountries))
	for i, c := range sum.TopCountries {
		idx[c.Country] = i
		per[i] = map[int64]int64{}
	}
	for k, n := range a.days {
		l := locs[k.src.key]
		if l == nil {
			continue
		}
		if i, ok := idx[countryKey(l)]; ok {
			per[i][k.day] += n
		}
	}
	for i, c := range sum.TopCountries {
		days := make([]knocks.TimeCount, len(sum.PerDay))
		for j, d := range sum.PerDay {
			days[j] = knocks.TimeCount{Time: d.Time, Attempts: per[i][floorDiv(d.Time.Unix(), 86400)]}
		}
		sum.PerCountryDay = append(sum.PerCountryDay, knocks.SeriesDay{Country: c.Country, Days: days})
	}
}

// Hosts returns the distinct hosts that logged the stored connections, in
// order. A filter by host is checked against it.
func (s *EventStore) Hosts(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT host FROM connections WHERE host IS NOT NULL
		UNION SELECT host FROM fail2ban_events WHERE host IS NOT NULL ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("cannot list hosts: %w", err)
	}
	defer rows.Close()
	var hosts []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("cannot list hosts: %w", err)
		}
		hosts = append(hosts, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot list hosts: %w", err)
	}
	return hosts, nil
}
