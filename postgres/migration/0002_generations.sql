-- knocks PostgreSQL schema, version 2: a change counter per host id, moved
-- in the transaction of every write, so that `knocks serve` computes a
-- summary once per change (the sum of the counters) and importers of
-- different hosts never wait for one row.
CREATE TABLE generations (
	host_id text COLLATE "C" PRIMARY KEY,
	n       bigint NOT NULL
);
