-- knocks schema, version 12: a compact copy of the connections with
-- attempts or logins, one value per run of ids (per row of
-- connection_spans), that alerts and campaigns decode in Go instead of
-- reading every row through SQLite. See docs/schema.md.

-- data holds, exactly as stored now, every connection with an id from
-- first_id to last_id that has attempts or logins: its id, host, address,
-- subnet, user name, start and end time, attempts and logins (the format is
-- in sqlite/connpack.go). The writer writes a pack with the rows it
-- inserts, and writes it again when it rewrites one of them; an import
-- makes the packs that are missing when it ends. A run of ids without a
-- pack is read from connections.
CREATE TABLE conn_packs (
	first_id INTEGER PRIMARY KEY,
	last_id  INTEGER NOT NULL,
	logins     INTEGER NOT NULL,  -- its records with logins
	login_data BLOB    NOT NULL,  -- a pack of those alone, which alerts read first (before data: SQLite reads it without data's pages)
	data       BLOB    NOT NULL
);
-- The runs and their logins without the rows' pages of blobs: what every
-- import's end and every reader looks through first.
CREATE INDEX conn_packs_runs ON conn_packs (first_id, last_id, logins);

-- A row changed or deleted by anything else than the writer (a prune, the
-- sqlite3 shell) takes the pack of its id away: it is made again from the
-- rows by the next import.
CREATE TRIGGER conn_packs_update AFTER UPDATE ON connections BEGIN
	DELETE FROM conn_packs WHERE first_id = (SELECT MAX(first_id) FROM conn_packs WHERE first_id <= OLD.id) AND last_id >= OLD.id;
	DELETE FROM conn_packs WHERE first_id = (SELECT MAX(first_id) FROM conn_packs WHERE first_id <= NEW.id) AND last_id >= NEW.id;
END;
CREATE TRIGGER conn_packs_delete AFTER DELETE ON connections BEGIN
	DELETE FROM conn_packs WHERE first_id = (SELECT MAX(first_id) FROM conn_packs WHERE first_id <= OLD.id) AND last_id >= OLD.id;
END;
