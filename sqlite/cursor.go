package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"knocks"
)

// writeCursors moves the stored cursors inside the transaction of a batch.
// Each update is a compare-and-swap: it applies only when the stored
// seqnum is still its Prev (no row when Prev is 0), and otherwise the
// whole batch fails with ECONFLICT, so that no two importers store the
// same entries.
func (s *EventStore) writeCursors(ctx context.Context, conn *sql.Conn, ups []knocks.CursorUpdate) error {
	now := s.now().Unix()
	for _, u := range ups {
		var stored sql.NullInt64
		err := conn.QueryRowContext(ctx, "SELECT seqnum FROM journal_cursors WHERE seqnum_id = ?", u.SeqnumID).Scan(&stored)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("cannot write cursor: %w", err)
		}
		if stored.Int64 != u.Prev {
			return knocks.Errorf(knocks.ECONFLICT, "journal %.32s: another import stored its entries up to %d meanwhile (expected %d); run the import again",
				u.SeqnumID, stored.Int64, u.Prev)
		}
		if _, err := conn.ExecContext(ctx, `INSERT INTO journal_cursors (seqnum_id, seqnum, cursor, realtime, local, updated)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (seqnum_id) DO UPDATE SET seqnum = excluded.seqnum, cursor = excluded.cursor,
				realtime = excluded.realtime, local = max(local, excluded.local), updated = excluded.updated`,
			u.SeqnumID, u.Seqnum, u.Text, nullMicro(u.Realtime), boolInt(u.Local), now); err != nil {
			return fmt.Errorf("cannot write cursor: %w", err)
		}
	}
	return nil
}

// JournalCursors returns the stored cursor of every journal (seqnum ID)
// that entries were imported from, ordered by seqnum ID.
func (s *EventStore) JournalCursors(ctx context.Context) ([]knocks.StoredCursor, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT seqnum_id, seqnum, cursor, realtime, local, updated FROM journal_cursors ORDER BY seqnum_id")
	if err != nil {
		return nil, fmt.Errorf("cannot read journal cursors: %w", err)
	}
	defer rows.Close()
	var out []knocks.StoredCursor
	for rows.Next() {
		var c knocks.StoredCursor
		var realtime sql.NullInt64
		var updated int64
		if err := rows.Scan(&c.SeqnumID, &c.Seqnum, &c.Text, &realtime, &c.Local, &updated); err != nil {
			return nil, fmt.Errorf("cannot read journal cursors: %w", err)
		}
		if realtime.Valid {
			c.Realtime = time.UnixMicro(realtime.Int64).UTC()
		}
		c.Updated = fromUnix(updated)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read journal cursors: %w", err)
	}
	return out, nil
}

func nullMicro(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}
