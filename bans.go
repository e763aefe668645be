package knocks

import "time"

// JailSSHGuard is the jail that SSHGuard's blocks are stored under: SSHGuard
// has no jails, and its "Blocking" lines are stored as ban events.
const JailSSHGuard = "sshguard"

// Bans is the part of a report about bans: what fail2ban (or SSHGuard) did
// and how it lines up with the attempts. Its JSON keys are documented in
// docs/report-json.md and are stable.
type Bans struct {
	Bans   int64 `json:"bans"`   // ban events of every jail (fail2ban Ban lines, bans of its database, SSHGuard blocks)
	Unbans int64 `json:"unbans"` // Unban lines
	// Restores are fail2ban's "Restore Ban" lines: bans still in force
	// that fail2ban applied again when it started. They are no new bans
	// and add to no count of bans, but their addresses are banned from
	// their time on (see README, "Bans").
	Restores        int64        `json:"restores"`
	Found           int64        `json:"found"`            // fail2ban Found lines
	BannedIPs       int64        `json:"banned_ips"`       // distinct addresses that a ban names
	Jails           []JailCount  `json:"jails"`            // per jail, most bans first
	TopBanned       []BannedIP   `json:"top_banned"`       // most often banned addresses
	BannedCountries []GeoCount   `json:"banned_countries"` // banned addresses per country (Attempts holds their bans); needs GeoIP
	BannedPlaces    []BannedSpot `json:"banned_places"`    // banned addresses with coordinates, for maps; needs a city database
	MedianTimeToBan float64      `json:"median_time_to_ban_seconds"`
	// BannedWithAttempts is how many banned addresses made an attempt at
	// or before their first ban: the addresses that the median is over.
	BannedWithAttempts  int64       `json:"banned_with_attempts"`
	AttemptsBeforeBan   int64       `json:"attempts_before_ban"`   // attempts of banned addresses before their first ban
	AttemptsWhileBanned int64       `json:"attempts_while_banned"` // attempts made while the address was banned
	IPsWhileBanned      int64       `json:"ips_while_banned"`      // addresses that made those attempts
	ReturnedAfterUnban  int64       `json:"returned_after_unban"`  // addresses with an attempt after one of their unbans
	TopNeverBanned      []IPCount   `json:"top_never_banned"`      // most attempts first
	Defences            Defences    `json:"defences"`              // one picture of what stopped whom
	Timeline            []TimeCount `json:"timeline"`              // ban events per UTC day (Attempts holds the bans)
}

// JailCount is one jail with its bans, unbans, restores (Restore Ban
// lines, no bans) and distinct banned addresses (those its bans name).
type JailCount struct {
	Jail      string `json:"jail"`
	Bans      int64  `json:"bans"`
	Unbans    int64  `json:"unbans"`
	Restores  int64  `json:"restores"`
	BannedIPs int64  `json:"banned_ips"`
}

// Acted reports whether the jail banned, unbanned or restored a ban.
func (j *JailCount) Acted() bool { return j.Bans+j.Unbans+j.Restores > 0 }

// Acted reports whether a ban, an unban or a restore was read.
func (b *Bans) Acted() bool { return b.Bans+b.Unbans+b.Restores > 0 }

// BannedIP is one banned address with its bans and where it is from.
type BannedIP struct {
	IP        string    `json:"ip"`
	Bans      int64     `json:"bans"`
	FirstBan  time.Time `json:"first_ban"`
	LastBan   time.Time `json:"last_ban"`
	Jails     string    `json:"jails"` // the jails that banned it, comma-separated
	Attempts  int64     `json:"attempts"`
	Country   string    `json:"country,omitempty"`
	ASN       uint32    `json:"asn,omitempty"`
	Org       string    `json:"org,omitempty"`
	BanCount  int64     `json:"ban_count,omitempty"` // the largest bancount that fail2ban's database recorded (bantime.increment)
	Permanent bool      `json:"permanent,omitempty"` // a ban with bantime -1 in fail2ban's database
}

// BannedSpot is a located place of banned addresses, for maps.
type BannedSpot struct {
	Country string  `json:"country"`
	City    string  `json:"city,omitempty"`
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
	IPs     int64   `json:"ips"`
	Bans    int64   `json:"bans"`
}

// Defences is one picture of the defences: what sshd refused by itself,
// what a banning tool stopped, and what got through.
type Defences struct {
	// Dropped is what sshd's listener dropped by itself (Summary.Dropped):
	// connections that never reached authentication.
	Dropped int64 `json:"dropped"`
	// Attempts of the selected connections; of these, AttemptsWhileBanned
	// came from banned addresses while banned.
	Attempts int64 `json:"attempts"`
	// AttemptsByBanned counts the attempts of addresses that were banned
	// at some time; AttemptsNeverBanned those of the others.
	AttemptsByBanned    int64 `json:"attempts_by_banned"`
	AttemptsNeverBanned int64 `json:"attempts_never_banned"`
	// Logins are the successful logins: what got through.
	Logins int64 `json:"logins"`
}
