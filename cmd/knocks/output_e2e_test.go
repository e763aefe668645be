//go:build unix

package main

import (
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// TestCSVEscapesAttackerText imports user names that hold terminal escape
// sequences, an OSC 8 hyperlink, a carriage return, invalid UTF-8 and a
// formula, and checks that the CSV report shows them escaped as the
// terminal report does, with no raw control byte anywhere in it.
func TestCSVEscapesAttackerText(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	users := []string{
		"\x1b[2J\x1b[31mroot",                               // clear screen, red
		"\x1b]8;;http://203.0.113.66/\x07click\x1b]8;;\x07", // OSC 8 hyperlink
		"\x1b]0;pwned\x1b\\",                                // OSC window title, ST-terminated
		"admin\rhidden",                                     // carriage return hides text
		"bad\xff\xfeutf8",                                   // invalid UTF-8
		"=HYPERLINK(\"http://x\")",                          // spreadsheet formula
	}
	var b strings.Builder
	for i, u := range users {
		b.WriteString(connLines("Feb  5 10:00:0"+string(rune('1'+i)), 100+i, "203.0.113.10", u))
	}
	writeFile(t, log, b.String(), time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC))
	r := mustOK(t, dir, nil, "report", "--no-geoip", "--format", "csv", "--top", "50", log)
	for i := 0; i < len(r.stdout); i++ {
		if c := r.stdout[i]; c < 0x20 && c != '\n' || c == 0x7f {
			t.Fatalf("raw control byte %#x in the CSV report at %d:\n%q", c, i, r.stdout)
		}
	}
	if !utf8.ValidString(r.stdout) {
		t.Fatalf("CSV report is not valid UTF-8:\n%q", r.stdout)
	}
	recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, r.stdout)
	}
	got := map[string]bool{}
	for _, rec := range recs {
		if rec[0] == "user" {
			got[rec[2]] = true
		}
	}
	text := mustOK(t, dir, nil, "report", "--no-geoip", "--top", "50", log).stdout
	for _, want := range []string{
		`\x1b[2J\x1b[31mroot`,
		`\x1b]8;;http://203.0.113.66/\x07click\x1b]8;;\x07`,
		`\x1b]0;pwned\x1b\\`,
		`admin\x0dhidden`,
		`bad\xff\xfeutf8`,
		`'=HYPERLINK("http://x")`,
	} {
		if !got[want] {
			t.Errorf("CSV has no user cell %q; users: %v", want, got)
		}
		// The terminal report shows the same escaped text (without the
		// spreadsheet quote; it cuts long names in its column).
		shown := strings.TrimPrefix(want, "'")
		if len(shown) > 30 {
			shown = shown[:30]
		}
		if !strings.Contains(text, shown) {
			t.Errorf("text report lacks %q", shown)
		}
	}
}

// TestOutputFilesHonourUmask writes the HTML report and the GeoIP cache
// under umask 027 and 077 and checks their modes: 0666 less the umask, as
// for any new file of the user.
func TestOutputFilesHonourUmask(t *testing.T) {
	for _, tc := range []struct {
		umask string
		want  os.FileMode
	}{{"027", 0o640}, {"077", 0o600}, {"022", 0o644}} {
		t.Run(tc.umask, func(t *testing.T) {
			dir := t.TempDir()
			log := filepath.Join(dir, "auth.log")
			writeFile(t, log, connLines("Feb  5 10:00:01", 101, "8.8.8.8", "admin"), time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC))
			html := filepath.Join(dir, "report.html")
			cmd := exec.Command("sh", "-c", "umask "+tc.umask+" && exec \"$0\" \"$@\"", knocksBin, "report", "--html", html, log)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "TZ=UTC", "XDG_STATE_HOME="+filepath.Join(dir, "state"), "XDG_CACHE_HOME="+filepath.Join(dir, "cache"), "KNOCKS_DB=")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("knocks report --html: %v\n%s", err, out)
			}
			files := []string{html}
			cached, _ := filepath.Glob(filepath.Join(dir, "cache", "knocks", "*.mmdb"))
			if len(cached) == 0 {
				t.Fatalf("no GeoIP cache file written in %s", filepath.Join(dir, "cache", "knocks"))
			}
			files = append(files, cached...)
			for _, f := range files {
				fi, err := os.Stat(f)
				if err != nil {
					t.Fatal(err)
				}
				if got := fi.Mode().Perm(); got != tc.want {
					t.Errorf("%s: mode %o, want %o under umask %s", filepath.Base(f), got, tc.want, tc.umask)
				}
			}
		})
	}
}
