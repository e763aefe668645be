package storetest

import (
	"math"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"knocks"
)

// ReservedName is the Name of a knocks.GeoCount whose Country is the label
// of a reserved address range ("private", "loopback", ...): such addresses
// are never given a country. They are grouped under their label in
// TopCountries and left out of Countries (which is for maps).
const ReservedName = "reserved address range"

// MaxDense is the most buckets that PerDay and PerHour are filled in with
// zero buckets from the first bucket with attempts to the last; a longer
// series lists only the buckets with attempts.
const MaxDense = 100_000

// Located is a stored location with the source it was looked up in.
type Located struct {
	knocks.Location
	Source string
}

// Data is what a store holds, as the reference model sees it.
type Data struct {
	Connections []*knocks.Connection
	Fail2ban    []knocks.Fail2banEvent
	Penalties   []knocks.PenaltyEvent
	Locations   map[netip.Addr]Located
	LinesRead   int64 // the sum of the lines of every checkpoint
	// Lines are the line counts written with the batches, per host and
	// hour; a zero Hour counts lines in no hour.
	Lines []knocks.LineCount
}

// expectedLines is what a store answers for the lines of a filter's time
// and host: all lines without a filter; unknown (nil) with a filter by
// address (Filter.ByAddress), or when some lines are in no hour; else the
// counts of the host's hours, those that the range covers in part counted
// in proportion.
func expectedLines(d Data, f knocks.Filter) *int64 {
	if f == (knocks.Filter{Top: f.Top}) {
		n := d.LinesRead
		return &n
	}
	if f.ByAddress() {
		return nil
	}
	var sum float64
	for _, l := range d.Lines {
		if l.Hour.IsZero() {
			if l.Lines > 0 {
				return nil
			}
			continue
		}
		if f.Host != "" && l.Host != f.Host {
			continue
		}
		start, end := l.Hour, l.Hour.Add(time.Hour)
		if !f.Since.IsZero() && f.Since.After(start) {
			start = f.Since
		}
		if !f.Until.IsZero() && f.Until.Before(end) {
			end = f.Until
		}
		if end.After(start) {
			sum += float64(l.Lines) * end.Sub(start).Hours()
		}
	}
	n := int64(math.Round(sum))
	return &n
}

// Expected computes the Summary that a conforming store returns for data
// and filter, in plain Go, field by field from the counting methods of
// knocks.Connection. It leaves Generated and GeoIPAttributed zero. The
// rules (the contract of Summary) are:
//
//   - A filter selects connections by start time (Since ≤ start < Until),
//     host, the country (or reserved label) or AS of their address, and
//     for a drill-down the address, the user name or the subnet (/24,
//     /64). Fail2ban events are selected by time, address and host (the
//     host that banned); none when User or Subnet is set (fail2ban.log
//     names no user, and their subnets are not stored).
//   - Attempts, Connections, Scans, Logins and HostileLines add up the
//     selected connections by knocks.Connection's rules; UniqueIPs,
//     UniqueHosts and UniqueUsers count the distinct addresses, the
//     distinct host names of connections without an address, and the user
//     names of failure connections.
//   - First and Last are the first start and last end of the selected
//     connections that hold at least one event, widened by the selected
//     fail2ban events.
//   - Top lists are ordered by attempts (descending), then by key
//     (ascending; users valid first, ports and ASNs by number), cut at
//     Top (default 10); a share is a fraction of Attempts. Users are
//     grouped by name and validity. Top IPs count every selected
//     connection of the address for First/Last and only failure
//     connections for Connections. Keys that are absent (no user, no
//     port, no host, no subnet) are left out of their list.
//   - Subnets are the /24 of IPv4 and the /64 of IPv6 addresses
//     (TopSubnets) and the /48 of IPv6 addresses (TopSubnets48; IPv4 and
//     IPv4-mapped addresses are in none). TopPrefixes groups by the
//     announced prefix of the stored location, as stored; addresses
//     without a location, without a prefix or in a reserved range are
//     left out.
//   - PerHour and PerDay count attempts by UTC start hour/day, filled in
//     with zeros between the first and the last bucket (see MaxDense);
//     PerCountryDay has the top countries over the days of PerDay.
//   - Geo lists count the attempts and distinct addresses of located
//     addresses with attempts; GeoIPSources lists the sources of their
//     locations, sorted.
func Expected(d Data, f knocks.Filter) *knocks.Summary {
	top := f.Top
	if top <= 0 {
		top = 10
	}
	f.Top = top
	s := &knocks.Summary{Filter: f, LinesRead: d.LinesRead}
	sel, loc, geoMatch := selected(d, f)

	ips, hosts, users := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, c := range sel {
		s.Attempts += c.Attempts()
		s.Logins += c.Logins
		s.HostileLines += c.HostileLines()
		if c.IsFailure() {
			s.Connections++
			if c.IP.IsValid() {
				ips[source(c)] = true
			} else if c.RHost != "" {
				hosts[c.RHost] = true
			}
			if c.HasUser {
				users[user(c)] = true
			}
		}
		if c.IsScan() {
			s.Scans++
		}
		if c.HasEvent() {
			widen(s, sec(c.Start), sec(c.End))
		}
	}
	s.UniqueIPs, s.UniqueHosts, s.UniqueUsers = int64(len(ips)), int64(len(hosts)), int64(len(users))
	for _, e := range d.Fail2ban {
		t := e.Time.Unix()
		if !f.Since.IsZero() && t < f.Since.Unix() || !f.Until.IsZero() && t >= f.Until.Unix() || !geoMatch(e.IP) ||
			f.Host != "" && e.Host != f.Host {
			continue
		}
		if f.IP.IsValid() && e.IP.Unmap() != f.IP.Unmap() || f.User != "" || f.Subnet != "" {
			continue
		}
		widen(s, sec(e.Time), sec(e.Time))
	}
	if s.Lines = expectedLines(d, f); s.Lines != nil && *s.Lines > 0 {
		v := math.Min(share(s.HostileLines, *s.Lines), 1)
		s.HostileShare = &v
	}
	expectedPenalties(s, d.Penalties, f, geoMatch, top)

	// Users.
	type userKey struct {
		user    string
		invalid bool
	}
	ua := map[userKey]int64{}
	for _, c := range sel {
		if c.Attempts() > 0 && c.HasUser {
			ua[userKey{user(c), c.Invalid}] += c.Attempts()
		}
	}
	var ul []knocks.UserCount
	for k, n := range ua {
		ul = append(ul, knocks.UserCount{User: k.user, Attempts: n, Valid: !k.invalid, Share: share(n, s.Attempts)})
	}
	sort.Slice(ul, func(i, j int) bool {
		a, b := ul[i], ul[j]
		if a.Attempts != b.Attempts {
			return a.Attempts > b.Attempts
		}
		if a.User != b.User {
			return a.User < b.User
		}
		return a.Valid && !b.Valid
	})
	s.TopUsers, s.TopValidUsers, s.TopInvalidUsers = []knocks.UserCount{}, []knocks.UserCount{}, []knocks.UserCount{}
	for _, u := range ul {
		if len(s.TopUsers) < top {
			s.TopUsers = append(s.TopUsers, u)
		}
		if u.Valid && len(s.TopValidUsers) < top {
			s.TopValidUsers = append(s.TopValidUsers, u)
		}
		if !u.Valid && len(s.TopInvalidUsers) < top {
			s.TopInvalidUsers = append(s.TopInvalidUsers, u)
		}
	}

	// IPs.
	ipc := map[string]*knocks.IPCount{}
	ipAddr := map[string]netip.Addr{}
	for _, c := range sel {
		src := source(c)
		if src == "" {
			continue
		}
		x := ipc[src]
		if x == nil {
			x = &knocks.IPCount{IP: src, First: sec(c.Start), Last: sec(c.End)}
			ipc[src] = x
			if c.IP.IsValid() {
				ipAddr[src] = c.IP.Unmap()
			}
		}
		x.Attempts += c.Attempts()
		if c.IsFailure() {
			x.Connections++
		}
		if sec(c.Start).Before(x.First) {
			x.First = sec(c.Start)
		}
		if sec(c.End).After(x.Last) {
			x.Last = sec(c.End)
		}
	}
	var il []knocks.IPCount
	for _, x := range ipc {
		if x.Attempts > 0 {
			x.Share = share(x.Attempts, s.Attempts)
			il = append(il, *x)
		}
	}
	sort.Slice(il, func(i, j int) bool {
		if il[i].Attempts != il[j].Attempts {
			return il[i].Attempts > il[j].Attempts
		}
		return il[i].IP < il[j].IP
	})
	var top3 int64
	for i := 0; i < len(il) && i < 3; i++ {
		top3 += il[i].Attempts
	}
	s.Top3Share = share(top3, s.Attempts)
	if len(il) > top {
		il = il[:top]
	}
	for i := range il {
		if l, ok := loc(ipAddr[il[i].IP]); ok {
			il[i].Country = l.Country
			if l.Reserved != "" {
				il[i].Country, il[i].ASN, il[i].Org = l.Reserved, 0, ""
			} else {
				il[i].ASN, il[i].Org = l.ASN, l.Org
			}
		}
	}
	s.TopIPs = append([]knocks.IPCount{}, il...)

	// Subnets, ports, hosts.
	keyed := func(key func(*knocks.Connection) (string, int64, bool)) []knocks.KeyCount {
		m := map[string]int64{}
		num := map[string]int64{}
		for _, c := range sel {
			if c.Attempts() == 0 {
				continue
			}
			if k, n, ok := key(c); ok {
				m[k] += c.Attempts()
				num[k] = n
			}
		}
		l := []knocks.KeyCount{}
		for k, n := range m {
			l = append(l, knocks.KeyCount{Key: k, Attempts: n, Share: share(n, s.Attempts)})
		}
		sort.Slice(l, func(i, j int) bool {
			if l[i].Attempts != l[j].Attempts {
				return l[i].Attempts > l[j].Attempts
			}
			if num[l[i].Key] != num[l[j].Key] {
				return num[l[i].Key] < num[l[j].Key]
			}
			return l[i].Key < l[j].Key
		})
		if len(l) > top {
			l = l[:top]
		}
		return l
	}
	s.TopSubnets = keyed(func(c *knocks.Connection) (string, int64, bool) {
		p := Subnet(c.IP)
		return p, 0, p != ""
	})
	s.TopSubnets48 = keyed(func(c *knocks.Connection) (string, int64, bool) {
		p := Subnet48(c.IP)
		return p, 0, p != ""
	})
	s.TopPrefixes = keyed(func(c *knocks.Connection) (string, int64, bool) {
		l, ok := loc(c.IP)
		return l.Prefix, 0, ok && l.Reserved == "" && l.Prefix != ""
	})
	s.TopPorts = keyed(func(c *knocks.Connection) (string, int64, bool) {
		return strconv.Itoa(c.Port), int64(c.Port), c.Port != 0
	})
	s.TopHosts = keyed(func(c *knocks.Connection) (string, int64, bool) {
		return c.Host, 0, c.Host != ""
	})

	// Time series.
	hours := map[int64]int64{}
	days := map[int64]int64{}
	for _, c := range sel {
		if a := c.Attempts(); a > 0 {
			t := sec(c.Start)
			hours[t.Unix()/3600] += a
			days[t.Unix()/86400] += a
			s.HourWeekday[t.Weekday()][t.Hour()] += a
		}
	}
	s.PerHour = dense(hours, 3600)
	s.PerDay = dense(days, 86400)

	expectedGeo(s, sel, loc, top)
	expectedBans(s, d, f, sel, loc, geoMatch, top)
	return s
}

// expectedGeo fills the lists that need locations.
func expectedGeo(s *knocks.Summary, sel []*knocks.Connection, loc func(netip.Addr) (Located, bool), top int) {
	s.TopCountries, s.TopASNs, s.TopCities = []knocks.GeoCount{}, []knocks.ASNCount{}, []knocks.CityCount{}
	s.Countries, s.Cities, s.PerCountryDay = []knocks.GeoCount{}, []knocks.CityCount{}, []knocks.SeriesDay{}
	s.Reserved = []knocks.GeoCount{}
	perIP := map[netip.Addr]int64{}
	for _, c := range sel {
		if a := c.Attempts(); a > 0 && c.IP.IsValid() {
			perIP[c.IP.Unmap()] += a
		}
	}
	countries := map[string]*knocks.GeoCount{}
	asns := map[uint32]*knocks.ASNCount{}
	orgs := map[uint32]map[string]int64{}
	type cityKey struct{ country, region, city string }
	type cityAcc struct {
		knocks.CityCount
		w         float64
		hasCoords bool
	}
	cities := map[cityKey]*cityAcc{}
	sources := map[string]bool{}
	for ip, a := range perIP {
		l, ok := loc(ip)
		if !ok {
			continue
		}
		if l.Source != "" {
			sources[l.Source] = true
		}
		if l.Reserved != "" {
			c := countries[l.Reserved]
			if c == nil {
				c = &knocks.GeoCount{Country: l.Reserved, Name: ReservedName}
				countries[l.Reserved] = c
			}
			c.Attempts += a
			c.IPs++
			continue
		}
		if l.Country != "" {
			c := countries[l.Country]
			if c == nil {
				c = &knocks.GeoCount{Country: l.Country, Name: l.CountryName}
				countries[l.Country] = c
			}
			c.Attempts += a
			c.IPs++
		}
		if l.ASN != 0 {
			c := asns[l.ASN]
			if c == nil {
				c = &knocks.ASNCount{ASN: l.ASN}
				asns[l.ASN] = c
				orgs[l.ASN] = map[string]int64{}
			}
			c.Attempts += a
			c.IPs++
			if l.Org != "" {
				orgs[l.ASN][l.Org] += a
			}
		}
		if l.City != "" {
			k := cityKey{l.Country, l.Region, l.City}
			c := cities[k]
			if c == nil {
				c = &cityAcc{CityCount: knocks.CityCount{City: l.City, Region: l.Region, Country: l.Country}}
				cities[k] = c
			}
			c.Attempts += a
			c.IPs++
			if l.HasCoords {
				c.hasCoords = true
				c.Lat += l.Lat * float64(a)
				c.Lon += l.Lon * float64(a)
				c.w += float64(a)
			}
		}
	}
	var byCount []knocks.GeoCount
	for _, c := range countries {
		c.Share = share(c.Attempts, s.Attempts)
		byCount = append(byCount, *c)
	}
	sort.Slice(byCount, func(i, j int) bool {
		a, b := byCount[i], byCount[j]
		if a.Attempts != b.Attempts {
			return a.Attempts > b.Attempts
		}
		return a.Country < b.Country
	})
	s.Reserved = []knocks.GeoCount{}
	for _, c := range byCount {
		if c.Name == ReservedName {
			s.Reserved = append(s.Reserved, c)
		} else {
			s.Countries = append(s.Countries, c)
		}
	}
	s.TopCountries = append(s.TopCountries, s.Countries[:min(top, len(s.Countries))]...)
	for n, c := range asns {
		best, bestN := "", int64(-1)
		for o, k := range orgs[n] {
			if k > bestN || k == bestN && o < best {
				best, bestN = o, k
			}
		}
		c.Org = best
		c.Share = share(c.Attempts, s.Attempts)
		s.TopASNs = append(s.TopASNs, *c)
	}
	sort.Slice(s.TopASNs, func(i, j int) bool {
		if s.TopASNs[i].Attempts != s.TopASNs[j].Attempts {
			return s.TopASNs[i].Attempts > s.TopASNs[j].Attempts
		}
		return s.TopASNs[i].ASN < s.TopASNs[j].ASN
	})
	if len(s.TopASNs) > top {
		s.TopASNs = s.TopASNs[:top]
	}
	var all []knocks.CityCount
	for _, c := range cities {
		cc := c.CityCount
		if c.hasCoords {
			cc.Lat, cc.Lon = c.Lat/c.w, c.Lon/c.w
			s.Cities = append(s.Cities, cc)
		} else {
			cc.Lat, cc.Lon = 0, 0
		}
		all = append(all, cc)
	}
	byAttempts := func(l []knocks.CityCount) {
		sort.Slice(l, func(i, j int) bool {
			a, b := l[i], l[j]
			if a.Attempts != b.Attempts {
				return a.Attempts > b.Attempts
			}
			if a.Country != b.Country {
				return a.Country < b.Country
			}
			if a.Region != b.Region {
				return a.Region < b.Region
			}
			return a.City < b.City
		})
	}
	byAttempts(all)
	byAttempts(s.Cities)
	if len(all) > top {
		all = all[:top]
	}
	s.TopCities = append(s.TopCities, all...)
	for src := range sources {
		s.GeoIPSources = append(s.GeoIPSources, src)
	}
	sort.Strings(s.GeoIPSources)

	for _, c := range s.TopCountries {
		per := map[int64]int64{}
		for _, conn := range sel {
			a := conn.Attempts()
			if a == 0 {
				continue
			}
			l, ok := loc(conn.IP)
			if !ok {
				continue
			}
			k := l.Country
			if l.Reserved != "" {
				k = l.Reserved
			}
			if k == c.Country {
				per[sec(conn.Start).Unix()/86400] += a
			}
		}
		days := make([]knocks.TimeCount, len(s.PerDay))
		for i, d := range s.PerDay {
			days[i] = knocks.TimeCount{Time: d.Time, Attempts: per[d.Time.Unix()/86400]}
		}
		s.PerCountryDay = append(s.PerCountryDay, knocks.SeriesDay{Country: c.Country, Days: days})
	}
}

// selected returns the connections of d that f selects, with the
// location of an address and whether an address matches f's country and
// AS.
func selected(d Data, f knocks.Filter) (sel []*knocks.Connection, loc func(netip.Addr) (Located, bool), geoMatch func(netip.Addr) bool) {
	loc = func(ip netip.Addr) (Located, bool) {
		if !ip.IsValid() {
			return Located{}, false
		}
		l, ok := d.Locations[ip.Unmap()]
		return l, ok
	}
	geoMatch = func(ip netip.Addr) bool {
		if f.Country == "" && f.ASN == 0 {
			return true
		}
		l, ok := loc(ip)
		if !ok {
			return false
		}
		if f.Country != "" && l.Country != strings.ToUpper(f.Country) && (l.Reserved == "" || l.Reserved != strings.ToLower(f.Country)) {
			return false
		}
		if f.ASN != 0 && l.ASN != f.ASN {
			return false
		}
		return true
	}
	for _, c := range d.Connections {
		st := c.Start.Unix()
		if !f.Since.IsZero() && st < f.Since.Unix() || !f.Until.IsZero() && st >= f.Until.Unix() {
			continue
		}
		if f.Host != "" && c.Host != f.Host {
			continue
		}
		if !geoMatch(c.IP) {
			continue
		}
		if f.IP.IsValid() && c.IP.Unmap() != f.IP.Unmap() {
			continue
		}
		if f.User != "" && (!c.HasUser || c.User != f.User) {
			continue
		}
		if f.Subnet != "" && Subnet(c.IP) != f.Subnet {
			continue
		}
		sel = append(sel, c)
	}
	return sel, loc, geoMatch
}

// Subnet returns the /24 of an IPv4 address or the /64 of an IPv6 address
// as text ("203.0.113.0/24", "2001:db8:1:2::/64"), "" for the zero address.
func Subnet(ip netip.Addr) string {
	if !ip.IsValid() {
		return ""
	}
	ip = ip.Unmap().WithZone("")
	bits := 64
	if ip.Is4() {
		bits = 24
	}
	p, err := ip.Prefix(bits)
	if err != nil {
		return ""
	}
	return p.String()
}

// Subnet48 returns the /48 of an IPv6 address as text ("2001:db8:1::/48"),
// "" for an IPv4 or IPv4-mapped address and for the zero address.
func Subnet48(ip netip.Addr) string {
	ip = ip.Unmap().WithZone("")
	if !ip.Is6() {
		return ""
	}
	p, err := ip.Prefix(48)
	if err != nil {
		return ""
	}
	return p.String()
}

// source is the address of a connection as a store keeps it.
func source(c *knocks.Connection) string {
	if c.IP.IsValid() {
		return c.IP.Unmap().String()
	}
	return c.RHost
}

// user is the user name of a connection as a store keeps it.
func user(c *knocks.Connection) string {
	if len(c.User) > knocks.MaxUserLen {
		return c.User[:knocks.MaxUserLen]
	}
	return c.User
}

// expectedPenalties sets the fields of s about drops, penalties and
// lockouts: the events selected by time, host and the country or AS of
// their address; Dropped adds up the counts of drops (rate-limited
// summaries included); Penalties groups the drops and penalties that have a
// reason by reason, ordered by drops + penalties (descending) then reason;
// TopPenalised groups those with an address by address, in the same order
// and cut at top; Lockouts and TopLockedUsers add up the lockouts. They
// widen the period.
func expectedPenalties(s *knocks.Summary, pen []knocks.PenaltyEvent, f knocks.Filter, geoMatch func(netip.Addr) bool, top int) {
	reasons := map[string]*knocks.PenaltyCount{}
	addrs := map[string]map[netip.Addr]bool{}
	ips := map[netip.Addr]*knocks.PenalisedIP{}
	locked := map[string]int64{}
	for _, e := range pen {
		t := e.Time.Unix()
		if !f.Since.IsZero() && t < f.Since.Unix() || !f.Until.IsZero() && t >= f.Until.Unix() {
			continue
		}
		if f.Host != "" && e.Host != f.Host || (f.Country != "" || f.ASN != 0) && !geoMatch(e.IP) {
			continue
		}
		if f.IP.IsValid() && e.IP.Unmap() != f.IP.Unmap() || f.User != "" && e.User != f.User || f.Subnet != "" {
			continue
		}
		widen(s, sec(e.Time), sec(e.Time))
		if e.Kind == knocks.KindLockout {
			s.Lockouts += e.Count
			locked[e.User] += e.Count
			continue
		}
		drops, pens := e.Count, int64(0)
		if e.Kind == knocks.KindPenalty {
			drops, pens = 0, e.Count
		}
		s.Dropped += drops
		if e.Reason != "" {
			r := reasons[e.Reason]
			if r == nil {
				r = &knocks.PenaltyCount{Reason: e.Reason}
				reasons[e.Reason], addrs[e.Reason] = r, map[netip.Addr]bool{}
			}
			r.Drops += drops
			r.Penalties += pens
			if e.IP.IsValid() && !addrs[e.Reason][e.IP] {
				addrs[e.Reason][e.IP] = true
				r.Addresses++
			}
		}
		if e.IP.IsValid() {
			p := ips[e.IP]
			if p == nil {
				p = &knocks.PenalisedIP{IP: e.IP.String(), First: sec(e.Time), Last: sec(e.Time)}
				ips[e.IP] = p
			}
			p.Drops += drops
			p.Penalties += pens
			if sec(e.Time).Before(p.First) {
				p.First = sec(e.Time)
			}
			if sec(e.Time).After(p.Last) {
				p.Last = sec(e.Time)
			}
		}
	}
	s.Penalties, s.TopPenalised, s.TopLockedUsers = []knocks.PenaltyCount{}, []knocks.PenalisedIP{}, []knocks.LockedUser{}
	for _, r := range reasons {
		s.Penalties = append(s.Penalties, *r)
	}
	sort.Slice(s.Penalties, func(i, j int) bool {
		a, b := s.Penalties[i], s.Penalties[j]
		if a.Drops+a.Penalties != b.Drops+b.Penalties {
			return a.Drops+a.Penalties > b.Drops+b.Penalties
		}
		return a.Reason < b.Reason
	})
	for _, p := range ips {
		s.TopPenalised = append(s.TopPenalised, *p)
	}
	sort.Slice(s.TopPenalised, func(i, j int) bool {
		a, b := s.TopPenalised[i], s.TopPenalised[j]
		if a.Drops+a.Penalties != b.Drops+b.Penalties {
			return a.Drops+a.Penalties > b.Drops+b.Penalties
		}
		return a.IP < b.IP
	})
	s.TopPenalised = s.TopPenalised[:min(top, len(s.TopPenalised))]
	for u, n := range locked {
		s.TopLockedUsers = append(s.TopLockedUsers, knocks.LockedUser{User: u, Lockouts: n})
	}
	sort.Slice(s.TopLockedUsers, func(i, j int) bool {
		a, b := s.TopLockedUsers[i], s.TopLockedUsers[j]
		if a.Lockouts != b.Lockouts {
			return a.Lockouts > b.Lockouts
		}
		return a.User < b.User
	})
	s.TopLockedUsers = s.TopLockedUsers[:min(top, len(s.TopLockedUsers))]
}

// sec drops what a store does not keep of a time: anything under a second.
func sec(t time.Time) time.Time { return time.Unix(t.Unix(), 0).UTC() }

func widen(s *knocks.Summary, first, last time.Time) {
	if s.First.IsZero() || first.Before(s.First) {
		s.First = first
	}
	if last.After(s.Last) {
		s.Last = last
	}
}

func share(n, total int64) float64 {
	if total == 0 {
		return 0
	}
	return float64(n) / float64(total)
}

// dense turns buckets (numbered from the epoch, of width seconds) into a
// series from the first to the last, zeros included (see MaxDense).
func dense(m map[int64]int64, width int64) []knocks.TimeCount {
	out := []knocks.TimeCount{}
	if len(m) == 0 {
		return out
	}
	var ks []int64
	for k := range m {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	if ks[len(ks)-1]-ks[0] >= MaxDense {
		for _, k := range ks {
			out = append(out, knocks.TimeCount{Time: time.Unix(k*width, 0).UTC(), Attempts: m[k]})
		}
		return out
	}
	for k := ks[0]; k <= ks[len(ks)-1]; k++ {
		out = append(out, knocks.TimeCount{Time: time.Unix(k*width, 0).UTC(), Attempts: m[k]})
	}
	return out
}
