/* SPDX-License-Identifier: MIT */
/*
 * Timer drain mode for producers that commit with BPF_RB_NO_WAKEUP, on
 * libuv and libev: the kernel never wakes the consumer, and the records
 * still arrive, complete and in order, from the drain timer; with fd
 * wakeups enabled as well, a mix of producers is covered; flush drains
 * everything at once while started.
 */
#include "loop.h"

#ifndef BPF_RB_NO_WAKEUP
#define BPF_RB_NO_WAKEUP 1
#endif

struct tctx {
	struct evbpf_ringbuf *rb;
	atomic_uint_fast64_t consumed;
	uint64_t next;
	uint64_t expect;
	bool bad;
};

static int on_record(void *arg, const void *data, size_t size)
{
	struct tctx *c = arg;

	if (!record_ok(data, size, c->next, false))
		c->bad = true;
	c->next++;
	if (atomic_fetch_add(&c->consumed, 1) + 1 == c->expect)
		assert_ok(evbpf_ringbuf_stop(c->rb));
	return 0;
}

static void produce_300(void *arg)
{
	/* Runs on the loop after the consumer's start-up drain. */
	assert_ok(run_prog(arg, 300));
}

static void test_no_wakeup_timer_only(void **st)
{
	struct test_loop tl;
	struct producer_cfg cfg = {.rb_flags = BPF_RB_NO_WAKEUP};
	struct evbpf_object *obj;
	struct tctx c = {.expect = 300};
	struct evbpf_ringbuf_opts opts = {
	    .sz = sizeof(opts), .drain_interval_ms = 1, .flags = EVBPF_ASYNC_TIMER_ONLY};
	struct evbpf_async_stats stats = {.sz = sizeof(stats)};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(&cfg);
	assert_ok(
	    evbpf_ringbuf_new_opts(evbpf_object_find_map(obj, "rb"), on_record, &c, &opts, &c.rb));
	assert_ok(evbpf_ringbuf_start(c.rb, tl.reactor));
	tl_soon(&tl, produce_300, evbpf_object_find_program(obj, "rb_produce"));
	tl_run(&tl);
	assert_int_equal(c.next, 300);
	assert_false(c.bad);
	assert_ok(evbpf_ringbuf_stats(c.rb, &stats));
	assert_int_equal(stats.wakeups, 0);
	assert_true(stats.timer_drains >= 1);
	evbpf_ringbuf_free(c.rb);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

static void test_no_wakeup_concurrent(void **st)
{
	struct test_loop tl;
	struct producer_cfg cfg = {.rb_flags = BPF_RB_NO_WAKEUP};
	struct evbpf_object *obj;
	struct tctx c = {.expect = 30000};
	struct evbpf_ringbuf_opts opts = {.sz = sizeof(opts), .drain_interval_ms = 2};
	struct producer p = {.total = 30000, .chunk = 1024, .window = 16384, .pin_cpu = -1};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(&cfg);
	/* Timer and fd together: no wakeups come, the timer carries it. */
	assert_ok(
	    evbpf_ringbuf_new_opts(evbpf_object_find_map(obj, "rb"), on_record, &c, &opts, &c.rb));
	assert_ok(evbpf_ringbuf_start(c.rb, tl.reactor));
	p.prog = evbpf_object_find_program(obj, "rb_produce");
	p.consumed = &c.consumed;
	producer_start(&p);
	tl_run(&tl);
	producer_join(&p);
	assert_int_equal(c.next, 30000);
	assert_false(c.bad);
	assert_int_equal(global_u64(obj, "rb_dropped"), 0);
	evbpf_ringbuf_free(c.rb);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

static void flush_now(void *arg)
{
	struct tctx *c = arg;
	uint64_t before = c->next;

	/* Budget 1, but flush is not limited by it: everything left comes. */
	assert_int_equal(evbpf_ringbuf_flush(c->rb), 250 - before);
	assert_int_equal(c->next, 250);
	assert_ok(evbpf_ringbuf_stop(c->rb));
}

static void test_flush_while_started(void **st)
{
	struct test_loop tl;
	struct producer_cfg cfg = {.rb_flags = BPF_RB_NO_WAKEUP};
	struct evbpf_object *obj;
	struct tctx c = {0};
	struct evbpf_ringbuf_opts opts = {.sz = sizeof(opts),
	                                  .drain_interval_ms = 100000,
	                                  .flags = EVBPF_ASYNC_TIMER_ONLY,
	                                  .budget = 1};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(&cfg);
	assert_ok(
	    evbpf_ringbuf_new_opts(evbpf_object_find_map(obj, "rb"), on_record, &c, &opts, &c.rb));
	assert_ok(evbpf_ringbuf_start(c.rb, tl.reactor));
	assert_ok(run_prog(evbpf_object_find_program(obj, "rb_produce"), 250));
	tl_soon(&tl, flush_now, &c);
	tl_run(&tl);
	assert_int_equal(c.next, 250);
	assert_false(c.bad);
	evbpf_ringbuf_free(c.rb);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

int main(int argc, char **argv)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		BOTH_BACKENDS(test_no_wakeup_timer_only)
		BOTH_BACKENDS(test_no_wakeup_concurrent)
		BOTH_BACKENDS(test_flush_while_started)
	};
	/* clang-format on */

	return RUN_TESTS(tests, NULL, NULL);
}
