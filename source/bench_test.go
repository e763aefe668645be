package source

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"knocks/gen"
)

var (
	benchOnce sync.Once
	benchLog  []byte // about 100 MB of generated log
	benchGz   []byte
)

func benchData(b *testing.B) {
	benchOnce.Do(func() {
		var buf bytes.Buffer
		if _, err := gen.Write(&buf, gen.Options{Lines: 1_000_000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		benchLog = buf.Bytes()
		benchGz = gz(b, benchLog)
	})
}

// BenchmarkLines reads a generated 1M-line log (about 100 MB) line by line:
// from memory, from a file, and gzip compressed from memory.
func BenchmarkLines(b *testing.B) {
	benchData(b)
	count := func(b *testing.B, in *Input) {
		var n int64
		for in.Next() {
			n += int64(len(in.Bytes()))
		}
		if in.Err() != nil || in.LineNo() != 1_000_000 {
			b.Fatalf("read %d lines: %v", in.LineNo(), in.Err())
		}
	}
	b.Run("memory", func(b *testing.B) {
		b.SetBytes(int64(len(benchLog)))
		b.ReportAllocs()
		for b.Loop() {
			in, err := NewReader("bench", bytes.NewReader(benchLog), time.Time{})
			if err != nil {
				b.Fatal(err)
			}
			count(b, in)
		}
	})
	b.Run("file", func(b *testing.B) {
		p := filepath.Join(b.TempDir(), "auth.log")
		if err := os.WriteFile(p, benchLog, 0o644); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(benchLog)))
		b.ReportAllocs()
		for b.Loop() {
			in, err := Open(p)
			if err != nil {
				b.Fatal(err)
			}
			count(b, in)
			in.Close()
		}
	})
	b.Run("gzip", func(b *testing.B) {
		b.SetBytes(int64(len(benchLog)))
		b.ReportAllocs()
		for b.Loop() {
			in, err := NewReader("bench.gz", bytes.NewReader(benchGz), time.Time{})
			if err != nil {
				b.Fatal(err)
			}
			count(b, in)
		}
	})
}

// BenchmarkSkip resumes at the end of a 100 MB file: what a re-import costs.
func BenchmarkSkip(b *testing.B) {
	benchData(b)
	p := filepath.Join(b.TempDir(), "auth.log")
	if err := os.WriteFile(p, benchLog, 0o644); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		in, err := Open(p)
		if err != nil {
			b.Fatal(err)
		}
		if err := in.Skip(int64(len(benchLog)), 1_000_000); err != nil {
			b.Fatal(err)
		}
		if in.Next() {
			b.Fatal("a line after the end")
		}
		in.Close()
	}
}
