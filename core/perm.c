/* SPDX-License-Identifier: MIT */
/*
 * What an EPERM from bpf() means for the process that got it.
 *
 * The kernel answers EPERM for several reasons: the caller lacks the
 * capability the command needs (CAP_BPF, or CAP_SYS_ADMIN before 5.8 and
 * for some commands; CAP_PERFMON for tracing programs; CAP_NET_ADMIN for
 * networking ones), unprivileged BPF is switched off by the
 * kernel.unprivileged_bpf_disabled sysctl (the default on most
 * distributions), RLIMIT_MEMLOCK before 5.11 (memlock.c), or a security
 * policy (lockdown, an LSM). Only the process can tell which applies, so
 * the hint is computed when the error is reported: the effective
 * capability set (capget) and the sysctl are read then, never cached,
 * because a process may drop privileges at any time.
 */
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "internal.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/* Whether capability cap is in the effective set; -errno when unknown. */
static int has_cap(int cap)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	return (data[cap / 32].effective >> (cap % 32)) & 1;
}

/* kernel.unprivileged_bpf_disabled: 0, 1 (off until reboot), 2 (off,
 * root may turn it on), or -1 when it cannot be read. */
static int unpriv_disabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/unprivileged_bpf_disabled", "re");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

bool evbpf__bpf_privileged(void)
{
	return has_cap(CAP_SYS_ADMIN) == 1 || has_cap(CAP_BPF) == 1;
}

const char *evbpf__perm_hint(int err)
{
	static __thread char hint[400];
	int sys_admin, bpf_cap, unpriv;

	if (err != -EPERM)
		return "";
	sys_admin = has_cap(CAP_SYS_ADMIN);
	bpf_cap = has_cap(CAP_BPF);
	if (sys_admin == 1)
		return " (the process has CAP_SYS_ADMIN: a security policy such as lockdown "
		       "or an LSM refused it)";
	unpriv = unpriv_disabled();
	if (bpf_cap == 1) {
		snprintf(hint, sizeof(hint),
		         " (the process has CAP_BPF but not CAP_SYS_ADMIN: tracing programs "
		         "also need CAP_PERFMON%s, networking programs CAP_NET_ADMIN%s; "
		         "kernels before 5.8 need CAP_SYS_ADMIN)",
		         has_cap(CAP_PERFMON) == 1 ? " (present)" : "",
		         has_cap(CAP_NET_ADMIN) == 1 ? " (present)" : "");
		return hint;
	}
	if (unpriv > 0) {
		snprintf(hint, sizeof(hint),
		         " (not permitted: the process lacks CAP_BPF and CAP_SYS_ADMIN, and "
		         "unprivileged BPF is disabled (kernel.unprivileged_bpf_disabled = %d); "
		         "run as root, or grant CAP_BPF plus CAP_PERFMON for tracing or "
		         "CAP_NET_ADMIN for networking programs)",
		         unpriv);
		return hint;
	}
	snprintf(hint, sizeof(hint),
	         " (not permitted: the process lacks CAP_BPF and CAP_SYS_ADMIN%s; run as "
	         "root, or grant CAP_BPF plus CAP_PERFMON for tracing or CAP_NET_ADMIN for "
	         "networking programs)",
	         unpriv == 0 ? ", and unprivileged users may only load socket filters" : "");
	return hint;
}
