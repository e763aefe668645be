// Package ingest is the import pipeline: inputs are read and parsed in one
// goroutine, connections are accounted for in another, and each batch is
// written to the store on a goroutine of its own while the next one is
// accounted for (one batch at a time, in order), so that both cores work.
//
// An input is known by its fingerprint (see knocks.Checkpoint). Before
// reading, the pipeline looks up the input's checkpoint and resumes after
// the last line an earlier import consumed; every batch of connections is
// written in the same transaction as the checkpoint that covers it, so an
// import killed at any moment and run again stores every event exactly
// once. Connections cut by an import boundary are loaded back from the
// store and extended.
//
// journald entries are also known by their cursor: per journal (seqnum
// ID), Journals keeps the position of the last entry stored, entries at or
// before it are skipped, and the new positions are written in the same
// batches as the events (knocks.Batch.Cursors), by compare-and-swap. So
// overlapping exports, journalctl runs after a cursor (AfterCursor) and
// followed streams store every entry once.
//
// Batches are committed by size (Options.CommitLines), at the end of each
// input, and by time (Options.CommitInterval): before a read of a stream
// that may block, the reader hands on what it has, so the lines of a quiet
// pipe are stored within the interval. The GeoIP pass (Enricher) looks up
// the stored addresses after the store's durable "located up to" mark, in
// batches committed with the mark, so a killed import leaves them to the
// next run. When the mark is at the last stored row as an import begins,
// and the store can (sqlite), the addresses of each committed batch are
// looked up on a goroutine of their own while the import runs, and the
// mark moves over the import's rows at its end. OneShot runs the whole
// pipeline into a temporary
// store for a report from files. `knocks ingest`, one-shot reports and
// `knocks watch` all run this one pipeline.
package ingest
