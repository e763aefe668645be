#!/usr/bin/env bash
# Small static release binaries of knocks, one per architecture.
#
#   scripts/build.sh                    # linux amd64, arm64 and armv7 into dist/
#   scripts/build.sh --out DIR          # another output directory
#   scripts/build.sh --version v1.2.3   # the version `knocks --version` prints (default: git describe)
#   scripts/build.sh --nogeoip          # without the embedded GeoIP data (about 10 MB smaller)
#
# Each binary is built with CGO_ENABLED=0 -trimpath -ldflags "-s -w" (no symbol table or DWARF)
# and named knocks-VERSION-linux-ARCH; a SHA256SUMS file lists them. dist/ is git-ignored.
set -euo pipefail
cd "$(dirname "$0")/.."

out=dist
version=""
tags=""
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out="$2"; shift 2 ;;
	--version) version="$2"; shift 2 ;;
	--nogeoip) tags="knocks_nogeoip"; shift ;;
	-h|--help) sed -n '2,10p' "$0"; exit 0 ;;
	*) echo "build.sh: unknown argument $1 (see scripts/build.sh --help)" >&2; exit 2 ;;
	esac
done
if [ -z "$version" ]; then
	version="$(git describe --tags --always --dirty 2>/dev/null || echo dev)"
fi

mkdir -p "$out"
# GOARCH GOARM suffix
for target in "amd64 - amd64" "arm64 - arm64" "arm 7 armv7"; do
	set -- $target
	arch=$1 arm=$2 suffix=$3
	bin="$out/knocks-$version-linux-$suffix"
	env CGO_ENABLED=0 GOOS=linux GOARCH="$arch" ${arm:+$( [ "$arm" != - ] && echo GOARM="$arm")} \
		go build -trimpath -tags "$tags" -ldflags "-s -w -X main.version=$version" -o "$bin" ./cmd/knocks
	echo "$bin $(du -h "$bin" | cut -f1)"
done
(cd "$out" && sha256sum knocks-"$version"-linux-* > SHA256SUMS)
echo "$out/SHA256SUMS"
