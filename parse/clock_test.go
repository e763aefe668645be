package parse

import (
	"net/netip"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // zones for TestClockDayCache

	"knocks"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestClock(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	for _, tt := range []struct {
		Name  string
		Clock Clock
		Input []string // stamps; "Mmm dd hh:mm:ss" stamps get an sshd line after them
		Want  []string // RFC 3339 UTC, "" for no time
	}{
		{"rollover", Clock{Loc: time.UTC, Ref: utc("2025-01-02T08:00:00Z"), Now: utc("2025-06-01T00:00:00Z")},
			[]string{"Dec 31 23:59:58", "Dec 31 23:59:59", "Jan  1 00:00:01"},
			[]string{"2024-12-31T23:59:58Z", "2024-12-31T23:59:59Z", "2025-01-01T00:00:01Z"}},
		{"rotated file from last year", Clock{Loc: time.UTC, Ref: utc("2025-01-03T10:00:00Z"), Now: utc("2025-06-01T00:00:00Z")},
			[]string{"Dec 27 10:00:00", "Dec 30 11:00:00", "Jan  2 12:00:00"},
			[]string{"2024-12-27T10:00:00Z", "2024-12-30T11:00:00Z", "2025-01-02T12:00:00Z"}},
		{"file wholly from last year", Clock{Loc: time.UTC, Ref: utc("2024-12-31T23:00:00Z"), Now: utc("2025-06-01T00:00:00Z")},
			[]string{"Dec  1 00:00:00", "Dec 31 22:59:00"},
			[]string{"2024-12-01T00:00:00Z", "2024-12-31T22:59:00Z"}},
		{"first line after ref", Clock{Loc: time.UTC, Ref: utc("2025-03-01T00:00:00Z"), Now: utc("2025-06-01T00:00:00Z")},
			[]string{"Nov  5 10:00:00", "Feb 28 10:00:00"},
			[]string{"2024-11-05T10:00:00Z", "2025-02-28T10:00:00Z"}},
		{"never in the future", Clock{Loc: time.UTC, Now: utc("2025-01-01T12:00:00Z")}, // stdin: no Ref
			[]string{"Dec 31 23:00:00", "Jan  1 11:00:00"},
			[]string{"2024-12-31T23:00:00Z", "2025-01-01T11:00:00Z"}},
		{"future after a jump", Clock{Loc: time.UTC, Ref: utc("2025-01-01T01:00:00Z"), Now: utc("2025-01-01T01:00:00Z")},
			[]string{"Jan  1 00:59:00", "Jan  1 00:30:00", "Jun 30 10:00:00"}, // the last is a stray of last year
			[]string{"2025-01-01T00:59:00Z", "2025-01-01T00:30:00Z", "2024-06-30T10:00:00Z"}},
		{"year override", Clock{Loc: time.UTC, Year: 2019, Ref: utc("2025-03-01T00:00:00Z"), Now: utc("2025-06-01T00:00:00Z")},
			[]string{"Feb 25 00:07:21", "Dec 31 23:00:00", "Jan  2 00:00:00"},
			[]string{"2019-02-25T00:07:21Z", "2019-12-31T23:00:00Z", "2020-01-02T00:00:00Z"}},
		{"year override in the future", Clock{Loc: time.UTC, Year: 2030, Now: utc("2025-06-01T00:00:00Z")},
			[]string{"Feb 25 00:07:21"},
			[]string{"2029-02-25T00:07:21Z"}},
		{"prev continues a resumed import", Clock{Loc: time.UTC, Prev: utc("2024-12-31T23:59:00Z"), Ref: utc("2025-01-05T00:00:00Z"), Now: utc("2025-06-01T00:00:00Z")},
			[]string{"Jan  1 00:00:05", "Jan  4 00:00:05"},
			[]string{"2025-01-01T00:00:05Z", "2025-01-04T00:00:05Z"}},
		{"prev wins over ref", Clock{Loc: time.UTC, Prev: utc("2024-06-01T10:00:00Z"), Ref: utc("2025-07-01T00:00:00Z"), Now: utc("2025-08-01T00:00:00Z")},
			[]string{"Jun  2 10:00:00"},
			[]string{"2024-06-02T10:00:00Z"}},
		{"small jump back is no new year", Clock{Loc: time.UTC, Ref: utc("2025-06-01T00:00:00Z"), Now: utc("2025-06-01T00:00:00Z")},
			[]string{"Mar  5 10:00:05", "Mar  5 10:00:01", "Feb 20 10:00:00"},
			[]string{"2025-03-05T10:00:05Z", "2025-03-05T10:00:01Z", "2025-02-20T10:00:00Z"}},
		{"stray line of last year", Clock{Loc: time.UTC, Ref: utc("2025-01-02T00:00:00Z"), Now: utc("2025-06-01T00:00:00Z")},
			[]string{"Dec 31 23:59:57", "Jan  1 00:00:01", "Dec 31 23:59:59", "Jan  1 00:00:02"},
			[]string{"2024-12-31T23:59:57Z", "2025-01-01T00:00:01Z", "2024-12-31T23:59:59Z", "2025-01-01T00:00:02Z"}},
		{"quiet months", Clock{Loc: time.UTC, Ref: utc("2025-12-01T00:00:00Z"), Now: utc("2025-12-01T00:00:00Z")},
			[]string{"Jan  5 00:00:00", "Sep  1 00:00:00", "Sep  2 00:00:00"},
			[]string{"2025-01-05T00:00:00Z", "2025-09-01T00:00:00Z", "2025-09-02T00:00:00Z"}},
		{"zone", Clock{Loc: cet, Ref: utc("2025-03-01T00:00:00Z"), Now: utc("2025-06-01T00:00:00Z")},
			[]string{"Feb 25 00:07:21"},
			[]string{"2025-02-24T23:07:21Z"}},
		{"leap day", Clock{Loc: time.UTC, Ref: utc("2024-03-01T00:00:00Z"), Now: utc("2025-06-01T00:00:00Z")},
			[]string{"Feb 29 12:00:00"},
			[]string{"2024-02-29T12:00:00Z"}},
		{"full stamps set the year", Clock{Loc: time.UTC, Ref: utc("2025-06-01T00:00:00Z"), Now: utc("2025-06-01T00:00:00Z")},
			[]string{"2023-05-01T10:00:00Z", "May  1 11:00:00"},
			[]string{"2023-05-01T10:00:00Z", "2023-05-01T11:00:00Z"}},
		{"offset stamps are converted", Clock{Loc: cet},
			[]string{"2024-02-25T00:07:21.5+01:00"},
			[]string{"2024-02-24T23:07:21.5Z"}},
		{"wall stamps are read in loc", Clock{Loc: cet},
			[]string{"2024-02-25T00:07:21"},
			[]string{"2024-02-24T23:07:21Z"}},
		{"no time", Clock{Loc: cet},
			[]string{""},
			[]string{""}},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			c := tt.Clock
			for i, stamp := range tt.Input {
				line := stamp + " host sshd[1]: Connection closed by 192.0.2.1 port 22 [preauth]"
				if stamp == "" {
					line = "host sshd[1]: Connection closed by 192.0.2.1 port 22 [preauth]"
				}
				ev, st := Line([]byte(line))
				if st != Recognised {
					t.Fatalf("%q: %v", line, st)
				}
				c.Resolve(&ev)
				got := ""
				if !ev.Time.IsZero() {
					got = ev.Time.Format(time.RFC3339Nano)
					if ev.Time.Location() != time.UTC {
						t.Errorf("%s: location %v, want UTC", stamp, ev.Time.Location())
					}
				}
				if ev.NoYear {
					t.Errorf("%s: NoYear still set", stamp)
				}
				if got != tt.Want[i] {
					t.Errorf("%s: %s, want %s", stamp, got, tt.Want[i])
				}
			}
		})
	}
}

func TestClockFail2ban(t *testing.T) {
	c := Clock{Loc: time.FixedZone("CEST", 2*3600)}
	ev, st := Line([]byte("2024-06-25 00:07:21,123 fail2ban.actions [1234]: NOTICE  [sshd] Ban 192.0.2.1"))
	if st != Recognised || !IsWallClock(ev.Time) {
		t.Fatalf("got %v %v", st, ev.Time)
	}
	c.Resolve(&ev)
	if want := utc("2024-06-24T22:07:21.123Z"); !ev.Time.Equal(want) {
		t.Errorf("time %v, want %v", ev.Time, want)
	}
}

func TestClockReset(t *testing.T) {
	c := Clock{Loc: time.UTC, Now: utc("2025-06-01T00:00:00Z")}
	c.Reset(utc("2025-01-02T00:00:00Z"), time.Time{})
	ev := knocks.Event{Time: wall(0, 12, 31, 23, 0, 0, 0), NoYear: true}
	c.Resolve(&ev)
	if ev.Time.Year() != 2024 {
		t.Errorf("first input: %v", ev.Time)
	}
	c.Reset(utc("2025-05-02T00:00:00Z"), time.Time{})
	ev = knocks.Event{Time: wall(0, 5, 1, 0, 0, 0, 0), NoYear: true}
	c.Resolve(&ev)
	if ev.Time.Year() != 2025 {
		t.Errorf("second input: %v", ev.Time)
	}
}

func TestTracker(t *testing.T) {
	var tr Tracker
	c := Clock{Loc: time.UTC, Ref: utc("2025-03-01T00:00:00Z"), Now: utc("2025-03-01T00:00:00Z")}
	type want struct {
		src  string
		port int
	}
	for i, tt := range []struct {
		Line string
		Want want
	}{
		{"Feb 12 04:09:18 h sshd[26713]: Connection from 115.249.163.77 port 51353 on 127.0.0.1 port 22", want{"115.249.163.77", 51353}},
		{"Feb 12 04:09:21 h sshd[26713]: Disconnecting: Too many authentication failures [preauth]", want{"115.249.163.77", 51353}},
		{"Feb 12 04:09:22 h sshd[26714]: error: kex_exchange_identification: Connection closed by remote host", want{}},     // other pid
		{"Feb 12 04:09:22 other sshd[26713]: error: kex_exchange_identification: Connection closed by remote host", want{}}, // other host
		{"Feb 12 04:30:00 h sshd[26713]: error: kex_exchange_identification: Connection closed by remote host", want{}},     // too late
		{"Feb 12 05:00:00 h sshd[7]: User root from example.com not allowed because not listed in AllowUsers", want{"example.com", 0}},
		{"Feb 12 05:00:01 h sshd[7]: Disconnecting: Too many authentication failures for root [preauth]", want{"example.com", 0}},
		{"Feb 12 05:00:02 h sshd[7]: Connection closed by 192.0.2.9 port 4 [preauth]", want{"192.0.2.9", 4}},
		// The listener's penalty lines neither give nor take an address:
		// the rate-limited summary names none, and its pid is no
		// connection's; a lockout stays without one too.
		{"Feb 12 06:00:00 h sshd[500]: drop connection #1 from [203.0.113.142]:57590 on [192.0.2.132]:22 penalty: failed authentication", want{"203.0.113.142", 57590}},
		{"Feb 12 06:00:01 h sshd[500]: PerSourcePenalties logging rate-limited: additional 12 connections dropped", want{}},
		{"Feb 12 06:00:02 h sshd[500]: error: kex_exchange_identification: Connection closed by remote host", want{}},
		{"Feb 12 06:00:03 h sshd[7]: pam_faillock(sshd:auth): Consecutive login failures for user root account temporarily locked", want{}},
	} {
		ev, st := Line([]byte(tt.Line))
		if st != Recognised {
			t.Fatalf("%d: %v", i, st)
		}
		c.Resolve(&ev)
		tr.Fill(&ev)
		if got := (want{ev.Source(), ev.Port}); got != tt.Want {
			t.Errorf("%d: %+v, want %+v", i, got, tt.Want)
		}
	}
	// Pruning keeps the map bounded.
	for i := 0; i < 10000; i++ {
		ev := knocks.Event{Time: utc("2025-03-01T00:00:00Z").Add(time.Duration(i) * time.Minute), PID: i + 1, IP: netip.AddrFrom4([4]byte{192, 0, 2, byte(i)})}
		tr.Fill(&ev)
	}
	if n := len(tr.m); n > 5000 {
		t.Errorf("tracker holds %d entries", n)
	}
}

func TestShape(t *testing.T) {
	for _, tt := range []struct {
		Name  string
		Input string
		Want  string
	}{
		{"address and port", "Foo from 192.0.2.1 port 22", "Foo from <ip> port <port>"},
		{"ipv6", "Foo from 2001:db8::1 port 4242", "Foo from <ip> port <port>"},
		{"user after for", "Failed frobnicate for root from 2001:db8::1 port 4242 ssh2", "Failed frobnicate for <user> from <ip> port <port> ssh2"},
		{"user with spaces", "Frob for invalid user a b c from 192.0.2.1 port 22", "Frob for invalid user <user> from <ip> port <port>"},
		{"user before address", "Connection frobbed by invalid user x y 192.0.2.1 port 22", "Connection frobbed by invalid user <user> <ip> port <port>"},
		{"for an address", "Timeout before frob for 192.0.2.1 port 22", "Timeout before frob for <ip> port <port>"},
		{"host name", "Foo from host.example.com port 22", "Foo from <host> port <port>"},
		{"quoted", "error: kex_exchange_identification: banner line too long: 'GET / HTTP/1.1'", "error: kex_exchange_identification: banner line too long: '<str>'"},
		{"double quoted", `frob "a b" done`, `frob "<str>" done`},
		{"bracketed address", "drop connection #12 from [192.0.2.1]:4242 on [198.51.100.1]:22 penalty: x", "drop connection #<n> from <ip> on <ip> penalty: x"},
		{"numbers", "User child is on pid 1234", "User child is on pid <n>"},
		{"code", "Received frob from 192.0.2.1 port 4242:11: Bye", "Received frob from <ip> port <n>:<n>: Bye"},
		{"names with digits stay", "frob ssh2 sha256 aes128-ctr", "frob ssh2 sha256 aes128-ctr"},
		{"fingerprint", "frob RSA SHA256:v3dpapGleDaUKf$4V1vKyR9ZyUgjaJAmoCTcb2PLljI", "frob RSA SHA256:<fp>"},
		{"hex fingerprint", "frob RSA 8c:e3:aa:0f:64:51:02:f7:14:79:89:3f:65:84:7c:30, x", "frob RSA <fp>, x"},
		{"ip-port", "SSH: Server;Ltype: Frob;Remote: 127.0.0.1-1780;Name: root", "SSH: Server;Ltype: Frob;Remote: <n>.<n>.<n>.<n>-<n>;Name: root"},
		{"long", strings.Repeat("word ", 100), strings.Repeat("word ", 40)[:200]},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			if got := Shape(tt.Input); got != tt.Want {
				t.Errorf("Shape(%q)\n got %q\nwant %q", tt.Input, got, tt.Want)
			}
		})
	}
}

// TestClockDayCache checks that the cached midnight gives the same times as
// time.Date, across DST switches, leap days and leap seconds.
func TestClockDayCache(t *testing.T) {
	for _, name := range []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		var c Clock
		for _, year := range []int{2023, 2024} {
			for day := 0; day < 367; day++ {
				for _, hms := range [][3]int{{0, 0, 0}, {1, 59, 59}, {2, 30, 0}, {3, 0, 1}, {12, 0, 0}, {23, 59, 60}} {
					mo, d := time.January, 1+day
					if day == 59 {
						mo, d = time.February, 29
					}
					want := time.Date(year, mo, d, hms[0], hms[1], hms[2], 7, loc)
					if got := c.at(year, mo, d, hms[0], hms[1], hms[2], 7, loc); !got.Equal(want) {
						t.Fatalf("%s %d-%v-%d %v: %v, want %v", name, year, mo, d, hms, got, want)
					}
				}
			}
		}
	}
}
