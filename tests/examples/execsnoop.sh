#!/usr/bin/env bash
# Smoke test of examples/execsnoop: it must report the exec and the exit of
# a uniquely named program this test runs, with this shell as the parent.
# Usage: execsnoop.sh EXECSNOOP EVBPF_TOOL FIXTURE_DIR
set -uo pipefail
. "$(dirname "$0")/lib.sh"
exe=$1
require_kernel "$2" "$3"

probe_name=evsnoop$$
probe_name=${probe_name:0:15}
cp /bin/true "$TMP/$probe_name"

"$exe" --duration 30 >"$TMP/execsnoop.out" 2>"$TMP/execsnoop.err" &
pid=$!
PIDS+=("$pid")
wait_for "$TMP/execsnoop.out" '^TIME' 15 || fail "execsnoop did not start"

# Run the probe until execsnoop has shown both of its events (the first
# run may race the attachment, so try a few times).
for _ in $(seq 1 30); do
	still_running "$pid"
	"$TMP/$probe_name"
	if grep -qE "EXIT +[0-9]+ +$$ +$probe_name +exit 0 after" "$TMP/execsnoop.out"; then
		break
	fi
	sleep 0.2
done
grep -qE "EXEC +[0-9]+ +$$ +$probe_name +$TMP/$probe_name\$" "$TMP/execsnoop.out" ||
	fail "no EXEC line for $probe_name with parent $$"
grep -qE "EXIT +[0-9]+ +$$ +$probe_name +exit 0 after [0-9.]+ ms" "$TMP/execsnoop.out" ||
	fail "no EXIT line for $probe_name with parent $$"

# An exit status and --count: the run stops by itself after the 2 events
# (exec, exit) of a uniquely named copy of false(1).
fail_name=evfalse$$
fail_name=${fail_name:0:15}
cp /bin/false "$TMP/$fail_name"
"$exe" --count 2 --comm "$fail_name" --duration 20 >"$TMP/count.out" 2>"$TMP/count.err" &
cpid=$!
PIDS+=("$cpid")
wait_for "$TMP/count.out" '^TIME' 15 || fail "execsnoop --count did not start"
for _ in $(seq 1 50); do
	kill -0 "$cpid" 2>/dev/null || break
	"$TMP/$fail_name" || true
	sleep 0.1
done
wait "$cpid" || fail "execsnoop --count exited with $?"
[ "$(grep -c "$fail_name" "$TMP/count.out")" = 2 ] ||
	fail "--count 2 printed $(grep -c "$fail_name" "$TMP/count.out") events"
grep -qE "EXEC +[0-9]+ +$$ +$fail_name +$TMP/$fail_name\$" "$TMP/count.out" ||
	fail "no EXEC of $fail_name"
grep -qE "EXIT +[0-9]+ +$$ +$fail_name +exit 1 after [0-9.]+ ms" "$TMP/count.out" ||
	fail "no EXIT of $fail_name with status 1"

kill -INT "$pid"
wait "$pid" || fail "execsnoop exited with $? on SIGINT"
echo "PASS: execsnoop saw $probe_name start and exit"
