/* SPDX-License-Identifier: MIT */
/*
 * Errors that say what to do: a misspelt map or program name lists what
 * the object has; EPERM for a process without privileges names the
 * capabilities or the sysctl (checked in a child that became "nobody");
 * `evbpf probe` there fails with one line; scripts/dev.sh says it needs
 * root before doing anything when neither root nor sudo is available.
 */
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "common.h"

#include <evbpf/async.h>

#define NOBODY 65534

static void test_find_messages(void **st)
{
	struct evbpf_object *obj;

	(void)st;
	assert_ok(evbpf_object_open_file(FIXTURE("introspect.bpf.o"), NULL, &obj));
	assert_null(evbpf_object_find_map(obj, "count"));
	assert_string_equal(evbpf_errmsg(), "no map 'count' in object 'introspect'; maps: counts, "
	                                    ".rodata");
	assert_null(evbpf_object_find_program(obj, "xdp"));
	assert_string_equal(evbpf_errmsg(), "no program 'xdp' in object 'introspect'; programs: "
	                                    "xdp_count, tp_getpid, raw_enter");
	assert_null(evbpf_object_find_map(obj, NULL));
	assert_non_null(strstr(evbpf_errmsg(), "NULL name"));
	assert_null(evbpf_object_find_map(NULL, "counts"));
	assert_non_null(strstr(evbpf_errmsg(), "NULL object"));
	/* The NULL that a failed find returns, passed on unchecked, is
	 * refused one call later with the find's message kept. */
	{
		struct evbpf_ringbuf *rb = NULL;

		assert_null(evbpf_object_find_map(obj, "event"));
		assert_int_equal(
		    evbpf_ringbuf_new(evbpf_object_find_map(obj, "event"), NULL, NULL, &rb),
		    -EINVAL);
		assert_non_null(strstr(evbpf_errmsg(), "ringbuf: NULL map"));
		assert_non_null(strstr(evbpf_errmsg(), "no map 'event' in object 'introspect'"));
		assert_null(rb);
	}
	/* Found by either name: no message needed, none left behind. */
	assert_non_null(evbpf_object_find_map(obj, "counts"));
	assert_non_null(evbpf_object_find_program(obj, "raw_enter"));
	evbpf_object_close(obj);
}

static int unpriv_disabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/unprivileged_bpf_disabled", "r");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* Run fn in a child that is "nobody" (no capabilities left); its message
 * comes back through msg. Returns the child's exit status. */
static int as_nobody(int (*fn)(char *msg, size_t size), char *msg, size_t size)
{
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char buf[2048] = "";
		int rc;

		close(pipefd[0]);
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(90);
		rc = fn(buf, sizeof(buf));
		if (write(pipefd[1], buf, strlen(buf)) < 0)
			rc = 91;
		_exit(rc);
	}
	close(pipefd[1]);
	n = read(pipefd[0], msg, size - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int load_unprivileged(char *msg, size_t size)
{
	struct evbpf_object *obj = NULL;
	int err;

	if (evbpf_object_open_file(FIXTURE("introspect.bpf.o"), NULL, &obj))
		return 92;
	err = evbpf_object_load(obj);
	snprintf(msg, size, "%s", evbpf_errmsg());
	evbpf_object_close(obj);
	return err == -EPERM ? 0 : 93;
}

static void test_eperm_unprivileged(void **st)
{
	char msg[2048];
	int rc, sysctl = unpriv_disabled();

	(void)st;
	REQUIRE_KERNEL();
	if (getuid() != 0)
		SKIP_TEST("needs root to become another user");
	rc = as_nobody(load_unprivileged, msg, sizeof(msg));
	if (rc)
		fail_msg("child exit %d: %s", rc, msg);
	print_message("%s\n", msg);
	assert_non_null(strstr(msg, "Operation not permitted"));
	assert_non_null(strstr(msg, "lacks CAP_BPF and CAP_SYS_ADMIN"));
	assert_non_null(strstr(msg, "run as root, or grant CAP_BPF"));
	if (sysctl > 0)
		assert_non_null(strstr(msg, "kernel.unprivileged_bpf_disabled"));
}

static int map_unprivileged(char *msg, size_t size)
{
	struct evbpf_map *map = NULL;
	int err = evbpf_map_create(BPF_MAP_TYPE_ARRAY, "nobody", 4, 4, 1, NULL, &map);

	snprintf(msg, size, "%s", evbpf_errmsg());
	evbpf_map_free(map);
	return err == -EPERM ? 0 : err == 0 ? 94 : 95;
}

/* With unprivileged BPF disabled not even a map can be made; the
 * message says the sysctl is why. */
static void test_eperm_sysctl(void **st)
{
	char msg[2048];
	int rc;

	(void)st;
	REQUIRE_KERNEL();
	if (getuid() != 0)
		SKIP_TEST("needs root to become another user");
	if (unpriv_disabled() <= 0)
		SKIP_TEST("kernel.unprivileged_bpf_disabled is 0 here: unprivileged maps work");
	rc = as_nobody(map_unprivileged, msg, sizeof(msg));
	if (rc)
		fail_msg("child exit %d: %s", rc, msg);
	assert_non_null(strstr(msg, "map 'nobody'"));
	assert_non_null(strstr(msg, "unprivileged BPF is disabled"));
}

/* Run a command as nobody with stdout and stderr captured. */
static int run_as_nobody(char *const argv[], char *const envp[], char *out, size_t out_size,
                         char *err, size_t err_size)
{
	int po[2], pe[2], status;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(po), 0);
	assert_int_equal(pipe(pe), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(90);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	n = read(po[0], out, out_size - 1);
	out[n > 0 ? n : 0] = '\0';
	n = read(pe[0], err, err_size - 1);
	err[n > 0 ? n : 0] = '\0';
	close(po[0]);
	close(pe[0]);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_probe_tool_unprivileged(void **st)
{
	char *argv[] = {EVBPF_TEST_TOOL, "probe", NULL};
	char *envp[] = {"PATH=/usr/bin:/bin", NULL};
	char out[8192], err[4096];
	int rc;

	(void)st;
	REQUIRE_KERNEL();
	if (getuid() != 0)
		SKIP_TEST("needs root to become another user");
	if (unpriv_disabled() <= 0)
		SKIP_TEST("kernel.unprivileged_bpf_disabled is 0 here: nobody can probe");
	rc = run_as_nobody(argv, envp, out, sizeof(out), err, sizeof(err));
	print_message("%s", err);
	assert_int_equal(rc, 1);
	assert_string_equal(out, "");
	assert_int_equal(count_lines(err), 1);
	assert_non_null(strstr(err, "evbpf probe: cannot probe this kernel"));
	assert_non_null(strstr(err, "CAP_BPF"));
}

static void test_dev_sh_without_root(void **st)
{
	char dir[] = "/tmp/evbpf-nosudo-XXXXXX", link[128], script[4096];
	char *argv[] = {"/bin/bash", script, "test", NULL};
	char path_env[160];
	char *envp[] = {path_env, NULL};
	const char *tools[] = {"id", "dirname"};
	char out[4096], err[4096];
	int rc;

	(void)st;
	if (getuid() != 0)
		SKIP_TEST("needs root to become another user");
	snprintf(script, sizeof(script), "%s/../scripts/dev.sh", EVBPF_TEST_SRC_DIR);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	/* A PATH with what the script needs to start, and no sudo. */
	for (size_t i = 0; i < 2; i++) {
		char target[64];

		snprintf(link, sizeof(link), "%s/%s", dir, tools[i]);
		snprintf(target, sizeof(target), "/usr/bin/%s", tools[i]);
		assert_int_equal(symlink(target, link), 0);
	}
	snprintf(path_env, sizeof(path_env), "PATH=%s", dir);
	rc = run_as_nobody(argv, envp, out, sizeof(out), err, sizeof(err));
	for (size_t i = 0; i < 2; i++) {
		snprintf(link, sizeof(link), "%s/%s", dir, tools[i]);
		unlink(link);
	}
	rmdir(dir);
	print_message("%s", err);
	assert_int_equal(rc, 1);
	assert_string_equal(out, "");
	assert_non_null(strstr(err, "needs root"));
	assert_non_null(strstr(err, "sudo is not installed"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_find_messages),
	    cmocka_unit_test(test_eperm_unprivileged),
	    cmocka_unit_test(test_eperm_sysctl),
	    cmocka_unit_test(test_probe_tool_unprivileged),
	    cmocka_unit_test(test_dev_sh_without_root),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
