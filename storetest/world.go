package storetest

import (
	"fmt"
	"math"
	"math/rand"
	"net/netip"
	"sort"
	"time"

	"knocks"
)

// WorldConfig says what World makes up.
type WorldConfig struct {
	Seed        int64     // for the random source; the same seed makes the same data
	Connections int       // connections to make up
	Days        int       // length of the period; 0 means 30
	End         time.Time // end of the period (UTC); zero means 2026-03-01
	Top         int       // rows in each top list of WorldSummary; 0 means 10
	Users       []string  // extra user names, each tried by three connections (e.g. hostile ones)
	UserTries   int64     // attempts of each extra user name; 0 means 6
	ExtraCities int       // extra made-up cities, to test the caps of long lists
	NoUS        bool      // leave out the United States (no US map)
	NoGeo       bool      // no GeoIP at all: no locations
}

// City is a place attackers come from in World's data.
type City struct {
	Name, Region, Country string
	Lat, Lon              float64
}

// WorldSource is the source (database names and build dates) of the
// locations that World makes up.
const WorldSource = "geo-whois-asn-country (embedded) 2026-02-01, DB-IP City Lite 2026-02"

// WorldAttribution is the attribution line that a caller of a store's
// Summary adds for World's locations.
const WorldAttribution = "IP Geolocation by DB-IP (https://db-ip.com), CC BY 4.0"

type worldCountry struct {
	code, name string
	weight     float64
	asns       []worldASN
	cities     []City
}

type worldASN struct {
	num uint32
	org string
	v4  [2]byte // the first two octets of its addresses
}

var worldCountries = []worldCountry{
	{"CN", "China", 30, []worldASN{{4134, "Chinanet", [2]byte{61, 177}}, {4837, "CHINA UNICOM China169 Backbone", [2]byte{123, 160}}, {45090, "Shenzhen Tencent Computer Systems Company Limited", [2]byte{43, 135}}},
		[]City{{"Beijing", "BJ", "CN", 39.9, 116.4}, {"Shanghai", "SH", "CN", 31.2, 121.5}, {"Shenzhen", "GD", "CN", 22.5, 114.1}, {"Hangzhou", "ZJ", "CN", 30.3, 120.2}}},
	{"US", "United States", 18, []worldASN{{14061, "DIGITALOCEAN-ASN", [2]byte{167, 99}}, {16509, "AMAZON-02", [2]byte{3, 80}}, {396982, "GOOGLE-CLOUD-PLATFORM", [2]byte{34, 125}}},
		[]City{{"Ashburn", "VA", "US", 39.04, -77.49}, {"Clifton", "NJ", "US", 40.86, -74.16}, {"Santa Clara", "CA", "US", 37.35, -121.96}, {"Dallas", "TX", "US", 32.78, -96.8},
			{"Washington", "DC", "US", 38.9, -77.04}, {"Anchorage", "AK", "US", 61.22, -149.9}, {"Honolulu", "HI", "US", 21.31, -157.86}, {"Chicago", "IL", "US", 41.88, -87.63}, {"Seattle", "WA", "US", 47.61, -122.33}, {"Miami", "FL", "US", 25.76, -80.19}}},
	{"RU", "Russia", 8, []worldASN{{12389, "Rostelecom", [2]byte{95, 165}}, {49505, "OOO Network of data-centers Selectel", [2]byte{45, 67}}},
		[]City{{"Moscow", "MOW", "RU", 55.75, 37.62}, {"Saint Petersburg", "SPE", "RU", 59.94, 30.31}, {"Vladivostok", "PRI", "RU", 43.12, 131.89}, {"Anadyr", "CHU", "RU", 64.73, 177.5}}},
	{"DE", "Germany", 5, []worldASN{{24940, "Hetzner Online GmbH", [2]byte{88, 99}}, {51167, "Contabo GmbH", [2]byte{62, 171}}},
		[]City{{"Falkenstein", "SN", "DE", 50.48, 12.37}, {"Nuremberg", "BY", "DE", 49.45, 11.08}, {"Frankfurt am Main", "HE", "DE", 50.11, 8.68}}},
	{"NL", "Netherlands", 4, []worldASN{{14061, "DIGITALOCEAN-ASN", [2]byte{146, 190}}, {206264, "Amarutu Technology Ltd", [2]byte{80, 94}}},
		[]City{{"Amsterdam", "NH", "NL", 52.37, 4.9}}},
	{"SG", "Singapore", 4, []worldASN{{14061, "DIGITALOCEAN-ASN", [2]byte{159, 89}}, {45102, "Alibaba US Technology Co., Ltd.", [2]byte{8, 219}}},
		[]City{{"Singapore", "", "SG", 1.29, 103.85}}},
	{"KR", "South Korea", 3, []worldASN{{4766, "Korea Telecom", [2]byte{121, 160}}}, []City{{"Seoul", "11", "KR", 37.57, 126.98}}},
	{"IN", "India", 4, []worldASN{{9829, "National Internet Backbone", [2]byte{117, 200}}, {14061, "DIGITALOCEAN-ASN", [2]byte{139, 59}}},
		[]City{{"Bengaluru", "KA", "IN", 12.97, 77.59}, {"Mumbai", "MH", "IN", 19.08, 72.88}}},
	{"BR", "Brazil", 3, []worldASN{{28573, "Claro NXT Telecomunicacoes Ltda", [2]byte{177, 36}}}, []City{{"São Paulo", "SP", "BR", -23.55, -46.63}}},
	{"VN", "Vietnam", 3, []worldASN{{7552, "Viettel Group", [2]byte{27, 72}}}, []City{{"Hanoi", "HN", "VN", 21.03, 105.85}, {"Ho Chi Minh City", "SG", "VN", 10.82, 106.63}}},
	{"HK", "Hong Kong", 2, []worldASN{{4760, "HKT Limited", [2]byte{112, 118}}}, []City{{"Hong Kong", "", "HK", 22.32, 114.17}}},
	{"FR", "France", 2, []worldASN{{16276, "OVH SAS", [2]byte{51, 178}}}, []City{{"Roubaix", "HDF", "FR", 50.69, 3.18}, {"Paris", "IDF", "FR", 48.86, 2.35}}},
	{"GB", "United Kingdom", 1.5, []worldASN{{20473, "AS-CHOOPA", [2]byte{45, 77}}}, []City{{"London", "ENG", "GB", 51.51, -0.13}}},
	{"ID", "Indonesia", 1.5, []worldASN{{7713, "PT Telekomunikasi Indonesia", [2]byte{36, 66}}}, []City{{"Jakarta", "JK", "ID", -6.21, 106.85}}},
	{"IR", "Iran", 1, []worldASN{{58224, "Iran Telecommunication Company PJS", [2]byte{5, 160}}}, []City{{"Tehran", "23", "IR", 35.69, 51.39}}},
	{"TW", "Taiwan", 1, []worldASN{{3462, "Data Communication Business Group", [2]byte{1, 34}}}, []City{{"Taipei", "TPE", "TW", 25.03, 121.57}}},
	{"AR", "Argentina", 0.8, []worldASN{{7303, "Telecom Argentina S.A.", [2]byte{181, 46}}}, []City{{"Buenos Aires", "C", "AR", -34.6, -58.38}}},
	{"ZA", "South Africa", 0.6, []worldASN{{37153, "xneelo", [2]byte{197, 221}}}, []City{{"Johannesburg", "GT", "ZA", -26.2, 28.05}}},
	{"AU", "Australia", 0.6, []worldASN{{1221, "Telstra Corporation Ltd", [2]byte{1, 120}}}, []City{{"Sydney", "NSW", "AU", -33.87, 151.21}}},
	{"FJ", "Fiji", 0.2, []worldASN{{38442, "Telecom Fiji Ltd", [2]byte{202, 62}}}, []City{{"Suva", "C", "FJ", -18.14, 178.44}}},
	{"CA", "Canada", 0.8, []worldASN{{16276, "OVH SAS", [2]byte{142, 44}}}, []City{{"Beauharnois", "QC", "CA", 45.31, -73.87}}},
	{"UA", "Ukraine", 0.7, []worldASN{{15895, "Kyivstar PJSC", [2]byte{46, 211}}}, []City{{"Kyiv", "30", "UA", 50.45, 30.52}}},
	{"TR", "Türkiye", 0.6, []worldASN{{9121, "Turk Telekomunikasyon Anonim Sirketi", [2]byte{88, 255}}}, []City{{"Istanbul", "34", "TR", 41.01, 28.98}}},
	{"MX", "Mexico", 0.4, []worldASN{{8151, "UNINET", [2]byte{187, 189}}}, []City{{"Mexico City", "CMX", "MX", 19.43, -99.13}}},
	{"EG", "Egypt", 0.3, []worldASN{{8452, "TE Data", [2]byte{41, 33}}}, []City{{"Cairo", "C", "EG", 30.04, 31.24}}},
	{"NG", "Nigeria", 0.2, []worldASN{{29465, "MTN NIGERIA Communication limited", [2]byte{105, 112}}}, []City{{"Lagos", "LA", "NG", 6.52, 3.38}}},
	{"CL", "Chile", 0.2, []worldASN{{7418, "TELEFONICA CHILE S.A.", [2]byte{190, 98}}}, []City{{"Santiago", "RM", "CL", -33.45, -70.67}}},
	{"NZ", "New Zealand", 0.1, []worldASN{{9500, "One New Zealand Group Limited", [2]byte{49, 224}}}, []City{{"Auckland", "AUK", "NZ", -36.85, 174.76}}},
	{"BH", "Bahrain", 0.1, []worldASN{{5416, "Beyon B.S.C.", [2]byte{37, 131}}}, []City{{"Manama", "13", "BH", 26.23, 50.59}}},
	{"XK", "Kosovo", 0.1, []worldASN{{21246, "IPKO Telecommunications LLC", [2]byte{46, 99}}}, []City{{"Pristina", "", "XK", 42.67, 21.17}}},
	{"private", "Private network", 0.3, nil, nil},
}

var (
	worldUsers = []string{"root", "admin", "test", "user", "ubuntu", "oracle", "postgres", "git", "guest", "support",
		"ftpuser", "deploy", "pi", "hadoop", "mysql", "jenkins", "www-data", "nagios", "debian", "centos",
		"administrator", "dev", "steam", "minecraft", "ansible", "docker", "es", "tomcat", "sa", "345gs5662d34"}
	worldValid = map[string]bool{"root": true, "git": true, "postgres": true, "www-data": true}
)

// World returns a store content for the tests of the picture outputs
// (charts, htmlreport): attackers spread over countries, cities, networks,
// user names and time the way real sshd logs show them, as connections of
// host "gateway" with the locations of their addresses. A few attackers
// are busy campaigns on a few days; most attempts come in the European
// evening and on weekdays; one attacker in 17 uses IPv6; a few addresses
// are in a private range. Connections are password guessing (one to three
// Failed lines, sometimes six, after "Invalid user" for a name that is not
// an account), scans, and logins of "deploy".
func World(cfg WorldConfig) Data {
	if cfg.End.IsZero() {
		cfg.End = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	}
	if cfg.Days <= 0 {
		cfg.Days = 30
	}
	r := rand.New(rand.NewSource(cfg.Seed))
	start := cfg.End.Add(-time.Duration(cfg.Days) * 24 * time.Hour)
	cs := worldCountries
	if cfg.NoUS {
		cs = nil
		for _, c := range worldCountries {
			if c.code != "US" {
				cs = append(cs, c)
			}
		}
	}
	total := 0.0
	for _, c := range cs {
		total += c.weight
	}
	pick := func() *worldCountry {
		v := r.Float64() * total
		for i := range cs {
			v -= cs[i].weight
			if v < 0 {
				return &cs[i]
			}
		}
		return &cs[len(cs)-1]
	}

	// Attackers: each an address in a country with a Zipf-like activity.
	type attacker struct {
		ip       netip.Addr
		c        *worldCountry
		a        worldASN
		city     *City
		weight   float64
		campaign time.Time
	}
	attackers := make([]attacker, cfg.Connections/20+5)
	var extra []City
	for i := 0; i < cfg.ExtraCities; i++ {
		c := &cs[i%len(cs)]
		if c.code == "private" {
			continue
		}
		extra = append(extra, City{Name: fmt.Sprintf("Town %d", i), Country: c.code,
			Lat: c.cities[0].Lat + r.NormFloat64()*2, Lon: c.cities[0].Lon + r.NormFloat64()*2})
	}
	aTotal := 0.0
	for i := range attackers {
		a := &attackers[i]
		a.c = pick()
		a.weight = 1 / math.Pow(float64(i+1), 0.9)
		aTotal += a.weight
		if a.c.code == "private" {
			a.ip = netip.AddrFrom4([4]byte{192, 168, byte(r.Intn(4)), byte(1 + r.Intn(250))})
			continue
		}
		a.a = a.c.asns[r.Intn(len(a.c.asns))]
		if i%17 == 3 {
			var b [16]byte
			b[0], b[1], b[2], b[3] = 0x24, 0x0e, a.a.v4[0], byte(r.Intn(4))
			b[15] = byte(r.Intn(256))
			a.ip = netip.AddrFrom16(b)
		} else {
			a.ip = netip.AddrFrom4([4]byte{a.a.v4[0], a.a.v4[1], byte(r.Intn(8)), byte(1 + r.Intn(254))})
		}
		if len(extra) > 0 && r.Intn(3) == 0 {
			a.city = &extra[r.Intn(len(extra))]
			for a.city.Country != a.c.code {
				a.city = &extra[r.Intn(len(extra))]
			}
		} else if r.Intn(10) != 0 {
			a.city = &a.c.cities[r.Intn(len(a.c.cities))]
		}
		if i < 5 {
			a.campaign = start.Add(time.Duration(r.Intn(cfg.Days*24)) * time.Hour)
		}
	}
	// Two attackers drawn at random can share an address: the first one's
	// place is where the address is.
	d := Data{Locations: map[netip.Addr]Located{}}
	for _, a := range attackers {
		if _, ok := d.Locations[a.ip]; ok || cfg.NoGeo {
			continue
		}
		l := knocks.Location{Reserved: a.c.code}
		if a.c.code != "private" {
			l = knocks.Location{Country: a.c.code, CountryName: a.c.name, ASN: a.a.num, Org: a.a.org}
			if a.city != nil {
				l.City, l.Region, l.Lat, l.Lon, l.HasCoords = a.city.Name, a.city.Region, a.city.Lat, a.city.Lon, true
			}
		}
		d.Locations[a.ip] = Located{l, WorldSource}
	}

	cum := make([]float64, len(attackers)) // cumulative weights, to pick by binary search
	acc := 0.0
	for i, a := range attackers {
		acc += a.weight
		cum[i] = acc
	}
	lines := map[time.Time]int64{}
	pid := 1000
	add := func(c *knocks.Connection, n int64) {
		pid++
		c.Host, c.PID = "gateway", pid
		if c.End.IsZero() {
			c.End = c.Start
		}
		d.Connections = append(d.Connections, c)
		// What sshd logs besides the counted lines: "Connection from",
		// a PAM session or a disconnect.
		n += 1
		lines[c.Start.Truncate(time.Hour)] += n
		d.LinesRead += n
	}
	for n := 0; n < cfg.Connections; n++ {
		v := r.Float64() * aTotal
		a := &attackers[min(sort.SearchFloat64s(cum, v), len(attackers)-1)]
		var t time.Time
		if !a.campaign.IsZero() {
			t = a.campaign.Add(time.Duration(r.Int63n(int64(36 * time.Hour))))
		} else {
			// Busier in the European evening and on weekdays.
			day := r.Intn(cfg.Days)
			hour := int(math.Mod(18+r.NormFloat64()*6+24, 24))
			t = start.Add(time.Duration(day)*24*time.Hour + time.Duration(hour)*time.Hour + time.Duration(r.Intn(3600))*time.Second)
			if t.Weekday() == time.Saturday && r.Intn(3) == 0 {
				t = t.Add(48 * time.Hour)
			}
		}
		if !t.Before(cfg.End) {
			t = cfg.End.Add(-time.Duration(1+r.Intn(3600)) * time.Second)
		}
		t = t.Truncate(time.Second)
		c := &knocks.Connection{Start: t, IP: a.ip, Port: 1024 + r.Intn(64000)}
		if r.Intn(50) == 0 {
			c.Port = []int{22, 2222, 54321, 65535}[r.Intn(4)]
		}
		switch k := r.Intn(100); {
		case k < 12: // a scan: "Did not receive identification string"
			c.ScanLines = 1
		case k == 12: // a login
			c.User, c.HasUser, c.Method, c.Logins = "deploy", true, "publickey", 1
			c.ScanLines = 1 // "Disconnected from user deploy IP port P"
		default: // password guessing
			u := worldUsers[int(math.Min(float64(len(worldUsers)-1), math.Abs(r.NormFloat64()*7)))]
			if r.Intn(6) == 0 {
				u = fmt.Sprintf("%s%d", u, r.Intn(100))
			}
			c.User, c.HasUser, c.Invalid, c.Method = u, true, !worldValid[u], "password"
			c.Failed = 1 + int64(r.Intn(3))
			if r.Intn(8) == 0 {
				c.Failed = 6
			}
			c.FailureLines = c.Failed + 1 // "Invalid user" or "Connection closed by authenticating user"
			c.End = c.Start.Add(time.Duration(c.Failed) * time.Second)
			if !c.End.Before(cfg.End) {
				c.End = c.Start
			}
		}
		add(c, c.FailureLines+c.ScanLines+c.Logins)
	}
	tries := cfg.UserTries
	if tries <= 0 {
		tries = 6
	}
	for i, u := range cfg.Users {
		// Three connections from different attackers share the tries.
		for k := int64(0); k < 3; k++ {
			a := &attackers[(i*7+int(k))%len(attackers)]
			n := tries / 3
			if k == 0 {
				n += tries % 3
			}
			c := &knocks.Connection{Start: start.Add(time.Duration(i*13+int(k)) * time.Hour), IP: a.ip, Port: 40000 + int(k),
				User: u, HasUser: true, Invalid: true, Method: "password", Failed: n, FailureLines: n + 1}
			add(c, c.FailureLines)
		}
	}
	sort.SliceStable(d.Connections, func(i, j int) bool { return d.Connections[i].Start.Before(d.Connections[j].Start) })
	for h, n := range lines {
		d.Lines = append(d.Lines, knocks.LineCount{Host: "gateway", Hour: h, Lines: n})
	}
	sort.Slice(d.Lines, func(i, j int) bool { return d.Lines[i].Hour.Before(d.Lines[j].Hour) })
	return d
}

// WorldSummary returns the summary of World's data without a filter, as
// the reference model (Expected) computes it and a conforming store
// returns it, with the Generated time (the end of the period) and the
// GeoIP attribution that the caller of a store's Summary adds.
func WorldSummary(cfg WorldConfig) *knocks.Summary {
	s := Expected(World(cfg), knocks.Filter{Top: cfg.Top})
	s.Generated = cfg.End
	if s.Generated.IsZero() {
		s.Generated = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	}
	if len(s.GeoIPSources) > 0 {
		s.GeoIPAttributed = []string{WorldAttribution}
	}
	return s
}
