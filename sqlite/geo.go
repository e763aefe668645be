package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"knocks"
)

// UnlocatedIPs returns the distinct source addresses of the stored
// connections and fail2ban events that have no row in ip_geo; with all
// set, every distinct stored address. They are sorted.
//
// Without all, it reads only the rows after those whose addresses were all
// located when it last looked (the table geo_progress), so that it costs
// next to nothing after an import that added little. With all, it reads
// every row and makes the set in memory, faster than SQLite's DISTINCT
// without an index on ip (see docs/schema.md).
func (s *EventStore) UnlocatedIPs(ctx context.Context, all bool) ([]netip.Addr, error) {
	seen := map[string]bool{}
	var done, progress [2]int64 // geo_progress as read, and its new values (-1: unchanged)
	err := s.read(ctx, func(conn *sql.Conn) error {
		if all {
			for _, q := range []string{"SELECT ip FROM connections WHERE ip IS NOT NULL", "SELECT ip FROM fail2ban_events WHERE ip IS NOT NULL"} {
				if err := scanStrings(ctx, conn, q, func(ip string) { seen[ip] = true }); err != nil {
					return err
				}
			}
			progress = [2]int64{-1, -1}
			return nil
		}
		if err := conn.QueryRowContext(ctx, "SELECT connections, fail2ban FROM geo_progress").Scan(&done[0], &done[1]); err != nil {
			return err
		}
		for i, table := range []string{"connections", "fail2ban_events"} {
			// table is one of two constants.
			rows, err := conn.QueryContext(ctx, `SELECT t.id, t.ip FROM `+table+` AS t
				WHERE t.id > ? AND t.ip IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ip_geo AS g WHERE g.ip = t.ip)
				ORDER BY t.id`, done[i])
			if err != nil {
				return err
			}
			first := int64(0)
			for rows.Next() {
				var id int64
				var ip string
				if err := rows.Scan(&id, &ip); err != nil {
					rows.Close()
					return err
				}
				if first == 0 {
					first = id
				}
				seen[ip] = true
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			// Up to the first row found, every address is located.
			progress[i] = first - 1
			if first == 0 {
				if err := conn.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM "+table).Scan(&progress[i]); err != nil {
					return err
				}
			}
			if progress[i] <= done[i] {
				progress[i] = -1
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cannot read addresses: %w", err)
	}
	if progress != [2]int64{-1, -1} {
		s.saveProgress(ctx, done, progress)
	}
	out := make([]netip.Addr, 0, len(seen))
	for t := range seen {
		a, err := netip.ParseAddr(t)
		if err != nil {
			continue // written by hand through the sqlite3 shell: not ours to locate
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b netip.Addr) int { return a.Compare(b) })
	return out, nil
}

// saveProgress moves geo_progress from old to p, if no importer holds the
// write lock: it is only a shortcut for the next UnlocatedIPs, never worth
// waiting for. A value that changed since old was read (a Write lowered
// it: a stored connection got an address) stays as it is.
func (s *EventStore) saveProgress(ctx context.Context, old, p [2]int64) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = 0"); err != nil {
		return
	}
	defer conn.ExecContext(context.Background(), "PRAGMA busy_timeout = "+strconv.FormatInt(busyTimeout.Milliseconds(), 10))
	_, _ = conn.ExecContext(ctx, `UPDATE geo_progress SET
		connections = CASE WHEN ?2 >= 0 AND connections = ?1 THEN ?2 ELSE connections END,
		fail2ban = CASE WHEN ?4 >= 0 AND fail2ban = ?3 THEN ?4 ELSE fail2ban END`, old[0], p[0], old[1], p[1])
}

// scanStrings runs a query of one text column through the driver directly
// and calls f with each non-NULL value.
func scanStrings(ctx context.Context, conn *sql.Conn, query string, f func(string)) error {
	return conn.Raw(func(dc any) error {
		qc, ok := dc.(driver.QueryerContext)
		if !ok {
			return fmt.Errorf("driver %T cannot query with a context", dc)
		}
		rows, err := qc.QueryContext(ctx, query, nil)
		if err != nil {
			return err
		}
		defer rows.Close()
		v := make([]driver.Value, 1)
		for {
			if err := rows.Next(v); err == io.EOF {
				return nil
			} else if err != nil {
				return err
			}
			if t, ok := v[0].(string); ok {
				f(t)
			}
		}
	})
}

// SaveLocations stores the locations of addresses in one transaction,
// replacing earlier ones, with source (the databases and their build
// dates) and the time of the lookup. A zero Location is stored too: the
// address was looked up and nothing is known of it. A location with a
// Reserved label is stored with that label only.
func (s *EventStore) SaveLocations(ctx context.Context, locs map[netip.Addr]knocks.Location, source string) error {
	if len(locs) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("cannot save locations: %w", err)
	}
	defer tx.Rollback()
	if err := s.saveLocations(ctx, tx, locs, source); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("cannot save locations: %w", err)
	}
	return nil
}

// saveLocations is SaveLocations within tx.
func (s *EventStore) saveLocations(ctx context.Context, tx *sql.Tx, locs map[netip.Addr]knocks.Location, source string) error {
	st, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO ip_geo
		(ip, reserved, country, country_name, registered, city, region, lat, lon, has_coords, asn, org, prefix, source, looked_up)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("cannot save locations: %w", err)
	}
	defer st.Close()
	now := s.now().Unix()
	for ip, l := range locs {
		if !ip.IsValid() {
			continue
		}
		g := geoValues(l)
		if _, err := st.ExecContext(ctx, ip.Unmap().String(), g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11],
			source, now); err != nil {
			return fmt.Errorf("cannot save locations: %w", err)
		}
	}
	return nil
}

// geoValues returns the values of the columns reserved, country,
// country_name, registered, city, region, lat, lon, has_coords, asn, org
// and prefix of ip_geo for l: a location with a Reserved label is stored
// with that label only.
func geoValues(l knocks.Location) [12]any {
	if l.Reserved != "" {
		l = knocks.Location{Reserved: l.Reserved}
	}
	var lat, lon any
	if l.HasCoords {
		lat, lon = l.Lat, l.Lon
	}
	return [12]any{nullString(l.Reserved), nullString(l.Country), nullString(l.CountryName), boolInt(l.Registered),
		nullString(l.City), nullString(l.Region), lat, lon, boolInt(l.HasCoords), nullInt(int64(l.ASN)), nullString(l.Org), nullString(l.Prefix)}
}

// GeoSource is one set of GeoIP databases that stored locations were
// looked up in.
type GeoSource = knocks.GeoSource

// GeoSources returns the databases behind the stored locations, the most
// used first. `knocks geoip status` shows them next to the data in use.
func (s *EventStore) GeoSources(ctx context.Context) ([]GeoSource, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT source, count(*), max(looked_up) FROM ip_geo GROUP BY source ORDER BY count(*) DESC, source")
	if err != nil {
		return nil, fmt.Errorf("cannot read geoip sources: %w", err)
	}
	defer rows.Close()
	var out []GeoSource
	for rows.Next() {
		var g GeoSource
		var t int64
		if err := rows.Scan(&g.Source, &g.Addresses, &t); err != nil {
			return nil, fmt.Errorf("cannot read geoip sources: %w", err)
		}
		g.LookedUp = time.Unix(t, 0).UTC()
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read geoip sources: %w", err)
	}
	return out, nil
}

// defaultLocateBatch is the batch of LocatePending when none is given.
const defaultLocateBatch = 10000

// LocatePending looks up the stored addresses without a location (see
// knocks.GeoStore). The durable mark is the table geo_progress: every
// row of connections (fail2ban_events) with an id up to its value has its
// address in ip_geo. Each batch reads the next rows after the mark whose
// address has no row in ip_geo (with refresh: no row looked up with
// the same sources since the second the call began: those are as the
// call would make them), and commits their locations together with
// the mark moved to the last row read. The mark moves only from the value
// this call read: when a Write lowers it meanwhile (a stored connection
// got an address), it stays lowered for the next call.
func (s *EventStore) LocatePending(ctx context.Context, refresh bool, batch int, loc knocks.Locator) (int, error) {
	if batch <= 0 {
		batch = defaultLocateBatch
	}
	since := s.now().Unix()
	total := 0
	var source string // loc's sources, asked for when first needed
	if refresh {
		source = strings.Join(loc.Sources(), "; ")
	}
	for _, t := range []struct{ table, column string }{{"connections", "connections"}, {"fail2ban_events", "fail2ban"}} {
		var mark int64
		// column is one of two constants.
		if err := s.db.QueryRowContext(ctx, "SELECT "+t.column+" FROM geo_progress").Scan(&mark); err != nil {
			return total, fmt.Errorf("cannot read addresses: %w", err)
		}
		after := mark
		if refresh {
			after = 0
		}
		for {
			ips, last, end, err := s.pendingBatch(ctx, t.table, after, batch, refresh, since, source)
			if err != nil {
				return total, fmt.Errorf("cannot read addresses: %w", err)
			}
			if last > after {
				locs := make(map[netip.Addr]knocks.Location, len(ips))
				for _, ip := range ips {
					l, err := loc.Locate(ip)
					if err != nil {
						return total, fmt.Errorf("cannot look up %s: %w", ip, err)
					}
					locs[ip] = l
				}
				if len(ips) > 0 && source == "" {
					source = strings.Join(loc.Sources(), "; ")
				}
				moved, err := s.commitBatch(ctx, locs, source, t.column, mark, last)
				if err != nil {
					return total, err
				}
				total += len(ips)
				if moved {
					mark = last
				}
				after = last
			}
			if end {
				break
			}
		}
	}
	return total, nil
}

// pendingBatch reads up to batch rows of table after the id after whose
// address is to be looked up, and returns their distinct valid addresses
// and the id up to which rows were read: the last row returned, or, when
// fewer than batch rows were left (end), the last row of the table.
func (s *EventStore) pendingBatch(ctx context.Context, table string, after int64, batch int, refresh bool, since int64, source string) (ips []netip.Addr, last int64, end bool, err error) {
	// table is one of two constants.
	q := `SELECT t.id, t.ip FROM ` + table + ` AS t
		WHERE t.id > ?1 AND t.ip IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ip_geo AS g WHERE g.ip = t.ip)
		ORDER BY t.id LIMIT ?2`
	if refresh {
		q = `SELECT t.id, t.ip FROM ` + table + ` AS t
		WHERE t.id > ?1 AND t.ip IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ip_geo AS g WHERE g.ip = t.ip AND g.looked_up >= ?3 AND g.source = ?4)
		ORDER BY t.id LIMIT ?2`
	}
	err = s.read(ctx, func(conn *sql.Conn) error {
		rows, err := conn.QueryContext(ctx, q, after, batch, since, source)
		if err != nil {
			return err
		}
		defer rows.Close()
		seen := make(map[netip.Addr]bool)
		n := 0
		for rows.Next() {
			var ip string
			if err := rows.Scan(&last, &ip); err != nil {
				return err
			}
			n++
			a, err := netip.ParseAddr(ip)
			if err != nil || seen[a] {
				continue // a duplicate, or written by hand through the sqlite3 shell: not ours to locate
			}
			seen[a] = true
			ips = append(ips, a)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if n < batch {
			// Every row after the last one read is located: the mark may
			// move to the end of the table (of this snapshot).
			end = true
			return conn.QueryRowContext(ctx, "SELECT coalesce(max(id), 0) FROM "+table).Scan(&last)
		}
		return nil
	})
	return ips, last, end, err
}

// commitBatch stores locs and moves the mark in column of geo_progress from
// old to last, in one transaction; it reports whether the mark moved (it
// does not when a Write lowered it since it was read, or last is not past
// it).
func (s *EventStore) commitBatch(ctx context.Context, locs map[netip.Addr]knocks.Location, source, column string, old, last int64) (bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("cannot save locations: %w", err)
	}
	defer tx.Rollback()
	if err := s.saveLocations(ctx, tx, locs, source); err != nil {
		return false, err
	}
	// column is one of two constants.
	res, err := tx.ExecContext(ctx, "UPDATE geo_progress SET "+column+" = ?1 WHERE "+column+" = ?2 AND ?1 > ?2", last, old)
	if err != nil {
		return false, fmt.Errorf("cannot save locations: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("cannot save locations: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("cannot save locations: %w", err)
	}
	return n == 1, nil
}

// GeoMark returns the durable mark of LocatePending over the connections
// (every connection with an id up to mark has its address located) and the
// greatest connection id. When the two are equal, every stored address of
// a connection is located, and an import that locates the addresses of the
// connections it writes may move the mark over them (MarkLocated).
func (s *EventStore) GeoMark(ctx context.Context) (mark, last int64, err error) {
	err = s.read(ctx, func(conn *sql.Conn) error {
		return conn.QueryRowContext(ctx, "SELECT (SELECT connections FROM geo_progress), (SELECT coalesce(max(id), 0) FROM connections)").Scan(&mark, &last)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("cannot read addresses: %w", err)
	}
	return mark, last, nil
}

// geoArgs is the number of values written per location, with the source
// as ?1.
const geoArgs = 14

// insertNewGeoSQL returns an INSERT of n locations that leaves out those
// of addresses already located (OR IGNORE: no statement journal either).
func insertNewGeoSQL(n int) string {
	return multiInsert(`INSERT OR IGNORE INTO ip_geo
		(source, ip, reserved, country, country_name, registered, city, region, lat, lon, has_coords, asn, org, prefix, looked_up) VALUES `, geoArgs, n)
}

// SaveNewLocations stores the locations of those addresses that have no
// stored location, with source and the time of the lookup, in one
// transaction; a stored location is left as it is. It stores them as
// SaveLocations does, in multi-row statements: an import stores the
// locations of its new addresses with it while it runs.
func (s *EventStore) SaveNewLocations(ctx context.Context, locs map[netip.Addr]knocks.Location, source string) error {
	if len(locs) == 0 {
		return nil
	}
	type row struct {
		ip string
		l  knocks.Location
	}
	rows := make([]row, 0, len(locs))
	for ip, l := range locs {
		if !ip.IsValid() {
			continue
		}
		rows = append(rows, row{ip.Unmap().String(), l})
	}
	// In the order of the primary key: each insert lands next to the one
	// before in ip_geo's B-tree (and the pages it dirties are fewer), not
	// on a random page.
	slices.SortFunc(rows, func(a, b row) int { return strings.Compare(a.ip, b.ip) })
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("cannot save locations: %w", err)
	}
	defer conn.Close()
	tx, err := begin(ctx, conn, "BEGIN IMMEDIATE")
	if err != nil {
		return fmt.Errorf("cannot save locations: %w", err)
	}
	defer tx.end()
	now := s.now().Unix()
	err = insertRows(ctx, conn, len(rows), geoArgs, source, insertNewGeoSQL, func(v []driver.NamedValue, i int) {
		r := &rows[i]
		v[0].Value = r.ip
		for j, g := range geoValues(r.l) {
			v[1+j].Value = g
		}
		v[13].Value = now
	})
	if err != nil {
		return fmt.Errorf("cannot save locations: %w", err)
	}
	if err := tx.commit(); err != nil {
		return fmt.Errorf("cannot save locations: %w", err)
	}
	return nil
}

// MarkLocated moves the mark of LocatePending over the connections to
// last, for an import that read the mark at old from GeoMark (old being
// then the greatest id), wrote connections up to the id last (none: last
// is old) and stored the locations of all their addresses. Write lowers
// the mark below an updated connection that has an address, so the mark
// moves when it is at most old and last is the greatest id: no other
// writer added rows meanwhile. It reports whether the mark moved.
func (s *EventStore) MarkLocated(ctx context.Context, old, last int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE geo_progress SET connections = ?2
		WHERE connections <= ?1 AND ?2 >= ?1 AND (SELECT coalesce(max(id), 0) FROM connections) = ?2`, old, last)
	if err != nil {
		return false, fmt.Errorf("cannot save locations: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("cannot save locations: %w", err)
	}
	return n == 1, nil
}
