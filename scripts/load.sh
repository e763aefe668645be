#!/bin/sh
# The dashboard under load (README, Performance): a database of 1M log lines,
# `knocks watch --serve` importing 1,000 lines/s into it, and 200 concurrent
# clients making 4,000 requests of /api/summary. Target: p99 < 200 ms, no
# failed request, no "database is locked" (in answers or in watch's log).
#
#   scripts/load.sh [LINES] [CLIENTS] [REQUESTS]
#
# It runs for about a minute (generating and importing the log, then the
# load); everything is made in a temporary directory and removed.
set -eu
LINES=${1:-1000000}
CLIENTS=${2:-200}
REQUESTS=${3:-4000}
RATE=1000
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
watch_pid=
feed_pid=
cleanup() {
	[ -n "$feed_pid" ] && kill "$feed_pid" 2>/dev/null || true
	[ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null && wait "$watch_pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
go build -o "$tmp/knocks" ./cmd/knocks
go build -o "$tmp/knocks-gen" ./cmd/knocks-gen
go build -o "$tmp/load" ./scripts/load
export XDG_STATE_HOME="$tmp/state" XDG_CACHE_HOME="$tmp/cache" KNOCKS_DB="$tmp/knocks.db" TZ=UTC
echo "generating $LINES lines and a live log..."
"$tmp/knocks-gen" -lines "$LINES" -o "$tmp/base.log" >/dev/null
"$tmp/knocks-gen" -lines 200000 -seed 7 -o "$tmp/more.log" >/dev/null
split -l "$RATE" "$tmp/more.log" "$tmp/chunk."
start=$(date +%s%N)
"$tmp/knocks" ingest -q "$tmp/base.log"
echo "ingest of $LINES lines: $(( ($(date +%s%N) - start) / 1000000 )) ms"
: > "$tmp/live.log"
port=$((20000 + $$ % 20000))
"$tmp/knocks" watch --serve "127.0.0.1:$port" "$tmp/live.log" 2> "$tmp/watch.log" &
watch_pid=$!
# Feed 1,000 lines a second into the followed log.
(for f in "$tmp"/chunk.*; do cat "$f" >> "$tmp/live.log"; sleep 1; done) &
feed_pid=$!
until curl -sf -o /dev/null "http://127.0.0.1:$port/api/summary"; do sleep 0.2; done
echo "load: $CLIENTS clients, $REQUESTS requests of /api/summary while watch imports $RATE lines/s"
set +e
"$tmp/load" -url "http://127.0.0.1:$port/api/summary" -clients "$CLIENTS" -requests "$REQUESTS"
status=$?
# The same for clients that do not take gzip: every answer is 1.7 times
# the bytes.
echo "the same, answers not compressed:"
"$tmp/load" -gzip=false -url "http://127.0.0.1:$port/api/summary" -clients "$CLIENTS" -requests "$REQUESTS" || status=1
# 4,000 requests take well under a second: ten times as many span several
# of watch's imports, each of which makes a new summary to compute.
echo "the same, ten times the requests:"
"$tmp/load" -url "http://127.0.0.1:$port/api/summary" -clients "$CLIENTS" -requests "$((REQUESTS * 10))" || status=1
set -e
sleep 2
imported=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^knocks_lines_read_total/ {s += $2} END {print s}')
echo "lines read by all imports (metrics, saved each minute by watch): $imported"
if grep -q "database is locked" "$tmp/watch.log"; then
	echo "watch logged 'database is locked':"; grep "database is locked" "$tmp/watch.log" | head -3
	status=1
fi
exit $status
