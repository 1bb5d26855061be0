#!/usr/bin/env bash
# Install the build tree into a temporary prefix, then build and run an
# out-of-tree consumer through find_package(evbpf) and through pkg-config.
# Usage: run.sh BUILD_DIR FIXTURE.o
set -euo pipefail
build=$1
fixture=$2
src=$(cd "$(dirname "$0")" && pwd)/consumer
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
test -f "$tmp/prefix/include/evbpf/evbpf.h"
test -f "$tmp/prefix/lib/cmake/evbpf/evbpfConfig.cmake" ||
	test -f "$tmp"/prefix/lib*/cmake/evbpf/evbpfConfig.cmake
libdir=$(dirname "$(find "$tmp/prefix" -name 'libevbpf.so' | head -1)")
# The shared library carries its SONAME and exports only evbpf_ symbols.
readelf -d "$libdir/libevbpf.so" | grep -q 'SONAME.*libevbpf.so.0'
if nm -D --defined-only "$libdir/libevbpf.so" | awk '{print $3}' | grep -v '^evbpf_' |
	grep -v '^EVBPF_' | grep -q .; then
	echo "unexpected exported symbols:" >&2
	nm -D --defined-only "$libdir/libevbpf.so" | grep -v ' evbpf_' >&2
	exit 1
fi

echo "== find_package(evbpf)"
cmake -S "$src" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/cm" >/dev/null
LD_LIBRARY_PATH=$libdir "$tmp/cm/consumer_shared" "$fixture"
"$tmp/cm/consumer_static" "$fixture"
if [ -x "$tmp/cm/consumer_uv" ]; then
	LD_LIBRARY_PATH=$libdir "$tmp/cm/consumer_uv" "$fixture"
fi

echo "== pkg-config evbpf"
export PKG_CONFIG_PATH=$libdir/pkgconfig
mkdir -p "$tmp/pc"
make -s -C "$tmp/pc" -f "$src/Makefile" VPATH="$src" consumer_pc
LD_LIBRARY_PATH=$libdir "$tmp/pc/consumer_pc" "$fixture"
if pkg-config --exists evbpf-uv; then
	make -s -C "$tmp/pc" -f "$src/Makefile" VPATH="$src" consumer_pc_uv
	LD_LIBRARY_PATH=$libdir "$tmp/pc/consumer_pc_uv" "$fixture"
fi
# From an empty directory to events on a libuv loop, with only the installed
# package: evbpf_bpf_skeleton() builds the BPF C (against a generated
# vmlinux.h) and its skeleton, and the program uses nothing else.
skip=0
if [ -f "$libdir/cmake/evbpf/evbpfBpf.cmake" ] && pkg-config --exists evbpf-uv &&
	command -v clang >/dev/null; then
	echo "== evbpf_bpf_skeleton() consumer"
	mkdir "$tmp/app-src"
	cp "$(dirname "$src")/skeleton-app/"* "$tmp/app-src/"
	cmake -S "$tmp/app-src" -B "$tmp/app" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
	cmake --build "$tmp/app" >"$tmp/app.log" 2>&1 || { cat "$tmp/app.log"; exit 1; }
	# Without a warning from the skeleton (or anything else) in its build.
	if grep -i "warning" "$tmp/app.log"; then
		echo "warnings building the skeleton consumer" >&2
		exit 1
	fi
	test -f "$tmp/app/app.skel.h" && test -f "$tmp/app/evbpf-vmlinux/vmlinux.h"
	rc=0
	LD_LIBRARY_PATH=$libdir "$tmp/app/app" || rc=$?
	if [ "$rc" = 77 ]; then
		if [ "${EVBPF_REQUIRE_KERNEL:-0}" != 0 ]; then
			echo "kernel required (EVBPF_REQUIRE_KERNEL=1)" >&2
			exit 1
		fi
		skip=1
	elif [ "$rc" != 0 ]; then
		echo "skeleton consumer failed ($rc)" >&2
		exit 1
	fi
else
	echo "SKIP: no installed evbpfBpf.cmake, libuv backend or clang" >&2
	skip=1
fi
echo "install consumer: ok"
[ "$skip" = 0 ] || exit 77
