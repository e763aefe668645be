package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"knocks"
	"knocks/parse"
	"knocks/source"
	"knocks/sqlite"
)

// realParser is the parse package as an ingest.Parser, as knocks wires it.
type realParser struct{ clock parse.Clock }

func (p *realParser) Parse(line []byte, ev *knocks.Event) Status {
	return Status(parse.LineInto(line, ev))
}
func (p *realParser) Resolve(ev *knocks.Event)      { p.clock.Resolve(ev) }
func (p *realParser) Reset(modTime, prev time.Time) { p.clock.Reset(modTime, prev) }
func (p *realParser) Shape(line []byte) string      { return parse.ShapeLine(line) }
func (p *realParser) Cursor(line []byte) []byte     { return parse.JournalCursor(line) }

// killingStore fails its k-th Write, as an import killed after k-1
// commits.
type killingStore struct {
	knocks.EventStore
	writes, kill int
}

var errKilled = errors.New("killed")

func (s *killingStore) Write(ctx context.Context, b *knocks.Batch) error {
	s.writes++
	if s.writes == s.kill {
		return errKilled
	}
	return s.EventStore.Write(ctx, b)
}

// fuzzLog turns fuzz bytes into a realistic sshd log: each byte picks a
// line of a connection (the pid, address and user follow from it).
func fuzzLog(data []byte) string {
	var b strings.Builder
	t := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for i, c := range data {
		t = t.Add(time.Duration(c%7) * time.Second)
		pid := 1000 + int(c>>4)
		ip := fmt.Sprintf("198.51.100.%d", c%13+1)
		user := []string{"root", "admin", "oracle", "pi", "", "x y"}[int(c>>2)%6]
		ts := t.Format(time.RFC3339)
		switch c % 8 {
		case 0:
			fmt.Fprintf(&b, "%s web1 sshd[%d]: Invalid user %s from %s port %d\n", ts, pid, user, ip, 40000+i)
		case 1:
			fmt.Fprintf(&b, "%s web1 sshd[%d]: Failed password for invalid user %s from %s port %d ssh2\n", ts, pid, user, ip, 40000+i)
		case 2:
			fmt.Fprintf(&b, "%s web1 sshd[%d]: Failed password for root from %s port %d ssh2\n", ts, pid, ip, 40000+i)
		case 3:
			fmt.Fprintf(&b, "%s web1 sshd[%d]: Connection closed by %s port %d [preauth]\n", ts, pid, ip, 40000+i)
		case 4:
			fmt.Fprintf(&b, "%s web1 sshd[%d]: Disconnected from invalid user %s %s port %d [preauth]\n", ts, pid, user, ip, 40000+i)
		case 5:
			fmt.Fprintf(&b, "%s web1 sshd[%d]: Accepted publickey for pi from %s port %d ssh2: ED25519 SHA256:abc\n", ts, pid, ip, 40000+i)
		case 6:
			fmt.Fprintf(&b, "%s web1 sshd[%d]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=%s  user=%s\n", ts, pid, ip, user)
		case 7:
			fmt.Fprintf(&b, "%s web1 CRON[%d]: pam_unix(cron:session): session opened for user root by (uid=0)\n", ts, pid)
		}
	}
	return b.String()
}

// FuzzIngestSplit checks the whole import: a log imported in pieces as it
// grows (cut at any byte, the last line held back while the file is
// live), and by imports killed after k commits and run again, ends with
// the same report as one import of the whole.
func FuzzIngestSplit(f *testing.F) {
	f.Add([]byte("\x00\x01\x02\x03\x04\x10\x11\x12\x13\x14\x05\x06\x07\x21\x29"), uint16(100), uint16(900), uint8(2), false)
	f.Add([]byte(strings.Repeat("\x00\x01\x02\x03\x04\x06", 40)), uint16(3000), uint16(7000), uint8(1), true)
	f.Fuzz(func(t *testing.T, data []byte, cut1, cut2 uint16, kill uint8, gzipped bool) {
		if len(data) > 2000 {
			data = data[:2000]
		}
		log := fuzzLog(data)
		if len(log) > 0 && data[len(data)-1]%2 == 0 {
			log = log[:len(log)-1] // the last line without its newline
		}
		ctx := context.Background()
		dir := t.TempDir()
		path := filepath.Join(dir, "auth.log")
		now := time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC)
		run := func(s knocks.EventStore, content string, complete bool) error {
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			name := path
			if gzipped && complete {
				// Rotated and compressed: the same input by its content.
				var zb bytes.Buffer
				zw := gzip.NewWriter(&zb)
				zw.Write([]byte(content))
				zw.Close()
				name = path + ".1.gz"
				if err := os.WriteFile(name, zb.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			open := func(ctx context.Context, name string) (Input, error) {
				in, err := source.OpenContext(ctx, name)
				if err != nil {
					return nil, err
				}
				in.Complete = in.Complete || complete
				return in, nil
			}
			ing := &Ingester{Store: s, Parser: &realParser{clock: parse.Clock{Loc: time.UTC, Now: now}}, Open: open,
				Options: Options{ChunkLines: 7, CommitLines: 13}, Now: func() time.Time { return now }}
			_, err := ing.Run(ctx, []string{name})
			return err
		}
		report := func(s knocks.EventStore) string {
			sum, err := s.Summary(ctx, knocks.Filter{Top: 1000})
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf("attempts %d connections %d scans %d logins %d ips %d users %d lines %d first %v last %v users %v ips %v",
				sum.Attempts, sum.Connections, sum.Scans, sum.Logins, sum.UniqueIPs, sum.UniqueUsers, sum.LinesRead, sum.First, sum.Last, sum.TopUsers, sum.TopIPs)
		}
		clean, err := sqlite.Open(ctx, sqlite.Memory)
		if err != nil {
			t.Fatal(err)
		}
		defer clean.Close()
		if err := run(clean, log, true); err != nil {
			t.Fatal(err)
		}
		want := report(clean)

		s, err := sqlite.Open(ctx, sqlite.Memory)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		a, b := int(cut1)%(len(log)+1), int(cut2)%(len(log)+1)
		if a > b {
			a, b = b, a
		}
		// The file grows: two imports of it while live, each killed after
		// kill commits at most and run again; then the whole, final.
		for _, n := range []int{a, b} {
			k := &killingStore{EventStore: s, kill: int(kill % 5)}
			if err := run(k, log[:n], false); err != nil && !errors.Is(err, errKilled) {
				t.Fatal(err)
			}
		}
		k := &killingStore{EventStore: s, kill: int(kill % 5)}
		if err := run(k, log, true); err != nil && !errors.Is(err, errKilled) {
			t.Fatal(err)
		}
		if err := run(s, log, true); err != nil {
			t.Fatal(err)
		}
		if got := report(s); got != want {
			t.Fatalf("cut at %d and %d, killed at write %d:\ngot  %s\nwant %s", a, b, kill%5, got, want)
		}
	})
}
