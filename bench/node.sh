#!/usr/bin/env bash
# Ring buffer records consumed by Node.js (bindings/node) against the same
# consumer in C on libuv, and against a Node.js program parsing bpftrace's
# output. Prints per-run JSON and a summary (range over the runs).
#
#   bench/node.sh [RUNS] [RECORDS]    default 3 runs, 1000000 records
#
# Needs root, a built tree (BUILD_DIR, default build: scripts/dev.sh build)
# and the addon (npm test or node scripts/build.js in bindings/node).
# bpftrace: from Debian (apt-get install bpftrace); skipped when missing.
# Its raw_syscalls:sys_enter probe fires on a producer's getppid() calls, so its
# records are real syscalls (BPF_PROG_TEST_RUN cannot feed bpftrace); the
# wall time there includes the producer's syscalls. The evbpf runs (Node
# and C) produce with BPF_PROG_TEST_RUN in chunks of 50 000 in the same
# process, so their CPU includes the producer's; the difference between
# them is the cost of Node.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/${BUILD_DIR:-build}
RUNS=${1:-3}
N=${2:-1000000}
BT_N=${BT_RECORDS:-200000}
FIX=$BUILD/tests/bpf/node_events.bpf.o
OUT=$BUILD/bench-node
mkdir -p "$OUT"
cc -O2 -I"$ROOT/include" "$ROOT/bench/node/c_consumer.c" "$BUILD/libevbpf-uv.a" "$BUILD/libevbpf.a" \
	-luv -lpthread -o "$OUT/c_consumer"
(cd "$ROOT/bindings/node" && EVBPF_BUILD_DIR=$BUILD node scripts/build.js)

results=$OUT/results.jsonl
: >"$results"
for ((i = 1; i <= RUNS; i++)); do
	echo "{\"bench\":\"c\",$("$OUT/c_consumer" "$FIX" "$N" | cut -c2-)" | tee -a "$results"
	echo "{\"bench\":\"node\",$(cd "$ROOT/bindings/node" && node "$ROOT/bench/node/node_consumer.js" "$FIX" "$N" | cut -c2-)" | tee -a "$results"
	if command -v bpftrace >/dev/null; then
		echo "{\"bench\":\"bpftrace\",$(node "$ROOT/bench/node/bpftrace_parse.js" "$BT_N" | cut -c2-)" | tee -a "$results"
	fi
done
echo "== $(date -u +%Y-%m-%d) $(uname -r), $(nproc) CPUs, node $(node --version), $RUNS runs (min .. max)"
node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
const r = (a) => `${Math.min(...a).toFixed(0)} .. ${Math.max(...a).toFixed(0)}`;
for (const b of ["c", "node", "bpftrace"]) {
  const x = rows.filter((y) => y.bench === b);
  if (!x.length) continue;
  const rps = x.map((y) => y.records / y.wallNs * 1e9);
  const cpu = x.map((y) => (y.cpuNs ?? (y.parserCpuNs + y.bpftraceCpuNs)) / y.records);
  const extra = b === "bpftrace" ? `, lost ${r(x.map((y) => y.lost))}, received ${r(x.map((y) => y.records))}` : "";
  console.log(`${b.padEnd(9)} records/s ${r(rps).padEnd(22)} CPU ns/record ${r(cpu)}${extra}`);
}' "$results"
