-- knocks PostgreSQL schema, version 1. See docs/schema.md.
-- Times are unix seconds (UTC) in bigint columns, as in the SQLite store; a
-- value that is absent is NULL. Text that attackers or log writers choose
-- (user names, host names, log lines, file names) is bytea: stored as the
-- bytes it is (PostgreSQL's text refuses NUL and invalid UTF-8) and ordered
-- byte by byte. Other text is COLLATE "C", ordered byte by byte too.

-- One run of `knocks ingest` (or watch) of one host.
CREATE TABLE imports (
	id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	host_id  text COLLATE "C" NOT NULL,  -- --host-id of the importer
	started  bigint NOT NULL,
	finished bigint                      -- NULL until the import finished
);

-- What one import did with one input, in the order the inputs were read.
CREATE TABLE import_inputs (
	import_id    bigint NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
	seq          integer NOT NULL,
	name         bytea NOT NULL,
	fingerprint  text COLLATE "C",
	lines        bigint NOT NULL,
	sshd_lines   bigint NOT NULL,
	recognised   bigint NOT NULL,
	unrecognised bigint NOT NULL,
	skipped      bigint NOT NULL,
	events       bigint NOT NULL,
	error        bytea,
	PRIMARY KEY (import_id, seq)
);

-- Unrecognised sshd lines of one input of one import, grouped by shape.
CREATE TABLE import_shapes (
	import_id bigint NOT NULL,
	seq       integer NOT NULL,
	shape     bytea NOT NULL,
	count     bigint NOT NULL,
	example   bytea,
	FOREIGN KEY (import_id, seq) REFERENCES import_inputs (import_id, seq) ON DELETE CASCADE
);
CREATE INDEX import_shapes_input ON import_shapes (import_id, seq);

-- How far each input of each host has been read: an input is known per
-- host (host_id) by the fingerprint of its first line and a checksum of its
-- content. Written in the same transaction as the connections it covers,
-- as a compare-and-swap (see Write).
CREATE TABLE checkpoints (
	id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	host_id     text COLLATE "C" NOT NULL,
	fingerprint text COLLATE "C" NOT NULL,
	name        bytea NOT NULL,
	byte_offset bigint NOT NULL,
	lines       bigint NOT NULL,
	sum         text COLLATE "C",  -- NULL for a checkpoint without a checksum
	last_time   bigint,
	updated     bigint NOT NULL
);
CREATE INDEX checkpoints_input ON checkpoints (host_id, fingerprint);

-- One row per sshd connection (one sshd process): the unit every count is
-- made of. attempts, is_failure, is_scan, hostile_lines and has_event are
-- derived at write time by the domain's counting rules (knocks.Connection):
-- reports only sum and group stored columns.
CREATE TABLE connections (
	id            bigint PRIMARY KEY,
	host_id       text COLLATE "C" NOT NULL,  -- the importer that wrote it
	host          bytea,            -- the host that logged it
	pid           integer,
	start_time    bigint NOT NULL,
	end_time      bigint NOT NULL,
	ip            text COLLATE "C", -- canonical text; IPv4-mapped IPv6 as IPv4
	rhost         bytea,            -- a host name logged instead of an address (UseDNS)
	port          integer,
	username      bytea,            -- NULL when no line named a user
	invalid_user  boolean NOT NULL,
	method        bytea,
	failed        bigint NOT NULL,
	failure_lines bigint NOT NULL,
	scan_lines    bigint NOT NULL,
	logins        bigint NOT NULL,
	subnet        text COLLATE "C", -- ip's /24 (IPv4) or /64 (IPv6)
	subnet48      text COLLATE "C", -- ip's /48 (IPv6 only)
	import_id     bigint,
	attempts      bigint NOT NULL,  -- knocks.Connection.Attempts
	is_failure    boolean NOT NULL, -- knocks.Connection.IsFailure
	is_scan       boolean NOT NULL, -- knocks.Connection.IsScan
	hostile_lines bigint NOT NULL,  -- knocks.Connection.HostileLines
	has_event     boolean NOT NULL, -- knocks.Connection.HasEvent
	CHECK (end_time >= start_time AND failed >= 0 AND failure_lines >= 0 AND scan_lines >= 0 AND logins >= 0)
);
CREATE SEQUENCE connections_id OWNED BY connections.id;
-- Logs are written in time order, so a block range index is small and
-- finds a time range; the b-tree on (host_id, end_time) finds the recent
-- connections that an importer extends.
CREATE INDEX connections_start ON connections USING brin (start_time);
CREATE INDEX connections_recent ON connections (host_id, end_time);
CREATE INDEX connections_ip ON connections (ip);

-- fail2ban.log Found, Ban and Unban lines, bans of fail2ban's database and
-- SSHGuard blocks. They never add to the counts of connections.
CREATE TABLE fail2ban_events (
	id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	time      bigint NOT NULL,
	kind      text COLLATE "C" NOT NULL CHECK (kind IN ('f2b_found', 'f2b_ban', 'f2b_unban')),
	jail      bytea,
	ip        text COLLATE "C",
	host      bytea,
	bantime   bigint,
	bancount  bigint,
	import_id bigint
);
CREATE INDEX fail2ban_events_time ON fail2ban_events (time);
CREATE INDEX fail2ban_events_ip ON fail2ban_events (ip);
-- A ban or unban is stored once, however often it is read.
CREATE UNIQUE INDEX fail2ban_events_once ON fail2ban_events (kind, COALESCE(host, ''), COALESCE(jail, ''), ip, time)
	WHERE kind IN ('f2b_ban', 'f2b_unban');

-- What sshd (or PAM) blocked by itself; never part of the connections.
CREATE TABLE penalty_events (
	id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	time      bigint NOT NULL,
	host      bytea,
	kind      text COLLATE "C" NOT NULL CHECK (kind IN ('drop', 'penalty', 'lockout')),
	ip        text COLLATE "C",
	reason    bytea,
	username  bytea,
	count     bigint NOT NULL CHECK (count >= 1),
	import_id bigint
);
CREATE INDEX penalty_events_time ON penalty_events (time);

-- Where each distinct source address is, looked up once.
CREATE TABLE ip_geo (
	ip           text COLLATE "C" PRIMARY KEY,
	reserved     text COLLATE "C",
	country      text COLLATE "C",
	country_name text COLLATE "C",
	registered   boolean NOT NULL,
	city         text COLLATE "C",
	region       text COLLATE "C",
	lat          double precision,
	lon          double precision,
	has_coords   boolean NOT NULL,
	asn          bigint,
	org          text COLLATE "C",
	prefix       text COLLATE "C",
	source       text COLLATE "C" NOT NULL,
	looked_up    bigint NOT NULL
);
CREATE INDEX ip_geo_country ON ip_geo (country);
CREATE INDEX ip_geo_asn ON ip_geo (asn);

-- Per host and journal (seqnum ID), the cursor of the last entry stored.
CREATE TABLE journal_cursors (
	host_id   text COLLATE "C" NOT NULL,
	seqnum_id text COLLATE "C" NOT NULL,
	seqnum    bigint NOT NULL,
	cursor    bytea NOT NULL,
	realtime  bigint,
	local     boolean NOT NULL,
	updated   bigint NOT NULL,
	PRIMARY KEY (host_id, seqnum_id)
);

-- Lines read per logged host and UTC hour.
CREATE TABLE line_counts (
	host  bytea NOT NULL,
	hour  bigint NOT NULL,
	lines bigint NOT NULL CHECK (lines >= 0),
	PRIMARY KEY (host, hour)
);

-- Lines read that are in no hour, per importer, so that importers of
-- different hosts never wait for one row.
CREATE TABLE lines_unbucketed (
	host_id text COLLATE "C" PRIMARY KEY,
	lines   bigint NOT NULL CHECK (lines >= 0)
);

-- The alerts that `knocks alerts` has shown.
CREATE TABLE alerts_shown (
	kind     text COLLATE "C" NOT NULL,
	login_id bigint NOT NULL,
	shown    bigint NOT NULL,
	PRIMARY KEY (kind, login_id)
);

-- Who holds each host's importer lock (an advisory lock), for the message
-- to a second importer of that host.
CREATE TABLE import_lock (
	host_id text COLLATE "C" PRIMARY KEY,
	pid     integer,
	host    text,
	since   bigint
);
