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
#include <dirent.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "common.h"
#include "internal.h"

/* tracefs mounted (privately) if it is not: the legacy probes need it. */
static int group_setup(void **st)
{
	(void)st;
	mount_kernel_fs_private();
	return 0;
}

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
	/* struct_ops for TCP congestion control (5.6; needs the BPF JIT). */
	{EVBPF_FEATURE_STRUCT_OPS, V(5, 6), 0},
	{EVBPF_FEATURE_NETFILTER_LINK, V(6, 4), 0}, /* CONFIG_NETFILTER_BPF_LINK */
	{EVBPF_FEATURE_NETKIT, V(6, 7), 0},         /* CONFIG_NETKIT */
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
	/* A probe is made through the PMU, which needs the PMU. */
	if (evbpf_probe_feature(EVBPF_FEATURE_KPROBE_PMU) == 1)
		assert_int_equal(stat("/sys/bus/event_source/devices/kprobe", &sb), 0);
	if (evbpf_probe_feature(EVBPF_FEATURE_UPROBE_PMU) == 1)
		assert_int_equal(stat("/sys/bus/event_source/devices/uprobe", &sb), 0);
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

/* ---- issue 16: each answer against what the facility really does ---- */

/* A uprobe target in this executable. */
__attribute__((noinline, used)) int evbpf_features_uprobe_target(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

/* A "return 0" program of a type, as a program of no object. */
static struct evbpf_program *ret0_program(uint32_t type, uint32_t attach_type)
{
	static const struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	struct evbpf_program *prog;
	char log[1024];
	int fd = evbpf__probe_load(type, attach_type, insns, 2, log, sizeof(log));

	if (fd < 0)
		fail_msg("cannot load a %s program: %s", evbpf_prog_type_name(type),
			 evbpf_strerror(fd));
	assert_ok(evbpf_program_from_fd(fd, &prog));
	close(fd);
	return prog;
}

/* Attaching by this way works exactly when the probe says so. */
static void check_attach(const char *what, int answer, int err)
{
	print_message("%-14s probe %d, attach %d %s\n", what, answer, err,
		      err ? evbpf_errmsg() : "");
	if (answer == 1 && err)
		fail_msg("%s: the probe says yes, attaching fails: %s", what, evbpf_errmsg());
	if (answer == 0 && !err)
		fail_msg("%s: the probe says no, attaching works", what);
}

static void test_probes_attach(void **st)
{
	struct evbpf_probe_opts opts = {.sz = sizeof(opts)};
	struct evbpf_program *kp, *up;
	struct evbpf_link *link = NULL;
	char exe[4096];
	ssize_t n;
	int fds, err;

	(void)st;
	REQUIRE_KERNEL();
	fds = fd_count();
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	kp = ret0_program(BPF_PROG_TYPE_KPROBE, 0);
	up = ret0_program(BPF_PROG_TYPE_KPROBE, 0);

	opts.attach_mode = EVBPF_PROBE_ATTACH_PERF;
	err = evbpf_program_attach_kprobe(kp, 0, "do_nanosleep", &opts, &link);
	evbpf_link_destroy(link);
	link = NULL;
	check_attach("kprobe_pmu", evbpf_probe_feature(EVBPF_FEATURE_KPROBE_PMU), err);
	err = evbpf_program_attach_uprobe(up, 0, -1, exe, "evbpf_features_uprobe_target", &opts,
					  &link);
	evbpf_link_destroy(link);
	link = NULL;
	check_attach("uprobe_pmu", evbpf_probe_feature(EVBPF_FEATURE_UPROBE_PMU), err);

	opts.attach_mode = EVBPF_PROBE_ATTACH_LEGACY;
	err = evbpf_program_attach_kprobe(kp, 0, "do_nanosleep", &opts, &link);
	evbpf_link_destroy(link);
	link = NULL;
	check_attach("kprobe_legacy", evbpf_probe_feature(EVBPF_FEATURE_KPROBE_LEGACY), err);
	err = evbpf_program_attach_uprobe(up, 0, -1, exe, "evbpf_features_uprobe_target", &opts,
					  &link);
	evbpf_link_destroy(link);
	link = NULL;
	check_attach("uprobe_legacy", evbpf_probe_feature(EVBPF_FEATURE_UPROBE_LEGACY), err);

	/* "kprobes" and "uprobes" mean one way or the other. */
	assert_int_equal(evbpf_probe_feature(EVBPF_FEATURE_KPROBE),
			 evbpf_probe_feature(EVBPF_FEATURE_KPROBE_PMU) ||
			     evbpf_probe_feature(EVBPF_FEATURE_KPROBE_LEGACY));
	assert_int_equal(evbpf_probe_feature(EVBPF_FEATURE_UPROBE),
			 evbpf_probe_feature(EVBPF_FEATURE_UPROBE_PMU) ||
			     evbpf_probe_feature(EVBPF_FEATURE_UPROBE_LEGACY));
	evbpf_program_free(kp);
	evbpf_program_free(up);
	assert_int_equal(fd_count(), fds);
}

/* tp_btf: the fixture's tp_btf/sys_enter program attaches when the
 * probe says so, and not otherwise. */
static void test_probe_tp_btf(void **st)
{
	struct evbpf_object *obj;
	struct evbpf_program *p;
	struct evbpf_link *link = NULL;
	int fds, answer, err;

	(void)st;
	REQUIRE_KERNEL();
	fds = fd_count();
	answer = evbpf_probe_feature(EVBPF_FEATURE_TP_BTF);
	assert_true(answer == 0 || answer == 1);
	if (answer == 0 && !evbpf_probe_feature(EVBPF_FEATURE_VMLINUX_BTF))
		SKIP_TEST("no kernel BTF: tp_btf programs cannot even be opened here");
	assert_ok(evbpf_object_open_file(FIXTURE("attach_trace.bpf.o"), NULL, &obj));
	p = evbpf_object_find_program(obj, "btf_sys_enter");
	assert_non_null(p);
	err = evbpf_program_load(p);
	if (!err)
		err = evbpf_program_attach(p, &link);
	evbpf_link_destroy(link);
	check_attach("tp_btf", answer, err);
	evbpf_object_close(obj);
	assert_int_equal(fd_count(), fds);
}

/* Module BTF read through bpf() exactly when sysfs shows some. */
static void test_probe_module_btf(void **st)
{
	DIR *d;
	struct dirent *e;
	int modules = 0;

	(void)st;
	REQUIRE_KERNEL();
	d = opendir("/sys/kernel/btf");
	if (d) {
		while ((e = readdir(d)))
			modules += e->d_name[0] != '.' && strcmp(e->d_name, "vmlinux");
		closedir(d);
	}
	print_message("%d module BTF files in /sys/kernel/btf\n", modules);
	assert_int_equal(evbpf_probe_feature(EVBPF_FEATURE_MODULE_BTF), modules > 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_sessions_imply_multi),
		cmocka_unit_test(test_cache_and_names),
		cmocka_unit_test(test_probes_attach),
		cmocka_unit_test(test_probe_tp_btf),
		cmocka_unit_test(test_probe_module_btf),
	};

	return RUN_TESTS(tests, group_setup, NULL);
}
