package ingest

import (
	"context"

	"knocks"
)

// Journals is the position of each journal (seqnum ID) that journald
// entries were read from: the cursor of the last entry stored or read. An
// entry at or before the position of its journal was imported before and
// is skipped, so any sequence of overlapping exports, journalctl runs or
// followed streams stores every entry once.
//
// The pipeline keeps one Journals per import, loaded from the store; the
// updates it hands out (Take) are written in the same transaction as the
// events they cover. It is not safe for concurrent use.
type Journals struct {
	pos map[string]*journalPos
}

type journalPos struct {
	cur   knocks.Cursor
	local bool
	dirty bool // moved (or marked local) since the last Take
}

// NewJournals returns the positions of the stored cursors.
func NewJournals(stored []knocks.StoredCursor) *Journals {
	j := &Journals{pos: make(map[string]*journalPos, len(stored))}
	for _, c := range stored {
		j.pos[c.SeqnumID] = &journalPos{cur: c.Cursor, local: c.Local}
	}
	return j
}

// Next reports whether the entry at c is new: after the position of its
// journal (or of a journal not seen before). A new entry becomes the
// position. local says that the entry was read from this machine's journal
// by journalctl; the journal is then marked local, new entry or not.
func (j *Journals) Next(c knocks.Cursor, local bool) bool {
	p := j.pos[c.SeqnumID]
	if p == nil {
		j.pos[c.SeqnumID] = &journalPos{cur: c, local: local, dirty: true}
		return true
	}
	if c.Seqnum <= p.cur.Seqnum {
		if local && !p.local {
			p.local, p.dirty = true, true
		}
		return false
	}
	p.cur, p.dirty = c, true
	p.local = p.local || local
	return true
}

// Take returns the positions that moved since the last Take, as cursor
// updates without Prev (the writer fills it in); nil when none moved.
func (j *Journals) Take() []knocks.CursorUpdate {
	var out []knocks.CursorUpdate
	for _, p := range j.pos {
		if p.dirty {
			out = append(out, knocks.CursorUpdate{Cursor: p.cur, Local: p.local})
			p.dirty = false
		}
	}
	return out
}

// After returns the cursor to read this machine's journal after (for
// `journalctl --after-cursor`): of the journals that were read through
// journalctl, the position with the latest time. ok is false when no
// journal was: then the whole journal is read, and entries stored from
// exports are skipped by their cursor. Journals known only from exports may
// be another machine's, whose cursors would make journalctl skip entries of
// this one.
func (j *Journals) After() (c knocks.Cursor, ok bool) {
	for _, p := range j.pos {
		if !p.local {
			continue
		}
		if !ok || p.cur.Realtime.After(c.Realtime) || (p.cur.Realtime.Equal(c.Realtime) && p.cur.SeqnumID < c.SeqnumID) {
			c, ok = p.cur, true
		}
	}
	return c, ok
}

// AfterCursor returns the cursor after which this machine's journal is to
// be read (Journals.After of the stored cursors), "" when the whole journal
// is to be read.
func AfterCursor(ctx context.Context, s knocks.EventStore) (string, error) {
	stored, err := s.JournalCursors(ctx)
	if err != nil {
		return "", err
	}
	c, ok := NewJournals(stored).After()
	if !ok {
		return "", nil
	}
	return c.Text, nil
}
