/* SPDX-License-Identifier: MIT */
/*
 * bpf/ring.bpf.o loaded under each library: the producers (one XDP program
 * per record size, run with BPF_PROG_TEST_RUN), the ring buffer, the perf
 * event array and the drop counter. Shared by the drain and end-to-end
 * benchmarks.
 */
#ifndef EVBPF_BENCH_RINGS_H
#define EVBPF_BENCH_RINGS_H

#include <stddef.h>
#include <stdint.h>

struct evbpf_object;
struct evbpf_program;
struct evbpf_map;
struct bpf_object;
struct bpf_program;
struct bpf_map;

#define BENCH_NR_SIZES 4
extern const unsigned int bench_record_sizes[BENCH_NR_SIZES];

struct ev_rings {
	struct evbpf_object *obj;
	struct evbpf_program *ring_prog[BENCH_NR_SIZES];
	struct evbpf_program *perf_prog[BENCH_NR_SIZES];
	struct evbpf_map *ring, *perf, *dropped;
};

struct lb_rings {
	struct bpf_object *obj;
	int ring_prog_fd[BENCH_NR_SIZES];
	int perf_prog_fd[BENCH_NR_SIZES];
	int ring_fd, perf_fd, dropped_fd;
};

/* Load with a ring of ring_bytes (a power of two, >= one page). */
int ev_rings_open(struct ev_rings *r, uint32_t ring_bytes);
void ev_rings_close(struct ev_rings *r);
int lb_rings_open(struct lb_rings *r, uint32_t ring_bytes);
void lb_rings_close(struct lb_rings *r);

/* Run a producer `repeat` times (each run emits one record). */
int ev_produce(struct evbpf_program *prog, uint32_t repeat);
int lb_produce(int prog_fd, uint32_t repeat);
/* Records the producers could not emit so far. */
uint64_t ev_dropped(const struct ev_rings *r);
uint64_t lb_dropped(const struct lb_rings *r);

/* What every consumer callback does with a record: count it and read its
 * sequence number, so the record's first cache line is really touched. */
struct bench_sink {
	uint64_t records;
	uint64_t bytes;
	uint64_t seq_sum;
};

static inline void bench_sink_add(struct bench_sink *s, const void *data, size_t size)
{
	s->records++;
	s->bytes += size;
	s->seq_sum += *(const uint64_t *)data;
}

/* The ring buffer callbacks of the drain benchmarks, ctx a bench_sink:
 * evbpf per record, evbpf batch (the same work accumulated in locals:
 * what a batch callback is for; adding to the sink in memory record by
 * record would make every record wait for the previous one's store) and
 * libbpf per record. */
struct evbpf_record;
int bench_sink_ev_record(void *ctx, const void *data, size_t size);
int bench_sink_ev_batch(void *ctx, const struct evbpf_record *recs, size_t n);
int bench_sink_lb_record(void *ctx, void *data, size_t size);

#endif
