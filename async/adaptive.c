/* SPDX-License-Identifier: MIT */
/*
 * Adaptive wakeups (max_delay_us): under load, drain on a timer instead of
 * being woken by the kernel for every catch-up.
 *
 * Why a ring buffer consumer can silence the kernel on its own: the
 * kernel's commit wakes the consumer only when the record it commits
 * starts at the consumer position that user space published. A consumer
 * that has read everything and publishes the start of the LAST record it
 * took, instead of the end, is one record "behind": new records are all
 * committed after that position, and none can ever start there again
 * while it is published (that would take a whole ring of space the
 * producer cannot reserve past the held record). So the kernel sends no
 * wakeup at all, and the consumer drains every period instead.
 *
 * The held record:
 *  - it has been delivered; the consumer's own position (rb->cons) is past
 *    it, so a later drain never delivers it again; only its space is
 *    released late (one record);
 *  - published positions only move forward: the hold is decided before a
 *    drain (which then publishes start-of-last-record), never by moving
 *    a published position back;
 *  - leaving timer mode, stop(), drain-on-stop and free() publish the full
 *    position (with the fence of the wakeup protocol, ringbuf.c), so a
 *    consumer created later on the same map starts after it and the next
 *    commit wakes us again.
 *
 * The loop side: the consumer's epoll fd (what the reactor watches) holds
 * the ring's fd and a timerfd. The ring's poll reports readiness whenever
 * unconsumed data is published, which a held record always is, so in
 * timer mode the ring's fd is switched off in the epoll set (events 0)
 * and only the timer makes the epoll fd readable; in wakeup mode the
 * timer is disarmed. Each readiness therefore has one meaning per mode; a
 * stale one (the ring's entry still on the ready list as we switched) is
 * recognized by the timerfd having nothing to read. A timerfd rather than
 * the reactor's millisecond timers: max_delay_us is in microseconds and
 * the p99 latency must stay close to it. A libuv timer counts whole
 * milliseconds from the loop's cached time, so a 1000 us period could
 * fire up to 2 ms late; a timerfd is an hrtimer armed without slack
 * (timer slack applies to sleeping calls such as epoll_wait's timeout,
 * not to timerfds), and its expiry makes the reactor's epoll_wait return
 * at once, on libuv and libev alike.
 *
 * When to switch: into timer mode when two wakeups come less than
 * max_delay_us / 2 apart (the timer then saves at least one wakeup per
 * period); back to wakeups when a period delivered fewer than two records
 * (the rate fell; a wakeup is then as cheap and much sooner). The two
 * thresholds differ so that a rate near the boundary does not flap.
 *
 * A full ring is still drained in time as far as the rate allows: the
 * kernel cannot wake a held consumer when its ring fills, so the period
 * shortens (halves, down to an eighth of max_delay_us) whenever a period
 * brought more than a quarter of the ring, and grows back when a period
 * brings less than a sixteenth. Budgets bound each drain as always; the
 * leftovers are drained at the next loop iteration (the kick timer).
 *
 * Perf buffers cannot be silenced per record: their wakeups come from the
 * event's wakeup_events or wakeup_watermark, fixed at perf_event_open().
 * perfbuf.c opens the events with a watermark of half a ring, and the
 * timer runs whenever the consumer is started. Nothing is held back (the
 * kernel's wakeup does not depend on data_tail), so every drain publishes
 * everything it read. So that records are not lost while the consumer can
 * keep up on average:
 *  - the timer drains every period, and the period shortens as for a ring
 *    buffer when a period brought more than a quarter of a ring (down to
 *    max_delay_us / 8), so a fast producer is drained before the
 *    watermark would even be reached;
 *  - a watermark wakeup is drained at once, not at the next tick. (The
 *    kernel wakes each time another half ring has been written since its
 *    last wakeup, unread or not: at most one wakeup per half ring of
 *    data, and never more than half a ring written without one);
 *  - a drain that stops at the budget resumes at the next loop iteration
 *    (the kick timer), whatever the timer says.
 * What it cannot do is run when the thread does not get a CPU: a ring
 * fills in (ring size / record size / rate) seconds, and a consumer that
 * waits longer than that for a CPU loses records in any mode.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "consumer.h"

#define ADAPTIVE_TIMER_TAG 1u /* epoll data of the timerfd; the rings use 0 */
#define MIN_PERIOD_DIV     8  /* the shortest period: max_delay_us / 8 */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t drain_limit(const struct evbpf__consumer *c)
{
	return c->budget == UINT32_MAX ? UINT64_MAX : c->budget;
}

int evbpf__adaptive_init(struct evbpf__consumer *c, uint32_t max_delay_us, int watch_fd,
                         uint64_t capacity, bool always_timer)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = ADAPTIVE_TIMER_TAG};
	int err;

	if (!max_delay_us)
		return 0;
	c->ad.max_delay_us = max_delay_us;
	c->ad.period_us = max_delay_us;
	c->ad.watch_fd = watch_fd;
	c->ad.capacity = capacity;
	c->ad.always_timer = always_timer;
	c->ad.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (c->ad.timer_fd < 0) {
		err = -errno;
		return evbpf__err(err, "%s: timerfd_create for max_delay_us: %s", c->ops->kind,
		                  evbpf_strerror(err));
	}
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->ad.timer_fd, &ev) < 0) {
		err = -errno;
		return evbpf__err(err, "%s: epoll_ctl of the timerfd: %s", c->ops->kind,
		                  evbpf_strerror(err));
	}
	return 0;
}

void evbpf__adaptive_free(struct evbpf__consumer *c)
{
	if (c->ad.timer_fd >= 0)
		close(c->ad.timer_fd);
	c->ad.timer_fd = -1;
}

static int arm_timer(struct evbpf__consumer *c, uint32_t period_us)
{
	struct itimerspec its;
	int err;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = period_us / 1000000;
	its.it_value.tv_nsec = (long)(period_us % 1000000) * 1000;
	its.it_interval = its.it_value;
	if (timerfd_settime(c->ad.timer_fd, 0, &its, NULL) < 0) {
		err = -errno;
		return evbpf__err(err, "%s: timerfd_settime: %s", c->ops->kind,
		                  evbpf_strerror(err));
	}
	return 0;
}

/* Switch the ring's fd on or off in the consumer's epoll set. */
static int watch_ring(struct evbpf__consumer *c, bool on)
{
	struct epoll_event ev = {.events = on ? EPOLLIN : 0};
	int err;

	if (epoll_ctl(c->epfd, EPOLL_CTL_MOD, c->ad.watch_fd, &ev) < 0) {
		err = -errno;
		return evbpf__err(err, "%s: epoll_ctl: %s", c->ops->kind, evbpf_strerror(err));
	}
	return 0;
}

int evbpf__adaptive_start(struct evbpf__consumer *c)
{
	c->ad.held = false;
	c->ad.last_wakeup_ns = 0;
	c->ad.period_records = 0;
	c->ad.period_bytes = 0;
	c->ad.period_us = c->ad.max_delay_us;
	if (c->ad.always_timer)
		return arm_timer(c, c->ad.period_us);
	return 0;
}

static int enter_timer_mode(struct evbpf__consumer *c)
{
	int err;

	err = watch_ring(c, false);
	if (!err)
		err = arm_timer(c, c->ad.period_us);
	if (err) {
		/* Stay with wakeups: nothing is held yet. */
		watch_ring(c, true);
		return err;
	}
	c->ops->set_hold(c, true);
	c->ad.held = true;
	c->ad.period_records = 0;
	c->ad.period_bytes = 0;
	c->stats.timer_mode_enters++;
	return 0;
}

static void leave_timer_mode(struct evbpf__consumer *c)
{
	/* Publish first, then watch again: a commit in between lands at
	 * the published position and its wakeup is ignored (events 0),
	 * but the ring then has data, which the MOD below reports. */
	c->ops->set_hold(c, false);
	watch_ring(c, true);
	arm_timer(c, 0);
	c->ad.held = false;
	c->ad.last_wakeup_ns = 0;
	c->ad.period_us = c->ad.max_delay_us;
	c->stats.timer_mode_exits++;
}

void evbpf__adaptive_stop(struct evbpf__consumer *c)
{
	if (c->ad.timer_fd < 0)
		return;
	if (c->ad.held)
		leave_timer_mode(c);
	else
		arm_timer(c, 0);
}

void evbpf__adaptive_on_io(struct evbpf__consumer *c)
{
	uint64_t ticks = 0, now;
	ssize_t n;

	/* The timerfd first: it says whether this readiness is the timer. */
	if (c->ad.always_timer || c->ad.held) {
		n = read(c->ad.timer_fd, &ticks, sizeof(ticks));
		if (n == (ssize_t)sizeof(ticks) && ticks) {
			evbpf__consumer_run(c, drain_limit(c), EVBPF__DRAIN_ADAPTIVE_TIMER);
			return;
		}
		if (c->ad.held)
			return; /* stale: the ring's fd is off in timer mode */
	}
	c->stats.wakeups++;
	if (!c->ad.always_timer) {
		now = mono_ns();
		if (c->ad.last_wakeup_ns &&
		    now - c->ad.last_wakeup_ns < (uint64_t)c->ad.max_delay_us * 500)
			enter_timer_mode(c);
		c->ad.last_wakeup_ns = now;
	}
	evbpf__consumer_run(c, drain_limit(c), EVBPF__DRAIN_IO);
}

/* Re-arm with a new period when a period's fill says so. */
static void adapt_period(struct evbpf__consumer *c, uint64_t fill)
{
	uint32_t min = c->ad.max_delay_us / MIN_PERIOD_DIV, period = c->ad.period_us;

	if (!min)
		min = 1;
	if (fill > c->ad.capacity / 4 && period > min)
		period = period / 2 > min ? period / 2 : min;
	else if (fill < c->ad.capacity / 16 && period < c->ad.max_delay_us)
		period = period * 2 < c->ad.max_delay_us ? period * 2 : c->ad.max_delay_us;
	if (period != c->ad.period_us && !arm_timer(c, period))
		c->ad.period_us = period;
}

void evbpf__adaptive_after_drain(struct evbpf__consumer *c, enum evbpf__drain_src src,
                                 uint64_t records, uint64_t bytes)
{
	if (!c->ad.held && !c->ad.always_timer)
		return;
	c->ad.period_records += records;
	c->ad.period_bytes += bytes;
	if (src != EVBPF__DRAIN_ADAPTIVE_TIMER)
		return;
	if (c->ad.held && c->ad.period_records < 2) {
		leave_timer_mode(c);
		return;
	}
	/* Bytes the producer used: payload plus a header each (8 bytes in
	 * a ring buffer, 12 in a perf buffer: counted as 8, and a perf
	 * period's bytes are all CPUs' against one CPU's ring, which errs
	 * towards shorter periods). */
	adapt_period(c, c->ad.period_bytes + 8 * c->ad.period_records);
	c->ad.period_records = 0;
	c->ad.period_bytes = 0;
}
