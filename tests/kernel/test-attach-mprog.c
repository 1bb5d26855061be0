/* SPDX-License-Identifier: MIT */
/*
 * Ordered hooks and netfilter against the real kernel, each in a network
 * namespace of the test's own (lo up, nothing else): TCX programs placed
 * before and after programs and links (by fd and by id), checked with
 * BPF_PROG_QUERY and by the order in which they stamp a packet; the
 * hook's revision guarding an attach (-ESTALE); a program attached with
 * BPF_PROG_ATTACH replaced in place; netkit programs on a netkit device
 * (created over rtnetlink) on its primary and peer lists; a netfilter
 * program counting the packets of LOCAL_IN until its link goes.
 */
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "common.h"

#define TCX_INGRESS       46
#define NETKIT_PRIMARY    54
#define NETKIT_PEER       55
#define NFPROTO_IPV4_     2
#define NF_INET_LOCAL_IN_ 1

static void private_netns(void)
{
	struct ifreq ifr;
	int s;

	if (unshare(CLONE_NEWNET))
		fail_msg("unshare(CLONE_NEWNET): %s", strerror(errno));
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(s >= 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	ifr.ifr_flags = IFF_UP;
	assert_int_equal(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
}

/* Load only the named programs of mprog.bpf.o (the others may be of
 * types this kernel lacks). */
static struct evbpf_object *load(struct obj_state *s, const char *const *names, size_t n)
{
	struct evbpf_program *p = NULL;

	assert_ok(evbpf_object_open_file(FIXTURE("mprog.bpf.o"), NULL, &s->obj));
	while ((p = evbpf_object_next_program(s->obj, p))) {
		int want = 0;

		for (size_t i = 0; i < n; i++)
			want |= !strcmp(evbpf_program_name(p), names[i]);
		assert_ok(evbpf_program_set_autoload(p, want));
	}
	assert_ok(evbpf_object_load(s->obj));
	return s->obj;
}

static struct evbpf_program *prog(struct obj_state *s, const char *name)
{
	struct evbpf_program *p = evbpf_object_find_program(s->obj, name);

	assert_non_null(p);
	return p;
}

/* The kernel's id of a program or link fd: bpf_prog_info and
 * bpf_link_info both start with the type and the id. */
static uint32_t obj_id(int fd)
{
	uint32_t info[32] = {0};
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (uint64_t)(uintptr_t)info;
	assert_int_equal(syscall(__NR_bpf, BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr)), 0);
	return info[1];
}

static void send_udp(int n)
{
	struct sockaddr_in addr = {.sin_family = AF_INET};
	socklen_t alen = sizeof(addr);
	int rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	char c = 'x';

	assert_true(rx >= 0 && tx >= 0);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(rx, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(getsockname(rx, (struct sockaddr *)&addr, &alen), 0);
	for (int i = 0; i < n; i++) {
		assert_int_equal(sendto(tx, &c, 1, 0, (struct sockaddr *)&addr, sizeof(addr)), 1);
		assert_int_equal(recv(rx, &c, 1, 0), 1);
	}
	close(rx);
	close(tx);
}

static void expect_order(int ifindex, uint32_t attach_type, const uint32_t *progs,
                         const uint32_t *links, uint32_t n, uint64_t *revision)
{
	uint32_t ids[8] = {0}, lids[8] = {0}, cnt = 8;

	assert_ok(evbpf_tcx_query(ifindex, attach_type, ids, lids, &cnt, revision));
	assert_int_equal(cnt, n);
	for (uint32_t i = 0; i < n; i++) {
		assert_int_equal(ids[i], progs[i]);
		if (links)
			assert_int_equal(lids[i], links[i]);
	}
}

static void test_tcx_before_after(void **st)
{
	static const char *const names[] = {"tcx_a", "tcx_b", "tcx_c", "tcx_d"};
	struct obj_state *s = *st;
	struct evbpf_link *la = NULL, *lb = NULL, *lc = NULL, *ld = NULL;
	struct evbpf_program *a, *b, *c, *d;
	uint64_t rev = 0, ran[4];
	int lo;

	REQUIRE_FEATURE(EVBPF_FEATURE_TCX);
	private_netns();
	lo = (int)if_nametoindex("lo");
	load(s, names, 4);
	a = prog(s, "tcx_a");
	b = prog(s, "tcx_b");
	c = prog(s, "tcx_c");
	d = prog(s, "tcx_d");

	assert_ok(evbpf_program_attach_tc(a, lo, EVBPF_TC_INGRESS, NULL, &la));
	/* b before the program a, by its fd. */
	struct evbpf_tc_opts ob = {
	    .sz = sizeof(ob), .flags = EVBPF_TC_F_BEFORE, .relative_fd = evbpf_program_fd(a)};
	assert_ok(evbpf_program_attach_tc(b, lo, EVBPF_TC_INGRESS, &ob, &lb));
	/* c after a's link, by the link's fd. */
	struct evbpf_tc_opts oc = {.sz = sizeof(oc),
	                           .flags = EVBPF_TC_F_AFTER | EVBPF_TC_F_LINK,
	                           .relative_fd = evbpf_link_fd(la)};
	assert_ok(evbpf_program_attach_tc(c, lo, EVBPF_TC_INGRESS, &oc, &lc));
	expect_order(lo, TCX_INGRESS,
	             (uint32_t[]){obj_id(evbpf_program_fd(b)), obj_id(evbpf_program_fd(a)),
	                          obj_id(evbpf_program_fd(c))},
	             (uint32_t[]){obj_id(evbpf_link_fd(lb)), obj_id(evbpf_link_fd(la)),
	                          obj_id(evbpf_link_fd(lc))},
	             3, &rev);
	assert_true(rev > 0);

	/* d before c's link, by the link's id: refused while the caller's
	 * idea of the list is stale, accepted with the current revision. */
	struct evbpf_tc_opts od = {.sz = sizeof(od),
	                           .flags = EVBPF_TC_F_BEFORE | EVBPF_TC_F_LINK | EVBPF_TC_F_ID,
	                           .relative_id = obj_id(evbpf_link_fd(lc)),
	                           .expected_revision = rev - 1};
	assert_int_equal(evbpf_program_attach_tc(d, lo, EVBPF_TC_INGRESS, &od, &ld), -ESTALE);
	assert_non_null(strstr(evbpf_errmsg(), "revision"));
	assert_null(ld);
	od.expected_revision = rev;
	assert_ok(evbpf_program_attach_tc(d, lo, EVBPF_TC_INGRESS, &od, &ld));
	expect_order(lo, TCX_INGRESS,
	             (uint32_t[]){obj_id(evbpf_program_fd(b)), obj_id(evbpf_program_fd(a)),
	                          obj_id(evbpf_program_fd(d)), obj_id(evbpf_program_fd(c))},
	             NULL, 4, NULL);

	/* And a packet runs them in that order. */
	send_udp(1);
	assert_ok(evbpf_object_get_global(s->obj, "ran", ran, sizeof(ran)));
	assert_true(ran[1] > 0);
	assert_true(ran[1] < ran[0] && ran[0] < ran[3] && ran[3] < ran[2]);

	evbpf_link_destroy(la);
	evbpf_link_destroy(lb);
	evbpf_link_destroy(lc);
	evbpf_link_destroy(ld);
	expect_order(lo, TCX_INGRESS, NULL, NULL, 0, NULL);
}

static void test_tcx_replace_and_bad_options(void **st)
{
	static const char *const names[] = {"tcx_a", "tcx_b"};
	struct obj_state *s = *st;
	struct evbpf_link *link = NULL, *la = NULL;
	struct evbpf_program *a, *b;
	union bpf_attr attr;
	int lo;

	REQUIRE_FEATURE(EVBPF_FEATURE_TCX);
	private_netns();
	lo = (int)if_nametoindex("lo");
	load(s, names, 2);
	a = prog(s, "tcx_a");
	b = prog(s, "tcx_b");

	/* a attached the old way, with BPF_PROG_ATTACH ... */
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)lo;
	attr.attach_bpf_fd = (uint32_t)evbpf_program_fd(a);
	attr.attach_type = TCX_INGRESS;
	assert_int_equal(syscall(__NR_bpf, BPF_PROG_ATTACH, &attr, sizeof(attr)), 0);
	/* ... and b put in its place. */
	struct evbpf_tc_opts o = {.sz = sizeof(o), .replace_prog_fd = evbpf_program_fd(a)};
	assert_ok(evbpf_program_attach_tc(b, lo, EVBPF_TC_INGRESS, &o, &link));
	assert_string_equal(evbpf_link_kind(link), "prog_attach");
	expect_order(lo, TCX_INGRESS, (uint32_t[]){obj_id(evbpf_program_fd(b))}, (uint32_t[]){0}, 1,
	             NULL);
	/* Replacing what is not there says so. */
	assert_int_equal(evbpf_program_attach_tc(a, lo, EVBPF_TC_INGRESS, &o, &la), -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), "not attached"));
	assert_ok(evbpf_link_destroy(link));
	expect_order(lo, TCX_INGRESS, NULL, NULL, 0, NULL);

	struct evbpf_tc_opts bad = {.sz = sizeof(bad),
	                            .flags = EVBPF_TC_F_BEFORE | EVBPF_TC_F_AFTER};
	assert_int_equal(evbpf_program_attach_tc(a, lo, EVBPF_TC_INGRESS, &bad, &la), -EINVAL);
	bad.flags = 1U << 30;
	assert_int_equal(evbpf_program_attach_tc(a, lo, EVBPF_TC_INGRESS, &bad, &la), -EINVAL);
	struct evbpf_tc_opts legacy = {
	    .sz = sizeof(legacy), .legacy = 1, .flags = EVBPF_TC_F_BEFORE};
	assert_int_equal(evbpf_program_attach_tc(a, lo, EVBPF_TC_INGRESS, &legacy, &la),
	                 -EOPNOTSUPP);
	assert_non_null(strstr(evbpf_errmsg(), "TCX"));
	/* An options struct from an older header (no ordering fields)
	 * still attaches, appended. */
	struct evbpf_tc_opts old = {.sz = offsetof(struct evbpf_tc_opts, flags),
	                            .flags = EVBPF_TC_F_BEFORE | EVBPF_TC_F_AFTER};
	assert_ok(evbpf_program_attach_tc(a, lo, EVBPF_TC_INGRESS, &old, &la));
	assert_ok(evbpf_link_destroy(la));
}

/* A netkit pair, primary "evnk0", through rtnetlink (iproute2 may be
 * older than netkit): its ifindex. */
static int make_netkit(void)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		char attrs[128];
	} req;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	char reply[512];
	struct rtattr *info, *rta;
	int fd, n;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_type = RTM_NEWLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
	req.ifi.ifi_family = AF_UNSPEC;
	rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
	rta->rta_type = IFLA_IFNAME;
	rta->rta_len = RTA_LENGTH(6);
	memcpy(RTA_DATA(rta), "evnk0", 6);
	req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
	info = (struct rtattr *)((char *)&req + req.nh.nlmsg_len);
	info->rta_type = IFLA_LINKINFO;
	rta = (struct rtattr *)RTA_DATA(info);
	rta->rta_type = IFLA_INFO_KIND;
	rta->rta_len = RTA_LENGTH(7);
	memcpy(RTA_DATA(rta), "netkit", 7);
	info->rta_len = RTA_LENGTH(RTA_ALIGN(rta->rta_len));
	req.nh.nlmsg_len += RTA_ALIGN(info->rta_len);

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	assert_true(fd >= 0);
	assert_int_equal(sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)),
	                 (int)req.nh.nlmsg_len);
	n = (int)recv(fd, reply, sizeof(reply), 0);
	close(fd);
	assert_true(n >= (int)NLMSG_LENGTH(sizeof(struct nlmsgerr)));
	assert_int_equal(((struct nlmsgerr *)NLMSG_DATA(reply))->error, 0);
	return (int)if_nametoindex("evnk0");
}

static void test_netkit(void **st)
{
	static const char *const names[] = {"nk_primary", "nk_peer", "tcx_a"};
	struct obj_state *s = *st;
	struct evbpf_link *lp = NULL, *lq = NULL, *lt = NULL, *bad = NULL;
	struct evbpf_program *p, *q, *t;
	int nk;

	REQUIRE_FEATURE(EVBPF_FEATURE_NETKIT);
	private_netns();
	nk = make_netkit();
	assert_true(nk > 0);
	load(s, names, 3);
	p = prog(s, "nk_primary");
	q = prog(s, "nk_peer");
	t = prog(s, "tcx_a");

	/* A netkit program is not a TCX program. */
	assert_int_equal(evbpf_program_attach_tc(p, nk, EVBPF_TC_INGRESS, NULL, &bad), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "evbpf_program_attach_netkit"));
	assert_int_equal(evbpf_program_attach(p, &bad), -ENOTSUP);
	assert_non_null(strstr(evbpf_errmsg(), "evbpf_program_attach_netkit"));

	assert_ok(evbpf_program_attach_netkit(p, nk, NULL, &lp));
	assert_ok(evbpf_program_attach_netkit(q, nk, NULL, &lq));
	assert_string_equal(evbpf_link_kind(lp), "bpf_link");
	/* Another tc program on the peer side, first in line. */
	struct evbpf_netkit_opts o = {.sz = sizeof(o), .peer = 1, .flags = EVBPF_TC_F_BEFORE};
	assert_ok(evbpf_program_attach_netkit(t, nk, &o, &lt));
	expect_order(nk, NETKIT_PRIMARY, (uint32_t[]){obj_id(evbpf_program_fd(p))}, NULL, 1, NULL);
	expect_order(nk, NETKIT_PEER,
	             (uint32_t[]){obj_id(evbpf_program_fd(t)), obj_id(evbpf_program_fd(q))},
	             (uint32_t[]){obj_id(evbpf_link_fd(lt)), obj_id(evbpf_link_fd(lq))}, 2, NULL);
	/* lo is no netkit device. */
	assert_true(evbpf_program_attach_netkit(t, 1, NULL, &bad) < 0);
	assert_null(bad);
	evbpf_link_destroy(lt);
	evbpf_link_destroy(lq);
	evbpf_link_destroy(lp);
	expect_order(nk, NETKIT_PEER, NULL, NULL, 0, NULL);
}

static void test_netfilter(void **st)
{
	static const char *const names[] = {"nf_count"};
	struct obj_state *s = *st;
	struct evbpf_link *link = NULL, *bad = NULL;
	struct evbpf_program *p;
	uint64_t n = 0, m = 0;

	REQUIRE_FEATURE(EVBPF_FEATURE_NETFILTER_LINK);
	private_netns();
	load(s, names, 1);
	p = prog(s, "nf_count");

	assert_int_equal(evbpf_program_attach(p, &bad), -ENOTSUP);
	assert_non_null(strstr(evbpf_errmsg(), "evbpf_program_attach_netfilter"));
	assert_int_equal(evbpf_program_attach_netfilter(p, 0, NF_INET_LOCAL_IN_, 100, 0, &bad),
	                 -EAFNOSUPPORT);
	assert_non_null(strstr(evbpf_errmsg(), "NFPROTO_IPV4"));
	assert_int_equal(
	    evbpf_program_attach_netfilter(p, NFPROTO_IPV4_, NF_INET_LOCAL_IN_, 100, 1U << 7, &bad),
	    -EINVAL);
	assert_null(bad);

	assert_ok(
	    evbpf_program_attach_netfilter(p, NFPROTO_IPV4_, NF_INET_LOCAL_IN_, 100, 0, &link));
	assert_string_equal(evbpf_link_kind(link), "bpf_link");
	assert_non_null(strstr(evbpf_link_description(link), "netfilter"));
	send_udp(3);
	assert_ok(evbpf_object_get_global(s->obj, "nf_packets", &n, sizeof(n)));
	assert_int_equal(n, 3);
	assert_ok(evbpf_link_destroy(link));
	send_udp(2);
	assert_ok(evbpf_object_get_global(s->obj, "nf_packets", &m, sizeof(m)));
	assert_int_equal(m, n);
}

static void test_wrong_program_types(void **st)
{
	static const char *const names[] = {"tcx_a"};
	struct obj_state *s = *st;
	struct evbpf_link *bad = NULL;

	REQUIRE_KERNEL();
	load(s, names, 1);
	assert_int_equal(
	    evbpf_program_attach_netfilter(prog(s, "tcx_a"), NFPROTO_IPV4_, 1, 100, 0, &bad),
	    -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "netfilter program"));
	assert_int_equal(evbpf_program_attach_netkit(prog(s, "tcx_a"), 0, NULL, &bad), -EINVAL);
	assert_int_equal(evbpf_program_attach_netkit(prog(s, "nk_peer"), 1, NULL, &bad), -ENOENT);
	assert_int_equal(evbpf_tcx_query(0, TCX_INGRESS, NULL, NULL, NULL, NULL), -EINVAL);
	assert_null(bad);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_tcx_before_after, obj_state_setup,
	                                    obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_tcx_replace_and_bad_options, obj_state_setup,
	                                    obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_netkit, obj_state_setup, obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_netfilter, obj_state_setup, obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_program_types, obj_state_setup,
	                                    obj_state_teardown),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
