package parse

import (
	"reflect"
	"testing"

	"knocks"
)

// banTests are lines of banning tools written to syslog: fail2ban with
// logtarget = SYSLOG, and SSHGuard 1 and 2 (the SSHGuard lines are those of
// its own parser tests, src/parser/tests.txt, with a syslog header).
var banTests = []struct {
	Name   string
	Input  string
	Want   knocks.Event
	Status Status
}{
	{"fail2ban syslog ban", "Feb 25 00:07:22 web1 fail2ban.actions[1234]: NOTICE [sshd] Ban 192.0.2.1",
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 22, 0), NoYear: true, Host: "web1", Program: "fail2ban", Kind: knocks.KindF2BBan, Jail: "sshd", IP: ip("192.0.2.1"), Count: 1}, Recognised},
	{"fail2ban syslog padded", "Feb 25 01:07:22 web1 fail2ban.actions        [1234]: NOTICE  [sshd] Unban 2001:db8::1",
		knocks.Event{Time: wall(0, 2, 25, 1, 7, 22, 0), NoYear: true, Host: "web1", Program: "fail2ban", Kind: knocks.KindF2BUnban, Jail: "sshd", IP: ip("2001:db8::1"), Count: 1}, Recognised},
	{"fail2ban syslog restore", "Feb 25 00:07:21 web1 fail2ban.actions [1234]: NOTICE [sshd] Restore Ban 192.0.2.1",
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 21, 0), NoYear: true, Host: "web1", Program: "fail2ban", Kind: knocks.KindF2BRestore, Jail: "sshd", IP: ip("192.0.2.1"), Count: 1}, Recognised},
	{"fail2ban syslog restore padded", "Aug  2 17:45:42 web1 fail2ban.actions[29126]: NOTICE  [sshd] Restore Ban 102.46.7.55",
		knocks.Event{Time: wall(0, 8, 2, 17, 45, 42, 0), NoYear: true, Host: "web1", Program: "fail2ban", Kind: knocks.KindF2BRestore, Jail: "sshd", IP: ip("102.46.7.55"), Count: 1}, Recognised},
	{"fail2ban syslog without a time", "web1 fail2ban.actions[1234]: NOTICE [sshd] Ban 192.0.2.1",
		knocks.Event{}, NotSSHD},
	{"fail2ban syslog other", "Feb 25 01:07:22 web1 fail2ban.server[1234]: INFO Starting Fail2ban v1.0.2",
		knocks.Event{}, NotSSHD},
	{"sshguard 2 ipv4", `Feb 25 00:07:22 gw sshguard[5678]: Blocking "192.68.18.2/32" for 300 secs (3 attacks in 5 secs, after 1 abuses over 5 secs.)`,
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 22, 0), NoYear: true, Host: "gw", Program: "sshguard", PID: 5678, Kind: knocks.KindF2BBan, Jail: knocks.JailSSHGuard, IP: ip("192.68.18.2"), BanTime: 300, Count: 1}, Recognised},
	{"sshguard 2 ipv6 /64", `Feb 25 00:07:22 gw sshguard[5678]: Blocking "2001:db8::a11:beef:456f/64" for 300 secs (3 attacks in 5 secs, after 1 abuses over 5 secs.)`,
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 22, 0), NoYear: true, Host: "gw", Program: "sshguard", PID: 5678, Kind: knocks.KindF2BBan, Jail: knocks.JailSSHGuard, IP: ip("2001:db8::a11:beef:456f"), BanTime: 300, Count: 1}, Recognised},
	{"sshguard 1", "Feb 25 00:07:22 gw sshguard[42]: Blocking 192.0.2.9:4 for >630secs: 40 danger in 4 attacks over 1 seconds (all: 40d in 1 abuses over 1s).",
		knocks.Event{Time: wall(0, 2, 25, 0, 7, 22, 0), NoYear: true, Host: "gw", Program: "sshguard", PID: 42, Kind: knocks.KindF2BBan, Jail: knocks.JailSSHGuard, IP: ip("192.0.2.9"), BanTime: 630, Count: 1}, Recognised},
	{"sshguard attack", `Feb 25 00:07:22 gw sshguard[5678]: Attack from "192.68.18.1" on service 100 with danger 10.`,
		knocks.Event{}, NotSSHD},
	{"sshguard host name", `Feb 25 00:07:22 gw sshguard[5678]: Blocking "evil.example/32" for 300 secs`,
		knocks.Event{}, NotSSHD},
	{"sshguard no time", `Feb 25 00:07:22 gw sshguard[5678]: Blocking "192.0.2.1/32" for ever`,
		knocks.Event{}, NotSSHD},
}

func TestBanLines(t *testing.T) {
	for _, tt := range banTests {
		t.Run(tt.Name, func(t *testing.T) {
			ev, st := Line([]byte(tt.Input))
			if st != tt.Status {
				t.Errorf("status %v, want %v", st, tt.Status)
			}
			if !reflect.DeepEqual(ev, tt.Want) {
				t.Errorf("event\n got %+v\nwant %+v", ev, tt.Want)
			}
		})
	}
}
