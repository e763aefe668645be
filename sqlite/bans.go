package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"sort"
	"strings"

	"knocks"
)

// bans computes sum.Bans from the selected fail2ban events and their join
// with the selected connections (and the temporary table of their
// sources: see Summary). See joinBans for how the join is made;
// everything it holds grows with the bans, not the connections.
func bans(ctx context.Context, conn *sql.Conn, sel selection, top int, sum *knocks.Summary, a *accumulator) error {
	b := &sum.Bans
	b.Jails, b.TopBanned, b.BannedCountries, b.BannedPlaces = []knocks.JailCount{}, []knocks.BannedIP{}, []knocks.GeoCount{}, []knocks.BannedSpot{}
	b.TopNeverBanned, b.Timeline = []knocks.IPCount{}, []knocks.TimeCount{}
	b.Defences.Attempts, b.Defences.Logins, b.Defences.Dropped = sum.Attempts, sum.Logins, sum.Dropped
	// The selected events, as a subquery whose columns are unambiguous in
	// a join.
	events := "(SELECT time, kind, jail, ip, bantime, bancount FROM fail2ban_events WHERE " + sel.f2b + ")"
	fargs := sel.f2bArgs

	jails := map[string]*knocks.JailCount{}
	rows, err := conn.QueryContext(ctx, `SELECT COALESCE(jail, ''), kind, COUNT(*), COUNT(DISTINCT ip) FROM `+events+` GROUP BY 1, 2`, fargs...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var jail, kind string
		var n, ips int64
		if err := rows.Scan(&jail, &kind, &n, &ips); err != nil {
			rows.Close()
			return err
		}
		j := jails[jail]
		if j == nil {
			j = &knocks.JailCount{Jail: jail}
			jails[jail] = j
		}
		switch knocks.Kind(kind) {
		case knocks.KindF2BBan:
			j.Bans, j.BannedIPs = n, ips
			b.Bans += n
		case knocks.KindF2BUnban:
			j.Unbans = n
			b.Unbans += n
		case knocks.KindF2BRestore:
			j.Restores = n
			b.Restores += n
		case knocks.KindF2BFound:
			b.Found += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, j := range jails {
		if j.Acted() {
			b.Jails = append(b.Jails, *j)
		}
	}
	sort.Slice(b.Jails, func(i, k int) bool {
		if b.Jails[i].Bans != b.Jails[k].Bans {
			return b.Jails[i].Bans > b.Jails[k].Bans
		}
		return b.Jails[i].Jail < b.Jails[k].Jail
	})
	if !b.Acted() {
		b.Defences.AttemptsNeverBanned = b.Defences.Attempts
		return topNeverBanned(ctx, conn, knocks.NewBanJoin(), top, sum, a)
	}

	joined, err := joinBans(ctx, conn, sel, events, fargs)
	if err != nil {
		return err
	}
	joined.AddTo(b)

	if err := topBanned(ctx, conn, events, fargs, joined, top, b); err != nil {
		return err
	}
	if err := bannedGeo(ctx, conn, events, fargs, b); err != nil {
		return err
	}
	rows, err = conn.QueryContext(ctx, `SELECT (time - (time % 86400 + 86400) % 86400) AS day, COUNT(*) FROM `+events+
		` WHERE kind = 'f2b_ban' GROUP BY day ORDER BY day`, fargs...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var day, n int64
		if err := rows.Scan(&day, &n); err != nil {
			rows.Close()
			return err
		}
		b.Timeline = append(b.Timeline, knocks.TimeCount{Time: fromUnix(day), Attempts: n})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return topNeverBanned(ctx, conn, joined, top, sum, a)
}

// joinBans reads the selected bans and restores, with the end of each
// (the first unban of the same address and jail at or after it, else its
// time plus its bantime when known, else open), and then the attempts of
// the banned addresses, and adds them up per address. A restore starts a
// ban only when none of its address and jail is in force at its time
// (see knocks.BanJoin.Restore), and an unban of its second does not end
// it: that is the flush of the stop that came before it. SQLite picks the
// connections of banned addresses with an ephemeral index over the list of
// addresses (IN over json_each): memory grows with the bans, not the
// connections.
func joinBans(ctx context.Context, conn *sql.Conn, sel selection, events string, fargs []any) (*knocks.BanJoin, error) {
	out := knocks.NewBanJoin()
	// The bans first, then the restores in the order of their time.
	rows, err := conn.QueryContext(ctx, `SELECT e.ip, e.time, e.kind = 'f2b_restore', COALESCE(e.jail, ''),
			COALESCE((SELECT MIN(u.time) FROM fail2ban_events u WHERE u.ip = e.ip AND u.kind = 'f2b_unban'
				AND COALESCE(u.jail, '') = COALESCE(e.jail, '') AND (u.time > e.time OR u.time = e.time AND e.kind = 'f2b_ban')),
				CASE WHEN e.bantime > 0 THEN e.time + e.bantime END)
		FROM `+events+` e WHERE e.kind IN ('f2b_ban', 'f2b_restore') AND e.ip IS NOT NULL
		ORDER BY e.kind = 'f2b_restore', e.time`, fargs...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var ip, jail string
		var start int64
		var restore bool
		var end sql.NullInt64
		if err := rows.Scan(&ip, &start, &restore, &jail, &end); err != nil {
			rows.Close()
			return nil, err
		}
		if restore {
			out.Restore(ip, jail, start, end.Int64, !end.Valid)
		} else {
			out.Ban(ip, jail, start, end.Int64, !end.Valid)
		}
	}
	rows.Close()
	ips := out.IPs()
	if err := rows.Err(); err != nil || len(ips) == 0 {
		return out, err
	}
	list, err := json.Marshal(ips)
	if err != nil {
		return nil, err
	}
	rows, err = conn.QueryContext(ctx, `SELECT ip, start_time, attempts FROM connections
		WHERE attempts > 0 AND ip IN (SELECT value FROM json_each(?)) AND `+sel.where, append([]any{string(list)}, sel.args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var ip string
		var start, attempts int64
		if err := rows.Scan(&ip, &start, &attempts); err != nil {
			return nil, err
		}
		out.Attempt(ip, start, attempts)
	}
	return out, rows.Err()
}

// topBanned fills b.TopBanned: the most banned addresses, with their
// attempts and location.
func topBanned(ctx context.Context, conn *sql.Conn, events string, fargs []any, joined *knocks.BanJoin, top int, b *knocks.Bans) error {
	rows, err := conn.QueryContext(ctx, `SELECT e.ip, COUNT(*), MIN(e.time), MAX(e.time), group_concat(DISTINCT COALESCE(e.jail, '')),
			COALESCE(MAX(e.bancount), 0), MAX(COALESCE(e.bantime, 0) = -1),
			COALESCE(MAX(g.country), MAX(g.reserved), ''), COALESCE(MAX(g.asn), 0), COALESCE(MAX(g.org), '')
		FROM `+events+` e
		LEFT JOIN ip_geo g ON g.ip = e.ip
		WHERE e.kind = 'f2b_ban' AND e.ip IS NOT NULL
		GROUP BY e.ip`, fargs...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r knocks.BannedIP
		var first, last, asn int64
		if err := rows.Scan(&r.IP, &r.Bans, &first, &last, &r.Jails, &r.BanCount, &r.Permanent, &r.Country, &asn, &r.Org); err != nil {
			return err
		}
		if n, ok := joined.Attempts(r.IP); ok {
			r.Attempts = n
		}
		r.FirstBan, r.LastBan = fromUnix(first), fromUnix(last)
		if asn > 0 && asn <= math.MaxUint32 {
			r.ASN = uint32(asn)
		}
		jails := strings.Split(r.Jails, ",")
		sort.Strings(jails)
		r.Jails = strings.Join(jails, ",")
		b.TopBanned = append(b.TopBanned, r)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	sort.Slice(b.TopBanned, func(i, k int) bool {
		x, y := b.TopBanned[i], b.TopBanned[k]
		if x.Bans != y.Bans {
			return x.Bans > y.Bans
		}
		if x.Attempts != y.Attempts {
			return x.Attempts > y.Attempts
		}
		return x.IP < y.IP
	})
	b.TopBanned = b.TopBanned[:min(len(b.TopBanned), top)]
	return nil
}

// bannedGeo fills b.BannedCountries (every country of a banned address;
// Attempts holds the bans) and b.BannedPlaces (the located places).
func bannedGeo(ctx context.Context, conn *sql.Conn, events string, fargs []any, b *knocks.Bans) error {
	rows, err := conn.QueryContext(ctx, `SELECT COALESCE(g.country, g.reserved), COALESCE(MAX(g.country_name), ''), g.reserved IS NOT NULL,
			COUNT(*), COUNT(DISTINCT e.ip)
		FROM `+events+` e JOIN ip_geo g ON g.ip = e.ip
		WHERE e.kind = 'f2b_ban' AND COALESCE(g.country, g.reserved) IS NOT NULL
		GROUP BY 1 ORDER BY COUNT(DISTINCT e.ip) DESC, COUNT(*) DESC, 1`, fargs...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var c knocks.GeoCount
		var reserved bool
		if err := rows.Scan(&c.Country, &c.Name, &reserved, &c.Attempts, &c.IPs); err != nil {
			rows.Close()
			return err
		}
		if reserved {
			c.Name = reservedName
		}
		c.Share = knocks.Share(c.IPs, b.BannedIPs)
		b.BannedCountries = append(b.BannedCountries, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = conn.QueryContext(ctx, `SELECT g.country, COALESCE(g.city, ''), AVG(g.lat), AVG(g.lon), COUNT(DISTINCT e.ip), COUNT(*)
		FROM `+events+` e JOIN ip_geo g ON g.ip = e.ip
		WHERE e.kind = 'f2b_ban' AND g.has_coords AND g.lat IS NOT NULL AND g.lon IS NOT NULL AND g.country IS NOT NULL
		GROUP BY g.country, g.city ORDER BY COUNT(*) DESC, 1, 2`, fargs...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p knocks.BannedSpot
		if err := rows.Scan(&p.Country, &p.City, &p.Lat, &p.Lon, &p.IPs, &p.Bans); err != nil {
			return err
		}
		b.BannedPlaces = append(b.BannedPlaces, p)
	}
	return rows.Err()
}

// topNeverBanned fills TopNeverBanned from the sources that the summary
// added up (a): the addresses with the most attempts that no selected ban
// names, as in TopIPs.
func topNeverBanned(ctx context.Context, conn *sql.Conn, banned *knocks.BanJoin, top int, sum *knocks.Summary, a *accumulator) error {
	if a.inMem {
		sum.Bans.TopNeverBanned = a.topSources(func(k string, src *source) bool { return src.isIP && !banned.Has(k) }, top, sum.Attempts)
		return nil
	}
	list, err := json.Marshal(banned.IPs())
	if err != nil {
		return err
	}
	sum.Bans.TopNeverBanned, err = topSources(ctx, conn, " AND s.is_ip AND s.k NOT IN (SELECT value FROM json_each(?))",
		[]any{string(list)}, top, sum.Attempts)
	return err
}
