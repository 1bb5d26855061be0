/* SPDX-License-Identifier: MIT */
/*
 * Tracing attachments against the real kernel: tracepoints, raw and BTF
 * tracepoints, perf_event programs, kprobes and uprobes (through their
 * PMUs with a BPF link or PERF_EVENT_IOC_SET_BPF, and through tracefs
 * probe events), attach cookies, iterators, fentry/fexit, lsm and
 * freplace. Each attachment is checked to fire an exact number of times
 * (counters in maps, filtered on this process) and, after
 * evbpf_link_destroy(), to stop firing.
 *
 * One test per facility, and each test loads only the programs it
 * exercises: a program type this kernel refuses fails or skips its own
 * tests and nothing else. A test skips, with the reason, only when evbpf's
 * probe (evbpf_probe_feature() and friends, or a probe below for what
 * they do not cover) finds the facility absent; when it is present, any
 * refusal is a failure.
 *
 * tracefs and securityfs are mounted, if they are not already, inside a
 * private mount namespace of this process, so nothing outlives the test.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <linux/perf_event.h>

#include "common.h"
#include "internal.h" /* the vmlinux BTF, for require_iter_target() */

enum {
	C_TRACEPOINT,
	C_RAW_TP,
	C_TP_BTF,
	C_PERF,
	C_KPROBE,
	C_UPROBE,
	C_URETPROBE,
	C_UPROBE_SEC,
	C_ITER_ELEM,
	C_KRETPROBE,
};

#define MAX_LINKS 4

struct state {
	int fds_before;
	struct evbpf_object *obj;
	struct evbpf_link *links[MAX_LINKS];
};

/* The uprobe target: global, not inlined, called through a volatile
 * pointer so the compiler keeps every call. */
__attribute__((noinline)) long evbpf_test_uprobe_target(long a, long b)
{
	__asm__ volatile("" ::: "memory");
	return a * 10 + b;
}
static long (*volatile uprobe_target)(long, long) = evbpf_test_uprobe_target;

static bool exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

static int group_setup(void **st)
{
	(void)st;
	mount_kernel_fs_private();
	return 0;
}

static int setup(void **st)
{
	struct state *s = calloc(1, sizeof(*s));

	s->fds_before = fd_count();
	*st = s;
	return 0;
}

static int teardown(void **st)
{
	struct state *s = *st;

	for (int i = 0; i < MAX_LINKS; i++)
		evbpf_link_destroy(s->links[i]);
	evbpf_object_close(s->obj);
	assert_int_equal(fd_count(), s->fds_before);
	free(s);
	return 0;
}

/* Open a fixture whose programs count only this process's events. */
static void open_fixture(struct state *s, const char *name)
{
	uint32_t tgid = (uint32_t)getpid();

	assert_ok(evbpf_object_open_file(FIXTURE(name), NULL, &s->obj));
	assert_ok(evbpf_object_set_global(s->obj, "target_tgid", &tgid, sizeof(tgid)));
}

static struct evbpf_program *prog(struct state *s, const char *name)
{
	struct evbpf_program *p = evbpf_object_find_program(s->obj, name);

	assert_non_null(p);
	return p;
}

/* Load one program of the fixture (and the maps it uses), no other. */
static struct evbpf_program *load_prog(struct state *s, const char *name)
{
	struct evbpf_program *p = prog(s, name);

	assert_ok(evbpf_program_load(p));
	return p;
}

static uint64_t count(struct state *s, uint32_t idx)
{
	uint64_t v = 0;

	assert_ok(evbpf_map_lookup(evbpf_object_find_map(s->obj, "counts"), &idx, &v));
	return v;
}

static uint64_t probe_val(struct state *s, uint32_t idx)
{
	uint64_t v = 0;

	assert_ok(evbpf_map_lookup(evbpf_object_find_map(s->obj, "probe_vals"), &idx, &v));
	return v;
}

static uint64_t global(struct state *s, const char *name)
{
	uint64_t v = 0;

	assert_ok(evbpf_object_get_global(s->obj, name, &v, sizeof(v)));
	return v;
}

/* Calls counted under one attach cookie (attach_cookie.bpf.c). */
static uint64_t cookie_count(struct state *s, uint64_t cookie)
{
	uint64_t v = 0;
	int err = evbpf_map_lookup(evbpf_object_find_map(s->obj, "by_cookie"), &cookie, &v);

	if (err == -ENOENT)
		return 0;
	assert_ok(err);
	return v;
}

static void getppid_n(int n)
{
	for (int i = 0; i < n; i++)
		syscall(SYS_getppid);
}

/* nanosleep(2) sleeps in the kernel's do_nanosleep(). */
static void nanosleep_n(int n)
{
	for (int i = 0; i < n; i++) {
		struct timespec ts = {0, 1000};

		nanosleep(&ts, NULL);
	}
}

static void destroy(struct state *s, int i)
{
	assert_ok(evbpf_link_destroy(s->links[i]));
	s->links[i] = NULL;
}

/* What a program on a perf event is attached with here, as evbpf's probe
 * sees the kernel: a BPF link (5.15 and later) or the ioctl. */
static const char *perf_kind(void)
{
	int have = evbpf_probe_feature(EVBPF_FEATURE_PERF_LINK);

	if (have < 0)
		fail_msg("cannot probe perf links: %s", evbpf_errmsg());
	return have ? "perf_link" : "perf_event";
}

static bool have_feature(enum evbpf_feature f)
{
	int have = evbpf_probe_feature(f);

	if (have < 0)
		fail_msg("cannot probe %s: %s", evbpf_feature_name(f), evbpf_errmsg());
	return have == 1;
}

/* --------------------------------------------------- tracefs probe events */

static const char *tracefs_root(void)
{
	if (exists("/sys/kernel/tracing/events"))
		return "/sys/kernel/tracing";
	if (exists("/sys/kernel/debug/tracing/events"))
		return "/sys/kernel/debug/tracing";
	return NULL;
}

/* Skip unless tracefs has file (kprobe_events, uprobe_events). */
static void require_tracefs_file(const char *file)
{
	char path[512];

	REQUIRE_FEATURE(EVBPF_FEATURE_TRACEFS);
	snprintf(path, sizeof(path), "%s/%s", tracefs_root() ? tracefs_root() : "(no tracefs)",
	         file);
	if (!exists(path))
		SKIP_TEST("tracefs has no %s (%s)", file, path);
}

/* Probe events this process made that are still listed in file. */
static int own_probe_events(const char *file)
{
	char path[512], line[4096], mark[32];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", tracefs_root(), file);
	f = fopen(path, "re");
	if (!f)
		fail_msg("%s: %s", path, strerror(errno));
	snprintf(mark, sizeof(mark), "_%d_", getpid());
	while (fgets(line, sizeof(line), f))
		if (strstr(line, ":evbpf/") && strstr(line, mark))
			n++;
	fclose(f);
	return n;
}

/* ------------------------------------------------------------- tracepoints */

static void test_tracepoint(void **st)
{
	struct state *s = *st;
	struct evbpf_program *p;

	REQUIRE_FEATURE(EVBPF_FEATURE_TRACEFS);
	open_fixture(s, "attach_trace.bpf.o");
	p = load_prog(s, "tp_getppid");
	/* By section name: tracepoint/syscalls/sys_enter_getppid. */
	assert_ok(evbpf_program_attach(p, &s->links[0]));
	assert_string_equal(evbpf_link_kind(s->links[0]), perf_kind());
	assert_true(evbpf_link_fd(s->links[0]) >= 0);
	assert_non_null(strstr(evbpf_link_description(s->links[0]), "syscalls/sys_enter_getppid"));
	getppid_n(3);
	assert_int_equal(count(s, C_TRACEPOINT), 3);
	destroy(s, 0);
	getppid_n(2);
	assert_int_equal(count(s, C_TRACEPOINT), 3);

	/* The typed function, and a tracepoint that does not exist. */
	assert_ok(
	    evbpf_program_attach_tracepoint(p, "syscalls", "sys_enter_getppid", &s->links[0]));
	assert_string_equal(evbpf_link_kind(s->links[0]), perf_kind());
	getppid_n(1);
	assert_int_equal(count(s, C_TRACEPOINT), 4);
	assert_int_equal(
	    evbpf_program_attach_tracepoint(p, "nosuchcat", "nosuchevent", &s->links[1]), -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), "nosuchcat/nosuchevent"));
	assert_null(s->links[1]);
	assert_int_equal(evbpf_program_attach_tracepoint(p, "..", "x", &s->links[1]), -EINVAL);
}

static void test_raw_tp(void **st)
{
	struct state *s = *st;
	struct evbpf_program *p;
	uint64_t before;

	REQUIRE_KERNEL();
	open_fixture(s, "attach_trace.bpf.o");
	p = load_prog(s, "raw_sys_enter");
	assert_ok(evbpf_program_attach(p, &s->links[0]));
	assert_string_equal(evbpf_link_kind(s->links[0]), "bpf_link");
	getppid_n(5);
	before = count(s, C_RAW_TP);
	assert_true(before >= 5); /* every syscall of this process */
	destroy(s, 0);
	before = count(s, C_RAW_TP);
	getppid_n(5);
	assert_int_equal(count(s, C_RAW_TP), before);
	assert_int_equal(evbpf_program_attach_raw_tracepoint(p, "no_such_raw_tp", &s->links[0]),
	                 -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), "no_such_raw_tp"));
}

static void test_tp_btf(void **st)
{
	struct state *s = *st;

	REQUIRE_FEATURE(EVBPF_FEATURE_VMLINUX_BTF);
	open_fixture(s, "attach_trace.bpf.o");
	assert_ok(evbpf_program_attach(load_prog(s, "btf_sys_enter"), &s->links[0]));
	getppid_n(4);
	assert_int_equal(count(s, C_TP_BTF), 4);
	destroy(s, 0);
	getppid_n(4);
	assert_int_equal(count(s, C_TP_BTF), 4);
}

/* ------------------------------------------------------------ perf events */

static void spin_ms(int ms)
{
	struct timespec a, b;
	volatile uint64_t x = 0;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do {
		for (int i = 0; i < 10000; i++)
			x += (uint64_t)i;
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < ms);
	(void)x; /* the busy loop's only purpose; clang warns it is never read */
}

static void test_perf_event(void **st)
{
	struct state *s = *st;
	struct perf_event_attr attr;
	struct evbpf_program *p;
	uint64_t n;
	int pfd;

	REQUIRE_KERNEL();
	open_fixture(s, "attach_trace.bpf.o");
	p = load_prog(s, "on_clock");
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.sample_period = 1000000; /* every millisecond of CPU time */

	/* On every CPU, events owned by the link. */
	assert_ok(evbpf_program_attach_perf_event_cpus(p, &attr, &s->links[0]));
	assert_string_equal(evbpf_link_kind(s->links[0]), perf_kind());
	spin_ms(60);
	n = count(s, C_PERF);
	assert_true(n > 0);
	destroy(s, 0);
	n = count(s, C_PERF);
	spin_ms(30);
	assert_int_equal(count(s, C_PERF), n);

	/* On the caller's event (this process, any CPU); the caller keeps
	 * its fd and closes it. */
	attr.disabled = 1;
	pfd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	assert_true(pfd >= 0);
	assert_ok(evbpf_program_attach_perf_event(p, pfd, &s->links[0]));
	assert_string_equal(evbpf_link_kind(s->links[0]), perf_kind());
	close(pfd);
	spin_ms(30);
	assert_true(count(s, C_PERF) > n);
	destroy(s, 0);
	n = count(s, C_PERF);
	spin_ms(20);
	assert_int_equal(count(s, C_PERF), n);
	/* A perf_event program has no section target. */
	assert_int_equal(evbpf_program_attach(p, &s->links[0]), -ENOTSUP);
	assert_non_null(strstr(evbpf_errmsg(), "evbpf_program_attach_perf_event"));
}

/* ---------------------------------------------------------------- kprobes */

/* kprobe and kretprobe on do_nanosleep: both fire n times, then stop. */
static void check_kprobes_fire(struct state *s, int kp, int krp, uint64_t *seen)
{
	nanosleep_n(3);
	*seen += 3;
	assert_int_equal(count(s, C_KPROBE), *seen);
	assert_int_equal(count(s, C_KRETPROBE), *seen);
	assert_int_equal(probe_val(s, 3), 1000); /* do_nanosleep() returned 0 */
	destroy(s, kp);
	destroy(s, krp);
	nanosleep_n(2);
	assert_int_equal(count(s, C_KPROBE), *seen);
	assert_int_equal(count(s, C_KRETPROBE), *seen);
}

static void test_kprobe(void **st)
{
	struct state *s = *st;
	struct evbpf_probe_opts opts = {.sz = sizeof(opts)};
	struct evbpf_program *kp, *krp;
	uint64_t seen = 0;

	REQUIRE_FEATURE(EVBPF_FEATURE_KPROBE_PMU);
	open_fixture(s, "attach_trace.bpf.o");
	kp = load_prog(s, "kprobe_nanosleep");
	krp = load_prog(s, "kretprobe_nanosleep");

	/* By section name: kprobe/do_nanosleep and kretprobe/do_nanosleep,
	 * through the PMU (no tracefs event). */
	assert_ok(evbpf_program_attach(kp, &s->links[0]));
	assert_ok(evbpf_program_attach(krp, &s->links[1]));
	for (int i = 0; i < 2; i++) {
		assert_string_equal(evbpf_link_kind(s->links[i]), perf_kind());
		assert_null(strstr(evbpf_link_description(s->links[i]), "tracefs"));
	}
	assert_non_null(strstr(evbpf_link_description(s->links[1]), "kretprobe do_nanosleep"));
	check_kprobes_fire(s, 0, 1, &seen);

	/* The typed function, with and without options. */
	assert_ok(evbpf_program_attach_kprobe(kp, 0, "do_nanosleep", NULL, &s->links[0]));
	assert_ok(evbpf_program_attach_kprobe(krp, 1, "do_nanosleep", &opts, &s->links[1]));
	assert_string_equal(evbpf_link_kind(s->links[0]), perf_kind());
	check_kprobes_fire(s, 0, 1, &seen);
}

/* EVBPF_PROBE_ATTACH_PERF: the PMU with PERF_EVENT_IOC_SET_BPF, even on a
 * kernel with perf links. */
static void test_kprobe_perf_ioctl(void **st)
{
	struct state *s = *st;
	struct evbpf_probe_opts opts = {.sz = sizeof(opts), .attach_mode = EVBPF_PROBE_ATTACH_PERF};
	struct evbpf_program *kp, *krp;
	uint64_t seen = 0;

	REQUIRE_FEATURE(EVBPF_FEATURE_KPROBE_PMU);
	open_fixture(s, "attach_trace.bpf.o");
	kp = load_prog(s, "kprobe_nanosleep");
	krp = load_prog(s, "kretprobe_nanosleep");
	assert_ok(evbpf_program_attach_kprobe(kp, 0, "do_nanosleep", &opts, &s->links[0]));
	assert_ok(evbpf_program_attach_kprobe(krp, 1, "do_nanosleep", &opts, &s->links[1]));
	assert_string_equal(evbpf_link_kind(s->links[0]), "perf_event");
	assert_string_equal(evbpf_link_kind(s->links[1]), "perf_event");
	/* Not a BPF link: nothing to pin. */
	assert_int_equal(evbpf_link_pin(s->links[0], "/sys/fs/bpf/evbpf_never"), -ENOTSUP);
	check_kprobes_fire(s, 0, 1, &seen);

	/* Cookies need a link, and this mode rules one out. */
	opts.cookie = 7;
	assert_int_equal(evbpf_program_attach_kprobe(kp, 0, "do_nanosleep", &opts, &s->links[0]),
	                 -EOPNOTSUPP);
	assert_non_null(strstr(evbpf_errmsg(), "cookies need a BPF link"));
	assert_null(s->links[0]);
}

/* EVBPF_PROBE_ATTACH_LINK: the PMU with a BPF link, or a clear refusal
 * where the kernel has no perf links. */
static void test_kprobe_link(void **st)
{
	struct state *s = *st;
	struct evbpf_probe_opts opts = {.sz = sizeof(opts), .attach_mode = EVBPF_PROBE_ATTACH_LINK};
	struct evbpf_program *kp, *krp;
	uint64_t seen = 0;
	char msg[512];
	int err;

	REQUIRE_FEATURE(EVBPF_FEATURE_KPROBE_PMU);
	open_fixture(s, "attach_trace.bpf.o");
	kp = load_prog(s, "kprobe_nanosleep");
	krp = load_prog(s, "kretprobe_nanosleep");
	err = evbpf_program_attach_kprobe(kp, 0, "do_nanosleep", &opts, &s->links[0]);
	snprintf(msg, sizeof(msg), "%s", evbpf_errmsg());
	if (!have_feature(EVBPF_FEATURE_PERF_LINK)) {
		assert_int_equal(err, -EOPNOTSUPP);
		assert_non_null(strstr(msg, "prog 'kprobe_nanosleep'"));
		assert_non_null(strstr(msg, "no BPF links on perf events (Linux 5.15)"));
		assert_null(s->links[0]);
		return;
	}
	assert_ok(err);
	assert_ok(evbpf_program_attach_kprobe(krp, 1, "do_nanosleep", &opts, &s->links[1]));
	assert_string_equal(evbpf_link_kind(s->links[0]), "perf_link");
	assert_string_equal(evbpf_link_kind(s->links[1]), "perf_link");
	check_kprobes_fire(s, 0, 1, &seen);
}

/* EVBPF_PROBE_ATTACH_LEGACY: kprobe_events in tracefs. The events exist
 * while attached and are gone after detach and after every failure. */
static void test_kprobe_legacy(void **st)
{
	struct state *s = *st;
	struct evbpf_probe_opts opts = {.sz = sizeof(opts),
	                                .attach_mode = EVBPF_PROBE_ATTACH_LEGACY};
	struct evbpf_program *kp, *krp, *tp;
	uint64_t seen = 0;
	int err;

	REQUIRE_FEATURE(EVBPF_FEATURE_KPROBE_LEGACY);
	require_tracefs_file("kprobe_events");
	open_fixture(s, "attach_trace.bpf.o");
	kp = load_prog(s, "kprobe_nanosleep");
	krp = load_prog(s, "kretprobe_nanosleep");
	assert_int_equal(own_probe_events("kprobe_events"), 0);
	assert_ok(evbpf_program_attach_kprobe(kp, 0, "do_nanosleep", &opts, &s->links[0]));
	assert_ok(evbpf_program_attach_kprobe(krp, 1, "do_nanosleep", &opts, &s->links[1]));
	assert_int_equal(own_probe_events("kprobe_events"), 2);
	assert_non_null(strstr(evbpf_link_description(s->links[0]), "(tracefs evbpf/kp_"));
	assert_non_null(strstr(evbpf_link_description(s->links[1]), "(tracefs evbpf/kr_"));
	assert_string_equal(evbpf_link_kind(s->links[0]), perf_kind());
	check_kprobes_fire(s, 0, 1, &seen);
	assert_int_equal(own_probe_events("kprobe_events"), 0);

	/* A function that is not there: the kernel refuses the definition. */
	err = evbpf_program_attach_kprobe(kp, 0, "evbpf_no_such_function", &opts, &s->links[0]);
	assert_true(err < 0);
	assert_non_null(strstr(evbpf_errmsg(), "evbpf_no_such_function"));
	assert_null(s->links[0]);
	/* The event is made, but the kernel will not put a tracepoint
	 * program on a kprobe: the event must go again. */
	tp = load_prog(s, "tp_getppid");
	err = evbpf_program_attach_kprobe(tp, 0, "do_nanosleep", &opts, &s->links[0]);
	assert_int_equal(err, -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "prog 'tp_getppid'"));
	assert_non_null(strstr(evbpf_errmsg(), "tracefs evbpf/kp_"));
	assert_null(s->links[0]);
	if (!have_feature(EVBPF_FEATURE_PERF_LINK)) {
		/* No link for the cookie: refused after the event was made. */
		opts.cookie = 9;
		assert_int_equal(
		    evbpf_program_attach_kprobe(kp, 0, "do_nanosleep", &opts, &s->links[0]),
		    -EOPNOTSUPP);
		assert_non_null(strstr(evbpf_errmsg(), "cookies need a BPF link"));
	}
	assert_int_equal(own_probe_events("kprobe_events"), 0);
}

/* Cookies tell attachments of one program apart: PMU entry and return
 * probes and a tracefs probe, each with its own. */
static void test_kprobe_cookie(void **st)
{
	struct state *s = *st;
	struct evbpf_probe_opts opts = {.sz = sizeof(opts)};
	struct evbpf_program *p;

	REQUIRE_FEATURE(EVBPF_FEATURE_KPROBE);
	REQUIRE_FEATURE(EVBPF_FEATURE_KPROBE_LEGACY);
	REQUIRE_FEATURE(EVBPF_FEATURE_BPF_COOKIE);
	require_tracefs_file("kprobe_events");
	open_fixture(s, "attach_cookie.bpf.o");
	p = load_prog(s, "kprobe_cookie");
	/* SEC("kprobe") names the type and nothing to attach to. */
	assert_int_equal(evbpf_program_attach(p, &s->links[0]), -ENOTSUP);
	assert_non_null(strstr(evbpf_errmsg(), "use evbpf_program_attach_kprobe()"));
	opts.cookie = 0x1111;
	assert_ok(evbpf_program_attach_kprobe(p, 0, "do_nanosleep", &opts, &s->links[0]));
	opts.cookie = 0x2222;
	assert_ok(evbpf_program_attach_kprobe(p, 1, "do_nanosleep", &opts, &s->links[1]));
	opts.cookie = 0x3333;
	opts.attach_mode = EVBPF_PROBE_ATTACH_LEGACY;
	assert_ok(evbpf_program_attach_kprobe(p, 0, "do_nanosleep", &opts, &s->links[2]));
	nanosleep_n(3);
	assert_int_equal(cookie_count(s, 0x1111), 3);
	assert_int_equal(cookie_count(s, 0x2222), 3);
	assert_int_equal(cookie_count(s, 0x3333), 3);
	assert_int_equal(cookie_count(s, 0), 0);
	for (int i = 0; i < 3; i++)
		destroy(s, i);
	nanosleep_n(2);
	assert_int_equal(cookie_count(s, 0x1111), 3);
	assert_int_equal(cookie_count(s, 0x3333), 3);
	assert_int_equal(own_probe_events("kprobe_events"), 0);
}

/* Argument checks, and a kernel without kprobes says so. */
static void test_kprobe_errors(void **st)
{
	struct state *s = *st;
	struct evbpf_probe_opts opts = {.sz = sizeof(opts), .attach_mode = 42};
	struct evbpf_program *kp;
	int err;

	REQUIRE_KERNEL();
	open_fixture(s, "attach_trace.bpf.o");
	kp = load_prog(s, "kprobe_nanosleep");
	assert_int_equal(evbpf_program_attach_kprobe(kp, 0, "do_nanosleep", &opts, &s->links[0]),
	                 -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "unknown attach mode 42"));
	opts.sz = 0;
	assert_int_equal(evbpf_program_attach_kprobe(kp, 0, "do_nanosleep", &opts, &s->links[0]),
	                 -EINVAL);
	assert_int_equal(evbpf_program_attach_kprobe(kp, 0, "", NULL, &s->links[0]), -EINVAL);
	assert_null(s->links[0]);
	opts.sz = sizeof(opts);
	if (have_feature(EVBPF_FEATURE_KPROBE)) {
		err = evbpf_program_attach_kprobe(kp, 0, "evbpf_no_such_function", NULL,
		                                  &s->links[0]);
		assert_true(err < 0);
		assert_non_null(strstr(evbpf_errmsg(), "evbpf_no_such_function"));
		assert_null(s->links[0]);
		return;
	}
	/* This kernel has no kprobes: every way says exactly that. */
	err = evbpf_program_attach(kp, &s->links[0]);
	assert_int_equal(err, -EOPNOTSUPP);
	assert_null(s->links[0]);
	assert_non_null(strstr(evbpf_errmsg(), "prog 'kprobe_nanosleep'"));
	assert_non_null(strstr(evbpf_errmsg(), "kprobe PMU not found at "
	                                       "/sys/bus/event_source/devices/kprobe"));
	assert_non_null(strstr(evbpf_errmsg(), "CONFIG_KPROBES"));
	assert_non_null(strstr(evbpf_errmsg(), "no kprobe_events in tracefs"));
	err = evbpf_program_attach_kprobe(kp, 1, "do_nanosleep", NULL, &s->links[0]);
	assert_int_equal(err, -EOPNOTSUPP);
	assert_non_null(strstr(evbpf_errmsg(), "kretprobe"));
	opts.attach_mode = EVBPF_PROBE_ATTACH_LEGACY;
	err = evbpf_program_attach_kprobe(kp, 0, "do_nanosleep", &opts, &s->links[0]);
	assert_int_equal(err, -EOPNOTSUPP);
	assert_non_null(strstr(evbpf_errmsg(), "no kprobe_events in tracefs"));
	opts.attach_mode = EVBPF_PROBE_ATTACH_PERF;
	err = evbpf_program_attach_kprobe(kp, 0, "do_nanosleep", &opts, &s->links[0]);
	assert_int_equal(err, -EOPNOTSUPP);
	assert_non_null(strstr(evbpf_errmsg(), "asks for the PMU"));
	assert_null(s->links[0]);
}

/* ---------------------------------------------------------------- uprobes */

/* uprobe (any process) and uretprobe (this pid) on the target function:
 * both fire for each call, see the arguments and the return value, and
 * stop after detach. */
static void check_uprobes_fire(struct state *s, uint64_t *seen)
{
	assert_int_equal(uprobe_target(4, 2), 42);
	assert_int_equal(uprobe_target(7, 3), 73);
	*seen += 2;
	assert_int_equal(count(s, C_UPROBE), *seen);
	assert_int_equal(count(s, C_URETPROBE), *seen);
	assert_int_equal(probe_val(s, 0), 7);
	assert_int_equal(probe_val(s, 1), 3);
	assert_int_equal(probe_val(s, 2), 73);
	destroy(s, 0);
	destroy(s, 1);
	uprobe_target(1, 1);
	assert_int_equal(count(s, C_UPROBE), *seen);
	assert_int_equal(count(s, C_URETPROBE), *seen);
}

static void attach_uprobes(struct state *s, const struct evbpf_probe_opts *opts)
{
	assert_ok(evbpf_program_attach_uprobe(prog(s, "on_uprobe"), 0, -1, "/proc/self/exe",
	                                      "evbpf_test_uprobe_target", opts, &s->links[0]));
	assert_ok(evbpf_program_attach_uprobe(prog(s, "on_uretprobe"), 1, getpid(),
	                                      "/proc/self/exe", "evbpf_test_uprobe_target", opts,
	                                      &s->links[1]));
}

static void load_uprobes(struct state *s)
{
	open_fixture(s, "attach_trace.bpf.o");
	load_prog(s, "on_uprobe");
	load_prog(s, "on_uretprobe");
}

static void test_uprobe(void **st)
{
	struct state *s = *st;
	uint64_t seen = 0;

	REQUIRE_FEATURE(EVBPF_FEATURE_UPROBE);
	SKIP_UNDER_VALGRIND("uprobes on this binary's code never fire under valgrind");
	load_uprobes(s);
	attach_uprobes(s, NULL);
	assert_string_equal(evbpf_link_kind(s->links[0]), perf_kind());
	check_uprobes_fire(s, &seen);

	/* A shared library by name, for this process only: libc's getppid. */
	assert_ok(evbpf_program_attach_uprobe(prog(s, "on_uprobe"), 0, getpid(), "libc.so.6",
	                                      "getppid", NULL, &s->links[0]));
	getppid();
	getppid();
	assert_int_equal(count(s, C_UPROBE), seen + 2);
	destroy(s, 0);
	getppid();
	assert_int_equal(count(s, C_UPROBE), seen + 2);

	/* By section name: uprobe//proc/self/exe:evbpf_test_uprobe_target. */
	assert_ok(evbpf_program_attach(load_prog(s, "uprobe_by_section"), &s->links[0]));
	uprobe_target(1, 2);
	assert_int_equal(count(s, C_UPROBE_SEC), 1);
	destroy(s, 0);
	uprobe_target(1, 2);
	assert_int_equal(count(s, C_UPROBE_SEC), 1);

	/* A symbol that is not there, and a section without a target. */
	assert_int_equal(evbpf_program_attach_uprobe(prog(s, "on_uprobe"), 0, -1, "/proc/self/exe",
	                                             "no_such_function_here", NULL, &s->links[0]),
	                 -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), "no_such_function_here"));
	assert_int_equal(evbpf_program_attach(prog(s, "on_uprobe"), &s->links[0]), -ENOTSUP);
	assert_non_null(strstr(evbpf_errmsg(), "uprobe/BINARY:SYMBOL"));
}

/* The PMU with PERF_EVENT_IOC_SET_BPF, and with a BPF link only. */
static void test_uprobe_perf_modes(void **st)
{
	struct state *s = *st;
	struct evbpf_probe_opts opts = {.sz = sizeof(opts), .attach_mode = EVBPF_PROBE_ATTACH_PERF};
	uint64_t seen = 0;
	char msg[512];
	int err;

	REQUIRE_FEATURE(EVBPF_FEATURE_UPROBE_PMU);
	SKIP_UNDER_VALGRIND("uprobes on this binary's code never fire under valgrind");
	load_uprobes(s);
	attach_uprobes(s, &opts);
	assert_string_equal(evbpf_link_kind(s->links[0]), "perf_event");
	assert_string_equal(evbpf_link_kind(s->links[1]), "perf_event");
	check_uprobes_fire(s, &seen);

	opts.attach_mode = EVBPF_PROBE_ATTACH_LINK;
	err = evbpf_program_attach_uprobe(prog(s, "on_uprobe"), 0, -1, "/proc/self/exe",
	                                  "evbpf_test_uprobe_target", &opts, &s->links[0]);
	snprintf(msg, sizeof(msg), "%s", evbpf_errmsg());
	if (!have_feature(EVBPF_FEATURE_PERF_LINK)) {
		assert_int_equal(err, -EOPNOTSUPP);
		assert_non_null(strstr(msg, "prog 'on_uprobe'"));
		assert_non_null(strstr(msg, "no BPF links on perf events (Linux 5.15)"));
		assert_null(s->links[0]);
		return;
	}
	assert_ok(err);
	assert_ok(evbpf_program_attach_uprobe(prog(s, "on_uretprobe"), 1, getpid(),
	                                      "/proc/self/exe", "evbpf_test_uprobe_target", &opts,
	                                      &s->links[1]));
	assert_string_equal(evbpf_link_kind(s->links[0]), "perf_link");
	check_uprobes_fire(s, &seen);
}

/* uprobe_events in tracefs, with the events gone after detach and after
 * a failed attach. */
static void test_uprobe_legacy(void **st)
{
	struct state *s = *st;
	struct evbpf_probe_opts opts = {.sz = sizeof(opts),
	                                .attach_mode = EVBPF_PROBE_ATTACH_LEGACY};
	uint64_t seen = 0;

	REQUIRE_FEATURE(EVBPF_FEATURE_UPROBE);
	require_tracefs_file("uprobe_events");
	SKIP_UNDER_VALGRIND("uprobes on this binary's code never fire under valgrind");
	load_uprobes(s);
	assert_int_equal(own_probe_events("uprobe_events"), 0);
	attach_uprobes(s, &opts);
	assert_int_equal(own_probe_events("uprobe_events"), 2);
	assert_non_null(strstr(evbpf_link_description(s->links[0]), "(tracefs evbpf/up_"));
	assert_non_null(strstr(evbpf_link_description(s->links[1]), "(tracefs evbpf/ur_"));
	assert_string_equal(evbpf_link_kind(s->links[0]), perf_kind());
	check_uprobes_fire(s, &seen);
	assert_int_equal(own_probe_events("uprobe_events"), 0);

	/* A shared library by name, this process only. */
	assert_ok(evbpf_program_attach_uprobe(prog(s, "on_uprobe"), 0, getpid(), "libc.so.6",
	                                      "getppid", &opts, &s->links[0]));
	assert_int_equal(own_probe_events("uprobe_events"), 1);
	getppid();
	assert_int_equal(count(s, C_UPROBE), seen + 1);
	destroy(s, 0);
	getppid();
	assert_int_equal(count(s, C_UPROBE), seen + 1);
}

/* The life of a tracefs uprobe event, and failed attaches that leave none
 * behind. Nothing needs to fire, so this also runs under valgrind. */
static void test_uprobe_legacy_errors(void **st)
{
	struct state *s = *st;
	struct evbpf_probe_opts opts = {.sz = sizeof(opts),
	                                .attach_mode = EVBPF_PROBE_ATTACH_LEGACY};
	int err;

	REQUIRE_FEATURE(EVBPF_FEATURE_UPROBE);
	require_tracefs_file("uprobe_events");
	open_fixture(s, "attach_trace.bpf.o");
	assert_ok(evbpf_program_attach_uprobe(load_prog(s, "on_uprobe"), 0, -1, "/proc/self/exe",
	                                      "evbpf_test_uprobe_target", &opts, &s->links[0]));
	assert_int_equal(own_probe_events("uprobe_events"), 1);
	destroy(s, 0);
	assert_int_equal(own_probe_events("uprobe_events"), 0);

	/* The event is made, but a tracepoint program cannot go on it. */
	err = evbpf_program_attach_uprobe(load_prog(s, "tp_getppid"), 0, -1, "/proc/self/exe",
	                                  "evbpf_test_uprobe_target", &opts, &s->links[0]);
	assert_int_equal(err, -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "prog 'tp_getppid'"));
	assert_non_null(strstr(evbpf_errmsg(), "tracefs evbpf/up_"));
	assert_null(s->links[0]);
	assert_int_equal(own_probe_events("uprobe_events"), 0);
	/* Not a regular file: refused when the event is written. */
	err = evbpf_program_attach_uprobe(prog(s, "on_uprobe"), 0, -1, "/dev/null", NULL, &opts,
	                                  &s->links[0]);
	assert_true(err < 0);
	assert_null(s->links[0]);
	assert_int_equal(own_probe_events("uprobe_events"), 0);
}

static void test_uprobe_cookie(void **st)
{
	struct state *s = *st;
	struct evbpf_probe_opts opts = {.sz = sizeof(opts)};
	struct evbpf_program *p;

	REQUIRE_FEATURE(EVBPF_FEATURE_UPROBE);
	REQUIRE_FEATURE(EVBPF_FEATURE_BPF_COOKIE);
	require_tracefs_file("uprobe_events");
	SKIP_UNDER_VALGRIND("uprobes on this binary's code never fire under valgrind");
	open_fixture(s, "attach_cookie.bpf.o");
	p = load_prog(s, "uprobe_cookie");
	opts.cookie = 0xc00c1e;
	assert_ok(evbpf_program_attach_uprobe(p, 0, -1, "/proc/self/exe",
	                                      "evbpf_test_uprobe_target", &opts, &s->links[0]));
	opts.cookie = 0xc00c1f;
	assert_ok(evbpf_program_attach_uprobe(p, 1, getpid(), "/proc/self/exe",
	                                      "evbpf_test_uprobe_target", &opts, &s->links[1]));
	opts.cookie = 0x1e9ac7;
	opts.attach_mode = EVBPF_PROBE_ATTACH_LEGACY;
	assert_ok(evbpf_program_attach_uprobe(p, 0, -1, "/proc/self/exe",
	                                      "evbpf_test_uprobe_target", &opts, &s->links[2]));
	uprobe_target(1, 2);
	uprobe_target(3, 4);
	assert_int_equal(cookie_count(s, 0xc00c1e), 2);
	assert_int_equal(cookie_count(s, 0xc00c1f), 2);
	assert_int_equal(cookie_count(s, 0x1e9ac7), 2);
	for (int i = 0; i < 3; i++)
		destroy(s, i);
	uprobe_target(5, 6);
	assert_int_equal(cookie_count(s, 0xc00c1e), 2);
	assert_int_equal(cookie_count(s, 0x1e9ac7), 2);
	assert_int_equal(own_probe_events("uprobe_events"), 0);
}

/* -------------------------------------------------------------- iterators */

/*
 * Iterator targets come and go with kernel versions, and a kernel may
 * refuse programs for some targets while it loads others. Ask it with the
 * smallest iterator program for the target: if that loads, the test runs
 * and any refusal of the real program fails it; if the kernel has no such
 * target or refuses even that program before verifying it, skip saying so.
 */
static void require_iter_target(const char *target)
{
	static const struct bpf_insn ret0[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	const struct evbpf_btf *btf;
	char name[128], log[1024] = "";
	union bpf_attr attr;
	int id, fd;

	REQUIRE_FEATURE(EVBPF_FEATURE_VMLINUX_BTF);
	assert_ok(evbpf__vmlinux_btf(&btf));
	snprintf(name, sizeof(name), "bpf_iter_%s", target);
	id = evbpf__btf_find(btf, name, BTF_KIND_FUNC);
	if (id < 0)
		SKIP_TEST("kernel has no iterator target '%s' (no %s in its BTF)", target, name);
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_TRACING;
	attr.expected_attach_type = BPF_TRACE_ITER;
	attr.attach_btf_id = (uint32_t)id;
	attr.insns = (uint64_t)(uintptr_t)ret0;
	attr.insn_cnt = 2;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd >= 0) {
		close(fd);
		return;
	}
	if (errno == EPERM && strstr(log, "processed 0 insns"))
		SKIP_TEST("kernel refuses iter/%s programs: BPF_PROG_LOAD of a two-instruction "
		          "iterator for it: %s before any instruction was verified",
		          target, strerror(EPERM));
	fail_msg("cannot probe iterator target '%s': BPF_PROG_LOAD: %s; log: %s", target,
	         strerror(errno), log);
}

static void test_iter_map_elem(void **st)
{
	struct state *s = *st;
	struct evbpf_iter_opts opts = {.sz = sizeof(opts)};
	struct evbpf_program *p;
	struct evbpf_map *vals;
	char *out = NULL, buf[256];
	size_t len = 0;
	ssize_t n;
	int fd;

	require_iter_target("bpf_map_elem");
	open_fixture(s, "attach_trace.bpf.o");
	p = load_prog(s, "dump_elems");
	vals = evbpf_object_find_map(s->obj, "probe_vals");
	for (uint32_t k = 0; k < 4; k++) {
		uint64_t v = 100 + k * k;

		assert_ok(evbpf_map_update(vals, &k, &v, 0));
	}
	/* iter/bpf_map_elem needs the map: section attach has none to give. */
	assert_true(evbpf_program_attach(p, &s->links[0]) < 0);
	assert_null(s->links[0]);
	opts.map_fd = evbpf_map_fd(vals);
	assert_ok(evbpf_program_attach_iter(p, &opts, &s->links[0]));
	assert_ok(evbpf_iter_read_all(s->links[0], &out, &len));
	assert_string_equal(out, "0=100\n1=101\n2=104\n3=109\n");
	assert_int_equal(len, strlen(out));
	free(out);
	assert_int_equal(count(s, C_ITER_ELEM), 4);
	/* Each iterator fd is a fresh run. */
	fd = evbpf_iter_create(s->links[0]);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_int_equal(n, (ssize_t)strlen("0=100\n1=101\n2=104\n3=109\n"));
	assert_int_equal(count(s, C_ITER_ELEM), 8);
	destroy(s, 0);
}

static void test_iter_task(void **st)
{
	struct state *s = *st;
	char *out = NULL, want[64], comm[17] = "";
	size_t len = 0, lines;
	FILE *f;

	require_iter_target("task");
	open_fixture(s, "attach_trace.bpf.o");
	/* iter/task needs nothing more than the section says. */
	assert_ok(evbpf_program_attach(load_prog(s, "dump_tasks"), &s->links[0]));
	assert_ok(evbpf_iter_read_all(s->links[0], &out, &len));
	f = fopen("/proc/self/comm", "re");
	assert_non_null(f);
	assert_non_null(fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	/* This process's main thread is among the tasks, named as /proc says. */
	snprintf(want, sizeof(want), "\n%d %d %s\n", getpid(), getpid(), comm);
	assert_non_null(strstr(out, want));
	/* And the others: more lines than this process has threads. */
	lines = 0;
	for (const char *p = out; (p = strchr(p, '\n')); p++)
		lines++;
	assert_true(lines > 1);
	free(out);
	destroy(s, 0);
}

/* ------------------------------------------------------ BPF trampolines */

static void test_fentry(void **st)
{
	struct state *s = *st;
	struct evbpf_program *entry, *exit_;

	REQUIRE_FEATURE(EVBPF_FEATURE_TRAMPOLINE);
	open_fixture(s, "attach_fentry.bpf.o");
	entry = load_prog(s, "fentry_nanosleep");
	exit_ = load_prog(s, "fexit_nanosleep");
	/* By section name, and the typed function. */
	assert_ok(evbpf_program_attach(entry, &s->links[0]));
	assert_ok(evbpf_program_attach_trace(exit_, 0, &s->links[1]));
	assert_string_equal(evbpf_link_kind(s->links[0]), "bpf_link");
	assert_non_null(strstr(evbpf_link_description(s->links[1]), "fexit do_nanosleep"));
	nanosleep_n(3);
	assert_int_equal(global(s, "entries"), 3);
	assert_int_equal(global(s, "exits"), 3);
	assert_int_equal(global(s, "last_ret"), 0);
	destroy(s, 0);
	destroy(s, 1);
	nanosleep_n(2);
	assert_int_equal(global(s, "entries"), 3);
	assert_int_equal(global(s, "exits"), 3);
}

/* Skip unless the BPF LSM is among the active LSMs: without it, lsm
 * programs load and attach but are never called. */
static void require_bpf_lsm(void)
{
	char line[512] = "", list[512], *tok, *save = NULL;
	FILE *f;

	REQUIRE_PROG_TYPE(BPF_PROG_TYPE_LSM);
	f = fopen("/sys/kernel/security/lsm", "re");
	if (!f)
		SKIP_TEST("cannot tell whether the BPF LSM is active: /sys/kernel/security/lsm: %s",
		          strerror(errno));
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	snprintf(list, sizeof(list), "%s", line);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, "bpf"))
			return;
	SKIP_TEST("the BPF LSM is not active (active LSMs: %s; it needs lsm=...,bpf)", line);
}

static void test_lsm(void **st)
{
	struct state *s = *st;
	struct stat sb;
	uint64_t ino;
	int fd;

	REQUIRE_FEATURE(EVBPF_FEATURE_TRAMPOLINE);
	require_bpf_lsm();
	assert_int_equal(stat("/dev/null", &sb), 0);
	ino = sb.st_ino;
	open_fixture(s, "attach_fentry.bpf.o");
	assert_ok(evbpf_object_set_global(s->obj, "target_ino", &ino, sizeof(ino)));
	assert_ok(evbpf_program_attach(load_prog(s, "lsm_file_open"), &s->links[0]));
	assert_non_null(strstr(evbpf_link_description(s->links[0]), "lsm file_open"));
	for (int i = 0; i < 3; i++) {
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		assert_true(fd >= 0);
		close(fd);
	}
	assert_int_equal(global(s, "opens"), 3);
	destroy(s, 0);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(global(s, "opens"), 3);
}

static uint32_t run_xdp(struct evbpf_program *p)
{
	uint8_t pkt[64];
	struct evbpf_test_run_opts opts = {
	    .sz = sizeof(opts),
	    .data_in = pkt,
	    .data_size_in = (uint32_t)test_packet(pkt, sizeof(pkt)),
	};

	assert_ok(evbpf_program_test_run(p, &opts));
	return opts.retval;
}

static void test_freplace(void **st)
{
	struct state *s = *st;
	struct evbpf_program *target, *ext;

	REQUIRE_FEATURE(EVBPF_FEATURE_TRAMPOLINE);
	REQUIRE_PROG_TYPE(BPF_PROG_TYPE_EXT);
	assert_ok(evbpf_object_open_file(FIXTURE("attach_ext.bpf.o"), NULL, &s->obj));
	target = load_prog(s, "target");
	ext = prog(s, "replacement");
	assert_int_equal(run_xdp(target), 2 /* XDP_PASS */);
	assert_int_equal(evbpf_program_set_attach_target(ext, evbpf_program_fd(target), "nope"),
	                 -ESRCH);
	assert_non_null(strstr(evbpf_errmsg(), "'nope'"));
	assert_ok(evbpf_program_set_attach_target(ext, evbpf_program_fd(target), "decide"));
	assert_ok(evbpf_program_load(ext));
	/* On the target given at load... */
	assert_ok(evbpf_program_attach_freplace(ext, -1, NULL, &s->links[0]));
	assert_int_equal(run_xdp(target), 1 /* XDP_DROP */);
	destroy(s, 0);
	assert_int_equal(run_xdp(target), 2);
	/* ...and on one named at attach time. */
	assert_ok(
	    evbpf_program_attach_freplace(ext, evbpf_program_fd(target), "decide", &s->links[0]));
	assert_int_equal(run_xdp(target), 1);
	destroy(s, 0);
	assert_int_equal(run_xdp(target), 2);
}

/* Where the kernel will not build trampolines, the load error says so. */
static void test_trampoline_refused(void **st)
{
	struct state *s = *st;
	struct evbpf_program *p;
	int err;

	REQUIRE_KERNEL();
	if (have_feature(EVBPF_FEATURE_TRAMPOLINE))
		SKIP_TEST("this kernel builds BPF trampolines: nothing is refused to check");
	open_fixture(s, "attach_fentry.bpf.o");
	p = prog(s, "fentry_nanosleep");
	err = evbpf_program_load(p);
	assert_true(err < 0);
	/* The message names the program, the section and the kernel's
	 * reason, and nothing is left loaded. */
	assert_non_null(strstr(evbpf_errmsg(), "prog 'fentry_nanosleep'"));
	assert_non_null(strstr(evbpf_errmsg(), "fentry/do_nanosleep"));
	if (err == -EPERM || err == -524 || err == -EOPNOTSUPP)
		assert_non_null(strstr(evbpf_errmsg(), "trampoline"));
	assert_int_equal(evbpf_program_fd(p), -ENOENT);
	/* Attaching an unloaded program is refused before any syscall. */
	assert_int_equal(evbpf_program_attach(p, &s->links[0]), -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), "before the program is loaded"));
}

#define CASE(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    /* clang-format off */
	    CASE(test_tracepoint),
	    CASE(test_raw_tp),
	    CASE(test_tp_btf),
	    CASE(test_perf_event),
	    CASE(test_kprobe),
	    CASE(test_kprobe_perf_ioctl),
	    CASE(test_kprobe_link),
	    CASE(test_kprobe_legacy),
	    CASE(test_kprobe_cookie),
	    CASE(test_kprobe_errors),
	    CASE(test_uprobe),
	    CASE(test_uprobe_perf_modes),
	    CASE(test_uprobe_legacy),
	    CASE(test_uprobe_legacy_errors),
	    CASE(test_uprobe_cookie),
	    CASE(test_iter_map_elem),
	    CASE(test_iter_task),
	    CASE(test_fentry),
	    CASE(test_lsm),
	    CASE(test_freplace),
	    CASE(test_trampoline_refused),
	    /* clang-format on */
	};

	return RUN_TESTS(tests, group_setup, NULL);
}
