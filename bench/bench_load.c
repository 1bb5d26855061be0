/* SPDX-License-Identifier: MIT */
/*
 * Loading benchmarks: open + load of a realistic object (bpf/load.bpf.c,
 * with and without CO-RE relocations), and parsing the running kernel's
 * BTF (/sys/kernel/btf/vmlinux).
 *
 * "cold" figures come from a fresh process per measurement, which is what
 * a tool pays at start-up: libbpf parses vmlinux BTF for every object with
 * CO-RE relocations, evbpf parses it once per process. "warm" figures
 * repeat the same work in one process. Peak RSS is the child's ru_maxrss
 * (both children run the same executable, so the baseline is shared).
 */
#include "bench.h"
#include "bench_main.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <evbpf/evbpf.h>

#include "internal.h" /* evbpf__btf_parse, evbpf__read_file */

#define VMLINUX_PATH "/sys/kernel/btf/vmlinux"

static void object_path(char *buf, size_t size, const char *which)
{
	snprintf(buf, size, "%s/load_%s.bpf.o", bench_bpf_dir(), which);
}

/* ---------------------------------------------------------------- evbpf */

static int evbpf_load_once(const char *path, struct evbpf_object **objp)
{
	struct evbpf_object *obj = NULL;
	int err;

	err = evbpf_object_open_file(path, NULL, &obj);
	if (err)
		return err;
	err = evbpf_object_load(obj);
	if (err) {
		evbpf_object_close(obj);
		return err;
	}
	*objp = obj;
	return 0;
}

/*
 * What evbpf does when it needs the kernel's BTF (evbpf__vmlinux_btf(),
 * without its per-process cache): read the file and parse it as
 * kernel-generated BTF. full != 0 instead runs the parser used for BTF
 * from object files, which validates every type.
 */
static int evbpf_btf_once(int full)
{
	struct evbpf_btf *btf;
	uint8_t *buf;
	size_t size;
	int err;

	err = evbpf__read_file(VMLINUX_PATH, &buf, &size);
	if (err)
		return err;
	if (full) {
		err = evbpf__btf_parse(buf, size, NULL, &btf);
		free(buf);
	} else {
		err = evbpf__btf_parse_kernel(buf, size, NULL, &btf);
	}
	if (err)
		return err;
	evbpf__btf_free(btf);
	return 0;
}

/* ---------------------------------------------------------------- libbpf */

static int libbpf_load_once(const char *path, struct bpf_object **objp)
{
	struct bpf_object *obj = NULL;
	int err;

	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return -errno;
	err = bpf_object__load(obj);
	if (err) {
		bpf_object__close(obj);
		return err;
	}
	*objp = obj;
	return 0;
}

static int libbpf_btf_once(void)
{
	struct btf *btf = btf__load_vmlinux_btf();

	if (!btf)
		return -errno;
	btf__free(btf);
	return 0;
}

/* ---------------------------------------------------------------- children */

/* Child side of bench_run_child(): do the work once, print its ms. */
int bench_load_child(const char *mode, const char *arg)
{
	uint64_t t0 = bench_now_ns();
	int err = 0;

	if (!strcmp(mode, "noop")) {
		err = 0;
	} else if (!strcmp(mode, "load-evbpf")) {
		struct evbpf_object *obj = NULL;

		err = evbpf_load_once(arg, &obj);
		if (!err)
			evbpf_object_close(obj);
	} else if (!strcmp(mode, "load-libbpf")) {
		struct bpf_object *obj = NULL;

		err = libbpf_load_once(arg, &obj);
		if (!err)
			bpf_object__close(obj);
	} else if (!strcmp(mode, "btf-evbpf")) {
		err = evbpf_btf_once(0);
	} else if (!strcmp(mode, "btf-libbpf")) {
		err = libbpf_btf_once();
	} else {
		err = -EINVAL;
	}
	if (err) {
		fprintf(stderr, "child %s %s: %s\n", mode, arg, strerror(-err));
		return 1;
	}
	printf("%.6f\n", (double)(bench_now_ns() - t0) / 1e6);
	return 0;
}

/*
 * Alternate evbpf and libbpf children for `rounds` rounds; medians of the
 * time and of the peak RSS go into the two results.
 */
static int run_cold(const char *ev_mode, const char *lb_mode, const char *arg, int rounds,
                    struct bench_result *time, struct bench_result *rss)
{
	double ev_ms[64], lb_ms[64], ev_kib[64], lb_kib[64];
	int n = 0;

	if (rounds > 64)
		rounds = 64;
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < 2; k++) {
			bool ev = (r + k) % 2 == 0;
			double ms;
			long kib;

			if (bench_run_child(ev ? ev_mode : lb_mode, arg, &ms, &kib))
				return -1;
			if (ev) {
				ev_ms[n] = ms;
				ev_kib[n] = (double)kib;
			} else {
				lb_ms[n] = ms;
				lb_kib[n] = (double)kib;
			}
		}
		n++;
	}
	time->evbpf = bench_median(ev_ms, (size_t)n);
	time->libbpf = bench_median(lb_ms, (size_t)n);
	rss->evbpf = bench_median(ev_kib, (size_t)n);
	rss->libbpf = bench_median(lb_kib, (size_t)n);
	return 0;
}

static long baseline_rss_kib(void)
{
	double ms;
	long kib = 0;

	if (bench_run_child("noop", "-", &ms, &kib))
		return -1;
	return kib;
}

/* Read core_offsets[0..3] after running core_check under each loader. */
static int evbpf_core_offsets(struct evbpf_object *obj, uint64_t off[4])
{
	struct evbpf_program *prog = evbpf_object_find_program(obj, "core_check");
	struct evbpf_map *map = evbpf_object_find_map(obj, "core_offsets");
	struct evbpf_test_run_opts opts = {
	    .sz = sizeof(opts), .data_in = bench_packet, .data_size_in = sizeof(bench_packet)};
	int err;

	if (!prog || !map)
		return -ENOENT;
	err = evbpf_program_test_run(prog, &opts);
	for (uint32_t i = 0; !err && i < 4; i++)
		err = evbpf_map_lookup(map, &i, &off[i]);
	return err;
}

static int libbpf_core_offsets(struct bpf_object *obj, uint64_t off[4])
{
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, "core_check");
	struct bpf_map *map = bpf_object__find_map_by_name(obj, "core_offsets");
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = bench_packet,
	            .data_size_in = sizeof(bench_packet));
	int err;

	if (!prog || !map)
		return -ENOENT;
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	for (uint32_t i = 0; !err && i < 4; i++)
		err = bpf_map__lookup_elem(map, &i, sizeof(i), &off[i], sizeof(off[i]), 0);
	return err;
}

/* Whether evbpf relocated the CO-RE object as libbpf did. */
static bool core_relocations_match(const char *path)
{
	struct evbpf_object *eo = NULL;
	struct bpf_object *lo = NULL;
	uint64_t ev[4] = {0}, lb[4] = {0};
	bool same = false;

	if (evbpf_load_once(path, &eo))
		return false;
	if (libbpf_load_once(path, &lo)) {
		evbpf_object_close(eo);
		return false;
	}
	if (!evbpf_core_offsets(eo, ev) && !libbpf_core_offsets(lo, lb))
		same = !memcmp(ev, lb, sizeof(ev));
	if (!same)
		bench_note(
		    "load: evbpf CO-RE offsets %llu,%llu,%llu,%llu != libbpf %llu,%llu,%llu,%llu",
		    (unsigned long long)ev[0], (unsigned long long)ev[1], (unsigned long long)ev[2],
		    (unsigned long long)ev[3], (unsigned long long)lb[0], (unsigned long long)lb[1],
		    (unsigned long long)lb[2], (unsigned long long)lb[3]);
	bpf_object__close(lo);
	evbpf_object_close(eo);
	return same;
}

/* Open + load + close in this process, alternating, `rounds` times. */
static int run_warm(const char *path, int rounds, struct bench_result *res)
{
	double ev[256], lb[256];

	if (rounds > 256)
		rounds = 256;
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < 2; k++) {
			uint64_t t0 = bench_now_ns();

			if ((r + k) % 2 == 0) {
				struct evbpf_object *obj = NULL;

				if (evbpf_load_once(path, &obj))
					return -1;
				ev[r] = (double)(bench_now_ns() - t0) / 1e6;
				evbpf_object_close(obj);
			} else {
				struct bpf_object *obj = NULL;

				if (libbpf_load_once(path, &obj))
					return -1;
				lb[r] = (double)(bench_now_ns() - t0) / 1e6;
				bpf_object__close(obj);
			}
		}
	}
	res->evbpf = bench_median(ev, (size_t)rounds);
	res->libbpf = bench_median(lb, (size_t)rounds);
	return 0;
}

static void count_object(const char *path, int *progs, int *maps)
{
	struct evbpf_object *obj = NULL;

	*progs = *maps = 0;
	if (evbpf_object_open_file(path, NULL, &obj))
		return;
	for (struct evbpf_program *p = NULL; (p = evbpf_object_next_program(obj, p));)
		(*progs)++;
	for (struct evbpf_map *m = NULL; (m = evbpf_object_next_map(obj, m));)
		(*maps)++;
	evbpf_object_close(obj);
}

static void load_params(struct bench_result *r, const char *which, int progs, int maps, int rounds)
{
	bench_param_str(r, "object", which);
	bench_param(r, "programs", "%d", progs);
	bench_param(r, "maps", "%d", maps);
	bench_param(r, "rounds", "%d", rounds);
}

static int bench_load_object(const char *which, bool core)
{
	int cold_rounds = bench_env_int("BENCH_LOAD_COLD_ROUNDS", 11);
	int warm_rounds = bench_env_int("BENCH_LOAD_WARM_ROUNDS", 31);
	struct bench_result cold = {0}, rss = {0}, warm = {0};
	char path[512], name[64], name_rss[64], name_warm[64];
	bool core_ok = true;
	int progs, maps;
	long base;

	object_path(path, sizeof(path), which);
	count_object(path, &progs, &maps);
	if (core)
		core_ok = core_relocations_match(path);
	snprintf(name, sizeof(name), "load_cold_%s", which);
	snprintf(name_rss, sizeof(name_rss), "load_rss_%s", which);
	snprintf(name_warm, sizeof(name_warm), "load_warm_%s", which);
	cold.name = name;
	cold.unit = "ms";
	cold.better = BENCH_LOWER;
	rss.name = name_rss;
	rss.unit = "KiB";
	rss.better = BENCH_LOWER;
	warm.name = name_warm;
	warm.unit = "ms";
	warm.better = BENCH_LOWER;

	bench_note("load: %s (%d programs, %d maps), cold x%d, warm x%d", which, progs, maps,
	           cold_rounds, warm_rounds);
	base = baseline_rss_kib();
	if (run_cold("load-evbpf", "load-libbpf", path, cold_rounds, &cold, &rss)) {
		bench_note("load: %s: a child failed", which);
		return -1;
	}
	if (run_warm(path, warm_rounds, &warm)) {
		bench_note("load: %s: in-process load failed: %s", which, evbpf_errmsg());
		return -1;
	}
	load_params(&cold, which, progs, maps, cold_rounds);
	load_params(&warm, which, progs, maps, warm_rounds);
	load_params(&rss, which, progs, maps, cold_rounds);
	bench_param(&rss, "baseline_kib", "%ld", base);
	if (core) {
		bench_param(&cold, "core_relocated", "%s", core_ok ? "true" : "false");
		bench_param(&warm, "core_relocated", "%s", core_ok ? "true" : "false");
		bench_param(&rss, "core_relocated", "%s", core_ok ? "true" : "false");
	}
	bench_report(&cold);
	bench_report(&warm);
	bench_report(&rss);
	return 0;
}

int bench_load(void)
{
	int err = bench_load_object("plain", false);

	if (bench_load_object("core", true))
		err = -1;
	return err;
}

int bench_btf(void)
{
	int cold_rounds = bench_env_int("BENCH_BTF_COLD_ROUNDS", 7);
	int warm_rounds = bench_env_int("BENCH_BTF_WARM_ROUNDS", 21);
	struct bench_result cold = {.name = "btf_parse_cold", .unit = "ms", .better = BENCH_LOWER};
	struct bench_result rss = {.name = "btf_parse_rss", .unit = "KiB", .better = BENCH_LOWER};
	struct bench_result warm = {.name = "btf_parse_warm", .unit = "ms", .better = BENCH_LOWER};
	struct bench_result full = {
	    .name = "btf_parse_validated", .unit = "ms", .better = BENCH_LOWER};
	double ev[256], ev_full[256], lb[256];
	long base, size = -1;
	FILE *f;

	if (access(VMLINUX_PATH, R_OK)) {
		bench_note("btf: %s not readable, skipped", VMLINUX_PATH);
		return 0;
	}
	f = fopen(VMLINUX_PATH, "r");
	if (f) {
		/* sysfs reports no size: count the bytes. */
		size = 0;
		while (fgetc(f) != EOF)
			size++;
		fclose(f);
	}
	if (warm_rounds > 256)
		warm_rounds = 256;
	bench_note("btf: %s (%ld bytes), cold x%d, warm x%d", VMLINUX_PATH, size, cold_rounds,
	           warm_rounds);
	base = baseline_rss_kib();
	if (run_cold("btf-evbpf", "btf-libbpf", "-", cold_rounds, &cold, &rss))
		return -1;
	for (int r = 0; r < warm_rounds; r++) {
		for (int k = 0; k < 3; k++) {
			int which = (r + k) % 3;
			uint64_t t0 = bench_now_ns();

			if (which == 2 ? libbpf_btf_once() : evbpf_btf_once(which))
				return -1;
			(which == 0   ? ev
			 : which == 1 ? ev_full
			              : lb)[r] = (double)(bench_now_ns() - t0) / 1e6;
		}
	}
	warm.evbpf = bench_median(ev, (size_t)warm_rounds);
	warm.libbpf = bench_median(lb, (size_t)warm_rounds);
	full.evbpf = bench_median(ev_full, (size_t)warm_rounds);
	full.libbpf = warm.libbpf;

	bench_param_str(&cold, "file", VMLINUX_PATH);
	bench_param(&cold, "bytes", "%ld", size);
	bench_param(&cold, "rounds", "%d", cold_rounds);
	bench_param_str(&cold, "libbpf_call", "btf__load_vmlinux_btf");
	bench_param_str(&warm, "file", VMLINUX_PATH);
	bench_param(&warm, "bytes", "%ld", size);
	bench_param(&warm, "rounds", "%d", warm_rounds);
	bench_param_str(&full, "file", VMLINUX_PATH);
	bench_param(&full, "rounds", "%d", warm_rounds);
	bench_param_str(&full, "evbpf_call", "evbpf__btf_parse (object-file validation)");
	bench_param_str(&rss, "file", VMLINUX_PATH);
	bench_param(&rss, "rounds", "%d", cold_rounds);
	bench_param(&rss, "baseline_kib", "%ld", base);
	bench_report(&cold);
	bench_report(&warm);
	bench_report(&full);
	bench_report(&rss);
	return 0;
}
