package knocks

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Cursor is the position of one journald entry, read from its __CURSOR
// field: "s=<seqnum id>;i=<seqnum>;b=<boot id>;m=<monotonic>;t=<realtime>;x=<hash>".
//
// journald numbers the entries of one journal with a sequence number that
// only grows; the seqnum ID names that numbering (it changes only when the
// journal is started afresh, and differs between machines). Two entries of
// the same seqnum ID are therefore ordered by their seqnum, whatever export
// or journalctl run they come from. An input is known by its cursor in the
// same way as a file is known by its fingerprint: the store keeps, per
// seqnum ID, the cursor of the last entry stored, in the same transaction as
// the events.
type Cursor struct {
	SeqnumID string    // the s= field
	Seqnum   int64     // the i= field (hexadecimal in the text)
	Realtime time.Time // the t= field, UTC; zero when absent
	Text     string    // the cursor as journald wrote it, for journalctl --after-cursor
}

// MaxCursorLen bounds the length of a cursor that ParseCursor accepts:
// journald's are about 130 bytes.
const MaxCursorLen = 512

// ParseCursor parses the text of a journald cursor. It needs the s= and i=
// fields (a seqnum of at least 1); the other fields are kept in Text only,
// except t= for Realtime. It returns an EINVALID error for anything else.
func ParseCursor(s string) (Cursor, error) {
	c := Cursor{Text: s}
	if len(s) == 0 || len(s) > MaxCursorLen {
		return Cursor{}, Errorf(EINVALID, "not a journal cursor: %d bytes", len(s))
	}
	var seen bool
	for _, f := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return Cursor{}, Errorf(EINVALID, "not a journal cursor: field %q has no value", f)
		}
		switch k {
		case "s":
			if v == "" || !isHexText(v) {
				return Cursor{}, Errorf(EINVALID, "not a journal cursor: bad seqnum id %q", v)
			}
			c.SeqnumID = v
		case "i":
			n, err := strconv.ParseUint(v, 16, 63)
			if err != nil || n == 0 {
				return Cursor{}, Errorf(EINVALID, "not a journal cursor: bad seqnum %q", v)
			}
			c.Seqnum, seen = int64(n), true
		case "t":
			if us, err := strconv.ParseUint(v, 16, 63); err == nil {
				if t := time.UnixMicro(int64(us)).UTC(); ValidTime(t) {
					c.Realtime = t
				}
			}
		}
	}
	if c.SeqnumID == "" || !seen {
		return Cursor{}, Errorf(EINVALID, "not a journal cursor: no s= or i= field")
	}
	return c, nil
}

// String returns the cursor's text.
func (c Cursor) String() string { return c.Text }

func isHexText(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// CursorUpdate moves the stored cursor of one journal (seqnum ID) forward
// in a Batch. Prev is the seqnum the writer found stored when it began (0
// when none): a store writes the update only if that is still what it
// holds, so two importers can never both store the same entries.
type CursorUpdate struct {
	Cursor
	Prev  int64
	Local bool // read from this machine's journal by `knocks ingest --journal`
}

// StoredCursor is the stored position of one journal.
type StoredCursor struct {
	Cursor
	Local   bool      // some import read this journal through `knocks ingest --journal`
	Updated time.Time // when it was last moved
}

// The range of times that knocks stores. A log line with a time outside it
// (a clock that was never set, a corrupt journal field) is skipped as bad
// input: every output can show the times inside it (JSON and most formats
// have four-digit years).
var (
	MinTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// ValidTime reports whether t is within [MinTime, MaxTime].
func ValidTime(t time.Time) bool { return !t.Before(MinTime) && !t.After(MaxTime) }

// TimeRangeError returns the message for an event time outside the stored
// range, e.g. "time 11476-03-02T10:00:00Z is out of range (1970-9999)".
func TimeRangeError(t time.Time) string {
	return fmt.Sprintf("time %s is out of range (years 1970 to 9999)", t.UTC().Format(time.RFC3339))
}
