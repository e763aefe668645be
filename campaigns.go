package knocks

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// The kinds of campaigns.
const (
	CampaignBurst = "burst" // many attempts from one address or subnet in a short time
	CampaignGroup = "group" // many addresses acting together
)

// What a campaign is made of: its Reason.
const (
	ReasonAddress   = "address"    // a burst of one address
	ReasonSubnet    = "subnet"     // a burst of one /24 (IPv4) or /64 (IPv6), by two or more addresses
	ReasonSameUsers = "same_users" // a group of addresses that tried the same list of user names
	ReasonASN       = "asn"        // a group: one autonomous system over many addresses
)

// The defaults of CampaignOptions.
const (
	DefaultBurstGap      = 5 * time.Minute
	DefaultBurstAttempts = 100
	DefaultGroupIPs      = 10
	DefaultGroupUsers    = 2
	DefaultGroupMaxUsers = 100
)

// MaxCampaignIPs and MaxCampaignUsers bound the addresses and user names
// that a Campaign lists; IPCount and UserCount say how many there were.
const (
	MaxCampaignIPs   = 10
	MaxCampaignUsers = 10
)

// MaxCampaignTracked bounds the distinct addresses and user names that one
// campaign counts while it is found, so that memory stays flat whatever an
// attacker sends: past it, IPCount or UserCount stop growing and Capped is
// set (the attempts are still all counted).
const MaxCampaignTracked = 1000

// Campaign is a burst or a coordinated group of attempts. Its JSON keys are
// documented in docs/report-json.md and are stable.
type Campaign struct {
	Kind      string    `json:"kind"`       // CampaignBurst or CampaignGroup
	Reason    string    `json:"reason"`     // ReasonAddress, ReasonSubnet, ReasonSameUsers or ReasonASN
	IPs       []string  `json:"ips"`        // at most MaxCampaignIPs addresses, most attempts first
	IPCount   int64     `json:"ip_count"`   // distinct addresses
	Attempts  int64     `json:"attempts"`   // failed attempts, all of them
	Start     time.Time `json:"start"`      // the start of its first connection
	End       time.Time `json:"end"`        // the end of its last connection
	Users     []string  `json:"users"`      // at most MaxCampaignUsers user names, most attempts first (same_users: the list, in byte order)
	UserCount int64     `json:"user_count"` // distinct user names
	Subnet    string    `json:"subnet,omitempty"`
	ASN       uint32    `json:"asn,omitempty"`
	Org       string    `json:"org,omitempty"`    // the AS organisation of an asn group
	Capped    bool      `json:"capped,omitempty"` // IPCount or UserCount stopped at MaxCampaignTracked
}

// Campaigns is what FindCampaigns found: the largest of each kind, and how
// many there were in all.
type Campaigns struct {
	List  []Campaign // bursts then groups, each most attempts first, at most Filter.Top of each kind
	Found int64      // campaigns found, listed or not
}

// CampaignOptions are the rules of FindCampaigns. Zero fields take the
// defaults.
type CampaignOptions struct {
	// Gap is the longest quiet time inside a burst: a run of attempts ends
	// where the next connection of its address (or subnet) starts more
	// than Gap after the end of the run so far. Default DefaultBurstGap.
	Gap time.Duration
	// MinAttempts is the least attempts that make a run a burst. Default
	// DefaultBurstAttempts.
	MinAttempts int64
	// MinIPs is the least addresses that make a group. Default
	// DefaultGroupIPs.
	MinIPs int64
	// MinUsers and MaxUsers bound the distinct user names of an address
	// that take part in same_users groups: one name is what everyone
	// tries (root), and very long lists are bursts, not lists. Defaults
	// DefaultGroupUsers and DefaultGroupMaxUsers.
	MinUsers, MaxUsers int
}

func (o CampaignOptions) withDefaults() CampaignOptions {
	if o.Gap <= 0 {
		o.Gap = DefaultBurstGap
	}
	if o.MinAttempts <= 0 {
		o.MinAttempts = DefaultBurstAttempts
	}
	if o.MinIPs <= 0 {
		o.MinIPs = DefaultGroupIPs
	}
	if o.MinUsers <= 0 {
		o.MinUsers = DefaultGroupUsers
	}
	if o.MaxUsers <= 0 {
		o.MaxUsers = DefaultGroupMaxUsers
	}
	if o.MaxUsers < o.MinUsers {
		o.MaxUsers = o.MinUsers
	}
	return o
}

// CampaignOrder names one of the row streams that FindCampaigns reads
// from a CampaignSource.
type CampaignOrder int

// The row streams. Every one holds the selected connections (by the
// Filter, as Summary selects them) that have an address and at least one
// attempt.
const (
	// ByAddressTime: one row per connection, ordered by address, then by
	// start time.
	ByAddressTime CampaignOrder = iota
	// BySubnetTime: one row per connection, with its Subnet, ordered by
	// subnet, then by start time.
	BySubnetTime
	// ByASNAddress: one row per connection of a located address with an
	// AS, with its ASN and Org, ordered by AS, then by address.
	ByASNAddress
	// ByUserList: one row per address whose connections named from
	// MinUsers to MaxUsers distinct user names (connections without a
	// name do not count), with Users set to those names in byte order and
	// Attempts, Start and End summed over all its selected connections
	// with a name; rows with the same Users are next to each other.
	ByUserList
)

// CampaignQuery asks a CampaignSource for one row stream.
type CampaignQuery struct {
	Order CampaignOrder
	// MinAttempts: ByAddressTime and BySubnetTime may leave out the rows
	// of an address or subnet whose selected attempts add up to less.
	MinAttempts int64
	// MinIPs: ByASNAddress and ByUserList may leave out the rows of an AS,
	// or of a list of names, that fewer addresses share.
	MinIPs int64
	// MinUsers and MaxUsers bound the distinct names of an address in
	// ByUserList (both are always set).
	MinUsers, MaxUsers int
}

// CampaignRow is one row of a stream. Which fields are set depends on
// the CampaignOrder.
type CampaignRow struct {
	IP         netip.Addr
	Subnet     string // BySubnetTime: the /24 or /64, as in Summary.TopSubnets
	ASN        uint32 // ByASNAddress
	Org        string // ByASNAddress: the AS organisation, "" when unknown
	Start, End time.Time
	Attempts   int64
	User       string   // the user name of the connection
	HasUser    bool     // the connection named a user
	Users      []string // ByUserList: the distinct names, in byte order
}

// CampaignSource is what a store implements for FindCampaigns: the
// selected connections as rows in a given order, streamed, so that the
// rules of FindCampaigns hold nothing but the campaign being read.
type CampaignSource interface {
	// CampaignRows calls fn with each row of the stream q asks for, over
	// the connections that f selects (f.Top is ignored). It stops at the
	// first error of fn and returns it. fn may keep nothing of a row past
	// its return but the values of its fields.
	CampaignRows(ctx context.Context, f Filter, q CampaignQuery, fn func(*CampaignRow) error) error
}

// FindCampaigns finds the campaigns of the connections that f selects:
//
//   - bursts of one address: a maximal run of its attempts in which no
//     connection starts more than o.Gap after the end of the run before
//     it, with at least o.MinAttempts attempts;
//   - bursts of one subnet (/24, /64), by the same rule over the
//     connections of every address of it, when two or more addresses
//     took part (a subnet burst of one address is that address's burst);
//   - same_users groups: at least o.MinIPs addresses whose distinct user
//     names are the same list, of o.MinUsers to o.MaxUsers names;
//   - asn groups: at least o.MinIPs addresses of one autonomous system
//     (needs GeoIP).
//
// It keeps the f.Top (default 10) largest of each kind (by attempts, then
// the earliest) and counts the others. Memory is bounded by f.Top and
// MaxCampaignTracked, not by what is stored.
//
// From a CampaignScanner it reads the connections once, in start time
// order, holding a small state per address, subnet, user name and AS (at
// most campaignScanMaxKeys of them), instead of four sorted streams; it
// reads the streams where that pass cannot give their results (see
// scanCampaigns): the campaigns are the same either way.
//
// From a CampaignKeeper that kept the campaigns of f and o, it takes those.
func FindCampaigns(ctx context.Context, src CampaignSource, f Filter, o CampaignOptions) (*Campaigns, error) {
	if k, ok := src.(CampaignKeeper); ok {
		cs, ok, err := k.KeptCampaigns(ctx, CampaignsKey(f, o))
		if err != nil || ok {
			return cs, err
		}
	}
	return FindCampaignsAgain(ctx, src, f, o)
}

// FindCampaignsAgain is FindCampaigns that does not read kept campaigns:
// it finds them from the connections, for a store to keep.
func FindCampaignsAgain(ctx context.Context, src CampaignSource, f Filter, o CampaignOptions) (*Campaigns, error) {
	o = o.withDefaults()
	top := f.Top
	if top <= 0 {
		top = 10
	}
	bursts, groups := &best{n: top}, &best{n: top}
	var found int64
	keep := func(b *best) func(Campaign) {
		return func(c Campaign) { found++; b.add(c) }
	}

	if sc, ok := src.(CampaignScanner); ok {
		sb, sg := &best{n: top}, &best{n: top}
		var sfound int64
		again, err := scanCampaigns(ctx, sc, f, o, func(c Campaign) {
			sfound++
			if c.Kind == CampaignBurst {
				sb.add(c)
			} else {
				sg.add(c)
			}
		})
		switch {
		case err == nil:
			bursts, groups, found = sb, sg, sfound
			for _, asn := range again {
				fa := f
				fa.ASN = asn
				g := &groupRun{o: o, emit: keep(groups), reason: ReasonASN}
				if err := src.CampaignRows(ctx, fa, CampaignQuery{Order: ByASNAddress, MinIPs: o.MinIPs}, g.row); err != nil {
					return nil, err
				}
				g.flush()
			}
			list := append(append([]Campaign{}, bursts.sorted()...), groups.sorted()...)
			return &Campaigns{List: list, Found: found}, nil
		case !errors.Is(err, ErrCampaignScan):
			return nil, err
		}
	}
	a := &burstRun{o: o, emit: keep(bursts), reason: ReasonAddress}
	if err := src.CampaignRows(ctx, f, CampaignQuery{Order: ByAddressTime, MinAttempts: o.MinAttempts}, a.row); err != nil {
		return nil, err
	}
	a.flush()
	s := &burstRun{o: o, emit: keep(bursts), reason: ReasonSubnet}
	if err := src.CampaignRows(ctx, f, CampaignQuery{Order: BySubnetTime, MinAttempts: o.MinAttempts}, s.row); err != nil {
		return nil, err
	}
	s.flush()
	u := &groupRun{o: o, emit: keep(groups), reason: ReasonSameUsers}
	q := CampaignQuery{Order: ByUserList, MinIPs: o.MinIPs, MinUsers: o.MinUsers, MaxUsers: o.MaxUsers}
	if err := src.CampaignRows(ctx, f, q, u.row); err != nil {
		return nil, err
	}
	u.flush()
	g := &groupRun{o: o, emit: keep(groups), reason: ReasonASN}
	if err := src.CampaignRows(ctx, f, CampaignQuery{Order: ByASNAddress, MinIPs: o.MinIPs}, g.row); err != nil {
		return nil, err
	}
	g.flush()
	list := append(append([]Campaign{}, bursts.sorted()...), groups.sorted()...)
	return &Campaigns{List: list, Found: found}, nil
}

// CampaignKeeper is a CampaignSource that keeps the campaigns of some
// filters and options as it stores the connections, so that a report
// reads them instead of finding them again.
type CampaignKeeper interface {
	// KeptCampaigns returns the campaigns kept under key (CampaignsKey),
	// with true, when they are still those of what is stored; else
	// false.
	KeptCampaigns(ctx context.Context, key string) (*Campaigns, bool, error)
}

// CampaignsKey names the campaigns that FindCampaigns finds for f and o:
// two filters and options with the same key give the same campaigns.
func CampaignsKey(f Filter, o CampaignOptions) string {
	if f.Top <= 0 {
		f.Top = 10
	}
	b, _ := json.Marshal(struct {
		F Filter
		O CampaignOptions
	}{f, o.withDefaults()})
	return "campaigns " + string(b)
}

// burstRun finds the bursts of one stream ordered by key (address or
// subnet), then by start time.
type burstRun struct {
	o      CampaignOptions
	emit   func(Campaign)
	reason string

	open     bool
	key      string
	start    time.Time
	end      time.Time
	last     time.Time // the start of the last row
	attempts int64
	ips      counter[netip.Addr]
	users    counter[string]
}

func (r *burstRun) row(c *CampaignRow) error {
	key := c.Subnet
	if r.reason == ReasonAddress {
		key = c.IP.String()
	}
	if r.open && key == r.key && c.Start.Before(r.last) {
		return Errorf(EINTERNAL, "campaign rows out of order: %s at %s after %s", key, c.Start.Format(time.RFC3339), r.last.Format(time.RFC3339))
	}
	r.last = c.Start
	if !r.open || key != r.key || c.Start.Sub(r.end) > r.o.Gap {
		r.flush()
		r.open, r.key, r.start, r.end, r.attempts = true, key, c.Start, c.End, 0
	}
	r.attempts += c.Attempts
	if c.End.After(r.end) {
		r.end = c.End
	}
	r.ips.add(c.IP, c.Attempts)
	if c.HasUser {
		r.users.add(c.User, c.Attempts)
	}
	return nil
}

func (r *burstRun) flush() {
	if !r.open {
		return
	}
	r.open = false
	defer r.ips.reset()
	defer r.users.reset()
	if r.attempts < r.o.MinAttempts || r.reason == ReasonSubnet && r.ips.len() < 2 {
		return
	}
	c := Campaign{Kind: CampaignBurst, Reason: r.reason, Attempts: r.attempts, Start: r.start, End: r.end,
		IPs: addrStrings(r.ips.top(MaxCampaignIPs, netip.Addr.Compare)), IPCount: int64(r.ips.len()), Users: r.users.top(MaxCampaignUsers, strings.Compare),
		UserCount: int64(r.users.len()), Capped: r.ips.capped || r.users.capped}
	if r.reason == ReasonSubnet {
		c.Subnet = r.key
	}
	r.emit(c)
}

// groupRun finds the groups of one stream ordered by key (AS or list of
// names), then by address.
type groupRun struct {
	o      CampaignOptions
	emit   func(Campaign)
	reason string

	open     bool
	asn      uint32
	org      string
	list     []string
	start    time.Time
	end      time.Time
	attempts int64
	ipCount  int64
	ips      topAddrs // the addresses with most attempts
	ip       netip.Addr
	ipSum    int64 // the attempts of ip so far
	users    counter[string]
}

func (r *groupRun) row(c *CampaignRow) error {
	same := r.open && (r.reason == ReasonASN && c.ASN == r.asn || r.reason != ReasonASN && slices.Equal(c.Users, r.list))
	if !same {
		r.flush()
		r.open, r.start, r.end, r.attempts, r.ipCount = true, c.Start, c.End, 0, 0
		r.asn, r.org, r.list = c.ASN, c.Org, slices.Clone(c.Users)
		r.ip, r.ipSum = netip.Addr{}, 0
	}
	if c.IP != r.ip {
		r.endAddr()
		r.ip, r.ipSum = c.IP, 0
		r.ipCount++
	}
	r.ipSum += c.Attempts
	r.attempts += c.Attempts
	if c.Start.Before(r.start) {
		r.start = c.Start
	}
	if c.End.After(r.end) {
		r.end = c.End
	}
	if r.org == "" {
		r.org = c.Org
	}
	if r.reason == ReasonASN && c.HasUser {
		r.users.add(c.User, c.Attempts)
	}
	return nil
}

// endAddr ranks the address just read.
func (r *groupRun) endAddr() {
	if r.ip.IsValid() {
		r.ips.add(r.ip, r.ipSum)
	}
}

func (r *groupRun) flush() {
	if !r.open {
		return
	}
	r.open = false
	r.endAddr()
	defer r.users.reset()
	ips := r.ips.list()
	r.ips = topAddrs{}
	if r.ipCount < r.o.MinIPs {
		return
	}
	c := Campaign{Kind: CampaignGroup, Reason: r.reason, Attempts: r.attempts, Start: r.start, End: r.end,
		IPs: ips, IPCount: r.ipCount}
	if r.reason == ReasonASN {
		c.ASN, c.Org = r.asn, r.org
		c.Users, c.UserCount, c.Capped = r.users.top(MaxCampaignUsers, strings.Compare), int64(r.users.len()), r.users.capped
	} else {
		c.Users, c.UserCount = r.list[:min(len(r.list), MaxCampaignUsers)], int64(len(r.list))
	}
	r.emit(c)
}

// counter counts attempts by key, for at most MaxCampaignTracked keys: a
// slice while it is short, a map index beside it past that.
type counter[K comparable] struct {
	keys   []K
	counts []int64
	index  map[K]int
	capped bool
}

func (c *counter[K]) add(k K, n int64) {
	if c.index != nil {
		if i, ok := c.index[k]; ok {
			c.counts[i] += n
			return
		}
	} else if i := slices.Index(c.keys, k); i >= 0 {
		c.counts[i] += n
		return
	}
	if len(c.keys) >= MaxCampaignTracked {
		c.capped = true
		return
	}
	if c.keys == nil { // most counters stay small: 4 first, not 1, 2, 4
		c.keys, c.counts = make([]K, 0, 4), make([]int64, 0, 4)
	}
	c.keys, c.counts = append(c.keys, k), append(c.counts, n)
	switch {
	case c.index != nil:
		c.index[k] = len(c.keys) - 1
	case len(c.keys) > 16:
		c.index = make(map[K]int, 2*len(c.keys))
		for i, k := range c.keys {
			c.index[k] = i
		}
	}
}

// len returns the number of keys counted.
func (c *counter[K]) len() int { return len(c.keys) }

func (c *counter[K]) reset() {
	c.keys, c.counts, c.index, c.capped = c.keys[:0], c.counts[:0], nil, false
}

// top returns the n keys with most attempts, ties in the order of cmp.
func (c *counter[K]) top(n int, cmp func(a, b K) int) []K {
	order := make([]int, len(c.keys))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if c.counts[a] != c.counts[b] {
			if c.counts[a] > c.counts[b] {
				return -1
			}
			return 1
		}
		return cmp(c.keys[a], c.keys[b])
	})
	out := make([]K, min(n, len(order)))
	for i := range out {
		out[i] = c.keys[order[i]]
	}
	return out
}

func addrStrings(l []netip.Addr) []string {
	out := make([]string, len(l))
	for i, a := range l {
		out[i] = a.String()
	}
	return out
}

// topAddrs keeps the MaxCampaignIPs addresses with most attempts.
type topAddrs struct {
	a []addrCount
}

type addrCount struct {
	ip       netip.Addr
	attempts int64
}

func (t *topAddrs) add(ip netip.Addr, n int64) {
	i, _ := slices.BinarySearchFunc(t.a, addrCount{ip, n}, cmpAddrCount)
	if i >= MaxCampaignIPs {
		return
	}
	t.a = slices.Insert(t.a, i, addrCount{ip, n})
	if len(t.a) > MaxCampaignIPs {
		t.a = t.a[:MaxCampaignIPs]
	}
}

func cmpAddrCount(a, b addrCount) int {
	if a.attempts != b.attempts {
		if a.attempts > b.attempts {
			return -1
		}
		return 1
	}
	return a.ip.Compare(b.ip)
}

func (t *topAddrs) list() []string {
	out := make([]string, len(t.a))
	for i, a := range t.a {
		out[i] = a.ip.String()
	}
	return out
}

// best keeps the n largest campaigns of one kind.
type best struct {
	n int
	l []Campaign
}

func (b *best) add(c Campaign) {
	i, _ := slices.BinarySearchFunc(b.l, c, cmpCampaign)
	if i >= b.n {
		return
	}
	b.l = slices.Insert(b.l, i, c)
	if len(b.l) > b.n {
		b.l = b.l[:b.n]
	}
}

// cmpCampaign orders campaigns by attempts (most first), then start, then
// reason and what they are of.
func cmpCampaign(a, b Campaign) int {
	if a.Attempts != b.Attempts {
		if a.Attempts > b.Attempts {
			return -1
		}
		return 1
	}
	if c := a.Start.Compare(b.Start); c != 0 {
		return c
	}
	if c := strings.Compare(a.Reason, b.Reason); c != 0 {
		return c
	}
	if c := strings.Compare(a.Subnet, b.Subnet); c != 0 {
		return c
	}
	if a.ASN != b.ASN {
		if a.ASN < b.ASN {
			return -1
		}
		return 1
	}
	return slices.Compare(a.IPs, b.IPs)
}

func (b *best) sorted() []Campaign { return b.l }

// AppendHexNames appends to dst the user names of list: names in hex,
// joined by commas, as a store lists the names of a ByUserList row (hex
// keeps the names' byte order, and no name can forge a comma in it).
func AppendHexNames(dst []string, list string) ([]string, error) {
	for _, h := range strings.Split(list, ",") {
		b, err := hex.DecodeString(h)
		if err != nil {
			return dst, fmt.Errorf("bad user name list: %w", err)
		}
		dst = append(dst, string(b))
	}
	return dst, nil
}
