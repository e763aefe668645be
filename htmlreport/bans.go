package htmlreport

import (
	"html/template"
	"math"
	"strings"

	"knocks"
	"knocks/data/maps"
	"knocks/report"
)

// banMap is the map of banned addresses: countries coloured by their
// banned addresses, bubbles sized by bans at the located cities (or, with
// country data only, at the middle of each country).
type banMap struct {
	choropleth
	Bubbles   []mapPoint `json:"bubbles"`
	BubbleMax int64      `json:"bubbleMax"`
}

// bannedData returns the map of banned addresses; nil without located ones.
func bannedData(s *knocks.Summary) *banMap {
	b := &s.Bans
	m := &banMap{choropleth: choropleth{Areas: []area{}}}
	var max int64
	for _, g := range b.BannedCountries {
		code := strings.ToUpper(g.Country)
		if g.IPs <= 0 || !maps.HasShape(code) {
			continue
		}
		m.Areas = append(m.Areas, area{ID: code, Name: countryName(g.Country, g.Name), N: g.IPs})
		max = int64(math.Max(float64(max), float64(g.IPs)))
	}
	add := func(name, info string, lon, lat float64, n int64) {
		x, y := maps.EqualEarth(maps.WrapLon(lon), lat)
		m.Bubbles = append(m.Bubbles, mapPoint{Name: name, Info: info, X: round(x*worldScale, 2), Y: round(y*worldScale, 2), N: n})
		m.BubbleMax = int64(math.Max(float64(m.BubbleMax), float64(n)))
	}
	if len(b.BannedPlaces) > 0 {
		for _, p := range b.BannedPlaces {
			name := report.Safe(p.City)
			if name == "" {
				name = countryName(p.Country, "")
			}
			add(name, report.Safe(p.Country), p.Lon, p.Lat, p.Bans)
		}
	} else {
		for _, g := range b.BannedCountries {
			if lon, lat, ok := maps.Center(strings.ToUpper(g.Country)); ok {
				add(countryName(g.Country, g.Name), report.Safe(g.Country), lon, lat, g.Attempts)
			}
		}
	}
	if max == 0 && len(m.Bubbles) == 0 {
		return nil
	}
	m.Bins = bins(max)
	m.Max = max
	return m
}

// banView is what the page shows of bans.
type banView struct {
	Jails     []knocks.JailCount
	Top       []bannedRow
	Never     []ipView
	Countries []countryView
	Median    string
}

type bannedRow struct {
	IP, Country, ASN, Org, Jails string
	Flag                         template.URL
	Bans, Attempts               int64
	First, Last                  string
	Permanent                    bool
}

// newBanView makes the strings of the bans part safe for the page.
func newBanView(s *knocks.Summary) *banView {
	b := &s.Bans
	if !b.Acted() && b.Found == 0 {
		return nil
	}
	v := &banView{Median: report.Duration(b.MedianTimeToBan)}
	for _, j := range b.Jails {
		j.Jail = report.Safe(j.Jail)
		v.Jails = append(v.Jails, j)
	}
	for _, r := range b.TopBanned {
		v.Top = append(v.Top, bannedRow{IP: report.Safe(r.IP), Flag: flagURI(r.Country), Country: report.Safe(r.Country),
			ASN: asnText(r.ASN), Org: report.Safe(r.Org), Jails: report.Safe(r.Jails), Bans: r.Bans, Attempts: r.Attempts,
			First: fmtTime(r.FirstBan, "2006-01-02 15:04"), Last: fmtTime(r.LastBan, "2006-01-02 15:04"), Permanent: r.Permanent})
	}
	for _, r := range b.TopNeverBanned {
		v.Never = append(v.Never, ipView{IP: report.Safe(r.IP), Flag: flagURI(r.Country), Country: report.Safe(r.Country),
			ASN: asnText(r.ASN), Org: report.Safe(r.Org), Attempts: r.Attempts, Connections: r.Connections, Share: r.Share, First: r.First, Last: r.Last})
	}
	for _, c := range b.BannedCountries {
		v.Countries = append(v.Countries, countryView{Flag: flagURI(c.Country), Code: report.Safe(c.Country),
			Name: countryName(c.Country, c.Name), Attempts: c.Attempts, IPs: c.IPs, Share: c.Share})
	}
	return v
}

// alertRow is one alert as the page shows it.
type alertRow struct {
	Time, Kind, User, Host, IP, Country, Why string
	Flag                                     template.URL // the country's flag image, as in the other tables
	New                                      bool
}

// alertRows makes the alerts of s safe for the page.
func alertRows(s *knocks.Summary) []alertRow {
	var out []alertRow
	for _, a := range s.Alerts {
		out = append(out, alertRow{Time: fmtTime(a.Time, "2006-01-02 15:04"), Kind: report.Safe(a.Kind), User: report.Safe(a.User),
			Host: report.Safe(a.Host), IP: report.Safe(a.IP), Flag: flagURI(a.Country), Country: report.Safe(a.Country), Why: report.Safe(a.Why), New: a.New})
	}
	return out
}
