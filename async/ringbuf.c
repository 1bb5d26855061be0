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
 */
#include <errno.h>
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
	uint64_t cons; /* our consumer position; only we write it */
	void *cons_map;
	void *prod_map;
	size_t prod_map_size;
	size_t page_size;
	uint32_t claim_id; /* the map's id while this consumer owns the ring */
};

/* Hand the collected batch over; returns the callback's result. */
static int flush_batch(struct evbpf_ringbuf *rb, size_t *nb)
{
	int ret;

	if (!*nb)
		return 0;
	ret = rb->batch_fn(rb->ctx, rb->batch, *nb);
	*nb = 0;
	return ret;
}

/*
 * Advance past a record of `total` bytes by the previous record's size,
 * checked by a branch. Reading a ring is a chain of dependent loads (a
 * header gives the next header's address); when sizes repeat, the common
 * case of one struct per ring, the predicted branch lets the CPU compute
 * the next address without waiting for this header's load, so the loads of
 * consecutive records overlap. A size change costs one mispredicted branch.
 * The empty asm keeps the compiler from replacing the guess by `total`.
 */
#define RINGBUF_ADVANCE(cons, stride, total)                                                       \
	do {                                                                                       \
		if (__builtin_expect((total) != (stride), 0))                                      \
			(stride) = (total);                                                        \
		else                                                                               \
			__asm__("" : "+r"(stride));                                                \
		(cons) += (stride);                                                                \
	} while (0)

/*
 * The hot loop keeps the positions, the ring's geometry and the counters in
 * locals: the callback is opaque to the compiler, so anything read through
 * rb would be reloaded after every record.
 */
static long ringbuf_drain(struct evbpf__consumer *c, uint64_t limit, bool *hit)
{
	struct evbpf_ringbuf *rb = (struct evbpf_ringbuf *)c;
	const uint8_t *data = rb->data;
	const uint64_t mask = rb->mask, size = rb->size, chunk = rb->size / 4;
	const evbpf_ringbuf_fn fn = rb->fn;
	const bool batched = rb->batch_fn != NULL;
	void *const ctx = rb->ctx;
	uint64_t cons = rb->cons, published = cons, prod, n = 0, bytes = 0;
	uint64_t publish_at = cons + chunk; /* on a long pass, publish every quarter ring */
	uint64_t stride = 0; /* the previous record's size: the guess for this one */
	size_t nb = 0;
	long ret = 0;
	bool progress;
	int err;

	for (;;) {
		progress = false;
		prod = __atomic_load_n(rb->producer_pos, __ATOMIC_ACQUIRE);
		while (cons < prod) {
			const uint32_t *hdr = (const uint32_t *)(data + (cons & mask));
			uint32_t len_word, len;
			uint64_t total;

			if (n >= limit && !c->drain_all) {
				*hit = true;
				goto out;
			}
			len_word = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
			if (len_word & BPF_RINGBUF_BUSY_BIT)
				break;
			len = len_word & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
			total = ((uint64_t)len + RINGBUF_HDR_SZ + 7) & ~(uint64_t)7;
			if (total > size || total > prod - cons) {
				ret = evbpf__err(-EINVAL,
				                 "ringbuf: corrupt record at position %llu: "
				                 "length %u, %llu bytes available",
				                 (unsigned long long)cons, len,
				                 (unsigned long long)(prod - cons));
				goto out;
			}
			progress = true;
			/* The record counts as consumed even when the callback
			 * fails or stops us. */
			RINGBUF_ADVANCE(cons, stride, total);
			if (len_word & BPF_RINGBUF_DISCARD_BIT)
				continue;
			n++;
			bytes += len;
			if (batched) {
				rb->batch[nb].data = hdr + 2;
				rb->batch[nb].size = len;
				if (++nb < rb->batch_max)
					continue;
				err = flush_batch(rb, &nb);
			} else {
				err = fn(ctx, hdr + 2, len);
			}
			if (err < 0) {
				ret = err;
				c->cb_failed = true;
				goto out;
			}
			if (evbpf__consumer_should_end(c))
				goto out;
			if (cons >= publish_at && !nb) {
				__atomic_store_n(rb->consumer_pos, cons, __ATOMIC_RELEASE);
				published = cons;
				publish_at = cons + chunk;
			}
		}
		err = flush_batch(rb, &nb);
		if (cons != published) {
			__atomic_store_n(rb->consumer_pos, cons, __ATOMIC_RELEASE);
			published = cons;
			publish_at = cons + chunk;
		}
		/* Order the store of our position before the loads that
		 * follow: see the top of the file. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (err < 0) {
			ret = err;
			c->cb_failed = true;
			break;
		}
		if (!progress || evbpf__consumer_should_end(c))
			break;
	}
out:
	if (nb) {
		err = flush_batch(rb, &nb);
		if (err < 0 && ret >= 0) {
			ret = err;
			c->cb_failed = true;
		}
	}
	if (cons != published)
		__atomic_store_n(rb->consumer_pos, cons, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	rb->cons = cons;
	c->stats.records += n;
	c->stats.bytes += bytes;
	return ret < 0 ? ret : (long)n;
}

static void ringbuf_destroy(struct evbpf__consumer *c)
{
	struct evbpf_ringbuf *rb = (struct evbpf_ringbuf *)c;

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
	rb = calloc(1, sizeof(*rb));
	if (!rb)
		return evbpf__err(-ENOMEM, "ringbuf: out of memory");
	evbpf__consumer_init(&rb->c, &ringbuf_ops, o.budget, o.drain_interval_ms, o.flags);
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

static int ringbuf_map(struct evbpf_ringbuf *rb, const struct evbpf_map *map)
{
	const char *name = evbpf_map_name(map);
	int fd = evbpf_map_fd(map), err;
	struct epoll_event ev = {.events = EPOLLIN};
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

	rb->c.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (rb->c.epfd < 0) {
		err = -errno;
		return evbpf__err(err, "ringbuf: epoll_create1: %s", evbpf_strerror(err));
	}
	if (epoll_ctl(rb->c.epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		err = -errno;
		return evbpf__err(err, "ringbuf: map '%s': epoll_ctl: %s", name,
		                  evbpf_strerror(err));
	}
	return 0;
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
	CHECK_RB(rb, "poll");
	if (rb->c.epfd < 0)
		return evbpf__err(-EINVAL, "ringbuf poll: no fd to wait on");
	return evbpf__consumer_poll(&rb->c, timeout_ms);
}

EVBPF_API int evbpf_ringbuf_epoll_fd(const struct evbpf_ringbuf *rb)
{
	CHECK_RB(rb, "epoll_fd");
	return rb->c.epfd >= 0 ? rb->c.epfd : evbpf__err(-ENOENT, "ringbuf: no epoll fd");
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
