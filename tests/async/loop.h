/* SPDX-License-Identifier: MIT */
/*
 * Test helpers for the async suite: one loop per test on either backend
 * (libuv or libev), a watchdog that fails a test whose loop does not finish
 * (it never decides a pass), and a producer thread that runs a BPF program
 * with BPF_PROG_TEST_RUN in chunks while the loop consumes.
 *
 * Each test function receives its backend through cmocka's prestate;
 * BOTH_BACKENDS(fn) lists the test once per backend built.
 */
#ifndef EVBPF_TESTS_ASYNC_LOOP_H
#define EVBPF_TESTS_ASYNC_LOOP_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include "common.h"

#include <evbpf/async.h>
#ifdef EVBPF_TEST_HAVE_UV
#include <evbpf/uv.h>
#endif
#ifdef EVBPF_TEST_HAVE_EV
#include <evbpf/ev.h>
#endif

enum backend { BACKEND_UV, BACKEND_EV };

static enum backend backend_uv __attribute__((unused)) = BACKEND_UV;
static enum backend backend_ev __attribute__((unused)) = BACKEND_EV;

#ifdef EVBPF_TEST_HAVE_UV
/* Named FN/uv and FN/ev, so that each backend is a test of its own. */
#define UV_TEST(fn) {#fn "/uv", fn, NULL, NULL, &backend_uv},
#else
#define UV_TEST(fn)
#endif
#ifdef EVBPF_TEST_HAVE_EV
#define EV_TEST(fn) {#fn "/ev", fn, NULL, NULL, &backend_ev},
#else
#define EV_TEST(fn)
#endif
#define BOTH_BACKENDS(fn) UV_TEST(fn) EV_TEST(fn)

#define WATCHDOG_MS 60000

struct test_loop {
	enum backend kind;
	int fds_before;
	struct evbpf_reactor *reactor;
	void (*soon_fn)(void *arg);
	void *soon_arg;
	bool soon_init;
#ifdef EVBPF_TEST_HAVE_UV
	uv_loop_t uv;
	uv_timer_t uv_watchdog;
	uv_timer_t uv_soon;
#endif
#ifdef EVBPF_TEST_HAVE_EV
	struct ev_loop *ev;
	ev_timer ev_watchdog;
	ev_timer ev_soon;
#endif
};

#ifdef EVBPF_TEST_HAVE_UV
static void uv_watchdog_fired(uv_timer_t *t)
{
	(void)t;
	fail_msg("watchdog: the uv loop did not finish within %d ms", WATCHDOG_MS);
}
#endif
#ifdef EVBPF_TEST_HAVE_EV
static void ev_watchdog_fired(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	fail_msg("watchdog: the ev loop did not finish within %d ms", WATCHDOG_MS);
}
#endif

static inline enum backend backend_of(void **state)
{
	return *(enum backend *)*state;
}

static inline const char *backend_name(enum backend kind)
{
	return kind == BACKEND_UV ? "uv" : "ev";
}

/* Counts fds first: the test's objects must be opened after this. */
static inline void tl_init(struct test_loop *tl, enum backend kind)
{
	memset(tl, 0, sizeof(*tl));
	tl->kind = kind;
#ifdef EVBPF_TEST_HAVE_UV
	{
		/* libuv opens a process-wide signal pipe with its first loop
		 * and keeps it: let that happen before counting fds. */
		static bool warmed;
		uv_loop_t warm;

		if (!warmed) {
			assert_int_equal(uv_loop_init(&warm), 0);
			assert_int_equal(uv_loop_close(&warm), 0);
			warmed = true;
		}
	}
#endif
	tl->fds_before = fd_count();
#ifdef EVBPF_TEST_HAVE_UV
	if (kind == BACKEND_UV) {
		assert_int_equal(uv_loop_init(&tl->uv), 0);
		assert_int_equal(uv_timer_init(&tl->uv, &tl->uv_watchdog), 0);
		assert_int_equal(
		    uv_timer_start(&tl->uv_watchdog, uv_watchdog_fired, WATCHDOG_MS, 0), 0);
		/* The watchdog never keeps the loop alive. */
		uv_unref((uv_handle_t *)&tl->uv_watchdog);
		assert_ok(evbpf_uv_reactor_new(&tl->uv, &tl->reactor));
		return;
	}
#endif
#ifdef EVBPF_TEST_HAVE_EV
	if (kind == BACKEND_EV) {
		tl->ev = ev_loop_new(EVFLAG_AUTO);
		assert_non_null(tl->ev);
		ev_timer_init(&tl->ev_watchdog, ev_watchdog_fired, WATCHDOG_MS / 1000., 0.);
		ev_timer_start(tl->ev, &tl->ev_watchdog);
		ev_unref(tl->ev);
		assert_ok(evbpf_ev_reactor_new(tl->ev, &tl->reactor));
		return;
	}
#endif
	fail_msg("backend %s not built", backend_name(kind));
}

#ifdef EVBPF_TEST_HAVE_UV
static void uv_soon_fired(uv_timer_t *t)
{
	struct test_loop *tl = t->data;

	tl->soon_fn(tl->soon_arg);
}
#endif
#ifdef EVBPF_TEST_HAVE_EV
static void ev_soon_fired(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct test_loop *tl = w->data;

	(void)loop;
	(void)revents;
	tl->soon_fn(tl->soon_arg);
}
#endif

/* Call fn(arg) on the loop thread at the next iteration, after the timers
 * started before this call (such as a consumer's start-up drain). */
static inline void tl_soon(struct test_loop *tl, void (*fn)(void *), void *arg)
{
	tl->soon_fn = fn;
	tl->soon_arg = arg;
#ifdef EVBPF_TEST_HAVE_UV
	if (tl->kind == BACKEND_UV) {
		if (!tl->soon_init)
			assert_int_equal(uv_timer_init(&tl->uv, &tl->uv_soon), 0);
		tl->soon_init = true;
		tl->uv_soon.data = tl;
		assert_int_equal(uv_timer_start(&tl->uv_soon, uv_soon_fired, 0, 0), 0);
		return;
	}
#endif
#ifdef EVBPF_TEST_HAVE_EV
	if (tl->kind == BACKEND_EV) {
		ev_timer_init(&tl->ev_soon, ev_soon_fired, 0., 0.);
		tl->ev_soon.data = tl;
		ev_timer_start(tl->ev, &tl->ev_soon);
	}
#endif
}

/* Run the loop until nothing keeps it alive. */
static inline void tl_run(struct test_loop *tl)
{
#ifdef EVBPF_TEST_HAVE_UV
	if (tl->kind == BACKEND_UV) {
		uv_run(&tl->uv, UV_RUN_DEFAULT);
		return;
	}
#endif
#ifdef EVBPF_TEST_HAVE_EV
	if (tl->kind == BACKEND_EV)
		ev_run(tl->ev, 0);
#endif
}

/* One loop iteration (blocking for events if nothing is ready). */
static inline void tl_run_once(struct test_loop *tl)
{
#ifdef EVBPF_TEST_HAVE_UV
	if (tl->kind == BACKEND_UV) {
		uv_run(&tl->uv, UV_RUN_ONCE);
		return;
	}
#endif
#ifdef EVBPF_TEST_HAVE_EV
	if (tl->kind == BACKEND_EV)
		ev_run(tl->ev, EVRUN_ONCE);
#endif
}

static inline void tl_free_reactor(struct test_loop *tl)
{
	evbpf_reactor_free(tl->reactor);
	tl->reactor = NULL;
}

/*
 * Free the reactor (if the test did not), run the loop once more so that
 * libuv's close callbacks run, and check that the loop closes cleanly and
 * that every fd opened since tl_init() is closed again. The caller has
 * stopped or freed every consumer and closed its objects.
 */
static inline void tl_finish(struct test_loop *tl)
{
	if (tl->reactor)
		tl_free_reactor(tl);
#ifdef EVBPF_TEST_HAVE_UV
	if (tl->kind == BACKEND_UV) {
		uv_close((uv_handle_t *)&tl->uv_watchdog, NULL);
		if (tl->soon_init)
			uv_close((uv_handle_t *)&tl->uv_soon, NULL);
		uv_run(&tl->uv, UV_RUN_DEFAULT);
		assert_int_equal(uv_loop_close(&tl->uv), 0);
	}
#endif
#ifdef EVBPF_TEST_HAVE_EV
	if (tl->kind == BACKEND_EV) {
		ev_ref(tl->ev);
		ev_timer_stop(tl->ev, &tl->ev_watchdog);
		/* No watcher of ours may be left active. */
		assert_int_equal(ev_run(tl->ev, EVRUN_NOWAIT), 0);
		ev_loop_destroy(tl->ev);
	}
#endif
	assert_int_equal(fd_count(), tl->fds_before);
}

/* ------------------------------------------------------------ producers */

/*
 * The consumer publishes its position at least every quarter ring, so a
 * producer that stays within `window` records (each at most R bytes with
 * its header) of what the consumer has seen, producing `chunk` at a time,
 * never finds the ring full while (window + chunk) * R <= 3/4 of the ring.
 * The fixture's rb is 4 MiB (R = 272 with vary_size, else 24), rb2 1 MiB
 * (R = 24).
 */
struct producer {
	struct evbpf_program *prog;
	uint64_t total;                 /* records (program runs) to produce */
	uint64_t chunk;                 /* runs per BPF_PROG_TEST_RUN */
	uint64_t window;                /* 0, or: stay at most this many records ahead ... */
	atomic_uint_fast64_t *consumed; /* ... of this counter */
	int pin_cpu;                    /* -1: anywhere */
	pthread_t thread;
	uint64_t produced;
	int err;
};

static inline int run_prog(struct evbpf_program *prog, uint32_t repeat)
{
	uint8_t pkt[64];
	struct evbpf_test_run_opts opts = {
	    .sz = sizeof(opts),
	    .data_in = pkt,
	    .data_size_in = (uint32_t)test_packet(pkt, sizeof(pkt)),
	    .repeat = repeat,
	};
	int err = evbpf_program_test_run(prog, &opts);

	if (err)
		return err;
	return opts.retval == 2 /* XDP_PASS */ ? 0 : -EPROTO;
}

static inline void pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *producer_main(void *arg)
{
	struct producer *p = arg;
	uint64_t waited_us = 0;

	if (p->pin_cpu >= 0)
		pin_to_cpu(p->pin_cpu);
	while (p->produced < p->total) {
		uint64_t n = p->total - p->produced;

		if (n > p->chunk)
			n = p->chunk;
		if (p->window) {
			/* Flow control, so a bounded ring never overflows: the
			 * consumer must be within `window` records of us. */
			while (p->produced - atomic_load(p->consumed) > p->window) {
				usleep(100);
				/* Give up rather than hang if the consumer died. */
				waited_us += 100;
				if (waited_us > (uint64_t)WATCHDOG_MS * 1000) {
					p->err = -ETIMEDOUT;
					return NULL;
				}
			}
		}
		p->err = run_prog(p->prog, (uint32_t)n);
		if (p->err)
			return NULL;
		p->produced += n;
	}
	return NULL;
}

static inline void producer_start(struct producer *p)
{
	assert_int_equal(pthread_create(&p->thread, NULL, producer_main, p), 0);
}

static inline void producer_join(struct producer *p)
{
	assert_int_equal(pthread_join(p->thread, NULL), 0);
	if (p->err)
		fail_msg("producer: %d (%s): %s", p->err, evbpf_strerror(p->err), evbpf_errmsg());
	assert_int_equal(p->produced, p->total);
}

/* Open and load the producers fixture with optional settings. */
struct producer_cfg {
	uint64_t rb_flags;
	uint32_t discard_every;
	uint32_t vary_size;
};

static inline struct evbpf_object *open_producers(const struct producer_cfg *cfg)
{
	struct evbpf_object *obj = NULL;

	assert_ok(evbpf_object_open_file(FIXTURE("async_producers.bpf.o"), NULL, &obj));
	if (cfg) {
		assert_ok(evbpf_object_set_global(obj, "rb_flags", &cfg->rb_flags,
		                                  sizeof(cfg->rb_flags)));
		assert_ok(evbpf_object_set_global(obj, "discard_every", &cfg->discard_every,
		                                  sizeof(cfg->discard_every)));
		assert_ok(evbpf_object_set_global(obj, "vary_size", &cfg->vary_size,
		                                  sizeof(cfg->vary_size)));
	}
	assert_ok(evbpf_object_load(obj));
	return obj;
}

static inline uint64_t global_u64(struct evbpf_object *obj, const char *name)
{
	uint64_t v = 0;

	assert_ok(evbpf_object_get_global(obj, name, &v, sizeof(v)));
	return v;
}

/* Check a record of the fixture: word 0 is seq, word i is seq * 1000 + i,
 * and it has the size the fixture gives seq. */
static inline bool record_ok(const void *data, size_t size, uint64_t seq, bool vary)
{
	/* Perf samples are only 4-byte aligned (a u32 size precedes the raw
	 * data), so words are copied out rather than read in place. */
	const uint8_t *p = data;
	size_t words = vary ? 1 + seq % 33 : 2;
	uint64_t w;

	if (size < words * 8)
		return false;
	for (size_t i = 0; i < words; i++) {
		memcpy(&w, p + i * 8, sizeof(w));
		if (w != (i ? seq * 1000 + i : seq))
			return false;
	}
	return true;
}

#endif /* EVBPF_TESTS_ASYNC_LOOP_H */
