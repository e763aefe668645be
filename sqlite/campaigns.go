package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"
	"net/netip"

	"knocks"
)

var _ knocks.CampaignSource = (*EventStore)(nil)

// CampaignRows streams the rows that knocks.FindCampaigns reads, sorted by
// SQLite. The sort is SQLite's, in temporary files rather than in memory,
// so that memory stays flat however many connections are selected; the
// rows of addresses, subnets, ASes and lists of names that cannot make a
// campaign (q.MinAttempts, q.MinIPs) are left out before the sort.
func (s *EventStore) CampaignRows(ctx context.Context, f knocks.Filter, q knocks.CampaignQuery, fn func(*knocks.CampaignRow) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("cannot read campaigns: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA temp_store = FILE"); err != nil {
		return fmt.Errorf("cannot read campaigns: %w", err)
	}
	defer func() {
		if _, err := conn.ExecContext(context.Background(), "PRAGMA temp_store = MEMORY"); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	err = s.readOn(ctx, conn, func(conn *sql.Conn) error {
		sel, err := newSelection(ctx, conn, f)
		if err != nil {
			return err
		}
		w := sel.where + " AND attempts > 0 AND ip IS NOT NULL"
		args := func(extra ...any) []any {
			a := append([]any{}, sel.args...)
			a = append(a, sel.args...)
			return append(a, extra...)
		}
		switch q.Order {
		case knocks.ByAddressTime, knocks.BySubnetTime:
			key := "ip"
			if q.Order == knocks.BySubnetTime {
				key = "subnet"
			}
			rows, err := conn.QueryContext(ctx, `SELECT ip, COALESCE(subnet, ''), 0, '', start_time, end_time, attempts, username FROM connections
				WHERE `+w+` AND `+key+` IS NOT NULL AND `+key+` IN (SELECT `+key+` FROM connections WHERE `+w+`
					GROUP BY `+key+` HAVING SUM(attempts) >= ?)
				ORDER BY `+key+`, start_time, id`, args(q.MinAttempts)...)
			if err != nil {
				return err
			}
			return each(rows, fn)
		case knocks.ByASNAddress:
			rows, err := conn.QueryContext(ctx, `SELECT c.ip, '', g.asn, COALESCE(g.org, ''), c.start_time, c.end_time, c.attempts, c.username
				FROM (SELECT id, ip, start_time, end_time, attempts, username FROM connections WHERE `+w+`) c
				JOIN ip_geo g ON g.ip = c.ip
				WHERE g.asn > 0 AND g.asn IN (SELECT asn FROM ip_geo WHERE asn > 0 AND ip IN (SELECT ip FROM connections WHERE `+w+`)
					GROUP BY asn HAVING COUNT(*) >= ?)
				ORDER BY g.asn, c.ip, c.start_time, c.id`, args(q.MinIPs)...)
			if err != nil {
				return err
			}
			return each(rows, fn)
		case knocks.ByUserList:
			// The names are listed in hex, whose byte order is that of
			// the names and which no name can forge a separator in.
			rows, err := conn.QueryContext(ctx, `SELECT ip, users, attempts, first, last FROM (
					SELECT ip, users, attempts, first, last, COUNT(*) OVER (PARTITION BY users) AS shared FROM (
						SELECT ip, group_concat(hex(username), ',' ORDER BY username) AS users, COUNT(*) AS n,
							SUM(a) AS attempts, MIN(f) AS first, MAX(l) AS last
						FROM (SELECT ip, username, SUM(attempts) AS a, MIN(start_time) AS f, MAX(end_time) AS l
							FROM connections WHERE `+w+` AND username IS NOT NULL GROUP BY ip, username)
						GROUP BY ip HAVING n BETWEEN ? AND ?))
				WHERE shared >= ? ORDER BY users, ip`, append(append([]any{}, sel.args...), q.MinUsers, q.MaxUsers, q.MinIPs)...)
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
					continue // written by hand through the sqlite3 shell
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

// each scans the rows of a per-connection stream (ip, subnet, asn, org,
// start_time, end_time, attempts, username) into one CampaignRow and
// calls fn with it.
func each(rows *sql.Rows, fn func(*knocks.CampaignRow) error) error {
	defer rows.Close()
	var r knocks.CampaignRow
	var ip string
	var user sql.NullString
	var asn, start, end int64
	for rows.Next() {
		if err := rows.Scan(&ip, &r.Subnet, &asn, &r.Org, &start, &end, &r.Attempts, &user); err != nil {
			return err
		}
		addr, err := netip.ParseAddr(ip)
		if err != nil {
			continue // written by hand through the sqlite3 shell
		}
		r.IP, r.Start, r.End = addr, fromUnix(start), fromUnix(end)
		r.User, r.HasUser = user.String, user.Valid
		r.ASN = 0
		if asn > 0 && asn <= math.MaxUint32 {
			r.ASN = uint32(asn)
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}
