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
	has_user      INTEGER NOT NULL,    -- 1 when username IS NOT NULL (the name may be '')
	invalid_user  INTEGER NOT NULL,    -- 1 when sshd called the user invalid or not allowed
	method        TEXT,                -- auth method of the last Failed line (or of the Accepted line)
	failed        INTEGER NOT NULL,    -- Failed lines (x N for "message repeated N times")
	failure_lines INTEGER NOT NULL,    -- failure lines, Failed lines included
	scan_lines    INTEGER NOT NULL,
	logins        INTEGER NOT NULL,    -- Accepted lines
	attempts      INTEGER NOT NULL,    -- failed, else 1 when failure_lines > 0, else 0
	subnet        TEXT,                -- ip's /24 (IPv4) or /64 (IPv6)
	import_id     INTEGER REFERENCES imports (id), -- the import that last wrote the row
	CHECK (has_user = (username IS NOT NULL)),
	CHECK (attempts = CASE WHEN failed > 0 THEN failed WHEN failure_lines > 0 THEN 1 ELSE 0 END)
);
CREATE INDEX connections_start ON connections (start_time);
CREATE INDEX connections_ip ON connections (ip);
CREATE INDEX connections_username ON connections (username);
CREATE INDEX connections_host ON connections (host, start_time);
-- The rare connections that lasted more than a day, so that a search by
-- time can bound start_time on both sides (see RecentConnections).
CREATE INDEX connections_long ON connections (end_time) WHERE end_time - start_time > 86400;

-- fail2ban.log Found, Ban and Unban lines. They never add to the counts of
-- connections.
CREATE TABLE fail2ban_events (
	id        INTEGER PRIMARY KEY,
	time      INTEGER NOT NULL,
	kind      TEXT    NOT NULL CHECK (kind IN ('f2b_found', 'f2b_ban', 'f2b_unban')),
	jail      TEXT,
	ip        TEXT,
	import_id INTEGER REFERENCES imports (id)
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
