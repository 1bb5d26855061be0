/* SPDX-License-Identifier: MIT */
/*
 * `evbpf run --map` / `--hist` on per-CPU maps (tools/run_view.c): the
 * fixture run_table.bpf.o counts into a per-CPU array histogram, a per-CPU
 * hash of histograms, a per-CPU hash of counters and an LRU per-CPU hash
 * of a struct of counters. BPF_PROG_TEST_RUN runs its raw_tp program twice
 * on one CPU and once on another (BPF_F_TEST_RUN_ON_CPU, 5.10+), so the
 * values are split over CPUs in a known way and the printed totals are
 * known: the views must sum them. A value that cannot be summed (the
 * record scratch buffer) prints one value per CPU.
 */
#include "common.h"
#include "internal.h"
#include "../tools/json_btf.c"
#include "../tools/run_view.c"

struct fixture {
	struct evbpf_object *obj;
	int cpus[2]; /* where the runs went: 2 on cpus[0], 1 on cpus[1] */
	int fds;
};

/* Two CPUs this process may run on (the same one twice when it has one). */
static void pick_cpus(int cpus[2])
{
	cpu_set_t set;
	int n = 0;

	cpus[0] = cpus[1] = 0;
	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	for (int c = 0; c < CPU_SETSIZE && n < 2; c++)
		if (CPU_ISSET(c, &set))
			cpus[n++] = c;
	if (n == 1)
		cpus[1] = cpus[0];
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct evbpf_program *p;
	bool any = true;

	REQUIRE_KERNEL();
	REQUIRE_PROG_TYPE(BPF_PROG_TYPE_RAW_TRACEPOINT);
	REQUIRE_MAP_TYPE(BPF_MAP_TYPE_LRU_PERCPU_HASH);
	assert_non_null(f);
	f->fds = fd_count();
	assert_ok(evbpf_object_open_file(FIXTURE("run_table.bpf.o"), NULL, &f->obj));
	assert_ok(evbpf_object_set_global(f->obj, "any_comm", &any, 1));
	assert_ok(evbpf_object_load(f->obj));
	p = evbpf_object_find_program(f->obj, "tbl_exec");
	assert_non_null(p);
	pick_cpus(f->cpus);
	for (int run = 0; run < 3; run++) {
		struct evbpf_test_run_opts opts = {
		    .sz = sizeof(opts),
		    .flags = BPF_F_TEST_RUN_ON_CPU,
		    .cpu = (uint32_t)f->cpus[run == 2],
		};

		assert_ok(evbpf_program_test_run(p, &opts));
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (!f)
		return 0;
	evbpf_object_close(f->obj);
	assert_int_equal(fd_count(), f->fds);
	free(f);
	return 0;
}

/* The view of map name printed once; the caller frees the text. */
static char *view_text(struct fixture *f, const char *name, bool hist)
{
	struct run_view *v = NULL;
	char msg[256] = "", *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	if (run_view_new(f->obj, name, hist, 0, 1000, msg, sizeof(msg), &v))
		fail_msg("run_view_new: %s", msg);
	run_view_set_output(v, out);
	assert_ok(run_view_poll(v));
	run_view_free(v);
	fclose(out);
	return text;
}

/* The premise: the counts really are split over CPUs as the runs went. */
static void test_split(void **state)
{
	struct fixture *f = *state;
	const struct evbpf_map *m = evbpf_object_find_map(f->obj, "pcpu_counts");
	int ncpus = evbpf_num_possible_cpus();
	uint32_t key = 7;
	uint64_t *vals;

	assert_non_null(m);
	assert_true(ncpus > 0);
	vals = calloc((size_t)ncpus, 8);
	assert_non_null(vals);
	assert_ok(evbpf_map_lookup(m, &key, vals));
	if (f->cpus[0] != f->cpus[1]) {
		assert_int_equal(vals[f->cpus[0]], 2);
		assert_int_equal(vals[f->cpus[1]], 1);
	} else {
		assert_int_equal(vals[f->cpus[0]], 3);
	}
	free(vals);
}

/* A per-CPU array of u64 slots: one histogram, the sum, no key line. */
static void test_percpu_array_hist(void **state)
{
	char *text = view_text(*state, "pcpu_hist", true);

	assert_non_null(strstr(text, " map 'pcpu_hist':\n"));
	assert_null(strstr(text, "key ="));
	assert_non_null(strstr(text, "        64 -> 127        : 3          |****"));
	assert_non_null(strstr(text, "        32 -> 63         : 0          |"));
	/* Up to the last used slot (6): 7 rows. */
	{
		int rows = 0;

		for (const char *p = text; (p = strstr(p, " -> ")); p++)
			rows++;
		assert_int_equal(rows, 7);
	}
	free(text);
}

/* A per-CPU hash of struct hist { u32 slots[20]; }: per key, summed. */
static void test_percpu_hash_hist(void **state)
{
	char *text = view_text(*state, "pcpu_khist", true);

	assert_non_null(strstr(text, "key = 7\n"));
	assert_non_null(strstr(text, "        64 -> 127        : 3          |****"));
	free(text);
}

/* Tables: a per-CPU hash of u64 and an LRU per-CPU hash of a struct of
 * counters, summed member by member. */
static void test_percpu_tables(void **state)
{
	char *text = view_text(*state, "pcpu_counts", false);

	assert_non_null(strstr(text, " map 'pcpu_counts': 1 entry\n"));
	assert_non_null(strstr(text, "\n  7                                3\n"));
	free(text);
	text = view_text(*state, "pcpu_stats", false);
	assert_non_null(
	    strstr(text, "\n  7                                {\"calls\":3,\"bytes\":30}\n"));
	free(text);
}

/* A value with strings and enums in it: one per CPU, not a sum. */
static void test_percpu_list(void **state)
{
	struct fixture *f = *state;
	char *text = view_text(f, "scratch", false);
	int ncpus = evbpf_num_possible_cpus(), pids = 0;
	const char *line = strstr(text, "\n  0 ");

	assert_non_null(line);
	assert_non_null(strstr(line, "[{\"pid\":"));
	for (const char *p = line; (p = strstr(p, "\"pid\":")); p++)
		pids++;
	assert_int_equal(pids, ncpus);
	/* The CPU that ran it last holds the record, its strings a list. */
	assert_non_null(strstr(line, "\"args\":[\"one\",\"two words\",\"three\"]"));
	free(text);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split),
	    cmocka_unit_test(test_percpu_array_hist),
	    cmocka_unit_test(test_percpu_hash_hist),
	    cmocka_unit_test(test_percpu_tables),
	    cmocka_unit_test(test_percpu_list),
	};

	return RUN_TESTS(tests, setup, teardown);
}
