package parse

import (
	"bufio"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"knocks"
)

// corpusDir is ../shared/corpora relative to the repository root.
var corpusDir = filepath.Join("..", "..", "shared", "corpora")

// openCorpus opens a corpus file, or skips the test when it is absent; with
// CI=true in the environment an absent corpus fails the test instead.
func openCorpus(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir, name))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("corpus %s not available (CI=true): %v", name, err)
		}
		t.Skipf("corpus %s not available: %v", name, err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// sameSource reports whether an event's address is the one a corpus
// expects: addresses are compared as addresses (so "::ffff:1.2.3.4" is
// "1.2.3.4"), anything else as the text sshd wrote (RHost), e.g. the
// "192.030.0.6" of the fail2ban corpus, which is not a valid address.
func sameSource(ev *knocks.Event, want string) bool {
	if w, err := netip.ParseAddr(want); err == nil {
		return ev.IP == w.Unmap()
	}
	return ev.RHost == want && !ev.IP.IsValid()
}

// failJSON is the annotation of a line of fail2ban's test logs.
type failJSON struct {
	Match bool    `json:"match"`
	Time  string  `json:"time"`
	Host  string  `json:"host"`
	IP4   string  `json:"ip4"`
	IP6   string  `json:"ip6"`
	User  *string `json:"user"`
}

// grammarReadings are the annotated lines of fail2ban's corpus that sshd's
// own grammar reads otherwise, keyed by their message. fail2ban takes the
// text after "ssh2: " of a password failure for injected auth info; but
// sshd writes nothing after "ssh2" for a password failure, so that text can
// only be the end of the user name, and the address is the one at the end
// (see authFrom and the README).
var grammarReadings = map[string]struct{ host, user string }{
	"Failed password for invalid user test from 127.0.0.1 port 58946 ssh2: from 10.10.1.2 port 55555 ssh2": {"10.10.1.2", "test from 127.0.0.1 port 58946 ssh2:"},
}

// TestCorpusFail2ban checks that every line that fail2ban's annotated sshd
// test logs mark as a failure ("match": true, in any mode) gives an event
// with that address, user and time. Lines without an address take it from
// an earlier line of the same host and pid, through a Tracker.
func TestCorpusFail2ban(t *testing.T) {
	cest := time.FixedZone("CEST", 2*3600) // the zone of fail2ban's test suite
	for _, name := range []string{"sshd", "sshd-journal"} {
		t.Run(name, func(t *testing.T) {
			f := openCorpus(t, filepath.Join("fail2ban", name))
			clock := &Clock{Loc: time.UTC, Ref: time.Date(2005, 12, 31, 0, 0, 0, 0, time.UTC), Now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
			var tracker Tracker
			var ann *failJSON
			total, matched, lineNo := 0, 0, 0
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				lineNo++
				line := sc.Text()
				if a, ok := strings.CutPrefix(line, "# failJSON:"); ok {
					ann = new(failJSON)
					if err := json.Unmarshal([]byte(a), ann); err != nil {
						t.Fatalf("line %d: bad annotation: %v", lineNo, err)
					}
					continue
				}
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				a := ann
				ann = nil
				ev, st := Line([]byte(line))
				noYear := ev.NoYear
				if st == Recognised {
					clock.Resolve(&ev)
					tracker.Fill(&ev)
				}
				if a == nil || !a.Match {
					continue
				}
				total++
				var miss []string
				if st != Recognised || ev.Kind == knocks.KindConnect {
					miss = append(miss, "status "+st.String()+" kind "+string(ev.Kind))
				}
				host := a.Host
				if host == "" {
					host = a.IP4 + a.IP6
				}
				if _, msg, ok := Message([]byte(line)); ok {
					if r, ok := grammarReadings[string(msg)]; ok {
						host, a.User = r.host, &r.user
					}
				}
				if host != "" && !sameSource(&ev, host) {
					miss = append(miss, "address "+ev.Source()+", want "+host)
				}
				if a.User != nil && (ev.User != *a.User || !ev.HasUser) {
					miss = append(miss, "user "+ev.User+", want "+*a.User)
				}
				if a.Time != "" {
					if !sameTime(t, ev.Time, a.Time, noYear, cest) {
						miss = append(miss, "time "+ev.Time.Format(time.RFC3339Nano)+", want "+a.Time)
					}
				}
				if len(miss) > 0 {
					t.Errorf("line %d: %s\n\t%s", lineNo, line, strings.Join(miss, "; "))
					continue
				}
				matched++
			}
			if err := sc.Err(); err != nil {
				t.Fatal(err)
			}
			t.Logf("fail2ban %s: recall %d/%d (%.1f%%)", name, matched, total, 100*float64(matched)/float64(total))
			if total == 0 {
				t.Fatal("no annotated lines")
			}
		})
	}
}

// sameTime compares an event time with a fail2ban annotation: only month,
// day and clock for a line without a year, else the instant in the zone of
// fail2ban's test suite, to the second.
func sameTime(t *testing.T, got time.Time, want string, noYear bool, zone *time.Location) bool {
	w, err := time.ParseInLocation("2006-01-02T15:04:05", want, zone)
	if err != nil {
		t.Fatalf("bad annotation time %q", want)
	}
	if noYear {
		return got.Format("01-02T15:04:05") == w.Format("01-02T15:04:05")
	}
	return got.Truncate(time.Second).Equal(w)
}

// TestCorpusSSHGuard checks that every OpenSSH attack in SSHGuard's parser
// test table gives an event with its address. Its inputs are whole syslog
// lines or bare messages (SSHGuard's tests feed either).
func TestCorpusSSHGuard(t *testing.T) {
	f := openCorpus(t, filepath.Join("sshguard", "tests.txt"))
	var lines, sections []string
	var nums []int
	section, dropbear := "", false
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "#### "):
			section = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(l, "#### "), "{{{"))
			continue
		case strings.HasPrefix(l, "# Dropbear {{{"):
			dropbear = true
			continue
		case strings.HasPrefix(l, "# }}}"):
			if dropbear {
				dropbear = false
			} else {
				section = ""
			}
			continue
		case l == "" || strings.HasPrefix(l, "#"):
			continue
		}
		s := section
		if dropbear {
			s = "Dropbear"
		}
		lines, sections, nums = append(lines, l), append(sections, s), append(nums, n)
	}
	if len(lines)%3 != 0 {
		t.Fatalf("%d lines is not a number of triples", len(lines))
	}
	attacks, found, benign := 0, 0, 0
	benignKinds := map[knocks.Kind]int{}
	for i := 0; i+2 < len(lines); i += 3 {
		input, want, s := lines[i], lines[i+1], sections[i]
		if s != "SSH" && s != "Banner formats" {
			continue
		}
		ev, st := Line([]byte(input))
		if st == NotSSHD {
			ev, st = ParseMessage([]byte(input))
		}
		if want == "*" {
			benign++
			if st == Recognised {
				benignKinds[ev.Kind]++
			}
			continue
		}
		f := strings.Fields(want)
		if len(f) < 2 || f[0] != "100" { // 100: SSH; 101 is Dropbear
			continue
		}
		attacks++
		if st != Recognised || ev.Kind == knocks.KindConnect || !sameSource(&ev, f[1]) {
			t.Errorf("line %d: %s\n\tgot %s %s %s, want an event from %s", nums[i], input, st, ev.Kind, ev.Source(), f[1])
			continue
		}
		found++
	}
	t.Logf("sshguard OpenSSH attacks: recall %d/%d (%.1f%%); of its %d cases that are no attack for SSHGuard, these are events here: %v",
		found, attacks, 100*float64(found)/float64(attacks), benign, benignKinds)
	if attacks == 0 {
		t.Fatal("no OpenSSH cases found")
	}
}

// TestCorpusWazuh reports how many of Wazuh's sshd rule test lines are
// recognised. It requires an event for the lines of the rules about
// failures and scans.
func TestCorpusWazuh(t *testing.T) {
	f := openCorpus(t, filepath.Join("wazuh", "sshd.ini"))
	type item struct {
		line string
		n    int
	}
	var sec []item
	counts := map[Status]int{}
	total := 0
	// Rules whose lines are failure or scan lines: 5701 bad protocol,
	// 5706 no identification, 5710 invalid user, 5712 and 5763 brute force,
	// 5716 failed, 5718 and 5719 not allowed, 5722 connection closed, 5752
	// and 5753 negotiation, 5758 maximum attempts, 5760 failed, 5762 reset.
	must := map[string]bool{"5701": true, "5706": true, "5710": true, "5712": true, "5716": true, "5718": true,
		"5719": true, "5722": true, "5752": true, "5753": true, "5758": true, "5760": true, "5762": true, "5763": true}
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		l := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(l, "[") {
			sec = sec[:0]
			continue
		}
		if strings.HasPrefix(l, "log ") {
			if _, v, ok := strings.Cut(l, " = "); ok {
				sec = append(sec, item{v, n})
			}
			continue
		}
		rule, ok := strings.CutPrefix(l, "rule = ")
		if !ok {
			continue
		}
		for _, it := range sec {
			total++
			ev, st := Line([]byte(it.line))
			counts[st]++
			switch {
			case st == Unrecognised:
				t.Logf("line %d (rule %s): unrecognised: %s", it.n, rule, it.line)
			case must[rule] && !strings.Contains(it.line, "Postponed") && (st != Recognised || ev.Kind == knocks.KindConnect):
				t.Errorf("line %d (rule %s): %s %s, want an event: %s", it.n, rule, st, ev.Kind, it.line)
			}
		}
	}
	t.Logf("wazuh sshd.ini: %d lines: %d recognised as events, %d ignored (known, not events), %d unrecognised, %d not sshd",
		total, counts[Recognised], counts[Ignored], counts[Unrecognised], counts[NotSSHD])
	if total == 0 {
		t.Fatal("no log lines found")
	}
}
