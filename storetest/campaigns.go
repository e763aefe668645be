package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"knocks"
)

// CampaignDataset returns connections and locations with known campaigns
// under the default knocks.CampaignOptions:
//
//   - 192.0.2.10 (web1): a burst of 125 attempts from at(0) to at(96)+30s
//     (25 connections 4 minutes apart), then 50 attempts that make no
//     burst, then a burst of 105 attempts from at(300) to at(400) whose
//     connections are exactly 5 minutes apart (a gap of exactly Gap does
//     not split a run), with a scan in its middle;
//   - 203.0.113.77 and .78 (bastion): a subnet burst of 120 attempts, 60
//     each, from at(500) to at(539)+20s;
//   - 2001:db8:5::1: an address burst of 110 attempts whose /64 has no
//     other address (no subnet burst);
//   - 2001:db8:6::1 (100 attempts) and ::2 (10): an address burst and a
//     subnet burst of 110 attempts;
//   - 198.18.0.1 to .12 (AS 64501), hours apart: each tries "oracle" and
//     "postgres", a same_users group and an asn group of 12 addresses;
//     198.18.0.13 tries "oracle" alone, .14 "oracle", "postgres" and
//     the attacker's name (AS 64501 too);
//   - 198.18.1.1 to .3 try another list, shared by too few addresses.
func CampaignDataset() Data {
	var cs []*knocks.Connection
	pid := 9000
	add := func(host, ip string, start time.Time, dur time.Duration, user string, failed, failureLines int64) {
		pid += 3
		c := &knocks.Connection{Host: host, PID: pid, Start: start, End: start.Add(dur), IP: addr(ip), Port: 40000 + pid%20000,
			User: user, HasUser: user != "-", Invalid: true, Method: "password", Failed: failed, FailureLines: failureLines}
		if user == "-" {
			c.User, c.Invalid, c.Method = "", false, ""
		}
		cs = append(cs, c)
	}
	sec := func(n int) time.Duration { return time.Duration(n) * time.Second }
	users := []string{"root", "admin", "test", EvilUser, "-"}
	for i := 0; i < 25; i++ {
		add("web1", "192.0.2.10", at(4*i), sec(30), users[i%len(users)], 5, 7)
	}
	for i := 0; i < 10; i++ {
		add("web1", "192.0.2.10", at(200+i), sec(20), "ubuntu", 5, 5)
	}
	for i := 0; i < 21; i++ {
		add("web1", "192.0.2.10", at(300+5*i), 0, "pi", 5, 5)
	}
	cs = append(cs, &knocks.Connection{Host: "web1", PID: 1, Start: at(352), End: at(352), IP: addr("192.0.2.10"), ScanLines: 1})
	for i := 0; i < 40; i++ {
		ip := "203.0.113.77"
		if i%2 == 1 {
			ip = "203.0.113.78"
		}
		add("bastion", ip, at(500+i), sec(20), []string{"admin", "guest"}[i%2], 3, 4)
	}
	for i := 0; i < 22; i++ {
		add("web1", "2001:db8:5::1", at(600+2*i), sec(10), "oracle", 5, 5)
	}
	for i := 0; i < 20; i++ {
		add("bastion", "2001:db8:6::1", at(700+i), sec(10), "git", 5, 5)
	}
	for i := 0; i < 10; i++ {
		add("bastion", "2001:db8:6::2", at(705+i), sec(5), "-", 0, 1) // keys-only probes: 1 attempt each
	}
	for i := 1; i <= 14; i++ {
		ip := "198.18.0." + strconv.Itoa(i)
		start := at(900 + 60*i)
		add("web1", ip, start, sec(3), "oracle", 2, 2)
		if i != 13 {
			add("web1", ip, start.Add(time.Minute), sec(3), "postgres", 1, 1)
		}
		if i == 14 {
			add("web1", ip, start.Add(2*time.Minute), sec(3), EvilUser, 1, 1)
		}
	}
	for i := 1; i <= 3; i++ {
		ip := "198.18.1." + strconv.Itoa(i)
		add("web1", ip, at(1900+10*i), sec(3), "deploy", 1, 1)
		add("web1", ip, at(1901+10*i), sec(3), "jenkins", 1, 1)
	}
	locs := map[netip.Addr]Located{}
	for i := 1; i <= 14; i++ {
		locs[addr("198.18.0."+strconv.Itoa(i))] = Located{Location: knocks.Location{Country: "NL", CountryName: "Netherlands", ASN: 64501, Org: "Example Hosting"}, Source: "test-asn"}
	}
	for _, ip := range []string{"203.0.113.77", "203.0.113.78"} {
		locs[addr(ip)] = Located{Location: knocks.Location{Country: "CN", CountryName: "China", ASN: 64502, Org: "Example Telecom"}, Source: "test-asn"}
	}
	return Data{Connections: cs, Locations: locs}
}

// ExpectedCampaigns is the reference model of knocks.FindCampaigns: the
// campaigns of the connections of d that f selects, found with maps and
// whole sorts rather than streams.
func ExpectedCampaigns(d Data, f knocks.Filter, o knocks.CampaignOptions) *knocks.Campaigns {
	if o.Gap <= 0 {
		o.Gap = knocks.DefaultBurstGap
	}
	if o.MinAttempts <= 0 {
		o.MinAttempts = knocks.DefaultBurstAttempts
	}
	if o.MinIPs <= 0 {
		o.MinIPs = knocks.DefaultGroupIPs
	}
	if o.MinUsers <= 0 {
		o.MinUsers = knocks.DefaultGroupUsers
	}
	if o.MaxUsers <= 0 {
		o.MaxUsers = knocks.DefaultGroupMaxUsers
	}
	top := f.Top
	if top <= 0 {
		top = 10
	}
	sel, loc, _ := selected(d, f)
	var conns []*knocks.Connection
	for _, c := range sel {
		if c.Attempts() > 0 && c.IP.IsValid() {
			conns = append(conns, c)
		}
	}
	var bursts, groups []knocks.Campaign
	for _, bySubnet := range []bool{false, true} {
		keyed := map[string][]*knocks.Connection{}
		for _, c := range conns {
			k := c.IP.Unmap().String()
			if bySubnet {
				k = Subnet(c.IP)
			}
			keyed[k] = append(keyed[k], c)
		}
		for k, l := range keyed {
			sort.SliceStable(l, func(i, j int) bool { return l[i].Start.Unix() < l[j].Start.Unix() })
			for i := 0; i < len(l); {
				j, end := i+1, sec(l[i].End)
				for j < len(l) && sec(l[j].Start).Sub(end) <= o.Gap {
					if e := sec(l[j].End); e.After(end) {
						end = e
					}
					j++
				}
				c := refCampaign(knocks.CampaignBurst, knocks.ReasonAddress, l[i:j])
				if bySubnet {
					c.Reason, c.Subnet = knocks.ReasonSubnet, k
				}
				if c.Attempts >= o.MinAttempts && (!bySubnet || c.IPCount >= 2) {
					bursts = append(bursts, c)
				}
				i = j
			}
		}
	}
	// same_users: the distinct names of each address.
	names := map[netip.Addr]map[string]bool{}
	for _, c := range conns {
		if c.HasUser {
			ip := c.IP.Unmap()
			if names[ip] == nil {
				names[ip] = map[string]bool{}
			}
			names[ip][user(c)] = true
		}
	}
	lists := map[string][]*knocks.Connection{}
	listOf := map[string][]string{}
	for _, c := range conns {
		n := names[c.IP.Unmap()]
		if !c.HasUser || len(n) < o.MinUsers || len(n) > o.MaxUsers {
			continue
		}
		var l []string
		for u := range n {
			l = append(l, u)
		}
		sort.Strings(l)
		k, _ := json.Marshal(l)
		lists[string(k)] = append(lists[string(k)], c)
		listOf[string(k)] = l
	}
	for k, l := range lists {
		c := refCampaign(knocks.CampaignGroup, knocks.ReasonSameUsers, l)
		c.Users, c.UserCount = listOf[k][:min(len(listOf[k]), knocks.MaxCampaignUsers)], int64(len(listOf[k]))
		if c.IPCount >= o.MinIPs {
			groups = append(groups, c)
		}
	}
	byASN := map[uint32][]*knocks.Connection{}
	for _, c := range conns {
		if l, ok := loc(c.IP); ok && l.ASN > 0 {
			byASN[l.ASN] = append(byASN[l.ASN], c)
		}
	}
	for asn, l := range byASN {
		c := refCampaign(knocks.CampaignGroup, knocks.ReasonASN, l)
		c.ASN = asn
		loc1, _ := loc(l[0].IP)
		c.Org = loc1.Org
		if c.IPCount >= o.MinIPs {
			groups = append(groups, c)
		}
	}
	order := func(l []knocks.Campaign) []knocks.Campaign {
		sort.Slice(l, func(i, j int) bool {
			a, b := l[i], l[j]
			if a.Attempts != b.Attempts {
				return a.Attempts > b.Attempts
			}
			if !a.Start.Equal(b.Start) {
				return a.Start.Before(b.Start)
			}
			if a.Reason != b.Reason {
				return a.Reason < b.Reason
			}
			if a.Subnet != b.Subnet {
				return a.Subnet < b.Subnet
			}
			if a.ASN != b.ASN {
				return a.ASN < b.ASN
			}
			return slices.Compare(a.IPs, b.IPs) < 0
		})
		return l[:min(top, len(l))]
	}
	found := int64(len(bursts) + len(groups))
	return &knocks.Campaigns{List: append(order(bursts), order(groups)...), Found: found}
}

// refCampaign adds up connections into a campaign: attempts, period,
// addresses and names (most attempts first, ties in address and byte
// order).
func refCampaign(kind, reason string, l []*knocks.Connection) knocks.Campaign {
	c := knocks.Campaign{Kind: kind, Reason: reason, Start: sec(l[0].Start), End: sec(l[0].End)}
	ips, users := map[netip.Addr]int64{}, map[string]int64{}
	for _, x := range l {
		c.Attempts += x.Attempts()
		if s := sec(x.Start); s.Before(c.Start) {
			c.Start = s
		}
		if e := sec(x.End); e.After(c.End) {
			c.End = e
		}
		ips[x.IP.Unmap()] += x.Attempts()
		if x.HasUser {
			users[user(x)] += x.Attempts()
		}
	}
	var ipl []netip.Addr
	for ip := range ips {
		ipl = append(ipl, ip)
	}
	sort.Slice(ipl, func(i, j int) bool {
		if ips[ipl[i]] != ips[ipl[j]] {
			return ips[ipl[i]] > ips[ipl[j]]
		}
		return ipl[i].Less(ipl[j])
	})
	for _, ip := range ipl[:min(len(ipl), knocks.MaxCampaignIPs)] {
		c.IPs = append(c.IPs, ip.String())
	}
	var ul []string
	for u := range users {
		ul = append(ul, u)
	}
	sort.Slice(ul, func(i, j int) bool {
		if users[ul[i]] != users[ul[j]] {
			return users[ul[i]] > users[ul[j]]
		}
		return ul[i] < ul[j]
	})
	c.Users = ul[:min(len(ul), knocks.MaxCampaignUsers)]
	c.IPCount, c.UserCount = int64(len(ips)), int64(len(users))
	return c
}

func testCampaigns(t *testing.T, s knocks.EventStore) {
	src, ok := s.(knocks.CampaignSource)
	if !ok {
		t.Skip("not a knocks.CampaignSource: reports of this store have no campaigns")
	}
	ctx := context.Background()
	d := CampaignDataset()
	write(t, s, Clone(d.Connections), nil, nil)
	if gs, ok := s.(knocks.GeoStore); ok {
		saveLocations(t, gs, d.Locations)
	} else {
		d.Locations = nil
	}
	type run struct {
		f knocks.Filter
		o knocks.CampaignOptions
	}
	runs := []run{
		{},
		{f: knocks.Filter{Top: 1}},
		{f: knocks.Filter{Top: 100}, o: knocks.CampaignOptions{MinAttempts: 40, MinIPs: 2, Gap: 2 * time.Minute}},
		{f: knocks.Filter{Top: 100}, o: knocks.CampaignOptions{MinAttempts: 1, MinIPs: 1, MinUsers: 1, MaxUsers: 2, Gap: time.Hour}},
		{f: knocks.Filter{Host: "bastion"}},
		{f: knocks.Filter{Since: at(250)}},
		{f: knocks.Filter{Until: at(80)}, o: knocks.CampaignOptions{MinAttempts: 50}},
		{f: knocks.Filter{IP: addr("192.0.2.10")}},
		{f: knocks.Filter{Subnet: "203.0.113.0/24"}},
		{f: knocks.Filter{User: "oracle"}, o: knocks.CampaignOptions{MinUsers: 1}},
		{f: knocks.Filter{ASN: 64501}},
		{f: knocks.Filter{Country: "CN"}},
	}
	// A store with the one pass of knocks.CampaignScanner is checked
	// both ways: through it, and through its sorted streams alone.
	srcs := []knocks.CampaignSource{src}
	if _, ok := src.(knocks.CampaignScanner); ok {
		srcs = append(srcs, streamsOnly{src})
	}
	for _, r := range runs {
		if d.Locations == nil && (r.f.Country != "" || r.f.ASN != 0) {
			continue
		}
		for _, src := range srcs {
			got, err := knocks.FindCampaigns(ctx, src, r.f, r.o)
			if err != nil {
				t.Fatal(err)
			}
			want := ExpectedCampaigns(d, r.f, r.o)
			if g, w := normalCampaigns(got), normalCampaigns(want); !slices.EqualFunc(g.List, w.List, sameCampaign) || g.Found != w.Found {
				gj, _ := json.MarshalIndent(g, "", " ")
				wj, _ := json.MarshalIndent(w, "", " ")
				t.Errorf("%T: filter %+v, options %+v: campaigns\n%s\nwant\n%s", src, r.f, r.o, gj, wj)
			}
		}
	}

	// Spot checks of what the dataset was made for, in case the model
	// shares a mistake.
	got, err := knocks.FindCampaigns(ctx, src, knocks.Filter{}, knocks.CampaignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var summary []string
	for _, c := range got.List {
		summary = append(summary, fmt.Sprintf("%s %s %s %d %v-%v", c.Reason, strings.Join(c.IPs, ","), c.Subnet, c.Attempts, c.Start.Sub(base), c.End.Sub(base)))
	}
	want := []string{
		"address 192.0.2.10  125 0s-1h36m30s",
		"subnet 203.0.113.77,203.0.113.78 203.0.113.0/24 120 8h20m0s-8h59m20s",
		"address 2001:db8:5::1  110 10h0m0s-10h42m10s",
		"subnet 2001:db8:6::1,2001:db8:6::2 2001:db8:6::/64 110 11h40m0s-11h59m10s",
		"address 192.0.2.10  105 5h0m0s-6h40m0s",
		"address 2001:db8:6::1  100 11h40m0s-11h59m10s",
	}
	if d.Locations != nil {
		want = append(want, "asn 198.18.0.14,198.18.0.1,198.18.0.2,198.18.0.3,198.18.0.4,198.18.0.5,198.18.0.6,198.18.0.7,198.18.0.8,198.18.0.9  42 16h0m0s-29h2m3s")
	}
	want = append(want, "same_users 198.18.0.1,198.18.0.2,198.18.0.3,198.18.0.4,198.18.0.5,198.18.0.6,198.18.0.7,198.18.0.8,198.18.0.9,198.18.0.10  36 16h0m0s-27h1m3s")
	if !slices.Equal(summary, want) {
		t.Errorf("campaigns:\n%s\nwant\n%s", strings.Join(summary, "\n"), strings.Join(want, "\n"))
	}
	if got.Found != int64(len(want)) {
		t.Errorf("Found = %d, want %d", got.Found, len(want))
	}
}

// streamsOnly hides the one pass of a knocks.CampaignScanner.
type streamsOnly struct{ knocks.CampaignSource }

// normalCampaigns returns cs with times in UTC and empty lists for nil
// ones.
func normalCampaigns(cs *knocks.Campaigns) knocks.Campaigns {
	out := knocks.Campaigns{Found: cs.Found, List: make([]knocks.Campaign, len(cs.List))}
	for i, c := range cs.List {
		c.Start, c.End = c.Start.UTC(), c.End.UTC()
		if c.IPs == nil {
			c.IPs = []string{}
		}
		if c.Users == nil {
			c.Users = []string{}
		}
		out.List[i] = c
	}
	return out
}

func sameCampaign(a, b knocks.Campaign) bool { return reflect.DeepEqual(a, b) }
