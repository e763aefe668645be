package gen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/netip"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDeterministic(t *testing.T) {
	o := Options{Lines: 5000, Seed: 42, Tricky: 0.1, VerboseShare: 0.1, MappedShare: 0.1, Style: Mixed, Hosts: []string{"a", "b"}, Program: "mixed"}
	var b1, b2, b3 bytes.Buffer
	s1, err := Write(&b1, o)
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := Write(&b2, o)
	if !bytes.Equal(b1.Bytes(), b2.Bytes()) || !reflect.DeepEqual(s1, s2) {
		t.Error("the same seed gave different logs")
	}
	o.Seed = 43
	Write(&b3, o)
	if bytes.Equal(b1.Bytes(), b3.Bytes()) {
		t.Error("another seed gave the same log")
	}
}

// conn is a connection as the recount sees it.
type conn struct {
	failed, failure, scan, login int64
	ip                           string
	user                         string
}

var (
	reRepeated = regexp.MustCompile(`^message repeated (\d+) times: \[ (.*)\]$`)
	reIP       = regexp.MustCompile(`(?:from |rhost=|(?:invalid|authenticating) user \S+ )([0-9a-f.:]+)(?: port|$| )`)
	reUser     = regexp.MustCompile(`(?:[Ii]nvalid user |authenticating user |Failed \S+ for |User |user=)(\S+)`)
)

// classify says how an sshd message counts, by the rules of the README.
func classify(msg string) (failed, failure, scan, login bool) {
	switch {
	case strings.HasPrefix(msg, "Failed "):
		return true, true, false, false
	case strings.HasPrefix(msg, "Accepted "):
		return false, false, false, true
	case strings.HasPrefix(msg, "Invalid user "),
		strings.HasPrefix(msg, "pam_unix(sshd:auth): authentication failure"),
		strings.Contains(msg, " by invalid user "), strings.Contains(msg, " by authenticating user "),
		strings.HasPrefix(msg, "Disconnected from invalid user "), strings.HasPrefix(msg, "Disconnected from authenticating user "),
		strings.HasPrefix(msg, "error: maximum authentication attempts exceeded"),
		strings.HasPrefix(msg, "Disconnecting ") && strings.Contains(msg, "Too many authentication failures"),
		strings.HasPrefix(msg, "User ") && strings.Contains(msg, " not allowed because "):
		return false, true, false, false
	case strings.HasPrefix(msg, "Did not receive identification"),
		strings.Contains(msg, "kex_exchange_identification"),
		strings.HasPrefix(msg, "banner exchange"),
		strings.HasPrefix(msg, "Unable to negotiate"),
		strings.HasPrefix(msg, "Connection closed by "),
		strings.HasPrefix(msg, "Connection reset by "),
		strings.HasPrefix(msg, "Disconnected from ") && !strings.HasPrefix(msg, "Disconnected from user "),
		strings.HasPrefix(msg, "Received disconnect from ") && strings.HasSuffix(msg, "[preauth]"),
		strings.HasPrefix(msg, "Bad protocol version"),
		strings.Contains(msg, "Timeout before authentication"),
		strings.HasPrefix(msg, "ssh_dispatch_run_fatal"):
		return false, false, true, false
	}
	return false, false, false, false
}

// recount counts a generated log the simple way: it groups sshd lines by
// host and pid (the generator does not reuse pids in short logs).
func recount(t *testing.T, r io.Reader, style Style) Stats {
	t.Helper()
	var st Stats
	st.IPs = map[string]int64{}
	st.Users = map[string]UserCount{}
	conns := map[string]*conn{}
	var order []string
	var prev time.Time
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		st.Lines++
		var when time.Time
		var host, prog, pid, msg string
		if style == Journal {
			var m map[string]string
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				t.Fatalf("line %d: %v", st.Lines, err)
			}
			us, _ := strconv.ParseInt(m["__REALTIME_TIMESTAMP"], 10, 64)
			when = time.UnixMicro(us)
			host, prog, pid, msg = m["_HOSTNAME"], m["SYSLOG_IDENTIFIER"], m["_PID"], m["MESSAGE"]
		} else {
			var rest string
			if line[4] == '-' { // RFC 3339
				stamp, r, _ := strings.Cut(line, " ")
				var err error
				if when, err = time.Parse(time.RFC3339Nano, stamp); err != nil {
					t.Fatalf("line %d: %v", st.Lines, err)
				}
				rest = r
			} else {
				rest = line[16:]
			}
			var tag string
			host, rest, _ = strings.Cut(rest, " ")
			tag, msg, _ = strings.Cut(rest, ": ")
			prog, pid, _ = strings.Cut(tag, "[")
			pid = strings.TrimSuffix(pid, "]")
		}
		if !when.IsZero() {
			if when.Before(prev) {
				t.Fatalf("line %d goes back in time: %v < %v", st.Lines, when, prev)
			}
			prev = when
		}
		if prog != "sshd" && prog != "sshd-session" {
			continue
		}
		st.SSHDLines++
		n := int64(1)
		if m := reRepeated.FindStringSubmatch(msg); m != nil {
			n, _ = strconv.ParseInt(m[1], 10, 64)
			msg = m[2]
		}
		key := host + "/" + pid
		c := conns[key]
		if c == nil {
			c = &conn{}
			conns[key] = c
			order = append(order, key)
		}
		failed, failure, scan, login := classify(msg)
		if failed {
			c.failed += n
		}
		if failure {
			c.failure += n
			if m := reIP.FindStringSubmatch(msg); m != nil && c.ip == "" {
				c.ip = netip.MustParseAddr(m[1]).Unmap().String()
			}
			if m := reUser.FindStringSubmatch(msg); m != nil && c.user == "" {
				c.user = m[1]
			}
		}
		if scan {
			c.scan += n
		}
		if login {
			c.login += n
			st.Logins += n
		}
	}
	for _, k := range order {
		c := conns[k]
		switch {
		case c.failure > 0:
			a := max(c.failed, 1)
			st.Connections++
			st.Attempts += a
			st.IPs[c.ip] += a
			u := st.Users[c.user]
			u.Attempts += a
			_, u.Valid = validUsers[c.user]
			st.Users[c.user] = u
		case c.scan > 0 && c.login == 0:
			st.Scans++
		}
	}
	st.UniqueIPs, st.UniqueUsers = len(st.IPs), len(st.Users)
	return st
}

func TestStatsMatchRecount(t *testing.T) {
	for _, o := range []Options{
		{Lines: 20000, Seed: 1},
		{Lines: 20000, Seed: 2, Style: RFC3339, Hosts: []string{"web1", "web2", "db1"}, Program: "sshd-session", VerboseShare: 0.2, MappedShare: 0.2, IPv6Share: 0.3},
		{Lines: 10000, Seed: 3, Style: Journal, NoiseShare: -1},
		{Lines: 10000, Seed: 4, Style: Mixed, Location: time.FixedZone("CET", 3600), Start: time.Date(2024, 12, 31, 22, 0, 0, 0, time.UTC)},
	} {
		t.Run(o.Style.String(), func(t *testing.T) {
			var b bytes.Buffer
			st, err := Write(&b, o)
			if err != nil {
				t.Fatal(err)
			}
			if st.Lines != int64(o.Lines) || int64(bytes.Count(b.Bytes(), []byte("\n"))) != st.Lines {
				t.Errorf("Lines %d, newlines %d, want %d", st.Lines, bytes.Count(b.Bytes(), []byte("\n")), o.Lines)
			}
			got := recount(t, bytes.NewReader(b.Bytes()), o.Style)
			for _, c := range []struct {
				name      string
				gen, text int64
			}{
				{"lines", st.Lines, got.Lines},
				{"sshd lines", st.SSHDLines, got.SSHDLines},
				{"attempts", st.Attempts, got.Attempts},
				{"connections", st.Connections, got.Connections},
				{"scans", st.Scans, got.Scans},
				{"logins", st.Logins, got.Logins},
				{"unique IPs", int64(st.UniqueIPs), int64(got.UniqueIPs)},
				{"unique users", int64(st.UniqueUsers), int64(got.UniqueUsers)},
			} {
				if c.gen != c.text {
					t.Errorf("%s: Stats %d, recount %d", c.name, c.gen, c.text)
				}
			}
			if !reflect.DeepEqual(st.IPs, got.IPs) {
				t.Errorf("attempts by IP differ")
			}
			if !reflect.DeepEqual(st.Users, got.Users) {
				t.Errorf("attempts by user differ")
			}
			var days int64
			for _, n := range st.Days {
				days += n
			}
			if days != st.Attempts {
				t.Errorf("Days add up to %d, want %d", days, st.Attempts)
			}
			if st.Attempts == 0 || st.Scans == 0 || st.Logins == 0 {
				t.Errorf("a class is missing: %+v", st)
			}
			noise := float64(st.Lines-st.SSHDLines) / float64(st.Lines)
			if want := 0.10; o.NoiseShare < 0 {
				if noise != 0 {
					t.Errorf("noise share %.3f, want none", noise)
				}
			} else if noise < want-0.02 || noise > want+0.02 {
				t.Errorf("noise share %.3f, want about %.2f", noise, want)
			}
		})
	}
}

func TestHeavyTail(t *testing.T) {
	st, err := Write(io.Discard, Options{Lines: 100000, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	var top int64
	for _, n := range st.IPs {
		top = max(top, n)
	}
	if share := float64(top) / float64(st.Attempts); share < 0.03 {
		t.Errorf("the top IP has only %.1f%% of the attempts", 100*share)
	}
	if st.UniqueIPs < 100 {
		t.Errorf("only %d unique IPs", st.UniqueIPs)
	}
	if span := st.Last.Sub(st.First); span < 40*time.Hour || span > 70*time.Hour {
		t.Errorf("100000 lines span %v, want about 2 s per line", span)
	}
}

func TestParseStyle(t *testing.T) {
	for _, s := range []Style{RFC3164, RFC3339, Journal, Mixed} {
		if got, err := ParseStyle(s.String()); err != nil || got != s {
			t.Errorf("ParseStyle(%q) = %v, %v", s.String(), got, err)
		}
	}
	if _, err := ParseStyle("xml"); err == nil {
		t.Error("ParseStyle(xml) did not fail")
	}
}

func BenchmarkWrite(b *testing.B) {
	var n int64
	for b.Loop() {
		st, _ := Write(io.Discard, Options{Lines: 100000, Seed: 1})
		n = st.Lines
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

func TestPIDReuse(t *testing.T) {
	g, err := newGen(io.Discard, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	h := g.hosts[0]
	now := g.o.Start.UnixNano()
	// Every low pid ended a minute ago: after the wrap none may be reused.
	for pid := 300; pid < 1400; pid++ {
		h.busy[pid] = now - int64(time.Minute)
	}
	h.pid = 4194300
	seen := map[int]bool{}
	for range 100 {
		pid := h.newPID(g, now, now+int64(time.Minute))
		if pid >= 300 && pid < 1400 || seen[pid] {
			t.Fatalf("pid %d reused within ConnectionGap", pid)
		}
		seen[pid] = true
	}
	// Twelve minutes later the low pids are free again.
	for pid := 4194290; pid < 4194304; pid++ {
		h.busy[pid] = forever
	}
	h.pid = 4194290
	later := now + int64(12*time.Minute)
	if pid := h.newPID(g, later, later); pid < 300 || pid >= 1400 {
		t.Fatalf("pid %d after the wrap, want a low one again", pid)
	}
}
