#!/usr/bin/env bash
# Smoke test of `evbpf run` on the fixtures tests/bpf/run_*.bpf.c: records
# decoded through BTF on both loops, --set by type, --map, --count,
# --duration, SIGINT, and the one-line errors with exit status 1 (bad file,
# unknown section, verifier rejection, missing tracefs).
# Usage: evbpf-run.sh EVBPF_TOOL FIXTURE_DIR
set -uo pipefail
. "$(dirname "$0")/lib.sh"
evbpf=$1
fx=$2

# expect_error NAME REGEX CMD...: exit 1, nothing on stdout, exactly one
# line on stderr, matching REGEX.
expect_error() {
	local name=$1 re=$2 rc
	shift 2
	"$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	rc=$?
	[ $rc = 1 ] || fail "$name: exit status $rc, expected 1"
	[ ! -s "$TMP/$name.out" ] || fail "$name: wrote to stdout"
	[ "$(wc -l <"$TMP/$name.err")" = 1 ] || fail "$name: stderr is not one line"
	grep -qE "^evbpf: run: .*$re" "$TMP/$name.err" || fail "$name: stderr does not match '$re'"
}

# Errors that need no kernel.
head -c 200 /dev/zero | tr '\0' x >"$TMP/text.o"
expect_error badfile 'not an ELF file' "$evbpf" run "$TMP/text.o"
expect_error nofile 'No such file' "$evbpf" run "$TMP/missing.o"
expect_error unknown "unknown section 'nosuchhook/whatever'" "$evbpf" run "$fx/run_unknown.bpf.o"
expect_error badset 'out of range' "$evbpf" run "$fx/run_events.bpf.o" --set marker=0x100000000
expect_error badtype "no type 'struct nope'" "$evbpf" run "$fx/run_events.bpf.o" \
	--map 'run_events:struct nope'

# Usage errors exit 2, like the other commands.
"$evbpf" run >/dev/null 2>&1
[ $? = 2 ] || fail "evbpf run without a file: exit status is not 2"
"$evbpf" run "$fx/run_events.bpf.o" --count many >/dev/null 2>"$TMP/usage.err"
[ $? = 2 ] || fail "--count many: exit status is not 2"
grep -q '^evbpf: run: --count many: expected a positive number' "$TMP/usage.err" ||
	fail "--count many: $(cat "$TMP/usage.err")"

# Selection errors found before any kernel call: one line, exit 1; --count
# with nothing to count: exit 2.
expect_error noprog "--prog nosuch: no program of that name" "$evbpf" run "$fx/run_select.bpf.o" \
	--prog nosuch
expect_error noskip "--skip nosuch: no program of that name" "$evbpf" run "$fx/run_select.bpf.o" \
	--skip nosuch
expect_error nomap "--max-entries nosuch=3: no map 'nosuch'" "$evbpf" run "$fx/run_select.bpf.o" \
	--max-entries nosuch=3
expect_error badmax "--max-entries sel_counts=x: expected a positive" "$evbpf" run \
	"$fx/run_select.bpf.o" --max-entries sel_counts=x
"$evbpf" run "$fx/run_hist.bpf.o" --top 0 >/dev/null 2>"$TMP/top0.err"
[ $? = 2 ] || fail "--top 0: exit status is not 2"
"$evbpf" run "$fx/run_hist.bpf.o" --interval 0 >/dev/null 2>"$TMP/int0.err"
[ $? = 2 ] || fail "--interval 0: exit status is not 2"
"$evbpf" run "$fx/run_reject.bpf.o" --count 1 >"$TMP/nocount.out" 2>"$TMP/nocount.err"
[ $? = 2 ] || fail "--count without a buffer: exit status is not 2"
[ "$(wc -l <"$TMP/nocount.err")" = 1 ] || fail "--count without a buffer: not one line"
grep -q '^evbpf: run: --count 1: .* has no ring buffer or perf event array' "$TMP/nocount.err" ||
	fail "--count without a buffer: $(cat "$TMP/nocount.err")"

require_kernel "$evbpf" "$fx"

expect_error reject "verifier: .*invalid mem access" "$evbpf" run "$fx/run_reject.bpf.o"
# Missing tracefs: hidden in a private mount namespace.
if ! command -v unshare >/dev/null; then
	skip "unshare(1) is missing"
fi
expect_error notracefs 'tracefs not found' unshare -m sh -c '
	umount -l /sys/kernel/tracing 2>/dev/null
	umount -l /sys/kernel/debug 2>/dev/null
	test -d /sys/kernel/tracing/events && exit 3
	exec "$0" run "$1"' "$evbpf" "$fx/run_tp.bpf.o"

# all_lines NAME N REGEX: NAME's output is exactly N lines, all matching.
all_lines() {
	local n
	n=$(wc -l <"$TMP/$1.out")
	[ "$n" = "$2" ] || fail "$1: $n lines instead of $2"
	grep -vqE "$3" "$TMP/$1.out" && fail "$1: unexpected line: $(grep -vE "$3" "$TMP/$1.out" | head -n 1)"
	return 0
}

# exec_run NAME OBJ ARGS...: evbpf run OBJ ARGS -v, bounded by --duration
# 20, with tracefs (mounted privately when the system has none), while an
# exec of /bin/true happens every 50 ms until it exits by itself; its
# output in NAME.out and NAME.err, its exit status in NAME.rc.
exec_run() {
	local name=$1 obj=$2
	shift 2
	unshare -m sh -c '
		if [ ! -d /sys/kernel/tracing/events ] && [ ! -d /sys/kernel/debug/tracing/events ]; then
			mount -t tracefs nodev /sys/kernel/tracing || exit 3
		fi
		"$0" run "$@" --duration 20 -v &
		pid=$!
		for i in $(seq 1 100); do
			kill -0 $pid 2>/dev/null || break
			/bin/true
			sleep 0.05
		done
		wait $pid' "$evbpf" "$fx/$obj" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	echo $? >"$TMP/$name.rc"
}

# The tracepoint object attaches and streams: one u64 (the pid) per exec.
exec_run tp run_tp.bpf.o --count 1
[ "$(cat "$TMP/tp.rc")" = 0 ] || fail "tracepoint object: exit status $(cat "$TMP/tp.rc")"
grep -q "attached prog 'run_tp_exec' on tracepoint sched/sched_process_exec" "$TMP/tp.err" ||
	fail "tracepoint object: not attached"
all_lines tp 1 '^\{"map":"tp_events","size":8,"data":"[0-9a-f]{16}"\}$'

# Program selection on run_select.bpf.o: select NAME ARGS... runs it
# until one record (an exec of /bin/true) arrives.
select_run() {
	local name=$1
	shift
	exec_run "$name" run_select.bpf.o --count 1 "$@"
}
# Without --max-entries the hash map cannot be created.
select_run sel-nomax
[ "$(cat "$TMP/sel-nomax.rc")" = 1 ] || fail "sel-nomax: exit status is not 1"
grep -q "map 'sel_counts': BPF_MAP_CREATE.*max 0" "$TMP/sel-nomax.err" || fail "sel-nomax: no map error"
# Every program that cannot attach here is skipped with one line saying why;
# the one that can streams.
select_run sel-all --max-entries sel_counts=8
[ "$(cat "$TMP/sel-all.rc")" = 0 ] || fail "sel-all: exit status $(cat "$TMP/sel-all.rc")"
all_lines sel-all 1 '^\{"map":"sel_events","size":8,"data":"[0-9a-f]{16}"\}$'
[ "$(grep -c '^evbpf: run: warning: skipping ' "$TMP/sel-all.err")" = 5 ] ||
	fail "sel-all: not 5 programs skipped"
grep -q "skipping prog 'sel_missing': .*no_such_event.*No such file" "$TMP/sel-all.err" ||
	fail "sel-all: missing tracepoint not reported"
grep -q "skipping prog 'sel_xdp'.*give --iface IFNAME" "$TMP/sel-all.err" || fail "sel-all: xdp"
for p in sel_uprobe sel_socket sel_perf; do
	grep -q "skipping prog '$p'.*does not say where to attach" "$TMP/sel-all.err" ||
		fail "sel-all: $p not skipped with a reason"
done
grep -q "attached prog 'sel_exec'" "$TMP/sel-all.err" || fail "sel-all: sel_exec not attached"
grep -q "ready: 1 program(s) attached" "$TMP/sel-all.err" || fail "sel-all: not 1 attached"
# Nothing attachable: an error, not a run that can never print anything.
select_run sel-none --max-entries sel_counts=8 --prog sel_xdp
[ "$(cat "$TMP/sel-none.rc")" = 1 ] || fail "sel-none: exit status is not 1"
grep -q "skipping prog 'sel_xdp'" "$TMP/sel-none.err" || fail "sel-none: xdp not skipped"
grep -q "^evbpf: run: no program could be attached on this kernel (1 skipped" "$TMP/sel-none.err" ||
	fail "sel-none: no error for a run with nothing attached"
# --strict: the missing tracepoint is an error.
select_run sel-strict --max-entries sel_counts=8 --strict
[ "$(cat "$TMP/sel-strict.rc")" = 1 ] || fail "sel-strict: exit status is not 1"
grep -q "^evbpf: run: prog 'sel_missing': .*no_such_event" "$TMP/sel-strict.err" ||
	fail "sel-strict: no error for the missing tracepoint"
# --prog: only that one is loaded, so nothing is skipped, even with --strict.
select_run sel-prog --max-entries sel_counts=8 --prog sel_exec --strict
[ "$(cat "$TMP/sel-prog.rc")" = 0 ] || fail "sel-prog: exit status $(cat "$TMP/sel-prog.rc")"
all_lines sel-prog 1 '^\{"map":"sel_events",'
grep -q 'skipping' "$TMP/sel-prog.err" && fail "sel-prog: a program was skipped"
# --skip: the others, by name.
select_run sel-skip --max-entries sel_counts=8 --strict --skip sel_missing --skip sel_xdp \
	--skip sel_uprobe --skip sel_socket --skip sel_perf
[ "$(cat "$TMP/sel-skip.rc")" = 0 ] || fail "sel-skip: exit status $(cat "$TMP/sel-skip.rc")"
grep -q "ready: 1 program(s) attached" "$TMP/sel-skip.err" || fail "sel-skip: not 1 attached"
grep -q 'skipping' "$TMP/sel-skip.err" && fail "sel-skip: a program was skipped with a warning"

# Alternatives: the exec event three ways (tp_btf, raw_tp, tracepoint).
# One is kept, the most capable this kernel attaches, and the others are
# named in a warning; --prog keeps what it names, alternatives or not.
alt_run() {
	local name=$1 want=$2
	shift 2
	exec_run "$name" run_alt.bpf.o --json --count "$want" "$@"
	[ "$(cat "$TMP/$name.rc")" = 0 ] || fail "$name: exit status is not 0: $(cat "$TMP/$name.err")"
}
alt_run alt-default 3
[ "$(grep -c "warning: leaving out program 'alt_" "$TMP/alt-default.err")" = 2 ] ||
	fail "alt-default: not 2 alternatives left out"
grep -q "ready: 1 program(s) attached" "$TMP/alt-default.err" || fail "alt-default: not 1 attached"
kept=$(sed -n "s/.*attached prog '\(alt_[a-z]*\)'.*/\1/p" "$TMP/alt-default.err")
case $kept in
alt_btf) tag=01 ;;
alt_raw) tag=02 ;;
*) fail "alt-default: kept '$kept', not tp_btf or raw_tp (raw_tp attaches everywhere)" ;;
esac
grep -q "leaving out program '$kept'" "$TMP/alt-default.err" && fail "alt-default: $kept left out"
# Three execs, three records, every one from the kept program.
[ "$(grep -c "\"data\":\"${tag}00000000000000\"" "$TMP/alt-default.out")" = 3 ] ||
	fail "alt-default: records not all from $kept"
alt_run alt-prog 4 --prog alt_raw --prog alt_tp
grep -q 'leaving out' "$TMP/alt-prog.err" && fail "alt-prog: --prog programs left out"
grep -q "ready: 2 program(s) attached" "$TMP/alt-prog.err" || fail "alt-prog: not 2 attached"
grep -q '"data":"0200000000000000"' "$TMP/alt-prog.out" || fail "alt-prog: no raw_tp record"
grep -q '"data":"0300000000000000"' "$TMP/alt-prog.out" || fail "alt-prog: no tracepoint record"

probe=evrun$$
probe=${probe:0:15}
cp /bin/true "$TMP/$probe"

# --map NAME (a sorted, decoded table) and --hist NAME (log2 histograms) on
# run_hist.bpf.o: exactly 3 execs of the probe, each a sample of 100 (log2
# slot 6, "64 -> 127") for key 7. hist_run NAME ARGS...
hist_run() {
	local name=$1
	shift
	unshare -m sh -c '
		if [ ! -d /sys/kernel/tracing/events ] && [ ! -d /sys/kernel/debug/tracing/events ]; then
			mount -t tracefs nodev /sys/kernel/tracing || exit 3
		fi
		evbpf=$1 obj=$2 probe=$3 err=$4
		shift 4
		"$evbpf" run "$obj" -v --set target_comm="${probe##*/}" --set sample=100 \
			--set key_id=7 --interval 0.3 "$@" 2>"$err" &
		pid=$!
		for i in $(seq 1 200); do
			grep -q "ready" "$err" && break
			sleep 0.05
		done
		"$probe"; "$probe"; "$probe"
		# Several intervals, so the last printout has all three
		# even on a slow guest.
		sleep 1.5
		kill -INT $pid
		wait $pid' sh "$evbpf" "$fx/run_hist.bpf.o" "$TMP/$probe" "$TMP/$name.err" "$@" \
		>"$TMP/$name.out"
	echo $? >"$TMP/$name.rc"
	[ "$(cat "$TMP/$name.rc")" = 0 ] || fail "$name: exit status $(cat "$TMP/$name.rc")"
}
# last_block NAME MAP: the last complete printout of MAP in NAME.out.
last_block() {
	awk -v m="map '$2':" 'index($0, m) { buf = ""; on = 1 } on { buf = buf $0 "\n" }
		on && /^$/ { last = buf; on = 0 } END { printf "%s", last }' "$TMP/$1.out"
}
hist_run views --map counts --hist hists --hist flat
last_block views counts >"$TMP/counts.out"
grep -qE "^[0-9]{2}:[0-9]{2}:[0-9]{2} map 'counts': 2 entries$" "$TMP/counts.out" ||
	fail "--map counts: no header with a time and 2 entries"
# Largest value first, keys decoded through BTF.
[ "$(sed -n 3p "$TMP/counts.out" | tr -s ' ')" = ' {"id":7,"tag":"ab"} 3' ] ||
	fail "--map counts: first row is not key 7 with 3"
[ "$(sed -n 4p "$TMP/counts.out" | tr -s ' ')" = ' {"id":8,"tag":"ab"} 1' ] ||
	fail "--map counts: second row is not key 8 with 1"
bar='|\*{40}\|'
last_block views hists >"$TMP/hists.out"
grep -qx 'key = 7' "$TMP/hists.out" || fail "--hist hists: no 'key = 7'"
# The value's members other than the slots label the histogram.
grep -qx "comm = \"$probe\"" "$TMP/hists.out" || fail "--hist hists: no 'comm = \"$probe\"' label"
grep -qE "^ +64 -> 127 +: 3 +$bar$" "$TMP/hists.out" || fail "--hist hists: slot 64 -> 127 is not 3"
grep -qE '^ +0 -> 1 +: 0 +\| {40}\|$' "$TMP/hists.out" || fail "--hist hists: no empty 0 -> 1 row"
[ "$(grep -c -- ' -> ' "$TMP/hists.out")" = 7 ] || fail "--hist hists: not 7 slots up to the last used one"
last_block views flat >"$TMP/flat.out"
grep -q '^key' "$TMP/flat.out" && fail "--hist flat: a one-entry array map has no key line"
grep -qE "^ +64 -> 127 +: 3 +$bar$" "$TMP/flat.out" || fail "--hist flat: slot 64 -> 127 is not 3"
# --top 1: one row.
hist_run top --map counts --top 1
last_block top counts >"$TMP/top1.out"
[ "$(grep -c '"tag":"ab"' "$TMP/top1.out")" = 1 ] || fail "--top 1: not one row"
grep -q '"id":7' "$TMP/top1.out" || fail "--top 1: not the largest"
# Maps that cannot be shown: one line, exit 1.
expect_error histnot "--hist counts: the value is neither an array of u32 or u64 slots nor a struct with one" \
	"$evbpf" run "$fx/run_hist.bpf.o" --hist counts
expect_error mapnot "--map nosuch: no map of that name" "$evbpf" run "$fx/run_hist.bpf.o" \
	--map nosuch

# run_until NAME ARGS...: evbpf run in the background until it says it is
# ready, then the probe until it exits by itself (bounded).
run_until() {
	local name=$1 pid rc
	shift
	"$evbpf" run "$fx/run_events.bpf.o" -v --duration 20 "$@" >"$TMP/$name.out" \
		2>"$TMP/$name.err" &
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

for backend in uv ev; do
	name=ring-$backend
	run_until "$name" --backend $backend --count 6 --set target_comm="$probe" --set marker=0x1234 \
		--set use_perf=false
	all_lines "$name" 6 '^\{"map":"run_events",.*\}$'
	grep -q "6 record(s)" "$TMP/$name.err" || fail "$name: no summary"
	line=$(head -n 1 "$TMP/$name.out")
	for want in '"size":72' '"type":"struct run_event"' '"phase":"RUN_PHASE_ENTER"' \
		"\"comm\":\"$probe\"" '"pair":\{"lo":1,"hi":2\}' '"flag":1,"level":5,"rest":12345' \
		'"as_u32":67305985,"bytes":\[1,2,3,4\]' '"seq":0,"enabled":true,"neg":-3' \
		'"mac":\[170,0,0,0,0,187\]' '"marker":4660\}\}$'; do
		echo "$line" | grep -qE "$want" || fail "$name: ring record lacks $want: $line"
	done
	echo "$line" | grep -q '"cpu"' && fail "$name: ring records have no cpu"

	name=perf-$backend
	run_until "$name" --backend $backend --count 4 --set target_comm="$probe" --set marker=77 \
		--set use_ring=false
	all_lines "$name" 4 '^\{"map":"run_samples","cpu":[0-9]+,"size":28,"type":"struct run_sample","data":\{"pid":[0-9]+,"marker":77,"seq":[0-9]+,"tag":9\}\}$'
done

# --set of a bool and an enum by name; --map forces hex.
run_until setmap --count 2 --set target_comm="$probe" --set enabled=false \
	--set phase=RUN_PHASE_IDLE --set use_perf=0
grep -q '"phase":"RUN_PHASE_IDLE"' "$TMP/setmap.out" || fail "--set phase by name"
grep -q '"enabled":false' "$TMP/setmap.out" || fail "--set enabled=false"
run_until hex --count 2 --set target_comm="$probe" --set use_ring=no --map run_samples:hex
all_lines hex 2 '^\{"map":"run_samples","cpu":[0-9]+,"size":28,"data":"[0-9a-f]{56}"\}$'

# A type shorter than the record: its fields, then the rest as "extra".
run_until extra --count 2 --set target_comm="$probe" --set use_ring=0 \
	--map 'run_samples:struct run_pair'
all_lines extra 2 '^\{"map":"run_samples","cpu":[0-9]+,"size":28,"type":"struct run_pair","data":\{"lo":[0-9]+,"hi":[0-9]+\},"extra":"[0-9a-f]{48}"\}$'

# A reader that goes away (| head -n 1) ends the run quietly with status 0.
(
	"$evbpf" run "$fx/run_events.bpf.o" --duration 20 --set target_comm="$probe" \
		2>"$TMP/pipe.err" | head -n 1 >"$TMP/pipe.out"
	echo "${PIPESTATUS[0]}" >"$TMP/pipe.rc"
) &
pipe=$!
PIDS+=("$pipe")
start=$SECONDS
for _ in $(seq 1 200); do
	[ -f "$TMP/pipe.rc" ] && break
	"$TMP/$probe"
	sleep 0.05
done
wait "$pipe"
[ -f "$TMP/pipe.rc" ] || fail "evbpf run | head -n 1 did not end"
[ "$(cat "$TMP/pipe.rc")" = 0 ] || fail "evbpf run | head -n 1: exit status $(cat "$TMP/pipe.rc")"
[ $((SECONDS - start)) -lt 15 ] || fail "evbpf run | head -n 1 ran until its --duration"
[ ! -s "$TMP/pipe.err" ] || fail "evbpf run | head -n 1 complained: $(cat "$TMP/pipe.err")"
grep -q '^{"map":"run_' "$TMP/pipe.out" || fail "evbpf run | head -n 1 printed no record"

# --duration with nothing to read ends by itself; SIGINT too.
start=$SECONDS
"$evbpf" run "$fx/run_events.bpf.o" --duration 1 >"$TMP/duration.out" 2>&1 ||
	fail "--duration: exit status $?"
[ $((SECONDS - start)) -le 5 ] || fail "--duration 1 took $((SECONDS - start)) s"
[ ! -s "$TMP/duration.out" ] || fail "--duration: unexpected output"
"$evbpf" run "$fx/run_events.bpf.o" -v >"$TMP/sigint.out" 2>"$TMP/sigint.err" &
pid=$!
PIDS+=("$pid")
wait_for "$TMP/sigint.err" '^evbpf: run: ready' 10 || fail "sigint: not ready"
kill -INT "$pid"
wait "$pid" || fail "SIGINT: exit status $?"
grep -q 'stopping (Interrupt)' "$TMP/sigint.err" || fail "SIGINT was not handled on the loop"

echo "PASS: evbpf run"
