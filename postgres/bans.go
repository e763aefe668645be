package postgres

import (
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"

	"knocks"
)

// bans sets sum.Bans from the selected fail2ban events and their join with
// the selected connections, and widens the period by the events' times.
// What it reads grows with the bans, not with the connections.
func (r *report) bans() error {
	s := r.sum
	b := &s.Bans
	b.Jails, b.TopBanned, b.BannedCountries, b.BannedPlaces = []knocks.JailCount{}, []knocks.BannedIP{}, []knocks.GeoCount{}, []knocks.BannedSpot{}
	b.TopNeverBanned, b.Timeline = []knocks.IPCount{}, []knocks.TimeCount{}
	b.Defences.Attempts, b.Defences.Logins, b.Defences.Dropped = s.Attempts, s.Logins, s.Dropped
	events := "(SELECT time, kind, jail, ip, bantime, bancount FROM fail2ban_events WHERE " + r.sel.f2b.sql + ")"

	var first, last *int64
	if err := r.tx.QueryRow(r.ctx, "SELECT MIN(time), MAX(time) FROM "+events+" e", r.sel.f2b.args...).Scan(&first, &last); err != nil {
		return err
	}
	if first == nil {
		return r.setNeverBanned()
	}
	r.first, r.last = min(r.first, *first), max(r.last, *last)

	jails := map[string]*knocks.JailCount{}
	err := r.query(r.sel.f2b, `SELECT COALESCE(jail, ''), kind, count(*), count(DISTINCT ip) FROM `+events+` e GROUP BY 1, 2`, nil, func(rows pgx.Rows) error {
		var jail []byte
		var kind string
		var n, ips int64
		if err := rows.Scan(&jail, &kind, &n, &ips); err != nil {
			return err
		}
		j := jails[string(jail)]
		if j == nil {
			j = &knocks.JailCount{Jail: string(jail)}
			jails[string(jail)] = j
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
		return nil
	})
	if err != nil {
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
		return r.setNeverBanned()
	}

	joined, err := r.joinBans(events)
	if err != nil {
		return err
	}
	joined.AddTo(b)
	if err := r.topBanned(events, joined); err != nil {
		return err
	}
	if err := r.bannedGeo(events); err != nil {
		return err
	}
	err = r.query(r.sel.f2b, `SELECT time / 86400 * 86400 AS day, count(*) FROM `+events+` e WHERE kind = 'f2b_ban' GROUP BY 1 ORDER BY 1`, nil, func(rows pgx.Rows) error {
		var day, n int64
		if err := rows.Scan(&day, &n); err != nil {
			return err
		}
		b.Timeline = append(b.Timeline, knocks.TimeCount{Time: fromUnix(day), Attempts: n})
		return nil
	})
	if err != nil {
		return err
	}
	return r.setNeverBanned()
}

// setNeverBanned sets TopNeverBanned: the addresses with the most attempts
// that no selected ban names, as in TopIPs (found with them).
func (r *report) setNeverBanned() error {
	b := &r.sum.Bans
	b.TopNeverBanned = r.neverBanned
	if !b.Acted() {
		b.Defences.AttemptsNeverBanned = b.Defences.Attempts
	}
	return r.locateIPs(b.TopNeverBanned)
}

// joinBans reads the selected bans and restores, with the end of each
// (the first unban of the same address and jail at or after it, else its
// time plus its bantime when known, else open), and then the attempts of
// the banned addresses, and adds them up per address. A restore starts a
// ban only when none of its address and jail is in force at its time
// (see knocks.BanJoin.Restore), and an unban of its second does not end
// it: that is the flush of the stop that came before it.
func (r *report) joinBans(events string) (*knocks.BanJoin, error) {
	out := knocks.NewBanJoin()
	// The bans first, then the restores in the order of their time.
	err := r.query(r.sel.f2b, `SELECT e.ip, e.time, e.kind = 'f2b_restore', COALESCE(e.jail, ''),
			COALESCE((SELECT MIN(u.time) FROM fail2ban_events u WHERE u.ip = e.ip AND u.kind = 'f2b_unban'
				AND COALESCE(u.jail, '') = COALESCE(e.jail, '') AND (u.time > e.time OR u.time = e.time AND e.kind = 'f2b_ban')),
				CASE WHEN e.bantime > 0 THEN e.time + e.bantime END)
		FROM `+events+` e WHERE e.kind IN ('f2b_ban', 'f2b_restore') AND e.ip IS NOT NULL
		ORDER BY e.kind = 'f2b_restore', e.time`, nil, func(rows pgx.Rows) error {
		var ip string
		var jail []byte
		var start int64
		var restore bool
		var end *int64
		if err := rows.Scan(&ip, &start, &restore, &jail, &end); err != nil {
			return err
		}
		var e int64
		if end != nil {
			e = *end
		}
		if restore {
			out.Restore(ip, string(jail), start, e, end == nil)
		} else {
			out.Ban(ip, string(jail), start, e, end == nil)
		}
		return nil
	})
	ips := out.IPs()
	if err != nil || len(ips) == 0 {
		return out, err
	}
	err = r.query(r.sel.conns, `SELECT ip, start_time, attempts FROM connections WHERE attempts > 0 AND ip = ANY(`+arg(r.sel.conns, 0)+`) AND `+r.sel.conns.sql,
		[]any{ips}, func(rows pgx.Rows) error {
			var ip string
			var start, attempts int64
			if err := rows.Scan(&ip, &start, &attempts); err != nil {
				return err
			}
			out.Attempt(ip, start, attempts)
			return nil
		})
	return out, err
}

// topBanned sets TopBanned: the most banned addresses, with their
// attempts and location.
func (r *report) topBanned(events string, joined *knocks.BanJoin) error {
	b := &r.sum.Bans
	err := r.query(r.sel.f2b, `SELECT e.ip, count(*), MIN(e.time), MAX(e.time), string_agg(DISTINCT COALESCE(e.jail, ''), ','),
			COALESCE(MAX(e.bancount), 0), COALESCE(bool_or(e.bantime = -1), false),
			COALESCE(MAX(g.country), MAX(g.reserved), ''), COALESCE(MAX(g.asn), 0), COALESCE(MAX(g.org), '')
		FROM `+events+` e LEFT JOIN ip_geo g ON g.ip = e.ip
		WHERE e.kind = 'f2b_ban' AND e.ip IS NOT NULL
		GROUP BY e.ip`, nil, func(rows pgx.Rows) error {
		var x knocks.BannedIP
		var first, last, asn int64
		var jails []byte
		if err := rows.Scan(&x.IP, &x.Bans, &first, &last, &jails, &x.BanCount, &x.Permanent, &x.Country, &asn, &x.Org); err != nil {
			return err
		}
		if n, ok := joined.Attempts(x.IP); ok {
			x.Attempts = n
		}
		x.FirstBan, x.LastBan, x.ASN = fromUnix(first), fromUnix(last), asnOf(asn)
		l := strings.Split(string(jails), ",")
		sort.Strings(l)
		x.Jails = strings.Join(l, ",")
		b.TopBanned = append(b.TopBanned, x)
		return nil
	})
	if err != nil {
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
	b.TopBanned = b.TopBanned[:min(len(b.TopBanned), r.top)]
	return nil
}

// bannedGeo sets BannedCountries (every country of a banned address;
// Attempts holds the bans) and BannedPlaces (the located places).
func (r *report) bannedGeo(events string) error {
	b := &r.sum.Bans
	err := r.query(r.sel.f2b, `SELECT COALESCE(g.country, g.reserved), COALESCE(MAX(g.country_name), ''), g.reserved IS NOT NULL,
			count(*), count(DISTINCT e.ip)
		FROM `+events+` e JOIN ip_geo g ON g.ip = e.ip
		WHERE e.kind = 'f2b_ban' AND COALESCE(g.country, g.reserved) IS NOT NULL
		GROUP BY 1, 3 ORDER BY count(DISTINCT e.ip) DESC, count(*) DESC, 1`, nil, func(rows pgx.Rows) error {
		var c knocks.GeoCount
		var reserved bool
		if err := rows.Scan(&c.Country, &c.Name, &reserved, &c.Attempts, &c.IPs); err != nil {
			return err
		}
		if reserved {
			c.Name = reservedName
		}
		c.Share = knocks.Share(c.IPs, b.BannedIPs)
		b.BannedCountries = append(b.BannedCountries, c)
		return nil
	})
	if err != nil {
		return err
	}
	return r.query(r.sel.f2b, `SELECT g.country, COALESCE(g.city, ''), AVG(g.lat), AVG(g.lon), count(DISTINCT e.ip), count(*)
		FROM `+events+` e JOIN ip_geo g ON g.ip = e.ip
		WHERE e.kind = 'f2b_ban' AND g.has_coords AND g.lat IS NOT NULL AND g.lon IS NOT NULL AND g.country IS NOT NULL
		GROUP BY g.country, g.city ORDER BY count(*) DESC, 1, 2`, nil, func(rows pgx.Rows) error {
		var p knocks.BannedSpot
		if err := rows.Scan(&p.Country, &p.City, &p.Lat, &p.Lon, &p.IPs, &p.Bans); err != nil {
			return err
		}
		b.BannedPlaces = append(b.BannedPlaces, p)
		return nil
	})
}
