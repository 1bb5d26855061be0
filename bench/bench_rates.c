/* SPDX-License-Identifier: MIT */
/*
 * End to end at fixed offered rates: what a user of a ring or perf buffer
 * on an event loop pays per record, and how late records arrive.
 *
 * A producer thread (pinned to CPU 1) emits 64-byte records through
 * BPF_PROG_TEST_RUN at an offered rate (10 k, 100 k, 1 M records/s, or
 * flat out for the same time), pacing itself on CLOCK_MONOTONIC; every
 * record carries bpf_ktime_get_ns(). Flat out is not the same rate for
 * every consumer: a perf event that wakes its reader for every record
 * slows the producer itself (an irq_work per record) several-fold. The
 * consumer runs on CPU 0 and is one of:
 *
 *   evbpf on libuv or libev, default wakeups      (max_delay_us = 0)
 *   evbpf on libuv or libev, adaptive wakeups     (max_delay_us = 1000)
 *   libbpf: ring_buffer__poll() / perf_buffer__poll() in a loop (100 ms)
 *
 * For each: the consumer thread's CPU time per record (user + system,
 * CLOCK_THREAD_CPUTIME_ID, which is what the consumer costs the machine),
 * wakeups per second while records came (evbpf: stats.wakeups; libbpf:
 * polls that returned records), latency from the BPF program's commit to
 * the callback (p50, p99, p99.9 over every record of every round, one in
 * every few when a run has more than LAT_CAP), and records lost (offered
 * and not delivered: ring reservations that failed, perf output failures).
 * Each ratio is libbpf's figure over evbpf's (evbpf/libbpf for none):
 * > 1 means evbpf is better. BENCH_RATES_KINDS (ring,perf),
 * BENCH_RATES_RATES (10k,100k,1000k,max) and BENCH_RATES_VARIANTS (uv,
 * uv_delay1000, ev, ev_delay1000; libbpf always runs) select a part;
 * BENCH_RATES_DEBUG=1 prints every run with the consumer's wait for a CPU
 * (schedstat), which on a loaded machine explains most outliers. Each variant has its own copy of
 * the object; rounds alternate the variants; the figures are medians over rounds (percentiles over
 * the pooled samples). The result line's evbpf/libbpf pair is CPU per record; the rest are
 * parameters.
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

#define SIZE_INDEX 1 /* 64-byte records */
#define DELAY_US   1000
/* Every loop also runs a timer (libbpf: the poll timeout) of this period,
 * which ends the run once everything has arrived (or 500 ms after the
 * producer ended, when records were lost). Long enough not to add wakeups
 * of its own that a consumer would not have; idle time costs no CPU. */
#define GUARD_MS 100
/* Latency samples kept per run at most. */
#define LAT_CAP 500000

enum kind { K_RING, K_PERF, NR_KINDS };
static const char *const kind_names[NR_KINDS] = {"ring", "perf"};

enum variant { V_UV, V_UV_DELAY, V_EV, V_EV_DELAY, V_LB, NR_VARIANTS };
static const char *const variant_names[NR_VARIANTS] = {"uv", "uv_delay1000", "ev", "ev_delay1000",
                                                       "libbpf"};

#define NR_RATES 4
static const uint32_t rates[NR_RATES] = {10000, 100000, 1000000, 0};

struct run {
	enum kind kind;
	enum variant v;
	uint32_t rate;
	uint64_t total;     /* records to offer (flat out: at most) */
	uint64_t flat_ns;   /* flat out: stop offering after this long */
	uint64_t lat_every; /* keep the latency of one record in this many */
	_Atomic uint64_t offered;
	struct ev_rings ev;
	struct lb_rings lb;
	struct evbpf_ringbuf *rb;
	struct evbpf_perfbuf *pb;
	struct ring_buffer *lrb;
	struct perf_buffer *lpb;
	/* Producer to consumer. */
	_Atomic uint64_t expected; /* UINT64_MAX until the producer is done */
	_Atomic uint64_t done_ns;
	int producer_err;
	uint64_t dropped;
	/* Consumer. */
	uint64_t received, lost, wakeups, cpu_ns, t0, t1;
	uint64_t last_rec_ns, max_gap_ns; /* the longest time without a record */
	uint64_t run_delay_ns;            /* the consumer waited for a CPU */
	uint64_t offered_n;               /* what the producer emitted, after the run */
	double *lat;
	size_t nlat, cap;
	bool finished;
	void *loop;
};

static void finish(struct run *r)
{
	if (r->finished)
		return;
	r->finished = true;
	r->t1 = bench_now_ns();
#ifdef BENCH_HAVE_UV
	if (r->v == V_UV || r->v == V_UV_DELAY)
		uv_stop(r->loop);
#endif
#ifdef BENCH_HAVE_EV
	if (r->v == V_EV || r->v == V_EV_DELAY)
		ev_break(r->loop, EVBREAK_ALL);
#endif
}

/* Done when everything the producer managed to emit has arrived, or, as a
 * guard (records the kernel lost), 500 ms after the producer ended. */
static void check_done(struct run *r)
{
	uint64_t expected = atomic_load_explicit(&r->expected, memory_order_acquire);

	if (r->received >= expected)
		finish(r);
	else if (expected != UINT64_MAX && bench_now_ns() - atomic_load(&r->done_ns) > 500000000ull)
		finish(r);
}

static void on_rec(struct run *r, const void *data)
{
	const uint64_t *ts = (const uint64_t *)data + 1;
	uint64_t now = bench_now_ns();

	if (r->last_rec_ns && now - r->last_rec_ns > r->max_gap_ns)
		r->max_gap_ns = now - r->last_rec_ns;
	r->last_rec_ns = now;
	if (r->received++ % r->lat_every == 0 && r->nlat < r->cap)
		r->lat[r->nlat++] = (double)(now - *ts) / 1e3;
	if (r->received >= atomic_load_explicit(&r->expected, memory_order_acquire))
		finish(r);
}

static int ev_ring_cb(void *ctx, const void *data, size_t size)
{
	on_rec(ctx, data);
	return 0;
}

static int ev_perf_cb(void *ctx, int cpu, const void *data, size_t size)
{
	on_rec(ctx, data);
	return 0;
}

static void ev_lost_cb(void *ctx, int cpu, uint64_t lost)
{
	((struct run *)ctx)->lost += lost;
}

static int lb_ring_cb(void *ctx, void *data, size_t size)
{
	on_rec(ctx, data);
	return 0;
}

static void lb_perf_cb(void *ctx, int cpu, void *data, uint32_t size)
{
	on_rec(ctx, data);
}

static void lb_lost_cb(void *ctx, int cpu, unsigned long long lost)
{
	((struct run *)ctx)->lost += lost;
}

/* ------------------------------------------------------------ producer */

static int produce(struct run *r, uint32_t n)
{
	if (r->v == V_LB)
		return lb_produce(r->kind == K_RING ? r->lb.ring_prog_fd[SIZE_INDEX]
		                                    : r->lb.perf_prog_fd[SIZE_INDEX],
		                  n);
	return ev_produce(
	    r->kind == K_RING ? r->ev.ring_prog[SIZE_INDEX] : r->ev.perf_prog[SIZE_INDEX], n);
}

static void *producer_main(void *arg)
{
	struct run *r = arg;
	uint64_t produced = 0, start = bench_now_ns();
	int err = 0;

	bench_pin_cpu(1);
	while (produced < r->total && !err) {
		uint64_t n = r->total - produced;

		if (r->rate) {
			/* Emit what is due by now, then sleep until the next
			 * record is due: at high rates the timer's slack
			 * gathers records into small batches. */
			uint64_t due = (bench_now_ns() - start) * r->rate / 1000000000ull;

			if (due <= produced) {
				uint64_t next = start + (produced + 1) * 1000000000ull / r->rate;
				struct timespec ts = {.tv_sec = (time_t)(next / 1000000000ull),
				                      .tv_nsec = (long)(next % 1000000000ull)};

				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
				continue;
			}
			if (n > due - produced)
				n = due - produced;
		} else if (bench_now_ns() - start >= r->flat_ns) {
			break;
		}
		if (n > 64)
			n = 64;
		err = produce(r, (uint32_t)n);
		produced += n;
	}
	r->dropped = r->v == V_LB ? lb_dropped(&r->lb) : ev_dropped(&r->ev);
	r->producer_err = err;
	atomic_store(&r->offered, produced);
	atomic_store(&r->done_ns, bench_now_ns());
	atomic_store_explicit(&r->expected, err ? 0 : produced - r->dropped, memory_order_release);
	return NULL;
}

/* ------------------------------------------------------------ loops */

#ifdef BENCH_HAVE_UV
static void uv_tick(uv_timer_t *t)
{
	check_done(t->data);
}

static int run_uv(struct run *r, struct evbpf_reactor **reactorp)
{
	uv_loop_t loop;
	uv_timer_t timer;
	int err;

	if (uv_loop_init(&loop))
		return -1;
	r->loop = &loop;
	err = evbpf_uv_reactor_new(&loop, reactorp);
	if (!err)
		err = r->kind == K_RING ? evbpf_ringbuf_start(r->rb, *reactorp)
		                        : evbpf_perfbuf_start(r->pb, *reactorp);
	if (!err) {
		uv_timer_init(&loop, &timer);
		timer.data = r;
		uv_timer_start(&timer, uv_tick, GUARD_MS, GUARD_MS);
		uv_run(&loop, UV_RUN_DEFAULT);
		uv_close((uv_handle_t *)&timer, NULL);
		if (r->kind == K_RING)
			evbpf_ringbuf_stop(r->rb);
		else
			evbpf_perfbuf_stop(r->pb);
	}
	evbpf_reactor_free(*reactorp);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	return err;
}
#endif

#ifdef BENCH_HAVE_EV
static void ev_tick(struct ev_loop *loop, ev_timer *t, int revents)
{
	check_done(t->data);
}

static int run_ev(struct run *r, struct evbpf_reactor **reactorp)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	ev_timer timer;
	int err;

	if (!loop)
		return -1;
	r->loop = loop;
	err = evbpf_ev_reactor_new(loop, reactorp);
	if (!err)
		err = r->kind == K_RING ? evbpf_ringbuf_start(r->rb, *reactorp)
		                        : evbpf_perfbuf_start(r->pb, *reactorp);
	if (!err) {
		ev_timer_init(&timer, ev_tick, GUARD_MS / 1000., GUARD_MS / 1000.);
		timer.data = r;
		ev_timer_start(loop, &timer);
		ev_run(loop, 0);
		ev_timer_stop(loop, &timer);
		if (r->kind == K_RING)
			evbpf_ringbuf_stop(r->rb);
		else
			evbpf_perfbuf_stop(r->pb);
	}
	evbpf_reactor_free(*reactorp);
	ev_loop_destroy(loop);
	return err;
}
#endif

static bool env_selects(const char *env, const char *item);

static bool variant_available(enum variant v)
{
	/* libbpf is the baseline of every ratio: always run. */
	if (v != V_LB && !env_selects("BENCH_RATES_VARIANTS", variant_names[v]))
		return false;
	switch (v) {
#ifdef BENCH_HAVE_UV
	case V_UV:
	case V_UV_DELAY:
		return true;
#endif
#ifdef BENCH_HAVE_EV
	case V_EV:
	case V_EV_DELAY:
		return true;
#endif
	case V_LB:
		return true;
	default:
		return false;
	}
}

static int open_consumer(struct run *r)
{
	uint32_t delay = r->v == V_UV_DELAY || r->v == V_EV_DELAY ? DELAY_US : 0;
	int err = 0;

	if (r->v == V_LB) {
		if (lb_rings_open(&r->lb, 16u << 20))
			return -1;
		if (r->kind == K_RING) {
			r->lrb = ring_buffer__new(r->lb.ring_fd, lb_ring_cb, r, NULL);
		} else {
			struct perf_buffer_opts o = {.sz = sizeof(o)};

			r->lpb =
			    perf_buffer__new(r->lb.perf_fd, 1024, lb_perf_cb, lb_lost_cb, r, &o);
		}
		return r->lrb || r->lpb ? 0 : -1;
	}
	if (ev_rings_open(&r->ev, 16u << 20))
		return -1;
	if (r->kind == K_RING) {
		struct evbpf_ringbuf_opts o = {.sz = sizeof(o), .max_delay_us = delay};

		err = evbpf_ringbuf_new_opts(r->ev.ring, ev_ring_cb, r, &o, &r->rb);
	} else {
		struct evbpf_perfbuf_opts o = {.sz = sizeof(o), .max_delay_us = delay};

		err =
		    evbpf_perfbuf_new_opts(r->ev.perf, 1024, ev_perf_cb, ev_lost_cb, r, &o, &r->pb);
	}
	if (err)
		bench_note("rates: evbpf consumer: %s", evbpf_errmsg());
	return err;
}

static void close_consumer(struct run *r)
{
	ring_buffer__free(r->lrb);
	perf_buffer__free(r->lpb);
	evbpf_ringbuf_free(r->rb);
	evbpf_perfbuf_free(r->pb);
	r->lrb = NULL;
	r->lpb = NULL;
	r->rb = NULL;
	r->pb = NULL;
	if (r->v == V_LB)
		lb_rings_close(&r->lb);
	else
		ev_rings_close(&r->ev);
}

/* The calling thread's time spent runnable but waiting for a CPU
 * (schedstat's run_delay), ns; 0 when the kernel does not say. */
static uint64_t thread_run_delay_ns(void)
{
	unsigned long long run = 0, delay = 0;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/thread-self/schedstat");
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu", &run, &delay) != 2)
		delay = 0;
	fclose(f);
	return delay;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int run_once(struct run *r)
{
	struct evbpf_reactor *reactor = NULL;
	struct evbpf_async_stats st = {.sz = sizeof(st)};
	pthread_t producer;
	uint64_t cpu0, delay0 = thread_run_delay_ns();
	int err = -1;

	atomic_store(&r->expected, UINT64_MAX);
	atomic_store(&r->done_ns, 0);
	atomic_store(&r->offered, 0);
	r->received = r->lost = r->wakeups = 0;
	r->last_rec_ns = r->max_gap_ns = 0;
	r->nlat = 0;
	r->finished = false;
	if (open_consumer(r))
		goto out;
	cpu0 = thread_cpu_ns();
	r->t0 = bench_now_ns();
	if (pthread_create(&producer, NULL, producer_main, r))
		goto out;
	switch (r->v) {
	case V_LB:
		err = 0;
		while (!r->finished) {
			int n = r->kind == K_RING ? ring_buffer__poll(r->lrb, GUARD_MS)
			                          : perf_buffer__poll(r->lpb, GUARD_MS);

			if (n < 0 && n != -EINTR) {
				err = n;
				break;
			}
			if (n > 0)
				r->wakeups++;
			check_done(r);
		}
		break;
#ifdef BENCH_HAVE_UV
	case V_UV:
	case V_UV_DELAY:
		err = run_uv(r, &reactor);
		break;
#endif
#ifdef BENCH_HAVE_EV
	case V_EV:
	case V_EV_DELAY:
		err = run_ev(r, &reactor);
		break;
#endif
	default:
		break;
	}
	r->cpu_ns = thread_cpu_ns() - cpu0;
	r->offered_n = atomic_load(&r->offered);
	r->run_delay_ns = thread_run_delay_ns() - delay0;
	pthread_join(producer, NULL);
	if (r->rb && !evbpf_ringbuf_stats(r->rb, &st))
		r->wakeups = st.wakeups;
	if (r->pb && !evbpf_perfbuf_stats(r->pb, &st))
		r->wakeups = st.wakeups;
	if (getenv("BENCH_RATES_DEBUG"))
		bench_note(
		    "rates: %s %s %u/s: received %llu of %llu, kernel lost %llu, dropped "
		    "%llu; wakeups %llu timer drains %llu drains %llu budget hits %llu; "
		    "producer %.1f ms, consumer %.1f ms, cpu %.1f ms, waiting for a cpu %.1f ms, "
		    "longest gap %.2f ms",
		    kind_names[r->kind], variant_names[r->v], r->rate,
		    (unsigned long long)r->received, (unsigned long long)r->offered_n,
		    (unsigned long long)r->lost, (unsigned long long)r->dropped,
		    (unsigned long long)st.wakeups, (unsigned long long)st.timer_drains,
		    (unsigned long long)st.drains, (unsigned long long)st.budget_hits,
		    (double)(atomic_load(&r->done_ns) - r->t0) / 1e6, (double)(r->t1 - r->t0) / 1e6,
		    (double)r->cpu_ns / 1e6, (double)r->run_delay_ns / 1e6,
		    (double)r->max_gap_ns / 1e6);
	if (r->producer_err) {
		bench_note("rates: producer: test run failed");
		err = -1;
	}
out:
	close_consumer(r);
	return err;
}

/* A comma-separated filter from the environment: is item in it? (Unset:
 * everything.) */
static bool env_selects(const char *env, const char *item)
{
	const char *list = getenv(env), *p;
	size_t len = strlen(item);

	if (!list || !*list)
		return true;
	for (p = list; *p;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (n == len && !strncmp(p, item, len))
			return true;
		p += n + (comma ? 1 : 0);
	}
	return false;
}

static const char *rate_name(uint32_t rate, char *buf, size_t size)
{
	if (rate)
		snprintf(buf, size, "%uk", rate / 1000);
	else
		snprintf(buf, size, "max");
	return buf;
}

static double loadavg(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

struct agg {
	double cpu[16], wake[16];
	double *lat;
	size_t nlat;
	uint64_t lost, records;
};

static void report(enum kind k, uint32_t rate, enum variant v, struct agg *a, struct agg *lb,
                   int rounds)
{
	static const double pct[3] = {50, 99, 99.9};
	static const char *const pname[3] = {"p50", "p99", "p999"};
	struct bench_result res = {.unit = "cpu-ns/record", .better = BENCH_LOWER};
	double ew = bench_median(a->wake, (size_t)rounds),
	       lw = bench_median(lb->wake, (size_t)rounds);
	double ep[3], lp[3];
	char name[64], rate_s[16], key[32];

	snprintf(name, sizeof(name), "e2e_%s_%s_%s", kind_names[k],
	         rate_name(rate, rate_s, sizeof(rate_s)), variant_names[v]);
	res.name = name;
	res.evbpf = bench_median(a->cpu, (size_t)rounds);
	res.libbpf = bench_median(lb->cpu, (size_t)rounds);

	bench_param(&res, "offered_per_s", "%u", rate);
	bench_param(&res, "evbpf_wakeups_per_s", "%.0f", ew);
	bench_param(&res, "libbpf_wakeups_per_s", "%.0f", lw);
	/* Ratios like the main one: > 1 means evbpf is better (fewer
	 * wakeups, lower latency). */
	if (ew > 0)
		bench_param(&res, "wakeups_ratio", "%.2f", lw / ew);
	else
		bench_param(&res, "wakeups_ratio", "null"); /* none at all */
	for (int i = 0; i < 3; i++) {
		ep[i] = bench_percentile(a->lat, a->nlat, pct[i]);
		lp[i] = bench_percentile(lb->lat, lb->nlat, pct[i]);
		snprintf(key, sizeof(key), "evbpf_%s_us", pname[i]);
		bench_param(&res, key, "%.1f", ep[i]);
		snprintf(key, sizeof(key), "libbpf_%s_us", pname[i]);
		bench_param(&res, key, "%.1f", lp[i]);
		snprintf(key, sizeof(key), "%s_ratio", pname[i]);
		if (ep[i] > 0)
			bench_param(&res, key, "%.2f", lp[i] / ep[i]);
		else
			bench_param(&res, key, "null");
	}
	bench_param(&res, "evbpf_lost", "%llu", (unsigned long long)a->lost);
	bench_param(&res, "libbpf_lost", "%llu", (unsigned long long)lb->lost);
	bench_param(&res, "records", "%llu", (unsigned long long)a->records);
	bench_param(&res, "rounds", "%d", rounds);
	bench_param(&res, "max_delay_us", "%d", v == V_UV_DELAY || v == V_EV_DELAY ? DELAY_US : 0);
	bench_param(&res, "loadavg", "%.2f", loadavg());
	bench_param_str(&res, "libbpf_loop",
	                k == K_RING ? "ring_buffer__poll(100 ms)" : "perf_buffer__poll(100 ms)");
	bench_report(&res);
}

int bench_rates(void)
{
	int rounds = bench_env_int("BENCH_RATES_ROUNDS", 3);
	double secs = bench_env_int("BENCH_RATES_MS", 400) / 1000.0;
	uint32_t flat = (uint32_t)bench_env_int("BENCH_RATES_FLAT_RECORDS", 1000000);
	struct run r = {0};
	struct agg *a = calloc(NR_VARIANTS, sizeof(*a));
	int err = -1;

	if (rounds > 16)
		rounds = 16;
	if (!a)
		return -1;
	bench_pin_cpu(0);
	bench_note("rates: 64 B records at 10k/100k/1M/s and flat out, %.1f s (flat out: at most "
	           "%u records) per run, %d rounds; loadavg at start: see the params",
	           secs, flat, rounds);
	for (int k = 0; k < NR_KINDS; k++) {
		if (!env_selects("BENCH_RATES_KINDS", kind_names[k]))
			continue;
		for (int ri = 0; ri < NR_RATES; ri++) {
			uint64_t total = rates[ri] ? (uint64_t)(rates[ri] * secs) : flat;
			char rate_s[16];

			if (!env_selects("BENCH_RATES_RATES",
			                 rate_name(rates[ri], rate_s, sizeof(rate_s))))
				continue;

			for (int v = 0; v < NR_VARIANTS; v++) {
				free(a[v].lat);
				memset(&a[v], 0, sizeof(a[v]));
				a[v].lat =
				    calloc((total < LAT_CAP ? total : LAT_CAP) * (size_t)rounds,
				           sizeof(double));
				if (!a[v].lat)
					goto out;
			}
			for (int round = 0; round < rounds; round++) {
				for (int j = 0; j < NR_VARIANTS; j++) {
					enum variant v = (enum variant)((round + j) % NR_VARIANTS);
					double s;

					if (!variant_available(v))
						continue;
					r.kind = (enum kind)k;
					r.v = v;
					r.rate = rates[ri];
					r.total = total;
					r.flat_ns = (uint64_t)(secs * 1e9);
					r.lat = a[v].lat + a[v].nlat;
					r.cap = total < LAT_CAP ? total : LAT_CAP;
					r.lat_every = (total + LAT_CAP - 1) / LAT_CAP;
					if (run_once(&r))
						goto out;
					/* Wakeups per second while records came. */
					s = (double)((r.last_rec_ns > r.t0 ? r.last_rec_ns : r.t1) -
					             r.t0) /
					    1e9;
					a[v].nlat += r.nlat;
					a[v].cpu[round] = (double)r.cpu_ns /
					                  (double)(r.received ? r.received : 1);
					a[v].wake[round] = (double)r.wakeups / s;
					/* Offered and not delivered, whatever the
					 * reason. */
					a[v].lost +=
					    r.offered_n > r.received ? r.offered_n - r.received : 0;
					a[v].records += r.received;
				}
			}
			for (int v = 0; v < V_LB; v++)
				if (variant_available((enum variant)v))
					report((enum kind)k, rates[ri], (enum variant)v, &a[v],
					       &a[V_LB], rounds);
		}
	}
	err = 0;
out:
	for (int v = 0; v < NR_VARIANTS; v++)
		free(a[v].lat);
	free(a);
	return err;
}
