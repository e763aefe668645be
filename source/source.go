package source

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"knocks"
)

// Sentinel errors, wrapped by *Error; test them with errors.Is.
var (
	ErrLineTooLong = errors.New("line too long")                            // a line over MaxLine was skipped
	ErrNUL         = errors.New("line contains NUL bytes")                  // a line with NUL bytes was skipped
	ErrNULHole     = errors.New("NUL bytes before the line")                // a notice (see OnNotice): the NULs before a line were ignored, the line was read
	ErrBinary      = errors.New("binary data, not a text log")              // Open: the content is mostly not text
	ErrCompression = errors.New("unsupported compression")                  // Open: xz, bzip2 or zstd content
	ErrTruncated   = errors.New("truncated gzip")                           // the gzip stream ends early
	ErrCorrupt     = errors.New("corrupt gzip")                             // bad gzip header, data or checksum
	ErrIsDir       = errors.New("is a directory")                           // Open: the name is a directory
	ErrCheckpoint  = errors.New("content does not match the checkpoint")    // Skip: the content is shorter or the offset is not at a line start
	ErrStarted     = errors.New("cannot skip: reading has already started") // Skip after Next
	ErrRead        = errors.New("read error")                               // an I/O error while reading
	ErrOpen        = errors.New("cannot open")                              // Open: the file cannot be opened (with the os error)
)

// Error is an error about one input, and about one line of it when Line is
// not 0. It wraps one of the sentinel errors of this package (and, for
// ErrOpen and ErrRead, the underlying os error as well).
type Error struct {
	File string // the input's name, "-" for stdin
	Line int64  // the line, 0 when the error is about the whole input
	Err  error
}

// Error returns "file:line: message", or "file: message" without a line.
// For ErrTruncated, ErrCorrupt and ErrRead, whose Line is the last good
// line, it returns e.g. "file: truncated gzip after line N".
func (e *Error) Error() string {
	if errors.Is(e.Err, ErrTruncated) || errors.Is(e.Err, ErrCorrupt) || errors.Is(e.Err, ErrRead) {
		if e.Line > 0 {
			return fmt.Sprintf("%s: %v after line %d", e.File, e.Err, e.Line)
		}
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

// Unwrap returns the wrapped error.
func (e *Error) Unwrap() error { return e.Err }

// Sizes of the buffers and the default line limit.
const (
	// DefaultMaxLine is the default MaxLine: 64 KiB.
	DefaultMaxLine = 64 << 10
	// BufferSize is the size of the reused read buffer of an Input.
	BufferSize = 256 << 10
	// sniffSize is how much of the start of an input is read at Open, for
	// the magic bytes, the binary check and the fingerprint.
	sniffSize = 8 << 10
)

// Input is one opened log input, read line by line. It is not safe for
// concurrent use.
type Input struct {
	// MaxLine is the longest line in bytes (without its newline) that Next
	// yields; a longer one is skipped with ErrLineTooLong. Open sets it to
	// DefaultMaxLine; change it before the first Next.
	MaxLine int

	// Complete says that the content will not grow: a final line without
	// a newline is yielded as a line instead of being left for a later
	// import. Open sets it for gzip content and for what is not a regular
	// file (a pipe, stdin), NewReader always; set it (see Final) before
	// Fingerprint, ResumeAt or the first Next.
	Complete bool

	name    string
	modTime time.Time
	file    *os.File  // the opened file; nil for a reader
	raw     io.Reader // the bytes as stored
	r       io.Reader // the content (raw, or decompressed)
	closer  io.Closer // closes raw (nil: nothing to close)
	gzip    bool
	seek    bool // r is a regular file that Skip can seek

	buf        []byte
	start, end int   // unread content is buf[start:end]
	eof        bool  // r returned io.EOF
	rerr       error // r returned this error (not EOF)
	discard    int64 // bytes of an overlong line dropped so far
	discardNUL bool  // the dropped bytes held a NUL
	// discardHole says that every byte dropped so far is a NUL: a hole
	// (see holeLine) whose line may still begin after it.
	discardHole bool

	head    []byte          // the first sumSample bytes consumed
	tail    [sumSample]byte // a ring of the last bytes consumed
	tailPos int             // where the next byte consumed goes in tail
	fed     int64           // bytes consumed into tail, in all (equals off, or more within an overlong line)
	// The lines that Next consumed and did not feed yet (see feedLines):
	// buf[pendFrom:pendFrom+pend].
	pendFrom, pend int
	// buf[cleanFrom:clean] holds no NUL byte (see nulIn).
	cleanFrom, clean int
	// tailAtOff is, within an overlong line, the last bytes before it.
	tailAtOff []byte

	started bool
	done    bool
	off     int64 // content offset after the current line
	lineNo  int64
	line    []byte
	lineErr error
	err     error
	partial int64

	fp     string
	fpDone bool

	ctx      context.Context // ends reads early; nil: never
	stop     func() bool     // unregisters the AfterFunc of ctx
	onWait   func()          // called before a read of a stream that may block
	onNotice func(error)     // told of the NUL bytes ignored before a line
}

// Open opens the named input: a file, or stdin for "-". The content is
// gzip when it starts with the gzip magic bytes, whatever the name. Open
// reads the start of the content to compute the fingerprint, so for stdin
// it waits for the first line (or the end of input).
//
// Open fails with an *Error that names the file for a file that does not
// exist or cannot be read (ErrOpen, wrapping the os error), a directory
// (ErrIsDir), content compressed with xz, bzip2 or zstd (ErrCompression), a
// bad gzip header (ErrCorrupt) or content that is mostly binary
// (ErrBinary).
func Open(name string) (*Input, error) {
	return OpenContext(context.Background(), name)
}

// OpenContext is Open with a context: once ctx is done, reading stops and
// Next returns false with Err wrapping ctx's error. A read of a pipe that
// is blocked when ctx ends is woken where the file supports deadlines.
func OpenContext(ctx context.Context, name string) (*Input, error) {
	if name == "-" {
		in, err := NewReaderContext(ctx, "-", os.Stdin, time.Time{})
		if err != nil {
			return nil, err
		}
		return in, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, openError(name, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, openError(name, err)
	}
	if fi.IsDir() {
		f.Close()
		return nil, &Error{File: name, Err: ErrIsDir}
	}
	in := newInput(name, f, fi.ModTime())
	in.file = f
	in.closer = f
	in.seek = fi.Mode().IsRegular()
	in.setContext(ctx)
	in.Complete = !in.seek // a pipe or a device ends when its writer is done
	if err := in.init(); err != nil {
		in.stopContext()
		f.Close()
		return nil, err
	}
	return in, nil
}

// openError turns an os error into an *Error without repeating the name.
func openError(name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &Error{File: name, Err: fmt.Errorf("%w: %w", ErrOpen, err)}
}

// NewReader returns an Input that reads r under the given name (use "-"
// for stdin) with the given modification time (zero when unknown). It
// reads the start of r at once, as Open does, and fails as Open does. Close
// does not close r. A stream is Complete: when it ends, its last line is
// final even without a newline.
func NewReader(name string, r io.Reader, modTime time.Time) (*Input, error) {
	return NewReaderContext(context.Background(), name, r, modTime)
}

// NewReaderContext is NewReader with a context, as OpenContext. When r is
// an *os.File that supports deadlines (a pipe), a read blocked when ctx
// ends is woken.
func NewReaderContext(ctx context.Context, name string, r io.Reader, modTime time.Time) (*Input, error) {
	in := newInput(name, r, modTime)
	if f, ok := r.(*os.File); ok {
		in.file = f // for the deadline only: a reader is read as a stream
	}
	in.setContext(ctx)
	in.Complete = true
	if err := in.init(); err != nil {
		in.stopContext()
		return nil, err
	}
	return in, nil
}

// setContext makes ctx end the reads of in.
func (in *Input) setContext(ctx context.Context) {
	if ctx == nil || ctx.Done() == nil {
		return
	}
	in.ctx = ctx
	if f := in.file; f != nil {
		in.stop = context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(time.Now()) })
	}
}

func (in *Input) stopContext() {
	if in.stop != nil {
		in.stop()
		in.stop = nil
	}
}

// OnWait sets f to be called before each read of a stream (a pipe, stdin)
// that may block, never for a regular file; the position (LineNo, Offset)
// is then that of the last line Next returned. A pipeline uses it to hand
// on what it has before it waits for more.
func (in *Input) OnWait(f func()) { in.onWait = f }

// OnNotice sets f to be told, while Next reads, of what it read whole but
// not as it was stored: the NUL bytes before a line that were ignored (an
// *Error wrapping ErrNULHole that names the file and the line, which Next
// yields). Nothing was skipped: LineErr is nil for that line. nil (the
// default) tells no one.
func (in *Input) OnNotice(f func(error)) { in.onNotice = f }

func newInput(name string, r io.Reader, modTime time.Time) *Input {
	return &Input{
		MaxLine: DefaultMaxLine,
		name:    name,
		modTime: modTime,
		raw:     r,
		r:       r,
		buf:     make([]byte, sniffSize),
	}
}

// Magic bytes of the compressed formats.
var (
	magicGzip  = []byte{0x1f, 0x8b}
	magicXz    = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
	magicBzip2 = []byte("BZh")
	magicZstd  = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// init detects gzip, checks for binary content and computes the
// fingerprint.
func (in *Input) init() error {
	in.fillAtLeast(len(magicXz))
	head := in.buf[in.start:in.end]
	switch {
	case bytes.HasPrefix(head, magicGzip):
		stored := bytes.Clone(head)
		zr, err := gzip.NewReader(io.MultiReader(bytes.NewReader(stored), in.raw))
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				return &Error{File: in.name, Err: ErrTruncated}
			}
			return &Error{File: in.name, Err: fmt.Errorf("%w: %v", ErrCorrupt, cleanGzipError(err))}
		}
		in.r = zr
		in.gzip = true
		in.seek = false
		in.Complete = true
		in.start, in.end, in.eof, in.rerr = 0, 0, false, nil
	case bytes.HasPrefix(head, magicXz):
		return &Error{File: in.name, Err: fmt.Errorf("%w: xz (decompress it first: xz -dc FILE | knocks ingest -)", ErrCompression)}
	case bytes.HasPrefix(head, magicZstd):
		return &Error{File: in.name, Err: fmt.Errorf("%w: zstd (decompress it first: zstd -dc FILE | knocks ingest -)", ErrCompression)}
	case len(head) >= 4 && bytes.HasPrefix(head, magicBzip2) && head[3] >= '1' && head[3] <= '9':
		return &Error{File: in.name, Err: fmt.Errorf("%w: bzip2 (decompress it first: bzip2 -dc FILE | knocks ingest -)", ErrCompression)}
	}
	// Read up to the first newline, or FingerprintLen bytes, or the end.
	for {
		n := min(in.end, knocks.FingerprintLen)
		if bytes.IndexByte(in.buf[:n], '\n') >= 0 || n == knocks.FingerprintLen || in.eof || in.rerr != nil {
			break
		}
		in.fill()
	}
	if isBinary(in.buf[:in.end]) {
		return &Error{File: in.name, Err: ErrBinary}
	}
	return nil
}

// fingerprint computes the fingerprint from the start of the content,
// which nothing has consumed yet.
func (in *Input) fingerprint() {
	in.fpDone = true
	head := in.buf[in.start:min(in.end, in.start+knocks.FingerprintLen)]
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i+1]
	} else if len(head) < knocks.FingerprintLen && !(in.Complete && in.eof) {
		head = nil // no complete first line yet
	}
	if len(head) > 0 {
		sum := sha256.Sum256(head)
		in.fp = hex.EncodeToString(sum[:])
	}
}

// isBinary reports whether a sample of the start of an input is mostly not
// text: more than 3 in 10 of its bytes are control characters (other than
// tab, newline, carriage return, vertical tab, form feed and escape) or
// bytes of invalid UTF-8, or more than 1 in 100 are scattered NULs (UTF-16,
// say). Runs of nulHole or more NULs are left out of the count: a file
// with such a hole is text, whose holes Next reads past (see holeLine).
// Log lines with a few odd bytes are text too.
func isBinary(b []byte) bool {
	if len(b) > sniffSize {
		b = b[:sniffSize]
	}
	bad, nul, holes := 0, 0, 0
	for i := 0; i < len(b); {
		c := b[i]
		if c == 0 {
			// A run of NULs is a hole that a power cut left in the file:
			// it does not make the file binary.
			n := 1
			for i+n < len(b) && b[i+n] == 0 {
				n++
			}
			if n >= nulHole {
				holes += n
			} else {
				nul += n
				bad += n
			}
			i += n
			continue
		}
		if c < utf8.RuneSelf {
			switch {
			case c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f' && c != 0x1b, c == 0x7f:
				bad++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			bad++
		}
		i += size
	}
	n := len(b) - holes
	return bad*10 > 3*n || (nul >= 16 && nul*100 > n)
}

// nulHole is the shortest run of NUL bytes that isBinary takes for a hole
// in a text file (what a power cut leaves where the file system had
// allocated blocks that were never written) rather than for binary data.
const nulHole = 8

// fillAtLeast reads until n bytes are buffered or the input ends.
func (in *Input) fillAtLeast(n int) {
	for in.end-in.start < n && !in.eof && in.rerr == nil {
		in.fill()
	}
}

// fill reads more content into the buffer, moving the unread bytes to its
// start when the buffer is full. It reads at least one byte unless the
// input ends or fails.
func (in *Input) fill() {
	in.feedLines()
	if in.start > 0 && in.end == len(in.buf) {
		n := copy(in.buf, in.buf[in.start:in.end])
		in.start, in.end = 0, n
		in.clean = 0
	}
	in.clean = min(in.clean, in.end)
	if in.end == len(in.buf) {
		return // full: the caller drops or grows
	}
	if in.ctx != nil && in.ctx.Err() != nil {
		in.rerr = in.ctx.Err()
		return
	}
	if in.onWait != nil && !in.seek && in.started {
		in.onWait()
	}
	for tries := 0; tries < 100; tries++ {
		n, err := in.r.Read(in.buf[in.end:])
		if err != nil && in.ctx != nil && in.ctx.Err() != nil {
			err = in.ctx.Err() // the deadline set when ctx ended
		}
		in.end += n
		if err != nil {
			if err == io.EOF {
				in.eof = true
			} else {
				in.rerr = err
			}
			return
		}
		if n > 0 {
			return
		}
	}
	in.rerr = io.ErrNoProgress
}

// grow switches from the small buffer of Open to the full read buffer.
func (in *Input) grow() {
	size := max(BufferSize, 2*(in.MaxLine+1))
	if len(in.buf) >= size {
		return
	}
	in.feedLines()
	b := make([]byte, size)
	in.end = copy(b, in.buf[in.start:in.end])
	in.start = 0
	in.buf = b
	in.clean = 0
}

// Name returns the name the input was opened under ("-" for stdin).
func (in *Input) Name() string { return in.name }

// ModTime returns the modification time of the file; zero for stdin and
// readers opened without one.
func (in *Input) ModTime() time.Time { return in.modTime }

// Gzip reports whether the content is gzip compressed.
func (in *Input) Gzip() bool { return in.gzip }

// Fingerprint returns the hex SHA-256 of the first line of the content,
// including its newline, at most knocks.FingerprintLen bytes. It returns ""
// when the input has no complete first line yet (an empty file, or a first
// line that is still being written and shorter than FingerprintLen); such an
// input has nothing to import yet. The error is always nil: everything that
// could fail was read by Open; the signature matches ingest.Input.
func (in *Input) Fingerprint() (string, error) {
	if !in.fpDone && !in.started && in.off == 0 {
		in.fingerprint()
	}
	return in.fp, nil
}

// Skip resumes after a checkpoint known only by its offset and lines (one
// stored before checkpoints had sums): the first offset bytes of content,
// which hold lines lines, are taken as already read. It must be called
// before the first Next. A plain file seeks; gzip and streams read and
// discard.
//
// Skip fails with ErrCheckpoint when the content is shorter than offset or
// the byte before offset is not a newline (the file was replaced or
// truncated), and with ErrStarted after Next.
func (in *Input) Skip(offset, lines int64) error {
	if offset < 0 || lines < 0 || (offset == 0) != (lines == 0) {
		return &Error{File: in.name, Err: fmt.Errorf("%w: offset %d, lines %d", ErrCheckpoint, offset, lines)}
	}
	cp, err := in.ResumeAt([]*knocks.Checkpoint{{Offset: offset, Lines: lines}})
	if err != nil {
		return err
	}
	if cp == nil {
		return &Error{File: in.name, Line: lines, Err: fmt.Errorf("%w: the content before offset %d is not what was read", ErrCheckpoint, offset)}
	}
	return nil
}

// sumSample is how many bytes at the start of the content, and before a
// checkpoint, the checkpoint's Sum covers.
const sumSample = 4 << 10

// Sum returns the checksum of the content up to Offset, for a checkpoint:
// "HEAD:TAIL", where HEAD is a hash of the first bytes of the content (at
// most 4 KiB, not beyond Offset) and TAIL a hash of Offset and the 4 KiB
// before it. Two inputs with the same first line (a blank line, a header)
// differ in their sums, and a resumed input is checked against it (see
// ResumeAt) without reading all of it again.
func (in *Input) Sum() string {
	in.feedLines()
	tail := in.tailAtOff // in the middle of an overlong line: the bytes before it
	if in.discard == 0 {
		tail = in.tailBytes()
	}
	return sumOf(in.head[:min(int64(len(in.head)), in.off)], in.off, tail)
}

// sumOf returns the Sum of content whose first bytes are head, and whose
// bytes before offset are tail.
func sumOf(head []byte, offset int64, tail []byte) string {
	h := sha256.Sum256(head)
	return hex.EncodeToString(h[:16]) + ":" + tailSum(offset, tail)
}

// tailSum returns the TAIL part of the Sum at offset, whose last bytes are
// tail.
func tailSum(offset int64, tail []byte) string {
	t := sha256.New()
	var o [8]byte
	binary.LittleEndian.PutUint64(o[:], uint64(offset))
	t.Write(o[:])
	t.Write(tail)
	return hex.EncodeToString(t.Sum(nil)[:16])
}

// headSum returns the HEAD part of the Sum at offset, from the start of the
// content in the buffer: nothing may have been consumed yet.
func (in *Input) headSum(offset int64) string {
	h := sha256.Sum256(in.buf[in.start : in.start+int(min(int64(in.end-in.start), offset, sumSample))])
	return hex.EncodeToString(h[:16])
}

// feed records consumed content: the first sumSample bytes in head, the
// last in the tail ring.
func (in *Input) feed(b []byte) {
	in.feedLines()
	if len(in.head) < sumSample {
		in.head = append(in.head, b[:min(len(b), sumSample-len(in.head))]...)
	}
	in.fed += int64(len(b))
	if len(b) >= sumSample {
		copy(in.tail[:], b[len(b)-sumSample:])
		in.tailPos = 0
		return
	}
	n := copy(in.tail[in.tailPos:], b)
	copy(in.tail[:], b[n:])
	in.tailPos = (in.tailPos + len(b)) % sumSample
}

// ResumeAt moves past the content that one of the checkpoints stored for
// this input's fingerprint covers, and returns it; nil when the content
// matches none of them, a new input that is read from its start. A
// checkpoint matches when the Sum of the content up to its Offset is its
// Sum; one without a Sum (stored by an older knocks) when the content is
// at least that long and a line ends at its Offset. Of several that match,
// the furthest is taken. ResumeAt must be called before the first Next.
//
// A plain file is checked with a few reads and seeks. Gzip content and
// streams cannot go back: they are read up to each checkpoint whose HEAD
// matches, and when none of those then matches ResumeAt fails with
// ErrCheckpoint. It fails with ErrStarted after Next, and with ErrRead.
func (in *Input) ResumeAt(cps []*knocks.Checkpoint) (*knocks.Checkpoint, error) {
	if in.started || in.fed > 0 {
		return nil, &Error{File: in.name, Err: ErrStarted}
	}
	in.grow()
	var most int64
	for _, cp := range cps {
		most = max(most, cp.Offset)
	}
	in.fillAtLeast(int(min(most, sumSample)))
	var cands []*knocks.Checkpoint
	for _, cp := range cps {
		switch {
		case cp.Offset < 0 || cp.Lines < 0:
		case cp.Sum == "":
			if cp.Offset > 0 {
				cands = append(cands, cp)
			}
		default:
			if head, _, ok := strings.Cut(cp.Sum, ":"); ok && head == in.headSum(cp.Offset) {
				cands = append(cands, cp)
			}
		}
	}
	if len(cands) == 0 {
		return nil, nil
	}
	if in.seek {
		return in.resumeFile(cands)
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].Offset < cands[j].Offset })
	for _, cp := range cands {
		ok, err := in.discardTo(cp.Offset)
		if err != nil {
			return nil, err
		}
		if !ok {
			break // the content ends before it
		}
		if in.matches(cp, in.tailBytes(), in.lastByte()) {
			in.lineNo = cp.Lines
			return cp, nil
		}
	}
	if in.fed == 0 {
		return nil, nil
	}
	return nil, &Error{File: in.name, Err: fmt.Errorf("%w: the content differs from what was read before, and it cannot be read again from its start", ErrCheckpoint)}
}

// matches reports whether the content consumed up to cp.Offset, whose last
// bytes are tail and whose last byte is last, is what cp covered.
func (in *Input) matches(cp *knocks.Checkpoint, tail []byte, last byte) bool {
	if cp.Sum == "" {
		return cp.Offset == 0 || last == '\n'
	}
	_, want, _ := strings.Cut(cp.Sum, ":") // HEAD was checked before
	return want == tailSum(cp.Offset, tail)
}

// tailBytes returns the last min(fed, sumSample) bytes consumed.
func (in *Input) tailBytes() []byte {
	in.feedLines()
	if in.fed < sumSample {
		return in.tail[:in.fed]
	}
	return append(append(make([]byte, 0, sumSample), in.tail[in.tailPos:]...), in.tail[:in.tailPos]...)
}

// lastByte returns the last byte consumed (0 when none).
func (in *Input) lastByte() byte {
	in.feedLines()
	if in.fed == 0 {
		return 0
	}
	return in.tail[(in.tailPos+sumSample-1)%sumSample]
}

// resumeFile is ResumeAt for a plain file: it checks each candidate with
// reads at its offset, furthest first, and seeks past the first that
// matches.
func (in *Input) resumeFile(cands []*knocks.Checkpoint) (*knocks.Checkpoint, error) {
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].Offset > cands[j].Offset })
	fi, err := in.file.Stat()
	if err != nil {
		return nil, &Error{File: in.name, Err: fmt.Errorf("%w: %w", ErrRead, err)}
	}
	buf := make([]byte, sumSample)
	for _, cp := range cands {
		if cp.Offset > fi.Size() {
			continue
		}
		n := min(cp.Offset, sumSample)
		tail := buf[:n]
		if _, err := in.file.ReadAt(tail, cp.Offset-n); err != nil {
			return nil, &Error{File: in.name, Err: fmt.Errorf("%w: %w", ErrRead, err)}
		}
		var last byte
		if n > 0 {
			last = tail[n-1]
		}
		if !in.matches(cp, tail, last) {
			continue
		}
		if _, err := in.file.Seek(cp.Offset, io.SeekStart); err != nil {
			return nil, &Error{File: in.name, Err: fmt.Errorf("%w: %w", ErrRead, err)}
		}
		in.feed(tail)
		in.head = append(in.head[:0], in.buf[in.start:in.start+int(min(int64(in.end-in.start), cp.Offset, sumSample))]...)
		in.start, in.end, in.eof, in.rerr = 0, 0, false, nil
		in.fed, in.off, in.lineNo = cp.Offset, cp.Offset, cp.Lines
		return cp, nil
	}
	return nil, nil
}

// discardTo consumes content up to offset, for ResumeAt of a stream. It
// returns false when the content ends first.
func (in *Input) discardTo(offset int64) (bool, error) {
	in.feedLines()
	for in.fed < offset {
		if in.start == in.end {
			if in.eof {
				return false, nil
			}
			if in.rerr != nil {
				return false, in.readError(in.rerr)
			}
			in.start, in.end = 0, 0
			in.fill()
			continue
		}
		n := int(min(int64(in.end-in.start), offset-in.fed))
		in.feed(in.buf[in.start : in.start+n])
		in.start += n
	}
	in.off = offset
	return true, nil
}

// Next reads the next line. It returns false at the end of the content or
// on an error that ends the input (see Err). A bad line (too long, NUL
// bytes) is consumed and skipped: Next returns true with LineErr set and
// Bytes nil, and the next call goes on after it.
func (in *Input) Next() bool {
	if in.done {
		return false
	}
	if !in.started {
		in.started = true
		in.grow()
	}
	in.line, in.lineErr = nil, nil
	for {
		if i := bytes.IndexByte(in.buf[in.start:in.end], '\n'); i >= 0 {
			// The line is fed to the sums with the lines after it, by
			// feedLines, not one by one.
			s := in.start
			if in.pend == 0 {
				in.pendFrom = s
			}
			in.pend += i + 1
			in.start += i + 1
			in.take(s, s+i, int64(i)+1)
			return true
		}
		// No newline in the buffer.
		if n := in.end - in.start; in.discard > 0 || n > in.MaxLine {
			if in.discard == 0 || in.discardHole {
				// A hole of NULs may be longer than a line: it is dropped,
				// and the text after it, if any, kept (see holeLine).
				k := 0
				for k < n && in.buf[in.start+k] == 0 {
					k++
				}
				if k > 0 {
					in.drop(k)
					in.discardHole, in.discardNUL = true, true
					n -= k
				}
			}
			if n > in.MaxLine || (in.discard > 0 && !in.discardHole) {
				in.discardNUL = in.discardNUL || bytes.IndexByte(in.buf[in.start:in.end], 0) >= 0
				in.discardHole = false
				in.drop(n)
				in.start, in.end, in.clean = 0, 0, 0
			}
		}
		if in.eof || in.rerr != nil {
			return in.atEnd()
		}
		in.fill()
	}
}

// drop consumes the next n bytes of the buffer, of a line too long (or a
// hole too long) to be kept: they are fed to the sums and counted in
// discard.
func (in *Input) drop(n int) {
	if in.discard == 0 {
		in.tailAtOff = append(in.tailAtOff[:0], in.tailBytes()...)
	}
	in.feed(in.buf[in.start : in.start+n])
	in.discard += int64(n)
	in.start += n
}

// take makes the line buf[s:e] (n bytes of content with its newline) the
// current line.
func (in *Input) take(s, e int, n int64) {
	line := in.buf[s:e]
	in.lineNo++
	if in.discard > 0 || len(line) > in.MaxLine {
		in.takeLong(s, e, n)
		return
	}
	in.off += n
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	if in.nulIn(s, e) {
		if !in.holeLine(line, 0) {
			in.lineErr = &Error{File: in.name, Line: in.lineNo, Err: fmt.Errorf("%w, skipped", ErrNUL)}
		}
		return
	}
	in.line = line
}

// takeLong is take for a line of which Next dropped the first bytes, or
// that is longer than MaxLine: it is skipped, unless what was dropped and
// what is too long is a hole before text that holeLine yields.
func (in *Input) takeLong(s, e int, n int64) {
	line := in.buf[s:e]
	dropped, hole := in.discard, in.discard == 0 || in.discardHole
	nul := in.discardNUL || in.nulIn(s, e)
	in.off += dropped + n
	in.discard, in.discardNUL, in.discardHole = 0, false, false
	if hole && nul {
		text := line
		if len(text) > 0 && text[len(text)-1] == '\r' {
			text = text[:len(text)-1]
		}
		if in.holeLine(text, dropped) {
			return
		}
	}
	in.lineErr = in.tooLong(dropped+int64(len(line)), nul)
}

// holeLine yields the text of a line that begins with NUL bytes and holds
// none after them: a hole that a power cut left in the file (blocks the
// file system had allocated but that were never written), with the first
// line written after the reboot glued to its end. dropped NULs before line
// were consumed already. The text is the line, the NULs are told to
// onNotice; holeLine returns false, and yields nothing, for a line that is
// only NULs (a hole on a line of its own, skipped with ErrNUL), for
// NULs within the text (the line is damaged) or for a text over MaxLine.
func (in *Input) holeLine(line []byte, dropped int64) bool {
	k := 0
	for k < len(line) && line[k] == 0 {
		k++
	}
	text := line[k:]
	if dropped+int64(k) == 0 || len(text) == 0 || len(text) > in.MaxLine || bytes.IndexByte(text, 0) >= 0 {
		return false
	}
	in.line = text
	if in.onNotice != nil {
		in.onNotice(&Error{File: in.name, Line: in.lineNo, Err: fmt.Errorf("%d %w ignored (a hole left by a crash), the line was read", dropped+int64(k), ErrNULHole)})
	}
	return true
}

// nulIn reports whether buf[s:e], a line being taken, holds a NUL byte.
// The rest of the buffer from s is searched at once, so that the lines
// that follow up to the next NUL (most often, all lines in the buffer) are
// not searched again. Whatever moves the content in buf or overwrites it
// sets clean to 0.
func (in *Input) nulIn(s, e int) bool {
	if s >= in.cleanFrom && e <= in.clean {
		return false
	}
	in.cleanFrom = s
	if k := bytes.IndexByte(in.buf[s:in.end], 0); k >= 0 {
		in.clean = s + k
	} else {
		in.clean = in.end
	}
	return e > in.clean
}

// feedLines feeds the lines that Next consumed since the last call to the
// sums (see feed). Everything that reads the sums or moves the content in
// buf calls it first.
func (in *Input) feedLines() {
	if in.pend == 0 {
		return
	}
	b := in.buf[in.pendFrom : in.pendFrom+in.pend]
	in.pend = 0
	in.feed(b)
}

// tooLong returns the error of a line over MaxLine; one that holds NULs
// (a hole left by a power cut, most likely) is reported as such.
func (in *Input) tooLong(size int64, nul bool) error {
	if nul {
		return &Error{File: in.name, Line: in.lineNo, Err: fmt.Errorf("%w (%d bytes), skipped", ErrNUL, size)}
	}
	return &Error{File: in.name, Line: in.lineNo, Err: fmt.Errorf("%w (%d bytes, the limit is %d), skipped", ErrLineTooLong, size, in.MaxLine)}
}

// atEnd handles the end of the content with no newline in the buffer.
func (in *Input) atEnd() bool {
	rest := in.discard + int64(in.end-in.start)
	if in.rerr == nil && in.Complete && rest > 0 {
		// The last line of complete content has no newline: yield it.
		s, e := in.start, in.end
		in.feed(in.buf[s:e])
		in.start = e
		in.take(s, e, int64(e-s))
		in.done = true
		return true
	}
	in.done = true
	if in.rerr != nil {
		in.err = in.readError(in.rerr)
		return false
	}
	in.partial = rest
	return false
}

// readError turns an error of the content reader into an *Error naming
// the last good line.
func (in *Input) readError(err error) error {
	if in.gzip {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return &Error{File: in.name, Line: in.lineNo, Err: ErrTruncated}
		}
		var ce flate.CorruptInputError
		if errors.As(err, &ce) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) {
			return &Error{File: in.name, Line: in.lineNo, Err: fmt.Errorf("%w: %v", ErrCorrupt, cleanGzipError(err))}
		}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &Error{File: in.name, Line: in.lineNo, Err: fmt.Errorf("%w: %w", ErrRead, err)}
}

// cleanGzipError drops the "gzip: " and "flate: " prefixes.
func cleanGzipError(err error) string {
	s := err.Error()
	for _, p := range []string{"gzip: ", "flate: "} {
		if len(s) > len(p) && s[:len(p)] == p {
			s = s[len(p):]
		}
	}
	return s
}

// Bytes returns the current line without its newline and without a
// trailing carriage return; nil for a skipped bad line. The slice is valid
// until the next call to Next.
func (in *Input) Bytes() []byte { return in.line }

// LineErr returns the error of the current line when it was skipped as bad
// input (ErrLineTooLong, ErrNUL), nil for a good line.
func (in *Input) LineErr() error { return in.lineErr }

// LineNo returns the 1-based number of the current line in the content
// (after Skip, the lines skipped count).
func (in *Input) LineNo() int64 { return in.lineNo }

// Offset returns the offset in the content just after the current line:
// what a checkpoint stores.
func (in *Input) Offset() int64 { return in.off }

// Partial returns the bytes of a final line without a newline that Next
// left unconsumed at the end of the content (0 when there was none).
func (in *Input) Partial() int64 { return in.partial }

// Err returns the error that ended the input early (ErrTruncated,
// ErrCorrupt, ErrRead), nil at a clean end.
func (in *Input) Err() error { return in.err }

// Close releases the input. It does not close stdin or a reader given to
// NewReader.
func (in *Input) Close() error {
	in.stopContext()
	if zr, ok := in.r.(*gzip.Reader); ok {
		zr.Close()
	}
	if in.closer != nil {
		err := in.closer.Close()
		in.closer = nil
		return err
	}
	return nil
}
