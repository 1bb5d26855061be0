#!/usr/bin/env bash
# Smoke test of examples/metrics-server: /metrics must answer over HTTP
# with this shell's own system calls counted (and the count must grow as
# the shell makes more), a uniquely named program this test ran must show
# up by name, and unknown paths must get a 404.
# Usage: metrics-server.sh METRICS_SERVER EVBPF_TOOL FIXTURE_DIR
set -uo pipefail
. "$(dirname "$0")/lib.sh"
exe=$1
require_kernel "$2" "$3"

"$exe" --port 0 --interval 200 --duration 60 >"$TMP/server.out" 2>"$TMP/server.err" &
pid=$!
PIDS+=("$pid")
wait_for "$TMP/server.out" 'serving http://127\.0\.0\.1:[0-9]+/metrics' 15 || fail "server did not start"
port=$(sed -n 's|.*http://127\.0\.0\.1:\([0-9]*\)/metrics.*|\1|p' "$TMP/server.out")

# get PATH OUTFILE: one HTTP/1.0 request with bash's /dev/tcp.
get() {
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$1" >&3
	timeout 5 cat <&3 >"$2"
	exec 3<&-
}
# own_count FILE: this shell's counter in a scrape, or nothing.
own_count() {
	sed -n "s/^evbpf_syscalls_total{pid=\"$$\",comm=\"[^\"]*\"} \([0-9]*\)\r\?\$/\1/p" "$1"
}

probe=evms$$
probe=${probe:0:15}
cp /bin/true "$TMP/$probe"
"$TMP/$probe"

# Syscalls of this shell itself (read is a builtin: no new process).
first=""
for _ in $(seq 1 50); do
	read -r _ </etc/hostname
	get /metrics "$TMP/scrape1.txt" || fail "no answer from 127.0.0.1:$port"
	first=$(own_count "$TMP/scrape1.txt")
	[ -n "$first" ] && grep -q "comm=\"$probe\"" "$TMP/scrape1.txt" && break
	sleep 0.1
done
head -n 1 "$TMP/scrape1.txt" | grep -q '^HTTP/1.1 200 OK' || fail "status: $(head -n 1 "$TMP/scrape1.txt")"
grep -qi '^Content-Type: text/plain; version=0.0.4' "$TMP/scrape1.txt" || fail "not the Prometheus text format"
grep -q '^# TYPE evbpf_syscalls_total counter' "$TMP/scrape1.txt" || fail "no TYPE line"
[ -n "$first" ] || fail "this shell (pid $$) is not counted"
grep -qE "^evbpf_syscalls_total\\{pid=\"[0-9]+\",comm=\"$probe\"\\} [1-9][0-9]*"$'\r?$' "$TMP/scrape1.txt" ||
	fail "the program $probe is not counted"

# More syscalls: a later snapshot must count more.
second=$first
for _ in $(seq 1 50); do
	for _ in 1 2 3 4 5; do read -r _ </etc/hostname; done
	sleep 0.1
	get /metrics "$TMP/scrape2.txt" || fail "no answer to the second scrape"
	second=$(own_count "$TMP/scrape2.txt")
	[ -n "$second" ] && [ "$second" -gt "$first" ] && break
done
[ -n "$second" ] && [ "$second" -gt "$first" ] || fail "count did not grow ($first -> $second)"
snapshots=$(sed -n 's/^evbpf_map_snapshots_total \([0-9]*\).*/\1/p' "$TMP/scrape2.txt")
[ "${snapshots:-0}" -ge 2 ] || fail "snapshots_total is ${snapshots:-missing}"

get /nope "$TMP/404.txt" || fail "no answer for /nope"
head -n 1 "$TMP/404.txt" | grep -q '^HTTP/1.1 404' || fail "/nope: $(head -n 1 "$TMP/404.txt")"

kill -TERM "$pid"
wait "$pid" || fail "metrics-server exited with $? on SIGTERM"
grep -qE '^metrics-server: [0-9]+ requests, [0-9]+ snapshots$' "$TMP/server.out" || fail "no summary"
grep -q 'did not close cleanly' "$TMP/server.err" && fail "the loop did not close cleanly"
echo "PASS: metrics-server counted this shell's syscalls ($first -> $second) and $probe"
