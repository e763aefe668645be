-- knocks schema, version 11: the attempts per day of an address are kept
-- with the address, in one value (rollup_sources.days), instead of a row
-- per address and day: a report reads a row per address. The rollups are
-- made again by the next import (reports read the connections meanwhile).
ALTER TABLE rollup_sources ADD COLUMN days BLOB; -- of an address: its UTC days with attempts (see docs/schema.md)
DROP TABLE rollup_ip_days;
UPDATE rollup_state SET covered = -1;
