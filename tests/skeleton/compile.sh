#!/usr/bin/env bash
# Generate the skeleton of every BPF test fixture and compile a user of it
# (use.c) as C11 and C++11 with gcc and clang++ (a few with clang and g++
# too), with -Wall -Wextra -Werror; skel_shapes' skeleton also next to the user's own
# header, at -O2, as C++17, linked with libevbpf and run.
# Usage: compile.sh EVBPF_TOOL FIXTURE_DIR SOURCE_DIR LIBEVBPF_A
# A missing compiler makes the test skip (77), naming it.
set -euo pipefail
tool=$1
bpf_dir=$2
src=$3
lib=$4
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for c in gcc g++ clang clang++; do
	if ! command -v "$c" >/dev/null; then
		echo "SKIP: $c not found"
		exit 77
	fi
done
warn=(-Wall -Wextra -Werror)
inc=(-I"$src/include" -I"$src/tests/bpf" -I"$tmp")
read -r -a extra <<<"${CFLAGS:-}"

compile() { # NAME COMPILER LANG-FLAGS...
	local ident=$1 cc=$2
	shift 2
	if ! "$cc" "$@" "${warn[@]}" "${inc[@]}" -DSKEL="$ident" \
		-DSKEL_HEADER="\"$ident.skel.h\"" -c "$here/use.c" -o "$tmp/use.o" 2>"$tmp/err"; then
		echo "FAIL: $ident.skel.h with $cc $*:" >&2
		head -30 "$tmp/err" >&2
		exit 1
	fi
}

n=0
for obj in "$bpf_dir"/*.bpf.o; do
	name=$(basename "$obj" .bpf.o)
	ident=${name//[^A-Za-z0-9_]/_}
	if ! "$tool" gen skeleton "$obj" -o "$tmp/$ident.skel.h" 2>"$tmp/err"; then
		echo "FAIL: evbpf gen skeleton $obj: $(cat "$tmp/err")" >&2
		exit 1
	fi
	# Every fixture as C with gcc and as C++ with clang++; the other two
	# pairings for a few (skel_shapes gets all four again below, linked).
	compile "$ident" gcc -std=c11
	compile "$ident" clang++ -std=c++11 -x c++
	case $ident in
	skel_shapes | loader | btf_dump_types | core_kernel)
		compile "$ident" clang -std=c11
		compile "$ident" g++ -std=c++11 -x c++
		;;
	esac
	n=$((n + 1))
done
[ "$n" -gt 10 ] || { echo "FAIL: only $n fixtures in $bpf_dir" >&2; exit 1; }
echo "$n skeletons compile as C and C++ with gcc and clang"

# skel_shapes with the user's header, linked and run (no kernel needed).
# A sanitized libevbpf.a needs gcc's sanitizer runtime: gcc only then.
compilers=(gcc g++ clang clang++)
[ -n "${CFLAGS:-}" ] && compilers=(gcc g++)
for cc in "${compilers[@]}"; do
	lang=(-std=c11 -x c)
	case $cc in *++) lang=(-std=c++17 -x c++) ;; esac
	if ! "$cc" "${lang[@]}" -O2 "${warn[@]}" "${extra[@]}" "${inc[@]}" -DSHAPES -DWITH_MAIN \
		-DSKEL=skel_shapes -DSKEL_HEADER='"skel_shapes.skel.h"' "$here/use.c" -x none \
		"$lib" -lpthread -o "$tmp/run" 2>"$tmp/err"; then
		echo "FAIL: skel_shapes program with $cc:" >&2
		head -30 "$tmp/err" >&2
		exit 1
	fi
	"$tmp/run" || { echo "FAIL: skel_shapes program built by $cc exited $?" >&2; exit 1; }
done
echo "skel_shapes: built and run with ${compilers[*]}"
