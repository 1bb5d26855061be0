/* SPDX-License-Identifier: MIT */
/*
 * Programs on perf events: the common back end of tracepoints, kprobes and
 * uprobes (all perf events underneath), and perf_event programs on a
 * caller's event or on a software/hardware event opened on every CPU.
 *
 * A BPF link over the perf event (BPF_LINK_CREATE with BPF_PERF_EVENT,
 * Linux 5.15) is tried first because it is the only way to pass a cookie
 * and it can be pinned; kernels without it answer EINVAL (they know no such
 * attach type) and get PERF_EVENT_IOC_SET_BPF, which stays attached for as
 * long as the perf event is open. evbpf_link_kind() says which it was
 * ("perf_link" or "perf_event"); kprobes and uprobes can force either
 * (EVBPF_PROBE_ATTACH_PERF and _LINK).
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

/*
 * Put the program on one open perf event and enable it. Returns a BPF link
 * fd (>= 0), -ENOLINK after a successful PERF_EVENT_IOC_SET_BPF, or
 * -errno; why then says more than the errno when there is more to say.
 */
static int perf_attach_one(int prog_fd, int pfd, uint64_t cookie, enum evbpf_perf_attach how,
                           char *why, size_t why_size)
{
	union bpf_attr attr;
	int fd, err;

	why[0] = '\0';
	if (how != EVBPF_PERF_ATTACH_IOCTL) {
		memset(&attr, 0, sizeof(attr));
		attr.link_create.perf_event.bpf_cookie = cookie;
		fd = evbpf__link_create(prog_fd, pfd, BPF_PERF_EVENT, 0, &attr);
		if (fd >= 0) {
			if (ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
				err = -errno;
				close(fd);
				snprintf(why, why_size, "PERF_EVENT_IOC_ENABLE: %s",
				         evbpf_strerror(err));
				return err;
			}
			return fd;
		}
		/* Kernels before 5.15 know no BPF_PERF_EVENT attach type. When
		 * a link was asked for, EINVAL can mean that or a bad request:
		 * the feature probe tells which. */
		if (how == EVBPF_PERF_ATTACH_LINK && fd == -EINVAL &&
		    evbpf_probe_feature(EVBPF_FEATURE_PERF_LINK) == 0) {
			snprintf(why, why_size,
			         "this kernel has no BPF links on perf events (Linux 5.15); "
			         "EVBPF_PROBE_ATTACH_PERF or _DEFAULT use PERF_EVENT_IOC_SET_BPF");
			return -EOPNOTSUPP;
		}
		if (how == EVBPF_PERF_ATTACH_LINK || (fd != -EINVAL && fd != -EOPNOTSUPP)) {
			snprintf(why, why_size, "BPF_LINK_CREATE: %s%s", evbpf_strerror(fd),
			         fd == -EINVAL ? " (BPF links on perf events need Linux 5.15)"
			                       : "");
			return fd;
		}
	}
	if (cookie) {
		snprintf(why, why_size, "attach cookies need a BPF link, and %s",
		         how == EVBPF_PERF_ATTACH_IOCTL
		             ? "PERF_EVENT_IOC_SET_BPF was asked for"
		             : "this kernel has no BPF links on perf events (Linux 5.15)");
		return -EOPNOTSUPP;
	}
	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog_fd) < 0) {
		err = -errno;
		snprintf(why, why_size, "PERF_EVENT_IOC_SET_BPF: %s", evbpf_strerror(err));
		return err;
	}
	if (ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
		err = -errno;
		snprintf(why, why_size, "PERF_EVENT_IOC_ENABLE: %s", evbpf_strerror(err));
		return err;
	}
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

int evbpf__attach_perf_fd(struct evbpf_program *prog, int pfd, uint64_t cookie,
                          enum evbpf_perf_attach how, const struct evbpf_tracefs_probe *tp,
                          const char *desc, struct evbpf_link **linkp)
{
	struct evbpf_link *link;
	char why[256];
	int fd;

	link = evbpf__link_alloc("perf_event", "prog '%s' on %s", prog->name, desc);
	if (!link)
		goto nomem;
	link->pfds = malloc(sizeof(int));
	if (!link->pfds)
		goto nomem;
	link->pfds[0] = pfd;
	link->nr_pfds = 1;
	link->detach = perf_detach;
	if (tp) {
		/* From here on the link removes the event when destroyed. */
		link->tracefs_probe = malloc(sizeof(*tp));
		if (!link->tracefs_probe) {
			evbpf_link_destroy(link);
			evbpf__tracefs_probe_remove(tp);
			return evbpf__err(-ENOMEM, "prog '%s': attaching to %s: out of memory",
			                  prog->name, desc);
		}
		memcpy(link->tracefs_probe, tp, sizeof(*tp));
	}
	fd = perf_attach_one(prog->fd, pfd, cookie, how, why, sizeof(why));
	if (fd < 0 && fd != -ENOLINK) {
		evbpf_link_destroy(link);
		return evbpf__err(fd, "prog '%s': attaching to %s: %s", prog->name, desc,
		                  why[0] ? why : evbpf_strerror(fd));
	}
	link->fd = fd >= 0 ? fd : -1;
	link->kind = fd >= 0 ? "perf_link" : "perf_event";
	*linkp = link;
	return 0;
nomem:
	free(link);
	close(pfd);
	if (tp)
		evbpf__tracefs_probe_remove(tp);
	return evbpf__err(-ENOMEM, "prog '%s': attaching to %s: out of memory", prog->name, desc);
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
	return evbpf__attach_perf_fd(prog, dfd, 0, EVBPF_PERF_ATTACH_ANY, NULL, "a perf event",
	                             linkp);
}

EVBPF_API int evbpf_program_attach_perf_event_cpus(struct evbpf_program *prog,
                                                   const struct perf_event_attr *pattr,
                                                   struct evbpf_link **linkp)
{
	struct perf_event_attr a;
	struct evbpf_link *link;
	bool online[4096] = {false};
	char why[256];
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
		fd = perf_attach_one(prog->fd, pfd, 0, EVBPF_PERF_ATTACH_ANY, why, sizeof(why));
		if (fd >= 0) {
			/* The BPF link's fd is what detaches; it lives beside
			 * the events and closes with them. */
			link->pfds[link->nr_pfds++] = fd;
			link->kind = "perf_link";
		} else if (fd != -ENOLINK) {
			err = evbpf__err(fd, "prog '%s': attaching to the perf event on CPU %d: %s",
			                 prog->name, cpu, why[0] ? why : evbpf_strerror(fd));
			goto err;
		}
	}
	*linkp = link;
	return 0;
err:
	evbpf_link_destroy(link);
	return err;
}
