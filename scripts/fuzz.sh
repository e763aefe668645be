#!/bin/sh
# Runs every native Go fuzz target of the repository, one after the other,
# for FUZZTIME each (default 2m), on one worker (FUZZPARALLEL, default 1).
# A failing input is written to PACKAGE/testdata/fuzz/TARGET/ and from then
# on runs as a regression test in `go test ./...`: commit it with the fix.
#
#   scripts/fuzz.sh                 # every target, 2 minutes each
#   FUZZTIME=30s scripts/fuzz.sh ./parse
set -eu
cd "$(dirname "$0")/.."
time=${FUZZTIME:-2m}
par=${FUZZPARALLEL:-1}
pkgs=${*:-./...}
status=0
for pkg in $(go list $pkgs); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
		echo "== $pkg $target ($time)"
		if ! go test "$pkg" -run '^$' -fuzz "^$target\$" -fuzztime "$time" -parallel "$par"; then
			status=1
		fi
	done
done
exit $status
