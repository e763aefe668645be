package knocks

// Validate returns an EINVALID error for a batch that no store may write:
// a connection without a time, ending before it starts, with a negative
// count or id; a fail2ban or penalty event of another kind; a penalty
// event with a count below 1; a bad line count; a checkpoint without a
// fingerprint; a malformed cursor update, or two of one journal. Every
// store checks a batch with it before it writes anything.
func (b *Batch) Validate() error {
	for _, c := range b.Connections {
		switch {
		case c == nil:
			return Errorf(EINVALID, "nil connection in batch")
		case c.ID < 0:
			return Errorf(EINVALID, "connection with negative id %d", c.ID)
		case c.Start.IsZero() || c.End.IsZero():
			return Errorf(EINVALID, "connection of %s pid %d without a time", c.Host, c.PID)
		case c.End.Before(c.Start):
			return Errorf(EINVALID, "connection of %s pid %d ends before it starts", c.Host, c.PID)
		case c.Failed < 0 || c.FailureLines < 0 || c.ScanLines < 0 || c.Logins < 0:
			return Errorf(EINVALID, "connection of %s pid %d with a negative count", c.Host, c.PID)
		}
	}
	for i := range b.Fail2ban {
		if k := b.Fail2ban[i].Kind; k.Class() != ClassFail2ban {
			return Errorf(EINVALID, "not a fail2ban event kind: %q", k)
		}
	}
	for i := range b.Penalties {
		if k := b.Penalties[i].Kind; k.Class() != ClassPenalty {
			return Errorf(EINVALID, "not a penalty event kind: %q", k)
		}
		if b.Penalties[i].Count < 1 {
			return Errorf(EINVALID, "penalty event with count %d", b.Penalties[i].Count)
		}
	}
	for _, l := range b.Lines {
		if l.Lines < 0 || !l.Hour.IsZero() && !ValidTime(l.Hour) {
			return Errorf(EINVALID, "bad line count: %d lines at %v", l.Lines, l.Hour)
		}
	}
	if b.Checkpoint != nil && b.Checkpoint.Fingerprint == "" {
		return Errorf(EINVALID, "checkpoint without a fingerprint")
	}
	seen := make(map[string]bool, len(b.Cursors))
	for _, u := range b.Cursors {
		switch {
		case u.SeqnumID == "" || u.Text == "":
			return Errorf(EINVALID, "cursor update without a seqnum id or text")
		case u.Seqnum <= 0 || u.Prev < 0 || u.Seqnum < u.Prev:
			return Errorf(EINVALID, "cursor update of journal %.32s from %d to %d", u.SeqnumID, u.Prev, u.Seqnum)
		case seen[u.SeqnumID]:
			return Errorf(EINVALID, "two cursor updates of journal %.32s in one batch", u.SeqnumID)
		}
		seen[u.SeqnumID] = true
	}
	return nil
}
