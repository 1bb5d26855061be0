/* SPDX-License-Identifier: MIT */
/*
 * User ring buffers (BPF_MAP_TYPE_USER_RINGBUF, Linux 6.1): records
 * written here, drained by a BPF program (bpf_user_ringbuf_drain in a
 * syscall program run with BPF_PROG_TEST_RUN) that checks their sequence
 * and sums them. Without a loop: reserve, submit, discard, a full ring,
 * the blocking reserve and its timeout, one producer per ring, and
 * reservations discarded at free. On a loop (libuv and libev): a
 * producer that never blocks, refilling from the space callback while
 * another thread drains, with no more callbacks than drains.
 */
#include <time.h>

#include "loop.h"

struct command {
	uint32_t seq;
	uint32_t value;
};

struct state {
	int fds_before;
	struct evbpf_object *obj;
	struct evbpf_map *map;
	struct evbpf_program *drain;
	struct evbpf_user_ringbuf *urb;
};

static void require_urb(void)
{
	REQUIRE_MAP_TYPE(BPF_MAP_TYPE_USER_RINGBUF);
	REQUIRE_PROG_TYPE(BPF_PROG_TYPE_SYSCALL);
}

static void open_fixture(struct state *s)
{
	assert_ok(evbpf_object_open_file(FIXTURE("user_ringbuf.bpf.o"), NULL, &s->obj));
	assert_ok(evbpf_object_load(s->obj));
	s->map = evbpf_object_find_map(s->obj, "commands");
	s->drain = evbpf_object_find_program(s->obj, "drain");
	assert_non_null(s->map);
	assert_non_null(s->drain);
}

static int setup(void **st)
{
	struct state *s = calloc(1, sizeof(*s));

	s->fds_before = fd_count();
	*st = s;
	return 0;
}

static int teardown(void **st)
{
	struct state *s = *st;

	evbpf_user_ringbuf_free(s->urb);
	evbpf_object_close(s->obj);
	assert_int_equal(fd_count(), s->fds_before);
	free(s);
	return 0;
}

/* Run the BPF side once: the records it drained. */
static int run_drain(struct evbpf_program *prog)
{
	struct evbpf_test_run_opts opts = {.sz = sizeof(opts)};
	int err = evbpf_program_test_run(prog, &opts);

	return err ? err : (int)opts.retval;
}

static int put(struct evbpf_user_ringbuf *urb, uint32_t seq, uint32_t value)
{
	void *p;
	int err = evbpf_user_ringbuf_reserve(urb, sizeof(struct command), &p);

	if (err)
		return err;
	((struct command *)p)->seq = seq;
	((struct command *)p)->value = value;
	return evbpf_user_ringbuf_submit(urb, p);
}

static void test_submit_discard_drain(void **st)
{
	struct state *s = *st;
	size_t full;
	void *p;

	require_urb();
	open_fixture(s);
	assert_ok(evbpf_user_ringbuf_new(s->map, &s->urb));
	full = evbpf_user_ringbuf_avail(s->urb);
	assert_int_equal(full, evbpf_map_max_entries(s->map));
	for (uint32_t i = 1; i <= 10; i++) {
		assert_ok(put(s->urb, i, i * 3));
		if (i == 5) {
			/* A discarded record is skipped by the BPF side. */
			assert_ok(evbpf_user_ringbuf_reserve(s->urb, 8, &p));
			memset(p, 0xee, 8);
			assert_ok(evbpf_user_ringbuf_discard(s->urb, p));
		}
	}
	assert_int_equal(evbpf_user_ringbuf_avail(s->urb), full - 11 * 16);
	assert_int_equal(run_drain(s->drain), 10);
	assert_int_equal(global_u64(s->obj, "drained"), 10);
	assert_int_equal(global_u64(s->obj, "sum"), 3 * 55);
	assert_int_equal(global_u64(s->obj, "bad"), 0);
	assert_int_equal(evbpf_user_ringbuf_avail(s->urb), full);
	/* Nothing more to drain. */
	assert_int_equal(run_drain(s->drain), 0);
	/* A sample is submitted once. */
	assert_ok(evbpf_user_ringbuf_reserve(s->urb, 8, &p));
	memcpy(p, &(struct command){11, 0}, 8);
	assert_ok(evbpf_user_ringbuf_submit(s->urb, p));
	assert_int_equal(evbpf_user_ringbuf_submit(s->urb, p), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "not reserved"));
	assert_int_equal(evbpf_user_ringbuf_submit(s->urb, (char *)p + 4), -EINVAL);
	assert_int_equal(evbpf_user_ringbuf_submit(s->urb, &full), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "not a sample of this ring"));
	assert_int_equal(run_drain(s->drain), 1);
}

static void test_full_and_sizes(void **st)
{
	struct state *s = *st;
	uint32_t n = 0;
	void *p;
	int err;

	require_urb();
	open_fixture(s);
	assert_ok(evbpf_user_ringbuf_new(s->map, &s->urb));
	while ((err = put(s->urb, n + 1, 1)) == 0)
		n++;
	assert_int_equal(err, -ENOSPC);
	assert_non_null(strstr(evbpf_errmsg(), "the ring is full"));
	/* 8-byte records take 16 bytes with their header. */
	assert_int_equal(n, evbpf_map_max_entries(s->map) / 16);
	assert_int_equal(evbpf_user_ringbuf_avail(s->urb), 0);
	assert_int_equal(run_drain(s->drain), (int)n);
	assert_int_equal(global_u64(s->obj, "bad"), 0);
	/* Wrapping around the end of the ring works the same. */
	for (uint32_t i = 0; i < 100; i++)
		assert_ok(put(s->urb, n + 1 + i, 2));
	assert_int_equal(run_drain(s->drain), 100);
	assert_int_equal(global_u64(s->obj, "sum"), n + 200);
	assert_int_equal(global_u64(s->obj, "bad"), 0);
	assert_int_equal(evbpf_user_ringbuf_reserve(s->urb, 0, &p), -EINVAL);
	assert_int_equal(evbpf_user_ringbuf_reserve(s->urb, evbpf_map_max_entries(s->map), &p),
	                 -E2BIG);
	assert_non_null(strstr(evbpf_errmsg(), "commands"));
	assert_int_equal(evbpf_user_ringbuf_reserve(s->urb, 8, NULL), -EINVAL);
	assert_int_equal(evbpf_user_ringbuf_reserve(NULL, 8, &p), -EINVAL);
	/* The largest record fits an empty ring. */
	assert_ok(evbpf_user_ringbuf_reserve(s->urb, evbpf_map_max_entries(s->map) - 8, &p));
	assert_ok(evbpf_user_ringbuf_discard(s->urb, p));
	assert_int_equal(run_drain(s->drain), 0);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void *drain_later(void *arg)
{
	struct state *s = arg;

	usleep(30 * 1000);
	run_drain(s->drain);
	return NULL;
}

static void test_blocking(void **st)
{
	struct state *s = *st;
	uint32_t n = 0;
	uint64_t t0;
	pthread_t thread;
	void *p;

	require_urb();
	open_fixture(s);
	assert_ok(evbpf_user_ringbuf_new(s->map, &s->urb));
	while (put(s->urb, n + 1, 1) == 0)
		n++;
	assert_int_equal(evbpf_user_ringbuf_reserve_blocking(s->urb, 8, 0, &p), -ETIMEDOUT);
	t0 = now_ms();
	assert_int_equal(evbpf_user_ringbuf_reserve_blocking(s->urb, 8, 60, &p), -ETIMEDOUT);
	assert_true(now_ms() - t0 >= 60);
	assert_non_null(strstr(evbpf_errmsg(), "is the BPF side draining"));
	/* Another thread drains: the wait ends then, long before the timeout. */
	assert_int_equal(pthread_create(&thread, NULL, drain_later, s), 0);
	t0 = now_ms();
	assert_ok(evbpf_user_ringbuf_reserve_blocking(s->urb, 8, 20000, &p));
	assert_true(now_ms() - t0 < 10000);
	assert_int_equal(pthread_join(thread, NULL), 0);
	assert_int_equal(global_u64(s->obj, "drained"), n);
	((struct command *)p)->seq = n + 1;
	((struct command *)p)->value = 5;
	assert_ok(evbpf_user_ringbuf_submit(s->urb, p));
	assert_int_equal(run_drain(s->drain), 1);
	assert_int_equal(global_u64(s->obj, "bad"), 0);
}

static int never_called(void *ctx, const void *data, size_t size)
{
	fail_msg("a record from a user ring buffer");
	return 0;
}

static void test_one_producer(void **st)
{
	struct state *s = *st;
	struct evbpf_user_ringbuf *second = NULL;
	struct evbpf_ringbuf *rb = NULL;
	struct evbpf_map *other;

	require_urb();
	open_fixture(s);
	assert_ok(evbpf_user_ringbuf_new(s->map, &s->urb));
	assert_int_equal(evbpf_user_ringbuf_new(s->map, &second), -EBUSY);
	assert_non_null(strstr(evbpf_errmsg(), "map 'commands'"));
	assert_non_null(strstr(evbpf_errmsg(), "producer"));
	assert_null(second);
	/* The same ring through another fd is the same ring. */
	assert_ok(evbpf_map_from_fd(evbpf_map_fd(s->map), &other));
	assert_int_equal(evbpf_user_ringbuf_new(other, &second), -EBUSY);
	evbpf_user_ringbuf_free(s->urb);
	s->urb = NULL;
	assert_ok(evbpf_user_ringbuf_new(other, &second));
	evbpf_user_ringbuf_free(second);
	evbpf_map_free(other);
	/* A user ring buffer is written, not read. */
	assert_int_equal(evbpf_ringbuf_new(s->map, never_called, NULL, &rb), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "evbpf_user_ringbuf_new"));
	assert_int_equal(evbpf_user_ringbuf_new(NULL, &second), -EINVAL);
}

static void test_free_discards_reserved(void **st)
{
	struct state *s = *st;
	void *p;

	require_urb();
	open_fixture(s);
	assert_ok(evbpf_user_ringbuf_new(s->map, &s->urb));
	assert_ok(put(s->urb, 1, 10));
	assert_ok(evbpf_user_ringbuf_reserve(s->urb, 8, &p));
	((struct command *)p)->seq = 99; /* never submitted: must not be seen */
	assert_ok(put(s->urb, 2, 20));
	/* The reservation holds back the record after it. */
	assert_int_equal(run_drain(s->drain), 1);
	evbpf_user_ringbuf_free(s->urb);
	s->urb = NULL;
	assert_int_equal(run_drain(s->drain), 1);
	assert_int_equal(global_u64(s->obj, "drained"), 2);
	assert_int_equal(global_u64(s->obj, "sum"), 30);
	assert_int_equal(global_u64(s->obj, "bad"), 0);
}

/* ------------------------------------------------------------ on a loop */

#define LOOP_TOTAL 3000

struct loop_ctx {
	struct state *s;
	struct test_loop *tl;
	uint32_t produced;
	uint32_t full_hits; /* reserves refused: the ring was full */
	uint64_t callbacks; /* space callbacks */
	atomic_uint_fast64_t drains_with_records;
	atomic_bool done;
	bool drainer_started;
	pthread_t drainer;
	int err;
};

static void *drainer(void *arg);

static void produce(struct loop_ctx *c)
{
	while (c->produced < LOOP_TOTAL) {
		int err = put(c->s->urb, c->produced + 1, c->produced % 7);

		if (err == -ENOSPC) {
			c->full_hits++;
			/* The BPF side starts once the ring is full, so that
			 * the refill through the callback is certain to be
			 * exercised, however fast either side runs. */
			if (!c->drainer_started) {
				if (pthread_create(&c->drainer, NULL, drainer, c) != 0) {
					c->err = -EAGAIN;
					break;
				}
				c->drainer_started = true;
			}
			return; /* the space callback resumes */
		}
		if (err) {
			c->err = err;
			break;
		}
		c->produced++;
	}
	/* All written (or failed): free from inside the callback. */
	evbpf_user_ringbuf_free(c->s->urb);
	c->s->urb = NULL;
}

static void on_space(void *ctx, struct evbpf_user_ringbuf *urb)
{
	struct loop_ctx *c = ctx;

	assert_ptr_equal(urb, c->s->urb);
	c->callbacks++;
	produce(c);
}

static void first_produce(void *arg)
{
	produce(arg);
}

/* The BPF side on another thread, as a program triggered elsewhere. */
static void *drainer(void *arg)
{
	struct loop_ctx *c = arg;
	uint64_t spins = 0;

	while (!atomic_load(&c->done)) {
		int n = run_drain(c->s->drain);

		if (n < 0) {
			c->err = n;
			break;
		}
		if (n > 0)
			atomic_fetch_add(&c->drains_with_records, 1);
		else
			usleep(200);
		if (global_u64(c->s->obj, "drained") >= LOOP_TOTAL)
			break;
		if (++spins > 2000000)
			break;
	}
	return NULL;
}

static void test_loop_producer(void **st)
{
	struct state local = {0}, *s = &local;
	struct test_loop tl;
	struct loop_ctx c = {0};
	uint64_t sum = 0;

	require_urb();
	tl_init(&tl, backend_of(st));
	open_fixture(s);
	c.s = s;
	c.tl = &tl;
	assert_ok(evbpf_user_ringbuf_new(s->map, &s->urb));
	assert_ok(evbpf_user_ringbuf_start(s->urb, tl.reactor, on_space, &c));
	assert_int_equal(evbpf_user_ringbuf_start(s->urb, tl.reactor, on_space, &c), -EBUSY);
	/* On a loop, waiting is the loop's business. */
	{
		void *p;

		assert_int_equal(evbpf_user_ringbuf_reserve_blocking(s->urb, 8, 10, &p), -EBUSY);
	}
	tl_soon(&tl, first_produce, &c);
	tl_run(&tl);
	atomic_store(&c.done, true);
	assert_true(c.drainer_started);
	assert_int_equal(pthread_join(c.drainer, NULL), 0);
	assert_int_equal(c.err, 0);
	assert_null(s->urb);
	assert_int_equal(c.produced, LOOP_TOTAL);
	/* The ring (4 KiB, 256 records) was full at least once (how often
	 * depends on how fast the drainer runs), and every refill after a
	 * full ring came from a callback. */
	assert_true(c.full_hits >= 1);
	assert_true(c.callbacks >= c.full_hits);
	/* Edge-triggered: a callback per drain at most, never a spin. */
	assert_true(c.callbacks <= atomic_load(&c.drains_with_records) + 1);
	/* The drainer may stop before the last records: drain the rest. */
	while (run_drain(s->drain) > 0)
		;
	assert_int_equal(global_u64(s->obj, "drained"), LOOP_TOTAL);
	assert_int_equal(global_u64(s->obj, "bad"), 0);
	for (uint32_t i = 0; i < LOOP_TOTAL; i++)
		sum += i % 7;
	assert_int_equal(global_u64(s->obj, "sum"), sum);
	evbpf_object_close(s->obj);
	tl_finish(&tl);
}

/* A reactor whose last reference is gone is refused, never followed. */
static void test_dead_reactor(void **st)
{
	struct state local = {0}, *s = &local;
	struct evbpf_reactor *dead;
	struct test_loop tl;

	require_urb();
	tl_init(&tl, backend_of(st));
	open_fixture(s);
	assert_ok(evbpf_user_ringbuf_new(s->map, &s->urb));
	dead = tl.reactor;
	tl_free_reactor(&tl); /* nothing started on it: it is gone */
	assert_int_equal(evbpf_user_ringbuf_start(s->urb, dead, on_space, NULL), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "not alive"));
	evbpf_reactor_free(dead); /* freeing it again is refused too */
	assert_non_null(strstr(evbpf_errmsg(), "not alive"));
	evbpf_user_ringbuf_free(s->urb);
	evbpf_object_close(s->obj);
	tl_finish(&tl);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_submit_discard_drain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_full_and_sizes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_blocking, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_one_producer, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_free_discards_reserved, setup, teardown),
	    BOTH_BACKENDS(test_loop_producer) BOTH_BACKENDS(test_dead_reactor)};

	return RUN_TESTS(tests, NULL, NULL);
}
