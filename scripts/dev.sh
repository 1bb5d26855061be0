#!/usr/bin/env bash
# Quick start and test entry point: installs what the build needs (Debian
# packages), configures, builds, then runs the demo or the test suite.
#
#   scripts/dev.sh demo          build and run the main demo
#   scripts/dev.sh test          build and run every test (ctest)
#   scripts/dev.sh deps          only install the packages
#
# Environment: BUILD_DIR (default build), EVBPF_SANITIZE=1 for an ASan+UBSan
# build (default build-asan), CMAKE_ARGS for extra configure flags.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

PACKAGES=(build-essential cmake pkg-config clang llvm libuv1-dev libev-dev libcmocka-dev
	  libbpf-dev linux-libc-dev iproute2)

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
	fi
	# shellcheck disable=SC2206
	args+=(${CMAKE_ARGS:-})
	cmake -S "$ROOT" -B "$ROOT/$dir" -DEVBPF_WERROR=ON "${args[@]}" >/dev/null
	cmake --build "$ROOT/$dir" -j"$(nproc)"
	BUILT_DIR="$ROOT/$dir"
}

demo() {
	local dir=$BUILT_DIR
	if [ -x "$dir/examples/execsnoop/execsnoop" ]; then
		exec "$dir/examples/execsnoop/execsnoop" "$@"
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

cmd=${1:-test}
shift || true
case "$cmd" in
deps) deps ;;
demo) deps; build; demo "$@" ;;
test) deps; build; run_tests "$@" ;;
build) deps; build ;;
*) echo "usage: $0 demo|test|deps|build" >&2; exit 2 ;;
esac
