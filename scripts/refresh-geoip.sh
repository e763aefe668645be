#!/usr/bin/env bash
# Re-downloads the GeoIP data that knocks embeds and regenerates:
#   data/geoip/geo-whois-asn-country.mmdb.gz  from @ip-location-db/geo-whois-asn-country-mmdb
#   data/geoip/asn.mmdb.gz                    from @ip-location-db/asn (CSV, converted here)
#   data/geoip/manifest.go                    versions and build dates of the two
#   mmdb/countries_table.go                   English country names from i18n-iso-countries
# The packages come from the npm registry through `npm pack`, which checks
# them against the registry's integrity hashes. Versions are pinned below;
# `--latest` asks the registry for the newest ones instead. After a refresh,
# update the versions and dates in data/README.md and NOTICE, run
# `go test ./mmdb/`, and commit.
#
# Usage: scripts/refresh-geoip.sh [--latest]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

COUNTRY_PKG=@ip-location-db/geo-whois-asn-country-mmdb
COUNTRY_VERSION=2.3.2026061719
ASN_PKG=@ip-location-db/asn
ASN_VERSION=2.3.2026061719
NAMES_PKG=i18n-iso-countries
NAMES_VERSION=7.14.0

if [[ "${1:-}" == "--latest" ]]; then
	COUNTRY_VERSION=$(npm view "$COUNTRY_PKG" version)
	ASN_VERSION=$(npm view "$ASN_PKG" version)
	NAMES_VERSION=$(npm view "$NAMES_PKG" version)
elif [[ $# -gt 0 ]]; then
	echo "usage: $0 [--latest]" >&2
	exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fetch() { # fetch PKG VERSION DIR: npm pack into $tmp and unpack into $tmp/DIR
	local tgz
	tgz=$(cd "$tmp" && npm pack --silent "$1@$2" | tail -n 1)
	mkdir -p "$tmp/$3"
	tar -xzf "$tmp/$tgz" -C "$tmp/$3"
	echo "fetched $1@$2 ($(sha256sum "$tmp/$tgz" | cut -c1-64))" >&2
}
fetch "$COUNTRY_PKG" "$COUNTRY_VERSION" country
fetch "$ASN_PKG" "$ASN_VERSION" asn
fetch "$NAMES_PKG" "$NAMES_VERSION" names

# The ASN database gets the build time that the package version encodes
# (2.3.YYYYMMDDHH), so the same version always gives the same file.
stamp=${ASN_VERSION##*.}
if [[ "$stamp" =~ ^[0-9]{10}$ ]]; then
	epoch=$(date -u -d "${stamp:0:4}-${stamp:4:2}-${stamp:6:2} ${stamp:8:2}:00:00" +%s)
else
	epoch=$(date -u +%s)
fi

go run ./mmdb/internal/refresh asn -out "$tmp/asn.mmdb" -epoch "$epoch" \
	-desc "IP to ASN from $ASN_PKG $ASN_VERSION (RouteViews, NRO, DB-IP; CC BY 4.0), converted by knocks" \
	"$tmp/asn/package/asn-ipv4.csv" "$tmp/asn/package/asn-ipv6.csv"
country="$tmp/country/package/geo-whois-asn-country.mmdb"

go run ./mmdb/internal/refresh manifest -out data/geoip/manifest.go \
	-country-version "$COUNTRY_VERSION" -asn-version "$ASN_VERSION" -date "$(date -u +%F)" \
	"$country" "$tmp/asn.mmdb"
go run ./mmdb/internal/refresh countries -out mmdb/countries_table.go \
	-source "$NAMES_PKG $NAMES_VERSION" "$tmp/names/package/langs/en.json"

# -n: no name or time stamp in the gzip header, so the output is reproducible.
gzip -9 -n -c "$country" >data/geoip/geo-whois-asn-country.mmdb.gz
gzip -9 -n -c "$tmp/asn.mmdb" >data/geoip/asn.mmdb.gz
cp "$tmp/country/package/NRO_LICENSE" data/geoip/LICENSE-geo-whois-asn-country-NRO.txt
for f in ROUTEVIEWS-LICENSE DBIP-LICENSE NRO_LICENSE MODIFICATIONS; do
	cp "$tmp/asn/package/$f" "data/geoip/asn-$f.txt"
done
cp "$tmp/names/package/LICENSE" data/geoip/LICENSE-i18n-iso-countries.txt

ls -l data/geoip/
echo "now update the versions and dates in data/README.md and NOTICE" >&2
