package postgres

import (
	"context"
	"fmt"
	"math"
	"net/netip"
	"strconv"

	"github.com/jackc/pgx/v5"

	"knocks"
)

var _ knocks.CampaignScanner = (*EventStore)(nil)

// CampaignRows streams the rows that knocks.FindCampaigns reads, sorted by
// PostgreSQL (which sorts in temporary files past work_mem, so memory
// stays flat); the rows of addresses, subnets, ASes and lists of names
// that cannot make a campaign (q.MinAttempts, q.MinIPs) are left out
// before the sort.
func (s *EventStore) CampaignRows(ctx context.Context, f knocks.Filter, q knocks.CampaignQuery, fn func(*knocks.CampaignRow) error) error {
	sel := newSelection(f).conns
	w := sel.sql + " AND attempts > 0 AND ip IS NOT NULL"
	n := len(sel.args)
	ph := func(i int) string { return "$" + strconv.Itoa(n+1+i) }
	args := func(extra ...any) []any { return append(append([]any{}, sel.args...), extra...) }
	err := s.read(ctx, func(tx pgx.Tx) error {
		switch q.Order {
		case knocks.ByAddressTime, knocks.BySubnetTime:
			key := "ip"
			if q.Order == knocks.BySubnetTime {
				key = "subnet"
			}
			rows, err := tx.Query(ctx, `SELECT ip, COALESCE(subnet, ''), 0::bigint, '', start_time, end_time, attempts, username, username IS NOT NULL
				FROM connections
				WHERE `+w+` AND `+key+` IS NOT NULL AND `+key+` IN (SELECT `+key+` FROM connections WHERE `+w+`
					GROUP BY `+key+` HAVING SUM(attempts) >= `+ph(0)+`)
				ORDER BY `+key+`, start_time, id`, args(q.MinAttempts)...)
			if err != nil {
				return err
			}
			return eachRow(rows, fn)
		case knocks.ByASNAddress:
			rows, err := tx.Query(ctx, `SELECT c.ip, '', g.asn, COALESCE(g.org, ''), c.start_time, c.end_time, c.attempts, c.username, c.username IS NOT NULL
				FROM (SELECT id, ip, start_time, end_time, attempts, username FROM connections WHERE `+w+`) c
				JOIN ip_geo g ON g.ip = c.ip
				WHERE g.asn > 0 AND g.asn IN (SELECT asn FROM ip_geo WHERE asn > 0 AND ip IN (SELECT ip FROM connections WHERE `+w+`)
					GROUP BY asn HAVING count(*) >= `+ph(0)+`)
				ORDER BY g.asn, c.ip, c.start_time, c.id`, args(q.MinIPs)...)
			if err != nil {
				return err
			}
			return eachRow(rows, fn)
		case knocks.ByUserList:
			// The names are listed in hex, whose byte order is that of
			// the names and which no name can forge a separator in.
			rows, err := tx.Query(ctx, `SELECT ip, users, attempts, first, last FROM (
					SELECT ip, users, attempts, first, last, count(*) OVER (PARTITION BY users) AS shared FROM (
						SELECT ip, string_agg(encode(username, 'hex'), ',' ORDER BY username) COLLATE "C" AS users, count(*) AS n,
							SUM(a)::bigint AS attempts, MIN(f) AS first, MAX(l) AS last
						FROM (SELECT ip, username, SUM(attempts) AS a, MIN(start_time) AS f, MAX(end_time) AS l
							FROM connections WHERE `+w+` AND username IS NOT NULL GROUP BY ip, username) u
						GROUP BY ip HAVING count(*) BETWEEN `+ph(0)+` AND `+ph(1)+`) l) t
				WHERE shared >= `+ph(2)+` ORDER BY users, ip`, args(q.MinUsers, q.MaxUsers, q.MinIPs)...)
			if err != nil {
				return err
			}
			defer rows.Close()
			var r knocks.CampaignRow
			for rows.Next() {
				var ip, users string
				var start, end int64
				if err := rows.Scan(&ip, &users, &r.Attempts, &start, &end); err != nil {
					return err
				}
				if r.IP, err = netip.ParseAddr(ip); err != nil {
					continue
				}
				r.Start, r.End = fromUnix(start), fromUnix(end)
				if r.Users, err = knocks.AppendHexNames(r.Users[:0], users); err != nil {
					return err
				}
				if err := fn(&r); err != nil {
					return err
				}
			}
			return rows.Err()
		}
		return fmt.Errorf("unknown campaign order %d", q.Order)
	})
	if err != nil {
		if knocks.ErrorCode(err) != knocks.EINTERNAL {
			return err
		}
		return fmt.Errorf("cannot read campaigns: %w", err)
	}
	return nil
}

// eachRow scans the rows of a per-connection stream (ip, subnet, asn,
// org, start_time, end_time, attempts, username, has user) into one
// CampaignRow and calls fn with it.
func eachRow(rows pgx.Rows, fn func(*knocks.CampaignRow) error) error {
	defer rows.Close()
	var r knocks.CampaignRow
	var ip string
	var user []byte
	var asn, start, end int64
	for rows.Next() {
		if err := rows.Scan(&ip, &r.Subnet, &asn, &r.Org, &start, &end, &r.Attempts, &user, &r.HasUser); err != nil {
			return err
		}
		addr, err := netip.ParseAddr(ip)
		if err != nil {
			continue
		}
		r.IP, r.Start, r.End, r.User, r.ASN = addr, fromUnix(start), fromUnix(end), string(user), asnOf(asn)
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CampaignConns streams the selected connections with an address and
// attempts in start time order, then by id: one sort by PostgreSQL (in
// temporary files past work_mem) instead of the four of the streams.
func (s *EventStore) CampaignConns(ctx context.Context, f knocks.Filter, fn func(*knocks.CampaignConn) error) error {
	sel := newSelection(f).conns
	var fnErr error
	err := s.read(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT ip, username, start_time, end_time, attempts FROM connections
			WHERE `+sel.sql+` AND attempts > 0 AND ip IS NOT NULL ORDER BY start_time, id`, sel.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var c knocks.CampaignConn
		var user []byte
		for rows.Next() {
			if err := rows.Scan(&c.IP, &user, &c.Start, &c.End, &c.Attempts); err != nil {
				return err
			}
			c.User, c.HasUser = string(user), user != nil
			if err := fn(&c); err != nil {
				fnErr = err
				return err
			}
		}
		return rows.Err()
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("cannot read campaigns: %w", err)
	}
	return nil
}

// CampaignASNs streams the located addresses with an AS.
func (s *EventStore) CampaignASNs(ctx context.Context, fn func(ip string, asn uint32, org string) error) error {
	var fnErr error
	err := s.read(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT ip, asn, COALESCE(org, '') FROM ip_geo WHERE asn > 0 AND asn <= $1`, int64(math.MaxUint32))
		if err != nil {
			return err
		}
		defer rows.Close()
		var ip, org string
		var asn int64
		for rows.Next() {
			if err := rows.Scan(&ip, &asn, &org); err != nil {
				return err
			}
			if err := fn(ip, uint32(asn), org); err != nil {
				fnErr = err
				return err
			}
		}
		return rows.Err()
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("cannot read campaigns: %w", err)
	}
	return nil
}
