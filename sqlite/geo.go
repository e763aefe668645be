package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"net/netip"
	"slices"

	"knocks"
)

// UnlocatedIPs returns the distinct source addresses of the stored
// connections and fail2ban events that have no row in ip_geo; with all
// set, every distinct stored address. They are sorted. It reads every
// connection: the set is made in memory, faster than SQLite's DISTINCT
// without an index on ip (see docs/schema.md).
func (s *EventStore) UnlocatedIPs(ctx context.Context, all bool) ([]netip.Addr, error) {
	located, seen := map[string]bool{}, map[string]bool{}
	err := s.read(ctx, func(conn *sql.Conn) error {
		if !all {
			if err := scanStrings(ctx, conn, "SELECT ip FROM ip_geo", func(ip string) { located[ip] = true }); err != nil {
				return err
			}
		}
		for _, q := range []string{"SELECT ip FROM connections WHERE ip IS NOT NULL", "SELECT ip FROM fail2ban_events WHERE ip IS NOT NULL"} {
			if err := scanStrings(ctx, conn, q, func(ip string) {
				if !located[ip] {
					seen[ip] = true
				}
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cannot read addresses: %w", err)
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
		if l.Reserved != "" {
			l = knocks.Location{Reserved: l.Reserved}
		}
		var lat, lon any
		if l.HasCoords {
			lat, lon = l.Lat, l.Lon
		}
		if _, err := st.ExecContext(ctx, ip.Unmap().String(), nullString(l.Reserved), nullString(l.Country),
			nullString(l.CountryName), boolInt(l.Registered), nullString(l.City), nullString(l.Region),
			lat, lon, boolInt(l.HasCoords), nullInt(int64(l.ASN)), nullString(l.Org), nullString(l.Prefix),
			source, now); err != nil {
			return fmt.Errorf("cannot save locations: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("cannot save locations: %w", err)
	}
	return nil
}
