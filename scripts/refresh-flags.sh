#!/usr/bin/env bash
# Refreshes the flag pictures that the HTML report and the PNG/SVG charts embed (data/flags/png).
#
# It fetches a pinned flag-icons (MIT) from the npm registry with `npm pack` into a temporary
# directory (no node_modules anywhere), checks the tarball against the registry's integrity hash,
# and draws each two-letter 4x3 SVG flag to a 40x30 PNG with headless Chromium
# (go run ./data/flags/internal/render; the SVGs use clip paths and <use>, which the pure-Go SVG
# rasterisers draw wrongly). Record a new version in data/README.md and NOTICE.
#
# Usage: scripts/refresh-flags.sh [VERSION]   (needs npm, Go and /usr/bin/chromium)
set -euo pipefail

VERSION="${1:-7.5.0}"

repo="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cd "$tmp"
tgz="$(npm pack --silent "flag-icons@$VERSION")"
want="$(npm view "flag-icons@$VERSION" dist.integrity)"
got="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
if [ "$want" != "$got" ]; then
	echo "refresh-flags: $tgz does not match the registry's integrity hash" >&2
	exit 1
fi
tar xzf "$tgz"
license="$(node -p 'require("./package/package.json").license')"
[ "$license" = "MIT" ] || { echo "refresh-flags: licence is $license, not MIT" >&2; exit 1; }

rm -rf "$repo/data/flags/png"
cd "$repo"
go run ./data/flags/internal/render -src "$tmp/package/flags/4x3" -out data/flags/png
cp "$tmp/package/LICENSE" data/flags/LICENSE-flag-icons.txt
echo "flag-icons $VERSION ($license), tarball SHA-256 $(sha256sum "$tmp/$tgz" | cut -d' ' -f1)"
