package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"knocks"
)

// checkRestores checks the bans of the fixture testdata/bans-restore
// against the answers counted by hand in its README.md.
func checkRestores(t *testing.T, what string, b knocks.Bans) {
	t.Helper()
	got := [...]float64{float64(b.Bans), float64(b.Unbans), float64(b.Restores), float64(b.Found), float64(b.BannedIPs),
		b.MedianTimeToBan, float64(b.BannedWithAttempts), float64(b.AttemptsBeforeBan), float64(b.AttemptsWhileBanned),
		float64(b.IPsWhileBanned), float64(b.ReturnedAfterUnban), float64(b.Defences.AttemptsByBanned), float64(b.Defences.AttemptsNeverBanned)}
	want := [...]float64{1, 2, 4, 3, 1, 60, 1, 3, 3, 2, 2, 7, 2}
	if got != want {
		t.Errorf("%s: bans, unbans, restores, found, banned IPs, median, with attempts, before, while, IPs while, returned, by banned, never banned =\n %v, want\n %v",
			what, got, want)
	}
	if len(b.Jails) != 1 || b.Jails[0] != (knocks.JailCount{Jail: "sshd", Bans: 1, Unbans: 2, Restores: 4, BannedIPs: 1}) {
		t.Errorf("%s: jails = %+v, want sshd with 1 ban, 2 unbans, 4 restores, 1 address", what, b.Jails)
	}
	if len(b.TopBanned) != 1 || b.TopBanned[0].IP != "203.0.113.40" || b.TopBanned[0].Bans != 1 {
		t.Errorf("%s: top banned = %+v, want 203.0.113.40 banned once", what, b.TopBanned)
	}
	if len(b.TopNeverBanned) != 1 || b.TopNeverBanned[0].IP != "192.0.2.70" {
		t.Errorf("%s: top never banned = %+v, want 192.0.2.70 alone", what, b.TopNeverBanned)
	}
	if len(b.Timeline) != 1 || b.Timeline[0].Attempts != 1 {
		t.Errorf("%s: timeline = %+v, want the one ban", what, b.Timeline)
	}
}

// restoreFixture returns the directory of testdata/bans-restore.
func restoreFixture(t *testing.T) string {
	t.Helper()
	fx, err := filepath.Abs(filepath.Join("..", "..", "testdata", "bans-restore"))
	if err != nil {
		t.Fatal(err)
	}
	return fx
}

// TestBansRestored reads fail2ban.log lines of fail2ban started again
// (Restore Ban, with and without the Unban lines of its stop): a restore
// bans its address from its time on but is no ban.
func TestBansRestored(t *testing.T) {
	fx := restoreFixture(t)
	s := reportBans(t, fx, "--year", "2024", "auth.log", "fail2ban.log")
	checkRestores(t, "one-shot", s.Bans)

	r := mustOK(t, fx, nil, "report", "--no-geoip", "--year", "2024", "auth.log", "fail2ban.log")
	for _, want := range []string{"Restored        4 bans restored by fail2ban", "restores"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("text report lacks %q:\n%s", want, r.stdout)
		}
	}
	r = mustOK(t, fx, nil, "report", "--no-geoip", "--format", "csv", "--year", "2024", "auth.log", "fail2ban.log")
	for _, want := range []string{"bans,,restores,4,", "jail_restores,1,sshd,4,", "jail,1,sshd,1,,,1,"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("csv report lacks %q:\n%s", want, r.stdout)
		}
	}

	// Stored: the same numbers; restores read again from another file
	// (a copy of the first restart's lines) are stored once.
	dir := t.TempDir()
	db := filepath.Join(dir, "knocks.db")
	mustOK(t, dir, nil, "ingest", "-q", "--no-geoip", "--db", db, "--host", "gw", "--year", "2024",
		filepath.Join(fx, "auth.log"), filepath.Join(fx, "fail2ban.log"))
	again := filepath.Join(dir, "fail2ban.log.1")
	lines := "2024-03-11 09:00:00,900 fail2ban.server         [700]: INFO    Starting Fail2ban v1.0.2\n" +
		"2024-03-11 09:00:01,300 fail2ban.actions        [700]: NOTICE  [sshd] Restore Ban 203.0.113.40\n" +
		"2024-03-11 09:00:01,310 fail2ban.actions        [700]: NOTICE  [sshd] Restore Ban 198.51.100.60\n"
	if err := os.WriteFile(again, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	mustOK(t, dir, nil, "ingest", "-q", "--no-geoip", "--db", db, "--host", "gw", again)
	checkRestores(t, "stored", reportBans(t, dir, "--db", db).Bans)
}

// TestBansRestoredDrill serves the fixture: the drill-down of an address
// that only restores banned (no Ban line) says so, in the API and on the
// page in Chromium.
func TestBansRestoredDrill(t *testing.T) {
	fx := restoreFixture(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "knocks.db")
	mustOK(t, dir, nil, "ingest", "-q", "--no-geoip", "--db", db, "--host", "gw", "--year", "2024",
		filepath.Join(fx, "auth.log"), filepath.Join(fx, "fail2ban.log"))
	addr := freePort(t)
	w := startKnocks(t, dir, nil, "serve", "--db", db, "--listen", addr)
	base := "http://" + addr
	waitHTTP(t, base+"/api/summary", w)

	attempts, b := drillDown(t, base, "198.51.100.60")
	got := [...]int64{attempts, b.Bans, b.Restores, b.Unbans, b.AttemptsWhileBanned, b.ReturnedAfterUnban, int64(len(b.TopNeverBanned))}
	if want := [...]int64{3, 0, 2, 1, 2, 1, 0}; got != want {
		t.Errorf("drill-down of 198.51.100.60: attempts, bans, restores, unbans, while banned, returned, never banned listed = %v, want %v", got, want)
	}

	ctx := startChromium(t)
	rec := &pageRecord{}
	rec.watch(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/?ip=198.51.100.60")); err != nil {
		t.Fatal(err)
	}
	poll(t, ctx, `!!document.getElementById("live-drill")`, "the drill-down did not open", rec)
	drill := js[string](t, ctx, `document.getElementById("live-drill").textContent`)
	want := "bans0 (sshd); 2 restored by fail2ban as it started again; 2 attempts while banned; came back after a ban"
	if !strings.Contains(drill, want) {
		t.Errorf("drill-down panel %q lacks %q", drill, want)
	}
	if problems, _, dialogs := rec.snapshot(); len(problems) > 0 || len(dialogs) > 0 {
		t.Errorf("problems: %q\ndialogs: %q", problems, dialogs)
	}
	if code := w.stop(t, os.Interrupt); code != 0 {
		t.Errorf("serve exit %d", code)
	}
}
