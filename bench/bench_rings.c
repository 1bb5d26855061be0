/* SPDX-License-Identifier: MIT */
#include "bench_rings.h"
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <evbpf/async.h>
#include <evbpf/evbpf.h>

const unsigned int bench_record_sizes[BENCH_NR_SIZES] = {16, 64, 256, 1024};

static void ring_path(char *buf, size_t size)
{
	snprintf(buf, size, "%s/ring.bpf.o", bench_bpf_dir());
}

int ev_rings_open(struct ev_rings *r, uint32_t ring_bytes)
{
	char path[512], name[32];
	int err;

	memset(r, 0, sizeof(*r));
	ring_path(path, sizeof(path));
	err = evbpf_object_open_file(path, NULL, &r->obj);
	if (err)
		goto err;
	r->ring = evbpf_object_find_map(r->obj, "ring");
	r->perf = evbpf_object_find_map(r->obj, "perf");
	r->dropped = evbpf_object_find_map(r->obj, "dropped");
	if (!r->ring || !r->perf || !r->dropped) {
		err = -ENOENT;
		goto err;
	}
	err = evbpf_map_set_max_entries(r->ring, ring_bytes);
	if (!err)
		err = evbpf_object_load(r->obj);
	if (err)
		goto err;
	for (int i = 0; i < BENCH_NR_SIZES; i++) {
		snprintf(name, sizeof(name), "ring_%u", bench_record_sizes[i]);
		r->ring_prog[i] = evbpf_object_find_program(r->obj, name);
		snprintf(name, sizeof(name), "perf_%u", bench_record_sizes[i]);
		r->perf_prog[i] = evbpf_object_find_program(r->obj, name);
		if (!r->ring_prog[i] || !r->perf_prog[i]) {
			err = -ENOENT;
			goto err;
		}
	}
	return 0;
err:
	bench_note("evbpf: %s: %s", path, evbpf_errmsg());
	ev_rings_close(r);
	return err;
}

void ev_rings_close(struct ev_rings *r)
{
	evbpf_object_close(r->obj);
	memset(r, 0, sizeof(*r));
}

int lb_rings_open(struct lb_rings *r, uint32_t ring_bytes)
{
	struct bpf_map *ring, *perf, *dropped;
	char path[512], name[32];
	int err;

	memset(r, 0, sizeof(*r));
	ring_path(path, sizeof(path));
	r->obj = bpf_object__open_file(path, NULL);
	if (!r->obj) {
		r->obj = NULL;
		err = -errno;
		goto err;
	}
	ring = bpf_object__find_map_by_name(r->obj, "ring");
	perf = bpf_object__find_map_by_name(r->obj, "perf");
	dropped = bpf_object__find_map_by_name(r->obj, "dropped");
	if (!ring || !perf || !dropped) {
		err = -ENOENT;
		goto err;
	}
	err = bpf_map__set_max_entries(ring, ring_bytes);
	if (!err)
		err = bpf_object__load(r->obj);
	if (err)
		goto err;
	r->ring_fd = bpf_map__fd(ring);
	r->perf_fd = bpf_map__fd(perf);
	r->dropped_fd = bpf_map__fd(dropped);
	for (int i = 0; i < BENCH_NR_SIZES; i++) {
		struct bpf_program *p;

		snprintf(name, sizeof(name), "ring_%u", bench_record_sizes[i]);
		p = bpf_object__find_program_by_name(r->obj, name);
		r->ring_prog_fd[i] = p ? bpf_program__fd(p) : -1;
		snprintf(name, sizeof(name), "perf_%u", bench_record_sizes[i]);
		p = bpf_object__find_program_by_name(r->obj, name);
		r->perf_prog_fd[i] = p ? bpf_program__fd(p) : -1;
		if (r->ring_prog_fd[i] < 0 || r->perf_prog_fd[i] < 0) {
			err = -ENOENT;
			goto err;
		}
	}
	return 0;
err:
	bench_note("libbpf: %s: %s", path, strerror(-err));
	lb_rings_close(r);
	return err;
}

void lb_rings_close(struct lb_rings *r)
{
	bpf_object__close(r->obj);
	memset(r, 0, sizeof(*r));
}

int ev_produce(struct evbpf_program *prog, uint32_t repeat)
{
	struct evbpf_test_run_opts opts = {
	    .sz = sizeof(opts),
	    .data_in = bench_packet,
	    .data_size_in = sizeof(bench_packet),
	    .repeat = repeat,
	};

	return evbpf_program_test_run(prog, &opts);
}

int lb_produce(int prog_fd, uint32_t repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = bench_packet,
	            .data_size_in = sizeof(bench_packet), .repeat = repeat);

	return bpf_prog_test_run_opts(prog_fd, &opts);
}

uint64_t ev_dropped(const struct ev_rings *r)
{
	uint32_t zero = 0;
	uint64_t v = 0;

	evbpf_map_lookup(r->dropped, &zero, &v);
	return v;
}

uint64_t lb_dropped(const struct lb_rings *r)
{
	uint32_t zero = 0;
	uint64_t v = 0;

	bpf_map_lookup_elem(r->dropped_fd, &zero, &v);
	return v;
}

int bench_sink_ev_record(void *ctx, const void *data, size_t size)
{
	bench_sink_add(ctx, data, size);
	return 0;
}

int bench_sink_ev_batch(void *ctx, const struct evbpf_record *recs, size_t n)
{
	struct bench_sink *s = ctx;
	uint64_t bytes = 0, seq_sum = 0;

	for (size_t i = 0; i < n; i++) {
		bytes += recs[i].size;
		seq_sum += *(const uint64_t *)recs[i].data;
	}
	s->records += n;
	s->bytes += bytes;
	s->seq_sum += seq_sum;
	return 0;
}

int bench_sink_lb_record(void *ctx, void *data, size_t size)
{
	bench_sink_add(ctx, data, size);
	return 0;
}
