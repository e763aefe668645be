// Package atomicfile writes files so that a reader never sees half of one,
// with the permissions that the user's umask gives a new file.
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// CreateTemp creates a new file in dir whose name is pattern with its last
// "*" replaced by a random string, and opens it for reading and writing.
// Unlike os.CreateTemp, which makes files 0600, it creates the file with
// mode 0666 less the process's umask, the mode any new file of the user
// gets, so that renaming it into place gives the file the permissions the
// user asked for.
func CreateTemp(dir, pattern string) (*os.File, error) {
	prefix, suffix := pattern, ""
	if i := strings.LastIndex(pattern, "*"); i >= 0 {
		prefix, suffix = pattern[:i], pattern[i+1:]
	}
	for try := 0; ; try++ {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("cannot create a temporary file: %w", err)
		}
		name := filepath.Join(dir, prefix+hex.EncodeToString(b[:])+suffix)
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) && try < 100 {
			continue
		}
		return f, err
	}
}

// Write writes the file at path through write, into a temporary file in the
// same directory that is renamed over path once it is complete and closed.
// A new file gets mode 0666 less the umask.
func Write(path string, write func(*os.File) error) error {
	f, err := CreateTemp(filepath.Dir(path), ".knocks-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
