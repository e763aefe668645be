package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"knocks"
)

// alertsLog returns an auth.log of 2024-03-10 with known alerts: deploy
// logs in from 45.83.1.7, which failed 3 times before (failed_before, the
// address); alice logs in from 45.83.1.99, whose /24 failed (failed_before,
// the subnet); root is tried 25 times, then logs in from 81.2.69.160
// (many_failures); bob logs in twice from one address, which is no alert.
func alertsLog(extra string) string {
	var b strings.Builder
	pid := 100
	line := func(hm, msg string) {
		pid++
		fmt.Fprintf(&b, "Mar 10 %s:00 gw sshd[%d]: %s\n", hm, pid, msg)
	}
	for i := 0; i < 3; i++ {
		line("09:0"+fmt.Sprint(i), "Failed password for deploy from 45.83.1.7 port 4000 ssh2")
	}
	line("09:30", "Accepted publickey for deploy from 45.83.1.7 port 4001 ssh2")
	line("09:40", "Accepted publickey for alice from 45.83.1.99 port 4002 ssh2")
	for i := 0; i < 25; i++ {
		line(fmt.Sprintf("10:%02d", i), fmt.Sprintf("Failed password for root from 91.240.118.%d port 4000 ssh2", i+1))
	}
	line("11:00", "Accepted password for root from 81.2.69.160 port 4003 ssh2")
	line("12:00", "Accepted publickey for bob from 2a06:4880::5 port 4004 ssh2")
	line("12:30", "Accepted publickey for bob from 2a06:4880::5 port 4005 ssh2")
	b.WriteString(extra)
	return b.String()
}

func TestAlerts(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "knocks.db")
	log := filepath.Join(dir, "auth.log")
	if err := os.WriteFile(log, []byte(alertsLog("")), 0o644); err != nil {
		t.Fatal(err)
	}
	// No database yet: a clean failure, not an alert.
	if r := runKnocks(t, dir, nil, "alerts", "--db", db); r.code != 1 || !strings.Contains(r.stderr, "no database") {
		t.Errorf("alerts without a database: exit %d, %s", r.code, r.stderr)
	}
	mustOK(t, dir, nil, "ingest", "-q", "--no-geoip", "--db", db, "--year", "2024", log)

	// The first run shows three alerts and exits 1, for cron.
	r := runKnocks(t, dir, nil, "alerts", "--db", db, "--format", "json")
	if r.code != 1 {
		t.Fatalf("first alerts: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	var as []knocks.Alert
	if err := json.Unmarshal([]byte(r.stdout), &as); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	var got []string
	for _, a := range as {
		got = append(got, fmt.Sprintf("%s %s %s %d", a.Kind, a.User, a.IP, a.Failed))
	}
	want := []string{"failed_before deploy 45.83.1.7 3", "failed_before alice 45.83.1.99 3", "many_failures root 81.2.69.160 25"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("alerts %q, want %q", got, want)
	}
	// The second run has nothing new: no output, exit 0.
	if r := runKnocks(t, dir, nil, "alerts", "--db", db); r.code != 0 || r.stdout != "" {
		t.Errorf("second alerts: exit %d, output %q", r.code, r.stdout)
	}
	// --all lists them all again, marks nothing, exits 0.
	if r := runKnocks(t, dir, nil, "alerts", "--db", db, "--all"); r.code != 0 || strings.Count(r.stdout, "\n") != 3 || !strings.Contains(r.stdout, "login of deploy on gw from 45.83.1.7: the address failed 3 times before") {
		t.Errorf("alerts --all: exit %d, output %q", r.code, r.stdout)
	}
	// A new login from an address that failed: one new alert, exit 1.
	more := "Mar 10 13:00:00 gw sshd[900]: Failed password for carol from 45.83.2.2 port 4000 ssh2\n" +
		"Mar 10 13:05:00 gw sshd[901]: Accepted password for carol from 45.83.2.2 port 4001 ssh2\n"
	if err := os.WriteFile(log, []byte(alertsLog(more)), 0o644); err != nil {
		t.Fatal(err)
	}
	mustOK(t, dir, nil, "ingest", "-q", "--no-geoip", "--db", db, "--year", "2024", log)
	if r := runKnocks(t, dir, nil, "alerts", "--db", db); r.code != 1 || strings.Count(r.stdout, "\n") != 1 || !strings.Contains(r.stdout, "carol") {
		t.Errorf("alerts after a new login: exit %d, output %q", r.code, r.stdout)
	}
	// The report shows them: JSON, text, and highlighted in the HTML page.
	var sum knocks.Summary
	if err := json.Unmarshal([]byte(mustOK(t, dir, nil, "report", "--db", db, "--format", "json").stdout), &sum); err != nil {
		t.Fatal(err)
	}
	if len(sum.Alerts) != 4 || sum.Alerts[3].User != "carol" || sum.Alerts[3].New {
		t.Errorf("report alerts = %+v", sum.Alerts)
	}
	if out := mustOK(t, dir, nil, "report", "--db", db).stdout; !strings.Contains(out, "Alerts: successful logins that matter") || !strings.Contains(out, "many_failures") {
		t.Errorf("text report without alerts:\n%s", out)
	}
	html := filepath.Join(dir, "report.html")
	mustOK(t, dir, nil, "report", "--db", db, "--html", html)
	if b, err := os.ReadFile(html); err != nil || !strings.Contains(string(b), `id="table-alerts"`) || !strings.Contains(string(b), "the address failed 3 times before") {
		t.Errorf("the HTML report does not show the alerts (%v)", err)
	}
	if r := runKnocks(t, dir, nil, "alerts", "--db", db, "--failures", "0"); r.code != 2 {
		t.Errorf("--failures 0: exit %d, want 2", r.code)
	}
}

// TestReportListsTheLatestAlerts checks that a report lists the latest
// --top alerts, oldest first, and says how many there are in all.
func TestReportListsTheLatestAlerts(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "knocks.db")
	log := filepath.Join(dir, "auth.log")
	if err := os.WriteFile(log, []byte(alertsLog("")), 0o644); err != nil {
		t.Fatal(err)
	}
	mustOK(t, dir, nil, "ingest", "-q", "--no-geoip", "--db", db, "--year", "2024", log)
	var all struct {
		Alerts []knocks.Alert `json:"alerts"`
		Found  int64          `json:"alerts_found"`
	}
	if err := json.Unmarshal([]byte(mustOK(t, dir, nil, "report", "--db", db, "--format", "json").stdout), &all); err != nil {
		t.Fatal(err)
	}
	if len(all.Alerts) != 3 || all.Found != 3 {
		t.Fatalf("report: %d alerts listed, %d found; want 3 and 3", len(all.Alerts), all.Found)
	}
	var top struct {
		Alerts []knocks.Alert `json:"alerts"`
		Found  int64          `json:"alerts_found"`
	}
	if err := json.Unmarshal([]byte(mustOK(t, dir, nil, "report", "--db", db, "--format", "json", "--top", "2").stdout), &top); err != nil {
		t.Fatal(err)
	}
	if top.Found != 3 || len(top.Alerts) != 2 || top.Alerts[0].User != "alice" || top.Alerts[1].User != "root" {
		t.Errorf("report --top 2: %d found, listed %+v; want 3, alice then root", top.Found, top.Alerts)
	}
	if out := mustOK(t, dir, nil, "report", "--db", db, "--top", "2").stdout; !strings.Contains(out, "the latest 2 of 3 successful logins") {
		t.Errorf("text report --top 2 does not say how many alerts there are:\n%s", out)
	}
}

// TestAlertNewCountry checks the alert of a login from a country that the
// user never logged in from, with the bundled GeoIP data: alice logs in
// from GB twice, then from RU.
func TestAlertNewCountry(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "knocks.db")
	log := filepath.Join(dir, "auth.log")
	lines := "Mar 10 08:00:00 gw sshd[200]: Accepted publickey for alice from 81.2.69.142 port 4000 ssh2\n" +
		"Mar 10 09:00:00 gw sshd[201]: Accepted publickey for alice from 81.2.69.160 port 4001 ssh2\n" +
		"Mar 10 10:00:00 gw sshd[202]: Accepted publickey for alice from 5.188.10.176 port 4002 ssh2\n"
	if err := os.WriteFile(log, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	mustOK(t, dir, nil, "ingest", "-q", "--db", db, "--year", "2024", log)
	r := runKnocks(t, dir, nil, "alerts", "--db", db)
	// One alert (its AS is left out: it comes from the bundled data).
	head, tail := "2024-03-10 10:00 UTC  new_country  login of alice on gw from 5.188.10.176 (RU", ": the first login of this user from RU (before: GB)\n"
	if r.code != 1 || strings.Count(r.stdout, "\n") != 1 || !strings.HasPrefix(r.stdout, head) || !strings.HasSuffix(r.stdout, tail) {
		t.Errorf("alerts: exit %d, output %q; want exit 1, %q...%q", r.code, r.stdout, head, tail)
	}
}
