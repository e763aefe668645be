package source

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"knocks"
)

// line is one result of Next.
type line struct {
	Text   string
	No     int64
	Offset int64
	Err    error
}

// readAll reads in to the end.
func readAll(t *testing.T, in *Input) []line {
	t.Helper()
	var out []line
	for in.Next() {
		out = append(out, line{Text: string(in.Bytes()), No: in.LineNo(), Offset: in.Offset(), Err: in.LineErr()})
	}
	return out
}

func texts(ls []line) []string {
	var s []string
	for _, l := range ls {
		if l.Err == nil {
			s = append(s, l.Text)
		}
	}
	return s
}

func write(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func gz(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func open(t *testing.T, name string) *Input {
	t.Helper()
	in, err := Open(name)
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	t.Cleanup(func() { in.Close() })
	return in
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

const threeLines = "Feb  5 00:07:21 h sshd[1]: one\nFeb  5 00:07:22 h sshd[1]: two\nFeb  5 00:07:23 h sshd[1]: three\n"

func TestPlainLines(t *testing.T) {
	p := write(t, t.TempDir(), "auth.log", []byte(threeLines))
	in := open(t, p)
	if in.Gzip() {
		t.Error("plain file taken for gzip")
	}
	if in.Name() != p || in.ModTime().IsZero() {
		t.Errorf("Name %q ModTime %v", in.Name(), in.ModTime())
	}
	fp, err := in.Fingerprint()
	if err != nil || fp != sum("Feb  5 00:07:21 h sshd[1]: one\n") {
		t.Errorf("Fingerprint = %q, %v", fp, err)
	}
	got := readAll(t, in)
	want := []line{
		{"Feb  5 00:07:21 h sshd[1]: one", 1, 31, nil},
		{"Feb  5 00:07:22 h sshd[1]: two", 2, 62, nil},
		{"Feb  5 00:07:23 h sshd[1]: three", 3, 95, nil},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if in.Err() != nil || in.Partial() != 0 {
		t.Errorf("Err %v Partial %d", in.Err(), in.Partial())
	}
	if in.Next() {
		t.Error("Next true after the end")
	}
}

func TestGzipByMagic(t *testing.T) {
	dir := t.TempDir()
	// A gzip file with a misleading name, and a plain file named .gz.
	zp := write(t, dir, "auth.log", gz(t, []byte(threeLines)))
	pp := write(t, dir, "auth.log.2.gz", []byte(threeLines))
	for _, p := range []string{zp, pp} {
		in := open(t, p)
		if in.Gzip() != (p == zp) {
			t.Errorf("%s: Gzip() = %v", p, in.Gzip())
		}
		if got := texts(readAll(t, in)); len(got) != 3 || got[2] != "Feb  5 00:07:23 h sshd[1]: three" {
			t.Errorf("%s: %q", p, got)
		}
		if in.Offset() != int64(len(threeLines)) {
			t.Errorf("%s: Offset %d, want %d (decompressed)", p, in.Offset(), len(threeLines))
		}
	}
}

func TestFingerprintSameForRotatedCopy(t *testing.T) {
	dir := t.TempDir()
	data := []byte(threeLines)
	a := open(t, write(t, dir, "auth.log.1", data))
	b := open(t, write(t, dir, "auth.log.2.gz", gz(t, data)))
	fa, _ := a.Fingerprint()
	fb, _ := b.Fingerprint()
	if fa == "" || fa != fb {
		t.Errorf("fingerprints differ: %q %q", fa, fb)
	}
	// Growing the file does not change it; another first line does.
	c := open(t, write(t, dir, "auth.log", append(bytes.Clone(data), "more\n"...)))
	if fc, _ := c.Fingerprint(); fc != fa {
		t.Errorf("grown file has another fingerprint")
	}
	d := open(t, write(t, dir, "other", []byte("other first line\n"+threeLines)))
	if fd, _ := d.Fingerprint(); fd == fa {
		t.Errorf("other content has the same fingerprint")
	}
}

func TestFingerprintLongFirstLine(t *testing.T) {
	long := strings.Repeat("x", 10000) + "\nnext\n"
	in := open(t, write(t, t.TempDir(), "long", []byte(long)))
	fp, _ := in.Fingerprint()
	if want := sum(long[:knocks.FingerprintLen]); fp != want {
		t.Errorf("fingerprint of a long first line = %s, want the hash of its first %d bytes", fp, knocks.FingerprintLen)
	}
	// A first line of 5000 bytes still being written is enough too.
	in = open(t, write(t, t.TempDir(), "long", []byte(strings.Repeat("y", 5000))))
	if fp, _ := in.Fingerprint(); fp == "" {
		t.Error("no fingerprint for 5000 bytes without a newline")
	}
}

func TestEmptyAndNoFirstLine(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ name, data string }{
		{"empty", ""},
		{"partial", "Feb  5 00:07:21 h sshd[1]: still being wri"},
	} {
		in := open(t, write(t, dir, c.name, []byte(c.data)))
		fp, err := in.Fingerprint()
		if fp != "" || err != nil {
			t.Errorf("%s: Fingerprint = %q, %v; want \"\", nil", c.name, fp, err)
		}
		if in.Next() {
			t.Errorf("%s: Next true", c.name)
		}
		if in.Partial() != int64(len(c.data)) || in.Offset() != 0 {
			t.Errorf("%s: Partial %d Offset %d", c.name, in.Partial(), in.Offset())
		}
	}
	// An empty gzip file.
	in := open(t, write(t, dir, "empty.gz", gz(t, nil)))
	if fp, _ := in.Fingerprint(); fp != "" || in.Next() || in.Err() != nil {
		t.Errorf("empty gzip: %q %v", fp, in.Err())
	}
}

func TestTrailingPartialLineNotConsumed(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "auth.log", []byte(threeLines+"Feb  5 00:07:24 h sshd[1]: fo"))
	in := open(t, p)
	got := readAll(t, in)
	if len(got) != 3 {
		t.Fatalf("got %d lines, want 3", len(got))
	}
	if in.Offset() != int64(len(threeLines)) || in.LineNo() != 3 || in.Partial() != 29 {
		t.Errorf("Offset %d LineNo %d Partial %d", in.Offset(), in.LineNo(), in.Partial())
	}
	// syslog finishes the line; the next import resumes at its start.
	f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("ur\nFeb  5 00:07:25 h sshd[1]: five\n")
	f.Close()
	in2 := open(t, p)
	if err := in2.Skip(in.Offset(), in.LineNo()); err != nil {
		t.Fatal(err)
	}
	got = readAll(t, in2)
	want := []line{{"Feb  5 00:07:24 h sshd[1]: four", 4, 127, nil}, {"Feb  5 00:07:25 h sshd[1]: five", 5, 159, nil}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("after resume: %+v, want %+v", got, want)
	}
	// Complete content (gzip, or Complete set) yields a final line without newline.
	zin := open(t, write(t, dir, "x.gz", gz(t, []byte("a\nb"))))
	if got := texts(readAll(t, zin)); len(got) != 2 || got[1] != "b" || zin.Offset() != 3 {
		t.Errorf("gzip final line: %q offset %d", got, zin.Offset())
	}
	sin, err := NewReader("-", strings.NewReader("a\nb"), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if got := texts(readAll(t, sin)); len(got) != 2 || got[1] != "b" {
		t.Errorf("a stream's final line: %q", got)
	}
}

func TestResume(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 20000 {
		b.WriteString("Feb  5 00:07:21 h sshd[")
		b.WriteString(strings.Repeat("9", i%7+1))
		b.WriteString("]: line\n")
	}
	data := []byte(b.String())
	plain := write(t, dir, "auth.log", data)
	zipped := write(t, dir, "auth.log.2.gz", gz(t, data))
	full := readAll(t, open(t, plain))
	for _, p := range []string{plain, zipped} {
		for _, at := range []int{1, 10, 5000, len(full) - 1, len(full)} {
			cp := full[at-1]
			in := open(t, p)
			if err := in.Skip(cp.Offset, cp.No); err != nil {
				t.Fatalf("%s: Skip(%d, %d): %v", p, cp.Offset, cp.No, err)
			}
			rest := readAll(t, in)
			if len(rest) != len(full)-at {
				t.Fatalf("%s at %d: %d lines after resume, want %d", p, at, len(rest), len(full)-at)
			}
			if len(rest) > 0 && rest[0] != full[at] {
				t.Errorf("%s at %d: first line %+v, want %+v", p, at, rest[0], full[at])
			}
			if in.Offset() != int64(len(data)) || in.LineNo() != int64(len(full)) {
				t.Errorf("%s at %d: ends at %d/%d", p, at, in.Offset(), in.LineNo())
			}
		}
	}
	// A checkpoint that does not fit the content.
	for _, p := range []string{plain, zipped} {
		in := open(t, p)
		if err := in.Skip(int64(len(data))+100, 30000); !errors.Is(err, ErrCheckpoint) {
			t.Errorf("%s: Skip past the end: %v", p, err)
		}
		in = open(t, p)
		if err := in.Skip(full[100].Offset-1, 101); !errors.Is(err, ErrCheckpoint) {
			t.Errorf("%s: Skip to the middle of a line: %v", p, err)
		}
		in = open(t, p)
		in.Next()
		if err := in.Skip(full[100].Offset, 101); !errors.Is(err, ErrStarted) {
			t.Errorf("%s: Skip after Next: %v", p, err)
		}
	}
}

func TestCRLF(t *testing.T) {
	in, err := NewReader("crlf", strings.NewReader("one\r\ntwo\r\n\r\nthree\n"), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, in)
	want := []line{{"one", 1, 5, nil}, {"two", 2, 10, nil}, {"", 3, 12, nil}, {"three", 4, 18, nil}}
	if len(got) != len(want) {
		t.Fatalf("%+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("got %+v, want %+v", got[i], want[i])
		}
	}
}

func TestLongLine(t *testing.T) {
	big := strings.Repeat("A", 1<<20)
	data := "good one\n" + big + "\ngood two\n" + strings.Repeat("B", DefaultMaxLine) + "\nlast\n"
	for _, z := range []bool{false, true} {
		raw := []byte(data)
		if z {
			raw = gz(t, raw)
		}
		in, err := NewReader("auth.log", bytes.NewReader(raw), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		got := readAll(t, in)
		if len(got) != 5 {
			t.Fatalf("gzip %v: %d lines: %v", z, len(got), got)
		}
		if got[0].Text != "good one" || got[2].Text != "good two" || got[3].Text != strings.Repeat("B", DefaultMaxLine) || got[4].Text != "last" {
			t.Errorf("gzip %v: lines around the long one: %q", z, texts(got))
		}
		e := got[1].Err
		if !errors.Is(e, ErrLineTooLong) || got[1].Text != "" {
			t.Fatalf("gzip %v: line 2 error %v", z, e)
		}
		var se *Error
		if !errors.As(e, &se) || se.File != "auth.log" || se.Line != 2 || !strings.HasPrefix(e.Error(), "auth.log:2: line too long") {
			t.Errorf("gzip %v: error %q", z, e)
		}
		if got[1].Offset != int64(9+len(big)+1) || got[2].No != 3 {
			t.Errorf("gzip %v: offsets after the long line: %+v", z, got[1:3])
		}
		if len(got[3].Text) != DefaultMaxLine || got[3].Err != nil {
			t.Errorf("gzip %v: a line of exactly MaxLine bytes was not yielded", z)
		}
		if in.Offset() != int64(len(data)) || in.Err() != nil {
			t.Errorf("gzip %v: Offset %d Err %v", z, in.Offset(), in.Err())
		}
	}
	// A long line still being written is left for later.
	in, _ := NewReader("live", strings.NewReader("ok\n"+big), time.Time{})
	in.Complete = false
	if got := readAll(t, in); len(got) != 1 || in.Offset() != 3 || in.Partial() != int64(len(big)) {
		t.Errorf("live long line: %v offset %d partial %d", got, in.Offset(), in.Partial())
	}
}

func TestNUL(t *testing.T) {
	in, _ := NewReader("auth.log", strings.NewReader("one\nt\x00wo\nthree\n"), time.Time{})
	got := readAll(t, in)
	if len(got) != 3 || !errors.Is(got[1].Err, ErrNUL) || got[2].Text != "three" || got[2].No != 3 {
		t.Fatalf("%+v", got)
	}
	if s := got[1].Err.Error(); s != "auth.log:2: line contains NUL bytes, skipped" {
		t.Errorf("error text %q", s)
	}
}

// notice is what OnNotice told of a line.
type notice struct {
	Line int64
	Text string
}

// readNoticed reads in to the end, with what OnNotice told.
func readNoticed(t *testing.T, in *Input) ([]line, []notice) {
	t.Helper()
	var ns []notice
	in.OnNotice(func(err error) {
		var se *Error
		if !errors.As(err, &se) || !errors.Is(err, ErrNULHole) {
			t.Errorf("notice %v is not an *Error wrapping ErrNULHole", err)
			return
		}
		ns = append(ns, notice{se.Line, err.Error()})
	})
	return readAll(t, in), ns
}

func TestNULHole(t *testing.T) {
	// A power cut leaves blocks of NULs where the file system had
	// allocated blocks that were never written; syslog appends after them
	// on reboot, so the first line after them begins with the NULs. The
	// line is read, the NULs are told (as a notice, not an error). A hole
	// on a line of its own, and NULs within a line's text, are skipped.
	const (
		before = "Feb  5 00:07:19 h sshd[1233]: Connection closed by 203.0.113.9 port 40022 [preauth]\n"
		failed = "Feb  5 00:07:21 h sshd[1234]: Failed password for root from 203.0.113.9 port 40100 ssh2\n"
		after  = "Feb  5 00:07:23 h sshd[1234]: Connection closed by authenticating user root 203.0.113.9 port 40100 [preauth]\n"
	)
	hole := func(n int) string { return strings.Repeat("\x00", n) }
	text := func(l string) string { return strings.TrimSuffix(l, "\n") }
	damaged := "Feb  5 00:07:21 h sshd[1234]: Failed pass\x00\x00\x00\x00word for root from 203.0.113.9 port 40100 ssh2\n"
	for _, c := range []struct {
		Name    string
		Input   string
		Want    []string         // the lines read, in order ("" for a line skipped)
		Notices map[int64]int    // line → NUL bytes ignored before it
		Err     map[int64]string // line → the error it was skipped with
	}{
		{Name: "hole of 512 B glued to a line", Input: before + hole(512) + failed + after,
			Want: []string{text(before), text(failed), text(after)}, Notices: map[int64]int{2: 512}},
		{Name: "hole of 4 KiB glued to a line", Input: before + hole(4096) + failed + after,
			Want: []string{text(before), text(failed), text(after)}, Notices: map[int64]int{2: 4096}},
		{Name: "hole of 200 KiB glued to a line", Input: before + hole(200<<10) + failed + after,
			Want: []string{text(before), text(failed), text(after)}, Notices: map[int64]int{2: 200 << 10}},
		{Name: "hole of 300 KiB, more than the read buffer", Input: before + hole(300<<10) + failed + after,
			Want: []string{text(before), text(failed), text(after)}, Notices: map[int64]int{2: 300 << 10}},
		{Name: "hole whose line begins at the end of the read buffer", Input: hole(BufferSize-40) + failed + after,
			Want: []string{text(failed), text(after)}, Notices: map[int64]int{1: BufferSize - 40}},
		{Name: "hole at the start of the file glued to a line", Input: hole(4096) + failed + after,
			Want: []string{text(failed), text(after)}, Notices: map[int64]int{1: 4096}},
		{Name: "one NUL before a line", Input: before + "\x00" + failed,
			Want: []string{text(before), text(failed)}, Notices: map[int64]int{2: 1}},
		{Name: "hole glued to a CRLF line", Input: hole(512) + strings.ReplaceAll(failed, "\n", "\r\n") + after,
			Want: []string{text(failed), text(after)}, Notices: map[int64]int{1: 512}},
		{Name: "hole on its own line", Input: before + hole(4096) + "\n" + failed,
			Want: []string{text(before), "", text(failed)}, Err: map[int64]string{2: "auth.log:2: line contains NUL bytes, skipped"}},
		{Name: "hole on its own CRLF line", Input: before + hole(4096) + "\r\n" + failed,
			Want: []string{text(before), "", text(failed)}, Err: map[int64]string{2: "auth.log:2: line contains NUL bytes, skipped"}},
		{Name: "hole of 200 KiB on its own line", Input: before + hole(200<<10) + "\n" + failed,
			Want: []string{text(before), "", text(failed)}, Err: map[int64]string{2: fmt.Sprintf("auth.log:2: line contains NUL bytes (%d bytes), skipped", 200<<10)}},
		{Name: "hole at the start then many lines", Input: hole(512) + "\n" + strings.Repeat(failed, 10),
			Want: append([]string{""}, strings.Split(strings.Repeat(failed, 10), "\n")[:10]...), Err: map[int64]string{1: "auth.log:1: line contains NUL bytes, skipped"}},
		{Name: "NULs inside the text", Input: before + damaged + after,
			Want: []string{text(before), "", text(after)}, Err: map[int64]string{2: "auth.log:2: line contains NUL bytes, skipped"}},
		{Name: "hole glued to a line with NULs inside its text", Input: before + hole(4096) + damaged + after,
			Want: []string{text(before), "", text(after)}, Err: map[int64]string{2: "auth.log:2: line contains NUL bytes, skipped"}},
		{Name: "NULs after the text", Input: before + text(failed) + hole(512) + "\n" + after,
			Want: []string{text(before), "", text(after)}, Err: map[int64]string{2: "auth.log:2: line contains NUL bytes, skipped"}},
		{Name: "hole of 200 KiB glued to a line with NULs inside", Input: before + hole(200<<10) + damaged + after,
			Want: []string{text(before), "", text(after)}, Err: map[int64]string{2: fmt.Sprintf("auth.log:2: line contains NUL bytes (%d bytes), skipped", 200<<10+len(damaged)-1)}},
		{Name: "hole glued to a line over the limit", Input: before + hole(4096) + strings.Repeat("A", DefaultMaxLine+1) + "\n" + after,
			Want: []string{text(before), "", text(after)}, Err: map[int64]string{2: fmt.Sprintf("auth.log:2: line contains NUL bytes (%d bytes), skipped", 4096+DefaultMaxLine+1)}},
		{Name: "two holes, each glued to a line", Input: hole(512) + before + failed + hole(8192) + after,
			Want: []string{text(before), text(failed), text(after)}, Notices: map[int64]int{1: 512, 3: 8192}},
	} {
		// Each as a plain file, a rotated gzip file, and a stream read in
		// small pieces.
		dir := t.TempDir()
		for _, kind := range []string{"file", "gzip", "stream"} {
			t.Run(c.Name+"/"+kind, func(t *testing.T) {
				var in *Input
				var err error
				switch kind {
				case "file":
					in, err = Open(write(t, dir, "auth.log", []byte(c.Input)))
				case "gzip":
					in, err = Open(write(t, dir, "auth.log.2.gz", gz(t, []byte(c.Input))))
				case "stream":
					in, err = NewReader("auth.log", &chunkReader{b: []byte(c.Input), n: 997}, time.Time{})
				}
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				defer in.Close()
				got, notices := readNoticed(t, in)
				name := in.Name()
				if len(got) != len(c.Want) {
					t.Fatalf("read %d lines, want %d: %q", len(got), len(c.Want), texts(got))
				}
				for i, l := range got {
					no := int64(i + 1)
					if l.No != no || l.Text != c.Want[i] {
						t.Errorf("line %d: number %d, text %q; want %q", no, l.No, l.Text, c.Want[i])
					}
					want := c.Err[no]
					switch {
					case want == "" && l.Err != nil:
						t.Errorf("line %d: skipped with %v", no, l.Err)
					case want != "" && (!errors.Is(l.Err, ErrNUL) || strings.Replace(l.Err.Error(), name, "auth.log", 1) != want):
						t.Errorf("line %d: error %v, want %q", no, l.Err, want)
					}
				}
				if len(notices) != len(c.Notices) {
					t.Errorf("notices %v, want %v", notices, c.Notices)
				}
				for _, n := range notices {
					want := fmt.Sprintf("auth.log:%d: %d NUL bytes before the line ignored (a hole left by a crash), the line was read", n.Line, c.Notices[n.Line])
					if strings.Replace(n.Text, name, "auth.log", 1) != want {
						t.Errorf("notice %q, want %q", n.Text, want)
					}
				}
				// Offsets, the checkpoint's sum: those of the content read
				// whole.
				content := []byte(c.Input)
				off := int64(len(content))
				if in.Offset() != off || in.Err() != nil || in.Partial() != 0 {
					t.Errorf("ends at %d (partial %d, %v), want %d", in.Offset(), in.Partial(), in.Err(), off)
				}
				if want := sumOf(content[:min(off, sumSample)], off, content[max(0, off-sumSample):off]); in.Sum() != want {
					t.Errorf("Sum %s, want %s", in.Sum(), want)
				}
			})
		}
	}
}

func TestNULHoleAtTheEndThenAppended(t *testing.T) {
	// A power cut leaves a hole at the end of the file, without a newline.
	// An import reads the file, and after the reboot syslog appends to the
	// hole; a second import resumes from the first one's checkpoint. The
	// lines of both are the lines of one read of the whole, the first line
	// after the hole is read, and the sum is that of the content.
	const (
		before = "Feb  5 00:07:19 h sshd[1233]: Connection closed by 203.0.113.9 port 40022 [preauth]\n"
		failed = "Feb  5 00:07:21 h sshd[1234]: Failed password for root from 203.0.113.9 port 40100 ssh2\n"
		after  = "Feb  5 00:07:23 h sshd[1234]: Connection closed by authenticating user root 203.0.113.9 port 40100 [preauth]\n"
	)
	for _, size := range []int{512, 4096, 200 << 10} {
		for _, complete := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d bytes/complete=%v", size, complete), func(t *testing.T) {
				dir := t.TempDir()
				crashed := strings.Repeat(before, 3) + strings.Repeat("\x00", size)
				p := write(t, dir, "auth.log", []byte(crashed))
				first := open(t, p)
				first.Complete = complete // a live file, or one thought final (left alone for long)
				got, notices := readNoticed(t, first)
				cp := &knocks.Checkpoint{Offset: first.Offset(), Lines: first.LineNo(), Sum: first.Sum()}
				grown := crashed + failed + after
				write(t, dir, "auth.log", []byte(grown))
				again := open(t, p)
				if m, err := again.ResumeAt([]*knocks.Checkpoint{cp}); m != cp || err != nil {
					t.Fatalf("ResumeAt(%+v) = %v, %v", cp, m, err)
				}
				rest, more := readNoticed(t, again)
				got, notices = append(got, rest...), append(notices, more...)
				var lines []string
				for _, l := range got {
					if l.Err != nil {
						lines = append(lines, fmt.Sprintf("%d: %v", l.No, errors.Is(l.Err, ErrNUL)))
					} else {
						lines = append(lines, fmt.Sprintf("%d: %s", l.No, l.Text))
					}
				}
				b, f, a := strings.TrimSuffix(before, "\n"), strings.TrimSuffix(failed, "\n"), strings.TrimSuffix(after, "\n")
				want := []string{"1: " + b, "2: " + b, "3: " + b, "4: " + f, "5: " + a}
				wantNotices := 1
				if complete {
					// The hole was read as the final line, and skipped; what
					// syslog glued on later is a line of its own.
					want = []string{"1: " + b, "2: " + b, "3: " + b, "4: true", "5: " + f, "6: " + a}
					wantNotices = 0
				} else if first.Partial() != int64(size) || cp.Lines != 3 {
					t.Errorf("first import: partial %d, checkpoint %+v; want the hole left for later", first.Partial(), cp)
				}
				if strings.Join(lines, "\n") != strings.Join(want, "\n") {
					t.Errorf("lines\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
				}
				if len(notices) != wantNotices || (wantNotices == 1 && notices[0].Line != 4) {
					t.Errorf("notices %+v", notices)
				}
				whole := open(t, p)
				readAll(t, whole)
				if again.Sum() != whole.Sum() || again.Offset() != int64(len(grown)) {
					t.Errorf("after resuming: sum %s at %d; one read: %s at %d", again.Sum(), again.Offset(), whole.Sum(), whole.Offset())
				}
			})
		}
	}
}

func TestNULHoleFollowed(t *testing.T) {
	// A followed file (knocks watch) reaches a hole at its end, then
	// syslog appends to it: Resume reads on, and the line after the hole
	// is read with the offset of the content.
	const failed = "Feb  5 00:07:21 h sshd[1234]: Failed password for root from 203.0.113.9 port 40100 ssh2\n"
	for _, size := range []int{4096, 200 << 10, 300 << 10} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			dir := t.TempDir()
			p := write(t, dir, "auth.log", []byte(failed+strings.Repeat("\x00", size)))
			in := open(t, p)
			got, notices := readNoticed(t, in)
			if len(got) != 1 || in.Partial() != int64(size) || len(notices) != 0 {
				t.Fatalf("before the append: %+v partial %d notices %v", got, in.Partial(), notices)
			}
			f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString("Feb  5 00:07:2")
			f.Close()
			if !in.Resume() || in.Next() {
				t.Fatal("a line without its newline was read")
			}
			f, _ = os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("5 h sshd[1235]: Failed password for root from 203.0.113.9 port 40101 ssh2\n")
			f.Close()
			in.Resume()
			got, notices = readNoticed(t, in)
			want := "Feb  5 00:07:25 h sshd[1235]: Failed password for root from 203.0.113.9 port 40101 ssh2"
			if len(got) != 1 || got[0].Text != want || got[0].No != 2 || got[0].Offset != int64(len(failed)+size+len(want)+1) {
				t.Fatalf("after the append: %+v", got)
			}
			if len(notices) != 1 || notices[0].Line != 2 || !strings.Contains(notices[0].Text, fmt.Sprintf(":2: %d NUL bytes", size)) {
				t.Errorf("notices %+v", notices)
			}
		})
	}
}

func TestTruncatedGzip(t *testing.T) {
	var b strings.Builder
	for range 50000 {
		b.WriteString("Feb  5 00:07:21 h sshd[1234]: Failed password for root from 203.0.113.9 port 22 ssh2\n")
	}
	z := gz(t, []byte(b.String()))
	z = z[:len(z)/2]
	p := write(t, t.TempDir(), "auth.log.2.gz", z)
	in := open(t, p)
	got := readAll(t, in)
	if len(got) == 0 || len(got) == 50000 {
		t.Fatalf("%d lines", len(got))
	}
	for _, l := range got {
		if l.Err != nil || !strings.HasSuffix(l.Text, "ssh2") {
			t.Fatalf("bad line %+v", l)
		}
	}
	err := in.Err()
	var se *Error
	if !errors.Is(err, ErrTruncated) || !errors.As(err, &se) || se.Line != int64(len(got)) {
		t.Fatalf("Err = %v", err)
	}
	if want := p + ": truncated gzip after line "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q", err)
	}
	// A checkpoint at the last good line resumes and fails the same way.
	in2 := open(t, p)
	if err := in2.Skip(in.Offset(), in.LineNo()); err != nil {
		t.Fatal(err)
	}
	if in2.Next() || !errors.Is(in2.Err(), ErrTruncated) {
		t.Errorf("resume of truncated gzip: %v", in2.Err())
	}
	// A corrupt gzip header fails Open.
	if _, err := Open(write(t, t.TempDir(), "bad.gz", []byte{0x1f, 0x8b, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9})); !errors.Is(err, ErrCorrupt) {
		t.Errorf("bad header: %v", err)
	}
}

func TestBinaryAndCompression(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	garbage := make([]byte, 100000)
	for i := range garbage {
		garbage[i] = byte(r.UintN(256))
	}
	for _, c := range []struct {
		name string
		data []byte
		want error
	}{
		{"garbage", garbage, ErrBinary},
		{"garbage.gz", gz(t, garbage), ErrBinary},
		{"utf16", []byte("F\x00e\x00b\x00 \x005\x00\n\x00"), ErrBinary},
		{"auth.log.3.xz", []byte{0xfd, '7', 'z', 'X', 'Z', 0, 1, 2}, ErrCompression},
		{"auth.log.3.bz2", []byte("BZh91AY&SY...."), ErrCompression},
		{"auth.log.3.zst", []byte{0x28, 0xb5, 0x2f, 0xfd, 1, 2}, ErrCompression},
	} {
		_, err := Open(write(t, dir, c.name, c.data))
		var se *Error
		if !errors.Is(err, c.want) || !errors.As(err, &se) || !strings.Contains(se.File, c.name) {
			t.Errorf("%s: Open error %v, want %v", c.name, err, c.want)
		}
	}
	// Text with odd bytes (invalid UTF-8, escapes) is not binary.
	in := open(t, write(t, dir, "odd", []byte("Invalid user \xff\xfe\x1b[31m from 1.2.3.4\n")))
	if !in.Next() || in.LineErr() != nil {
		t.Errorf("odd text line: %v", in.LineErr())
	}
}

func TestUnreadable(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(filepath.Join(dir, "missing"))
	if !errors.Is(err, ErrOpen) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	if want := filepath.Join(dir, "missing") + ": cannot open: no such file or directory"; err == nil || err.Error() != want {
		t.Errorf("missing: %q, want %q", err, want)
	}
	if _, err := Open(dir); !errors.Is(err, ErrIsDir) || !strings.HasSuffix(err.Error(), ": is a directory") {
		t.Errorf("directory: %v", err)
	}
	p := write(t, dir, "secret", []byte("x\n"))
	os.Chmod(p, 0)
	if os.Geteuid() == 0 {
		t.Log("running as root: chmod 000 does not stop reading; permission case skipped")
		return
	}
	if _, err := Open(p); !errors.Is(err, fs.ErrPermission) || !errors.Is(err, ErrOpen) {
		t.Errorf("chmod 000: %v", err)
	}
}

// slowReader returns at most n bytes per Read, like a pipe.
type slowReader struct {
	r io.Reader
	n int
}

func (s *slowReader) Read(p []byte) (int, error) {
	if len(p) > s.n {
		p = p[:s.n]
	}
	return s.r.Read(p)
}

func TestStdinLike(t *testing.T) {
	for _, z := range []bool{false, true} {
		raw := []byte(threeLines)
		if z {
			raw = gz(t, raw)
		}
		in, err := NewReader("-", &slowReader{bytes.NewReader(raw), 3}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if fp, _ := in.Fingerprint(); fp != sum("Feb  5 00:07:21 h sshd[1]: one\n") {
			t.Errorf("gzip %v: stdin fingerprint %q", z, fp)
		}
		if !in.ModTime().IsZero() || in.Name() != "-" {
			t.Errorf("stdin ModTime %v Name %q", in.ModTime(), in.Name())
		}
		if got := texts(readAll(t, in)); len(got) != 3 || got[0] != "Feb  5 00:07:21 h sshd[1]: one" {
			t.Errorf("gzip %v: %q", z, got)
		}
		in.Close()
		// Resume by discarding.
		in, _ = NewReader("-", &slowReader{bytes.NewReader(raw), 7}, time.Time{})
		if err := in.Skip(31, 1); err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, in); len(got) != 2 || got[0].No != 2 || got[0].Text != "Feb  5 00:07:22 h sshd[1]: two" {
			t.Errorf("gzip %v: resumed stdin %+v", z, got)
		}
	}
}

func TestErrorText(t *testing.T) {
	for _, c := range []struct {
		e    *Error
		want string
	}{
		{&Error{File: "auth.log.2.gz", Line: 1234, Err: ErrTruncated}, "auth.log.2.gz: truncated gzip after line 1234"},
		{&Error{File: "auth.log", Line: 7, Err: ErrNUL}, "auth.log:7: line contains NUL bytes"},
		{&Error{File: "x", Err: ErrBinary}, "x: binary data, not a text log"},
	} {
		if got := c.e.Error(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

// checkpointOf reads in to the end and returns the checkpoint after it.
func checkpointOf(t *testing.T, in *Input, fp string) *knocks.Checkpoint {
	t.Helper()
	readAll(t, in)
	return &knocks.Checkpoint{Fingerprint: fp, Offset: in.Offset(), Lines: in.LineNo(), Sum: in.Sum()}
}

func TestResumeTellsApartInputsWithTheSameFirstLine(t *testing.T) {
	dir := t.TempDir()
	lines := func(host string, from, to int) string {
		var b strings.Builder
		for i := from; i < to; i++ {
			fmt.Fprintf(&b, "Feb  5 00:%02d:%02d %s sshd[%d]: Failed password for root from 203.0.113.9 port 22 ssh2\n", i/60%60, i%60, host, 1000+i)
		}
		return b.String()
	}
	// Both start with a blank line, as a header or an empty first line.
	a := "\n" + lines("alpha", 0, 100)
	b := "\n" + lines("beta", 0, 100)
	for _, z := range []bool{false, true} {
		t.Run(fmt.Sprintf("gzip=%v", z), func(t *testing.T) {
			file := func(name, content string) string {
				if z {
					return write(t, dir, name+".gz", gz(t, []byte(content)))
				}
				return write(t, dir, name, []byte(content))
			}
			inA := open(t, file("a.log", a))
			fp, _ := inA.Fingerprint()
			cpA := checkpointOf(t, inA, fp)
			inB := open(t, file("b.log", b))
			if fpB, _ := inB.Fingerprint(); fpB != fp {
				t.Fatal("the fingerprints differ")
			}
			if cp, err := inB.ResumeAt([]*knocks.Checkpoint{cpA}); cp != nil || err != nil {
				t.Fatalf("b resumed at a's checkpoint: %v %v", cp, err)
			}
			if got := readAll(t, inB); len(got) != 101 || !strings.Contains(got[1].Text, "beta") {
				t.Fatalf("b read %d lines", len(got))
			}
			cpB := &knocks.Checkpoint{Fingerprint: fp, Offset: inB.Offset(), Lines: inB.LineNo(), Sum: inB.Sum()}
			// a grows: it resumes at its own checkpoint, not at b's.
			inA2 := open(t, file("a.log", a+lines("alpha", 100, 103)))
			cp, err := inA2.ResumeAt([]*knocks.Checkpoint{cpB, cpA})
			if err != nil || cp != cpA {
				t.Fatalf("grown a: resumed at %v, %v", cp, err)
			}
			got := readAll(t, inA2)
			if len(got) != 3 || got[0].No != 102 || !strings.Contains(got[0].Text, "alpha sshd[1100]") {
				t.Fatalf("grown a read %+v", got)
			}
			// The sum after resuming is the sum of reading all of it.
			inA3 := open(t, file("a.log", a+lines("alpha", 100, 103)))
			readAll(t, inA3)
			if inA2.Sum() != inA3.Sum() || inA2.Offset() != inA3.Offset() {
				t.Errorf("sum after resume %s, after a full read %s", inA2.Sum(), inA3.Sum())
			}
		})
	}
}

func TestResumeOfAStreamThatDiffersLate(t *testing.T) {
	// Two streams alike in their first 4 KiB differ before the checkpoint:
	// a stream cannot go back, so Resume fails rather than guess.
	same := strings.Repeat("Feb  5 00:07:21 h sshd[1]: Failed password for root from 203.0.113.9 port 22 ssh2\n", 100)
	in, _ := NewReader("-", strings.NewReader(same+"one\n"), time.Time{})
	cp := checkpointOf(t, in, "fp")
	in2, _ := NewReader("-", strings.NewReader(same+"two\nthree\n"), time.Time{})
	if _, err := in2.ResumeAt([]*knocks.Checkpoint{cp}); !errors.Is(err, ErrCheckpoint) {
		t.Errorf("Resume = %v, want ErrCheckpoint", err)
	}
	// A plain file is simply a new input.
	dir := t.TempDir()
	in3 := open(t, write(t, dir, "auth.log", []byte(same+"two\nthree\n")))
	if got, err := in3.ResumeAt([]*knocks.Checkpoint{cp}); got != nil || err != nil {
		t.Errorf("Resume of a file = %v, %v; want a new input", got, err)
	}
}

func TestFinalLineWithoutNewlineThenGrowth(t *testing.T) {
	// A final last line without a newline is read; when the file grows
	// after all, reading resumes just after it: the bytes the writer glued
	// on are read as a line of their own, never the same line twice.
	dir := t.TempDir()
	p := write(t, dir, "auth.log.1", []byte("one\ntwo"))
	in := open(t, p)
	in.Complete = true
	got := readAll(t, in)
	if len(got) != 2 || got[1].Text != "two" || in.Offset() != 7 || in.Partial() != 0 {
		t.Fatalf("final line: %+v offset %d", got, in.Offset())
	}
	cp := &knocks.Checkpoint{Offset: in.Offset(), Lines: in.LineNo(), Sum: in.Sum()}
	write(t, dir, "auth.log.1", []byte("one\ntwothree\nfour\n"))
	in2 := open(t, p)
	if got, err := in2.ResumeAt([]*knocks.Checkpoint{cp}); got != cp || err != nil {
		t.Fatalf("Resume = %v, %v", got, err)
	}
	if got := texts(readAll(t, in2)); strings.Join(got, "|") != "three|four" {
		t.Errorf("after resume: %q", got)
	}
}

func TestSumAfterResumeIsTheSumOfAFullRead(t *testing.T) {
	// A file that grows a few lines at a time, resumed each time: the sum
	// after each resume and read is that of reading all of it, whether the
	// file is shorter or longer than the sampled 4 KiB.
	dir := t.TempDir()
	for _, z := range []bool{false, true} {
		var content strings.Builder
		var cp *knocks.Checkpoint
		for step := range 60 {
			for i := range 3 {
				fmt.Fprintf(&content, "Feb  5 00:%02d:%02d h sshd[%d]: Connection closed by 203.0.113.9 port 22 [preauth]\n", step, i, step*3+i)
			}
			data := []byte(content.String())
			name := "auth.log"
			if z {
				data, name = gz(t, data), "auth.log.gz"
			}
			p := write(t, dir, name, data)
			in := open(t, p)
			if cp != nil {
				if got, err := in.ResumeAt([]*knocks.Checkpoint{cp}); got != cp || err != nil {
					t.Fatalf("gzip %v, step %d (%d bytes): Resume = %v, %v", z, step, content.Len(), got, err)
				}
			}
			if got := readAll(t, in); len(got) != 3 {
				t.Fatalf("gzip %v, step %d: read %d lines, want 3", z, step, len(got))
			}
			full := open(t, p)
			readAll(t, full)
			if in.Sum() != full.Sum() || in.Offset() != full.Offset() {
				t.Fatalf("gzip %v, step %d: sum %s at %d, a full read %s at %d", z, step, in.Sum(), in.Offset(), full.Sum(), full.Offset())
			}
			cp = &knocks.Checkpoint{Offset: in.Offset(), Lines: in.LineNo(), Sum: in.Sum()}
		}
	}
}

// chunkReader returns its content in reads of n bytes at most.
type chunkReader struct {
	b []byte
	n int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), r.n)], r.b)
	r.b = r.b[k:]
	return k, nil
}

func TestNULAndSumsAcrossReads(t *testing.T) {
	// Lines of many lengths over several buffers, read in odd pieces: the
	// lines with a NUL byte in their text, and only they, are skipped, the
	// lines after a hole of NULs are read, and the Sum after any line is
	// that of the content up to it.
	var content []byte
	nul := map[int64]bool{}
	holes := map[int64]int{}
	var offsets []int64
	for i := int64(1); len(content) < 3*BufferSize; i++ {
		l := []byte(fmt.Sprintf("Feb  5 00:07:21 h sshd[%d]: Failed password for root from 203.0.113.9 port 22 ssh2 %s", i, strings.Repeat("x", int(i*7%300))))
		if i%997 == 0 || i == 1234 || i == 1235 {
			l[len(l)/2] = 0
			nul[i] = true
		}
		switch {
		case i == 2000:
			holes[i] = 100 << 10
		case i%1009 == 0 || i == 1236:
			holes[i] = int(i*13%5000) + 1
		}
		content = append(append(append(content, make([]byte, holes[i])...), l...), '\n')
		offsets = append(offsets, int64(len(content)))
	}
	for _, n := range []int{1 << 20, 7777, 61} {
		in, err := NewReader("auth.log", &chunkReader{b: content, n: n}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		var noticed []int64
		in.OnNotice(func(error) { noticed = append(noticed, in.LineNo()) })
		for in.Next() {
			no := in.LineNo()
			if got := in.LineErr() != nil; got != nul[no] {
				t.Fatalf("reads of %d: line %d: error %v, want one: %v", n, no, in.LineErr(), nul[no])
			}
			if in.LineErr() == nil && !bytes.HasPrefix(in.Bytes(), fmt.Appendf(nil, "Feb  5 00:07:21 h sshd[%d]: ", no)) {
				t.Fatalf("reads of %d: line %d is %.40q", n, no, in.Bytes())
			}
			if holes[no] > 0 && (len(noticed) == 0 || noticed[len(noticed)-1] != no) {
				t.Fatalf("reads of %d: line %d after a hole: notices %v", n, no, noticed)
			}
			if no%501 == 0 || no == int64(len(offsets)) {
				off := offsets[no-1]
				want := sumOf(content[:min(off, sumSample)], off, content[max(0, off-sumSample):off])
				if got := in.Sum(); got != want {
					t.Fatalf("reads of %d: Sum after line %d is %s, want %s", n, no, got, want)
				}
			}
		}
		if in.LineNo() != int64(len(offsets)) || in.Err() != nil {
			t.Fatalf("reads of %d: %d lines of %d, %v", n, in.LineNo(), len(offsets), in.Err())
		}
		if len(noticed) != len(holes) {
			t.Fatalf("reads of %d: %d notices, %d holes", n, len(noticed), len(holes))
		}
	}
}
