//go:build !knocks_nogeoip

// Package geoip holds the GeoIP data that knocks embeds, so that it can
// tell the country and network of an address with no account, no download
// and no network: a country database (ip-location-db geo-whois-asn-country,
// from RIR whois data and geofeeds) and an ASN database (ip-location-db
// asn, from RouteViews, the NRO and DB-IP, converted to a MaxMind DB by
// scripts/refresh-geoip.sh). Both are gzip-compressed MaxMind DB files;
// package knocks/mmdb reads them. data/README.md records their sources,
// versions and licences, and NOTICE the attribution they require.
//
// Building with the tag knocks_nogeoip leaves the data out (Country and
// ASN are then nil) for a binary about 9.6 MB smaller.
package geoip

import _ "embed" // for go:embed

// Country is the gzip-compressed ip-location-db geo-whois-asn-country
// MaxMind DB (IPv4 and IPv6; records {"country_code": "AU"}).
//
//go:embed geo-whois-asn-country.mmdb.gz
var Country []byte

// ASN is the gzip-compressed MaxMind DB built from the ip-location-db asn
// CSV files (IPv4 and IPv6; records {"autonomous_system_number": 13335,
// "autonomous_system_organization": "Cloudflare, Inc."}).
//
//go:embed asn.mmdb.gz
var ASN []byte
