/* SPDX-License-Identifier: MIT */
/*
 * execsnoop: print process starts (exec) and exits, with how long each
 * process lived, from two tracepoints feeding one ring buffer consumed on a
 * libuv loop. Runs until Ctrl-C, --duration seconds or --count events.
 *
 *   sudo ./execsnoop [--duration S] [--count N] [--comm NAME]
 *
 * The BPF object is embedded through its skeleton (execsnoop.skel.h, made
 * by evbpf_bpf_skeleton() in CMake): no path and no map name at run time.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>
#include <evbpf/evbpf.h>
#include <evbpf/uv.h>

#include "execsnoop.h"
#include "execsnoop.skel.h"

struct app {
	uv_loop_t *loop;
	uv_signal_t sigint, sigterm;
	uv_timer_t timer;
	unsigned long long count, limit;
	const char *comm;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: execsnoop [--duration S] [--count N] [--comm NAME]\n"
	           "Print every exec and process exit until Ctrl-C (needs root).\n");
}

static int dir_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * Tracepoints are found through tracefs. Where it is not mounted (minimal
 * VMs, containers), mount a private one: a mount namespace of our own
 * keeps the system's mounts untouched. This must run before any thread
 * exists (unshare(CLONE_NEWNS) refuses multi-threaded callers).
 */
static void ensure_tracefs(void)
{
	if (dir_exists("/sys/kernel/tracing/events") ||
	    dir_exists("/sys/kernel/debug/tracing/events") || geteuid() != 0)
		return;
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL)) {
		fprintf(stderr, "execsnoop: tracefs is not mounted and mounting it failed: %s\n",
		        strerror(errno));
		return;
	}
	fprintf(stderr, "execsnoop: tracefs was not mounted; using a private mount\n");
}

static void print_event(struct app *app, const struct exec_event *e)
{
	char when[16], detail[64];
	struct tm tm;
	time_t now = time(NULL);

	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	if (e->kind == EXEC_EVENT_EXEC) {
		printf("%-8s %-5s %-7u %-7u %-16.16s %.*s\n", when, "EXEC", e->pid, e->ppid,
		       e->comm, EXECSNOOP_FILENAME_LEN, e->filename);
		return;
	}
	if (e->exit_code & 0x7f)
		snprintf(detail, sizeof(detail), "signal %d", e->exit_code & 0x7f);
	else
		snprintf(detail, sizeof(detail), "exit %d", (e->exit_code >> 8) & 0xff);
	printf("%-8s %-5s %-7u %-7u %-16.16s %s after %.3f ms\n", when, "EXIT", e->pid, e->ppid,
	       e->comm, detail, (double)e->duration_ns / 1e6);
}

static int on_event(void *ctx, const void *data, size_t size)
{
	struct app *app = ctx;
	const struct exec_event *e = data;

	if (size < sizeof(*e))
		return 0;
	if (app->comm && strncmp(e->comm, app->comm, EXECSNOOP_COMM_LEN))
		return 0;
	if (app->limit && app->count >= app->limit)
		return -ECANCELED;
	print_event(app, e);
	if (app->limit && ++app->count >= app->limit) {
		uv_stop(app->loop);
		return -ECANCELED;
	}
	return 0;
}

static void on_signal(uv_signal_t *h, int signum)
{
	uv_stop(h->loop);
}

static void on_timer(uv_timer_t *h)
{
	uv_stop(h->loop);
}

static void close_handle(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

int main(int argc, char **argv)
{
	struct app app = {0};
	double duration = 0;
	struct execsnoop *skel = NULL;
	struct evbpf_ringbuf *rb = NULL;
	struct evbpf_reactor *reactor = NULL;
	uv_loop_t loop;
	int err, ret = 1;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--duration") && v) {
			duration = atof(v);
			i++;
		} else if (!strcmp(argv[i], "--count") && v) {
			app.limit = strtoull(v, NULL, 10);
			i++;
		} else if (!strcmp(argv[i], "--comm") && v) {
			app.comm = v;
			i++;
		} else {
			usage(stderr);
			return 1;
		}
	}
	ensure_tracefs();
	/* One line per event even through a pipe. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	err = execsnoop__open_and_load(&skel);
	if (err) {
		fprintf(stderr, "execsnoop: loading the BPF object: %s\n", evbpf_errmsg());
		goto out;
	}
	uv_loop_init(&loop);
	app.loop = &loop;
	err = evbpf_uv_reactor_new(&loop, &reactor);
	if (!err)
		err = evbpf_ringbuf_new(skel->maps.exec_events, on_event, &app, &rb);
	if (!err)
		err = evbpf_ringbuf_start(rb, reactor);
	if (!err)
		err = execsnoop__attach(skel); /* both tracepoints, by section */
	if (err) {
		fprintf(stderr, "execsnoop: %s\n", evbpf_errmsg());
		goto out_loop;
	}

	uv_signal_init(&loop, &app.sigint);
	uv_signal_init(&loop, &app.sigterm);
	uv_signal_start(&app.sigint, on_signal, SIGINT);
	uv_signal_start(&app.sigterm, on_signal, SIGTERM);
	uv_timer_init(&loop, &app.timer);
	if (duration > 0)
		uv_timer_start(&app.timer, on_timer, (uint64_t)(duration * 1000), 0);

	printf("%-8s %-5s %-7s %-7s %-16s %s\n", "TIME", "EVENT", "PID", "PPID", "COMM",
	       "FILENAME / EXIT");
	uv_run(&loop, UV_RUN_DEFAULT);
	ret = 0;

out_loop:
	execsnoop__detach(skel);
	evbpf_ringbuf_free(rb);
	evbpf_reactor_free(reactor);
	/* Close what is left (our signal and timer handles, and the
	 * consumer's closing ones), then the loop. */
	uv_walk(&loop, close_handle, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&loop))
		fprintf(stderr, "execsnoop: the loop did not close cleanly\n");
out:
	execsnoop__destroy(skel);
	return ret;
}
