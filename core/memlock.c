/* SPDX-License-Identifier: MIT */
/*
 * RLIMIT_MEMLOCK. Before Linux 5.11 the kernel charged the memory of BPF
 * maps, programs and BTF to the locked-memory limit of the user creating
 * them, and answered EPERM once it was used up. Default limits are small
 * (64 KiB on Debian 11, 8 MiB under newer systemd), and a single 4 MiB
 * ring buffer exceeds either. From 5.11 the memory is charged to the
 * memory cgroup instead and the limit plays no part.
 *
 * So on a kernel that still charges the limit (EVBPF_FEATURE_MEMCG_ACCOUNT
 * answers 0, or cannot tell), the first map, program or BTF creation of
 * the process (every BPF_MAP_CREATE, BPF_PROG_LOAD and BPF_BTF_LOAD goes
 * through evbpf__bpf(), which calls us) raises it to RLIM_INFINITY, once,
 * as libbpf does. The limit is per process but the charge is per user:
 * another process of the same user that holds BPF memory uses up our
 * limit too, so even a small map can need the raise. That
 * needs CAP_SYS_RESOURCE (or a hard limit of infinity); without it the
 * soft limit goes up to the hard one, and an EPERM from the kernel later
 * says which limit was in force and why it stayed (evbpf__memlock_hint).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "internal.h"

static pthread_once_t memlock_once = PTHREAD_ONCE_INIT;
/* The memcg probe creates BPF objects itself, through the same path. */
static __thread bool memlock_raising;
/* Set once by memlock_raise(), read-only afterwards. */
static int memlock_refused;             /* -errno of the refused setrlimit(), or 0 */
static unsigned long long memlock_left; /* the soft limit in force after a refusal */

static void memlock_raise(void)
{
	struct rlimit old, inf = {RLIM_INFINITY, RLIM_INFINITY};
	int memcg;

	memlock_raising = true;
	memcg = evbpf_probe_feature(EVBPF_FEATURE_MEMCG_ACCOUNT);
	memlock_raising = false;
	/* The probe's "absent" reason is no failure of the caller's. */
	evbpf__errmsg_clear();
	if (memcg == 1 || getrlimit(RLIMIT_MEMLOCK, &old))
		return;
	if (old.rlim_cur == RLIM_INFINITY)
		return;
	if (setrlimit(RLIMIT_MEMLOCK, &inf) == 0) {
		evbpf__debug("RLIMIT_MEMLOCK raised from %llu bytes to infinity (BPF memory is "
		             "charged to it on this kernel)",
		             (unsigned long long)old.rlim_cur);
		return;
	}
	memlock_refused = -errno;
	if (old.rlim_max > old.rlim_cur) {
		struct rlimit up = {old.rlim_max, old.rlim_max};

		if (setrlimit(RLIMIT_MEMLOCK, &up) == 0)
			old.rlim_cur = old.rlim_max;
	}
	memlock_left = old.rlim_cur;
	evbpf__warn("RLIMIT_MEMLOCK is %llu bytes and could not be raised: %s; this kernel "
	            "charges BPF maps and programs to it",
	            memlock_left, evbpf_strerror(memlock_refused));
}

void evbpf__memlock_setup(void)
{
	if (!memlock_raising)
		pthread_once(&memlock_once, memlock_raise);
}

const char *evbpf__memlock_hint(int err)
{
	static __thread char hint[192];

	if (err != -EPERM)
		return "";
	/* Without a refused raise, or without the privileges BPF needs in
	 * the first place (the raise is refused for the same reason), the
	 * EPERM is about privileges. */
	if (!memlock_refused || !evbpf__bpf_privileged())
		return evbpf__perm_hint(err);
	snprintf(hint, sizeof(hint),
	         " (RLIMIT_MEMLOCK is %llu bytes and could not be raised: %s; before Linux "
	         "5.11 BPF memory is charged to it)",
	         memlock_left, evbpf_strerror(memlock_refused));
	return hint;
}
