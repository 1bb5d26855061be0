#!/usr/bin/env bash
# Run the evbpf-vs-libbpf benchmarks and print one table, then the JSON
# lines (one object per benchmark: name, evbpf, libbpf, ratio, unit,
# better, parameters). ratio > 1 always means evbpf is better.
#
#   bench/run.sh                    configure + build build-bench/, then the
#                                   consumer benchmarks (about 3 minutes):
#                                   insn ringbuf perfbuf e2e latency rates
#   bench/run.sh --quick            the same with fewer rounds (about 1 minute)
#   bench/run.sh --all              also load btf and the library's build time
#   bench/run.sh load btf           only these (names: evbpf-bench --list:
#                                   load btf ringbuf perfbuf insn e2e
#                                   latency rates, plus "build")
#   bench/run.sh --no-build ...     use an existing build
#   bench/run.sh --build-dir DIR    build directory (default build-bench)
#
# What the consumer benchmarks cover: drain cost per record with callgrind
# instruction counts (insn) and in time (ringbuf, perfbuf) for ring and
# perf buffers at 16/64/256/1024 B, per-record and batch callbacks; end to
# end at fixed offered rates (rates: 10k, 100k, 1M records/s and flat out,
# ring and perf buffers, evbpf default and max_delay_us=1000 on libuv and
# libev, against libbpf's poll loop in the same run): consumer CPU per
# record, wakeups/s, p50/p99/p99.9 latency, records lost, each with its
# ratio against libbpf. The machine's load average goes with every run:
# on a shared machine time-based figures depend on it, the instruction
# counts do not.
#
# Needs root (or CAP_BPF + CAP_PERFMON + CAP_SYS_ADMIN) for BPF_PROG_TEST_RUN
# and map creation. Results are also written to DIR/bench/results.jsonl.
# Environment: BENCH_*_ROUNDS and friends override the defaults each
# benchmark prints as its parameters.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=$ROOT/build-bench
DO_BUILD=1
NAMES=()
QUICK=0
ALL=0
while [ $# -gt 0 ]; do
	case "$1" in
	--no-build) DO_BUILD=0 ;;
	--build-dir) BUILD_DIR=$2; shift ;;
	--quick) QUICK=1 ;;
	--all) ALL=1 ;;
	-h|--help) sed -n '2,32p' "$0"; exit 0 ;;
	*) NAMES+=("$1") ;;
	esac
	shift
done

# The default set: what a consumer pays, in a few minutes.
if [ ${#NAMES[@]} -eq 0 ]; then
	NAMES=(insn ringbuf perfbuf e2e latency rates)
	[ "$ALL" = 1 ] && NAMES=(load btf "${NAMES[@]}" build)
fi
# Rounds: the defaults keep the whole run near 3 minutes on a 2-vCPU VM
# (filling a perf buffer costs an irq_work per record there, so its drain
# benchmark has fewer rounds than the ring buffer's); --quick cuts them.
if [ "$QUICK" = 1 ]; then
	: "${BENCH_PERF_ROUNDS:=5}" "${BENCH_DRAIN_ROUNDS:=31}" "${BENCH_E2E_ROUNDS:=3}"
	: "${BENCH_RATES_ROUNDS:=1}" "${BENCH_LAT_ROUNDS:=1}"
fi
: "${BENCH_PERF_ROUNDS:=11}"
export BENCH_PERF_ROUNDS
for v in BENCH_DRAIN_ROUNDS BENCH_E2E_ROUNDS BENCH_RATES_ROUNDS BENCH_LAT_ROUNDS; do
	if [ -n "${!v:-}" ]; then export "${v?}"; fi
done

if [ "$DO_BUILD" = 1 ]; then
	cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DEVBPF_BUILD_BENCH=ON >/dev/null
	cmake --build "$BUILD_DIR" -j2 --target evbpf-bench >/dev/null
fi
BENCH=$BUILD_DIR/bench/evbpf-bench
RESULTS=$BUILD_DIR/bench/results.jsonl
[ -x "$BENCH" ] || { echo "run.sh: $BENCH not built" >&2; exit 1; }

want() { # want NAME: whether NAME was asked for
	local n
	for n in "${NAMES[@]}"; do [ "$n" = "$1" ] && return 0; done
	return 1
}

# Seconds for a clean Release build of the library alone (libevbpf.so and
# libevbpf.a; configure excluded) with 2 jobs, median of 3, in a
# throwaway directory. The compilers' CPU seconds (user + sys) are reported
# too: on a shared machine the wall time depends on the load, the CPU time
# much less (wall >= cpu / jobs). libbpf's sources are not on the machine,
# so there is no libbpf figure: the target is 10 s.
build_bench() {
	local rounds=${BENCH_BUILD_ROUNDS:-3} jobs=${BENCH_BUILD_JOBS:-2} walls=() cpus=() dir i
	local wall user sys load TIMEFORMAT='%R %U %S'
	load=$(cut -d' ' -f1 /proc/loadavg)
	for ((i = 0; i < rounds; i++)); do
		dir=$(mktemp -d /tmp/evbpf-buildtime.XXXXXX)
		cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
			-DEVBPF_BUILD_TOOLS=OFF -DEVBPF_BUILD_EXAMPLES=OFF -DEVBPF_BUILD_BENCH=OFF \
			-DEVBPF_WITH_LIBUV=OFF -DEVBPF_WITH_LIBEV=OFF >/dev/null
		{ time cmake --build "$dir" -j"$jobs" --target evbpf evbpf_static >/dev/null; } 2>"$dir.time"
		read -r wall user sys <"$dir.time"
		rm -rf "$dir" "$dir.time"
		walls+=("$wall")
		cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')")
	done
	local med_wall med_cpu sources
	med_wall=$(printf '%s\n' "${walls[@]}" | median)
	med_cpu=$(printf '%s\n' "${cpus[@]}" | median)
	sources=$({ find "$ROOT/core" "$ROOT/async" -maxdepth 1 -name '*.c' 2>/dev/null || true; } | wc -l)
	printf '{"name":"build_release","evbpf":%.2f,"libbpf":null,"ratio":null,"unit":"s","better":"lower","target_s":10,"cpu_s":%.2f,"jobs":%d,"rounds":%d,"sources":%d,"loadavg":%s,"cc":"%s"}\n' \
		"$med_wall" "$med_cpu" "$jobs" "$rounds" "$sources" "$load" "$(cc --version | head -1)"
}

median() {
	sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

: >"$RESULTS"
# The machine's load goes with every timed run: on a shared machine the
# wall-clock figures depend on it (the instruction counts of "insn" do not).
echo "run.sh: $(date -u +%Y-%m-%dT%H:%M:%SZ) loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
bench_names=()
for n in "${NAMES[@]}"; do [ "$n" != build ] && bench_names+=("$n"); done
if [ ${#bench_names[@]} -gt 0 ]; then
	"$BENCH" "${bench_names[@]}" | tee -a "$RESULTS"
fi
if want build; then
	echo "build: clean Release build of libevbpf, ${BENCH_BUILD_ROUNDS:-3} rounds" >&2
	build_bench | tee -a "$RESULTS"
fi

# The table: one row per result line. The JSON is our own fixed format
# (name, evbpf, libbpf, ratio, unit, better, then parameters), so awk
# reads it without a JSON parser.
echo
awk '
function field(line, key,   re, v) {
	re = "\"" key "\":(\"[^\"]*\"|[^,}]*)"
	if (!match(line, re))
		return ""
	v = substr(line, RSTART + length(key) + 3, RLENGTH - length(key) - 3)
	gsub(/"/, "", v)
	return v
}
BEGIN {
	printf "%-28s %12s %12s %7s  %-10s %s\n", "benchmark", "evbpf", "libbpf", "ratio", "unit", "parameters"
}
# The fixed-rate runs go to a table of their own (below): too many figures
# for one line of parameters.
/^\{/ && /"evbpf_p99_us"/ {
	rates[++nrates] = $0
	next
}
/^\{/ {
	params = $0
	sub(/.*"better":"[a-z]*",?/, "", params)
	sub(/\}$/, "", params)
	gsub(/"/, "", params)
	gsub(/,/, " ", params)
	printf "%-28s %12s %12s %7s  %-10s %s\n", field($0, "name"), field($0, "evbpf"),
	       field($0, "libbpf"), field($0, "ratio"), field($0, "unit"), params
}
END {
	if (!nrates)
		exit
	printf "\nend to end at fixed offered rates, evbpf / libbpf (ratio: > 1 evbpf better)\n"
	printf "%-28s %17s %6s %15s %6s %17s %6s %17s %6s %17s %6s %15s %6s\n", "run",
	       "cpu ns/record", "ratio", "wakeups/s", "ratio", "p50 us", "ratio", "p99 us",
	       "ratio", "p99.9 us", "ratio", "lost", "load"
	for (i = 1; i <= nrates; i++) {
		l = rates[i]
		printf "%-28s %8s/%-8s %6s %7s/%-7s %6s %8s/%-8s %6s %8s/%-8s %6s %8s/%-8s %6s %7s/%-7s %6s\n",
		       field(l, "name"), field(l, "evbpf"), field(l, "libbpf"), field(l, "ratio"),
		       field(l, "evbpf_wakeups_per_s"), field(l, "libbpf_wakeups_per_s"),
		       field(l, "wakeups_ratio"), field(l, "evbpf_p50_us"), field(l, "libbpf_p50_us"),
		       field(l, "p50_ratio"), field(l, "evbpf_p99_us"), field(l, "libbpf_p99_us"),
		       field(l, "p99_ratio"), field(l, "evbpf_p999_us"), field(l, "libbpf_p999_us"),
		       field(l, "p999_ratio"), field(l, "evbpf_lost"), field(l, "libbpf_lost"),
		       field(l, "loadavg")
	}
}' "$RESULTS"
echo "loadavg at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "ratio > 1: evbpf better (libbpf/evbpf for times and sizes, evbpf/libbpf for rates)"
echo "JSON lines: $RESULTS"
