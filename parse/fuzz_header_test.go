package parse

import (
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"knocks"
)

// fail2banSeeds are fail2ban.log lines of every version seen in the wild,
// and near misses.
var fail2banSeeds = []string{
	"2024-02-25 00:07:21,123 fail2ban.filter  [1234]: INFO    [sshd] Found 192.0.2.1 - 2024-02-25 00:07:21",
	"2024-02-25 00:07:22,456 fail2ban.actions [1234]: NOTICE  [sshd] Ban 192.0.2.1",
	"2024-02-25 01:07:22,456 fail2ban.actions        [1234]: NOTICE  [sshd-ddos] Unban 2001:db8::1",
	"2013-11-06 14:31:04,432 fail2ban.actions: WARNING [ssh] Ban 192.0.2.1",
	"2024-02-25 00:07:22,456 fail2ban.actions [1234]: NOTICE  [sshd] Restore Ban 192.0.2.1",
	"2024-02-25 00:07:22,456 fail2ban.server  [1234]: INFO    Starting Fail2ban v1.0.2",
	"2024-02-25 00:07:22,456 fail2ban.filter  [1234]: INFO    [sshd] Found host.example.com - 2024-02-25 00:07:21",
	"2024-02-25 00:07:22,456 fail2ban.actions [1234]: NOTICE  [] Ban 192.0.2.1",
	"2024-02-25 00:07:22,456 fail2ban.actions [1234]: NOTICE  [a]b] Ban ::ffff:192.0.2.1",
}

// FuzzFail2ban checks fail2ban.log lines: a raw line never panics, and a
// recognised one is a fail2ban event with a jail, an address and a
// wall-clock time; a line built from a fuzzed jail, address and action
// gives exactly those back.
func FuzzFail2ban(f *testing.F) {
	for i, s := range fail2banSeeds {
		f.Add([]byte(s), []string{"sshd", "sshd-ddos", "recidive", "", "a b", "x]"}[i%6], []byte{192, 0, 2, byte(i)}, uint8(i))
	}
	f.Add([]byte("2024-02-25 00:07:21,123 fail2ban."), "j", bytes.Repeat([]byte{0x20}, 16), uint8(2))
	f.Fuzz(func(t *testing.T, line []byte, jail string, ipb []byte, verb uint8) {
		ev, st := Line(line)
		checkEvent(t, ev, st)
		if st == Recognised && ev.Kind.Class() == knocks.ClassFail2ban {
			if ev.Program != "fail2ban" || ev.Count != 1 || bytes.IndexByte([]byte(ev.Jail), ']') >= 0 {
				t.Fatalf("fail2ban event %+v", ev)
			}
			if !ev.IP.IsValid() && ev.RHost == "" {
				t.Fatalf("fail2ban event without an address: %+v", ev)
			}
			if !IsWallClock(ev.Time) || ev.Time.IsZero() { // NoYear from a syslog header (RFC 3164)
				t.Fatalf("fail2ban time %v (NoYear %v)", ev.Time, ev.NoYear)
			}
		}

		// A line built from fields gives the fields back.
		ip, ok := netip.AddrFromSlice(ipb)
		if !ok || bytes.ContainsAny([]byte(jail), "] \t\r\n") {
			return
		}
		kinds := []knocks.Kind{knocks.KindF2BFound, knocks.KindF2BBan, knocks.KindF2BUnban, knocks.KindF2BRestore}
		words := []string{"Found", "Ban", "Unban", "Restore Ban"}
		k := int(verb) % len(words)
		built := fmt.Sprintf("2024-02-25 00:07:21,123 fail2ban.actions [1234]: NOTICE  [%s] %s %s", jail, words[k], ip)
		if k == 0 {
			built += " - 2024-02-25 00:07:20"
		}
		ev, st = Line([]byte(built))
		want := knocks.Event{Time: wall(2024, 2, 25, 0, 7, 21, 123e6), Program: "fail2ban", Kind: kinds[k], Jail: jail, IP: ip.Unmap(), Count: 1}
		if st != Recognised || ev != want {
			t.Fatalf("%q:\n got %v %+v\nwant %+v", built, st, ev, want)
		}
	})
}

// validHostToken reports whether h is a host name as a syslog header
// writes it, one that cannot be taken for a program tag, a facility.level
// pair or a FreeBSD "<10.5>" prefix.
func validHostToken(h string) bool {
	if len(h) == 0 || len(h) > 64 || !isHostname([]byte(h)) || isFacLevel([]byte(h)) {
		return false
	}
	_, _, tag := parseTag([]byte(h))
	return !tag
}

// FuzzSyslogHeader checks the syslog header parser: on any line it never
// panics, Message and Line agree, and the message is the end of the line;
// a header built from a fuzzed host, program, pid and time (RFC 3164 and
// RFC 3339) gives exactly those back.
func FuzzSyslogHeader(f *testing.F) {
	for i, tt := range headerTests {
		f.Add([]byte(tt.Input), []string{"host", "web-1.example.org", "h", "10.0.0.5", "_x"}[i%5], uint8(i), uint32(1000+i), uint8(i%12+1), uint8(i%28+1), uint32(i*3607))
	}
	f.Add([]byte("Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=203.0.113.4"), "combo", uint8(4), uint32(19939), uint8(6), uint8(14), uint32(55000))
	f.Add([]byte("<38>Feb 25 00:07:21 host sshd[22071]:"), "auth.info", uint8(1), uint32(0), uint8(0), uint8(0), uint32(86399))
	f.Fuzz(func(t *testing.T, line []byte, host string, prog uint8, pid uint32, month, day uint8, secs uint32) {
		ev, st := Line(line)
		checkEvent(t, ev, st)
		h, msg, ok := Message(line)
		if ok {
			if st == NotSSHD {
				t.Fatalf("Message ok, Line not-sshd: %q", line)
			}
			switch h.Program {
			case "sshd", "sshd-session", "sshd-auth":
			default:
				t.Fatalf("program %q", h.Program)
			}
			if h.NoYear && h.Time.Year() != 0 || h.PID < 0 {
				t.Fatalf("header %+v", h)
			}
			if len(line) > 0 && line[0] != '{' && !bytes.HasSuffix(trimEOL(line), msg) {
				t.Fatalf("message %q is not the end of %q", msg, line)
			}
			if st == Recognised && (ev.Host != h.Host || ev.PID != h.PID && ev.Kind != knocks.KindTimeout || ev.Program != h.Program) {
				t.Fatalf("Line header %q %d %q, Message %+v", ev.Host, ev.PID, ev.Program, h)
			}
		}

		// A header built from fields gives the fields back.
		if !validHostToken(host) {
			return
		}
		progs := []string{"sshd", "sshd-session", "sshd-auth", "/usr/sbin/sshd", "sshd(pam_unix)"}
		p := progs[int(prog)%len(progs)]
		wantProg := map[string]string{"/usr/sbin/sshd": "sshd", "sshd(pam_unix)": "sshd"}[p]
		if wantProg == "" {
			wantProg = p
		}
		body := "Invalid user admin from 192.0.2.1"
		if p == "sshd(pam_unix)" {
			body = "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=192.0.2.1"
		}
		n := int(pid%4194304) + 1
		mo := time.Month(month%12 + 1)
		d := int(day%28) + 1
		s := int(secs % 86400)
		stamp3164 := fmt.Sprintf("%s %2d %02d:%02d:%02d", mo.String()[:3], d, s/3600, s/60%60, s%60)
		stamp3339 := fmt.Sprintf("2024-%02d-%02dT%02d:%02d:%02d.250000+01:30", int(mo), d, s/3600, s/60%60, s%60)
		for _, c := range []struct {
			line string
			time time.Time
			noY  bool
		}{
			{stamp3164 + " " + host + " " + p + "[" + strconv.Itoa(n) + "]: " + body, wall(0, mo, d, s/3600, s/60%60, s%60, 0), true},
			{stamp3339 + " " + host + " " + p + "[" + strconv.Itoa(n) + "]: " + body, time.Date(2024, mo, d, s/3600, s/60%60, s%60, 250e6, time.FixedZone("", 5400)).UTC(), false},
		} {
			ev, st := Line([]byte(c.line))
			if st != Recognised || ev.Host != host || ev.Program != wantProg || ev.PID != n || !ev.Time.Equal(c.time) || ev.NoYear != c.noY || ev.IP != netip.MustParseAddr("192.0.2.1") {
				t.Fatalf("%q: got %v %+v", c.line, st, ev)
			}
		}
	})
}
