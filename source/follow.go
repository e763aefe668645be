package source

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"knocks"
)

// Resume makes an input that reached the end of its content read on, as
// `tail -f` does: the next Next reads what was appended since. A final line
// without its newline stays buffered until its newline arrives. Resume
// returns false, and does nothing, for gzip content, a reader that is not
// a file, or after a read error.
func (in *Input) Resume() bool {
	if in.gzip || in.file == nil || !in.seek || in.rerr != nil || in.err != nil {
		return false
	}
	in.done, in.eof, in.partial = false, false, 0
	return true
}

// Rotation says what became of the file that a followed input reads.
type Rotation int

// The rotations that Rotated reports.
const (
	// Same: the name still names the open file, which has not shrunk.
	Same Rotation = iota
	// Missing: the name names no file (renamed, not yet created again).
	Missing
	// Replaced: the name names another file (the open one was renamed or
	// removed, and a new one created: logrotate's default).
	Replaced
	// Truncated: the open file is shorter than what was read, or its first
	// line changed (logrotate's copytruncate).
	Truncated
)

// String returns the name of r.
func (r Rotation) String() string {
	switch r {
	case Missing:
		return "missing"
	case Replaced:
		return "replaced"
	case Truncated:
		return "truncated"
	}
	return "same"
}

// Rotated compares the open file of a followed input with what its name
// names now. It returns Same for inputs that are not plain files.
func (in *Input) Rotated() Rotation {
	if in.file == nil || !in.seek || in.gzip {
		return Same
	}
	open, err := in.file.Stat()
	if err != nil {
		return Same
	}
	named, err := os.Stat(in.name)
	switch {
	case err != nil:
		return Missing
	case !os.SameFile(open, named):
		return Replaced
	case open.Size() < in.off:
		return Truncated
	}
	if in.fp != "" && in.firstLineHash() != in.fp {
		return Truncated // truncated and written again past where we were
	}
	return Same
}

// firstLineHash returns the fingerprint of the open file's first line as it
// is now, "" when it cannot be read.
func (in *Input) firstLineHash() string {
	b := make([]byte, knocks.FingerprintLen)
	n, _ := in.file.ReadAt(b, 0)
	b = b[:n]
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i+1]
	} else if n < knocks.FingerprintLen {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// RotatedCopies returns the files beside name that logrotate may have made
// of it, newest first: name.1, name.1.gz, and name-DATE (dateext), so that
// a follower that finds its file truncated can read the copy's end.
func RotatedCopies(name string) []string {
	var out []string
	for _, n := range []string{name + ".1", name + ".1.gz", name + ".0"} {
		if fi, err := os.Stat(n); err == nil && fi.Mode().IsRegular() {
			out = append(out, n)
		}
	}
	dated, _ := filepath.Glob(globEscape(name) + "-[0-9]*")
	sort.Sort(sort.Reverse(sort.StringSlice(dated)))
	for _, n := range dated {
		if strings.HasSuffix(n, ".xz") || strings.HasSuffix(n, ".bz2") || strings.HasSuffix(n, ".zst") {
			continue
		}
		out = append(out, n)
		if len(out) >= 4 {
			break
		}
	}
	return out
}

// globEscape escapes the pattern characters of a file name.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
