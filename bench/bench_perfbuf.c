/* SPDX-License-Identifier: MIT */
/*
 * Perf buffer drain: ns per record to drain the per-CPU rings of a
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY that the same BPF program filled through
 * BPF_PROG_TEST_RUN (bpf_perf_event_output, BPF_F_CURRENT_CPU), evbpf's
 * evbpf_perfbuf_consume() against libbpf's perf_buffer__consume(). The
 * process is pinned to CPU 0, so every record lands in CPU 0's ring; both
 * consumers still visit every CPU's ring, as they would in real use.
 */
#include "bench.h"
#include "bench_main.h"
#include "bench_rings.h"

#include <stdio.h>
#include <stdlib.h>

#include <bpf/libbpf.h>

#include <evbpf/async.h>

static int ev_sample(void *ctx, int cpu, const void *data, size_t size)
{
	bench_sink_add(ctx, data, size);
	return 0;
}

static void ev_lost(void *ctx, int cpu, uint64_t lost)
{
	*(uint64_t *)ctx += lost;
}

static void lb_sample(void *ctx, int cpu, void *data, uint32_t size)
{
	bench_sink_add(ctx, data, size);
}

static void lb_lost(void *ctx, int cpu, unsigned long long lost)
{
	*(uint64_t *)ctx += lost;
}

int bench_perfbuf_drain(void)
{
	uint32_t records = (uint32_t)bench_env_int("BENCH_DRAIN_RECORDS", 8192);
	int rounds = bench_env_int("BENCH_DRAIN_ROUNDS", 21);
	struct bench_sink sink = {0};
	struct ev_rings ev = {0};
	struct lb_rings lb = {0};
	struct evbpf_perfbuf *pb = NULL;
	struct perf_buffer *lpb = NULL;
	uint64_t lost = 0;
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
	if (!t[0] || !t[1] || ev_rings_open(&ev, 4096) || lb_rings_open(&lb, 4096))
		goto out;
	if (evbpf_perfbuf_new(ev.perf, pages, ev_sample, ev_lost, &sink, &pb)) {
		bench_note("perfbuf: evbpf: %s", evbpf_errmsg());
		goto out;
	}
	{
		struct perf_buffer_opts opts = {.sz = sizeof(opts)};

		lpb = perf_buffer__new(lb.perf_fd, pages, lb_sample, lb_lost, &sink, &opts);
	}
	if (!lpb) {
		bench_note("perfbuf: perf_buffer__new failed");
		goto out;
	}
	for (int si = 0; si < BENCH_NR_SIZES; si++) {
		struct bench_result res = {.unit = "ns/record", .better = BENCH_LOWER};
		char name[48];

		for (int r = 0; r < rounds; r++) {
			for (int k = 0; k < 2; k++) {
				bool is_ev = (r + k) % 2 == 0;
				uint64_t t0, t1;
				int n;

				if (is_ev ? ev_produce(ev.perf_prog[si], records)
				          : lb_produce(lb.perf_prog_fd[si], records))
					goto out;
				sink.records = 0;
				t0 = bench_now_ns();
				n = is_ev ? evbpf_perfbuf_consume(pb) : perf_buffer__consume(lpb);
				t1 = bench_now_ns();
				if (n < 0 || sink.records != records || lost) {
					bench_note("perfbuf: %s drained %llu records (lost %llu), "
					           "expected %u",
					           is_ev ? "evbpf" : "libbpf",
					           (unsigned long long)sink.records,
					           (unsigned long long)lost, records);
					goto out;
				}
				t[is_ev ? 0 : 1][r] = (double)(t1 - t0) / records;
			}
		}
		snprintf(name, sizeof(name), "perfbuf_drain_%uB", bench_record_sizes[si]);
		res.name = name;
		res.evbpf = bench_median(t[0], (size_t)rounds);
		res.libbpf = bench_median(t[1], (size_t)rounds);
		bench_param(&res, "record_size", "%u", bench_record_sizes[si]);
		bench_param(&res, "records", "%u", records);
		bench_param(&res, "rounds", "%d", rounds);
		bench_param(&res, "pages_per_cpu", "%zu", pages);
		bench_param_str(&res, "evbpf_api", "evbpf_perfbuf_consume");
		bench_param_str(&res, "libbpf_api", "perf_buffer__consume");
		bench_report(&res);
	}
	err = 0;
out:
	perf_buffer__free(lpb);
	evbpf_perfbuf_free(pb);
	ev_rings_close(&ev);
	lb_rings_close(&lb);
	free(t[0]);
	free(t[1]);
	return err;
}
