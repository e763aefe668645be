package sqlite_test

import (
	"context"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"knocks"
	"knocks/storetest"
)

// TestSchemaDoc runs every query of docs/schema.md against a store with
// data in every table, so that the documentation stays true to the schema.
func TestSchemaDoc(t *testing.T) {
	doc, err := os.ReadFile("../docs/schema.md")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := open(t)
	d := storetest.Dataset()
	id, err := s.BeginImport(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	cs := append(d.Connections, storetest.Generate(2000, 1, now.Add(-30*24*time.Hour))...)
	if err := s.Write(ctx, &knocks.Batch{ImportID: id, Connections: cs, Fail2ban: d.Fail2ban, Penalties: d.Penalties,
		Checkpoint: &knocks.Checkpoint{Fingerprint: "ab12", Name: "/var/log/auth.log", Offset: 1000, Lines: 10, LastTime: now, New: true}}); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishImport(ctx, id, time.Now(), []knocks.InputStats{{Name: "/var/log/auth.log", Fingerprint: "ab12", Lines: 10,
		Shapes: []knocks.Shape{{Shape: "error: <x>", Count: 2, Example: "error: x"}}}}); err != nil {
		t.Fatal(err)
	}
	locs := map[netip.Addr]knocks.Location{}
	for ip, l := range d.Locations {
		locs[ip] = l.Location
	}
	if err := s.SaveLocations(ctx, locs, "test"); err != nil {
		t.Fatal(err)
	}

	blocks := regexp.MustCompile("(?s)```sql\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 10 {
		t.Fatalf("only %d sql blocks in docs/schema.md", len(blocks))
	}
	// The first query gives the numbers of the report.
	var got [6]int64
	var first, last string
	if err := s.DB().QueryRow(blocks[0][1]).Scan(&got[0], &got[1], &got[2], &got[3], &got[4], &got[5], &first, &last); err != nil {
		t.Fatal(err)
	}
	sum, err := s.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if want := [6]int64{sum.Attempts, sum.Connections, sum.Scans, sum.Logins, sum.UniqueIPs, sum.UniqueUsers}; got != want {
		t.Errorf("the documented query gives %v, the report %v", got, want)
	}
	for _, b := range blocks {
		for _, q := range strings.Split(b[1], ";") {
			if strings.TrimSpace(q) == "" {
				continue
			}
			rows, err := s.DB().Query(q)
			if err != nil {
				t.Errorf("%s\n: %v", q, err)
				continue
			}
			n := 0
			for rows.Next() {
				n++
			}
			if err := rows.Err(); err != nil {
				t.Errorf("%s\n: %v", q, err)
			}
			rows.Close()
			if n == 0 {
				t.Errorf("no rows from\n%s", q)
			}
		}
	}
}
