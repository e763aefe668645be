package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// The fake journalctl: TestMain runs the test binary as journalctl when
// fakeJournalEnv names a file of journal entries (`journalctl -o json`
// lines). It honours -o json, --after-cursor and matches as journalctl
// does, appends its arguments to the file named by fakeJournalEnv with
// ".args" added (one JSON array per run), and with fakeJournalModeEnv set
// behaves like journalctl run by a user who may not read the journal.
const (
	fakeJournalEnv     = "KNOCKS_TEST_FAKE_JOURNAL"
	fakeJournalModeEnv = "KNOCKS_TEST_FAKE_JOURNAL_MODE" // "hint", "denied", "broken"
)

func fakeJournalctl() int {
	path := os.Getenv(fakeJournalEnv)
	args := os.Args[1:]
	if b, err := json.Marshal(args); err == nil {
		if f, err := os.OpenFile(path+".args", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintf(f, "%s\n", b)
			f.Close()
		}
	}
	switch os.Getenv(fakeJournalModeEnv) {
	case "hint": // systemd 252 as a user outside the groups: the user's own journal only
		fmt.Fprintln(os.Stderr, "Hint: You are currently not seeing messages from other users and the system.\n      Users in groups 'adm', 'systemd-journal' can see all messages.\n      Pass -q to turn off this notice.")
		return 0
	case "denied":
		fmt.Fprintln(os.Stderr, "No journal files were opened due to insufficient permissions.")
		return 1
	}
	var json_, after string
	follow := false
	var groups [][][2]string // OR of groups; a group ANDs fields, ORs values of one field
	groups = append(groups, nil)
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-o" && i+1 < len(args):
			i++
			json_ = args[i]
		case a == "--no-pager", a == "--no-tail":
		case a == "--follow", a == "-f":
			follow = true
		case strings.HasPrefix(a, "--after-cursor="):
			after = strings.TrimPrefix(a, "--after-cursor=")
		case a == "+":
			groups = append(groups, nil)
		case !strings.HasPrefix(a, "-") && strings.Contains(a, "="):
			k, v, _ := strings.Cut(a, "=")
			groups[len(groups)-1] = append(groups[len(groups)-1], [2]string{k, v})
		default:
			fmt.Fprintf(os.Stderr, "journalctl: unrecognized option '%s'\n", a)
			return 1
		}
	}
	if json_ != "json" {
		fmt.Fprintln(os.Stderr, "fake journalctl: want -o json")
		return 1
	}
	var afterSID string
	var afterSeq, afterT int64
	if after != "" {
		f := cursorFields(after)
		if f["s"] == "" || f["i"] == "" {
			fmt.Fprintln(os.Stderr, "Failed to seek to cursor: Invalid argument")
			return 1
		}
		afterSID = f["s"]
		afterSeq, _ = strconv.ParseInt(f["i"], 16, 64)
		afterT, _ = strconv.ParseInt(f["t"], 16, 64)
	}
	data, err := os.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer data.Close()
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	r := bufio.NewReader(data)
	n := 0
	var partial []byte // a line still being appended (--follow)
	for {
		line, err := r.ReadBytes('\n')
		if len(partial) > 0 {
			line, partial = append(partial, line...), nil
		}
		if len(line) > 0 && line[len(line)-1] != '\n' {
			partial = line
		}
		if len(line) > 0 && line[len(line)-1] == '\n' {
			var e map[string]any
			if json.Unmarshal(line, &e) != nil {
				continue
			}
			if after != "" {
				c := cursorFields(fmt.Sprint(e["__CURSOR"]))
				seq, _ := strconv.ParseInt(c["i"], 16, 64)
				t, _ := strconv.ParseInt(c["t"], 16, 64)
				if c["s"] == afterSID && seq <= afterSeq || c["s"] != afterSID && t <= afterT {
					continue
				}
			}
			if !fakeMatch(e, groups) {
				continue
			}
			if os.Getenv(fakeJournalModeEnv) == "broken" && n == 3 {
				out.Flush()
				fmt.Fprintln(os.Stderr, "Failed to iterate through journal: Bad message")
				return 1
			}
			out.Write(line)
			n++
			continue
		}
		if err == nil {
			continue
		}
		if !follow { // --follow: wait for entries appended to the file, until killed
			break
		}
		out.Flush()
		time.Sleep(20 * time.Millisecond)
	}
	return 0
}

func cursorFields(c string) map[string]string {
	m := map[string]string{}
	for _, f := range strings.Split(c, ";") {
		if k, v, ok := strings.Cut(f, "="); ok {
			m[k] = v
		}
	}
	return m
}

// fakeMatch applies journalctl's matches: the entry matches one of the
// groups, where it has, for every field named in the group, one of the
// values given for it.
func fakeMatch(e map[string]any, groups [][][2]string) bool {
	for _, g := range groups {
		if len(g) == 0 {
			if len(groups) == 1 {
				return true
			}
			continue
		}
		fields := map[string][]string{}
		for _, m := range g {
			fields[m[0]] = append(fields[m[0]], m[1])
		}
		ok := true
		for k, vs := range fields {
			found := false
			for _, v := range vs {
				if fmt.Sprint(e[k]) == v {
					found = true
				}
			}
			ok = ok && found
		}
		if ok {
			return true
		}
	}
	return false
}
