package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParsePrintsOneObjectPerEventWithConnectionAddress(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	writeFile(t, log, `Feb 12 04:09:18 web1 sshd[26713]: Connection from 115.249.163.77 port 51353 on 10.0.0.2 port 22 rdomain ""
Feb 12 04:09:19 web1 sshd[26713]: Failed password for root from 115.249.163.77 port 51353 ssh2
Feb 12 04:09:20 web1 sshd[26713]: message repeated 2 times: [ Failed password for root from 115.249.163.77 port 51353 ssh2]
Feb 12 04:09:21 web1 sshd[26713]: Disconnecting: Too many authentication failures [preauth]
Feb 12 04:09:22 web1 sshd[26714]: Frobnicated the widget 17 times for 10.1.2.3
Feb 12 04:09:23 web1 CRON[1]: (root) CMD (true)
`, time.Date(2024, 2, 12, 5, 0, 0, 0, time.UTC))
	r := mustOK(t, dir, nil, "parse", "--unmatched", log)
	var evs []parsedEvent
	var unmatched []unmatchedLine
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"unmatched":true`) {
			var u unmatchedLine
			json.Unmarshal(sc.Bytes(), &u)
			unmatched = append(unmatched, u)
			continue
		}
		var e parsedEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("not JSON: %s", sc.Text())
		}
		evs = append(evs, e)
	}
	if len(evs) != 3 {
		t.Fatalf("got %d events, want 3:\n%s", len(evs), r.stdout)
	}
	want := []struct {
		kind  string
		count int
		line  int64
	}{{"failed", 1, 2}, {"failed", 2, 3}, {"max_auth", 1, 4}}
	for i, w := range want {
		e := evs[i]
		if e.Kind != w.kind || e.Count != w.count || e.Line != w.line || e.IP != "115.249.163.77" || e.PID != 26713 || e.Host != "web1" || e.Time != fmt.Sprintf("2024-02-12T04:09:%02dZ", 17+w.line) {
			t.Errorf("event %d = %+v, want kind %s count %d line %d", i, e, w.kind, w.count, w.line)
		}
	}
	if evs[0].User != "root" || evs[0].Method != "password" || evs[0].InvalidUser {
		t.Errorf("event 0 user/method: %+v", evs[0])
	}
	if len(unmatched) != 1 || unmatched[0].Line != 5 || !strings.Contains(unmatched[0].Shape, "Frobnicated") || strings.Contains(unmatched[0].Shape, "10.1.2.3") {
		t.Errorf("unmatched = %+v", unmatched)
	}
}

func TestIngestReportsUnrecognisedShapes(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "auth.log")
	var b strings.Builder
	for i := 0; i < 5; i++ {
		fmt.Fprintf(&b, "Feb 12 04:09:%02d web1 sshd[%d]: Frobnicated the widget %d times for 10.1.2.%d\n", i, 100+i, i, i)
	}
	writeFile(t, log, b.String(), time.Date(2024, 2, 12, 5, 0, 0, 0, time.UTC))
	r := mustOK(t, dir, nil, "ingest", "--db", filepath.Join(dir, "k.db"), log)
	if !strings.Contains(r.stderr, "5 sshd lines not recognised") || !strings.Contains(r.stderr, "     5  Frobnicated") {
		t.Errorf("ingest summary does not group the unrecognised lines:\n%s", r.stderr)
	}
}

func TestReportWhileImportingAndSecondImporter(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	small := filepath.Join(dir, "small.log")
	writeFile(t, small, connLines("Feb  5 10:00:01", 101, "203.0.113.1", "admin"), time.Date(2024, 2, 5, 12, 0, 0, 0, time.UTC))
	mustOK(t, dir, nil, "ingest", "--no-geoip", "--db", db, small)

	// The first importer reads stdin, which this test holds open: it runs
	// until the test closes it.
	cmd := exec.Command(knocksBin, "ingest", "--wait", "--no-geoip", "--db", db, "-")
	cmd.Env = append(os.Environ(), "TZ=UTC")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill() // only matters when the test fails early
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 100; i++ {
		fmt.Fprint(stdin, connLines(start.Add(time.Duration(i)*time.Second).Format(time.RFC3339), 2000+i, fmt.Sprintf("198.51.100.%d", i+1), "admin"))
	}
	// Wait until it holds the importer's lock.
	waitForLock(t, dir, db, cmd.Process.Pid)
	// A report runs while the import is under way.
	if s := jsonReport(t, dir, "--db", db); s.Attempts < 1 {
		t.Errorf("report during import: %+v", s)
	}
	// A second importer is told why it cannot run.
	r := runKnocks(t, dir, nil, "ingest", "--no-geoip", "--db", db, small)
	if r.code == 0 || !strings.Contains(r.stderr, "another knocks ingest") || !strings.Contains(r.stderr, fmt.Sprint(cmd.Process.Pid)) {
		t.Errorf("second importer: exit %d, %s", r.code, r.stderr)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the first import failed: %v\n%s", err, stderr.String())
	}
	if s := jsonReport(t, dir, "--db", db); s.Attempts != 101 {
		t.Errorf("after both: attempts %d, want 101", s.Attempts)
	}
}
