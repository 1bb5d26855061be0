#!/bin/sh
# Run every async test under valgrind memcheck (leaks are errors):
#   tests/async/valgrind.sh BUILD_DIR
# The suppressions cover valgrind's own bpf() wrapper gaps, see the file.
set -u
build=${1:?usage: $0 BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
rc=0
for t in "$build"/tests/async-test-*; do
	# Only the test binaries (not CMake's generated case lists).
	[ -f "$t" ] && [ -x "$t" ] || continue
	echo "== $(basename "$t")"
	valgrind -q --suppressions="$here/valgrind.supp" --error-exitcode=99 \
		--leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
		"$t" || rc=1
done
exit $rc
