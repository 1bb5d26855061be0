/* SPDX-License-Identifier: MIT */
/*
 * User ring buffer producer (BPF_MAP_TYPE_USER_RINGBUF, Linux 6.1): user
 * space writes records, a BPF program reads them with
 * bpf_user_ringbuf_drain().
 *
 * The layout is the BPF ring buffer's with the roles swapped: page 0
 * holds the consumer position, which the kernel advances (mapped
 * read-only here: the kernel refuses a writable mapping of it); page 1
 * the producer position, which only we write; then the data area, mapped
 * twice in a row so that a record running past the end of the ring is
 * contiguous. A record is an 8-byte header (a 32-bit length whose top
 * bits are BUSY and DISCARD, and 4 unused bytes) followed by the sample,
 * 8-byte aligned.
 *
 * Memory ordering, on every architecture:
 *  - reserve reads the consumer position with an acquire load, so the
 *    kernel's reads of the space it gave back happen before our writes
 *    into that space;
 *  - reserve writes the header with BUSY set, then publishes the new
 *    producer position with a release store: the kernel acquires the
 *    producer position before it reads a header, so it never sees the
 *    space without a header, and a BUSY header stops its drain there;
 *  - submit (and discard) clears BUSY (sets DISCARD) with a release store
 *    of the header, which orders every write of the sample before it; the
 *    kernel reads the header with an acquire load before the sample.
 * So records may be submitted out of order, but the kernel consumes them
 * in ring order: an old reservation left BUSY holds back everything
 * after it (evbpf_user_ringbuf_free() discards those).
 *
 * Waiting for space. After a drain that consumed records, the kernel
 * wakes the map fd's waiters, and poll() reports the fd writable (EPOLLOUT)
 * whenever the ring is not completely full. That level is useless to a
 * producer whose record does not fit into what is free: a loop watching
 * it would spin until the BPF side drains. So the producer owns an epoll
 * fd with the map fd registered edge-triggered (EPOLLOUT | EPOLLET): it
 * becomes readable once per kernel wakeup, that is once per drain that
 * consumed something, and reading it (epoll_wait with timeout 0) clears
 * it again. The reactor watches that epoll fd for readability, as it
 * watches the consumers' (async/reactor.h), and a loop never blocks on a
 * full ring: the "space" callback runs after each drain, where the
 * producer retries what did not fit. Events are cleared before space is
 * checked, never after, so a drain between the check and the wait is
 * never missed.
 *
 * One producer per ring in a process (ring_claim.c): the producer
 * position lives in a private copy. A producer is not thread-safe; use it
 * from one thread at a time (the loop's, once started).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define EVBPF_ASYNC_INTERNAL
#include "internal.h"
#include "reactor.h"
#include "ring_claim.h"

#ifndef BPF_RINGBUF_BUSY_BIT
#define BPF_RINGBUF_BUSY_BIT (1U << 31)
#endif
#ifndef BPF_RINGBUF_DISCARD_BIT
#define BPF_RINGBUF_DISCARD_BIT (1U << 30)
#endif
#define URB_HDR_SZ 8u
/* The kernel hands samples to BPF as dynptrs, which are limited to 16 MiB. */
#define URB_MAX_SAMPLE ((1u << 24) - 1)

struct evbpf_user_ringbuf {
	char name[64];
	int map_fd; /* dup: the mappings and the epoll registration need it */
	int epfd;
	const uint64_t *consumer_pos; /* the kernel's, read-only page */
	uint64_t *producer_pos;       /* ours, published to the kernel */
	uint8_t *data;                /* the data area, mapped twice */
	void *cons_map;
	void *prod_map;
	size_t prod_map_size;
	size_t page_size;
	uint64_t size;
	uint64_t mask;
	uint64_t prod; /* our producer position; only we write it */
	uint32_t claim_id;
	/* On a loop. */
	struct evbpf_reactor *reactor;
	struct evbpf_reactor_io *io;
	evbpf_user_ringbuf_space_fn fn;
	void *ctx;
	bool in_cb;
	bool free_req;
};

static void urb_close_io(struct evbpf_user_ringbuf *urb)
{
	struct evbpf_reactor *r = urb->reactor;

	if (!r)
		return;
	evbpf__reactor_ref(r);
	evbpf__reactor_io_close(r, &urb->io);
	urb->reactor = NULL;
	evbpf__reactor_unref(r);
}

/* Mark every record still reserved as discarded, so that the BPF side is
 * not held back by a reservation nobody will submit. */
static void discard_reserved(struct evbpf_user_ringbuf *urb)
{
	uint64_t pos = __atomic_load_n(urb->consumer_pos, __ATOMIC_ACQUIRE);

	while (pos < urb->prod) {
		uint32_t *hdr = (uint32_t *)(urb->data + (pos & urb->mask));
		uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
		uint32_t sample = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);

		if (len & BPF_RINGBUF_BUSY_BIT)
			__atomic_store_n(hdr, sample | BPF_RINGBUF_DISCARD_BIT, __ATOMIC_RELEASE);
		pos += ((uint64_t)sample + URB_HDR_SZ + 7) & ~(uint64_t)7;
	}
}

static void urb_destroy(struct evbpf_user_ringbuf *urb)
{
	urb_close_io(urb);
	if (urb->prod_map) {
		discard_reserved(urb);
		munmap(urb->prod_map, urb->prod_map_size);
	}
	if (urb->cons_map)
		munmap(urb->cons_map, urb->page_size);
	evbpf__ring_release(urb->claim_id);
	if (urb->epfd >= 0)
		close(urb->epfd);
	if (urb->map_fd >= 0)
		close(urb->map_fd);
	free(urb);
}

static int urb_map(struct evbpf_user_ringbuf *urb, const struct evbpf_map *map)
{
	struct epoll_event ev = {.events = EPOLLOUT | EPOLLET};
	int fd = evbpf_map_fd(map), err;
	size_t size = evbpf_map_max_entries(map);

	if (fd < 0)
		return evbpf__err(-EINVAL, "user_ringbuf: map '%s' is not loaded", urb->name);
	if (evbpf_map_type(map) != BPF_MAP_TYPE_USER_RINGBUF)
		return evbpf__err(-EINVAL,
		                  "user_ringbuf: map '%s' is a %s map, not a user_ringbuf%s",
		                  urb->name, evbpf_map_type_name(evbpf_map_type(map)),
		                  evbpf_map_type(map) == BPF_MAP_TYPE_RINGBUF
		                      ? " (a ringbuf is read with evbpf_ringbuf_new())"
		                      : "");
	if (!size || (size & (size - 1)) || size % urb->page_size || size > SIZE_MAX / 4)
		return evbpf__err(-EINVAL, "user_ringbuf: map '%s' has an invalid size %zu",
		                  urb->name, size);
	err = evbpf__ring_claim(fd, "user_ringbuf", urb->name, "producer", &urb->claim_id);
	if (err)
		return err;
	urb->map_fd = evbpf__dup_fd(fd);
	if (urb->map_fd < 0)
		return evbpf__err(urb->map_fd, "user_ringbuf: map '%s': dup: %s", urb->name,
		                  evbpf_strerror(urb->map_fd));
	urb->cons_map = mmap(NULL, urb->page_size, PROT_READ, MAP_SHARED, fd, 0);
	if (urb->cons_map == MAP_FAILED) {
		urb->cons_map = NULL;
		err = -errno;
		return evbpf__err(err, "user_ringbuf: map '%s': mmap of the consumer page: %s",
		                  urb->name, evbpf_strerror(err));
	}
	urb->prod_map_size = urb->page_size + 2 * size;
	urb->prod_map = mmap(NULL, urb->prod_map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	                     (off_t)urb->page_size);
	if (urb->prod_map == MAP_FAILED) {
		urb->prod_map = NULL;
		err = -errno;
		return evbpf__err(err, "user_ringbuf: map '%s': mmap of the producer pages: %s",
		                  urb->name, evbpf_strerror(err));
	}
	urb->consumer_pos = urb->cons_map;
	urb->producer_pos = urb->prod_map;
	urb->data = (uint8_t *)urb->prod_map + urb->page_size;
	urb->size = size;
	urb->mask = size - 1;
	urb->prod = __atomic_load_n(urb->producer_pos, __ATOMIC_RELAXED);
	urb->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (urb->epfd < 0) {
		err = -errno;
		return evbpf__err(err, "user_ringbuf: epoll_create1: %s", evbpf_strerror(err));
	}
	if (epoll_ctl(urb->epfd, EPOLL_CTL_ADD, urb->map_fd, &ev) < 0) {
		err = -errno;
		return evbpf__err(err, "user_ringbuf: map '%s': epoll_ctl: %s", urb->name,
		                  evbpf_strerror(err));
	}
	return 0;
}

EVBPF_API int evbpf_user_ringbuf_new(const struct evbpf_map *map, struct evbpf_user_ringbuf **urbp)
{
	struct evbpf_user_ringbuf *urb;
	int err;

	if (!map)
		return evbpf__err_null_map("user_ringbuf");
	if (!urbp)
		return evbpf__err(-EINVAL, "user_ringbuf: NULL argument");
	urb = calloc(1, sizeof(*urb));
	if (!urb)
		return evbpf__err(-ENOMEM, "user_ringbuf: out of memory");
	urb->map_fd = -1;
	urb->epfd = -1;
	urb->page_size = (size_t)sysconf(_SC_PAGESIZE);
	snprintf(urb->name, sizeof(urb->name), "%s",
	         evbpf_map_name(map) ? evbpf_map_name(map) : "");
	err = urb_map(urb, map);
	if (err) {
		urb_destroy(urb);
		return err;
	}
	*urbp = urb;
	return 0;
}

#define CHECK_URB(urb, what)                                                                       \
	do {                                                                                       \
		if (!(urb))                                                                        \
			return evbpf__err(-EINVAL, "user_ringbuf %s: NULL user_ringbuf", what);    \
	} while (0)

EVBPF_API size_t evbpf_user_ringbuf_avail(const struct evbpf_user_ringbuf *urb)
{
	uint64_t cons;

	if (!urb)
		return 0;
	cons = __atomic_load_n(urb->consumer_pos, __ATOMIC_ACQUIRE);
	return (size_t)(urb->size - (urb->prod - cons));
}

EVBPF_API int evbpf_user_ringbuf_reserve(struct evbpf_user_ringbuf *urb, size_t size,
                                         void **samplep)
{
	uint64_t cons, total;
	uint32_t *hdr;

	CHECK_URB(urb, "reserve");
	if (!samplep)
		return evbpf__err(-EINVAL, "user_ringbuf '%s': reserve: NULL sample pointer",
		                  urb->name);
	total = ((uint64_t)size + URB_HDR_SZ + 7) & ~(uint64_t)7;
	if (!size || size > URB_MAX_SAMPLE || total > urb->size)
		return evbpf__err(size ? -E2BIG : -EINVAL,
		                  "user_ringbuf '%s': reserve of %zu bytes: a record holds 1 to "
		                  "%llu bytes here",
		                  urb->name, size,
		                  (unsigned long long)(urb->size - URB_HDR_SZ < URB_MAX_SAMPLE
		                                           ? urb->size - URB_HDR_SZ
		                                           : URB_MAX_SAMPLE));
	cons = __atomic_load_n(urb->consumer_pos, __ATOMIC_ACQUIRE);
	if (urb->prod - cons + total > urb->size) {
		evbpf__errmsg_set("user_ringbuf '%s': reserve of %zu bytes: the ring is full "
		                  "(%llu of %llu bytes free)",
		                  urb->name, size,
		                  (unsigned long long)(urb->size - (urb->prod - cons)),
		                  (unsigned long long)urb->size);
		return -ENOSPC;
	}
	hdr = (uint32_t *)(urb->data + (urb->prod & urb->mask));
	hdr[0] = (uint32_t)size | BPF_RINGBUF_BUSY_BIT;
	hdr[1] = 0;
	urb->prod += total;
	/* Publishes the BUSY header with the space: see the top of the file. */
	__atomic_store_n(urb->producer_pos, urb->prod, __ATOMIC_RELEASE);
	*samplep = hdr + 2;
	return 0;
}

/* The header of a sample this producer reserved and has not submitted. */
static uint32_t *sample_header(struct evbpf_user_ringbuf *urb, void *sample, const char *what)
{
	uint8_t *p = sample;
	uint32_t *hdr;

	if (!sample || p < urb->data + URB_HDR_SZ || p >= urb->data + urb->size + URB_HDR_SZ ||
	    (size_t)(p - urb->data) % 8) {
		evbpf__err(-EINVAL, "user_ringbuf '%s': %s: %p is not a sample of this ring",
		           urb->name, what, sample);
		return NULL;
	}
	hdr = (uint32_t *)(p - URB_HDR_SZ);
	if (!(__atomic_load_n(hdr, __ATOMIC_RELAXED) & BPF_RINGBUF_BUSY_BIT)) {
		evbpf__err(-EINVAL,
		           "user_ringbuf '%s': %s: the sample at %p is not reserved "
		           "(submitted or discarded already?)",
		           urb->name, what, sample);
		return NULL;
	}
	return hdr;
}

static int commit(struct evbpf_user_ringbuf *urb, void *sample, bool discard, const char *what)
{
	uint32_t *hdr, len;

	CHECK_URB(urb, what);
	hdr = sample_header(urb, sample, what);
	if (!hdr)
		return -EINVAL;
	len = __atomic_load_n(hdr, __ATOMIC_RELAXED) & ~BPF_RINGBUF_BUSY_BIT;
	if (discard)
		len |= BPF_RINGBUF_DISCARD_BIT;
	/* Orders the sample's bytes before the header: see the top. */
	__atomic_store_n(hdr, len, __ATOMIC_RELEASE);
	return 0;
}

EVBPF_API int evbpf_user_ringbuf_submit(struct evbpf_user_ringbuf *urb, void *sample)
{
	return commit(urb, sample, false, "submit");
}

EVBPF_API int evbpf_user_ringbuf_discard(struct evbpf_user_ringbuf *urb, void *sample)
{
	return commit(urb, sample, true, "discard");
}

/* Consume the pending edge of the epoll fd (see the top of the file). */
static void clear_wakeups(struct evbpf_user_ringbuf *urb)
{
	struct epoll_event ev[4];

	while (epoll_wait(urb->epfd, ev, (int)EVBPF_ARRAY_SIZE(ev), 0) > 0)
		;
}

/* Milliseconds to the deadline, rounded up: a wait never ends early. */
static int64_t ms_left(const struct timespec *deadline)
{
	struct timespec now;
	int64_t ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (int64_t)(deadline->tv_sec - now.tv_sec) * 1000000000 +
	     (deadline->tv_nsec - now.tv_nsec);
	return ns <= 0 ? 0 : (ns + 999999) / 1000000;
}

EVBPF_API int evbpf_user_ringbuf_reserve_blocking(struct evbpf_user_ringbuf *urb, size_t size,
                                                  int timeout_ms, void **samplep)
{
	struct timespec deadline;
	struct epoll_event ev;
	int err, n;

	CHECK_URB(urb, "reserve_blocking");
	if (urb->reactor)
		return evbpf__err(-EBUSY,
		                  "user_ringbuf '%s': reserve_blocking while started on a "
		                  "reactor (a loop must not block: use reserve and the space "
		                  "callback)",
		                  urb->name);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	if (timeout_ms > 0) {
		deadline.tv_sec += timeout_ms / 1000;
		deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
	}
	for (;;) {
		int64_t left = timeout_ms < 0 ? -1 : ms_left(&deadline);

		clear_wakeups(urb);
		err = evbpf_user_ringbuf_reserve(urb, size, samplep);
		if (err != -ENOSPC)
			return err;
		if (timeout_ms >= 0 && left <= 0)
			break;
		n = epoll_wait(urb->epfd, &ev, 1,
		               left < 0           ? -1
		               : left > INT32_MAX ? INT32_MAX
		                                  : (int)left);
		if (n < 0 && errno != EINTR) {
			err = -errno;
			return evbpf__err(err, "user_ringbuf '%s': epoll_wait: %s", urb->name,
			                  evbpf_strerror(err));
		}
	}
	return evbpf__err(-ETIMEDOUT,
	                  "user_ringbuf '%s': no room for %zu bytes within %d ms (%zu bytes "
	                  "free): is the BPF side draining?",
	                  urb->name, size, timeout_ms, evbpf_user_ringbuf_avail(urb));
}

EVBPF_API int evbpf_user_ringbuf_epoll_fd(const struct evbpf_user_ringbuf *urb)
{
	CHECK_URB(urb, "epoll_fd");
	return urb->epfd;
}

static void on_space(void *arg, int status)
{
	struct evbpf_user_ringbuf *urb = arg;

	if (status < 0)
		evbpf__debug("user_ringbuf '%s': the loop reports %s on its fd", urb->name,
		             evbpf_strerror(status));
	clear_wakeups(urb);
	urb->in_cb = true;
	urb->fn(urb->ctx, urb);
	urb->in_cb = false;
	if (urb->free_req)
		urb_destroy(urb);
}

EVBPF_API int evbpf_user_ringbuf_start(struct evbpf_user_ringbuf *urb,
                                       struct evbpf_reactor *reactor,
                                       evbpf_user_ringbuf_space_fn fn, void *ctx)
{
	int err;

	CHECK_URB(urb, "start");
	if (!fn)
		return evbpf__err(-EINVAL, "user_ringbuf '%s': start: no space callback",
		                  urb->name);
	err = evbpf__reactor_check(reactor, "user_ringbuf start");
	if (err)
		return err;
	if (urb->reactor)
		return evbpf__err(-EBUSY, "user_ringbuf '%s': already started", urb->name);
	err = evbpf__reactor_io_open(reactor, urb->epfd, on_space, urb, &urb->io);
	if (err)
		return err;
	urb->reactor = reactor;
	err = reactor->ops->io_start(urb->io);
	if (err) {
		urb_close_io(urb);
		return evbpf__err(err, "user_ringbuf '%s': reactor '%s' cannot start watching: %s",
		                  urb->name, reactor->ops->name, evbpf_strerror(err));
	}
	urb->fn = fn;
	urb->ctx = ctx;
	return 0;
}

EVBPF_API int evbpf_user_ringbuf_stop(struct evbpf_user_ringbuf *urb)
{
	CHECK_URB(urb, "stop");
	urb_close_io(urb);
	return 0;
}

EVBPF_API void evbpf_user_ringbuf_free(struct evbpf_user_ringbuf *urb)
{
	if (!urb)
		return;
	if (urb->in_cb) {
		urb->free_req = true;
		urb_close_io(urb);
		return;
	}
	urb_destroy(urb);
}
