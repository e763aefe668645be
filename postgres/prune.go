package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"knocks"
)

// compactShare is the share of the rows of a table that Prune deletes
// from which it runs VACUUM on the tables: PostgreSQL reuses the space of
// fewer deleted rows for the next imports anyway (autovacuum).
const compactShare = 0.25

// Prune deletes the connections that ended before cut, the fail2ban and
// penalty events from before cut, the per-hour line counts of the hours
// that end at or before cut, the alerts shown of deleted logins, the
// imports that no kept row was written by (with their per-input
// statistics and shapes) and the locations of addresses that no kept row
// names, in one transaction (see knocks.Pruner), for every host. The
// checkpoints and journal cursors of every host stay, so that the inputs
// they cover are not imported again; so does the number of lines read.
// When a quarter or more of the stored rows went, it runs VACUUM on the
// tables. The caller holds its host's importer lock; an importer of
// another host that extends a connection Prune deleted fails that batch
// (EINVALID) and stores nothing of it.
// Returns EINVALID for a zero cut.
func (s *EventStore) Prune(ctx context.Context, cut time.Time) (*knocks.PruneStats, error) {
	if cut.IsZero() {
		return nil, knocks.Errorf(knocks.EINVALID, "prune needs a time to cut at")
	}
	st := &knocks.PruneStats{Cut: cut.UTC().Truncate(time.Second)}
	c := cut.Unix()
	size := func() (int64, error) {
		var n int64
		err := s.pool.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&n)
		return n, err
	}
	var err error
	if st.SizeBefore, err = size(); err != nil {
		return nil, fmt.Errorf("cannot prune db: %w", err)
	}
	var rows int64
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, "SELECT (SELECT count(*) FROM connections) + (SELECT count(*) FROM fail2ban_events) + (SELECT count(*) FROM penalty_events)").Scan(&rows); err != nil {
			return err
		}
		exec := func(n *int64, q string, args ...any) error {
			tag, err := tx.Exec(ctx, q, args...)
			if err == nil && n != nil {
				*n += tag.RowsAffected()
			}
			return err
		}
		for _, step := range []struct {
			n *int64
			q string
		}{
			{&st.Connections, "DELETE FROM connections WHERE end_time < $1"},
			{&st.Fail2ban, "DELETE FROM fail2ban_events WHERE time < $1"},
			{&st.Penalties, "DELETE FROM penalty_events WHERE time < $1"},
			{&st.LineHours, "DELETE FROM line_counts WHERE hour <= $1 - 3600"},
		} {
			if err := exec(step.n, step.q, c); err != nil {
				return err
			}
		}
		if err := s.bump(ctx, tx); err != nil {
			return err
		}
		if st.Connections+st.Fail2ban+st.Penalties == 0 {
			return nil
		}
		if err := exec(nil, "DELETE FROM alerts_shown a WHERE NOT EXISTS (SELECT 1 FROM connections c WHERE c.id = a.login_id)"); err != nil {
			return err
		}
		if err := exec(&st.Imports, `DELETE FROM imports i WHERE started < $1 AND COALESCE(finished, started) < $1
			AND NOT EXISTS (SELECT 1 FROM connections WHERE import_id = i.id)
			AND NOT EXISTS (SELECT 1 FROM fail2ban_events WHERE import_id = i.id)
			AND NOT EXISTS (SELECT 1 FROM penalty_events WHERE import_id = i.id)`, c); err != nil {
			return err
		}
		return exec(&st.Locations, `DELETE FROM ip_geo g WHERE NOT EXISTS (SELECT 1 FROM connections c WHERE c.ip = g.ip)
			AND NOT EXISTS (SELECT 1 FROM fail2ban_events f WHERE f.ip = g.ip)
			AND NOT EXISTS (SELECT 1 FROM penalty_events p WHERE p.ip = g.ip)`)
	})
	if err != nil {
		return nil, fmt.Errorf("cannot prune db: %w", err)
	}
	if deleted := st.Connections + st.Fail2ban + st.Penalties; rows > 0 && float64(deleted) >= compactShare*float64(rows) {
		if _, err := s.pool.Exec(ctx, "VACUUM (ANALYZE) connections, fail2ban_events, penalty_events, ip_geo, imports, import_inputs, import_shapes, line_counts"); err != nil {
			return nil, fmt.Errorf("cannot compact db: %w", err)
		}
		st.Compacted = true
	}
	if st.SizeAfter, err = size(); err != nil {
		return nil, fmt.Errorf("cannot prune db: %w", err)
	}
	return st, nil
}
