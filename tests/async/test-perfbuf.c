/* SPDX-License-Identifier: MIT */
/*
 * The perf buffer consumer: per-CPU order and completeness from a
 * concurrent producer on libuv and libev; lost + received == produced when
 * a ring overflows (and the lost count is exactly what the BPF side saw
 * refused); wakeup_events and watermark; records wrapping a one-page ring
 * arrive whole; the budget resumes without a new wakeup; timer mode; stop
 * and free inside callbacks; the map is left empty after free.
 */
#include "loop.h"

struct pb_ctx {
	struct evbpf_perfbuf *pb;
	atomic_uint_fast64_t consumed;
	uint64_t last[64]; /* per CPU: last sequence number + 1 */
	uint8_t *seen;     /* one byte per sequence number */
	uint64_t nseen;
	uint64_t expect; /* stop at this many */
	uint64_t lost;
	uint64_t lost_calls;
	bool vary;
	bool bad;
	bool free_at_expect;
};

static int on_sample(void *arg, int cpu, const void *data, size_t size)
{
	struct pb_ctx *c = arg;
	uint64_t seq, n;

	n = atomic_fetch_add(&c->consumed, 1) + 1;
	if (size < 8 || cpu < 0 || cpu >= 64) {
		c->bad = true;
	} else {
		memcpy(&seq, data, 8);
		/* Per CPU, sequence numbers only go up; each arrives once. */
		if (!record_ok(data, size, seq, c->vary) || seq < c->last[cpu] || seq >= c->nseen ||
		    c->seen[seq])
			c->bad = true;
		else
			c->seen[seq] = 1;
		c->last[cpu] = seq + 1;
	}
	if (n == c->expect) {
		if (c->free_at_expect) {
			evbpf_perfbuf_free(c->pb);
			c->pb = NULL;
		} else {
			assert_ok(evbpf_perfbuf_stop(c->pb));
		}
	}
	return 0;
}

static void on_lost(void *arg, int cpu, uint64_t lost)
{
	struct pb_ctx *c = arg;

	(void)cpu;
	c->lost += lost;
	c->lost_calls++;
}

static void ctx_init(struct pb_ctx *c, uint64_t max_seq)
{
	memset(c, 0, sizeof(*c));
	c->nseen = max_seq;
	c->seen = calloc(max_seq, 1);
	assert_non_null(c->seen);
}

/* Produce n records from a thread pinned to cpu, and wait for it. */
static void produce_on(struct evbpf_program *prog, uint64_t n, int cpu)
{
	struct producer p = {.prog = prog, .total = n, .chunk = n, .pin_cpu = cpu};

	producer_start(&p);
	producer_join(&p);
}

static void test_concurrent_per_cpu_order(void **st)
{
	struct test_loop tl;
	struct producer_cfg cfg = {.vary_size = 1};
	struct evbpf_object *obj;
	struct pb_ctx c;
	struct producer p = {.total = 20000, .chunk = 1024, .window = 4096, .pin_cpu = -1};
	struct evbpf_async_stats stats = {.sz = sizeof(stats)};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(&cfg);
	ctx_init(&c, 20000);
	c.vary = true;
	c.expect = 20000;
	/* 4 MiB per CPU: room for 2 * (window + chunk) of the largest records. */
	assert_ok(evbpf_perfbuf_new(evbpf_object_find_map(obj, "perf"), 1024, on_sample, on_lost,
	                            &c, &c.pb));
	assert_true(evbpf_perfbuf_cpu_count(c.pb) >= 1);
	assert_ok(evbpf_perfbuf_start(c.pb, tl.reactor));
	p.prog = evbpf_object_find_program(obj, "perf_produce");
	p.consumed = &c.consumed;
	producer_start(&p);
	tl_run(&tl);
	producer_join(&p);
	assert_int_equal(atomic_load(&c.consumed), 20000);
	assert_false(c.bad);
	assert_int_equal(c.lost, 0);
	assert_int_equal(global_u64(obj, "perf_failed"), 0);
	assert_ok(evbpf_perfbuf_stats(c.pb, &stats));
	assert_int_equal(stats.records, 20000);
	assert_int_equal(stats.lost, 0);
	assert_true(stats.wakeups > 0);
	evbpf_perfbuf_free(c.pb);
	free(c.seen);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

static void test_overflow_lost(void **st)
{
	struct test_loop tl;
	struct evbpf_object *obj;
	struct evbpf_program *prog;
	struct pb_ctx c;
	struct evbpf_async_stats stats = {.sz = sizeof(stats)};
	uint64_t failed;

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(NULL);
	prog = evbpf_object_find_program(obj, "perf_produce");
	ctx_init(&c, 2001);
	/* One 4 KiB page per CPU holds ~128 records of 32 bytes: 2000 from
	 * CPU 0 overflow it. */
	assert_ok(evbpf_perfbuf_new(evbpf_object_find_map(obj, "perf"), 1, on_sample, on_lost, &c,
	                            &c.pb));
	produce_on(prog, 2000, 0);
	failed = global_u64(obj, "perf_failed");
	assert_true(failed > 0 && failed < 2000);
	c.expect = 2000 - failed;
	assert_ok(evbpf_perfbuf_start(c.pb, tl.reactor));
	tl_run(&tl);
	assert_int_equal(atomic_load(&c.consumed), 2000 - failed);
	/* The kernel reports the loss with the next record it can write. */
	produce_on(prog, 1, 0);
	c.expect = 2001 - failed;
	assert_ok(evbpf_perfbuf_start(c.pb, tl.reactor));
	tl_run(&tl);
	assert_int_equal(c.lost, failed);
	assert_int_equal(c.lost_calls, 1);
	assert_int_equal(atomic_load(&c.consumed) + c.lost, 2001);
	assert_false(c.bad);
	assert_ok(evbpf_perfbuf_stats(c.pb, &stats));
	assert_int_equal(stats.lost, failed);
	evbpf_perfbuf_free(c.pb);
	free(c.seen);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

static void test_wakeup_events_and_watermark(void **st)
{
	struct evbpf_object *obj;
	struct evbpf_program *prog;
	struct evbpf_perfbuf *pb;
	struct pb_ctx c;
	struct evbpf_perfbuf_opts opts = {.sz = sizeof(opts), .wakeup_events = 4};
	int before = fd_count();

	(void)st;
	REQUIRE_KERNEL();
	obj = open_producers(NULL);
	prog = evbpf_object_find_program(obj, "perf_produce");
	ctx_init(&c, 200);
	assert_ok(evbpf_perfbuf_new_opts(evbpf_object_find_map(obj, "perf"), 8, on_sample, NULL, &c,
	                                 &opts, &pb));
	/* Three records: below wakeup_events, no wakeup. */
	produce_on(prog, 3, 0);
	assert_int_equal(evbpf_perfbuf_poll(pb, 0), 0);
	/* The fourth wakes the reader, which gets all four. */
	produce_on(prog, 1, 0);
	assert_int_equal(evbpf_perfbuf_poll(pb, 5000), 4);
	evbpf_perfbuf_free(pb);

	/* Watermark: 2048 bytes of 32-byte records wake after the 65th. */
	opts.wakeup_events = 0;
	opts.wakeup_watermark = 2048;
	assert_ok(evbpf_perfbuf_new_opts(evbpf_object_find_map(obj, "perf"), 8, on_sample, NULL, &c,
	                                 &opts, &pb));
	produce_on(prog, 60, 0);
	assert_int_equal(evbpf_perfbuf_poll(pb, 0), 0);
	produce_on(prog, 10, 0);
	assert_int_equal(evbpf_perfbuf_poll(pb, 5000), 70);
	assert_int_equal(atomic_load(&c.consumed), 74);
	assert_false(c.bad);
	evbpf_perfbuf_free(pb);
	free(c.seen);
	evbpf_object_close(obj);
	assert_int_equal(fd_count(), before);
}

static void test_wrapped_records(void **st)
{
	struct producer_cfg cfg = {.vary_size = 1};
	struct evbpf_object *obj;
	struct evbpf_program *prog;
	struct evbpf_perfbuf *pb;
	struct pb_ctx c;
	int before = fd_count();

	(void)st;
	REQUIRE_KERNEL();
	obj = open_producers(&cfg);
	prog = evbpf_object_find_program(obj, "perf_produce");
	ctx_init(&c, 1000);
	c.vary = true;
	/* One page per CPU; records of 8..264 bytes; the ring wraps every
	 * ~27 records, so dozens of records straddle its end. */
	assert_ok(
	    evbpf_perfbuf_new(evbpf_object_find_map(obj, "perf"), 1, on_sample, on_lost, &c, &pb));
	for (int i = 0; i < 100; i++) {
		produce_on(prog, 10, 0);
		assert_int_equal(evbpf_perfbuf_consume(pb), 10);
	}
	assert_int_equal(atomic_load(&c.consumed), 1000);
	assert_int_equal(c.lost, 0);
	assert_false(c.bad);
	evbpf_perfbuf_free(pb);
	free(c.seen);
	evbpf_object_close(obj);
	assert_int_equal(fd_count(), before);
}

static void test_budget_without_new_wakeup(void **st)
{
	struct test_loop tl;
	struct evbpf_object *obj;
	struct pb_ctx c;
	struct evbpf_perfbuf_opts opts = {.sz = sizeof(opts), .wakeup_events = 100, .budget = 10};
	struct evbpf_async_stats stats = {.sz = sizeof(stats)};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(NULL);
	ctx_init(&c, 100);
	c.expect = 100;
	assert_ok(evbpf_perfbuf_new_opts(evbpf_object_find_map(obj, "perf"), 8, on_sample, NULL, &c,
	                                 &opts, &c.pb));
	assert_ok(evbpf_perfbuf_start(c.pb, tl.reactor));
	/* One wakeup for 100 records, drained ten at a time: the other 90
	 * follow on later loop iterations with no wakeup of their own. */
	produce_on(evbpf_object_find_program(obj, "perf_produce"), 100, 0);
	tl_run(&tl);
	assert_int_equal(atomic_load(&c.consumed), 100);
	assert_false(c.bad);
	assert_ok(evbpf_perfbuf_stats(c.pb, &stats));
	assert_int_equal(stats.budget_hits, 9);
	assert_true(stats.wakeups <= 2);
	evbpf_perfbuf_free(c.pb);
	free(c.seen);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

static void produce_500(void *arg)
{
	/* On the loop thread, after the consumer's start-up drain. */
	assert_ok(run_prog(arg, 500));
}

static int fail_fifth(void *arg, int cpu, const void *data, size_t size)
{
	struct pb_ctx *c = arg;

	on_sample(arg, cpu, data, size);
	return atomic_load(&c->consumed) == 5 ? -EAGAIN : 0;
}

static void test_callback_error_on_loop(void **st)
{
	struct test_loop tl;
	struct evbpf_object *obj;
	struct pb_ctx c;
	struct evbpf_perfbuf_opts opts = {.sz = sizeof(opts), .wakeup_events = 50};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(NULL);
	ctx_init(&c, 50);
	c.expect = 50;
	assert_ok(evbpf_perfbuf_new_opts(evbpf_object_find_map(obj, "perf"), 8, fail_fifth, NULL,
	                                 &c, &opts, &c.pb));
	assert_ok(evbpf_perfbuf_start(c.pb, tl.reactor));
	/* One wakeup for all 50; the callback's error at the fifth ends that
	 * drain, and the other 45 follow without another wakeup. */
	produce_on(evbpf_object_find_program(obj, "perf_produce"), 50, 0);
	tl_run(&tl);
	assert_int_equal(atomic_load(&c.consumed), 50);
	assert_false(c.bad);
	evbpf_perfbuf_free(c.pb);
	free(c.seen);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

static void test_timer_mode(void **st)
{
	struct test_loop tl;
	struct evbpf_object *obj;
	struct pb_ctx c;
	struct evbpf_perfbuf_opts opts = {.sz = sizeof(opts),
	                                  .wakeup_events = 1000000,
	                                  .drain_interval_ms = 1,
	                                  .flags = EVBPF_ASYNC_TIMER_ONLY};
	struct evbpf_async_stats stats = {.sz = sizeof(stats)};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(NULL);
	ctx_init(&c, 500);
	c.expect = 500;
	assert_ok(evbpf_perfbuf_new_opts(evbpf_object_find_map(obj, "perf"), 64, on_sample, NULL,
	                                 &c, &opts, &c.pb));
	assert_ok(evbpf_perfbuf_start(c.pb, tl.reactor));
	/* No wakeup will ever come (a million records per wakeup) and the
	 * fd is not watched: only the drain timer can deliver these. */
	tl_soon(&tl, produce_500, evbpf_object_find_program(obj, "perf_produce"));
	tl_run(&tl);
	assert_int_equal(atomic_load(&c.consumed), 500);
	assert_false(c.bad);
	assert_ok(evbpf_perfbuf_stats(c.pb, &stats));
	assert_int_equal(stats.wakeups, 0);
	assert_true(stats.timer_drains >= 1);
	evbpf_perfbuf_free(c.pb);
	free(c.seen);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

static void test_stop_free_in_callback(void **st)
{
	struct test_loop tl;
	struct evbpf_object *obj;
	struct evbpf_program *prog;
	struct evbpf_map *map;
	struct pb_ctx c;
	uint32_t cpu0 = 0;

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(NULL);
	prog = evbpf_object_find_program(obj, "perf_produce");
	map = evbpf_object_find_map(obj, "perf");
	ctx_init(&c, 100);
	c.expect = 7;
	assert_ok(evbpf_perfbuf_new(map, 8, on_sample, NULL, &c, &c.pb));
	produce_on(prog, 50, 0);
	assert_ok(evbpf_perfbuf_start(c.pb, tl.reactor));
	tl_run(&tl);
	assert_int_equal(atomic_load(&c.consumed), 7);
	assert_int_equal(evbpf_perfbuf_consume(c.pb), 43);
	/* Free from the callback, with records still pending behind it. */
	produce_on(prog, 50, 0);
	c.expect = 60;
	c.free_at_expect = true;
	assert_ok(evbpf_perfbuf_start(c.pb, tl.reactor));
	tl_run(&tl);
	assert_null(c.pb);
	assert_int_equal(atomic_load(&c.consumed), 60);
	assert_false(c.bad);
	/* The event was removed from the map: nothing left to delete. */
	assert_int_equal(evbpf_map_delete(map, &cpu0), -ENOENT);
	free(c.seen);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

static void test_bad_arguments(void **st)
{
	struct evbpf_object *obj;
	struct evbpf_perfbuf *pb = (void *)0x1;
	struct pb_ctx c = {0};
	int before = fd_count();

	(void)st;
	REQUIRE_KERNEL();
	obj = open_producers(NULL);
	assert_int_equal(
	    evbpf_perfbuf_new(evbpf_object_find_map(obj, "perf"), 3, on_sample, NULL, &c, &pb),
	    -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "power of two"));
	assert_int_equal(
	    evbpf_perfbuf_new(evbpf_object_find_map(obj, "rb"), 8, on_sample, NULL, &c, &pb),
	    -EINVAL);
	assert_ptr_equal(pb, (void *)0x1);
	evbpf_object_close(obj);
	assert_int_equal(fd_count(), before);
}

int main(int argc, char **argv)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		BOTH_BACKENDS(test_concurrent_per_cpu_order)
		BOTH_BACKENDS(test_overflow_lost)
		BOTH_BACKENDS(test_budget_without_new_wakeup)
		BOTH_BACKENDS(test_timer_mode)
		BOTH_BACKENDS(test_callback_error_on_loop)
		BOTH_BACKENDS(test_stop_free_in_callback)
		cmocka_unit_test(test_wakeup_events_and_watermark),
		cmocka_unit_test(test_wrapped_records),
		cmocka_unit_test(test_bad_arguments),
	};
	/* clang-format on */

	return RUN_TESTS(tests, NULL, NULL);
}
