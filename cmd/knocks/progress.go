package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"knocks/ingest"
	"knocks/report"
)

// progress draws one status line on a terminal while inputs are read:
// lines, lines per second, bytes of the total and the time left. All its
// methods run on the goroutine that reads the inputs.
type progress struct {
	w      io.Writer
	now    func() time.Time
	every  time.Duration // between two drawings
	total  int64         // bytes of every input on disk; 0 when unknown (stdin)
	start  time.Time
	done   int64 // bytes on disk of the inputs read to their end
	lines  int64
	last   time.Time
	drawn  bool
	name   string
	offset func() int64 // bytes of the current input read, nil while it cannot tell (gzip)
}

// withProgress makes ing draw a progress line on stderr while it reads
// names, when stderr is a terminal. The returned function clears the line;
// call it before printing anything else.
func (m *Main) withProgress(ing *ingest.Ingester, names []string) (clear func()) {
	if !m.terminal(m.Stderr) {
		return func() {}
	}
	p := &progress{w: m.Stderr, now: time.Now, every: 200 * time.Millisecond, start: time.Now()}
	for _, n := range names {
		if fi, err := os.Stat(n); err == nil && fi.Mode().IsRegular() {
			p.total += fi.Size()
		}
	}
	open := ing.Open
	ing.Open = func(ctx context.Context, name string) (ingest.Input, error) {
		in, err := open(ctx, name)
		if err != nil {
			return nil, err
		}
		return p.input(name, in), nil
	}
	return p.clear
}

// progressInput counts the lines of an input for a progress line.
type progressInput struct {
	ingest.Input
	p    *progress
	size int64 // on disk
}

func (p *progress) input(name string, in ingest.Input) ingest.Input {
	pi := &progressInput{Input: in, p: p}
	if fi, err := os.Stat(name); err == nil && fi.Mode().IsRegular() {
		pi.size = fi.Size()
	}
	p.name = filepath.Base(name)
	p.offset = nil
	if g, ok := in.(interface{ Gzip() bool }); !ok || !g.Gzip() {
		p.offset = in.Offset // plain content: the offset is the position in the file
	}
	return pi
}

// Next reads the next line and draws the progress line now and then.
func (pi *progressInput) Next() bool {
	ok := pi.Input.Next()
	p := pi.p
	p.lines++
	if p.lines&1023 == 0 || !p.drawn {
		if t := p.now(); !p.drawn || t.Sub(p.last) >= p.every {
			p.last = t
			p.draw()
		}
	}
	return ok
}

// Close counts the input as read to its end.
func (pi *progressInput) Close() error {
	pi.p.done += pi.size
	pi.p.offset = nil
	return pi.Input.Close()
}

// draw writes the progress line over the last one.
func (p *progress) draw() {
	p.drawn = true
	elapsed := p.now().Sub(p.start).Seconds()
	var b strings.Builder
	fmt.Fprintf(&b, "\r%s lines", group(p.lines))
	if elapsed > 0.2 {
		fmt.Fprintf(&b, ", %s lines/s", group(int64(float64(p.lines)/elapsed)))
	}
	read := p.done
	if p.offset != nil {
		read += p.offset()
	}
	if p.total > 0 {
		read = min(read, p.total)
		fmt.Fprintf(&b, ", %s of %s (%d%%)", bytesText(read), bytesText(p.total), read*100/p.total)
		if elapsed > 1 && read > 0 && read < p.total {
			left := time.Duration(elapsed * float64(p.total-read) / float64(read) * float64(time.Second))
			fmt.Fprintf(&b, ", %s left", left.Round(time.Second))
		}
	}
	fmt.Fprintf(&b, "  %s\x1b[K", report.Safe(clipText(p.name, 40)))
	io.WriteString(p.w, b.String())
}

// clear erases the progress line.
func (p *progress) clear() {
	if p.drawn {
		io.WriteString(p.w, "\r\x1b[K")
	}
}

// bytesText is n in kB, MB or GB (powers of 1000, one decimal).
func bytesText(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}

// group writes n with thousands separators.
func group(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
