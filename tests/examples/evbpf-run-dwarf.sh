#!/usr/bin/env bash
# `evbpf run` on objects whose record types are only in the DWARF
# (tests/bpf/run_dwarf*.bpf.c), as bcc's libbpf-tools build them: records
# decoded on a ring buffer and a perf buffer, DWARF 5 and 4; an ambiguous
# buffer printed as hex with one warning; --type picks a type from the
# DWARF; a vmlinux.h object stripped of its DWARF prints hex with a warning
# instead of a kernel struct of the same size.
# Usage: evbpf-run-dwarf.sh EVBPF_TOOL FIXTURE_DIR
set -uo pipefail
. "$(dirname "$0")/lib.sh"
evbpf=$1
fx=$2

# Without a kernel: --type errors.
"$evbpf" run "$fx/run_dwarf.bpf.o" --type 'dw_ring=struct nope' >/dev/null 2>"$TMP/badtype.err"
[ $? = 1 ] || fail "--type with an unknown type: exit status is not 1"
grep -q "^evbpf: run: --type dw_ring=struct nope: no type 'struct nope' in the object's BTF or DWARF$" \
	"$TMP/badtype.err" || fail "--type unknown: $(cat "$TMP/badtype.err")"
"$evbpf" run "$fx/run_dwarf.bpf.o" --type dw_ring >/dev/null 2>"$TMP/badspec.err"
[ $? = 1 ] || fail "--type without =: exit status is not 1"
grep -q "expected MAP=TYPE" "$TMP/badspec.err" || fail "--type without =: $(cat "$TMP/badspec.err")"

require_kernel "$evbpf" "$fx"

probe=dwrun$$
probe=${probe:0:15}
cp /bin/true "$TMP/$probe"

# run NAME OBJECT ARGS...: evbpf run until ready, then the probe until it
# exits by itself (--count) or 5 seconds pass.
run() {
	local name=$1 obj=$2 pid rc
	shift 2
	"$evbpf" run "$fx/$obj" -v --duration 20 --set target_comm="$probe" "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" &
	pid=$!
	PIDS+=("$pid")
	wait_for "$TMP/$name.err" '^evbpf: run: ready' 10 || fail "$name: not ready"
	for _ in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		"$TMP/$probe"
		sleep 0.05
	done
	wait "$pid"
	rc=$?
	[ $rc = 0 ] || fail "$name: exit status $rc"
}

has() {
	grep -qE -- "$2" "$TMP/$1.out" || fail "$1: no line matching $2"
}

for obj in run_dwarf run_dwarf_v4; do
	# Four rounds of one record in each of the five buffers.
	run "$obj" "$obj.bpf.o" --count 20 --set rounds=4
	[ "$(wc -l <"$TMP/$obj.out")" = 20 ] || fail "$obj: not 20 records"
	grep -q "map 'dw_ring': records are struct dw_event" "$TMP/$obj.err" ||
		fail "$obj: dw_ring's type not found"
	# Ring buffer, a reserved struct only in the DWARF.
	has "$obj" '^\{"map":"dw_ring","size":96,"type":"struct dw_event","data":\{"pid":[0-9]+,"state":"DW_STATE_NEG","wide":"DW_WIDE_BIG","inner":\{"sport":80,"dport":443,"tag":"inner"\},"low":9,"mid":300,"high":70000,"word":67305985,"octets":\[1,2,3,4\],"x":-7,"y":7,"comm":"'"$probe"'","args":'
	has "$obj" '"grid":\[\[0,1,0\],\[0,0,5\]\],"ok":true,"delta":-1,"ts":[0-9]+\}'
	# Perf buffer, a struct on the stack.
	has "$obj" '^\{"map":"dw_perf","cpu":[0-9]+,"size":36,"type":"struct dw_sample","data":\{"pid":[0-9]+,"cookie":12648430,"value":-123456789,"name":"sample"\}'
	has "$obj" '^\{"map":"dw_twin","cpu":[0-9]+,"size":12,"type":"struct dw_q","data":\{"q1":1,"q2":2,'
	has "$obj" '^\{"map":"dw_execs","cpu":[0-9]+,"size":20,"type":"struct dw_exec","data":\{"pid":[0-9]+,"args_size":9,'
	# Two types for one buffer: hex, and one warning.
	has "$obj" '^\{"map":"dw_ambig","size":8,"data":"[0-9a-f]{16}"\}$'
	[ "$(grep -c "warning: map 'dw_ambig'" "$TMP/$obj.err")" = 1 ] ||
		fail "$obj: not one warning for dw_ambig"
	grep -q "^evbpf: run: warning: map 'dw_ambig': record type is ambiguous (struct dw_[ab], struct dw_[ab]): printing hex; use --type dw_ambig=NAME$" \
		"$TMP/$obj.err" || fail "$obj: ambiguity warning: $(grep dw_ambig "$TMP/$obj.err")"
	grep -q "warning: map 'dw_\(ring\|perf\|twin\|execs\)'" "$TMP/$obj.err" &&
		fail "$obj: a warning for a buffer whose type is known"
done

# --type picks one from the DWARF; the old --map NAME:TYPE still works.
run typed run_dwarf.bpf.o --count 10 --set rounds=2 --type 'dw_ambig=struct dw_b' --map dw_perf:hex
has typed '^\{"map":"dw_ambig","size":8,"type":"struct dw_b","data":\{"b1":[01],"b2":[0-9]+,"b3":[0-9]+\}\}$'
has typed '^\{"map":"dw_perf","cpu":[0-9]+,"size":36,"data":"[0-9a-f]{72}"\}$'
grep -q "warning" "$TMP/typed.err" && fail "typed: a warning with every type given"

if [ -f "$fx/run_dwarf_vmlinux.bpf.o" ]; then
	run vmlinux run_dwarf_vmlinux.bpf.o --count 2
	has vmlinux '^\{"map":"exits","size":48,"type":"struct exit_rec","data":\{"pid":[0-9]+,"ppid":1,"exit_code":256,"duration_ns":1000,"comm":"'"$probe"'","exit_event":true\}\}$'
fi
if [ -f "$fx/run_dwarf_vmlinux_nodebug.bpf.o" ]; then
	run nodebug run_dwarf_vmlinux_nodebug.bpf.o --count 2
	[ "$(wc -l <"$TMP/nodebug.out")" = 2 ] || fail "nodebug: not 2 records"
	has nodebug '^\{"map":"exits","size":48,"data":"[0-9a-f]{96}"\}$'
	grep -qE "^evbpf: run: warning: map 'exits': record type is unknown \(no DWARF \(built without -g\); [0-9]+ structs of 48 bytes in the BTF: .*\): printing hex; use --type exits=NAME$" \
		"$TMP/nodebug.err" || fail "nodebug: warning: $(grep exits "$TMP/nodebug.err")"
fi

echo "PASS: evbpf run, record types from DWARF"
