package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// TestBashCompletion sources the script in bash and asks it to complete
// what a user types.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "knocks.bash")
	writeFile(t, script, mustOK(t, dir, nil, "completion", "bash").stdout, time.Time{})
	writeFile(t, filepath.Join(dir, "auth.log.1"), "x\n", time.Time{})
	for _, tc := range []struct {
		Name  string
		Words []string // what is typed, the last word being completed
		Want  string   // the completions, sorted as compgen gives them
	}{
		{"commands", []string{"knocks", "re"}, "report"},
		{"flags of report", []string{"knocks", "report", "--fo"}, "--format"},
		{"values of --format", []string{"knocks", "report", "--format", ""}, "text json csv"},
		{"values of --color", []string{"knocks", "report", "--color", "n"}, "never"},
		{"geoip actions", []string{"knocks", "geoip", "st"}, "status"},
		{"shells", []string{"knocks", "completion", "f"}, "fish"},
		{"files", []string{"knocks", "ingest", "auth"}, "auth.log.1"},
		{"a value that is no file", []string{"knocks", "report", "--since", ""}, ""},
		{"flags of ingest", []string{"knocks", "ingest", "--w"}, "--wait"},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			words := make([]string, len(tc.Words))
			for i, w := range tc.Words {
				words[i] = "'" + w + "'"
			}
			prog := "source " + script + "\nCOMP_WORDS=(" + strings.Join(words, " ") + ")\nCOMP_CWORD=" + strconv.Itoa(len(tc.Words)-1) + "\n_knocks\necho \"${COMPREPLY[*]}\"\n"
			cmd := exec.Command(bash, "--norc", "-c", prog)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("bash: %v\n%s", err, out)
			}
			if got := strings.TrimSpace(string(out)); got != tc.Want {
				t.Errorf("%v: got %q, want %q", tc.Words, got, tc.Want)
			}
		})
	}
}

// TestZshAndFishCompletion checks the scripts name every command and flag,
// and parses them where the shell is installed.
func TestZshAndFishCompletion(t *testing.T) {
	dir := t.TempDir()
	help := mustOK(t, dir, nil, "report", "-h").stdout
	for _, shell := range []string{"zsh", "fish"} {
		out := mustOK(t, dir, nil, "completion", shell).stdout
		for _, want := range []string{"ingest", "report", "doctor", "completion", "status update refresh", "text json csv"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s completion lacks %q", shell, want)
			}
		}
		// Every flag of report is offered.
		for _, line := range strings.Split(help, "\n") {
			if name, ok := strings.CutPrefix(line, "  --"); ok {
				name, _, _ = strings.Cut(name, " ")
				want := "--" + name + "["
				if shell == "fish" {
					want = "-l " + name + " "
				}
				if !strings.Contains(out, want) {
					t.Errorf("%s completion lacks report's flag %q", shell, name)
				}
			}
		}
		if path, err := exec.LookPath(shell); err == nil {
			script := filepath.Join(dir, "knocks."+shell)
			writeFile(t, script, out, time.Time{})
			if b, err := exec.Command(path, "-n", script).CombinedOutput(); err != nil {
				t.Errorf("%s -n: %v\n%s", shell, err, b)
			}
			if shell == "fish" { // fish completes on request: ask it
				b, err := exec.Command(path, "--no-config", "-c", "source "+script+"; complete -C 'knocks report --format '; complete -C 'knocks geoip re'").CombinedOutput()
				if got := strings.Fields(string(b)); err != nil || !slices.Contains(got, "csv") || !slices.Contains(got, "json") || !slices.Contains(got, "refresh") {
					t.Errorf("fish completes %q, %v", b, err)
				}
			}
		} else {
			t.Logf("%s is not installed: its script is checked by content only", shell)
		}
	}
	if r := runKnocks(t, dir, nil, "completion", "tcsh"); r.code != exitUsage || !strings.Contains(r.stderr, `unknown shell "tcsh"`) {
		t.Errorf("completion tcsh: exit %d, %s", r.code, r.stderr)
	}
}

// TestManPage checks that the manual documents every flag of every command
// and the environment, and that groff reads it without a warning.
func TestManPage(t *testing.T) {
	dir := t.TempDir()
	man := mustOK(t, dir, nil, "man").stdout
	if !strings.HasPrefix(man, ".TH KNOCKS 1 ") {
		t.Fatalf("not a man page:\n%.200s", man)
	}
	for _, c := range commands {
		if !strings.Contains(man, `.SS "knocks `+c.name+" ") {
			t.Errorf("the man page lacks the command %s", c.name)
		}
		help := mustOK(t, dir, nil, c.name, "-h").stdout
		for _, line := range strings.Split(help, "\n") {
			if name, ok := strings.CutPrefix(line, "  --"); ok {
				name, _, _ = strings.Cut(name, " ")
				if !strings.Contains(man, `\-\-`+strings.ReplaceAll(name, "-", `\-`)) {
					t.Errorf("the man page lacks %s --%s", c.name, name)
				}
			}
		}
	}
	for _, want := range []string{".B KNOCKS_DB", ".B KNOCKS_GEOIP", ".B NO_COLOR", ".SH EXIT STATUS"} {
		if !strings.Contains(man, want) {
			t.Errorf("the man page lacks %q", want)
		}
	}
	groff, err := exec.LookPath("groff")
	if err != nil {
		t.Skip("groff is not installed: the page is checked by content only")
	}
	cmd := exec.Command(groff, "-man", "-Tutf8", "-ww", "-z")
	cmd.Stdin = strings.NewReader(man)
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("groff: %v\n%s", err, out)
	}
}

// TestVersion checks --version with the version set at link time and the
// fallback of a plain build.
func TestVersion(t *testing.T) {
	dir := t.TempDir()
	r := mustOK(t, dir, nil, "--version", "--no-geoip")
	if !strings.HasPrefix(r.stdout, "knocks ") || len(strings.TrimSpace(r.stdout)) <= len("knocks ") {
		t.Errorf("--version: %q", r.stdout)
	}
	if testing.Short() {
		t.Skip("links a second binary")
	}
	bin := filepath.Join(dir, "knocks-v")
	build := exec.Command("go", "build", "-tags", "knocks_nogeoip", "-ldflags", "-X main.version=v9.8.7", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version", "--no-geoip").Output()
	if err != nil || string(out) != "knocks v9.8.7\n" {
		t.Errorf("--version of a build with -X main.version: %q, %v", out, err)
	}
}

// TestReportConventions checks --tz, the footer, the order of the lists,
// the CSV columns, colour and --html with --format.
func TestReportConventions(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	writeFile(t, log, connLines("Feb  5 23:30:01", 101, "1.0.1.1", "admin")+
		connLines("Feb  5 23:40:02", 102, "8.8.8.8", "\x1b[31mred")+
		"Feb  5 23:50:00 web1 sshd[103]: Accepted password for deploy from 8.8.4.4 port 50000 ssh2\n", time.Date(2024, 2, 6, 12, 0, 0, 0, time.UTC))

	text := mustOK(t, dir, nil, "report", log).stdout
	if strings.Contains(text, "\x1b") {
		t.Errorf("colour or raw escapes in a report to a pipe:\n%q", text)
	}
	if !strings.Contains(text, "Period           2024-02-05 23:30 → 2024-02-05 23:50 UTC\n") {
		t.Errorf("period not in UTC:\n%s", text)
	}
	if strings.HasPrefix(text, "knocks report: an attempt") || !strings.Contains(text, "\nAn attempt is one failed authentication") {
		t.Errorf("the definition belongs in the footer:\n%s", text)
	}
	ports, hosts, days := strings.Index(text, "Top source ports"), strings.Index(text, "Hosts attacked"), strings.Index(text, "Attempts per day")
	if ports < hosts || ports < days {
		t.Errorf("source ports are not below the other lists:\n%s", text)
	}

	berlin := mustOK(t, dir, nil, "report", "--tz", "Europe/Berlin", log).stdout
	if !strings.Contains(berlin, "2024-02-06 00:30 → 2024-02-06 00:50 CET\n") || !strings.Contains(berlin, "Times in         Europe/Berlin\n") {
		t.Errorf("--tz Europe/Berlin:\n%s", berlin)
	}
	js := mustOK(t, dir, nil, "report", "--format", "json", "--tz", "Asia/Tokyo", log).stdout
	if !strings.Contains(js, `"first": "2024-02-06T08:30:01+09:00"`) {
		t.Errorf("--tz in JSON:\n%.600s", js)
	}
	if r := runKnocks(t, dir, nil, "report", "--tz", "Mars/Olympus", log); r.code != exitUsage || !strings.Contains(r.stderr, `--tz: unknown time zone "Mars/Olympus"`) {
		t.Errorf("unknown --tz: exit %d, %s", r.code, r.stderr)
	}

	// Colour: only knocks's codes, around escaped text.
	color := mustOK(t, dir, nil, "report", "--color", "always", log).stdout
	if !strings.Contains(color, "\x1b[1;36mTop IPs\x1b[0m") || !strings.Contains(color, `\x1b[31mred`) {
		t.Errorf("--color always:\n%q", color)
	}
	if strings.Contains(color, "\x1b[31m") {
		t.Errorf("the attacker's escape reached the terminal:\n%q", color)
	}
	if r := runKnocksEnv(t, dir, []string{"NO_COLOR=1"}, nil, "report", "--color", "always", log); !strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("--color always must win over NO_COLOR")
	}
	if r := runKnocks(t, dir, nil, "report", "--color", "sometimes", log); r.code != exitUsage {
		t.Errorf("--color sometimes: exit %d", r.code)
	}

	// CSV: org holds organisations (AS rows), name the country's name.
	rows, err := csv.NewReader(strings.NewReader(mustOK(t, dir, nil, "report", "--format", "csv", log).stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], ","); got != "section,rank,key,attempts,share,valid,ips,first,last,country,asn,org,name,drops,penalties,lockouts" {
		t.Errorf("csv head: %s", got)
	}
	var sawCountry, sawASN bool
	for _, r := range rows {
		switch r[0] {
		case "country":
			sawCountry = true
			if r[11] != "" || r[12] == "" {
				t.Errorf("country row: org %q, name %q", r[11], r[12])
			}
		case "asn":
			sawASN = true
			if r[11] == "" {
				t.Errorf("asn row without organisation: %v", r)
			}
		}
	}
	if !sawCountry || !sawASN {
		t.Errorf("no country or asn rows:\n%v", rows)
	}

	// --html with --format says which one is followed.
	html := filepath.Join(dir, "r.html")
	r := mustOK(t, dir, nil, "report", "--html", html, "--format", "json", log)
	if r.stdout != "" || !strings.Contains(r.stderr, "--html and --format: writing the HTML report to "+html+"; --format json is not used") {
		t.Errorf("--html with --format:\nstdout %q\nstderr %s", r.stdout, r.stderr)
	}
}

// TestColorAuto runs the program in-process with a terminal for stdout:
// auto colours it unless NO_COLOR is set or TERM is dumb.
func TestColorAuto(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	writeFile(t, log, connLines("Feb  5 23:30:01", 101, "203.0.113.1", "admin"), time.Date(2024, 2, 6, 12, 0, 0, 0, time.UTC))
	for _, tc := range []struct {
		Name  string
		Env   map[string]string
		Color bool
	}{
		{"terminal", nil, true},
		{"NO_COLOR", map[string]string{"NO_COLOR": "1"}, false},
		{"empty NO_COLOR", map[string]string{"NO_COLOR": ""}, true},
		{"dumb terminal", map[string]string{"TERM": "dumb"}, false},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			var out, errb bytes.Buffer
			m := &Main{Stdout: &out, Stderr: &errb, Now: time.Now, Terminal: func(w io.Writer) bool { return w == &out },
				Getenv: func(k string) string {
					if k == "XDG_CACHE_HOME" || k == "XDG_STATE_HOME" {
						return filepath.Join(dir, k)
					}
					return tc.Env[k]
				}}
			if code := m.Run(context.Background(), []string{"report", "--no-geoip", log}); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			if got := strings.Contains(out.String(), "\x1b[1;36m"); got != tc.Color {
				t.Errorf("colour %v, want %v:\n%q", got, tc.Color, out.String())
			}
		})
	}
}

// TestGeoIPFromEnvironment checks that $KNOCKS_GEOIP names the GeoIP
// files when --geoip is not given.
func TestGeoIPFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	city := filepath.Join(dir, "dbip-city-lite.mmdb")
	writeCityDB(t, city, map[string]mmdbtype.Map{
		"8.8.8.0/24": {"city": mmdbtype.String("Mountain View"), "country_code": mmdbtype.String("US"), "latitude": mmdbtype.Float64(37.386), "longitude": mmdbtype.Float64(-122.0838)},
	})
	log := filepath.Join(dir, "auth.log")
	writeFile(t, log, connLines("Feb  5 10:00:01", 101, "8.8.8.8", "admin"), time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC))
	r := runKnocksEnv(t, dir, []string{"KNOCKS_GEOIP=" + city}, nil, "report", "--format", "json", log)
	if r.code != 0 || !strings.Contains(r.stdout, `"city": "Mountain View"`) {
		t.Errorf("KNOCKS_GEOIP: exit %d\n%.400s\n%s", r.code, r.stdout, r.stderr)
	}
}
