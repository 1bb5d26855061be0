/* SPDX-License-Identifier: MIT */
/*
 * Shared test helpers. Kernel tests call REQUIRE_KERNEL() first: when bpf()
 * is not permitted here the test is skipped with the reason, unless
 * EVBPF_REQUIRE_KERNEL=1 (CI), where it fails instead. Kernel tests also
 * bracket their work with fd_count() to prove nothing leaked.
 */
#ifndef EVBPF_TESTS_COMMON_H
#define EVBPF_TESTS_COMMON_H

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <linux/bpf.h>
#include <sys/syscall.h>

#include <cmocka.h>

#include <evbpf/evbpf.h>

/* Path of a compiled BPF fixture (tests/bpf/NAME.bpf.c -> NAME.bpf.o). */
static inline const char *FIXTURE(const char *name)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/%s", EVBPF_TEST_BPF_DIR, name);
	return path;
}

static inline int fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

/* Why the kernel cannot be used, or NULL when it can. */
static inline const char *kernel_unavailable(void)
{
	static char why[256];
	struct evbpf_map *map;
	int err;

	/* Through the library, which raises RLIMIT_MEMLOCK where the kernel
	 * charges it: the charge is per user, so other tests running at the
	 * same time would otherwise make even this small map fail. */
	err = evbpf_map_create(BPF_MAP_TYPE_ARRAY, "probe", 4, 4, 1, NULL, &map);
	if (err) {
		snprintf(why, sizeof(why), "bpf(BPF_MAP_CREATE) failed: %s", evbpf_strerror(err));
		return why;
	}
	evbpf_map_free(map);
	return NULL;
}

static inline int kernel_required(void)
{
	const char *v = getenv("EVBPF_REQUIRE_KERNEL");

	return v && strcmp(v, "0") != 0;
}

/*
 * Skips. A skipped test says why, on stdout ("SKIP: ...") and, when
 * EVBPF_TEST_SKIP_LOG names a file, in a line "SUITE CASE: reason" appended
 * to it (scripts/dev.sh matrix collects those). RUN_TESTS() then exits 77,
 * which ctest counts as skipped (SKIP_RETURN_CODE), never as passed.
 */
static const char *test_suite_name_ = "?";
static const char *test_case_name_ = "*";
static int test_skips_;

static inline void test_note_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void test_note_skip(const char *fmt, ...)
{
	const char *log = getenv("EVBPF_TEST_SKIP_LOG");
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	print_message("SKIP: %s\n", why);
	test_skips_++;
	if (log && *log) {
		FILE *f = fopen(log, "a");

		if (f) {
			fprintf(f, "%s %s: %s\n", test_suite_name_, test_case_name_, why);
			fclose(f);
		}
	}
}

#define SKIP_TEST(...)                                                                             \
	do {                                                                                       \
		test_note_skip(__VA_ARGS__);                                                       \
		skip();                                                                            \
	} while (0)

#define REQUIRE_KERNEL()                                                                           \
	do {                                                                                       \
		const char *why_ = kernel_unavailable();                                           \
		if (why_) {                                                                        \
			if (kernel_required())                                                     \
				fail_msg("kernel required (EVBPF_REQUIRE_KERNEL=1): %s", why_);    \
			SKIP_TEST("%s", why_);                                                     \
		}                                                                                  \
	} while (0)

/*
 * Facilities. A test names what it needs; evbpf's own probes decide. Absent
 * (the probe answers 0): skip with the probe's reason. Present: the test
 * runs, and any refusal later is a failure. A probe that cannot tell
 * (-errno) fails the test: that is a machine we cannot reason about.
 */
static inline void test_require_(int answer, const char *what)
{
	if (answer == 1)
		return;
	if (answer == 0) {
		const char *why = evbpf_errmsg();
		size_t n = strlen(what);

		/* Feature probes start their reason with the feature's name. */
		if (!strncmp(why, what, n) && !strncmp(why + n, ": ", 2))
			why += n + 2;

		SKIP_TEST("kernel lacks %s%s%s", what, why && *why ? ": " : "", why ? why : "");
	}
	fail_msg("cannot probe %s: %s (%s)", what, evbpf_strerror(answer), evbpf_errmsg());
}

#define REQUIRE_FEATURE(f)                                                                         \
	do {                                                                                       \
		REQUIRE_KERNEL();                                                                  \
		test_require_(evbpf_probe_feature(f), evbpf_feature_name(f));                      \
	} while (0)

#define REQUIRE_PROG_TYPE(t)                                                                       \
	do {                                                                                       \
		char what_[96];                                                                    \
		REQUIRE_KERNEL();                                                                  \
		snprintf(what_, sizeof(what_), "program type %s", evbpf_prog_type_name(t));        \
		test_require_(evbpf_probe_prog_type(t), what_);                                    \
	} while (0)

#define REQUIRE_MAP_TYPE(t)                                                                        \
	do {                                                                                       \
		char what_[96];                                                                    \
		REQUIRE_KERNEL();                                                                  \
		snprintf(what_, sizeof(what_), "map type %s", evbpf_map_type_name(t));             \
		test_require_(evbpf_probe_map_type(t), what_);                                     \
	} while (0)

#define REQUIRE_HELPER(t, h)                                                                       \
	do {                                                                                       \
		char what_[128];                                                                   \
		REQUIRE_KERNEL();                                                                  \
		snprintf(what_, sizeof(what_), "helper %s for %s", #h, evbpf_prog_type_name(t));   \
		test_require_(evbpf_probe_helper(t, h), what_);                                    \
	} while (0)

/*
 * scripts/dev.sh valgrind sets EVBPF_TEST_VALGRIND=1. Under valgrind the
 * program's code runs translated, so a uprobe placed in this binary's text
 * never fires; tests that need one skip there (with the reason) instead.
 */
#define SKIP_UNDER_VALGRIND(why)                                                                   \
	do {                                                                                       \
		const char *vg_ = getenv("EVBPF_TEST_VALGRIND");                                   \
		if (vg_ && strcmp(vg_, "0") != 0)                                                  \
			SKIP_TEST("under valgrind: %s", why);                                      \
	} while (0)

/*
 * main() of every suite: RUN_TESTS(tests, group_setup, group_teardown).
 *   SUITE              runs every case
 *   SUITE --list       prints the case names (ctest registers one test each)
 *   SUITE CASE         runs that case only
 * Exit status: 1 when a case failed, 77 when every case that ran was
 * skipped, 0 otherwise.
 */
static inline int test_main_(const char *suite, const struct CMUnitTest *tests, size_t n,
			     CMFixtureFunction setup, CMFixtureFunction teardown, int argc,
			     char **argv)
{
	const char *base = strrchr(suite, '/');
	int failed;

	test_suite_name_ = base ? base + 1 : suite;
	if (argc > 1 && !strcmp(argv[1], "--list")) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", tests[i].name);
		return 0;
	}
	if (argc > 1) {
		size_t i;

		for (i = 0; i < n && strcmp(tests[i].name, argv[1]); i++)
			;
		if (i == n) {
			fprintf(stderr, "%s: no test case '%s' (--list shows them)\n", suite, argv[1]);
			return 2;
		}
		test_case_name_ = argv[1];
		cmocka_set_test_filter(argv[1]);
	}
	failed = _cmocka_run_group_tests(test_suite_name_, tests, n, setup, teardown);
	if (failed)
		return 1;
	return argc > 1 && test_skips_ ? 77 : 0;
}

#define RUN_TESTS(tests, setup, teardown)                                                          \
	test_main_(argv[0], tests, sizeof(tests) / sizeof((tests)[0]), setup, teardown, argc, argv)

/*
 * tracefs and securityfs mounted where the kernel puts them, if they are
 * not already, inside a private mount namespace of this process, so that
 * nothing outlives the test. Tests that need them call this from their
 * group setup; a kernel without them still skips through the probes.
 */
static inline void mount_kernel_fs_private(void)
{
	struct stat sb;
	int tracefs = stat("/sys/kernel/tracing/events", &sb) == 0 ||
		      stat("/sys/kernel/debug/tracing/events", &sb) == 0;
	int securityfs = stat("/sys/kernel/security/lsm", &sb) == 0;

	if (tracefs && securityfs)
		return;
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return;
	if (!tracefs)
		mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL);
	if (!securityfs)
		mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL);
}

/*
 * A bpffs of the test's own at /tmp/evbpf-TAG-XXXXXX (path in root), in a
 * private mount namespace so that it dies with the process even when the
 * teardown never runs. 0, or -1 with root emptied and the reason printed.
 */
static inline int private_bpffs_mount(char *root, size_t size, const char *tag)
{
	snprintf(root, size, "/tmp/evbpf-%s-XXXXXX", tag);
	if (!mkdtemp(root)) {
		root[0] = '\0';
		return -1;
	}
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("bpf", root, "bpf", 0, NULL) != 0) {
		fprintf(stderr, "cannot mount bpffs at %s: %s\n", root, strerror(errno));
		rmdir(root);
		root[0] = '\0';
		return -1;
	}
	return 0;
}

static inline void private_bpffs_unmount(char *root)
{
	if (!root[0])
		return;
	umount(root);
	rmdir(root);
	root[0] = '\0';
}

/* Fail with the library's detail when an evbpf call returns an error. */
#define assert_ok(expr)                                                                            \
	do {                                                                                       \
		int err_ = (expr);                                                                 \
		if (err_ < 0)                                                                      \
			fail_msg("%s = %d (%s): %s", #expr, err_, evbpf_strerror(err_),            \
				 evbpf_errmsg());                                                  \
	} while (0)

/*
 * The usual kernel-test fixture: the object a test opens (closed by the
 * teardown) and the number of open fds before the test, which the
 * teardown checks again, so every test proves it leaked no fd.
 */
struct obj_state {
	int fds_before;
	struct evbpf_object *obj;
};

static inline int obj_state_setup(void **st)
{
	struct obj_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	s->fds_before = fd_count();
	*st = s;
	return 0;
}

static inline int obj_state_teardown(void **st)
{
	struct obj_state *s = *st;

	evbpf_object_close(s->obj);
	assert_int_equal(fd_count(), s->fds_before);
	free(s);
	return 0;
}

/* A minimal Ethernet + IPv4 packet for XDP/skb test runs. */
static inline size_t test_packet(uint8_t *buf, size_t size)
{
	static const uint8_t pkt[] = {
		0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x08, 0x00, /* eth, IPv4 */
		0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1, /* ip */
		0x30, 0x39, 0x00, 0x35, 0, 8, 0, 0, /* udp 12345 -> 53 */
	};
	size_t n = sizeof(pkt) < size ? sizeof(pkt) : size;

	memcpy(buf, pkt, n);
	return n;
}

#endif
