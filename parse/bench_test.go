package parse

import (
	"testing"
	"time"

	"knocks"
)

// benchLines is a mix of real lines as they occur in a busy auth.log:
// mostly sshd failures and scans, some lines of other programs.
var benchLines = [][]byte{
	[]byte("Feb 25 00:07:21 web1 sshd[22071]: Invalid user admin from 192.0.2.1 port 41852"),
	[]byte("Feb 25 00:07:23 web1 sshd[22071]: Failed password for invalid user admin from 192.0.2.1 port 41852 ssh2"),
	[]byte("Feb 25 00:07:23 web1 sshd[22071]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.1  user=root"),
	[]byte("Feb 25 00:07:25 web1 sshd[22071]: Connection closed by invalid user admin 192.0.2.1 port 41852 [preauth]"),
	[]byte("Feb 25 00:07:26 web1 sshd[22080]: Received disconnect from 2001:db8::a11:beef:7ac0 port 50022:11: Bye Bye [preauth]"),
	[]byte("Feb 25 00:07:27 web1 sshd[22081]: error: kex_exchange_identification: Connection closed by remote host"),
	[]byte("Feb 25 00:07:27 web1 sshd[22081]: Connection closed by 198.51.100.7 port 60122"),
	[]byte("2024-02-25T00:07:28.123456+01:00 web1 sshd[22090]: Accepted publickey for bob from 203.0.113.5 port 50111 ssh2: ED25519 SHA256:5ZJ9mH8kq3lJ0Vx0e4tAqR2lS1dwSx3Zb0qFrYV7m1E"),
	[]byte("Feb 25 00:07:29 web1 sshd[22090]: pam_unix(sshd:session): session opened for user bob(uid=1000) by (uid=0)"),
	[]byte("Feb 25 00:07:30 web1 systemd-logind[812]: New session 5 of user bob."),
	[]byte("Feb 25 00:17:01 web1 CRON[12345]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"),
	[]byte("Feb 25 00:17:01 web1 CRON[12345]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)"),
}

// BenchmarkLine parses a mix of real lines; ns/op is per line.
func BenchmarkLine(b *testing.B) {
	n := 0
	for _, l := range benchLines {
		n += len(l)
	}
	b.SetBytes(int64(n / len(benchLines)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Line(benchLines[i%len(benchLines)])
	}
}

// BenchmarkLineInto parses the same mix into one event that is reused, as
// the ingest pipeline parses into its chunks: the only allocations are
// the event's strings (host and user names).
func BenchmarkLineInto(b *testing.B) {
	n := 0
	for _, l := range benchLines {
		n += len(l)
	}
	b.SetBytes(int64(n / len(benchLines)))
	b.ReportAllocs()
	var ev knocks.Event
	for i := 0; b.Loop(); i++ {
		LineInto(benchLines[i%len(benchLines)], &ev)
	}
}

// BenchmarkNamesLineInto is BenchmarkLineInto with the names kept by a
// Names, as the ingest pipeline parses: no allocation per line.
func BenchmarkNamesLineInto(b *testing.B) {
	n := 0
	for _, l := range benchLines {
		n += len(l)
	}
	b.SetBytes(int64(n / len(benchLines)))
	b.ReportAllocs()
	var ev knocks.Event
	var names Names
	for i := 0; b.Loop(); i++ {
		names.LineInto(benchLines[i%len(benchLines)], &ev)
	}
}

// BenchmarkLineNotSSHD parses lines of other programs only.
func BenchmarkLineNotSSHD(b *testing.B) {
	lines := benchLines[9:]
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, st := Line(lines[i%len(lines)]); st != NotSSHD {
			b.Fatal(st)
		}
	}
}

// BenchmarkLineFailed parses the most common attack line.
func BenchmarkLineFailed(b *testing.B) {
	l := benchLines[1]
	b.ReportAllocs()
	for b.Loop() {
		Line(l)
	}
}

// BenchmarkLineJournal parses a journald JSON line of sshd.
func BenchmarkLineJournal(b *testing.B) {
	l := []byte(`{"__CURSOR":"s=0b7d1bd7d4a04b6aa8e0b4bb1d3e0e4f;i=1a2b;b=5f1e2d3c4b5a69788796a5b4c3d2e1f0;m=1b2c3d4e;t=612a3b4c5d6e7;x=abcdef0123456789","__REALTIME_TIMESTAMP":"1708819641123456","__MONOTONIC_TIMESTAMP":"456789123","_BOOT_ID":"5f1e2d3c4b5a69788796a5b4c3d2e1f0","PRIORITY":"6","SYSLOG_FACILITY":"4","_UID":"0","_GID":"0","_CAP_EFFECTIVE":"1ffffffffff","_SELINUX_CONTEXT":"unconfined\n","_MACHINE_ID":"0123456789abcdef0123456789abcdef","_HOSTNAME":"web1","_TRANSPORT":"syslog","SYSLOG_IDENTIFIER":"sshd","_PID":"22071","_COMM":"sshd","_EXE":"/usr/sbin/sshd","_CMDLINE":"sshd: admin [priv]","_SYSTEMD_CGROUP":"/system.slice/ssh.service","_SYSTEMD_UNIT":"ssh.service","_SYSTEMD_SLICE":"system.slice","SYSLOG_PID":"22071","SYSLOG_TIMESTAMP":"Feb 25 00:07:21 ","MESSAGE":"Failed password for invalid user admin from 192.0.2.1 port 41852 ssh2","_SOURCE_REALTIME_TIMESTAMP":"1708819641123400"}`)
	b.ReportAllocs()
	for b.Loop() {
		Line(l)
	}
}

// BenchmarkResolve gives RFC 3164 events their year, in UTC and in a zone
// with DST.
func BenchmarkResolve(b *testing.B) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		b.Fatal(err)
	}
	for _, loc := range []*time.Location{time.UTC, berlin} {
		b.Run(loc.String(), func(b *testing.B) {
			ev, _ := Line(benchLines[1])
			c := Clock{Loc: loc, Ref: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)}
			b.ReportAllocs()
			for b.Loop() {
				e := ev
				c.Resolve(&e)
			}
		})
	}
}
