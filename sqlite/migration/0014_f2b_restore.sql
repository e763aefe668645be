-- knocks schema, version 14: fail2ban's "Restore Ban" lines are stored,
-- as kind 'f2b_restore' (a ban still in force that fail2ban applied again
-- when it started). SQLite cannot change a CHECK: the table is made again
-- with the new one, its rows and ids kept, and its indexes and the
-- triggers of version 13 made again. A restore is stored once, like a ban.
CREATE TABLE fail2ban_events_new (
	id        INTEGER PRIMARY KEY,
	time      INTEGER NOT NULL,
	kind      TEXT    NOT NULL CHECK (kind IN ('f2b_found', 'f2b_ban', 'f2b_unban', 'f2b_restore')),
	jail      TEXT,
	ip        TEXT,
	import_id INTEGER,                -- imports.id
	host      TEXT,                   -- the host that banned; see docs/schema.md
	bantime   INTEGER,                -- seconds the ban lasts, -1 for ever; NULL when unknown
	bancount  INTEGER                 -- fail2ban's count of bans of this address (bantime.increment); NULL when unknown
);
INSERT INTO fail2ban_events_new (id, time, kind, jail, ip, import_id, host, bantime, bancount)
	SELECT id, time, kind, jail, ip, import_id, host, bantime, bancount FROM fail2ban_events ORDER BY id;
DROP TABLE fail2ban_events;
ALTER TABLE fail2ban_events_new RENAME TO fail2ban_events;
CREATE INDEX fail2ban_events_time ON fail2ban_events (time);
CREATE INDEX fail2ban_events_ip ON fail2ban_events (ip);
CREATE UNIQUE INDEX fail2ban_events_once ON fail2ban_events (kind, COALESCE(host, ''), COALESCE(jail, ''), ip, time)
	WHERE kind IN ('f2b_ban', 'f2b_unban', 'f2b_restore');
CREATE TRIGGER kept_bans_insert AFTER INSERT ON fail2ban_events BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_bans_update AFTER UPDATE ON fail2ban_events BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_bans_delete AFTER DELETE ON fail2ban_events BEGIN UPDATE kept_changes SET n = n + 1; END;
