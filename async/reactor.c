/* SPDX-License-Identifier: MIT */
/*
 * The backend-neutral half of a reactor: reference counting, so that a
 * reactor the user has freed lives on while consumers still have watchers
 * on it or work in flight, and destroy() runs exactly once at the end.
 * Everything here runs on the loop's thread.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define EVBPF_ASYNC_INTERNAL
#include "internal.h"
#include "reactor.h"

EVBPF_API int evbpf_reactor_init(struct evbpf_reactor *r, const struct evbpf_reactor_ops *ops,
                                 void *loop)
{
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
	if (--r->refs == 0)
		r->ops->destroy(r);
}

EVBPF_API void evbpf_reactor_free(struct evbpf_reactor *reactor)
{
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
