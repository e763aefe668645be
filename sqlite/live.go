package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// Changes tells a long-running reader (the dashboard) when the database
// changed, so that it computes a summary once per change and not once per
// request. It holds one connection of its own.
type Changes struct {
	mu   sync.Mutex
	conn *sql.Conn
}

// Changes returns a Changes over s. The caller closes it before s.
func (s *EventStore) Changes(ctx context.Context) (*Changes, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot watch db: %w", err)
	}
	return &Changes{conn: conn}, nil
}

// Generation returns a number that changes whenever another connection (of
// this process or another one, such as `knocks watch`) commits a
// transaction: SQLite's PRAGMA data_version.
func (c *Changes) Generation(ctx context.Context) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var v int64
	if err := c.conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("cannot read db version: %w", err)
	}
	return v, nil
}

// Close releases the connection.
func (c *Changes) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn.Close()
}
