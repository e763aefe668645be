-- knocks PostgreSQL schema, version 3: results kept at store time.
--
-- An import ends by finding what a report without filters reads from every
-- connection (its summary, alerts and campaigns) and keeps it here, with
-- the mark of what was stored then: the sum of generations.kept. Reports
-- read a kept result while the mark is still the store's. Every write to
-- what those results are made of moves generations.kept (and n) in its
-- transaction, as the statement triggers below note: knocks' own writes in
-- the row of their host id (set as the connection's knocks.host_id), writes
-- by hand in the row '' (no host id is empty). So importers of different
-- hosts still never wait for one row. An import that stores nothing new
-- moves n alone (for `knocks serve`), and leaves what is kept.
ALTER TABLE generations ADD COLUMN kept bigint NOT NULL DEFAULT 0;

-- A result kept under its key (knocks.SummaryKey, knocks.CampaignsKey,
-- knocks.AlertOptions.Key), as JSON (bytea: kept strings are escaped, see
-- internal/keptjson), or for alerts, which are rows of kept_alerts, how many
-- of them there are.
CREATE TABLE kept_results (
	key  text COLLATE "C" PRIMARY KEY,
	mark bigint NOT NULL,
	data bytea NOT NULL
);

-- The alerts kept under key, oldest first (seq).
CREATE TABLE kept_alerts (
	key      text COLLATE "C" NOT NULL,
	seq      integer NOT NULL,
	kind     text COLLATE "C" NOT NULL,
	login_id bigint NOT NULL,
	time     bigint NOT NULL,
	host     bytea NOT NULL,
	username bytea NOT NULL,
	ip       text COLLATE "C" NOT NULL,
	country  text COLLATE "C" NOT NULL,
	asn      bigint NOT NULL,
	why      bytea NOT NULL,
	failed   bigint NOT NULL,
	PRIMARY KEY (key, seq)
);

-- knocks_changed notes each write to a table that kept results are made
-- of. In knocks' own sessions (knocks.host_id set) it sets knocks.changed
-- for the rest of the transaction, and the transaction's last statement
-- (postgres/live.go, bump) moves generations.kept of its host id with n:
-- the row is locked for a moment at the end, as before, not from the
-- first write on. In any other session (psql) it moves the row '' at once,
-- once per transaction.
CREATE FUNCTION knocks_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF current_setting('knocks.changed', true) IS DISTINCT FROM 'on' THEN
		IF COALESCE(current_setting('knocks.host_id', true), '') = '' THEN
			INSERT INTO generations (host_id, n, kept) VALUES ('', 1, 1)
				ON CONFLICT (host_id) DO UPDATE SET n = generations.n + 1, kept = generations.kept + 1;
		END IF;
		PERFORM set_config('knocks.changed', 'on', true);
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER connections_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON connections
	FOR EACH STATEMENT EXECUTE FUNCTION knocks_changed();
CREATE TRIGGER checkpoints_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON checkpoints
	FOR EACH STATEMENT EXECUTE FUNCTION knocks_changed();
CREATE TRIGGER fail2ban_events_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON fail2ban_events
	FOR EACH STATEMENT EXECUTE FUNCTION knocks_changed();
CREATE TRIGGER penalty_events_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON penalty_events
	FOR EACH STATEMENT EXECUTE FUNCTION knocks_changed();
CREATE TRIGGER ip_geo_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ip_geo
	FOR EACH STATEMENT EXECUTE FUNCTION knocks_changed();
CREATE TRIGGER line_counts_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON line_counts
	FOR EACH STATEMENT EXECUTE FUNCTION knocks_changed();
CREATE TRIGGER lines_unbucketed_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON lines_unbucketed
	FOR EACH STATEMENT EXECUTE FUNCTION knocks_changed();
CREATE TRIGGER generations_dropped AFTER DELETE OR TRUNCATE ON generations
	FOR EACH STATEMENT EXECUTE FUNCTION knocks_changed();
