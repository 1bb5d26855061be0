#!/bin/sh
# Smoke test for the cgroup-skb example: a fresh child cgroup, the example
# attached to it, UDP traffic over loopback from a process in it, and the
# final counts checked against what was sent. Everything is removed again.
set -u
EXAMPLE=$1
TRAFFIC=$2
ROOT=${3:-/sys/fs/cgroup/unified}
COUNT=20
CG="$ROOT/evbpf-example-$$"
OUT=$(mktemp)
PID=

cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rmdir "$CG" 2>/dev/null
	rm -f "$OUT"
}
trap cleanup EXIT

mkdir "$CG" || { echo "cannot create $CG"; exit 1; }
"$EXAMPLE" --cgroup "$CG" --interval 0.5 --duration 4 >"$OUT" 2>&1 &
PID=$!
# Wait for the attach before sending.
for i in $(seq 50); do
	grep -q '^attached' "$OUT" && break
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.1
done
grep -q '^attached' "$OUT" || { echo "example did not attach:"; cat "$OUT"; exit 1; }
"$TRAFFIC" "$CG" "$COUNT" || { echo "traffic failed"; exit 1; }
wait "$PID"; status=$?; PID=
cat "$OUT"
[ "$status" -eq 0 ] || { echo "example exited with $status"; exit 1; }
last=$(grep '^packets=' "$OUT" | tail -n 1)
packets=$(echo "$last" | sed 's/packets=\([0-9]*\).*/\1/')
bytes=$(echo "$last" | sed 's/.*bytes=\([0-9]*\)/\1/')
# Each datagram carries 16 bytes of payload behind 28 bytes of IPv4+UDP.
if [ "${packets:-0}" -ge "$COUNT" ] && [ "${bytes:-0}" -ge $((COUNT * 44)) ]; then
	echo "ok: $packets packets, $bytes bytes (sent $COUNT)"
	exit 0
fi
echo "counts did not grow as expected: packets=${packets:-?} bytes=${bytes:-?} (sent $COUNT)"
exit 1
