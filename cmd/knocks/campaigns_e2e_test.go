package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"knocks"
)

// campaignStart is the time of the first line of campaignLog.
var campaignStart = time.Date(2024, 3, 10, 8, 0, 0, 0, time.UTC)

// campaignLog returns an auth.log (UTC, year 2024) with known campaigns:
//
//   - 198.51.100.50: 392 connections 11 s apart, each with 5 "Failed
//     password" lines a second apart: a burst of 1,960 attempts from
//     08:00:00 to 09:11:45 (the last connection starts at 391×11 s =
//     4301 s and ends 4 s later); then, 20 minutes on, 30 connections of
//     3 attempts (90: too few for a burst alone);
//   - 192.0.2.1 to .4: 40 connections a minute apart, 3 attempts each, in
//     turn: a subnet burst of 120 attempts of 4 addresses, from 10:00:00
//     to 10:39:02, and no address burst;
//   - 203.0.113.1 to .12: each tries the invalid users oracle and
//     postgres once, half an hour apart: a same_users group of 12
//     addresses and 24 attempts, from 11:00:00 to 16:30:01.
func campaignLog() string {
	var b strings.Builder
	pid := 2000
	conn := func(at time.Time, ip, user string, tries int) {
		pid++
		for i := range tries {
			fmt.Fprintf(&b, "%s gw sshd[%d]: Failed password for %s from %s port %d ssh2\n", at.Add(time.Duration(i)*time.Second).Format(time.Stamp), pid, user, ip, 30000+pid)
		}
	}
	for i := range 392 {
		conn(campaignStart.Add(time.Duration(i)*11*time.Second), "198.51.100.50", []string{"root", "admin"}[i%2], 5)
	}
	for i := range 30 {
		conn(campaignStart.Add(4305*time.Second+20*time.Minute+time.Duration(i)*30*time.Second), "198.51.100.50", "ubuntu", 3)
	}
	for i := range 40 {
		conn(campaignStart.Add(2*time.Hour+time.Duration(i)*time.Minute), fmt.Sprintf("192.0.2.%d", i%4+1), "test", 3)
	}
	for i := range 12 {
		at := campaignStart.Add(3*time.Hour + time.Duration(i)*30*time.Minute)
		for j, u := range []string{"oracle", "postgres"} {
			pid++
			ip := fmt.Sprintf("203.0.113.%d", i+1)
			fmt.Fprintf(&b, "%s gw sshd[%d]: Invalid user %s from %s port %d\n", at.Add(time.Duration(j)*time.Second).Format(time.Stamp), pid, u, ip, 30000+pid)
			fmt.Fprintf(&b, "%s gw sshd[%d]: Failed password for invalid user %s from %s port %d ssh2\n", at.Add(time.Duration(j)*time.Second).Format(time.Stamp), pid, u, ip, 30000+pid)
		}
	}
	return b.String()
}

// campaignsOf runs a JSON report and returns its campaigns.
func campaignsOf(t *testing.T, dir string, args ...string) ([]knocks.Campaign, int64) {
	t.Helper()
	r := runKnocks(t, dir, nil, append([]string{"report", "--format", "json", "--no-geoip"}, args...)...)
	if r.code != 0 {
		t.Fatalf("report %v: exit %d\n%s", args, r.code, r.stderr)
	}
	var s knocks.Summary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("report is not JSON: %v", err)
	}
	return s.Campaigns, s.CampaignsFound
}

func describeCampaign(c knocks.Campaign) string {
	return fmt.Sprintf("%s %s %s %s/%d %d %s-%s %q", c.Kind, c.Reason, c.Subnet, strings.Join(c.IPs, ","), c.IPCount, c.Attempts,
		c.Start.UTC().Format("15:04:05"), c.End.UTC().Format("15:04:05"), c.Users)
}

// The built binary finds the campaigns of a hand-written log, one-shot
// and from a database, with their filters and flags.
func TestCampaignsE2E(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	writeFile(t, log, campaignLog(), campaignStart.Add(24*time.Hour))
	want := []string{
		`burst address  198.51.100.50/1 1960 08:00:00-09:11:45 ["admin" "root"]`,
		`burst subnet 192.0.2.0/24 192.0.2.1,192.0.2.2,192.0.2.3,192.0.2.4/4 120 10:00:00-10:39:02 ["test"]`,
		`group same_users  203.0.113.1,203.0.113.2,203.0.113.3,203.0.113.4,203.0.113.5,203.0.113.6,203.0.113.7,203.0.113.8,203.0.113.9,203.0.113.10/12 24 11:00:00-16:30:01 ["oracle" "postgres"]`,
	}
	check := func(what string, got []knocks.Campaign, want []string) {
		t.Helper()
		var d []string
		for _, c := range got {
			d = append(d, describeCampaign(c))
		}
		if strings.Join(d, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: campaigns\n%s\nwant\n%s", what, strings.Join(d, "\n"), strings.Join(want, "\n"))
		}
	}
	got, found := campaignsOf(t, dir, "--log-tz", "UTC", "--year", "2024", log)
	check("one-shot", got, want)
	if found != 3 {
		t.Errorf("campaigns_found = %d, want 3", found)
	}
	// The 1,960 attempts of the burst are the address's first run, whole.
	if len(got) > 0 && (!got[0].Start.Equal(campaignStart) || !got[0].End.Equal(campaignStart.Add(4305*time.Second))) {
		t.Errorf("burst %v – %v", got[0].Start, got[0].End)
	}

	db := filepath.Join(dir, "k.db")
	mustOK(t, dir, nil, "ingest", "-q", "--no-geoip", "--db", db, "--tz", "UTC", "--year", "2024", log)
	got, _ = campaignsOf(t, dir, "--db", db)
	check("database", got, want)
	// Filters select the connections first: from 09:30 on, the burst is
	// gone and the group is whole.
	got, _ = campaignsOf(t, dir, "--db", db, "--since", "2024-03-10T09:30:00Z")
	check("--since", got, want[1:])
	got, _ = campaignsOf(t, dir, "--db", db, "--top", "1")
	check("--top 1", got, []string{want[0], want[2]})
	// Looser rules: the later run of 90 attempts becomes a burst, and with
	// a gap of 15 minutes the gap of 20 does not join them.
	got, found = campaignsOf(t, dir, "--db", db, "--burst-min", "50", "--burst-gap", "15m", "--group-min", "13")
	check("--burst-min 50 --burst-gap 15m --group-min 13", got, append(want[:2:2], `burst address  198.51.100.50/1 90 09:31:45-09:46:17 ["ubuntu"]`))
	if found != 3 {
		t.Errorf("campaigns_found = %d, want 3", found)
	}

	text := mustOK(t, dir, nil, "report", "--no-geoip", "--db", db).stdout
	for _, s := range []string{"Campaigns: bursts", "198.51.100.50", "1,960", "1h11m", "192.0.2.0/24", "the same 2 user names", "oracle, postgres"} {
		if !strings.Contains(text, s) {
			t.Errorf("text report lacks %q", s)
		}
	}
	csv := mustOK(t, dir, nil, "report", "--no-geoip", "--db", db, "--format", "csv").stdout
	for _, row := range []string{
		"campaign,1,198.51.100.50,1960,,burst/address,1,2024-03-10T08:00:00Z,2024-03-10T09:11:45Z,",
		"campaign,3,the same 2 user names,24,,group/same_users,12,2024-03-10T11:00:00Z,2024-03-10T16:30:01Z,",
	} {
		if !strings.Contains(csv, "\n"+row) {
			t.Errorf("CSV report lacks the row %q", row)
		}
	}
	for _, args := range [][]string{{"--burst-min", "0"}, {"--burst-gap", "0s"}, {"--group-min", "1"}, {"--burst-gap", "soon"}} {
		if r := runKnocks(t, dir, nil, append([]string{"report", "--db", db}, args...)...); r.code != exitUsage {
			t.Errorf("report %v: exit %d, want %d\n%s", args, r.code, exitUsage, r.stderr)
		}
	}
}

// TestCampaignsAnonymized: the campaigns of an anonymized report mask
// their addresses like the rest.
func TestCampaignsAnonymized(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	writeFile(t, log, campaignLog(), campaignStart.Add(24*time.Hour))
	r := mustOK(t, dir, nil, "report", "--format", "json", "--no-geoip", "--anonymize", "--log-tz", "UTC", "--year", "2024", log)
	if strings.Contains(r.stdout, "198.51.100.50") || strings.Contains(r.stdout, "203.0.113.1\"") {
		t.Error("an anonymized report names an address of a campaign")
	}
	var s knocks.Summary
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Campaigns) != 3 || s.Campaigns[0].IPs[0] != "198.51.100.x" || s.Campaigns[2].IPs[0] != "203.0.113.x" || len(s.Campaigns[2].IPs) != 1 {
		t.Errorf("anonymized campaigns: %+v", s.Campaigns)
	}
}
