/* SPDX-License-Identifier: MIT */
/*
 * cgroup programs (skb, sock, sock_addr, sockopt, sysctl, device, sockops,
 * lsm_cgroup): a BPF link on the cgroup (Linux 5.7), which detaches when
 * its fd closes and cannot be removed by anyone else by accident; kernels
 * without cgroup links get BPF_PROG_ATTACH with BPF_F_ALLOW_MULTI, undone
 * by BPF_PROG_DETACH naming the same program.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static int prog_detach(struct evbpf_link *link)
{
	union bpf_attr attr;
	int err;

	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)link->target_fd;
	attr.attach_bpf_fd = (uint32_t)link->prog_fd;
	attr.attach_type = link->attach_type;
	err = evbpf__bpf(BPF_PROG_DETACH, &attr, sizeof(attr));
	return err == -ENOENT ? 0 : err; /* already gone (the target died) */
}

/* BPF_PROG_ATTACH to target_fd, with a link that detaches again. */
int evbpf__attach_legacy(struct evbpf_program *prog, int target_fd, uint32_t attach_type,
                         uint32_t flags, const char *desc, struct evbpf_link **linkp)
{
	struct evbpf_link *link;
	union bpf_attr attr;
	int err;

	link = evbpf__link_alloc("prog_attach", "prog '%s' on %s", prog->name, desc);
	if (!link)
		return -ENOMEM;
	link->attach_type = attach_type;
	link->prog_fd = evbpf__dup_fd(prog->fd);
	link->target_fd = evbpf__dup_fd(target_fd);
	if (link->prog_fd < 0 || link->target_fd < 0) {
		err = link->prog_fd < 0 ? link->prog_fd : link->target_fd;
		evbpf_link_destroy(link);
		return evbpf__err(err, "prog '%s': attaching to %s: dup: %s", prog->name, desc,
		                  evbpf_strerror(err));
	}
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)target_fd;
	attr.attach_bpf_fd = (uint32_t)prog->fd;
	attr.attach_type = attach_type;
	attr.attach_flags = flags;
	err = evbpf__bpf(BPF_PROG_ATTACH, &attr, sizeof(attr));
	if (err) {
		evbpf_link_destroy(link);
		return evbpf__err(err, "prog '%s': BPF_PROG_ATTACH to %s: %s", prog->name, desc,
		                  evbpf_strerror(err));
	}
	link->detach = prog_detach;
	*linkp = link;
	return 0;
}

/* A BPF link from BPF_LINK_CREATE, wrapped. */
int evbpf__attach_link(struct evbpf_program *prog, int target_fd, uint32_t attach_type,
                       uint32_t flags, union bpf_attr *extra, const char *desc,
                       struct evbpf_link **linkp)
{
	struct evbpf_link *link;
	int fd;

	fd = evbpf__link_create(prog->fd, target_fd, attach_type, flags, extra);
	if (fd < 0)
		return fd; /* callers decide on fallbacks and write the message */
	link = evbpf__link_alloc("bpf_link", "prog '%s' on %s", prog->name, desc);
	if (!link) {
		close(fd);
		return -ENOMEM;
	}
	link->fd = fd;
	link->attach_type = attach_type;
	*linkp = link;
	return 0;
}

EVBPF_API int evbpf_program_attach_cgroup_opts(struct evbpf_program *prog, int cgroup_fd,
                                               const struct evbpf_cgroup_opts *opts,
                                               struct evbpf_link **linkp)
{
	uint32_t at, flags = BPF_F_ALLOW_MULTI;
	bool legacy = false, known;
	char desc[64];
	int err;

	err = evbpf__attach_check(prog, linkp, "attach_cgroup");
	if (err)
		return err;
	if (cgroup_fd < 0)
		return evbpf__err(-EINVAL, "prog '%s': attach_cgroup: bad cgroup fd %d", prog->name,
		                  cgroup_fd);
	if (opts && opts->sz < sizeof(size_t))
		return evbpf__err(-EINVAL, "prog '%s': attach_cgroup: opts->sz is not set",
		                  prog->name);
	/* BPF_CGROUP_INET_INGRESS is 0: "no attach type" is known from the
	 * section (cgroup/skb names no direction), not from the value. */
	at = prog->expected_attach_type;
	known = at != 0 || (prog->sec_def && prog->sec_def->set_expected &&
	                    prog->sec_def->prog_type == prog->prog_type);
	if (opts && opts->sz >= offsetof(struct evbpf_cgroup_opts, attach_type) + 4 &&
	    opts->set_attach_type) {
		at = opts->attach_type;
		known = true;
	}
	if (opts && opts->sz >= offsetof(struct evbpf_cgroup_opts, flags) + 4 && opts->flags)
		flags = opts->flags;
	if (opts && opts->sz >= offsetof(struct evbpf_cgroup_opts, legacy) + 4)
		legacy = opts->legacy != 0;
	if (!known)
		return evbpf__err(-EINVAL,
		                  "prog '%s' (section '%s'): no cgroup attach type; use "
		                  "a section with a hook (cgroup_skb/ingress, "
		                  "cgroup_skb/egress, cgroup/connect4, ...) or pass "
		                  "opts.attach_type",
		                  prog->name, prog->sec_name);
	snprintf(desc, sizeof(desc), "cgroup fd %d (attach type %u)", cgroup_fd, at);
	if (!legacy) {
		err = evbpf__attach_link(prog, cgroup_fd, at, 0, NULL, desc, linkp);
		if (err == 0)
			return 0;
		if (err != -EINVAL && err != -EOPNOTSUPP && err != -ENOTSUP)
			return evbpf__err(err, "prog '%s': BPF_LINK_CREATE on %s: %s%s", prog->name,
			                  desc, evbpf_strerror(err),
			                  err == -EBADF ? " (not a cgroup v2 directory fd?)" : "");
		evbpf__debug("prog '%s': no cgroup BPF links (%s), using BPF_PROG_ATTACH",
		             prog->name, evbpf_strerror(err));
	}
	return evbpf__attach_legacy(prog, cgroup_fd, at, flags, desc, linkp);
}

EVBPF_API int evbpf_program_attach_cgroup(struct evbpf_program *prog, int cgroup_fd,
                                          struct evbpf_link **linkp)
{
	return evbpf_program_attach_cgroup_opts(prog, cgroup_fd, NULL, linkp);
}
