//go:build unix

package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"knocks"
)

// lockPoll is how often a waiting LockImport tries again.
const lockPoll = 200 * time.Millisecond

// LockImport takes the importer's lock of the database: an exclusive
// flock(2) on the file <db>.lock, into which it writes its pid. Only one
// importer may write a database at a time (readers need no lock). With
// wait set it waits until the lock is free or ctx is done; without, it
// returns ECONFLICT naming the pid of the holder. The lock is released by
// calling unlock, or when the process ends. For an in-memory database it
// does nothing.
func (s *EventStore) LockImport(ctx context.Context, wait bool) (unlock func(), err error) {
	if s.path == Memory {
		return func() {}, nil
	}
	name := s.path + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot lock db: %w", err)
	}
	fd := int(f.Fd())
	for {
		err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("cannot lock db: %w", err)
		}
		if !wait {
			holder := ""
			if b, err := os.ReadFile(name); err == nil {
				if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
					holder = fmt.Sprintf(" (pid %d)", pid)
				}
			}
			f.Close()
			return nil, knocks.Errorf(knocks.ECONFLICT, "another knocks ingest is running on %s%s; try again later or use --wait", s.path, holder)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("cannot lock db: %w", ctx.Err())
		case <-time.After(lockPoll):
		}
	}
	// Ours now: record who holds it, for the message of the next one.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	var done bool
	return func() {
		if done {
			return
		}
		done = true
		_ = f.Truncate(0)
		_ = syscall.Flock(fd, syscall.LOCK_UN)
		f.Close()
	}, nil
}
