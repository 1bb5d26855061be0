/* SPDX-License-Identifier: MIT */
/*
 * The ring buffer consumer without a loop: the drain logic over a ring laid
 * out in memory (busy, discarded, wrapping and corrupt records, callback
 * errors, the consumer position it publishes, batches), then against the
 * kernel: consume, consume_n, the epoll-based poll with a timeout, record
 * contents of every size and discarded records.
 */
#include <sys/epoll.h>

#include "loop.h"
#include "async-internal.h"

#define BUSY    (1u << 31)
#define DISCARD (1u << 30)

/* ------------------------------------------------------ a ring in memory */

#define FAKE_SIZE 256

struct fake_ring {
	uint64_t consumer_pos;
	uint64_t producer_pos;
	_Alignas(8) uint8_t data[2 * FAKE_SIZE]; /* "mapped twice" */
};

/* Write a record at the producer position, in both copies of the data. */
static void fake_put(struct fake_ring *r, uint32_t len_word, const void *payload, uint32_t len)
{
	uint8_t rec[FAKE_SIZE];
	uint64_t total = ((uint64_t)len + 8 + 7) / 8 * 8;

	memset(rec, 0, sizeof(rec));
	memcpy(rec, &len_word, 4);
	memcpy(rec + 8, payload, len);
	for (uint64_t i = 0; i < total; i++) {
		uint64_t off = (r->producer_pos + i) % FAKE_SIZE;

		r->data[off] = rec[i];
		r->data[off + FAKE_SIZE] = rec[i];
	}
	r->producer_pos += total;
}

struct seen {
	uint64_t vals[64];
	size_t sizes[64];
	int n;
	int fail_at; /* return -EINTR at this record (1-based), 0: never */
};

static int on_fake(void *ctx, const void *data, size_t size)
{
	struct seen *s = ctx;
	uint64_t v = 0;

	memcpy(&v, data, size < 8 ? size : 8);
	s->sizes[s->n] = size;
	s->vals[s->n++] = v;
	return s->fail_at && s->n == s->fail_at ? -EINTR : 0;
}

static void test_fake_busy_discard(void **st)
{
	struct fake_ring r = {0};
	struct evbpf_ringbuf *rb;
	struct seen s = {0};
	uint64_t v;

	(void)st;
	assert_ok(evbpf__ringbuf_new_mem(&r.consumer_pos, &r.producer_pos, r.data, FAKE_SIZE,
	                                 on_fake, &s, NULL, &rb));
	v = 1;
	fake_put(&r, 8, &v, 8);
	v = 2;
	fake_put(&r, 8 | DISCARD, &v, 8);
	v = 3;
	fake_put(&r, 8, &v, 8);
	v = 4;
	fake_put(&r, 8 | BUSY, &v, 8);
	v = 5;
	fake_put(&r, 8, &v, 8);
	/* 1 and 3 delivered, 2 skipped, the busy record 4 ends the drain. */
	assert_int_equal(evbpf_ringbuf_consume(rb), 2);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.vals[0], 1);
	assert_int_equal(s.vals[1], 3);
	/* The consumer position stops right before the busy record. */
	assert_int_equal(r.consumer_pos, 3 * 16);
	/* Still busy: nothing more. */
	assert_int_equal(evbpf_ringbuf_consume(rb), 0);
	/* Committed now: 4 and 5 follow. */
	memcpy(&r.data[48], &(uint32_t){8}, 4);
	memcpy(&r.data[48 + FAKE_SIZE], &(uint32_t){8}, 4);
	assert_int_equal(evbpf_ringbuf_consume(rb), 2);
	assert_int_equal(s.vals[2], 4);
	assert_int_equal(s.vals[3], 5);
	assert_int_equal(r.consumer_pos, r.producer_pos);
	evbpf_ringbuf_free(rb);
}

static void test_fake_wrap_and_errors(void **st)
{
	struct fake_ring r = {0};
	struct evbpf_ringbuf *rb;
	struct seen s = {0};
	uint8_t big[40];
	struct evbpf_async_stats stats = {.sz = sizeof(stats)};

	(void)st;
	/* Start near the end so the second record wraps. */
	r.consumer_pos = r.producer_pos = FAKE_SIZE - 24;
	assert_ok(evbpf__ringbuf_new_mem(&r.consumer_pos, &r.producer_pos, r.data, FAKE_SIZE,
	                                 on_fake, &s, NULL, &rb));
	for (int i = 0; i < 40; i++)
		big[i] = (uint8_t)(100 + i);
	fake_put(&r, 8, &(uint64_t){7}, 8);
	fake_put(&r, 40, big, 40); /* header at 248, payload wraps to 0 */
	fake_put(&r, 8, &(uint64_t){9}, 8);
	s.fail_at = 2;
	/* The callback's error stops the drain and is returned; the record it
	 * was called for is consumed. */
	assert_int_equal(evbpf_ringbuf_consume(rb), -EINTR);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.sizes[1], 40);
	assert_int_equal(s.vals[1], 0x6b6a696867666564ull); /* bytes 100..107, contiguous */
	assert_int_equal(r.consumer_pos, FAKE_SIZE - 24 + 16 + 48);
	s.fail_at = 0;
	assert_int_equal(evbpf_ringbuf_consume(rb), 1);
	assert_int_equal(s.vals[2], 9);
	assert_ok(evbpf_ringbuf_stats(rb, &stats));
	assert_int_equal(stats.records, 3);
	assert_int_equal(stats.bytes, 8 + 40 + 8);

	/* A length beyond the ring is refused, not followed. */
	fake_put(&r, 8, &(uint64_t){10}, 8);
	memcpy(&r.data[(r.producer_pos - 16) % FAKE_SIZE], &(uint32_t){4096}, 4);
	assert_int_equal(evbpf_ringbuf_consume(rb), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "corrupt record"));
	assert_int_equal(s.n, 3);
	evbpf_ringbuf_free(rb);
}

static int batch_seen;
static uint64_t batch_vals[64];
static size_t batch_sizes[16];
static int batch_calls;

static int on_fake_batch(void *ctx, const struct evbpf_record *recs, size_t n)
{
	(void)ctx;
	batch_sizes[batch_calls++] = n;
	for (size_t i = 0; i < n; i++)
		memcpy(&batch_vals[batch_seen++], recs[i].data, 8);
	return 0;
}

static void test_fake_batch(void **st)
{
	struct fake_ring r = {0};
	struct evbpf_ringbuf *rb;
	struct evbpf_ringbuf_opts opts = {
	    .sz = sizeof(opts), .batch_fn = on_fake_batch, .batch_max = 4};

	(void)st;
	assert_ok(evbpf__ringbuf_new_mem(&r.consumer_pos, &r.producer_pos, r.data, FAKE_SIZE, NULL,
	                                 NULL, &opts, &rb));
	for (uint64_t i = 0; i < 10; i++)
		fake_put(&r, 8, &i, 8);
	assert_int_equal(evbpf_ringbuf_consume(rb), 10);
	/* Batches of at most 4, in order; the position is published after. */
	assert_int_equal(batch_calls, 3);
	assert_int_equal(batch_sizes[0], 4);
	assert_int_equal(batch_sizes[1], 4);
	assert_int_equal(batch_sizes[2], 2);
	for (int i = 0; i < 10; i++)
		assert_int_equal(batch_vals[i], i);
	assert_int_equal(r.consumer_pos, r.producer_pos);
	evbpf_ringbuf_free(rb);
}

static struct fake_ring *pos_ring;
static uint64_t pos_seen[16];
static int pos_n;

static int on_pos(void *ctx, const void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	pos_seen[pos_n++] = __atomic_load_n(&pos_ring->consumer_pos, __ATOMIC_ACQUIRE);
	return 0;
}

static void test_fake_position_published_once(void **st)
{
	struct fake_ring r = {0};
	struct evbpf_ringbuf *rb;

	(void)st;
	pos_ring = &r;
	assert_ok(evbpf__ringbuf_new_mem(&r.consumer_pos, &r.producer_pos, r.data, FAKE_SIZE,
	                                 on_pos, NULL, NULL, &rb));
	for (uint64_t i = 0; i < 10; i++)
		fake_put(&r, 8, &i, 8);
	assert_int_equal(evbpf_ringbuf_consume(rb), 10);
	/* Not per record: the position moves every quarter ring (64 bytes,
	 * four 16-byte records, here) during a long pass, and at its end. */
	for (int i = 0; i < 10; i++)
		assert_int_equal(pos_seen[i], (uint64_t)(i / 4) * 64);
	assert_int_equal(r.consumer_pos, 10 * 16);
	evbpf_ringbuf_free(rb);
}

static void test_bad_arguments(void **st)
{
	struct evbpf_map *hash = NULL;
	struct evbpf_ringbuf *rb = (void *)0x1;
	struct evbpf_ringbuf_opts opts = {.sz = sizeof(opts), .flags = EVBPF_ASYNC_TIMER_ONLY};
	int before = fd_count();

	(void)st;
	REQUIRE_KERNEL();
	assert_ok(evbpf_map_create(BPF_MAP_TYPE_HASH, "nota_ring", 4, 4, 4, NULL, &hash));
	assert_int_equal(evbpf_ringbuf_new(hash, on_fake, NULL, &rb), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "not a ringbuf"));
	assert_ptr_equal(rb, (void *)0x1); /* untouched on failure */
	assert_int_equal(evbpf_ringbuf_new(NULL, on_fake, NULL, &rb), -EINVAL);
	assert_int_equal(evbpf_ringbuf_new_opts(hash, on_fake, NULL, &opts, &rb), -EINVAL);
	assert_int_equal(evbpf_ringbuf_consume(NULL), -EINVAL);
	evbpf_ringbuf_free(NULL);
	evbpf_map_free(hash);
	assert_int_equal(fd_count(), before);
}

/* ------------------------------------------------------ the real kernel */

struct kstate {
	uint64_t next;
	uint64_t n;
	bool vary;
	bool bad;
	uint64_t skip_every; /* discarded sequence numbers */
};

static int on_kernel(void *ctx, const void *data, size_t size)
{
	struct kstate *k = ctx;

	while (k->skip_every && k->next % k->skip_every == 0)
		k->next++;
	if (!record_ok(data, size, k->next, k->vary) ||
	    size != (k->vary ? 1 + k->next % 33 : 2) * 8)
		k->bad = true;
	k->next++;
	k->n++;
	return 0;
}

static void test_consume_kernel(void **st)
{
	struct producer_cfg cfg = {.vary_size = 1, .discard_every = 7};
	struct evbpf_object *obj;
	struct evbpf_ringbuf *rb;
	struct kstate k = {.vary = true, .skip_every = 7};
	int before = fd_count();

	(void)st;
	REQUIRE_KERNEL();
	obj = open_producers(&cfg);
	assert_ok(evbpf_ringbuf_new(evbpf_object_find_map(obj, "rb"), on_kernel, &k, &rb));
	/* Empty: nothing, and the poll times out. */
	assert_int_equal(evbpf_ringbuf_consume(rb), 0);
	assert_int_equal(evbpf_ringbuf_poll(rb, 0), 0);
	/* 700 records of 8..264 bytes (wrapping the 256 KiB ring is not
	 * needed for contents: every size and every offset modulo 8 is). */
	assert_ok(run_prog(evbpf_object_find_program(obj, "rb_produce"), 700));
	assert_int_equal(global_u64(obj, "rb_dropped"), 0);
	/* Seq 0, 7, 14, ... were discarded: 100 of 700. */
	assert_int_equal(evbpf_ringbuf_consume_n(rb, 50), 50);
	assert_int_equal(evbpf_ringbuf_poll(rb, 1000), 550);
	assert_int_equal(k.n, 600);
	assert_false(k.bad);
	assert_int_equal(evbpf_ringbuf_poll(rb, 0), 0);
	assert_true(evbpf_ringbuf_epoll_fd(rb) >= 0);
	evbpf_ringbuf_free(rb);
	evbpf_object_close(obj);
	assert_int_equal(fd_count(), before);
}

static void test_wraparound_kernel(void **st)
{
	struct producer_cfg cfg = {.vary_size = 1};
	struct evbpf_object *obj;
	struct evbpf_ringbuf *rb;
	struct evbpf_program *prog;
	struct kstate k = {.vary = true};
	int before = fd_count();

	(void)st;
	REQUIRE_KERNEL();
	obj = open_producers(&cfg);
	prog = evbpf_object_find_program(obj, "rb_produce");
	assert_ok(evbpf_ringbuf_new(evbpf_object_find_map(obj, "rb"), on_kernel, &k, &rb));
	/* 100 rounds of 1000 records (~150 KiB each) go around the 4 MiB ring
	 * three times: records straddling the end arrive whole. */
	for (int i = 0; i < 100; i++) {
		assert_ok(run_prog(prog, 1000));
		assert_int_equal(evbpf_ringbuf_consume(rb), 1000);
	}
	assert_int_equal(global_u64(obj, "rb_dropped"), 0);
	assert_int_equal(k.n, 100000);
	assert_false(k.bad);
	evbpf_ringbuf_free(rb);
	evbpf_object_close(obj);
	assert_int_equal(fd_count(), before);
}

static int stop_at_3(void *ctx, const void *data, size_t size)
{
	struct kstate *k = ctx;

	on_kernel(ctx, data, size);
	return k->n == 3 ? -ECANCELED : 0;
}

static void test_callback_error_kernel(void **st)
{
	struct evbpf_object *obj;
	struct evbpf_ringbuf *rb;
	struct kstate k = {0};
	int before = fd_count();

	(void)st;
	REQUIRE_KERNEL();
	obj = open_producers(NULL);
	assert_ok(evbpf_ringbuf_new(evbpf_object_find_map(obj, "rb"), stop_at_3, &k, &rb));
	assert_ok(run_prog(evbpf_object_find_program(obj, "rb_produce"), 10));
	assert_int_equal(evbpf_ringbuf_consume(rb), -ECANCELED);
	assert_int_equal(k.n, 3);
	/* The rest is still there, in order. */
	assert_int_equal(evbpf_ringbuf_consume(rb), 7);
	assert_int_equal(k.n, 10);
	assert_false(k.bad);
	evbpf_ringbuf_free(rb);
	evbpf_object_close(obj);
	assert_int_equal(fd_count(), before);
}

/* A thread blocked in poll() is woken by a producer on another thread. */
static void *delayed_producer(void *arg)
{
	struct timespec ts = {0, 20 * 1000 * 1000};

	nanosleep(&ts, NULL);
	run_prog(arg, 5);
	return NULL;
}

static void test_poll_blocks_until_wakeup(void **st)
{
	struct evbpf_object *obj;
	struct evbpf_ringbuf *rb;
	struct kstate k = {0};
	pthread_t t;
	int before = fd_count(), got = 0;

	(void)st;
	REQUIRE_KERNEL();
	obj = open_producers(NULL);
	assert_ok(evbpf_ringbuf_new(evbpf_object_find_map(obj, "rb"), on_kernel, &k, &rb));
	assert_int_equal(pthread_create(&t, NULL, delayed_producer,
	                                evbpf_object_find_program(obj, "rb_produce")),
	                 0);
	/* -1: no timeout; the wakeup ends the wait. The producer may be
	 * caught between records, so poll until all five are in. A wakeup
	 * can find nothing new: the records it announced were consumed by
	 * the previous poll, after the kernel had already queued it. */
	while (got < 5) {
		int n = evbpf_ringbuf_poll(rb, -1);

		assert_true(n >= 0);
		got += n;
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(got, 5);
	assert_false(k.bad);
	evbpf_ringbuf_free(rb);
	evbpf_object_close(obj);
	assert_int_equal(fd_count(), before);
}

/* Epoll fds the process holds: the default-mode consumer creates its own
 * only when asked for it. */
static int epoll_fd_count(void)
{
	char path[64], target[64];
	int n = 0;

	for (int fd = 0; fd < 4096; fd++) {
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (!strcmp(target, "anon_inode:[eventpoll]"))
			n++;
	}
	return n;
}

/* A user without a loop waits on the consumer's public epoll fd itself, or
 * through evbpf_ringbuf_poll(), in either order: the fd (created on first
 * use) reports the ring's records and stays the same. */
static void test_epoll_fd_without_loop(void **st)
{
	struct evbpf_object *obj;
	struct evbpf_ringbuf *rb, *rb2;
	struct evbpf_program *prog;
	struct epoll_event ev;
	struct kstate k = {0}, k2 = {0};
	int before = fd_count(), epolls = epoll_fd_count(), epfd;

	(void)st;
	REQUIRE_KERNEL();
	obj = open_producers(NULL);
	prog = evbpf_object_find_program(obj, "rb_produce");
	assert_ok(evbpf_ringbuf_new(evbpf_object_find_map(obj, "rb"), on_kernel, &k, &rb));
	/* Default mode: no epoll fd of the consumer's until one is needed. */
	assert_int_equal(epoll_fd_count(), epolls);
	epfd = evbpf_ringbuf_epoll_fd(rb);
	assert_true(epfd >= 0);
	assert_int_equal(epoll_fd_count(), epolls + 1);
	assert_int_equal(evbpf_ringbuf_epoll_fd(rb), epfd);
	/* Empty: the user's own epoll_wait times out. */
	assert_int_equal(epoll_wait(epfd, &ev, 1, 0), 0);
	assert_ok(run_prog(prog, 10));
	assert_int_equal(epoll_wait(epfd, &ev, 1, 1000), 1);
	assert_true(ev.events & EPOLLIN);
	assert_int_equal(evbpf_ringbuf_consume(rb), 10);
	assert_int_equal(epoll_wait(epfd, &ev, 1, 0), 0);
	/* And through poll(), on the same fd. */
	assert_ok(run_prog(prog, 7));
	assert_int_equal(evbpf_ringbuf_poll(rb, 1000), 7);
	assert_int_equal(evbpf_ringbuf_epoll_fd(rb), epfd);
	assert_int_equal(k.n, 17);
	assert_false(k.bad);
	evbpf_ringbuf_free(rb);

	/* poll() first, on a new consumer of the same ring: it creates the
	 * fd, and evbpf_ringbuf_epoll_fd() then returns that one. */
	assert_ok(evbpf_ringbuf_new(evbpf_object_find_map(obj, "rb"), on_kernel, &k2, &rb2));
	k2.next = 17;
	assert_int_equal(evbpf_ringbuf_poll(rb2, 0), 0);
	epfd = evbpf_ringbuf_epoll_fd(rb2);
	assert_true(epfd >= 0);
	assert_int_equal(epoll_fd_count(), epolls + 1);
	assert_ok(run_prog(prog, 5));
	assert_int_equal(epoll_wait(epfd, &ev, 1, 1000), 1);
	assert_int_equal(evbpf_ringbuf_poll(rb2, 1000), 5);
	assert_int_equal(k2.n, 5);
	assert_false(k2.bad);
	evbpf_ringbuf_free(rb2);
	evbpf_object_close(obj);
	assert_int_equal(epoll_fd_count(), epolls);
	assert_int_equal(fd_count(), before);
}

/* The consumer keeps its own dup of the map fd: closing the object first
 * leaves the consumer working, and poll() still waits on the ring. */
static void test_object_closed_first_poll(void **st)
{
	struct evbpf_object *obj;
	struct evbpf_ringbuf *rb;
	struct kstate k = {0};
	int before = fd_count();

	(void)st;
	REQUIRE_KERNEL();
	obj = open_producers(NULL);
	assert_ok(evbpf_ringbuf_new(evbpf_object_find_map(obj, "rb"), on_kernel, &k, &rb));
	assert_ok(run_prog(evbpf_object_find_program(obj, "rb_produce"), 20));
	evbpf_object_close(obj);
	assert_int_equal(evbpf_ringbuf_poll(rb, 1000), 20);
	assert_int_equal(evbpf_ringbuf_poll(rb, 0), 0);
	assert_true(evbpf_ringbuf_epoll_fd(rb) >= 0);
	assert_int_equal(k.n, 20);
	assert_false(k.bad);
	evbpf_ringbuf_free(rb);
	assert_int_equal(fd_count(), before);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fake_busy_discard),
	    cmocka_unit_test(test_fake_wrap_and_errors),
	    cmocka_unit_test(test_fake_batch),
	    cmocka_unit_test(test_fake_position_published_once),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_consume_kernel),
	    cmocka_unit_test(test_wraparound_kernel),
	    cmocka_unit_test(test_callback_error_kernel),
	    cmocka_unit_test(test_poll_blocks_until_wakeup),
	    cmocka_unit_test(test_epoll_fd_without_loop),
	    cmocka_unit_test(test_object_closed_first_poll),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
