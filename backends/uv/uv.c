/* SPDX-License-Identifier: MIT */
/*
 * The libuv reactor. Each io is a uv_poll_t, each timer a uv_timer_t, each
 * work item a uv_work_t on the loop's thread pool. libuv's rules:
 *
 *  - Handle memory is released only in the close callback, never right
 *    after uv_close(): the loop still references the handle until then.
 *    A handle that is merely stopped keeps uv_loop_close() at UV_EBUSY, so
 *    io_close/timer_close close, they do not just stop.
 *  - uv_close() stops the handle synchronously (the fd leaves the loop's
 *    epoll set before uv_close() returns), so the consumer may close its
 *    fd right after io_close(), and no callback runs after it.
 *  - The reactor itself owns no handle: destroy() can free it at once, and
 *    handles still closing need nothing from it.
 */
#include <errno.h>
#include <stdlib.h>

#include <uv.h>
#include <evbpf/uv.h>

#include "reactor.h"

struct uv_reactor {
	struct evbpf_reactor base;
	uv_loop_t *loop;
};

struct evbpf_reactor_io {
	uv_poll_t poll;
	evbpf_reactor_io_fn fn;
	void *arg;
};

/*
 * A timer is a uv_timer_t plus a uv_idle_t for timeout 0: libuv (before
 * 1.45) runs a timer re-armed with timeout 0 from a timer callback again
 * in the same pass over the timers, so "next iteration" would never yield
 * to the poll phase. An idle handle started from a callback runs at the
 * next iteration's idle phase, and makes that iteration's poll not block.
 */
struct evbpf_reactor_timer {
	uv_timer_t timer;
	uv_idle_t idle;
	int open_handles; /* freed when both close callbacks ran */
	evbpf_reactor_timer_fn fn;
	void *arg;
};

struct uv_job {
	uv_work_t req;
	evbpf_reactor_work_fn work;
	evbpf_reactor_done_fn done;
	void *arg;
};

static uv_loop_t *loop_of(struct evbpf_reactor *r)
{
	return ((struct uv_reactor *)r)->loop;
}

/* libuv errors are negative errnos on Unix. */
static int uv_to_errno(int err)
{
	return err < 0 ? err : -EIO;
}

static void free_handle(uv_handle_t *h)
{
	free(h->data);
}

static void on_poll(uv_poll_t *poll, int status, int events)
{
	struct evbpf_reactor_io *io = poll->data;

	(void)events;
	io->fn(io->arg, status < 0 ? status : 0);
}

static int uv_io_open(struct evbpf_reactor *r, int fd, evbpf_reactor_io_fn fn, void *arg,
                      struct evbpf_reactor_io **iop)
{
	struct evbpf_reactor_io *io = calloc(1, sizeof(*io));
	int err;

	if (!io)
		return -ENOMEM;
	err = uv_poll_init(loop_of(r), &io->poll, fd);
	if (err) {
		/* uv_poll_init failed before registering the handle. */
		free(io);
		return uv_to_errno(err);
	}
	io->poll.data = io;
	io->fn = fn;
	io->arg = arg;
	*iop = io;
	return 0;
}

static int uv_io_start(struct evbpf_reactor_io *io)
{
	int err = uv_poll_start(&io->poll, UV_READABLE, on_poll);

	return err ? uv_to_errno(err) : 0;
}

static void uv_io_stop(struct evbpf_reactor_io *io)
{
	uv_poll_stop(&io->poll);
}

static void uv_io_close(struct evbpf_reactor_io *io)
{
	uv_close((uv_handle_t *)&io->poll, free_handle);
}

static void on_timer(uv_timer_t *timer)
{
	struct evbpf_reactor_timer *t = timer->data;

	t->fn(t->arg);
}

static void on_idle(uv_idle_t *idle)
{
	struct evbpf_reactor_timer *t = idle->data;

	uv_idle_stop(&t->idle);
	t->fn(t->arg);
}

static void timer_closed(uv_handle_t *h)
{
	struct evbpf_reactor_timer *t = h->data;

	if (--t->open_handles == 0)
		free(t);
}

static int uv_timer_open(struct evbpf_reactor *r, evbpf_reactor_timer_fn fn, void *arg,
                         struct evbpf_reactor_timer **timerp)
{
	struct evbpf_reactor_timer *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return -ENOMEM;
	err = uv_timer_init(loop_of(r), &t->timer);
	if (err) {
		free(t);
		return uv_to_errno(err);
	}
	/* uv_idle_init cannot fail. */
	uv_idle_init(loop_of(r), &t->idle);
	t->open_handles = 2;
	t->timer.data = t;
	t->idle.data = t;
	t->fn = fn;
	t->arg = arg;
	*timerp = t;
	return 0;
}

static int uv_timer_start_op(struct evbpf_reactor_timer *t, uint64_t timeout_ms, uint64_t repeat_ms)
{
	int err;

	if (timeout_ms == 0 && repeat_ms == 0) {
		uv_timer_stop(&t->timer);
		err = uv_idle_start(&t->idle, on_idle);
	} else {
		uv_idle_stop(&t->idle);
		err = uv_timer_start(&t->timer, on_timer, timeout_ms, repeat_ms);
	}
	return err ? uv_to_errno(err) : 0;
}

static void uv_timer_stop_op(struct evbpf_reactor_timer *t)
{
	uv_timer_stop(&t->timer);
	uv_idle_stop(&t->idle);
}

static void uv_timer_close(struct evbpf_reactor_timer *t)
{
	uv_close((uv_handle_t *)&t->timer, timer_closed);
	uv_close((uv_handle_t *)&t->idle, timer_closed);
}

static void on_work(uv_work_t *req)
{
	struct uv_job *job = req->data;

	job->work(job->arg);
}

static void on_work_done(uv_work_t *req, int status)
{
	struct uv_job *job = req->data;
	evbpf_reactor_done_fn done = job->done;
	void *arg = job->arg;

	free(job);
	done(arg, status == UV_ECANCELED ? -ECANCELED : 0);
}

static int uv_work_queue(struct evbpf_reactor *r, evbpf_reactor_work_fn work,
                         evbpf_reactor_done_fn done, void *arg)
{
	struct uv_job *job = calloc(1, sizeof(*job));
	int err;

	if (!job)
		return -ENOMEM;
	job->req.data = job;
	job->work = work;
	job->done = done;
	job->arg = arg;
	err = uv_queue_work(loop_of(r), &job->req, on_work, on_work_done);
	if (err) {
		free(job);
		return uv_to_errno(err);
	}
	return 0;
}

static void uv_destroy(struct evbpf_reactor *r)
{
	free(r);
}

static const struct evbpf_reactor_ops uv_ops = {
    .sz = sizeof(struct evbpf_reactor_ops),
    .name = "uv",
    .io_open = uv_io_open,
    .io_start = uv_io_start,
    .io_stop = uv_io_stop,
    .io_close = uv_io_close,
    .timer_open = uv_timer_open,
    .timer_start = uv_timer_start_op,
    .timer_stop = uv_timer_stop_op,
    .timer_close = uv_timer_close,
    .work_queue = uv_work_queue,
    .destroy = uv_destroy,
};

EVBPF_API int evbpf_uv_reactor_new(uv_loop_t *loop, struct evbpf_reactor **reactorp)
{
	struct uv_reactor *r;
	int err;

	if (!loop || !reactorp)
		return evbpf_reactor_error(-EINVAL, "uv reactor: NULL argument");
	r = calloc(1, sizeof(*r));
	if (!r)
		return evbpf_reactor_error(-ENOMEM, "uv reactor: out of memory");
	r->loop = loop;
	err = evbpf_reactor_init(&r->base, &uv_ops, loop);
	if (err) {
		free(r);
		return err;
	}
	*reactorp = &r->base;
	return 0;
}
