package knocks

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// CampaignConn is one selected connection as a CampaignScanner streams it.
type CampaignConn struct {
	IP         string // the stored text of its address
	Start, End int64  // unix seconds
	Attempts   int64
	User       string // the user name of the connection
	HasUser    bool   // the connection named a user
}

// CampaignScanner is a CampaignSource that can also hand FindCampaigns
// the selected connections in one unsorted pass, which costs a store far
// less than the sorted streams of CampaignRows. FindCampaigns finds the
// same campaigns either way; it takes the streams where the pass cannot
// be used (see FindCampaigns).
type CampaignScanner interface {
	CampaignSource
	// CampaignConns calls fn with each connection that f selects (f.Top
	// is ignored) that has an address and at least one attempt, all from
	// one snapshot, in start time order, then by id, as far as the store
	// can without a sort of them all (FindCampaigns checks the order it
	// needs). It stops at the first error of fn and returns it
	// unwrapped; it returns ErrCampaignScan when it cannot give an order
	// that the pass can use. fn may keep nothing of a connection past its
	// return but the values of its fields.
	CampaignConns(ctx context.Context, f Filter, fn func(*CampaignConn) error) error
	// CampaignASNs calls fn with each stored address that is located in
	// an autonomous system (AS number above 0), with the AS's
	// organisation ("" when unknown). It stops at the first error of fn
	// and returns it unwrapped.
	CampaignASNs(ctx context.Context, fn func(ip string, asn uint32, org string) error) error
}

// campaignScanMaxKeys bounds what FindCampaigns' one pass holds: the
// addresses, subnets and user names together (a few hundred bytes each),
// and apart from them the located addresses (a few dozen bytes each); past
// it, it leaves the work to the sorted streams of the store, whose memory
// does not grow with them. 200,000 keys keep a default report under 200
// MiB when an attacker makes every connection's address, subnet and user
// name new (scripts/cardinality.sh without GeoIP data, or in addresses
// that no AS announces), and a log of 10M generated lines (about 45,000
// addresses) in the one pass. A variable, so that tests can take that
// path.
var campaignScanMaxKeys = 200_000

// full reports whether the pass holds as many addresses, subnets and user
// names as it may.
func (s *campaignScan) full() bool {
	return len(s.list)+len(s.subList)+len(s.nameList) >= campaignScanMaxKeys
}

// ErrCampaignScan stops the one pass of FindCampaigns: its results would
// not be those of the sorted streams, or it would hold too much.
// FindCampaigns then reads the streams. A CampaignScanner returns it when
// it cannot give the connections in an order that the pass can use.
var ErrCampaignScan = errors.New("the one pass of campaigns cannot be used")

// scanCampaigns finds the campaigns of FindCampaigns in one pass over the
// connections that src streams in start time order. It holds a small state per address, subnet, user name and
// AS, and needs the connections of each address and of each subnet in
// start time order; where a connection comes before one of its address
// or subnet read earlier (logs of two hosts imported one after the other,
// an older file given last), or where the keys pass campaignScanMaxKeys,
// it returns ErrCampaignScan; what it emitted before is then to be dropped. The groups of an AS whose user
// names pass MaxCampaignTracked are counted in the order of the streams
// (by address), which one pass cannot know: it returns those ASes in
// again, for the stream of each.
func scanCampaigns(ctx context.Context, src CampaignScanner, f Filter, o CampaignOptions, emit func(Campaign)) (again []uint32, err error) {
	s := &campaignScan{o: o, emit: emit, gap: int64(o.Gap / time.Second), addrs: map[string]*scanAddr{}, subs: map[string]*scanSub{},
		names: map[string]int32{}, geo: map[string]scanGeo{}, asns: map[uint32]*scanASN{}}
	err = src.CampaignASNs(ctx, func(ip string, asn uint32, org string) error {
		if len(s.geo) >= campaignScanMaxKeys {
			return ErrCampaignScan
		}
		s.geo[ip] = scanGeo{asn, org}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := src.CampaignConns(ctx, f, s.conn); err != nil {
		return nil, err
	}
	for _, a := range s.list {
		a.run.flush(s, a, nil)
	}
	for _, sub := range s.subList {
		sub.run.flush(s, nil, sub)
	}
	s.userLists()
	return s.asnGroups(), nil
}

// campaignScan is the state of scanCampaigns.
type campaignScan struct {
	o    CampaignOptions
	emit func(Campaign)
	gap  int64 // o.Gap in whole seconds: a quiet time of n seconds is more than o.Gap when n > gap

	addrs    map[string]*scanAddr
	list     []*scanAddr // by index
	subs     map[string]*scanSub
	subList  []*scanSub
	names    map[string]int32
	nameList []string
	geo      map[string]scanGeo
	asns     map[uint32]*scanASN
}

type scanGeo struct {
	asn uint32
	org string
}

// scanAddr is what the pass holds of one address.
type scanAddr struct {
	text string
	idx  int32 // in campaignScan.list
	ip   netip.Addr
	bad  bool // the text is not an address (written by hand): its rows are left out, as the streams leave them out
	sub  *scanSub
	asn  *scanASN
	org  string
	run  scanRun

	// All its connections, for the AS groups.
	attempts   int64
	start, end int64
	// Its connections with a user name, for same_users groups.
	names        []int32 // distinct, at most o.MaxUsers
	tooMany      bool    // more than o.MaxUsers names
	named        bool
	nAttempts    int64
	nStart, nEnd int64
}

// scanSub is what the pass holds of one subnet.
type scanSub struct {
	key string
	run scanRun
}

// scanASN is what the pass holds of one AS: the user names of its
// connections as they come.
type scanASN struct {
	asn   uint32
	users counter[int32]
	addrs []*scanAddr
}

// scanRun is the open run of attempts of an address or subnet, as
// burstRun keeps it.
type scanRun struct {
	open       bool
	start, end int64
	last       int64 // the start of the last connection
	attempts   int64
	ips        counter[int32] // subnets: attempts by address index
	users      counter[int32] // attempts by user name index
}

func (s *campaignScan) conn(c *CampaignConn) error {
	a := s.addrs[c.IP]
	if a == nil {
		if s.full() {
			return ErrCampaignScan
		}
		// A copy: the store's text may be a view of a larger one.
		a = &scanAddr{text: strings.Clone(c.IP), idx: int32(len(s.list))}
		var err error
		if a.ip, err = netip.ParseAddr(c.IP); err != nil {
			a.bad = true
		} else {
			// The stored subnet is Subnets of the address (sqlite and
			// postgres write it so).
			key, _ := Subnets(a.ip)
			sub := s.subs[key]
			if sub == nil {
				if s.full() {
					return ErrCampaignScan
				}
				sub = &scanSub{key: key}
				s.subs[key] = sub
				s.subList = append(s.subList, sub)
			}
			a.sub = sub
			if g, ok := s.geo[c.IP]; ok {
				as := s.asns[g.asn]
				if as == nil {
					as = &scanASN{asn: g.asn}
					s.asns[g.asn] = as
				}
				a.asn, a.org = as, g.org
				as.addrs = append(as.addrs, a)
			}
		}
		s.addrs[a.text] = a
		s.list = append(s.list, a)
	}
	if a.bad {
		return nil
	}
	user := int32(-1)
	if c.HasUser {
		n, ok := s.names[c.User]
		if !ok {
			if s.full() {
				return ErrCampaignScan
			}
			n = int32(len(s.nameList))
			name := strings.Clone(c.User)
			s.names[name] = n
			s.nameList = append(s.nameList, name)
		}
		user = n
	}
	if a.attempts == 0 { // its first connection: every one has attempts
		a.start, a.end = c.Start, c.End
	}
	a.attempts += c.Attempts
	a.start, a.end = min(a.start, c.Start), max(a.end, c.End)
	if err := a.run.add(s, a, nil, c, user, -1); err != nil {
		return err
	}
	if err := a.sub.run.add(s, nil, a.sub, c, user, a.idx); err != nil {
		return err
	}
	if a.asn != nil && user >= 0 {
		a.asn.users.add(user, c.Attempts)
	}
	if user >= 0 {
		if !a.named {
			a.named, a.nStart, a.nEnd = true, c.Start, c.End
		}
		a.nAttempts += c.Attempts
		a.nStart, a.nEnd = min(a.nStart, c.Start), max(a.nEnd, c.End)
		if !a.tooMany && !slices.Contains(a.names, user) {
			if len(a.names) >= s.o.MaxUsers {
				a.tooMany, a.names = true, nil
			} else {
				a.names = append(a.names, user)
			}
		}
	}
	return nil
}

// add adds a connection to the run of address a or subnet sub, by the
// rules of burstRun.row; ip is the index of the connection's address.
func (r *scanRun) add(s *campaignScan, a *scanAddr, sub *scanSub, c *CampaignConn, user, ip int32) error {
	if r.open && c.Start < r.last {
		return ErrCampaignScan // not in start order: the streams decide
	}
	r.last = c.Start
	if !r.open || c.Start-r.end > s.gap {
		r.flush(s, a, sub)
		r.open, r.start, r.end, r.attempts = true, c.Start, c.End, 0
	}
	r.attempts += c.Attempts
	r.end = max(r.end, c.End)
	if sub != nil {
		r.ips.add(ip, c.Attempts)
	}
	if user >= 0 {
		r.users.add(user, c.Attempts)
	}
	return nil
}

// flush ends the run and emits its burst, if it is one.
func (r *scanRun) flush(s *campaignScan, a *scanAddr, sub *scanSub) {
	if !r.open {
		return
	}
	r.open = false
	defer r.ips.reset()
	defer r.users.reset()
	if r.attempts < s.o.MinAttempts || sub != nil && r.ips.len() < 2 {
		return
	}
	c := Campaign{Kind: CampaignBurst, Reason: ReasonAddress, Attempts: r.attempts, Start: time.Unix(r.start, 0).UTC(), End: time.Unix(r.end, 0).UTC(),
		Users: s.topNames(&r.users), UserCount: int64(r.users.len()), Capped: r.users.capped || r.ips.capped}
	if sub != nil {
		c.Reason, c.Subnet, c.IPCount = ReasonSubnet, sub.key, int64(r.ips.len())
		idx := r.ips.top(MaxCampaignIPs, func(x, y int32) int { return s.list[x].ip.Compare(s.list[y].ip) })
		c.IPs = make([]string, len(idx))
		for i, x := range idx {
			c.IPs[i] = s.list[x].ip.String()
		}
	} else {
		c.IPs, c.IPCount = []string{a.ip.String()}, 1
	}
	s.emit(c)
}

// topNames returns the MaxCampaignUsers names of t with most attempts.
func (s *campaignScan) topNames(t *counter[int32]) []string {
	idx := t.top(MaxCampaignUsers, func(x, y int32) int { return strings.Compare(s.nameList[x], s.nameList[y]) })
	out := make([]string, len(idx))
	for i, x := range idx {
		out[i] = s.nameList[x]
	}
	return out
}

// userLists emits the same_users groups: the addresses with the same list
// of o.MinUsers to o.MaxUsers distinct names, by the rules of groupRun.
func (s *campaignScan) userLists() {
	type group struct {
		list       []string
		ipCount    int64
		attempts   int64
		start, end int64
		ips        topAddrs
	}
	groups := map[string]*group{}
	var order []*group
	var key []byte
	for _, a := range s.list {
		if a.bad || !a.named || a.tooMany || len(a.names) < s.o.MinUsers {
			continue
		}
		slices.SortFunc(a.names, func(x, y int32) int { return strings.Compare(s.nameList[x], s.nameList[y]) })
		key = key[:0]
		for _, n := range a.names {
			key = append(key, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
		}
		g := groups[string(key)]
		if g == nil {
			g = &group{start: a.nStart, end: a.nEnd}
			for _, n := range a.names {
				g.list = append(g.list, s.nameList[n])
			}
			groups[string(key)] = g
			order = append(order, g)
		}
		g.ipCount++
		g.attempts += a.nAttempts
		g.start, g.end = min(g.start, a.nStart), max(g.end, a.nEnd)
		g.ips.add(a.ip, a.nAttempts)
	}
	for _, g := range order {
		if g.ipCount < s.o.MinIPs {
			continue
		}
		s.emit(Campaign{Kind: CampaignGroup, Reason: ReasonSameUsers, Attempts: g.attempts, Start: time.Unix(g.start, 0).UTC(),
			End: time.Unix(g.end, 0).UTC(), IPs: g.ips.list(), IPCount: g.ipCount,
			Users: g.list[:min(len(g.list), MaxCampaignUsers)], UserCount: int64(len(g.list))})
	}
}

// asnGroups emits the asn groups, by the rules of groupRun, and returns
// the ASes whose user names it cannot count as the stream does.
func (s *campaignScan) asnGroups() (again []uint32) {
	for asn, as := range s.asns {
		var ipCount, attempts int64
		var start, end int64
		var ips topAddrs
		org, orgIP := "", ""
		for _, a := range as.addrs {
			if ipCount == 0 {
				start, end = a.start, a.end
			}
			ipCount++
			attempts += a.attempts
			start, end = min(start, a.start), max(end, a.end)
			ips.add(a.ip, a.attempts)
			if a.org != "" && (orgIP == "" || a.text < orgIP) {
				org, orgIP = a.org, a.text
			}
		}
		if ipCount < s.o.MinIPs {
			continue
		}
		if as.users.capped {
			again = append(again, asn)
			continue
		}
		s.emit(Campaign{Kind: CampaignGroup, Reason: ReasonASN, Attempts: attempts, Start: time.Unix(start, 0).UTC(),
			End: time.Unix(end, 0).UTC(), IPs: ips.list(), IPCount: ipCount, ASN: asn, Org: org,
			Users: s.topNames(&as.users), UserCount: int64(as.users.len())})
	}
	slices.Sort(again)
	return again
}
