-- knocks schema, version 1. See docs/schema.md.
-- Times are unix seconds (UTC) in INTEGER columns; a value that is absent
-- is NULL, never an empty string or 0.

-- One run of `knocks ingest`.
CREATE TABLE imports (
	id       INTEGER PRIMARY KEY,
	started  INTEGER NOT NULL,
	finished INTEGER             -- NULL until the import finished (killed or still running)
);

-- What one import did with one input, in the order the inputs were read.
CREATE TABLE import_inputs (
	import_id    INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
	seq          INTEGER NOT NULL,  -- 0-based position of the input in the import
	name         TEXT    NOT NULL,
	fingerprint  TEXT,
	lines        INTEGER NOT NULL,
	sshd_lines   INTEGER NOT NULL,
	recognised   INTEGER NOT NULL,
	unrecognised INTEGER NOT NULL,
	skipped      INTEGER NOT NULL,
	events       INTEGER NOT NULL,
	error        TEXT,
	PRIMARY KEY (import_id, seq)
);

-- Unrecognised sshd lines of one input of one import, grouped by shape.
CREATE TABLE import_shapes (
	import_id INTEGER NOT NULL,
	seq       INTEGER NOT NULL,
	shape     TEXT    NOT NULL,
	count     INTEGER NOT NULL,
	example   TEXT,
	FOREIGN KEY (import_id, seq) REFERENCES import_inputs (import_id, seq) ON DELETE CASCADE
);
CREATE INDEX import_shapes_input ON import_shapes (import_id, seq);

-- How far each input (known by the fingerprint of its first line) has been
-- read. Written in the same transaction as the connections it covers.
CREATE TABLE checkpoints (
	fingerprint TEXT    PRIMARY KEY,
	name        TEXT    NOT NULL,
	byte_offset INTEGER NOT NULL,
	lines       INTEGER NOT NULL,
	last_time   INTEGER,            -- the last event read; NULL when none
	updated     INTEGER NOT NULL
);

-- One row per sshd connection (one sshd process): the unit every count is
-- made of.
CREATE TABLE connections (
	id            INTEGER PRIMARY KEY,
	host          TEXT,                -- the host that logged it
	pid           INTEGER,
	start_time    INTEGER NOT NULL,    -- first event
	end_time      INTEGER NOT NULL,    -- last event
	ip            TEXT,                -- canonical text form; IPv4-mapped IPv6 as IPv4
	rhost         TEXT,                -- a host name logged instead of an address (UseDNS)
	port          INTEGER,
	username      TEXT,                -- bytes exactly as sent (may be invalid UTF-8); NULL when no line named a user
	invalid_user  INTEGER NOT NULL,    -- 1 when sshd called the user invalid or not allowed
	method        TEXT,                -- auth method of the last Failed line (or of the Accepted line)
	failed        INTEGER NOT NULL,    -- Failed lines (x N for "message repeated N times")
	failure_lines INTEGER NOT NULL,    -- failure lines, Failed lines included
	scan_lines    INTEGER NOT NULL,
	logins        INTEGER NOT NULL,    -- Accepted lines
	subnet        TEXT,                -- ip's /24 (IPv4) or /64 (IPv6)
	import_id     INTEGER,             -- the import (imports.id) that last wrote the row
	-- Derived, computed by SQLite on write:
	has_user      INTEGER GENERATED ALWAYS AS (username IS NOT NULL) VIRTUAL,
	attempts      INTEGER GENERATED ALWAYS AS (CASE WHEN failed > 0 THEN failed WHEN failure_lines > 0 THEN 1 ELSE 0 END) STORED,
	CHECK (end_time >= start_time AND failed >= 0 AND failure_lines >= 0 AND scan_lines >= 0 AND logins >= 0)
);
-- connections has no index besides its id: each index costs a third or
-- more of the write speed. Instead, connection_spans keeps, for each run of
-- ids that one write inserted, the range of their times (a block range
-- index, like PostgreSQL's BRIN): logs are written in time order, so a time
-- range maps to few id ranges. See docs/schema.md.
CREATE TABLE connection_spans (
	first_id  INTEGER PRIMARY KEY,  -- connections.id of the first row of the run
	last_id   INTEGER NOT NULL,     -- and of the last
	min_start INTEGER NOT NULL,     -- the least start_time of the rows
	max_start INTEGER NOT NULL,     -- the greatest start_time
	max_end   INTEGER NOT NULL      -- the greatest end_time
);

-- fail2ban.log Found, Ban and Unban lines. They never add to the counts of
-- connections.
CREATE TABLE fail2ban_events (
	id        INTEGER PRIMARY KEY,
	time      INTEGER NOT NULL,
	kind      TEXT    NOT NULL CHECK (kind IN ('f2b_found', 'f2b_ban', 'f2b_unban')),
	jail      TEXT,
	ip        TEXT,
	import_id INTEGER                 -- imports.id
);
CREATE INDEX fail2ban_events_time ON fail2ban_events (time);
CREATE INDEX fail2ban_events_ip ON fail2ban_events (ip);

-- Where each distinct source address is, looked up once.
CREATE TABLE ip_geo (
	ip           TEXT    PRIMARY KEY,
	reserved     TEXT,               -- a special-purpose range label ('private', ...); then the rest is NULL
	country      TEXT,               -- ISO 3166 alpha-2
	country_name TEXT,
	registered   INTEGER NOT NULL,   -- 1: country is the registered country, not the located one
	city         TEXT,
	region       TEXT,
	lat          REAL,               -- NULL unless has_coords
	lon          REAL,
	has_coords   INTEGER NOT NULL,
	asn          INTEGER,
	org          TEXT,
	prefix       TEXT,
	source       TEXT    NOT NULL,   -- the databases (with build dates) it was looked up in
	looked_up    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX ip_geo_country ON ip_geo (country);
CREATE INDEX ip_geo_asn ON ip_geo (asn);
