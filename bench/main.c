/* SPDX-License-Identifier: MIT */
/*
 * evbpf-bench: evbpf side by side with libbpf. Usage:
 *
 *   evbpf-bench [BENCH...]      run the named benchmarks (default: all)
 *   evbpf-bench --list          the names
 *
 * Results go to stdout, one JSON object per line (see bench.h); progress
 * goes to stderr. bench/run.sh builds, runs everything and prints a table.
 */
#include "bench.h"
#include "bench_main.h"

#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include <evbpf/evbpf.h>

struct bench {
	const char *name;
	int (*run)(void);
};

static const struct bench benches[] = {
    {"load", bench_load},
    {"btf", bench_btf},
#ifdef BENCH_HAVE_RINGBUF
    {"ringbuf", bench_ringbuf_drain},
#endif
#ifdef BENCH_HAVE_PERFBUF
    {"perfbuf", bench_perfbuf_drain},
#endif
#ifdef BENCH_HAVE_INSN
    {"insn", bench_insn},
#endif
#ifdef BENCH_HAVE_E2E
    {"e2e", bench_e2e},
    {"latency", bench_latency},
    {"rates", bench_rates},
#endif
};

#define NR_BENCHES (sizeof(benches) / sizeof(benches[0]))

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int run_one(const char *name)
{
	for (size_t i = 0; i < NR_BENCHES; i++) {
		if (!strcmp(benches[i].name, name))
			return benches[i].run();
	}
	fprintf(stderr, "evbpf-bench: no benchmark '%s' (see --list)\n", name);
	return -1;
}

int main(int argc, char **argv)
{
	int failed = 0;

	bench_set_self(argv[0]);
	libbpf_set_print(quiet_libbpf);
	if (argc == 4 && !strcmp(argv[1], "--child"))
		return bench_load_child(argv[2], argv[3]);
#ifdef BENCH_HAVE_INSN
	if (argc == 2 && !strcmp(argv[1], "--insn-child"))
		return bench_insn_child();
#endif
	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (size_t i = 0; i < NR_BENCHES; i++)
			puts(benches[i].name);
		return 0;
	}
	if (argc == 1) {
		for (size_t i = 0; i < NR_BENCHES; i++)
			failed |= benches[i].run() != 0;
	} else {
		for (int i = 1; i < argc; i++)
			failed |= run_one(argv[i]) != 0;
	}
	return failed ? 1 : 0;
}
