-- knocks schema, version 5: ban events belong to a host, and carry what
-- fail2ban's own database knows of a ban.
ALTER TABLE fail2ban_events ADD COLUMN host TEXT;      -- the host that banned; see docs/schema.md
ALTER TABLE fail2ban_events ADD COLUMN bantime INTEGER; -- seconds the ban lasts, -1 for ever; NULL when unknown
ALTER TABLE fail2ban_events ADD COLUMN bancount INTEGER; -- fail2ban's count of bans of this address (bantime.increment); NULL when unknown
-- A ban or unban is stored once, however often it is read: from
-- fail2ban.log and from fail2ban.sqlite3, or from the database imported
-- again. Found lines may repeat within a second and are not deduplicated.
CREATE UNIQUE INDEX fail2ban_events_once ON fail2ban_events (kind, COALESCE(host, ''), COALESCE(jail, ''), ip, time)
	WHERE kind IN ('f2b_ban', 'f2b_unban');
