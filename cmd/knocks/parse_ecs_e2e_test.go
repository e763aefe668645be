package main

import (
	"bufio"
	"encoding/json"
	"net/netip"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// ecsTypes are the event.type values that ECS 8.17 expects with each
// event.category that `knocks parse --fields ecs` writes.
var ecsTypes = map[string][]string{
	"authentication":      {"start", "end", "info"},
	"network":             {"access", "allowed", "connection", "denied", "end", "info", "protocol", "start"},
	"intrusion_detection": {"allowed", "denied", "info"},
}

// TestParseECS runs `knocks parse --fields ecs` on a log of every class of
// line and checks each output line as an ECS document: nested objects (no
// dotted keys), the categorization values ECS allows, an RFC 3339
// @timestamp, and the same events, addresses, users and counts as the
// default output of the same log.
func TestParseECS(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	writeFile(t, log, `Feb 12 04:09:18 web1 sshd[26713]: Connection from 115.249.163.77 port 51353 on 10.0.0.2 port 22 rdomain ""
Feb 12 04:09:19 web1 sshd[26713]: Failed password for root from 115.249.163.77 port 51353 ssh2
Feb 12 04:09:20 web1 sshd[26713]: message repeated 2 times: [ Failed password for root from 115.249.163.77 port 51353 ssh2]
Feb 12 04:09:21 web1 sshd[26713]: Disconnecting: Too many authentication failures [preauth]
Feb 12 04:09:22 web1 sshd[26714]: Frobnicated the widget 17 times for 10.1.2.3
Feb 12 04:10:00 web1 sshd[26720]: Invalid user <b>x</b>\033[31m from 2001:db8::66 port 1337
Feb 12 04:10:05 web1 sshd[26721]: Did not receive identification string from 198.51.100.9 port 61000
Feb 12 04:11:00 web1 sshd[26730]: Accepted publickey for deploy from 192.0.2.10 port 50022 ssh2: ED25519 SHA256:3q2+7w
Feb 12 04:12:00 web1 sshd[500]: drop connection #1 from [203.0.113.142]:57590 on [192.0.2.132]:22 penalty: failed authentication
Feb 12 04:12:03 web1 sshd[7]: pam_faillock(sshd:auth): Consecutive login failures for user root account temporarily locked
Feb 12 04:13:00 web1 CRON[1]: (root) CMD (true)
`, time.Date(2024, 2, 12, 5, 0, 0, 0, time.UTC))
	plain := mustOK(t, dir, nil, "parse", log)
	r := mustOK(t, dir, nil, "parse", "--fields", "ecs", "--unmatched", log)

	var want []parsedEvent
	for _, l := range strings.Split(strings.TrimSpace(plain.stdout), "\n") {
		var e parsedEvent
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("default output is not JSON: %s", l)
		}
		want = append(want, e)
	}
	var docs []map[string]any
	unmatched := 0
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		var d map[string]any
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatalf("not JSON: %s", sc.Text())
		}
		checkNested(t, "", d)
		if k := obj(d, "knocks"); k["unmatched"] == true {
			unmatched++
			if !strings.Contains(str(d, "message"), "Frobnicated") {
				t.Errorf("unmatched line without its text: %s", sc.Text())
			}
			continue
		}
		docs = append(docs, d)
	}
	if unmatched != 1 || len(docs) != len(want) || len(want) != 8 {
		t.Fatalf("%d documents and %d unmatched lines, want %d and 1 (the default output has %d events):\n%s", len(docs), unmatched, 8, len(want), r.stdout)
	}
	for i, d := range docs {
		w := want[i]
		ev, src, k := obj(d, "event"), obj(d, "source"), obj(d, "knocks")
		if obj(d, "ecs")["version"] != "8.17.0" || ev["kind"] != "event" {
			t.Errorf("document %d: ecs.version %v, event.kind %v", i, obj(d, "ecs")["version"], ev["kind"])
		}
		if ts, err := time.Parse(time.RFC3339, str(d, "@timestamp")); err != nil || ts.Format(time.RFC3339) != w.Time {
			t.Errorf("document %d: @timestamp %v, want %s", i, d["@timestamp"], w.Time)
		}
		cats, _ := ev["category"].([]any)
		types, _ := ev["type"].([]any)
		if len(cats) != 1 || len(types) == 0 {
			t.Fatalf("document %d: event.category %v, event.type %v", i, ev["category"], ev["type"])
		}
		for _, ty := range types {
			if !slices.Contains(ecsTypes[cats[0].(string)], ty.(string)) {
				t.Errorf("document %d: event.type %v with event.category %v", i, ty, cats[0])
			}
		}
		outcome := map[string]string{"failure": "failure", "scan": "failure", "login": "success", "penalty": "failure"}[w.Class]
		if ev["outcome"] != outcome || ev["action"] != w.Kind || k["kind"] != w.Kind || k["class"] != w.Class || k["count"] != float64(w.Count) || k["line"] != float64(w.Line) {
			t.Errorf("document %d: event %v, knocks %v; want %+v", i, ev, k, w)
		}
		if w.IP != "" {
			ip, err := netip.ParseAddr(str(src, "ip"))
			if err != nil || ip.String() != w.IP || str(src, "address") != w.IP {
				t.Errorf("document %d: source %v, want ip %s", i, src, w.IP)
			}
			if w.Port != 0 && src["port"] != float64(w.Port) {
				t.Errorf("document %d: source.port %v, want %d", i, src["port"], w.Port)
			}
		} else if src != nil {
			t.Errorf("document %d: source %v without an address", i, src)
		}
		if u := obj(d, "user"); w.HasUser != (u != nil) || w.HasUser && u["name"] != w.User {
			t.Errorf("document %d: user %v, want %q", i, u, w.User)
		}
		if h, p := obj(d, "host"), obj(d, "process"); h["hostname"] != w.Host || h["name"] != w.Host || p["pid"] != float64(w.PID) || p["name"] != "sshd" {
			t.Errorf("document %d: host %v, process %v", i, h, p)
		}
		if obj(obj(d, "log"), "file")["path"] != log {
			t.Errorf("document %d: log %v", i, d["log"])
		}
	}
	// The attacker's name is in the JSON as escapes, never as raw bytes.
	if strings.Contains(r.stdout, "<b>") || strings.Contains(r.stdout, "\x1b") || !strings.Contains(r.stdout, `"name":"\u003cb\u003ex\u003c/b\u003e\u001b[31m"`) {
		t.Errorf("hostile user name not escaped:\n%s", r.stdout)
	}

	// jq reads the stream as a log pipeline would.
	if jq, err := exec.LookPath("jq"); err == nil {
		cmd := exec.Command(jq, "-r", `select(.event.outcome == "failure" and .event.category[0] == "authentication") | "\(.source.ip) \(.user.name) \(.knocks.count)"`)
		cmd.Stdin = strings.NewReader(r.stdout)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("jq: %v", err)
		}
		wantJQ := "115.249.163.77 root 1\n115.249.163.77 root 2\n115.249.163.77 null 1\n2001:db8::66 <b>x</b>\x1b[31m 1\nnull root 1\n"
		if string(out) != wantJQ {
			t.Errorf("jq selected\n%q\nwant\n%q", out, wantJQ)
		}
	} else {
		t.Log("jq not installed: the stream is checked by encoding/json only")
	}

	if r := runKnocks(t, dir, nil, "parse", "--fields", "gelf", log); r.code != 2 || !strings.Contains(r.stderr, "--fields must be knocks or ecs") {
		t.Errorf("--fields gelf: exit %d, want 2\n%s", r.code, r.stderr)
	}
}

// checkNested fails for a key with a dot: ECS documents nest objects.
func checkNested(t *testing.T, path string, m map[string]any) {
	t.Helper()
	for k, v := range m {
		if strings.Contains(k, ".") {
			t.Errorf("dotted key %q in %s", k, path)
		}
		if o, ok := v.(map[string]any); ok {
			checkNested(t, path+"."+k, o)
		}
	}
}

func obj(m map[string]any, k string) map[string]any {
	o, _ := m[k].(map[string]any)
	return o
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}
