/* SPDX-License-Identifier: MIT */
/* The benchmarks evbpf-bench can run; each prints its result lines and
 * returns 0, or -1 when it could not run. */
#ifndef EVBPF_BENCH_MAIN_H
#define EVBPF_BENCH_MAIN_H

int bench_load(void);
int bench_btf(void);
int bench_load_child(const char *mode, const char *arg);

#ifdef BENCH_HAVE_RINGBUF
int bench_ringbuf_drain(void);
#endif
#ifdef BENCH_HAVE_PERFBUF
int bench_perfbuf_drain(void);
#endif
#ifdef BENCH_HAVE_INSN
int bench_insn(void);
int bench_insn_child(void);
#endif
#ifdef BENCH_HAVE_E2E
int bench_e2e(void);
int bench_latency(void);
int bench_rates(void);
#endif

#endif
