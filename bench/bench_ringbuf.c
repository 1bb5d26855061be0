/* SPDX-License-Identifier: MIT */
/*
 * Ring buffer drain: ns per record to drain a ring that the same BPF
 * program filled through BPF_PROG_TEST_RUN (repeat = records, one record
 * per run), for each record size. Three consumers take turns, each on its
 * own copy of the object: evbpf with the per-record callback, evbpf with
 * the batch callback, libbpf's ring_buffer__consume(). Only the drain is
 * timed; the fill is not. Everything runs pinned to CPU 0.
 */
#include "bench.h"
#include "bench_main.h"
#include "bench_rings.h"

#include <stdio.h>
#include <stdlib.h>

#include <bpf/libbpf.h>

#include <evbpf/async.h>

enum { V_EV_CB, V_EV_BATCH, V_LB, NR_VARIANTS };

struct drain {
	struct ev_rings ev[2]; /* per-record, batch */
	struct lb_rings lb;
	struct evbpf_ringbuf *rb[2];
	struct ring_buffer *lrb;
	struct bench_sink sink;
	uint32_t batch_max;
};

static void drain_close(struct drain *d)
{
	ring_buffer__free(d->lrb);
	for (int i = 0; i < 2; i++) {
		evbpf_ringbuf_free(d->rb[i]);
		ev_rings_close(&d->ev[i]);
	}
	lb_rings_close(&d->lb);
}

static int drain_open(struct drain *d, uint32_t ring_bytes)
{
	struct evbpf_ringbuf_opts opts = {.sz = sizeof(opts), .batch_fn = bench_sink_ev_batch};

	if (ev_rings_open(&d->ev[0], ring_bytes) || ev_rings_open(&d->ev[1], ring_bytes) ||
	    lb_rings_open(&d->lb, ring_bytes))
		return -1;
	opts.batch_max = d->batch_max;
	if (evbpf_ringbuf_new(d->ev[0].ring, bench_sink_ev_record, &d->sink, &d->rb[0]) ||
	    evbpf_ringbuf_new_opts(d->ev[1].ring, NULL, &d->sink, &opts, &d->rb[1])) {
		bench_note("ringbuf: evbpf consumer: %s", evbpf_errmsg());
		return -1;
	}
	d->lrb = ring_buffer__new(d->lb.ring_fd, bench_sink_lb_record, &d->sink, NULL);
	if (!d->lrb) {
		bench_note("ringbuf: ring_buffer__new failed");
		return -1;
	}
	return 0;
}

/* Fill with `records` records of size index si, then time the drain.
 * Returns 1 when the thread was preempted meanwhile (measure again). */
static int drain_once(struct drain *d, int variant, int si, uint32_t records, double *ns)
{
	long preempted = bench_preemptions();
	uint64_t dropped, t0, t1;
	int n;

	if (variant == V_LB) {
		dropped = lb_dropped(&d->lb);
		if (lb_produce(d->lb.ring_prog_fd[si], records))
			return -1;
		if (lb_dropped(&d->lb) != dropped)
			return -2;
	} else {
		struct ev_rings *r = &d->ev[variant];

		dropped = ev_dropped(r);
		if (ev_produce(r->ring_prog[si], records))
			return -1;
		if (ev_dropped(r) != dropped)
			return -2;
	}
	d->sink.records = 0;
	t0 = bench_now_ns();
	if (variant == V_LB)
		n = ring_buffer__consume(d->lrb);
	else
		n = evbpf_ringbuf_consume(d->rb[variant]);
	t1 = bench_now_ns();
	if (n != (int)records || d->sink.records != records) {
		bench_note(
		    "ringbuf: variant %d drained %d records (callback saw %llu), expected %u",
		    variant, n, (unsigned long long)d->sink.records, records);
		return -1;
	}
	*ns = (double)(t1 - t0) / records;
	return bench_preemptions() != preempted;
}

int bench_ringbuf_drain(void)
{
	uint32_t records = (uint32_t)bench_env_int("BENCH_DRAIN_RECORDS", 8192);
	int rounds = bench_env_int("BENCH_DRAIN_ROUNDS", 101);
	uint32_t ring_bytes = 16u << 20;
	struct drain d = {.batch_max = (uint32_t)bench_env_int("BENCH_BATCH_MAX", 64)};
	double *t[NR_VARIANTS];
	int err = -1;

	/* The ring must hold a full round of the largest records. */
	while ((uint64_t)ring_bytes < (uint64_t)records * (1024 + 8) && ring_bytes < (1u << 30))
		ring_bytes <<= 1;
	for (int v = 0; v < NR_VARIANTS; v++)
		t[v] = calloc((size_t)rounds, sizeof(double));
	bench_pin_cpu(0);
	bench_note("ringbuf: drain %u records per round, %d rounds, ring %u KiB, batch_max %u",
	           records, rounds, ring_bytes >> 10, d.batch_max);
	if (!t[0] || !t[1] || !t[2] || drain_open(&d, ring_bytes))
		goto out;
	for (int si = 0; si < BENCH_NR_SIZES; si++) {
		struct bench_result cb = {.unit = "ns/record", .better = BENCH_LOWER};
		struct bench_result batch = {.unit = "ns/record", .better = BENCH_LOWER};
		char cb_name[48], batch_name[48];
		int retries = 0;

		/* Unmeasured warm-up rounds: the first fills of a size are
		 * slower (page tables, caches, CPU frequency). */
		for (int r = -BENCH_WARMUP_ROUNDS; r < rounds; r++) {
			for (int k = 0; k < NR_VARIANTS; k++) {
				int v = (r + BENCH_WARMUP_ROUNDS + k) % NR_VARIANTS, e, tries = 0;
				double ns, *slot = r < 0 ? &ns : &t[v][r];

				while ((e = drain_once(&d, v, si, records, slot)) == 1 &&
				       ++tries < BENCH_MAX_RETRIES)
					retries++;
				if (e == -2)
					bench_note(
					    "ringbuf: producer dropped records; ring too small");
				if (e < 0)
					goto out;
			}
		}
		if (getenv("BENCH_VERBOSE")) {
			for (int v = 0; v < NR_VARIANTS; v++)
				bench_samples(v == V_LB      ? "libbpf"
				              : v == V_EV_CB ? "evbpf"
				                             : "evbpf-batch",
				              t[v], (size_t)rounds);
		}
		snprintf(cb_name, sizeof(cb_name), "ringbuf_drain_%uB", bench_record_sizes[si]);
		snprintf(batch_name, sizeof(batch_name), "ringbuf_drain_batch_%uB",
		         bench_record_sizes[si]);
		cb.name = cb_name;
		batch.name = batch_name;
		cb.libbpf = batch.libbpf = bench_median(t[V_LB], (size_t)rounds);
		cb.evbpf = bench_median(t[V_EV_CB], (size_t)rounds);
		batch.evbpf = bench_median(t[V_EV_BATCH], (size_t)rounds);
		bench_param(&cb, "record_size", "%u", bench_record_sizes[si]);
		bench_param(&cb, "records", "%u", records);
		bench_param(&cb, "rounds", "%d", rounds);
		bench_param(&cb, "preempted_rounds_redone", "%d", retries);
		bench_param_str(&cb, "evbpf_api", "evbpf_ringbuf_consume, per-record callback");
		bench_param_str(&cb, "libbpf_api", "ring_buffer__consume");
		bench_param(&batch, "record_size", "%u", bench_record_sizes[si]);
		bench_param(&batch, "records", "%u", records);
		bench_param(&batch, "rounds", "%d", rounds);
		bench_param(&batch, "batch_max", "%u", d.batch_max);
		bench_param_str(&batch, "evbpf_api", "evbpf_ringbuf_consume, batch callback");
		bench_param_str(&batch, "libbpf_api", "ring_buffer__consume");
		bench_report(&cb);
		bench_report(&batch);
	}
	err = 0;
out:
	drain_close(&d);
	for (int v = 0; v < NR_VARIANTS; v++)
		free(t[v]);
	return err;
}
