/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers of the evbpf-vs-libbpf benchmarks: clocks, medians,
 * CPU pinning, child processes, and the result line every benchmark
 * prints (one JSON object per line on stdout).
 *
 * A result carries one figure for evbpf and one for libbpf, measured in
 * the same run, alternating round by round, as the median over rounds.
 * "ratio" is always oriented so that > 1 means evbpf is better: libbpf /
 * evbpf for lower-is-better units (ns/record, ms, KiB), evbpf / libbpf
 * for higher-is-better ones (records/s).
 */
#ifndef EVBPF_BENCH_H
#define EVBPF_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Median of n values (sorts v in place); 0 for n == 0. */
double bench_median(double *v, size_t n);
/* Print "label: v0 v1 ..." to stderr (BENCH_VERBOSE diagnostics). */
void bench_samples(const char *label, const double *v, size_t n);
/* The p-th percentile (0..100) by nearest rank (sorts v in place). */
double bench_percentile(double *v, size_t n, double p);

enum bench_better { BENCH_LOWER, BENCH_HIGHER, BENCH_NEITHER };

struct bench_result {
	const char *name;
	const char *unit;
	double evbpf;  /* NAN when evbpf could not run it */
	double libbpf; /* NAN when libbpf could not run it (or has no figure) */
	enum bench_better better;
	/* Extra "key":value pairs, already JSON ("\"records\":8192,..."). */
	char params[768];
};

/* Append ,"key":value to r->params (value formatted with fmt). */
void bench_param(struct bench_result *r, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void bench_param_str(struct bench_result *r, const char *key, const char *value);
/* Print r as one JSON line on stdout (flushed). */
void bench_report(const struct bench_result *r);

/* A positive integer from the environment, or def. */
int bench_env_int(const char *name, int def);

/*
 * Involuntary context switches of the calling thread so far. A drain
 * measurement during which the thread was preempted (another process ran
 * on its CPU and evicted its caches) is repeated: on a shared machine
 * those rounds otherwise dominate the spread.
 */
long bench_preemptions(void);
#define BENCH_MAX_RETRIES   20
#define BENCH_WARMUP_ROUNDS 5

/* Pin the calling thread to cpu (ignored when it does not exist). */
void bench_pin_cpu(int cpu);
int bench_nr_cpus(void);

/* Progress and notes go to stderr so stdout stays machine-readable. */
void bench_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Run `self mode arg` as a fresh process (so that peak RSS starts from the
 * same baseline for both libraries). The child prints one line,
 * "<value>", on stdout; *valuep gets it and *maxrss_kib the child's peak
 * resident set from wait4(). Returns 0, or -1 when the child failed.
 */
int bench_run_child(const char *mode, const char *arg, double *valuep, long *maxrss_kib);

/* The path of this executable, for bench_run_child(). */
void bench_set_self(const char *argv0);

/* Directory of the compiled BPF objects (set by CMake, overridable with
 * EVBPF_BENCH_BPF_DIR). */
const char *bench_bpf_dir(void);

/* An Ethernet/IPv4/UDP packet for XDP test runs. */
extern const unsigned char bench_packet[64];

#endif
