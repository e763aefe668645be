//go:build unix

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"knocks"
	"knocks/ingest"
	"knocks/source"
)

// TestNothingReadableSaysWhyFirst checks the message of an import where no
// input could be opened for lack of permission: the reason first, then a
// hint that names the file's group. (The tests may run as root, who can
// open any file, so the error is made here as source.Open makes it.)
func TestNothingReadableSaysWhyFirst(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	if err := os.WriteFile(log, []byte("x\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(log)
	group := readableGroup(log)
	if g, err := user.LookupGroupId(fmt.Sprint(fileGID(fi))); err == nil && group != g.Name {
		t.Fatalf("readableGroup = %q, want %q", group, g.Name)
	}
	if group == "" {
		t.Skip("the file's group has no name on this system")
	}
	err := &source.Error{File: log, Err: fmt.Errorf("%w: %w", source.ErrOpen, fs.ErrPermission)}
	res := &ingest.Result{Inputs: []knocks.InputStats{{Name: log, Error: err.Error()}}, Errors: []error{err}, Skipped: true}
	var b bytes.Buffer
	if got := checkInputs(&b, res); !errors.Is(got, errReported) {
		t.Fatalf("checkInputs = %v, want errReported", got)
	}
	want := "knocks: nothing could be read: " + log + ": cannot open: permission denied\n" +
		"hint: " + log + " is readable by root and the group " + group + ": run knocks with sudo, or add yourself to the group with `sudo usermod -aG " + group + " $USER` (then log in again)\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}

	// Not readable by its group: sudo is the only way.
	if err := os.Chmod(log, 0o600); err != nil {
		t.Fatal(err)
	}
	if h := readHint(log, err); !strings.Contains(h, "is not readable by this user: run knocks with sudo") {
		t.Errorf("hint for a 0600 file: %s", h)
	}
	// Some inputs read: no failure, the caller prints what was left out.
	res.Inputs = append(res.Inputs, knocks.InputStats{Name: "other.log", Lines: 3})
	b.Reset()
	if got := checkInputs(&b, res); got != nil || b.Len() != 0 {
		t.Errorf("with one input read: %v, %q", got, b.String())
	}
	printNotRead(&b, res)
	if !strings.HasPrefix(b.String(), "knocks: not read, left out of the report: "+log+": cannot open: permission denied\nhint: ") {
		t.Errorf("printNotRead:\n%s", b.String())
	}
}
