package sqlite

import (
	"context"
	"fmt"
	"net/netip"
	"sort"

	"knocks"
)

// UnlocatedIPs returns the distinct source addresses of the stored
// connections and fail2ban events that have no row in ip_geo; with all
// set, every distinct stored address. They are sorted.
func (s *EventStore) UnlocatedIPs(ctx context.Context, all bool) ([]netip.Addr, error) {
	q := `SELECT ip FROM connections WHERE ip IS NOT NULL
		UNION SELECT ip FROM fail2ban_events WHERE ip IS NOT NULL`
	if !all {
		q = `SELECT ip FROM (` + q + `) WHERE ip NOT IN (SELECT ip FROM ip_geo)`
	}
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("cannot read addresses: %w", err)
	}
	defer rows.Close()
	var out []netip.Addr
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("cannot read addresses: %w", err)
		}
		a, err := netip.ParseAddr(t)
		if err != nil {
			continue // written by hand through the sqlite3 shell: not ours to locate
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read addresses: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Less(out[j]) })
	return out, nil
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
