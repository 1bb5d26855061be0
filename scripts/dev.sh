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
#   scripts/dev.sh matrix [K...] build, then run the kernel, async and tool suites
#                                on the host and under each Debian kernel
#                                (scripts/vm.sh: 5.10 6.1 6.12), and print
#                                one table kernel x suite; K is "host" or a
#                                kernel of vm.sh (default: all four)
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
	  libbpf-dev linux-libc-dev iproute2 valgrind systemtap-sdt-dev)

need_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; return; fi
	command -v sudo >/dev/null 2>&1 ||
		{ echo "scripts/dev.sh: '$*' needs root, and sudo is not installed: run as root" >&2; exit 1; }
	sudo "$@"
}

# Running BPF (the demo, the tests) needs root, and so does installing
# missing packages. Say so before any work is done rather than after a
# long build: root, or sudo to get it.
check_root() {
	[ "$(id -u)" -eq 0 ] && return 0
	if ! command -v sudo >/dev/null 2>&1; then
		echo "scripts/dev.sh $1: needs root (to load BPF programs and install packages)," \
			"and sudo is not installed: run it as root" >&2
		exit 1
	fi
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

# One kernel's run of the kernel, async and tool suites: ctest's output, then the
# skip log (one "SUITE CASE: reason" line per skipped case) after a marker.
matrix_run_one() {
	local k=$1 script=$BUILT_DIR/matrix/run.sh
	# The guest sees the host's files (read-only), so one script serves both.
	cat >"$script" <<-EOF
		export EVBPF_TEST_SKIP_LOG=/tmp/evbpf-skips.\$\$
		: >"\$EVBPF_TEST_SKIP_LOG"
		echo "=release= \$(uname -r)"
		ctest --test-dir '$BUILT_DIR' -L 'kernel|async|tool' -j2 --timeout 300 --output-on-failure
		rc=\$?
		echo =skips=
		cat "\$EVBPF_TEST_SKIP_LOG"
		rm -f "\$EVBPF_TEST_SKIP_LOG"
		exit \$rc
	EOF
	if [ "$k" = host ]; then
		bash "$script"
	else
		"$ROOT/scripts/vm.sh" "$k" bash "$script"
	fi
}

matrix() {
	local kernels=("$@") k log rc out=$BUILT_DIR/matrix failed=0
	[ ${#kernels[@]} -gt 0 ] || kernels=(host 5.10 6.1 6.12)
	mkdir -p "$out"
	for k in "${kernels[@]}"; do
		log=$out/$k.log
		rm -f "$log" "$out/$k.selftest"
		echo "== matrix: $k (log: $log)"
		local t0=$SECONDS
		rc=0
		# The harness first: a guest that does not behave as documented
		# would make the suites' results meaningless.
		if [ "$k" != host ]; then
			"$ROOT/tests/vm/selftest.sh" "$k" >"$out/$k.selftest" 2>&1 || rc=$?
		fi
		[ "$rc" -eq 0 ] && { matrix_run_one "$k" >"$log" 2>&1 || rc=$?; }
		echo "$rc" >"$out/$k.rc"
		echo "   exit status $rc after $((SECONDS - t0)) s"
		[ "$rc" -eq 0 ] || failed=1
	done
	matrix_table "$out" "${kernels[@]}" || failed=1
	return $failed
}

# The table: one row per suite, one column per kernel, passed/failed/
# skipped counts from ctest's per-case lines; then every skip with its
# reason and every failure.
matrix_table() {
	local out=$1
	shift
	awk -v kernels="$*" -v out="$out" '
	function suite(name,   p) { p = split(name, a, "/"); return a[1] "/" a[2] }
	BEGIN {
		nk = split(kernels, K, " ")
		for (i = 1; i <= nk; i++) {
			file = out "/" K[i] ".log"; inskips = 0; ran[K[i]] = 0
			while ((getline line < file) > 0) {
				if (line ~ /^=release= /) { rel[K[i]] = substr(line, 11); continue }
				if (line == "=skips=") { inskips = 1; continue }
				if (inskips) { if (line != "") skips[K[i]] = skips[K[i]] "    " line "\n"; continue }
				if (match(line, /Test +#[0-9]+: [^ ]+ /)) {
					split(substr(line, RSTART, RLENGTH), f, " ")
					name = f[3]; s = suite(name); ran[K[i]]++
					if (!(s in seen)) { seen[s] = 1; order[++ns] = s }
					had[K[i], s] = 1
					if (line ~ /\*\*\*Skipped/) sk[K[i], s]++
					else if (line ~ / Passed /) ps[K[i], s]++
					else { fl[K[i], s]++; fails[K[i]] = fails[K[i]] "    " name "\n" }
				}
			}
			close(file)
			file = out "/" K[i] ".selftest"; s = "vm/selftest"
			while ((getline line < file) > 0) {
				if (line !~ /^(ok|FAIL) /) continue
				if (!(s in seen)) { seen[s] = 1; order[++ns] = s }
				ran[K[i]]++; had[K[i], s] = 1
				if (line ~ /^ok /) ps[K[i], s]++
				else { fl[K[i], s]++; fails[K[i]] = fails[K[i]] "    vm/selftest: " substr(line, 6) "\n" }
			}
			close(file)
			getline rc < (out "/" K[i] ".rc"); close(out "/" K[i] ".rc"); krc[K[i]] = rc
		}
		for (j = 2; j <= ns; j++)	# suites in name order (insertion sort: mawk has no asort)
			for (x = j; x > 1 && order[x - 1] > order[x]; x--) { t = order[x]; order[x] = order[x - 1]; order[x - 1] = t }
		printf "\n%-34s", "suite (passed/failed/skipped)"
		for (i = 1; i <= nk; i++) printf " %14s", K[i]
		printf "\n"
		for (j = 1; j <= ns; j++) {
			s = order[j]; printf "%-34s", s
			for (i = 1; i <= nk; i++) {
				k = K[i]
				if (!had[k, s]) { printf " %14s", "-"; continue }
				printf " %14s", sprintf("%d/%d/%d", ps[k, s], fl[k, s], sk[k, s])
				tp[k] += ps[k, s]; tf[k] += fl[k, s]; ts[k] += sk[k, s]
			}
			printf "\n"
		}
		printf "%-34s", "total"
		for (i = 1; i <= nk; i++) printf " %14s", sprintf("%d/%d/%d", tp[K[i]], tf[K[i]], ts[K[i]])
		printf "\n\n"
		bad = 0
		for (i = 1; i <= nk; i++) {
			k = K[i]
			printf "%s: %s, exit status %s\n", k, (k in rel) ? rel[k] : "(did not run)", krc[k]
			if (skips[k] != "") printf "  skipped:\n%s", skips[k]
			if (fails[k] != "") printf "  failed:\n%s", fails[k]
			if (!ran[k] || krc[k] != 0 || tf[k] > 0) bad = 1
		}
		exit bad
	}'
}

cmd=${1:-test}
shift || true
case "$cmd" in
demo | test | valgrind | tsan | matrix) check_root "$cmd" ;;
esac
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
matrix) deps; build; matrix "$@" ;;
*) echo "usage: $0 demo|test|valgrind|tsan|fuzz|matrix|deps|build" >&2; exit 2 ;;
esac
