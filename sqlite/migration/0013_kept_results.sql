-- knocks schema, version 13: what a report without filters reads (its
-- summary, alerts and campaigns), kept at the end of an import instead of
-- found again by each report (see sqlite/kept.go and docs/schema.md).

-- One result (a summary, or the campaigns, of a filter and options) as
-- JSON, with the mark of what was stored when it was found: the count of
-- kept_changes and the greatest connection id. A result whose mark is no
-- longer that of the store is not read.
CREATE TABLE kept_results (
	key    TEXT    PRIMARY KEY,
	change INTEGER NOT NULL,
	max_id INTEGER NOT NULL,
	data   BLOB    NOT NULL
);

-- The alerts of some options (key, whose row of kept_results has an empty
-- data and the mark), oldest first (seq).
CREATE TABLE kept_alerts (
	key      TEXT    NOT NULL,
	seq      INTEGER NOT NULL,
	kind     TEXT    NOT NULL,
	login_id INTEGER NOT NULL,
	time     INTEGER NOT NULL,
	host     TEXT    NOT NULL,
	username TEXT    NOT NULL,
	ip       TEXT    NOT NULL,
	country  TEXT    NOT NULL,
	asn      INTEGER NOT NULL,
	why      TEXT    NOT NULL,
	failed   INTEGER NOT NULL,
	PRIMARY KEY (key, seq)
) WITHOUT ROWID;

-- Counts the changes to what the kept results are made of. Every write of
-- an import of logs moves a checkpoint and writes the span of its
-- connections; other changes are counted row by row: a connection changed
-- or deleted, every location, ban, penalty, line count and hour of the
-- rollups written or deleted, the rollups made again. A connection
-- inserted by hand moves the greatest id instead.
CREATE TABLE kept_changes (n INTEGER NOT NULL);
INSERT INTO kept_changes (n) VALUES (0);

CREATE TRIGGER kept_checkpoints_insert AFTER INSERT ON checkpoints BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_checkpoints_update AFTER UPDATE ON checkpoints
	WHEN NEW.byte_offset IS NOT OLD.byte_offset OR NEW.lines IS NOT OLD.lines OR NEW.sum IS NOT OLD.sum
		OR NEW.last_time IS NOT OLD.last_time OR NEW.fingerprint IS NOT OLD.fingerprint
	BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_checkpoints_delete AFTER DELETE ON checkpoints BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_spans_insert AFTER INSERT ON connection_spans BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_spans_update AFTER UPDATE ON connection_spans BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_spans_delete AFTER DELETE ON connection_spans BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_connections_update AFTER UPDATE ON connections BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_connections_delete AFTER DELETE ON connections BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_geo_insert AFTER INSERT ON ip_geo BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_geo_update AFTER UPDATE ON ip_geo BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_geo_delete AFTER DELETE ON ip_geo BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_bans_insert AFTER INSERT ON fail2ban_events BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_bans_update AFTER UPDATE ON fail2ban_events BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_bans_delete AFTER DELETE ON fail2ban_events BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_penalties_insert AFTER INSERT ON penalty_events BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_penalties_update AFTER UPDATE ON penalty_events BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_penalties_delete AFTER DELETE ON penalty_events BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_lines_insert AFTER INSERT ON line_counts BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_lines_update AFTER UPDATE ON line_counts WHEN NEW.lines IS NOT OLD.lines BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_lines_delete AFTER DELETE ON line_counts BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_unbucketed_insert AFTER INSERT ON lines_unbucketed BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_unbucketed_update AFTER UPDATE ON lines_unbucketed WHEN NEW.lines IS NOT OLD.lines BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_rollups_insert AFTER INSERT ON rollup_state BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_rollups_update AFTER UPDATE ON rollup_state WHEN NEW.covered IS NOT OLD.covered BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_rollups_delete AFTER DELETE ON rollup_state BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_hours_insert AFTER INSERT ON rollup_hours BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_hours_update AFTER UPDATE ON rollup_hours BEGIN UPDATE kept_changes SET n = n + 1; END;
CREATE TRIGGER kept_hours_delete AFTER DELETE ON rollup_hours BEGIN UPDATE kept_changes SET n = n + 1; END;
