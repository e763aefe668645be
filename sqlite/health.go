package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"

	"knocks"
)

// Health is what `knocks doctor` reports of a database.
type Health struct {
	Path        string
	Size        int64  // bytes of the file and its write-ahead log
	Check       string // "ok", or the first problem PRAGMA quick_check found
	Schema      int    // the schema version (PRAGMA user_version)
	Connections int64  // stored connections
	Last        *ImportStats
	LastRead    *ImportStats // the last import that read sshd lines; the parser-drift rate is its
}

// ImportStats sums what one import did over its inputs.
type ImportStats struct {
	ID           int64
	Started      time.Time
	Finished     time.Time // zero when it did not finish (killed, or running)
	Inputs       int
	Lines        int64
	SSHDLines    int64
	Unrecognised int64
	Skipped      int64
	Errors       int            // inputs with an error
	Shapes       []knocks.Shape // the most frequent shapes of its unrecognised lines, at most 5
}

// Health checks the database and returns its size, health and last
// imports.
func (s *EventStore) Health(ctx context.Context) (*Health, error) {
	h := &Health{Path: s.path}
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(s.path + suffix); err == nil {
			h.Size += fi.Size()
		}
	}
	if err := s.db.QueryRowContext(ctx, "PRAGMA quick_check(1)").Scan(&h.Check); err != nil {
		return nil, fmt.Errorf("cannot check db: %w", err)
	}
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&h.Schema); err != nil {
		return nil, fmt.Errorf("cannot check db: %w", err)
	}
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM connections").Scan(&h.Connections); err != nil {
		return nil, fmt.Errorf("cannot check db: %w", err)
	}
	var err error
	if h.Last, err = s.importStats(ctx, "SELECT max(id) FROM imports"); err != nil {
		return nil, err
	}
	if h.LastRead, err = s.importStats(ctx, "SELECT max(import_id) FROM import_inputs WHERE sshd_lines > 0"); err != nil {
		return nil, err
	}
	return h, nil
}

// importStats returns the stats of the import whose id the query selects,
// nil when it selects none.
func (s *EventStore) importStats(ctx context.Context, idQuery string) (*ImportStats, error) {
	var id sql.NullInt64
	if err := s.db.QueryRowContext(ctx, idQuery).Scan(&id); err != nil {
		return nil, fmt.Errorf("cannot read imports: %w", err)
	}
	if !id.Valid {
		return nil, nil
	}
	st := &ImportStats{ID: id.Int64}
	var started int64
	var finished sql.NullInt64
	if err := s.db.QueryRowContext(ctx, "SELECT started, finished FROM imports WHERE id = ?", id.Int64).Scan(&started, &finished); err != nil {
		return nil, fmt.Errorf("cannot read imports: %w", err)
	}
	st.Started = time.Unix(started, 0).UTC()
	if finished.Valid {
		st.Finished = time.Unix(finished.Int64, 0).UTC()
	}
	err := s.db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(lines), 0), coalesce(sum(sshd_lines), 0),
		coalesce(sum(unrecognised), 0), coalesce(sum(skipped), 0), count(error) FROM import_inputs WHERE import_id = ?`, id.Int64).
		Scan(&st.Inputs, &st.Lines, &st.SSHDLines, &st.Unrecognised, &st.Skipped, &st.Errors)
	if err != nil {
		return nil, fmt.Errorf("cannot read imports: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT shape, sum(count), min(example) FROM import_shapes WHERE import_id = ?
		GROUP BY shape ORDER BY sum(count) DESC, shape LIMIT 5`, id.Int64)
	if err != nil {
		return nil, fmt.Errorf("cannot read imports: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sh knocks.Shape
		var ex sql.NullString
		if err := rows.Scan(&sh.Shape, &sh.Count, &ex); err != nil {
			return nil, fmt.Errorf("cannot read imports: %w", err)
		}
		sh.Example = ex.String
		st.Shapes = append(st.Shapes, sh)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read imports: %w", err)
	}
	return st, nil
}
