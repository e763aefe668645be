//go:build !unix

package sqlite

import "context"

// LockImport would take the importer's lock of the database; on systems
// without flock(2) it does nothing, and two importers that run at the same
// time are serialised by SQLite's own locking alone.
func (s *EventStore) LockImport(ctx context.Context, wait bool) (unlock func(), err error) {
	return func() {}, nil
}
