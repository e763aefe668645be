// Package source turns the bytes of log inputs into lines with their
// position. It knows nothing of sshd.
//
// An Input is a plain file, a gzip file (recognised by its magic bytes, never
// by its name) or a stream such as stdin. It yields each complete line
// without its newline (and without a trailing carriage return), the line's
// 1-based number and the byte offset just after it in the decompressed
// content. Memory stays flat: one reused buffer per input, and the slice
// that Bytes returns is only valid until the next call to Next.
//
// # Identity and resuming
//
// An input is known by its fingerprint: the hex SHA-256 of its first line
// including the newline, at most knocks.FingerprintLen bytes, after
// decompression. A rotated auth.log.1 and its later gzipped copy
// auth.log.2.gz therefore have the same fingerprint. Skip resumes after a
// stored checkpoint (offset and line count): plain files seek, gzip and
// streams decompress and discard.
//
// # Trailing partial lines
//
// A final line without its newline is, in a live file, a line that syslog
// is still writing. It is not consumed: Next stops before it, Offset stays
// at the end of the last complete line, and a later import resumes at the
// start of that line and reads it whole. Partial reports how many bytes were
// left. An input whose content cannot grow any more (gzip, or any Input
// whose Complete field is set before the first Next) yields such a final
// line as a line.
//
// # Bad input
//
// Bad lines are skipped and reported, and reading goes on after them: a
// line longer than MaxLine (ErrLineTooLong) or with NUL bytes (ErrNUL). Next
// returns true for such a line, with LineErr set and Bytes nil. A line whose
// NUL bytes all come before its text is not bad: it is the hole that a power
// cut leaves where the file system had allocated blocks that were never
// written, with the first line written after the reboot glued to its end.
// Next yields the text after the NULs as the line (a hole may be longer
// than MaxLine and than the read buffer), its offset that of the content,
// and tells OnNotice of the NULs ignored (ErrNULHole). Errors that
// end an input (a truncated or corrupt gzip stream, a read error) are
// returned by Err after every complete line before them was yielded. A file
// that cannot be read, a directory, content that is mostly binary
// (ErrBinary) or compressed with something other than gzip
// (ErrCompression) fails Open. All these errors are *Error values that name
// the file (and the line where it helps) and wrap a sentinel for errors.Is.
//
// # journald
//
// OpenJournal runs journalctl (-o json, sshd's entries by SSHDMatches,
// after a cursor, optionally following) and returns its output as a
// Journal, an Input that is never resumed at an offset: its entries are
// known by their cursors (see knocks.Cursor and ingest.Journals). It tells
// a missing journalctl, a user who may not read the system journal, and
// journalctl failing apart (ErrNoJournalctl, ErrJournalAccess,
// ErrJournalEmpty, ErrJournalctl).
//
// # Rotated sets
//
// Order sorts the names of rotated sets (auth.log, auth.log.1,
// auth.log.2.gz, ..., or dateext auth.log-20240225.gz) oldest first.
package source
