package knocks

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"time"
)

// The kinds of alerts: a successful login that matters.
const (
	AlertFailedBefore = "failed_before" // a login from an address, /24 (/64) or AS that failed before
	AlertNewCountry   = "new_country"   // a login from a country never seen for that user
	AlertManyFailures = "many_failures" // a login after many failures for that user
)

// Alert is a successful login that matters, with why.
type Alert struct {
	Kind    string    `json:"kind"`    // AlertFailedBefore, AlertNewCountry or AlertManyFailures
	LoginID int64     `json:"-"`       // the connection of the login: with Kind, what an alert is known by
	Time    time.Time `json:"time"`    // the time of the login
	Host    string    `json:"host"`    // the host logged in to
	User    string    `json:"user"`    // the user that logged in
	IP      string    `json:"ip"`      // where from
	Country string    `json:"country"` // where the address is (needs GeoIP)
	ASN     uint32    `json:"asn,omitempty"`
	Why     string    `json:"why"`    // in words: "the address failed 12 times before", ...
	Failed  int64     `json:"failed"` // the failed attempts behind the alert
	New     bool      `json:"new"`    // not shown before by knocks alerts
}

// AlertOptions tune a store's Alerts.
type AlertOptions struct {
	// ManyFailures is how many failed attempts for a user in Window before
	// a login of that user make an alert; 0 means 20.
	ManyFailures int64
	// Window is how far back the failures for a user count; 0 means 24 h.
	Window time.Duration
}

// AlertLogin is a stored login as FindAlerts needs it: a connection with a
// login line and an address, with where the address is.
type AlertLogin struct {
	ID      int64  // the connection's id
	Start   int64  // its start, unix seconds
	Host    string //
	IP      string //
	Subnet  string // its /24 (IPv6 /64); "" when unknown
	User    string //
	Country string // where the address is (or its reserved label); "" when not located
	ASN     uint32 // 0 when not located
}

// AlertFailure is a stored connection with failed attempts, as FindAlerts
// needs it.
type AlertFailure struct {
	Start    int64 // unix seconds
	Attempts int64
}

// AlertFailures adds up the stored connections with failed attempts that
// share an address, a subnet, an AS or a user name with a login, as
// FindAlerts needs them: for each login, the attempts of its address, its
// subnet and its AS before it, and of its user name in the window before
// it. Add takes the failures in any order and keeps no list of them: each
// one is added, by a binary search in the sorted start times of the logins
// of its key, to a difference array of those logins, so that memory grows
// with the logins, not with the failures.
type AlertFailures struct {
	window           int64 // AlertOptions.Window in seconds
	ips, subs, users map[string]*alertKey
	asns             map[uint32]*alertKey
}

// alertKey holds the logins of one key (address, subnet, AS or user
// name): their start times, sorted, and difference arrays of the attempts
// before them (before) and in the window before them (window), indexed
// like starts, one longer.
type alertKey struct {
	starts         []int64
	before, window []int64
	summed         bool
}

// add adds n attempts at time t to the logins that start after t and, when
// inWindow, to those that start at most w seconds after t.
func (k *alertKey) add(t, n int64, inWindow bool, w int64) {
	i, _ := slices.BinarySearch(k.starts, sat(t, 1)) // the first login after t
	if i == len(k.starts) {
		return
	}
	k.before[i] += n
	if inWindow {
		j, _ := slices.BinarySearch(k.starts, sat(sat(t, w), 1)) // the first login more than w after t
		k.window[i] += n
		k.window[j] -= n
	}
}

// sat returns a+b, held within the int64 range.
func sat(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// sum turns the difference arrays into the sums of each login.
func (k *alertKey) sum() {
	if k.summed {
		return
	}
	k.summed = true
	for i := 1; i < len(k.starts); i++ {
		k.before[i] += k.before[i-1]
		k.window[i] += k.window[i-1]
	}
}

// at returns the attempts before a login at t and in the window before it.
func (k *alertKey) at(t int64) (before, window int64) {
	if k == nil {
		return 0, 0
	}
	k.sum()
	i, _ := slices.BinarySearch(k.starts, t)
	return k.before[i], k.window[i]
}

// NewAlertFailures returns empty AlertFailures for logins (with their
// Country and ASN filled in) under the options o, which FindAlerts must be
// given too.
func NewAlertFailures(logins []AlertLogin, o AlertOptions) AlertFailures {
	o = o.withDefaults()
	fs := AlertFailures{window: int64(o.Window / time.Second), ips: map[string]*alertKey{}, subs: map[string]*alertKey{},
		users: map[string]*alertKey{}, asns: map[uint32]*alertKey{}}
	key := func(k *alertKey, ok bool, t int64) *alertKey {
		if !ok {
			k = &alertKey{}
		}
		k.starts = append(k.starts, t)
		return k
	}
	for _, l := range logins {
		k, ok := fs.ips[l.IP]
		fs.ips[l.IP] = key(k, ok, l.Start)
		k, ok = fs.users[l.User]
		fs.users[l.User] = key(k, ok, l.Start)
		if l.Subnet != "" {
			k, ok = fs.subs[l.Subnet]
			fs.subs[l.Subnet] = key(k, ok, l.Start)
		}
		if l.ASN > 0 {
			k, ok = fs.asns[l.ASN]
			fs.asns[l.ASN] = key(k, ok, l.Start)
		}
	}
	for _, m := range []map[string]*alertKey{fs.ips, fs.users, fs.subs} {
		for _, k := range m {
			k.init()
		}
	}
	for _, k := range fs.asns {
		k.init()
	}
	return fs
}

// init sorts the start times and makes the difference arrays.
func (k *alertKey) init() {
	slices.Sort(k.starts)
	k.before, k.window = make([]int64, len(k.starts)+1), make([]int64, len(k.starts)+1)
}

// WantsASN reports whether a login is from an address of AS asn: whether
// Add needs the AS of a failure's address.
func (fs AlertFailures) WantsASN(asn int64) bool {
	return asn > 0 && asn <= math.MaxUint32 && fs.asns[uint32(asn)] != nil
}

// Add adds a stored failure to the logins that share a key with it: its
// address ip ("" for none), subnet ("" for none), AS (0 for none) and
// user name (when hasUser; "" is a name too).
func (fs AlertFailures) Add(f AlertFailure, ip, subnet string, asn int64, user string, hasUser bool) {
	if ip != "" {
		if k := fs.ips[ip]; k != nil {
			k.add(f.Start, f.Attempts, false, 0)
		}
	}
	if subnet != "" {
		if k := fs.subs[subnet]; k != nil {
			k.add(f.Start, f.Attempts, false, 0)
		}
	}
	if fs.WantsASN(asn) {
		fs.asns[uint32(asn)].add(f.Start, f.Attempts, false, 0)
	}
	if hasUser {
		if k := fs.users[user]; k != nil {
			k.add(f.Start, f.Attempts, true, fs.window)
		}
	}
}

// LastAlerts returns the last n alerts of as (all when n <= 0), and how
// many as holds.
func LastAlerts(as []Alert, n int) ([]Alert, int64) {
	total := int64(len(as))
	if n > 0 && len(as) > n {
		as = as[len(as)-n:]
	}
	return as, total
}

// Key names the alerts that o gives: two options with the same key give
// the same alerts.
func (o AlertOptions) Key() string {
	o = o.withDefaults()
	return fmt.Sprintf("alerts many=%d window=%d", o.ManyFailures, o.Window)
}

func (o AlertOptions) withDefaults() AlertOptions {
	if o.ManyFailures <= 0 {
		o.ManyFailures = 20
	}
	if o.Window <= 0 {
		o.Window = 24 * time.Hour
	}
	return o
}

// FindAlerts returns the alerts of logins (in time order), oldest first: a
// login from an address, /24 (IPv6 /64) or AS that failed before it (one
// alert, for the most specific of the three); a login from a country never
// seen before for its user (who logged in before from elsewhere); a login
// after at least o.ManyFailures failed attempts for its user in the
// o.Window before it. f holds the failures, added up for the same logins
// and options. shown says whether an alert (kind and login id) was shown
// before; such an alert is not New. These are the rules of alerts, written
// here once: a store only reads the logins and failures.
func FindAlerts(logins []AlertLogin, f AlertFailures, shown func(kind string, loginID int64) bool, o AlertOptions) []Alert {
	o = o.withDefaults()
	var out []Alert
	countries := map[string]map[string]bool{} // user → countries of earlier logins
	for _, l := range logins {
		a := Alert{LoginID: l.ID, Time: time.Unix(l.Start, 0).UTC(), Host: l.Host, User: l.User, IP: l.IP, Country: l.Country, ASN: l.ASN}
		add := func(kind, why string, failed int64) {
			a.Kind, a.Why, a.Failed = kind, why, failed
			a.New = !shown(kind, l.ID)
			out = append(out, a)
		}
		if n, _ := f.ips[l.IP].at(l.Start); n > 0 {
			add(AlertFailedBefore, fmt.Sprintf("the address failed %s before", times(n)), n)
		} else if n, _ := f.subs[l.Subnet].at(l.Start); l.Subnet != "" && n > 0 {
			add(AlertFailedBefore, fmt.Sprintf("its subnet %s failed %s before", l.Subnet, times(n)), n)
		} else if n, _ := f.asns[l.ASN].at(l.Start); l.ASN > 0 && n > 0 {
			add(AlertFailedBefore, fmt.Sprintf("its network AS%d failed %s before", l.ASN, times(n)), n)
		}
		seen := countries[l.User]
		if l.Country != "" && len(seen) > 0 && !seen[l.Country] {
			known := make([]string, 0, len(seen))
			for c := range seen {
				known = append(known, c)
			}
			sort.Strings(known)
			add(AlertNewCountry, fmt.Sprintf("the first login of this user from %s (before: %s)", l.Country, strings.Join(known, ", ")), 0)
		}
		if l.Country != "" {
			if seen == nil {
				seen = map[string]bool{}
				countries[l.User] = seen
			}
			seen[l.Country] = true
		}
		if _, n := f.users[l.User].at(l.Start); n >= o.ManyFailures {
			add(AlertManyFailures, fmt.Sprintf("%d failed attempts for this user in the %s before", n, shortDuration(o.Window)), n)
		}
	}
	return out
}

// SelectsAll reports whether f selects every event: it sets nothing but
// Top.
func (f Filter) SelectsAll() bool {
	return f.Since.IsZero() && f.Until.IsZero() && f.Host == "" && f.Country == "" && f.ASN == 0 && !f.IP.IsValid() && f.User == "" && f.Subnet == ""
}

// Selects reports whether a report of filter f shows alert a: a login
// in f's time range, of its host, and of its address, user name, subnet,
// country and AS where f names them (Top does not filter).
func (f Filter) Selects(a Alert) bool {
	ip, _ := netip.ParseAddr(a.IP)
	sub, _ := Subnets(ip)
	return (f.Since.IsZero() || !a.Time.Before(f.Since)) && (f.Until.IsZero() || a.Time.Before(f.Until)) &&
		(f.Host == "" || a.Host == f.Host) && (!f.IP.IsValid() || ip == f.IP.Unmap()) && (f.User == "" || a.User == f.User) &&
		(f.Subnet == "" || sub == f.Subnet) && (f.Country == "" || strings.EqualFold(a.Country, f.Country)) && (f.ASN == 0 || a.ASN == f.ASN)
}

// shortDuration writes d as time.Duration does, without the zero minutes
// and seconds that a whole number of hours or minutes ends with: "24h",
// "1h30m", "2m", "45s".
func shortDuration(d time.Duration) string {
	s := d.String()
	if d >= time.Minute && d%time.Minute == 0 {
		s = strings.TrimSuffix(s, "0s")
	}
	if d >= time.Hour && d%time.Hour == 0 {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// times says n times in words: "1 time", "12 times".
func times(n int64) string {
	if n == 1 {
		return "1 time"
	}
	return fmt.Sprintf("%d times", n)
}
