#!/usr/bin/env bash
# `evbpf run` output for an operator, on tests/bpf/run_table.bpf.o (an
# execsnoop-shaped record per exec of a probe, through a perf event array,
# and per-CPU maps): the table (--table, and by default on a terminal) with
# its header, TIME column and aligned values; JSON lines with -T
# timestamps; argv as a list of strings, not marked truncated although the
# record is shorter than its struct; --json/--table conflict; hex records
# in the table; per-CPU histograms and tables summed over the CPUs.
# Needs no tracefs (raw tracepoint). Usage: evbpf-run-table.sh EVBPF_TOOL FIXTURE_DIR
set -uo pipefail
. "$(dirname "$0")/lib.sh"
evbpf=$1
fx=$2
obj=$fx/run_table.bpf.o

# Usage errors need no kernel.
"$evbpf" run "$obj" --json --table >"$TMP/both.out" 2>"$TMP/both.err"
[ $? = 2 ] || fail "--json --table: exit status is not 2"
grep -q '^evbpf: run: --json and --table: give one of them' "$TMP/both.err" ||
	fail "--json --table: $(cat "$TMP/both.err")"
"$evbpf" run --help | grep -q -- '-T, --timestamp' || fail "run --help lacks -T"

require_kernel "$evbpf" "$fx"

probe=evtbl$$
probe=${probe:0:15}
cp /bin/true "$TMP/$probe"

# exec_run NAME EXECS ARGS...: evbpf run ARGS until it is ready, then EXECS
# execs of the probe (alternating over the first two CPUs when there are
# two), then SIGINT once the records are in.
ncpu=$(nproc)
exec_run() {
	local name=$1 execs=$2 pid rc i
	shift 2
	"$evbpf" run "$obj" -v --set target_comm="$probe" "$@" >"$TMP/$name.out" \
		2>"$TMP/$name.err" &
	pid=$!
	PIDS+=("$pid")
	wait_for "$TMP/$name.err" '^evbpf: run: ready' 10 || fail "$name: not ready"
	for i in $(seq 1 "$execs"); do
		if [ "$ncpu" -ge 2 ]; then
			taskset -c $((i % 2)) "$TMP/$probe"
		else
			"$TMP/$probe"
		fi
	done
	sleep 1.5
	kill -INT "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	[ $rc = 0 ] || fail "$name: exit status $rc"
}

# --table: one header, then a row per exec.
exec_run table 2 --table
[ "$(wc -l <"$TMP/table.out")" = 3 ] || fail "table: not a header and 2 rows"
header=$(head -n 1 "$TMP/table.out")
want_header='TIME            PID KIND           WIDE             LEVEL STATE          INNER.LO INNER.HI INNER.PHASE    COMM             ARGS_COUNT  ARGS_SIZE ARGS'
[ "$header" = "$want_header" ] || fail "table: header is '$header'"
row=$(sed -n 2p "$TMP/table.out")
# Every row: the time, then the values under their headers.
re="^[0-2][0-9]:[0-5][0-9]:[0-6][0-9] +[0-9]+ TBL_KIND_EXEC  TBL_WIDE_LONGEST     6 TBL_PHASE_RUN         1    65535 TBL_PHASE_STOP $probe +3         20 one two words three\$"
tail -n 2 "$TMP/table.out" | grep -vqE "$re" && fail "table: a row is not as expected: $row"
# Right-aligned numbers end where their header ends; text starts where its
# header starts; the time is now.
end_pid=$(($(awk '{ print index($0, " PID") + 3 }' <<<"$header")))
[ "${row:end_pid-1:1}" != " " ] && [ "${row:end_pid:1}" = " " ] ||
	fail "table: PID not right-aligned under its header: '$row'"
comm_at=$(awk '{ print index($0, " COMM") }' <<<"$header")
[ "${row:comm_at:${#probe}}" = "$probe" ] || fail "table: COMM not under its header: '$row'"
args_at=$(grep -bo ' ARGS$' <<<"$header" | cut -d: -f1)
[ "${row:args_at}" = " one two words three" ] || fail "table: ARGS not under its header: '$row'"
# TIME: the local time of day the row was printed (within a minute, across
# midnight too).
t=${row:0:8}
now=$(date +%s)
row_s=$(date -d "$(date +%F) $t" +%s)
age=$(( ((now - row_s) % 86400 + 86400) % 86400 ))
[ "$age" -lt 60 ] || fail "table: TIME $t is not the time the row was printed"

# JSON lines with -T: "ts" first, ISO 8601 with microseconds, now; argv a
# list; not truncated though shorter than the struct.
start=$(date +%s)
exec_run json 2 --json -T
end=$(date +%s)
[ "$(wc -l <"$TMP/json.out")" = 2 ] || fail "json: not 2 lines"
re='^\{"ts":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}[+-][0-9]{2}:[0-9]{2}","map":"exec_events","cpu":[0-9]+,"size":76,"type":"struct exec_event","data":\{.*"args_count":3,"args_size":20,"args":\["one","two words","three"\]\}\}$'
grep -vqE "$re" "$TMP/json.out" && fail "json: unexpected line: $(head -n 1 "$TMP/json.out")"
grep -q truncated "$TMP/json.out" && fail "json: a record is marked truncated"
ts=$(head -n 1 "$TMP/json.out" | sed -E 's/^\{"ts":"([^"]*)".*/\1/')
ts_s=$(date -d "$ts" +%s) || fail "json: date cannot read ts '$ts'"
[ "$ts_s" -ge "$start" ] && [ "$ts_s" -le "$end" ] || fail "json: ts $ts is not between $start and $end"
grep -q '"level":6,"state":"TBL_PHASE_RUN","inner":{"lo":1,"hi":65535,"phase":"TBL_PHASE_STOP"}' \
	"$TMP/json.out" || fail "json: enums or bitfields not decoded"

# Without --json on a terminal: the table (script(1) gives evbpf a pty).
if command -v script >/dev/null; then
	script -qec "'$evbpf' run '$obj' --count 1 --duration 20 --set target_comm=$probe" \
		"$TMP/tty.typescript" >"$TMP/tty.out" 2>&1 &
	spid=$!
	PIDS+=("$spid")
	for _ in $(seq 1 100); do
		kill -0 "$spid" 2>/dev/null || break
		"$TMP/$probe"
		sleep 0.1
	done
	wait "$spid" || fail "tty: exit status $?"
	grep -q "^TIME  *PID KIND" "$TMP/tty.out" || fail "tty: no table header: $(head -c 300 "$TMP/tty.out")"
	grep -q '"map"' "$TMP/tty.out" && fail "tty: JSON on a terminal"
fi

# A record without a type in the table: hex under DATA.
exec_run hex 1 --table --map exec_events:hex
[ "$(head -n 1 "$TMP/hex.out")" = "TIME     DATA" ] || fail "hex: header is '$(head -n 1 "$TMP/hex.out")'"
sed -n 2p "$TMP/hex.out" | grep -qE '^[0-9:]{8} [0-9a-f]{152}$' || fail "hex: row is '$(sed -n 2p "$TMP/hex.out")'"

# Per-CPU maps: 3 execs spread over the CPUs, each a sample of 100 (slot
# 64 -> 127); the views show the sums.
exec_run pcpu 3 --json --interval 0.3 --hist pcpu_hist --hist pcpu_khist --map pcpu_counts \
	--map pcpu_stats
last_block() {
	awk -v m="map '$2':" 'index($0, m) { buf = ""; on = 1 } on { buf = buf $0 "\n" }
		on && /^$/ { last = buf; on = 0 } END { printf "%s", last }' "$TMP/$1.out"
}
bar='\|\*{40}\|'
last_block pcpu pcpu_hist | grep -qE "^ +64 -> 127 +: 3 +$bar$" || fail "pcpu_hist: slot is not 3"
last_block pcpu pcpu_khist | grep -qx 'key = 7' || fail "pcpu_khist: no key 7"
last_block pcpu pcpu_khist | grep -qE "^ +64 -> 127 +: 3 +$bar$" || fail "pcpu_khist: slot is not 3"
[ "$(last_block pcpu pcpu_counts | sed -n 3p | tr -s ' ')" = ' 7 3' ] ||
	fail "pcpu_counts: row is not 7 -> 3"
[ "$(last_block pcpu pcpu_stats | sed -n 3p | tr -s ' ')" = ' 7 {"calls":3,"bytes":30}' ] ||
	fail "pcpu_stats: row is not the sums"

echo "PASS: evbpf run table"
