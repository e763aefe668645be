package knocks

import (
	"fmt"
	"math"
	"net/netip"
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

// AlertFailures are the stored connections with failed attempts that share
// an address, a subnet, an AS or a user name with a login, by that key. A
// connection is in every list whose key it shares.
type AlertFailures struct {
	ByIP     map[string][]AlertFailure
	BySubnet map[string][]AlertFailure
	ByASN    map[uint32][]AlertFailure
	ByUser   map[string][]AlertFailure

	// The keys of the logins, which Add files failures under.
	ips, subnets, users map[string]bool
	asns                map[uint32]bool
}

// NewAlertFailures returns empty AlertFailures that keep the failures
// sharing a key with one of logins; WantASN adds the AS of a located login.
func NewAlertFailures(logins []AlertLogin) AlertFailures {
	fs := AlertFailures{ByIP: map[string][]AlertFailure{}, BySubnet: map[string][]AlertFailure{},
		ByASN: map[uint32][]AlertFailure{}, ByUser: map[string][]AlertFailure{},
		ips: map[string]bool{}, subnets: map[string]bool{}, users: map[string]bool{}, asns: map[uint32]bool{}}
	for _, l := range logins {
		fs.ips[l.IP], fs.users[l.User] = true, true
		if l.Subnet != "" {
			fs.subnets[l.Subnet] = true
		}
	}
	return fs
}

// WantASN makes Add keep the failures of addresses of AS asn.
func (fs AlertFailures) WantASN(asn int64) {
	if asn > 0 && asn <= math.MaxUint32 {
		fs.asns[uint32(asn)] = true
	}
}

// Add files a stored failure under every key of a login that it shares:
// its address ip ("" for none), subnet ("" for none), AS (0 for none) and
// user name (when hasUser; "" is a name too).
func (fs AlertFailures) Add(f AlertFailure, ip, subnet string, asn int64, user string, hasUser bool) {
	if ip != "" && fs.ips[ip] {
		fs.ByIP[ip] = append(fs.ByIP[ip], f)
	}
	if subnet != "" && fs.subnets[subnet] {
		fs.BySubnet[subnet] = append(fs.BySubnet[subnet], f)
	}
	if asn > 0 && asn <= math.MaxUint32 && fs.asns[uint32(asn)] {
		fs.ByASN[uint32(asn)] = append(fs.ByASN[uint32(asn)], f)
	}
	if hasUser && fs.users[user] {
		fs.ByUser[user] = append(fs.ByUser[user], f)
	}
}

// FindAlerts returns the alerts of logins (in time order), oldest first: a
// login from an address, /24 (IPv6 /64) or AS that failed before it (one
// alert, for the most specific of the three); a login from a country never
// seen before for its user (who logged in before from elsewhere); a login
// after at least o.ManyFailures failed attempts for its user in the
// o.Window before it. shown says whether an alert (kind and login id) was
// shown before; such an alert is not New. These are the rules of alerts,
// written here once: a store only reads the logins and failures.
func FindAlerts(logins []AlertLogin, f AlertFailures, shown func(kind string, loginID int64) bool, o AlertOptions) []Alert {
	if o.ManyFailures <= 0 {
		o.ManyFailures = 20
	}
	if o.Window <= 0 {
		o.Window = 24 * time.Hour
	}
	before := func(fs []AlertFailure, from, until int64) int64 {
		var n int64
		for _, f := range fs {
			if f.Start >= from && f.Start < until {
				n += f.Attempts
			}
		}
		return n
	}
	var out []Alert
	countries := map[string]map[string]bool{} // user → countries of earlier logins
	for _, l := range logins {
		a := Alert{LoginID: l.ID, Time: time.Unix(l.Start, 0).UTC(), Host: l.Host, User: l.User, IP: l.IP, Country: l.Country, ASN: l.ASN}
		add := func(kind, why string, failed int64) {
			a.Kind, a.Why, a.Failed = kind, why, failed
			a.New = !shown(kind, l.ID)
			out = append(out, a)
		}
		if n := before(f.ByIP[l.IP], math.MinInt64, l.Start); n > 0 {
			add(AlertFailedBefore, fmt.Sprintf("the address failed %d times before", n), n)
		} else if n := before(f.BySubnet[l.Subnet], math.MinInt64, l.Start); l.Subnet != "" && n > 0 {
			add(AlertFailedBefore, fmt.Sprintf("its subnet %s failed %d times before", l.Subnet, n), n)
		} else if n := before(f.ByASN[l.ASN], math.MinInt64, l.Start); l.ASN > 0 && n > 0 {
			add(AlertFailedBefore, fmt.Sprintf("its network AS%d failed %d times before", l.ASN, n), n)
		}
		seen := countries[l.User]
		if l.Country != "" && len(seen) > 0 && !seen[l.Country] {
			known := make([]string, 0, len(seen))
			for c := range seen {
				known = append(known, c)
			}
			sort.Strings(known)
			add(AlertNewCountry, fmt.Sprintf("the first login of this user from %s (before: %v)", l.Country, known), 0)
		}
		if l.Country != "" {
			if seen == nil {
				seen = map[string]bool{}
				countries[l.User] = seen
			}
			seen[l.Country] = true
		}
		if n := before(f.ByUser[l.User], l.Start-int64(o.Window/time.Second), l.Start); n >= o.ManyFailures {
			add(AlertManyFailures, fmt.Sprintf("%d failed attempts for this user in the %s before", n, shortDuration(o.Window)), n)
		}
	}
	return out
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
