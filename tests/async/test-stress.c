/* SPDX-License-Identifier: MIT */
/*
 * The target, on libuv and on libev: 400k ring buffer records and
 * 50k perf buffer records, produced concurrently by two threads while one
 * loop consumes both, all arrive, the ring's in global order and the perf
 * buffer's in order per CPU, each exactly once, and the producers saw no
 * refusal from the kernel either.
 */
#include "loop.h"

#define RING_RECORDS 400000
#define PERF_RECORDS 50000

struct stress {
	struct evbpf_ringbuf *rb;
	struct evbpf_perfbuf *pb;
	atomic_uint_fast64_t ring_consumed;
	atomic_uint_fast64_t perf_consumed;
	uint64_t ring_next;
	uint64_t perf_last[64];
	uint8_t *perf_seen;
	uint64_t lost;
	bool bad;
};

static int on_ring(void *arg, const void *data, size_t size)
{
	struct stress *s = arg;

	if (size != 16 || !record_ok(data, size, s->ring_next, false))
		s->bad = true;
	s->ring_next++;
	if (atomic_fetch_add(&s->ring_consumed, 1) + 1 == RING_RECORDS)
		assert_ok(evbpf_ringbuf_stop(s->rb));
	return 0;
}

static int on_perf(void *arg, int cpu, const void *data, size_t size)
{
	struct stress *s = arg;
	uint64_t seq = UINT64_MAX;

	if (size >= 8)
		memcpy(&seq, data, 8);
	if (cpu < 0 || cpu >= 64 || seq >= PERF_RECORDS || s->perf_seen[seq] ||
	    seq < s->perf_last[cpu] || !record_ok(data, size, seq, false)) {
		s->bad = true;
	} else {
		s->perf_seen[seq] = 1;
		s->perf_last[cpu] = seq + 1;
	}
	if (atomic_fetch_add(&s->perf_consumed, 1) + 1 == PERF_RECORDS)
		assert_ok(evbpf_perfbuf_stop(s->pb));
	return 0;
}

static void on_lost(void *arg, int cpu, uint64_t lost)
{
	(void)cpu;
	((struct stress *)arg)->lost += lost;
}

static void test_ring_and_perf_concurrently(void **st)
{
	struct test_loop tl;
	struct evbpf_object *obj;
	struct stress s = {0};
	/* Ring: 24-byte records, 4 MiB: (65536 + 4096) * 24 < 3/4 ring.
	 * Perf: 32-byte records, 4 MiB per CPU. */
	struct producer pr = {.total = RING_RECORDS, .chunk = 4096, .window = 65536, .pin_cpu = -1};
	struct producer pp = {.total = PERF_RECORDS, .chunk = 1024, .window = 8192, .pin_cpu = -1};
	struct evbpf_async_stats rs = {.sz = sizeof(rs)}, ps = {.sz = sizeof(ps)};
	uint64_t t0, t1;

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(NULL);
	s.perf_seen = calloc(PERF_RECORDS, 1);
	assert_non_null(s.perf_seen);
	assert_ok(evbpf_ringbuf_new(evbpf_object_find_map(obj, "rb"), on_ring, &s, &s.rb));
	assert_ok(evbpf_perfbuf_new(evbpf_object_find_map(obj, "perf"), 1024, on_perf, on_lost, &s,
	                            &s.pb));
	assert_ok(evbpf_ringbuf_start(s.rb, tl.reactor));
	assert_ok(evbpf_perfbuf_start(s.pb, tl.reactor));
	tl_free_reactor(&tl);
	pr.prog = evbpf_object_find_program(obj, "rb_produce");
	pr.consumed = &s.ring_consumed;
	pp.prog = evbpf_object_find_program(obj, "perf_produce");
	pp.consumed = &s.perf_consumed;
	{
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		t0 = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	}
	producer_start(&pr);
	producer_start(&pp);
	tl_run(&tl);
	producer_join(&pr);
	producer_join(&pp);
	{
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		t1 = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	}
	assert_int_equal(atomic_load(&s.ring_consumed), RING_RECORDS);
	assert_int_equal(s.ring_next, RING_RECORDS);
	assert_int_equal(atomic_load(&s.perf_consumed), PERF_RECORDS);
	for (uint64_t i = 0; i < PERF_RECORDS; i++)
		if (!s.perf_seen[i])
			fail_msg("perf record %llu missing", (unsigned long long)i);
	assert_false(s.bad);
	assert_int_equal(s.lost, 0);
	assert_int_equal(global_u64(obj, "rb_dropped"), 0);
	assert_int_equal(global_u64(obj, "perf_failed"), 0);
	assert_ok(evbpf_ringbuf_stats(s.rb, &rs));
	assert_ok(evbpf_perfbuf_stats(s.pb, &ps));
	assert_int_equal(rs.records, RING_RECORDS);
	assert_int_equal(ps.records, PERF_RECORDS);
	print_message("%s: %d ring + %d perf records in %.3f s (%.0f records/s); ring: %llu "
	              "wakeups, %llu drains; perf: %llu wakeups, %llu drains\n",
	              backend_name(tl.kind), RING_RECORDS, PERF_RECORDS, (double)(t1 - t0) / 1e9,
	              (RING_RECORDS + PERF_RECORDS) / ((double)(t1 - t0) / 1e9),
	              (unsigned long long)rs.wakeups, (unsigned long long)rs.drains,
	              (unsigned long long)ps.wakeups, (unsigned long long)ps.drains);
	evbpf_ringbuf_free(s.rb);
	evbpf_perfbuf_free(s.pb);
	free(s.perf_seen);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

int main(int argc, char **argv)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		BOTH_BACKENDS(test_ring_and_perf_concurrently)
	};
	/* clang-format on */

	return RUN_TESTS(tests, NULL, NULL);
}
