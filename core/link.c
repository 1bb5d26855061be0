/* SPDX-License-Identifier: MIT */
/*
 * Links: one attachment of one program, and how to undo it.
 *
 * The kernel offers several ways to attach, and a link records which one was
 * used. A BPF link (BPF_LINK_CREATE, BPF_RAW_TRACEPOINT_OPEN) detaches when
 * its last fd closes, so destroying it is a close. Older interfaces leave
 * the program attached until told otherwise (BPF_PROG_ATTACH, SO_ATTACH_BPF,
 * netlink), so those links carry a detach function and dups of the fds it
 * needs. Perf-event based links also own the perf events they opened, and
 * the tracefs probe event behind them if they made one (legacy kprobes and
 * uprobes), which is removed once the perf events are closed.
 *
 * Ownership: a link never points back at its program or object. Closing
 * the object leaves every link the caller holds attached (each link holds
 * its own kernel references); only evbpf_link_destroy() detaches.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

struct evbpf_link *evbpf__link_alloc(const char *kind, const char *desc_fmt, ...)
{
	struct evbpf_link *link = calloc(1, sizeof(*link));
	va_list ap;

	if (!link)
		return NULL;
	link->kind = kind;
	link->fd = -1;
	link->prog_fd = -1;
	link->target_fd = -1;
	va_start(ap, desc_fmt);
	vsnprintf(link->desc, sizeof(link->desc), desc_fmt, ap);
	va_end(ap);
	return link;
}

int evbpf__dup_fd(int fd)
{
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);

	return nfd < 0 ? -errno : nfd;
}

int evbpf__attach_check(const struct evbpf_program *prog, struct evbpf_link **linkp,
                        const char *what)
{
	if (!prog || !linkp)
		return evbpf__err(-EINVAL, "%s: NULL %s", what, prog ? "link pointer" : "program");
	if (prog->fd < 0)
		return evbpf__err(-ENOENT, "prog '%s': %s before the program is loaded", prog->name,
		                  what);
	return 0;
}

int evbpf__link_create(int prog_fd, int target_fd, uint32_t attach_type, uint32_t flags,
                       union bpf_attr *extra)
{
	union bpf_attr attr;

	if (extra)
		memcpy(&attr, extra, sizeof(attr));
	else
		memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = (uint32_t)prog_fd;
	attr.link_create.target_fd = (uint32_t)target_fd;
	attr.link_create.attach_type = attach_type;
	attr.link_create.flags = flags;
	return evbpf__bpf(BPF_LINK_CREATE, &attr, sizeof(attr));
}

EVBPF_API int evbpf_link_destroy(struct evbpf_link *link)
{
	bool removed_msg = false;
	int err = 0;

	if (!link)
		return 0;
	if (link->detach)
		err = link->detach(link);
	evbpf__close_fd(&link->fd);
	for (size_t i = 0; i < link->nr_pfds; i++)
		evbpf__close_fd(&link->pfds[i]);
	free(link->pfds);
	evbpf__close_fd(&link->prog_fd);
	evbpf__close_fd(&link->target_fd);
	if (link->tracefs_probe) {
		/* Only now that no perf event holds it can the event go. */
		int rerr = evbpf__tracefs_probe_remove(link->tracefs_probe);

		if (rerr && !err) {
			char detail[512];

			snprintf(detail, sizeof(detail), "%s", evbpf_errmsg());
			err = evbpf__err(rerr, "link (%s): %s", link->desc, detail);
			removed_msg = true;
		}
		free(link->tracefs_probe);
	}
	free(link->pin_path);
	free(link);
	if (err && !removed_msg)
		return evbpf__err(err, "link: detach failed: %s", evbpf_strerror(err));
	return err;
}

EVBPF_API int evbpf_link_fd(const struct evbpf_link *link)
{
	if (!link)
		return -EINVAL;
	if (link->fd >= 0)
		return link->fd;
	if (link->nr_pfds == 1)
		return link->pfds[0];
	return -ENOENT;
}

EVBPF_API const char *evbpf_link_kind(const struct evbpf_link *link)
{
	return link ? link->kind : NULL;
}

EVBPF_API const char *evbpf_link_description(const struct evbpf_link *link)
{
	return link ? link->desc : NULL;
}

EVBPF_API int evbpf_link_detach(struct evbpf_link *link)
{
	union bpf_attr attr;
	int err;

	if (!link)
		return evbpf__err(-EINVAL, "link detach: NULL link");
	if (link->fd < 0)
		return evbpf__err(-ENOTSUP,
		                  "link detach: %s is not a BPF link; use "
		                  "evbpf_link_destroy()",
		                  link->desc);
	memset(&attr, 0, sizeof(attr));
	attr.link_detach.link_fd = (uint32_t)link->fd;
	err = evbpf__bpf(BPF_LINK_DETACH, &attr, sizeof(attr));
	if (err)
		return evbpf__err(err, "link detach (%s): BPF_LINK_DETACH: %s", link->desc,
		                  evbpf_strerror(err));
	return 0;
}

EVBPF_API int evbpf_link_update(struct evbpf_link *link, const struct evbpf_program *prog)
{
	union bpf_attr attr;
	int err;

	if (!link || !prog)
		return evbpf__err(-EINVAL, "link update: NULL argument");
	if (link->fd < 0)
		return evbpf__err(-ENOTSUP, "link update: %s is a %s attachment, not a BPF link",
		                  link->desc, link->kind);
	if (prog->fd < 0)
		return evbpf__err(-ENOENT, "link update: prog '%s' is not loaded", prog->name);
	memset(&attr, 0, sizeof(attr));
	attr.link_update.link_fd = (uint32_t)link->fd;
	attr.link_update.new_prog_fd = (uint32_t)prog->fd;
	err = evbpf__bpf(BPF_LINK_UPDATE, &attr, sizeof(attr));
	if (err)
		return evbpf__err(err, "link update (%s) to prog '%s': BPF_LINK_UPDATE: %s%s",
		                  link->desc, prog->name, evbpf_strerror(err),
		                  err == -EOPNOTSUPP ? " (this kind of link cannot be updated)"
		                                     : "");
	return 0;
}

EVBPF_API int evbpf_link_pin(struct evbpf_link *link, const char *path)
{
	union bpf_attr attr;
	char *copy;
	int err;

	if (!link || !path)
		return evbpf__err(-EINVAL, "link pin: NULL argument");
	if (link->fd < 0)
		return evbpf__err(-ENOTSUP,
		                  "link pin: %s is a %s attachment, not a BPF link; "
		                  "only BPF links can be pinned",
		                  link->desc, link->kind);
	if (link->pin_path)
		return evbpf__err(-EBUSY, "link pin: %s is already pinned at %s", link->desc,
		                  link->pin_path);
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (uint64_t)(uintptr_t)path;
	attr.bpf_fd = (uint32_t)link->fd;
	err = evbpf__bpf(BPF_OBJ_PIN, &attr, sizeof(attr));
	if (err) {
		free(copy);
		return evbpf__err(err, "link pin (%s) at '%s': BPF_OBJ_PIN: %s%s", link->desc, path,
		                  evbpf_strerror(err),
		                  err == -EPERM || err == -EINVAL ? " (is the directory on bpffs?)"
		                                                  : "");
	}
	link->pin_path = copy;
	return 0;
}

EVBPF_API int evbpf_link_unpin(struct evbpf_link *link)
{
	if (!link)
		return evbpf__err(-EINVAL, "link unpin: NULL link");
	if (!link->pin_path)
		return evbpf__err(-ENOENT, "link unpin: %s is not pinned", link->desc);
	if (unlink(link->pin_path) && errno != ENOENT)
		return evbpf__err(-errno, "link unpin: unlink '%s': %s", link->pin_path,
		                  evbpf_strerror(-errno));
	free(link->pin_path);
	link->pin_path = NULL;
	return 0;
}

EVBPF_API const char *evbpf_link_pin_path(const struct evbpf_link *link)
{
	return link ? link->pin_path : NULL;
}

EVBPF_API int evbpf_link_open_pinned(const char *path, struct evbpf_link **linkp)
{
	struct bpf_link_info info;
	uint32_t len = sizeof(info);
	struct evbpf_link *link;
	union bpf_attr attr;
	char proc[64], target[64];
	ssize_t n;
	int fd;

	if (!path || !linkp)
		return evbpf__err(-EINVAL, "link open pinned: NULL argument");
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (uint64_t)(uintptr_t)path;
	fd = evbpf__bpf(BPF_OBJ_GET, &attr, sizeof(attr));
	if (fd < 0)
		return evbpf__err(fd, "link open pinned '%s': BPF_OBJ_GET: %s", path,
		                  evbpf_strerror(fd));
	/* Pinned maps and programs look alike to BPF_OBJ_GET: ask the fd. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	if (!strstr(target, "bpf-link")) {
		close(fd);
		return evbpf__err(-EINVAL,
		                  "link open pinned '%s': the pinned object is not a BPF "
		                  "link (%s)",
		                  path, target);
	}
	memset(&info, 0, sizeof(info));
	evbpf__bpf_obj_info(fd, &info, &len);
	link = evbpf__link_alloc("bpf_link", "pinned link %u (prog %u) at %s", info.id,
	                         info.prog_id, path);
	if (!link || !(link->pin_path = strdup(path))) {
		free(link);
		close(fd);
		return -ENOMEM;
	}
	link->fd = fd;
	*linkp = link;
	return 0;
}
