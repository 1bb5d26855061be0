#!/usr/bin/env bash
# Run every evbpf-vs-libbpf benchmark and print a table, then the JSON
# lines (one object per benchmark: name, evbpf, libbpf, ratio, unit,
# better, parameters). ratio > 1 always means evbpf is better.
#
#   bench/run.sh                    configure + build build-bench/, run all
#   bench/run.sh load btf           only these (names: evbpf-bench --list:
#                                   load btf ringbuf perfbuf insn e2e
#                                   latency rates, plus "build")
#   bench/run.sh --no-build ...     use an existing build
#   bench/run.sh --build-dir DIR    build directory (default build-bench)
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
while [ $# -gt 0 ]; do
	case "$1" in
	--no-build) DO_BUILD=0 ;;
	--build-dir) BUILD_DIR=$2; shift ;;
	-h|--help) sed -n '2,15p' "$0"; exit 0 ;;
	*) NAMES+=("$1") ;;
	esac
	shift
done

if [ "$DO_BUILD" = 1 ]; then
	cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DEVBPF_BUILD_BENCH=ON >/dev/null
	cmake --build "$BUILD_DIR" -j"$(nproc)" --target evbpf-bench >/dev/null
fi
BENCH=$BUILD_DIR/bench/evbpf-bench
RESULTS=$BUILD_DIR/bench/results.jsonl
[ -x "$BENCH" ] || { echo "run.sh: $BENCH not built" >&2; exit 1; }

want() { # want NAME: whether NAME was asked for (everything by default)
	[ ${#NAMES[@]} -eq 0 ] && return 0
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
if [ ${#NAMES[@]} -eq 0 ]; then
	"$BENCH" | tee -a "$RESULTS"
else
	bench_names=()
	for n in "${NAMES[@]}"; do [ "$n" != build ] && bench_names+=("$n"); done
	if [ ${#bench_names[@]} -gt 0 ]; then
		"$BENCH" "${bench_names[@]}" | tee -a "$RESULTS"
	fi
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
/^\{/ {
	params = $0
	sub(/.*"better":"[a-z]*",?/, "", params)
	sub(/\}$/, "", params)
	gsub(/"/, "", params)
	gsub(/,/, " ", params)
	printf "%-28s %12s %12s %7s  %-10s %s\n", field($0, "name"), field($0, "evbpf"),
	       field($0, "libbpf"), field($0, "ratio"), field($0, "unit"), params
}' "$RESULTS"
echo "loadavg at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "ratio > 1: evbpf better (libbpf/evbpf for times and sizes, evbpf/libbpf for rates)"
echo "JSON lines: $RESULTS"
