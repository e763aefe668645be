package knocks

import "time"

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
