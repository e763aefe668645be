-- knocks schema, version 3: journald inputs are known by cursor. Per
-- journal (seqnum ID), the cursor of the last entry stored, written in the
-- same transaction as the connections it covers; entries at or before it
-- are skipped, whatever export or journalctl run they come from.
CREATE TABLE journal_cursors (
	seqnum_id TEXT    PRIMARY KEY,  -- the s= field of the cursor
	seqnum    INTEGER NOT NULL,     -- the i= field, as a number
	cursor    TEXT    NOT NULL,     -- the whole cursor, for journalctl --after-cursor
	realtime  INTEGER,              -- the t= field in unix microseconds; NULL when absent
	local     INTEGER NOT NULL,     -- 1 once `knocks ingest --journal` read this journal from this machine
	updated   INTEGER NOT NULL
) WITHOUT ROWID;
