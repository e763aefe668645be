package main

import (
	"bufio"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestParseFidelity runs `knocks parse` over the lines of issue 7 (each a
// real shape, each on a pid of its own so that no line takes another's
// address) and checks the class, address and user it prints for each.
func TestParseFidelity(t *testing.T) {
	type want struct {
		Kind, Class, IP, User string
		HasUser               bool
		Count                 int
	}
	tests := []struct {
		Name, Line string
		Want       want
	}{
		{"pam_unix tag failure", "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=203.0.113.4",
			want{"pam_failure", "failure", "203.0.113.4", "", false, 1}},
		{"pam_unix tag failure user", "Jun 14 15:16:02 combo sshd(pam_unix)[19941]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=203.0.113.5  user=root",
			want{"pam_failure", "failure", "203.0.113.5", "root", true, 1}},
		{"pam_unix tag host name", "Jun 14 15:16:02 combo sshd(pam_unix)[19942]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=dsl.example.net  user=admin",
			want{"pam_failure", "failure", "dsl.example.net", "admin", true, 1}},
		{"invalid user escaped once", `Jun 14 15:16:05 combo sshd[2001]: Invalid user \026 from 203.0.113.21 port 2223`,
			want{"invalid_user", "failure", "203.0.113.21", "\x16", true, 1}},
		{"input_userauth_request escaped twice", `Jun 14 15:16:06 combo sshd[2002]: input_userauth_request: invalid user \\026 [preauth]`,
			want{"invalid_user", "failure", "", "\x16", true, 1}},
		{"invalid user trailing space", "Jun 14 15:16:07 combo sshd[2003]: Invalid user admin  from 203.0.113.22 port 2224",
			want{"invalid_user", "failure", "203.0.113.22", "admin ", true, 1}},
		{"input_userauth_request trailing space", "Jun 14 15:16:08 combo sshd[2004]: input_userauth_request: invalid user admin  [preauth]",
			want{"invalid_user", "failure", "", "admin ", true, 1}},
		{"input_userauth_request empty", "Jun 14 15:16:09 combo sshd[2005]: input_userauth_request: invalid user  [preauth]",
			want{"invalid_user", "failure", "", "", true, 1}},
		{"invalid user empty", "Jun 14 15:16:10 combo sshd[2006]: Invalid user  from 203.0.113.172 port 4000",
			want{"invalid_user", "failure", "203.0.113.172", "", true, 1}},
		{"magic value", "Jun 14 15:16:11 combo sshd[2007]: Magic value check failed (4289475479) on obfuscated handshake from 203.0.113.170 port 62730",
			want{"kex_fail", "scan", "203.0.113.170", "", false, 1}},
		{"client address", "Jun 14 15:16:12 combo sshd[2008]: warning: can't get client address: Connection reset by peer",
			want{"dispatch_fatal", "scan", "", "", false, 1}},
		{"ident string", "Jun 14 15:16:13 combo sshd[2009]: Could not write ident string to 203.0.113.171 port 3333",
			want{"kex_fail", "scan", "203.0.113.171", "", false, 1}},
		{"ipv6 ending in ::", "Jun 14 15:16:14 combo sshd[2010]: Received disconnect from 2001:db8:8a8e:1ffa:: port 36840:11: Bye Bye [preauth]",
			want{"disconnect", "scan", "2001:db8:8a8e:1ffa::", "", false, 1}},
		{"drop", "Jun 14 15:16:15 combo sshd[500]: drop connection #13 from [203.0.113.142]:57590 on [192.0.2.132]:22 penalty: failed authentication",
			want{"drop", "penalty", "203.0.113.142", "", false, 1}},
		{"penalty activating", "Jun 14 15:16:16 combo sshd[500]: srclimit_penalise: 203.0.113.142/32: activating ipv4 penalty of 17 seconds for penalty: failed authentication",
			want{"penalty", "penalty", "203.0.113.142", "", false, 1}},
		{"penalty new", "Jun 14 15:16:17 combo sshd[500]: srclimit_penalise: ipv4: new 203.0.113.143/32 active penalty of 5.000 seconds for penalty: failed authentication",
			want{"penalty", "penalty", "203.0.113.143", "", false, 1}},
		{"rate-limited", "Jun 14 15:16:18 combo sshd[500]: PerSourcePenalties logging rate-limited: additional 12 connections dropped",
			want{"drop", "penalty", "", "", false, 12}},
		{"refuse connection", "Jun 14 15:16:19 combo sshd-session[2011]: administratively prohibited connection for invalid user bob from 203.0.113.150 port 4242",
			want{"not_allowed", "failure", "203.0.113.150", "bob", true, 1}},
		{"timeout listener", "Jun 14 15:16:20 combo sshd[500]: Timeout before authentication for connection from 203.0.113.151 to 192.0.2.132, pid = 5345",
			want{"timeout", "scan", "203.0.113.151", "", false, 1}},
		{"lockout", "Jun 14 15:16:21 combo sshd[2012]: pam_faillock(sshd:auth): Consecutive login failures for user root account temporarily locked",
			want{"lockout", "penalty", "", "root", true, 1}},
		{"user plants address", "Jun 14 15:16:22 combo sshd[2013]: Failed password for invalid user y from 6.6.6.7 port 22 ssh2: from 203.0.113.9 port 4242 ssh2",
			want{"failed", "failure", "203.0.113.9", "y from 6.6.6.7 port 22 ssh2:", true, 1}},
		{"no more auth methods", "Jun 14 15:16:23 combo sshd[2014]: Received disconnect from 203.0.113.4 port 4000:14: No more user authentication methods available. [preauth]",
			want{"auth_disconnect", "failure", "203.0.113.4", "", false, 1}},
		{"write failed", "Jun 14 15:16:24 combo sshd[2015]: fatal: Write failed: Connection reset by peer [preauth]",
			want{"dispatch_fatal", "scan", "", "", false, 1}},
		{"protocol major versions", "Jun 14 15:16:25 combo sshd[2016]: Protocol major versions differ for 203.0.113.7 port 4000: SSH-2.0-OpenSSH_9.6 vs. SSH-1.5-Nmap",
			want{"kex_fail", "scan", "203.0.113.7", "", false, 1}},
		{"corrupted mac", "Jun 14 15:16:26 combo sshd[2017]: Corrupted MAC on input. [preauth]",
			want{"dispatch_fatal", "scan", "", "", false, 1}},
	}
	var lines []string
	for _, tt := range tests {
		lines = append(lines, tt.Line)
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	writeFile(t, log, strings.Join(lines, "\n")+"\n", time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC))
	r := mustOK(t, dir, nil, "parse", "--unmatched", log)
	got := map[int64]parsedEvent{}
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		var e parsedEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || strings.Contains(sc.Text(), `"unmatched":true`) {
			t.Errorf("not an event: %s", sc.Text())
			continue
		}
		got[e.Line] = e
	}
	for i, tt := range tests {
		e, ok := got[int64(i+1)]
		if !ok {
			t.Errorf("%s: no event for line %d", tt.Name, i+1)
			continue
		}
		if g := (want{e.Kind, e.Class, e.IP, e.User, e.HasUser, e.Count}); g != tt.Want {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.Name, g, tt.Want)
		}
	}
}

// TestReportCountingRules checks the rules of the README's Counting section
// that issue 7 asked to decide, on a one-shot report: an empty user name is
// one user; a source known only by a host name counts in unique_hostnames,
// not in unique_ips; a code-14 disconnect is a failure (one attempt);
// "Write failed [preauth]" is a scan; drops, penalties and lockouts count
// in none of these and are reported apart.
func TestReportCountingRules(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	writeFile(t, log, `Jun 14 15:16:01 h sshd[11]: Invalid user  from 203.0.113.1 port 4000
Jun 14 15:16:02 h sshd[11]: Connection closed by invalid user  203.0.113.1 port 4000 [preauth]
Jun 14 15:16:03 h sshd[12]: Invalid user admin from 203.0.113.2 port 4001
Jun 14 15:16:04 h sshd[13]: Failed password for root from dsl-1.example.net port 4002 ssh2
Jun 14 15:16:05 h sshd[14]: Received disconnect from 203.0.113.3 port 4003:14: No more user authentication methods available. [preauth]
Jun 14 15:16:06 h sshd[15]: Connection from 203.0.113.4 port 4004 on 192.0.2.1 port 22
Jun 14 15:16:07 h sshd[15]: fatal: Write failed: Connection reset by peer [preauth]
Jun 14 15:16:08 h sshd[500]: drop connection #1 from [203.0.113.5]:4005 on [192.0.2.1]:22 penalty: failed authentication
Jun 14 15:16:09 h sshd[500]: srclimit_penalise: 203.0.113.5/32: activating ipv4 penalty of 17 seconds for penalty: failed authentication
Jun 14 15:16:10 h sshd[500]: PerSourcePenalties logging rate-limited: additional 3 connections dropped
Jun 14 15:16:11 h sshd[16]: pam_faillock(sshd:auth): Consecutive login failures for user root account temporarily locked
`, time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC))
	r := mustOK(t, dir, nil, "report", "--format", "json", "--no-geoip", log)
	var s struct {
		Attempts    int64 `json:"attempts"`
		Connections int64 `json:"connections"`
		Scans       int64 `json:"scans"`
		UniqueIPs   int64 `json:"unique_ips"`
		UniqueHosts int64 `json:"unique_hostnames"`
		UniqueUsers int64 `json:"unique_users"`
		Dropped     int64 `json:"dropped"`
		Lockouts    int64 `json:"lockouts"`
		Penalties   []struct {
			Reason                      string
			Drops, Penalties, Addresses int64
		} `json:"penalties"`
		TopUsers []struct {
			User string `json:"user"`
		} `json:"top_users"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatal(err)
	}
	// Connections: pids 11, 12, 13, 14 (failures) and 15 (a scan).
	got := [8]int64{s.Attempts, s.Connections, s.Scans, s.UniqueIPs, s.UniqueHosts, s.UniqueUsers, s.Dropped, s.Lockouts}
	if want := [8]int64{4, 4, 1, 3, 1, 3, 4, 1}; got != want {
		t.Errorf("attempts, connections, scans, unique IPs, unique host names, unique users, dropped, lockouts = %v, want %v", got, want)
	}
	if len(s.Penalties) != 1 || s.Penalties[0].Reason != "failed authentication" || s.Penalties[0].Drops != 1 || s.Penalties[0].Penalties != 1 || s.Penalties[0].Addresses != 1 {
		t.Errorf("penalties = %+v", s.Penalties)
	}
	users := map[string]bool{}
	for _, u := range s.TopUsers {
		users[u.User] = true
	}
	if !users[""] || !users["admin"] || !users["root"] || len(users) != 3 {
		t.Errorf("top users %+v, want \"\", admin and root", s.TopUsers)
	}
}
