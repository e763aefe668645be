//go:build knocks_nogeoip

package geoip

// Country is nil: this binary was built with the tag knocks_nogeoip.
var Country []byte

// ASN is nil: this binary was built with the tag knocks_nogeoip.
var ASN []byte
