-- knocks schema, version 10: the sums of the connections per host (and hour,
-- address, user name, port, address and day), kept as the connections are
-- written, so that a report without a time filter adds up a few thousand
-- rows instead of every connection. See docs/schema.md.

-- Which connections the rollup tables hold: every connection with an id up
-- to covered, as it is now. The rows after it are read one by one by a
-- report, until an import adds them. -1: the rollups are to be made again
-- (after a prune, or a rewrite that they cannot follow), and reports read
-- every row meanwhile.
CREATE TABLE rollup_state (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	covered INTEGER NOT NULL
);
-- An existing database: the next import adds every row it holds.
INSERT INTO rollup_state (id, covered) VALUES (1, 0);

-- Per host ('' for none) and UTC hour of the start of the connections.
CREATE TABLE rollup_hours (
	host     TEXT    NOT NULL,
	hour     INTEGER NOT NULL,  -- unix seconds / 3600, rounded down
	attempts INTEGER NOT NULL,
	conns    INTEGER NOT NULL,  -- failure connections
	scans    INTEGER NOT NULL,
	logins   INTEGER NOT NULL,
	hostile  INTEGER NOT NULL,  -- hostile lines
	first    INTEGER,           -- least start_time of the connections with hostile lines or logins; NULL when none
	last     INTEGER,           -- greatest end_time of those
	PRIMARY KEY (host, hour)
) WITHOUT ROWID;

-- Per host and source: an address, or a host name logged instead (UseDNS).
CREATE TABLE rollup_sources (
	host     TEXT    NOT NULL,
	k        TEXT    NOT NULL,  -- COALESCE(ip, rhost)
	is_ip    INTEGER NOT NULL,
	attempts INTEGER NOT NULL,
	conns    INTEGER NOT NULL,  -- failure connections
	first    INTEGER NOT NULL,  -- least start_time of all its connections
	last     INTEGER NOT NULL,  -- greatest end_time
	sub      TEXT,              -- /24 or /64 of an address
	sub48    TEXT,              -- /48 of an IPv6 address
	PRIMARY KEY (host, k)
) WITHOUT ROWID;

-- Per host and user name (with its validity), of failure connections.
CREATE TABLE rollup_users (
	host     TEXT    NOT NULL,
	name     TEXT    NOT NULL,
	invalid  INTEGER NOT NULL,
	attempts INTEGER NOT NULL,
	conns    INTEGER NOT NULL,
	PRIMARY KEY (host, name, invalid)
) WITHOUT ROWID;

-- Per host, the attempts of each source port: one value, as the ports of a
-- host are at most 65,535 and nearly every connection has one of its own,
-- so that a row per port would be a row per connection. ports is the
-- ports with attempts in ascending order, each as the uvarint of its
-- distance from the one before (from 0) and the varint of its attempts.
CREATE TABLE rollup_ports (
	host  TEXT PRIMARY KEY,
	ports BLOB NOT NULL
);

-- Per host, address and UTC day of the start, of connections with attempts:
-- the attempts per day of a country (joined with ip_geo when a report is made).
CREATE TABLE rollup_ip_days (
	host     TEXT    NOT NULL,
	ip       TEXT    NOT NULL,
	day      INTEGER NOT NULL,  -- unix seconds / 86400, rounded down
	attempts INTEGER NOT NULL,
	PRIMARY KEY (host, ip, day)
) WITHOUT ROWID;
