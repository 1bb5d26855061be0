/* SPDX-License-Identifier: MIT */
/*
 * Perf buffer drain: ns per record to drain the per-CPU rings of a
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY that the same BPF program filled through
 * BPF_PROG_TEST_RUN (bpf_perf_event_output, BPF_F_CURRENT_CPU), evbpf's
 * evbpf_perfbuf_consume() against libbpf's perf_buffer__consume(). The
 * process is pinned to CPU 0, so every record lands in CPU 0's ring; both
 * consumers still visit every CPU's ring, as they would in real use.
 *
 * Both libraries open their events with a wakeup per record, so every
 * bpf_perf_event_output() in the fill raises an irq_work self-IPI, which
 * in a virtual machine is a trapped APIC write (tens of microseconds):
 * hence fewer records and rounds than the ring buffer benchmark. The fill
 * is not timed.
 */
#include "bench.h"
#include "bench_main.h"
#include "bench_rings.h"

#include <stdio.h>
#include <stdlib.h>

#include <bpf/libbpf.h>

#include <evbpf/async.h>

struct perf_drain {
	struct ev_rings ev;
	struct lb_rings lb;
	struct evbpf_perfbuf *pb;
	struct perf_buffer *lpb;
	struct bench_sink sink;
	uint64_t lost;
};

static int ev_sample(void *ctx, int cpu, const void *data, size_t size)
{
	struct perf_drain *p = ctx;

	bench_sink_add(&p->sink, data, size);
	return 0;
}

static void ev_lost(void *ctx, int cpu, uint64_t lost)
{
	((struct perf_drain *)ctx)->lost += lost;
}

static void lb_sample(void *ctx, int cpu, void *data, uint32_t size)
{
	struct perf_drain *p = ctx;

	bench_sink_add(&p->sink, data, size);
}

static void lb_lost(void *ctx, int cpu, unsigned long long lost)
{
	((struct perf_drain *)ctx)->lost += lost;
}

/* Fill, then time the drain; 1 when the thread was preempted meanwhile. */
static int perf_once(struct perf_drain *p, bool is_ev, int si, uint32_t records, double *ns)
{
	long preempted = bench_preemptions();
	uint64_t t0, t1;
	int n;

	if (is_ev ? ev_produce(p->ev.perf_prog[si], records)
	          : lb_produce(p->lb.perf_prog_fd[si], records))
		return -1;
	p->sink.records = 0;
	t0 = bench_now_ns();
	n = is_ev ? evbpf_perfbuf_consume(p->pb) : perf_buffer__consume(p->lpb);
	t1 = bench_now_ns();
	if (n < 0 || p->sink.records != records || p->lost) {
		bench_note("perfbuf: %s drained %llu records (lost %llu), expected %u",
		           is_ev ? "evbpf" : "libbpf", (unsigned long long)p->sink.records,
		           (unsigned long long)p->lost, records);
		return -1;
	}
	*ns = (double)(t1 - t0) / records;
	return bench_preemptions() != preempted;
}

int bench_perfbuf_drain(void)
{
	uint32_t records = (uint32_t)bench_env_int("BENCH_PERF_RECORDS", 2048);
	int rounds = bench_env_int("BENCH_PERF_ROUNDS", 21);
	struct perf_drain p = {0};
	size_t pages = 1;
	double *t[2];
	int err = -1;

	/* A perf record: 8-byte header, 4-byte size, data, padded to 8. */
	while ((uint64_t)pages * 4096 < (uint64_t)records * (1024 + 16) * 5 / 4)
		pages <<= 1;
	t[0] = calloc((size_t)rounds, sizeof(double));
	t[1] = calloc((size_t)rounds, sizeof(double));
	bench_pin_cpu(0);
	bench_note("perfbuf: drain %u records per round, %d rounds, %zu pages per CPU", records,
	           rounds, pages);
	if (!t[0] || !t[1] || ev_rings_open(&p.ev, 4096) || lb_rings_open(&p.lb, 4096))
		goto out;
	if (evbpf_perfbuf_new(p.ev.perf, pages, ev_sample, ev_lost, &p, &p.pb)) {
		bench_note("perfbuf: evbpf: %s", evbpf_errmsg());
		goto out;
	}
	{
		struct perf_buffer_opts opts = {.sz = sizeof(opts)};

		p.lpb = perf_buffer__new(p.lb.perf_fd, pages, lb_sample, lb_lost, &p, &opts);
	}
	if (!p.lpb) {
		bench_note("perfbuf: perf_buffer__new failed");
		goto out;
	}
	for (int si = 0; si < BENCH_NR_SIZES; si++) {
		struct bench_result res = {.unit = "ns/record", .better = BENCH_LOWER};
		char name[48];
		int retries = 0;

		for (int r = -BENCH_WARMUP_ROUNDS; r < rounds; r++) {
			for (int k = 0; k < 2; k++) {
				bool is_ev = (r + BENCH_WARMUP_ROUNDS + k) % 2 == 0;
				double ns;
				int e, tries = 0;

				while ((e = perf_once(&p, is_ev, si, records, &ns)) == 1 &&
				       ++tries < BENCH_MAX_RETRIES)
					retries++;
				if (e < 0)
					goto out;
				if (r >= 0)
					t[is_ev ? 0 : 1][r] = ns;
			}
		}
		if (getenv("BENCH_VERBOSE")) {
			bench_samples("evbpf", t[0], (size_t)rounds);
			bench_samples("libbpf", t[1], (size_t)rounds);
		}
		snprintf(name, sizeof(name), "perfbuf_drain_%uB", bench_record_sizes[si]);
		res.name = name;
		res.evbpf = bench_median(t[0], (size_t)rounds);
		res.libbpf = bench_median(t[1], (size_t)rounds);
		bench_param(&res, "record_size", "%u", bench_record_sizes[si]);
		bench_param(&res, "records", "%u", records);
		bench_param(&res, "rounds", "%d", rounds);
		bench_param(&res, "pages_per_cpu", "%zu", pages);
		bench_param(&res, "preempted_rounds_redone", "%d", retries);
		bench_param_str(&res, "evbpf_api", "evbpf_perfbuf_consume");
		bench_param_str(&res, "libbpf_api", "perf_buffer__consume");
		bench_report(&res);
	}
	err = 0;
out:
	perf_buffer__free(p.lpb);
	evbpf_perfbuf_free(p.pb);
	ev_rings_close(&p.ev);
	lb_rings_close(&p.lb);
	free(t[0]);
	free(t[1]);
	return err;
}
