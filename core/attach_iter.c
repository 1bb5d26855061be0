/* SPDX-License-Identifier: MIT */
/*
 * BPF iterators: an iter/NAME program is attached with a BPF link (the
 * target was fixed at load by attach_btf_id), and each BPF_ITER_CREATE on
 * that link gives a fresh fd whose read() runs the program over the
 * objects and returns what it printed with bpf_seq_printf().
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define ITER_READ_MAX (256u << 20)

EVBPF_API int evbpf_program_attach_iter(struct evbpf_program *prog,
                                        const struct evbpf_iter_opts *opts,
                                        struct evbpf_link **linkp)
{
	union bpf_iter_link_info info;
	union bpf_attr attr;
	const char *slash;
	char desc[128];
	int err;

	err = evbpf__attach_check(prog, linkp, "attach_iter");
	if (err)
		return err;
	if (prog->expected_attach_type != BPF_TRACE_ITER)
		return evbpf__err(-EINVAL,
		                  "prog '%s' (section '%s'): attach_iter needs an iter/ "
		                  "program",
		                  prog->name, prog->sec_name);
	if (opts && opts->sz < sizeof(size_t))
		return evbpf__err(-EINVAL, "prog '%s': attach_iter: opts->sz is not set",
		                  prog->name);
	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	if (opts && opts->sz >= offsetof(struct evbpf_iter_opts, task_pid) + sizeof(int)) {
		if (opts->map_fd > 0)
			info.map.map_fd = (uint32_t)opts->map_fd;
		else if (opts->cgroup_fd > 0 || opts->cgroup_order) {
			info.cgroup.cgroup_fd = opts->cgroup_fd > 0 ? (uint32_t)opts->cgroup_fd : 0;
			info.cgroup.order = opts->cgroup_order;
		} else if (opts->task_pid > 0) {
			info.task.pid = (uint32_t)opts->task_pid;
		}
		if (opts->map_fd > 0 || opts->cgroup_fd > 0 || opts->cgroup_order ||
		    opts->task_pid > 0) {
			attr.link_create.iter_info = (uint64_t)(uintptr_t)&info;
			attr.link_create.iter_info_len = sizeof(info);
		}
	}
	slash = strchr(prog->sec_name, '/');
	snprintf(desc, sizeof(desc), "iterator %s", slash ? slash + 1 : prog->sec_name);
	err = evbpf__attach_link(prog, 0, BPF_TRACE_ITER, 0, &attr, desc, linkp);
	if (err)
		return evbpf__err(err, "prog '%s': BPF_LINK_CREATE for %s: %s", prog->name, desc,
		                  evbpf_strerror(err));
	return 0;
}

EVBPF_API int evbpf_iter_create(const struct evbpf_link *link)
{
	union bpf_attr attr;
	int fd;

	if (!link || link->fd < 0)
		return evbpf__err(-EINVAL, "iter_create: not an iterator link");
	memset(&attr, 0, sizeof(attr));
	attr.iter_create.link_fd = (uint32_t)link->fd;
	fd = evbpf__bpf(BPF_ITER_CREATE, &attr, sizeof(attr));
	if (fd < 0)
		return evbpf__err(fd, "iter_create (%s): BPF_ITER_CREATE: %s", link->desc,
		                  evbpf_strerror(fd));
	return fd;
}

EVBPF_API int evbpf_iter_read_all(const struct evbpf_link *link, char **bufp, size_t *sizep)
{
	size_t cap = 4096, len = 0;
	char *buf = NULL;
	int fd, err = 0;

	if (!bufp || !sizep)
		return evbpf__err(-EINVAL, "iter_read_all: NULL argument");
	fd = evbpf_iter_create(link);
	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t n;

		if (!buf || len + 1 >= cap) {
			char *nbuf;

			if (buf)
				cap *= 2;
			if (cap > ITER_READ_MAX) {
				err = evbpf__err(-E2BIG, "iter_read_all (%s): more than %u bytes",
				                 link->desc, ITER_READ_MAX);
				break;
			}
			nbuf = realloc(buf, cap);
			if (!nbuf) {
				err = -ENOMEM;
				break;
			}
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			err = evbpf__err(-errno, "iter_read_all (%s): read: %s", link->desc,
			                 evbpf_strerror(-errno));
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = '\0';
	*bufp = buf;
	*sizep = len;
	return 0;
}
