package knocks

import (
	"context"
	"net/netip"
	"time"
)

// Summary is the data of a report. Its JSON keys are documented in
// docs/report-json.md and are stable.
type Summary struct {
	Filter       Filter    `json:"-"`
	Anonymized   bool      `json:"anonymized,omitempty"` // addresses masked and account names hidden (report.Anonymize)
	Generated    time.Time `json:"generated"`
	Attempts     int64     `json:"attempts"`         // failed authentications
	Connections  int64     `json:"connections"`      // connections with at least one failure line
	Scans        int64     `json:"scans"`            // connections with scan lines only
	Logins       int64     `json:"logins"`           // Accepted lines
	UniqueIPs    int64     `json:"unique_ips"`       // addresses on failure lines
	UniqueHosts  int64     `json:"unique_hostnames"` // host names (UseDNS) of failure connections without an address
	UniqueUsers  int64     `json:"unique_users"`     // user names on failure lines
	First        time.Time `json:"first"`            // first event of any kind
	Last         time.Time `json:"last"`             // last event of any kind
	LinesRead    int64     `json:"lines_read"`       // all lines of all imports
	HostileLines int64     `json:"hostile_lines"`    // failure and scan lines of the selection
	Lines        *int64    `json:"lines_selected"`   // lines read in the selection's time and host; nil when the selection cannot tell
	HostileShare *float64  `json:"hostile_share"`    // HostileLines / Lines, at most 1; nil when Lines is
	Top3Share    float64   `json:"top3_share"`       // share of attempts made by the 3 top IPs

	TopUsers        []UserCount  `json:"top_users"`         // valid and invalid together
	TopValidUsers   []UserCount  `json:"top_valid_users"`   //
	TopInvalidUsers []UserCount  `json:"top_invalid_users"` //
	TopIPs          []IPCount    `json:"top_ips"`           //
	TopSubnets      []KeyCount   `json:"top_subnets"`       // /24 for IPv4, /64 for IPv6
	TopSubnets48    []KeyCount   `json:"top_subnets48"`     // /48 for IPv6 (IPv4 addresses are in none)
	TopPrefixes     []KeyCount   `json:"top_prefixes"`      // the announced prefixes of the ASN data; needs GeoIP
	TopPorts        []KeyCount   `json:"top_ports"`         // source ports
	TopHosts        []KeyCount   `json:"top_hosts"`         // the hosts that logged the attempts
	TopCountries    []GeoCount   `json:"top_countries"`     // countries only; needs GeoIP
	Reserved        []GeoCount   `json:"reserved"`          // reserved address ranges ("private", "documentation", ...), apart from countries
	TopASNs         []ASNCount   `json:"top_asns"`          // needs GeoIP
	TopCities       []CityCount  `json:"top_cities"`        // needs a city database
	PerDay          []TimeCount  `json:"per_day"`           // attempts per UTC day
	PerHour         []TimeCount  `json:"per_hour"`          // attempts per UTC hour
	PerCountryDay   []SeriesDay  `json:"per_country_day"`   // attempts per day of the top countries (no reserved range)
	HourWeekday     [7][24]int64 `json:"hour_weekday"`      // attempts by weekday (0 = Sunday) and UTC hour
	Countries       []GeoCount   `json:"countries"`         // every country, for maps
	Cities          []CityCount  `json:"cities"`            // every located city, for maps
	// What sshd (and PAM) blocked by itself: never part of the counts above.
	Dropped        int64          `json:"dropped"`          // connections the listener dropped, rate-limited summaries included
	Penalties      []PenaltyCount `json:"penalties"`        // drops and penalties by reason
	TopPenalised   []PenalisedIP  `json:"top_penalised"`    // the addresses dropped or penalised most
	Lockouts       int64          `json:"lockouts"`         // account lockouts (pam_faillock)
	TopLockedUsers []LockedUser   `json:"top_locked_users"` // the users locked most

	GeoIPSources    []string `json:"geoip_sources"`     // the GeoIP data used, with build dates
	GeoIPAttributed []string `json:"geoip_attribution"` // attribution lines of that data

	Bans Bans `json:"bans"` // what fail2ban or SSHGuard banned, and how it lines up with the attempts
	// Alerts are the latest Filter.Top successful logins that matter (see
	// `knocks alerts`), oldest first, filled in by the caller of the
	// store's Summary; AlertsFound counts them all, listed or not.
	Alerts      []Alert `json:"alerts"`
	AlertsFound int64   `json:"alerts_found"`
	// Campaigns are the bursts and coordinated groups of FindCampaigns,
	// filled in by the caller of the store's Summary; CampaignsFound
	// counts them all, listed or not.
	Campaigns      []Campaign `json:"campaigns"`
	CampaignsFound int64      `json:"campaigns_found"`
}

// PenaltyCount is what sshd's listener did for one penalty reason (OpenSSH
// 9.8+ PerSourcePenalties, or "past MaxStartups").
type PenaltyCount struct {
	Reason    string `json:"reason"`
	Drops     int64  `json:"drops"`     // connections dropped
	Penalties int64  `json:"penalties"` // penalties imposed on an address
	Addresses int64  `json:"addresses"` // distinct addresses dropped or penalised
}

// PenalisedIP is an address that sshd's listener dropped or penalised.
type PenalisedIP struct {
	IP        string    `json:"ip"`
	Drops     int64     `json:"drops"`
	Penalties int64     `json:"penalties"`
	First     time.Time `json:"first"`
	Last      time.Time `json:"last"`
}

// LockedUser is a user name with the times its account was locked.
type LockedUser struct {
	User     string `json:"user"`
	Lockouts int64  `json:"lockouts"`
}

// UserCount is a user name with its attempts.
type UserCount struct {
	User     string  `json:"user"`
	Attempts int64   `json:"attempts"`
	Valid    bool    `json:"valid"`
	Share    float64 `json:"share"`
}

// IPCount is a source address with its attempts and where it is from.
type IPCount struct {
	IP          string    `json:"ip"`
	Attempts    int64     `json:"attempts"`
	Connections int64     `json:"connections"`
	Share       float64   `json:"share"`
	First       time.Time `json:"first"`
	Last        time.Time `json:"last"`
	Country     string    `json:"country,omitempty"`
	ASN         uint32    `json:"asn,omitempty"`
	Org         string    `json:"org,omitempty"`
}

// KeyCount is a key (subnet, announced prefix, port, host) with its attempts.
type KeyCount struct {
	Key      string  `json:"key"`
	Attempts int64   `json:"attempts"`
	Share    float64 `json:"share"`
}

// GeoCount is a country with its attempts and distinct addresses.
type GeoCount struct {
	Country  string  `json:"country"` // ISO 3166 alpha-2; in Summary.Reserved a reserved-range label such as "private"
	Name     string  `json:"name"`
	Attempts int64   `json:"attempts"`
	IPs      int64   `json:"ips"`
	Share    float64 `json:"share"`
}

// ASNCount is an autonomous system with its attempts.
type ASNCount struct {
	ASN      uint32  `json:"asn"`
	Org      string  `json:"org"`
	Attempts int64   `json:"attempts"`
	IPs      int64   `json:"ips"`
	Share    float64 `json:"share"`
}

// CityCount is a located city with its attempts.
type CityCount struct {
	City     string  `json:"city"`
	Region   string  `json:"region,omitempty"` // e.g. a US state code
	Country  string  `json:"country"`
	Lat      float64 `json:"lat"`
	Lon      float64 `json:"lon"`
	Attempts int64   `json:"attempts"`
	IPs      int64   `json:"ips"`
}

// TimeCount is a number of attempts in a time bucket that starts at Time.
type TimeCount struct {
	Time     time.Time `json:"time"`
	Attempts int64     `json:"attempts"`
}

// SeriesDay is the attempts per day of one country.
type SeriesDay struct {
	Country string      `json:"country"`
	Days    []TimeCount `json:"days"`
}

// Location is what a Locator knows of one address.
type Location struct {
	Reserved    string  // a reserved-range label ("private", "loopback", ...); when set nothing else is
	Country     string  // ISO 3166 alpha-2 of where the address is located
	CountryName string  //
	Registered  bool    // Country is the registered country, not the located one (the data had only that)
	City        string  //
	Region      string  // first subdivision, e.g. a US state code
	Lat, Lon    float64 //
	HasCoords   bool    //
	ASN         uint32  //
	Org         string  //
	Prefix      string  // the announced prefix of the ASN data, when known
}

// Locator finds where an address is.
type Locator interface {
	// Locate returns what the data knows of ip; a zero Location when nothing.
	Locate(ip netip.Addr) (Location, error)

	// Sources describes the databases in use, with their build dates.
	Sources() []string

	// Attribution returns the attribution lines the data in use requires.
	Attribution() []string
}

// GeoStore keeps the location of each distinct source address, looked up
// once and stored with the name and build date of the data it came from.
type GeoStore interface {
	// UnlocatedIPs returns the distinct stored source addresses that have no
	// stored location; with all set, every distinct stored address.
	UnlocatedIPs(ctx context.Context, all bool) ([]netip.Addr, error)

	// SaveLocations stores the locations of addresses, replacing earlier ones,
	// and records source (database names and build dates) with each.
	SaveLocations(ctx context.Context, locs map[netip.Addr]Location, source string) error

	// LocatePending looks up with loc the stored source addresses that
	// have no location, in the order they were stored, at most batch
	// distinct addresses at a time, and commits each batch's locations
	// (with loc's sources) together with a durable mark of how far the
	// stored rows are located, in one transaction: a run killed at any
	// point leaves the rest to the next call, and memory is bounded by
	// batch, not by what is stored. It asks loc for nothing when no address
	// is pending. With refresh set it looks up every stored address again,
	// but those that this call has already looked up. It returns how many
	// addresses it looked up.
	LocatePending(ctx context.Context, refresh bool, batch int, loc Locator) (int, error)
}

// GeoSource is one set of GeoIP databases that stored locations were
// looked up in (`knocks geoip status`).
type GeoSource struct {
	Source    string    // the databases with their build dates, as SaveLocations stored them
	Addresses int64     // the stored addresses looked up in them
	LookedUp  time.Time // the last of those lookups
}

// HostFinder is a store that can tell whether a host is one of those in
// its data (the hosts of its connections and of fail2ban's events) without
// listing them all, which reads every connection.
type HostFinder interface {
	HasHost(ctx context.Context, host string) (bool, error)
}
