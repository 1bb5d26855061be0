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
	union bpf_attr attr;
	long fd;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	fd = syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	if (fd < 0) {
		snprintf(why, sizeof(why), "bpf(BPF_MAP_CREATE) failed: %s", strerror(errno));
		return why;
	}
	close((int)fd);
	return NULL;
}

static inline int kernel_required(void)
{
	const char *v = getenv("EVBPF_REQUIRE_KERNEL");

	return v && strcmp(v, "0") != 0;
}

#define REQUIRE_KERNEL()                                                                           \
	do {                                                                                       \
		const char *why_ = kernel_unavailable();                                           \
		if (why_) {                                                                        \
			if (kernel_required())                                                     \
				fail_msg("kernel required (EVBPF_REQUIRE_KERNEL=1): %s", why_);    \
			print_message("SKIP: %s\n", why_);                                         \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

/*
 * scripts/dev.sh valgrind sets EVBPF_TEST_VALGRIND=1. Under valgrind the
 * program's code runs translated, so a uprobe placed in this binary's text
 * never fires; tests that need one skip there (with the reason) instead.
 */
#define SKIP_UNDER_VALGRIND(why)                                                                   \
	do {                                                                                       \
		const char *vg_ = getenv("EVBPF_TEST_VALGRIND");                                   \
		if (vg_ && strcmp(vg_, "0") != 0) {                                                \
			print_message("SKIP under valgrind: %s\n", why);                          \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

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
