/* SPDX-License-Identifier: MIT */
/*
 * The ring buffer consumer on a loop, on libuv and on libev: records from a
 * producer thread arrive complete and in order; the budget yields to the
 * loop and leftovers follow without a new wakeup; several rings share a
 * reactor; the batch callback; stop inside a callback, free inside a
 * callback, free while records are pending; drain-on-stop; stop/start as
 * backpressure; and the loop closes cleanly every time.
 */
#include "loop.h"

struct rb_ctx {
	struct evbpf_ringbuf *rb;
	atomic_uint_fast64_t consumed;
	uint64_t next;
	uint64_t expect;     /* stop the consumer after this many records */
	uint64_t stop_after; /* stop (pause) at this count, 0: never */
	uint64_t free_after; /* free at this count, 0: never */
	bool vary;
	bool bad;
	bool freed;
};

static int on_record(void *arg, const void *data, size_t size)
{
	struct rb_ctx *c = arg;
	uint64_t n;

	if (!record_ok(data, size, c->next, c->vary) ||
	    size != (c->vary ? 1 + c->next % 33 : 2) * 8)
		c->bad = true;
	c->next++;
	n = atomic_fetch_add(&c->consumed, 1) + 1;
	if (c->free_after && n == c->free_after) {
		evbpf_ringbuf_free(c->rb);
		c->freed = true;
		c->rb = NULL;
	} else if ((c->stop_after && n == c->stop_after) || n == c->expect) {
		assert_ok(evbpf_ringbuf_stop(c->rb));
	}
	return 0;
}

static void test_concurrent_in_order(void **st)
{
	struct test_loop tl;
	struct producer_cfg cfg = {.vary_size = 1};
	struct evbpf_object *obj;
	struct rb_ctx c = {.expect = 100000, .vary = true};
	struct producer p = {.total = 100000, .chunk = 1024, .window = 8192, .pin_cpu = -1};
	struct evbpf_async_stats stats = {.sz = sizeof(stats)};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(&cfg);
	assert_ok(evbpf_ringbuf_new(evbpf_object_find_map(obj, "rb"), on_record, &c, &c.rb));
	assert_ok(evbpf_ringbuf_start(c.rb, tl.reactor));
	p.prog = evbpf_object_find_program(obj, "rb_produce");
	p.consumed = &c.consumed;
	producer_start(&p);
	/* The consumer stops itself at the last record: the loop ends. */
	tl_run(&tl);
	producer_join(&p);
	assert_int_equal(atomic_load(&c.consumed), 100000);
	assert_int_equal(c.next, 100000);
	assert_false(c.bad);
	assert_int_equal(global_u64(obj, "rb_dropped"), 0);
	assert_ok(evbpf_ringbuf_stats(c.rb, &stats));
	assert_int_equal(stats.records, 100000);
	assert_true(stats.wakeups > 0);
	/* Nothing left behind. */
	assert_int_equal(evbpf_ringbuf_consume(c.rb), 0);
	evbpf_ringbuf_free(c.rb);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

static void test_budget_yields(void **st)
{
	struct test_loop tl;
	struct evbpf_object *obj;
	struct rb_ctx c = {.expect = 100};
	struct evbpf_ringbuf_opts opts = {.sz = sizeof(opts), .budget = 10};
	struct evbpf_async_stats stats = {.sz = sizeof(stats)};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(NULL);
	assert_ok(run_prog(evbpf_object_find_program(obj, "rb_produce"), 100));
	assert_ok(
	    evbpf_ringbuf_new_opts(evbpf_object_find_map(obj, "rb"), on_record, &c, &opts, &c.rb));
	assert_ok(evbpf_ringbuf_start(c.rb, tl.reactor));
	tl_run(&tl);
	assert_int_equal(c.next, 100);
	assert_false(c.bad);
	assert_ok(evbpf_ringbuf_stats(c.rb, &stats));
	/* Ten drains of ten: the first nine stop at the budget with records
	 * left, the tenth empties the ring. */
	assert_int_equal(stats.budget_hits, 9);
	assert_int_equal(stats.records, 100);
	assert_int_equal(stats.bytes, 100 * 16);
	assert_true(stats.drains >= 10);
	evbpf_ringbuf_free(c.rb);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

static void test_several_rings_one_reactor(void **st)
{
	struct test_loop tl;
	struct evbpf_object *obj;
	struct rb_ctx a = {.expect = 20000}, b = {.expect = 30000};
	struct producer pa = {.total = 20000, .chunk = 1024, .window = 8192, .pin_cpu = -1};
	struct producer pb = {.total = 30000, .chunk = 1024, .window = 8192, .pin_cpu = -1};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(NULL);
	assert_ok(evbpf_ringbuf_new(evbpf_object_find_map(obj, "rb"), on_record, &a, &a.rb));
	assert_ok(evbpf_ringbuf_new(evbpf_object_find_map(obj, "rb2"), on_record, &b, &b.rb));
	assert_ok(evbpf_ringbuf_start(a.rb, tl.reactor));
	assert_ok(evbpf_ringbuf_start(b.rb, tl.reactor));
	/* The user's reference can go at once: the started rings hold it. */
	tl_free_reactor(&tl);
	pa.prog = evbpf_object_find_program(obj, "rb_produce");
	pa.consumed = &a.consumed;
	pb.prog = evbpf_object_find_program(obj, "rb2_produce");
	pb.consumed = &b.consumed;
	producer_start(&pa);
	producer_start(&pb);
	tl_run(&tl);
	producer_join(&pa);
	producer_join(&pb);
	assert_int_equal(a.next, 20000);
	assert_int_equal(b.next, 30000);
	assert_false(a.bad);
	assert_false(b.bad);
	assert_int_equal(global_u64(obj, "rb_dropped"), 0);
	assert_int_equal(global_u64(obj, "rb2_dropped"), 0);
	evbpf_ringbuf_free(a.rb);
	evbpf_ringbuf_free(b.rb);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

struct batch_ctx {
	struct evbpf_ringbuf *rb;
	atomic_uint_fast64_t consumed;
	uint64_t next;
	uint64_t calls;
	size_t max_n;
	bool bad;
};

static int on_batch(void *arg, const struct evbpf_record *recs, size_t n)
{
	struct batch_ctx *c = arg;

	c->calls++;
	if (n > c->max_n)
		c->max_n = n;
	for (size_t i = 0; i < n; i++) {
		if (!record_ok(recs[i].data, recs[i].size, c->next, true))
			c->bad = true;
		c->next++;
	}
	if (atomic_fetch_add(&c->consumed, n) + n == 50000)
		assert_ok(evbpf_ringbuf_stop(c->rb));
	return 0;
}

static void test_batch_callback(void **st)
{
	struct test_loop tl;
	struct producer_cfg cfg = {.vary_size = 1};
	struct evbpf_object *obj;
	struct batch_ctx c = {0};
	struct evbpf_ringbuf_opts opts = {
	    .sz = sizeof(opts), .batch_fn = on_batch, .batch_max = 32};
	struct producer p = {.total = 50000, .chunk = 1024, .window = 8192, .pin_cpu = -1};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(&cfg);
	assert_ok(evbpf_ringbuf_new_opts(evbpf_object_find_map(obj, "rb"), NULL, &c, &opts, &c.rb));
	assert_ok(evbpf_ringbuf_start(c.rb, tl.reactor));
	p.prog = evbpf_object_find_program(obj, "rb_produce");
	p.consumed = &c.consumed;
	producer_start(&p);
	tl_run(&tl);
	producer_join(&p);
	assert_int_equal(c.next, 50000);
	assert_false(c.bad);
	assert_true(c.max_n <= 32);
	assert_true(c.calls >= 50000 / 32);
	evbpf_ringbuf_free(c.rb);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

static void test_stop_inside_callback(void **st)
{
	struct test_loop tl;
	struct evbpf_object *obj;
	struct rb_ctx c = {.stop_after = 7};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(NULL);
	assert_ok(run_prog(evbpf_object_find_program(obj, "rb_produce"), 50));
	assert_ok(evbpf_ringbuf_new(evbpf_object_find_map(obj, "rb"), on_record, &c, &c.rb));
	assert_ok(evbpf_ringbuf_start(c.rb, tl.reactor));
	tl_run(&tl);
	/* Exactly seven, though 43 more were ready. */
	assert_int_equal(c.next, 7);
	/* Stopping again is harmless; the rest is still in the ring. */
	assert_ok(evbpf_ringbuf_stop(c.rb));
	assert_int_equal(evbpf_ringbuf_consume(c.rb), 43);
	assert_int_equal(c.next, 50);
	assert_false(c.bad);
	evbpf_ringbuf_free(c.rb);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

static void test_pause_resume(void **st)
{
	struct test_loop tl;
	struct evbpf_object *obj;
	struct evbpf_program *prog;
	struct rb_ctx c = {.stop_after = 30};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(NULL);
	prog = evbpf_object_find_program(obj, "rb_produce");
	assert_ok(run_prog(prog, 50));
	assert_ok(evbpf_ringbuf_new(evbpf_object_find_map(obj, "rb"), on_record, &c, &c.rb));
	assert_ok(evbpf_ringbuf_start(c.rb, tl.reactor));
	assert_int_equal(evbpf_ringbuf_start(c.rb, tl.reactor), -EBUSY);
	tl_run(&tl); /* paused at 30 */
	assert_int_equal(c.next, 30);
	/* While paused the producer carries on; no wakeup is due because we
	 * are behind. Resuming picks up the 20 left and the 50 new. */
	assert_ok(run_prog(prog, 50));
	c.stop_after = 0;
	c.expect = 100;
	assert_ok(evbpf_ringbuf_start(c.rb, tl.reactor));
	tl_run(&tl);
	assert_int_equal(c.next, 100);
	assert_false(c.bad);
	evbpf_ringbuf_free(c.rb);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

static void test_free_inside_callback(void **st)
{
	struct test_loop tl;
	struct evbpf_object *obj;
	struct rb_ctx c = {.free_after = 5};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(NULL);
	assert_ok(run_prog(evbpf_object_find_program(obj, "rb_produce"), 40));
	assert_ok(evbpf_ringbuf_new(evbpf_object_find_map(obj, "rb"), on_record, &c, &c.rb));
	assert_ok(evbpf_ringbuf_start(c.rb, tl.reactor));
	tl_run(&tl);
	assert_true(c.freed);
	assert_int_equal(c.next, 5);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

static void test_free_with_records_pending(void **st)
{
	struct test_loop tl;
	struct evbpf_object *obj;
	struct rb_ctx c = {0};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(NULL);
	assert_ok(evbpf_ringbuf_new(evbpf_object_find_map(obj, "rb"), on_record, &c, &c.rb));
	assert_ok(evbpf_ringbuf_start(c.rb, tl.reactor));
	assert_ok(run_prog(evbpf_object_find_program(obj, "rb_produce"), 1000));
	/* Freed started, before the loop ever ran, with 1000 records ready,
	 * and with the reactor already freed. */
	tl_free_reactor(&tl);
	evbpf_ringbuf_free(c.rb);
	tl_run(&tl);
	assert_int_equal(c.next, 0);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

static void test_drain_on_stop(void **st)
{
	struct test_loop tl;
	struct evbpf_object *obj;
	struct rb_ctx c = {0};
	struct evbpf_ringbuf_opts opts = {
	    .sz = sizeof(opts), .flags = EVBPF_ASYNC_DRAIN_ON_STOP, .budget = 16};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(NULL);
	assert_ok(
	    evbpf_ringbuf_new_opts(evbpf_object_find_map(obj, "rb"), on_record, &c, &opts, &c.rb));
	assert_ok(evbpf_ringbuf_start(c.rb, tl.reactor));
	assert_ok(run_prog(evbpf_object_find_program(obj, "rb_produce"), 300));
	/* Stopped from outside before the loop runs: every committed record
	 * is delivered by stop() itself, budget or not. */
	assert_ok(evbpf_ringbuf_stop(c.rb));
	assert_int_equal(c.next, 300);
	tl_run(&tl);
	assert_int_equal(c.next, 300);

	/* Stopped from inside a callback: the drain runs to the end. */
	assert_ok(run_prog(evbpf_object_find_program(obj, "rb_produce"), 300));
	c.stop_after = 310;
	assert_ok(evbpf_ringbuf_start(c.rb, tl.reactor));
	tl_run(&tl);
	assert_int_equal(c.next, 600);
	assert_false(c.bad);
	evbpf_ringbuf_free(c.rb);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

/* The consumer watches its own dup of the map fd: the object may be
 * closed before the consumer is started, and the loop still gets the
 * ring's records (the dup and the mappings keep the ring alive). */
static void test_object_closed_first(void **st)
{
	struct test_loop tl;
	struct evbpf_object *obj;
	struct rb_ctx c = {.expect = 50};
	struct evbpf_async_stats stats = {.sz = sizeof(stats)};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(NULL);
	assert_ok(evbpf_ringbuf_new(evbpf_object_find_map(obj, "rb"), on_record, &c, &c.rb));
	assert_ok(run_prog(evbpf_object_find_program(obj, "rb_produce"), 50));
	evbpf_object_close(obj);
	assert_ok(evbpf_ringbuf_start(c.rb, tl.reactor));
	tl_run(&tl);
	assert_int_equal(c.next, 50);
	assert_false(c.bad);
	assert_ok(evbpf_ringbuf_stats(c.rb, &stats));
	assert_int_equal(stats.records, 50);
	evbpf_ringbuf_free(c.rb);
	tl_finish(&tl);
}

/* A consumer freed while the object stays open and records keep coming,
 * then a new consumer of the same ring on the same loop (its dup may get
 * the old number, of the same open file): the new one is woken and gets
 * every record after the old one's. */
static void test_new_consumer_after_free(void **st)
{
	struct test_loop tl;
	struct evbpf_object *obj;
	struct evbpf_program *prog;
	struct rb_ctx c1 = {.expect = 30}, c2 = {.stop_after = 20, .expect = 40, .next = 30};
	struct producer p = {.total = 20, .chunk = 1, .pin_cpu = -1};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(NULL);
	prog = evbpf_object_find_program(obj, "rb_produce");
	assert_ok(evbpf_ringbuf_new(evbpf_object_find_map(obj, "rb"), on_record, &c1, &c1.rb));
	assert_ok(evbpf_ringbuf_start(c1.rb, tl.reactor));
	assert_ok(run_prog(prog, 30));
	tl_run(&tl);
	assert_int_equal(c1.next, 30);
	assert_ok(evbpf_ringbuf_start(c1.rb, tl.reactor));
	evbpf_ringbuf_free(c1.rb);
	assert_ok(run_prog(prog, 20));
	assert_ok(evbpf_ringbuf_new(evbpf_object_find_map(obj, "rb"), on_record, &c2, &c2.rb));
	assert_ok(evbpf_ringbuf_start(c2.rb, tl.reactor));
	tl_run(&tl);
	assert_int_equal(c2.next, 50);
	/* Records committed one by one while the loop waits wake it. */
	assert_ok(evbpf_ringbuf_start(c2.rb, tl.reactor));
	p.prog = prog;
	p.consumed = &c2.consumed;
	producer_start(&p);
	tl_run(&tl);
	producer_join(&p);
	assert_int_equal(c2.next, 70);
	assert_false(c1.bad);
	assert_false(c2.bad);
	evbpf_ringbuf_free(c2.rb);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

int main(int argc, char **argv)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		BOTH_BACKENDS(test_concurrent_in_order)
		BOTH_BACKENDS(test_budget_yields)
		BOTH_BACKENDS(test_several_rings_one_reactor)
		BOTH_BACKENDS(test_batch_callback)
		BOTH_BACKENDS(test_stop_inside_callback)
		BOTH_BACKENDS(test_pause_resume)
		BOTH_BACKENDS(test_free_inside_callback)
		BOTH_BACKENDS(test_free_with_records_pending)
		BOTH_BACKENDS(test_drain_on_stop)
		BOTH_BACKENDS(test_object_closed_first)
		BOTH_BACKENDS(test_new_consumer_after_free)
	};
	/* clang-format on */

	return RUN_TESTS(tests, NULL, NULL);
}
