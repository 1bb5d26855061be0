/* SPDX-License-Identifier: MIT */
/*
 * Ordered attachment points and netfilter hooks:
 *
 *  - TCX (Linux 6.6) and netkit (6.7) keep an ordered list of programs per
 *    hook (the kernel's "mprog" lists). A new program goes first, last,
 *    or before or after another program or link, named by fd or by id,
 *    and the attach can be made conditional on the list's revision, which
 *    the kernel bumps on every change (BPF_PROG_QUERY reports it). The
 *    position and revision travel in BPF_LINK_CREATE's tcx/netkit part.
 *  - Replacing a program in place is BPF_PROG_ATTACH with BPF_F_REPLACE
 *    (links are replaced with BPF_LINK_UPDATE instead).
 *  - Netfilter links (Linux 6.4) put a program on a netfilter hook of the
 *    caller's network namespace, with a priority among the hook's other
 *    functions.
 *
 * The system's <linux/bpf.h> may predate these fields, so the parts of
 * union bpf_attr they live in are written by offset (the UAPI layout,
 * which never changes): link_create's attach-type-specific union starts
 * at byte 16, and so do BPF_PROG_ATTACH's replace/relative fields.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define BPF_F_REPLACE_           (1U << 2)
#define NETKIT_PEER_             55
#define ATTR_AT(attr, off, type) ((type *)((uint8_t *)(attr) + (off)))

/* link_create (BPF_LINK_CREATE) */
#define LC_TCX_RELATIVE 16 /* u32 relative_fd / relative_id */
#define LC_TCX_REVISION 24 /* u64 expected_revision */
#define LC_NF_PF        16
#define LC_NF_HOOKNUM   20
#define LC_NF_PRIORITY  24
#define LC_NF_FLAGS     28
/* BPF_PROG_ATTACH / BPF_PROG_DETACH / BPF_PROG_QUERY */
#define PA_REPLACE_FD 16
#define PA_RELATIVE   20
#define PA_REVISION   24
#define PQ_PROG_IDS   16
#define PQ_PROG_CNT   24
#define PQ_LINK_IDS   40
#define PQ_REVISION   56

static const uint32_t position_flags =
    EVBPF_TC_F_BEFORE | EVBPF_TC_F_AFTER | EVBPF_TC_F_ID | EVBPF_TC_F_LINK;

struct mprog_pos {
	uint32_t flags;
	uint32_t relative; /* fd or id */
	uint64_t expected_revision;
};

/* The position part of evbpf_tc_opts (what the caller's sz covers). */
int evbpf__tc_opts_position(const struct evbpf_program *prog, const struct evbpf_tc_opts *opts,
                            uint32_t *flags, uint32_t *relative, uint64_t *revision,
                            int *replace_fd)
{
	*flags = 0;
	*relative = 0;
	*revision = 0;
	*replace_fd = -1;
	if (!EVBPF_OPTS_HAS(opts, struct evbpf_tc_opts, flags))
		return 0;
	*flags = opts->flags;
	if (*flags & ~position_flags)
		return evbpf__err(-EINVAL, "prog '%s': attach_tc: unknown flags %#x", prog->name,
		                  *flags & ~position_flags);
	if ((*flags & EVBPF_TC_F_BEFORE) && (*flags & EVBPF_TC_F_AFTER))
		return evbpf__err(-EINVAL, "prog '%s': attach_tc: both BEFORE and AFTER",
		                  prog->name);
	if (EVBPF_OPTS_HAS(opts, struct evbpf_tc_opts, relative_fd))
		*relative = (uint32_t)opts->relative_fd;
	if ((*flags & EVBPF_TC_F_ID) && EVBPF_OPTS_HAS(opts, struct evbpf_tc_opts, relative_id))
		*relative = opts->relative_id;
	if (EVBPF_OPTS_HAS(opts, struct evbpf_tc_opts, expected_revision))
		*revision = opts->expected_revision;
	if (EVBPF_OPTS_HAS(opts, struct evbpf_tc_opts, replace_prog_fd) &&
	    opts->replace_prog_fd > 0)
		*replace_fd = opts->replace_prog_fd;
	return 0;
}

static const char *mprog_hint(int err)
{
	switch (err) {
	case -ESTALE:
		return " (the hook's revision is not the expected one: the list changed)";
	case -ENOENT:
		return " (the relative program or link is not on this hook)";
	case -EEXIST:
		return " (the program is on this hook already)";
	case -ERANGE:
		return " (the hook holds the most programs it can)";
	case -EBADF:
		return " (the relative fd is not open)";
	default:
		return "";
	}
}

/* BPF_LINK_CREATE on an mprog hook; the link fd or -errno (no message). */
static int mprog_link(struct evbpf_program *prog, int ifindex, uint32_t attach_type,
                      const struct mprog_pos *pos, const char *desc, struct evbpf_link **linkp)
{
	union bpf_attr extra;

	memset(&extra, 0, sizeof(extra));
	*ATTR_AT(&extra.link_create, LC_TCX_RELATIVE, uint32_t) = pos->relative;
	memcpy(ATTR_AT(&extra.link_create, LC_TCX_REVISION, uint64_t), &pos->expected_revision,
	       sizeof(uint64_t));
	return evbpf__attach_link(prog, ifindex, attach_type, pos->flags, &extra, desc, linkp);
}

int evbpf__tcx_attach_link(struct evbpf_program *prog, int ifindex, uint32_t attach_type,
                           uint32_t flags, uint32_t relative, uint64_t revision, const char *desc,
                           struct evbpf_link **linkp)
{
	struct mprog_pos pos = {flags, relative, revision};

	return mprog_link(prog, ifindex, attach_type, &pos, desc, linkp);
}

const char *evbpf__mprog_hint(int err)
{
	return mprog_hint(err);
}

static int mprog_prog_detach(struct evbpf_link *link)
{
	union bpf_attr attr;
	int err;

	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)link->ifindex; /* target_ifindex */
	attr.attach_bpf_fd = (uint32_t)link->prog_fd;
	attr.attach_type = link->attach_type;
	err = evbpf__bpf(BPF_PROG_DETACH, &attr, sizeof(attr));
	return err == -ENOENT || err == -ENODEV ? 0 : err; /* gone with the device */
}

/* BPF_PROG_ATTACH with BPF_F_REPLACE: prog takes replace_fd's place. */
int evbpf__tcx_replace(struct evbpf_program *prog, int ifindex, uint32_t attach_type,
                       uint32_t flags, uint32_t relative, uint64_t revision, int replace_fd,
                       const char *desc, struct evbpf_link **linkp)
{
	struct evbpf_link *link;
	union bpf_attr attr;
	int err;

	link = evbpf__link_alloc("prog_attach", "prog '%s' on %s (replacing prog fd %d)",
	                         prog->name, desc, replace_fd);
	if (!link)
		return -ENOMEM;
	link->ifindex = ifindex;
	link->attach_type = attach_type;
	link->prog_fd = evbpf__dup_fd(prog->fd);
	if (link->prog_fd < 0) {
		err = link->prog_fd;
		evbpf_link_destroy(link);
		return err;
	}
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)ifindex;
	attr.attach_bpf_fd = (uint32_t)prog->fd;
	attr.attach_type = attach_type;
	attr.attach_flags = flags | BPF_F_REPLACE_;
	*ATTR_AT(&attr, PA_REPLACE_FD, uint32_t) = (uint32_t)replace_fd;
	*ATTR_AT(&attr, PA_RELATIVE, uint32_t) = relative;
	memcpy(ATTR_AT(&attr, PA_REVISION, uint64_t), &revision, sizeof(revision));
	err = evbpf__bpf(BPF_PROG_ATTACH, &attr, sizeof(attr));
	if (err) {
		evbpf_link_destroy(link);
		return evbpf__err(
		    err, "prog '%s': BPF_PROG_ATTACH replacing prog fd %d on %s: %s%s", prog->name,
		    replace_fd, desc, evbpf_strerror(err),
		    err == -ENOENT ? " (that program is not attached there)" : mprog_hint(err));
	}
	link->detach = mprog_prog_detach;
	*linkp = link;
	return 0;
}

EVBPF_API int evbpf_tcx_query(int ifindex, uint32_t attach_type, uint32_t *prog_ids,
                              uint32_t *link_ids, uint32_t *count, uint64_t *revision)
{
	union bpf_attr attr;
	int err;

	if (ifindex <= 0 || !count || (*count && !prog_ids))
		return evbpf__err(-EINVAL, "tcx query: bad argument");
	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)ifindex;
	attr.query.attach_type = attach_type;
	*ATTR_AT(&attr, PQ_PROG_IDS, uint64_t) = (uint64_t)(uintptr_t)prog_ids;
	*ATTR_AT(&attr, PQ_PROG_CNT, uint32_t) = *count;
	*ATTR_AT(&attr, PQ_LINK_IDS, uint64_t) = (uint64_t)(uintptr_t)link_ids;
	err = evbpf__bpf(BPF_PROG_QUERY, &attr, sizeof(attr));
	if (err)
		return evbpf__err(err, "tcx query: ifindex %d, attach type %u: BPF_PROG_QUERY: %s",
		                  ifindex, attach_type, evbpf_strerror(err));
	*count = *ATTR_AT(&attr, PQ_PROG_CNT, uint32_t);
	if (revision)
		memcpy(revision, ATTR_AT(&attr, PQ_REVISION, uint64_t), sizeof(*revision));
	return 0;
}

/* ------------------------------------------------------------ netkit */

EVBPF_API int evbpf_program_attach_netkit(struct evbpf_program *prog, int ifindex,
                                          const struct evbpf_netkit_opts *opts,
                                          struct evbpf_link **linkp)
{
	struct mprog_pos pos = {0};
	uint32_t attach_type;
	bool peer;
	char desc[64];
	int err;

	err = evbpf__attach_check(prog, linkp, "attach_netkit");
	if (err)
		return err;
	if (ifindex <= 0)
		return evbpf__err(-EINVAL, "prog '%s': attach_netkit: bad ifindex %d", prog->name,
		                  ifindex);
	if (prog->prog_type != BPF_PROG_TYPE_SCHED_CLS)
		return evbpf__err(-EINVAL,
		                  "prog '%s': attach_netkit needs a tc (sched_cls) "
		                  "program, not %s",
		                  prog->name, evbpf_prog_type_name(prog->prog_type));
	if (opts && opts->sz < sizeof(size_t))
		return evbpf__err(-EINVAL, "prog '%s': attach_netkit: opts->sz is not set",
		                  prog->name);
	peer = EVBPF_OPTS_HAS(opts, struct evbpf_netkit_opts, peer) && opts->peer;
	if (prog->expected_attach_type == EVBPF_BPF_NETKIT_PRIMARY ||
	    prog->expected_attach_type == NETKIT_PEER_)
		peer = prog->expected_attach_type == NETKIT_PEER_;
	attach_type = peer ? NETKIT_PEER_ : EVBPF_BPF_NETKIT_PRIMARY;
	if (EVBPF_OPTS_HAS(opts, struct evbpf_netkit_opts, flags))
		pos.flags = opts->flags;
	if (pos.flags & ~position_flags)
		return evbpf__err(-EINVAL, "prog '%s': attach_netkit: unknown flags %#x",
		                  prog->name, pos.flags & ~position_flags);
	if (EVBPF_OPTS_HAS(opts, struct evbpf_netkit_opts, relative_fd))
		pos.relative = (uint32_t)opts->relative_fd;
	if ((pos.flags & EVBPF_TC_F_ID) &&
	    EVBPF_OPTS_HAS(opts, struct evbpf_netkit_opts, relative_id))
		pos.relative = opts->relative_id;
	if (EVBPF_OPTS_HAS(opts, struct evbpf_netkit_opts, expected_revision))
		pos.expected_revision = opts->expected_revision;
	snprintf(desc, sizeof(desc), "netkit %s of ifindex %d", peer ? "peer" : "primary", ifindex);
	err = mprog_link(prog, ifindex, attach_type, &pos, desc, linkp);
	if (!err)
		return 0;
	return evbpf__err(
	    err, "prog '%s': BPF_LINK_CREATE for %s: %s%s", prog->name, desc, evbpf_strerror(err),
	    err == -ENXIO    ? " (not a netkit device)"
	    : err == -EACCES ? " (not the primary device of the netkit pair)"
	    : err == -EINVAL ? " (this kernel may lack netkit: Linux 6.7, CONFIG_NETKIT)"
	    : err == -ENODEV ? " (no such interface)"
	                     : mprog_hint(err));
}

/* --------------------------------------------------------- netfilter */

EVBPF_API int evbpf_program_attach_netfilter(struct evbpf_program *prog, uint32_t pf,
                                             uint32_t hooknum, int32_t priority, uint32_t flags,
                                             struct evbpf_link **linkp)
{
	union bpf_attr extra;
	char desc[96];
	int err;

	err = evbpf__attach_check(prog, linkp, "attach_netfilter");
	if (err)
		return err;
	if (prog->prog_type != EVBPF_BPF_PROG_TYPE_NETFILTER)
		return evbpf__err(-EINVAL,
		                  "prog '%s': attach_netfilter needs a netfilter program "
		                  "(SEC(\"netfilter\")), not %s",
		                  prog->name, evbpf_prog_type_name(prog->prog_type));
	if (flags & ~EVBPF_NETFILTER_IP_DEFRAG)
		return evbpf__err(-EINVAL, "prog '%s': attach_netfilter: unknown flags %#x",
		                  prog->name, flags);
	memset(&extra, 0, sizeof(extra));
	*ATTR_AT(&extra.link_create, LC_NF_PF, uint32_t) = pf;
	*ATTR_AT(&extra.link_create, LC_NF_HOOKNUM, uint32_t) = hooknum;
	*ATTR_AT(&extra.link_create, LC_NF_PRIORITY, int32_t) = priority;
	*ATTR_AT(&extra.link_create, LC_NF_FLAGS, uint32_t) = flags;
	snprintf(desc, sizeof(desc), "netfilter pf %u hook %u priority %d%s", pf, hooknum, priority,
	         flags ? " defrag" : "");
	/* The kernel's flags for BPF_NETFILTER are in the netfilter part;
	 * link_create.flags itself must be 0. */
	err = evbpf__attach_link(prog, 0, EVBPF_BPF_NETFILTER, 0, &extra, desc, linkp);
	if (!err)
		return 0;
	return evbpf__err(err, "prog '%s': BPF_LINK_CREATE for %s: %s%s", prog->name, desc,
	                  evbpf_strerror(err),
	                  err == -EAFNOSUPPORT ? " (pf must be NFPROTO_IPV4 or NFPROTO_IPV6)"
	                  : err == -EPROTO     ? " (bad hook number)"
	                  : err == -ERANGE     ? " (priority out of range, or at a reserved "
	                                         "value next to defragmentation or conntrack)"
	                  : err == -EBUSY      ? " (another hook function has this priority)"
	                  : err == -EOPNOTSUPP ? " (the defrag module is missing)"
	                  : err == -EINVAL     ? " (this kernel may lack netfilter links: "
	                                         "Linux 6.4, CONFIG_NETFILTER_BPF_LINK; or flags "
	                                         "it does not know)"
	                                       : "");
}
