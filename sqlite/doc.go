// Package sqlite is the knocks.EventStore and knocks.GeoStore on SQLite,
// through the pure-Go driver modernc.org/sqlite (no cgo).
//
// The schema is embedded as numbered migrations (migration/*.sql) that Open
// applies in order, each in its own transaction, recording the version in
// PRAGMA user_version. The database runs in WAL mode with
// synchronous=NORMAL, a busy timeout and foreign keys on, so that a report
// can read while an import writes. docs/schema.md documents every table and
// column, with queries for the sqlite3 shell.
//
// A connection (one sshd process) is one row of the connections table;
// every count of a report is made of those rows, with the derived columns
// (attempts, failure, scan, hostile_lines, subnet) computed on write by the
// rules of the knocks package, so that a report only adds up stored columns.
// Times are stored as unix seconds: anything finer is dropped.
// Attacker-written text (user names, host names) is stored as the exact
// bytes given and only ever passed as SQL parameters.
//
// Imports must be fast, so the connections table has no secondary index:
// connection_spans, a block range index kept by Write, maps time ranges to
// runs of ids. Write sends its multi-row INSERTs to the driver directly,
// and Summary reads the selected rows once and adds them up in memory,
// inside one read transaction so that its numbers agree with each other.
// A summary without a time filter reads rollup tables instead (rollup.go):
// sums per host and hour, source, user name and port that Write keeps
// from the connections it has in memory, plus the rows written after the
// ids they cover, read one by one, so that it is always exact.
//
// Importers serialise on a lock on the database file itself (see
// EventStore.LockImport), and checkpoints are written as a compare-and-swap
// besides; readers need no lock, and OpenReadOnly opens the
// file without write access. Every knocks database is marked with
// ApplicationID; both opens refuse another program's SQLite file.
package sqlite
