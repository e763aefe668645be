package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestSystemdUnits checks the units of contrib/systemd: systemd-analyze
// verify finds nothing to say of them (with the built binary in place of
// /usr/local/bin/knocks), they have the hardening that the README
// promises, and every file that the README's install lines name exists.
func TestSystemdUnits(t *testing.T) {
	dir := filepath.Join("..", "..", "contrib", "systemd")
	units := []string{"knocks.service", "knocks-ingest.service", "knocks-ingest.timer", "knocks-report.service", "knocks-report.timer"}
	for _, name := range []string{"knocks.service", "knocks-ingest.service", "knocks-report.service"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"\nUser=knocks\n", "\nGroup=adm\n", "\nProtectSystem=strict\n", "\nStateDirectory=knocks\n", "\nNoNewPrivileges=yes\n",
			"\nCapabilityBoundingSet=\n", "\nUMask=0027\n", "\nExecStart=/"} {
			if !strings.Contains(string(b), want) {
				t.Errorf("%s lacks %q", name, strings.TrimSpace(want))
			}
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "knocks.sysusers")); err != nil || !strings.Contains(string(b), "m knocks adm\n") || !strings.Contains(string(b), "m knocks systemd-journal\n") {
		t.Errorf("knocks.sysusers does not put knocks in adm and systemd-journal (%v)", err)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	named := regexp.MustCompile(`contrib/systemd/[A-Za-z.*-]+`).FindAllString(string(readme), -1)
	if len(named) < 3 {
		t.Errorf("the README names %d files of contrib/systemd", len(named))
	}
	for _, n := range named {
		if m, _ := filepath.Glob(filepath.Join("..", "..", n)); len(m) == 0 {
			t.Errorf("the README names %s, which is not in the repository", n)
		}
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed: the units were not verified")
	}
	tmp := t.TempDir()
	for _, name := range units {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tmp, name), []byte(strings.ReplaceAll(string(b), "/usr/local/bin/knocks", knocksBin)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(analyze, append([]string{"verify", "--man=no"}, units...)...)
	cmd.Dir = tmp
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
