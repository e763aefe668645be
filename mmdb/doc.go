// Package mmdb is the GeoIP adapter of knocks: a knocks.Locator over
// MaxMind DB (.mmdb) files, read with github.com/oschwald/maxminddb-golang.
//
// # Data
//
// Out of the box a Locator needs no account, no download and no network:
// the knocks binary embeds (package knocks/data/geoip) a country database
// and an ASN database that may be redistributed, gzip-compressed and
// decompressed once per process at the first lookup that needs them:
//
//   - ip-location-db geo-whois-asn-country (npm
//     @ip-location-db/geo-whois-asn-country-mmdb, CC0 1.0; built from RIR
//     whois data published by the NRO under CC BY 4.0, geofeeds and ASN
//     data): the country of an address, which for most addresses is the
//     country its network is registered in;
//   - ip-location-db asn (npm @ip-location-db/asn, CC BY 4.0; from
//     RouteViews, the NRO and DB-IP), converted from CSV to a MaxMind DB by
//     scripts/refresh-geoip.sh: the autonomous system and its organisation.
//
// Users add city-level data with their own databases (Config.Paths, e.g.
// `--geoip PATH`, and the directories of DefaultSearchDirs): MaxMind
// GeoLite2 and GeoIP2 City, Country, ASN (and ISP, Enterprise), DB-IP Lite
// City, Country and ASN, and the ip-location-db conversions. The kind of a
// file comes from its metadata database_type, never its name. Both record
// layouts work: MaxMind's nested one (country.iso_code, city.names.en,
// subdivisions, location.latitude, registered_country) and the flat one of
// ip-location-db (country_code, city, state1, latitude, longitude). IPv4
// and IPv6 may be in separate files: every file that may cover an address
// is tried. Update fetches the monthly DB-IP City Lite database into the
// state directory.
//
// # Precedence
//
// The most specific database wins per field: city databases, then country
// databases, then ASN databases, then the embedded data, which fills in
// what the user's data lacks. The country is where the address is
// located; only when no database has that is the registered country used,
// and knocks.Location.Registered says so. City, region and coordinates
// come together from one record that names a city (the centroid
// coordinates of country-level records are not used). The ASN, its
// organisation and the announced prefix (Location.Prefix, the network of
// the ASN record) come together from one record.
//
// # Special-purpose addresses
//
// Private, loopback, link-local, CGNAT, documentation, benchmarking,
// multicast, broadcast, unspecified and reserved addresses (IPv4 and IPv6,
// after the IANA special-purpose registries) are classified by Classify
// before any lookup, and Locate returns them as knocks.Location{Reserved:
// label} with no country, whatever a database says: some data sets map
// private ranges to a country. 6to4, Teredo and NAT64 addresses are
// located by the IPv4 address they carry.
//
// # Attribution
//
// Sources names the databases in use with their build dates and
// Attribution returns the lines their licences require (DB-IP's and
// MaxMind's GeoLite2 lines, the embedded data's sources) and Caveat: IP
// geolocation is nominal. Reports print both.
//
// CountryName helps reports name what Locate finds (knocks.Flag and
// knocks.Subnets, in the domain, do the rest).
package mmdb
