package main

import (
	"os"
	"path/filepath"
	"testing"
)

// The database path: the flag, $KNOCKS_DB, a systemd state directory, the
// shared system directory for root, the per-user one otherwise; a reader
// whose per-user database does not exist finds the shared one.
func TestDBPath(t *testing.T) {
	sys := t.TempDir()
	home := t.TempDir()
	for _, tc := range []struct {
		Name  string
		Flag  string
		Env   map[string]string
		Root  bool
		Want  string
		WantR string // for a reader, when it differs
	}{
		{Name: "flag", Flag: "/x/k.db", Env: map[string]string{"KNOCKS_DB": "/y.db"}, Want: "/x/k.db"},
		{Name: "env", Env: map[string]string{"KNOCKS_DB": "/y.db", "STATE_DIRECTORY": "/s"}, Want: "/y.db"},
		{Name: "systemd", Env: map[string]string{"STATE_DIRECTORY": "/var/lib/knocks:/other"}, Want: "/var/lib/knocks/knocks.db"},
		{Name: "root", Root: true, Env: map[string]string{"HOME": "/root"}, Want: filepath.Join(sys, "knocks.db")},
		{Name: "root with XDG_STATE_HOME", Root: true, Env: map[string]string{"XDG_STATE_HOME": "/st"}, Want: "/st/knocks/knocks.db"},
		{Name: "user, shared exists", Env: map[string]string{"HOME": home}, Want: filepath.Join(home, ".local/state/knocks/knocks.db"), WantR: filepath.Join(sys, "knocks.db")},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			m := &Main{Getenv: func(k string) string { return tc.Env[k] }, SystemDir: sys, Geteuid: func() int {
				if tc.Root {
					return 0
				}
				return 1000
			}}
			if got, err := m.dbPath(tc.Flag); err != nil || got != tc.Want {
				t.Errorf("dbPath = %q, %v; want %q", got, err, tc.Want)
			}
			want := tc.Want
			if tc.WantR != "" {
				want = tc.WantR
			}
			if got, err := m.readDBPath(tc.Flag); err != nil || got != want {
				t.Errorf("readDBPath = %q, %v; want %q", got, err, want)
			}
		})
		if tc.Name == "root with XDG_STATE_HOME" {
			// From here on the shared database exists.
			if err := os.WriteFile(filepath.Join(sys, "knocks.db"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
