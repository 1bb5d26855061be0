/* SPDX-License-Identifier: MIT */
/*
 * The loop side of the ring and perf buffer consumers: watchers, timers,
 * budget, deferred stop and free. See consumer.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "consumer.h"

void evbpf__consumer_init(struct evbpf__consumer *c, const struct evbpf__consumer_ops *ops,
                          uint32_t budget, uint32_t interval_ms, uint32_t flags)
{
	c->ops = ops;
	c->epfd = -1;
	c->io_fd = -1;
	c->budget = budget ? budget : EVBPF_ASYNC_DEFAULT_BUDGET;
	c->interval_ms = interval_ms;
	c->flags = flags;
	c->stats.sz = sizeof(c->stats);
	c->ad.timer_fd = -1;
	c->ad.watch_fd = -1;
}

static void close_watchers(struct evbpf__consumer *c)
{
	struct evbpf_reactor *r = c->reactor;

	if (!r)
		return;
	evbpf__adaptive_stop(c);
	/* Take our own reference so that closing the last watcher cannot
	 * destroy the reactor while we still use it here. */
	evbpf__reactor_ref(r);
	evbpf__reactor_io_close(r, &c->io);
	for (size_t i = 0; c->ios && i < c->nr_io_fds; i++)
		evbpf__reactor_io_close(r, &c->ios[i]);
	free(c->ios);
	c->ios = NULL;
	evbpf__reactor_timer_close(r, &c->timer);
	evbpf__reactor_timer_close(r, &c->kick);
	c->reactor = NULL;
	c->started = false;
	evbpf__reactor_unref(r);
}

static void destroy(struct evbpf__consumer *c)
{
	/* The watchers first: the reactor may watch an fd that
	 * ops->destroy() closes (a ring buffer's dup of its map fd). */
	close_watchers(c);
	evbpf__adaptive_free(c);
	if (c->epfd >= 0)
		close(c->epfd);
	c->epfd = -1;
	c->ops->destroy(c);
}

int evbpf__consumer_run(struct evbpf__consumer *c, uint64_t limit, enum evbpf__drain_src src)
{
	uint64_t records = c->stats.records, bytes = c->stats.bytes;
	bool hit = false;
	long n;

	if (c->in_drain)
		return evbpf__err(-EBUSY, "%s: drain called from its own callback", c->ops->kind);
	c->in_drain = true;
	c->stop_req = false;
	c->end_req = false;
	c->cb_failed = false;
	if (limit == UINT64_MAX)
		c->drain_all = true;
	c->stats.drains++;
	if (src == EVBPF__DRAIN_TIMER || src == EVBPF__DRAIN_ADAPTIVE_TIMER)
		c->stats.timer_drains++;
	n = c->ops->drain(c, limit, &hit);
	c->in_drain = false;
	c->drain_all = false;
	if (c->free_req) {
		destroy(c);
		return n > INT_MAX ? INT_MAX : (int)n;
	}
	if (hit)
		c->stats.budget_hits++;
	if (c->started && c->ad.timer_fd >= 0)
		evbpf__adaptive_after_drain(c, src, c->stats.records - records,
		                            c->stats.bytes - bytes);
	/* Resume at the next loop iteration: a perf event reports readiness
	 * once per wakeup, and a ring producer wakes us only when we have
	 * caught up, so leftovers would otherwise wait. */
	if ((hit || c->cb_failed) && c->started && c->kick)
		c->reactor->ops->timer_start(c->kick, 0, 0);
	return n > INT_MAX ? INT_MAX : (int)n;
}

static void on_io(void *arg, int status)
{
	struct evbpf__consumer *c = arg;

	if (status < 0)
		evbpf__debug("%s: the loop reports %s on its fd", c->ops->kind,
		             evbpf_strerror(status));
	if (c->ad.timer_fd >= 0) {
		evbpf__adaptive_on_io(c);
		return;
	}
	c->stats.wakeups++;
	evbpf__consumer_run(c, c->budget == UINT32_MAX ? UINT64_MAX : c->budget, EVBPF__DRAIN_IO);
}

static void on_timer(void *arg)
{
	struct evbpf__consumer *c = arg;

	evbpf__consumer_run(c, c->budget == UINT32_MAX ? UINT64_MAX : c->budget,
	                    EVBPF__DRAIN_TIMER);
}

static void on_kick(void *arg)
{
	struct evbpf__consumer *c = arg;

	evbpf__consumer_run(c, c->budget == UINT32_MAX ? UINT64_MAX : c->budget, EVBPF__DRAIN_KICK);
}

static int watch_one(struct evbpf__consumer *c, struct evbpf_reactor *r, int fd,
                     struct evbpf_reactor_io **iop)
{
	int err = evbpf__reactor_io_open(r, fd, on_io, c, iop);

	if (err)
		return err;
	err = r->ops->io_start(*iop);
	if (err)
		return evbpf__err(err, "%s: reactor '%s' cannot start watching: %s", c->ops->kind,
		                  r->ops->name, evbpf_strerror(err));
	return 0;
}

/* io_fd, or each of io_fds: any of them readable runs a drain. */
static int start_watching(struct evbpf__consumer *c, struct evbpf_reactor *r)
{
	int err;

	if (!c->nr_io_fds)
		return watch_one(c, r, c->io_fd, &c->io);
	c->ios = calloc(c->nr_io_fds, sizeof(*c->ios));
	if (!c->ios)
		return evbpf__err(-ENOMEM, "%s: out of memory", c->ops->kind);
	for (size_t i = 0; i < c->nr_io_fds; i++) {
		err = watch_one(c, r, c->io_fds[i], &c->ios[i]);
		if (err)
			return err;
	}
	return 0;
}

int evbpf__consumer_start(struct evbpf__consumer *c, struct evbpf_reactor *r)
{
	const struct evbpf_reactor_ops *ops;
	int err;

	err = evbpf__reactor_check(r, c->ops->kind);
	if (err)
		return err;
	if (c->started)
		return evbpf__err(-EBUSY, "%s: already started", c->ops->kind);
	if (c->io_fd < 0 && !c->nr_io_fds)
		return evbpf__err(-EINVAL, "%s: no fd to watch", c->ops->kind);
	if ((c->flags & EVBPF_ASYNC_TIMER_ONLY) && !c->interval_ms)
		return evbpf__err(-EINVAL, "%s: timer-only mode without drain_interval_ms",
		                  c->ops->kind);
	ops = r->ops;
	c->reactor = r;
	if (!(c->flags & EVBPF_ASYNC_TIMER_ONLY)) {
		err = start_watching(c, r);
		if (err)
			goto err;
	}
	err = evbpf__reactor_timer_open(r, on_kick, c, &c->kick);
	if (err)
		goto err;
	if (c->interval_ms) {
		err = evbpf__reactor_timer_open(r, on_timer, c, &c->timer);
		if (err)
			goto err;
		err = ops->timer_start(c->timer, c->interval_ms, c->interval_ms);
		if (err)
			goto err_timer;
	}
	/* Records left by an earlier stop, or committed without a wakeup,
	 * are picked up at the next iteration whatever the fd says. */
	err = ops->timer_start(c->kick, 0, 0);
	if (err)
		goto err_timer;
	if (c->ad.timer_fd >= 0) {
		err = evbpf__adaptive_start(c);
		if (err)
			goto err;
	}
	c->started = true;
	return 0;
err_timer:
	err = evbpf__err(err, "%s: reactor '%s' cannot start a timer: %s", c->ops->kind, ops->name,
	                 evbpf_strerror(err));
err:
	close_watchers(c);
	return err;
}

int evbpf__consumer_stop(struct evbpf__consumer *c)
{
	if (!c->started)
		return 0;
	if (c->in_drain) {
		/* From a callback: the drain in progress ends after it (or
		 * runs to the end of the ring with DRAIN_ON_STOP). */
		c->stop_req = true;
		if (c->flags & EVBPF_ASYNC_DRAIN_ON_STOP)
			c->drain_all = true;
		else
			evbpf__consumer_end_drain(c);
		close_watchers(c);
		return 0;
	}
	close_watchers(c);
	if (c->flags & EVBPF_ASYNC_DRAIN_ON_STOP) {
		int n = evbpf__consumer_run(c, UINT64_MAX, EVBPF__DRAIN_CALL);

		return n < 0 ? n : 0;
	}
	return 0;
}

void evbpf__consumer_free(struct evbpf__consumer *c)
{
	if (c->in_drain) {
		c->free_req = true;
		evbpf__consumer_end_drain(c);
		close_watchers(c);
		return;
	}
	destroy(c);
}

int evbpf__consumer_poll(struct evbpf__consumer *c, int timeout_ms)
{
	struct epoll_event ev[8];
	int n;

	if (c->started)
		return evbpf__err(-EBUSY, "%s: poll while started on a reactor", c->ops->kind);
	if (c->in_drain)
		return evbpf__err(-EBUSY, "%s: poll called from its own callback", c->ops->kind);
	n = epoll_wait(c->epfd, ev, (int)EVBPF_ARRAY_SIZE(ev), timeout_ms);
	if (n < 0) {
		int err = -errno;

		if (err == -EINTR)
			return err;
		return evbpf__err(err, "%s: epoll_wait: %s", c->ops->kind, evbpf_strerror(err));
	}
	if (n == 0)
		return 0;
	c->stats.wakeups++;
	return evbpf__consumer_run(c, UINT64_MAX, EVBPF__DRAIN_CALL);
}

int evbpf__consumer_stats(const struct evbpf__consumer *c, struct evbpf_async_stats *stats)
{
	size_t sz;

	if (!stats || stats->sz < sizeof(size_t))
		return evbpf__err(-EINVAL, "%s stats: stats->sz is not set", c->ops->kind);
	sz = stats->sz < sizeof(*stats) ? stats->sz : sizeof(*stats);
	memcpy((char *)stats + sizeof(size_t), (const char *)&c->stats + sizeof(size_t),
	       sz - sizeof(size_t));
	return 0;
}
