package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadSSHDConfig(t *testing.T) {
	for _, tc := range []struct {
		Name      string
		Files     map[string]string // relative to the directory of sshd_config
		Level     string
		Penalties string
		From      string
		Err       bool
	}{
		{"defaults", map[string]string{"sshd_config": "Port 22\n"}, "", "", "sshd_config", false},
		{"first value wins", map[string]string{"sshd_config": "LogLevel VERBOSE\nLogLevel QUIET\n"}, "VERBOSE", "", "sshd_config", false},
		{"equals sign and case", map[string]string{"sshd_config": "loglevel=debug1\npersourcepenalties  authfail:10s  noauth:1s\n"}, "debug1", "authfail:10s noauth:1s", "sshd_config", false},
		{"comments", map[string]string{"sshd_config": "# LogLevel QUIET\n  #PerSourcePenalties no\n"}, "", "", "sshd_config", false},
		{"match blocks are not global", map[string]string{"sshd_config": "Match Address 10.0.0.0/8\n\tLogLevel DEBUG3\n"}, "", "", "sshd_config", false},
		{"include before", map[string]string{"sshd_config": "Include conf.d/*.conf\nLogLevel ERROR\n", "conf.d/50.conf": "LogLevel INFO\n", "conf.d/10.conf": "PerSourcePenalties no\n"}, "INFO", "no", "conf.d/50.conf", false},
		{"absolute include", map[string]string{"sshd_config": "Include ABS/extra.conf\n", "extra.conf": "LogLevel FATAL\n"}, "FATAL", "", "extra.conf", false},
		{"include of nothing", map[string]string{"sshd_config": "Include conf.d/*.conf\nLogLevel INFO\n"}, "INFO", "", "sshd_config", false},
		{"include loop", map[string]string{"sshd_config": "Include sshd_config\n"}, "", "", "", true},
		{"missing", nil, "", "", "", true},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tc.Files {
				path := filepath.Join(dir, name)
				os.MkdirAll(filepath.Dir(path), 0o755)
				content = strings.ReplaceAll(content, "ABS", dir)
				if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			st, err := readSSHDConfig(filepath.Join(dir, "sshd_config"))
			if (err != nil) != tc.Err {
				t.Fatalf("err = %v, want an error: %v", err, tc.Err)
			}
			if err != nil {
				return
			}
			if st.logLevel != tc.Level || st.penalties != tc.Penalties || st.from != filepath.Join(dir, tc.From) {
				t.Errorf("got level %q, penalties %q, from %s; want %q, %q, %s", st.logLevel, st.penalties, st.from, tc.Level, tc.Penalties, tc.From)
			}
		})
	}
}
