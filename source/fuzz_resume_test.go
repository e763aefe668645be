package source

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"knocks"
)

// readLine is what one Next yields, for comparing two reads.
type readLine struct {
	Text string
	No   int64
	Off  int64
	Bad  bool
}

// readRest reads in to its end.
func readRest(in *Input) []readLine {
	var out []readLine
	for in.Next() {
		out = append(out, readLine{string(in.Bytes()), in.LineNo(), in.Offset(), in.LineErr() != nil})
	}
	return out
}

// FuzzResume checks the reader that resumes from a checkpoint: the content
// is read once as a file still being written, cut at a byte (its last line
// held back), and then read in full, plain or gzip (logrotate compresses
// auth.log.1 to auth.log.2.gz), resumed from the checkpoint of the first
// read. The lines of the two reads together are the lines of one read of
// the whole, and the checkpoint's sum at the end is the same.
func FuzzResume(f *testing.F) {
	f.Add([]byte("Feb  5 00:07:21 h sshd[1]: one\nFeb  5 00:07:22 h sshd[1]: two\nthr"), uint16(40), false, true, false)
	f.Add([]byte("\n\nheader\r\nx\x00y\nlong line that is longer than the limit of sixty-four bytes in this test\nz"), uint16(3), true, false, true)
	f.Add(bytes.Repeat([]byte("Feb  5 00:07:21 h sshd[1234]: Failed password for root from 203.0.113.9 port 22 ssh2\n"), 120), uint16(5000), false, true, true)
	// Holes of NULs that a power cut left: glued to the next line, on a
	// line of their own, longer than a line, at the end.
	f.Add([]byte("Feb  5 00:07:21 h sshd[1]: one\n"+strings.Repeat("\x00", 200)+"Feb  5 00:07:22 h sshd[1]: two\n\x00\x00\n\x00x\x00y\n"+strings.Repeat("\x00", 100)), uint16(100), false, false, true)
	f.Add([]byte("a\n"+strings.Repeat("\x00", 300)), uint16(3), false, false, false)
	f.Fuzz(fuzzResumeBody)
}

func fuzzResumeBody(t *testing.T, data []byte, cut uint16, gzFirst, gzAll, final bool) {
	{
		dir := t.TempDir()
		store := func(name string, b []byte, z bool) string {
			if z {
				b, name = gz(t, b), name+".gz"
			}
			return write(t, dir, name, b)
		}
		open := func(p string, complete bool) *Input {
			in, err := Open(p)
			if err != nil {
				return nil
			}
			in.MaxLine = 64 // long lines and their skipping, in small inputs
			in.Complete = in.Complete || complete
			return in
		}
		whole := open(store("whole", data, gzAll), final)
		if whole == nil {
			return // binary content: both reads refuse it alike
		}
		defer whole.Close()
		want := readRest(whole)
		p := int(cut) % (len(data) + 1)
		if gzFirst && p > 0 && data[p-1] != '\n' {
			return // gzip content is complete: a last line without its newline is final
		}
		first := open(store("first", data[:p], gzFirst), false)
		if first == nil {
			return
		}
		defer first.Close()
		got := readRest(first)
		cp := &knocks.Checkpoint{Offset: first.Offset(), Lines: first.LineNo(), Sum: first.Sum()}
		again := open(store("again", data, gzAll), final)
		if again == nil {
			t.Fatal("the whole content opened once and not again")
		}
		defer again.Close()
		m, err := again.ResumeAt([]*knocks.Checkpoint{cp})
		if err != nil || (cp.Offset > 0 && m != cp) {
			t.Fatalf("ResumeAt(%+v) = %v, %v", cp, m, err)
		}
		got = append(got, readRest(again)...)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("cut at %d (checkpoint %+v):\ngot  %+v\nwant %+v", p, cp, got, want)
		}
		if again.Sum() != whole.Sum() || again.Offset() != whole.Offset() {
			t.Fatalf("sum after resuming %s at %d, after one read %s at %d", again.Sum(), again.Offset(), whole.Sum(), whole.Offset())
		}
	}
}
