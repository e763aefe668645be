package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
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
	where   string // never empty: "1" selects every connection
	args    []any
	f2b     string // the same over fail2ban_events; "" when none of them can match
	f2bArgs []any
}

// and returns the selection's clause joined with more conditions, and its
// arguments followed by more.
func (s selection) and(cond string, more ...any) (string, []any) {
	return s.where + " AND " + cond, append(append([]any(nil), s.args...), more...)
}

// newSelection builds the selection of a filter: connections by start
// time (since ≤ start < until), host, and the country or AS of their
// address as stored in ip_geo. A time range is narrowed to the ids that
// connection_spans says may hold it.
func newSelection(ctx context.Context, tx *sql.Tx, f knocks.Filter) (selection, error) {
	var conds, f2b []string
	var args, f2bArgs []any
	if !f.Since.IsZero() || !f.Until.IsZero() {
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		if !f.Since.IsZero() {
			lo = f.Since.Unix()
		}
		if !f.Until.IsZero() {
			hi = f.Until.Unix() - 1
		}
		ids, idArgs, err := idRanges(ctx, tx, lo, hi, math.MinInt64)
		if err != nil {
			return selection{}, err
		}
		conds, args = append(conds, ids), append(args, idArgs...)
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
	s := selection{where: "1", args: args, f2b: "1", f2bArgs: f2bArgs}
	if len(conds) > 0 {
		s.where = strings.Join(conds, " AND ")
	}
	if len(f2b) > 0 {
		s.f2b = strings.Join(f2b, " AND ")
	}
	if f.Host != "" {
		s.f2b = "" // fail2ban.log lines name no host
	}
	return s, nil
}

// Summary computes the report for a filter from one consistent snapshot of
// the database, so that an import writing at the same time never makes its
// numbers disagree. See docs/schema.md for how each field is computed.
func (s *EventStore) Summary(ctx context.Context, f knocks.Filter) (*knocks.Summary, error) {
	top := f.Top
	if top <= 0 {
		top = 10
	}
	f.Top = top
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("cannot compute summary: %w", err)
	}
	defer tx.Rollback()
	sel, err := newSelection(ctx, tx, f)
	if err != nil {
		return nil, fmt.Errorf("cannot compute summary: %w", err)
	}
	q := &summaryQuery{ctx: ctx, tx: tx, sel: sel, top: top}
	sum := &knocks.Summary{Filter: f, Generated: s.now()}
	steps := []func(*knocks.Summary) error{
		q.totals, q.period, q.lines, q.users, q.ips, q.keys, q.times, q.geo,
	}
	for _, step := range steps {
		if err := step(sum); err != nil {
			return nil, fmt.Errorf("cannot compute summary: %w", err)
		}
	}
	return sum, nil
}

// summaryQuery runs the queries of one Summary in one read transaction.
type summaryQuery struct {
	ctx context.Context
	tx  *sql.Tx
	sel selection
	top int
}

// share returns n as a fraction of total, 0 when total is 0.
func share(n, total int64) float64 {
	if total == 0 {
		return 0
	}
	return float64(n) / float64(total)
}

// totals computes the counts of the selected connections.
func (q *summaryQuery) totals(sum *knocks.Summary) error {
	var first, last sql.NullInt64
	err := q.tx.QueryRowContext(q.ctx, `SELECT
		COALESCE(SUM(attempts), 0),
		COALESCE(SUM(failure_lines > 0), 0),
		COALESCE(SUM(scan_lines > 0 AND failure_lines = 0 AND logins = 0), 0),
		COALESCE(SUM(logins), 0),
		COALESCE(SUM(failure_lines + scan_lines), 0),
		COUNT(DISTINCT CASE WHEN failure_lines > 0 THEN COALESCE(ip, rhost) END),
		COUNT(DISTINCT CASE WHEN failure_lines > 0 THEN username END),
		MIN(CASE WHEN failure_lines + scan_lines + logins > 0 THEN start_time END),
		MAX(CASE WHEN failure_lines + scan_lines + logins > 0 THEN end_time END)
		FROM connections WHERE `+q.sel.where, q.sel.args...).
		Scan(&sum.Attempts, &sum.Connections, &sum.Scans, &sum.Logins, &sum.HostileLines,
			&sum.UniqueIPs, &sum.UniqueUsers, &first, &last)
	if err != nil {
		return err
	}
	if first.Valid {
		sum.First, sum.Last = fromUnix(first.Int64), fromUnix(last.Int64)
	}
	return nil
}

// period widens First and Last by the selected fail2ban events.
func (q *summaryQuery) period(sum *knocks.Summary) error {
	if q.sel.f2b == "" {
		return nil
	}
	var first, last sql.NullInt64
	err := q.tx.QueryRowContext(q.ctx, "SELECT MIN(time), MAX(time) FROM fail2ban_events WHERE "+q.sel.f2b, q.sel.f2bArgs...).
		Scan(&first, &last)
	if err != nil || !first.Valid {
		return err
	}
	if t := fromUnix(first.Int64); sum.First.IsZero() || t.Before(sum.First) {
		sum.First = t
	}
	if t := fromUnix(last.Int64); t.After(sum.Last) {
		sum.Last = t
	}
	return nil
}

// lines computes the lines read by all imports: the lines of every
// checkpoint, which commit together with the connections they hold (the
// statistics of an import are written only when it finishes, so an import
// that was killed would be missing from them).
func (q *summaryQuery) lines(sum *knocks.Summary) error {
	if err := q.tx.QueryRowContext(q.ctx, "SELECT COALESCE(SUM(lines), 0) FROM checkpoints").Scan(&sum.LinesRead); err != nil {
		return err
	}
	sum.HostileShare = share(sum.HostileLines, sum.LinesRead)
	return nil
}

// users computes the top users, all together and valid and invalid apart.
func (q *summaryQuery) users(sum *knocks.Summary) error {
	lists := []struct {
		cond string
		out  *[]knocks.UserCount
	}{
		{"1", &sum.TopUsers},
		{"invalid_user = 0", &sum.TopValidUsers},
		{"invalid_user = 1", &sum.TopInvalidUsers},
	}
	for _, l := range lists {
		where, args := q.sel.and("attempts > 0 AND username IS NOT NULL AND "+l.cond, q.top)
		rows, err := q.tx.QueryContext(q.ctx, `SELECT username, invalid_user, SUM(attempts) AS a
			FROM connections WHERE `+where+`
			GROUP BY username, invalid_user ORDER BY a DESC, username, invalid_user LIMIT ?`, args...)
		if err != nil {
			return err
		}
		list := []knocks.UserCount{}
		for rows.Next() {
			var u knocks.UserCount
			var invalid int64
			if err := rows.Scan(&u.User, &invalid, &u.Attempts); err != nil {
				rows.Close()
				return err
			}
			u.Valid = invalid == 0
			u.Share = share(u.Attempts, sum.Attempts)
			list = append(list, u)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		*l.out = list
	}
	return nil
}

// ips computes the top source addresses (host names where sshd logged
// one), the share of the top three, and the location of each.
func (q *summaryQuery) ips(sum *knocks.Summary) error {
	where, args := q.sel.and("COALESCE(ip, rhost) IS NOT NULL", max(q.top, 3))
	rows, err := q.tx.QueryContext(q.ctx, `SELECT COALESCE(ip, rhost) AS src, ip IS NOT NULL, SUM(attempts) AS a,
		SUM(failure_lines > 0), MIN(start_time), MAX(end_time)
		FROM connections WHERE `+where+`
		GROUP BY src HAVING a > 0 ORDER BY a DESC, src LIMIT ?`, args...)
	if err != nil {
		return err
	}
	list := []knocks.IPCount{}
	var isIP []bool
	for rows.Next() {
		var c knocks.IPCount
		var ip bool
		var first, last int64
		if err := rows.Scan(&c.IP, &ip, &c.Attempts, &c.Connections, &first, &last); err != nil {
			rows.Close()
			return err
		}
		c.Share = share(c.Attempts, sum.Attempts)
		c.First, c.Last = fromUnix(first), fromUnix(last)
		list = append(list, c)
		isIP = append(isIP, ip)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var top3 int64
	for i := 0; i < len(list) && i < 3; i++ {
		top3 += list[i].Attempts
	}
	sum.Top3Share = share(top3, sum.Attempts)
	if len(list) > q.top {
		list = list[:q.top]
	}
	for i := range list {
		if !isIP[i] {
			continue
		}
		var reserved, country, org sql.NullString
		var asn sql.NullInt64
		err := q.tx.QueryRowContext(q.ctx, "SELECT reserved, country, asn, org FROM ip_geo WHERE ip = ?", list[i].IP).
			Scan(&reserved, &country, &asn, &org)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return err
		}
		list[i].Country = country.String
		if reserved.Valid {
			list[i].Country = reserved.String
		}
		list[i].ASN, list[i].Org = uint32(asn.Int64), org.String
	}
	sum.TopIPs = list
	return nil
}

// keys computes the top subnets, source ports and hosts.
func (q *summaryQuery) keys(sum *knocks.Summary) error {
	lists := []struct {
		col string
		out *[]knocks.KeyCount
	}{
		{"subnet", &sum.TopSubnets},
		{"port", &sum.TopPorts},
		{"host", &sum.TopHosts},
	}
	for _, l := range lists {
		// col is one of the constants above, never user input.
		where, args := q.sel.and("attempts > 0 AND "+l.col+" IS NOT NULL", q.top)
		rows, err := q.tx.QueryContext(q.ctx, `SELECT CAST(`+l.col+` AS TEXT) AS k, SUM(attempts) AS a
			FROM connections WHERE `+where+`
			GROUP BY `+l.col+` ORDER BY a DESC, `+l.col+` LIMIT ?`, args...)
		if err != nil {
			return err
		}
		list := []knocks.KeyCount{}
		for rows.Next() {
			var k knocks.KeyCount
			if err := rows.Scan(&k.Key, &k.Attempts); err != nil {
				rows.Close()
				return err
			}
			k.Share = share(k.Attempts, sum.Attempts)
			list = append(list, k)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		*l.out = list
	}
	return nil
}

// times computes the attempts per UTC day, per UTC hour, and by weekday and
// hour, from one aggregate per hour.
func (q *summaryQuery) times(sum *knocks.Summary) error {
	where, args := q.sel.and("attempts > 0")
	rows, err := q.tx.QueryContext(q.ctx, `SELECT start_time / 3600 AS h, SUM(attempts)
		FROM connections WHERE `+where+` GROUP BY h ORDER BY h`, args...)
	if err != nil {
		return err
	}
	var hours []bucket
	for rows.Next() {
		var b bucket
		if err := rows.Scan(&b.n, &b.attempts); err != nil {
			rows.Close()
			return err
		}
		hours = append(hours, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
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
	return nil
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

// cityKey is a city: the same name may exist in several regions.
type cityKey struct{ country, region, city string }

// cityAcc adds up the addresses of one city.
type cityAcc struct {
	attempts, ips    int64
	lat, lon, weight float64
	hasCoords        bool
}

// geo computes the lists that need the locations stored in ip_geo: top
// countries, ASNs and cities, every country and located city, and the
// attempts per day of the top countries. Addresses without a stored
// location are left out of them; reserved addresses count under their
// label in TopCountries and nowhere else.
func (q *summaryQuery) geo(sum *knocks.Summary) error {
	sum.TopCountries, sum.TopASNs, sum.TopCities = []knocks.GeoCount{}, []knocks.ASNCount{}, []knocks.CityCount{}
	sum.Countries, sum.Cities, sum.PerCountryDay = []knocks.GeoCount{}, []knocks.CityCount{}, []knocks.SeriesDay{}
	var located bool
	if err := q.tx.QueryRowContext(q.ctx, "SELECT EXISTS (SELECT 1 FROM ip_geo)").Scan(&located); err != nil || !located {
		return err
	}
	where, args := q.sel.and("attempts > 0 AND ip IS NOT NULL")
	rows, err := q.tx.QueryContext(q.ctx, `SELECT g.reserved, g.country, g.country_name, g.asn, g.org,
		g.city, g.region, g.lat, g.lon, g.has_coords, g.source, p.a
		FROM (SELECT ip, SUM(attempts) AS a FROM connections WHERE `+where+` GROUP BY ip) AS p
		JOIN ip_geo AS g ON g.ip = p.ip`, args...)
	if err != nil {
		return err
	}
	countries := map[string]*knocks.GeoCount{}
	asns := map[uint32]*knocks.ASNCount{}
	asnOrgs := map[uint32]map[string]int64{}
	cities := map[cityKey]*cityAcc{}
	sources := map[string]bool{}
	for rows.Next() {
		var reserved, country, name, org, city, region, source sql.NullString
		var asn sql.NullInt64
		var lat, lon sql.NullFloat64
		var hasCoords bool
		var a int64
		if err := rows.Scan(&reserved, &country, &name, &asn, &org, &city, &region, &lat, &lon, &hasCoords, &source, &a); err != nil {
			rows.Close()
			return err
		}
		if source.String != "" {
			sources[source.String] = true
		}
		if key := reserved.String; key != "" {
			c := countries[key]
			if c == nil {
				c = &knocks.GeoCount{Country: key, Name: reservedName}
				countries[key] = c
			}
			c.Attempts += a
			c.IPs++
			continue
		}
		if key := country.String; key != "" {
			c := countries[key]
			if c == nil {
				c = &knocks.GeoCount{Country: key}
				countries[key] = c
			}
			if c.Name == "" {
				c.Name = name.String
			}
			c.Attempts += a
			c.IPs++
		}
		if asn.Int64 > 0 && asn.Int64 <= math.MaxUint32 {
			n := uint32(asn.Int64)
			c := asns[n]
			if c == nil {
				c = &knocks.ASNCount{ASN: n}
				asns[n] = c
				asnOrgs[n] = map[string]int64{}
			}
			c.Attempts += a
			c.IPs++
			if org.String != "" {
				asnOrgs[n][org.String] += a
			}
		}
		if city.String != "" {
			k := cityKey{country.String, region.String, city.String}
			c := cities[k]
			if c == nil {
				c = &cityAcc{}
				cities[k] = c
			}
			c.attempts += a
			c.ips++
			if hasCoords && lat.Valid && lon.Valid {
				// Addresses of one city may carry slightly different
				// coordinates: weigh them by attempts.
				c.hasCoords = true
				c.lat += lat.Float64 * float64(a)
				c.lon += lon.Float64 * float64(a)
				c.weight += float64(a)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	for _, c := range countries {
		c.Share = share(c.Attempts, sum.Attempts)
		sum.TopCountries = append(sum.TopCountries, *c)
	}
	sort.Slice(sum.TopCountries, func(i, j int) bool {
		a, b := sum.TopCountries[i], sum.TopCountries[j]
		if a.Attempts != b.Attempts {
			return a.Attempts > b.Attempts
		}
		return a.Country < b.Country
	})
	for _, c := range sum.TopCountries {
		if c.Name != reservedName {
			sum.Countries = append(sum.Countries, c)
		}
	}
	if len(sum.TopCountries) > q.top {
		sum.TopCountries = sum.TopCountries[:q.top]
	}

	for n, c := range asns {
		c.Org = mostOf(asnOrgs[n])
		c.Share = share(c.Attempts, sum.Attempts)
		sum.TopASNs = append(sum.TopASNs, *c)
	}
	sort.Slice(sum.TopASNs, func(i, j int) bool {
		a, b := sum.TopASNs[i], sum.TopASNs[j]
		if a.Attempts != b.Attempts {
			return a.Attempts > b.Attempts
		}
		return a.ASN < b.ASN
	})
	if len(sum.TopASNs) > q.top {
		sum.TopASNs = sum.TopASNs[:q.top]
	}

	var all []knocks.CityCount
	for k, c := range cities {
		cc := knocks.CityCount{City: k.city, Region: k.region, Country: k.country, Attempts: c.attempts, IPs: c.ips}
		if c.hasCoords {
			cc.Lat, cc.Lon = c.lat/c.weight, c.lon/c.weight
		}
		all = append(all, cc)
		if c.hasCoords {
			sum.Cities = append(sum.Cities, cc)
		}
	}
	byAttempts := func(l []knocks.CityCount) {
		sort.Slice(l, func(i, j int) bool {
			a, b := l[i], l[j]
			if a.Attempts != b.Attempts {
				return a.Attempts > b.Attempts
			}
			if a.Country != b.Country {
				return a.Country < b.Country
			}
			if a.Region != b.Region {
				return a.Region < b.Region
			}
			return a.City < b.City
		})
	}
	byAttempts(all)
	byAttempts(sum.Cities)
	if len(all) > q.top {
		all = all[:q.top]
	}
	if all != nil {
		sum.TopCities = all
	}

	for src := range sources {
		sum.GeoIPSources = append(sum.GeoIPSources, src)
	}
	sort.Strings(sum.GeoIPSources)
	return q.countryDays(sum)
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

// countryDays computes the attempts per UTC day of each top country, over
// the same days as PerDay.
func (q *summaryQuery) countryDays(sum *knocks.Summary) error {
	if len(sum.TopCountries) == 0 {
		return nil
	}
	keys := make([]string, len(sum.TopCountries))
	idx := map[string]int{}
	for i, c := range sum.TopCountries {
		keys[i] = c.Country
		idx[c.Country] = i
	}
	where, args := q.sel.and("attempts > 0 AND ip IS NOT NULL")
	in := "?" + strings.Repeat(",?", len(keys)-1)
	for _, k := range keys {
		args = append(args, k)
	}
	rows, err := q.tx.QueryContext(q.ctx, `SELECT COALESCE(g.reserved, g.country) AS k, c.start_time / 86400 AS d, SUM(c.attempts)
		FROM (SELECT ip, start_time, attempts FROM connections WHERE `+where+`) AS c
		JOIN ip_geo AS g ON g.ip = c.ip
		WHERE k IN (`+in+`)
		GROUP BY k, d ORDER BY k, d`, args...)
	if err != nil {
		return err
	}
	per := make([][]bucket, len(keys))
	for rows.Next() {
		var k string
		var b bucket
		if err := rows.Scan(&k, &b.n, &b.attempts); err != nil {
			rows.Close()
			return err
		}
		if i, ok := idx[k]; ok {
			per[i] = append(per[i], b)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i, k := range keys {
		sum.PerCountryDay = append(sum.PerCountryDay, knocks.SeriesDay{Country: k, Days: alignDays(per[i], sum.PerDay)})
	}
	return nil
}

// alignDays returns the buckets of one country on the days of the whole
// series (PerDay), zero where the country had none.
func alignDays(bs []bucket, days []knocks.TimeCount) []knocks.TimeCount {
	m := make(map[int64]int64, len(bs))
	for _, b := range bs {
		m[b.n] = b.attempts
	}
	out := make([]knocks.TimeCount, len(days))
	for i, d := range days {
		out[i] = knocks.TimeCount{Time: d.Time, Attempts: m[d.Time.Unix()/86400]}
	}
	return out
}
