package ecs_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"knocks/ecs"
	"knocks/parse"
)

// TestFromEvent maps real sshd, fail2ban and pam_faillock lines, as the
// parser reads them, to ECS documents.
func TestFromEvent(t *testing.T) {
	const file = "/var/log/auth.log"
	for _, tc := range []struct {
		Name  string
		Input string
		Want  string // the document as JSON
		Err   string // the parse status of a line that makes no document
	}{
		{
			Name:  "failed password for an invalid user",
			Input: "Feb 25 00:07:23 web1 sshd[22071]: Failed password for invalid user admin from 192.0.2.1 port 41852 ssh2",
			Want: `{"@timestamp":"2024-02-25T00:07:23Z","ecs":{"version":"8.17.0"},
				"event":{"kind":"event","category":["authentication"],"type":["info"],"outcome":"failure","action":"failed","provider":"sshd"},
				"source":{"address":"192.0.2.1","ip":"192.0.2.1","port":41852},"user":{"name":"admin"},
				"host":{"name":"web1","hostname":"web1"},"process":{"name":"sshd","pid":22071},"log":{"file":{"path":"/var/log/auth.log"}},
				"related":{"ip":["192.0.2.1"],"user":["admin"]},
				"knocks":{"kind":"failed","class":"failure","count":1,"line":1,"method":"password","invalid_user":true}}`,
		},
		{
			Name:  "message repeated: the count is kept",
			Input: "Feb 12 04:09:20 web1 sshd[26713]: message repeated 2 times: [ Failed password for root from 115.249.163.77 port 51353 ssh2]",
			Want: `{"@timestamp":"2024-02-12T04:09:20Z","ecs":{"version":"8.17.0"},
				"event":{"kind":"event","category":["authentication"],"type":["info"],"outcome":"failure","action":"failed","provider":"sshd"},
				"source":{"address":"115.249.163.77","ip":"115.249.163.77","port":51353},"user":{"name":"root"},
				"host":{"name":"web1","hostname":"web1"},"process":{"name":"sshd","pid":26713},"log":{"file":{"path":"/var/log/auth.log"}},
				"related":{"ip":["115.249.163.77"],"user":["root"]},
				"knocks":{"kind":"failed","class":"failure","count":2,"line":1,"method":"password"}}`,
		},
		{
			Name:  "a login",
			Input: "Mar  3 09:12:44 bastion sshd-session[811]: Accepted publickey for deploy from 2001:db8::7 port 50022 ssh2: ED25519 SHA256:3q2+7w",
			Want: `{"@timestamp":"2024-03-03T09:12:44Z","ecs":{"version":"8.17.0"},
				"event":{"kind":"event","category":["authentication"],"type":["info"],"outcome":"success","action":"login","provider":"sshd-session"},
				"source":{"address":"2001:db8::7","ip":"2001:db8::7","port":50022},"user":{"name":"deploy"},
				"host":{"name":"bastion","hostname":"bastion"},"process":{"name":"sshd-session","pid":811},"log":{"file":{"path":"/var/log/auth.log"}},
				"related":{"ip":["2001:db8::7"],"user":["deploy"]},
				"knocks":{"kind":"login","class":"login","count":1,"line":1,"method":"publickey"}}`,
		},
		{
			Name:  "a scan: no identification string",
			Input: "Feb 12 05:01:02 web1 sshd[3001]: Did not receive identification string from 198.51.100.9 port 61000",
			Want: `{"@timestamp":"2024-02-12T05:01:02Z","ecs":{"version":"8.17.0"},
				"event":{"kind":"event","category":["network"],"type":["connection","end"],"outcome":"failure","action":"no_ident","provider":"sshd"},
				"source":{"address":"198.51.100.9","ip":"198.51.100.9","port":61000},
				"host":{"name":"web1","hostname":"web1"},"process":{"name":"sshd","pid":3001},"log":{"file":{"path":"/var/log/auth.log"}},
				"related":{"ip":["198.51.100.9"]},
				"knocks":{"kind":"no_ident","class":"scan","count":1,"line":1}}`,
		},
		{
			Name:  "UseDNS: a host name, not an address",
			Input: "Feb 12 05:02:03 web1 sshd[3002]: Failed password for root from scanner.example.net port 2222 ssh2",
			Want: `{"@timestamp":"2024-02-12T05:02:03Z","ecs":{"version":"8.17.0"},
				"event":{"kind":"event","category":["authentication"],"type":["info"],"outcome":"failure","action":"failed","provider":"sshd"},
				"source":{"address":"scanner.example.net","domain":"scanner.example.net","port":2222},"user":{"name":"root"},
				"host":{"name":"web1","hostname":"web1"},"process":{"name":"sshd","pid":3002},"log":{"file":{"path":"/var/log/auth.log"}},
				"related":{"user":["root"]},
				"knocks":{"kind":"failed","class":"failure","count":1,"line":1,"method":"password"}}`,
		},
		{
			Name:  "a hostile user name stays as sent, JSON-escaped",
			Input: "Feb 12 05:03:04 web1 sshd[3003]: Invalid user <script>\\033[31m from 203.0.113.66 port 1337",
			Want: `{"@timestamp":"2024-02-12T05:03:04Z","ecs":{"version":"8.17.0"},
				"event":{"kind":"event","category":["authentication"],"type":["info"],"outcome":"failure","action":"invalid_user","provider":"sshd"},
				"source":{"address":"203.0.113.66","ip":"203.0.113.66","port":1337},"user":{"name":"\u003cscript\u003e\u001b[31m"},
				"host":{"name":"web1","hostname":"web1"},"process":{"name":"sshd","pid":3003},"log":{"file":{"path":"/var/log/auth.log"}},
				"related":{"ip":["203.0.113.66"],"user":["\u003cscript\u003e\u001b[31m"]},
				"knocks":{"kind":"invalid_user","class":"failure","count":1,"line":1,"invalid_user":true}}`,
		},
		{
			Name:  "fail2ban bans",
			Input: "2024-02-25 00:07:22,123 fail2ban.actions        [1234]: NOTICE  [sshd] Ban 192.0.2.1",
			Want: `{"@timestamp":"2024-02-25T00:07:22Z","ecs":{"version":"8.17.0"},
				"event":{"kind":"event","category":["intrusion_detection"],"type":["denied"],"action":"f2b_ban","provider":"fail2ban"},
				"source":{"address":"192.0.2.1","ip":"192.0.2.1"},
				"process":{"name":"fail2ban"},"log":{"file":{"path":"/var/log/auth.log"}},
				"related":{"ip":["192.0.2.1"]},
				"knocks":{"kind":"f2b_ban","class":"fail2ban","count":1,"line":1,"jail":"sshd"}}`,
		},
		{
			Name:  "sshd's listener drops a penalised address",
			Input: "Feb 12 06:00:00 h sshd[500]: drop connection #1 from [203.0.113.142]:57590 on [192.0.2.132]:22 penalty: failed authentication",
			Want: `{"@timestamp":"2024-02-12T06:00:00Z","ecs":{"version":"8.17.0"},
				"event":{"kind":"event","category":["network"],"type":["connection","denied"],"outcome":"failure","action":"drop","provider":"sshd","reason":"failed authentication"},
				"source":{"address":"203.0.113.142","ip":"203.0.113.142","port":57590},
				"host":{"name":"h","hostname":"h"},"process":{"name":"sshd","pid":500},"log":{"file":{"path":"/var/log/auth.log"}},
				"related":{"ip":["203.0.113.142"]},
				"knocks":{"kind":"drop","class":"penalty","count":1,"line":1}}`,
		},
		{
			Name:  "pam_faillock locks an account",
			Input: "Feb 12 06:00:03 h sshd[7]: pam_faillock(sshd:auth): Consecutive login failures for user root account temporarily locked",
			Want: `{"@timestamp":"2024-02-12T06:00:03Z","ecs":{"version":"8.17.0"},
				"event":{"kind":"event","category":["authentication"],"type":["info"],"outcome":"failure","action":"lockout","provider":"sshd"},
				"user":{"name":"root"},
				"host":{"name":"h","hostname":"h"},"process":{"name":"sshd","pid":7},"log":{"file":{"path":"/var/log/auth.log"}},
				"related":{"user":["root"]},
				"knocks":{"kind":"lockout","class":"penalty","count":1,"line":1}}`,
		},
		{
			Name:  "another program's line",
			Input: "Feb 12 04:09:23 web1 CRON[1]: (root) CMD (true)",
			Err:   "not-sshd",
		},
		{
			Name:  "an sshd line nobody knows",
			Input: "Feb 12 04:09:22 web1 sshd[26714]: Frobnicated the widget 17 times for 10.1.2.3",
			Err:   "unrecognised",
		},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			ev, st := parse.Line([]byte(tc.Input))
			if st != parse.Recognised {
				if tc.Err == "" || st.String() != tc.Err {
					t.Fatalf("parse status %v, want %q", st, tc.Err)
				}
				return
			}
			if tc.Err != "" {
				t.Fatalf("recognised as %s, want %q", ev.Kind, tc.Err)
			}
			clock := parse.Clock{Loc: time.UTC, Year: 2024, Now: time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)}
			clock.Resolve(&ev)
			ev.Line = 1
			got, err := json.Marshal(ecs.FromEvent(file, &ev))
			if err != nil {
				t.Fatal(err)
			}
			var g, w any
			if err := json.Unmarshal(got, &g); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tc.Want), &w); err != nil {
				t.Fatalf("bad Want: %v", err)
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("got  %s\nwant %s", got, tc.Want)
			}
		})
	}
}

func TestUnmatched(t *testing.T) {
	line := "Feb 12 04:09:22 web1 sshd[26714]: Frobnicated the widget 17 times for 10.1.2.3"
	got, err := json.Marshal(ecs.Unmatched("auth.log", 5, parse.ShapeLine([]byte(line)), line))
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(got, &d); err != nil {
		t.Fatal(err)
	}
	k, _ := d["knocks"].(map[string]any)
	if d["message"] != line || k["unmatched"] != true || k["line"] != 5.0 || d["source"] != nil || d["@timestamp"] != nil {
		t.Errorf("unmatched line: %s", got)
	}
}
