/* SPDX-License-Identifier: MIT */
/*
 * RLIMIT_MEMLOCK (core/memlock.c). Kernels before 5.11 charge BPF memory
 * to it: there the library raises the limit once, before its first map,
 * program or BTF, and where it may not (no CAP_SYS_RESOURCE, a low hard
 * limit) the kernel's EPERM says which limit was in force. Kernels with
 * memcg accounting leave the limit alone and load regardless of it.
 *
 * The raise happens once per process, so each case runs its loader in a
 * fresh process (this binary, re-executed), with the limit set low first,
 * and it reports back through a pipe.
 */
#include <stdbool.h>
#include <linux/capability.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "common.h"

/* argv[0] of the test binary, for re-executing it as the child. */
static const char *self_path = "/proc/self/exe";

#define LOW_LIMIT (64 * 1024) /* Debian 11's default */

struct child_report {
	int setup_err; /* errno of setting up the limit or capabilities */
	int load_err;
	unsigned long long cur_after, max_after;
	char msg[512];
};

/* Drop CAP_SYS_RESOURCE, which lets a process raise its hard limits. */
static int drop_sys_resource(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return errno;
	data[CAP_SYS_RESOURCE / 32].effective &= ~(1u << (CAP_SYS_RESOURCE % 32));
	data[CAP_SYS_RESOURCE / 32].permitted &= ~(1u << (CAP_SYS_RESOURCE % 32));
	data[CAP_SYS_RESOURCE / 32].inheritable &= ~(1u << (CAP_SYS_RESOURCE % 32));
	return syscall(SYS_capset, &hdr, data) ? errno : 0;
}

/* What the child does: limit the soft (and, locked down, the hard) limit
 * to LOW_LIMIT, drop CAP_SYS_RESOURCE when locked down, then open and load
 * the producers fixture (a 4 MiB ring buffer) and report on fd out. */
static int child_main(bool lock_down, int out)
{
	struct child_report c;
	struct evbpf_object *obj = NULL;
	struct rlimit rl;

	memset(&c, 0, sizeof(c));
	getrlimit(RLIMIT_MEMLOCK, &rl);
	rl.rlim_cur = LOW_LIMIT;
	if (lock_down)
		rl.rlim_max = LOW_LIMIT;
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		c.setup_err = errno;
	if (!c.setup_err && lock_down)
		c.setup_err = drop_sys_resource();
	if (!c.setup_err) {
		c.load_err = evbpf_object_open_file(FIXTURE("async_producers.bpf.o"), NULL, &obj);
		if (!c.load_err)
			c.load_err = evbpf_object_load(obj);
		snprintf(c.msg, sizeof(c.msg), "%s", evbpf_errmsg());
		evbpf_object_close(obj);
	}
	getrlimit(RLIMIT_MEMLOCK, &rl);
	c.cur_after = rl.rlim_cur;
	c.max_after = rl.rlim_max;
	return write(out, &c, sizeof(c)) == (ssize_t)sizeof(c) ? 0 : 1;
}

/* Run child_main() in a new process image (this binary again), so that
 * the library's once-per-process raise is still to come there. */
static void run_child(bool lock_down, struct child_report *r)
{
	int pfd[2], status;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char fd[16];

		close(pfd[0]);
		snprintf(fd, sizeof(fd), "%d", pfd[1]);
		/* Our own path, not /proc/self/exe: under valgrind that is
		 * valgrind's tool, which refuses to be run directly. */
		execl(self_path, "test-memlock", "--child", lock_down ? "1" : "0", fd,
		      (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], r, sizeof(*r)), (ssize_t)sizeof(*r));
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(r->setup_err, 0);
}

/* 1 when this kernel charges RLIMIT_MEMLOCK, 0 when memcg. */
static int charges_memlock(void)
{
	int memcg = evbpf_probe_feature(EVBPF_FEATURE_MEMCG_ACCOUNT);

	if (memcg < 0)
		fail_msg("cannot probe memcg accounting: %s", evbpf_errmsg());
	return !memcg;
}

static void test_raised_once(void **st)
{
	struct child_report r;

	(void)st;
	run_child(false, &r);
	REQUIRE_KERNEL();
	if (r.load_err)
		fail_msg("load with a %d-byte memlock limit: %s (%s)", LOW_LIMIT,
		         evbpf_strerror(r.load_err), r.msg);
	if (charges_memlock()) {
		/* Raised to infinity: root has CAP_SYS_RESOURCE. */
		assert_true(r.cur_after == (unsigned long long)RLIM_INFINITY);
		assert_true(r.max_after == (unsigned long long)RLIM_INFINITY);
	} else {
		/* Not needed: left as the process set it. */
		assert_int_equal(r.cur_after, LOW_LIMIT);
	}
}

static void test_refused_says_so(void **st)
{
	struct child_report r;

	(void)st;
	run_child(true, &r);
	REQUIRE_KERNEL();
	assert_int_equal(r.cur_after, LOW_LIMIT);
	assert_int_equal(r.max_after, LOW_LIMIT);
	if (!charges_memlock()) {
		/* memcg accounting: the limit plays no part. */
		if (r.load_err)
			fail_msg("load under memcg accounting failed: %s (%s)",
			         evbpf_strerror(r.load_err), r.msg);
		return;
	}
	/* 4 MiB of ring buffer under a 64 KiB limit that cannot move. */
	assert_int_equal(r.load_err, -EPERM);
	if (!strstr(r.msg, "RLIMIT_MEMLOCK is 65536 bytes and could not be raised"))
		fail_msg("the EPERM does not explain the limit: %s", r.msg);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_raised_once),
	    cmocka_unit_test(test_refused_says_so),
	};

	if (argc == 4 && !strcmp(argv[1], "--child"))
		return child_main(!strcmp(argv[2], "1"), atoi(argv[3]));
	self_path = argv[0];

	return RUN_TESTS(tests, NULL, NULL);
}
