/* SPDX-License-Identifier: MIT */
/*
 * Networking attachments: XDP and tc on an interface, socket filters and
 * reuseport programs on a socket, sk_msg/sk_skb on a sockmap or sockhash,
 * sk_lookup and flow_dissector on a network namespace.
 *
 * XDP and tc prefer BPF links (XDP links since 5.9, TCX since 6.6): they
 * detach on close and cannot silently replace another user's program. On
 * kernels without them the netlink fallbacks attach without replacing
 * anything (XDP_FLAGS_UPDATE_IF_NOEXIST, NLM_F_EXCL), and detach only what
 * they attached (XDP_FLAGS_REPLACE with the expected fd, the filter's own
 * priority and handle).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/pkt_sched.h>

#include "internal.h"

#ifndef SO_ATTACH_BPF
#define SO_ATTACH_BPF 50
#endif
#ifndef SO_DETACH_BPF
#define SO_DETACH_BPF 27
#endif
#ifndef SO_ATTACH_REUSEPORT_EBPF
#define SO_ATTACH_REUSEPORT_EBPF 52
#endif
#ifndef SO_DETACH_REUSEPORT_BPF
#define SO_DETACH_REUSEPORT_BPF 68
#endif
#ifndef TC_H_CLSACT
#define TC_H_CLSACT TC_H_INGRESS
#endif
#ifndef TC_H_MIN_INGRESS
#define TC_H_MIN_INGRESS 0xFFF2U
#define TC_H_MIN_EGRESS  0xFFF3U
#endif

static bool no_link_support(int err)
{
	return err == -EINVAL || err == -EOPNOTSUPP || err == -ENOTSUP;
}

/* ------------------------------------------------------------------ XDP */

static int xdp_nl_detach(struct evbpf_link *link)
{
	int err = evbpf__nl_xdp_set(link->ifindex, -1, link->prog_fd, link->nl_flags);

	/* Before 5.7 the kernel has no XDP_FLAGS_REPLACE: detach plainly. */
	if (err == -EINVAL)
		err = evbpf__nl_xdp_set(link->ifindex, -1, -1, link->nl_flags);
	return err;
}

EVBPF_API int evbpf_program_attach_xdp(struct evbpf_program *prog, int ifindex, uint32_t flags,
                                       struct evbpf_link **linkp)
{
	uint32_t mode = flags & (XDP_FLAGS_SKB_MODE | XDP_FLAGS_DRV_MODE | XDP_FLAGS_HW_MODE);
	struct evbpf_link *link;
	char desc[64];
	int err;

	err = evbpf__attach_check(prog, linkp, "attach_xdp");
	if (err)
		return err;
	if (ifindex <= 0)
		return evbpf__err(-EINVAL, "prog '%s': attach_xdp: bad ifindex %d", prog->name,
		                  ifindex);
	if (flags & ~(mode | XDP_FLAGS_UPDATE_IF_NOEXIST | EVBPF_XDP_NETLINK))
		return evbpf__err(-EINVAL, "prog '%s': attach_xdp: unknown flags %#x", prog->name,
		                  flags);
	snprintf(desc, sizeof(desc), "XDP on ifindex %d", ifindex);
	if (!(flags & EVBPF_XDP_NETLINK)) {
		err = evbpf__attach_link(prog, ifindex, BPF_XDP, mode, NULL, desc, linkp);
		if (!err)
			return 0;
		if (!no_link_support(err))
			return evbpf__err(err, "prog '%s': BPF_LINK_CREATE for %s: %s%s",
			                  prog->name, desc, evbpf_strerror(err),
			                  err == -EBUSY    ? " (another XDP program is attached)"
			                  : err == -ENODEV ? " (no such interface)"
			                                   : "");
		evbpf__debug("prog '%s': no XDP links (%s), using netlink", prog->name,
		             evbpf_strerror(err));
	}
	link = evbpf__link_alloc("netlink_xdp", "prog '%s' on %s", prog->name, desc);
	if (!link)
		return -ENOMEM;
	link->ifindex = ifindex;
	link->nl_flags = mode;
	link->prog_fd = evbpf__dup_fd(prog->fd);
	if (link->prog_fd < 0) {
		err = link->prog_fd;
		evbpf_link_destroy(link);
		return err;
	}
	err = evbpf__nl_xdp_set(ifindex, prog->fd, -1, mode | XDP_FLAGS_UPDATE_IF_NOEXIST);
	if (err) {
		char detail[512];

		snprintf(detail, sizeof(detail), "%s", evbpf_errmsg());
		evbpf_link_destroy(link);
		return evbpf__err(err, "prog '%s': %s: %s", prog->name, desc, detail);
	}
	link->detach = xdp_nl_detach;
	*linkp = link;
	return 0;
}

/* ------------------------------------------------------------------- tc */

static int tc_nl_detach(struct evbpf_link *link)
{
	int err = evbpf__nl_tc_filter(link->ifindex, false, link->tc_parent, link->tc_info,
	                              link->tc_handle, -1, NULL);

	if (err == -ENODEV || err == -EINVAL || err == -ENOENT)
		err = 0; /* the interface or qdisc went away with the filter */
	if (link->tc_made_qdisc)
		evbpf__nl_tc_qdisc_clsact(link->ifindex, false);
	return err;
}

static int tc_attach_netlink(struct evbpf_program *prog, int ifindex, bool egress,
                             uint32_t priority, uint32_t handle, const char *desc,
                             struct evbpf_link **linkp)
{
	struct evbpf_link *link;
	int err;

	link = evbpf__link_alloc("netlink_tc", "prog '%s' on %s", prog->name, desc);
	if (!link)
		return -ENOMEM;
	link->ifindex = ifindex;
	link->tc_parent = TC_H_MAKE(TC_H_CLSACT, egress ? TC_H_MIN_EGRESS : TC_H_MIN_INGRESS);
	link->tc_info = TC_H_MAKE(priority << 16, htons(ETH_P_ALL));
	link->tc_handle = handle;
	err = evbpf__nl_tc_qdisc_clsact(ifindex, true);
	if (err && err != -EEXIST)
		goto err;
	link->tc_made_qdisc = err == 0;
	err = evbpf__nl_tc_filter(ifindex, true, link->tc_parent, link->tc_info, handle, prog->fd,
	                          prog->name);
	if (err)
		goto err;
	link->detach = tc_nl_detach;
	*linkp = link;
	return 0;
err : {
	char detail[512];

	snprintf(detail, sizeof(detail), "%s", evbpf_errmsg());
	if (link->tc_made_qdisc)
		evbpf__nl_tc_qdisc_clsact(ifindex, false);
	evbpf_link_destroy(link);
	return evbpf__err(err, "prog '%s': %s: %s", prog->name, desc, detail);
}
}

EVBPF_API int evbpf_program_attach_tc(struct evbpf_program *prog, int ifindex,
                                      enum evbpf_tc_hook hook, const struct evbpf_tc_opts *opts,
                                      struct evbpf_link **linkp)
{
	uint32_t priority = 1, handle = 1, flags, relative, attach_type;
	bool legacy = false, egress = hook == EVBPF_TC_EGRESS;
	uint64_t revision;
	int replace_fd;
	char desc[64];
	int err;

	err = evbpf__attach_check(prog, linkp, "attach_tc");
	if (err)
		return err;
	if (ifindex <= 0 || (hook != EVBPF_TC_INGRESS && hook != EVBPF_TC_EGRESS))
		return evbpf__err(-EINVAL, "prog '%s': attach_tc: bad ifindex %d or hook %d",
		                  prog->name, ifindex, (int)hook);
	if (prog->prog_type != BPF_PROG_TYPE_SCHED_CLS)
		return evbpf__err(-EINVAL,
		                  "prog '%s': attach_tc needs a tc (sched_cls) program, "
		                  "not %s",
		                  prog->name, evbpf_prog_type_name(prog->prog_type));
	if (prog->expected_attach_type == EVBPF_BPF_NETKIT_PRIMARY ||
	    prog->expected_attach_type == EVBPF_BPF_NETKIT_PRIMARY + 1)
		return evbpf__err(-EINVAL,
		                  "prog '%s' (section '%s') is a netkit program: attach it "
		                  "to a netkit device with evbpf_program_attach_netkit()",
		                  prog->name, prog->sec_name);
	if (opts && opts->sz < sizeof(size_t))
		return evbpf__err(-EINVAL, "prog '%s': attach_tc: opts->sz is not set", prog->name);
	err = evbpf__tc_opts_position(prog, opts, &flags, &relative, &revision, &replace_fd);
	if (err)
		return err;
	if (opts && opts->sz >= offsetof(struct evbpf_tc_opts, legacy) + sizeof(opts->legacy)) {
		if (opts->priority)
			priority = opts->priority;
		if (opts->handle)
			handle = opts->handle;
		legacy = opts->legacy != 0;
	}
	if (priority > 0xffff)
		return evbpf__err(-EINVAL, "prog '%s': attach_tc: priority %u is above 65535",
		                  prog->name, priority);
	snprintf(desc, sizeof(desc), "tc %s on ifindex %d", egress ? "egress" : "ingress", ifindex);
	attach_type = egress ? EVBPF_BPF_TCX_EGRESS : EVBPF_BPF_TCX_INGRESS;
	if (replace_fd >= 0 && !legacy)
		return evbpf__tcx_replace(prog, ifindex, attach_type, flags, relative, revision,
		                          replace_fd, desc, linkp);
	if (!legacy) {
		err = evbpf__tcx_attach_link(prog, ifindex, attach_type, flags, relative, revision,
		                             desc, linkp);
		if (!err)
			return 0;
		/* With a position the kernel's EINVAL may be about it (a
		 * relative program of another type): no quiet fallback then. */
		if (!no_link_support(err) || ((flags || revision) && evbpf_probe_feature(EVBPF_FEATURE_TCX) == 1))
			return evbpf__err(err, "prog '%s': BPF_LINK_CREATE (TCX) for %s: %s%s",
			                  prog->name, desc, evbpf_strerror(err),
			                  evbpf__mprog_hint(err));
		evbpf__debug("prog '%s': no TCX links (%s), using cls_bpf over netlink", prog->name,
		             evbpf_strerror(err));
	}
	if (flags || revision || replace_fd >= 0)
		return evbpf__err(-EOPNOTSUPP,
		                  "prog '%s': %s: ordering (before/after/replace/expected "
		                  "revision) needs TCX (Linux 6.6), not the cls_bpf fallback",
		                  prog->name, desc);
	return tc_attach_netlink(prog, ifindex, egress, priority, handle, desc, linkp);
}

/* -------------------------------------------------------------- sockets */

static int sockopt_detach(struct evbpf_link *link)
{
	int dummy = 0, opt = link->attach_type;

	if (setsockopt(link->target_fd, SOL_SOCKET, opt, &dummy, sizeof(dummy)) < 0 &&
	    errno != ENOENT)
		return -errno;
	return 0;
}

static int attach_sockopt(struct evbpf_program *prog, int sock_fd, int attach_opt, int detach_opt,
                          const char *what, struct evbpf_link **linkp)
{
	struct evbpf_link *link;
	int err;

	err = evbpf__attach_check(prog, linkp, what);
	if (err)
		return err;
	link = evbpf__link_alloc("socket", "prog '%s' on socket fd %d", prog->name, sock_fd);
	if (!link)
		return -ENOMEM;
	/* The link holds the socket so that detaching later reaches the same
	 * socket even if the caller's fd number was closed and reused. */
	link->target_fd = evbpf__dup_fd(sock_fd);
	if (link->target_fd < 0) {
		err = link->target_fd;
		evbpf_link_destroy(link);
		return evbpf__err(err, "prog '%s': %s: fd %d: %s", prog->name, what, sock_fd,
		                  evbpf_strerror(err));
	}
	if (setsockopt(sock_fd, SOL_SOCKET, attach_opt, &prog->fd, sizeof(prog->fd)) < 0) {
		err = -errno;
		evbpf_link_destroy(link);
		return evbpf__err(err, "prog '%s': %s on fd %d: setsockopt: %s", prog->name, what,
		                  sock_fd, evbpf_strerror(err));
	}
	link->attach_type = (uint32_t)detach_opt;
	link->detach = sockopt_detach;
	*linkp = link;
	return 0;
}

EVBPF_API int evbpf_program_attach_socket(struct evbpf_program *prog, int sock_fd,
                                          struct evbpf_link **linkp)
{
	return attach_sockopt(prog, sock_fd, SO_ATTACH_BPF, SO_DETACH_BPF, "attach_socket", linkp);
}

EVBPF_API int evbpf_program_attach_reuseport(struct evbpf_program *prog, int sock_fd,
                                             struct evbpf_link **linkp)
{
	return attach_sockopt(prog, sock_fd, SO_ATTACH_REUSEPORT_EBPF, SO_DETACH_REUSEPORT_BPF,
	                      "attach_reuseport", linkp);
}

/* ------------------------------------------------------ sockmap, netns */

EVBPF_API int evbpf_program_attach_sockmap(struct evbpf_program *prog, int map_fd,
                                           struct evbpf_link **linkp)
{
	char desc[64];
	int err;

	err = evbpf__attach_check(prog, linkp, "attach_sockmap");
	if (err)
		return err;
	if (prog->prog_type != BPF_PROG_TYPE_SK_MSG && prog->prog_type != BPF_PROG_TYPE_SK_SKB)
		return evbpf__err(-EINVAL,
		                  "prog '%s': attach_sockmap needs an sk_msg or sk_skb "
		                  "program, not %s",
		                  prog->name, evbpf_prog_type_name(prog->prog_type));
	if (!prog->expected_attach_type)
		return evbpf__err(-EINVAL,
		                  "prog '%s' (section '%s'): which sk_skb hook? use "
		                  "sk_skb/stream_parser, sk_skb/stream_verdict or "
		                  "sk_skb/verdict",
		                  prog->name, prog->sec_name);
	snprintf(desc, sizeof(desc), "sockmap fd %d", map_fd);
	/* Sockmap links arrived in 6.10; BPF_PROG_ATTACH before that. */
	err = evbpf__attach_link(prog, map_fd, prog->expected_attach_type, 0, NULL, desc, linkp);
	if (!err)
		return 0;
	if (!no_link_support(err))
		return evbpf__err(err, "prog '%s': BPF_LINK_CREATE on %s: %s", prog->name, desc,
		                  evbpf_strerror(err));
	return evbpf__attach_legacy(prog, map_fd, prog->expected_attach_type, 0, desc, linkp);
}

EVBPF_API int evbpf_program_attach_netns(struct evbpf_program *prog, int netns_fd,
                                         struct evbpf_link **linkp)
{
	char desc[64];
	int err;

	err = evbpf__attach_check(prog, linkp, "attach_netns");
	if (err)
		return err;
	if (prog->prog_type != BPF_PROG_TYPE_SK_LOOKUP &&
	    prog->prog_type != BPF_PROG_TYPE_FLOW_DISSECTOR)
		return evbpf__err(-EINVAL,
		                  "prog '%s': attach_netns needs an sk_lookup or "
		                  "flow_dissector program, not %s",
		                  prog->name, evbpf_prog_type_name(prog->prog_type));
	snprintf(desc, sizeof(desc), "netns fd %d", netns_fd);
	err = evbpf__attach_link(prog, netns_fd, prog->expected_attach_type, 0, NULL, desc, linkp);
	if (!err)
		return 0;
	/* Flow dissectors attached with BPF_PROG_ATTACH before netns links
	 * (5.8); sk_lookup has only ever had links. */
	if (no_link_support(err) && prog->prog_type == BPF_PROG_TYPE_FLOW_DISSECTOR)
		return evbpf__attach_legacy(prog, netns_fd, BPF_FLOW_DISSECTOR, 0, desc, linkp);
	return evbpf__err(err, "prog '%s': BPF_LINK_CREATE on %s: %s", prog->name, desc,
	                  evbpf_strerror(err));
}
