/* SPDX-License-Identifier: MIT */
/*
 * Programs on perf events: the common back end of tracepoints, kprobes and
 * uprobes (all perf events underneath), and perf_event programs on a
 * caller's event or on a software/hardware event opened on every CPU.
 *
 * A BPF link over the perf event (BPF_LINK_CREATE with BPF_PERF_EVENT,
 * Linux 5.15) is tried first because it is the only way to pass a cookie;
 * kernels without it get PERF_EVENT_IOC_SET_BPF, which stays attached for as
 * long as the perf event is open.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include "internal.h"

int evbpf__perf_event_open(void *attr, int pid, int cpu, int group_fd, unsigned long flags)
{
	long fd = syscall(__NR_perf_event_open, attr, pid, cpu, group_fd, flags);

	return fd < 0 ? -errno : (int)fd;
}

/* Attach prog to one already-open perf event; returns a BPF link fd (>= 0),
 * -ENOLINK after a successful ioctl attach, or another -errno. */
static int perf_attach_one(int prog_fd, int pfd, uint64_t cookie, const char *prog_name)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.link_create.perf_event.bpf_cookie = cookie;
	fd = evbpf__link_create(prog_fd, pfd, BPF_PERF_EVENT, 0, &attr);
	if (fd >= 0) {
		if (ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		return fd;
	}
	if (fd != -EINVAL && fd != -EOPNOTSUPP && fd != -ENOTSUP)
		return fd;
	if (cookie)
		return evbpf__err(-ENOTSUP,
		                  "prog '%s': this kernel has no perf event BPF links "
		                  "(Linux 5.15), so attach cookies are not supported",
		                  prog_name);
	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog_fd) < 0)
		return -errno;
	if (ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0) < 0)
		return -errno;
	return -ENOLINK;
}

static int perf_detach(struct evbpf_link *link)
{
	/* Stop the events before the fds close so no event fires half-way. */
	for (size_t i = 0; i < link->nr_pfds; i++)
		if (link->pfds[i] >= 0)
			ioctl(link->pfds[i], PERF_EVENT_IOC_DISABLE, 0);
	return 0;
}

/* Takes ownership of pfd in every case. */
int evbpf__attach_perf_fd(struct evbpf_program *prog, int pfd, uint64_t cookie, const char *desc,
                          struct evbpf_link **linkp)
{
	struct evbpf_link *link;
	int fd;

	link = evbpf__link_alloc("perf_event", "prog '%s' on %s", prog->name, desc);
	if (link)
		link->pfds = malloc(sizeof(int));
	if (!link || !link->pfds) {
		free(link);
		close(pfd);
		return -ENOMEM;
	}
	link->pfds[0] = pfd;
	link->nr_pfds = 1;
	link->detach = perf_detach;
	fd = perf_attach_one(prog->fd, pfd, cookie, prog->name);
	if (fd < 0 && fd != -ENOLINK) {
		evbpf_link_destroy(link);
		return evbpf__err(fd, "prog '%s': attaching to %s: %s", prog->name, desc,
		                  evbpf_strerror(fd));
	}
	link->fd = fd >= 0 ? fd : -1;
	*linkp = link;
	return 0;
}

EVBPF_API int evbpf_program_attach_perf_event(struct evbpf_program *prog, int pfd,
                                              struct evbpf_link **linkp)
{
	int err = evbpf__attach_check(prog, linkp, "attach_perf_event"), dfd;

	if (err)
		return err;
	if (pfd < 0)
		return evbpf__err(-EINVAL, "prog '%s': attach_perf_event: bad perf event fd %d",
		                  prog->name, pfd);
	dfd = evbpf__dup_fd(pfd);
	if (dfd < 0)
		return evbpf__err(dfd, "prog '%s': attach_perf_event: dup(%d): %s", prog->name, pfd,
		                  evbpf_strerror(dfd));
	return evbpf__attach_perf_fd(prog, dfd, 0, "a perf event", linkp);
}

EVBPF_API int evbpf_program_attach_perf_event_cpus(struct evbpf_program *prog,
                                                   const struct perf_event_attr *pattr,
                                                   struct evbpf_link **linkp)
{
	struct perf_event_attr a;
	struct evbpf_link *link;
	bool online[4096] = {false};
	uint8_t *buf;
	size_t size;
	int err, n;

	err = evbpf__attach_check(prog, linkp, "attach_perf_event_cpus");
	if (err)
		return err;
	if (!pattr)
		return evbpf__err(-EINVAL, "prog '%s': attach_perf_event_cpus: NULL attr",
		                  prog->name);
	err = evbpf__read_file("/sys/devices/system/cpu/online", &buf, &size);
	if (err)
		return evbpf__err(err, "cannot read /sys/devices/system/cpu/online: %s",
		                  evbpf_strerror(err));
	n = evbpf__parse_cpu_list((const char *)buf, online, (int)EVBPF_ARRAY_SIZE(online), NULL);
	free(buf);
	if (n <= 0)
		return evbpf__err(-EINVAL, "cannot parse /sys/devices/system/cpu/online");
	link = evbpf__link_alloc("perf_event",
	                         "prog '%s' on perf event type %u config %llu on "
	                         "%d CPUs",
	                         prog->name, pattr->type, (unsigned long long)pattr->config, n);
	if (link)
		link->pfds = calloc(2 * (size_t)n, sizeof(int)); /* an event and a link per CPU */
	if (!link || !link->pfds) {
		free(link);
		return -ENOMEM;
	}
	link->detach = perf_detach;
	memcpy(&a, pattr, sizeof(a));
	a.size = sizeof(a);
	a.disabled = 1;
	for (int cpu = 0; cpu < (int)EVBPF_ARRAY_SIZE(online); cpu++) {
		int pfd, fd;

		if (!online[cpu])
			continue;
		pfd = evbpf__perf_event_open(&a, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		if (pfd < 0) {
			err = evbpf__err(pfd,
			                 "prog '%s': perf_event_open(type %u, config %llu) on "
			                 "CPU %d: %s",
			                 prog->name, a.type, (unsigned long long)a.config, cpu,
			                 evbpf_strerror(pfd));
			goto err;
		}
		link->pfds[link->nr_pfds++] = pfd;
		fd = perf_attach_one(prog->fd, pfd, 0, prog->name);
		if (fd >= 0) {
			/* The BPF link's fd is what detaches; it lives beside
			 * the events and closes with them. */
			link->pfds[link->nr_pfds++] = fd;
		} else if (fd != -ENOLINK) {
			err = evbpf__err(fd, "prog '%s': attaching to the perf event on CPU %d: %s",
			                 prog->name, cpu, evbpf_strerror(fd));
			goto err;
		}
	}
	*linkp = link;
	return 0;
err:
	evbpf_link_destroy(link);
	return err;
}
