/* SPDX-License-Identifier: MIT */
/*
 * Every cgroup hook on a fresh cgroup v2 directory: attach (BPF link, and
 * BPF_PROG_ATTACH through the legacy option), make this process do what
 * the hook sees while it is a member of the cgroup (UDP and TCP on
 * loopback, socket options, a sysctl read, opening /dev/null), check the
 * counter grew, destroy the link and check it stops. BPF_PROG_QUERY then
 * proves nothing is left attached, and the cgroup is removed.
 */
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "common.h"

#define CGROUP2_ROOT  "/sys/fs/cgroup/unified"
#define CGROUP2_MAGIC 0x63677270

enum {
	C_SKB_INGRESS,
	C_SKB_EGRESS,
	C_SOCK_CREATE,
	C_SOCK_RELEASE,
	C_POST_BIND4,
	C_BIND4,
	C_CONNECT4,
	C_SENDMSG4,
	C_RECVMSG4,
	C_GETSOCKNAME4,
	C_GETPEERNAME4,
	C_SYSCTL,
	C_GETSOCKOPT,
	C_SETSOCKOPT,
	C_DEV,
	C_SOCKOPS,
	C_NR,
};

static const struct hook {
	const char *prog;
	uint32_t idx;
	uint32_t attach_type;
} hooks[] = {
    {"cg_skb_ingress", C_SKB_INGRESS, BPF_CGROUP_INET_INGRESS},
    {"cg_skb_egress", C_SKB_EGRESS, BPF_CGROUP_INET_EGRESS},
    {"cg_sock_create", C_SOCK_CREATE, BPF_CGROUP_INET_SOCK_CREATE},
    {"cg_sock_release", C_SOCK_RELEASE, BPF_CGROUP_INET_SOCK_RELEASE},
    {"cg_post_bind4", C_POST_BIND4, BPF_CGROUP_INET4_POST_BIND},
    {"cg_bind4", C_BIND4, BPF_CGROUP_INET4_BIND},
    {"cg_connect4", C_CONNECT4, BPF_CGROUP_INET4_CONNECT},
    {"cg_sendmsg4", C_SENDMSG4, BPF_CGROUP_UDP4_SENDMSG},
    {"cg_recvmsg4", C_RECVMSG4, BPF_CGROUP_UDP4_RECVMSG},
    {"cg_getsockname4", C_GETSOCKNAME4, BPF_CGROUP_INET4_GETSOCKNAME},
    {"cg_getpeername4", C_GETPEERNAME4, BPF_CGROUP_INET4_GETPEERNAME},
    {"cg_sysctl", C_SYSCTL, BPF_CGROUP_SYSCTL},
    {"cg_getsockopt", C_GETSOCKOPT, BPF_CGROUP_GETSOCKOPT},
    {"cg_setsockopt", C_SETSOCKOPT, BPF_CGROUP_SETSOCKOPT},
    {"cg_dev", C_DEV, BPF_CGROUP_DEVICE},
    {"cg_sockops", C_SOCKOPS, BPF_CGROUP_SOCK_OPS},
};

static char cg_path[256];
static char orig_procs[1024];
static int cg_fd = -1;

struct state {
	int fds_before;
	struct evbpf_object *obj;
	struct evbpf_link *link;
};

static int write_pid(const char *procs)
{
	char buf[32];
	int fd = open(procs, O_WRONLY | O_CLOEXEC), n, ok;

	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%d\n", getpid());
	ok = write(fd, buf, (size_t)n) == n;
	close(fd);
	return ok ? 0 : -errno;
}

static void enter_cgroup(void)
{
	char procs[300];

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg_path);
	assert_int_equal(write_pid(procs), 0);
}

static void leave_cgroup(void)
{
	write_pid(orig_procs);
}

/* Where this process started in the v2 hierarchy ("0::/path"). */
static void find_orig_cgroup(void)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[512];

	snprintf(orig_procs, sizeof(orig_procs), "%s/cgroup.procs", CGROUP2_ROOT);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(orig_procs, sizeof(orig_procs), "%s%s/cgroup.procs", CGROUP2_ROOT,
		         strcmp(line + 3, "/") ? line + 3 : "");
	}
	fclose(f);
}

static int group_setup(void **st)
{
	struct statfs sfs;

	(void)st;
	if (kernel_unavailable())
		return 0; /* each test skips or fails with the reason */
	if (statfs(CGROUP2_ROOT, &sfs) != 0 || sfs.f_type != CGROUP2_MAGIC) {
		fprintf(stderr, "%s is not a cgroup v2 mount\n", CGROUP2_ROOT);
		return -1;
	}
	find_orig_cgroup();
	snprintf(cg_path, sizeof(cg_path), "%s/evbpf-attach-%d", CGROUP2_ROOT, getpid());
	if (mkdir(cg_path, 0755) != 0) {
		fprintf(stderr, "mkdir %s: %s\n", cg_path, strerror(errno));
		return -1;
	}
	cg_fd = open(cg_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return cg_fd >= 0 ? 0 : -1;
}

static int group_teardown(void **st)
{
	(void)st;
	leave_cgroup();
	if (cg_fd >= 0)
		close(cg_fd);
	if (cg_path[0] && rmdir(cg_path) != 0) {
		fprintf(stderr, "rmdir %s: %s\n", cg_path, strerror(errno));
		return -1;
	}
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

	leave_cgroup();
	evbpf_link_destroy(s->link);
	evbpf_object_close(s->obj);
	assert_int_equal(fd_count(), s->fds_before);
	free(s);
	return 0;
}

/* Everything the hooks see, done from inside the cgroup. */
static void exercise(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct sockaddr_in from;
	socklen_t alen = sizeof(a);
	int rx, tx, l, c, v, fd;
	char buf[64];

	enter_cgroup();
	/* UDP: socket, bind, getsockname, sendto, recvfrom, connect,
	 * getpeername, socket options, close. */
	rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(rx >= 0 && tx >= 0);
	assert_int_equal(bind(rx, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(rx, (struct sockaddr *)&a, &alen), 0);
	assert_int_equal(sendto(tx, "hello", 5, 0, (struct sockaddr *)&a, sizeof(a)), 5);
	/* recvmsg4 runs only when the caller asks for the source address. */
	alen = sizeof(from);
	assert_int_equal(recvfrom(rx, buf, sizeof(buf), 0, (struct sockaddr *)&from, &alen), 5);
	assert_int_equal(connect(tx, (struct sockaddr *)&a, sizeof(a)), 0);
	alen = sizeof(a);
	assert_int_equal(getpeername(tx, (struct sockaddr *)&a, &alen), 0);
	v = 65536;
	assert_int_equal(setsockopt(tx, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)), 0);
	alen = sizeof(v);
	assert_int_equal(getsockopt(tx, SOL_SOCKET, SO_RCVBUF, &v, &alen), 0);
	close(tx);
	close(rx);

	/* TCP over loopback for sockops. */
	a.sin_port = 0;
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 1), 0);
	alen = sizeof(a);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &alen), 0);
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
	fd = accept(l, NULL, NULL);
	assert_true(fd >= 0);
	close(fd);
	close(c);
	close(l);

	/* A sysctl read and a device open. */
	fd = open("/proc/sys/net/ipv4/ip_forward", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_true(read(fd, buf, sizeof(buf)) > 0);
	close(fd);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	close(fd);
	leave_cgroup();
}

static uint64_t count(struct state *s, uint32_t idx)
{
	uint64_t v = 0;

	assert_ok(evbpf_map_lookup(evbpf_object_find_map(s->obj, "counts"), &idx, &v));
	return v;
}

static uint32_t attached_count(uint32_t attach_type)
{
	union bpf_attr attr;
	uint32_t ids[8];

	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)cg_fd;
	attr.query.attach_type = attach_type;
	attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
	attr.query.prog_cnt = 8;
	assert_int_equal(syscall(__NR_bpf, BPF_PROG_QUERY, &attr, sizeof(attr)), 0);
	return attr.query.prog_cnt;
}

static void load(struct state *s)
{
	assert_ok(evbpf_object_open_file(FIXTURE("attach_cgroup.bpf.o"), NULL, &s->obj));
	assert_ok(evbpf_object_load(s->obj));
}

static void check_hooks(struct state *s, int legacy)
{
	struct evbpf_cgroup_opts opts = {.sz = sizeof(opts), .legacy = legacy};
	const char *kind = "prog_attach";

	/* Without the legacy option: a link where the kernel has cgroup links
	 * (5.7), the BPF_PROG_ATTACH fallback where it does not. */
	if (!legacy) {
		int has = evbpf_probe_feature(EVBPF_FEATURE_CGROUP_LINK);

		if (has < 0)
			fail_msg("cannot probe cgroup links: %s", evbpf_errmsg());
		kind = has ? "bpf_link" : "prog_attach";
	}

	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		const struct hook *h = &hooks[i];
		struct evbpf_program *p = evbpf_object_find_program(s->obj, h->prog);
		uint64_t n;

		assert_non_null(p);
		assert_int_equal(count(s, h->idx), 0);
		assert_ok(evbpf_program_attach_cgroup_opts(p, cg_fd, &opts, &s->link));
		assert_string_equal(evbpf_link_kind(s->link), kind);
		assert_int_equal(attached_count(h->attach_type), 1);
		exercise();
		n = count(s, h->idx);
		if (n == 0)
			fail_msg("hook %s did not fire", h->prog);
		assert_ok(evbpf_link_destroy(s->link));
		s->link = NULL;
		assert_int_equal(attached_count(h->attach_type), 0);
		exercise();
		assert_int_equal(count(s, h->idx), n);
	}
}

static void test_every_hook_link(void **st)
{
	struct state *s = *st;

	REQUIRE_KERNEL();
	load(s);
	check_hooks(s, 0);
}

static void test_every_hook_prog_attach(void **st)
{
	struct state *s = *st;

	REQUIRE_KERNEL();
	load(s);
	check_hooks(s, 1);
}

static void test_errors(void **st)
{
	struct state *s = *st;
	struct evbpf_cgroup_opts opts = {.sz = sizeof(opts)};
	struct evbpf_program *any, *ingress;
	int err;

	REQUIRE_KERNEL();
	load(s);
	any = evbpf_object_find_program(s->obj, "cg_skb_any");
	ingress = evbpf_object_find_program(s->obj, "cg_skb_ingress");
	/* cgroup/skb has no direction: say so, and accept one in opts. */
	assert_int_equal(evbpf_program_attach_cgroup(any, cg_fd, &s->link), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "cgroup_skb/ingress"));
	assert_null(s->link);
	opts.set_attach_type = 1;
	opts.attach_type = BPF_CGROUP_INET_INGRESS;
	assert_ok(evbpf_program_attach_cgroup_opts(any, cg_fd, &opts, &s->link));
	assert_int_equal(attached_count(BPF_CGROUP_INET_INGRESS), 1);
	assert_ok(evbpf_link_destroy(s->link));
	s->link = NULL;
	/* The section cannot say which cgroup. */
	assert_int_equal(evbpf_program_attach(ingress, &s->link), -ENOTSUP);
	assert_non_null(strstr(evbpf_errmsg(), "evbpf_program_attach_cgroup"));
	/* Not a cgroup: the kernel's errno, with a message. */
	err = evbpf_program_attach_cgroup(ingress, 0 /* stdin */, &s->link);
	assert_true(err < 0);
	assert_null(s->link);
	assert_non_null(strstr(evbpf_errmsg(), "cg_skb_ingress"));
	assert_int_equal(attached_count(BPF_CGROUP_INET_INGRESS), 0);
}

static void test_link_outlives_object(void **st)
{
	struct state *s = *st;
	struct evbpf_program *p;

	REQUIRE_FEATURE(EVBPF_FEATURE_CGROUP_LINK); /* BPF_LINK_DETACH needs a link */
	load(s);
	p = evbpf_object_find_program(s->obj, "cg_sock_create");
	assert_ok(evbpf_program_attach_cgroup(p, cg_fd, &s->link));
	/* Closing the object detaches nothing the caller still holds. */
	evbpf_object_close(s->obj);
	s->obj = NULL;
	assert_int_equal(attached_count(BPF_CGROUP_INET_SOCK_CREATE), 1);
	/* BPF_LINK_DETACH undoes it while the link object still exists. */
	assert_ok(evbpf_link_detach(s->link));
	assert_int_equal(attached_count(BPF_CGROUP_INET_SOCK_CREATE), 0);
	assert_ok(evbpf_link_destroy(s->link));
	s->link = NULL;
	assert_int_equal(attached_count(BPF_CGROUP_INET_SOCK_CREATE), 0);
	/* Links that are not BPF links cannot be detached that way. */
	load(s);
	p = evbpf_object_find_program(s->obj, "cg_sock_create");
	assert_ok(evbpf_program_attach_cgroup_opts(
	    p, cg_fd,
	    &(struct evbpf_cgroup_opts){.sz = sizeof(struct evbpf_cgroup_opts), .legacy = 1},
	    &s->link));
	assert_int_equal(evbpf_link_detach(s->link), -ENOTSUP);
	assert_non_null(strstr(evbpf_errmsg(), "not a BPF link"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_every_hook_link, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_every_hook_prog_attach, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_link_outlives_object, setup, teardown),
	};

	return RUN_TESTS(tests, group_setup, group_teardown);
}
