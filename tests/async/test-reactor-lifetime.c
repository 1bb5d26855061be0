/* SPDX-License-Identifier: MIT */
/*
 * Reactor lifetime and ring ownership: starting a ring buffer consumer or
 * a map poller on a reactor whose last reference is gone is refused with
 * a message (under ASan a dereference would be caught), a consumer
 * started before the free keeps the reactor alive as documented, and a
 * second consumer on one ring is refused.
 */
#include "loop.h"

static int noop_record(void *ctx, const void *data, size_t size)
{
	return 0;
}

static void noop_snapshot(void *ctx, const struct evbpf_map_snapshot *snap)
{
}

static void test_start_on_dead_reactor(void **st)
{
	struct evbpf_map *ring, *array;
	struct evbpf_ringbuf *rb;
	struct evbpf_mappoll *mp;
	struct evbpf_reactor *dead;
	struct test_loop tl;

	REQUIRE_MAP_TYPE(BPF_MAP_TYPE_RINGBUF);
	tl_init(&tl, backend_of(st));
	assert_ok(evbpf_map_create(BPF_MAP_TYPE_RINGBUF, "ring", 0, 0, 4096, NULL, &ring));
	assert_ok(evbpf_map_create(BPF_MAP_TYPE_ARRAY, "array", 4, 8, 4, NULL, &array));
	assert_ok(evbpf_ringbuf_new(ring, noop_record, NULL, &rb));
	assert_ok(evbpf_mappoll_new(array, noop_snapshot, NULL, NULL, &mp));
	dead = tl.reactor;
	tl_free_reactor(&tl);
	assert_int_equal(evbpf_ringbuf_start(rb, dead), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "not alive"));
	assert_int_equal(evbpf_mappoll_start(mp, dead), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "not alive"));
	assert_int_equal(evbpf_ringbuf_start(rb, NULL), -EINVAL);
	evbpf_reactor_free(dead);
	evbpf_mappoll_free(mp);
	evbpf_ringbuf_free(rb);
	evbpf_map_free(array);
	evbpf_map_free(ring);
	tl_finish(&tl);
}

/* Freed while a consumer is started: it lives on until the consumer
 * stops, and only then is it refused. */
static void test_free_while_started(void **st)
{
	struct evbpf_map *ring;
	struct evbpf_ringbuf *rb;
	struct evbpf_reactor *r;
	struct test_loop tl;

	REQUIRE_MAP_TYPE(BPF_MAP_TYPE_RINGBUF);
	tl_init(&tl, backend_of(st));
	assert_ok(evbpf_map_create(BPF_MAP_TYPE_RINGBUF, "ring", 0, 0, 4096, NULL, &ring));
	assert_ok(evbpf_ringbuf_new(ring, noop_record, NULL, &rb));
	r = tl.reactor;
	assert_ok(evbpf_ringbuf_start(rb, r));
	tl_free_reactor(&tl);
	/* Still alive: stop and start again on it. */
	assert_ok(evbpf_ringbuf_stop(rb));
	assert_int_equal(evbpf_ringbuf_start(rb, r), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "not alive"));
	evbpf_ringbuf_free(rb);
	evbpf_map_free(ring);
	tl_finish(&tl);
}

static void test_second_consumer(void **st)
{
	struct evbpf_map *ring, *again;
	struct evbpf_ringbuf *rb, *rb2 = NULL;
	int fds;

	(void)st;
	REQUIRE_MAP_TYPE(BPF_MAP_TYPE_RINGBUF);
	fds = fd_count();
	assert_ok(evbpf_map_create(BPF_MAP_TYPE_RINGBUF, "events", 0, 0, 4096, NULL, &ring));
	assert_ok(evbpf_ringbuf_new(ring, noop_record, NULL, &rb));
	assert_int_equal(evbpf_ringbuf_new(ring, noop_record, NULL, &rb2), -EBUSY);
	assert_non_null(strstr(evbpf_errmsg(), "map 'events'"));
	assert_non_null(strstr(evbpf_errmsg(), "consumer"));
	assert_null(rb2);
	/* Another fd of the same map is the same ring. */
	assert_ok(evbpf_map_from_fd(evbpf_map_fd(ring), &again));
	assert_int_equal(evbpf_ringbuf_new(again, noop_record, NULL, &rb2), -EBUSY);
	evbpf_ringbuf_free(rb);
	assert_ok(evbpf_ringbuf_new(again, noop_record, NULL, &rb2));
	evbpf_ringbuf_free(rb2);
	evbpf_map_free(again);
	evbpf_map_free(ring);
	assert_int_equal(fd_count(), fds);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    BOTH_BACKENDS(test_start_on_dead_reactor) BOTH_BACKENDS(test_free_while_started)
	        cmocka_unit_test(test_second_consumer),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
