/* SPDX-License-Identifier: MIT */
/*
 * `evbpf load --pin DIR` against the kernel, on a private bpffs mounted in
 * a private mount namespace (the tool runs as a child, which inherits it):
 * every program is pinned at DIR/NAME and the maps with pinning at
 * DIR/MAPNAME, and the tool says so; what it pinned really is those
 * programs and maps; a second run into the same directory fails and
 * leaves the first run's pins alone; a directory not on bpffs is refused.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "common.h"

static char root[64];

struct run_out {
	int status;
	char out[8192];
	char err[8192];
};

static int group_setup(void **st)
{
	(void)st;
	if (kernel_unavailable())
		return 0;
	return private_bpffs_mount(root, sizeof(root), "toolpin");
}

static int group_teardown(void **st)
{
	(void)st;
	private_bpffs_unmount(root);
	return 0;
}

static void read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
}

/* evbpf load OBJ --pin DIR, outputs captured (small enough for a pipe). */
static void run_load(const char *obj, const char *dir, struct run_out *r)
{
	char *argv[] = {EVBPF_TEST_TOOL, "load", (char *)obj, "--pin", (char *)dir, NULL};
	int po[2], pe[2], status;
	pid_t pid;

	assert_int_equal(pipe(po), 0);
	assert_int_equal(pipe(pe), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(po[1], 1);
		dup2(pe[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	read_all(po[0], r->out, sizeof(r->out));
	read_all(pe[0], r->err, sizeof(r->err));
	close(po[0]);
	close(pe[0]);
	assert_true(WIFEXITED(status));
	r->status = WEXITSTATUS(status);
}

static bool exists(const char *dir, const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The program pinned at DIR/NAME is a loaded program of that name and type. */
static void assert_pinned_program(const char *dir, const char *name, uint32_t type)
{
	struct evbpf_prog_info info = {.sz = sizeof(info)};
	struct evbpf_program *prog;
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_ok(evbpf_program_from_pin(path, &prog));
	assert_ok(evbpf_program_info(prog, &info));
	assert_string_equal(info.name, name);
	assert_int_equal(info.type, type);
	evbpf_program_free(prog);
}

static void assert_line(const char *out, const char *fmt, const char *dir, const char *name)
{
	char line[512];

	snprintf(line, sizeof(line), fmt, name, dir, name);
	if (!strstr(out, line))
		fail_msg("'%s' not in the output:\n%s", line, out);
}

static void test_pin_all(void **st)
{
	struct run_out *r = calloc(1, sizeof(*r));
	struct evbpf_map *map;
	char dir[128], path[256];
	int before = fd_count();

	(void)st;
	REQUIRE_KERNEL();
	assert_non_null(r);
	/* A directory that does not exist yet, on the bpffs: created. */
	snprintf(dir, sizeof(dir), "%s/app", root);
	run_load(FIXTURE("load_pin.bpf.o"), dir, r);
	if (r->status)
		fail_msg("exit %d: %s", r->status, r->err);
	assert_line(r->out, "pinned program %s at %s/%s\n", dir, "count_xdp");
	assert_line(r->out, "pinned program %s at %s/%s\n", dir, "count_socket");
	assert_line(r->out, "pinned map %s at %s/%s\n", dir, "shared_counts");
	assert_null(strstr(r->out, "own_counts"));
	assert_int_equal(entries(dir), 3);
	assert_pinned_program(dir, "count_xdp", BPF_PROG_TYPE_XDP);
	assert_pinned_program(dir, "count_socket", BPF_PROG_TYPE_SOCKET_FILTER);
	snprintf(path, sizeof(path), "%s/shared_counts", dir);
	assert_ok(evbpf_map_from_pinned(path, &map));
	assert_string_equal(evbpf_map_name(map), "shared_counts");
	evbpf_map_free(map);

	/* Again: the program pins exist, so it fails, and removes nothing. */
	run_load(FIXTURE("load_pin.bpf.o"), dir, r);
	assert_int_equal(r->status, 1);
	assert_non_null(strstr(r->err, "count_xdp"));
	assert_int_equal(entries(dir), 3);
	assert_pinned_program(dir, "count_xdp", BPF_PROG_TYPE_XDP);

	unlink(path);
	snprintf(path, sizeof(path), "%s/count_xdp", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/count_socket", dir);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(fd_count(), before);
	free(r);
}

/* The case bpftool prog loadall covers: no map asks for pinning, and the
 * programs are pinned all the same. */
static void test_pin_without_pinned_maps(void **st)
{
	struct run_out *r = calloc(1, sizeof(*r));
	static const char *const progs[] = {"xdp_count", "tp_getpid", "raw_enter"};
	char path[256];
	int base;

	(void)st;
	REQUIRE_KERNEL();
	assert_non_null(r);
	/* A fresh bpffs may hold maps.debug and progs.debug already. */
	base = entries(root);
	run_load(FIXTURE("introspect.bpf.o"), root, r);
	if (r->status)
		fail_msg("exit %d: %s", r->status, r->err);
	assert_null(strstr(r->out, "pinned map"));
	assert_pinned_program(root, "xdp_count", BPF_PROG_TYPE_XDP);
	assert_pinned_program(root, "tp_getpid", BPF_PROG_TYPE_TRACEPOINT);
	for (size_t i = 0; i < 3; i++) {
		assert_line(r->out, "pinned program %s at %s/%s\n", root, progs[i]);
		assert_true(exists(root, progs[i]));
		snprintf(path, sizeof(path), "%s/%s", root, progs[i]);
		unlink(path);
	}
	assert_int_equal(entries(root), base);
	free(r);
}

static void test_not_bpffs(void **st)
{
	struct run_out *r = calloc(1, sizeof(*r));
	char dir[] = "/tmp/evbpf-notbpffs-XXXXXX";

	(void)st;
	REQUIRE_KERNEL();
	assert_non_null(r);
	assert_non_null(mkdtemp(dir));
	run_load(FIXTURE("load_pin.bpf.o"), dir, r);
	assert_int_equal(r->status, 1);
	assert_string_equal(r->out, "");
	assert_non_null(strstr(r->err, "not on a bpffs"));
	assert_int_equal(entries(dir), 0);
	rmdir(dir);
	/* Missing, with a parent that is no bpffs either: not created. */
	run_load(FIXTURE("load_pin.bpf.o"), "/tmp/evbpf-no-such-dir/sub", r);
	assert_int_equal(r->status, 1);
	assert_non_null(strstr(r->err, "not on a bpffs"));
	free(r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pin_all),
	    cmocka_unit_test(test_pin_without_pinned_maps),
	    cmocka_unit_test(test_not_bpffs),
	};

	return RUN_TESTS(tests, group_setup, group_teardown);
}
