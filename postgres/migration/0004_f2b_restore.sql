-- knocks schema, version 4: fail2ban's "Restore Ban" lines are stored,
-- as kind 'f2b_restore' (a ban still in force that fail2ban applied again
-- when it started), and stored once, like a ban.
ALTER TABLE fail2ban_events DROP CONSTRAINT fail2ban_events_kind_check;
ALTER TABLE fail2ban_events ADD CONSTRAINT fail2ban_events_kind_check
	CHECK (kind IN ('f2b_found', 'f2b_ban', 'f2b_unban', 'f2b_restore'));
DROP INDEX fail2ban_events_once;
CREATE UNIQUE INDEX fail2ban_events_once ON fail2ban_events (kind, COALESCE(host, ''), COALESCE(jail, ''), ip, time)
	WHERE kind IN ('f2b_ban', 'f2b_unban', 'f2b_restore');
