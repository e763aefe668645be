package sqlite

import (
	"cmp"
	"container/heap"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"slices"
	"strings"

	"knocks"
)

var _ knocks.CampaignScanner = (*EventStore)(nil)

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

// CampaignConns streams the selected connections with an address and
// attempts in start time order (then by id), without a sort of the table:
// connection_spans tells the least start of each run of ids that one
// write inserted (runs are at most spanRows rows), so the runs are read
// one by one in that order, each sorted in memory, and merged. Only the
// runs whose times overlap are held at once: one or two for the log of a
// host, a few more for logs of several hosts imported one after the
// other. Rows outside every run (written by hand) are read first, up to
// maxLooseRows of them; a database with more, or with more than maxOpenSpans
// runs overlapping, gets knocks.ErrCampaignScan.
func (s *EventStore) CampaignConns(ctx context.Context, f knocks.Filter, fn func(*knocks.CampaignConn) error) error {
	var fnErr error
	err := s.read(ctx, func(conn *sql.Conn) error {
		sel, err := newSelection(ctx, conn, f)
		if err != nil {
			return err
		}
		spans, loose, err := campaignSpans(ctx, conn, f)
		if err != nil {
			return err
		}
		pf, byPack, err := packFilterOf(ctx, conn, f)
		if err != nil {
			return err
		}
		return conn.Raw(func(dc any) error {
			pc, ok := dc.(driver.ConnPrepareContext)
			if !ok {
				return fmt.Errorf("driver %T cannot prepare with a context", dc)
			}
			// The rows of a span come as one value (see spanRowsColumn): a row
			// costs far more to fetch through the driver than SQLite
			// takes to make it.
			sq, err := prepareQuery(ctx, pc, `SELECT `+spanRowsColumn+` FROM connections
				WHERE id BETWEEN ? AND ? AND `+sel.where+` AND attempts > 0 AND ip IS NOT NULL`)
			if err != nil {
				return err
			}
			defer sq.Close()
			args := make([]driver.NamedValue, 2+len(sel.args))
			for i, v := range sel.args {
				args[2+i] = driver.NamedValue{Ordinal: 3 + i, Value: v}
			}
			v := make([]driver.Value, 1)
			var free [][]spanConn
			pq, err := prepareQuery(ctx, pc, `SELECT last_id, data FROM conn_packs WHERE first_id = ?`)
			if err != nil {
				return err
			}
			defer pq.Close()
			var recs []packRec
			// fromPack returns the selected rows of ids lo to hi from
			// their pack, unsorted; ok is false when no pack holds just
			// these ids.
			fromPack := func(lo, hi int64, buf []spanConn) (_ []spanConn, ok bool, err error) {
				rows, err := pq.QueryContext(ctx, []driver.NamedValue{{Ordinal: 1, Value: lo}})
				if err != nil {
					return nil, false, err
				}
				defer rows.Close()
				pv := make([]driver.Value, 2)
				if err := rows.Next(pv); err == io.EOF {
					return buf, false, nil
				} else if err != nil {
					return nil, false, err
				}
				last, _ := pv[0].(int64)
				data, _ := pv[1].([]byte)
				if last != hi {
					return buf, false, nil
				}
				if recs, err = decodePack(lo, hi, data, recs[:0]); err != nil {
					return buf, false, nil
				}
				buf = slices.Grow(buf, len(recs))
				for i := range recs {
					if r := &recs[i]; pf.match(r) {
						buf = append(buf, spanConn{CampaignConn: knocks.CampaignConn{IP: r.ip, Start: r.start, End: r.end, Attempts: r.attempts,
							User: r.user, HasUser: r.hasUser()}, id: r.id, span: lo})
					}
				}
				return buf, true, nil
			}
			// load reads the selected rows of ids lo to hi, sorted.
			load := func(lo, hi int64) ([]spanConn, error) {
				var buf []spanConn
				if n := len(free); n > 0 {
					buf, free = free[n-1][:0], free[:n-1]
				}
				if byPack && usePacks {
					buf, ok, err := fromPack(lo, hi, buf)
					if err != nil {
						return nil, err
					}
					if ok {
						slices.SortFunc(buf, cmpSpanConn)
						return buf, nil
					}
				}
				args[0], args[1] = driver.NamedValue{Ordinal: 1, Value: lo}, driver.NamedValue{Ordinal: 2, Value: hi}
				rows, err := sq.QueryContext(ctx, args)
				if err != nil {
					return nil, err
				}
				defer rows.Close()
				if err := rows.Next(v); err == io.EOF {
					return buf, nil
				} else if err != nil {
					return nil, err
				}
				text, _ := v[0].(string) // NULL: no row
				if buf, err = parseSpanRows(text, lo, buf); err != nil {
					return nil, err
				}
				if len(buf) > maxLooseRows {
					return nil, knocks.ErrCampaignScan
				}
				slices.SortFunc(buf, cmpSpanConn)
				return buf, nil
			}
			var open spanHeap
			push := func(lo, hi int64) error {
				buf, err := load(lo, hi)
				if err != nil || len(buf) == 0 {
					return err
				}
				if len(open) >= maxOpenSpans {
					return knocks.ErrCampaignScan
				}
				heap.Push(&open, spanRun{rest: buf, buf: buf})
				return nil
			}
			for _, r := range loose {
				if err := push(r.lo, r.hi); err != nil {
					return err
				}
			}
			next := 0
			for {
				for next < len(spans) && (len(open) == 0 || spans[next].minStart <= open[0].rest[0].Start) {
					if err := push(spans[next].lo, spans[next].hi); err != nil {
						return err
					}
					next++
				}
				if len(open) == 0 {
					return nil
				}
				c := &open[0].rest[0].CampaignConn
				if err := fn(c); err != nil {
					fnErr = err
					return err
				}
				if open[0].rest = open[0].rest[1:]; len(open[0].rest) == 0 {
					free = append(free, heap.Pop(&open).(spanRun).buf)
				} else {
					heap.Fix(&open, 0)
				}
			}
		})
	})
	if fnErr != nil {
		return fnErr
	}
	if errors.Is(err, knocks.ErrCampaignScan) {
		return knocks.ErrCampaignScan
	}
	if err != nil {
		return fmt.Errorf("cannot read campaigns: %w", err)
	}
	return nil
}

// queryStmt is a prepared statement of the driver that queries with a
// context.
type queryStmt interface {
	driver.Stmt
	driver.StmtQueryContext
}

// prepareQuery prepares query on a connection of the driver; the caller
// closes the statement.
func prepareQuery(ctx context.Context, pc driver.ConnPrepareContext, query string) (queryStmt, error) {
	stmt, err := pc.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	q, ok := stmt.(queryStmt)
	if !ok {
		stmt.Close()
		return nil, fmt.Errorf("driver statement %T cannot query with a context", stmt)
	}
	return q, nil
}

// The bounds of CampaignConns: the rows outside every span, and the spans
// that overlap in time (see CampaignConns). Variables, so that tests can
// take the other path.
var (
	maxLooseRows = 1 << 18
	maxOpenSpans = 1024
)

// spanConn is a connection that CampaignConns has read, with its id and
// the first id of its span: the spans are disjoint runs of ids, so that
// rows of two spans that start at the same second are in id order by it.
type spanConn struct {
	knocks.CampaignConn
	id, span int64
}

// cmpSpanConn orders the rows of one span by start, then id.
func cmpSpanConn(a, b spanConn) int {
	if a.Start != b.Start {
		return cmp.Compare(a.Start, b.Start)
	}
	return cmp.Compare(a.id, b.id)
}

// spanRowsColumn is the rows of a span as one text: for each row, its
// address and user name each as its length in bytes, ':' and its bytes
// ('-' for no user name), then its start, end, attempts and id in
// decimal, joined by ','; the rows joined by ';'. The lengths make any
// byte of a name safe.
const spanRowsColumn = `group_concat(octet_length(ip) || ':' || ip || COALESCE(octet_length(username) || ':' || username, '-')
	|| start_time || ',' || end_time || ',' || attempts || ',' || id, ';')`

// parseSpanRows appends the rows of a spanRowsColumn text to buf, with span as
// their span. The address and user name of a row are views of text. It
// returns knocks.ErrCampaignScan for a text it cannot read (a value that
// is not an integer, written by hand).
func parseSpanRows(text string, span int64, buf []spanConn) ([]spanConn, error) {
	for len(text) > 0 {
		c := spanConn{span: span}
		var ok bool
		if c.IP, text, ok = cutLength(text); !ok {
			return nil, knocks.ErrCampaignScan
		}
		if len(text) > 0 && text[0] == '-' {
			text = text[1:]
		} else if c.User, text, ok = cutLength(text); !ok {
			return nil, knocks.ErrCampaignScan
		} else {
			c.HasUser = true
		}
		for i, p := range []*int64{&c.Start, &c.End, &c.Attempts, &c.id} {
			sep := byte(',')
			if i == 3 {
				sep = ';'
			}
			if *p, text, ok = cutInt(text, sep); !ok {
				return nil, knocks.ErrCampaignScan
			}
		}
		buf = append(buf, c)
	}
	return buf, nil
}

// cutLength cuts "n:" and the n bytes after it from the start of s.
func cutLength(s string) (value, rest string, ok bool) {
	n, rest, ok := cutInt(s, ':')
	if !ok || n < 0 || n > int64(len(rest)) {
		return "", s, false
	}
	return rest[:n], rest[n:], true
}

// cutInt cuts a decimal integer and the separator sep after it (or the
// end of s) from the start of s.
func cutInt(s string, sep byte) (n int64, rest string, ok bool) {
	i, neg := 0, false
	if len(s) > 0 && s[0] == '-' {
		i, neg = 1, true
	}
	start := i
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if n > (math.MaxInt64-9)/10 {
			return 0, s, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	if i == start || i < len(s) && s[i] != sep {
		return 0, s, false
	}
	if neg {
		n = -n
	}
	if i < len(s) {
		i++
	}
	return n, s[i:], true
}

// lessSpanConn orders the first rows of two spans by start, then id.
func lessSpanConn(a, b spanConn) bool {
	return a.Start < b.Start || a.Start == b.Start && a.span < b.span
}

// spanHeap holds the sorted rows of the spans being merged, by their
// first row.
type spanHeap []spanRun

// spanRun is the rows of a span not merged yet (rest), in the buffer
// they were read into (buf), which goes back to be read into again.
type spanRun struct{ rest, buf []spanConn }

func (h spanHeap) Len() int           { return len(h) }
func (h spanHeap) Less(i, j int) bool { return lessSpanConn(h[i].rest[0], h[j].rest[0]) }
func (h spanHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *spanHeap) Push(x any)        { *h = append(*h, x.(spanRun)) }
func (h *spanHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// campaignSpan is a run of ids and the least start of its rows.
type campaignSpan struct {
	lo, hi   int64
	minStart int64
}

// campaignSpans returns the spans that may hold connections of f's time
// range, by least start, and the id ranges that no span covers.
func campaignSpans(ctx context.Context, conn *sql.Conn, f knocks.Filter) (spans []campaignSpan, loose []idRange, err error) {
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if !f.Since.IsZero() {
		lo = f.Since.Unix()
	}
	if !f.Until.IsZero() {
		hi = f.Until.Unix() - 1
	}
	rows, err := conn.QueryContext(ctx, `SELECT first_id, last_id, min_start, max_start >= ?1 AND min_start <= ?2
		FROM connection_spans ORDER BY first_id`, lo, hi)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	next := int64(math.MinInt64) // the least id that no span seen so far covers
	for rows.Next() {
		var sp campaignSpan
		var match bool
		if err := rows.Scan(&sp.lo, &sp.hi, &sp.minStart, &match); err != nil {
			return nil, nil, err
		}
		if sp.lo > next {
			loose = append(loose, idRange{next, sp.lo - 1})
		}
		if match {
			spans = append(spans, sp)
		}
		next = max(next, sp.hi+1)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	loose = append(loose, idRange{next, math.MaxInt64})
	slices.SortFunc(spans, func(a, b campaignSpan) int {
		if a.minStart != b.minStart {
			return cmp.Compare(a.minStart, b.minStart)
		}
		return cmp.Compare(a.lo, b.lo)
	})
	return spans, loose, nil
}

// packFilter is a knocks.Filter that CampaignConns tests on the records
// of a pack, as the SQL of newSelection does on rows, with the rows that
// it reads: attempts and an address.
type packFilter struct {
	lo, hi, maxEnd         int64 // least and greatest start, greatest end
	host, ip, user, subnet string
	located                map[string]struct{} // with a country or AS: the addresses located there; nil: any
}

// maxLocatedFilter is the most addresses of a country or AS that a
// packFilter holds in memory; a filter that selects more reads the rows
// (which join ip_geo in SQL) instead: memory stays flat whatever
// addresses attackers use.
var maxLocatedFilter = 200_000

// packFilterOf returns the packFilter of f, and false when f needs what a
// pack does not hold: where an address is, when its country or AS has
// more than maxLocatedFilter located addresses.
func packFilterOf(ctx context.Context, conn *sql.Conn, f knocks.Filter) (packFilter, bool, error) {
	pf := packFilter{lo: knocks.MinTime.Unix(), hi: math.MaxInt64, maxEnd: knocks.MaxTime.Unix(), host: f.Host, user: f.User, subnet: f.Subnet}
	if !f.Since.IsZero() {
		pf.lo = max(pf.lo, f.Since.Unix())
	}
	if !f.Until.IsZero() {
		pf.hi = f.Until.Unix() - 1
	}
	if f.IP.IsValid() {
		pf.ip = f.IP.Unmap().String()
	}
	if f.Country == "" && f.ASN == 0 {
		return pf, true, nil
	}
	// The same addresses as newSelection's conditions select.
	var conds []string
	var args []any
	if f.Country != "" {
		conds, args = append(conds, "(country = ? OR reserved = ?)"), append(args, strings.ToUpper(f.Country), strings.ToLower(f.Country))
	}
	if f.ASN != 0 {
		conds, args = append(conds, "asn = ?"), append(args, int64(f.ASN))
	}
	pf.located = map[string]struct{}{}
	tooMany := errors.New("too many addresses")
	err := rawRows(ctx, conn, "SELECT ip FROM ip_geo WHERE "+strings.Join(conds, " AND "), args, func(v []driver.Value) error {
		if len(pf.located) >= maxLocatedFilter {
			return tooMany
		}
		if ip, ok := v[0].(string); ok {
			pf.located[ip] = struct{}{}
		}
		return nil
	})
	if errors.Is(err, tooMany) {
		pf.located = nil
		return pf, false, nil
	}
	return pf, err == nil, err
}

// match reports whether the filter selects r.
func (pf *packFilter) match(r *packRec) bool {
	if !(r.attempts > 0 && r.hasIP() && r.start >= pf.lo && r.start <= pf.hi && r.end <= pf.maxEnd &&
		(pf.host == "" || r.host == pf.host) && (pf.ip == "" || r.ip == pf.ip) &&
		(pf.user == "" || r.hasUser() && r.user == pf.user) && (pf.subnet == "" || r.subnet == pf.subnet)) {
		return false
	}
	if pf.located != nil {
		_, ok := pf.located[r.ip]
		return ok
	}
	return true
}

// CampaignASNs streams the located addresses with an AS.
func (s *EventStore) CampaignASNs(ctx context.Context, fn func(ip string, asn uint32, org string) error) error {
	var fnErr error
	err := s.read(ctx, func(conn *sql.Conn) error {
		// Most addresses have an AS: reading the table in its order (the
		// unary + keeps SQLite off the index on asn) costs a fifth less
		// than a look-up of each row from that index.
		return rawRows(ctx, conn, `SELECT ip, asn, COALESCE(org, '') FROM ip_geo WHERE +asn > 0 AND +asn <= ?`, []any{int64(math.MaxUint32)}, func(v []driver.Value) error {
			ip, _ := v[0].(string)
			asn, _ := v[1].(int64)
			org, _ := v[2].(string)
			if err := fn(ip, uint32(asn), org); err != nil {
				fnErr = err
				return err
			}
			return nil
		})
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("cannot read campaigns: %w", err)
	}
	return nil
}
