/* SPDX-License-Identifier: MIT */
/* `evbpf run` on libev: ev_signal, ev_timer, and an ev_prepare that
 * flushes stdout before the loop blocks. Signal watchers use the default
 * loop, the one libev always lets handle signals. */
#ifdef EVBPF_TOOL_HAVE_EV
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <evbpf/ev.h>

#include "run_loop.h"

struct run_loop {
	struct ev_loop *loop;
	ev_timer timer;
	ev_signal sigint, sigterm;
	ev_prepare flush;
	run_stop_fn on_stop;
	void *ctx;
};

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop; /* libev's callback signature */
	(void)revents;
	struct run_loop *l = w->data;

	l->on_stop(l->ctx, RUN_STOP_DURATION, 0);
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)loop; /* libev's callback signature */
	(void)revents;
	struct run_loop *l = w->data;

	l->on_stop(l->ctx, RUN_STOP_SIGNAL, w->signum);
}

static void on_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
	(void)loop; /* libev's callback signature */
	(void)revents;
	struct run_loop *l = w->data;

	errno = 0;
	if (fflush(stdout))
		l->on_stop(l->ctx, RUN_STOP_OUTPUT, errno ? errno : EIO);
}

static int ev_create(uint64_t duration_ms, run_stop_fn on_stop, void *ctx, struct run_loop **lp,
                     struct evbpf_reactor **reactorp)
{
	struct run_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->loop = ev_default_loop(EVFLAG_AUTO);
	if (!l->loop) {
		free(l);
		return -ENOSYS;
	}
	/* From here on the caller destroys the loop on failure. */
	*lp = l;
	l->on_stop = on_stop;
	l->ctx = ctx;
	ev_signal_init(&l->sigint, on_signal, SIGINT);
	ev_signal_init(&l->sigterm, on_signal, SIGTERM);
	ev_prepare_init(&l->flush, on_prepare);
	ev_timer_init(&l->timer, on_timer, (double)duration_ms / 1000.0, 0.0);
	l->sigint.data = l->sigterm.data = l->flush.data = l->timer.data = l;
	ev_signal_start(l->loop, &l->sigint);
	ev_signal_start(l->loop, &l->sigterm);
	ev_prepare_start(l->loop, &l->flush);
	if (duration_ms)
		ev_timer_start(l->loop, &l->timer);
	return evbpf_ev_reactor_new(l->loop, reactorp);
}

static int ev_run_loop(struct run_loop *l)
{
	ev_run(l->loop, 0);
	return 0;
}

static void ev_stop_loop(struct run_loop *l)
{
	ev_break(l->loop, EVBREAK_ALL);
}

static void ev_destroy(struct run_loop *l)
{
	if (!l)
		return;
	ev_signal_stop(l->loop, &l->sigint);
	ev_signal_stop(l->loop, &l->sigterm);
	ev_prepare_stop(l->loop, &l->flush);
	ev_timer_stop(l->loop, &l->timer);
	ev_loop_destroy(l->loop);
	free(l);
}

const struct run_loop_ops run_loop_ev = {
    .name = "ev",
    .create = ev_create,
    .run = ev_run_loop,
    .stop = ev_stop_loop,
    .destroy = ev_destroy,
};
#endif /* EVBPF_TOOL_HAVE_EV */
