#!/usr/bin/env bash
# Build the libFuzzer targets and run each for a bounded time.
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# SECONDS defaults to 20 (the CI smoke run); the longer run is
#
#   fuzz/run.sh 600
#
# which gives every target ten minutes. TARGETs default to every target
# that was built (fuzz_object_open, fuzz_btf, and fuzz_btf_ext,
# fuzz_relo_core, fuzz_btf_dump, fuzz_dwarf once their core/ files exist).
#
# Seeds come from the test fixtures (tests/bpf/*.bpf.o, and their .BTF and
# .BTF.ext sections); the working corpus stays in $BUILD_DIR/fuzz/corpus so
# repeated runs build on each other. A finding is written to
# $BUILD_DIR/fuzz/artifacts/TARGET/ and makes the script exit 1. Each
# target's exec count is printed at the end.
#
# Environment: BUILD_DIR (default build-fuzz), CC (default clang),
# FUZZ_JOBS (targets run in parallel, default 1), FUZZ_ARGS (extra
# libFuzzer flags).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
SECONDS_PER_TARGET=${1:-20}
shift || true
BUILD=$ROOT/${BUILD_DIR:-build-fuzz}
CC=${CC:-clang}
JOBS=${FUZZ_JOBS:-1}
OUT=$BUILD/fuzz

cmake -S "$ROOT" -B "$BUILD" -DCMAKE_C_COMPILER="$CC" -DEVBPF_FUZZ=ON \
	-DEVBPF_BUILD_EXAMPLES=OFF -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$BUILD" -j"$(nproc)" --target test_fixtures >/dev/null
help=$(cmake --build "$BUILD" --target help)
all_targets=()
for t in fuzz_object_open fuzz_btf fuzz_btf_ext fuzz_relo_core fuzz_btf_dump fuzz_dwarf; do
	if grep -qx "\.\.\. $t" <<<"$help"; then
		cmake --build "$BUILD" -j"$(nproc)" --target "$t" >/dev/null
		all_targets+=("$t")
	fi
done
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

# A little-endian u32, for inputs that carry a length prefix.
le32() {
	local n=$1
	printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n & 255)) $(((n >> 8) & 255)) \
		$(((n >> 16) & 255)) $(((n >> 24) & 255))
}

# Seeds: whole objects for the object target, raw sections (with a length
# prefix where a target takes two blobs) for the others.
seed() {
	local name=$1 dir=$OUT/seeds/$1 obj tmp
	rm -rf "$dir"
	mkdir -p "$dir"
	tmp=$(mktemp -d)
	for obj in "$BUILD"/tests/bpf/*.bpf.o; do
		local base btf ext
		base=$(basename "$obj" .bpf.o)
		btf=$tmp/$base.btf
		ext=$tmp/$base.btf.ext
		llvm-objcopy --dump-section ".BTF=$btf" "$obj" /dev/null 2>/dev/null || true
		llvm-objcopy --dump-section ".BTF.ext=$ext" "$obj" /dev/null 2>/dev/null || true
		case "$name" in
		fuzz_object_open | fuzz_dwarf)
			cp "$obj" "$dir/$base.o" ;;
		fuzz_btf_ext)
			[ -s "$btf" ] && [ -s "$ext" ] || continue
			# shellcheck disable=SC2059
			{ printf "$(le32 "$(stat -c %s "$btf")")"; cat "$btf" "$ext"; } >"$dir/$base" ;;
		fuzz_relo_core)
			# local BTF, its .BTF.ext, and the same BTF as the target.
			[ -s "$btf" ] && [ -s "$ext" ] || continue
			# shellcheck disable=SC2059
			{
				printf "$(le32 "$(stat -c %s "$btf")")"
				cat "$btf"
				printf "$(le32 "$(stat -c %s "$ext")")"
				cat "$ext" "$btf"
			} >"$dir/$base" ;;
		*)
			[ -s "$btf" ] && cp "$btf" "$dir/$base.btf" ;;
		esac
	done
	if [ "$name" = fuzz_relo_core ] || [ "$name" = fuzz_btf_dump ]; then
		# fuzz/seeds/core_*.bpf.c: CO-RE relocations of every kind, and
		# the same types laid out differently as a target.
		local f
		for f in core_local core_target; do
			"$CC" -target bpf -O2 -g -c "$ROOT/fuzz/seeds/$f.bpf.c" -o "$tmp/$f.o"
			llvm-objcopy --dump-section ".BTF=$tmp/$f.btf" "$tmp/$f.o" /dev/null
		done
		llvm-objcopy --dump-section ".BTF.ext=$tmp/local.ext" "$tmp/core_local.o" /dev/null
		if [ "$name" = fuzz_btf_dump ]; then
			cp "$tmp/core_local.btf" "$tmp/core_target.btf" "$dir/"
		else
			for f in core_local core_target; do
				# shellcheck disable=SC2059
				{
					printf "$(le32 "$(stat -c %s "$tmp/core_local.btf")")"
					cat "$tmp/core_local.btf"
					printf "$(le32 "$(stat -c %s "$tmp/local.ext")")"
					cat "$tmp/local.ext" "$tmp/$f.btf"
				} >"$dir/core-vs-$f"
			done
		fi
	fi
	rm -rf "$tmp"
}

run_one() {
	local t=$1 log=$OUT/logs/$1.log
	mkdir -p "$OUT/corpus/$t" "$OUT/artifacts/$t" "$OUT/logs"
	seed "$t"
	# shellcheck disable=SC2086
	"$BUILD/fuzz/$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -dict="$ROOT/fuzz/evbpf.dict" \
		-artifact_prefix="$OUT/artifacts/$t/" ${FUZZ_ARGS:-} \
		"$OUT/corpus/$t" "$OUT/seeds/$t" >"$log" 2>&1
}

status=0
pids=()
for t in "${targets[@]}"; do
	run_one "$t" &
	pids+=("$!")
	if [ ${#pids[@]} -ge "$JOBS" ]; then
		wait "${pids[0]}" || true
		pids=("${pids[@]:1}")
	fi
done
for p in "${pids[@]}"; do wait "$p" || true; done

printf '%-18s %8s %14s %10s  %s\n' target seconds execs corpus result
for t in "${targets[@]}"; do
	log=$OUT/logs/$t.log
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	# libFuzzer stops at the first finding: report the time it really ran.
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
	found=$(find "$OUT/artifacts/$t" -type f | wc -l)
	result=ok
	if [ "$found" -gt 0 ] || grep -q 'ERROR: \(AddressSanitizer\|libFuzzer\)\|runtime error:' "$log"; then
		result="FINDING (see $log and $OUT/artifacts/$t/)"
		status=1
	elif [ -z "$execs" ]; then
		result="did not finish (see $log)"
		status=1
	fi
	printf '%-18s %8s %14s %10s  %s\n' "$t" "${secs:--}" "${execs:-?}" \
		"$(find "$OUT/corpus/$t" -type f | wc -l)" "$result"
done
exit $status
