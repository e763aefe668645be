#!/usr/bin/env bash
# Refreshes the vendored Apache ECharts build that the HTML report inlines.
#
# It installs a pinned echarts 6.x from the npm registry into a temporary
# directory and copies dist/echarts.min.js with its LICENSE and NOTICE to
# htmlreport/echarts/. Record a new version in data/maps/README.md.
#
# Usage: scripts/refresh-echarts.sh [VERSION]   (needs npm)
set -euo pipefail

ECHARTS="${1:-6.1.0}"

repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$repo/htmlreport/echarts"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cd "$tmp"
npm init -y >/dev/null
npm install --no-audit --no-fund --silent "echarts@$ECHARTS" >/dev/null
pkg="$tmp/node_modules/echarts"
version="$(node -p 'require("./node_modules/echarts/package.json").version')"
license="$(node -p 'require("./node_modules/echarts/package.json").license')"
case "$version" in
6.*) ;;
*) echo "refresh-echarts: want echarts 6.x, got $version" >&2; exit 1 ;;
esac

mkdir -p "$out"
cp "$pkg/dist/echarts.min.js" "$out/echarts.min.js"
cp "$pkg/LICENSE" "$out/LICENSE"
cp "$pkg/NOTICE" "$out/NOTICE"
cp "$pkg/licenses/LICENSE-d3" "$out/LICENSE-d3"
printf 'echarts %s (%s) from the npm registry, dist/echarts.min.js\n' "$version" "$license" >"$out/VERSION"
ls -l "$out"
sha256sum "$out/echarts.min.js"
