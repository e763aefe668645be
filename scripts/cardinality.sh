#!/usr/bin/env bash
# Memory against cardinality that attackers choose (issue 8, item 7): a log of N lines where every
# line is a failed password from its own address (IPv6, a /64 each) as its own user name. It times
# and takes the peak RSS of:
#   knocks ingest                         (target: peak RSS < 150 MiB, time linear in lines)
#   knocks ingest, a quarter of the lines (to check that time is linear)
#   knocks report                         (default report; target < 200 MiB)
#   knocks report --format json --top N   (target < 400 MiB)
#   knocks report --html F --top N        (target < 400 MiB)
# The rule: memory may grow with what is printed, never with what is stored.
#
#   scripts/cardinality.sh                # 1M lines
#   scripts/cardinality.sh --lines 200000
#   scripts/cardinality.sh --no-top       # leave out the two --top N reports (the slowest)
#   scripts/cardinality.sh --knocks BIN   # measure this binary instead of building ./cmd/knocks
set -euo pipefail

lines=1000000
top=1
knocks_bin=""
while [ $# -gt 0 ]; do
	case "$1" in
	--lines) lines="$2"; shift 2 ;;
	--lines=*) lines="${1#*=}"; shift ;;
	--no-top) top=0; shift ;;
	--knocks) knocks_bin="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "cardinality.sh: unknown argument: $1" >&2; exit 2 ;;
	esac
done
case "$lines" in ''|*[!0-9]*) echo "cardinality.sh: --lines wants a number" >&2; exit 2 ;; esac

cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/knocks-cardinality.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
export XDG_CACHE_HOME="$tmp/cache"

# The measuring helper: runs a command, prints "<wall s> <user s> <peak RSS KiB> <exit status>".
mkdir -p "$tmp/measure"
cat >"$tmp/measure/main.go" <<'EOF'
package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	cmd := exec.Command(os.Args[2], os.Args[3:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	user := time.Duration(ru.Utime.Nano())
	os.WriteFile(os.Args[1], []byte(fmt.Sprintf("%.2f %.2f %d %d\n", wall.Seconds(), user.Seconds(), ru.Maxrss, code)), 0o666)
}
EOF
echo "building ..."
(cd "$tmp/measure" && GOFLAGS= go build -o measure main.go)
if [ -n "$knocks_bin" ]; then
	cp "$knocks_bin" "$tmp/knocks"
else
	go build -o "$tmp/knocks" ./cmd/knocks
fi

gen() { # gen N FILE: N lines, N distinct addresses and user names, one second apart
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) {
		d = 1 + int(i / 86400); h = int(i / 3600) % 24; m = int(i / 60) % 60; s = i % 60
		printf "Mar %2d %02d:%02d:%02d web1 sshd[%d]: Failed password for invalid user u%d from 2a01:4f8:%x:%x::%x port %d ssh2\n",
			d, h, m, s, 10000 + i % 50000, i, int(i / 65536), i % 65536, 1 + i % 65535, 1024 + i % 60000 } }' >"$2"
}
echo "generating $lines lines ..."
gen "$lines" "$tmp/auth.log"
quarter=$((lines / 4))
gen "$quarter" "$tmp/quarter.log"

row() { printf '%-44s %9s %9s %11s  %s\n' "$@"; }
measure() { # measure LABEL TARGET_MIB CMD...
	local label="$1" target="$2"
	shift 2
	"$tmp/measure/measure" "$tmp/m" "$@" >/dev/null 2>"$tmp/err" || true
	read -r wall user rss status <"$tmp/m"
	local verdict=""
	if [ "$target" != - ]; then
		verdict="$(awk -v k="$rss" -v t="$target" 'BEGIN { if (k / 1024 < t) print "under " t " MiB"; else print "OVER " t " MiB" }')"
	fi
	[ "$status" = 0 ] || verdict="exit $status: $(head -c 200 "$tmp/err")"
	row "$label" "${wall}s" "${user}s" "$(awk -v k="$rss" 'BEGIN { printf "%.0f MiB", k / 1024 }')" "$verdict"
}

echo
row "$lines lines, distinct addresses and users" "wall" "user CPU" "peak RSS" "target"
measure "knocks ingest ($quarter lines)" 150 "$tmp/knocks" ingest -q --db "$tmp/q.db" "$tmp/quarter.log"
measure "knocks ingest" 150 "$tmp/knocks" ingest -q --db "$tmp/k.db" "$tmp/auth.log"
measure "knocks report" 200 "$tmp/knocks" report --db "$tmp/k.db"
if [ "$top" = 1 ]; then
	measure "knocks report --format json --top $lines" 400 "$tmp/knocks" report --db "$tmp/k.db" --format json --top "$lines"
	measure "knocks report --html --top $lines" 400 "$tmp/knocks" report --db "$tmp/k.db" --html "$tmp/r.html" --top "$lines"
fi
