package htmlreport

import (
	"html/template"
	"sort"
	"strings"
	"time"

	"knocks"
	"knocks/data/flags"
	"knocks/data/maps"
	"knocks/report"
)

// view is what the page template prints. Its strings have passed through
// report.Safe; html/template escapes them for HTML.
type view struct {
	Title     string
	CSP       string
	Style     template.CSS
	S         *knocks.Summary
	Generated time.Time
	Countries int // distinct located countries (ISO codes)

	Valid, Invalid []userView
	IPs            []ipView
	Subnets, Ports []keyView
	Hosts          []keyView
	ASNs           []asnView
	TopCountries   []countryView
	AllCountries   []countryView
	Reserved       []countryView // reserved address ranges, apart from the countries
	Cities         []cityView
	CitiesShown    int
	CitiesCut      int
	States         []stateView
	Heat           []heatRow
	Bins           []bin // the world map's legend
	USBins         []bin

	Filter         string // the report's filter in words, "" for none
	AnonymizedNote string // what an anonymized summary hides

	// What sshd blocked by itself (drops, penalties, lockouts).
	HasBlocked bool
	Penalties  []penaltyView
	Penalised  []penalisedView
	Locked     []lockedView

	HasTime, HasGeo, HasCities, HasUS bool
	Bans                              *banView // nil when no ban event was read
	Alerts                            []alertRow
	Campaigns                         []campaignRow
	HasBanMap                         bool
	HasCountryTime                    bool
	CountriesShown                    int    // country lines shown at first
	PartialDay                        string // when the last day is partial: the time the logs end
	HourCut                           bool
	Sources, Attribution              []string
}

type penaltyView struct {
	Reason                      string
	Drops, Penalties, Addresses int64
}

type penalisedView struct {
	IP               string
	Drops, Penalties int64
	First, Last      time.Time
}

type lockedView struct {
	User     string
	Lockouts int64
}

type userView struct {
	Name     string
	Attempts int64
	Share    float64
}

type ipView struct {
	IP, Country, ASN, Org string
	Flag                  template.URL
	Attempts, Connections int64
	Share                 float64
	First, Last           time.Time
}

type keyView struct {
	Key      string
	Attempts int64
	Share    float64
}

type asnView struct {
	ASN, Org      string
	Attempts, IPs int64
	Share         float64
}

type countryView struct {
	Code, Name    string
	Flag          template.URL
	Attempts, IPs int64
	Share         float64
}

type cityView struct {
	City, Region, Country string
	Flag                  template.URL
	Attempts, IPs         int64
}

type stateView struct {
	Code, Name string
	Attempts   int64
}

type heatRow struct {
	Day   string
	Cells []int64
}

func newView(s *knocks.Summary, d *data, opts Options) *view {
	v := &view{AnonymizedNote: report.AnonymizedNote, Title: opts.Title, S: s, Generated: s.Generated, HourCut: d.HourCut, Filter: filterText(s.Filter)}
	v.Bans, v.HasBanMap, v.Alerts = newBanView(s), d.Banned != nil, alertRows(s)
	v.Campaigns = campaignRows(s)
	safe := report.Safe
	for _, u := range s.TopValidUsers {
		v.Valid = append(v.Valid, userView{safe(u.User), u.Attempts, u.Share})
	}
	for _, u := range s.TopInvalidUsers {
		v.Invalid = append(v.Invalid, userView{safe(u.User), u.Attempts, u.Share})
	}
	for _, ip := range s.TopIPs {
		v.IPs = append(v.IPs, ipView{IP: safe(ip.IP), Flag: flagURI(ip.Country), Country: safe(ip.Country), ASN: asnText(ip.ASN), Org: safe(ip.Org),
			Attempts: ip.Attempts, Connections: ip.Connections, Share: ip.Share, First: ip.First, Last: ip.Last})
	}
	keys := func(l []knocks.KeyCount) []keyView {
		var out []keyView
		for _, k := range l {
			out = append(out, keyView{safe(k.Key), k.Attempts, k.Share})
		}
		return out
	}
	v.Subnets, v.Ports, v.Hosts = keys(s.TopSubnets), keys(s.TopPorts), keys(s.TopHosts)
	v.HasBlocked = s.Dropped > 0 || s.Lockouts > 0 || len(s.Penalties) > 0 || len(s.TopPenalised) > 0
	for _, p := range s.Penalties {
		v.Penalties = append(v.Penalties, penaltyView{safe(p.Reason), p.Drops, p.Penalties, p.Addresses})
	}
	for _, p := range s.TopPenalised {
		v.Penalised = append(v.Penalised, penalisedView{safe(p.IP), p.Drops, p.Penalties, p.First, p.Last})
	}
	for _, u := range s.TopLockedUsers {
		v.Locked = append(v.Locked, lockedView{safe(u.User), u.Lockouts})
	}
	for _, a := range s.TopASNs {
		v.ASNs = append(v.ASNs, asnView{asnText(a.ASN), safe(a.Org), a.Attempts, a.IPs, a.Share})
	}
	country := func(g knocks.GeoCount) countryView {
		return countryView{Flag: flagURI(g.Country), Code: safe(g.Country), Name: countryName(g.Country, g.Name), Attempts: g.Attempts, IPs: g.IPs, Share: g.Share}
	}
	for _, g := range s.TopCountries {
		v.TopCountries = append(v.TopCountries, country(g))
	}
	for _, g := range s.Reserved {
		v.Reserved = append(v.Reserved, country(g))
	}
	for _, g := range s.Countries {
		v.AllCountries = append(v.AllCountries, country(g))
		if _, ok := maps.Lookup(g.Country); ok {
			v.Countries++
		}
	}
	cities, _ := cityPoints(s, false, 50)
	for _, c := range cities {
		v.Cities = append(v.Cities, cityView{City: safe(c.City), Region: safe(c.Region), Country: safe(c.Country), Flag: flagURI(c.Country), Attempts: c.Attempts, IPs: c.IPs})
	}
	if d.Cities != nil {
		v.CitiesShown, v.CitiesCut = len(d.Cities.Points), d.Cities.Cut
	}
	if d.US != nil {
		names := map[string]string{}
		for _, f := range maps.USFeatures() {
			names[f.ID] = f.Name
		}
		for code, n := range USStateValues(s) {
			v.States = append(v.States, stateView{code, names[code], n})
		}
		sort.Slice(v.States, func(i, j int) bool {
			if v.States[i].Attempts != v.States[j].Attempts {
				return v.States[i].Attempts > v.States[j].Attempts
			}
			return v.States[i].Code < v.States[j].Code
		})
		v.USBins = d.US.Bins
	}
	for row, wd := range weekdays {
		r := heatRow{Day: wd.String()[:3]}
		for h := 0; h < 24; h++ {
			r.Cells = append(r.Cells, s.HourWeekday[wd][h])
		}
		_ = row
		v.Heat = append(v.Heat, r)
	}
	if d.World != nil {
		v.Bins = d.World.Bins
	}
	v.HasTime = len(d.Day) > 0 || len(d.Hour) > 0
	v.HasCountryTime = len(d.Countries) > 0
	v.CountriesShown = min(len(d.Countries), countriesShown)
	if d.PartialDay != nil {
		v.PartialDay = d.PartialDay.Until
	}
	v.HasGeo = d.World != nil
	v.HasCities = d.Cities != nil
	v.HasUS = d.US != nil
	for _, l := range s.GeoIPSources {
		v.Sources = append(v.Sources, safe(l))
	}
	for _, l := range s.GeoIPAttributed {
		if strings.HasPrefix(strings.TrimSpace(l), "IP geolocation is nominal") {
			continue // the page says so in its own words above the list
		}
		v.Attribution = append(v.Attribution, safe(strings.TrimSpace(l)))
	}
	return v
}

// filterText describes a report's filter, "" when it filters nothing.
func filterText(f knocks.Filter) string {
	var parts []string
	if !f.Since.IsZero() {
		parts = append(parts, "since "+fmtTime(f.Since, "2006-01-02 15:04")+" UTC")
	}
	if !f.Until.IsZero() {
		parts = append(parts, "until "+fmtTime(f.Until, "2006-01-02 15:04")+" UTC")
	}
	if f.Host != "" {
		parts = append(parts, "host "+report.Safe(f.Host))
	}
	if f.Country != "" {
		parts = append(parts, "country "+report.Safe(f.Country))
	}
	if f.ASN != 0 {
		parts = append(parts, asnText(f.ASN))
	}
	if f.IP.IsValid() {
		parts = append(parts, "address "+f.IP.String())
	}
	if f.User != "" {
		parts = append(parts, "user "+report.Safe(f.User))
	}
	if f.Subnet != "" {
		parts = append(parts, "subnet "+report.Safe(f.Subnet))
	}
	return strings.Join(parts, ", ")
}

// flagURI returns the picture of the flag of a country code as a data:
// URI (knocks/data/flags), "" for a code without a flag (a reserved range).
// The URI is made of our own embedded file, never of data; the page's
// Content-Security-Policy allows images from data: only.
func flagURI(code string) template.URL {
	return template.URL(flags.DataURI(code))
}
