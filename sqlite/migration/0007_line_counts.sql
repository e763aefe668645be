-- knocks schema, version 7: the lines read per host and UTC hour, so that a
-- report narrowed by time or host divides its hostile lines by the lines of
-- its own time and host, not by every line ever read. See docs/schema.md.
CREATE TABLE line_counts (
	host  TEXT    NOT NULL,  -- the host of the lines; '' for lines without one
	hour  INTEGER NOT NULL,  -- the start of the UTC hour, unix seconds
	lines INTEGER NOT NULL CHECK (lines >= 0),
	PRIMARY KEY (host, hour)
) WITHOUT ROWID;

-- Lines read that are in no hour: those of the imports made before this
-- table existed, and those of inputs without a single dated sshd line. While
-- there are any, a report narrowed by time or host cannot tell its share.
CREATE TABLE lines_unbucketed (
	id    INTEGER PRIMARY KEY CHECK (id = 1),
	lines INTEGER NOT NULL CHECK (lines >= 0)
);
INSERT INTO lines_unbucketed (id, lines) SELECT 1, COALESCE(SUM(lines), 0) FROM checkpoints;
