/* SPDX-License-Identifier: MIT */
/*
 * Drain cost in instructions per record, counted by valgrind's callgrind:
 * deterministic, so it compares the two drain loops on a machine too noisy
 * for nanoseconds to settle small differences.
 *
 * The benchmark re-runs this executable under
 *   valgrind --tool=callgrind --collect-atstart=no
 * in "--insn-child" mode. The child fills a ring through BPF_PROG_TEST_RUN
 * (not counted: collection is off), turns collection on around one drain
 * call (evbpf_ringbuf_consume() with a per-record or a batch callback,
 * ring_buffer__consume(), evbpf_perfbuf_consume(), perf_buffer__consume()),
 * and dumps the counts under a name. The parent reads the dumps back and
 * reports Ir per record. Only user-space instructions are counted; neither
 * drain makes a system call. The callbacks are the same work for both
 * libraries (bench_sink_add()).
 */
#include "bench.h"
#include "bench_main.h"
#include "bench_rings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <valgrind/callgrind.h>

#include <evbpf/async.h>

enum insn_variant { I_EV_CB, I_EV_BATCH, I_LB, I_PERF_EV, I_PERF_LB, NR_INSN };
static const char *const insn_names[NR_INSN] = {"ring_evbpf_cb", "ring_evbpf_batch", "ring_libbpf",
                                                "perf_evbpf", "perf_libbpf"};

static int ev_sample(void *ctx, int cpu, const void *data, size_t size)
{
	bench_sink_add(ctx, data, size);
	return 0;
}

static void lb_sample(void *ctx, int cpu, void *data, uint32_t size)
{
	bench_sink_add(ctx, data, size);
}

struct insn_child {
	struct ev_rings ev[3]; /* per-record ring, batch ring, perf */
	struct lb_rings lb;
	struct evbpf_ringbuf *rb[2];
	struct ring_buffer *lrb;
	struct evbpf_perfbuf *pb;
	struct perf_buffer *lpb;
	struct bench_sink sink;
};

static int child_open(struct insn_child *k, uint32_t ring_bytes, size_t pages)
{
	struct evbpf_ringbuf_opts opts = {.sz = sizeof(opts), .batch_fn = bench_sink_ev_batch};
	struct perf_buffer_opts popts = {.sz = sizeof(popts)};

	for (int i = 0; i < 3; i++)
		if (ev_rings_open(&k->ev[i], ring_bytes))
			return -1;
	if (lb_rings_open(&k->lb, ring_bytes))
		return -1;
	if (evbpf_ringbuf_new(k->ev[0].ring, bench_sink_ev_record, &k->sink, &k->rb[0]) ||
	    evbpf_ringbuf_new_opts(k->ev[1].ring, NULL, &k->sink, &opts, &k->rb[1]) ||
	    evbpf_perfbuf_new(k->ev[2].perf, pages, ev_sample, NULL, &k->sink, &k->pb)) {
		bench_note("insn: evbpf: %s", evbpf_errmsg());
		return -1;
	}
	k->lrb = ring_buffer__new(k->lb.ring_fd, bench_sink_lb_record, &k->sink, NULL);
	k->lpb = perf_buffer__new(k->lb.perf_fd, pages, lb_sample, NULL, &k->sink, &popts);
	return k->lrb && k->lpb ? 0 : -1;
}

static void child_close(struct insn_child *k)
{
	perf_buffer__free(k->lpb);
	ring_buffer__free(k->lrb);
	evbpf_perfbuf_free(k->pb);
	for (int i = 0; i < 2; i++)
		evbpf_ringbuf_free(k->rb[i]);
	for (int i = 0; i < 3; i++)
		ev_rings_close(&k->ev[i]);
	lb_rings_close(&k->lb);
}

static int child_fill(struct insn_child *k, int v, int si, uint32_t n)
{
	switch (v) {
	case I_EV_CB:
	case I_EV_BATCH:
		return ev_produce(k->ev[v].ring_prog[si], n);
	case I_LB:
		return lb_produce(k->lb.ring_prog_fd[si], n);
	case I_PERF_EV:
		return ev_produce(k->ev[2].perf_prog[si], n);
	default:
		return lb_produce(k->lb.perf_prog_fd[si], n);
	}
}

static int child_drain(struct insn_child *k, int v)
{
	switch (v) {
	case I_EV_CB:
	case I_EV_BATCH:
		return evbpf_ringbuf_consume(k->rb[v]);
	case I_LB:
		return ring_buffer__consume(k->lrb);
	case I_PERF_EV:
		return evbpf_perfbuf_consume(k->pb);
	default:
		return perf_buffer__consume(k->lpb);
	}
}

int bench_insn_child(void)
{
	uint32_t ring_n = (uint32_t)bench_env_int("BENCH_INSN_RECORDS", 4096);
	uint32_t perf_n = (uint32_t)bench_env_int("BENCH_INSN_PERF_RECORDS", 1024);
	struct insn_child k = {0};
	size_t pages = 1;
	int err = -1;

	bench_pin_cpu(0);
	while ((uint64_t)pages * 4096 < (uint64_t)perf_n * (1024 + 16) * 5 / 4)
		pages <<= 1;
	if (child_open(&k, 16u << 20, pages))
		goto out;
	for (int si = 0; si < BENCH_NR_SIZES; si++) {
		for (int v = 0; v < NR_INSN; v++) {
			uint32_t n = v >= I_PERF_EV ? perf_n : ring_n;
			char name[64];
			int got;

			/* Once unmeasured (first touch of the ring's pages),
			 * then measured. */
			for (int pass = 0; pass < 2; pass++) {
				if (child_fill(&k, v, si, n))
					goto out;
				k.sink.records = 0;
				if (pass)
					CALLGRIND_TOGGLE_COLLECT;
				got = child_drain(&k, v);
				if (pass)
					CALLGRIND_TOGGLE_COLLECT;
				if (got < 0 || k.sink.records != n) {
					bench_note("insn: %s drained %llu of %u records",
					           insn_names[v],
					           (unsigned long long)k.sink.records, n);
					goto out;
				}
			}
			snprintf(name, sizeof(name), "%s %u %u", insn_names[v],
			         bench_record_sizes[si], n);
			CALLGRIND_DUMP_STATS_AT(name);
		}
	}
	err = 0;
out:
	child_close(&k);
	return err ? 1 : 0;
}

/* Ir per record, indexed [variant][size]; NAN where missing. */
static int read_dumps(const char *base, double ir[NR_INSN][BENCH_NR_SIZES])
{
	char path[600], line[512], name[64];
	int found = 0;

	for (int d = 1; d <= NR_INSN * BENCH_NR_SIZES; d++) {
		unsigned int size = 0, n = 0;
		double summary = -1;
		FILE *f;

		snprintf(path, sizeof(path), "%s.%d", base, d);
		f = fopen(path, "r");
		if (!f)
			break;
		name[0] = '\0';
		while (fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "desc: Trigger: Client Request: ", 31))
				sscanf(line + 31, "%63s %u %u", name, &size, &n);
			else if (!strncmp(line, "summary: ", 9))
				summary = strtod(line + 9, NULL);
		}
		fclose(f);
		unlink(path);
		for (int v = 0; v < NR_INSN; v++) {
			for (int si = 0; si < BENCH_NR_SIZES; si++) {
				if (strcmp(name, insn_names[v]) || size != bench_record_sizes[si] ||
				    !n || summary < 0)
					continue;
				ir[v][si] = summary / n;
				found++;
			}
		}
	}
	snprintf(path, sizeof(path), "%s", base);
	unlink(path);
	return found;
}

static int run_callgrind(const char *base)
{
	char out[600], self[4096];
	ssize_t len;
	int status;
	pid_t pid;

	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		return -1;
	self[len] = '\0';
	snprintf(out, sizeof(out), "--callgrind-out-file=%s", base);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* The child's stdout would mix with our JSON lines. */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execlp("valgrind", "valgrind", "--tool=callgrind", "--collect-atstart=no", out,
		       "--quiet", self, "--insn-child", (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int bench_insn(void)
{
	double ir[NR_INSN][BENCH_NR_SIZES];
	char base[] = "/tmp/evbpf-insn.XXXXXX";
	int fd;

	for (int v = 0; v < NR_INSN; v++)
		for (int si = 0; si < BENCH_NR_SIZES; si++)
			ir[v][si] = -1;
	fd = mkstemp(base);
	if (fd < 0)
		return -1;
	close(fd);
	bench_note("insn: drains under callgrind (valgrind --tool=callgrind), Ir per record");
	if (run_callgrind(base)) {
		bench_note("insn: valgrind --tool=callgrind failed (is valgrind installed?)");
		read_dumps(base, ir);
		return -1;
	}
	if (read_dumps(base, ir) != NR_INSN * BENCH_NR_SIZES) {
		bench_note("insn: callgrind dumps missing");
		return -1;
	}
	for (int si = 0; si < BENCH_NR_SIZES; si++) {
		static const struct {
			const char *name;
			int ev, lb;
		} rows[] = {
		    {"ringbuf_drain_insn_%uB", I_EV_CB, I_LB},
		    {"ringbuf_drain_batch_insn_%uB", I_EV_BATCH, I_LB},
		    {"perfbuf_drain_insn_%uB", I_PERF_EV, I_PERF_LB},
		};

		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			struct bench_result r = {.unit = "insn/record", .better = BENCH_LOWER};
			char name[48];

			snprintf(name, sizeof(name), rows[i].name, bench_record_sizes[si]);
			r.name = name;
			r.evbpf = ir[rows[i].ev][si];
			r.libbpf = ir[rows[i].lb][si];
			bench_param(&r, "record_size", "%u", bench_record_sizes[si]);
			bench_param(&r, "records", "%d",
			            rows[i].ev == I_PERF_EV
			                ? bench_env_int("BENCH_INSN_PERF_RECORDS", 1024)
			                : bench_env_int("BENCH_INSN_RECORDS", 4096));
			bench_param_str(&r, "counter", "callgrind Ir, user space, drain call only");
			bench_report(&r);
		}
	}
	return 0;
}
