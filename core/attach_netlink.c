/* SPDX-License-Identifier: MIT */
/*
 * rtnetlink, only as much as XDP and tc need on kernels that predate XDP
 * links (5.9) and TCX links (6.6): RTM_SETLINK with IFLA_XDP, the clsact
 * qdisc, and cls_bpf filters in direct-action mode.
 *
 * One request per socket, synchronous: send, then read until the ACK (an
 * NLMSG_ERROR with error 0) or an error, whose extended-ACK text, when the
 * kernel provides one, goes into the message.
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "internal.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef TC_H_CLSACT
#define TC_H_CLSACT TC_H_INGRESS
#endif
#ifndef XDP_FLAGS_REPLACE
#define XDP_FLAGS_REPLACE (1U << 4)
#endif
#ifndef IFLA_XDP_EXPECTED_FD
#define IFLA_XDP_EXPECTED_FD 8
#endif

struct nl_req {
	struct nlmsghdr h;
	union {
		struct ifinfomsg ifi;
		struct tcmsg tc;
	};
	char attrs[512];
};

static int nla_put(struct nl_req *r, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));
	size_t need = NLA_HDRLEN + NLA_ALIGN(len);

	if (NLMSG_ALIGN(r->h.nlmsg_len) + need > sizeof(*r))
		return -E2BIG;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	r->h.nlmsg_len = (uint32_t)(NLMSG_ALIGN(r->h.nlmsg_len) + need);
	return 0;
}

static struct nlattr *nla_nest(struct nl_req *r, uint16_t type)
{
	struct nlattr *a = (struct nlattr *)((char *)r + NLMSG_ALIGN(r->h.nlmsg_len));

	if (nla_put(r, type | NLA_F_NESTED, NULL, 0))
		return NULL;
	return a;
}

static void nla_nest_end(struct nl_req *r, struct nlattr *a)
{
	a->nla_len = (uint16_t)((char *)r + r->h.nlmsg_len - (char *)a);
}

/* The extended ACK's text after an error, if any. */
static const char *ext_ack_msg(const struct nlmsghdr *h)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	size_t off = sizeof(*e), len = h->nlmsg_len - NLMSG_HDRLEN;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN; /* the echoed request */
	while (off + NLA_HDRLEN <= len) {
		const struct nlattr *a = (const struct nlattr *)((const char *)e + off);

		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > len)
			break;
		if (a->nla_type == NLMSGERR_ATTR_MSG && a->nla_len > NLA_HDRLEN &&
		    memchr((const char *)a + NLA_HDRLEN, '\0', a->nla_len - NLA_HDRLEN))
			return (const char *)a + NLA_HDRLEN;
		off += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

static int nl_talk(struct nl_req *r, const char *what)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	char buf[8192] __attribute__((aligned(4)));
	int one = 1, sock, err = -EPROTO;
	ssize_t n;

	sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (sock < 0)
		return evbpf__err(-errno, "%s: netlink socket: %s", what, evbpf_strerror(-errno));
	setsockopt(sock, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	r->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	r->h.nlmsg_seq = 1;
	if (sendto(sock, r, r->h.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = evbpf__err(-errno, "%s: netlink send: %s", what, evbpf_strerror(-errno));
		goto out;
	}
	for (;;) {
		n = recv(sock, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = evbpf__err(-errno, "%s: netlink receive: %s", what,
			                 evbpf_strerror(-errno));
			goto out;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			const struct nlmsgerr *e;
			const char *msg;

			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
				err = evbpf__err(-EPROTO, "%s: short netlink error message", what);
				goto out;
			}
			e = NLMSG_DATA(h);
			err = e->error;
			if (err) {
				msg = ext_ack_msg(h);
				evbpf__err(err, "%s: %s%s%s", what, evbpf_strerror(err),
				           msg ? ": " : "", msg ? msg : "");
			}
			goto out;
		}
	}
out:
	close(sock);
	return err;
}

int evbpf__nl_xdp_set(int ifindex, int prog_fd, int expected_fd, uint32_t flags)
{
	struct nl_req r;
	struct nlattr *nest;
	int32_t fd = prog_fd;
	int err;

	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	r.h.nlmsg_type = RTM_SETLINK;
	r.ifi.ifi_family = AF_UNSPEC;
	r.ifi.ifi_index = ifindex;
	nest = nla_nest(&r, IFLA_XDP);
	if (!nest)
		return -E2BIG;
	if (expected_fd >= 0) {
		int32_t efd = expected_fd;

		flags |= XDP_FLAGS_REPLACE;
		err = nla_put(&r, IFLA_XDP_EXPECTED_FD, &efd, sizeof(efd));
		if (err)
			return err;
	}
	if (nla_put(&r, IFLA_XDP_FD, &fd, sizeof(fd)) ||
	    nla_put(&r, IFLA_XDP_FLAGS, &flags, sizeof(flags)))
		return -E2BIG;
	nla_nest_end(&r, nest);
	return nl_talk(&r, prog_fd >= 0 ? "XDP attach (netlink)" : "XDP detach (netlink)");
}

static void tc_msg(struct nl_req *r, uint16_t type, uint16_t flags, int ifindex)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg));
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = flags;
	r->tc.tcm_family = AF_UNSPEC;
	r->tc.tcm_ifindex = ifindex;
}

/* create: add a clsact qdisc (returns -EEXIST if one is there); otherwise
 * delete it. */
int evbpf__nl_tc_qdisc_clsact(int ifindex, bool create)
{
	struct nl_req r;

	tc_msg(&r, create ? RTM_NEWQDISC : RTM_DELQDISC, create ? NLM_F_CREATE | NLM_F_EXCL : 0,
	       ifindex);
	r.tc.tcm_parent = TC_H_CLSACT;
	r.tc.tcm_handle = TC_H_MAKE(TC_H_CLSACT, 0);
	if (nla_put(&r, TCA_KIND, "clsact", sizeof("clsact")))
		return -E2BIG;
	return nl_talk(&r, create ? "tc: adding the clsact qdisc"
	                          : "tc: removing the clsact "
	                            "qdisc");
}

int evbpf__nl_tc_filter(int ifindex, bool add, uint32_t parent, uint32_t info, uint32_t handle,
                        int prog_fd, const char *name)
{
	struct nlattr *nest;
	struct nl_req r;
	uint32_t fd = (uint32_t)prog_fd, flags = TCA_BPF_FLAG_ACT_DIRECT;

	tc_msg(&r, add ? RTM_NEWTFILTER : RTM_DELTFILTER, add ? NLM_F_CREATE | NLM_F_EXCL : 0,
	       ifindex);
	r.tc.tcm_parent = parent;
	r.tc.tcm_info = info;
	r.tc.tcm_handle = handle;
	if (nla_put(&r, TCA_KIND, "bpf", sizeof("bpf")))
		return -E2BIG;
	if (add) {
		nest = nla_nest(&r, TCA_OPTIONS);
		if (!nest || nla_put(&r, TCA_BPF_FD, &fd, sizeof(fd)) ||
		    nla_put(&r, TCA_BPF_NAME, name, strlen(name) + 1) ||
		    nla_put(&r, TCA_BPF_FLAGS, &flags, sizeof(flags)))
			return -E2BIG;
		nla_nest_end(&r, nest);
	}
	return nl_talk(&r, add ? "tc: adding the cls_bpf filter"
	                       : "tc: removing the cls_bpf "
	                         "filter");
}
