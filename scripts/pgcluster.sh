#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests of the postgres store.
#
#   eval "$(scripts/pgcluster.sh start)"   # prints export KNOCKS_TEST_PG=... and KNOCKS_TEST_PG_DIR=...
#   scripts/pgcluster.sh stop "$KNOCKS_TEST_PG_DIR"
#
# It runs initdb and pg_ctl as the user postgres (PostgreSQL refuses to run
# as root) in a new directory under /tmp that this user can reach, on a free
# port of 127.0.0.1, with trust authentication for local connections only.
set -euo pipefail

bindir() {
	local d
	for d in ${PG_BINDIR:-} /usr/lib/postgresql/*/bin; do
		if [ -x "$d/initdb" ]; then
			echo "$d"
			return
		fi
	done
	command -v initdb >/dev/null 2>&1 && dirname "$(command -v initdb)" && return
	echo "pgcluster: no initdb found (apt-get install postgresql)" >&2
	exit 1
}

# as runs a command as the postgres user when we are root.
as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

freeport() {
	local p
	for p in $(seq 54320 54420); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo "pgcluster: no free port" >&2
	exit 1
}

case "${1:-}" in
start)
	bin=$(bindir)
	dir=$(mktemp -d /tmp/knocks-pg.XXXXXX)
	chmod 755 "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
	port=$(freeport)
	as "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
		{ cat "$dir/initdb.log" >&2; exit 1; }
	as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
		start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
	echo "export KNOCKS_TEST_PG='postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable'"
	echo "export KNOCKS_TEST_PG_DIR='$dir'"
	;;
stop)
	dir=${2:?usage: pgcluster.sh stop DIR}
	bin=$(bindir)
	as "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$dir"
	;;
*)
	echo "usage: pgcluster.sh start | stop DIR" >&2
	exit 2
	;;
esac
