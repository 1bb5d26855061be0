/* SPDX-License-Identifier: MIT */
/*
 * Networking attachments against the real kernel, all inside network
 * namespaces this test creates and removes: XDP and tc (TCX links and the
 * netlink fallbacks) on a veth pair between namespaces A and B, socket
 * filters, sk_msg/sk_skb on a sockmap, sk_lookup, flow_dissector and
 * sk_reuseport. Traffic is UDP/TCP between local addresses only. Each
 * attach is checked to fire (counters in a map) and to stop after destroy.
 */
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include "common.h"

enum {
	C_XDP,
	C_TC_INGRESS,
	C_TC_EGRESS,
	C_SOCKET,
	C_SK_MSG,
	C_SK_SKB,
	C_SK_LOOKUP,
	C_REUSEPORT,
	C_FLOW,
	C_XDP2,
};

#define ADDR_A "10.251.0.1"
#define ADDR_B "10.251.0.2"

static char ns_a[64], ns_b[64];
static int orig_ns = -1, fd_a = -1, fd_b = -1, ifindex_a;

struct state {
	int fds_before;
	struct evbpf_object *obj;
	struct evbpf_link *links[3];
};

static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " >/dev/null 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	return system(cmd);
}

static int open_ns(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

static int group_teardown(void **st)
{
	(void)st;
	if (orig_ns >= 0) {
		setns(orig_ns, CLONE_NEWNET);
		close(orig_ns);
	}
	if (fd_a >= 0)
		close(fd_a);
	if (fd_b >= 0)
		close(fd_b);
	if (ns_a[0])
		sh("ip netns del %s", ns_a);
	if (ns_b[0])
		sh("ip netns del %s", ns_b);
	return 0;
}

static int group_setup(void **st)
{
	if (kernel_unavailable())
		return 0;
	snprintf(ns_a, sizeof(ns_a), "evbpf-a-%d", getpid());
	snprintf(ns_b, sizeof(ns_b), "evbpf-b-%d", getpid());
	orig_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig_ns < 0 || sh("ip netns add %s", ns_a) || sh("ip netns add %s", ns_b) ||
	    sh("ip -n %s link add v0 type veth peer name v1 netns %s", ns_a, ns_b) ||
	    sh("ip -n %s addr add " ADDR_A "/24 dev v0", ns_a) ||
	    sh("ip -n %s addr add " ADDR_B "/24 dev v1", ns_b) ||
	    sh("ip -n %s link set v0 up", ns_a) || sh("ip -n %s link set lo up", ns_a) ||
	    sh("ip -n %s link set v1 up", ns_b) || sh("ip -n %s link set lo up", ns_b)) {
		fprintf(stderr, "cannot build the test namespaces\n");
		group_teardown(st);
		return -1;
	}
	fd_a = open_ns(ns_a);
	fd_b = open_ns(ns_b);
	if (fd_a < 0 || fd_b < 0 || setns(fd_a, CLONE_NEWNET) != 0) {
		group_teardown(st);
		return -1;
	}
	ifindex_a = (int)if_nametoindex("v0");
	return ifindex_a > 0 ? 0 : -1;
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

	for (int i = 0; i < 3; i++)
		evbpf_link_destroy(s->links[i]);
	evbpf_object_close(s->obj);
	assert_int_equal(fd_count(), s->fds_before);
	free(s);
	return 0;
}

static struct evbpf_program *load(struct state *s, const char *name)
{
	struct evbpf_program *p;

	if (!s->obj) {
		assert_ok(evbpf_object_open_file(FIXTURE("attach_net.bpf.o"), NULL, &s->obj));
		assert_ok(evbpf_object_load(s->obj));
	}
	p = evbpf_object_find_program(s->obj, name);
	assert_non_null(p);
	return p;
}

static uint64_t count(struct state *s, uint32_t idx)
{
	uint64_t v = 0;

	assert_ok(evbpf_map_lookup(evbpf_object_find_map(s->obj, "counts"), &idx, &v));
	return v;
}

static void destroy(struct state *s, int i)
{
	assert_ok(evbpf_link_destroy(s->links[i]));
	s->links[i] = NULL;
}

static int udp_socket_in(int ns_fd)
{
	struct timeval tv = {.tv_sec = 2};
	int fd;

	assert_int_equal(setns(ns_fd, CLONE_NEWNET), 0);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_int_equal(setns(fd_a, CLONE_NEWNET), 0);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void set_addr(struct sockaddr_in *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	inet_pton(AF_INET, ip, &a->sin_addr);
}

/* n datagrams from namespace `from` to namespace `to` over the veth pair;
 * returns how many arrived. */
static int send_across(int from, int to, const char *to_ip, int n)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int tx = udp_socket_in(from), rx = udp_socket_in(to), got = 0;
	char buf[32];

	set_addr(&a, to_ip, 0);
	assert_int_equal(bind(rx, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(rx, (struct sockaddr *)&a, &alen), 0);
	for (int i = 0; i < n; i++) {
		assert_int_equal(sendto(tx, "ping", 4, 0, (struct sockaddr *)&a, sizeof(a)), 4);
		if (recv(rx, buf, sizeof(buf), 0) == 4)
			got++;
	}
	close(tx);
	close(rx);
	return got;
}

static void check_xdp(struct state *s, uint32_t flags, const char *kind)
{
	struct evbpf_program *p = load(s, "net_xdp");
	uint64_t n;

	assert_ok(evbpf_program_attach_xdp(p, ifindex_a, flags, &s->links[0]));
	assert_string_equal(evbpf_link_kind(s->links[0]), kind);
	/* A second XDP program on the same interface is refused. */
	assert_int_equal(evbpf_program_attach_xdp(p, ifindex_a, flags, &s->links[1]), -EBUSY);
	assert_null(s->links[1]);
	n = count(s, C_XDP);
	assert_int_equal(send_across(fd_b, fd_a, ADDR_A, 3), 3);
	assert_true(count(s, C_XDP) >= n + 3);
	destroy(s, 0);
	n = count(s, C_XDP);
	assert_int_equal(send_across(fd_b, fd_a, ADDR_A, 3), 3);
	assert_int_equal(count(s, C_XDP), n);
}

/* The mechanism a default attach uses on this kernel: a BPF link where the
 * probe finds the kind of link, else the fallback. */
static const char *expected_kind(enum evbpf_feature link, const char *fallback)
{
	int has = evbpf_probe_feature(link);

	if (has < 0)
		fail_msg("cannot probe %s: %s", evbpf_feature_name(link), evbpf_errmsg());
	return has ? "bpf_link" : fallback;
}

/* XDP links are Linux 5.9, older than every kernel we support. */
static void test_xdp_link(void **st)
{
	REQUIRE_KERNEL();
	check_xdp(*st, 0, "bpf_link");
	check_xdp(*st, EVBPF_XDP_SKB_MODE, "bpf_link");
}

static void test_xdp_link_update(void **st)
{
	struct state *s = *st;
	struct evbpf_program *p1, *p2;
	uint64_t n1, n2;

	REQUIRE_KERNEL();
	p1 = load(s, "net_xdp");
	p2 = load(s, "net_xdp2");
	assert_ok(evbpf_program_attach_xdp(p1, ifindex_a, 0, &s->links[0]));
	assert_int_equal(send_across(fd_b, fd_a, ADDR_A, 2), 2);
	n1 = count(s, C_XDP);
	assert_true(n1 >= 2);
	/* Swap the program in place: the second one sees the traffic now. */
	assert_ok(evbpf_link_update(s->links[0], p2));
	assert_int_equal(send_across(fd_b, fd_a, ADDR_A, 2), 2);
	n2 = count(s, C_XDP2);
	assert_true(n2 >= 2);
	assert_int_equal(count(s, C_XDP), n1);
	destroy(s, 0);
	assert_int_equal(send_across(fd_b, fd_a, ADDR_A, 2), 2);
	assert_int_equal(count(s, C_XDP2), n2);
	/* A netlink attachment is not a BPF link. */
	assert_ok(evbpf_program_attach_xdp(p1, ifindex_a, EVBPF_XDP_NETLINK, &s->links[0]));
	assert_int_equal(evbpf_link_update(s->links[0], p2), -ENOTSUP);
	assert_non_null(strstr(evbpf_errmsg(), "not a BPF link"));
	destroy(s, 0);
}

static void test_xdp_netlink(void **st)
{
	REQUIRE_KERNEL();
	check_xdp(*st, EVBPF_XDP_NETLINK | EVBPF_XDP_SKB_MODE, "netlink_xdp");
	check_xdp(*st, EVBPF_XDP_NETLINK, "netlink_xdp");
}

static void test_xdp_errors(void **st)
{
	struct state *s = *st;
	struct evbpf_program *p;

	REQUIRE_KERNEL();
	p = load(s, "net_xdp");
	assert_int_equal(evbpf_program_attach_xdp(p, 0, 0, &s->links[0]), -EINVAL);
	assert_int_equal(evbpf_program_attach_xdp(p, 999999, 0, &s->links[0]), -ENODEV);
	assert_non_null(strstr(evbpf_errmsg(), "ifindex 999999"));
	assert_int_equal(evbpf_program_attach_xdp(p, ifindex_a, 1u << 20, &s->links[0]), -EINVAL);
	assert_int_equal(evbpf_program_attach(p, &s->links[0]), -ENOTSUP);
	assert_non_null(strstr(evbpf_errmsg(), "evbpf_program_attach_xdp"));
	/* A tc program is not an XDP program, and vice versa. */
	assert_int_equal(
	    evbpf_program_attach_tc(p, ifindex_a, EVBPF_TC_INGRESS, NULL, &s->links[0]), -EINVAL);
	assert_null(s->links[0]);
}

static void check_tc(struct state *s, int legacy, const char *kind)
{
	struct evbpf_tc_opts opts = {.sz = sizeof(opts), .legacy = legacy};
	struct evbpf_program *in = load(s, legacy ? "net_tc_any" : "net_tc_in");
	struct evbpf_program *out = load(s, "net_tc_out");
	uint64_t ni, ne;

	assert_ok(evbpf_program_attach_tc(in, ifindex_a, EVBPF_TC_INGRESS, &opts, &s->links[0]));
	assert_ok(evbpf_program_attach_tc(out, ifindex_a, EVBPF_TC_EGRESS, &opts, &s->links[1]));
	assert_string_equal(evbpf_link_kind(s->links[0]), kind);
	ni = count(s, C_TC_INGRESS);
	ne = count(s, C_TC_EGRESS);
	assert_int_equal(send_across(fd_b, fd_a, ADDR_A, 3), 3); /* into A: ingress */
	assert_int_equal(send_across(fd_a, fd_b, ADDR_B, 2), 2); /* out of A: egress */
	assert_true(count(s, C_TC_INGRESS) >= ni + 3);
	assert_true(count(s, C_TC_EGRESS) >= ne + 2);
	destroy(s, 0);
	destroy(s, 1);
	ni = count(s, C_TC_INGRESS);
	ne = count(s, C_TC_EGRESS);
	assert_int_equal(send_across(fd_b, fd_a, ADDR_A, 2), 2);
	assert_int_equal(send_across(fd_a, fd_b, ADDR_B, 2), 2);
	assert_int_equal(count(s, C_TC_INGRESS), ni);
	assert_int_equal(count(s, C_TC_EGRESS), ne);
}

/* The default attach: a TCX link from Linux 6.6, clsact + cls_bpf over
 * netlink before. */
static void test_tc_tcx(void **st)
{
	REQUIRE_KERNEL();
	check_tc(*st, 0, expected_kind(EVBPF_FEATURE_TCX, "netlink_tc"));
}

static void test_tc_netlink(void **st)
{
	REQUIRE_KERNEL();
	check_tc(*st, 1, "netlink_tc");
	/* The clsact qdisc this attach created is gone again. */
	assert_int_not_equal(sh("tc qdisc show dev v0 | grep -q clsact"), 0);
	/* And an existing one is left alone. */
	assert_int_equal(sh("tc qdisc add dev v0 clsact"), 0);
	check_tc(*st, 1, "netlink_tc");
	assert_int_equal(sh("tc qdisc show dev v0 | grep -q clsact"), 0);
	assert_int_equal(sh("tc qdisc del dev v0 clsact"), 0);
}

static void test_socket_filter(void **st)
{
	struct state *s = *st;
	struct evbpf_program *p;
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int rx, tx;
	char buf[16];

	REQUIRE_KERNEL();
	p = load(s, "net_socket");
	rx = udp_socket_in(fd_a);
	tx = udp_socket_in(fd_a);
	set_addr(&a, "127.0.0.1", 0);
	assert_int_equal(bind(rx, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(rx, (struct sockaddr *)&a, &alen), 0);
	assert_ok(evbpf_program_attach_socket(p, rx, &s->links[0]));
	assert_string_equal(evbpf_link_kind(s->links[0]), "socket");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sendto(tx, "abc", 3, 0, (struct sockaddr *)&a, sizeof(a)), 3);
		assert_int_equal(recv(rx, buf, sizeof(buf), 0), 3);
	}
	assert_int_equal(count(s, C_SOCKET), 3);
	destroy(s, 0);
	assert_int_equal(sendto(tx, "abc", 3, 0, (struct sockaddr *)&a, sizeof(a)), 3);
	assert_int_equal(recv(rx, buf, sizeof(buf), 0), 3);
	assert_int_equal(count(s, C_SOCKET), 3);
	/* Not a socket. */
	assert_true(evbpf_program_attach_socket(p, orig_ns, &s->links[0]) < 0);
	assert_non_null(strstr(evbpf_errmsg(), "net_socket"));
	close(rx);
	close(tx);
}

static void tcp_pair(int *client, int *server)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	set_addr(&a, "127.0.0.1", 0);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &alen), 0);
	*client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(*client, (struct sockaddr *)&a, sizeof(a)), 0);
	*server = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	assert_true(*server >= 0);
	close(l);
}

static void test_sockmap(void **st)
{
	struct state *s = *st;
	struct evbpf_program *msg, *skb;
	struct evbpf_map *socks;
	struct timeval tv = {.tv_sec = 2};
	uint32_t k0 = 0, k1 = 1, fd;
	const char *kind;
	int c, sv;
	char buf[16];

	REQUIRE_KERNEL();
	msg = load(s, "net_sk_msg");
	skb = load(s, "net_sk_skb");
	socks = evbpf_object_find_map(s->obj, "socks");
	assert_ok(evbpf_program_attach_sockmap(msg, evbpf_map_fd(socks), &s->links[0]));
	assert_ok(evbpf_program_attach_sockmap(skb, evbpf_map_fd(socks), &s->links[1]));
	/* Sockmap links are Linux 6.10; BPF_PROG_ATTACH to the map before. */
	kind = expected_kind(EVBPF_FEATURE_SOCKMAP_LINK, "prog_attach");
	assert_string_equal(evbpf_link_kind(s->links[0]), kind);
	assert_string_equal(evbpf_link_kind(s->links[1]), kind);
	tcp_pair(&c, &sv);
	setsockopt(sv, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	fd = (uint32_t)c;
	assert_ok(evbpf_map_update(socks, &k0, &fd, BPF_ANY));
	fd = (uint32_t)sv;
	assert_ok(evbpf_map_update(socks, &k1, &fd, BPF_ANY));
	assert_int_equal(send(c, "hello", 5, 0), 5);
	assert_int_equal(recv(sv, buf, sizeof(buf), 0), 5);
	assert_int_equal(count(s, C_SK_MSG), 1); /* the client's sendmsg */
	assert_int_equal(count(s, C_SK_SKB), 1); /* the server's receive */
	/* Detach; sockets added from now on run no program. */
	destroy(s, 0);
	destroy(s, 1);
	assert_ok(evbpf_map_delete(socks, &k0));
	assert_ok(evbpf_map_delete(socks, &k1));
	fd = (uint32_t)c;
	assert_ok(evbpf_map_update(socks, &k0, &fd, BPF_ANY));
	fd = (uint32_t)sv;
	assert_ok(evbpf_map_update(socks, &k1, &fd, BPF_ANY));
	assert_int_equal(send(c, "again", 5, 0), 5);
	assert_int_equal(recv(sv, buf, sizeof(buf), 0), 5);
	assert_int_equal(count(s, C_SK_MSG), 1);
	assert_int_equal(count(s, C_SK_SKB), 1);
	assert_ok(evbpf_map_delete(socks, &k0));
	assert_ok(evbpf_map_delete(socks, &k1));
	close(c);
	close(sv);
	/* An sk_skb program must say which hook. */
	assert_int_equal(
	    evbpf_program_attach_sockmap(load(s, "net_xdp"), evbpf_map_fd(socks), &s->links[0]),
	    -EINVAL);
}

/* Programs attached to namespace A at attach_type (BPF_PROG_QUERY). */
static uint32_t netns_attached(uint32_t attach_type)
{
	union bpf_attr attr;
	uint32_t ids[4];

	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)fd_a;
	attr.query.attach_type = attach_type;
	attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
	attr.query.prog_cnt = 4;
	assert_int_equal(syscall(__NR_bpf, BPF_PROG_QUERY, &attr, sizeof(attr)), 0);
	return attr.query.prog_cnt;
}

static void test_sk_lookup_and_flow_dissector(void **st)
{
	struct state *s = *st;
	struct evbpf_program *lookup, *flow;
	uint64_t n;
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int rx, tx;
	char buf[8];

	REQUIRE_KERNEL();
	lookup = load(s, "net_sk_lookup");
	flow = load(s, "net_flow");
	/* Namespace A only: the test's own namespace, not the host's. */
	assert_ok(evbpf_program_attach_netns(lookup, fd_a, &s->links[0]));
	assert_ok(evbpf_program_attach_netns(flow, fd_a, &s->links[1]));
	/* sk_lookup attaches only by link, flow dissectors by link from 5.8:
	 * both older than every kernel we support. */
	assert_string_equal(evbpf_link_kind(s->links[0]), "bpf_link");
	assert_string_equal(evbpf_link_kind(s->links[1]), "bpf_link");
	rx = udp_socket_in(fd_a);
	tx = udp_socket_in(fd_a);
	set_addr(&a, "127.0.0.1", 0);
	assert_int_equal(bind(rx, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(rx, (struct sockaddr *)&a, &alen), 0);
	assert_int_equal(sendto(tx, "x", 1, 0, (struct sockaddr *)&a, sizeof(a)), 1);
	assert_int_equal(recv(rx, buf, sizeof(buf), 0), 1);
	/* The kernel may look a datagram's socket up more than once. */
	n = count(s, C_SK_LOOKUP);
	assert_true(n >= 1);
	/* Traffic into A over the veth still flows with the dissector; the
	 * kernel reports both programs attached to namespace A. */
	assert_int_equal(send_across(fd_b, fd_a, ADDR_A, 2), 2);
	assert_int_equal(netns_attached(BPF_FLOW_DISSECTOR), 1);
	assert_int_equal(netns_attached(BPF_SK_LOOKUP), 1);
	destroy(s, 0);
	destroy(s, 1);
	n = count(s, C_SK_LOOKUP);
	assert_int_equal(sendto(tx, "x", 1, 0, (struct sockaddr *)&a, sizeof(a)), 1);
	assert_int_equal(recv(rx, buf, sizeof(buf), 0), 1);
	assert_int_equal(count(s, C_SK_LOOKUP), n);
	assert_int_equal(netns_attached(BPF_FLOW_DISSECTOR), 0);
	assert_int_equal(netns_attached(BPF_SK_LOOKUP), 0);
	close(rx);
	close(tx);
	assert_int_equal(evbpf_program_attach_netns(load(s, "net_xdp"), fd_a, &s->links[0]),
	                 -EINVAL);
}

static void test_reuseport(void **st)
{
	struct state *s = *st;
	struct evbpf_program *p;
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int r1, r2, tx, one = 1;
	char buf[8];

	REQUIRE_KERNEL();
	p = load(s, "net_reuseport");
	r1 = udp_socket_in(fd_a);
	r2 = udp_socket_in(fd_a);
	tx = udp_socket_in(fd_a);
	setsockopt(r1, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	setsockopt(r2, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	set_addr(&a, "127.0.0.1", 0);
	assert_int_equal(bind(r1, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(r1, (struct sockaddr *)&a, &alen), 0);
	assert_int_equal(bind(r2, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_ok(evbpf_program_attach_reuseport(p, r1, &s->links[0]));
	for (int i = 0; i < 2; i++)
		assert_int_equal(sendto(tx, "y", 1, 0, (struct sockaddr *)&a, sizeof(a)), 1);
	/* Each datagram reaches one of the two. */
	for (int i = 0; i < 2; i++) {
		int got = (int)recv(r1, buf, sizeof(buf), MSG_DONTWAIT);

		if (got != 1)
			got = (int)recv(r2, buf, sizeof(buf), 0);
		assert_int_equal(got, 1);
	}
	assert_int_equal(count(s, C_REUSEPORT), 2);
	destroy(s, 0);
	assert_int_equal(sendto(tx, "y", 1, 0, (struct sockaddr *)&a, sizeof(a)), 1);
	assert_int_equal(count(s, C_REUSEPORT), 2);
	close(r1);
	close(r2);
	close(tx);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_xdp_link, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_xdp_link_update, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_xdp_netlink, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_xdp_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tc_tcx, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tc_netlink, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_socket_filter, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sockmap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sk_lookup_and_flow_dissector, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reuseport, setup, teardown),
	};

	return RUN_TESTS(tests, group_setup, group_teardown);
}
