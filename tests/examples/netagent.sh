#!/usr/bin/env bash
# Smoke test of examples/netagent, in a private network namespace (its own
# loopback, so nothing else on the machine sees the XDP program or the
# traffic): the control port must answer with counters that grew after the
# test sent UDP packets on loopback, flow samples must show those packets,
# and SIGTERM must leave no XDP program behind.
# Usage: netagent.sh NETAGENT EVBPF_TOOL FIXTURE_DIR
set -uo pipefail
if [ -z "${NETAGENT_NETNS:-}" ]; then
	. "$(dirname "$0")/lib.sh"
	require_kernel "$2" "$3"
	command -v unshare >/dev/null || skip "unshare(1) is missing"
	command -v ip >/dev/null || skip "ip(8) (iproute2) is missing"
	unshare -n true 2>/dev/null || skip "cannot create a network namespace"
	cleanup
	trap - EXIT
	exec unshare -n env NETAGENT_NETNS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
exe=$1
ip link set lo up || fail "cannot bring up loopback in the namespace"

"$exe" lo --port 0 --sample 1 --duration 60 >"$TMP/netagent.out" 2>"$TMP/netagent.err" &
pid=$!
PIDS+=("$pid")
wait_for "$TMP/netagent.out" 'control port 127\.0\.0\.1:[0-9]+' 15 || fail "netagent did not start"
port=$(sed -n 's/.*control port 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/netagent.out")
ip link show lo | grep -q xdp || fail "no XDP program on lo"

query() {
	local out
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	out=$(timeout 5 cat <&3)
	exec 3<&-
	echo "$out"
}
counter() { # counter NAME < reply
	sed -n "s/^$1 \([0-9]*\)\$/\1/p"
}

before=$(query) || fail "control port did not answer"
echo "$before" | grep -q '^netagent lo$' || fail "unexpected reply: $before"
udp0=$(echo "$before" | counter udp_packets)
tcp0=$(echo "$before" | counter tcp_packets)
[ -n "$udp0" ] && [ -n "$tcp0" ] || fail "no counters in: $before"

for _ in 1 2 3 4 5; do
	echo netagent-smoke >/dev/udp/127.0.0.1/9
done
# The counters are read live: give the packets a moment to be counted.
for _ in $(seq 1 50); do
	after=$(query) || fail "control port did not answer the second time"
	udp1=$(echo "$after" | counter udp_packets)
	[ "$udp1" -ge $((udp0 + 5)) ] && break
	sleep 0.1
done
tcp1=$(echo "$after" | counter tcp_packets)
[ "$udp1" -ge $((udp0 + 5)) ] || fail "udp_packets went from $udp0 to $udp1 after 5 packets"
[ "$tcp1" -gt "$tcp0" ] || fail "tcp_packets did not grow with our queries ($tcp0 -> $tcp1)"
wait_for "$TMP/netagent.out" '^FLOW cpu [0-9]+ udp 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:9 len [0-9]+$' 5 ||
	fail "no flow sample of our UDP packets"

kill -TERM "$pid"
wait "$pid" || fail "netagent exited with $? on SIGTERM"
grep -qE '^netagent: [0-9]+ flow samples, 0 lost$' "$TMP/netagent.out" || fail "no summary"
ip link show lo | grep -q xdp && fail "XDP program still attached after exit"
# The same object under `evbpf run --iface`: XDP attached on lo, its perf
# records decoded as struct flow_event (found from the map name "flows").
evbpf=$2
obj=$(dirname "$exe")/netagent.bpf.o
"$evbpf" run "$obj" --iface lo --set sample_every=1 --count 2 --duration 20 -v \
	>"$TMP/run.out" 2>"$TMP/run.err" &
rpid=$!
PIDS+=("$rpid")
wait_for "$TMP/run.err" '^evbpf: run: ready' 10 || fail "evbpf run --iface lo: not ready"
for _ in $(seq 1 100); do
	kill -0 "$rpid" 2>/dev/null || break
	echo evbpf-run >/dev/udp/127.0.0.1/9
	sleep 0.05
done
wait "$rpid" || fail "evbpf run --iface lo: exit status $?"
[ "$(grep -c '"type":"struct flow_event"' "$TMP/run.out")" = 2 ] ||
	fail "evbpf run --iface lo: records not decoded as struct flow_event"
grep -qE '^\{"map":"flows","cpu":[0-9]+,"size":[0-9]+,"type":"struct flow_event","data":\{"family":4,"proto":(17|1),' \
	"$TMP/run.out" || fail "evbpf run --iface lo: $(head -n 1 "$TMP/run.out")"
ip link show lo | grep -q xdp && fail "XDP program still attached after evbpf run"

echo "PASS: netagent counted udp $udp0 -> $udp1, tcp $tcp0 -> $tcp1"
