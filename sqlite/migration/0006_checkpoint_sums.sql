-- knocks schema, version 6: inputs that share a first line (a blank line, a
-- header) each get a checkpoint of their own, told apart by a checksum of
-- their content up to the checkpoint; and the importer's lock records its
-- holder in the database itself.
CREATE TABLE checkpoints_new (
	id          INTEGER PRIMARY KEY,
	fingerprint TEXT    NOT NULL,
	name        TEXT    NOT NULL,
	byte_offset INTEGER NOT NULL,
	lines       INTEGER NOT NULL,
	sum         TEXT,               -- checksum of the content up to byte_offset; NULL for a checkpoint of version 2
	last_time   INTEGER,            -- the last event read; NULL when none
	updated     INTEGER NOT NULL
);
INSERT INTO checkpoints_new (fingerprint, name, byte_offset, lines, last_time, updated)
	SELECT fingerprint, name, byte_offset, lines, last_time, updated FROM checkpoints ORDER BY updated;
DROP TABLE checkpoints;
ALTER TABLE checkpoints_new RENAME TO checkpoints;
CREATE INDEX checkpoints_fingerprint ON checkpoints (fingerprint);

-- Who holds the importer's lock (a lock on the database file itself): for
-- the message to a second importer. The lock, not this row, excludes.
CREATE TABLE import_lock (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	pid      INTEGER,  -- NULL when no importer holds it
	host     TEXT,
	since    INTEGER
);
INSERT INTO import_lock (id) VALUES (1);
