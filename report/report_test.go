package report

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"knocks"
)

// networks returns a summary with subnets, IPv6 /48s and announced
// prefixes.
func networks() *knocks.Summary {
	t0 := time.Date(2024, 2, 28, 22, 0, 0, 0, time.UTC)
	return &knocks.Summary{
		First: t0, Last: t0.Add(time.Hour), Attempts: 20,
		TopSubnets:   []knocks.KeyCount{{Key: "203.0.113.0/24", Attempts: 9, Share: 0.45}, {Key: "2001:db8:aa:1::/64", Attempts: 4, Share: 0.2}},
		TopSubnets48: []knocks.KeyCount{{Key: "2001:db8:aa::/48", Attempts: 6, Share: 0.3}},
		TopPrefixes:  []knocks.KeyCount{{Key: "203.0.112.0/22", Attempts: 9, Share: 0.45}, {Key: "2001:db8:a0::/44", Attempts: 6, Share: 0.3}},
	}
}

func TestTextShowsNetworks(t *testing.T) {
	var b bytes.Buffer
	if err := Text(&b, networks(), Options{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	subnets := strings.Index(out, "\nTop subnets\n")
	v6 := strings.Index(out, "\nTop IPv6 /48 subnets\n")
	prefixes := strings.Index(out, "\nTop announced prefixes (ASN data)\n")
	if subnets < 0 || v6 < subnets || prefixes < v6 {
		t.Errorf("want Top subnets, Top IPv6 /48 subnets, Top announced prefixes in this order:\n%s", out)
	}
	rows := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		rows[strings.Join(strings.Fields(l), " ")] = true
	}
	for _, r := range []string{"2001:db8:aa::/48 6 30.0%", "203.0.112.0/22 9 45.0%", "2001:db8:a0::/44 6 30.0%"} {
		if !rows[r] {
			t.Errorf("text report lacks the row %q:\n%s", r, out)
		}
	}

	// Without IPv6 and without ASN data, neither table is shown.
	s := networks()
	s.TopSubnets48, s.TopPrefixes = []knocks.KeyCount{}, nil
	b.Reset()
	if err := Text(&b, s, Options{}); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); strings.Contains(out, "/48 subnets") || strings.Contains(out, "announced prefixes") {
		t.Errorf("empty tables shown:\n%s", out)
	}
}

func TestCSVHasNetworkSections(t *testing.T) {
	var b bytes.Buffer
	if err := CSV(&b, networks()); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, r := range recs {
		if r[0] == "subnet" || r[0] == "subnet48" || r[0] == "prefix" {
			got[r[0]] = append(got[r[0]], r[1]+" "+r[2]+" "+r[3]+" "+r[4])
		}
	}
	want := map[string][]string{
		"subnet":   {"1 203.0.113.0/24 9 0.4500", "2 2001:db8:aa:1::/64 4 0.2000"},
		"subnet48": {"1 2001:db8:aa::/48 6 0.3000"},
		"prefix":   {"1 203.0.112.0/22 9 0.4500", "2 2001:db8:a0::/44 6 0.3000"},
	}
	for k, w := range want {
		if strings.Join(got[k], "|") != strings.Join(w, "|") {
			t.Errorf("section %s = %q, want %q", k, got[k], w)
		}
	}
}

// blockedSummary returns a summary with what sshd blocked by itself; the
// locked user name holds an ANSI escape.
func blockedSummary() *knocks.Summary {
	t0 := time.Date(2024, 2, 28, 22, 0, 0, 0, time.UTC)
	return &knocks.Summary{
		First: t0, Last: t0.Add(time.Hour), Dropped: 17, Lockouts: 3, UniqueHosts: 2,
		Penalties:      []knocks.PenaltyCount{{Reason: "failed authentication", Drops: 4, Penalties: 2, Addresses: 2}},
		TopPenalised:   []knocks.PenalisedIP{{IP: "203.0.113.142", Drops: 4, Penalties: 1, First: t0, Last: t0.Add(time.Minute)}},
		TopLockedUsers: []knocks.LockedUser{{User: "=root\x1b[31m", Lockouts: 3}},
	}
}

func TestTextShowsBlocked(t *testing.T) {
	var b bytes.Buffer
	if err := Text(&b, blockedSummary(), Options{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	rows := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		rows[strings.Join(strings.Fields(l), " ")] = true
	}
	for _, r := range []string{"Dropped conns 17", "Lockouts 3", "failed authentication 4 2 2", "203.0.113.142 4 1 2024-02-28 2024-02-28",
		`=root\x1b[31m 3`, "Unique hostnames 2 (sources known only by a host name, UseDNS)"} {
		if !rows[r] {
			t.Errorf("text report lacks the row %q:\n%s", r, out)
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("raw escape in text output:\n%q", out)
	}
	// Nothing blocked: no section.
	b.Reset()
	if err := Text(&b, networks(), Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "Blocked by sshd") {
		t.Errorf("empty blocked section shown:\n%s", b.String())
	}
}

func TestCSVHasBlockedSections(t *testing.T) {
	var b bytes.Buffer
	if err := CSV(&b, blockedSummary()); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll() // every row has the header's columns
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	got := map[string]string{}
	for _, r := range recs[1:] {
		switch r[0] {
		case "total":
			got[r[2]] = r[col["attempts"]]
		case "penalty", "penalised", "locked_user":
			got[r[0]] = strings.Join([]string{r[2], r[col["drops"]], r[col["penalties"]], r[col["ips"]], r[col["lockouts"]], r[col["first"]]}, " ")
		}
	}
	want := map[string]string{
		"dropped": "17", "lockouts": "3", "unique_hostnames": "2",
		"penalty":     "failed authentication 4 2 2  ",
		"penalised":   "203.0.113.142 4 1   2024-02-28T22:00:00Z",
		"locked_user": `'=root\x1b[31m    3 `,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %q, want %q", k, got[k], w)
		}
	}
}

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		Name  string
		Input int64
		Want  string
	}{
		{"none", 0, "0 addresses"},
		{"one", 1, "1 address"},
		{"two", 2, "2 addresses"},
		{"thousands", 1200, "1,200 addresses"},
	} {
		if got := Count(tc.Input, "address", "addresses"); got != tc.Want {
			t.Errorf("%s: Count(%d) = %q, want %q", tc.Name, tc.Input, got, tc.Want)
		}
	}
}
