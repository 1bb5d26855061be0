#!/bin/sh
# Every shared library of the build exports its evbpf_* functions, and
# only those, under the version node EVBPF_0 (libevbpf.so and each
# backend alike). Usage: symbols.sh LIB.so...
set -eu
status=0
for lib in "$@"; do
	# Defined dynamic symbols: "ADDR FLAGS SECTION SIZE VERSION NAME".
	defined=$(objdump -T "$lib" | awk '$4 != "*UND*" && NF >= 7 && $3 == "DF" { print $(NF-1), $NF }')
	if [ -z "$defined" ]; then
		echo "$lib: exports no functions" >&2
		status=1
		continue
	fi
	bad=$(printf '%s\n' "$defined" | awk '$1 != "EVBPF_0" || $2 !~ /^evbpf_/')
	if [ -n "$bad" ]; then
		echo "$lib: exported without EVBPF_0 or outside evbpf_*:" >&2
		printf '%s\n' "$bad" >&2
		status=1
	else
		echo "$lib: $(printf '%s\n' "$defined" | wc -l) functions, all EVBPF_0"
	fi
done
exit $status
