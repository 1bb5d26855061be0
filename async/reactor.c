/* SPDX-License-Identifier: MIT */
/*
 * The backend-neutral half of a reactor: reference counting, so that a
 * reactor the user has freed lives on while consumers still have watchers
 * on it or work in flight, and destroy() runs exactly once at the end.
 * Everything here runs on the loop's thread.
 *
 * A reactor's memory is gone once its last reference is dropped, so a
 * pointer the user kept after evbpf_reactor_free() cannot be looked at.
 * The live reactors are therefore kept in a process-wide set (the one
 * piece of global state of the async layer, behind a mutex because loops
 * run on many threads): every entry point that takes a reactor from the
 * user checks the set first and refuses a reactor that is not in it with
 * a message, instead of following a dangling pointer.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define EVBPF_ASYNC_INTERNAL
#include "internal.h"
#include "reactor.h"

static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct evbpf_reactor **live;
static size_t nr_live, live_cap;

static size_t live_find(const struct evbpf_reactor *r)
{
	for (size_t i = 0; i < nr_live; i++)
		if (live[i] == r)
			return i;
	return SIZE_MAX;
}

static int live_add(const struct evbpf_reactor *r)
{
	int err = 0;

	pthread_mutex_lock(&live_lock);
	if (live_find(r) == SIZE_MAX) {
		if (nr_live == live_cap) {
			size_t cap = live_cap ? live_cap * 2 : 8;
			const struct evbpf_reactor **n = realloc(live, cap * sizeof(*n));

			if (!n)
				err = -ENOMEM;
			else {
				live = n;
				live_cap = cap;
			}
		}
		if (!err)
			live[nr_live++] = r;
	}
	pthread_mutex_unlock(&live_lock);
	return err;
}

static bool live_remove(const struct evbpf_reactor *r)
{
	size_t i;

	pthread_mutex_lock(&live_lock);
	i = live_find(r);
	if (i != SIZE_MAX) {
		live[i] = live[--nr_live];
		if (!nr_live) {
			free(live);
			live = NULL;
			live_cap = 0;
		}
	}
	pthread_mutex_unlock(&live_lock);
	return i != SIZE_MAX;
}

static bool live_has(const struct evbpf_reactor *r)
{
	bool found;

	pthread_mutex_lock(&live_lock);
	found = live_find(r) != SIZE_MAX;
	pthread_mutex_unlock(&live_lock);
	return found;
}

int evbpf__reactor_check(const struct evbpf_reactor *r, const char *what)
{
	if (!r)
		return evbpf__err(-EINVAL, "%s: NULL reactor", what);
	if (!live_has(r))
		return evbpf__err(-EINVAL,
		                  "%s: reactor %p is not alive: its last reference was "
		                  "dropped (evbpf_reactor_free() with nothing started on it "
		                  "frees it), or it was never created; create a new one",
		                  what, (const void *)r);
	return 0;
}

EVBPF_API int evbpf_reactor_init(struct evbpf_reactor *r, const struct evbpf_reactor_ops *ops,
                                 void *loop)
{
	int err;

	if (!r || !ops)
		return evbpf__err(-EINVAL, "reactor init: NULL argument");
	if (ops->sz < offsetof(struct evbpf_reactor_ops, destroy) + sizeof(ops->destroy))
		return evbpf__err(-EINVAL, "reactor init: ops->sz %zu is too small", ops->sz);
	if (!ops->name)
		return evbpf__err(-EINVAL, "reactor init: the backend has no name");
	if (!ops->io_open || !ops->io_start || !ops->io_stop || !ops->io_close ||
	    !ops->timer_open || !ops->timer_start || !ops->timer_stop || !ops->timer_close ||
	    !ops->work_queue || !ops->destroy)
		return evbpf__err(-EINVAL, "reactor init: backend '%s' misses an operation",
		                  ops->name ? ops->name : "?");
	err = live_add(r);
	if (err)
		return evbpf__err(err, "reactor init: out of memory");
	r->ops = ops;
	r->loop = loop;
	r->refs = 1;
	r->flags = 0;
	return 0;
}

EVBPF_API int evbpf_reactor_error(int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return evbpf__err(err, "%s", msg);
}

void evbpf__reactor_ref(struct evbpf_reactor *r)
{
	r->refs++;
}

void evbpf__reactor_unref(struct evbpf_reactor *r)
{
	if (!r)
		return;
	if (r->refs == 0) {
		evbpf__warn("reactor: reference count underflow (freed twice?)");
		return;
	}
	if (--r->refs == 0) {
		live_remove(r);
		r->ops->destroy(r);
	}
}

EVBPF_API void evbpf_reactor_free(struct evbpf_reactor *reactor)
{
	if (!reactor)
		return;
	if (!live_has(reactor)) {
		evbpf__err(-EINVAL, "reactor free: reactor %p is not alive (freed twice?)",
		           (void *)reactor);
		return;
	}
	evbpf__reactor_unref(reactor);
}

int evbpf__reactor_io_open(struct evbpf_reactor *r, int fd, evbpf_reactor_io_fn fn, void *arg,
                           struct evbpf_reactor_io **iop)
{
	int err = r->ops->io_open(r, fd, fn, arg, iop);

	if (err)
		return evbpf__err(err, "reactor '%s': cannot watch fd %d: %s", r->ops->name, fd,
		                  evbpf_strerror(err));
	evbpf__reactor_ref(r);
	return 0;
}

void evbpf__reactor_io_close(struct evbpf_reactor *r, struct evbpf_reactor_io **iop)
{
	if (!*iop)
		return;
	r->ops->io_close(*iop);
	*iop = NULL;
	evbpf__reactor_unref(r);
}

int evbpf__reactor_timer_open(struct evbpf_reactor *r, evbpf_reactor_timer_fn fn, void *arg,
                              struct evbpf_reactor_timer **timerp)
{
	int err = r->ops->timer_open(r, fn, arg, timerp);

	if (err)
		return evbpf__err(err, "reactor '%s': cannot create a timer: %s", r->ops->name,
		                  evbpf_strerror(err));
	evbpf__reactor_ref(r);
	return 0;
}

void evbpf__reactor_timer_close(struct evbpf_reactor *r, struct evbpf_reactor_timer **timerp)
{
	if (!*timerp)
		return;
	r->ops->timer_close(*timerp);
	*timerp = NULL;
	evbpf__reactor_unref(r);
}

struct reactor_job {
	struct evbpf_reactor *r;
	evbpf_reactor_work_fn work;
	evbpf_reactor_done_fn done;
	void *arg;
};

static void job_work(void *arg)
{
	struct reactor_job *job = arg;

	job->work(job->arg);
}

static void job_done(void *arg, int status)
{
	struct reactor_job *job = arg;
	struct evbpf_reactor *r = job->r;

	job->done(job->arg, status);
	free(job);
	evbpf__reactor_unref(r);
}

int evbpf__reactor_work(struct evbpf_reactor *r, evbpf_reactor_work_fn work,
                        evbpf_reactor_done_fn done, void *arg)
{
	struct reactor_job *job = malloc(sizeof(*job));
	int err;

	if (!job)
		return evbpf__err(-ENOMEM, "reactor: out of memory queueing work");
	job->r = r;
	job->work = work;
	job->done = done;
	job->arg = arg;
	evbpf__reactor_ref(r);
	err = r->ops->work_queue(r, job_work, job_done, job);
	if (err) {
		free(job);
		evbpf__reactor_unref(r);
		return evbpf__err(err, "reactor '%s': cannot queue work: %s", r->ops->name,
		                  evbpf_strerror(err));
	}
	return 0;
}
