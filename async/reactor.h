/* SPDX-License-Identifier: MIT */
/*
 * The reactor contract: what a loop backend gives the async layer.
 *
 * A reactor is an event loop plus a small table of operations, in the way a
 * libev backend is a handful of function pointers its init fills in. The
 * consumers in async/ (ring buffers, perf buffers, map polling) need only:
 *
 *   - io:    watch one fd for readability; start, stop, close.
 *   - timer: a one-shot or repeating timer in milliseconds; start, stop,
 *            close. A timeout of 0 means "at the next loop iteration", which
 *            is how a drain that used up its budget resumes.
 *   - work:  run a function off the loop thread, then a completion on the
 *            loop thread.
 *
 * This header is written so that it can become public. How to write a
 * reactor for another loop (glib, libevent, a hand-written epoll loop):
 *
 *   1. Define your reactor with `struct evbpf_reactor` as its first member
 *      and your loop's state after it; allocate it in your constructor.
 *   2. Fill a static `struct evbpf_reactor_ops` (sz = sizeof the struct) and
 *      call evbpf_reactor_init(&r->base, &ops, loop). The reactor now has
 *      one reference, the caller's, dropped by evbpf_reactor_free().
 *   3. io_open() allocates your watcher for fd (level-triggered
 *      readability: the fds evbpf hands over are numbers the consumer owns:
 *      epoll fds, perf event fds, or its own dup of a ring buffer's map fd,
 *      whose open file the user may share; so io_close() should take the fd
 *      out of the loop's epoll set, as libuv does; libev copes with the
 *      stray event instead, see backends/ev/ev.c)
 *      and returns it through
 *      *iop without starting it. io_start()/io_stop() arm and disarm it and
 *      may be called any number of times. io_close() stops it for good: the
 *      callback must never run after io_close() returns, but the memory may
 *      be released later (libuv releases it in the close callback). The fd
 *      stays open until after io_close(); evbpf closes it, never the backend.
 *   4. timer_open()/timer_start(timeout_ms, repeat_ms)/timer_stop()/
 *      timer_close() follow the same rules. repeat_ms == 0 is one-shot.
 *      Starting a started timer restarts it.
 *   5. work_queue(work, done, arg) runs work(arg) on some other thread and
 *      then done(arg, status) on the loop thread, status 0 (or -ECANCELED
 *      if the backend dropped the job). While work is queued the loop must
 *      stay alive, as if it were an active watcher. It may fail (-ENOMEM,
 *      -EAGAIN), and then neither function runs.
 *   6. destroy() releases the reactor. evbpf calls it once, when the last
 *      reference is gone: after evbpf_reactor_free() and after every io and
 *      timer was closed and every work completion ran. Never call it
 *      yourself.
 *
 * Readability is all a backend watches, also for writers. A user ring
 * buffer producer waits for room (async/user_ringbuf.c): the map fd polls
 * writable (EPOLLOUT) while the ring is not completely full, a level that
 * would spin a loop whose next record does not fit. The producer registers
 * the map fd edge-triggered for EPOLLOUT in an epoll fd of its own, which
 * turns each kernel wakeup (one per drain by the BPF side) into one
 * readable event on that fd, and hands that fd to io_open(). So a backend
 * needs no write watcher, and a loop library that has no edge-triggered
 * mode (libuv, libev) still waits for space without spinning.
 *
 * Reactors are reference counted, and evbpf keeps a process-wide set of
 * the live ones: a reactor pointer used after its last reference is gone
 * is refused with -EINVAL by every start function, never dereferenced.
 *
 * Every operation but work's work function is called on the loop's thread,
 * and every callback must be delivered on it. Callbacks may close their own
 * watcher or any other (and may free the consumer that owns them).
 * Operations return 0 or a negative errno; a backend that wants to explain a
 * failure calls evbpf_reactor_error(). backends/uv/uv.c and
 * backends/ev/ev.c are complete examples of about two hundred lines each.
 */
#ifndef EVBPF_ASYNC_REACTOR_H
#define EVBPF_ASYNC_REACTOR_H

#include <stddef.h>
#include <stdint.h>

#include <evbpf/async.h>

#ifdef __cplusplus
extern "C" {
#endif

struct evbpf_reactor_io;    /* a backend's fd watcher */
struct evbpf_reactor_timer; /* a backend's timer */

/* status: 0, or a negative errno the loop reported for the fd. */
typedef void (*evbpf_reactor_io_fn)(void *arg, int status);
typedef void (*evbpf_reactor_timer_fn)(void *arg);
typedef void (*evbpf_reactor_work_fn)(void *arg);
typedef void (*evbpf_reactor_done_fn)(void *arg, int status);

struct evbpf_reactor_ops {
	size_t sz;        /* sizeof(struct evbpf_reactor_ops) the backend was built with */
	const char *name; /* "uv", "ev", ... for messages; required */

	int (*io_open)(struct evbpf_reactor *r, int fd, evbpf_reactor_io_fn fn, void *arg,
	               struct evbpf_reactor_io **iop);
	int (*io_start)(struct evbpf_reactor_io *io);
	void (*io_stop)(struct evbpf_reactor_io *io);
	void (*io_close)(struct evbpf_reactor_io *io);

	int (*timer_open)(struct evbpf_reactor *r, evbpf_reactor_timer_fn fn, void *arg,
	                  struct evbpf_reactor_timer **timerp);
	int (*timer_start)(struct evbpf_reactor_timer *timer, uint64_t timeout_ms,
	                   uint64_t repeat_ms);
	void (*timer_stop)(struct evbpf_reactor_timer *timer);
	void (*timer_close)(struct evbpf_reactor_timer *timer);

	int (*work_queue)(struct evbpf_reactor *r, evbpf_reactor_work_fn work,
	                  evbpf_reactor_done_fn done, void *arg);

	void (*destroy)(struct evbpf_reactor *r);
};

/*
 * The part of a reactor that evbpf reads. A backend embeds it as the first
 * member of its own structure. `refs` belongs to evbpf: the caller's
 * reference, one per open io or timer, one per queued work item.
 */
struct evbpf_reactor {
	const struct evbpf_reactor_ops *ops;
	void *loop; /* the backend's loop, for the backend's own use */
	unsigned int refs;
	unsigned int flags; /* reserved, 0 */
};

/* For backends: set up the common part. -EINVAL when an operation is missing. */
EVBPF_API int evbpf_reactor_init(struct evbpf_reactor *r, const struct evbpf_reactor_ops *ops,
                                 void *loop);
/* For backends: record a failure for evbpf_errmsg() and return err. */
EVBPF_API int evbpf_reactor_error(int err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------------ */
/* What the consumers use (internal; each takes or drops a reference)  */
/* ------------------------------------------------------------------ */

#ifdef EVBPF_ASYNC_INTERNAL
#define EVBPF_ASYNC_HIDDEN __attribute__((visibility("hidden")))

EVBPF_ASYNC_HIDDEN int evbpf__reactor_io_open(struct evbpf_reactor *r, int fd,
                                              evbpf_reactor_io_fn fn, void *arg,
                                              struct evbpf_reactor_io **iop);
/* Close *iop if set, drop its reference and clear it. */
EVBPF_ASYNC_HIDDEN void evbpf__reactor_io_close(struct evbpf_reactor *r,
                                                struct evbpf_reactor_io **iop);
EVBPF_ASYNC_HIDDEN int evbpf__reactor_timer_open(struct evbpf_reactor *r, evbpf_reactor_timer_fn fn,
                                                 void *arg, struct evbpf_reactor_timer **timerp);
EVBPF_ASYNC_HIDDEN void evbpf__reactor_timer_close(struct evbpf_reactor *r,
                                                   struct evbpf_reactor_timer **timerp);
/* Queue work; the reactor stays alive until done has run. */
EVBPF_ASYNC_HIDDEN int evbpf__reactor_work(struct evbpf_reactor *r, evbpf_reactor_work_fn work,
                                           evbpf_reactor_done_fn done, void *arg);
/* -EINVAL with a message unless r is a live reactor (not freed). */
EVBPF_ASYNC_HIDDEN int evbpf__reactor_check(const struct evbpf_reactor *r, const char *what);
EVBPF_ASYNC_HIDDEN void evbpf__reactor_ref(struct evbpf_reactor *r);
EVBPF_ASYNC_HIDDEN void evbpf__reactor_unref(struct evbpf_reactor *r);
#endif

#ifdef __cplusplus
}
#endif

#endif /* EVBPF_ASYNC_REACTOR_H */
