/* SPDX-License-Identifier: MIT */
/*
 * Tracing attachments against the real kernel: tracepoint, raw_tp, tp_btf,
 * uprobe/uretprobe on a function of this binary, perf_event on a software
 * clock, iterators, freplace; kprobe and fentry where the kernel has them,
 * and otherwise the exact error. Each attach is checked to fire (counters
 * in a map) and, after evbpf_link_destroy(), to stop firing.
 *
 * tracefs is mounted, if it is not already, inside a private mount
 * namespace of this process, so nothing outlives the test.
 */
#include <stdbool.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <linux/perf_event.h>

#include "common.h"

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

static int group_setup(void **st)
{
	struct stat sb;

	(void)st;
	if (stat("/sys/kernel/tracing/events", &sb) == 0 ||
	    stat("/sys/kernel/debug/tracing/events", &sb) == 0)
		return 0;
	/* A private mount namespace: the tracefs mount dies with us. */
	if (unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
		mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL);
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

static struct evbpf_object *load_trace(struct state *s)
{
	uint32_t tgid = (uint32_t)getpid();

	assert_ok(evbpf_object_open_file(FIXTURE("attach_trace.bpf.o"), NULL, &s->obj));
	assert_ok(evbpf_object_set_global(s->obj, "target_tgid", &tgid, sizeof(tgid)));
	assert_ok(evbpf_object_load(s->obj));
	return s->obj;
}

static struct evbpf_program *prog(struct state *s, const char *name)
{
	struct evbpf_program *p = evbpf_object_find_program(s->obj, name);

	assert_non_null(p);
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

static void getppid_n(int n)
{
	for (int i = 0; i < n; i++)
		syscall(SYS_getppid);
}

static void destroy(struct state *s, int i)
{
	assert_ok(evbpf_link_destroy(s->links[i]));
	s->links[i] = NULL;
}

static void test_tracepoint(void **st)
{
	struct state *s = *st;

	REQUIRE_KERNEL();
	load_trace(s);
	/* By section name: tracepoint/syscalls/sys_enter_getppid. */
	assert_ok(evbpf_program_attach(prog(s, "tp_getppid"), &s->links[0]));
	assert_string_equal(evbpf_link_kind(s->links[0]), "perf_event");
	assert_true(evbpf_link_fd(s->links[0]) >= 0);
	assert_non_null(strstr(evbpf_link_description(s->links[0]), "syscalls/sys_enter_getppid"));
	getppid_n(3);
	assert_int_equal(count(s, C_TRACEPOINT), 3);
	destroy(s, 0);
	getppid_n(2);
	assert_int_equal(count(s, C_TRACEPOINT), 3);

	/* The typed function, and a tracepoint that does not exist. */
	assert_ok(evbpf_program_attach_tracepoint(prog(s, "tp_getppid"), "syscalls",
	                                          "sys_enter_getppid", &s->links[0]));
	getppid_n(1);
	assert_int_equal(count(s, C_TRACEPOINT), 4);
	assert_int_equal(evbpf_program_attach_tracepoint(prog(s, "tp_getppid"), "nosuchcat",
	                                                 "nosuchevent", &s->links[1]),
	                 -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), "nosuchcat/nosuchevent"));
	assert_null(s->links[1]);
	assert_int_equal(
	    evbpf_program_attach_tracepoint(prog(s, "tp_getppid"), "..", "x", &s->links[1]),
	    -EINVAL);
}

static void test_raw_tp(void **st)
{
	struct state *s = *st;
	uint64_t before;

	REQUIRE_KERNEL();
	load_trace(s);
	assert_ok(evbpf_program_attach(prog(s, "raw_sys_enter"), &s->links[0]));
	assert_string_equal(evbpf_link_kind(s->links[0]), "bpf_link");
	getppid_n(5);
	before = count(s, C_RAW_TP);
	assert_true(before >= 5); /* every syscall of this process */
	destroy(s, 0);
	before = count(s, C_RAW_TP);
	getppid_n(5);
	assert_int_equal(count(s, C_RAW_TP), before);
	assert_int_equal(evbpf_program_attach_raw_tracepoint(prog(s, "raw_sys_enter"),
	                                                     "no_such_raw_tp", &s->links[0]),
	                 -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), "no_such_raw_tp"));
}

static void test_tp_btf(void **st)
{
	struct state *s = *st;

	REQUIRE_KERNEL();
	load_trace(s);
	assert_ok(evbpf_program_attach(prog(s, "btf_sys_enter"), &s->links[0]));
	getppid_n(4);
	assert_int_equal(count(s, C_TP_BTF), 4);
	destroy(s, 0);
	getppid_n(4);
	assert_int_equal(count(s, C_TP_BTF), 4);
}

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
	uint64_t n;
	int pfd;

	REQUIRE_KERNEL();
	load_trace(s);
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CPU_CLOCK;
	attr.sample_period = 1000000; /* every millisecond of CPU time */

	/* On every CPU, events owned by the link. */
	assert_ok(evbpf_program_attach_perf_event_cpus(prog(s, "on_clock"), &attr, &s->links[0]));
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
	assert_ok(evbpf_program_attach_perf_event(prog(s, "on_clock"), pfd, &s->links[0]));
	close(pfd);
	spin_ms(30);
	assert_true(count(s, C_PERF) > n);
	destroy(s, 0);
	n = count(s, C_PERF);
	spin_ms(20);
	assert_int_equal(count(s, C_PERF), n);
	/* A perf_event program has no section target. */
	assert_int_equal(evbpf_program_attach(prog(s, "on_clock"), &s->links[0]), -ENOTSUP);
	assert_non_null(strstr(evbpf_errmsg(), "evbpf_program_attach_perf_event"));
}

static bool have_pmu(const char *name)
{
	char path[256];
	struct stat sb;

	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s", name);
	return stat(path, &sb) == 0;
}

static void test_kprobe(void **st)
{
	struct state *s = *st;
	struct timespec ts = {0, 1000};
	int err;

	REQUIRE_KERNEL();
	load_trace(s);
	err = evbpf_program_attach(prog(s, "kprobe_nanosleep"), &s->links[0]);
	if (have_pmu("kprobe")) {
		assert_ok(err);
		nanosleep(&ts, NULL);
		assert_true(count(s, C_KPROBE) >= 1);
		return;
	}
	/* This kernel has no kprobes: the error says exactly that. */
	assert_int_equal(err, -EOPNOTSUPP);
	assert_null(s->links[0]);
	assert_non_null(strstr(evbpf_errmsg(), "prog 'kprobe_nanosleep'"));
	assert_non_null(strstr(evbpf_errmsg(), "kprobe PMU not found at "
	                                       "/sys/bus/event_source/devices/kprobe"));
	assert_non_null(strstr(evbpf_errmsg(), "CONFIG_KPROBES"));
	err = evbpf_program_attach_kprobe(prog(s, "kprobe_nanosleep"), 1, "do_nanosleep", NULL,
	                                  &s->links[0]);
	assert_int_equal(err, -EOPNOTSUPP);
	assert_non_null(strstr(evbpf_errmsg(), "kretprobe"));
}

static void test_uprobe(void **st)
{
	struct state *s = *st;
	struct evbpf_probe_opts opts = {.sz = sizeof(opts), .cookie = 0xc00c1e};

	REQUIRE_KERNEL();
	SKIP_UNDER_VALGRIND("uprobes on this binary's code never fire under valgrind");
	load_trace(s);
	assert_ok(evbpf_program_attach_uprobe(prog(s, "on_uprobe"), 0, -1, "/proc/self/exe",
	                                      "evbpf_test_uprobe_target", &opts, &s->links[0]));
	/* Limited to this process by pid. */
	assert_ok(evbpf_program_attach_uprobe(prog(s, "on_uretprobe"), 1, getpid(),
	                                      "/proc/self/exe", "evbpf_test_uprobe_target", NULL,
	                                      &s->links[1]));
	assert_int_equal(uprobe_target(4, 2), 42);
	assert_int_equal(uprobe_target(7, 3), 73);
	assert_int_equal(count(s, C_UPROBE), 2);
	assert_int_equal(count(s, C_URETPROBE), 2);
	assert_int_equal(probe_val(s, 0), 7);
	assert_int_equal(probe_val(s, 1), 3);
	assert_int_equal(probe_val(s, 2), 73);
	assert_int_equal(probe_val(s, 3), 0xc00c1e);
	destroy(s, 0);
	destroy(s, 1);
	uprobe_target(1, 1);
	assert_int_equal(count(s, C_UPROBE), 2);
	assert_int_equal(count(s, C_URETPROBE), 2);

	/* A shared library by name, for this process only: libc's getppid. */
	assert_ok(evbpf_program_attach_uprobe(prog(s, "on_uprobe"), 0, getpid(), "libc.so.6",
	                                      "getppid", NULL, &s->links[0]));
	getppid();
	getppid();
	assert_int_equal(count(s, C_UPROBE), 4);
	destroy(s, 0);
	getppid();
	assert_int_equal(count(s, C_UPROBE), 4);

	/* By section name: uprobe//proc/self/exe:evbpf_test_uprobe_target. */
	assert_ok(evbpf_program_attach(prog(s, "uprobe_by_section"), &s->links[0]));
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

static void test_iter(void **st)
{
	struct state *s = *st;
	struct evbpf_iter_opts opts = {.sz = sizeof(opts)};
	struct evbpf_map *vals;
	char *out = NULL;
	size_t len = 0;

	REQUIRE_KERNEL();
	load_trace(s);
	vals = evbpf_object_find_map(s->obj, "probe_vals");
	for (uint32_t k = 0; k < 4; k++) {
		uint64_t v = 100 + k * k;

		assert_ok(evbpf_map_update(vals, &k, &v, 0));
	}
	/* iter/bpf_map_elem needs the map: section attach has none to give. */
	assert_true(evbpf_program_attach(prog(s, "dump_elems"), &s->links[0]) < 0);
	assert_null(s->links[0]);
	opts.map_fd = evbpf_map_fd(vals);
	assert_ok(evbpf_program_attach_iter(prog(s, "dump_elems"), &opts, &s->links[0]));
	assert_ok(evbpf_iter_read_all(s->links[0], &out, &len));
	assert_string_equal(out, "0=100\n1=101\n2=104\n3=109\n");
	assert_int_equal(len, strlen(out));
	free(out);
	assert_int_equal(count(s, C_ITER_ELEM), 4);
	/* Each iterator fd is a fresh run. */
	int fd = evbpf_iter_create(s->links[0]);
	char buf[256];
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_int_equal(n, (ssize_t)strlen("0=100\n1=101\n2=104\n3=109\n"));
	assert_int_equal(count(s, C_ITER_ELEM), 8);
	destroy(s, 0);
}

static void test_iter_task_by_section(void **st)
{
	struct state *s = *st;
	char *out = NULL, want[64], comm[17] = "";
	size_t len = 0, lines;
	FILE *f;

	REQUIRE_KERNEL();
	load_trace(s);
	/* iter/task needs nothing more than the section says. */
	assert_ok(evbpf_program_attach(prog(s, "dump_tasks"), &s->links[0]));
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

static void test_fentry(void **st)
{
	struct state *s = *st;
	struct evbpf_program *p;
	struct timespec ts = {0, 1000};
	uint64_t hits = 0;
	int err;

	REQUIRE_KERNEL();
	assert_ok(evbpf_object_open_file(FIXTURE("attach_fentry.bpf.o"), NULL, &s->obj));
	p = evbpf_object_find_program(s->obj, "fentry_nanosleep");
	assert_non_null(p);
	err = evbpf_program_load(p);
	if (err == 0) {
		/* A kernel with BPF trampolines: it must attach and fire. */
		assert_ok(evbpf_program_attach(p, &s->links[0]));
		nanosleep(&ts, NULL);
		assert_ok(evbpf_object_get_global(s->obj, "hits", &hits, sizeof(hits)));
		assert_true(hits >= 1);
		return;
	}
	/* Refused: the message names the program, the section and the
	 * kernel's reason, and nothing is left loaded. */
	assert_true(err < 0);
	assert_non_null(strstr(evbpf_errmsg(), "prog 'fentry_nanosleep'"));
	assert_non_null(strstr(evbpf_errmsg(), "fentry/do_nanosleep"));
	if (err == -EPERM || err == -524 || err == -EOPNOTSUPP)
		assert_non_null(strstr(evbpf_errmsg(), "trampoline"));
	assert_int_equal(evbpf_program_fd(p), -ENOENT);
	/* Attaching an unloaded program is refused before any syscall. */
	assert_int_equal(evbpf_program_attach(p, &s->links[0]), -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), "before the program is loaded"));
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
	int err;

	REQUIRE_KERNEL();
	assert_ok(evbpf_object_open_file(FIXTURE("attach_ext.bpf.o"), NULL, &s->obj));
	target = prog(s, "target");
	ext = prog(s, "replacement");
	assert_ok(evbpf_program_load(target));
	assert_int_equal(run_xdp(target), 2 /* XDP_PASS */);
	err = evbpf_program_set_attach_target(ext, evbpf_program_fd(target), "nope");
	if (err == -EINVAL && strstr(evbpf_errmsg(), "has no BTF")) {
		/* The loader did not give the target its BTF (func_info):
		 * nothing to find a function in. */
		SKIP_TEST("target program loaded without BTF: %s", evbpf_errmsg());
	}
	assert_int_equal(err, -ESRCH);
	assert_non_null(strstr(evbpf_errmsg(), "'nope'"));
	assert_ok(evbpf_program_set_attach_target(ext, evbpf_program_fd(target), "decide"));
	err = evbpf_program_load(ext);
	if (err) {
		/* Extension programs use BPF trampolines too. */
		assert_non_null(strstr(evbpf_errmsg(), "prog 'replacement'"));
		assert_non_null(strstr(evbpf_errmsg(), "trampoline"));
		return;
	}
	assert_ok(
	    evbpf_program_attach_freplace(ext, evbpf_program_fd(target), "decide", &s->links[0]));
	assert_int_equal(run_xdp(target), 1 /* XDP_DROP */);
	destroy(s, 0);
	assert_int_equal(run_xdp(target), 2);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_tracepoint, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_raw_tp, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tp_btf, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_perf_event, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kprobe, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uprobe, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_iter, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_iter_task_by_section, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fentry, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_freplace, setup, teardown),
	};

	return RUN_TESTS(tests, group_setup, NULL);
}
