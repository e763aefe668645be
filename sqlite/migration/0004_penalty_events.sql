-- knocks schema, version 4: what sshd (or PAM) blocked by itself. These
-- lines come from sshd's listener (OpenSSH 9.8+ PerSourcePenalties,
-- MaxStartups) or from pam_faillock; they never add to the counts of
-- connections.
CREATE TABLE penalty_events (
	id        INTEGER PRIMARY KEY,
	time      INTEGER NOT NULL,
	host      TEXT,                -- the host that logged it
	kind      TEXT    NOT NULL CHECK (kind IN ('drop', 'penalty', 'lockout')),
	ip        TEXT,                -- the address dropped or penalised; NULL for a rate-limited summary and a lockout
	reason    TEXT,                -- the penalty reason as sshd wrote it; NULL when it logged none
	username  TEXT,                -- the locked user of a lockout (bytes as sent)
	count     INTEGER NOT NULL CHECK (count >= 1), -- N of a rate-limited summary or of "message repeated N times"
	import_id INTEGER              -- imports.id
);
CREATE INDEX penalty_events_time ON penalty_events (time);
