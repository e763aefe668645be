-- knocks schema, version 9: the counting rules of a connection live in the
-- knocks package (Connection.Attempts, IsFailure, IsScan, HostileLines),
-- and every write stores their values in derived columns, so that a report
-- only adds up stored columns. attempts was a column that SQLite generated
-- by a rule of its own; it becomes a plain column written by knocks.
ALTER TABLE connections DROP COLUMN attempts;
ALTER TABLE connections ADD COLUMN attempts      INTEGER NOT NULL DEFAULT 0; -- Connection.Attempts
ALTER TABLE connections ADD COLUMN failure       INTEGER NOT NULL DEFAULT 0; -- Connection.IsFailure: 1 or 0
ALTER TABLE connections ADD COLUMN scan          INTEGER NOT NULL DEFAULT 0; -- Connection.IsScan: 1 or 0
ALTER TABLE connections ADD COLUMN hostile_lines INTEGER NOT NULL DEFAULT 0; -- Connection.HostileLines
-- The rows written before this version get the values once, by the same
-- rules as written in the knocks package at this version.
UPDATE connections SET
	attempts = CASE WHEN failed > 0 THEN failed WHEN failure_lines > 0 THEN 1 ELSE 0 END,
	failure = failure_lines > 0,
	scan = scan_lines > 0 AND failure_lines = 0 AND logins = 0,
	hostile_lines = failure_lines + scan_lines;
