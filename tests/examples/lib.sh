# Shared helpers of the example smoke tests (sourced, not run).
#
# A smoke test that cannot run here (no root, bpf() refused) exits 77, which
# ctest reports as skipped; with EVBPF_REQUIRE_KERNEL=1 (CI) it fails.
# Every wait is bounded, every process started is killed on exit, and all
# traffic stays on loopback.

TMP=$(mktemp -d)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

skip() {
	local v=${EVBPF_REQUIRE_KERNEL:-0}
	if [ -n "$v" ] && [ "$v" != 0 ]; then
		echo "FAIL: kernel required (EVBPF_REQUIRE_KERNEL=$v): $*"
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}

fail() {
	echo "FAIL: $*"
	for f in "$TMP"/*.out "$TMP"/*.err; do
		[ -f "$f" ] || continue
		echo "---- $(basename "$f") (last 40 lines)"
		tail -n 40 "$f"
	done
	exit 1
}

# require_kernel TOOL FIXTURE_DIR: skip unless BPF programs load here.
require_kernel() {
	local out
	if ! out=$("$1" load "$2/loader.bpf.o" 2>&1 >/dev/null); then
		skip "cannot load BPF programs here: $(echo "$out" | head -n 1)"
	fi
}

# wait_for FILE REGEX SECONDS: poll until FILE has a line matching REGEX.
wait_for() {
	local deadline=$((SECONDS + $3))
	while [ $SECONDS -lt $deadline ]; do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# still_running PID: fail with the logs when a started process died.
still_running() {
	kill -0 "$1" 2>/dev/null || fail "process $1 exited early"
}
