package source

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrEmptyName is returned by Order for an empty name.
var ErrEmptyName = errors.New("empty file name")

// Order returns names oldest first, so that a connection that spans two
// files of a rotated set is read in order, whatever order the shell gave
// the names in.
//
// Names that share a base name (in the same directory) form a set:
// numbered rotations (auth.log.1, auth.log.2.gz: a higher number is older)
// come first, then dateext rotations (auth.log-20240225, auth.log-20240225.gz,
// also -YYYYMMDDHH and -YYYY-MM-DD: by date), then the bare name (auth.log,
// the newest). Compression suffixes (.gz, .bz2, .xz, .zst) are ignored for
// ordering. Several sets (auth.log*, secure*) are each ordered, and the
// sets are ordered by the oldest modification time among their files; a
// file that cannot be stat'ed counts as oldest (Open reports it). Names
// that compare equal keep their order. "-" (stdin) keeps its position.
//
// Order returns ErrEmptyName for an empty name and otherwise never fails.
func Order(names []string) ([]string, error) {
	type item struct {
		name  string
		idx   int
		group string
		class int   // 0 numbered, 1 dated, 2 bare
		key   int64 // numbered: -N (so that higher is older); dated: the date
	}
	type group struct {
		first  int
		oldest time.Time
		items  []item
	}
	groups := map[string]*group{}
	var order []*group
	for i, n := range names {
		if n == "" {
			return nil, ErrEmptyName
		}
		if n == "-" {
			continue
		}
		base, class, key := rotation(n)
		it := item{name: n, idx: i, group: base, class: class, key: key}
		g := groups[base]
		if g == nil {
			g = &group{first: i}
			groups[base] = g
			order = append(order, g)
		}
		var mt time.Time
		if fi, err := os.Stat(n); err == nil {
			mt = fi.ModTime()
		}
		if len(g.items) == 0 || mt.Before(g.oldest) {
			g.oldest = mt
		}
		g.items = append(g.items, it)
	}
	sort.SliceStable(order, func(i, j int) bool {
		if !order[i].oldest.Equal(order[j].oldest) {
			return order[i].oldest.Before(order[j].oldest)
		}
		return order[i].first < order[j].first
	})
	sorted := make([]string, 0, len(names))
	for _, g := range order {
		sort.SliceStable(g.items, func(i, j int) bool {
			a, b := g.items[i], g.items[j]
			if a.class != b.class {
				return a.class < b.class
			}
			return a.key < b.key
		})
		for _, it := range g.items {
			sorted = append(sorted, it.name)
		}
	}
	out := make([]string, len(names))
	k := 0
	for i, n := range names {
		if n == "-" {
			out[i] = n
			continue
		}
		out[i] = sorted[k]
		k++
	}
	return out, nil
}

// Classes of a name in its rotated set, oldest first.
const (
	classNumbered = iota
	classDated
	classBare
)

// rotation splits a file name into its set (directory and base name), its
// class and its sort key within the class.
func rotation(name string) (set string, class int, key int64) {
	dir, file := filepath.Split(name)
	for _, ext := range []string{".gz", ".bz2", ".xz", ".zst", ".Z"} {
		if s, ok := strings.CutSuffix(file, ext); ok && s != "" {
			file = s
			break
		}
	}
	// Numbered: base.N
	if i := strings.LastIndexByte(file, '.'); i > 0 && allDigits(file[i+1:]) {
		digits := file[i+1:]
		if d, ok := dateKey(digits); ok {
			return dir + file[:i], classDated, d
		}
		if n, err := strconv.ParseInt(digits, 10, 64); err == nil {
			return dir + file[:i], classNumbered, -n
		}
	}
	// Dateext: base-YYYYMMDD, base-YYYYMMDDHH, base-YYYY-MM-DD
	if i := strings.LastIndexByte(file, '-'); i > 0 {
		if d, ok := dateKey(file[i+1:]); ok {
			return dir + file[:i], classDated, d
		}
		// -YYYY-MM-DD: the last '-' is before DD.
		if len(file) > 11 && file[len(file)-11] == '-' {
			s := file[len(file)-10:]
			if s[4] == '-' && s[7] == '-' {
				if d, ok := dateKey(s[:4] + s[5:7] + s[8:]); ok {
					return dir + file[:len(file)-11], classDated, d
				}
			}
		}
	}
	return dir + file, classBare, 0
}

// dateKey returns YYYYMMDDHH as a number for "YYYYMMDD" or "YYYYMMDDHH"
// with a plausible date, or a Unix time of 10 digits (dateformat -%s) as is.
func dateKey(s string) (int64, bool) {
	if !allDigits(s) {
		return 0, false
	}
	switch len(s) {
	case 8, 10:
		y, _ := strconv.Atoi(s[:4])
		m, _ := strconv.Atoi(s[4:6])
		d, _ := strconv.Atoi(s[6:8])
		if y >= 1970 && y <= 2999 && m >= 1 && m <= 12 && d >= 1 && d <= 31 {
			n, _ := strconv.ParseInt(s, 10, 64)
			if len(s) == 8 {
				n *= 100
			}
			return n, true
		}
		if len(s) == 10 { // a Unix time
			n, _ := strconv.ParseInt(s, 10, 64)
			return n, true
		}
	}
	return 0, false
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Settle is how long a plain file must have been left unchanged for its last
// line to be final without a newline (see Final). Syslog daemons write a
// line in one write, or flush a partial buffer within a second or so; a
// line without its newline for this long is one the writer will not finish
// (it crashed, the disk filled, or the file is a copy).
const Settle = 5 * time.Minute

// Final reports whether a plain file named name, last modified at modTime,
// will not grow any more as seen at now, so that a last line without a
// newline is a line to read and not one still being written: a rotated
// file of a set (auth.log.1, auth.log-20240225; not the live auth.log), or
// a file unchanged for Settle. Gzip content, pipes and stdin are final at
// their end whatever their name (Open and NewReader set Complete).
func Final(name string, modTime, now time.Time) bool {
	if _, class, _ := rotation(name); class != classBare {
		return true
	}
	return !modTime.IsZero() && now.Sub(modTime) >= Settle
}
