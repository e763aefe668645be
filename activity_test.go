package knocks

import (
	"reflect"
	"testing"
)

// TestTopGroups keeps the busiest countries over all hosts and folds the
// rest into "other" per host.
func TestTopGroups(t *testing.T) {
	type key struct{ host, country string }
	groups := map[key]*GroupTotals{
		{"web1", "CN"}: {Host: "web1", Country: "CN", Attempts: 50, Connections: 20, Scans: 3},
		{"web2", "CN"}: {Host: "web2", Country: "CN", Attempts: 10, Connections: 4},
		{"web1", "NL"}: {Host: "web1", Country: "NL", Attempts: 7, Connections: 2, Logins: 1},
		{"web1", "DE"}: {Host: "web1", Country: "DE", Attempts: 7, Connections: 3, Drops: 5}, // drops break the tie with NL
		{"web1", ""}:   {Host: "web1", Attempts: 1, Connections: 1, Scans: 9},
		{"web2", "US"}: {Host: "web2", Country: "US", Scans: 4, Drops: 2},
	}
	want := []GroupTotals{
		{Host: "web1", Country: "CN", Attempts: 50, Connections: 20, Scans: 3},
		{Host: "web1", Country: "DE", Attempts: 7, Connections: 3, Drops: 5},
		{Host: "web1", Country: "other", Attempts: 8, Connections: 3, Scans: 9, Logins: 1},
		{Host: "web2", Country: "CN", Attempts: 10, Connections: 4},
		{Host: "web2", Country: "other", Scans: 4, Drops: 2},
	}
	if got := TopGroups(groups, 2); !reflect.DeepEqual(got, want) {
		t.Errorf("TopGroups =\n%+v\nwant\n%+v", got, want)
	}
}
