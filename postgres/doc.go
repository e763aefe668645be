// Package postgres is the PostgreSQL store of knocks: a knocks.EventStore,
// knocks.GeoStore and knocks.Pruner over one PostgreSQL database that many
// hosts import into at once (`--db postgres://user@host/db?sslmode=...`).
//
// It keeps the same data as the SQLite store (docs/schema.md), with these
// differences:
//
//   - Every importer has a host id (`--host-id`, the machine's host name by
//     default). Checkpoints, journal cursors and the importer's lock belong
//     to one host id: an input is known per host, and an import only
//     extends the connections that its own host id stored.
//   - Importers never take a lock on the whole database. A batch takes a
//     transaction-scoped advisory lock on each input and journal it moves
//     (a hash of the host id and the input's fingerprint or the journal's
//     seqnum ID), and writes the checkpoint as a compare-and-swap: two
//     imports of the same host that read the same lines store them once,
//     and importers of different hosts never wait for each other.
//   - The counting rules are applied when a connection is written
//     (knocks.Connection's Attempts, IsFailure and IsScan go to stored
//     columns), and a report is made of SQL aggregates (GROUP BY, ORDER BY,
//     LIMIT) over those columns inside PostgreSQL: no report reads every
//     row.
//   - Text that attackers choose (user names, host names, log lines) is
//     stored as bytea, byte for byte, as PostgreSQL's text type refuses NUL
//     bytes and invalid UTF-8.
package postgres
