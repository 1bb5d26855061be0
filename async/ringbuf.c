/* SPDX-License-Identifier: MIT */
/*
 * BPF ring buffer consumer.
 *
 * The kernel lays a BPF_MAP_TYPE_RINGBUF out as: a consumer page (the
 * consumer position, the only thing user space writes), a producer page
 * (the producer position), then the data area mapped twice in a row, so a
 * record that runs past the end of the ring is still contiguous in memory
 * and can be handed to the callback in place. Each record starts with an
 * 8-byte header: a 32-bit length whose top two bits are BUSY (reserved,
 * not yet committed) and DISCARD, and a page offset. Records are 8-byte
 * aligned.
 *
 * Memory ordering, on every architecture:
 *  - the producer position and each record header are read with acquire
 *    loads, so the record's bytes are visible once its header says it is
 *    committed;
 *  - the consumer position is published with a release store, so the
 *    kernel cannot reuse space before we have finished reading it; it is
 *    published once per batch (at the end of a pass over the ring, or
 *    every quarter ring on a long pass), not once per record;
 *  - the kernel wakes the consumer only when, at commit time, it sees the
 *    consumer position equal to the committed record's position. So after
 *    publishing we issue a full barrier and look at the producer position
 *    and the next header again: either we see the new record, or the
 *    producer (whose commit is an xchg, a full barrier, before it reads
 *    our position) sees that we caught up and sends the wakeup. Without
 *    the barrier the store of our position and the load of the producer
 *    position may be reordered and a wakeup lost.
 *
 * Wakeups: the consumer keeps its own dup of the map fd (F_DUPFD_CLOEXEC),
 * a number that stays valid when the user closes the object first. In
 * default mode the reactor watches that fd itself, so a commit's wakeup
 * goes through one epoll level, as with libbpf's ring_buffer__poll(): the
 * loop's. (The consumer used to hand the reactor an epoll fd of its own
 * with the ring in it; every wakeup then ran two ep_poll_callback()s, and
 * every epoll_wait() of the loop re-polled the inner set.) The consumer's
 * epoll fd exists only where it is needed: adaptive wakeups put their
 * timerfd next to the ring in it and the reactor watches that; otherwise
 * it is created on the first evbpf_ringbuf_epoll_fd() or
 * evbpf_ringbuf_poll(). An epoll registration lives as long as the open
 * file, not the number, and the user's map fd shares our dup's file, so
 * the reactor's watcher is always closed (consumer.c) before the dup.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include "consumer.h"
#include "async-internal.h"
#include "ring_claim.h"

#ifndef BPF_RINGBUF_BUSY_BIT
#define BPF_RINGBUF_BUSY_BIT (1U << 31)
#endif
#ifndef BPF_RINGBUF_DISCARD_BIT
#define BPF_RINGBUF_DISCARD_BIT (1U << 30)
#endif
#define RINGBUF_HDR_SZ 8

struct evbpf_ringbuf {
	struct evbpf__consumer c; /* first: the consumer callbacks cast back */
	evbpf_ringbuf_fn fn;
	evbpf_ringbuf_batch_fn batch_fn;
	void *ctx;
	struct evbpf_record *batch;
	uint32_t batch_max;
	/* The ring. */
	uint64_t *consumer_pos; /* in the read-write consumer page */
	const uint64_t *producer_pos;
	const uint8_t *data; /* the data area, mapped twice */
	uint64_t mask;
	size_t size;
	uint64_t cons;       /* our consumer position; only we write it */
	uint64_t published;  /* the position last stored to consumer_pos */
	uint64_t prev;       /* the drain's guess: header word of the last clean record */
	uint64_t stride;     /* and its size */
	uint64_t last_total; /* the size of the last record taken, for hold mode */
	bool hold;           /* adaptive timer mode: publish one record behind */
	uint32_t max_delay_us;
	int watch_fd; /* our dup of the map fd: watched by the reactor or in the epoll fd */
	void *cons_map;
	void *prod_map;
	size_t prod_map_size;
	size_t page_size;
	uint32_t claim_id; /* the map's id while this consumer owns the ring */
};

/* A header word that never occurs: BUSY and DISCARD are never set
 * together. As the "previous word" it sends the next record down the slow
 * path. */
#define RINGBUF_NO_WORD 0xffffffffu

/*
 * The state of one drain, kept in locals by the (inlined) pass functions.
 * Only what the fast path needs stays live across the callback: the
 * record pointer, the pass end, the guess (word and stride), the count.
 */
struct drain_state {
	uint64_t cons;       /* position of the next record */
	uint64_t left;       /* records the limit still allows */
	uint64_t n;          /* records delivered */
	uint64_t bytes;      /* their payload bytes */
	uint64_t prev;       /* header word (= length) of the previous clean record */
	uint64_t stride;     /* its size: the guess for the next record */
	uint64_t last_total; /* the size of the last record taken (for hold) */
	long ret;            /* a callback's negative result or -errno */
	bool busy;           /* stopped at a record not committed yet */
	bool stop;           /* ended by a callback, an error or the limit */
};

/* Hand the collected batch over; returns the callback's result. */
static inline int flush_batch(struct evbpf_ringbuf *rb, struct evbpf_record **bp)
{
	size_t nb = (size_t)(*bp - rb->batch);

	if (!nb)
		return 0;
	*bp = rb->batch;
	return rb->batch_fn(rb->ctx, rb->batch, nb);
}

/* Deliver one record: call the callback, or add the record to the batch
 * and hand the batch over when it is full. The callback's result. */
static __attribute__((always_inline)) inline int
take(struct evbpf_ringbuf *rb, struct evbpf_record **bp, struct evbpf_record *b_end,
     const uint8_t *rec, uint64_t len, const bool batched)
{
	if (!batched)
		return rb->fn(rb->ctx, rec, len);
	(*bp)->data = rec;
	(*bp)->size = len;
	if (__builtin_expect(++*bp != b_end, 1))
		return 0;
	return flush_batch(rb, bp);
}

/* After a callback returned an error. */
static void cb_failed(struct evbpf_ringbuf *rb, struct drain_state *d, int err)
{
	d->ret = err;
	d->stop = true;
	rb->c.cb_failed = true;
}

static void corrupt(struct drain_state *d, uint64_t pos, uint32_t word, uint64_t avail)
{
	d->ret = evbpf__err(-EINVAL,
	                    "ringbuf: corrupt record at position %llu: length %u, %llu bytes "
	                    "available",
	                    (unsigned long long)pos, word & ~BPF_RINGBUF_DISCARD_BIT,
	                    (unsigned long long)avail);
	d->stop = true;
}

/*
 * One pass over the records committed in [cons, prod), or up to a quarter
 * of the ring past cons, whichever comes first (the caller then publishes
 * our position, so that a long drain frees space as it goes).
 *
 * Why this loop looks the way it does: a drain loop's cost per record is
 * what stays live across the callback. The callback is opaque, so every
 * value the loop keeps must sit in one of the six callee-saved registers
 * or be reloaded from memory after each call. The loop therefore keeps
 * only the record pointer, the guess (word and stride), the count and rb;
 * the callback and its context are read through rb at the call, and the
 * pass end is a word of the consumer (drain_cap) compared in memory, which
 * stop() and free() clear from a callback: the same compare then also
 * ends the drain, with no separate flag to test per record.
 *
 * The pass walks a plain pointer: the data area is mapped twice in a row,
 * so from cons & mask everything up to prod is contiguous, and neither
 * the mask nor the position is needed per record. The fast path is a
 * record whose header word equals the previous clean record's: same
 * length, committed, not discarded. One compare then stands for the busy,
 * discard and length checks, and the next header's address (p + stride)
 * does not wait for this header's load, so consecutive loads overlap. The
 * bound check of the fast path is folded into the end-of-pass compare: a
 * record that ends at or past the pass end goes to the cold path, which
 * tells a last record from a corrupt length. Payload bytes are counted per
 * run of equal lengths (bytes = adj + n * len), not per record.
 *
 * `limited` and `batched` are constants at each call site: the compiler
 * builds four loops, none of which tests what it does not need.
 */
static __attribute__((always_inline)) inline void ringbuf_pass(struct evbpf_ringbuf *rb,
                                                               struct drain_state *d, uint64_t prod,
                                                               const bool batched,
                                                               const bool limited)
{
	const uint8_t *const start = rb->data + (d->cons & rb->mask);
	const uint8_t *const end = start + (prod - d->cons);
	struct evbpf_record *b = rb->batch, *const b_end = rb->batch + rb->batch_max;
	const uint8_t *p = start;
	const uint8_t *disc_end = NULL; /* where the last discarded record ended */
	uint64_t prev = d->prev, disc_total = 0;
	uint64_t stride = d->stride, n = 0, left = d->left;
	uint64_t adj = 0; /* bytes delivered = adj + n * prev (mod 2^64) */
	int err;

	rb->c.drain_cap = (uintptr_t)(prod - d->cons > rb->size / 4 ? start + rb->size / 4 : end);
	for (;;) {
		uint64_t w = __atomic_load_n((const uint32_t *)p, __ATOMIC_ACQUIRE), total;

		/* The fast path, rotated so that the next header's load and
		 * compare close the loop. */
		while (__builtin_expect(w == prev, 1)) {
			const uint8_t *rec = p + RINGBUF_HDR_SZ;

			p += stride;
			if (__builtin_expect((uintptr_t)p >= rb->c.drain_cap, 0))
				goto tail;
			n++;
			err = take(rb, &b, b_end, rec, w, batched);
			if (__builtin_expect(err < 0, 0))
				goto failed;
			if (limited && __builtin_expect(--left == 0, 0)) {
				if (!rb->c.drain_all)
					goto out;
				left = UINT64_MAX;
			}
			w = __atomic_load_n((const uint32_t *)p, __ATOMIC_ACQUIRE);
		}
		/* The slow path: a new length, a discarded or busy record. */
		if (w & BPF_RINGBUF_BUSY_BIT) {
			d->busy = true;
			goto out;
		}
		total =
		    ((w & ~(uint64_t)BPF_RINGBUF_DISCARD_BIT) + RINGBUF_HDR_SZ + 7) & ~(uint64_t)7;
		if (total > (uint64_t)(end - p)) {
			corrupt(d, d->cons + (uint64_t)(p - start), (uint32_t)w,
			        (uint64_t)(end - p));
			goto out;
		}
		p += total;
		if (w & BPF_RINGBUF_DISCARD_BIT) {
			/* Skipped, and the guess kept. */
			disc_end = p;
			disc_total = total;
			if ((uintptr_t)p >= rb->c.drain_cap)
				goto out;
			continue;
		}
		/* n is 0 whenever prev is still RINGBUF_NO_WORD. */
		adj += n * (prev - w);
		prev = w;
		stride = total;
		if (__builtin_expect((uintptr_t)p >= rb->c.drain_cap, 0))
			goto tail;
		n++;
		err = take(rb, &b, b_end, p - stride + RINGBUF_HDR_SZ, w, batched);
		if (__builtin_expect(err < 0, 0))
			goto failed;
		if (limited && __builtin_expect(--left == 0, 0)) {
			if (!rb->c.drain_all)
				goto out;
			left = UINT64_MAX;
		}
		continue;
	tail:
		/* A record that reaches the pass end: the last one of the
		 * pass; or the last callback stopped us (the cap was
		 * cleared); or its length runs past what the producer
		 * committed. In the last two cases it is not taken. (Both
		 * paths come here with stride set to the record's size.) */
		if (rb->c.end_req || p > end) {
			p -= stride;
			if (!rb->c.end_req)
				corrupt(d, d->cons + (uint64_t)(p - start), (uint32_t)w,
				        (uint64_t)(end - p));
			d->stop = true;
			goto out;
		}
		/* The record counts as consumed from here on, even when the
		 * callback fails or stops us. */
		n++;
		err = take(rb, &b, b_end, p - stride + RINGBUF_HDR_SZ, w, batched);
		if (err < 0)
			goto failed;
		if (limited)
			left--;
		goto out;
	}
failed:
	cb_failed(rb, d, err);
out:
	if (batched && b != rb->batch) {
		err = flush_batch(rb, &b);
		if (err < 0 && !d->stop)
			cb_failed(rb, d, err);
	}
	if (rb->c.end_req)
		d->stop = true;
	if (p != start)
		d->last_total = p == disc_end ? disc_total : stride;
	d->cons += (uint64_t)(p - start);
	d->prev = prev;
	d->stride = stride;
	d->n += n;
	d->bytes += adj + n * prev;
	if (limited)
		d->left = left;
	else if (d->left != UINT64_MAX)
		d->left -= n;
}

/* The position to publish: ours, or in hold mode the start of the last
 * record taken (see adaptive.c), never less than what is published. */
static inline uint64_t publish_target(const struct evbpf_ringbuf *rb, uint64_t cons,
                                      uint64_t stride)
{
	if (rb->hold && stride && stride <= cons - rb->published)
		return cons - stride;
	return cons;
}

/* Publish our position if it moved; true when it was stored. */
static bool publish(struct evbpf_ringbuf *rb, uint64_t cons, uint64_t stride)
{
	uint64_t target = publish_target(rb, cons, stride);

	if (target <= rb->published)
		return false;
	__atomic_store_n(rb->consumer_pos, target, __ATOMIC_RELEASE);
	rb->published = target;
	/* Order the store of our position before the loads that follow:
	 * see the top of the file. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return true;
}

static __attribute__((always_inline)) inline long
ringbuf_drain_tpl(struct evbpf_ringbuf *rb, uint64_t limit, bool *hit, const bool batched)
{
	struct evbpf__consumer *c = &rb->c;
	struct drain_state d = {
	    .cons = rb->cons,
	    .left = limit,
	    .prev = rb->prev,
	    .stride = rb->stride,
	    .last_total = rb->last_total,
	};

	for (;;) {
		uint64_t prod = __atomic_load_n(rb->producer_pos, __ATOMIC_ACQUIRE), cons0 = d.cons;

		if (prod - d.cons > rb->size) {
			corrupt(&d, d.cons, 0, prod - d.cons);
			break;
		}
		if (!d.left) {
			if (!c->drain_all) {
				*hit = prod != d.cons;
				break;
			}
			d.left = UINT64_MAX;
		}
		if (prod != d.cons) {
			/* A pass that may deliver more records than the limit
			 * allows counts them one by one; any other does not
			 * (a record takes at least 8 bytes). */
			if (d.left != UINT64_MAX && d.left < (prod - d.cons) / RINGBUF_HDR_SZ) {
				if (batched)
					ringbuf_pass(rb, &d, prod, true, true);
				else
					ringbuf_pass(rb, &d, prod, false, true);
			} else {
				if (batched)
					ringbuf_pass(rb, &d, prod, true, false);
				else
					ringbuf_pass(rb, &d, prod, false, false);
			}
		}
		/* Published (and fenced) before prod is read again, so that a
		 * producer that commits meanwhile either is seen or wakes us. */
		publish(rb, d.cons, d.last_total);
		if (d.stop)
			break;
		if (!d.left && !c->drain_all) {
			*hit = prod != d.cons;
			break;
		}
		if (d.cons == cons0 || d.busy)
			break;
	}
	rb->cons = d.cons;
	rb->prev = d.prev;
	rb->stride = d.stride;
	rb->last_total = d.last_total;
	c->stats.records += d.n;
	c->stats.bytes += d.bytes;
	return d.ret < 0 ? d.ret : (long)d.n;
}

static long ringbuf_drain(struct evbpf__consumer *c, uint64_t limit, bool *hit)
{
	struct evbpf_ringbuf *rb = (struct evbpf_ringbuf *)c;

	if (rb->batch_fn)
		return ringbuf_drain_tpl(rb, limit, hit, true);
	return ringbuf_drain_tpl(rb, limit, hit, false);
}

static void ringbuf_set_hold(struct evbpf__consumer *c, bool hold)
{
	struct evbpf_ringbuf *rb = (struct evbpf_ringbuf *)c;

	rb->hold = hold;
	/* During a drain, the drain publishes at its end. */
	if (!hold && !c->in_drain && rb->consumer_pos)
		publish(rb, rb->cons, 0);
}

void evbpf__ringbuf_set_hold(struct evbpf_ringbuf *rb, bool hold)
{
	ringbuf_set_hold(&rb->c, hold);
}

static void ringbuf_destroy(struct evbpf__consumer *c)
{
	struct evbpf_ringbuf *rb = (struct evbpf_ringbuf *)c;

	/* Records delivered are consumed: a held one is released too. */
	if (rb->hold)
		ringbuf_set_hold(c, false);
	if (rb->watch_fd >= 0)
		close(rb->watch_fd);

	if (rb->prod_map)
		munmap(rb->prod_map, rb->prod_map_size);
	if (rb->cons_map)
		munmap(rb->cons_map, rb->page_size);
	evbpf__ring_release(rb->claim_id);
	free(rb->batch);
	free(rb);
}

static const struct evbpf__consumer_ops ringbuf_ops = {
    .kind = "ringbuf",
    .drain = ringbuf_drain,
    .destroy = ringbuf_destroy,
    .set_hold = ringbuf_set_hold,
};

static int ringbuf_alloc(evbpf_ringbuf_fn fn, void *ctx, const struct evbpf_ringbuf_opts *opts,
                         struct evbpf_ringbuf **rbp)
{
	struct evbpf_ringbuf_opts o = {0};
	struct evbpf_ringbuf *rb;

	if (opts) {
		if (opts->sz < sizeof(size_t))
			return evbpf__err(-EINVAL, "ringbuf: opts->sz is not set");
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	}
	if (!fn && !o.batch_fn)
		return evbpf__err(-EINVAL, "ringbuf: no callback");
	if (o.flags & ~(EVBPF_ASYNC_TIMER_ONLY | EVBPF_ASYNC_DRAIN_ON_STOP))
		return evbpf__err(-EINVAL, "ringbuf: unknown flags 0x%x", o.flags);
	if ((o.flags & EVBPF_ASYNC_TIMER_ONLY) && !o.drain_interval_ms)
		return evbpf__err(-EINVAL, "ringbuf: EVBPF_ASYNC_TIMER_ONLY needs "
		                           "drain_interval_ms");
	if ((o.flags & EVBPF_ASYNC_TIMER_ONLY) && o.max_delay_us)
		return evbpf__err(-EINVAL, "ringbuf: max_delay_us needs wakeups, not "
		                           "EVBPF_ASYNC_TIMER_ONLY");
	rb = calloc(1, sizeof(*rb));
	if (!rb)
		return evbpf__err(-ENOMEM, "ringbuf: out of memory");
	evbpf__consumer_init(&rb->c, &ringbuf_ops, o.budget, o.drain_interval_ms, o.flags);
	rb->watch_fd = -1;
	rb->max_delay_us = o.max_delay_us;
	rb->fn = fn;
	rb->ctx = ctx;
	if (o.batch_fn) {
		rb->batch_fn = o.batch_fn;
		rb->batch_max = o.batch_max ? o.batch_max : EVBPF__DEFAULT_BATCH;
		rb->batch = calloc(rb->batch_max, sizeof(*rb->batch));
		if (!rb->batch) {
			free(rb);
			return evbpf__err(-ENOMEM, "ringbuf: out of memory");
		}
	}
	rb->page_size = (size_t)sysconf(_SC_PAGESIZE);
	*rbp = rb;
	return 0;
}

/*
 * The consumer's epoll fd with the ring's fd in it: created with the
 * consumer in adaptive mode (the reactor watches it), otherwise on the
 * first evbpf_ringbuf_epoll_fd() or evbpf_ringbuf_poll(). In default mode
 * the reactor watches the ring's fd itself, and an epoll set nobody waits
 * on would only add a wait queue callback to every wakeup.
 */
static int ringbuf_make_epfd(struct evbpf_ringbuf *rb)
{
	struct epoll_event ev = {.events = EPOLLIN};
	int err;

	if (rb->c.epfd >= 0)
		return 0;
	if (rb->watch_fd < 0)
		return evbpf__err(-EINVAL, "ringbuf: no fd to wait on");
	rb->c.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (rb->c.epfd < 0) {
		err = -errno;
		rb->c.epfd = -1;
		return evbpf__err(err, "ringbuf: epoll_create1: %s", evbpf_strerror(err));
	}
	if (epoll_ctl(rb->c.epfd, EPOLL_CTL_ADD, rb->watch_fd, &ev) < 0) {
		err = -errno;
		close(rb->c.epfd);
		rb->c.epfd = -1;
		return evbpf__err(err, "ringbuf: epoll_ctl: %s", evbpf_strerror(err));
	}
	return 0;
}

static int ringbuf_map(struct evbpf_ringbuf *rb, const struct evbpf_map *map)
{
	const char *name = evbpf_map_name(map);
	int fd = evbpf_map_fd(map), err;
	size_t size;

	if (fd < 0)
		return evbpf__err(-EINVAL, "ringbuf: map '%s' is not loaded", name);
	if (evbpf_map_type(map) != BPF_MAP_TYPE_RINGBUF)
		return evbpf__err(-EINVAL, "ringbuf: map '%s' is a %s map, not a ringbuf%s", name,
		                  evbpf_map_type_name(evbpf_map_type(map)),
		                  evbpf_map_type(map) == BPF_MAP_TYPE_USER_RINGBUF
		                      ? " (user space writes a user_ringbuf: "
		                        "evbpf_user_ringbuf_new())"
		                      : "");
	size = evbpf_map_max_entries(map);
	if (!size || (size & (size - 1)) || size % rb->page_size || size > SIZE_MAX / 4)
		return evbpf__err(-EINVAL, "ringbuf: map '%s' has an invalid size %zu", name, size);
	err = evbpf__ring_claim(fd, "ringbuf", name, "consumer", &rb->claim_id);
	if (err)
		return err;
	rb->cons_map = mmap(NULL, rb->page_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (rb->cons_map == MAP_FAILED) {
		rb->cons_map = NULL;
		err = -errno;
		return evbpf__err(err, "ringbuf: map '%s': mmap of the consumer page: %s", name,
		                  evbpf_strerror(err));
	}
	/* Producer page plus the data area twice; read-only. */
	rb->prod_map_size = rb->page_size + 2 * size;
	rb->prod_map =
	    mmap(NULL, rb->prod_map_size, PROT_READ, MAP_SHARED, fd, (off_t)rb->page_size);
	if (rb->prod_map == MAP_FAILED) {
		rb->prod_map = NULL;
		err = -errno;
		return evbpf__err(err, "ringbuf: map '%s': mmap of the producer pages: %s", name,
		                  evbpf_strerror(err));
	}
	rb->consumer_pos = rb->cons_map;
	rb->producer_pos = rb->prod_map;
	rb->data = (const uint8_t *)rb->prod_map + rb->page_size;
	rb->size = size;
	rb->mask = size - 1;
	rb->cons = __atomic_load_n(rb->consumer_pos, __ATOMIC_ACQUIRE);
	rb->published = rb->cons;
	rb->prev = RINGBUF_NO_WORD;

	/* A number for the ring that stays ours even if the object is
	 * closed first: the reactor watches it in default mode, the epoll
	 * fd holds it otherwise. */
	rb->watch_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (rb->watch_fd < 0) {
		err = -errno;
		return evbpf__err(err, "ringbuf: map '%s': dup: %s", name, evbpf_strerror(err));
	}
	if (!rb->max_delay_us) {
		rb->c.io_fd = rb->watch_fd;
		return 0;
	}
	/* Adaptive wakeups switch the ring's fd off and on in an epoll set
	 * that also holds their timerfd: the reactor watches that set. */
	err = ringbuf_make_epfd(rb);
	if (err)
		return err;
	rb->c.io_fd = rb->c.epfd;
	return evbpf__adaptive_init(&rb->c, rb->max_delay_us, rb->watch_fd, size, false);
}

EVBPF_API int evbpf_ringbuf_new_opts(const struct evbpf_map *map, evbpf_ringbuf_fn fn, void *ctx,
                                     const struct evbpf_ringbuf_opts *opts,
                                     struct evbpf_ringbuf **rbp)
{
	struct evbpf_ringbuf *rb;
	int err;

	if (!map)
		return evbpf__err_null_map("ringbuf");
	if (!rbp)
		return evbpf__err(-EINVAL, "ringbuf: NULL argument");
	err = ringbuf_alloc(fn, ctx, opts, &rb);
	if (err)
		return err;
	err = ringbuf_map(rb, map);
	if (err) {
		evbpf__consumer_free(&rb->c);
		return err;
	}
	*rbp = rb;
	return 0;
}

EVBPF_API int evbpf_ringbuf_new(const struct evbpf_map *map, evbpf_ringbuf_fn fn, void *ctx,
                                struct evbpf_ringbuf **rbp)
{
	return evbpf_ringbuf_new_opts(map, fn, ctx, NULL, rbp);
}

int evbpf__ringbuf_new_mem(void *consumer_page, const void *producer_page, const void *data,
                           size_t size, evbpf_ringbuf_fn fn, void *ctx,
                           const struct evbpf_ringbuf_opts *opts, struct evbpf_ringbuf **rbp)
{
	struct evbpf_ringbuf *rb;
	int err;

	if (!size || (size & (size - 1)))
		return evbpf__err(-EINVAL, "ringbuf: size %zu is not a power of two", size);
	err = ringbuf_alloc(fn, ctx, opts, &rb);
	if (err)
		return err;
	rb->consumer_pos = consumer_page;
	rb->producer_pos = producer_page;
	rb->data = data;
	rb->size = size;
	rb->mask = size - 1;
	rb->cons = *rb->consumer_pos;
	rb->published = rb->cons;
	rb->prev = RINGBUF_NO_WORD;
	*rbp = rb;
	return 0;
}

#define CHECK_RB(rb, what)                                                                         \
	do {                                                                                       \
		if (!(rb))                                                                         \
			return evbpf__err(-EINVAL, "ringbuf %s: NULL ringbuf", what);              \
	} while (0)

EVBPF_API int evbpf_ringbuf_consume(struct evbpf_ringbuf *rb)
{
	CHECK_RB(rb, "consume");
	return evbpf__consumer_run(&rb->c, UINT64_MAX, EVBPF__DRAIN_CALL);
}

EVBPF_API int evbpf_ringbuf_consume_n(struct evbpf_ringbuf *rb, size_t n)
{
	CHECK_RB(rb, "consume_n");
	if (!n)
		return 0;
	return evbpf__consumer_run(&rb->c, n, EVBPF__DRAIN_CALL);
}

EVBPF_API int evbpf_ringbuf_flush(struct evbpf_ringbuf *rb)
{
	CHECK_RB(rb, "flush");
	return evbpf__consumer_run(&rb->c, UINT64_MAX, EVBPF__DRAIN_CALL);
}

EVBPF_API int evbpf_ringbuf_poll(struct evbpf_ringbuf *rb, int timeout_ms)
{
	int err;

	CHECK_RB(rb, "poll");
	if (rb->watch_fd < 0)
		return evbpf__err(-EINVAL, "ringbuf poll: no fd to wait on");
	err = ringbuf_make_epfd(rb);
	if (err)
		return err;
	return evbpf__consumer_poll(&rb->c, timeout_ms);
}

EVBPF_API int evbpf_ringbuf_epoll_fd(const struct evbpf_ringbuf *rb)
{
	/* The consumer was allocated by us and is not const: the epoll fd
	 * is created on first use (see ringbuf_make_epfd()). */
	struct evbpf_ringbuf *mut = (struct evbpf_ringbuf *)rb;
	int err;

	CHECK_RB(rb, "epoll_fd");
	if (rb->watch_fd < 0)
		return evbpf__err(-ENOENT, "ringbuf: no epoll fd");
	err = ringbuf_make_epfd(mut);
	return err < 0 ? err : rb->c.epfd;
}

EVBPF_API int evbpf_ringbuf_start(struct evbpf_ringbuf *rb, struct evbpf_reactor *reactor)
{
	CHECK_RB(rb, "start");
	return evbpf__consumer_start(&rb->c, reactor);
}

EVBPF_API int evbpf_ringbuf_stop(struct evbpf_ringbuf *rb)
{
	CHECK_RB(rb, "stop");
	return evbpf__consumer_stop(&rb->c);
}

EVBPF_API int evbpf_ringbuf_stats(const struct evbpf_ringbuf *rb, struct evbpf_async_stats *stats)
{
	CHECK_RB(rb, "stats");
	return evbpf__consumer_stats(&rb->c, stats);
}

EVBPF_API void evbpf_ringbuf_free(struct evbpf_ringbuf *rb)
{
	if (rb)
		evbpf__consumer_free(&rb->c);
}
