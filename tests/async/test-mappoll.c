/* SPDX-License-Identifier: MIT */
/*
 * Map polling on libuv and libev: full snapshots and deltas (changed, new
 * and deleted keys) with batch lookups and with the next_key walk; the
 * automatic fallback for a map type without batch operations; a large map
 * dumped off the loop thread; a poller freed while its dump is still
 * running on the worker (seen through a reactor of our own that wraps the
 * backend's, as a user's reactor would); polling a map a BPF program
 * updates.
 */
#define EVBPF_ASYNC_INTERNAL
#include "loop.h"
#include "reactor.h"

struct mp_ctx {
	struct evbpf_mappoll *mp;
	int calls;
	int stop_at;
	bool bad;
	struct evbpf_map *map; /* changed from the callback */
	pthread_t loop_thread;
	struct evbpf_map_snapshot last;
	uint64_t sum;
	size_t count;
};

static uint64_t value_of(const struct evbpf_map_snapshot *s, size_t i)
{
	uint64_t v;

	memcpy(&v, (const uint8_t *)s->values + i * s->value_size, 8);
	return v;
}

static uint32_t key_of(const void *keys, size_t i)
{
	uint32_t k;

	memcpy(&k, (const uint8_t *)keys + i * 4, 4);
	return k;
}

/* Snapshot 1: keys 0..9 = k * 10. Then key 3 changes, key 5 goes, key 42
 * comes: snapshot 2 reports 3 and 42 changed (sorted), 5 deleted. Then
 * nothing changes: snapshot 3 is an empty delta, and we stop. */
static void on_delta(void *arg, const struct evbpf_map_snapshot *s)
{
	struct mp_ctx *c = arg;
	uint32_t k;
	uint64_t v;

	c->calls++;
	if (!pthread_equal(pthread_self(), c->loop_thread))
		c->bad = true;
	if (s->seq != (uint64_t)c->calls || s->key_size != 4 || s->value_size != 8)
		c->bad = true;
	if (c->calls == 1) {
		uint32_t seen = 0;

		if (s->delta || s->count != 10)
			c->bad = true;
		for (size_t i = 0; i < s->count && !c->bad; i++) {
			k = key_of(s->keys, i);
			if (k >= 10 || value_of(s, i) != k * 10)
				c->bad = true;
			else
				seen |= 1u << k;
		}
		if (seen != 0x3ff)
			c->bad = true;
		k = 3;
		v = 333;
		assert_ok(evbpf_map_update(c->map, &k, &v, 0));
		k = 5;
		assert_ok(evbpf_map_delete(c->map, &k));
		k = 42;
		v = 4200;
		assert_ok(evbpf_map_update(c->map, &k, &v, 0));
	} else if (c->calls == 2) {
		if (!s->delta || s->count != 2 || s->deleted_count != 1 ||
		    key_of(s->keys, 0) != 3 || value_of(s, 0) != 333 || key_of(s->keys, 1) != 42 ||
		    value_of(s, 1) != 4200 || key_of(s->deleted_keys, 0) != 5)
			c->bad = true;
	} else {
		if (!s->delta || s->count || s->deleted_count)
			c->bad = true;
	}
	if (c->calls == c->stop_at)
		assert_ok(evbpf_mappoll_stop(c->mp));
}

static void run_delta_test(void **st, uint32_t flags)
{
	struct test_loop tl;
	struct evbpf_map *map;
	struct mp_ctx c = {.stop_at = 3};
	struct evbpf_mappoll_opts opts = {
	    .sz = sizeof(opts), .interval_ms = 1, .flags = EVBPF_MAPPOLL_DELTA | flags};
	struct evbpf_mappoll_stats stats = {.sz = sizeof(stats)};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	assert_ok(evbpf_map_create(BPF_MAP_TYPE_HASH, "mp_hash", 4, 8, 64, NULL, &map));
	for (uint32_t k = 0; k < 10; k++) {
		uint64_t v = k * 10;

		assert_ok(evbpf_map_update(map, &k, &v, 0));
	}
	c.map = map;
	c.loop_thread = pthread_self();
	assert_ok(evbpf_mappoll_new(map, on_delta, &c, &opts, &c.mp));
	assert_ok(evbpf_mappoll_start(c.mp, tl.reactor));
	tl_run(&tl);
	assert_int_equal(c.calls, 3);
	assert_false(c.bad);
	assert_ok(evbpf_mappoll_stats(c.mp, &stats));
	assert_int_equal(stats.polls, 3);
	assert_int_equal(stats.entries, 10 + 10 + 10);
	assert_int_equal(stats.batch_polls, (flags & EVBPF_MAPPOLL_NO_BATCH) ? 0 : 3);
	assert_int_equal(stats.offloop_polls, (flags & EVBPF_MAPPOLL_OFFLOOP) ? 3 : 0);
	evbpf_mappoll_free(c.mp);
	evbpf_map_free(map);
	tl_finish(&tl);
}

static void test_delta_batch(void **st)
{
	run_delta_test(st, 0);
}

static void test_delta_next_key(void **st)
{
	run_delta_test(st, EVBPF_MAPPOLL_NO_BATCH);
}

static void test_delta_offloop(void **st)
{
	run_delta_test(st, EVBPF_MAPPOLL_OFFLOOP);
}

static void on_devmap(void *arg, const struct evbpf_map_snapshot *s)
{
	struct mp_ctx *c = arg;

	c->calls++;
	c->count = s->count;
	c->sum = 0;
	for (size_t i = 0; i < s->count; i++) {
		uint32_t v;

		memcpy(&v, (const uint8_t *)s->values + i * s->value_size, 4);
		if (s->value_size != 4 || v != 1)
			c->bad = true;
		c->sum += key_of(s->keys, i);
	}
}

static void test_fallback_without_batch_ops(void **st)
{
	struct evbpf_map *map;
	struct mp_ctx c = {0};
	struct evbpf_mappoll_stats stats = {.sz = sizeof(stats)};
	uint32_t lo = 1; /* the loopback device's ifindex */
	int before = fd_count();

	(void)st;
	REQUIRE_KERNEL();
	/* A devmap has next_key and lookup but no batch lookup; slots 1, 4
	 * and 6 of 8 are set, the others are empty and must be skipped. */
	assert_ok(evbpf_map_create(BPF_MAP_TYPE_DEVMAP, "mp_devmap", 4, 4, 8, NULL, &map));
	assert_ok(evbpf_map_update(map, &(uint32_t){1}, &lo, 0));
	assert_ok(evbpf_map_update(map, &(uint32_t){4}, &lo, 0));
	assert_ok(evbpf_map_update(map, &(uint32_t){6}, &lo, 0));
	assert_ok(evbpf_mappoll_new(map, on_devmap, &c, NULL, &c.mp));
	assert_ok(evbpf_mappoll_poll(c.mp));
	assert_ok(evbpf_mappoll_poll(c.mp));
	assert_int_equal(c.calls, 2);
	assert_int_equal(c.count, 3);
	assert_int_equal(c.sum, 1 + 4 + 6);
	assert_false(c.bad);
	assert_ok(evbpf_mappoll_stats(c.mp, &stats));
	assert_int_equal(stats.polls, 2);
	assert_int_equal(stats.batch_polls, 0);
	evbpf_mappoll_free(c.mp);
	evbpf_map_free(map);
	assert_int_equal(fd_count(), before);
}

#define BIG 20000

static void on_big(void *arg, const struct evbpf_map_snapshot *s)
{
	struct mp_ctx *c = arg;
	uint64_t sum = 0;

	c->calls++;
	if (!pthread_equal(pthread_self(), c->loop_thread) || s->count != BIG)
		c->bad = true;
	for (size_t i = 0; i < s->count; i++) {
		if (value_of(s, i) != (uint64_t)key_of(s->keys, i) * 3)
			c->bad = true;
		sum += key_of(s->keys, i);
	}
	c->sum = sum;
	if (c->calls == 2)
		evbpf_mappoll_free(c->mp); /* from its own callback */
}

static void test_large_map_off_loop(void **st)
{
	struct test_loop tl;
	struct evbpf_map *map;
	struct mp_ctx c = {0};
	struct evbpf_mappoll_opts opts = {.sz = sizeof(opts), .interval_ms = 1};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	assert_ok(evbpf_map_create(BPF_MAP_TYPE_HASH, "mp_big", 4, 8, BIG, NULL, &map));
	for (uint32_t k = 0; k < BIG; k++) {
		uint64_t v = (uint64_t)k * 3;

		assert_ok(evbpf_map_update(map, &k, &v, 0));
	}
	c.loop_thread = pthread_self();
	/* More entries than the default threshold: dumped on the worker. */
	assert_ok(evbpf_mappoll_new(map, on_big, &c, &opts, &c.mp));
	assert_ok(evbpf_mappoll_start(c.mp, tl.reactor));
	tl_run(&tl);
	assert_int_equal(c.calls, 2);
	assert_false(c.bad);
	assert_int_equal(c.sum, (uint64_t)BIG * (BIG - 1) / 2);
	evbpf_map_free(map);
	tl_finish(&tl);
}

/* A reactor of our own that delegates to the backend's and notes when work
 * is queued: what a user wrapping a loop would write. */
struct spy_reactor {
	struct evbpf_reactor base;
	struct evbpf_reactor *inner;
	int queued;
	int destroyed;
	struct evbpf_mappoll *free_on_queue; /* free it once its dump is queued */
};

static struct spy_reactor *spy_of(struct evbpf_reactor *r)
{
	return (struct spy_reactor *)r;
}

static int spy_io_open(struct evbpf_reactor *r, int fd, evbpf_reactor_io_fn fn, void *arg,
                       struct evbpf_reactor_io **iop)
{
	struct evbpf_reactor *in = spy_of(r)->inner;

	return in->ops->io_open(in, fd, fn, arg, iop);
}

static int spy_timer_open(struct evbpf_reactor *r, evbpf_reactor_timer_fn fn, void *arg,
                          struct evbpf_reactor_timer **tp)
{
	struct evbpf_reactor *in = spy_of(r)->inner;

	return in->ops->timer_open(in, fn, arg, tp);
}

static int spy_work_queue(struct evbpf_reactor *r, evbpf_reactor_work_fn work,
                          evbpf_reactor_done_fn done, void *arg)
{
	struct evbpf_reactor *in = spy_of(r)->inner;
	int err = in->ops->work_queue(in, work, done, arg);

	if (!err) {
		spy_of(r)->queued++;
		/* The dump is now on the worker and cannot have come back:
		 * its completion runs on this (the loop) thread, later. */
		if (spy_of(r)->free_on_queue)
			evbpf_mappoll_free(spy_of(r)->free_on_queue);
		spy_of(r)->free_on_queue = NULL;
	}
	return err;
}

static void spy_destroy(struct evbpf_reactor *r)
{
	evbpf_reactor_free(spy_of(r)->inner);
	spy_of(r)->destroyed++;
}

static struct evbpf_reactor_ops spy_ops;

static void spy_init(struct spy_reactor *spy, struct evbpf_reactor *inner)
{
	spy_ops = *inner->ops;
	spy_ops.name = "spy";
	spy_ops.io_open = spy_io_open;
	spy_ops.timer_open = spy_timer_open;
	spy_ops.work_queue = spy_work_queue;
	spy_ops.destroy = spy_destroy;
	memset(spy, 0, sizeof(*spy));
	spy->inner = inner;
	assert_ok(evbpf_reactor_init(&spy->base, &spy_ops, inner->loop));
}

static void on_never(void *arg, const struct evbpf_map_snapshot *s)
{
	(void)s;
	((struct mp_ctx *)arg)->calls++;
}

static void test_free_while_dump_in_flight(void **st)
{
	struct test_loop tl;
	struct spy_reactor spy;
	struct evbpf_map *map;
	struct mp_ctx c = {0};
	struct evbpf_mappoll_opts opts = {
	    .sz = sizeof(opts), .interval_ms = 1, .flags = EVBPF_MAPPOLL_OFFLOOP};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	spy_init(&spy, tl.reactor);
	tl.reactor = NULL; /* the spy owns it now */
	assert_ok(evbpf_map_create(BPF_MAP_TYPE_ARRAY, "mp_arr", 4, 8, 1000, NULL, &map));
	assert_ok(evbpf_mappoll_new(map, on_never, &c, &opts, &c.mp));
	assert_ok(evbpf_mappoll_start(c.mp, &spy.base));
	evbpf_reactor_free(&spy.base); /* the poller keeps it */
	assert_int_equal(spy.destroyed, 0);
	/* Freed as soon as the first dump is on the worker. Its result is
	 * dropped, and the poller and its fd go when the job comes back. */
	spy.free_on_queue = c.mp;
	evbpf_map_free(map);
	tl_run(&tl);
	assert_int_equal(c.calls, 0);
	assert_int_equal(spy.queued, 1);
	assert_int_equal(spy.destroyed, 1);
	tl_finish(&tl);
}

static void on_counts(void *arg, const struct evbpf_map_snapshot *s)
{
	struct mp_ctx *c = arg;

	c->calls++;
	c->count = s->count;
	c->sum = 0;
	for (size_t i = 0; i < s->count; i++)
		c->sum += value_of(s, i);
	evbpf_mappoll_stop(c->mp);
}

static void test_poll_bpf_updated_map(void **st)
{
	struct test_loop tl;
	struct evbpf_object *obj;
	struct mp_ctx c = {0};
	struct evbpf_mappoll_opts opts = {.sz = sizeof(opts), .interval_ms = 1};

	REQUIRE_KERNEL();
	tl_init(&tl, backend_of(st));
	obj = open_producers(NULL);
	/* Ten runs: key k holds k * 10 for k in 0..7. */
	assert_ok(run_prog(evbpf_object_find_program(obj, "count_keys"), 10));
	assert_ok(
	    evbpf_mappoll_new(evbpf_object_find_map(obj, "counts"), on_counts, &c, &opts, &c.mp));
	assert_ok(evbpf_mappoll_start(c.mp, tl.reactor));
	tl_run(&tl);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.count, 8);
	assert_int_equal(c.sum, 10 * (0 + 1 + 2 + 3 + 4 + 5 + 6 + 7));
	evbpf_mappoll_free(c.mp);
	evbpf_object_close(obj);
	tl_finish(&tl);
}

int main(int argc, char **argv)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		BOTH_BACKENDS(test_delta_batch)
		BOTH_BACKENDS(test_delta_next_key)
		BOTH_BACKENDS(test_delta_offloop)
		BOTH_BACKENDS(test_large_map_off_loop)
		BOTH_BACKENDS(test_free_while_dump_in_flight)
		BOTH_BACKENDS(test_poll_bpf_updated_map)
		cmocka_unit_test(test_fallback_without_batch_ops),
	};
	/* clang-format on */

	return RUN_TESTS(tests, NULL, NULL);
}
