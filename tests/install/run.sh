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
echo "install consumer: ok"
