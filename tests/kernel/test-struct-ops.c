/* SPDX-License-Identifier: MIT */
/*
 * struct_ops against the real kernel: tests/bpf/struct_ops.bpf.c holds a
 * TCP congestion control in a .struct_ops.link map and another in a plain
 * .struct_ops map. Each is registered, a TCP connection over loopback in
 * a network namespace of the test's own picks it with
 * setsockopt(TCP_CONGESTION), getsockopt says it is in use, data flows,
 * and the callbacks' counters prove the BPF programs ran. Destroying the
 * last link unregisters it: setsockopt then fails with ENOENT.
 */
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include "common.h"
#include "internal.h"

#define F_LINK (1U << 13)

/* A network namespace of our own with lo up: the sockets of the test
 * stay out of the host's. The congestion controls are global anyway. */
static int private_netns(void)
{
	struct ifreq ifr;
	int s;

	if (unshare(CLONE_NEWNET))
		return -errno;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	ifr.ifr_flags = IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr)) {
		close(s);
		return -errno;
	}
	close(s);
	return 0;
}

static void require(void)
{
	int err;

	REQUIRE_FEATURE(EVBPF_FEATURE_STRUCT_OPS);
	err = private_netns();
	if (err)
		fail_msg("a network namespace with lo up: %s", strerror(-err));
}

static struct evbpf_object *load(struct obj_state *s)
{
	require();
	assert_ok(evbpf_object_open_file(FIXTURE("struct_ops.bpf.o"), NULL, &s->obj));
	assert_ok(evbpf_object_load(s->obj));
	return s->obj;
}

static uint64_t counter(struct evbpf_object *obj, const char *name)
{
	uint64_t v = 0;

	assert_ok(evbpf_object_get_global(obj, name, &v, sizeof(v)));
	return v;
}

/*
 * A TCP connection over 127.0.0.1 whose client uses congestion control
 * cc: 0 when it could, -errno of setsockopt otherwise. 4 MiB go through
 * it so that ACKs reach the congestion control.
 */
static int tcp_with(const char *cc)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	socklen_t alen = sizeof(addr);
	static char buf[65536];
	char got[16] = "";
	socklen_t glen = sizeof(got);
	int lfd, cfd, afd, err = 0;
	size_t total = 0;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&addr, &alen), 0);
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(cfd >= 0);
	if (setsockopt(cfd, IPPROTO_TCP, TCP_CONGESTION, cc, (socklen_t)strlen(cc))) {
		err = -errno;
		goto out;
	}
	assert_int_equal(connect(cfd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	afd = accept(lfd, NULL, NULL);
	assert_true(afd >= 0);
	assert_int_equal(getsockopt(cfd, IPPROTO_TCP, TCP_CONGESTION, got, &glen), 0);
	assert_string_equal(got, cc);
	while (total < 4u << 20) {
		ssize_t n = send(cfd, buf, sizeof(buf), 0), m = 0;

		assert_true(n > 0);
		while (m < n) {
			ssize_t r = recv(afd, buf, sizeof(buf), 0);

			assert_true(r > 0);
			m += r;
		}
		total += (size_t)n;
	}
	close(afd);
out:
	close(cfd);
	close(lfd);
	return err;
}

/* Unregistration may finish a moment after the last fd closed (the
 * kernel frees links from a work item): wait up to two seconds. */
static int gone(const char *cc)
{
	for (int i = 0; i < 200; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), err = 0;

		if (setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, (socklen_t)strlen(cc)))
			err = errno;
		close(fd);
		if (err == ENOENT)
			return 1;
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
	}
	return 0;
}

/* The index of a member of the kernel's struct tcp_congestion_ops. */
static uint32_t kernel_member(const char *name)
{
	const struct evbpf_btf *vm;
	const struct btf_type *t;
	const struct btf_member *m;
	int id;

	assert_ok(evbpf__vmlinux_btf(&vm));
	id = evbpf__btf_find(vm, "tcp_congestion_ops", BTF_KIND_STRUCT);
	assert_true(id > 0);
	t = evbpf__btf_type(vm, (uint32_t)id);
	m = (const struct btf_member *)(t + 1);
	for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++)
		if (!strcmp(evbpf__btf_str(vm, m[i].name_off), name))
			return i;
	fail_msg("no member %s", name);
	return 0;
}

static void test_maps_and_programs(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_object *obj = load(s);
	struct evbpf_map *lm = evbpf_object_find_map(obj, "evbpf_cc_link");
	struct evbpf_map *pm = evbpf_object_find_map(obj, "evbpf_cc_map");
	struct evbpf_program *ss = evbpf_object_find_program(obj, "evbpf_ssthresh");
	struct evbpf_program *unused = evbpf_object_find_program(obj, "evbpf_unused");

	assert_non_null(lm);
	assert_non_null(pm);
	assert_int_equal(evbpf_map_type(lm), BPF_MAP_TYPE_STRUCT_OPS);
	assert_int_equal(evbpf_map_type(pm), BPF_MAP_TYPE_STRUCT_OPS);
	assert_true(evbpf_map_fd(lm) >= 0);
	assert_true(evbpf_map_fd(pm) >= 0);
	/* The value is the kernel's wrapper struct, bigger than ours. */
	assert_true(evbpf_map_value_size(lm) > 16 + 4 * 8);
	assert_int_equal(evbpf_map_value_size(lm), evbpf_map_value_size(pm));
	assert_int_equal(evbpf_map_flags(pm) & F_LINK, 0);
	/* Loaded as the member it implements: the kernel's index of
	 * ssthresh and cong_avoid, not their index in the object's struct. */
	assert_true(evbpf_program_fd(ss) >= 0);
	assert_int_equal(evbpf_program_type(ss), BPF_PROG_TYPE_STRUCT_OPS);
	assert_int_equal(evbpf_program_expected_attach_type(ss), kernel_member("ssthresh"));
	assert_int_equal(
	    evbpf_program_expected_attach_type(evbpf_object_find_program(obj, "evbpf_cong_avoid")),
	    kernel_member("cong_avoid"));
	assert_int_not_equal(kernel_member("cong_avoid"), 3);
	/* A program no struct uses is left out, and says why on its own. */
	assert_int_equal(evbpf_program_fd(unused), -ENOENT);
	assert_int_equal(evbpf_program_autoload(unused), 0);
	assert_int_equal(evbpf_program_load(unused), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "no .struct_ops variable"));
}

static void test_link_map_used_by_socket(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_object *obj = load(s);
	struct evbpf_map *lm = evbpf_object_find_map(obj, "evbpf_cc_link");
	struct evbpf_link *link = NULL;

	assert_int_equal(tcp_with("evbpf_cc_link"), -ENOENT);
	assert_ok(evbpf_map_attach_struct_ops(lm, &link));
	/* A BPF link where the kernel has struct_ops links (6.4), else the
	 * map was made plain and registers by its update. */
	assert_string_equal(evbpf_link_kind(link),
	                    evbpf_map_flags(lm) & F_LINK ? "bpf_link" : "struct_ops");
	assert_int_equal(evbpf_link_fd(link) >= 0, (evbpf_map_flags(lm) & F_LINK) != 0);
	assert_ok(tcp_with("evbpf_cc_link"));
	assert_true(counter(obj, "init_calls") >= 1);
	assert_true(counter(obj, "cong_avoid_calls") >= 1);
	assert_ok(evbpf_link_destroy(link));
	assert_true(gone("evbpf_cc_link"));
}

static void test_plain_map_registers_once(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_object *obj = load(s);
	struct evbpf_map *pm = evbpf_object_find_map(obj, "evbpf_cc_map");
	struct evbpf_link *link = NULL, *again = NULL;
	uint64_t before = counter(obj, "cong_avoid_calls");

	assert_ok(evbpf_map_attach_struct_ops(pm, &link));
	assert_string_equal(evbpf_link_kind(link), "struct_ops");
	assert_int_equal(evbpf_link_fd(link), -ENOENT);
	assert_ok(tcp_with("evbpf_cc_map"));
	/* No init member in this one: only the other callbacks ran. */
	assert_int_equal(counter(obj, "init_calls"), 0);
	assert_true(counter(obj, "cong_avoid_calls") > before);
	assert_ok(evbpf_link_destroy(link));
	assert_true(gone("evbpf_cc_map"));
	/* The kernel takes one value per plain map. */
	assert_int_equal(evbpf_map_attach_struct_ops(pm, &again), -EBUSY);
	assert_null(again);
	assert_non_null(strstr(evbpf_errmsg(), "evbpf_cc_map"));
}

/* Attaching by program (as `evbpf run` and skeletons do for each one)
 * shares one registration of the map among the links. */
static void test_program_attach_shares(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_object *obj = load(s);
	struct evbpf_link *a = NULL, *b = NULL, *c = NULL;

	assert_ok(evbpf_program_attach(evbpf_object_find_program(obj, "evbpf_init"), &a));
	assert_non_null(strstr(evbpf_link_description(a), "evbpf_cc_link"));
	assert_ok(evbpf_program_attach(evbpf_object_find_program(obj, "evbpf_init"), &b));
	assert_ok(evbpf_map_attach_struct_ops(evbpf_object_find_map(obj, "evbpf_cc_link"), &c));
	assert_ok(evbpf_link_destroy(a));
	assert_ok(evbpf_link_destroy(c));
	/* Still registered while b lives, even with the object closed. */
	evbpf_object_close(obj);
	s->obj = NULL;
	assert_ok(tcp_with("evbpf_cc_link"));
	assert_ok(evbpf_link_destroy(b));
	assert_true(gone("evbpf_cc_link"));
}

static void test_bad_arguments(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_link *link = NULL;
	struct evbpf_map *lm;

	require();
	assert_ok(evbpf_object_open_file(FIXTURE("struct_ops.bpf.o"), NULL, &s->obj));
	lm = evbpf_object_find_map(s->obj, "evbpf_cc_link");
	assert_non_null(lm);
	assert_int_equal(evbpf_map_attach_struct_ops(lm, &link), -ENOENT);
	assert_int_equal(evbpf_map_attach_struct_ops(NULL, &link), -EINVAL);
	assert_int_equal(evbpf_map_attach_struct_ops(lm, NULL), -EINVAL);
	assert_int_equal(evbpf_map_attach_struct_ops(evbpf_object_find_map(s->obj, ".bss"), &link),
	                 -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), ".struct_ops"));
	assert_null(link);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_maps_and_programs, obj_state_setup,
	                                    obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_link_map_used_by_socket, obj_state_setup,
	                                    obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_plain_map_registers_once, obj_state_setup,
	                                    obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_program_attach_shares, obj_state_setup,
	                                    obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_bad_arguments, obj_state_setup,
	                                    obj_state_teardown),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
