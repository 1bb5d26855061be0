/* SPDX-License-Identifier: MIT */
/*
 * End to end through an event loop. A producer thread (pinned to CPU 1)
 * runs the ring_64 program with BPF_PROG_TEST_RUN in a loop; each run
 * submits one record with the default (adaptive) wakeup policy: the kernel
 * wakes the consumer only when it finds it caught up. The consumer (this
 * thread, pinned to CPU 0) is evbpf on libuv, evbpf on libev, or libbpf's
 * ring_buffer__poll() loop. Each variant has its own copy of the object.
 *
 * e2e: records/s from the producer's start to the consumer's last record,
 * and wakeups/s (ring readiness reports that reached the consumer: evbpf's
 * stats.wakeups, and ring_buffer__poll() calls that returned records).
 * Lost records (reservations that failed because the ring was full) are
 * counted by the BPF program.
 *
 * latency: the producer paces itself to a moderate rate; every record
 * carries bpf_ktime_get_ns() and the callback subtracts it from
 * clock_gettime(CLOCK_MONOTONIC), the same clock.
 */
#include "bench.h"
#include "bench_main.h"
#include "bench_rings.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include <evbpf/async.h>
#ifdef BENCH_HAVE_UV
#include <evbpf/uv.h>
#endif
#ifdef BENCH_HAVE_EV
#include <evbpf/ev.h>
#endif

enum loop_kind { LOOP_UV, LOOP_EV, LOOP_LIBBPF, NR_LOOPS };
static const char *const loop_names[NR_LOOPS] = {"uv", "ev", "libbpf"};

#define SIZE_INDEX  1 /* ring_64 */
#define RECORD_SIZE 64

struct e2e {
	/* Set up per run. */
	enum loop_kind kind;
	bool latency;
	uint32_t total;  /* throughput: records to produce */
	uint32_t repeat; /* throughput: records per test run */
	uint32_t rate;   /* latency: records per second */
	uint32_t ring_bytes;
	struct ev_rings ev;
	struct lb_rings lb;
	/* Producer to consumer. */
	_Atomic uint64_t expected; /* UINT64_MAX until the producer is done */
	_Atomic int producer_err;
	uint64_t dropped;
	/* Consumer side. */
	uint64_t received;
	struct bench_sink sink;
	uint64_t t_start, t_end;
	uint64_t cpu_ns; /* the consumer thread's CPU time during the run */
	bool finished;
	double *lat_us;
	size_t nlat, cap;
	void *loop; /* uv_loop_t * or struct ev_loop * */
};

static void consumer_finish(struct e2e *e);

static void on_record(struct e2e *e, const void *data, size_t size)
{
	bench_sink_add(&e->sink, data, size);
	e->received++;
	if (e->latency && e->nlat < e->cap) {
		const uint64_t *ts = (const uint64_t *)data + 1;

		e->lat_us[e->nlat++] = (double)(bench_now_ns() - *ts) / 1e3;
	}
	if (e->received >= atomic_load_explicit(&e->expected, memory_order_acquire))
		consumer_finish(e);
}

static int evbpf_record_cb(void *ctx, const void *data, size_t size)
{
	on_record(ctx, data, size);
	return 0;
}

static int libbpf_record_cb(void *ctx, void *data, size_t size)
{
	on_record(ctx, data, size);
	return 0;
}

/* ---------------------------------------------------------------- producer */

static int produce(struct e2e *e, uint32_t n)
{
	if (e->kind == LOOP_LIBBPF)
		return lb_produce(e->lb.ring_prog_fd[SIZE_INDEX], n);
	return ev_produce(e->ev.ring_prog[SIZE_INDEX], n);
}

static void *producer_main(void *arg)
{
	struct e2e *e = arg;
	uint64_t produced = 0, dropped;
	int err = 0;

	bench_pin_cpu(1);
	if (e->latency) {
		uint64_t period = 1000000000ull / e->rate, next = bench_now_ns();

		for (uint32_t i = 0; i < e->total && !err; i++) {
			struct timespec ts = {.tv_sec = (time_t)(next / 1000000000ull),
			                      .tv_nsec = (long)(next % 1000000000ull)};

			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			err = produce(e, 1);
			produced++;
			next += period;
		}
	} else {
		while (produced < e->total && !err) {
			err = produce(e, e->repeat);
			produced += e->repeat;
		}
	}
	dropped = e->kind == LOOP_LIBBPF ? lb_dropped(&e->lb) : ev_dropped(&e->ev);
	e->dropped = dropped;
	atomic_store(&e->producer_err, err);
	atomic_store_explicit(&e->expected, err ? 0 : produced - dropped, memory_order_release);
	return NULL;
}

/* ---------------------------------------------------------------- loops */

static void consumer_finish(struct e2e *e)
{
	if (e->finished)
		return;
	e->finished = true;
	e->t_end = bench_now_ns();
#ifdef BENCH_HAVE_UV
	if (e->kind == LOOP_UV)
		uv_stop(e->loop);
#endif
#ifdef BENCH_HAVE_EV
	if (e->kind == LOOP_EV)
		ev_break(e->loop, EVBREAK_ALL);
#endif
}

/* Every loop also checks once a millisecond, for the case where the last
 * record arrived before the producer published how many to expect. */
static void check_done(struct e2e *e)
{
	if (e->received >= atomic_load_explicit(&e->expected, memory_order_acquire))
		consumer_finish(e);
}

#ifdef BENCH_HAVE_UV
static void uv_tick(uv_timer_t *t)
{
	check_done(t->data);
}

static int run_uv(struct e2e *e, struct evbpf_ringbuf *rb)
{
	struct evbpf_reactor *reactor = NULL;
	uv_loop_t loop;
	uv_timer_t timer;
	int err;

	if (uv_loop_init(&loop))
		return -1;
	e->loop = &loop;
	err = evbpf_uv_reactor_new(&loop, &reactor);
	if (!err)
		err = evbpf_ringbuf_start(rb, reactor);
	if (!err) {
		uv_timer_init(&loop, &timer);
		timer.data = e;
		uv_timer_start(&timer, uv_tick, 1, 1);
		uv_run(&loop, UV_RUN_DEFAULT);
		uv_close((uv_handle_t *)&timer, NULL);
		evbpf_ringbuf_stop(rb);
	}
	evbpf_reactor_free(reactor);
	uv_run(&loop, UV_RUN_DEFAULT); /* let the close callbacks run */
	if (uv_loop_close(&loop))
		bench_note("e2e: uv loop still busy at close");
	return err;
}
#endif

#ifdef BENCH_HAVE_EV
static void ev_tick(struct ev_loop *loop, ev_timer *t, int revents)
{
	check_done(t->data);
}

static int run_ev(struct e2e *e, struct evbpf_ringbuf *rb)
{
	struct evbpf_reactor *reactor = NULL;
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	ev_timer timer;
	int err;

	if (!loop)
		return -1;
	e->loop = loop;
	err = evbpf_ev_reactor_new(loop, &reactor);
	if (!err)
		err = evbpf_ringbuf_start(rb, reactor);
	if (!err) {
		ev_timer_init(&timer, ev_tick, 0.001, 0.001);
		timer.data = e;
		ev_timer_start(loop, &timer);
		ev_run(loop, 0);
		ev_timer_stop(loop, &timer);
		evbpf_ringbuf_stop(rb);
	}
	evbpf_reactor_free(reactor);
	ev_loop_destroy(loop);
	return err;
}
#endif

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One run of one variant: returns 0 and fills *wakeups. */
static int run_variant(struct e2e *e, uint64_t *wakeups)
{
	struct evbpf_ringbuf *rb = NULL;
	struct ring_buffer *lrb = NULL;
	struct evbpf_async_stats st = {.sz = sizeof(st)};
	pthread_t producer;
	uint64_t cpu0;
	int err = -1;

	atomic_store(&e->expected, UINT64_MAX);
	atomic_store(&e->producer_err, 0);
	e->received = 0;
	e->finished = false;
	e->nlat = 0;
	*wakeups = 0;
	if (e->kind == LOOP_LIBBPF) {
		if (lb_rings_open(&e->lb, e->ring_bytes))
			return -1;
		lrb = ring_buffer__new(e->lb.ring_fd, libbpf_record_cb, e, NULL);
		if (!lrb)
			goto out;
	} else {
		if (ev_rings_open(&e->ev, e->ring_bytes))
			return -1;
		if (evbpf_ringbuf_new(e->ev.ring, evbpf_record_cb, e, &rb)) {
			bench_note("e2e: evbpf_ringbuf_new: %s", evbpf_errmsg());
			goto out;
		}
	}
	cpu0 = thread_cpu_ns();
	e->t_start = bench_now_ns();
	if (pthread_create(&producer, NULL, producer_main, e))
		goto out;
	switch (e->kind) {
	case LOOP_LIBBPF:
		err = 0;
		while (!e->finished) {
			int n = ring_buffer__poll(lrb, 1);

			if (n < 0 && n != -EINTR) {
				err = n;
				break;
			}
			if (n > 0)
				(*wakeups)++;
			check_done(e);
		}
		break;
	case LOOP_UV:
#ifdef BENCH_HAVE_UV
		err = run_uv(e, rb);
#endif
		break;
	case LOOP_EV:
#ifdef BENCH_HAVE_EV
		err = run_ev(e, rb);
#endif
		break;
	default:
		break;
	}
	e->cpu_ns = thread_cpu_ns() - cpu0;
	pthread_join(producer, NULL);
	if (rb && !evbpf_ringbuf_stats(rb, &st))
		*wakeups = st.wakeups;
	if (atomic_load(&e->producer_err)) {
		bench_note("e2e: producer: test run failed");
		err = -1;
	}
out:
	ring_buffer__free(lrb);
	evbpf_ringbuf_free(rb);
	if (e->kind == LOOP_LIBBPF)
		lb_rings_close(&e->lb);
	else
		ev_rings_close(&e->ev);
	return err;
}

static bool loop_available(enum loop_kind k)
{
	switch (k) {
#ifdef BENCH_HAVE_UV
	case LOOP_UV:
		return true;
#endif
#ifdef BENCH_HAVE_EV
	case LOOP_EV:
		return true;
#endif
	case LOOP_LIBBPF:
		return true;
	default:
		return false;
	}
}

/* ---------------------------------------------------------------- throughput */

int bench_e2e(void)
{
	int rounds = bench_env_int("BENCH_E2E_ROUNDS", 7);
	struct e2e e = {
	    .total = (uint32_t)bench_env_int("BENCH_E2E_RECORDS", 2000000),
	    .repeat = (uint32_t)bench_env_int("BENCH_E2E_REPEAT", 64),
	    .ring_bytes = (uint32_t)bench_env_int("BENCH_E2E_RING_KIB", 16384) << 10,
	};
	double rate[NR_LOOPS][32], wake[NR_LOOPS][32], cpu[NR_LOOPS][32];
	uint64_t lost[NR_LOOPS] = {0};

	if (rounds > 32)
		rounds = 32;
	e.total -= e.total % e.repeat;
	bench_note("e2e: %u records of %d bytes per run, test_run repeat %u, ring %u KiB, %d "
	           "rounds, producer on CPU 1, consumer on CPU 0",
	           e.total, RECORD_SIZE, e.repeat, e.ring_bytes >> 10, rounds);
	bench_pin_cpu(0);
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < NR_LOOPS; k++) {
			enum loop_kind kind = (enum loop_kind)((r + k) % NR_LOOPS);
			uint64_t wakeups;
			double secs;

			if (!loop_available(kind))
				continue;
			e.kind = kind;
			if (run_variant(&e, &wakeups))
				return -1;
			secs = (double)(e.t_end - e.t_start) / 1e9;
			rate[kind][r] = (double)e.received / secs;
			wake[kind][r] = (double)wakeups / secs;
			cpu[kind][r] = (double)e.cpu_ns / (double)(e.received ? e.received : 1);
			lost[kind] += e.dropped;
		}
	}
	for (int k = LOOP_UV; k <= LOOP_EV; k++) {
		struct bench_result tput = {.unit = "records/s", .better = BENCH_HIGHER};
		struct bench_result wk = {.unit = "wakeups/s", .better = BENCH_NEITHER};
		struct bench_result cp = {.unit = "cpu-ns/record", .better = BENCH_LOWER};
		char tname[32], wname[32], cname[32];

		if (!loop_available((enum loop_kind)k))
			continue;
		snprintf(tname, sizeof(tname), "e2e_%s_throughput", loop_names[k]);
		snprintf(wname, sizeof(wname), "e2e_%s_wakeups", loop_names[k]);
		snprintf(cname, sizeof(cname), "e2e_%s_consumer_cpu", loop_names[k]);
		tput.name = tname;
		wk.name = wname;
		cp.name = cname;
		cp.evbpf = bench_median(cpu[k], (size_t)rounds);
		cp.libbpf = bench_median(cpu[LOOP_LIBBPF], (size_t)rounds);
		tput.evbpf = bench_median(rate[k], (size_t)rounds);
		tput.libbpf = bench_median(rate[LOOP_LIBBPF], (size_t)rounds);
		wk.evbpf = bench_median(wake[k], (size_t)rounds);
		wk.libbpf = bench_median(wake[LOOP_LIBBPF], (size_t)rounds);
		for (int i = 0; i < 3; i++) {
			struct bench_result *res = i == 0 ? &tput : i == 1 ? &wk : &cp;

			bench_param_str(res, "loop", loop_names[k]);
			bench_param(res, "record_size", "%d", RECORD_SIZE);
			bench_param(res, "records", "%u", e.total);
			bench_param(res, "repeat", "%u", e.repeat);
			bench_param(res, "ring_kib", "%u", e.ring_bytes >> 10);
			bench_param(res, "rounds", "%d", rounds);
			bench_param(res, "evbpf_lost", "%llu", (unsigned long long)lost[k]);
			bench_param(res, "libbpf_lost", "%llu",
			            (unsigned long long)lost[LOOP_LIBBPF]);
			bench_param_str(res, "libbpf_loop", "ring_buffer__poll(1 ms)");
		}
		bench_report(&tput);
		bench_report(&wk);
		bench_report(&cp);
	}
	return 0;
}

/* ---------------------------------------------------------------- latency */

int bench_latency(void)
{
	int rounds = bench_env_int("BENCH_LAT_ROUNDS", 3);
	uint32_t rate = (uint32_t)bench_env_int("BENCH_LAT_RATE", 10000);
	uint32_t per_round = (uint32_t)bench_env_int("BENCH_LAT_RECORDS", 5000);
	struct e2e e = {.latency = true, .rate = rate, .total = per_round, .ring_bytes = 1u << 20};
	double *samples[NR_LOOPS] = {0};
	size_t count[NR_LOOPS] = {0};
	uint64_t lost[NR_LOOPS] = {0};
	int err = -1;

	bench_note("latency: %u records/s, %u records per round, %d rounds", rate, per_round,
	           rounds);
	bench_pin_cpu(0);
	e.cap = per_round;
	e.lat_us = calloc(per_round, sizeof(double));
	for (int k = 0; k < NR_LOOPS; k++)
		samples[k] = calloc((size_t)per_round * (size_t)rounds, sizeof(double));
	if (!e.lat_us || !samples[0] || !samples[1] || !samples[2])
		goto out;
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < NR_LOOPS; k++) {
			enum loop_kind kind = (enum loop_kind)((r + k) % NR_LOOPS);
			uint64_t wakeups;

			if (!loop_available(kind))
				continue;
			e.kind = kind;
			if (run_variant(&e, &wakeups))
				goto out;
			memcpy(samples[kind] + count[kind], e.lat_us, e.nlat * sizeof(double));
			count[kind] += e.nlat;
			lost[kind] += e.dropped;
		}
	}
	for (int k = LOOP_UV; k <= LOOP_EV; k++) {
		double lb50, lb99, ev50, ev99;

		if (!loop_available((enum loop_kind)k))
			continue;
		lb50 = bench_percentile(samples[LOOP_LIBBPF], count[LOOP_LIBBPF], 50);
		lb99 = bench_percentile(samples[LOOP_LIBBPF], count[LOOP_LIBBPF], 99);
		ev50 = bench_percentile(samples[k], count[k], 50);
		ev99 = bench_percentile(samples[k], count[k], 99);
		for (int p = 0; p < 2; p++) {
			struct bench_result res = {.unit = "us", .better = BENCH_LOWER};
			char name[32];

			snprintf(name, sizeof(name), "latency_%s_p%d", loop_names[k], p ? 99 : 50);
			res.name = name;
			res.evbpf = p ? ev99 : ev50;
			res.libbpf = p ? lb99 : lb50;
			bench_param_str(&res, "loop", loop_names[k]);
			bench_param(&res, "rate_per_s", "%u", rate);
			bench_param(&res, "samples", "%zu", count[k]);
			bench_param(&res, "rounds", "%d", rounds);
			bench_param(&res, "evbpf_lost", "%llu", (unsigned long long)lost[k]);
			bench_param(&res, "libbpf_lost", "%llu",
			            (unsigned long long)lost[LOOP_LIBBPF]);
			bench_param_str(&res, "clock", "bpf_ktime_get_ns -> CLOCK_MONOTONIC");
			bench_report(&res);
		}
	}
	err = 0;
out:
	free(e.lat_us);
	for (int k = 0; k < NR_LOOPS; k++)
		free(samples[k]);
	return err;
}
