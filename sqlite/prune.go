package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math"
	"time"

	"knocks"
)

var _ knocks.Pruner = (*EventStore)(nil)

// compactShare is the share of free pages from which Prune runs VACUUM:
// below it SQLite reuses the free pages for the next imports anyway.
const compactShare = 0.25

// Prune deletes the connections that ended before cut, the fail2ban and
// penalty events from before cut, the imports that no kept row was written
// by (with their per-input statistics and shapes), and the locations of
// addresses that no kept row names, all in one transaction (see
// knocks.Pruner). Checkpoints and journal cursors stay, so that the inputs
// they cover are not imported again; so does the number of lines read that
// an unfiltered report gives (it counts every line ever imported). The
// per-hour line counts of the hours that end at or before cut go, so that
// a report narrowed by time divides by the lines of the events it finds.
//
// It keeps the bookkeeping true for the rows that remain: connection_spans
// loses the spans whose rows are all gone and shrinks the others to their
// remaining rows, and geo_progress is moved back to the greatest id left
// in each table, as SQLite gives the next row the greatest id plus one and
// may reuse ids of deleted rows. When a quarter or more of the file is then
// free, it runs VACUUM (its temporary copy on disk, not in memory) and
// truncates the write-ahead log.
//
// The caller holds the importer's lock (LockImport). Returns EINVALID for a
// zero cut, and for a database opened read-only.
func (s *EventStore) Prune(ctx context.Context, cut time.Time) (*knocks.PruneStats, error) {
	if cut.IsZero() {
		return nil, knocks.Errorf(knocks.EINVALID, "prune needs a time to cut at")
	}
	if s.readOnly {
		return nil, knocks.Errorf(knocks.EINVALID, "cannot prune a database opened read-only")
	}
	st := &knocks.PruneStats{Cut: cut.UTC().Truncate(time.Second)}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot prune db: %w", err)
	}
	defer conn.Close()
	if st.SizeBefore, _, err = dbSize(ctx, conn); err != nil {
		return nil, fmt.Errorf("cannot prune db: %w", err)
	}
	if err := s.pruneTx(ctx, conn, cut.Unix(), st); err != nil {
		return nil, err
	}
	if err := s.refreshOn(ctx, conn); err != nil {
		return nil, fmt.Errorf("cannot prune db: %w", err)
	}
	size, free, err := dbSize(ctx, conn)
	if err != nil {
		return nil, fmt.Errorf("cannot prune db: %w", err)
	}
	st.SizeAfter = size
	if size > 0 && float64(free) >= compactShare*float64(size) {
		if err := compact(ctx, conn); err != nil {
			return nil, err
		}
		st.Compacted = true
		if st.SizeAfter, _, err = dbSize(ctx, conn); err != nil {
			return nil, fmt.Errorf("cannot prune db: %w", err)
		}
	}
	return st, nil
}

// pruneTx runs the deletes of Prune in one write transaction on conn.
func (s *EventStore) pruneTx(ctx context.Context, conn *sql.Conn, cut int64, st *knocks.PruneStats) error {
	tx, err := begin(ctx, conn, "BEGIN IMMEDIATE")
	if err != nil {
		return fmt.Errorf("cannot prune db: %w", err)
	}
	defer tx.end()
	exec := func(n *int64, query string, args ...any) error {
		res, err := conn.ExecContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("cannot prune db: %w", err)
		}
		if n != nil {
			k, err := res.RowsAffected()
			if err != nil {
				return fmt.Errorf("cannot prune db: %w", err)
			}
			*n += k
		}
		return nil
	}

	// Connections that ended before cut also started before it: only the
	// id ranges that connection_spans gives for a start before cut (and
	// the ids no span covers) are read.
	ranges, err := idRanges(ctx, conn, math.MinInt64, cut-1, math.MinInt64)
	if err != nil {
		return fmt.Errorf("cannot prune db: %w", err)
	}
	for _, r := range ranges {
		if err := exec(&st.Connections, "DELETE FROM connections WHERE id BETWEEN ? AND ? AND end_time < ?", r.lo, r.hi, cut); err != nil {
			return err
		}
	}
	if st.Connections > 0 {
		// The rollups cannot take out what they added (the first and
		// last times of an address): they are made again after the
		// prune (see refreshRollups).
		if err := exec(nil, "UPDATE rollup_state SET covered = -1 WHERE id = 1"); err != nil {
			return err
		}
		// Spans that may have lost rows: drop the empty ones, shrink the
		// others to the ids and times of the rows left.
		if err := exec(nil, `DELETE FROM connection_spans WHERE min_start < ?1
			AND NOT EXISTS (SELECT 1 FROM connections WHERE id BETWEEN first_id AND last_id)`, cut); err != nil {
			return err
		}
		if err := exec(nil, `UPDATE connection_spans SET
			min_start = (SELECT min(start_time) FROM connections WHERE id BETWEEN first_id AND last_id),
			max_start = (SELECT max(start_time) FROM connections WHERE id BETWEEN first_id AND last_id),
			max_end = (SELECT max(end_time) FROM connections WHERE id BETWEEN first_id AND last_id),
			first_id = (SELECT min(id) FROM connections WHERE id BETWEEN first_id AND last_id),
			last_id = (SELECT max(id) FROM connections WHERE id BETWEEN first_id AND last_id)
			WHERE min_start < ?1`, cut); err != nil {
			return err
		}
	}
	if err := exec(&st.Fail2ban, "DELETE FROM fail2ban_events WHERE time < ?", cut); err != nil {
		return err
	}
	if err := exec(&st.Penalties, "DELETE FROM penalty_events WHERE time < ?", cut); err != nil {
		return err
	}
	// The lines read in the hours before cut: a report narrowed by time
	// divides the hostile lines it finds by them, and finds none there.
	if err := exec(&st.LineHours, "DELETE FROM line_counts WHERE hour <= ? - 3600", cut); err != nil {
		return err
	}
	if st.Connections+st.Fail2ban+st.Penalties == 0 {
		return commitPrune(tx)
	}
	// The next row of a table gets its greatest id plus one: ids of
	// deleted rows may come again, and must then be located again.
	if err := exec(nil, `UPDATE geo_progress SET
		connections = min(connections, (SELECT COALESCE(max(id), 0) FROM connections)),
		fail2ban = min(fail2ban, (SELECT COALESCE(max(id), 0) FROM fail2ban_events))`); err != nil {
		return err
	}
	// The results kept before are stale now (kept.go): their pages go
	// free before the compaction below; `knocks prune` keeps new ones.
	if err := exec(nil, "DELETE FROM kept_results; DELETE FROM kept_alerts"); err != nil {
		return err
	}
	// Alerts already shown name a login by its connection's id, which may
	// come again: forget those of deleted connections.
	if err := exec(nil, "DELETE FROM alerts_shown WHERE login_id NOT IN (SELECT id FROM connections)"); err != nil {
		return err
	}
	// Imports before cut that no kept row was written by; their inputs
	// and shapes go with them (ON DELETE CASCADE).
	if err := exec(&st.Imports, `DELETE FROM imports WHERE started < ?1 AND COALESCE(finished, started) < ?1
		AND id NOT IN (SELECT import_id FROM connections WHERE import_id IS NOT NULL
			UNION SELECT import_id FROM fail2ban_events WHERE import_id IS NOT NULL
			UNION SELECT import_id FROM penalty_events WHERE import_id IS NOT NULL)`, cut); err != nil {
		return err
	}
	if err := exec(&st.Locations, `DELETE FROM ip_geo WHERE ip NOT IN (
		SELECT ip FROM connections WHERE ip IS NOT NULL
		UNION SELECT ip FROM fail2ban_events WHERE ip IS NOT NULL
		UNION SELECT ip FROM penalty_events WHERE ip IS NOT NULL)`); err != nil {
		return err
	}
	return commitPrune(tx)
}

// commitPrune commits the transaction of a prune.
func commitPrune(tx *txn) error {
	if err := tx.commit(); err != nil {
		return fmt.Errorf("cannot prune db: %w", err)
	}
	return nil
}

// dbSize returns the bytes of the database (its pages, as SQLite counts
// them) and the bytes of its free pages.
func dbSize(ctx context.Context, conn *sql.Conn) (size, free int64, err error) {
	var pages, freePages, pageSize int64
	if err := conn.QueryRowContext(ctx, "SELECT page_count, freelist_count, page_size FROM pragma_page_count(), pragma_freelist_count(), pragma_page_size()").
		Scan(&pages, &freePages, &pageSize); err != nil {
		return 0, 0, err
	}
	return pages * pageSize, freePages * pageSize, nil
}

// compact rebuilds the database without its free pages and truncates the
// write-ahead log. VACUUM copies the database into a temporary one first:
// that copy goes to a file, not to memory as the store's other temporary
// tables do, so that memory stays flat however large the database is.
func compact(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "PRAGMA temp_store = FILE"); err != nil {
		return fmt.Errorf("cannot compact db: %w", err)
	}
	defer func() {
		if _, err := conn.ExecContext(context.Background(), "PRAGMA temp_store = MEMORY"); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	if _, err := conn.ExecContext(ctx, "VACUUM"); err != nil {
		return fmt.Errorf("cannot compact db: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return fmt.Errorf("cannot compact db: %w", err)
	}
	return nil
}
