package postgres

import (
	"context"
	"fmt"
	"os"
	"time"

	"knocks"
)

// lockPoll is how often a waiting LockImport tries again.
const lockPoll = 200 * time.Millisecond

// LockImport takes the importer's lock of the store's host id: a
// session-level advisory lock (a hash of the host id) held on a connection
// of its own. One importer of a host runs at a time; importers of other
// hosts take other locks and never wait for it (and the checkpoints'
// compare-and-swap keeps two writers from storing the same lines even
// without the lock). The holder's pid and machine are recorded in the
// table import_lock. With wait set LockImport waits until the lock is free
// or ctx is done; without, it returns ECONFLICT naming the holder. The lock
// is released by unlock, by Close, or when the connection ends.
func (s *EventStore) LockImport(ctx context.Context, wait bool) (unlock func(), err error) {
	if s.lock != nil {
		return nil, knocks.Errorf(knocks.ECONFLICT, "this process already holds the importer's lock of host id %s", s.hostID)
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot lock db: %w", err)
	}
	key := lockKey("import", s.hostID, "")
	for {
		var ok bool
		if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", key).Scan(&ok); err != nil {
			conn.Release()
			return nil, fmt.Errorf("cannot lock db: %w", err)
		}
		if ok {
			break
		}
		if !wait {
			holder := ""
			var pid *int32
			var host *string
			if err := conn.QueryRow(ctx, "SELECT pid, host FROM import_lock WHERE host_id = $1", s.hostID).Scan(&pid, &host); err == nil && pid != nil {
				holder = fmt.Sprintf(" (pid %d", *pid)
				if host != nil {
					holder += " on " + *host
				}
				holder += ")"
			}
			conn.Release()
			return nil, knocks.Errorf(knocks.ECONFLICT, "another knocks ingest of host id %s is running on %s%s; try again later or use --wait", s.hostID, s.url, holder)
		}
		select {
		case <-ctx.Done():
			conn.Release()
			return nil, fmt.Errorf("cannot lock db: %w", ctx.Err())
		case <-time.After(lockPoll):
		}
	}
	host, _ := os.Hostname()
	if _, err := conn.Exec(ctx, `INSERT INTO import_lock (host_id, pid, host, since) VALUES ($1, $2, $3, $4)
		ON CONFLICT (host_id) DO UPDATE SET pid = excluded.pid, host = excluded.host, since = excluded.since`,
		s.hostID, int32(os.Getpid()), host, s.now().Unix()); err != nil {
		_, _ = conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", key)
		conn.Release()
		return nil, fmt.Errorf("cannot lock db: %w", err)
	}
	s.lock = conn
	return s.releaseLock, nil
}

// releaseLock releases the importer's lock, if this store holds it.
func (s *EventStore) releaseLock() {
	conn := s.lock
	if conn == nil {
		return
	}
	s.lock = nil
	ctx := context.Background()
	_, _ = conn.Exec(ctx, "UPDATE import_lock SET pid = NULL, host = NULL, since = NULL WHERE host_id = $1 AND pid = $2", s.hostID, int32(os.Getpid()))
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", lockKey("import", s.hostID, "")); err != nil {
		// The session may still hold the lock: end it.
		_ = conn.Conn().Close(ctx)
	}
	conn.Release()
}
