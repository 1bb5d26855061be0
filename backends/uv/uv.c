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
 *  - evbpf_uv_reactor_set_ref(): an unreferenced handle does not keep
 *    uv_run() going (uv_unref), which is how Node.js and other hosts let a
 *    watcher run without holding the process open. The reactor keeps a list
 *    of its open handles so that the setting reaches handles opened before
 *    it and after it; a handle leaves the list in io_close/timer_close,
 *    before the loop releases it, so the list never points at freed memory.
 */
#include <errno.h>
#include <stdlib.h>

#include <uv.h>
#include <evbpf/uv.h>

#include "reactor.h"

/* A link in the reactor's list of open ios and timers (for set_ref). */
struct uv_reactor_node {
	struct uv_reactor_node *prev, *next;
	uv_handle_t *handles[2];
	int nr_handles;
};

struct uv_reactor {
	struct evbpf_reactor base;
	uv_loop_t *loop;
	int unref;                   /* handles do not keep the loop alive */
	struct uv_reactor_node open; /* list head */
};

struct evbpf_reactor_io {
	uv_poll_t poll;
	struct uv_reactor_node node;
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
	struct uv_reactor_node node;
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

static void node_apply_ref(struct uv_reactor_node *n, int unref)
{
	for (int i = 0; i < n->nr_handles; i++) {
		if (unref)
			uv_unref(n->handles[i]);
		else
			uv_ref(n->handles[i]);
	}
}

static void node_link(struct evbpf_reactor *base, struct uv_reactor_node *n)
{
	struct uv_reactor *r = (struct uv_reactor *)base;

	n->next = r->open.next;
	n->prev = &r->open;
	r->open.next->prev = n;
	r->open.next = n;
	if (r->unref)
		node_apply_ref(n, 1);
}

static void node_unlink(struct uv_reactor_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = n;
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
	io->node.handles[0] = (uv_handle_t *)&io->poll;
	io->node.nr_handles = 1;
	node_link(r, &io->node);
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
	node_unlink(&io->node);
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
	t->node.handles[0] = (uv_handle_t *)&t->timer;
	t->node.handles[1] = (uv_handle_t *)&t->idle;
	t->node.nr_handles = 2;
	node_link(r, &t->node);
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
	node_unlink(&t->node);
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
	r->open.prev = r->open.next = &r->open;
	err = evbpf_reactor_init(&r->base, &uv_ops, loop);
	if (err) {
		free(r);
		return err;
	}
	*reactorp = &r->base;
	return 0;
}

EVBPF_API int evbpf_uv_reactor_set_ref(struct evbpf_reactor *reactor, int ref)
{
	struct uv_reactor *r = (struct uv_reactor *)reactor;

	if (!reactor || reactor->ops != &uv_ops)
		return evbpf_reactor_error(-EINVAL, "uv reactor: not a libuv reactor");
	r->unref = !ref;
	for (struct uv_reactor_node *n = r->open.next; n != &r->open; n = n->next)
		node_apply_ref(n, r->unref);
	return 0;
}
