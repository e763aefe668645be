package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"knocks"
)

// UnlocatedIPs returns the distinct source addresses of the stored
// connections and fail2ban events that have no row in ip_geo; with all
// set, every distinct stored address. They are sorted. PostgreSQL finds
// them with the indexes on the address columns.
func (s *EventStore) UnlocatedIPs(ctx context.Context, all bool) ([]netip.Addr, error) {
	q := `SELECT ip FROM connections WHERE ip IS NOT NULL UNION SELECT ip FROM fail2ban_events WHERE ip IS NOT NULL`
	if !all {
		q = `SELECT ip FROM (` + q + `) a WHERE NOT EXISTS (SELECT 1 FROM ip_geo g WHERE g.ip = a.ip)`
	}
	rows, err := s.pool.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("cannot read addresses: %w", err)
	}
	texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("cannot read addresses: %w", err)
	}
	out := make([]netip.Addr, 0, len(texts))
	for _, t := range texts {
		if a, err := netip.ParseAddr(t); err == nil {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b netip.Addr) int { return a.Compare(b) })
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
	// Importers of other hosts save locations at the same time, often of
	// the same addresses: the rows are written in the order of their
	// address, so that no two transactions wait for each other in a
	// cycle, and a transaction that PostgreSQL still ends as a deadlock or
	// a serialization failure is run again.
	var err error
	for try := 0; try < 5; try++ {
		err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return s.saveLocations(ctx, tx, locs, source) })
		if !isRetryable(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("cannot save locations: %w", err)
	}
	return nil
}

// isRetryable reports whether err ends a transaction that may succeed when
// run again: a deadlock or a serialization failure.
func isRetryable(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "40P01" || e.Code == "40001")
}

// saveLocations is SaveLocations within tx.
func (s *EventStore) saveLocations(ctx context.Context, tx pgx.Tx, locs map[netip.Addr]knocks.Location, source string) error {
	b := &pgx.Batch{}
	now := s.now().Unix()
	ips := make([]netip.Addr, 0, len(locs))
	for ip := range locs {
		if ip.IsValid() {
			ips = append(ips, ip)
		}
	}
	// The order of the rows' text, which is that of their index.
	slices.SortFunc(ips, func(a, b netip.Addr) int { return strings.Compare(a.Unmap().String(), b.Unmap().String()) })
	for _, ip := range ips {
		l := locs[ip]
		if l.Reserved != "" {
			l = knocks.Location{Reserved: l.Reserved}
		}
		var lat, lon any
		if l.HasCoords {
			lat, lon = l.Lat, l.Lon
		}
		b.Queue(`INSERT INTO ip_geo (ip, reserved, country, country_name, registered, city, region, lat, lon, has_coords, asn, org, prefix, source, looked_up)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
			ON CONFLICT (ip) DO UPDATE SET reserved = excluded.reserved, country = excluded.country, country_name = excluded.country_name,
				registered = excluded.registered, city = excluded.city, region = excluded.region, lat = excluded.lat, lon = excluded.lon,
				has_coords = excluded.has_coords, asn = excluded.asn, org = excluded.org, prefix = excluded.prefix,
				source = excluded.source, looked_up = excluded.looked_up`,
			ip.Unmap().String(), nullString(l.Reserved), nullString(l.Country), nullString(l.CountryName), l.Registered,
			nullString(l.City), nullString(l.Region), lat, lon, l.HasCoords, nullInt(int64(l.ASN)), nullString(l.Org), nullString(l.Prefix),
			source, now)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return err
	}
	return s.bump(ctx, tx)
}

// GeoSources returns the databases behind the stored locations, the most
// used first.
func (s *EventStore) GeoSources(ctx context.Context) ([]knocks.GeoSource, error) {
	rows, err := s.pool.Query(ctx, "SELECT source, count(*), max(looked_up) FROM ip_geo GROUP BY source ORDER BY count(*) DESC, source")
	if err != nil {
		return nil, fmt.Errorf("cannot read geoip sources: %w", err)
	}
	defer rows.Close()
	var out []knocks.GeoSource
	for rows.Next() {
		var g knocks.GeoSource
		var t int64
		if err := rows.Scan(&g.Source, &g.Addresses, &t); err != nil {
			return nil, fmt.Errorf("cannot read geoip sources: %w", err)
		}
		g.LookedUp = fromUnix(t)
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
// knocks.GeoStore), at most batch at a time in the order of their text,
// and commits each batch's locations in one transaction: a stored location
// is the durable mark of what is done, so a run killed at any point leaves
// the rest to the next call, and importers never wait for a shared mark.
// With refresh it looks up every stored address again, but those that
// this call already looked up with the same sources.
func (s *EventStore) LocatePending(ctx context.Context, refresh bool, batch int, loc knocks.Locator) (int, error) {
	if batch <= 0 {
		batch = defaultLocateBatch
	}
	since := s.now().Unix()
	source := ""
	if refresh {
		source = strings.Join(loc.Sources(), "; ")
	}
	total := 0
	after := ""
	for {
		// PostgreSQL wants as many arguments as the statement has
		// parameters: the last two are refresh's only.
		cond := "NOT EXISTS (SELECT 1 FROM ip_geo g WHERE g.ip = a.ip)"
		args := []any{after, batch}
		if refresh {
			cond = "NOT EXISTS (SELECT 1 FROM ip_geo g WHERE g.ip = a.ip AND g.looked_up >= $3 AND g.source = $4)"
			args = append(args, since, source)
		}
		rows, err := s.pool.Query(ctx, `SELECT ip FROM (
				SELECT ip FROM connections WHERE ip > $1 UNION SELECT ip FROM fail2ban_events WHERE ip > $1) a
			WHERE `+cond+` ORDER BY ip LIMIT $2`, args...)
		if err != nil {
			return total, fmt.Errorf("cannot read addresses: %w", err)
		}
		texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return total, fmt.Errorf("cannot read addresses: %w", err)
		}
		if len(texts) == 0 {
			return total, nil
		}
		after = texts[len(texts)-1]
		locs := make(map[netip.Addr]knocks.Location, len(texts))
		for _, t := range texts {
			ip, err := netip.ParseAddr(t)
			if err != nil {
				continue // not ours to locate
			}
			l, err := loc.Locate(ip)
			if err != nil {
				return total, fmt.Errorf("cannot look up %s: %w", ip, err)
			}
			locs[ip] = l
		}
		if source == "" {
			source = strings.Join(loc.Sources(), "; ")
		}
		if err := s.SaveLocations(ctx, locs, source); err != nil {
			return total, err
		}
		total += len(locs)
		if len(texts) < batch {
			return total, nil
		}
	}
}
