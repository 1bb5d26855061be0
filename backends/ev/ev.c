/* SPDX-License-Identifier: MIT */
/*
 * The libev reactor. Each io is an ev_io, each timer an ev_timer; work runs
 * on one worker thread per reactor (started on first use) and comes back
 * through an ev_async. libev's quirks this file works around:
 *
 *  - libev has no close callbacks: a stopped watcher may be freed at once,
 *    even from its own callback (ev_*_stop also clears a pending event).
 *  - ev_io_stop() does not remove the fd from the kernel's epoll set; libev
 *    relies on the fd being closed. The fds evbpf watches are numbers only
 *    the consumer holds, so closing them removes them, with one exception:
 *    a ring buffer's fd is the consumer's dup of the map fd, and an epoll
 *    registration lasts as long as the open file, which the user's map fd
 *    may keep open. The ring's next wakeup after the consumer is freed
 *    then reaches libev for a number it no longer watches; libev's epoll
 *    backend expects such strays (it cannot delete the closed number, so
 *    it rebuilds its epoll set once). libev does not expose its epoll fd,
 *    so this file cannot delete the registration itself.
 *  - An active ev_async keeps ev_run() from returning. It is started only
 *    while work is in flight, which is also what keeps the loop alive for
 *    that work, as uv_queue_work does for libuv.
 *  - A timer's parameters can only be set while it is stopped.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include <ev.h>
#include <evbpf/ev.h>

#include "reactor.h"

struct ev_job {
	struct ev_job *next;
	evbpf_reactor_work_fn work;
	evbpf_reactor_done_fn done;
	void *arg;
};

struct ev_reactor {
	struct evbpf_reactor base;
	struct ev_loop *loop;
	ev_async async;
	unsigned int in_flight; /* loop thread only */
	bool thread_started;
	pthread_t thread;
	pthread_mutex_t lock; /* guards the two queues and quit */
	pthread_cond_t cond;
	struct ev_job *todo, **todo_tail;
	struct ev_job *done, **done_tail;
	bool quit;
};

struct evbpf_reactor_io {
	ev_io io;
	struct ev_loop *loop;
	evbpf_reactor_io_fn fn;
	void *arg;
};

struct evbpf_reactor_timer {
	ev_timer timer;
	struct ev_loop *loop;
	evbpf_reactor_timer_fn fn;
	void *arg;
};

static struct ev_reactor *ev_reactor_of(struct evbpf_reactor *r)
{
	return (struct ev_reactor *)r;
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	struct evbpf_reactor_io *io = (struct evbpf_reactor_io *)w;

	(void)loop;
	io->fn(io->arg, (revents & EV_ERROR) ? -EIO : 0);
}

static int ev_io_open(struct evbpf_reactor *r, int fd, evbpf_reactor_io_fn fn, void *arg,
                      struct evbpf_reactor_io **iop)
{
	struct evbpf_reactor_io *io = calloc(1, sizeof(*io));

	if (!io)
		return -ENOMEM;
	ev_io_init(&io->io, on_io, fd, EV_READ);
	io->loop = ev_reactor_of(r)->loop;
	io->fn = fn;
	io->arg = arg;
	*iop = io;
	return 0;
}

static int ev_io_start_op(struct evbpf_reactor_io *io)
{
	ev_io_start(io->loop, &io->io);
	return 0;
}

static void ev_io_stop_op(struct evbpf_reactor_io *io)
{
	ev_io_stop(io->loop, &io->io);
}

static void ev_io_close(struct evbpf_reactor_io *io)
{
	ev_io_stop(io->loop, &io->io);
	free(io);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct evbpf_reactor_timer *t = (struct evbpf_reactor_timer *)w;

	(void)loop;
	(void)revents;
	t->fn(t->arg);
}

static int ev_timer_open(struct evbpf_reactor *r, evbpf_reactor_timer_fn fn, void *arg,
                         struct evbpf_reactor_timer **timerp)
{
	struct evbpf_reactor_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	ev_timer_init(&t->timer, on_timer, 0., 0.);
	t->loop = ev_reactor_of(r)->loop;
	t->fn = fn;
	t->arg = arg;
	*timerp = t;
	return 0;
}

static int ev_timer_start_op(struct evbpf_reactor_timer *t, uint64_t timeout_ms, uint64_t repeat_ms)
{
	ev_timer_stop(t->loop, &t->timer);
	ev_timer_set(&t->timer, (ev_tstamp)timeout_ms / 1000., (ev_tstamp)repeat_ms / 1000.);
	ev_timer_start(t->loop, &t->timer);
	return 0;
}

static void ev_timer_stop_op(struct evbpf_reactor_timer *t)
{
	ev_timer_stop(t->loop, &t->timer);
}

static void ev_timer_close(struct evbpf_reactor_timer *t)
{
	ev_timer_stop(t->loop, &t->timer);
	free(t);
}

/* The worker: runs queued jobs in order and hands them back to the loop. */
static void *worker_main(void *arg)
{
	struct ev_reactor *r = arg;
	struct ev_job *job;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (!r->todo && !r->quit)
			pthread_cond_wait(&r->cond, &r->lock);
		if (!r->todo)
			break; /* quit, and nothing left to run */
		job = r->todo;
		r->todo = job->next;
		if (!r->todo)
			r->todo_tail = &r->todo;
		pthread_mutex_unlock(&r->lock);

		job->work(job->arg);

		pthread_mutex_lock(&r->lock);
		job->next = NULL;
		*r->done_tail = job;
		r->done_tail = &job->next;
		/* Signal under the lock: the loop takes it before it can see
		 * the job, so the reactor cannot be destroyed (by the job's
		 * completion) while ev_async_send still uses it. */
		ev_async_send(r->loop, &r->async);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static void on_async(struct ev_loop *loop, ev_async *w, int revents)
{
	struct ev_reactor *r =
	    (struct ev_reactor *)((char *)w - offsetof(struct ev_reactor, async));
	struct ev_job *list, *job;

	(void)revents;
	pthread_mutex_lock(&r->lock);
	list = r->done;
	r->done = NULL;
	r->done_tail = &r->done;
	pthread_mutex_unlock(&r->lock);
	/* Count the batch down first: a completion may queue more work, or drop
	 * the last reference to the reactor (the reactor then outlives this
	 * function only because in_flight was nonzero until now: destroy() is
	 * called from the last completion, so nothing below may touch r after
	 * the last one). */
	if (!list)
		return;
	while (list) {
		job = list;
		list = job->next;
		if (--r->in_flight == 0 && !list)
			ev_async_stop(loop, &r->async);
		job->done(job->arg, 0);
		free(job);
	}
}

static int ev_work_queue(struct evbpf_reactor *base, evbpf_reactor_work_fn work,
                         evbpf_reactor_done_fn done, void *arg)
{
	struct ev_reactor *r = ev_reactor_of(base);
	struct ev_job *job = calloc(1, sizeof(*job));

	if (!job)
		return -ENOMEM;
	job->work = work;
	job->done = done;
	job->arg = arg;
	if (!r->thread_started) {
		int err = pthread_create(&r->thread, NULL, worker_main, r);

		if (err) {
			free(job);
			return -err;
		}
		r->thread_started = true;
	}
	if (!ev_is_active(&r->async))
		ev_async_start(r->loop, &r->async);
	r->in_flight++;
	pthread_mutex_lock(&r->lock);
	*r->todo_tail = job;
	r->todo_tail = &job->next;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

static void ev_destroy(struct evbpf_reactor *base)
{
	struct ev_reactor *r = ev_reactor_of(base);

	/* No work is in flight: every job holds a reference until its
	 * completion has run. */
	ev_async_stop(r->loop, &r->async);
	if (r->thread_started) {
		pthread_mutex_lock(&r->lock);
		r->quit = true;
		pthread_cond_signal(&r->cond);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->thread, NULL);
	}
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static const struct evbpf_reactor_ops ev_ops = {
    .sz = sizeof(struct evbpf_reactor_ops),
    .name = "ev",
    .io_open = ev_io_open,
    .io_start = ev_io_start_op,
    .io_stop = ev_io_stop_op,
    .io_close = ev_io_close,
    .timer_open = ev_timer_open,
    .timer_start = ev_timer_start_op,
    .timer_stop = ev_timer_stop_op,
    .timer_close = ev_timer_close,
    .work_queue = ev_work_queue,
    .destroy = ev_destroy,
};

EVBPF_API int evbpf_ev_reactor_new(struct ev_loop *loop, struct evbpf_reactor **reactorp)
{
	struct ev_reactor *r;
	int err;

	if (!loop || !reactorp)
		return evbpf_reactor_error(-EINVAL, "ev reactor: NULL argument");
	r = calloc(1, sizeof(*r));
	if (!r)
		return evbpf_reactor_error(-ENOMEM, "ev reactor: out of memory");
	r->loop = loop;
	r->todo_tail = &r->todo;
	r->done_tail = &r->done;
	err = pthread_mutex_init(&r->lock, NULL);
	if (err) {
		free(r);
		return evbpf_reactor_error(-err, "ev reactor: pthread_mutex_init failed");
	}
	err = pthread_cond_init(&r->cond, NULL);
	if (err) {
		pthread_mutex_destroy(&r->lock);
		free(r);
		return evbpf_reactor_error(-err, "ev reactor: pthread_cond_init failed");
	}
	ev_async_init(&r->async, on_async);
	err = evbpf_reactor_init(&r->base, &ev_ops, loop);
	if (err) {
		pthread_cond_destroy(&r->cond);
		pthread_mutex_destroy(&r->lock);
		free(r);
		return err;
	}
	*reactorp = &r->base;
	return 0;
}
