/* SPDX-License-Identifier: MIT */
/*
 * Concurrency stress: a ring buffer and a perf buffer consumed on one loop
 * while four threads produce into them at full rate (BPF_PROG_TEST_RUN,
 * pinned to different CPUs, no flow control) and two more threads update
 * and read a hash map through the element API. Every record is checked:
 * its contents, that it arrives once, and that what arrived plus what the
 * BPF side counted as refused (ring or perf buffer full) is exactly what
 * was produced. Built with -fsanitize=thread this is the TSan test of the
 * thread-safety rules in README.md.
 */
#include "async/loop.h"

#define PER_PRODUCER 40000u
#define CHUNK        500u
#define MAP_OPS      20000u

struct seen {
	uint8_t *bits;
	uint64_t nbits;
	uint64_t received, dups, bad;
};

struct stress {
	struct test_loop *tl;
	struct evbpf_ringbuf *rb;
	struct evbpf_perfbuf *pb;
	struct seen ring, perf;
	uint64_t lost;
	atomic_int producers_done;
	int producers;
	bool drained;
#ifdef EVBPF_TEST_HAVE_UV
	uv_timer_t uv_tick;
#endif
#ifdef EVBPF_TEST_HAVE_EV
	ev_timer ev_tick;
#endif
};

static void seen_init(struct seen *s, uint64_t n)
{
	memset(s, 0, sizeof(*s));
	s->nbits = n;
	s->bits = calloc((n + 7) / 8, 1);
	assert_non_null(s->bits);
}

static void seen_record(struct seen *s, const void *data, size_t size)
{
	/* Perf samples are only 4-byte aligned (they follow a u32 size):
	 * copy before reading the record's u64 words. */
	uint64_t copy[64], seq;

	if (size < 8 || size > sizeof(copy)) {
		s->bad++;
		return;
	}
	memcpy(copy, data, size);
	seq = copy[0];
	if (seq >= s->nbits || !record_ok(copy, size, seq, true)) {
		s->bad++;
		return;
	}
	if (s->bits[seq / 8] & (1u << (seq % 8)))
		s->dups++;
	s->bits[seq / 8] |= (uint8_t)(1u << (seq % 8));
	s->received++;
}

static int on_ring(void *ctx, const void *data, size_t size)
{
	seen_record(&((struct stress *)ctx)->ring, data, size);
	return 0;
}

static int on_perf(void *ctx, int cpu, const void *data, size_t size)
{
	(void)cpu;
	seen_record(&((struct stress *)ctx)->perf, data, size);
	return 0;
}

static void on_lost(void *ctx, int cpu, uint64_t lost)
{
	(void)cpu;
	((struct stress *)ctx)->lost += lost;
}

/* On the loop: once every producer is done, drain what is left and stop,
 * so that the loop runs out of work and returns. */
static bool tick(struct stress *s)
{
	if (atomic_load(&s->producers_done) < s->producers)
		return false;
	assert_true(evbpf_ringbuf_flush(s->rb) >= 0);
	assert_true(evbpf_perfbuf_flush(s->pb) >= 0);
	assert_ok(evbpf_ringbuf_stop(s->rb));
	assert_ok(evbpf_perfbuf_stop(s->pb));
	s->drained = true;
	return true;
}

#ifdef EVBPF_TEST_HAVE_UV
static void uv_ticked(uv_timer_t *t)
{
	struct stress *s = t->data;

	if (tick(s))
		uv_close((uv_handle_t *)t, NULL);
}
#endif
#ifdef EVBPF_TEST_HAVE_EV
static void ev_ticked(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct stress *s = w->data;

	(void)revents;
	if (tick(s))
		ev_timer_stop(loop, w);
}
#endif

static void start_ticker(struct stress *s)
{
#ifdef EVBPF_TEST_HAVE_UV
	if (s->tl->kind == BACKEND_UV) {
		assert_int_equal(uv_timer_init(&s->tl->uv, &s->uv_tick), 0);
		s->uv_tick.data = s;
		assert_int_equal(uv_timer_start(&s->uv_tick, uv_ticked, 2, 2), 0);
		return;
	}
#endif
#ifdef EVBPF_TEST_HAVE_EV
	if (s->tl->kind == BACKEND_EV) {
		ev_timer_init(&s->ev_tick, ev_ticked, 0.002, 0.002);
		s->ev_tick.data = s;
		ev_timer_start(s->tl->ev, &s->ev_tick);
	}
#endif
}

struct counted_producer {
	struct producer p;
	struct stress *s;
	pthread_t thread;
};

static void *counted_main(void *arg)
{
	struct counted_producer *cp = arg;

	producer_main(&cp->p);
	atomic_fetch_add(&cp->s->producers_done, 1);
	return NULL;
}

/* Element operations on one map from several threads at once. */
struct map_worker {
	struct evbpf_map *map;
	uint32_t key_base;
	pthread_t thread;
	uint32_t mismatches;
	int err;
};

static void *map_worker_main(void *arg)
{
	struct map_worker *w = arg;

	for (uint32_t i = 0; i < MAP_OPS && !w->err; i++) {
		uint32_t key = w->key_base + i % 64;
		uint64_t val = ((uint64_t)key << 32) | i, got = 0;

		w->err = evbpf_map_update(w->map, &key, &val, BPF_ANY);
		if (!w->err)
			w->err = evbpf_map_lookup(w->map, &key, &got);
		/* Only this thread writes these keys. */
		if (!w->err && got != val)
			w->mismatches++;
	}
	return NULL;
}

static void test_full_rate_ring_and_perf(void **st)
{
	struct test_loop tl;
	struct stress s;
	struct counted_producer cps[4];
	struct map_worker mw[2];
	struct evbpf_object *obj;
	struct producer_cfg cfg = {.vary_size = 1};
	int ncpu = evbpf_num_possible_cpus();
	uint64_t rb_seq, rb_dropped, perf_seq, perf_failed;

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	memset(&s, 0, sizeof(s));
	s.tl = &tl;
	obj = open_producers(&cfg);
	seen_init(&s.ring, 2 * PER_PRODUCER);
	seen_init(&s.perf, 2 * PER_PRODUCER);
	assert_ok(evbpf_ringbuf_new(evbpf_object_find_map(obj, "rb"), on_ring, &s, &s.rb));
	assert_ok(
	    evbpf_perfbuf_new(evbpf_object_find_map(obj, "perf"), 8, on_perf, on_lost, &s, &s.pb));
	assert_ok(evbpf_ringbuf_start(s.rb, tl.reactor));
	assert_ok(evbpf_perfbuf_start(s.pb, tl.reactor));
	start_ticker(&s);

	/* Two ring and two perf producers, spread over the CPUs. */
	s.producers = 4;
	for (int i = 0; i < 4; i++) {
		cps[i] = (struct counted_producer){
		    .p = {.prog =
		              evbpf_object_find_program(obj, i < 2 ? "rb_produce" : "perf_produce"),
		          .total = PER_PRODUCER,
		          .chunk = CHUNK,
		          .pin_cpu = ncpu > 1 ? i % 2 : -1},
		    .s = &s,
		};
		assert_non_null(cps[i].p.prog);
		assert_int_equal(pthread_create(&cps[i].thread, NULL, counted_main, &cps[i]), 0);
	}
	for (int i = 0; i < 2; i++) {
		mw[i] = (struct map_worker){.map = evbpf_object_find_map(obj, "counts"),
		                            .key_base = 1000u * (i + 1)};
		assert_int_equal(pthread_create(&mw[i].thread, NULL, map_worker_main, &mw[i]), 0);
	}

	tl_run(&tl);

	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(cps[i].thread, NULL), 0);
		if (cps[i].p.err)
			fail_msg("producer %d: %d: %s", i, cps[i].p.err, evbpf_errmsg());
		assert_int_equal(cps[i].p.produced, PER_PRODUCER);
	}
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(mw[i].thread, NULL), 0);
		assert_int_equal(mw[i].err, 0);
		assert_int_equal(mw[i].mismatches, 0);
	}
	assert_true(s.drained);

	rb_seq = global_u64(obj, "rb_seq");
	rb_dropped = global_u64(obj, "rb_dropped");
	perf_seq = global_u64(obj, "perf_seq");
	perf_failed = global_u64(obj, "perf_failed");
	print_message("%s: ring %llu received + %llu dropped of %llu; perf %llu received + %llu "
	              "refused of %llu (%llu reported lost)\n",
	              backend_name(tl.kind), (unsigned long long)s.ring.received,
	              (unsigned long long)rb_dropped, (unsigned long long)rb_seq,
	              (unsigned long long)s.perf.received, (unsigned long long)perf_failed,
	              (unsigned long long)perf_seq, (unsigned long long)s.lost);
	assert_int_equal(rb_seq, 2 * PER_PRODUCER);
	assert_int_equal(perf_seq, 2 * PER_PRODUCER);
	/* Nothing corrupted, nothing twice, nothing lost unaccounted. */
	assert_int_equal(s.ring.bad, 0);
	assert_int_equal(s.ring.dups, 0);
	assert_int_equal(s.ring.received + rb_dropped, rb_seq);
	assert_int_equal(s.perf.bad, 0);
	assert_int_equal(s.perf.dups, 0);
	assert_int_equal(s.perf.received + perf_failed, perf_seq);
	assert_true(s.lost <= perf_failed);
	assert_true(s.ring.received > 0 && s.perf.received > 0);

	evbpf_ringbuf_free(s.rb);
	evbpf_perfbuf_free(s.pb);
	evbpf_object_close(obj);
	free(s.ring.bits);
	free(s.perf.bits);
	tl_finish(&tl);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {BOTH_BACKENDS(test_full_rate_ring_and_perf)};
#ifdef EVBPF_TEST_HAVE_UV
	/* libuv opens process-wide fds (its signal lock pipe) on the first
	 * loop; open them before any test counts fds. */
	uv_loop_t warm;

	if (uv_loop_init(&warm) == 0)
		uv_loop_close(&warm);
#endif

	return RUN_TESTS(tests, NULL, NULL);
}
