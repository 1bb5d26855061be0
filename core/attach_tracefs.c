/* SPDX-License-Identifier: MIT */
/*
 * kprobe and uprobe events made through tracefs: the interface that came
 * before the probe PMUs (kprobe_events since 2.6.33, uprobe_events since
 * 3.5), and the only one a kernel without the PMUs offers. A probe is one
 * line written to kprobe_events or uprobe_events:
 *
 *   p:evbpf/kp_1234_0_do_nanosleep do_nanosleep
 *   r:evbpf/ur_1234_1_getppid /usr/lib/x86_64-linux-gnu/libc.so.6:0xd6a10
 *   -:evbpf/kp_1234_0_do_nanosleep          (removes the first one)
 *
 * after which events/evbpf/NAME/id holds a tracepoint id that
 * perf_event_open() takes like that of any other tracepoint.
 *
 * Such an event belongs to the whole system and outlives the process that
 * made it. So its name carries our pid and a per-process counter (two
 * links, or two threads, never share one), and whoever makes one removes
 * it: the link when it is destroyed, the attach path on every error after
 * the write. The files are opened O_APPEND and never O_TRUNC: a truncating
 * open of kprobe_events deletes every kprobe event on the system.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define PROBE_GROUP "evbpf"
/* The kernel refuses event names of 64 characters and more (and older
 * kernels were stricter still); ours stay well below. */
#define NAME_MAX_LEN 48

static unsigned int probe_counter;

const char *evbpf__tracefs_root_with(const char *file)
{
	char path[512];
	struct stat st;

	for (size_t i = 0; evbpf__tracefs_roots[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", evbpf__tracefs_roots[i], file);
		if (stat(path, &st) == 0)
			return evbpf__tracefs_roots[i];
	}
	return NULL;
}

/* "kp_1234_7_do_nanosleep": letters, digits and '_' only, as the kernel
 * requires of event names. */
static void make_name(char *name, size_t size, bool uprobe, bool retprobe, const char *hint)
{
	unsigned int n = __atomic_fetch_add(&probe_counter, 1, __ATOMIC_RELAXED);
	size_t len;

	snprintf(name, size, "%c%c_%ld_%u_", uprobe ? 'u' : 'k', retprobe ? 'r' : 'p',
	         (long)getpid(), n);
	len = strlen(name);
	for (const char *c = hint ? hint : ""; *c && len < NAME_MAX_LEN && len + 1 < size; c++) {
		bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		          (*c >= '0' && *c <= '9') || *c == '_';

		name[len++] = ok ? *c : '_';
	}
	name[len] = '\0';
}

/* Write one definition line to a probe events file; -errno. */
static int write_events(const char *path, const char *line)
{
	size_t len = strlen(line);
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, line, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

int evbpf__tracefs_probe_remove(const struct evbpf_tracefs_probe *tp)
{
	struct timespec pause = {0, 1000000};
	char line[128];
	int err;

	snprintf(line, sizeof(line), "-:%s/%s\n", tp->group, tp->name);
	/* The event is busy until the kernel has let go of its last perf
	 * event, which it may finish just after our close() returns. */
	for (int tries = 0;; tries++) {
		err = write_events(tp->file, line);
		if (err != -EBUSY || tries == 50)
			break;
		nanosleep(&pause, NULL);
	}
	if (err)
		return evbpf__err(err, "cannot remove tracefs probe event %s/%s from %s: %s",
		                  tp->group, tp->name, tp->file, evbpf_strerror(err));
	return 0;
}

int evbpf__tracefs_probe_add(struct evbpf_tracefs_probe *tp, bool uprobe, bool retprobe,
                             const char *location, const char *name_hint)
{
	const char *events = uprobe ? "uprobe_events" : "kprobe_events";
	const char *roots[2] = {NULL, NULL};
	char line[4096 + 256];
	int err, id;

	roots[0] = evbpf__tracefs_root_with(events);
	if (!roots[0]) {
		bool mounted = evbpf__tracefs_root_with("events") != NULL;

		return evbpf__err(-EOPNOTSUPP, "no %s in tracefs: %s (looked in %s and %s)", events,
		                  mounted ? (uprobe ? "kernel built without CONFIG_UPROBE_EVENTS"
		                                    : "kernel built without CONFIG_KPROBE_EVENTS")
		                          : "tracefs is not mounted",
		                  evbpf__tracefs_roots[0], evbpf__tracefs_roots[1]);
	}
	if (strpbrk(location, " \t\n"))
		return evbpf__err(-EINVAL,
		                  "tracefs probe on '%s': white space cannot be written to %s",
		                  location, events);
	memset(tp, 0, sizeof(*tp));
	snprintf(tp->file, sizeof(tp->file), "%s/%s", roots[0], events);
	snprintf(tp->group, sizeof(tp->group), "%s", PROBE_GROUP);
	make_name(tp->name, sizeof(tp->name), uprobe, retprobe, name_hint);
	snprintf(line, sizeof(line), "%c:%s/%s %s\n", retprobe ? 'r' : 'p', tp->group, tp->name,
	         location);
	err = write_events(tp->file, line);
	if (err)
		return evbpf__err(
		    err, "cannot add '%c:%s/%s %s' to %s: %s%s (%s/error_log may say why)",
		    retprobe ? 'r' : 'p', tp->group, tp->name, location, tp->file,
		    evbpf_strerror(err),
		    err == -ENOENT || err == -EINVAL
		        ? (uprobe ? ": no such file or offset?"
		                  : ": no such kernel function, or it cannot be probed")
		        : "",
		    roots[0]);
	id = evbpf__tracefs_event_id(roots, tp->group, tp->name);
	if (id < 0) {
		char detail[512];

		snprintf(detail, sizeof(detail), "%s", evbpf_errmsg());
		evbpf__tracefs_probe_remove(tp);
		return evbpf__err(id, "tracefs probe event %s/%s: %s", tp->group, tp->name, detail);
	}
	return id;
}
