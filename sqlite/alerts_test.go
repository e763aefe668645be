package sqlite_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"knocks"
	"knocks/sqlite"
)

// TestAlertsCountryAndASN checks the alerts that need locations: a login
// from a country that its user never logged in from, and from an AS whose
// other addresses failed before.
func TestAlertsCountryAndASN(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	base := time.Date(2024, 3, 10, 9, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return base.Add(time.Duration(m) * time.Minute) }
	ip := netip.MustParseAddr
	login := func(pid, m int, user, addr string) *knocks.Connection {
		return &knocks.Connection{Host: "gw", PID: pid, Start: at(m), End: at(m), IP: ip(addr), User: user, HasUser: true, Method: "publickey", Logins: 1}
	}
	cs := []*knocks.Connection{
		login(1, 0, "ops", "81.2.69.160"), // DE
		login(2, 10, "ops", "81.2.70.1"),  // DE again: no alert
		{Host: "gw", PID: 3, Start: at(20), End: at(20), IP: ip("61.0.0.9"), User: "root", HasUser: true, Failed: 4, FailureLines: 4}, // AS 4134
		login(4, 30, "ops", "61.0.9.9"),  // CN, and AS 4134 failed before
		login(5, 40, "new", "61.0.9.10"), // a first login: no country alert
	}
	id, err := s.BeginImport(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: cs}); err != nil {
		t.Fatal(err)
	}
	locs := map[netip.Addr]knocks.Location{
		ip("81.2.69.160"): {Country: "DE", ASN: 3320},
		ip("81.2.70.1"):   {Country: "DE", ASN: 3320},
		ip("61.0.0.9"):    {Country: "CN", ASN: 4134},
		ip("61.0.9.9"):    {Country: "CN", ASN: 4134},
		ip("61.0.9.10"):   {Country: "CN", ASN: 4134},
	}
	if err := s.SaveLocations(ctx, locs, "test"); err != nil {
		t.Fatal(err)
	}
	as, err := s.Alerts(ctx, sqlite.AlertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range as {
		got = append(got, a.Kind+" "+a.User+" "+a.IP+" "+a.Country)
	}
	want := []string{"failed_before ops 61.0.9.9 CN", "new_country ops 61.0.9.9 CN", "failed_before new 61.0.9.10 CN"}
	if len(got) != len(want) {
		t.Fatalf("alerts %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("alert %d = %q, want %q", i, got[i], want[i])
		}
	}
	if as[0].Why != "its network AS4134 failed 4 times before" {
		t.Errorf("why = %q", as[0].Why)
	}
	// Marked alerts are no longer new.
	if err := s.MarkAlerts(ctx, as[:1]); err != nil {
		t.Fatal(err)
	}
	as, err = s.Alerts(ctx, sqlite.AlertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if as[0].New || !as[1].New || !as[2].New {
		t.Errorf("after marking the first: new = %v %v %v", as[0].New, as[1].New, as[2].New)
	}
}
