#!/usr/bin/env bash
# The harness itself: scripts/vm.sh KERNEL boots that kernel, passes the
# command's exit status and its stdout and stderr through unchanged, runs
# it as root in the caller's directory with the EVBPF_* environment, mounts
# what BPF tests need, and leaves the host's files untouched.
#   tests/vm/selftest.sh KERNEL
set -uo pipefail
cd "$(dirname "$0")/../.."
k=${1:?usage: selftest.sh KERNEL}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {
	if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi
}

guest='
set -e
uname -r
id -u
pwd
echo "env=$EVBPF_SELFTEST"
for m in /sys/fs/bpf:bpf /sys/kernel/tracing:tracefs /sys/kernel/debug:debugfs \
         /sys/kernel/security:securityfs /sys/fs/cgroup/unified:cgroup2; do
	awk -v p="${m%%:*}" -v t="${m#*:}" "\$2 == p && \$3 == t { f = 1 } END { exit !f }" \
		/proc/mounts && echo "mounted ${m#*:}"
done
[ -f "/boot/config-$(uname -r)" ] && echo "config present"
modprobe veth && echo "modules load"
echo written >"$1/from-guest"
echo to-stderr >&2
printf "\001\002\r\n\377"
exit 7'
EVBPF_SELFTEST=yes scripts/vm.sh "$k" bash -c "$guest" guest "$tmp" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "exit status passed through (7)" '[ $rc -eq 7 ]'
check "guest runs $k" 'head -1 "$tmp/out" | grep -q "^$k\."'
check "as root" '[ "$(sed -n 2p "$tmp/out")" = 0 ]'
check "in the calling directory" '[ "$(sed -n 3p "$tmp/out")" = "$PWD" ]'
check "EVBPF_* environment" 'grep -qx "env=yes" "$tmp/out"'
for t in bpf tracefs debugfs securityfs cgroup2; do
	check "$t mounted" 'grep -qx "mounted $t" "$tmp/out"'
done
check "kernel config at /boot" 'grep -qx "config present" "$tmp/out"'
check "guest modules load on demand" 'grep -qx "modules load" "$tmp/out"'
check "stderr apart from stdout" '[ "$(cat "$tmp/err")" = to-stderr ] && ! grep -q to-stderr "$tmp/out"'
check "bytes unchanged" '[ "$(tail -c 5 "$tmp/out" | od -An -tx1 | tr -d " ")" = 01020d0aff ]'
check "host untouched" '[ ! -e "$tmp/from-guest" ]'
exit $fail
