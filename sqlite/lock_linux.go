package sqlite

import (
	"errors"
	"os"
	"syscall"
)

// Open file description locks (Linux 3.15+): they belong to the opened
// file, not to the process, so that SQLite closing a descriptor of the
// same file does not drop them. Linux numbers them alike on every
// architecture.
const (
	fOFDSetlk = 37 // F_OFD_SETLK
)

// lockByte is the byte of the database file that the importer's lock
// covers: in the page of SQLite's own lock bytes (1 GiB to 1 GiB + 512),
// which holds no data, and beyond the bytes SQLite locks.
const lockByte = 0x40000000 + 1024

// tryLock takes the importer's lock on f without waiting; false when
// another open file description holds it.
func tryLock(f *os.File) (bool, error) {
	return ofd(f, syscall.F_WRLCK)
}

// unlockFile releases the importer's lock on f.
func unlockFile(f *os.File) error {
	_, err := ofd(f, syscall.F_UNLCK)
	return err
}

func ofd(f *os.File, typ int16) (bool, error) {
	lk := syscall.Flock_t{Type: typ, Whence: 0, Start: lockByte, Len: 1}
	for {
		err := syscall.FcntlFlock(f.Fd(), fOFDSetlk, &lk)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EACCES):
			return false, nil
		default:
			return false, err
		}
	}
}
