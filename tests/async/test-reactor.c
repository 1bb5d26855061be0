/* SPDX-License-Identifier: MIT */
/*
 * The reactor contract itself, on libuv and libev: one-shot, repeating and
 * next-iteration timers; fd watches that start, stop and close (also from
 * their own callback); work that runs off the loop thread and completes on
 * it while keeping the loop alive; a reactor freed by its user lives on
 * while watchers are open; an ops table with a hole is refused.
 */
#include <pthread.h>

#define EVBPF_ASYNC_INTERNAL
#include "loop.h"
#include "reactor.h"

struct tstate {
	struct evbpf_reactor *r;
	struct evbpf_reactor_timer *timer;
	struct evbpf_reactor_io *io;
	int fires;
	int stop_at;
	int pipefd[2];
	pthread_t loop_thread;
	atomic_int work_off_loop;
	atomic_int work_ran;
	int done_on_loop;
	int done_calls;
	int done_status_bad;
};

static void on_timer(void *arg)
{
	struct tstate *s = arg;

	s->fires++;
	if (s->fires == s->stop_at)
		evbpf__reactor_timer_close(s->r, &s->timer);
}

static void test_timers(void **st)
{
	struct test_loop tl;
	struct tstate s = {0};

	tl_init(&tl, backend_of(st));
	s.r = tl.reactor;
	/* One-shot: fires once, then the loop has nothing left but the open
	 * (stopped) timer, which does not keep it running. */
	assert_ok(evbpf__reactor_timer_open(s.r, on_timer, &s, &s.timer));
	assert_ok(s.r->ops->timer_start(s.timer, 1, 0));
	tl_run(&tl);
	assert_int_equal(s.fires, 1);
	/* Repeating: closed from its own callback at the fifth. */
	s.stop_at = 6;
	assert_ok(s.r->ops->timer_start(s.timer, 1, 1));
	tl_run(&tl);
	assert_int_equal(s.fires, 6);
	assert_null(s.timer);
	/* Stopped before it fires: never fires. */
	assert_ok(evbpf__reactor_timer_open(s.r, on_timer, &s, &s.timer));
	assert_ok(s.r->ops->timer_start(s.timer, 1, 1));
	s.r->ops->timer_stop(s.timer);
	tl_run(&tl);
	assert_int_equal(s.fires, 6);
	evbpf__reactor_timer_close(s.r, &s.timer);
	tl_finish(&tl);
}

/* Re-armed with timeout 0 from its own callback: runs once per iteration,
 * never twice in one. */
struct next_state {
	struct evbpf_reactor *r;
	struct evbpf_reactor_timer *timer;
	int fires;
	int probe_fires_seen[8];
};

static void on_next(void *arg)
{
	struct next_state *s = arg;

	s->fires++;
	if (s->fires < 5)
		assert_ok(s->r->ops->timer_start(s->timer, 0, 0));
	else
		evbpf__reactor_timer_close(s->r, &s->timer);
}

static void test_timer_zero_is_next_iteration(void **st)
{
	struct test_loop tl;
	struct next_state s = {0};
	int iterations = 0;

	tl_init(&tl, backend_of(st));
	s.r = tl.reactor;
	assert_ok(evbpf__reactor_timer_open(s.r, on_next, &s, &s.timer));
	assert_ok(s.r->ops->timer_start(s.timer, 0, 0));
	while (s.timer) {
		int before = s.fires;

		tl_run_once(&tl);
		iterations++;
		assert_true(s.fires - before <= 1);
	}
	assert_int_equal(s.fires, 5);
	assert_true(iterations >= 5);
	tl_finish(&tl);
}

static void on_readable(void *arg, int status)
{
	struct tstate *s = arg;
	char c;

	assert_int_equal(status, 0);
	assert_int_equal(read(s->pipefd[0], &c, 1), 1);
	s->fires++;
	if (s->fires < 3)
		assert_int_equal(write(s->pipefd[1], "x", 1), 1);
	else
		evbpf__reactor_io_close(s->r, &s->io); /* from its own callback */
}

static void test_io(void **st)
{
	struct test_loop tl;
	struct tstate s = {0};

	tl_init(&tl, backend_of(st));
	s.r = tl.reactor;
	assert_int_equal(pipe(s.pipefd), 0);
	assert_ok(evbpf__reactor_io_open(s.r, s.pipefd[0], on_readable, &s, &s.io));
	/* Opened but not started: a readable fd is not reported. */
	assert_int_equal(write(s.pipefd[1], "x", 1), 1);
	tl_run(&tl);
	assert_int_equal(s.fires, 0);
	/* Started, stopped, started again. */
	assert_ok(s.r->ops->io_start(s.io));
	s.r->ops->io_stop(s.io);
	tl_run(&tl);
	assert_int_equal(s.fires, 0);
	assert_ok(s.r->ops->io_start(s.io));
	tl_run(&tl);
	assert_int_equal(s.fires, 3);
	assert_null(s.io);
	close(s.pipefd[0]);
	close(s.pipefd[1]);
	tl_finish(&tl);
}

static void work_fn(void *arg)
{
	struct tstate *s = arg;
	struct timespec ts = {0, 1000 * 1000};

	if (!pthread_equal(pthread_self(), s->loop_thread))
		atomic_fetch_add(&s->work_off_loop, 1);
	nanosleep(&ts, NULL);
	atomic_fetch_add(&s->work_ran, 1);
}

static void done_fn(void *arg, int status)
{
	struct tstate *s = arg;

	if (pthread_equal(pthread_self(), s->loop_thread))
		s->done_on_loop++;
	if (status != 0)
		s->done_status_bad++;
	s->done_calls++;
	/* A completion may queue more work. */
	if (s->done_calls == 10)
		assert_ok(evbpf__reactor_work(s->r, work_fn, done_fn, s));
}

static void test_work(void **st)
{
	struct test_loop tl;
	struct tstate s = {0};

	tl_init(&tl, backend_of(st));
	s.r = tl.reactor;
	s.loop_thread = pthread_self();
	for (int i = 0; i < 10; i++)
		assert_ok(evbpf__reactor_work(s.r, work_fn, done_fn, &s));
	/* The reactor may be freed with work in flight. */
	tl_free_reactor(&tl);
	tl_run(&tl);
	assert_int_equal(atomic_load(&s.work_ran), 11);
	assert_int_equal(atomic_load(&s.work_off_loop), 11);
	assert_int_equal(s.done_calls, 11);
	assert_int_equal(s.done_on_loop, 11);
	assert_int_equal(s.done_status_bad, 0);
	tl_finish(&tl);
}

static void test_free_with_open_watchers(void **st)
{
	struct test_loop tl;
	struct tstate s = {0};

	tl_init(&tl, backend_of(st));
	s.r = tl.reactor;
	s.stop_at = 1;
	assert_ok(evbpf__reactor_timer_open(s.r, on_timer, &s, &s.timer));
	assert_ok(s.r->ops->timer_start(s.timer, 1, 0));
	/* The user's reference goes; the open timer keeps the reactor, and
	 * closing it in its callback releases the reactor at last. */
	tl_free_reactor(&tl);
	assert_int_equal(s.r->refs, 1);
	tl_run(&tl);
	assert_int_equal(s.fires, 1);
	tl_finish(&tl);
}

#ifdef EVBPF_TEST_HAVE_UV
/* An unreferenced reactor's io and timer do not keep uv_run() going; the
 * setting reaches watchers opened before and after it, and ref again
 * restores the default. */
static void test_uv_set_ref(void **st)
{
	struct test_loop tl;
	struct tstate s = {0};
	struct evbpf_reactor_timer *late = NULL;

	tl_init(&tl, backend_of(st));
	s.r = tl.reactor;
	assert_int_equal(pipe(s.pipefd), 0);
	assert_ok(evbpf__reactor_io_open(s.r, s.pipefd[0], on_readable, &s, &s.io));
	assert_ok(s.r->ops->io_start(s.io));
	assert_ok(evbpf_uv_reactor_set_ref(s.r, 0));
	assert_ok(evbpf__reactor_timer_open(s.r, on_timer, &s, &late));
	assert_ok(s.r->ops->timer_start(late, 3600 * 1000, 0));
	/* Both watchers are active, nothing is referenced: the loop ends. */
	assert_int_equal(uv_run(&tl.uv, UV_RUN_DEFAULT), 0);
	assert_int_equal(s.fires, 0);
	assert_ok(evbpf_uv_reactor_set_ref(s.r, 1));
	assert_int_not_equal(uv_loop_alive(&tl.uv), 0);
	evbpf__reactor_timer_close(s.r, &late);
	evbpf__reactor_io_close(s.r, &s.io);
	assert_int_equal(evbpf_uv_reactor_set_ref(NULL, 0), -EINVAL);
	close(s.pipefd[0]);
	close(s.pipefd[1]);
	tl_finish(&tl);
}
#endif

static void test_init_rejects_holes(void **st)
{
	struct evbpf_reactor r;
	struct evbpf_reactor_ops ops = {.sz = sizeof(ops), .name = "holey"};

	(void)st;
	assert_int_equal(evbpf_reactor_init(&r, &ops, NULL), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "holey"));
	ops.sz = 8;
	assert_int_equal(evbpf_reactor_init(&r, &ops, NULL), -EINVAL);
#ifdef EVBPF_TEST_HAVE_UV
	assert_int_equal(evbpf_uv_reactor_new(NULL, &(struct evbpf_reactor *){NULL}), -EINVAL);
#endif
#ifdef EVBPF_TEST_HAVE_EV
	assert_int_equal(evbpf_ev_reactor_new(NULL, &(struct evbpf_reactor *){NULL}), -EINVAL);
#endif
	evbpf_reactor_free(NULL);
}

int main(int argc, char **argv)
{
	/* clang-format off */
	const struct CMUnitTest tests[] = {
		BOTH_BACKENDS(test_timers)
		BOTH_BACKENDS(test_timer_zero_is_next_iteration)
		BOTH_BACKENDS(test_io)
		BOTH_BACKENDS(test_work)
		BOTH_BACKENDS(test_free_with_open_watchers)
		UV_TEST(test_uv_set_ref)
		cmocka_unit_test(test_init_rejects_holes),
	};
	/* clang-format on */

	return RUN_TESTS(tests, NULL, NULL);
}
