package storetest

import (
	"context"
	"math"
	"net/netip"
	"sort"
	"strings"
	"testing"
	"time"

	"knocks"
)

// expectedBans fills s.Bans from the fail2ban events of d and the selected
// connections sel (s.Attempts and s.Logins already set). The rules:
//
//   - Events are selected like connections: by time, host and the country
//     or AS of their address. Bans, Unbans and Found count the selected
//     events of each kind; Jails splits bans, unbans and distinct banned
//     addresses per jail ("" for none), most bans first, then by name.
//   - A ban lasts from its time to the first unban of the same address and
//     jail at or after it (any stored unban, selected or not), else for
//     its bantime when that is positive, else to the end of the log.
//   - A restore (Restore Ban) is no ban: Restores counts the selected
//     ones, per jail too, and no count of bans, banned addresses, first
//     bans or TopBanned sees it. When no ban (or earlier restore) of its
//     address and jail is in force at its time, it starts one that ends as
//     a ban does, but an unban of its second (the flush of the stop before
//     it) does not end it. The join sees that ban like the others, and its
//     address is banned: not in TopNeverBanned, its attempts in
//     AttemptsByBanned.
//   - The join looks at the selected connections with attempts and an
//     address. For each banned address: its first ban, its first attempt;
//     BannedWithAttempts counts those whose first attempt is at or before
//     their first ban, and MedianTimeToBan is the median of the delay
//     over them (the mean of the middle two for an even count).
//     AttemptsBeforeBan adds up the attempts that started before the
//     address's first ban; AttemptsWhileBanned those that started inside
//     one of its bans (IPsWhileBanned: their addresses);
//     ReturnedAfterUnban counts the addresses with an attempt at or after
//     the end of one of their bans that ended.
//   - TopBanned orders banned addresses by bans, then attempts (desc), then
//     address; TopNeverBanned the addresses with attempts that no selected
//     ban names by attempts, then address (first, last and connections as
//     in TopIPs). BannedCountries groups the bans of located
//     addresses by country (or reserved label), by distinct addresses,
//     then bans, then code; BannedPlaces groups those with coordinates by
//     country and city, with the mean coordinates over their bans.
//   - Timeline counts the bans per UTC day.
func expectedBans(s *knocks.Summary, d Data, f knocks.Filter, sel []*knocks.Connection, loc func(netip.Addr) (Located, bool), geoMatch func(netip.Addr) bool, top int) {
	b := &s.Bans
	b.Jails, b.TopBanned, b.BannedCountries, b.BannedPlaces = []knocks.JailCount{}, []knocks.BannedIP{}, []knocks.GeoCount{}, []knocks.BannedSpot{}
	b.TopNeverBanned, b.Timeline = []knocks.IPCount{}, []knocks.TimeCount{}
	b.Defences.Attempts, b.Defences.Logins, b.Defences.Dropped = s.Attempts, s.Logins, s.Dropped

	var evs []knocks.Fail2banEvent
	for _, e := range d.Fail2ban {
		t := e.Time.Unix()
		if !f.Since.IsZero() && t < f.Since.Unix() || !f.Until.IsZero() && t >= f.Until.Unix() ||
			f.Host != "" && e.Host != f.Host || !geoMatch(e.IP) ||
			f.IP.IsValid() && e.IP.Unmap() != f.IP.Unmap() || f.User != "" || f.Subnet != "" {
			continue
		}
		evs = append(evs, e)
	}
	jails := map[string]*knocks.JailCount{}
	jailIPs := map[string]map[netip.Addr]bool{}
	type banned struct {
		restoredOnly          bool // no selected ban names it
		bans, total, bancount int64
		first, last           int64
		firstAttempt          int64
		jails                 map[string]bool
		permanent             bool
		ivs                   [][2]int64 // start, end; end -1: open
		ivJails               []string   // the jail of each of ivs
	}
	// endOf is the end of a ban or restore e of ip at t: -1 when open. An
	// unban of the second of a restore is the flush of the stop before it.
	endOf := func(e knocks.Fail2banEvent, ip netip.Addr, t int64) int64 {
		end := int64(-1)
		for _, u := range d.Fail2ban {
			ut := u.Time.Unix()
			if u.Kind == knocks.KindF2BUnban && u.IP.IsValid() && u.IP.Unmap() == ip && u.Jail == e.Jail &&
				(ut > t || ut == t && e.Kind == knocks.KindF2BBan) &&
				(end == -1 || u.Time.Unix() < end) {
				end = u.Time.Unix()
			}
		}
		if end == -1 && e.BanTime > 0 {
			end = t + e.BanTime
		}
		return end
	}
	var restores []knocks.Fail2banEvent
	ips := map[netip.Addr]*banned{}
	days := map[int64]int64{}
	for _, e := range evs {
		j := jails[e.Jail]
		if j == nil {
			j = &knocks.JailCount{Jail: e.Jail}
			jails[e.Jail] = j
			jailIPs[e.Jail] = map[netip.Addr]bool{}
		}
		switch e.Kind {
		case knocks.KindF2BFound:
			b.Found++
			continue
		case knocks.KindF2BUnban:
			b.Unbans++
			j.Unbans++
			continue
		case knocks.KindF2BRestore:
			b.Restores++
			j.Restores++
			restores = append(restores, e)
			continue
		}
		b.Bans++
		j.Bans++
		t := e.Time.Unix()
		days[t/86400*86400]++
		if !e.IP.IsValid() {
			continue
		}
		ip := e.IP.Unmap()
		jailIPs[e.Jail][ip] = true
		x := ips[ip]
		if x == nil {
			x = &banned{first: t, last: t, firstAttempt: -1, jails: map[string]bool{}}
			ips[ip] = x
		}
		x.bans++
		x.first, x.last = min(x.first, t), max(x.last, t)
		x.jails[e.Jail] = true
		x.bancount = max(x.bancount, e.BanCount)
		x.permanent = x.permanent || e.BanTime == -1
		x.ivs = append(x.ivs, [2]int64{t, endOf(e, ip, t)})
		x.ivJails = append(x.ivJails, e.Jail)
	}
	// The restores, in the order of their time, after every ban.
	sort.SliceStable(restores, func(i, k int) bool { return restores[i].Time.Unix() < restores[k].Time.Unix() })
	for _, e := range restores {
		if !e.IP.IsValid() {
			continue
		}
		ip, t := e.IP.Unmap(), e.Time.Unix()
		x := ips[ip]
		if x == nil {
			x = &banned{restoredOnly: true, firstAttempt: -1}
			ips[ip] = x
		}
		inForce := false
		for i, iv := range x.ivs {
			if x.ivJails[i] == e.Jail && iv[0] <= t && (iv[1] == -1 || t < iv[1]) {
				inForce = true
			}
		}
		if !inForce {
			x.ivs = append(x.ivs, [2]int64{t, endOf(e, ip, t)})
			x.ivJails = append(x.ivJails, e.Jail)
		}
	}
	for name, j := range jails {
		j.BannedIPs = int64(len(jailIPs[name]))
		if j.Acted() {
			b.Jails = append(b.Jails, *j)
		}
	}
	sort.Slice(b.Jails, func(i, k int) bool {
		if b.Jails[i].Bans != b.Jails[k].Bans {
			return b.Jails[i].Bans > b.Jails[k].Bans
		}
		return b.Jails[i].Jail < b.Jails[k].Jail
	})
	for _, x := range ips {
		if !x.restoredOnly {
			b.BannedIPs++
		}
	}

	// The join.
	var delays []int64
	returned := map[netip.Addr]bool{}
	whileIPs := map[netip.Addr]bool{}
	never := map[netip.Addr]*knocks.IPCount{}
	for _, c := range sel {
		if !c.IP.IsValid() {
			continue
		}
		ip := c.IP.Unmap()
		a := c.Attempts()
		if ips[ip] == nil {
			// As in TopIPs: first and last of every selected connection.
			n := never[ip]
			if n == nil {
				n = &knocks.IPCount{IP: ip.String(), First: sec(c.Start), Last: sec(c.End)}
				never[ip] = n
			}
			n.Attempts += a
			if c.IsFailure() {
				n.Connections++
			}
			if sec(c.Start).Before(n.First) {
				n.First = sec(c.Start)
			}
			if sec(c.End).After(n.Last) {
				n.Last = sec(c.End)
			}
			continue
		}
		if a == 0 {
			continue
		}
		st := c.Start.Unix()
		x := ips[ip]
		x.total += a
		b.Defences.AttemptsByBanned += a
		if x.firstAttempt == -1 || st < x.firstAttempt {
			x.firstAttempt = st
		}
		if !x.restoredOnly && st < x.first {
			b.AttemptsBeforeBan += a
		}
		in := false
		for _, iv := range x.ivs {
			if iv[0] <= st && (iv[1] == -1 || st < iv[1]) {
				in = true
			}
			if iv[1] != -1 && iv[1] <= st {
				returned[ip] = true
			}
		}
		if in {
			b.AttemptsWhileBanned += a
			whileIPs[ip] = true
		}
	}
	b.IPsWhileBanned, b.ReturnedAfterUnban = int64(len(whileIPs)), int64(len(returned))
	for _, x := range ips {
		if !x.restoredOnly && x.firstAttempt != -1 && x.firstAttempt <= x.first {
			delays = append(delays, x.first-x.firstAttempt)
		}
	}
	b.BannedWithAttempts = int64(len(delays))
	if n := len(delays); n > 0 {
		sort.Slice(delays, func(i, k int) bool { return delays[i] < delays[k] })
		if n%2 == 1 {
			b.MedianTimeToBan = float64(delays[n/2])
		} else {
			b.MedianTimeToBan = float64(delays[n/2-1]+delays[n/2]) / 2
		}
	}
	b.Defences.AttemptsNeverBanned = b.Defences.Attempts - b.Defences.AttemptsByBanned

	geo := func(ip netip.Addr) (country string, asn uint32, org string) {
		if l, ok := loc(ip); ok {
			country = l.Country
			if country == "" {
				country = l.Reserved
			}
			return country, l.ASN, l.Org
		}
		return "", 0, ""
	}
	type ranked struct {
		ip netip.Addr
		x  *banned
	}
	var rs []ranked
	for ip, x := range ips {
		if !x.restoredOnly {
			rs = append(rs, ranked{ip, x})
		}
	}
	sort.Slice(rs, func(i, k int) bool {
		a, c := rs[i], rs[k]
		if a.x.bans != c.x.bans {
			return a.x.bans > c.x.bans
		}
		if a.x.total != c.x.total {
			return a.x.total > c.x.total
		}
		return a.ip.String() < c.ip.String()
	})
	for i, r := range rs {
		if i == top {
			break
		}
		var js []string
		for j := range r.x.jails {
			js = append(js, j)
		}
		sort.Strings(js)
		country, asn, org := geo(r.ip)
		b.TopBanned = append(b.TopBanned, knocks.BannedIP{IP: r.ip.String(), Bans: r.x.bans, FirstBan: time.Unix(r.x.first, 0).UTC(),
			LastBan: time.Unix(r.x.last, 0).UTC(), Jails: strings.Join(js, ","), Attempts: r.x.total, Country: country, ASN: asn, Org: org,
			BanCount: r.x.bancount, Permanent: r.x.permanent})
	}
	var ns []*knocks.IPCount
	for _, n := range never {
		if n.Attempts > 0 {
			ns = append(ns, n)
		}
	}
	sort.Slice(ns, func(i, k int) bool {
		if ns[i].Attempts != ns[k].Attempts {
			return ns[i].Attempts > ns[k].Attempts
		}
		return ns[i].IP < ns[k].IP
	})
	for i, n := range ns {
		if i == top {
			break
		}
		n.Country, n.ASN, n.Org = geo(netip.MustParseAddr(n.IP))
		n.Share = share(n.Attempts, s.Attempts)
		b.TopNeverBanned = append(b.TopNeverBanned, *n)
	}

	// Where the banned addresses are.
	type place struct{ country, city string }
	countries := map[string]*knocks.GeoCount{}
	countryIPs := map[string]map[netip.Addr]bool{}
	places := map[place]*knocks.BannedSpot{}
	placeIPs := map[place]map[netip.Addr]bool{}
	for _, e := range evs {
		if e.Kind != knocks.KindF2BBan || !e.IP.IsValid() {
			continue
		}
		l, ok := loc(e.IP)
		if !ok {
			continue
		}
		key, name := l.Country, l.CountryName
		if l.Reserved != "" {
			key, name = l.Reserved, ReservedName
		}
		if key != "" {
			c := countries[key]
			if c == nil {
				c = &knocks.GeoCount{Country: key, Name: name}
				countries[key] = c
				countryIPs[key] = map[netip.Addr]bool{}
			}
			c.Attempts++
			countryIPs[key][e.IP.Unmap()] = true
		}
		if l.HasCoords && l.Country != "" {
			p := place{l.Country, l.City}
			x := places[p]
			if x == nil {
				x = &knocks.BannedSpot{Country: l.Country, City: l.City}
				places[p] = x
				placeIPs[p] = map[netip.Addr]bool{}
			}
			x.Bans++
			x.Lat += l.Lat
			x.Lon += l.Lon
			placeIPs[p][e.IP.Unmap()] = true
		}
	}
	for k, c := range countries {
		c.IPs = int64(len(countryIPs[k]))
		c.Share = share(c.IPs, b.BannedIPs)
		b.BannedCountries = append(b.BannedCountries, *c)
	}
	sort.Slice(b.BannedCountries, func(i, k int) bool {
		a, c := b.BannedCountries[i], b.BannedCountries[k]
		if a.IPs != c.IPs {
			return a.IPs > c.IPs
		}
		if a.Attempts != c.Attempts {
			return a.Attempts > c.Attempts
		}
		return a.Country < c.Country
	})
	for p, x := range places {
		x.Lat, x.Lon = x.Lat/float64(x.Bans), x.Lon/float64(x.Bans)
		x.IPs = int64(len(placeIPs[p]))
		b.BannedPlaces = append(b.BannedPlaces, *x)
	}
	sort.Slice(b.BannedPlaces, func(i, k int) bool {
		a, c := b.BannedPlaces[i], b.BannedPlaces[k]
		if a.Bans != c.Bans {
			return a.Bans > c.Bans
		}
		if a.Country != c.Country {
			return a.Country < c.Country
		}
		return a.City < c.City
	})
	for day, n := range days {
		b.Timeline = append(b.Timeline, knocks.TimeCount{Time: time.Unix(day, 0).UTC(), Attempts: n})
	}
	sort.Slice(b.Timeline, func(i, k int) bool { return b.Timeline[i].Time.Before(b.Timeline[k].Time) })
}

// normalBans returns b with empty lists for nil ones, times in UTC and
// coordinates rounded.
func normalBans(b knocks.Bans) knocks.Bans {
	if b.Jails == nil {
		b.Jails = []knocks.JailCount{}
	}
	if b.BannedCountries == nil {
		b.BannedCountries = []knocks.GeoCount{}
	}
	top := make([]knocks.BannedIP, len(b.TopBanned))
	for i, x := range b.TopBanned {
		x.FirstBan, x.LastBan = x.FirstBan.UTC(), x.LastBan.UTC()
		top[i] = x
	}
	b.TopBanned = top
	never := make([]knocks.IPCount, len(b.TopNeverBanned))
	for i, x := range b.TopNeverBanned {
		x.First, x.Last = x.First.UTC(), x.Last.UTC()
		never[i] = x
	}
	b.TopNeverBanned = never
	places := make([]knocks.BannedSpot, len(b.BannedPlaces))
	for i, x := range b.BannedPlaces {
		x.Lat, x.Lon = math.Round(x.Lat*1e6)/1e6, math.Round(x.Lon*1e6)/1e6
		places[i] = x
	}
	b.BannedPlaces = places
	days := make([]knocks.TimeCount, len(b.Timeline))
	for i, x := range b.Timeline {
		x.Time = x.Time.UTC()
		days[i] = x
	}
	b.Timeline = days
	return b
}

// testBans checks the join of bans and attempts on the dataset against
// numbers counted by hand (see the comment on its fail2ban events), and
// that a ban stored twice (read from fail2ban.log and from fail2ban's
// database, or imported again) counts once.
func testBans(t *testing.T, s knocks.EventStore) {
	ctx := context.Background()
	d := Dataset()
	write(t, s, Clone(d.Connections), d.Fail2ban, nil)
	var again []knocks.Fail2banEvent // what fail2ban's database holds: bans (and here unbans), no Found lines
	for _, e := range d.Fail2ban {
		if e.Kind != knocks.KindF2BFound {
			again = append(again, e)
		}
	}
	write(t, s, nil, again, nil)
	sum, err := s.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	b := sum.Bans
	// Delays to the first ban: 15 min (203.0.113.7), 340 min
	// (198.51.100.23), 3 min (192.0.2.50); 192.0.2.1 made no attempt.
	// Before: 5×3 + 7×6 + 3×1; while banned: 3 + 6 + 1.
	got := [...]int64{b.Bans, b.Unbans, b.Found, b.BannedIPs, b.BannedWithAttempts, int64(b.MedianTimeToBan),
		b.AttemptsBeforeBan, b.AttemptsWhileBanned, b.IPsWhileBanned, b.ReturnedAfterUnban}
	want := [...]int64{4, 2, 1, 4, 3, 900, 60, 10, 3, 1}
	if got != want {
		t.Errorf("bans, unbans, found, banned IPs, with attempts, median, before, while, IPs while, returned =\n %v, want\n %v", got, want)
	}
	if len(b.Jails) != 3 || b.Jails[0] != (knocks.JailCount{Jail: "sshd", Bans: 2, Unbans: 2, BannedIPs: 2}) {
		t.Errorf("Jails = %+v", b.Jails)
	}
	if len(b.TopBanned) == 0 || b.TopBanned[0].IP != "198.51.100.23" || b.TopBanned[0].Attempts != 63 || b.TopBanned[0].BanCount != 2 {
		t.Errorf("TopBanned = %+v, want 198.51.100.23 (63 attempts, bancount 2) first", b.TopBanned)
	}
	for _, x := range b.TopBanned {
		if x.IP == "192.0.2.1" && !x.Permanent {
			t.Errorf("the ban with bantime -1 is not permanent: %+v", x)
		}
	}
	for _, x := range b.TopNeverBanned {
		if x.IP == "203.0.113.7" || x.IP == "198.51.100.23" || x.IP == "192.0.2.50" {
			t.Errorf("TopNeverBanned holds the banned %s", x.IP)
		}
	}
	if len(b.TopNeverBanned) == 0 || b.TopNeverBanned[0].IP != "2001:db8:1:2::88" && b.TopNeverBanned[0].Attempts < 2 {
		t.Errorf("TopNeverBanned = %+v", b.TopNeverBanned)
	}
	if b.Defences.AttemptsByBanned+b.Defences.AttemptsNeverBanned != sum.Attempts || b.Defences.AttemptsByBanned != 18+63+4 {
		t.Errorf("Defences = %+v, attempts %d", b.Defences, sum.Attempts)
	}
}

// testRestores checks fail2ban's Restore Ban lines against the dataset: a
// restore stored twice counts once; it adds to no count of bans; a restore
// of a ban in force (until an unban, or for its bantime) changes nothing;
// a restore of an address that no ban names makes its later attempts
// attempts while banned, and takes it out of TopNeverBanned; an unban of
// the restore's second does not end it. The whole report is also checked
// against Expected.
func testRestores(t *testing.T, s knocks.EventStore) {
	ctx := context.Background()
	d := Dataset()
	write(t, s, Clone(d.Connections), d.Fail2ban, &knocks.Checkpoint{Fingerprint: "d1", Name: "auth.log", Offset: 500000, Lines: d.LinesRead, New: true})
	if err := s.Write(ctx, &knocks.Batch{Penalties: d.Penalties, Lines: d.Lines}); err != nil {
		t.Fatal(err)
	}
	if gs, ok := s.(knocks.GeoStore); ok {
		saveLocations(t, gs, d.Locations)
	} else {
		d.Locations = nil
	}
	before, err := s.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	restores := []knocks.Fail2banEvent{
		// fail2ban restarted while its ban of 203.0.113.7 (at(20), unbanned
		// at(3000)) was in force, without logging unbans at its stop.
		{Time: at(1000), Kind: knocks.KindF2BRestore, Host: "web1", Jail: "sshd", IP: addr("203.0.113.7")},
		// A ban older than the data, restored: 10.0.0.5 tries once at
		// at(1600), while banned.
		{Time: at(1500), Kind: knocks.KindF2BRestore, Host: "web1", Jail: "sshd", IP: addr("10.0.0.5")},
		// Restored during the ban of 198.51.100.23 for 15 minutes from
		// at(400): nothing changes, its connection after that ban is still
		// not while banned.
		{Time: at(405), Kind: knocks.KindF2BRestore, Host: "bastion", Jail: "sshd", IP: addr("198.51.100.23")},
		// Restored in the second of the unban of 192.0.2.51 (the flush of
		// the stop): banned from then on, its attempt too.
		{Time: at(-5), Kind: knocks.KindF2BRestore, Host: "web1", Jail: "sshd", IP: addr("192.0.2.51")},
	}
	write(t, s, nil, restores, nil)
	write(t, s, nil, restores[1:], nil) // read again: stored once
	d.Fail2ban = append(d.Fail2ban, restores...)
	sum, err := s.Summary(ctx, knocks.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	b, o := sum.Bans, before.Bans
	if b.Restores != 4 || o.Restores != 0 {
		t.Errorf("Restores = %d (before: %d), want 4 (0)", b.Restores, o.Restores)
	}
	got := [...]int64{b.Bans, b.Unbans, b.BannedIPs, b.BannedWithAttempts, int64(b.MedianTimeToBan), b.AttemptsBeforeBan, int64(len(b.Timeline))}
	want := [...]int64{o.Bans, o.Unbans, o.BannedIPs, o.BannedWithAttempts, int64(o.MedianTimeToBan), o.AttemptsBeforeBan, int64(len(o.Timeline))}
	if got != want {
		t.Errorf("bans, unbans, banned IPs, with attempts, median, before, days = %v after restores, want %v as before", got, want)
	}
	if b.AttemptsWhileBanned != o.AttemptsWhileBanned+2 || b.IPsWhileBanned != o.IPsWhileBanned+2 ||
		b.Defences.AttemptsByBanned != o.Defences.AttemptsByBanned+2 || b.ReturnedAfterUnban != o.ReturnedAfterUnban {
		t.Errorf("while banned %d (%d IPs), by banned %d, returned %d; want %d (%d IPs), %d, %d: the attempts of 10.0.0.5 and 192.0.2.51 after their restores",
			b.AttemptsWhileBanned, b.IPsWhileBanned, b.Defences.AttemptsByBanned, b.ReturnedAfterUnban,
			o.AttemptsWhileBanned+2, o.IPsWhileBanned+2, o.Defences.AttemptsByBanned+2, o.ReturnedAfterUnban)
	}
	var sshd knocks.JailCount
	for _, j := range b.Jails {
		if j.Jail == "sshd" {
			sshd = j
		}
	}
	if sshd != (knocks.JailCount{Jail: "sshd", Bans: 2, Unbans: 2, Restores: 4, BannedIPs: 2}) {
		t.Errorf("jail sshd = %+v, want 2 bans, 2 unbans, 4 restores, 2 banned IPs", sshd)
	}
	for _, x := range b.TopBanned {
		if x.IP == "10.0.0.5" {
			t.Errorf("TopBanned holds the restored %+v", x)
		}
		if (x.IP == "203.0.113.7" || x.IP == "198.51.100.23") && x.Bans != 1 {
			t.Errorf("%s banned %d times, want 1", x.IP, x.Bans)
		}
	}
	for _, x := range b.TopNeverBanned {
		if x.IP == "10.0.0.5" || x.IP == "192.0.2.51" {
			t.Errorf("TopNeverBanned holds the restored %+v", x)
		}
	}
	for _, f := range []knocks.Filter{{}, {Host: "web1"}, {Since: at(1550)}, {Until: at(1550)}, {IP: addr("10.0.0.5")}, {IP: addr("203.0.113.7")},
		{IP: addr("198.51.100.23")}, {Host: "bastion"}, {Since: at(0)}} {
		got, err := s.Summary(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		compare(t, f, got, Expected(d, f))
	}
}
