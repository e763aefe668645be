-- knocks schema, version 2: how far the addresses have been located, so
-- that finding the new ones after an import reads the new rows only.
CREATE TABLE geo_progress (
	id          INTEGER PRIMARY KEY CHECK (id = 1),
	connections INTEGER NOT NULL,  -- every connection with an id up to this one has its ip in ip_geo
	fail2ban    INTEGER NOT NULL   -- the same for fail2ban_events
);
INSERT INTO geo_progress (id, connections, fail2ban) VALUES (1, 0, 0);
