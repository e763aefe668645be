-- knocks schema, version 8: the alerts that `knocks alerts` has shown, so
-- that it shows each once (and exits 1 only when it showed a new one).
CREATE TABLE alerts_shown (
	kind     TEXT    NOT NULL,  -- failed_before, new_country or many_failures
	login_id INTEGER NOT NULL,  -- connections.id of the login
	shown    INTEGER NOT NULL,  -- when it was first shown
	PRIMARY KEY (kind, login_id)
) WITHOUT ROWID;
