/* SPDX-License-Identifier: MIT */
/*
 * What the ring buffer and perf buffer consumers share: being a watcher on
 * a reactor. A consumer hands the reactor one fd of its own (io_fd), has an
 * optional repeating drain timer (timer mode) and a one-shot "kick" timer
 * that resumes a drain which used up its budget at the next loop iteration.
 *
 * io_fd is never a number the user holds, so that closing it (after the
 * reactor's watcher is closed) removes it from the loop's epoll set even
 * with a loop (libev) that never deletes fds from its set itself:
 *  - a ring buffer in default mode: the consumer's dup of the map fd. The
 *    loop's epoll set then watches the ring directly, as libbpf's does: one
 *    wait queue callback and one ready-list pass per wakeup, instead of two
 *    of each through an epoll fd nested in the loop's;
 *  - a ring buffer with max_delay_us, and a perf buffer: the consumer's
 *    epoll fd (epfd), which holds the ring's fd and a timerfd, or every
 *    CPU's event fd.
 * epfd is also what evbpf_*_epoll_fd() return and what evbpf_*_poll() wait
 * on; a ring buffer in default mode creates it only when one of those is
 * called.
 *
 * A drain may run user callbacks, which may stop or free the consumer. The
 * consumer therefore drains only through evbpf__consumer_run(), which marks
 * the drain in progress; stop() then only closes the watchers and asks the
 * drain to end, and free() is deferred to the end of the drain.
 */
#ifndef EVBPF_ASYNC_CONSUMER_H
#define EVBPF_ASYNC_CONSUMER_H

#include <stdbool.h>
#include <stdint.h>

#define EVBPF_ASYNC_INTERNAL
#include "internal.h"
#include "reactor.h"

#define EVBPF__DEFAULT_BATCH 64

struct evbpf__consumer;

struct evbpf__consumer_ops {
	const char *kind; /* "ringbuf", "perfbuf" for messages */
	/* Deliver up to limit records (UINT64_MAX: no limit): the count, or a
	 * negative callback result / -errno. Sets *hit when it stopped at
	 * limit with records left. Must end early when
	 * evbpf__consumer_should_end() says so after a callback. */
	long (*drain)(struct evbpf__consumer *c, uint64_t limit, bool *hit);
	void (*destroy)(struct evbpf__consumer *c);
	/* Adaptive wakeups, ring buffers only (NULL otherwise): publish one
	 * record behind from the next drain on, or (hold false) publish the
	 * full position now, with the fence that orders it before later
	 * loads. Not called during a drain. */
	void (*set_hold)(struct evbpf__consumer *c, bool hold);
};

/* Adaptive wakeups (adaptive.c); timer_fd < 0 when max_delay_us is 0. */
struct evbpf__adaptive {
	uint32_t max_delay_us;
	uint32_t period_us; /* the timer's period now: <= max_delay_us */
	int timer_fd;       /* a timerfd in the consumer's epoll fd */
	int watch_fd;       /* ring buffer: the map fd (our dup) in the epoll fd */
	bool always_timer;  /* perf buffer: the timer runs while started */
	bool held;          /* ring buffer: in timer mode */
	uint64_t capacity;  /* bytes of the ring, for the period */
	uint64_t last_wakeup_ns;
	uint64_t period_records; /* delivered since the last timer drain */
	uint64_t period_bytes;
};

struct evbpf__consumer {
	const struct evbpf__consumer_ops *ops;
	int epfd;  /* the consumer's epoll fd, -1 until needed (see above) */
	int io_fd; /* what the reactor watches: epfd or a ring's own fd; -1: none */
	/* Or several fds, each watched directly (a perf buffer's per-CPU
	 * events in default mode: one epoll level, as libbpf has). */
	const int *io_fds;
	size_t nr_io_fds;
	struct evbpf_reactor_io **ios;
	uint32_t budget;
	uint32_t interval_ms;
	uint32_t flags;
	struct evbpf_reactor *reactor;
	struct evbpf_reactor_io *io;
	struct evbpf_reactor_timer *timer;
	struct evbpf_reactor_timer *kick;
	bool started;
	bool in_drain;
	bool stop_req;  /* stop() during the drain: end it */
	bool free_req;  /* free() during the drain: free at its end */
	bool drain_all; /* ignore the limit (drain-on-stop, flush) */
	bool end_req;   /* the drain must end after this record */
	/* The end of the memory a drain pass may walk: a drain loop compares
	 * its record pointer with this word after every record, and stop()
	 * or free() from a callback clear it, so the loop needs no separate
	 * test of end_req on its fast path. */
	uintptr_t drain_cap;
	bool cb_failed; /* the drain ended on a callback error, records may be left */
	struct evbpf_async_stats stats;
	struct evbpf__adaptive ad;
};

enum evbpf__drain_src {
	EVBPF__DRAIN_CALL,           /* consume, flush, poll */
	EVBPF__DRAIN_IO,             /* the fd became readable */
	EVBPF__DRAIN_TIMER,          /* timer mode */
	EVBPF__DRAIN_KICK,           /* leftovers of a budget-limited drain */
	EVBPF__DRAIN_ADAPTIVE_TIMER, /* adaptive wakeups: the timer mode's tick */
};

EVBPF_HIDDEN void evbpf__consumer_init(struct evbpf__consumer *c,
                                       const struct evbpf__consumer_ops *ops, uint32_t budget,
                                       uint32_t interval_ms, uint32_t flags);
/* Run one drain; afterwards c may have been freed (by a callback). */
EVBPF_HIDDEN int evbpf__consumer_run(struct evbpf__consumer *c, uint64_t limit,
                                     enum evbpf__drain_src src);
EVBPF_HIDDEN int evbpf__consumer_poll(struct evbpf__consumer *c, int timeout_ms);
EVBPF_HIDDEN int evbpf__consumer_start(struct evbpf__consumer *c, struct evbpf_reactor *reactor);
EVBPF_HIDDEN int evbpf__consumer_stop(struct evbpf__consumer *c);
EVBPF_HIDDEN void evbpf__consumer_free(struct evbpf__consumer *c);
EVBPF_HIDDEN int evbpf__consumer_stats(const struct evbpf__consumer *c,
                                       struct evbpf_async_stats *stats);

/* Adaptive wakeups (adaptive.c). init adds a timerfd to c->epfd; for a
 * ring buffer watch_fd is the fd already in c->epfd (the consumer's own
 * dup), -1 for a perf buffer (always_timer). */
EVBPF_HIDDEN int evbpf__adaptive_init(struct evbpf__consumer *c, uint32_t max_delay_us,
                                      int watch_fd, uint64_t capacity, bool always_timer);
EVBPF_HIDDEN int evbpf__adaptive_start(struct evbpf__consumer *c);
/* Leave timer mode (publishing the full position) and disarm the timer. */
EVBPF_HIDDEN void evbpf__adaptive_stop(struct evbpf__consumer *c);
EVBPF_HIDDEN void evbpf__adaptive_on_io(struct evbpf__consumer *c);
/* After every drain of a started consumer (c not freed). */
EVBPF_HIDDEN void evbpf__adaptive_after_drain(struct evbpf__consumer *c, enum evbpf__drain_src src,
                                              uint64_t records, uint64_t bytes);
EVBPF_HIDDEN void evbpf__adaptive_free(struct evbpf__consumer *c);

/* After each callback: has the callback stopped or freed the consumer? */
static inline bool evbpf__consumer_should_end(const struct evbpf__consumer *c)
{
	return c->end_req;
}

/* Ask the drain in progress to end after the current record. */
static inline void evbpf__consumer_end_drain(struct evbpf__consumer *c)
{
	c->end_req = true;
	c->drain_cap = 0;
}

#endif /* EVBPF_ASYNC_CONSUMER_H */
