package postgres

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"knocks"
)

// reservedName is the Name of a GeoCount whose Country is a reserved-range
// label.
const reservedName = "reserved address range"

// reportWorkMem is the memory that each sort or hash of a report may take
// in the server before it spills to disk.
const reportWorkMem = "64MB"

// maxReasons bounds the penalty reasons a summary lists.
const maxReasons = 100

// params collects the arguments of a query and names them $1, $2...
type params struct{ args []any }

// p adds v and returns its placeholder.
func (q *params) p(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

// clause is a WHERE clause with its arguments ($1, $2... in order).
type clause struct {
	sql  string
	args []any
}

// selection is the WHERE clauses of a filter over connections, fail2ban
// events and penalty events.
type selection struct{ conns, f2b, pen clause }

// builder makes a clause from conditions.
type builder struct {
	params
	conds []string
}

// add adds a condition made of format, with each %s replaced by the
// placeholder of the next value.
func (b *builder) add(format string, vals ...any) {
	ph := make([]any, len(vals))
	for i, v := range vals {
		ph[i] = b.p(v)
	}
	b.conds = append(b.conds, fmt.Sprintf(format, ph...))
}

func (b *builder) clause() clause {
	if len(b.conds) == 0 {
		return clause{sql: "true"}
	}
	return clause{sql: strings.Join(b.conds, " AND "), args: b.args}
}

// newSelection builds the selection of a filter: connections by start
// time (since ≤ start < until), host, the country or AS of their address
// as stored in ip_geo, and the address, user name or subnet of a
// drill-down; never rows with times outside knocks.MinTime to
// knocks.MaxTime. Fail2ban events by their time, host and address, none
// for a user or subnet (fail2ban.log names no user, no subnet of theirs is
// stored); penalty events likewise, and by the user of a lockout.
func newSelection(f knocks.Filter) *selection {
	var c, e, p builder
	c.add("start_time >= %s AND end_time <= %s", knocks.MinTime.Unix(), knocks.MaxTime.Unix())
	e.add("time BETWEEN %s AND %s", knocks.MinTime.Unix(), knocks.MaxTime.Unix())
	all := func(format string, vals ...any) {
		c.add(format, vals...)
		e.add(format, vals...)
		p.add(format, vals...)
	}
	if !f.Since.IsZero() {
		c.add("start_time >= %s", f.Since.Unix())
		e.add("time >= %s", f.Since.Unix())
		p.add("time >= %s", f.Since.Unix())
	}
	if !f.Until.IsZero() {
		c.add("start_time < %s", f.Until.Unix())
		e.add("time < %s", f.Until.Unix())
		p.add("time < %s", f.Until.Unix())
	}
	if f.Host != "" {
		all("host = %s", []byte(f.Host))
	}
	if f.Country != "" {
		all("ip IN (SELECT ip FROM ip_geo WHERE country = %s OR reserved = %s)", strings.ToUpper(f.Country), strings.ToLower(f.Country))
	}
	if f.ASN != 0 {
		all("ip IN (SELECT ip FROM ip_geo WHERE asn = %s)", int64(f.ASN))
	}
	if f.IP.IsValid() {
		all("ip = %s", f.IP.Unmap().String())
	}
	if f.User != "" {
		c.add("username = %s", []byte(f.User))
		p.add("username = %s", []byte(f.User))
	}
	if f.Subnet != "" {
		c.add("subnet = %s", f.Subnet)
		p.add("false")
	}
	if f.User != "" || f.Subnet != "" {
		e.add("false")
	}
	return &selection{conns: c.clause(), f2b: e.clause(), pen: p.clause()}
}

// Summary computes the report for a filter from one snapshot of the
// database (a repeatable-read transaction), so that importers writing at
// the same time never make its numbers disagree. Every number and list is
// an SQL aggregate over the stored columns, cut by ORDER BY and LIMIT in
// PostgreSQL: what comes back grows with the lists printed, not with the
// rows stored. See docs/schema.md.
//
// The summary that KeepResults kept for f, while still that of what is
// stored, is read instead.
func (s *EventStore) Summary(ctx context.Context, f knocks.Filter) (*knocks.Summary, error) {
	if f.Top <= 0 {
		f.Top = 10
	}
	var kept knocks.Summary
	if ok, err := s.kept(ctx, knocks.SummaryKey(f), &kept); err != nil {
		return nil, fmt.Errorf("cannot compute summary: %w", err)
	} else if ok {
		kept.Filter, kept.Generated = f, s.now()
		return &kept, nil
	}
	return s.summary(ctx, f)
}

// summary finds the summary of f (whose Top is set) from the connections.
func (s *EventStore) summary(ctx context.Context, f knocks.Filter) (*knocks.Summary, error) {
	sum := &knocks.Summary{Filter: f, Generated: s.now()}
	err := s.read(ctx, func(tx pgx.Tx) error {
		// The groupings of a report hash or sort every selected row:
		// more memory than PostgreSQL's default lets them stay off disk.
		if _, err := tx.Exec(ctx, "SET LOCAL work_mem = '"+reportWorkMem+"'"); err != nil {
			return err
		}
		sel := newSelection(f)
		r := &report{ctx: ctx, tx: tx, sel: sel, f: f, top: f.Top, sum: sum}
		for _, step := range []func() error{r.totals, r.users, r.sources, r.keys, r.series, r.geo, r.countryDays, r.penalties, r.lines, r.bans} {
			if err := step(); err != nil {
				return err
			}
		}
		if r.first <= r.last {
			sum.First, sum.Last = fromUnix(r.first), fromUnix(r.last)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cannot compute summary: %w", err)
	}
	return sum, nil
}

// report computes one summary inside one read transaction.
type report struct {
	ctx         context.Context
	tx          pgx.Tx
	sel         *selection
	f           knocks.Filter
	top         int
	sum         *knocks.Summary
	first, last int64 // the period so far; last < first when empty
	// neverBanned are the addresses with the most attempts that no
	// selected ban names, found with the top IPs.
	neverBanned []knocks.IPCount
}

// query runs a query over the arguments of the clause w and more, and
// calls scan for each row.
func (r *report) query(w clause, q string, more []any, scan func(pgx.Rows) error) error {
	args := append(append([]any{}, w.args...), more...)
	rows, err := r.tx.Query(r.ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// arg returns the placeholder of the i-th (0-based) extra argument of a
// query over the clause w.
func arg(w clause, i int) string { return "$" + strconv.Itoa(len(w.args)+1+i) }

// totals sets the counts, the unique user names and the period of the
// connections (the unique addresses and host names come with the
// sources).
func (r *report) totals() error {
	s := r.sum
	var first, last *int64
	err := r.tx.QueryRow(r.ctx, `SELECT COALESCE(SUM(attempts), 0)::bigint, count(*) FILTER (WHERE is_failure),
		count(*) FILTER (WHERE is_scan), COALESCE(SUM(logins), 0)::bigint, COALESCE(SUM(hostile_lines), 0)::bigint,
		MIN(start_time) FILTER (WHERE has_event), MAX(end_time) FILTER (WHERE has_event),
		(SELECT count(*) FROM (SELECT username FROM connections WHERE is_failure AND username IS NOT NULL AND `+r.sel.conns.sql+`
			GROUP BY username) u)
		FROM connections WHERE `+r.sel.conns.sql, r.sel.conns.args...).
		Scan(&s.Attempts, &s.Connections, &s.Scans, &s.Logins, &s.HostileLines, &first, &last, &s.UniqueUsers)
	if err != nil {
		return err
	}
	r.first, r.last = math.MaxInt64, math.MinInt64
	if first != nil {
		r.first, r.last = *first, *last
	}
	return nil
}

// users sets the top users: all, valid and invalid, each cut at top.
func (r *report) users() error {
	s := r.sum
	s.TopUsers, s.TopValidUsers, s.TopInvalidUsers = []knocks.UserCount{}, []knocks.UserCount{}, []knocks.UserCount{}
	return r.query(r.sel.conns, `SELECT username, invalid_user, n, r_all, r_kind FROM (
			SELECT username, invalid_user, n,
				row_number() OVER (ORDER BY n DESC, username, invalid_user) AS r_all,
				row_number() OVER (PARTITION BY invalid_user ORDER BY n DESC, username) AS r_kind
			FROM (SELECT username, invalid_user, SUM(attempts)::bigint AS n FROM connections
				WHERE attempts > 0 AND username IS NOT NULL AND `+r.sel.conns.sql+`
				GROUP BY username, invalid_user) g) t
		WHERE r_all <= `+arg(r.sel.conns, 0)+` OR r_kind <= `+arg(r.sel.conns, 0)+`
		ORDER BY n DESC, username, invalid_user`, []any{r.top}, func(rows pgx.Rows) error {
		var user []byte
		var invalid bool
		var n, all, kind int64
		if err := rows.Scan(&user, &invalid, &n, &all, &kind); err != nil {
			return err
		}
		u := knocks.UserCount{User: string(user), Attempts: n, Valid: !invalid, Share: knocks.Share(n, s.Attempts)}
		if all <= int64(r.top) {
			s.TopUsers = append(s.TopUsers, u)
		}
		if kind <= int64(r.top) {
			if invalid {
				s.TopInvalidUsers = append(s.TopInvalidUsers, u)
			} else {
				s.TopValidUsers = append(s.TopValidUsers, u)
			}
		}
		return nil
	})
}

// sources sets the top IPs (addresses and host names), the share of the
// top three, the unique addresses and host names of failure connections,
// and the addresses with the most attempts that no selected ban or restore
// names (for Bans.TopNeverBanned), in one grouping of the selected
// connections by source.
func (r *report) sources() error {
	s := r.sum
	s.TopIPs, r.neverBanned = []knocks.IPCount{}, []knocks.IPCount{}
	rows, err := r.tx.Query(r.ctx, `SELECT DISTINCT ip FROM fail2ban_events WHERE kind IN ('f2b_ban', 'f2b_restore') AND ip IS NOT NULL AND `+r.sel.f2b.sql, r.sel.f2b.args...)
	if err != nil {
		return err
	}
	banned, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	if banned == nil {
		banned = []string{}
	}
	var top3 int64
	w := r.sel.conns
	err = r.query(w, `SELECT key, isip, n, fails, first, last, ips, hosts, rank, never, rank_never FROM (
			SELECT *, count(*) FILTER (WHERE fails > 0 AND isip) OVER () AS ips, count(*) FILTER (WHERE fails > 0 AND NOT isip) OVER () AS hosts,
				row_number() OVER (ORDER BY n DESC, key) AS rank, row_number() OVER (PARTITION BY never ORDER BY n DESC, key) AS rank_never
			FROM (SELECT COALESCE(convert_to(ip, 'UTF8'), rhost) AS key, bool_or(ip IS NOT NULL) AS isip, SUM(attempts)::bigint AS n,
					count(*) FILTER (WHERE is_failure) AS fails, MIN(start_time) AS first, MAX(end_time) AS last,
					COALESCE(MIN(ip) <> ALL(`+arg(w, 1)+`), false) AS never
				FROM connections WHERE (ip IS NOT NULL OR rhost IS NOT NULL) AND `+w.sql+` GROUP BY 1 HAVING SUM(attempts) > 0) g) t
		WHERE rank <= `+arg(w, 0)+` OR (never AND rank_never <= `+arg(w, 2)+`) ORDER BY rank`, []any{max(r.top, 3), banned, r.top}, func(rows pgx.Rows) error {
		var key []byte
		var isIP, never bool
		var c knocks.IPCount
		var first, last, rank, rankNever int64
		if err := rows.Scan(&key, &isIP, &c.Attempts, &c.Connections, &first, &last, &s.UniqueIPs, &s.UniqueHosts, &rank, &never, &rankNever); err != nil {
			return err
		}
		c.IP, c.Share, c.First, c.Last = string(key), knocks.Share(c.Attempts, s.Attempts), fromUnix(first), fromUnix(last)
		if rank <= 3 {
			top3 += c.Attempts
		}
		if rank <= int64(r.top) {
			s.TopIPs = append(s.TopIPs, c)
		}
		if never && rankNever <= int64(r.top) {
			r.neverBanned = append(r.neverBanned, c)
		}
		return nil
	})
	s.Top3Share = knocks.Share(top3, s.Attempts)
	return err
}

// keys sets the lists that group attempts by one column: subnets, /48s,
// hosts and ports.
func (r *report) keys() error {
	s := r.sum
	list := func(col, order string) ([]knocks.KeyCount, error) {
		out := []knocks.KeyCount{}
		err := r.query(r.sel.conns, `SELECT `+col+`, SUM(attempts)::bigint AS n FROM connections
			WHERE attempts > 0 AND `+col+` IS NOT NULL AND `+r.sel.conns.sql+`
			GROUP BY 1 ORDER BY n DESC, `+order+` LIMIT `+arg(r.sel.conns, 0), []any{r.top}, func(rows pgx.Rows) error {
			var k knocks.KeyCount
			var key any
			if err := rows.Scan(&key, &k.Attempts); err != nil {
				return err
			}
			switch v := key.(type) {
			case []byte:
				k.Key = string(v)
			case string:
				k.Key = v
			case int32:
				k.Key = strconv.Itoa(int(v))
			}
			k.Share = knocks.Share(k.Attempts, s.Attempts)
			out = append(out, k)
			return nil
		})
		return out, err
	}
	var err error
	if s.TopSubnets, err = list("subnet", "1"); err != nil {
		return err
	}
	if s.TopSubnets48, err = list("subnet48", "1"); err != nil {
		return err
	}
	if s.TopHosts, err = list("host", "1"); err != nil {
		return err
	}
	s.TopPorts, err = list("port", "1")
	return err
}

// series sets the attempts per hour and day, and by weekday and hour.
func (r *report) series() error {
	s := r.sum
	var hours []knocks.TimeBucket
	err := r.query(r.sel.conns, `SELECT start_time / 3600 AS h, SUM(attempts)::bigint FROM connections
		WHERE attempts > 0 AND `+r.sel.conns.sql+` GROUP BY 1 ORDER BY 1`, nil, func(rows pgx.Rows) error {
		var b knocks.TimeBucket
		if err := rows.Scan(&b.N, &b.Attempts); err != nil {
			return err
		}
		hours = append(hours, b)
		return nil
	})
	if err != nil {
		return err
	}
	knocks.SetSeries(s, hours)
	return nil
}

// located is the selected addresses with attempts joined with their
// stored locations: ip, n (attempts) and the columns of ip_geo as g.
func (r *report) located() string {
	return `(SELECT ip, SUM(attempts)::bigint AS n FROM connections WHERE attempts > 0 AND ip IS NOT NULL AND ` + r.sel.conns.sql + `
		GROUP BY ip) a JOIN ip_geo g USING (ip)`
}

// geo sets the lists that need the stored locations: the location of the
// top IPs, countries and reserved ranges, ASNs, announced prefixes, cities
// and the GeoIP sources. Addresses without a stored location are left
// out; reserved addresses count under their label in Reserved only.
func (r *report) geo() error {
	s := r.sum
	s.TopCountries, s.TopASNs, s.TopCities, s.Reserved = []knocks.GeoCount{}, []knocks.ASNCount{}, []knocks.CityCount{}, []knocks.GeoCount{}
	s.TopPrefixes, s.Countries, s.Cities, s.PerCountryDay = []knocks.KeyCount{}, []knocks.GeoCount{}, []knocks.CityCount{}, []knocks.SeriesDay{}
	var located bool
	if err := r.tx.QueryRow(r.ctx, "SELECT EXISTS (SELECT 1 FROM ip_geo)").Scan(&located); err != nil || !located {
		return err // nothing located: every geo list is empty
	}
	if err := r.locateIPs(s.TopIPs); err != nil {
		return err
	}
	err := r.query(r.sel.conns, `SELECT COALESCE(g.reserved, g.country), g.reserved IS NOT NULL, COALESCE(MAX(g.country_name), ''),
			SUM(n)::bigint AS total, count(*)
		FROM `+r.located()+` WHERE COALESCE(g.reserved, g.country) IS NOT NULL
		GROUP BY 1, 2 ORDER BY total DESC, 1`, nil, func(rows pgx.Rows) error {
		var c knocks.GeoCount
		var reserved bool
		if err := rows.Scan(&c.Country, &reserved, &c.Name, &c.Attempts, &c.IPs); err != nil {
			return err
		}
		c.Share = knocks.Share(c.Attempts, s.Attempts)
		if reserved {
			c.Name = reservedName
			s.Reserved = append(s.Reserved, c)
		} else {
			s.Countries = append(s.Countries, c)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.TopCountries = append(s.TopCountries, s.Countries[:min(r.top, len(s.Countries))]...)
	// The organisation of an AS is the one named with the most attempts.
	err = r.query(r.sel.conns, `SELECT asn, total, ips, org FROM (
			SELECT asn, (SUM(n) OVER w)::bigint AS total, (SUM(ips) OVER w)::bigint AS ips, COALESCE(org, '') AS org,
				row_number() OVER (PARTITION BY asn ORDER BY org IS NULL, n DESC, org) AS rank
			FROM (SELECT g.asn, g.org, SUM(n)::bigint AS n, count(*) AS ips FROM `+r.located()+`
				WHERE g.reserved IS NULL AND g.asn IS NOT NULL GROUP BY 1, 2) o
			WINDOW w AS (PARTITION BY asn)) t
		WHERE rank = 1 ORDER BY total DESC, asn LIMIT `+arg(r.sel.conns, 0), []any{r.top}, func(rows pgx.Rows) error {
		var c knocks.ASNCount
		var asn int64
		if err := rows.Scan(&asn, &c.Attempts, &c.IPs, &c.Org); err != nil {
			return err
		}
		c.ASN = asnOf(asn)
		c.Share = knocks.Share(c.Attempts, s.Attempts)
		s.TopASNs = append(s.TopASNs, c)
		return nil
	})
	if err != nil {
		return err
	}
	err = r.query(r.sel.conns, `SELECT g.prefix, SUM(n)::bigint AS total FROM `+r.located()+`
		WHERE g.reserved IS NULL AND g.prefix IS NOT NULL GROUP BY 1 ORDER BY total DESC, 1 LIMIT `+arg(r.sel.conns, 0), []any{r.top}, func(rows pgx.Rows) error {
		var k knocks.KeyCount
		if err := rows.Scan(&k.Key, &k.Attempts); err != nil {
			return err
		}
		k.Share = knocks.Share(k.Attempts, s.Attempts)
		s.TopPrefixes = append(s.TopPrefixes, k)
		return nil
	})
	if err != nil {
		return err
	}
	// Addresses of one city may carry slightly different coordinates:
	// they are weighed by attempts.
	n := 0
	err = r.query(r.sel.conns, `SELECT COALESCE(g.country, ''), COALESCE(g.region, ''), g.city, SUM(n)::bigint AS total, count(*),
			bool_or(g.has_coords AND g.lat IS NOT NULL AND g.lon IS NOT NULL),
			SUM(g.lat * n) FILTER (WHERE g.has_coords) / NULLIF(SUM(n) FILTER (WHERE g.has_coords), 0),
			SUM(g.lon * n) FILTER (WHERE g.has_coords) / NULLIF(SUM(n) FILTER (WHERE g.has_coords), 0)
		FROM `+r.located()+` WHERE g.reserved IS NULL AND g.city IS NOT NULL
		GROUP BY 1, 2, 3 ORDER BY total DESC, 1, 2, 3`, nil, func(rows pgx.Rows) error {
		var c knocks.CityCount
		var coords bool
		var lat, lon *float64
		if err := rows.Scan(&c.Country, &c.Region, &c.City, &c.Attempts, &c.IPs, &coords, &lat, &lon); err != nil {
			return err
		}
		if coords && lat != nil && lon != nil {
			c.Lat, c.Lon = *lat, *lon
			s.Cities = append(s.Cities, c)
		}
		if n < r.top {
			s.TopCities = append(s.TopCities, c)
		}
		n++
		return nil
	})
	if err != nil {
		return err
	}
	return r.query(r.sel.conns, `SELECT DISTINCT g.source FROM `+r.located()+` WHERE g.source <> '' ORDER BY 1`, nil, func(rows pgx.Rows) error {
		var src string
		if err := rows.Scan(&src); err != nil {
			return err
		}
		s.GeoIPSources = append(s.GeoIPSources, src)
		return nil
	})
}

// locateIPs sets the country (or reserved label), AS and organisation of
// the addresses of l from their stored locations.
func (r *report) locateIPs(l []knocks.IPCount) error {
	if len(l) == 0 {
		return nil
	}
	ips := make([]string, len(l))
	at := map[string]int{}
	for i, c := range l {
		ips[i], at[c.IP] = c.IP, i
	}
	rows, err := r.tx.Query(r.ctx, `SELECT ip, COALESCE(reserved, ''), COALESCE(country, ''), COALESCE(asn, 0), COALESCE(org, '')
		FROM ip_geo WHERE ip = ANY($1)`, ips)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var ip, reserved, country, org string
		var asn int64
		if err := rows.Scan(&ip, &reserved, &country, &asn, &org); err != nil {
			return err
		}
		c := &l[at[ip]]
		if reserved != "" {
			c.Country = reserved
		} else {
			c.Country, c.ASN, c.Org = country, asnOf(asn), org
		}
	}
	return rows.Err()
}

// countryDays sets the attempts per UTC day of each top country, over the
// days of PerDay.
func (r *report) countryDays() error {
	s := r.sum
	if len(s.TopCountries) == 0 {
		return nil
	}
	codes := make([]string, len(s.TopCountries))
	idx := map[string]int{}
	per := make([]map[int64]int64, len(codes))
	for i, c := range s.TopCountries {
		codes[i], idx[c.Country], per[i] = c.Country, i, map[int64]int64{}
	}
	err := r.query(r.sel.conns, `SELECT g.country, c.start_time / 86400, SUM(c.attempts)::bigint
		FROM (SELECT ip, start_time, attempts FROM connections WHERE attempts > 0 AND ip IS NOT NULL AND `+r.sel.conns.sql+`) c
		JOIN ip_geo g ON g.ip = c.ip
		WHERE g.reserved IS NULL AND g.country = ANY(`+arg(r.sel.conns, 0)+`)
		GROUP BY 1, 2`, []any{codes}, func(rows pgx.Rows) error {
		var country string
		var day, n int64
		if err := rows.Scan(&country, &day, &n); err != nil {
			return err
		}
		per[idx[country]][day] += n
		return nil
	})
	if err != nil {
		return err
	}
	for i, c := range s.TopCountries {
		days := make([]knocks.TimeCount, len(s.PerDay))
		for j, d := range s.PerDay {
			days[j] = knocks.TimeCount{Time: d.Time, Attempts: per[i][d.Time.Unix()/86400]}
		}
		s.PerCountryDay = append(s.PerCountryDay, knocks.SeriesDay{Country: c.Country, Days: days})
	}
	return nil
}

// penalties sets what sshd blocked by itself (drops, penalties, lockouts)
// and widens the period by their times.
func (r *report) penalties() error {
	s := r.sum
	s.Penalties, s.TopPenalised, s.TopLockedUsers = []knocks.PenaltyCount{}, []knocks.PenalisedIP{}, []knocks.LockedUser{}
	where := r.sel.pen.sql
	var first, last *int64
	err := r.tx.QueryRow(r.ctx, `SELECT MIN(time), MAX(time),
		COALESCE(SUM(count) FILTER (WHERE kind = 'drop'), 0)::bigint, COALESCE(SUM(count) FILTER (WHERE kind = 'lockout'), 0)::bigint
		FROM penalty_events WHERE `+where, r.sel.pen.args...).Scan(&first, &last, &s.Dropped, &s.Lockouts)
	if err != nil || first == nil {
		return err
	}
	r.first, r.last = min(r.first, *first), max(r.last, *last)
	err = r.query(r.sel.pen, `SELECT * FROM (SELECT reason, COALESCE(SUM(count) FILTER (WHERE kind = 'drop'), 0)::bigint AS drops,
			COALESCE(SUM(count) FILTER (WHERE kind = 'penalty'), 0)::bigint AS penalties, count(DISTINCT ip)
		FROM penalty_events WHERE kind IN ('drop', 'penalty') AND reason IS NOT NULL AND `+where+`
		GROUP BY reason) t ORDER BY drops + penalties DESC, reason LIMIT `+arg(r.sel.pen, 0), []any{maxReasons}, func(rows pgx.Rows) error {
		var p knocks.PenaltyCount
		var reason []byte
		if err := rows.Scan(&reason, &p.Drops, &p.Penalties, &p.Addresses); err != nil {
			return err
		}
		p.Reason = string(reason)
		s.Penalties = append(s.Penalties, p)
		return nil
	})
	if err != nil {
		return err
	}
	err = r.query(r.sel.pen, `SELECT * FROM (SELECT ip, COALESCE(SUM(count) FILTER (WHERE kind = 'drop'), 0)::bigint AS drops,
			COALESCE(SUM(count) FILTER (WHERE kind = 'penalty'), 0)::bigint AS penalties, MIN(time), MAX(time)
		FROM penalty_events WHERE kind IN ('drop', 'penalty') AND ip IS NOT NULL AND `+where+`
		GROUP BY ip) t ORDER BY drops + penalties DESC, ip LIMIT `+arg(r.sel.pen, 0), []any{r.top}, func(rows pgx.Rows) error {
		var p knocks.PenalisedIP
		var lo, hi int64
		if err := rows.Scan(&p.IP, &p.Drops, &p.Penalties, &lo, &hi); err != nil {
			return err
		}
		p.First, p.Last = fromUnix(lo), fromUnix(hi)
		s.TopPenalised = append(s.TopPenalised, p)
		return nil
	})
	if err != nil {
		return err
	}
	return r.query(r.sel.pen, `SELECT username, SUM(count)::bigint AS n FROM penalty_events
		WHERE kind = 'lockout' AND username IS NOT NULL AND `+where+`
		GROUP BY username ORDER BY n DESC, username LIMIT `+arg(r.sel.pen, 0), []any{r.top}, func(rows pgx.Rows) error {
		var u knocks.LockedUser
		var name []byte
		if err := rows.Scan(&name, &u.Lockouts); err != nil {
			return err
		}
		u.User = string(name)
		s.TopLockedUsers = append(s.TopLockedUsers, u)
		return nil
	})
}

// lines sets the lines read and the hostile share: the lines of the
// filter's time and host (see selectedLines).
func (r *report) lines() error {
	s := r.sum
	if err := r.tx.QueryRow(r.ctx, "SELECT COALESCE(SUM(lines), 0)::bigint FROM checkpoints").Scan(&s.LinesRead); err != nil {
		return err
	}
	var err error
	if s.Lines, err = r.selectedLines(s.LinesRead); err != nil {
		return err
	}
	if s.Lines != nil && *s.Lines > 0 { // else unknown, or a share of nothing
		v := min(knocks.Share(s.HostileLines, *s.Lines), 1)
		s.HostileShare = &v
	}
	return nil
}

// selectedLines returns the lines read in the time and host of a filter:
// all lines without a filter; nil for a filter by country, AS, address,
// subnet or user name (Filter.ByAddress: lines are not counted by
// address) and while some lines read are in no hour; else
// the sum of the counts of the host's hours in the range, those at either
// end in proportion to the part of the hour the range covers.
func (r *report) selectedLines(all int64) (*int64, error) {
	f := r.f
	if f.ByAddress() {
		return nil, nil
	}
	if f.Since.IsZero() && f.Until.IsZero() && f.Host == "" {
		return &all, nil
	}
	var unbucketed bool
	if err := r.tx.QueryRow(r.ctx, "SELECT EXISTS (SELECT 1 FROM lines_unbucketed WHERE lines > 0)").Scan(&unbucketed); err != nil {
		return nil, err
	}
	if unbucketed {
		return nil, nil
	}
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !f.Since.IsZero() {
		lo = f.Since.Unix()
	}
	if !f.Until.IsZero() {
		hi = f.Until.Unix()
	}
	q := &params{}
	where := "hour > " + q.p(max(lo, math.MinInt64+3600)-3600) + " AND hour < " + q.p(hi)
	if f.Host != "" {
		where += " AND host = " + q.p([]byte(f.Host))
	}
	// The hours inside the range count whole, in SQL; those at its ends
	// in part.
	var inner int64
	var edges []knocks.TimeBucket // N: the hour's start, Attempts: its lines
	rows, err := r.tx.Query(r.ctx, "SELECT hour, SUM(lines)::bigint FROM line_counts WHERE "+where+
		" AND NOT (hour >= "+q.p(lo)+" AND hour + 3600 <= "+q.p(hi)+") GROUP BY hour", q.args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var b knocks.TimeBucket
		if err := rows.Scan(&b.N, &b.Attempts); err != nil {
			rows.Close()
			return nil, err
		}
		edges = append(edges, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := r.tx.QueryRow(r.ctx, "SELECT COALESCE(SUM(lines), 0)::bigint FROM line_counts WHERE "+where+
		" AND hour >= $"+strconv.Itoa(len(q.args)-1)+" AND hour + 3600 <= $"+strconv.Itoa(len(q.args)), q.args...).Scan(&inner); err != nil {
		return nil, err
	}
	sum := float64(inner)
	for _, b := range edges {
		sum += float64(b.Attempts) * knocks.HourOverlap(b.N, lo, hi)
	}
	lines := int64(math.Round(sum))
	return &lines, nil
}

// asnOf returns a stored AS number as a uint32, 0 when out of range.
func asnOf(n int64) uint32 {
	if n > 0 && n <= math.MaxUint32 {
		return uint32(n)
	}
	return 0
}

var _ knocks.HostFinder = (*EventStore)(nil)

// HasHost reports whether host is one of Hosts, without listing them: it
// stops at the first row of the host.
func (s *EventStore) HasHost(ctx context.Context, host string) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM fail2ban_events WHERE host = $1)
		OR EXISTS (SELECT 1 FROM connections WHERE host = $1)`, []byte(host)).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("cannot list hosts: %w", err)
	}
	return ok, nil
}

// Hosts returns the distinct hosts that logged the stored connections and
// ban events, in order. A filter by host is checked against it.
func (s *EventStore) Hosts(ctx context.Context) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT host FROM connections WHERE host IS NOT NULL
		UNION SELECT host FROM fail2ban_events WHERE host IS NOT NULL ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("cannot list hosts: %w", err)
	}
	defer rows.Close()
	var hosts []string
	for rows.Next() {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("cannot list hosts: %w", err)
		}
		hosts = append(hosts, string(h))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot list hosts: %w", err)
	}
	return hosts, nil
}
