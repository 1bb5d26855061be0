#!/usr/bin/env bash
# Quick start and test entry point: installs what the build needs (Debian
# packages), configures, builds, then runs the demo or the test suite.
#
#   scripts/dev.sh demo          build and run the main demo
#   scripts/dev.sh test          build and run every test (ctest)
#   scripts/dev.sh valgrind      build, then run the unit, kernel and async
#                                tests under valgrind (memcheck, leaks)
#   scripts/dev.sh tsan          build with ThreadSanitizer (build-tsan) and
#                                run the concurrency stress and async tests
#   scripts/dev.sh fuzz [S]      build the libFuzzer targets (clang) and run
#                                each for S seconds (default 20; fuzz/run.sh)
#   scripts/dev.sh deps          only install the packages
#
# Environment: BUILD_DIR (default build), EVBPF_SANITIZE=1 for an ASan+UBSan
# build (default build-asan), CMAKE_ARGS for extra configure flags.
#
# valgrind: every test binary runs under
#   valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect
#            --error-exitcode=1 --suppressions=tests/valgrind.supp
# and any error or definite/indirect leak fails the run. "Still reachable"
# and "possibly lost" blocks are not errors: libuv keeps its default loop
# and its threadpool (uv_queue_work) alive until exit, libev's default loop
# and its signal pipe are process-lifetime by design, and glibc's thread
# stacks and TLS for threads still parked in those pools show up as
# "possibly lost". valgrind's bpf(2) wrapper also checks fields the kernel
# ignores for some commands; tests/valgrind.supp lists those, with why. A
# log per test is left in $BUILD_DIR/valgrind/. Run it on a normal (not
# sanitizer) build: ASan and valgrind cannot be combined. Code runs
# translated under valgrind, so uprobes on the test binary never fire:
# EVBPF_TEST_VALGRIND=1 makes those tests skip (SKIP_UNDER_VALGRIND).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

PACKAGES=(build-essential cmake pkg-config clang llvm libuv1-dev libev-dev libcmocka-dev
	  libbpf-dev linux-libc-dev iproute2 valgrind)

need_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

deps() {
	local missing=()
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "installing: ${missing[*]}"
		need_root apt-get update -qq
		need_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
	fi
}

build() {
	local dir=${BUILD_DIR:-build} args=()
	if [ "${EVBPF_SANITIZE:-0}" = 1 ]; then
		dir=${BUILD_DIR:-build-asan}
		args+=(-DEVBPF_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
	elif [ "${EVBPF_SANITIZE:-0}" = thread ]; then
		# gcc warns that TSan does not model atomic_thread_fence; the ring
		# protocol's fences pair with the kernel, which TSan cannot see.
		dir=${BUILD_DIR:-build-tsan}
		args+=(-DCMAKE_BUILD_TYPE=Debug -DEVBPF_BUILD_EXAMPLES=OFF
		       "-DCMAKE_C_FLAGS=-fsanitize=thread -O1 -Wno-tsan"
		       -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread
		       -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread)
	fi
	# shellcheck disable=SC2206
	args+=(${CMAKE_ARGS:-})
	cmake -S "$ROOT" -B "$ROOT/$dir" -DEVBPF_WERROR=ON "${args[@]}" >/dev/null
	# BUILD_TARGETS: build only these (the TSan run needs a few tests).
	# shellcheck disable=SC2086
	cmake --build "$ROOT/$dir" -j"$(nproc)" ${BUILD_TARGETS:+--target $BUILD_TARGETS}
	BUILT_DIR="$ROOT/$dir"
}

demo() {
	local dir=$BUILT_DIR
	if [ -x "$dir/examples/execsnoop/execsnoop" ]; then
		# Every exec and process exit on the machine until Ctrl-C
		# (examples/execsnoop/README.md); loading BPF needs root.
		echo "== execsnoop: process starts and exits, Ctrl-C to stop" >&2
		if [ "$(id -u)" -eq 0 ]; then
			exec "$dir/examples/execsnoop/execsnoop" "$@"
		fi
		exec sudo "$dir/examples/execsnoop/execsnoop" "$@"
	fi
	echo "== evbpf inspect tests/bpf/loader.bpf.c"
	"$dir/tools/evbpf" inspect "$dir/tests/bpf/loader.bpf.o"
	echo "== evbpf load tests/bpf/loader.bpf.c"
	"$dir/tools/evbpf" load "$dir/tests/bpf/loader.bpf.o"
}

run_tests() {
	local dir=$BUILT_DIR
	ctest --test-dir "$dir" --output-on-failure -j"$(nproc)" "$@"
}

valgrind_tests() {
	local dir=$BUILT_DIR logs=$BUILT_DIR/valgrind failed=() t name
	mkdir -p "$logs"
	# Tests that cannot work under valgrind (uprobes on the test binary's
	# own code) skip, with the reason, when they see this.
	export EVBPF_TEST_VALGRIND=1
	for t in "$dir"/tests/unit-test-* "$dir"/tests/kernel-test-* "$dir"/tests/async-test-*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		printf '%-40s ' "$name"
		if valgrind --leak-check=full --show-leak-kinds=definite,indirect \
			--errors-for-leak-kinds=definite,indirect --error-exitcode=1 \
			--suppressions="$ROOT/tests/valgrind.supp" --log-file="$logs/$name.log" \
			"$t" >"$logs/$name.out" 2>&1; then
			echo ok
		else
			echo "FAILED (see $logs/$name.log and $name.out)"
			failed+=("$name")
		fi
	done
	if [ ${#failed[@]} -gt 0 ]; then
		echo "valgrind: ${#failed[@]} failed: ${failed[*]}" >&2
		return 1
	fi
}

cmd=${1:-test}
shift || true
case "$cmd" in
deps) deps ;;
demo) deps; build; demo "$@" ;;
test) deps; build; run_tests "$@" ;;
build) deps; build ;;
valgrind) deps; build; valgrind_tests ;;
tsan)
	EVBPF_SANITIZE=thread
	BUILD_TARGETS="test_fixtures kernel-test-hygiene-stress"
	for f in "$ROOT"/tests/async/test-*.c; do
		BUILD_TARGETS+=" async-$(basename "$f" .c)"
	done
	deps; build
	TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1} \
		run_tests -R 'hygiene-stress|async/' "$@" ;;
fuzz) deps; exec "$ROOT/fuzz/run.sh" "$@" ;;
*) echo "usage: $0 demo|test|valgrind|tsan|fuzz|deps|build" >&2; exit 2 ;;
esac
