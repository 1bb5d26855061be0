#!/usr/bin/env bash
# The command-line convention of every evbpf subcommand: -h/--help and
# `evbpf help CMD` print that command's usage on stdout and exit 0; an
# unknown option, a missing or an extra argument exits 2 with one line on
# stderr that names the problem and nothing on stdout. Needs no kernel.
# Usage: evbpf-cli.sh EVBPF_TOOL FIXTURE_DIR
set -uo pipefail
. "$(dirname "$0")/lib.sh"
evbpf=$(realpath "$1")
fx=$2

cmds="inspect load run probe btf gen top"

# expect_usage NAME REGEX CMD...: exit 2, stdout empty, one stderr line
# matching REGEX.
expect_usage() {
	local name=$1 re=$2 rc
	shift 2
	"$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	rc=$?
	[ $rc = 2 ] || fail "$name: exit status $rc, expected 2"
	[ ! -s "$TMP/$name.out" ] || fail "$name: wrote to stdout"
	[ "$(wc -l <"$TMP/$name.err")" = 1 ] || fail "$name: stderr is not one line"
	grep -qE "$re" "$TMP/$name.err" || fail "$name: stderr does not match '$re'"
}

# expect_help NAME CMD_NAME CMD...: exit 0, stderr empty, stdout starts with
# "usage: evbpf CMD_NAME" and lists -h, --help.
expect_help() {
	local name=$1 cmd=$2 rc
	shift 2
	"$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	rc=$?
	[ $rc = 0 ] || fail "$name: exit status $rc, expected 0"
	[ ! -s "$TMP/$name.err" ] || fail "$name: wrote to stderr"
	head -n 1 "$TMP/$name.out" | grep -q "^usage: evbpf $cmd" ||
		fail "$name: first line is not 'usage: evbpf $cmd'"
	grep -q -- '-h, --help' "$TMP/$name.out" || fail "$name: -h/--help not listed"
}

for c in $cmds; do
	expect_help "$c-help" "$c" "$evbpf" "$c" --help
	expect_help "$c-h" "$c" "$evbpf" "$c" -h
	expect_help "help-$c" "$c" "$evbpf" help "$c"
	# --help after other arguments still means help.
	expect_help "$c-late-help" "$c" "$evbpf" "$c" "$fx/run_events.bpf.o" --help
	cmp -s "$TMP/$c-help.out" "$TMP/help-$c.out" ||
		fail "$c: --help and 'help $c' differ"
	expect_usage "$c-unknown" "^evbpf: $c: .*unknown (option|action) '--no-such-flag'.*evbpf help $c" \
		"$evbpf" "$c" --no-such-flag
done

# `help` and `--help` list every subcommand.
for form in help --help -h; do
	"$evbpf" $form >"$TMP/list.out" 2>"$TMP/list.err"
	[ $? = 0 ] || fail "evbpf $form: exit status is not 0"
	[ ! -s "$TMP/list.err" ] || fail "evbpf $form: wrote to stderr"
	for c in $cmds; do
		grep -qE "^  $c " "$TMP/list.out" || fail "evbpf $form does not list '$c'"
	done
done

# Unknown flags where the action comes first.
expect_usage btf-dump-flag "^evbpf: btf: unknown option '-x'" "$evbpf" btf dump -x
expect_usage gen-skel-flag "^evbpf: gen: unknown option '--bogus'" \
	"$evbpf" gen skeleton "$fx/run_events.bpf.o" --bogus
expect_usage inspect-json-flag "^evbpf: inspect: unknown option '--jsn'" \
	"$evbpf" inspect "$fx/run_events.bpf.o" --jsn

# Missing and extra arguments.
expect_usage nocmd "^evbpf: no command given" "$evbpf"
expect_usage badcmd "^evbpf: unknown command 'frobnicate'" "$evbpf" frobnicate
expect_usage help-badcmd "^evbpf: help: unknown command 'frobnicate'" "$evbpf" help frobnicate
expect_usage inspect-nofile "^evbpf: inspect: no object file given" "$evbpf" inspect
expect_usage inspect-extra "^evbpf: inspect: unexpected argument 'b.o'" "$evbpf" inspect a.o b.o
expect_usage load-nofile "^evbpf: load: no object file given" "$evbpf" load
expect_usage load-pin "^evbpf: load: --pin needs a directory" "$evbpf" load a.o --pin
expect_usage run-nofile "^evbpf: run: no object file given" "$evbpf" run
expect_usage run-novalue "^evbpf: run: --count needs a value" "$evbpf" run a.o --count
expect_usage probe-extra "^evbpf: probe: unexpected argument 'x'" "$evbpf" probe x
expect_usage top-extra "^evbpf: top: unexpected argument 'x'" "$evbpf" top x
expect_usage top-sort "^evbpf: top: --sort: 'size' is not" "$evbpf" top --sort size
expect_usage top-novalue "^evbpf: top: --interval needs a value" "$evbpf" top --interval
expect_usage btf-noaction "^evbpf: btf: no action given" "$evbpf" btf
expect_usage btf-badaction "^evbpf: btf: unknown action 'show'" "$evbpf" btf show
expect_usage btf-o "^evbpf: btf: -o needs a file name" "$evbpf" btf dump -o
expect_usage gen-noaction "^evbpf: gen: no action given" "$evbpf" gen
expect_usage gen-nofile "^evbpf: gen: no object file given" "$evbpf" gen skeleton

# A file named --help is reachable as ./--help; inspect no longer opens
# "--help" itself.
cp "$fx/run_events.bpf.o" "$TMP/--help"
(cd "$TMP" && "$evbpf" inspect ./--help) >"$TMP/dash.out" 2>"$TMP/dash.err" ||
	fail "inspect ./--help failed"
grep -q '^programs:' "$TMP/dash.out" || fail "inspect ./--help printed no programs"

echo "PASS"
