package source

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestOrder(t *testing.T) {
	for _, c := range []struct {
		Name  string
		Input []string
		Want  []string
	}{
		{"empty", nil, []string{}},
		{"one", []string{"auth.log"}, []string{"auth.log"}},
		{"shell order", // what a shell's glob gives: 1, 10, 2 ...
			[]string{"auth.log", "auth.log.1", "auth.log.10.gz", "auth.log.2.gz", "auth.log.3.gz"},
			[]string{"auth.log.10.gz", "auth.log.3.gz", "auth.log.2.gz", "auth.log.1", "auth.log"}},
		{"reversed", []string{"auth.log", "auth.log.1", "auth.log.2.gz"}, []string{"auth.log.2.gz", "auth.log.1", "auth.log"}},
		{"dateext",
			[]string{"secure", "secure-20240303.gz", "secure-20240225.gz", "secure-20240310"},
			[]string{"secure-20240225.gz", "secure-20240303.gz", "secure-20240310", "secure"}},
		{"dateext with hours and dashes",
			[]string{"messages-2024-03-03", "messages", "messages-2024-02-25.gz"},
			[]string{"messages-2024-02-25.gz", "messages-2024-03-03", "messages"}},
		{"dateext with hour",
			[]string{"auth.log-2024022512", "auth.log-2024022501.gz", "auth.log-20240224"},
			[]string{"auth.log-20240224", "auth.log-2024022501.gz", "auth.log-2024022512"}},
		{"numbered before dated",
			[]string{"auth.log-20240225", "auth.log", "auth.log.1"},
			[]string{"auth.log.1", "auth.log-20240225", "auth.log"}},
		{"directories are separate sets",
			[]string{"/a/auth.log", "/b/auth.log.1", "/a/auth.log.1", "/b/auth.log"},
			[]string{"/a/auth.log.1", "/a/auth.log", "/b/auth.log.1", "/b/auth.log"}},
		{"stdin stays in place",
			[]string{"auth.log", "-", "auth.log.1"},
			[]string{"auth.log.1", "-", "auth.log"}},
		{"compressed bare name", []string{"x.log.gz", "x.log.1.gz"}, []string{"x.log.1.gz", "x.log.gz"}},
		{"names that compare equal keep their order", []string{"a.log.1.gz", "a.log.1"}, []string{"a.log.1.gz", "a.log.1"}},
	} {
		t.Run(c.Name, func(t *testing.T) {
			got, err := Order(c.Input)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, c.Want) {
				t.Errorf("Order(%q)\n got %q\nwant %q", c.Input, got, c.Want)
			}
		})
	}
	if _, err := Order([]string{"a", ""}); !errors.Is(err, ErrEmptyName) {
		t.Errorf("empty name: %v", err)
	}
}

func TestOrderSetsByOldestModTime(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	files := map[string]time.Duration{ // age
		"auth.log":      0,
		"auth.log.1":    24 * time.Hour,
		"auth.log.2.gz": 48 * time.Hour,
		"secure":        time.Hour,
		"secure.1":      72 * time.Hour, // the oldest file of all: secure* first
		"fail2ban.log":  2 * time.Hour,
	}
	var names []string
	for name, age := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, now.Add(-age), now.Add(-age)); err != nil {
			t.Fatal(err)
		}
		names = append(names, p)
	}
	slices.Sort(names)
	got, err := Order(names)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, n := range []string{"secure.1", "secure", "auth.log.2.gz", "auth.log.1", "auth.log", "fail2ban.log"} {
		want = append(want, filepath.Join(dir, n))
	}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestFinal(t *testing.T) {
	now := time.Date(2024, 2, 25, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		Name    string
		ModTime time.Time
		Want    bool
	}{
		{"/var/log/auth.log", now.Add(-time.Second), false},
		{"/var/log/auth.log", now.Add(-Settle + time.Second), false},
		{"/var/log/auth.log", now.Add(-Settle), true},
		{"/var/log/auth.log", now.Add(-48 * time.Hour), true},
		{"/var/log/auth.log.1", now, true},
		{"/var/log/auth.log.2.gz", now, true},
		{"/var/log/secure-20240225", now, true},
		{"/var/log/secure-2024-02-25", now, true},
		{"/var/log/messages", now.Add(-time.Minute), false},
		{"/tmp/copy", time.Time{}, false},
	} {
		if got := Final(c.Name, c.ModTime, now); got != c.Want {
			t.Errorf("Final(%s, now-%v) = %v, want %v", c.Name, now.Sub(c.ModTime), got, c.Want)
		}
	}
}
