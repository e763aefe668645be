package sqlite

import (
	"context"
	"database/sql"
	"math"
	"sort"
	"strings"

	"knocks"
)

// bans computes sum.Bans from the selected fail2ban events and their join
// with the selected connections (a holds what the summary added up of
// them, locs their locations). The join runs in SQL over temporary tables
// that hold one row per ban or per banned address, so memory grows with
// the bans, not the connections: the connections are read once, each
// looking its address up in the (indexed) table of banned addresses. The
// temporary tables live in the read transaction and go with its rollback.
func bans(ctx context.Context, conn *sql.Conn, sel selection, a *accumulator, locs map[string]*location, top int, sum *knocks.Summary) error {
	b := &sum.Bans
	b.Jails, b.TopBanned, b.BannedCountries, b.BannedPlaces = []knocks.JailCount{}, []knocks.BannedIP{}, []knocks.GeoCount{}, []knocks.BannedSpot{}
	b.TopNeverBanned, b.Timeline = []knocks.IPCount{}, []knocks.TimeCount{}
	b.Defences.Attempts, b.Defences.Logins = sum.Attempts, sum.Logins
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
		case knocks.KindF2BFound:
			b.Found += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, j := range jails {
		if j.Bans+j.Unbans > 0 {
			b.Jails = append(b.Jails, *j)
		}
	}
	sort.Slice(b.Jails, func(i, k int) bool {
		if b.Jails[i].Bans != b.Jails[k].Bans {
			return b.Jails[i].Bans > b.Jails[k].Bans
		}
		return b.Jails[i].Jail < b.Jails[k].Jail
	})
	if b.Bans+b.Unbans == 0 {
		b.Defences.AttemptsNeverBanned = b.Defences.Attempts
		topNeverBanned(a, locs, nil, top, b)
		return nil
	}

	// One row per ban: from its time to its end, the first unban of the
	// same address and jail at or after it, else its time plus its
	// bantime when fail2ban's database or SSHGuard gave one, else open
	// (still banned when the log ends). unbanned says the end was seen.
	if _, err := conn.ExecContext(ctx, `CREATE TEMP TABLE ban_iv (bip TEXT NOT NULL, ban_start INTEGER NOT NULL, ban_end INTEGER, unbanned INTEGER NOT NULL)`); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO temp.ban_iv (bip, ban_start, ban_end, unbanned)
		SELECT e.ip, e.time,
			COALESCE((SELECT MIN(u.time) FROM fail2ban_events u WHERE u.ip = e.ip AND u.kind = 'f2b_unban'
				AND COALESCE(u.jail, '') = COALESCE(e.jail, '') AND u.time >= e.time),
				CASE WHEN e.bantime > 0 THEN e.time + e.bantime END),
			0
		FROM `+events+` e WHERE e.kind = 'f2b_ban' AND e.ip IS NOT NULL`, fargs...); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `UPDATE temp.ban_iv SET unbanned = 1 WHERE ban_end IS NOT NULL`); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `CREATE INDEX temp.ban_iv_ip ON ban_iv (bip, ban_start)`); err != nil {
		return err
	}
	// One row per banned address, with its first ban, for the join.
	if _, err := conn.ExecContext(ctx, `CREATE TEMP TABLE ban_ip (bip TEXT PRIMARY KEY, first_ban INTEGER NOT NULL) WITHOUT ROWID`); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO temp.ban_ip (bip, first_ban) SELECT bip, MIN(ban_start) FROM temp.ban_iv GROUP BY bip`); err != nil {
		return err
	}
	joined, err := joinBans(ctx, conn, sel)
	if err != nil {
		return err
	}
	b.BannedIPs = int64(len(joined))
	var delays []int64
	for _, j := range joined {
		if j.firstAttempt >= 0 && j.firstAttempt <= j.firstBan {
			delays = append(delays, j.firstBan-j.firstAttempt)
		}
		b.AttemptsBeforeBan += j.before
		b.AttemptsWhileBanned += j.whileBanned
		if j.whileBanned > 0 {
			b.IPsWhileBanned++
		}
		if j.returned {
			b.ReturnedAfterUnban++
		}
		b.Defences.AttemptsByBanned += j.total
	}
	b.BannedWithAttempts = int64(len(delays))
	if n := len(delays); n > 0 {
		sort.Slice(delays, func(i, k int) bool { return delays[i] < delays[k] })
		b.MedianTimeToBan = float64(delays[(n-1)/2]+delays[n/2]) / 2
	}
	b.Defences.AttemptsNeverBanned = b.Defences.Attempts - b.Defences.AttemptsByBanned

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
	topNeverBanned(a, locs, joined, top, b)
	return nil
}

// bannedIP is what the join found of one banned address.
type bannedIP struct {
	firstBan, firstAttempt     int64 // firstAttempt -1: none
	before, total, whileBanned int64
	returned                   bool
}

// joinBans reads the attempts of the banned addresses and adds them up per
// address. The connections are the outer loop (CROSS JOIN keeps SQLite
// from reordering): each looks its address up in ban_ip, and the
// connections of banned addresses look their time up in ban_iv. Memory
// grows with the banned addresses, not the connections.
func joinBans(ctx context.Context, conn *sql.Conn, sel selection) (map[string]*bannedIP, error) {
	out := map[string]*bannedIP{}
	rows, err := conn.QueryContext(ctx, `SELECT bip, first_ban FROM temp.ban_ip`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var ip string
		var first int64
		if err := rows.Scan(&ip, &first); err != nil {
			rows.Close()
			return nil, err
		}
		out[ip] = &bannedIP{firstBan: first, firstAttempt: -1}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = conn.QueryContext(ctx, `SELECT c.ip, c.start_time, c.attempts,
			EXISTS (SELECT 1 FROM temp.ban_iv v WHERE v.bip = c.ip AND v.ban_start <= c.start_time
				AND (v.ban_end IS NULL OR c.start_time < v.ban_end)),
			EXISTS (SELECT 1 FROM temp.ban_iv v WHERE v.bip = c.ip AND v.unbanned AND v.ban_end <= c.start_time)
		FROM (SELECT ip, start_time, attempts FROM connections WHERE attempts > 0 AND ip IS NOT NULL AND `+sel.where+`) c
		CROSS JOIN temp.ban_ip b ON b.bip = c.ip`, sel.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var ip string
		var start, attempts int64
		var while, returned bool
		if err := rows.Scan(&ip, &start, &attempts, &while, &returned); err != nil {
			return nil, err
		}
		j := out[ip]
		if j == nil {
			continue
		}
		if j.firstAttempt < 0 || start < j.firstAttempt {
			j.firstAttempt = start
		}
		if start < j.firstBan {
			j.before += attempts
		}
		j.total += attempts
		if while {
			j.whileBanned += attempts
		}
		j.returned = j.returned || returned
	}
	return out, rows.Err()
}

// topBanned fills b.TopBanned: the most banned addresses, with their
// attempts and location.
func topBanned(ctx context.Context, conn *sql.Conn, events string, fargs []any, joined map[string]*bannedIP, top int, b *knocks.Bans) error {
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
		if j := joined[r.IP]; j != nil {
			r.Attempts = j.total
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
		c.Share = share(c.IPs, b.BannedIPs)
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

// topNeverBanned fills b.TopNeverBanned from the addresses that the
// summary added up: those with the most attempts that no selected ban
// names, as in TopIPs.
func topNeverBanned(a *accumulator, locs map[string]*location, banned map[string]*bannedIP, top int, b *knocks.Bans) {
	for _, src := range a.topSources() {
		if len(b.TopNeverBanned) == top {
			break
		}
		if !src.isIP || banned[src.key] != nil {
			continue
		}
		r := knocks.IPCount{IP: src.key, Attempts: src.attempts, Connections: src.conns, Share: share(src.attempts, a.attempts),
			First: fromUnix(src.first), Last: fromUnix(src.last)}
		if l := locs[src.key]; l != nil {
			if l.Reserved != "" {
				r.Country = l.Reserved
			} else {
				r.Country, r.ASN, r.Org = l.Country, l.ASN, l.Org
			}
		}
		b.TopNeverBanned = append(b.TopNeverBanned, r)
	}
}
