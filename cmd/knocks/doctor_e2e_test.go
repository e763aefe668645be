package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// doctorMachine lays out a machine's logs and sshd configuration under
// dir and returns the doctor flags that point at them.
func doctorMachine(t *testing.T, dir string) []string {
	t.Helper()
	auth := filepath.Join(dir, "var", "log", "auth.log")
	if err := os.MkdirAll(filepath.Dir(auth), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, auth, "Feb  5 09:59:00 web1 CRON[1]: pam_unix(cron:session): session closed for user root\n"+connLines("Feb  5 10:00:01", 101, "203.0.113.1", "admin"), time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC))
	journal := filepath.Join(dir, "journal")
	if err := os.MkdirAll(filepath.Join(journal, "0123abcd"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(journal, "0123abcd", "system.journal"), "LPKSHHRH", time.Time{})
	conf := filepath.Join(dir, "ssh", "sshd_config")
	if err := os.MkdirAll(filepath.Join(dir, "ssh", "sshd_config.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	// sshd takes the first value: the included VERBOSE wins over QUIET.
	writeFile(t, conf, "# Debian's layout\nInclude sshd_config.d/*.conf\nLogLevel QUIET\nPerSourcePenalties no\nMatch User backup\n\tLogLevel DEBUG3\n", time.Time{})
	writeFile(t, filepath.Join(dir, "ssh", "sshd_config.d", "10-log.conf"), "LogLevel=VERBOSE\n", time.Time{})
	return []string{"--log", auth, "--log", filepath.Join(dir, "var", "log", "secure"), "--journal-dir", journal, "--sshd-config", conf, "--sshd", ""}
}

func TestDoctor(t *testing.T) {
	dir := t.TempDir()
	flags := doctorMachine(t, dir)
	db := filepath.Join(dir, "k.db")
	// One line of ten that sshd writes is unknown to the parser: drift.
	log := filepath.Join(dir, "new.log")
	writeFile(t, log, connLines("Feb  6 10:00:01", 201, "198.51.100.7", "oracle")+connLines("Feb  6 10:00:02", 202, "198.51.100.7", "test")+
		"Feb  6 10:00:03 web1 sshd[203]: Quantum handshake rejected from 198.51.100.8 port 4444\n", time.Date(2024, 2, 6, 12, 0, 0, 0, time.UTC))
	mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", db, log)

	r := mustOK(t, dir, nil, append([]string{"doctor", "--no-geoip", "--db", db}, flags...)...)
	for _, want := range []string{
		"  ok    sshd logs to " + filepath.Join(dir, "var", "log", "auth.log") + " (0.0 MB, modified 2024-02-05 12:00 UTC), readable by this user; last sshd line: Feb  5 10:00:01 web1 sshd[101]: Disconnected from invalid user admin",
		"  info  " + filepath.Join(dir, "var", "log", "secure") + ": not here",
		"  ok    journald keeps logs in " + filepath.Join(dir, "journal") + ", readable by this user",
		"  info  cannot ask sshd for its effective settings (no --sshd): reading " + filepath.Join(dir, "ssh", "sshd_config"),
		"  ok    LogLevel VERBOSE (" + filepath.Join(dir, "ssh", "sshd_config.d", "10-log.conf") + "): failed logins are logged",
		"  info  PerSourcePenalties off (" + filepath.Join(dir, "ssh", "sshd_config") + ")",
		"  ok    " + db + ": ",
		", 2 connections, integrity ok",
		"  ok    last import ",
		": 1 inputs, 13 new lines",
		": 1 of 13 sshd lines unrecognised (7.69%): more than 1%: knocks may not know this sshd's messages (parser drift)",
		"1  Quantum handshake rejected from <ip> port <port>",
		"\n0 problems, 1 warning\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor lacks %q:\n%s", want, r.stdout)
		}
	}
}

// TestDoctorFindsProblems checks the findings that make doctor exit 1: a
// LogLevel at which sshd logs no failures (from `sshd -T`), no sshd log,
// and a damaged database.
func TestDoctorFindsProblems(t *testing.T) {
	dir := t.TempDir()
	sshd := filepath.Join(dir, "sshd")
	writeFile(t, sshd, "#!/bin/sh\n[ \"$1\" = -T ] || exit 255\nprintf 'port 22\\nloglevel ERROR\\npersourcepenalties crash:90 authfail:5 noauth:1\\n'\n", time.Time{})
	if err := os.Chmod(sshd, 0o755); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "k.db")
	writeFile(t, db, strings.Repeat("not a database ", 100), time.Time{})
	r := runKnocks(t, dir, nil, "doctor", "--no-geoip", "--db", db, "--log", filepath.Join(dir, "nosuch.log"), "--journal-dir", filepath.Join(dir, "nojournal"), "--sshd", sshd)
	if r.code != exitError {
		t.Errorf("exit %d, want %d", r.code, exitError)
	}
	for _, want := range []string{
		"  FAIL  no sshd log found in " + filepath.Join(dir, "nosuch.log"),
		"  FAIL  LogLevel ERROR (" + sshd + " -T): sshd does not log failed logins at this level; set LogLevel INFO",
		"  info  PerSourcePenalties on (crash:90 authfail:5 noauth:1)",
		"  info  GeoIP off (--no-geoip)",
		"  FAIL  cannot open " + db + ": ",
		"\n3 problems, 0 warnings\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor lacks %q:\n%s", want, r.stdout)
		}
	}
	// An sshd before 9.8 does not list PerSourcePenalties.
	writeFile(t, sshd, "#!/bin/sh\nprintf 'loglevel INFO\\n'\n", time.Time{})
	r = runKnocks(t, dir, nil, "doctor", "--no-geoip", "--db", filepath.Join(dir, "none.db"), "--log", filepath.Join(dir, "nosuch.log"), "--sshd", sshd)
	if !strings.Contains(r.stdout, "PerSourcePenalties: not in this sshd (OpenSSH before 9.8)") || !strings.Contains(r.stdout, "no database at "+filepath.Join(dir, "none.db")+" yet") {
		t.Errorf("doctor with an old sshd:\n%s", r.stdout)
	}
}

// TestDoctorGeoIPAge runs doctor in-process at two dates: a city database
// is fine 45 days after its build and old after a year.
func TestDoctorGeoIPAge(t *testing.T) {
	dir := t.TempDir()
	city := filepath.Join(dir, "city.mmdb")
	writeCityDB(t, city, map[string]mmdbtype.Map{"8.8.8.0/24": {"city": mmdbtype.String("Mountain View"), "country_code": mmdbtype.String("US")}})
	for _, tc := range []struct {
		Name string
		Now  time.Time
		Want string
	}{
		{"new", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "  ok    DBIP-City-Lite (" + city + "): city data, built 2025-11-17, 45 days ago\n"},
		{"old", time.Date(2026, 11, 17, 0, 0, 0, 0, time.UTC), "  warn  DBIP-City-Lite (" + city + "): city data, built 2025-11-17, 365 days ago: old; "},
	} {
		t.Run(tc.Name, func(t *testing.T) {
			var out, errb bytes.Buffer
			m := &Main{Stdout: &out, Stderr: &errb, Now: func() time.Time { return tc.Now }, Getenv: func(k string) string {
				if k == "XDG_CACHE_HOME" || k == "XDG_STATE_HOME" {
					return filepath.Join(dir, k)
				}
				return ""
			}}
			m.Run(context.Background(), []string{"doctor", "--geoip", city, "--sshd", "", "--sshd-config", filepath.Join(dir, "none"), "--log", filepath.Join(dir, "none.log")})
			if !strings.Contains(out.String(), tc.Want) {
				t.Errorf("doctor lacks %q:\n%s", tc.Want, out.String())
			}
			if strings.Contains(out.String(), "no city database") {
				t.Errorf("a city database is in use:\n%s", out.String())
			}
		})
	}
}
