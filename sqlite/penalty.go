package sqlite

import (
	"context"
	"database/sql"

	"strings"

	"knocks"
)

// maxReasons bounds the reasons a summary lists: sshd writes a handful.
const maxReasons = 100

// penaltyWhere returns the WHERE clause over penalty_events of a filter:
// time (since ≤ time < until), host, and the country or AS of the address
// as stored in ip_geo.
func penaltyWhere(f knocks.Filter) (string, []any) {
	conds := []string{"1"}
	var args []any
	if !f.Since.IsZero() {
		conds, args = append(conds, "time >= ?"), append(args, f.Since.Unix())
	}
	if !f.Until.IsZero() {
		conds, args = append(conds, "time < ?"), append(args, f.Until.Unix())
	}
	if f.Host != "" {
		conds, args = append(conds, "host = ?"), append(args, f.Host)
	}
	if f.Country != "" {
		conds = append(conds, "ip IN (SELECT ip FROM ip_geo WHERE country = ? OR reserved = ?)")
		args = append(args, strings.ToUpper(f.Country), strings.ToLower(f.Country))
	}
	if f.ASN != 0 {
		conds, args = append(conds, "ip IN (SELECT ip FROM ip_geo WHERE asn = ?)"), append(args, int64(f.ASN))
	}
	if f.IP.IsValid() {
		conds, args = append(conds, "ip = ?"), append(args, f.IP.Unmap().String())
	}
	if f.User != "" {
		conds, args = append(conds, "username = ?"), append(args, f.User)
	}
	if f.Subnet != "" {
		conds = append(conds, "0") // no subnet is stored with a penalty
	}
	return strings.Join(conds, " AND "), args
}

// penalties fills the fields of sum about what sshd blocked by itself
// (drops, penalties, lockouts) and widens the period of a by their times.
// Every list is cut by SQL, so memory grows with what is printed only.
func penalties(ctx context.Context, conn *sql.Conn, f knocks.Filter, top int, sum *knocks.Summary, a *accumulator) error {
	where, args := penaltyWhere(f)
	var first, last sql.NullInt64
	err := conn.QueryRowContext(ctx, `SELECT MIN(time), MAX(time),
		COALESCE(SUM(CASE WHEN kind = 'drop' THEN count END), 0),
		COALESCE(SUM(CASE WHEN kind = 'lockout' THEN count END), 0)
		FROM penalty_events WHERE `+where, args...).Scan(&first, &last, &sum.Dropped, &sum.Lockouts)
	if err != nil {
		return err
	}
	sum.Penalties, sum.TopPenalised, sum.TopLockedUsers = []knocks.PenaltyCount{}, []knocks.PenalisedIP{}, []knocks.LockedUser{}
	if !first.Valid {
		return nil
	}
	a.first, a.last = min(a.first, first.Int64), max(a.last, last.Int64)

	rows, err := conn.QueryContext(ctx, `SELECT reason,
		COALESCE(SUM(CASE WHEN kind = 'drop' THEN count END), 0) AS drops,
		COALESCE(SUM(CASE WHEN kind = 'penalty' THEN count END), 0) AS penalties,
		COUNT(DISTINCT ip)
		FROM penalty_events WHERE kind IN ('drop', 'penalty') AND reason IS NOT NULL AND `+where+`
		GROUP BY reason ORDER BY drops + penalties DESC, reason LIMIT ?`, append(args, maxReasons)...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var p knocks.PenaltyCount
		if err := rows.Scan(&p.Reason, &p.Drops, &p.Penalties, &p.Addresses); err != nil {
			rows.Close()
			return err
		}
		sum.Penalties = append(sum.Penalties, p)
	}
	if err := closeRows(rows); err != nil {
		return err
	}

	rows, err = conn.QueryContext(ctx, `SELECT ip,
		COALESCE(SUM(CASE WHEN kind = 'drop' THEN count END), 0) AS drops,
		COALESCE(SUM(CASE WHEN kind = 'penalty' THEN count END), 0) AS penalties,
		MIN(time), MAX(time)
		FROM penalty_events WHERE kind IN ('drop', 'penalty') AND ip IS NOT NULL AND `+where+`
		GROUP BY ip ORDER BY drops + penalties DESC, ip LIMIT ?`, append(args, top)...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var p knocks.PenalisedIP
		var lo, hi int64
		if err := rows.Scan(&p.IP, &p.Drops, &p.Penalties, &lo, &hi); err != nil {
			rows.Close()
			return err
		}
		p.First, p.Last = fromUnix(lo), fromUnix(hi)
		sum.TopPenalised = append(sum.TopPenalised, p)
	}
	if err := closeRows(rows); err != nil {
		return err
	}

	rows, err = conn.QueryContext(ctx, `SELECT username, SUM(count) AS n
		FROM penalty_events WHERE kind = 'lockout' AND username IS NOT NULL AND `+where+`
		GROUP BY username ORDER BY n DESC, username LIMIT ?`, append(args, top)...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var u knocks.LockedUser
		if err := rows.Scan(&u.User, &u.Lockouts); err != nil {
			rows.Close()
			return err
		}
		sum.TopLockedUsers = append(sum.TopLockedUsers, u)
	}
	return closeRows(rows)
}

// closeRows closes rows and returns the error that ended them, if any.
func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}
