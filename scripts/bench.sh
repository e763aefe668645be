#!/usr/bin/env bash
# Benchmark of `knocks ingest` against `grep -c sshd` on the same generated log, in one run.
#
#   scripts/bench.sh                   # 1M lines (about 100 MB)
#   scripts/bench.sh --lines 5000000   # any size
#   scripts/bench.sh --vs-fail2ban     # also fail2ban-regex (Debian package fail2ban), if installed
#   scripts/bench.sh --file /var/log/auth.log   # a real log instead of a generated one
#   scripts/bench.sh --runs 5          # more rounds (default 3)
#   scripts/bench.sh --pg 'postgres://postgres@127.0.0.1:54320/postgres?sslmode=disable'
#                                      # also PostgreSQL (a server where that user may create
#                                      # databases; psql must be installed)
#
# It builds ./cmd/knocks and ./cmd/knocks-gen, generates the log into a temporary directory,
# reads it once so that every program finds it in the page cache, then times, in each round,
# one after the other:
#   grep -c sshd FILE                      (its output to a file: GNU grep with its output on
#                                           /dev/null stops at the first match)
#   knocks ingest --db DB FILE             (first import, into a new database)
#   knocks ingest --db DB FILE             (re-import: must add nothing)
#   knocks report --db DB                  (text, over the database just made)
#   knocks report --db DB --format json
#   knocks report --db DB --html FILE
#   knocks report --db DB --top 11         (a report whose results the import did not keep: found
#                                           from the rollups and packs, as after `knocks watch`)
#   knocks report --db DB --host H         (H, C: the first host and country of the JSON report)
#   knocks report --db DB --country C
# and once, with --vs-fail2ban, fail2ban-regex FILE sshd.conf. With --pg it imports the log once
# into a new PostgreSQL database on that server (dropped at the end), and times in each round
#   knocks report --db postgres://...      (text, against SQLite's text report of the same round:
#                                           at most 2x, issue 12)
# It prints the median wall time,
# user+system CPU time and peak RSS of each over the rounds, and the median of the rounds'
# ratios to grep (each ratio taken within one round, so that a machine whose speed drifts, as a
# shared one does, still gives a fair one), against the targets: ingest at most 5x grep
# (stretch 3x), peak RSS under 100 MiB, re-import at least 20x faster than import, text and JSON
# reports at most 0.5x grep and the HTML report at most 1x (issue 13). Times and
# peak RSS are taken by a tiny Go helper built here (wait4 rusage, as GNU time does), so
# nothing else is needed.
set -euo pipefail

lines=1000000
runs=3
seed=1
style=rfc3164
file=""
vs_fail2ban=0
keep=0
knocks_bin=""
pg=""

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
	cat <<-EOF
	Flags:
	  --lines N       lines to generate (default $lines)
	  --runs N        rounds of timings, medians reported (default $runs)
	  --seed N        generator seed (default $seed)
	  --style S       rfc3164, rfc3339, journal or mixed (default $style)
	  --file PATH     time this log instead of a generated one
	  --vs-fail2ban   also time fail2ban-regex
	  --keep          keep the temporary directory
	  --knocks BIN    time this knocks binary instead of building ./cmd/knocks
	  --pg URL        also import into, and report from, a new database on this PostgreSQL server
	EOF
}

while [ $# -gt 0 ]; do
	case "$1" in
	--lines) lines="$2"; shift 2 ;;
	--lines=*) lines="${1#*=}"; shift ;;
	--runs) runs="$2"; shift 2 ;;
	--runs=*) runs="${1#*=}"; shift ;;
	--seed) seed="$2"; shift 2 ;;
	--seed=*) seed="${1#*=}"; shift ;;
	--style) style="$2"; shift 2 ;;
	--style=*) style="${1#*=}"; shift ;;
	--file) file="$2"; shift 2 ;;
	--file=*) file="${1#*=}"; shift ;;
	--vs-fail2ban) vs_fail2ban=1; shift ;;
	--keep) keep=1; shift ;;
	--knocks) knocks_bin="$2"; shift 2 ;;
	--knocks=*) knocks_bin="${1#*=}"; shift ;;
	--pg) pg="$2"; shift 2 ;;
	--pg=*) pg="${1#*=}"; shift ;;
	-h|--help) usage; exit 0 ;;
	*) echo "bench.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
	esac
done
case "$lines" in ''|*[!0-9]*) echo "bench.sh: --lines wants a number" >&2; exit 2 ;; esac
case "$runs" in ''|0|*[!0-9]*) echo "bench.sh: --runs wants a number of at least 1" >&2; exit 2 ;; esac

abs() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
[ -n "$file" ] && file="$(abs "$file")"
[ -n "$knocks_bin" ] && knocks_bin="$(abs "$knocks_bin")"
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/knocks-bench.XXXXXX")"
pgdb=""
cleanup() {
	if [ -n "$pgdb" ]; then psql "$pg" -qc "DROP DATABASE IF EXISTS $pgdb WITH (FORCE)" >/dev/null || true; fi
	if [ "$keep" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The measuring helper: runs a command, prints "<wall seconds> <peak RSS KiB> <exit status> <user+system seconds>".
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
	out, err := os.Create(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[2], os.Args[3:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	code := 0
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	fmt.Fprintf(out, "%.3f %d %d %.3f\n", wall.Seconds(), ru.Maxrss, code, cpu.Seconds())
	out.Close()
}
EOF
echo "building ..."
(cd "$tmp/measure" && GOFLAGS= go build -o "$tmp/measure/measure" main.go)
go build -o "$tmp/knocks-gen" ./cmd/knocks-gen
if [ -n "$knocks_bin" ]; then
	cp "$knocks_bin" "$tmp/knocks"
elif ! go build -o "$tmp/knocks" ./cmd/knocks; then
	echo "bench.sh: cannot build ./cmd/knocks" >&2
	exit 1
fi

# measure NAME CMD...: runs CMD (its stdout to $tmp/NAME.out, stderr to $tmp/NAME.err) and sets
# wall, rss_kib, status and cpu.
measure() {
	local name="$1"
	shift
	"$tmp/measure/measure" "$tmp/$name.time" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || true
	read -r wall rss_kib status cpu <"$tmp/$name.time"
}

# median: the median of the numbers on stdin, one a line.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

if [ -z "$file" ]; then
	log="$tmp/auth.log"
	echo "generating $lines lines (seed $seed, $style) ..."
	measure gen "$tmp/knocks-gen" -lines "$lines" -seed "$seed" -style "$style" -o "$log"
	[ "$status" = 0 ] || { cat "$tmp/gen.err" >&2; exit 1; }
	gen_wall="$wall"
	truth="$(sed -n 2p "$tmp/gen.err")"
else
	log="$file"
	[ -r "$log" ] || { echo "bench.sh: cannot read $log" >&2; exit 1; }
	gen_wall=""
	truth=""
fi
bytes="$(wc -c <"$log")"
nlines="$(wc -l <"$log")"
cat "$log" >/dev/null # into the page cache

# PostgreSQL: one import into a new database (its URL is that of --pg with another database name).
if [ -n "$pg" ]; then
	command -v psql >/dev/null 2>&1 || { echo "bench.sh: --pg needs psql (Debian: apt-get install postgresql-client)" >&2; exit 1; }
	pgdb="knocks_bench_$$_$RANDOM"
	psql "$pg" -qc "CREATE DATABASE $pgdb" >/dev/null
	pg_base="${pg%%\?*}"
	pgurl="${pg_base%/*}/$pgdb${pg#"$pg_base"}"
	echo "importing into PostgreSQL (once) ..."
	measure pg_ingest "$tmp/knocks" ingest --db "$pgurl" "$log"
	pg_ingest="$wall $rss_kib $status $cpu"
fi

# The rounds: grep, a first import into a new database, a re-import, the three reports; each figure a line of
# $tmp/NAME.rounds ("wall rss_kib status cpu"), the ratios of each round in $tmp/ratios (reports: rratios).
db="$tmp/bench.db"
: >"$tmp/grep.rounds"; : >"$tmp/ingest1.rounds"; : >"$tmp/ingest2.rounds"; : >"$tmp/ratios"; : >"$tmp/rratios"
reports="report_text report_json report_html report_found report_host report_country"
for r in $reports report_pg; do : >"$tmp/$r.rounds"; done
: >"$tmp/pgratios"
for round in $(seq "$runs"); do
	echo "round $round of $runs ..."
	measure grep grep -c sshd "$log"
	echo "$wall $rss_kib $status $cpu" >>"$tmp/grep.rounds"
	g="$wall"
	rm -f "$db" "$db-wal" "$db-shm"
	measure ingest1 "$tmp/knocks" ingest --db "$db" "$log"
	echo "$wall $rss_kib $status $cpu" >>"$tmp/ingest1.rounds"
	i1="$wall"
	measure ingest2 "$tmp/knocks" ingest --db "$db" "$log"
	echo "$wall $rss_kib $status $cpu" >>"$tmp/ingest2.rounds"
	awk -v g="$g" -v a="$i1" -v b="$wall" 'BEGIN { printf "%.4f %.4f %.4f\n", (g > 0 ? a / g : 0), (g > 0 ? b / g : 0), (b > 0 ? a / b : 0) }' >>"$tmp/ratios"
	measure report_text "$tmp/knocks" report --db "$db" --color never
	echo "$wall $rss_kib $status $cpu" >>"$tmp/report_text.rounds"
	rt="$wall"
	measure report_json "$tmp/knocks" report --db "$db" --format json
	echo "$wall $rss_kib $status $cpu" >>"$tmp/report_json.rounds"
	rj="$wall"
	measure report_html "$tmp/knocks" report --db "$db" --html "$tmp/report.html"
	echo "$wall $rss_kib $status $cpu" >>"$tmp/report_html.rounds"
	rh="$wall"
	if [ -n "$pg" ]; then
		measure report_pg "$tmp/knocks" report --db "$pgurl" --color never
		echo "$wall $rss_kib $status $cpu" >>"$tmp/report_pg.rounds"
		awk -v a="$wall" -v b="$rt" 'BEGIN { printf "%.4f\n", (b > 0 ? a / b : 0) }' >>"$tmp/pgratios"
	fi
	measure report_found "$tmp/knocks" report --db "$db" --top 11 --color never
	echo "$wall $rss_kib $status $cpu" >>"$tmp/report_found.rounds"
	rf="$wall"
	# The first host and country of the report (the JSON has one entry a line).
	fhost="$(grep -A3 '"top_hosts"' "$tmp/report_json.out" | sed -n 's/.*"key": *"\([^"]*\)".*/\1/p' | head -1)"
	fcountry="$(grep -A3 '"top_countries"' "$tmp/report_json.out" | sed -n 's/.*"country": *"\([^"]*\)".*/\1/p' | head -1)"
	measure report_host "$tmp/knocks" report --db "$db" --host "${fhost:-none}" --color never
	echo "$wall $rss_kib $status $cpu" >>"$tmp/report_host.rounds"
	rho="$wall"
	measure report_country "$tmp/knocks" report --db "$db" --country "${fcountry:-ZZ}" --color never
	echo "$wall $rss_kib $status $cpu" >>"$tmp/report_country.rounds"
	awk -v g="$g" -v a="$rt" -v b="$rj" -v c="$rh" -v d="$rf" -v e="$rho" -v f="$wall" 'BEGIN { printf "%.4f %.4f %.4f %.4f %.4f %.4f\n", (g > 0 ? a / g : 0), (g > 0 ? b / g : 0), (g > 0 ? c / g : 0), (g > 0 ? d / g : 0), (g > 0 ? e / g : 0), (g > 0 ? f / g : 0) }' >>"$tmp/rratios"
done
grep_count="$(cat "$tmp/grep.out")"
# col NAME N: the median of column N of NAME's rounds; worst NAME: its largest exit status.
col() { awk -v n="$2" '{ print $n }' "$tmp/$1.rounds" | median; }
worst() { awk 'BEGIN { m = 0 } $3 > m { m = $3 } END { print m }' "$tmp/$1.rounds"; }
grep_wall="$(col grep 1)" grep_rss="$(col grep 2)" grep_cpu="$(col grep 4)"
in1_wall="$(col ingest1 1)" in1_rss="$(col ingest1 2)" in1_cpu="$(col ingest1 4)" in1_status="$(worst ingest1)"
in2_wall="$(col ingest2 1)" in2_rss="$(col ingest2 2)" in2_cpu="$(col ingest2 4)" in2_status="$(worst ingest2)"
r1="$(awk '{ print $1 }' "$tmp/ratios" | median)"
r2="$(awk '{ print $2 }' "$tmp/ratios" | median)"
r12="$(awk '{ print $3 }' "$tmp/ratios" | median)"
in1_peak="$(awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { print m }' "$tmp/ingest1.rounds")"
rt_wall="$(col report_text 1)" rt_rss="$(col report_text 2)" rt_cpu="$(col report_text 4)" rt_status="$(worst report_text)"
rj_wall="$(col report_json 1)" rj_rss="$(col report_json 2)" rj_cpu="$(col report_json 4)" rj_status="$(worst report_json)"
rh_wall="$(col report_html 1)" rh_rss="$(col report_html 2)" rh_cpu="$(col report_html 4)" rh_status="$(worst report_html)"
rrt="$(awk '{ print $1 }' "$tmp/rratios" | median)"
rrj="$(awk '{ print $2 }' "$tmp/rratios" | median)"
rrh="$(awk '{ print $3 }' "$tmp/rratios" | median)"
rf_wall="$(col report_found 1)" rf_rss="$(col report_found 2)" rf_cpu="$(col report_found 4)" rf_status="$(worst report_found)"
rrf="$(awk '{ print $4 }' "$tmp/rratios" | median)"
rho_wall="$(col report_host 1)" rho_rss="$(col report_host 2)" rho_cpu="$(col report_host 4)" rho_status="$(worst report_host)"
rrho="$(awk '{ print $5 }' "$tmp/rratios" | median)"
rco_wall="$(col report_country 1)" rco_rss="$(col report_country 2)" rco_cpu="$(col report_country 4)" rco_status="$(worst report_country)"
rrco="$(awk '{ print $6 }' "$tmp/rratios" | median)"

f2b_note=""
if [ "$vs_fail2ban" = 1 ]; then
	filter=/etc/fail2ban/filter.d/sshd.conf
	if command -v fail2ban-regex >/dev/null 2>&1 && [ -r "$filter" ]; then
		echo "timing fail2ban-regex (slow) ..."
		measure f2b fail2ban-regex "$log" "$filter"
		f2b_wall="$wall" f2b_rss="$rss_kib" f2b_status="$status" f2b_cpu="$cpu"
	else
		f2b_note="fail2ban-regex not installed (Debian: apt-get install fail2ban)"
	fi
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "-" }'; }
x() { awk -v r="$1" 'BEGIN { printf "%.1fx", r }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
row() { printf '%-30s %9s %9s %9s %11s   %s\n' "$1" "$2" "$3" "$4" "$5" "${6:-}"; }
verdict() { awk -v v="$1" -v lim="$2" -v op="$3" 'BEGIN { ok = (op == "<=" ? v <= lim : op == "<" ? v < lim : v >= lim); print (ok ? "met" : "NOT met") }'; }

echo
echo "knocks benchmark  $(date -u +%Y-%m-%dT%H:%M:%SZ)  $(go env GOOS)/$(go env GOARCH)  $(nproc 2>/dev/null || echo ?) CPUs  $(go version | awk '{print $3}')  load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?)"
echo "input: $log"
printf 'input: %s lines, %s MB' "$nlines" "$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')"
[ -n "$gen_wall" ] && printf ', generated in %ss' "$gen_wall"
echo
[ -n "$truth" ] && echo "generator truth: $truth"
echo "medians of $runs rounds; \"vs grep\" is the median of the rounds' ratios"
echo
row "command" "wall" "cpu" "vs grep" "peak RSS"
row "grep -c sshd" "${grep_wall}s" "${grep_cpu}s" "1.0x" "$(mib "$grep_rss")" "count $grep_count"
row "knocks ingest (first import)" "${in1_wall}s" "${in1_cpu}s" "$(x "$r1")" "$(mib "$in1_rss")" "exit $in1_status"
row "knocks ingest (re-import)" "${in2_wall}s" "${in2_cpu}s" "$(x "$r2")" "$(mib "$in2_rss")" "exit $in2_status; import/re-import $(x "$r12")"
row "knocks report (text)" "${rt_wall}s" "${rt_cpu}s" "$(x "$rrt")" "$(mib "$rt_rss")" "exit $rt_status"
row "knocks report --format json" "${rj_wall}s" "${rj_cpu}s" "$(x "$rrj")" "$(mib "$rj_rss")" "exit $rj_status"
row "knocks report --html" "${rh_wall}s" "${rh_cpu}s" "$(x "$rrh")" "$(mib "$rh_rss")" "exit $rh_status"
row "knocks report --top 11" "${rf_wall}s" "${rf_cpu}s" "$(x "$rrf")" "$(mib "$rf_rss")" "exit $rf_status; not kept: found from the rollups and packs"
row "knocks report --host $fhost" "${rho_wall}s" "${rho_cpu}s" "$(x "$rrho")" "$(mib "$rho_rss")" "exit $rho_status; not kept"
row "knocks report --country $fcountry" "${rco_wall}s" "${rco_cpu}s" "$(x "$rrco")" "$(mib "$rco_rss")" "exit $rco_status; not kept"
if [ -n "$pg" ]; then
	read -r pw prss pst pcpu <<<"$pg_ingest"
	row "knocks ingest, PostgreSQL" "${pw}s" "${pcpu}s" "$(ratio "$pw" "$grep_wall")" "$(mib "$prss")" "exit $pst; once, into a new database"
	rpg="$(median <"$tmp/pgratios")"
	row "knocks report, PostgreSQL" "$(col report_pg 1)s" "$(col report_pg 4)s" "" "$(mib "$(col report_pg 2)")" "exit $(worst report_pg); $(x "$rpg") SQLite's text report (median of the rounds' ratios)"
fi
if [ -n "${f2b_wall:-}" ]; then
	row "fail2ban-regex (once)" "${f2b_wall}s" "${f2b_cpu}s" "$(ratio "$f2b_wall" "$grep_wall")" "$(mib "$f2b_rss")" "exit $f2b_status"
fi
[ -n "$f2b_note" ] && echo "$f2b_note"
echo
echo "targets: ingest <= 5x grep: $(verdict "$r1" 5 "<=") (stretch 3x: $(verdict "$r1" 3 "<="));" \
	"peak RSS < 100 MiB: $(verdict "$in1_peak" 102400 "<") (largest $(mib "$in1_peak"));" \
	"re-import >= 20x faster: $(verdict "$r12" 20 ">=")"
echo "targets: text report <= 0.5x grep: $(verdict "$rrt" 0.5 "<="); JSON report <= 0.5x grep: $(verdict "$rrj" 0.5 "<=");" \
	"HTML report <= 1x grep: $(verdict "$rrh" 1 "<=")"
[ -n "$pg" ] && echo "target: PostgreSQL report <= 2x SQLite's: $(verdict "$rpg" 2 "<=")"
echo
echo "knocks ingest (first import) said:"
sed -n '1,12p' "$tmp/ingest1.err" | sed 's/^/  /'
echo "knocks ingest (re-import) said:"
sed -n '1,6p' "$tmp/ingest2.err" | sed 's/^/  /'
if [ -n "$truth" ] && [ "$rj_status" = 0 ]; then
	echo "knocks report: $(grep -oE '"(attempts|connections|scans|logins|unique_ips|unique_users)": *[0-9]+' "$tmp/report_json.out" | head -6 | tr -d '"' | tr '\n' ' ')"
fi
if [ "$in1_status" != 0 ] || [ "$in2_status" != 0 ]; then
	echo "bench.sh: knocks ingest failed (exit $in1_status, $in2_status)" >&2
	exit 1
fi
