//go:build unix

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"knocks"
)

// lockPoll is how often a waiting LockImport tries again.
const lockPoll = 200 * time.Millisecond

// LockImport takes the importer's lock of the database: a lock on the
// database file itself (not on a name beside it), so that every path that
// reaches the file, through a symlink, a hard link or another mount, sees
// it. Only one importer may write a database at a time (readers need no
// lock); the checkpoints' compare-and-swap keeps two writers from storing
// the same lines even without it. The holder's pid is recorded in the
// database (table import_lock). With wait set LockImport waits until the
// lock is free or ctx is done; without, it returns ECONFLICT naming the pid
// of the holder. The lock is released by calling unlock, or by Close, or
// when the process ends. For an in-memory database it does nothing.
func (s *EventStore) LockImport(ctx context.Context, wait bool) (unlock func(), err error) {
	if s.path == Memory {
		return func() {}, nil
	}
	if s.lockFile == nil {
		// The descriptor stays open until Close, after SQLite's own:
		// closing any descriptor of the file drops the process's POSIX
		// locks on it, SQLite's included.
		f, err := os.OpenFile(s.path, os.O_RDWR, 0)
		if err != nil {
			return nil, fmt.Errorf("cannot lock db: %w", err)
		}
		s.lockFile = f
	}
	// A holder records its pid just after it takes the lock: without
	// --wait, ask again for a moment before saying who holds it.
	const pidTries = 40
	for tries := 0; ; tries++ {
		ok, err := tryLock(s.lockFile)
		if err != nil {
			return nil, fmt.Errorf("cannot lock db: %w", err)
		}
		if ok {
			break
		}
		if !wait {
			var pid sql.NullInt64
			err := s.db.QueryRowContext(ctx, "SELECT pid FROM import_lock WHERE id = 1").Scan(&pid)
			if found := err == nil && pid.Valid; found || tries >= pidTries {
				holder := ""
				if found {
					holder = fmt.Sprintf(" (pid %d)", pid.Int64)
				}
				return nil, knocks.Errorf(knocks.ECONFLICT, "another knocks ingest is running on %s%s; try again later or use --wait", s.path, holder)
			}
		}
		poll := lockPoll
		if !wait {
			poll = lockPoll / 4
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("cannot lock db: %w", ctx.Err())
		case <-time.After(poll):
		}
	}
	// Ours now: record who holds it, for the message of the next one.
	host, _ := os.Hostname()
	if _, err := s.db.ExecContext(ctx, "UPDATE import_lock SET pid = ?, host = ?, since = ? WHERE id = 1", os.Getpid(), host, s.now().Unix()); err != nil {
		_ = unlockFile(s.lockFile)
		return nil, fmt.Errorf("cannot lock db: %w", err)
	}
	// Into the file itself: SQLite names the WAL after the path, so that
	// an importer that comes through a hard link reads the main file only.
	// FULL waits for readers of older snapshots, which PASSIVE would skip,
	// but not for long: a report may read for minutes.
	s.checkpointFull(ctx, 2*time.Second)
	var done bool
	return func() {
		if done {
			return
		}
		done = true
		_, _ = s.db.Exec("UPDATE import_lock SET pid = NULL, host = NULL, since = NULL WHERE id = 1 AND pid = ?", os.Getpid())
		_ = unlockFile(s.lockFile)
	}, nil
}

// closeLock closes the descriptor that LockImport holds, which releases the
// lock; Close calls it after the database is closed.
func (s *EventStore) closeLock() error {
	if s.lockFile == nil {
		return nil
	}
	err := s.lockFile.Close()
	s.lockFile = nil
	if err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("cannot close db: %w", err)
	}
	return nil
}

// checkpointFull copies the WAL into the database file, waiting up to wait
// for readers of older snapshots; it gives up quietly after that.
func (s *EventStore) checkpointFull(ctx context.Context, wait time.Duration) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA busy_timeout = "+strconv.FormatInt(wait.Milliseconds(), 10)); err != nil {
		return
	}
	defer conn.ExecContext(context.Background(), "PRAGMA busy_timeout = "+strconv.FormatInt(busyTimeout.Milliseconds(), 10))
	_, _ = conn.ExecContext(ctx, "PRAGMA wal_checkpoint(FULL)")
}
