package parse

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestParseTag(t *testing.T) {
	type want struct {
		Name string
		PID  int
		OK   bool
	}
	tests := []struct {
		Name  string
		Input string
		Want  want
	}{
		{"sshd with pid", "sshd[141706]:", want{"sshd", 141706, true}},
		{"sshd-session with pid", "sshd-session[2231]:", want{"sshd-session", 2231, true}},
		{"pid without colon (FreeBSD -v)", "sshd[22071]", want{"sshd", 22071, true}},
		{"path of the program", "/usr/sbin/sshd[77]:", want{"sshd", 77, true}},
		{"name and colon", "sshd:", want{"sshd", 0, true}},
		{"path and colon", "/usr/sbin/sshd:", want{"sshd", 0, true}},
		{"name ending in a slash", "sshd/[5]:", want{"sshd/", 5, true}},
		{"bracketed name", "[sshd]:", want{"sshd", 0, true}},
		{"PAM tag of Red Hat", "sshd(pam_unix)[19939]:", want{"sshd(pam_unix)", 19939, true}},
		{"host name", "srv1", want{}},
		{"ten digits: no pid", "sshd[1234567890]:", want{"sshd", 0, true}},
		{"eleven digits", "sshd[12345678901]:", want{}},
		{"empty pid", "sshd[]:", want{}},
		{"letters in the pid", "sshd[12a]:", want{}},
		{"text after the pid", "sshd[12]::", want{}},
		{"colon in the name", "ss:hd[12]:", want{}},
		{"bracket in the name", "ss]hd:", want{}},
		{"two colons", "sshd::", want{}},
		{"bracket without pid form", "sshd]", want{}},
		{"one byte", ":", want{}},
	}
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			name, pid, ok := parseTag([]byte(tt.Input))
			if got := (want{string(name), pid, ok}); got != tt.Want {
				t.Errorf("parseTag(%q) = %+v, want %+v", tt.Input, got, tt.Want)
			}
		})
	}
}

// parseTagSlow is parseTag as written before its one pass: the reference
// that TestParseTagSamePass compares it with.
func parseTagSlow(t []byte) (name []byte, pid int, ok bool) {
	if len(t) < 2 {
		return nil, 0, false
	}
	if t[0] == '[' {
		end := len(t) - 1
		if t[end] == ':' {
			end--
		}
		if end < 2 || t[end] != ']' {
			return nil, 0, false
		}
		name = t[1:end]
		if !validTagName(name) {
			return nil, 0, false
		}
		return baseName(name), 0, true
	}
	if k := bytes.IndexByte(t, '['); k > 0 {
		name = t[:k]
		r := t[k+1:]
		j := 0
		for j < len(r) && isDigit(r[j]) {
			j++
		}
		if j == 0 || j > 10 || j >= len(r) || r[j] != ']' {
			return nil, 0, false
		}
		if rest := r[j+1:]; !(len(rest) == 0 || len(rest) == 1 && rest[0] == ':') {
			return nil, 0, false
		}
		if !validTagName(name) {
			return nil, 0, false
		}
		pid, _ = atoi(r[:j])
		return baseName(name), pid, true
	}
	if t[len(t)-1] == ':' {
		name = t[:len(t)-1]
		if !validTagName(name) {
			return nil, 0, false
		}
		return baseName(name), 0, true
	}
	return nil, 0, false
}

func TestParseTagSamePass(t *testing.T) {
	// Tokens made of the bytes that matter to a tag, in every order.
	r := rand.New(rand.NewPCG(3, 4))
	const alphabet = "sd/:[]0123456789-("
	buf := make([]byte, 0, 24)
	accepted := 0
	for i := 0; i < 300_000; i++ {
		buf = buf[:0]
		for n := r.IntN(16); n >= 0; n-- {
			buf = append(buf, alphabet[r.IntN(len(alphabet))])
		}
		name, pid, ok := parseTag(buf)
		wname, wpid, wok := parseTagSlow(buf)
		if !bytes.Equal(name, wname) || pid != wpid || ok != wok {
			t.Fatalf("parseTag(%q) = %q, %d, %v; the pass before gave %q, %d, %v", buf, name, pid, ok, wname, wpid, wok)
		}
		if ok {
			accepted++
		}
	}
	if accepted < 1000 {
		t.Errorf("only %d of the tokens were tags: the sample misses the forms", accepted)
	}
}
