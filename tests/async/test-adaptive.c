/* SPDX-License-Identifier: MIT */
/*
 * Adaptive wakeups (max_delay_us), on libuv and on libev: under load a ring
 * buffer consumer moves to timer mode (the kernel stops waking it) and
 * delivers every record once, in order; it goes back to wakeups when the
 * rate falls; the held record is released (never delivered twice) by
 * stop() and free(); drain-on-stop and budgets keep their meaning in timer
 * mode; a perf buffer drains on its timer with a watermark; bad options
 * are refused. The position a drain publishes in timer mode is checked
 * exactly on a ring in plain memory. Perf buffers in adaptive mode lose
 * nothing and deliver nothing twice, counted on both sides: bursts past the
 * watermark are drained on its wakeup, slower producers by the timer, with
 * a small budget, with records wrapping a one-page ring, across stop and
 * start.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "loop.h"
#include "async-internal.h"

#define DELAY_US 20000 /* 20 ms: wakeups 1 ms apart are "fast" */

/* ------------------------------------------------ a paced producer thread */

struct paced {
	struct evbpf_program *prog;
	uint32_t total, chunk, gap_us;
	int pin_cpu;
	pthread_t thread;
	int err;
};

static void *paced_main(void *arg)
{
	struct paced *p = arg;

	if (p->pin_cpu >= 0)
		pin_to_cpu(p->pin_cpu);
	for (uint32_t done = 0; done < p->total && !p->err; done += p->chunk) {
		p->err = run_prog(p->prog, p->chunk);
		usleep(p->gap_us);
	}
	return NULL;
}

static void paced_start(struct paced *p)
{
	assert_int_equal(pthread_create(&p->thread, NULL, paced_main, p), 0);
}

static void paced_join(struct paced *p)
{
	assert_int_equal(pthread_join(p->thread, NULL), 0);
	assert_ok(p->err);
}

/* ------------------------------------ a 1 ms ticker that checks state */

/* Calls fn(arg) every millisecond on the loop until it returns true:
 * waiting for a state, not for a time. */
struct ticker {
	struct test_loop *tl;
	bool (*fn)(void *arg);
	void *arg;
#ifdef EVBPF_TEST_HAVE_UV
	uv_timer_t uv;
#endif
#ifdef EVBPF_TEST_HAVE_EV
	ev_timer ev;
#endif
};

#ifdef EVBPF_TEST_HAVE_UV
static void uv_ticked(uv_timer_t *t)
{
	struct ticker *k = t->data;

	if (k->fn(k->arg)) {
		uv_timer_stop(t);
		uv_close((uv_handle_t *)t, NULL);
	}
}
#endif
#ifdef EVBPF_TEST_HAVE_EV
static void ev_ticked(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ticker *k = w->data;

	(void)revents;
	if (k->fn(k->arg))
		ev_timer_stop(loop, w);
}
#endif

static void ticker_start(struct ticker *k, struct test_loop *tl, bool (*fn)(void *), void *arg)
{
	k->tl = tl;
	k->fn = fn;
	k->arg = arg;
#ifdef EVBPF_TEST_HAVE_UV
	if (tl->kind == BACKEND_UV) {
		assert_int_equal(uv_timer_init(&tl->uv, &k->uv), 0);
		k->uv.data = k;
		assert_int_equal(uv_timer_start(&k->uv, uv_ticked, 1, 1), 0);
		return;
	}
#endif
#ifdef EVBPF_TEST_HAVE_EV
	ev_timer_init(&k->ev, ev_ticked, 0.001, 0.001);
	k->ev.data = k;
	ev_timer_start(tl->ev, &k->ev);
#endif
}

/* ------------------------------------------------------------ the ring */

struct actx {
	struct evbpf_ringbuf *rb;
	struct evbpf_object *obj;
	struct test_loop *tl;
	uint64_t next;
	uint64_t expect;  /* stop (or free) at this count */
	bool free_at_end; /* free instead of stop */
	bool manual_end;  /* neither: the test ends it from the loop */
	bool bad;
	bool held_at_end; /* in timer mode when the last record came */
	/* back-to-wakeups test */
	uint64_t wakeups_before;
	bool single_sent;
	/* drain-on-stop / budget tests */
	uint32_t extra;  /* records produced from the loop once held */
	uint64_t topped; /* records added to keep the rate up */
	uint64_t delivered_by_stop;
	bool stopped;
};

static struct evbpf_async_stats stats_of(struct evbpf_ringbuf *rb)
{
	struct evbpf_async_stats st = {.sz = sizeof(st)};

	assert_ok(evbpf_ringbuf_stats(rb, &st));
	return st;
}

static bool in_timer_mode(const struct evbpf_async_stats *st)
{
	return st->timer_mode_enters > st->timer_mode_exits;
}

static int on_record(void *arg, const void *data, size_t size)
{
	struct actx *c = arg;

	if (!record_ok(data, size, c->next, false))
		c->bad = true;
	c->next++;
	if (c->next == c->expect && !c->manual_end) {
		struct evbpf_async_stats st = stats_of(c->rb);

		c->held_at_end = in_timer_mode(&st);
		if (c->free_at_end) {
			evbpf_ringbuf_free(c->rb);
			c->rb = NULL;
		} else {
			assert_ok(evbpf_ringbuf_stop(c->rb));
		}
	}
	return 0;
}

/* The ring's two position words, mapped read-only by the test. */
struct positions {
	void *cons_page, *prod_page;
	size_t page;
};

static void positions_map(struct positions *pos, struct evbpf_map *map)
{
	pos->page = (size_t)sysconf(_SC_PAGESIZE);
	pos->cons_page = mmap(NULL, pos->page, PROT_READ, MAP_SHARED, evbpf_map_fd(map), 0);
	assert_true(pos->cons_page != MAP_FAILED);
	pos->prod_page =
	    mmap(NULL, pos->page, PROT_READ, MAP_SHARED, evbpf_map_fd(map), (off_t)pos->page);
	assert_true(pos->prod_page != MAP_FAILED);
}

static uint64_t consumer_pos(const struct positions *pos)
{
	return __atomic_load_n((uint64_t *)pos->cons_page, __ATOMIC_ACQUIRE);
}

static uint64_t producer_pos(const struct positions *pos)
{
	return __atomic_load_n((uint64_t *)pos->prod_page, __ATOMIC_ACQUIRE);
}

static void positions_unmap(struct positions *pos)
{
	munmap(pos->cons_page, pos->page);
	munmap(pos->prod_page, pos->page);
}

static void open_adaptive(struct actx *c, struct evbpf_object *obj, uint32_t flags, uint32_t budget)
{
	struct evbpf_ringbuf_opts opts = {
	    .sz = sizeof(opts), .max_delay_us = DELAY_US, .flags = flags, .budget = budget};

	c->obj = obj;
	assert_ok(
	    evbpf_ringbuf_new_opts(evbpf_object_find_map(obj, "rb"), on_record, c, &opts, &c->rb));
}

/* A new consumer on the same ring delivers nothing: nothing was left, and
 * the held record was released rather than handed over again. Then it
 * delivers exactly what is produced next, continuing the sequence. */
static void check_fresh_consumer(struct evbpf_object *obj, uint64_t next)
{
	struct actx c2 = {.next = next, .expect = UINT64_MAX};
	struct evbpf_ringbuf *rb;

	assert_ok(evbpf_ringbuf_new(evbpf_object_find_map(obj, "rb"), on_record, &c2, &rb));
	c2.rb = rb;
	assert_int_equal(evbpf_ringbuf_consume(rb), 0);
	assert_ok(run_prog(evbpf_object_find_program(obj, "rb_produce_tc"), 3));
	assert_int_equal(evbpf_ringbuf_consume(rb), 3);
	assert_int_equal(c2.next, next + 3);
	assert_false(c2.bad);
	evbpf_ringbuf_free(rb);
}

static void load_phase(struct actx *c, struct test_loop *tl, struct paced *p, uint32_t total)
{
	p->prog = evbpf_object_find_program(c->obj, "rb_produce_tc");
	p->total = total;
	p->chunk = 50;
	p->gap_us = 200;
	p->pin_cpu = -1;
	c->tl = tl;
	assert_ok(evbpf_ringbuf_start(c->rb, tl->reactor));
	paced_start(p);
}

static void test_timer_mode_under_load(void **st)
{

	struct test_loop tl;
	struct actx c = {.expect = 20000};
	struct paced p = {0};
	struct positions pos;
	struct evbpf_async_stats s;

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	open_adaptive(&c, open_producers(NULL), 0, 0);
	positions_map(&pos, evbpf_object_find_map(c.obj, "rb"));
	load_phase(&c, &tl, &p, 20000);
	tl_run(&tl);
	paced_join(&p);
	s = stats_of(c.rb);
	assert_int_equal(c.next, 20000);
	assert_false(c.bad);
	assert_int_equal(global_u64(c.obj, "rb_dropped"), 0);
	assert_true(s.timer_mode_enters >= 1);
	assert_true(s.timer_drains >= 1);
	assert_int_equal(s.records, 20000);
	/* 400 chunks, each of which would wake a consumer that caught up;
	 * in timer mode the kernel sends none. */
	assert_true(s.wakeups < 100);
	/* stop() published the full position. */
	assert_int_equal(consumer_pos(&pos), producer_pos(&pos));
	evbpf_ringbuf_free(c.rb);
	check_fresh_consumer(c.obj, 20000);
	positions_unmap(&pos);
	evbpf_object_close(c.obj);
	tl_finish(&tl);
}

/* Once held and caught up, free the consumer from the loop. Should the
 * rate have fallen (a loaded machine) before the end, keep it up from the
 * loop thread until the consumer is in timer mode again. */
static bool free_when_held(void *arg)
{
	struct actx *c = arg;
	struct evbpf_async_stats s;

	if (!c->rb)
		return true;
	s = stats_of(c->rb);
	if (c->next < c->expect)
		return false;
	if (!in_timer_mode(&s)) {
		assert_ok(run_prog(evbpf_object_find_program(c->obj, "rb_produce_tc"), 50));
		c->expect += 50;
		return false;
	}
	c->held_at_end = true;
	evbpf_ringbuf_free(c->rb);
	c->rb = NULL;
	return true;
}

static void test_free_releases_held(void **st)
{
	struct test_loop tl;
	struct actx c = {.expect = 10000, .manual_end = true};
	struct paced p = {0};
	struct ticker k;
	struct positions pos;

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	open_adaptive(&c, open_producers(NULL), 0, 0);
	positions_map(&pos, evbpf_object_find_map(c.obj, "rb"));
	load_phase(&c, &tl, &p, 10000);
	ticker_start(&k, &tl, free_when_held, &c);
	tl_run(&tl);
	paced_join(&p);
	assert_null(c.rb);
	assert_true(c.held_at_end);
	assert_int_equal(c.next, c.expect);
	assert_false(c.bad);
	assert_int_equal(consumer_pos(&pos), producer_pos(&pos));
	check_fresh_consumer(c.obj, c.expect);
	positions_unmap(&pos);
	evbpf_object_close(c.obj);
	tl_finish(&tl);
}

/* After the load, wait (on the loop) for the return to wakeups, then send
 * one record: a wakeup delivers it. */
static bool wait_exit_then_send(void *arg)
{
	struct actx *c = arg;
	struct evbpf_async_stats s = stats_of(c->rb);

	if (c->single_sent)
		return true;
	if (c->next < c->expect - 1 || !s.timer_mode_exits || in_timer_mode(&s))
		return false;
	c->wakeups_before = s.wakeups;
	assert_ok(run_prog(evbpf_object_find_program(c->obj, "rb_produce_tc"), 1));
	c->single_sent = true;
	return true;
}

static void test_back_to_wakeups(void **st)
{
	struct test_loop tl;
	struct actx c = {.expect = 5001};
	struct paced p = {0};
	struct ticker k;
	struct positions pos;
	struct evbpf_async_stats s;

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	open_adaptive(&c, open_producers(NULL), 0, 0);
	positions_map(&pos, evbpf_object_find_map(c.obj, "rb"));
	load_phase(&c, &tl, &p, 5000);
	ticker_start(&k, &tl, wait_exit_then_send, &c);
	tl_run(&tl);
	paced_join(&p);
	s = stats_of(c.rb);
	assert_true(c.single_sent);
	assert_int_equal(c.next, 5001);
	assert_false(c.bad);
	assert_true(s.timer_mode_enters >= 1);
	assert_true(s.timer_mode_exits >= 1);
	/* The last record came by a wakeup, not by the timer. */
	assert_true(s.wakeups > c.wakeups_before);
	assert_int_equal(consumer_pos(&pos), producer_pos(&pos));
	evbpf_ringbuf_free(c.rb);
	positions_unmap(&pos);
	evbpf_object_close(c.obj);
	tl_finish(&tl);
}

/* Caught up with the 5000 records of the load and in timer mode? Should
 * the rate have fallen (a loaded machine) before, keep it up from the
 * loop thread (c->topped more records) until the consumer is held. */
static bool held_after_load(struct actx *c, const struct evbpf_async_stats *s)
{
	if (c->next < 5000 + c->topped)
		return false;
	if (in_timer_mode(s))
		return true;
	assert_ok(run_prog(evbpf_object_find_program(c->obj, "rb_produce_tc"), 50));
	c->topped += 50;
	return false;
}

/* Once held and caught up, produce `extra` records from the loop thread
 * (no wakeup: the consumer is held) and stop at once. */
static bool produce_then_stop(void *arg)
{
	struct actx *c = arg;
	struct evbpf_async_stats s = stats_of(c->rb);
	uint64_t before;

	if (c->stopped)
		return true;
	if (!held_after_load(c, &s))
		return false;
	assert_ok(run_prog(evbpf_object_find_program(c->obj, "rb_produce_tc"), c->extra));
	before = c->next;
	assert_ok(evbpf_ringbuf_stop(c->rb));
	c->delivered_by_stop = c->next - before;
	c->stopped = true;
	return true;
}

static void test_drain_on_stop_held(void **st)
{
	struct test_loop tl;
	struct actx c = {.expect = UINT64_MAX, .extra = 700};
	struct paced p = {0};
	struct ticker k;
	struct positions pos;

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	open_adaptive(&c, open_producers(NULL), EVBPF_ASYNC_DRAIN_ON_STOP, 0);
	positions_map(&pos, evbpf_object_find_map(c.obj, "rb"));
	load_phase(&c, &tl, &p, 5000);
	ticker_start(&k, &tl, produce_then_stop, &c);
	tl_run(&tl);
	paced_join(&p);
	assert_true(c.stopped);
	/* Everything committed before stop() came out inside stop(). */
	assert_int_equal(c.delivered_by_stop, 700);
	assert_int_equal(c.next, 5700 + c.topped);
	assert_false(c.bad);
	assert_int_equal(consumer_pos(&pos), producer_pos(&pos));
	evbpf_ringbuf_free(c.rb);
	check_fresh_consumer(c.obj, 5700 + c.topped);
	positions_unmap(&pos);
	evbpf_object_close(c.obj);
	tl_finish(&tl);
}

/* Once held, a burst far larger than the budget: drained in budget-sized
 * drains, all of it, in order. */
static bool burst_when_held(void *arg)
{
	struct actx *c = arg;
	struct evbpf_async_stats s = stats_of(c->rb);

	if (c->stopped)
		return true;
	if (!held_after_load(c, &s))
		return false;
	c->expect = c->next + c->extra;
	c->wakeups_before = s.budget_hits;
	assert_ok(run_prog(evbpf_object_find_program(c->obj, "rb_produce_tc"), c->extra));
	c->stopped = true;
	return true;
}

static void test_budget_in_timer_mode(void **st)
{
	struct test_loop tl;
	struct actx c = {.expect = UINT64_MAX, .extra = 3000};
	struct paced p = {0};
	struct ticker k;
	struct evbpf_async_stats s;

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	open_adaptive(&c, open_producers(NULL), 0, 256);
	load_phase(&c, &tl, &p, 5000);
	ticker_start(&k, &tl, burst_when_held, &c);
	tl_run(&tl);
	paced_join(&p);
	s = stats_of(c.rb);
	assert_true(c.stopped);
	assert_int_equal(c.next, 8000 + c.topped);
	assert_false(c.bad);
	/* 3000 records at 256 per drain: at least 11 drains stopped at the
	 * budget after the burst. */
	assert_true(s.budget_hits - c.wakeups_before >= 11);
	evbpf_ringbuf_free(c.rb);
	evbpf_object_close(c.obj);
	tl_finish(&tl);
}

/* ------------------------------------------------------ the perf buffer */

struct pctx {
	struct evbpf_perfbuf *pb;
	uint64_t next, expect;
	bool bad;
};

static int on_sample(void *arg, int cpu, const void *data, size_t size)
{
	struct pctx *c = arg;

	(void)cpu;
	if (!record_ok(data, size, c->next, false))
		c->bad = true;
	if (++c->next == c->expect)
		assert_ok(evbpf_perfbuf_stop(c->pb));
	return 0;
}

static void test_perfbuf_timer_and_watermark(void **st)
{
	struct test_loop tl;
	struct evbpf_object *obj;
	struct pctx c = {.expect = 5000};
	struct evbpf_perfbuf_opts opts = {.sz = sizeof(opts), .max_delay_us = 5000};
	struct evbpf_async_stats s = {.sz = sizeof(s)};
	struct paced p = {.total = 5000, .chunk = 50, .gap_us = 200, .pin_cpu = 0};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(NULL);
	assert_ok(evbpf_perfbuf_new_opts(evbpf_object_find_map(obj, "perf"), 64, on_sample, NULL,
	                                 &c, &opts, &c.pb));
	assert_ok(evbpf_perfbuf_start(c.pb, tl.reactor));
	p.prog = evbpf_object_find_program(obj, "perf_produce_tc");
	paced_start(&p);
	tl_run(&tl);
	paced_join(&p);
	assert_ok(evbpf_perfbuf_stats(c.pb, &s));
	/* One CPU's ring (the producer is pinned): one sequence. */
	assert_int_equal(c.next, 5000);
	assert_false(c.bad);
	assert_int_equal(global_u64(obj, "perf_failed"), 0);
	assert_int_equal(s.lost, 0);
	assert_true(s.timer_drains >= 1);
	/* 5000 records of 24 bytes never reach half of 64 pages: with
	 * wakeup_events 1 there would be one wakeup per chunk or more. */
	assert_true(s.wakeups < 10);
	evbpf_perfbuf_free(c.pb);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

/* ------------------------------- perf buffer: nothing lost, nothing twice */

/*
 * A producer pinned to CPU 0 (so one ring, one sequence) emits `total`
 * records through BPF_PROG_TEST_RUN, `chunk` per run, staying at most
 * `window` records ahead of what the consumer has released: the loop's 1 ms
 * ticker copies stats.records, which a drain updates after it has stored
 * data_tail, into `released`. So the ring never holds more than window +
 * chunk records, and with that below its capacity the kernel can lose
 * nothing unless the consumer fails to drain. Counted on both sides: the
 * BPF side's sequence and failure count, our callback's strict order.
 */
struct perf_run {
	/* Set by the test. */
	uint32_t max_delay_us, budget, pages, total, chunk, window;
	bool vary;
	/* The consumer, on the loop thread. */
	struct evbpf_perfbuf *pb;
	uint64_t next;
	bool bad, flushed;
	/* Between the producer thread and the loop. */
	struct evbpf_program *prog;
	atomic_uint_fast64_t released;
	atomic_bool producer_done;
	int producer_err;
	pthread_t thread;
};

static void *perf_run_producer(void *arg)
{
	struct perf_run *r = arg;
	uint64_t produced = 0, waited_us = 0;

	pin_to_cpu(0);
	while (produced < r->total && !r->producer_err) {
		uint32_t n =
		    r->total - produced < r->chunk ? (uint32_t)(r->total - produced) : r->chunk;

		while (produced + n - atomic_load(&r->released) > r->window) {
			usleep(100);
			waited_us += 100;
			if (waited_us > (uint64_t)WATCHDOG_MS * 1000) {
				r->producer_err = -ETIMEDOUT;
				goto out;
			}
		}
		r->producer_err = run_prog(r->prog, n);
		produced += n;
	}
out:
	atomic_store(&r->producer_done, true);
	return NULL;
}

static int perf_run_sample(void *arg, int cpu, const void *data, size_t size)
{
	struct perf_run *r = arg;

	/* In order, each once: a lost record or a second delivery breaks
	 * the sequence. */
	if (cpu != 0 || !record_ok(data, size, r->next, r->vary))
		r->bad = true;
	if (++r->next == r->total)
		assert_ok(evbpf_perfbuf_stop(r->pb));
	return 0;
}

static bool perf_run_tick(void *arg)
{
	struct perf_run *r = arg;
	struct evbpf_async_stats s = {.sz = sizeof(s)};

	if (r->next >= r->total || r->bad)
		return true;
	assert_ok(evbpf_perfbuf_stats(r->pb, &s));
	atomic_store(&r->released, s.records);
	/* The last records may sit below the watermark for a long period:
	 * fetch them once the producer is done. */
	if (atomic_load(&r->producer_done) && !r->flushed) {
		r->flushed = true;
		assert_true(evbpf_perfbuf_flush(r->pb) >= 0);
	}
	return r->next >= r->total || r->bad;
}

static void perf_run(void **st, struct perf_run *r, struct evbpf_async_stats *s)
{
	struct producer_cfg cfg = {.vary_size = r->vary};
	struct evbpf_perfbuf_opts opts = {
	    .sz = sizeof(opts), .max_delay_us = r->max_delay_us, .budget = r->budget};
	struct test_loop tl;
	struct ticker k;
	struct evbpf_object *obj;

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(&cfg);
	r->prog = evbpf_object_find_program(obj, "perf_produce_tc");
	assert_ok(evbpf_perfbuf_new_opts(evbpf_object_find_map(obj, "perf"), r->pages,
	                                 perf_run_sample, NULL, r, &opts, &r->pb));
	assert_ok(evbpf_perfbuf_start(r->pb, tl.reactor));
	assert_int_equal(pthread_create(&r->thread, NULL, perf_run_producer, r), 0);
	ticker_start(&k, &tl, perf_run_tick, r);
	tl_run(&tl);
	assert_int_equal(pthread_join(r->thread, NULL), 0);
	assert_ok(r->producer_err);
	assert_ok(evbpf_perfbuf_stats(r->pb, s));
	assert_false(r->bad);
	assert_int_equal(r->next, r->total);
	/* Both sides agree: the BPF side emitted exactly `total` records,
	 * none refused, and the kernel reported nothing lost. */
	assert_int_equal(global_u64(obj, "perf_seq"), r->total);
	assert_int_equal(global_u64(obj, "perf_failed"), 0);
	assert_int_equal(s->lost, 0);
	assert_int_equal(s->records, r->total);
	/* Nothing more arrives later: no record was left behind. */
	assert_int_equal(evbpf_perfbuf_consume(r->pb), 0);
	evbpf_perfbuf_free(r->pb);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

/* Bursts of more than half a ring: each is drained on its watermark
 * wakeup, at once (the timer's 10 s period never comes during the test). */
static void test_perfbuf_watermark_drains_at_once(void **st)
{
	/* 8 pages = 32 KiB per CPU: 1024 records of 32 bytes; the watermark
	 * (half a ring) is crossed at record 513. */
	struct perf_run r = {
	    .max_delay_us = 10000000, .pages = 8, .total = 9000, .chunk = 50, .window = 900};
	struct evbpf_async_stats s = {.sz = sizeof(s)};

	perf_run(st, &r, &s);
	assert_int_equal(s.timer_drains, 0);
	/* The producer can only get past each window of 900 through a
	 * watermark wakeup: at least one per window but the last. */
	assert_true(s.wakeups >= r.total / r.window - 1);
}

/* A producer that never gets half a ring ahead: the timer drains. */
static void test_perfbuf_timer_drains_all(void **st)
{
	struct perf_run r = {
	    .max_delay_us = 2000, .pages = 8, .total = 8000, .chunk = 50, .window = 400};
	struct evbpf_async_stats s = {.sz = sizeof(s)};

	perf_run(st, &r, &s);
	/* The kernel's watermark counts bytes written since its last
	 * wakeup, not bytes unread: one wakeup per half ring written (512
	 * records of 32 bytes), however fast the consumer. */
	assert_true(s.wakeups <= r.total / 512 + 1);
	assert_true(s.timer_drains >= r.total / (r.window + r.chunk));
}

/* A small budget in adaptive mode: drains resume at the next iteration. */
static void test_perfbuf_budget_adaptive(void **st)
{
	struct perf_run r = {.max_delay_us = 2000,
	                     .budget = 16,
	                     .pages = 8,
	                     .total = 4000,
	                     .chunk = 50,
	                     .window = 400};
	struct evbpf_async_stats s = {.sz = sizeof(s)};

	perf_run(st, &r, &s);
	assert_true(s.budget_hits > 0);
}

/* Records of 8 to 264 bytes in a one-page ring: many wrap around its end
 * and are delivered from the copy, whole and once. */
static void test_perfbuf_wrapped_adaptive(void **st)
{
	struct perf_run r = {
	    .max_delay_us = 1000, .pages = 1, .total = 3000, .chunk = 4, .window = 8, .vary = true};
	struct evbpf_async_stats s = {.sz = sizeof(s)};

	perf_run(st, &r, &s);
	assert_true(s.timer_drains > 0);
}

/* Stopped with records in the ring: start delivers them (once), and stop
 * with EVBPF_ASYNC_DRAIN_ON_STOP delivers what came since (once). */
static void test_perfbuf_stop_start_adaptive(void **st)
{
	struct evbpf_perfbuf_opts opts = {
	    .sz = sizeof(opts), .max_delay_us = 10000000, .flags = EVBPF_ASYNC_DRAIN_ON_STOP};
	struct perf_run r = {.total = UINT32_MAX};
	struct evbpf_async_stats s = {.sz = sizeof(s)};
	struct evbpf_program *prog;
	struct evbpf_object *obj;
	struct test_loop tl;
	cpu_set_t was;

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(NULL);
	prog = evbpf_object_find_program(obj, "perf_produce_tc");
	assert_ok(sched_getaffinity(0, sizeof(was), &was));
	assert_ok(evbpf_perfbuf_new_opts(evbpf_object_find_map(obj, "perf"), 8, perf_run_sample,
	                                 NULL, &r, &opts, &r.pb));
	pin_to_cpu(0);
	assert_ok(run_prog(prog, 300));
	/* Below the watermark, with a 10 s timer: only start's own drain
	 * at the next iteration can deliver them. */
	assert_ok(evbpf_perfbuf_start(r.pb, tl.reactor));
	tl_run_once(&tl);
	assert_int_equal(r.next, 300);
	assert_ok(run_prog(prog, 200));
	assert_ok(evbpf_perfbuf_stop(r.pb));
	assert_int_equal(r.next, 500);
	assert_false(r.bad);
	/* Started again with nothing new: nothing is delivered twice. */
	assert_ok(evbpf_perfbuf_start(r.pb, tl.reactor));
	tl_run_once(&tl);
	assert_ok(evbpf_perfbuf_stop(r.pb));
	assert_int_equal(r.next, 500);
	assert_ok(evbpf_perfbuf_stats(r.pb, &s));
	assert_int_equal(s.records, 500);
	assert_int_equal(s.lost, 0);
	assert_int_equal(global_u64(obj, "perf_seq"), 500);
	assert_int_equal(global_u64(obj, "perf_failed"), 0);
	assert_ok(sched_setaffinity(0, sizeof(was), &was));
	evbpf_perfbuf_free(r.pb);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

/* ------------------------------------------------------------- options */

static void test_bad_options(void **st)
{
	struct evbpf_object *obj;
	struct evbpf_ringbuf *rb = NULL;
	struct evbpf_perfbuf *pb = NULL;
	struct evbpf_ringbuf_opts ro = {.sz = sizeof(ro),
	                                .max_delay_us = 1000,
	                                .drain_interval_ms = 1,
	                                .flags = EVBPF_ASYNC_TIMER_ONLY};
	struct evbpf_perfbuf_opts po = {.sz = sizeof(po),
	                                .max_delay_us = 1000,
	                                .drain_interval_ms = 1,
	                                .flags = EVBPF_ASYNC_TIMER_ONLY};
	int before;

	(void)st;
	REQUIRE_KERNEL();
	obj = open_producers(NULL);
	before = fd_count();
	assert_int_equal(
	    evbpf_ringbuf_new_opts(evbpf_object_find_map(obj, "rb"), on_record, NULL, &ro, &rb),
	    -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "max_delay_us"));
	assert_null(rb);
	assert_int_equal(evbpf_perfbuf_new_opts(evbpf_object_find_map(obj, "perf"), 8, on_sample,
	                                        NULL, NULL, &po, &pb),
	                 -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "max_delay_us"));
	assert_null(pb);
	/* Without the conflict the same options work, and free closes the
	 * timerfd and the dup of the map fd. */
	ro.flags = 0;
	assert_ok(
	    evbpf_ringbuf_new_opts(evbpf_object_find_map(obj, "rb"), on_record, NULL, &ro, &rb));
	assert_true(fd_count() > before);
	evbpf_ringbuf_free(rb);
	assert_int_equal(fd_count(), before);
	evbpf_object_close(obj);
}

/* ------------------------------------------------ hold, in plain memory */

#define FAKE_SIZE 256

struct fake_ring {
	uint64_t consumer_pos;
	uint64_t producer_pos;
	_Alignas(8) uint8_t data[2 * FAKE_SIZE];
};

static void fake_put(struct fake_ring *r, uint32_t len_word, uint32_t len)
{
	uint64_t total = ((uint64_t)len + 8 + 7) / 8 * 8;

	for (uint64_t i = 0; i < total; i++) {
		uint64_t off = (r->producer_pos + i) % FAKE_SIZE;
		uint8_t byte = i < 4 ? (uint8_t)(len_word >> (8 * i)) : 0;

		r->data[off] = byte;
		r->data[off + FAKE_SIZE] = byte;
	}
	r->producer_pos += total;
}

static int count_fake(void *ctx, const void *data, size_t size)
{
	(void)data;
	(void)size;
	(*(int *)ctx)++;
	return 0;
}

static void test_fake_hold_position(void **st)
{
	struct fake_ring r = {0};
	struct evbpf_ringbuf *rb;
	int n = 0;

	(void)st;
	assert_ok(evbpf__ringbuf_new_mem(&r.consumer_pos, &r.producer_pos, r.data, FAKE_SIZE,
	                                 count_fake, &n, NULL, &rb));
	evbpf__ringbuf_set_hold(rb, true);
	fake_put(&r, 8, 8);   /* 0..16 */
	fake_put(&r, 8, 8);   /* 16..32 */
	fake_put(&r, 20, 20); /* 32..64 */
	assert_int_equal(evbpf_ringbuf_consume(rb), 3);
	/* Held: the start of the last record taken. */
	assert_int_equal(r.consumer_pos, 32);
	/* Nothing new: nothing delivered again, the position stays. */
	assert_int_equal(evbpf_ringbuf_consume(rb), 0);
	assert_int_equal(r.consumer_pos, 32);
	/* A discarded record last: its start is held. */
	fake_put(&r, 8, 8);              /* 64..80 */
	fake_put(&r, 8 | (1u << 30), 8); /* 80..96, discarded */
	assert_int_equal(evbpf_ringbuf_consume(rb), 1);
	assert_int_equal(r.consumer_pos, 80);
	/* Released: the full position, nothing delivered. */
	evbpf__ringbuf_set_hold(rb, false);
	assert_int_equal(r.consumer_pos, 96);
	assert_int_equal(n, 4);
	/* Hold again, and free: free releases it. */
	evbpf__ringbuf_set_hold(rb, true);
	fake_put(&r, 8, 8);
	fake_put(&r, 8, 8);
	assert_int_equal(evbpf_ringbuf_consume(rb), 2);
	assert_int_equal(r.consumer_pos, 112);
	evbpf_ringbuf_free(rb);
	assert_int_equal(r.consumer_pos, 128);
	assert_int_equal(n, 6);
}

int main(int argc, char **argv)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fake_hold_position),
		cmocka_unit_test(test_bad_options),
		BOTH_BACKENDS(test_timer_mode_under_load)
		BOTH_BACKENDS(test_free_releases_held)
		BOTH_BACKENDS(test_back_to_wakeups)
		BOTH_BACKENDS(test_drain_on_stop_held)
		BOTH_BACKENDS(test_budget_in_timer_mode)
		BOTH_BACKENDS(test_perfbuf_timer_and_watermark)
		BOTH_BACKENDS(test_perfbuf_watermark_drains_at_once)
		BOTH_BACKENDS(test_perfbuf_timer_drains_all)
		BOTH_BACKENDS(test_perfbuf_budget_adaptive)
		BOTH_BACKENDS(test_perfbuf_wrapped_adaptive)
		BOTH_BACKENDS(test_perfbuf_stop_start_adaptive)
	};
	/* clang-format on */

	return RUN_TESTS(tests, NULL, NULL);
}
