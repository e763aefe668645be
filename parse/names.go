package parse

import (
	"bytes"
	"strings"
	"unsafe"

	"knocks"
)

// Names keeps the host and user names of the lines parsed with its
// LineInto, so that a name seen before is not allocated again: a log names
// a few hosts on every line and the same user names over and over. It
// holds at most maxNames names of each kind and forgets them all when
// full, so that its memory is bounded whatever the log holds. The zero
// value is ready to use; a Names is not safe for concurrent use.
type Names struct {
	hosts, users       map[string]string
	lastHost, lastUser string // the names of the line before: most lines repeat them
}

// maxNames is the most names of each kind that a Names keeps.
const maxNames = 4096

// LineInto is the package's LineInto with the host and user names of the
// event taken from n.
func (n *Names) LineInto(b []byte, ev *knocks.Event) Status {
	*ev = knocks.Event{}
	st := lineInto(b, ev)
	ev.Host = n.host(ev.Host)
	ev.User = n.user(ev.User)
	return st
}

func (n *Names) host(s string) string {
	if s == n.lastHost {
		return n.lastHost
	}
	if n.hosts == nil {
		n.hosts = make(map[string]string)
	}
	n.lastHost = intern(n.hosts, s)
	return n.lastHost
}

func (n *Names) user(s string) string {
	if s == n.lastUser {
		return n.lastUser
	}
	if n.users == nil {
		n.users = make(map[string]string)
	}
	n.lastUser = intern(n.users, s)
	return n.lastUser
}

// intern returns the string of m equal to s, or adds a copy of s to m (which
// it first empties when it holds maxNames) and returns the copy. s may
// alias a buffer that is reused (see alias).
func intern(m map[string]string, s string) string {
	if s == "" {
		return ""
	}
	if t, ok := m[s]; ok {
		return t
	}
	if len(m) >= maxNames {
		clear(m)
	}
	t := strings.Clone(s)
	m[t] = t
	return t
}

// alias returns the bytes of b as a string without copying them. The
// parser sets the host and user names of an event with it, and every
// exported function of the package replaces them by strings of their own
// (own or Names) before it returns: while the parse runs, the bytes of
// the line do not change.
func alias(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// own gives the aliased names of ev (see alias) memory of their own.
func own(ev *knocks.Event) {
	ev.Host = strings.Clone(ev.Host)
	ev.User = strings.Clone(ev.User)
}

// lastIndex is bytes.LastIndex for the short, fixed separators of sshd's
// messages (" from ", " rhost=", ...): it finds the candidates by the
// last occurrence of the separator's first byte that is not a space (which
// is rare in a line, where a space is not), instead of hashing every
// window of s.
func lastIndex(s, sep []byte) int {
	p := 0
	for p < len(sep)-1 && sep[p] == ' ' {
		p++
	}
	c := sep[p]
	for end := len(s) - (len(sep) - 1 - p); end > p; {
		j := bytes.LastIndexByte(s[:end], c)
		if j < p {
			return -1
		}
		if k := j - p; bytes.Equal(s[k:k+len(sep)], sep) {
			return k
		}
		end = j
	}
	return -1
}
