/* SPDX-License-Identifier: MIT */
/* `evbpf run` on libuv: uv_signal_t, uv_timer_t, and a uv_prepare_t that
 * flushes stdout before the loop blocks. */
#ifdef EVBPF_TOOL_HAVE_UV
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <evbpf/uv.h>

#include "run_loop.h"

struct run_loop {
	uv_loop_t loop;
	uv_timer_t timer;
	uv_signal_t sigint, sigterm;
	uv_prepare_t flush;
	run_stop_fn on_stop;
	void *ctx;
};

static void on_timer(uv_timer_t *t)
{
	struct run_loop *l = t->data;

	l->on_stop(l->ctx, RUN_STOP_DURATION, 0);
}

static void on_signal(uv_signal_t *s, int signum)
{
	struct run_loop *l = s->data;

	l->on_stop(l->ctx, RUN_STOP_SIGNAL, signum);
}

static void on_prepare(uv_prepare_t *p)
{
	struct run_loop *l = p->data;

	errno = 0;
	if (fflush(stdout))
		l->on_stop(l->ctx, RUN_STOP_OUTPUT, errno ? errno : EIO);
}

static int uv_create(uint64_t duration_ms, run_stop_fn on_stop, void *ctx, struct run_loop **lp,
                     struct evbpf_reactor **reactorp)
{
	struct run_loop *l = calloc(1, sizeof(*l));
	int err;

	if (!l)
		return -ENOMEM;
	err = uv_loop_init(&l->loop);
	if (err) {
		free(l);
		return err;
	}
	/* From here on the caller destroys the loop on failure. */
	*lp = l;
	l->on_stop = on_stop;
	l->ctx = ctx;
	uv_signal_init(&l->loop, &l->sigint);
	uv_signal_init(&l->loop, &l->sigterm);
	uv_prepare_init(&l->loop, &l->flush);
	uv_timer_init(&l->loop, &l->timer);
	l->sigint.data = l->sigterm.data = l->flush.data = l->timer.data = l;
	err = uv_signal_start(&l->sigint, on_signal, SIGINT);
	if (!err)
		err = uv_signal_start(&l->sigterm, on_signal, SIGTERM);
	if (!err)
		err = uv_prepare_start(&l->flush, on_prepare);
	if (!err && duration_ms)
		err = uv_timer_start(&l->timer, on_timer, duration_ms, 0);
	if (!err)
		err = evbpf_uv_reactor_new(&l->loop, reactorp);
	return err;
}

static int uv_run_loop(struct run_loop *l)
{
	return uv_run(&l->loop, UV_RUN_DEFAULT) < 0 ? -EIO : 0;
}

static void uv_stop_loop(struct run_loop *l)
{
	uv_stop(&l->loop);
}

static void uv_destroy(struct run_loop *l)
{
	if (!l)
		return;
	uv_close((uv_handle_t *)&l->sigint, NULL);
	uv_close((uv_handle_t *)&l->sigterm, NULL);
	uv_close((uv_handle_t *)&l->flush, NULL);
	uv_close((uv_handle_t *)&l->timer, NULL);
	/* Our handles and the consumers' closing ones finish here. */
	uv_run(&l->loop, UV_RUN_DEFAULT);
	if (uv_loop_close(&l->loop))
		fprintf(stderr, "evbpf: run: libuv loop still has handles at exit\n");
	free(l);
}

const struct run_loop_ops run_loop_uv = {
    .name = "uv",
    .create = uv_create,
    .run = uv_run_loop,
    .stop = uv_stop_loop,
    .destroy = uv_destroy,
};
#endif /* EVBPF_TOOL_HAVE_UV */
