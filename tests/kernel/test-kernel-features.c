/* SPDX-License-Identifier: MIT */
/*
 * evbpf_probe_feature() against the kernel it runs on. The kernel matrix
 * runs this on 5.10, 6.1, 6.12 and the host, so each answer is checked
 * against the release that brought the facility to mainline (Debian's
 * kernels are mainline plus fixes). Facilities that a configuration or a
 * policy can remove (kprobes, trampolines, multi-kprobes) are checked
 * only in the direction no configuration can change: absent below the
 * release that added them.
 */
#include <sys/stat.h>
#include <sys/utsname.h>

#include "common.h"

static unsigned kernel_version(void)
{
	struct utsname u;
	unsigned a = 0, b = 0;

	if (uname(&u) || sscanf(u.release, "%u.%u", &a, &b) != 2)
		fail_msg("cannot read the kernel release");
	return a << 8 | b;
}

#define V(a, b) ((unsigned)(a) << 8 | (b))

struct expect {
	enum evbpf_feature f;
	unsigned since;
	int exact; /* 1: present from `since` on; 0: only absent before it */
};

static const struct expect expectations[] = {
	{EVBPF_FEATURE_BPF, V(3, 18), 1},
	{EVBPF_FEATURE_MEMCG_ACCOUNT, V(5, 11), 1},
	{EVBPF_FEATURE_BTF, V(4, 18), 1},
	{EVBPF_FEATURE_BTF_FUNC, V(5, 0), 1},
	{EVBPF_FEATURE_BTF_DATASEC, V(5, 2), 1},
	{EVBPF_FEATURE_BTF_GLOBAL_FUNC, V(5, 6), 1},
	{EVBPF_FEATURE_BTF_FLOAT, V(5, 13), 1},
	{EVBPF_FEATURE_BTF_DECL_TAG, V(5, 16), 1},
	{EVBPF_FEATURE_BTF_TYPE_TAG, V(5, 17), 1},
	{EVBPF_FEATURE_BTF_ENUM64, V(6, 0), 1},
	{EVBPF_FEATURE_ATOMICS, V(5, 12), 1},
	{EVBPF_FEATURE_BPF_COOKIE, V(5, 15), 1},
	{EVBPF_FEATURE_PERF_LINK, V(5, 15), 1},
	{EVBPF_FEATURE_CGROUP_LINK, V(5, 7), 1},
	{EVBPF_FEATURE_TCX, V(6, 6), 1},
	{EVBPF_FEATURE_SOCKMAP_LINK, V(6, 10), 1},
	{EVBPF_FEATURE_MAP_BATCH, V(5, 6), 1},
	{EVBPF_FEATURE_ENABLE_STATS, V(5, 8), 1},
	{EVBPF_FEATURE_KPROBE_MULTI, V(5, 18), 0},
	{EVBPF_FEATURE_UPROBE_MULTI, V(6, 6), 0},
	{EVBPF_FEATURE_KPROBE_SESSION, V(6, 10), 0},
	{EVBPF_FEATURE_UPROBE_SESSION, V(6, 13), 0},
	{EVBPF_FEATURE_TRAMPOLINE, V(5, 5), 0},
	{EVBPF_FEATURE_KPROBE_PMU, V(4, 17), 0},
	{EVBPF_FEATURE_UPROBE_PMU, V(4, 17), 0},
};

static void test_versions(void **st)
{
	unsigned ver = kernel_version();
	int fds = fd_count();

	(void)st;
	REQUIRE_KERNEL();
	for (size_t i = 0; i < sizeof(expectations) / sizeof(expectations[0]); i++) {
		const struct expect *e = &expectations[i];
		int want = ver >= e->since, got = evbpf_probe_feature(e->f);

		print_message("%-16s %d %s\n", evbpf_feature_name(e->f), got,
			      got == 0 ? evbpf_errmsg() : "");
		if (got < 0)
			fail_msg("%s: cannot tell: %s", evbpf_feature_name(e->f), evbpf_errmsg());
		if (got == 0 && !*evbpf_errmsg())
			fail_msg("%s: absent without a reason", evbpf_feature_name(e->f));
		if (e->exact ? got != want : (got && !want))
			fail_msg("%s: probe says %d on %u.%u (mainline has it since %u.%u)",
				 evbpf_feature_name(e->f), got, ver >> 8, ver & 0xff,
				 e->since >> 8, e->since & 0xff);
	}
	assert_int_equal(fd_count(), fds);
}

/* Answers that sysfs and tracefs state directly. */
static void test_files(void **st)
{
	struct stat sb;
	int tracefs;

	(void)st;
	REQUIRE_KERNEL();
	assert_int_equal(evbpf_probe_feature(EVBPF_FEATURE_VMLINUX_BTF),
			 stat("/sys/kernel/btf/vmlinux", &sb) == 0);
	assert_int_equal(evbpf_probe_feature(EVBPF_FEATURE_KPROBE_PMU),
			 stat("/sys/bus/event_source/devices/kprobe", &sb) == 0);
	assert_int_equal(evbpf_probe_feature(EVBPF_FEATURE_UPROBE_PMU),
			 stat("/sys/bus/event_source/devices/uprobe", &sb) == 0);
	tracefs = stat("/sys/kernel/tracing/events", &sb) == 0 ||
		  stat("/sys/kernel/debug/tracing/events", &sb) == 0;
	assert_int_equal(evbpf_probe_feature(EVBPF_FEATURE_TRACEFS), tracefs);
	/* kprobes: the PMU, or tracefs's legacy interface. */
	if (evbpf_probe_feature(EVBPF_FEATURE_KPROBE_PMU) == 1)
		assert_int_equal(evbpf_probe_feature(EVBPF_FEATURE_KPROBE), 1);
	if (evbpf_probe_feature(EVBPF_FEATURE_KPROBE) == 0)
		assert_non_null(strstr(evbpf_errmsg(), "kprobe"));
}

/* Sessions are multi-probe links of another attach type: no kernel has
 * the session without the multi-probe it is built on. */
static void test_sessions_imply_multi(void **st)
{
	(void)st;
	REQUIRE_KERNEL();
	if (evbpf_probe_feature(EVBPF_FEATURE_KPROBE_SESSION) == 1)
		assert_int_equal(evbpf_probe_feature(EVBPF_FEATURE_KPROBE_MULTI), 1);
	if (evbpf_probe_feature(EVBPF_FEATURE_UPROBE_SESSION) == 1)
		assert_int_equal(evbpf_probe_feature(EVBPF_FEATURE_UPROBE_MULTI), 1);
	if (evbpf_probe_feature(EVBPF_FEATURE_KPROBE_MULTI) == 0) {
		assert_int_equal(evbpf_probe_feature(EVBPF_FEATURE_KPROBE_SESSION), 0);
		assert_non_null(strstr(evbpf_errmsg(), "kprobe_session"));
	}
}

/* Answers are stable, cached, and say why when absent. */
static void test_cache_and_names(void **st)
{
	(void)st;
	REQUIRE_KERNEL();
	for (int f = 0; f < EVBPF_FEATURE__COUNT; f++) {
		int a = evbpf_probe_feature((enum evbpf_feature)f);

		assert_non_null(evbpf_feature_name((enum evbpf_feature)f));
		assert_true(a == 0 || a == 1);
		assert_int_equal(evbpf_probe_feature((enum evbpf_feature)f), a);
		if (a == 0)
			assert_true(strlen(evbpf_errmsg()) > strlen(evbpf_feature_name(f)) + 2);
	}
	assert_null(evbpf_feature_name(EVBPF_FEATURE__COUNT));
	assert_int_equal(evbpf_probe_feature(EVBPF_FEATURE__COUNT), -EINVAL);
	assert_int_equal(evbpf_probe_feature((enum evbpf_feature)-1), -EINVAL);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_sessions_imply_multi),
		cmocka_unit_test(test_cache_and_names),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
