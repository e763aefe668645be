// Package chartstest builds realistic knocks.Summary values for the tests
// of the picture outputs (knocks/charts and knocks/htmlreport): it makes up
// connections of attackers spread over countries, cities, networks, user
// names and time the way real sshd logs show them, and aggregates them the
// way the store does, so that tests derive their expectations from data
// rather than from hard-coded numbers.
package chartstest

import (
	"fmt"
	"math"
	"math/rand"
	"net/netip"
	"sort"
	"time"

	"knocks"
)

// Config says what to make.
type Config struct {
	Seed        int64     // for the random source; the same seed makes the same summary
	Connections int       // connections to make up
	Days        int       // length of the period
	End         time.Time // end of the period (UTC); zero means 2026-03-01
	Top         int       // rows in each top list; 0 means 10
	Users       []string  // extra user names, each tried by a few connections (e.g. hostile ones)
	UserTries   int64     // attempts of each extra user name; 0 means 6
	ExtraCities int       // extra made-up cities, to test the caps of long lists
	NoUS        bool      // leave out the United States (no US map)
	NoGeo       bool      // no GeoIP at all: no countries, cities or ASNs
}

// Conn is one made-up connection.
type Conn struct {
	Time     time.Time
	IP       netip.Addr
	Port     int
	User     string
	Valid    bool
	Attempts int64 // 0 for a scan
	Login    bool
	Country  string // alpha-2 or a reserved label
	City     *City
	ASN      uint32
	Org      string
}

// City is a place attackers come from.
type City struct {
	Name, Region, Country string
	Lat, Lon              float64
}

type country struct {
	code, name string
	weight     float64
	asns       []asn
	cities     []City
}

type asn struct {
	num uint32
	org string
	v4  [2]byte // the first two octets of its addresses
}

var countries = []country{
	{"CN", "China", 30, []asn{{4134, "Chinanet", [2]byte{61, 177}}, {4837, "CHINA UNICOM China169 Backbone", [2]byte{123, 160}}, {45090, "Shenzhen Tencent Computer Systems Company Limited", [2]byte{43, 135}}},
		[]City{{"Beijing", "BJ", "CN", 39.9, 116.4}, {"Shanghai", "SH", "CN", 31.2, 121.5}, {"Shenzhen", "GD", "CN", 22.5, 114.1}, {"Hangzhou", "ZJ", "CN", 30.3, 120.2}}},
	{"US", "United States", 18, []asn{{14061, "DIGITALOCEAN-ASN", [2]byte{167, 99}}, {16509, "AMAZON-02", [2]byte{3, 80}}, {396982, "GOOGLE-CLOUD-PLATFORM", [2]byte{34, 125}}},
		[]City{{"Ashburn", "VA", "US", 39.04, -77.49}, {"Clifton", "NJ", "US", 40.86, -74.16}, {"Santa Clara", "CA", "US", 37.35, -121.96}, {"Dallas", "TX", "US", 32.78, -96.8},
			{"Washington", "DC", "US", 38.9, -77.04}, {"Anchorage", "AK", "US", 61.22, -149.9}, {"Honolulu", "HI", "US", 21.31, -157.86}, {"Chicago", "IL", "US", 41.88, -87.63}, {"Seattle", "WA", "US", 47.61, -122.33}, {"Miami", "FL", "US", 25.76, -80.19}}},
	{"RU", "Russia", 8, []asn{{12389, "Rostelecom", [2]byte{95, 165}}, {49505, "OOO Network of data-centers Selectel", [2]byte{45, 67}}},
		[]City{{"Moscow", "MOW", "RU", 55.75, 37.62}, {"Saint Petersburg", "SPE", "RU", 59.94, 30.31}, {"Vladivostok", "PRI", "RU", 43.12, 131.89}, {"Anadyr", "CHU", "RU", 64.73, 177.5}}},
	{"DE", "Germany", 5, []asn{{24940, "Hetzner Online GmbH", [2]byte{88, 99}}, {51167, "Contabo GmbH", [2]byte{62, 171}}},
		[]City{{"Falkenstein", "SN", "DE", 50.48, 12.37}, {"Nuremberg", "BY", "DE", 49.45, 11.08}, {"Frankfurt am Main", "HE", "DE", 50.11, 8.68}}},
	{"NL", "Netherlands", 4, []asn{{14061, "DIGITALOCEAN-ASN", [2]byte{146, 190}}, {206264, "Amarutu Technology Ltd", [2]byte{80, 94}}},
		[]City{{"Amsterdam", "NH", "NL", 52.37, 4.9}}},
	{"SG", "Singapore", 4, []asn{{14061, "DIGITALOCEAN-ASN", [2]byte{159, 89}}, {45102, "Alibaba US Technology Co., Ltd.", [2]byte{8, 219}}},
		[]City{{"Singapore", "", "SG", 1.29, 103.85}}},
	{"KR", "South Korea", 3, []asn{{4766, "Korea Telecom", [2]byte{121, 160}}}, []City{{"Seoul", "11", "KR", 37.57, 126.98}}},
	{"IN", "India", 4, []asn{{9829, "National Internet Backbone", [2]byte{117, 200}}, {14061, "DIGITALOCEAN-ASN", [2]byte{139, 59}}},
		[]City{{"Bengaluru", "KA", "IN", 12.97, 77.59}, {"Mumbai", "MH", "IN", 19.08, 72.88}}},
	{"BR", "Brazil", 3, []asn{{28573, "Claro NXT Telecomunicacoes Ltda", [2]byte{177, 36}}}, []City{{"São Paulo", "SP", "BR", -23.55, -46.63}}},
	{"VN", "Vietnam", 3, []asn{{7552, "Viettel Group", [2]byte{27, 72}}}, []City{{"Hanoi", "HN", "VN", 21.03, 105.85}, {"Ho Chi Minh City", "SG", "VN", 10.82, 106.63}}},
	{"HK", "Hong Kong", 2, []asn{{4760, "HKT Limited", [2]byte{112, 118}}}, []City{{"Hong Kong", "", "HK", 22.32, 114.17}}},
	{"FR", "France", 2, []asn{{16276, "OVH SAS", [2]byte{51, 178}}}, []City{{"Roubaix", "HDF", "FR", 50.69, 3.18}, {"Paris", "IDF", "FR", 48.86, 2.35}}},
	{"GB", "United Kingdom", 1.5, []asn{{20473, "AS-CHOOPA", [2]byte{45, 77}}}, []City{{"London", "ENG", "GB", 51.51, -0.13}}},
	{"ID", "Indonesia", 1.5, []asn{{7713, "PT Telekomunikasi Indonesia", [2]byte{36, 66}}}, []City{{"Jakarta", "JK", "ID", -6.21, 106.85}}},
	{"IR", "Iran", 1, []asn{{58224, "Iran Telecommunication Company PJS", [2]byte{5, 160}}}, []City{{"Tehran", "23", "IR", 35.69, 51.39}}},
	{"TW", "Taiwan", 1, []asn{{3462, "Data Communication Business Group", [2]byte{1, 34}}}, []City{{"Taipei", "TPE", "TW", 25.03, 121.57}}},
	{"AR", "Argentina", 0.8, []asn{{7303, "Telecom Argentina S.A.", [2]byte{181, 46}}}, []City{{"Buenos Aires", "C", "AR", -34.6, -58.38}}},
	{"ZA", "South Africa", 0.6, []asn{{37153, "xneelo", [2]byte{197, 221}}}, []City{{"Johannesburg", "GT", "ZA", -26.2, 28.05}}},
	{"AU", "Australia", 0.6, []asn{{1221, "Telstra Corporation Ltd", [2]byte{1, 120}}}, []City{{"Sydney", "NSW", "AU", -33.87, 151.21}}},
	{"FJ", "Fiji", 0.2, []asn{{38442, "Telecom Fiji Ltd", [2]byte{202, 62}}}, []City{{"Suva", "C", "FJ", -18.14, 178.44}}},
	{"CA", "Canada", 0.8, []asn{{16276, "OVH SAS", [2]byte{142, 44}}}, []City{{"Beauharnois", "QC", "CA", 45.31, -73.87}}},
	{"UA", "Ukraine", 0.7, []asn{{15895, "Kyivstar PJSC", [2]byte{46, 211}}}, []City{{"Kyiv", "30", "UA", 50.45, 30.52}}},
	{"TR", "Türkiye", 0.6, []asn{{9121, "Turk Telekomunikasyon Anonim Sirketi", [2]byte{88, 255}}}, []City{{"Istanbul", "34", "TR", 41.01, 28.98}}},
	{"MX", "Mexico", 0.4, []asn{{8151, "UNINET", [2]byte{187, 189}}}, []City{{"Mexico City", "CMX", "MX", 19.43, -99.13}}},
	{"EG", "Egypt", 0.3, []asn{{8452, "TE Data", [2]byte{41, 33}}}, []City{{"Cairo", "C", "EG", 30.04, 31.24}}},
	{"NG", "Nigeria", 0.2, []asn{{29465, "MTN NIGERIA Communication limited", [2]byte{105, 112}}}, []City{{"Lagos", "LA", "NG", 6.52, 3.38}}},
	{"CL", "Chile", 0.2, []asn{{7418, "TELEFONICA CHILE S.A.", [2]byte{190, 98}}}, []City{{"Santiago", "RM", "CL", -33.45, -70.67}}},
	{"NZ", "New Zealand", 0.1, []asn{{9500, "One New Zealand Group Limited", [2]byte{49, 224}}}, []City{{"Auckland", "AUK", "NZ", -36.85, 174.76}}},
	{"BH", "Bahrain", 0.1, []asn{{5416, "Beyon B.S.C.", [2]byte{37, 131}}}, []City{{"Manama", "13", "BH", 26.23, 50.59}}},
	{"XK", "Kosovo", 0.1, []asn{{21246, "IPKO Telecommunications LLC", [2]byte{46, 99}}}, []City{{"Pristina", "", "XK", 42.67, 21.17}}},
	{"private", "Private network", 0.3, nil, nil},
}

var (
	commonUsers = []string{"root", "admin", "test", "user", "ubuntu", "oracle", "postgres", "git", "guest", "support",
		"ftpuser", "deploy", "pi", "hadoop", "mysql", "jenkins", "www-data", "nagios", "debian", "centos",
		"administrator", "dev", "steam", "minecraft", "ansible", "docker", "es", "tomcat", "sa", "345gs5662d34"}
	validUsers = map[string]bool{"root": true, "git": true, "postgres": true, "www-data": true}
)

// Make returns the made-up connections of a config.
func Make(cfg Config) []Conn {
	if cfg.End.IsZero() {
		cfg.End = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	}
	if cfg.Days <= 0 {
		cfg.Days = 30
	}
	r := rand.New(rand.NewSource(cfg.Seed))
	start := cfg.End.Add(-time.Duration(cfg.Days) * 24 * time.Hour)
	cs := countries
	if cfg.NoUS {
		cs = nil
		for _, c := range countries {
			if c.code != "US" {
				cs = append(cs, c)
			}
		}
	}
	total := 0.0
	for _, c := range cs {
		total += c.weight
	}
	pick := func() *country {
		v := r.Float64() * total
		for i := range cs {
			v -= cs[i].weight
			if v < 0 {
				return &cs[i]
			}
		}
		return &cs[len(cs)-1]
	}

	// Attackers: each an address in a country with a Zipf-like activity;
	// a few of them are busy campaigns on a few days.
	type attacker struct {
		ip       netip.Addr
		c        *country
		a        asn
		city     *City
		weight   float64
		campaign time.Time
		ipv6     bool
	}
	nAttackers := cfg.Connections/20 + 5
	attackers := make([]attacker, nAttackers)
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
			a.ipv6 = true
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

	cum := make([]float64, len(attackers)) // cumulative weights, to pick by binary search
	acc := 0.0
	for i, a := range attackers {
		acc += a.weight
		cum[i] = acc
	}
	conns := make([]Conn, 0, cfg.Connections)
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
		c := Conn{Time: t, IP: a.ip, Port: 1024 + r.Intn(64000), Country: a.c.code, City: a.city, ASN: a.a.num, Org: a.a.org}
		if r.Intn(50) == 0 {
			c.Port = []int{22, 2222, 54321, 65535}[r.Intn(4)]
		}
		switch k := r.Intn(100); {
		case k < 12:
			// a scan: no user, no attempt
		case k == 12:
			c.User, c.Valid, c.Login = "deploy", true, true
		default:
			u := commonUsers[int(math.Min(float64(len(commonUsers)-1), math.Abs(r.NormFloat64()*7)))]
			if r.Intn(6) == 0 {
				u = fmt.Sprintf("%s%d", u, r.Intn(100))
			}
			c.User, c.Valid = u, validUsers[u]
			c.Attempts = 1 + int64(r.Intn(3))
			if r.Intn(8) == 0 {
				c.Attempts = 6
			}
		}
		conns = append(conns, c)
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
			conns = append(conns, Conn{Time: start.Add(time.Duration(i*13+int(k)) * time.Hour), IP: a.ip, Port: 40000 + int(k),
				User: u, Attempts: n, Country: a.c.code, City: a.city, ASN: a.a.num, Org: a.a.org})
		}
	}
	if cfg.NoGeo {
		for i := range conns {
			conns[i].Country, conns[i].City, conns[i].ASN, conns[i].Org = "", nil, 0, ""
		}
	}
	sort.Slice(conns, func(i, j int) bool { return conns[i].Time.Before(conns[j].Time) })
	return conns
}

// Summary makes up the connections of a config and aggregates them.
func Summary(cfg Config) *knocks.Summary {
	return Aggregate(Make(cfg), cfg.Top)
}

// Aggregate computes a summary of connections the way the store does:
// attempts, connections with attempts, scans, logins, top lists of top
// rows (0 means 10), series and the per-country and per-city lists.
func Aggregate(conns []Conn, top int) *knocks.Summary {
	if top <= 0 {
		top = 10
	}
	s := &knocks.Summary{Filter: knocks.Filter{Top: top}, Generated: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	users := map[string]*knocks.UserCount{}
	ips := map[netip.Addr]*knocks.IPCount{}
	subnets := map[string]int64{}
	ports := map[string]int64{}
	type geoAgg struct {
		knocks.GeoCount
		ips map[netip.Addr]bool
	}
	geo := map[string]*geoAgg{}
	type asnAgg struct {
		knocks.ASNCount
		ips map[netip.Addr]bool
	}
	asns := map[uint32]*asnAgg{}
	type cityAgg struct {
		knocks.CityCount
		ips map[netip.Addr]bool
	}
	cities := map[City]*cityAgg{}
	perDay := map[time.Time]int64{}
	perHour := map[time.Time]int64{}
	perCountryDay := map[string]map[time.Time]int64{}
	failIPs := map[netip.Addr]bool{}

	for _, c := range conns {
		if s.First.IsZero() || c.Time.Before(s.First) {
			s.First = c.Time
		}
		if c.Time.After(s.Last) {
			s.Last = c.Time
		}
		switch {
		case c.Login:
			s.Logins++
			s.LinesRead += 4
			continue
		case c.Attempts == 0:
			s.Scans++
			s.LinesRead += 2
			s.HostileLines++
			continue
		}
		s.Attempts += c.Attempts
		s.Connections++
		s.LinesRead += c.Attempts + 3
		s.HostileLines += c.Attempts + 1
		failIPs[c.IP] = true
		u := users[c.User]
		if u == nil {
			u = &knocks.UserCount{User: c.User, Valid: c.Valid}
			users[c.User] = u
		}
		u.Attempts += c.Attempts
		ip := ips[c.IP]
		if ip == nil {
			ip = &knocks.IPCount{IP: c.IP.String(), First: c.Time, Country: c.Country, ASN: c.ASN, Org: c.Org}
			ips[c.IP] = ip
		}
		ip.Attempts += c.Attempts
		ip.Connections++
		ip.Last = c.Time
		var pfx netip.Prefix
		if c.IP.Is4() {
			pfx, _ = c.IP.Prefix(24)
		} else {
			pfx, _ = c.IP.Prefix(64)
		}
		subnets[pfx.String()] += c.Attempts
		ports[fmt.Sprint(c.Port)] += c.Attempts
		day := c.Time.Truncate(24 * time.Hour)
		perDay[day] += c.Attempts
		perHour[c.Time.Truncate(time.Hour)] += c.Attempts
		s.HourWeekday[c.Time.Weekday()][c.Time.Hour()] += c.Attempts
		if c.Country != "" {
			g := geo[c.Country]
			if g == nil {
				g = &geoAgg{GeoCount: knocks.GeoCount{Country: c.Country, Name: countryName(c.Country)}, ips: map[netip.Addr]bool{}}
				geo[c.Country] = g
			}
			g.Attempts += c.Attempts
			g.ips[c.IP] = true
			if perCountryDay[c.Country] == nil {
				perCountryDay[c.Country] = map[time.Time]int64{}
			}
			perCountryDay[c.Country][day] += c.Attempts
		}
		if c.ASN != 0 {
			a := asns[c.ASN]
			if a == nil {
				a = &asnAgg{ASNCount: knocks.ASNCount{ASN: c.ASN, Org: c.Org}, ips: map[netip.Addr]bool{}}
				asns[c.ASN] = a
			}
			a.Attempts += c.Attempts
			a.ips[c.IP] = true
		}
		if c.City != nil {
			ct := cities[*c.City]
			if ct == nil {
				ct = &cityAgg{CityCount: knocks.CityCount{City: c.City.Name, Region: c.City.Region, Country: c.City.Country, Lat: c.City.Lat, Lon: c.City.Lon}, ips: map[netip.Addr]bool{}}
				cities[*c.City] = ct
			}
			ct.Attempts += c.Attempts
			ct.ips[c.IP] = true
		}
	}
	share := func(v int64) float64 {
		if s.Attempts == 0 {
			return 0
		}
		return float64(v) / float64(s.Attempts)
	}
	s.UniqueIPs = int64(len(failIPs))
	s.UniqueUsers = int64(len(users))
	if s.LinesRead > 0 {
		lines, share := s.LinesRead, min(float64(s.HostileLines)/float64(s.LinesRead), 1)
		s.Lines, s.HostileShare = &lines, &share
	}
	for _, u := range users {
		u.Share = share(u.Attempts)
		s.TopUsers = append(s.TopUsers, *u)
		if u.Valid {
			s.TopValidUsers = append(s.TopValidUsers, *u)
		} else {
			s.TopInvalidUsers = append(s.TopInvalidUsers, *u)
		}
	}
	byUser := func(l []knocks.UserCount) []knocks.UserCount {
		sort.Slice(l, func(i, j int) bool {
			if l[i].Attempts != l[j].Attempts {
				return l[i].Attempts > l[j].Attempts
			}
			return l[i].User < l[j].User
		})
		return l[:min(top, len(l))]
	}
	s.TopUsers, s.TopValidUsers, s.TopInvalidUsers = byUser(s.TopUsers), byUser(s.TopValidUsers), byUser(s.TopInvalidUsers)
	for _, ip := range ips {
		ip.Share = share(ip.Attempts)
		s.TopIPs = append(s.TopIPs, *ip)
	}
	sort.Slice(s.TopIPs, func(i, j int) bool {
		if s.TopIPs[i].Attempts != s.TopIPs[j].Attempts {
			return s.TopIPs[i].Attempts > s.TopIPs[j].Attempts
		}
		return s.TopIPs[i].IP < s.TopIPs[j].IP
	})
	for i := 0; i < 3 && i < len(s.TopIPs); i++ {
		s.Top3Share += s.TopIPs[i].Share
	}
	s.TopIPs = s.TopIPs[:min(top, len(s.TopIPs))]
	keyed := func(m map[string]int64) []knocks.KeyCount {
		var l []knocks.KeyCount
		for k, v := range m {
			l = append(l, knocks.KeyCount{Key: k, Attempts: v, Share: share(v)})
		}
		sort.Slice(l, func(i, j int) bool {
			if l[i].Attempts != l[j].Attempts {
				return l[i].Attempts > l[j].Attempts
			}
			return l[i].Key < l[j].Key
		})
		return l[:min(top, len(l))]
	}
	s.TopSubnets = keyed(subnets)
	s.TopPorts = keyed(ports)
	if s.Attempts > 0 {
		s.TopHosts = []knocks.KeyCount{{Key: "gateway", Attempts: s.Attempts, Share: 1}}
	}
	// Reserved ranges are kept apart from the countries, as the store does.
	for _, g := range geo {
		g.IPs = int64(len(g.ips))
		g.Share = share(g.Attempts)
		if g.Country == "private" {
			g.Name = "reserved address range"
			s.Reserved = append(s.Reserved, g.GeoCount)
			continue
		}
		s.Countries = append(s.Countries, g.GeoCount)
	}
	sort.Slice(s.Countries, func(i, j int) bool {
		if s.Countries[i].Attempts != s.Countries[j].Attempts {
			return s.Countries[i].Attempts > s.Countries[j].Attempts
		}
		return s.Countries[i].Country < s.Countries[j].Country
	})
	s.TopCountries = s.Countries[:min(top, len(s.Countries))]
	for _, a := range asns {
		a.IPs = int64(len(a.ips))
		a.Share = share(a.Attempts)
		s.TopASNs = append(s.TopASNs, a.ASNCount)
	}
	sort.Slice(s.TopASNs, func(i, j int) bool {
		if s.TopASNs[i].Attempts != s.TopASNs[j].Attempts {
			return s.TopASNs[i].Attempts > s.TopASNs[j].Attempts
		}
		return s.TopASNs[i].ASN < s.TopASNs[j].ASN
	})
	s.TopASNs = s.TopASNs[:min(top, len(s.TopASNs))]
	for _, c := range cities {
		c.IPs = int64(len(c.ips))
		s.Cities = append(s.Cities, c.CityCount)
	}
	sort.Slice(s.Cities, func(i, j int) bool {
		if s.Cities[i].Attempts != s.Cities[j].Attempts {
			return s.Cities[i].Attempts > s.Cities[j].Attempts
		}
		return s.Cities[i].City+s.Cities[i].Country < s.Cities[j].City+s.Cities[j].Country
	})
	s.TopCities = s.Cities[:min(top, len(s.Cities))]
	series := func(m map[time.Time]int64, step time.Duration) []knocks.TimeCount {
		if len(m) == 0 {
			return nil
		}
		var lo, hi time.Time
		for t := range m {
			if lo.IsZero() || t.Before(lo) {
				lo = t
			}
			if t.After(hi) {
				hi = t
			}
		}
		var l []knocks.TimeCount
		for t := lo; !t.After(hi); t = t.Add(step) {
			l = append(l, knocks.TimeCount{Time: t, Attempts: m[t]})
		}
		return l
	}
	s.PerDay = series(perDay, 24*time.Hour)
	s.PerHour = series(perHour, time.Hour)
	for _, c := range s.TopCountries {
		code := c.Country
		days := make([]knocks.TimeCount, len(s.PerDay))
		for j, d := range s.PerDay {
			days[j] = knocks.TimeCount{Time: d.Time, Attempts: perCountryDay[code][d.Time]}
		}
		s.PerCountryDay = append(s.PerCountryDay, knocks.SeriesDay{Country: code, Days: days})
	}
	if len(geo) > 0 {
		s.GeoIPSources = []string{"geo-whois-asn-country (embedded) 2026-02-01", "DB-IP City Lite 2026-02"}
		s.GeoIPAttributed = []string{"IP Geolocation by DB-IP (https://db-ip.com), CC BY 4.0"}
	}
	return s
}

func countryName(code string) string {
	for _, c := range countries {
		if c.code == code {
			return c.name
		}
	}
	return code
}
