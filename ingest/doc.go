// Package ingest is the import pipeline: inputs are read and parsed in one
// goroutine, and connection accounting and batched store writes run in
// another, so that both cores work.
//
// An input is known by its fingerprint (see knocks.Checkpoint). Before
// reading, the pipeline looks up the input's checkpoint and resumes after
// the last line an earlier import consumed; every batch of connections is
// written in the same transaction as the checkpoint that covers it, so an
// import killed at any moment and run again stores every event exactly
// once. Connections cut by an import boundary are loaded back from the
// store and extended.
package ingest
