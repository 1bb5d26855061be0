/* SPDX-License-Identifier: MIT */
/*
 * The async layer: ring buffers, perf event arrays and map polling as
 * watchers on an event loop, and user ring buffers written from one. A reactor (see <evbpf/uv.h>, <evbpf/ev.h>) is
 * a loop plus the few operations the consumers need. Every callback runs on
 * the loop's thread.
 *
 * Threading: a consumer (ringbuf, perfbuf, mappoll) and the reactor it runs
 * on belong to the loop's thread; call their functions from that thread, or
 * from any one thread at a time when the consumer is not started. The
 * producers are BPF programs and may run on any CPU concurrently.
 *
 * Lifetimes: start() registers a consumer's watchers on the reactor and
 * takes a reference on it; stop() closes those watchers again (with libuv
 * the handles are released by the loop's close callbacks, so run the loop
 * once more before uv_loop_close()). evbpf_reactor_free() drops the
 * caller's reference only: consumers still started keep working until they
 * are stopped or freed. Freeing a consumer stops it; it may be freed from
 * inside its own callback. A reactor whose last reference is gone (freed
 * with nothing started on it) is refused by every start function with
 * -EINVAL and a message, never followed: keep your reference until you
 * are done starting consumers on it.
 *
 * One reader per ring: a second evbpf_ringbuf_new() on a map whose ring
 * this process reads already is refused with -EBUSY (two readers would
 * publish positions over each other and lose records).
 */
#ifndef EVBPF_ASYNC_H
#define EVBPF_ASYNC_H

#include <evbpf/evbpf.h>

#ifdef __cplusplus
extern "C" {
#endif

struct evbpf_reactor;
struct evbpf_ringbuf;
struct evbpf_perfbuf;
struct evbpf_mappoll;

/* Called once per record; data points into the ring (zero copy) and is
 * valid only during the call. A negative return stops the drain and is
 * returned by the call that drained (consume, flush, poll). The record it
 * was called for counts as consumed. On a loop, the records after it
 * follow at the next loop iteration: stop the consumer to stop them. */
typedef int (*evbpf_ringbuf_fn)(void *ctx, const void *data, size_t size);
/* As evbpf_ringbuf_fn, with the CPU whose ring held the record. size is the
 * kernel's raw sample size, which is the size the program wrote rounded up
 * so that the sample stays 8-byte aligned (the padding is zeroed). */
typedef int (*evbpf_perfbuf_fn)(void *ctx, int cpu, const void *data, size_t size);
/* lost: samples the kernel dropped on that CPU because its ring was full. */
typedef void (*evbpf_lost_fn)(void *ctx, int cpu, uint64_t lost);

/* One record of a batch: zero copy, valid only during the batch call. */
struct evbpf_record {
	const void *data;
	size_t size;
};

/* Called with up to `batch_max` records at once, in ring order. A negative
 * return stops the drain; every record of the batch counts as consumed. */
typedef int (*evbpf_ringbuf_batch_fn)(void *ctx, const struct evbpf_record *recs, size_t n);

/* ------------------------------------------------------------------ */
/* Options shared by the ring and perf buffer consumers                */
/* ------------------------------------------------------------------ */

/*
 * Timer mode: with drain_interval_ms set, the consumer also drains every
 * drain_interval_ms milliseconds. That is how records from producers using
 * BPF_RB_NO_WAKEUP (or perf events below their wakeup threshold) are
 * picked up. With EVBPF_ASYNC_TIMER_ONLY the fd is not watched at all.
 */
#define EVBPF_ASYNC_TIMER_ONLY (1u << 0)
/* stop() first drains every committed record (the callback runs inside
 * stop(), or, when stop() is called from the callback, the drain in
 * progress carries on to the end of the ring). */
#define EVBPF_ASYNC_DRAIN_ON_STOP (1u << 1)

/* The default number of records one drain on a loop delivers before it
 * yields to the loop (and carries on at the next loop iteration). */
#define EVBPF_ASYNC_DEFAULT_BUDGET 8192

struct evbpf_ringbuf_opts {
	size_t sz;
	/* Records per drain on the loop (0: EVBPF_ASYNC_DEFAULT_BUDGET,
	 * UINT32_MAX: no limit). Leftovers are drained at the next loop
	 * iteration without waiting for a new wakeup. Direct calls
	 * (consume, flush, poll) are never limited. */
	uint32_t budget;
	uint32_t drain_interval_ms; /* timer mode, 0: off */
	uint32_t flags;             /* EVBPF_ASYNC_* */
	/* Batch delivery instead of the per-record callback: fn may then be
	 * NULL. batch_max records at most per call (0: 64). */
	evbpf_ringbuf_batch_fn batch_fn;
	uint32_t batch_max;
	/* Adaptive wakeups (see below): 0 keeps one wakeup per catch-up. */
	uint32_t max_delay_us;
};

struct evbpf_perfbuf_opts {
	size_t sz;
	/* Wake the reader after this many records (0: 1) ... */
	uint32_t wakeup_events;
	/* ... or, when non-zero, once this many bytes are in a CPU's ring. */
	uint32_t wakeup_watermark;
	uint32_t budget; /* as in evbpf_ringbuf_opts, over all CPUs */
	uint32_t drain_interval_ms;
	uint32_t flags; /* EVBPF_ASYNC_* */
	/* Adaptive wakeups (see below): 0 keeps the wakeup settings above. */
	uint32_t max_delay_us;
};

/* ------------------------------------------------------------------ */
/* Adaptive wakeups: max_delay_us                                      */
/* ------------------------------------------------------------------ */

/*
 * With max_delay_us set, a record may wait up to that long (plus the
 * loop's own latency) before its callback runs, and in return the kernel
 * stops waking the consumer under load: a wakeup costs the producer an
 * irq_work and the consumer a trip through the loop, and at high rates it
 * is most of the consumer's CPU time per record.
 *
 * Ring buffers: the kernel wakes a consumer only when a record is
 * committed at the consumer position it published. When wakeups come
 * closer together than max_delay_us / 2, the consumer switches to timer
 * mode: it publishes its position one record behind (the record is
 * delivered, only its space is released later), so no commit lands at the
 * published position and no wakeup is sent, and it drains every
 * max_delay_us on a timer instead (shorter when a period fills more than a
 * quarter of the ring). When a timer drain finds fewer than two records it
 * publishes its full position and goes back to wakeups. Every record is
 * delivered exactly once; stop(), flush, drain-on-stop, free() and budgets
 * keep their meaning (stop and free publish the full position). What it
 * cannot do: a burst that fills the ring within one period is lost as it
 * would be with a consumer that is late; size the ring for
 * max_delay_us of the peak rate.
 *
 * Perf buffers: the events are opened with a wakeup watermark of half of
 * each CPU's ring (unless wakeup_events or wakeup_watermark is set): the
 * kernel then wakes the consumer once per half ring written, and such a
 * wakeup is drained at once. The consumer drains every max_delay_us while
 * started, also when idle, and more often (down to max_delay_us / 8) while
 * a period brings more than a quarter of a ring. Records are lost only
 * when the ring fills before the consumer gets a CPU.
 *
 * Not with EVBPF_ASYNC_TIMER_ONLY. stats.wakeups counts the wakeups
 * from the kernel, stats.timer_drains the timer's drains, and the fields
 * below the mode switches.
 */

/* Counters of one consumer since it was created, brought up to date at the
 * end of each drain (a callback sees the values of the drains before). */
struct evbpf_async_stats {
	size_t sz;
	uint64_t records;      /* delivered to the callback (discarded ones excluded) */
	uint64_t bytes;        /* payload bytes delivered */
	uint64_t wakeups;      /* fd readiness callbacks from the reactor */
	uint64_t timer_drains; /* drains run by the timer mode */
	uint64_t budget_hits;  /* drains that stopped at the budget with records left */
	uint64_t lost;         /* perf buffer: records the kernel reported lost */
	uint64_t drains;       /* drain passes of any origin */
	/* Adaptive wakeups (max_delay_us): switches of a ring buffer consumer
	 * into timer mode and back to wakeups. */
	uint64_t timer_mode_enters;
	uint64_t timer_mode_exits;
};

/* ------------------------------------------------------------------ */
/* Ring buffers (BPF_MAP_TYPE_RINGBUF)                                 */
/* ------------------------------------------------------------------ */

/*
 * Map the ring of a loaded BPF_MAP_TYPE_RINGBUF map. The consumer keeps the
 * ring mapped (and the kernel map alive) until evbpf_ringbuf_free(). Only
 * one consumer may read a given ring at a time: -EBUSY when this process
 * has a consumer on the map already (another process cannot be seen).
 */
EVBPF_API int evbpf_ringbuf_new(const struct evbpf_map *map, evbpf_ringbuf_fn fn, void *ctx,
                                struct evbpf_ringbuf **rbp);
EVBPF_API int evbpf_ringbuf_new_opts(const struct evbpf_map *map, evbpf_ringbuf_fn fn, void *ctx,
                                     const struct evbpf_ringbuf_opts *opts,
                                     struct evbpf_ringbuf **rbp);
/* Drain now, without a loop: the number of records consumed or -errno. */
EVBPF_API int evbpf_ringbuf_consume(struct evbpf_ringbuf *rb);
/* Drain at most n records now. */
EVBPF_API int evbpf_ringbuf_consume_n(struct evbpf_ringbuf *rb, size_t n);
/* Drain everything now, also while started on a loop (ignores the budget). */
EVBPF_API int evbpf_ringbuf_flush(struct evbpf_ringbuf *rb);
/* No loop: wait up to timeout_ms (-1: forever) for a wakeup, then drain.
 * Returns the records consumed, 0 on timeout, -EINTR, or -EBUSY while the
 * consumer is started on a reactor. */
EVBPF_API int evbpf_ringbuf_poll(struct evbpf_ringbuf *rb, int timeout_ms);
/* An epoll fd that becomes readable when the ring has records, for loops
 * evbpf has no reactor for. Owned by the consumer, and created on the first
 * call (or evbpf_ringbuf_poll()) unless max_delay_us is set: on a reactor,
 * the loop watches the ring's fd directly. Returns the fd or -errno. */
EVBPF_API int evbpf_ringbuf_epoll_fd(const struct evbpf_ringbuf *rb);
/* Watch the ring on the reactor (and arm the drain timer): -EBUSY when
 * already started. stop() is a pause: records stay in the ring (unless
 * EVBPF_ASYNC_DRAIN_ON_STOP) and start() resumes. Stopping a stopped
 * consumer returns 0. */
EVBPF_API int evbpf_ringbuf_start(struct evbpf_ringbuf *rb, struct evbpf_reactor *reactor);
EVBPF_API int evbpf_ringbuf_stop(struct evbpf_ringbuf *rb);
EVBPF_API int evbpf_ringbuf_stats(const struct evbpf_ringbuf *rb, struct evbpf_async_stats *stats);
/* Records committed but not consumed yet are left in the ring. NULL-safe. */
EVBPF_API void evbpf_ringbuf_free(struct evbpf_ringbuf *rb);

/* ------------------------------------------------------------------ */
/* Perf buffers (BPF_MAP_TYPE_PERF_EVENT_ARRAY)                        */
/* ------------------------------------------------------------------ */

/*
 * Open a PERF_COUNT_SW_BPF_OUTPUT event on every online CPU (offline CPUs
 * and CPUs beyond the map's max_entries are skipped), map 1 + pages_per_cpu
 * pages of each (pages_per_cpu must be a power of two) and store the event
 * fds into the map; evbpf_perfbuf_free() removes them again. Records that
 * wrap around the end of a ring are copied into a reusable buffer; others
 * are handed over in place. lost may be NULL (lost records are counted in
 * the stats in any case).
 */
EVBPF_API int evbpf_perfbuf_new(const struct evbpf_map *map, size_t pages_per_cpu,
                                evbpf_perfbuf_fn fn, evbpf_lost_fn lost, void *ctx,
                                struct evbpf_perfbuf **pbp);
EVBPF_API int evbpf_perfbuf_new_opts(const struct evbpf_map *map, size_t pages_per_cpu,
                                     evbpf_perfbuf_fn fn, evbpf_lost_fn lost, void *ctx,
                                     const struct evbpf_perfbuf_opts *opts,
                                     struct evbpf_perfbuf **pbp);
/* Drain every CPU's ring now: the records delivered or -errno. */
EVBPF_API int evbpf_perfbuf_consume(struct evbpf_perfbuf *pb);
EVBPF_API int evbpf_perfbuf_flush(struct evbpf_perfbuf *pb);
EVBPF_API int evbpf_perfbuf_poll(struct evbpf_perfbuf *pb, int timeout_ms);
EVBPF_API int evbpf_perfbuf_epoll_fd(const struct evbpf_perfbuf *pb);
/* The number of CPU rings (online CPUs the map has a slot for). */
EVBPF_API int evbpf_perfbuf_cpu_count(const struct evbpf_perfbuf *pb);
EVBPF_API int evbpf_perfbuf_start(struct evbpf_perfbuf *pb, struct evbpf_reactor *reactor);
EVBPF_API int evbpf_perfbuf_stop(struct evbpf_perfbuf *pb);
EVBPF_API int evbpf_perfbuf_stats(const struct evbpf_perfbuf *pb, struct evbpf_async_stats *stats);
EVBPF_API void evbpf_perfbuf_free(struct evbpf_perfbuf *pb);

/* ------------------------------------------------------------------ */
/* Map polling                                                         */
/* ------------------------------------------------------------------ */

/*
 * A snapshot of a map, or in delta mode the keys whose value changed (or
 * appeared) since the previous snapshot and the keys that disappeared.
 * Keys and values are packed arrays: entry i's key is at
 * keys + i * key_size, its value at values + i * value_size, where
 * value_size is evbpf_map_value_buf_size() (per-CPU maps: one 8-byte
 * aligned slot per possible CPU). Valid only during the callback.
 */
struct evbpf_map_snapshot {
	uint64_t seq; /* 1 for the first snapshot, then +1 per snapshot */
	size_t count;
	const void *keys;
	const void *values;
	size_t key_size;
	size_t value_size;
	/* Delta mode only: keys present before and gone now. */
	size_t deleted_count;
	const void *deleted_keys;
	int delta; /* 1 when this is a delta (never for seq 1) */
};
typedef void (*evbpf_mappoll_fn)(void *ctx, const struct evbpf_map_snapshot *snap);

#define EVBPF_MAPPOLL_DELTA    (1u << 0) /* report changes only */
#define EVBPF_MAPPOLL_OFFLOOP  (1u << 1) /* always dump on the reactor's worker */
#define EVBPF_MAPPOLL_NO_BATCH (1u << 2) /* next_key + lookup even if batch ops work */

struct evbpf_mappoll_opts {
	size_t sz;
	uint32_t interval_ms; /* 0: 1000 */
	uint32_t flags;       /* EVBPF_MAPPOLL_* */
	/* Maps with more max_entries than this are dumped off the loop thread
	 * (0: 4096). */
	uint32_t offloop_entries;
};

struct evbpf_mappoll_stats {
	size_t sz;
	uint64_t polls;         /* snapshots delivered */
	uint64_t offloop_polls; /* of which dumped off the loop thread */
	uint64_t batch_polls;   /* of which read with BPF_MAP_LOOKUP_BATCH */
	uint64_t skipped;       /* ticks skipped because a dump was still running */
	uint64_t entries;       /* entries read in total */
};

/*
 * Poll a loaded map: once started on a reactor, fn receives a snapshot (or,
 * with EVBPF_MAPPOLL_DELTA, the changes) every interval_ms on the loop's
 * thread. opts may be NULL. The map must outlive the poller.
 */
EVBPF_API int evbpf_mappoll_new(const struct evbpf_map *map, evbpf_mappoll_fn fn, void *ctx,
                                const struct evbpf_mappoll_opts *opts, struct evbpf_mappoll **mpp);
/* Take a snapshot now on the calling thread and deliver it: 0 or -errno. */
EVBPF_API int evbpf_mappoll_poll(struct evbpf_mappoll *mp);
EVBPF_API int evbpf_mappoll_start(struct evbpf_mappoll *mp, struct evbpf_reactor *reactor);
EVBPF_API int evbpf_mappoll_stop(struct evbpf_mappoll *mp);
EVBPF_API int evbpf_mappoll_stats(const struct evbpf_mappoll *mp,
                                  struct evbpf_mappoll_stats *stats);
/* NULL-safe. A dump still running off the loop is abandoned: its result is
 * dropped and its memory released when it comes back to the loop. */
EVBPF_API void evbpf_mappoll_free(struct evbpf_mappoll *mp);

/* ------------------------------------------------------------------ */
/* User ring buffers (BPF_MAP_TYPE_USER_RINGBUF, Linux 6.1)            */
/* ------------------------------------------------------------------ */

/*
 * The other direction: user space writes records, a BPF program reads
 * them with bpf_user_ringbuf_drain(&map, callback, ctx, 0), one callback
 * per record (a dynptr), whenever the program runs. The natural way to
 * push commands or configuration into BPF from an event loop.
 *
 *	void *p;
 *	if (!evbpf_user_ringbuf_reserve(urb, sizeof(struct cmd), &p)) {
 *		memcpy(p, &cmd, sizeof(cmd));
 *		evbpf_user_ringbuf_submit(urb, p);   // the BPF side sees it now
 *	}
 *
 * Records are consumed in ring order; a reservation that is neither
 * submitted nor discarded holds back the records after it. A producer is
 * not thread-safe (use one thread at a time; the loop's thread once
 * started), and a process has at most one producer per ring (a second
 * evbpf_user_ringbuf_new() on the same map is -EBUSY).
 */
struct evbpf_user_ringbuf;

/* Called on the loop's thread after the BPF side consumed records (each
 * bpf_user_ringbuf_drain() that drained something, unless it passed
 * BPF_RB_NO_WAKEUP), so there is more room than before: retry here what
 * did not fit. It may reserve, submit, stop or free the producer. */
typedef void (*evbpf_user_ringbuf_space_fn)(void *ctx, struct evbpf_user_ringbuf *urb);

/* Map the ring of a loaded BPF_MAP_TYPE_USER_RINGBUF map for writing.
 * -EINVAL for another map type, -EBUSY when this process has a producer
 * on the map already. The producer keeps the map alive until freed. */
EVBPF_API int evbpf_user_ringbuf_new(const struct evbpf_map *map,
                                     struct evbpf_user_ringbuf **urbp);
/*
 * Reserve size bytes (1 to the ring size minus 8, at most 16 MiB - 1) and
 * return them, 8-byte aligned, through *samplep; the caller fills them and
 * then submits or discards them. Never blocks: -ENOSPC when the ring has
 * no room for the record now (evbpf_errmsg() says how much there is),
 * -E2BIG when it never could.
 */
EVBPF_API int evbpf_user_ringbuf_reserve(struct evbpf_user_ringbuf *urb, size_t size,
                                         void **samplep);
/*
 * As reserve, but wait up to timeout_ms (-1: forever; 0: just try) for the
 * BPF side to make room, sleeping in epoll_wait until it drains. Returns
 * -ETIMEDOUT when the time is up, -EBUSY while started on a reactor (a loop
 * must not block: use reserve and the space callback there).
 */
EVBPF_API int evbpf_user_ringbuf_reserve_blocking(struct evbpf_user_ringbuf *urb, size_t size,
                                                  int timeout_ms, void **samplep);
/* Hand a reserved sample to the BPF side, or drop it (the BPF side skips
 * it). -EINVAL for a pointer that is not a reserved sample of this ring. */
EVBPF_API int evbpf_user_ringbuf_submit(struct evbpf_user_ringbuf *urb, void *sample);
EVBPF_API int evbpf_user_ringbuf_discard(struct evbpf_user_ringbuf *urb, void *sample);
/* Bytes free in the ring now (a record takes its size plus an 8-byte
 * header, rounded up to 8). */
EVBPF_API size_t evbpf_user_ringbuf_avail(const struct evbpf_user_ringbuf *urb);
/* An epoll fd that becomes readable once after each drain by the BPF side
 * (edge-triggered; reserve_blocking and the loop clear it), for loops
 * evbpf has no reactor for. Owned by the producer. */
EVBPF_API int evbpf_user_ringbuf_epoll_fd(const struct evbpf_user_ringbuf *urb);
/* Call fn on the reactor's loop whenever the BPF side has made room (see
 * evbpf_user_ringbuf_space_fn); the producer itself never blocks the
 * loop. -EBUSY when started already. stop() is a pause. */
EVBPF_API int evbpf_user_ringbuf_start(struct evbpf_user_ringbuf *urb,
                                       struct evbpf_reactor *reactor,
                                       evbpf_user_ringbuf_space_fn fn, void *ctx);
EVBPF_API int evbpf_user_ringbuf_stop(struct evbpf_user_ringbuf *urb);
/* Stop, discard every sample still reserved (so the BPF side is not held
 * back by them), and unmap; submitted records stay for the BPF side.
 * NULL-safe; may be called from the space callback. */
EVBPF_API void evbpf_user_ringbuf_free(struct evbpf_user_ringbuf *urb);

/* ------------------------------------------------------------------ */
/* Reactors                                                            */
/* ------------------------------------------------------------------ */

/* Drop the caller's reference (NULL-safe); the reactor goes away when no
 * consumer is started on it and no work is in flight. Call it on the
 * loop's thread. */
EVBPF_API void evbpf_reactor_free(struct evbpf_reactor *reactor);

#ifdef __cplusplus
}
#endif

#endif /* EVBPF_ASYNC_H */
