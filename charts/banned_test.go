package charts

import (
	"path/filepath"
	"testing"
	"time"

	"knocks"
)

func TestBannedMap(t *testing.T) {
	countries := []knocks.GeoCount{
		{Country: "DE", Name: "Germany", IPs: 3, Attempts: 5},
		{Country: "CN", Name: "China", IPs: 1, Attempts: 1},
		{Country: "SG", Name: "Singapore", IPs: 1, Attempts: 2}, // no shape: a bubble only
		{Country: "private", Name: "reserved address range", IPs: 2, Attempts: 2},
	}
	for _, tt := range []struct {
		Name    string
		Bans    knocks.Bans
		Dots    int
		Colored int
	}{
		{"no bans", knocks.Bans{}, -1, 0},
		{"country data", knocks.Bans{Bans: 12, BannedIPs: 7, BannedCountries: countries}, 3, 2},
		{"cities", knocks.Bans{BannedCountries: countries, BannedPlaces: []knocks.BannedSpot{
			{Country: "DE", City: "Berlin", Lat: 52.5, Lon: 13.4, IPs: 2, Bans: 4},
			{Country: "DE", City: "Nürnberg", Lat: 49.45, Lon: 11.08, IPs: 1, Bans: 1},
		}}, 2, 2},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			s := &knocks.Summary{Bans: tt.Bans, Attempts: 4000,
				First: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), Last: time.Date(2025, 3, 9, 0, 0, 0, 0, time.UTC)}
			m := bannedMapData(s)
			if tt.Dots < 0 {
				if m != nil || bannedMap(s) != nil {
					t.Fatal("a map without bans")
				}
				return
			}
			if m == nil {
				t.Fatal("no map")
			}
			if tt.Bans.Bans > 0 {
				want := "Banned addresses (fail2ban, SSHGuard)\n2025-03-01 – 2025-03-09 (UTC) · 12 bans of 7 addresses · knocks"
				if got := bannedMap(s).Title.Text; got != want {
					t.Errorf("title %q, want %q", got, want)
				}
			}
			if len(m.dots) != tt.Dots {
				t.Errorf("%d bubbles, want %d", len(m.dots), tt.Dots)
			}
			colored := 0
			for _, sh := range m.shapes {
				if sh.fill != colLand {
					colored++
				}
			}
			if colored != tt.Colored {
				t.Errorf("%d countries coloured, want %d", colored, tt.Colored)
			}
		})
	}
	paths, err := WriteAll(t.TempDir(), &knocks.Summary{Bans: knocks.Bans{BannedCountries: countries}}, Options{Width: 400, Height: 300})
	if err != nil || len(paths) != 1 || filepath.Base(paths[0]) != "banned-map.png" {
		t.Errorf("WriteAll of bans = %q, %v; want banned-map.png", paths, err)
	}
}
