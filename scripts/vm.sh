#!/usr/bin/env bash
# Boot a Debian kernel under QEMU and run a command inside it as root.
#
#   scripts/vm.sh KERNEL COMMAND [ARG...]
#   scripts/vm.sh --fetch KERNEL...     only download and prepare kernels
#   scripts/vm.sh --list                the kernels it knows
#
# KERNEL is 5.10 (Debian bullseye), 6.1 (bookworm) or 6.12
# (bookworm-backports). The command runs in the current directory, with
# the caller's EVBPF_* environment, and its exit status is vm.sh's exit
# status (125 when the guest never ran it: boot failure or timeout). Its
# stdout and stderr are vm.sh's stdout and stderr, byte for byte; the
# kernel's console is shown with EVBPF_VM_VERBOSE=1, and its warnings and
# oopses when the command fails.
#
# What the guest sees:
#   - the host's root file system over virtio-9p, read-only on the host
#     side, under a tmpfs overlay: writes (a ctest log, /tmp) land in guest
#     memory and vanish at power-off, so the host is left untouched;
#   - proc, sys, devtmpfs, bpffs (/sys/fs/bpf), tracefs, debugfs,
#     securityfs and cgroup2 at /sys/fs/cgroup/unified (as on the host);
#   - the guest kernel's own modules at /lib/modules/$(uname -r), so that
#     veth, sch_ingress and the like load on demand;
#   - 2 vCPUs and 512 MiB.
#
# Kernels are Debian's signed images, fetched as .deb files with a private
# apt configuration (the host's sources are never touched), unpacked into
# the cache (EVBPF_VM_CACHE, default ~/.cache/evbpf-vm) and never
# installed. The initramfs is built here from busybox-static and the
# kernel's own 9p, virtio and overlay modules.
#
# Measured on the 2-core VMs this project runs on: KVM is unusable (no
# vmx/svm; -accel kvm fails on MSR 0x10a or hangs in the decompressor), so
# this is TCG. Multi-threaded TCG crashed a 6.12 guest (int3 oops in
# bpf_dispatcher_xdp_func), so it is thread=single. Debian kernels have
# CONFIG_PVH, so the ELF vmlinux is booted directly, which skips about 6 s
# of in-guest decompression.
#
# Environment: EVBPF_VM_CACHE, EVBPF_VM_TIMEOUT (seconds, default 1500),
# EVBPF_VM_MEM (MiB, default 512), EVBPF_VM_CPUS (default 2),
# EVBPF_VM_VERBOSE=1 (show the console as it is).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${EVBPF_VM_CACHE:-${HOME:-/root}/.cache/evbpf-vm}
TIMEOUT=${EVBPF_VM_TIMEOUT:-1500}
MEM=${EVBPF_VM_MEM:-512}
CPUS=${EVBPF_VM_CPUS:-2}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
MIRROR=${EVBPF_VM_MIRROR:-http://deb.debian.org/debian}

# Kernel name -> Debian suite that carries it.
suite_of() {
	case "$1" in
	5.10) echo bullseye ;;
	6.1) echo bookworm ;;
	6.12) echo bookworm-backports ;;
	*) return 1 ;;
	esac
}

die() {
	echo "vm.sh: $*" >&2
	exit 125
}

need() {
	local p missing=()
	for p in "$@"; do
		command -v "${p%%:*}" >/dev/null 2>&1 || missing+=("${p#*:}")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "needs ${missing[*]} (install them as root)"
	echo "vm.sh: installing ${missing[*]}" >&2
	apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# A private apt: its own sources, lists and archive cache under $CACHE/apt.
apt_private() {
	local a=$CACHE/apt
	"$@" -o Dir::Etc="$a/etc" -o Dir::Etc::sourcelist="$a/etc/sources.list" \
		-o Dir::Etc::sourceparts="$a/etc/sources.list.d" \
		-o Dir::Etc::preferencesparts="$a/etc/preferences.d" \
		-o Dir::State="$a/state" -o Dir::State::status="$a/state/status" \
		-o Dir::Cache="$a/cache" -o APT::Architecture=amd64 \
		-o APT::Sandbox::User=root -o Debug::NoLocking=1
}

apt_setup() {
	local a=$CACHE/apt stamp
	mkdir -p "$a/etc/sources.list.d" "$a/etc/preferences.d" "$a/state/lists/partial" \
		"$a/cache/archives/partial"
	[ -f "$KEYRING" ] || die "no $KEYRING (apt-get install debian-archive-keyring)"
	cat >"$a/etc/sources.list" <<-EOF
		deb [signed-by=$KEYRING] $MIRROR bullseye main
		deb [signed-by=$KEYRING] $MIRROR bookworm main
		deb [signed-by=$KEYRING] $MIRROR bookworm-backports main
	EOF
	touch "$a/state/status"
	# Lists are refreshed once a day at most.
	stamp=$a/state/updated
	if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440)" ]; then
		apt_private apt-get update -qq >&2 || die "apt-get update (private lists) failed"
		touch "$stamp"
	fi
}

# Download and unpack KERNEL; prints the directory it lives in.
fetch() {
	local k=$1 suite pkg dir deb ver
	suite=$(suite_of "$k") || die "unknown kernel '$k' (try: 5.10 6.1 6.12)"
	dir=$CACHE/$k
	if [ -f "$dir/ready" ]; then
		echo "$dir"
		return
	fi
	need dpkg-deb:dpkg depmod:kmod modprobe:kmod xz:xz-utils zstd:zstd cpio:cpio \
		/bin/busybox:busybox-static qemu-system-x86_64:qemu-system-x86
	apt_setup
	# linux-image-amd64 in that suite names the current ABI's image.
	pkg=$(apt_private apt-cache show "linux-image-amd64/$suite" 2>/dev/null |
		sed -n 's/^Depends: \(linux-image-[^ ,]*\).*/\1/p' | head -1)
	[ -n "$pkg" ] || die "cannot resolve linux-image-amd64 in $suite"
	echo "vm.sh: fetching $pkg ($suite)" >&2
	rm -rf "$dir" && mkdir -p "$dir/deb" "$dir/root"
	(cd "$dir/deb" && apt_private apt-get download -qq "$pkg/$suite" >&2) ||
		die "download of $pkg failed"
	deb=$(ls "$dir"/deb/*.deb)
	dpkg-deb -x "$deb" "$dir/root"
	rm -f "$deb"
	ver=$(ls "$dir/root/lib/modules")
	depmod -b "$dir/root" "$ver"
	echo "$ver" >"$dir/release"
	extract_vmlinux "$dir/root/boot/vmlinuz-$ver" "$dir/vmlinux" ||
		cp "$dir/root/boot/vmlinuz-$ver" "$dir/vmlinux"
	touch "$dir/ready"
	echo "$dir"
}

# The ELF vmlinux inside a bzImage (for a PVH boot): find the compressed
# payload by its magic and keep the first candidate that inflates to ELF.
extract_vmlinux() {
	local in=$1 out=$2 off magic tool
	for magic in xz:$'\xfd7zXZ\x00' zstd:$'\x28\xb5\x2f\xfd' gzip:$'\x1f\x8b\x08'; do
		tool=${magic%%:*}
		for off in $(LC_ALL=C grep -abo "${magic#*:}" "$in" 2>/dev/null | cut -d: -f1 | head -5); do
			tail -c +$((off + 1)) "$in" | "$tool" -dc 2>/dev/null >"$out.tmp" || true
			if [ "$(head -c 4 "$out.tmp" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; then
				mv "$out.tmp" "$out"
				return 0
			fi
		done
	done
	rm -f "$out.tmp"
	return 1
}

# busybox-static plus the modules needed to mount the host root, in
# dependency order, decompressed (busybox insmod reads plain .ko only).
build_initramfs() {
	local dir=$1 ver=$2 ir m line ko n=0
	need cpio:cpio /bin/busybox:busybox-static
	ir=$(mktemp -d)
	mkdir -p "$ir"/{bin,dev,proc,sys,mods,newroot,lower,upper}
	cp /bin/busybox "$ir/bin/busybox"
	: >"$ir/mods/order"
	for m in virtio_pci virtio_console 9pnet_virtio 9p overlay; do
		modprobe -d "$dir/root" -S "$ver" --show-depends "$m" 2>/dev/null |
			while read -r line; do
				[ "${line%% *}" = insmod ] || continue
				ko=$(echo "$line" | awk '{print $2}')
				grep -qxF "$(basename "$ko")" "$ir/mods/seen" 2>/dev/null && continue
				basename "$ko" >>"$ir/mods/seen"
				n=$(wc -l <"$ir/mods/order")
				case "$ko" in
				*.xz) xz -dc "$ko" >"$ir/mods/$n.ko" ;;
				*.zst) zstd -qdc "$ko" >"$ir/mods/$n.ko" ;;
				*.gz) gzip -dc "$ko" >"$ir/mods/$n.ko" ;;
				*) cp "$ko" "$ir/mods/$n.ko" ;;
				esac
				echo "$n.ko" >>"$ir/mods/order"
			done
	done
	cp "$ROOT/scripts/vm-init" "$ir/init"
	chmod +x "$ir/init"
	(cd "$ir" && find . | cpio -o -H newc --quiet | gzip -1) >"$3.tmp.$$"
	mv "$3.tmp.$$" "$3"
	rm -rf "$ir"
}

# The initramfs for this kernel and this vm-init (keyed by its hash, so
# that checkouts with different scripts can share the cache).
initramfs() {
	local dir=$1 ver sum
	ver=$(cat "$dir/release")
	sum=$(sha256sum "$ROOT/scripts/vm-init" | cut -c1-16)
	[ -f "$dir/initramfs-$sum.gz" ] || build_initramfs "$dir" "$ver" "$dir/initramfs-$sum.gz"
	echo "$dir/initramfs-$sum.gz"
}

boot() {
	local k=$1 dir=$2 share=$3 console=$4 initrd
	initrd=$(initramfs "$dir")
	# The host root read-only (9p 'hostroot'); the per-run share with the
	# command and its exit status writable (9p 'evbpfvm').
	timeout --foreground -k 10 "$TIMEOUT" qemu-system-x86_64 \
		-accel tcg,thread=single -cpu max -smp "$CPUS" -m "$MEM" \
		-nodefaults -no-reboot -display none -vga none \
		-kernel "$dir/vmlinux" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 oops=panic quiet loglevel=4 evbpf.kroot=$dir/root \
mitigations=off nokaslr random.trust_cpu=on" \
		-serial "file:$console" \
		-device virtio-serial-pci \
		-chardev file,id=out,path="$share/stdout" -device virtconsole,chardev=out \
		-chardev file,id=err,path="$share/stderr" -device virtconsole,chardev=err \
		-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
		-fsdev local,id=evbpfvm,path="$share",security_model=none \
		-device virtio-9p-pci,fsdev=evbpfvm,mount_tag=evbpfvm \
		-device virtio-rng-pci </dev/null >/dev/null 2>"$share/qemu.err"
}

run() {
	local k=$1 dir share rc=0 console pid v
	shift
	[ $# -gt 0 ] || die "usage: vm.sh KERNEL COMMAND [ARG...]"
	dir=$(fetch "$k")
	share=$(mktemp -d /tmp/evbpf-vm.XXXXXX)
	# shellcheck disable=SC2064
	trap "rm -rf '$share'" EXIT
	console=$share/console
	: >"$console"
	{
		echo "cd $(printf '%q' "$PWD") || exit 125"
		for v in $(compgen -e); do
			case "$v" in
			EVBPF_VM_*) ;;
			EVBPF_* | CTEST_* | ASAN_OPTIONS | UBSAN_OPTIONS | LANG) echo "export $v=$(printf '%q' "${!v}")" ;;
			esac
		done
		echo "export EVBPF_GUEST_KERNEL=$(printf '%q' "$k")"
		printf '%q ' "$@"
		echo
	} >"$share/cmd.sh"
	# The command's stdout and stderr arrive on two virtio consoles (files
	# here), streamed while it runs; the kernel's console goes to a third
	# file, shown with EVBPF_VM_VERBOSE=1 or when something went wrong.
	: >"$share/stdout"
	: >"$share/stderr"
	boot "$k" "$dir" "$share" "$console" &
	pid=$!
	tail -n +1 -f --pid=$pid "$share/stdout" &
	tail -n +1 -f --pid=$pid "$share/stderr" >&2 &
	[ "${EVBPF_VM_VERBOSE:-0}" = 1 ] && tail -n +1 -f --pid=$pid "$console" | tr -d '\r' >&2 &
	wait $pid || rc=$?
	wait
	if [ -f "$share/rc" ]; then
		rc=$(cat "$share/rc")
		# Kernel trouble during the run is worth seeing even when the
		# command's own output hides it.
		if [ "$rc" != 0 ] && [ "${EVBPF_VM_VERBOSE:-0}" != 1 ]; then
			tr -d '\r' <"$console" |
				grep -E -A20 '(BUG|WARNING|Oops|general protection|Kernel panic)' |
				head -60 >&2 || true
		fi
		return "$rc"
	fi
	if [ $rc -eq 124 ]; then
		echo "vm.sh: $k: timed out after ${TIMEOUT}s; console tail:" >&2
	else
		echo "vm.sh: $k: the guest did not run the command (qemu status $rc); console tail:" >&2
	fi
	tr -d '\r' <"$console" | tail -30 >&2
	cat "$share/qemu.err" >&2 || true
	return 125
}

case "${1:-}" in
--list) echo "5.10 6.1 6.12" ;;
--fetch)
	shift
	for k in "$@"; do fetch "$k" >/dev/null; done ;;
"" | -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
*) run "$@" ;;
esac
