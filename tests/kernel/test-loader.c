/* SPDX-License-Identifier: MIT */
/*
 * The loader against the real kernel: objects with BTF maps, legacy maps,
 * every kind of global data and static/global subprograms load, and their
 * programs compute the right values under BPF_PROG_TEST_RUN.
 */
#include "common.h"

static struct evbpf_object *open_fixture(struct obj_state *s, const char *name)
{
	assert_ok(evbpf_object_open_file(FIXTURE(name), NULL, &s->obj));
	return s->obj;
}

static uint32_t run_xdp(struct evbpf_program *prog, uint32_t repeat)
{
	uint8_t pkt[64];
	struct evbpf_test_run_opts opts = {
		.sz = sizeof(opts),
		.data_in = pkt,
		.data_size_in = (uint32_t)test_packet(pkt, sizeof(pkt)),
		.repeat = repeat,
	};

	assert_ok(evbpf_program_test_run(prog, &opts));
	return opts.retval;
}

static uint64_t result(struct evbpf_object *obj, uint32_t idx)
{
	uint64_t v = 0;

	assert_ok(evbpf_map_lookup(evbpf_object_find_map(obj, "results"), &idx, &v));
	return v;
}

static void test_load_and_compute(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_object *obj;
	struct evbpf_program *compute, *second;
	uint64_t bss = 0, count = 0;
	uint32_t key = 1;

	REQUIRE_KERNEL();
	obj = open_fixture(s, "loader.bpf.o");
	assert_ok(evbpf_object_load(obj));
	compute = evbpf_object_find_program(obj, "compute");
	second = evbpf_object_find_program(obj, "second");
	assert_non_null(compute);
	assert_non_null(second);
	assert_true(evbpf_program_fd(compute) >= 0);
	assert_true(evbpf_program_fd(second) >= 0);

	assert_int_equal(run_xdp(compute, 1), 2 /* XDP_PASS */);
	assert_int_equal(result(obj, 0), 103);          /* .data + .rodata, static call */
	assert_int_equal(result(obj, 1), 7 * 11 + 5);   /* custom sections, global call */
	assert_int_equal(result(obj, 2), 1003);         /* nested subprogram calls */
	assert_int_equal(result(obj, 3), 1);            /* .bss starts zeroed */

	/* repeat=5 runs the program five more times. */
	run_xdp(compute, 5);
	assert_int_equal(result(obj, 3), 6);
	assert_ok(evbpf_object_get_global(obj, "bss_var", &bss, sizeof(bss)));
	assert_int_equal(bss, 6);
	assert_ok(evbpf_map_lookup(evbpf_object_find_map(obj, "counts"), &key, &count));
	assert_int_equal(count, 6);

	/* Two programs in one section share the subprogram. */
	assert_int_equal(run_xdp(second, 1), 1 /* XDP_DROP */);
	assert_int_equal(result(obj, 4), 2 * 21 + 5);
}

static void test_set_global_rodata(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_object *obj;
	uint32_t mult = 10, ro = 2, got = 0;
	uint64_t data = 1;

	REQUIRE_KERNEL();
	obj = open_fixture(s, "loader.bpf.o");
	assert_ok(evbpf_object_set_global(obj, "multiplier", &mult, sizeof(mult)));
	assert_ok(evbpf_object_set_global(obj, "ro_custom", &ro, sizeof(ro)));
	assert_ok(evbpf_object_set_global(obj, "data_var", &data, sizeof(data)));
	/* Wrong size and unknown names are refused with a message. */
	assert_int_equal(evbpf_object_set_global(obj, "multiplier", &data, sizeof(data)),
			 -EINVAL);
	assert_int_equal(evbpf_object_set_global(obj, "no_such_var", &mult, sizeof(mult)),
			 -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), "no_such_var"));
	assert_ok(evbpf_object_get_global(obj, "multiplier", &got, sizeof(got)));
	assert_int_equal(got, 10);

	assert_ok(evbpf_object_load(obj));
	/* multiplier != 3 now: the program returns XDP_DROP, and the values
	 * computed from the constants change. */
	assert_int_equal(run_xdp(evbpf_object_find_program(obj, "compute"), 1), 1);
	assert_int_equal(result(obj, 0), 1 + 10);
	assert_int_equal(result(obj, 1), 7 * 2 + 5);
	assert_int_equal(result(obj, 2), 1010);
	/* After load the globals are in the kernel: set_global is refused. */
	assert_int_equal(evbpf_object_set_global(obj, "multiplier", &mult, sizeof(mult)),
			 -EBUSY);
}

static void test_rodata_frozen(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_object *obj;
	struct evbpf_map *ro;
	uint8_t buf[64] = {0};
	uint32_t zero = 0;

	REQUIRE_KERNEL();
	obj = open_fixture(s, "loader.bpf.o");
	assert_ok(evbpf_object_load(obj));
	ro = evbpf_object_find_map(obj, ".rodata");
	assert_non_null(ro);
	assert_true(evbpf_map_flags(ro) & BPF_F_RDONLY_PROG);
	/* Frozen: user space can no longer write it either. */
	assert_int_equal(evbpf_map_update(ro, &zero, buf, 0), -EPERM);
	assert_ok(evbpf_map_lookup(ro, &zero, buf));
	assert_int_equal(*(uint32_t *)buf, 3);
	/* .data stays writable from user space. */
	assert_ok(evbpf_map_lookup(evbpf_object_find_map(obj, ".data"), &zero, buf));
	assert_int_equal(*(uint64_t *)buf, 100);
}

static void test_single_program_load(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_object *obj;
	struct evbpf_program *p;

	REQUIRE_KERNEL();
	obj = open_fixture(s, "loader.bpf.o");
	p = evbpf_object_find_program(obj, "second");
	assert_int_equal(evbpf_program_fd(p), -ENOENT);
	/* Aya's model: load one program; the maps it needs are created. */
	assert_ok(evbpf_program_load(p));
	assert_true(evbpf_program_fd(p) >= 0);
	assert_int_equal(evbpf_program_fd(evbpf_object_find_program(obj, "compute")), -ENOENT);
	assert_int_equal(run_xdp(p, 1), 1);
	assert_int_equal(result(obj, 4), 47);
	/* Loading again is a no-op. */
	assert_ok(evbpf_program_load(p));
}

static void test_map_api(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_object *obj;
	struct evbpf_map *counts, *percpu;
	uint32_t k, next, seen = 0;
	uint64_t v;
	int ncpu = evbpf_num_possible_cpus();
	uint8_t *vals;

	REQUIRE_KERNEL();
	assert_true(ncpu > 0);
	obj = open_fixture(s, "loader.bpf.o");
	counts = evbpf_object_find_map(obj, "counts");
	k = 1;
	assert_int_equal(evbpf_map_lookup(counts, &k, &v), -ENOENT); /* not loaded */
	assert_ok(evbpf_object_load(obj));
	for (k = 10; k < 15; k++) {
		v = k * 100;
		assert_ok(evbpf_map_update(counts, &k, &v, BPF_NOEXIST));
	}
	k = 10;
	assert_int_equal(evbpf_map_update(counts, &k, &v, BPF_NOEXIST), -EEXIST);
	assert_ok(evbpf_map_lookup(counts, &k, &v));
	assert_int_equal(v, 1000);
	assert_int_equal(evbpf_map_next_key(counts, NULL, &next), 0);
	k = next;
	do {
		assert_true(k >= 10 && k < 15);
		seen |= 1u << (k - 10);
	} while (evbpf_map_next_key(counts, &k, &k) == 0);
	assert_int_equal(seen, 0x1f);
	k = 12;
	assert_ok(evbpf_map_delete(counts, &k));
	assert_int_equal(evbpf_map_lookup(counts, &k, &v), -ENOENT);
	assert_int_equal(evbpf_map_delete(counts, &k), -ENOENT);

	/* Per-CPU values: one 8-byte slot per possible CPU. */
	percpu = evbpf_object_find_map(obj, "percpu");
	assert_int_equal(evbpf_map_value_buf_size(percpu), (size_t)ncpu * 8);
	vals = calloc((size_t)ncpu, 8);
	for (int c = 0; c < ncpu; c++)
		*(uint32_t *)(vals + c * 8) = 100 + (uint32_t)c;
	k = 0;
	assert_ok(evbpf_map_update(percpu, &k, vals, 0));
	memset(vals, 0, (size_t)ncpu * 8);
	assert_ok(evbpf_map_lookup(percpu, &k, vals));
	for (int c = 0; c < ncpu; c++)
		assert_int_equal(*(uint32_t *)(vals + c * 8), 100 + (uint32_t)c);
	free(vals);
}

static void test_legacy_maps(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_object *obj;
	uint32_t k = 7, idx = 2, a = 0;
	uint64_t v = 0;

	REQUIRE_KERNEL();
	obj = open_fixture(s, "legacy.bpf.o");
	assert_int_equal(evbpf_map_max_entries(evbpf_object_find_map(obj, "legacy_hash")), 16);
	assert_ok(evbpf_object_load(obj));
	assert_int_equal(run_xdp(evbpf_object_find_program(obj, "legacy_prog"), 1), 2);
	assert_ok(evbpf_map_lookup(evbpf_object_find_map(obj, "legacy_hash"), &k, &v));
	assert_int_equal(v, 4242);
	assert_ok(evbpf_map_lookup(evbpf_object_find_map(obj, "legacy_array"), &idx, &a));
	assert_int_equal(a, 99);
}

static void test_verifier_rejection(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_object *obj;
	struct evbpf_program *p;
	int err;

	REQUIRE_KERNEL();
	obj = open_fixture(s, "sizes.bpf.o");
	/* Sizes filled in at open, before any kernel call. */
	assert_int_equal(evbpf_map_max_entries(evbpf_object_find_map(obj, "rb")), 8192);
	assert_int_equal(evbpf_map_max_entries(evbpf_object_find_map(obj, "perf")),
			 (uint32_t)evbpf_num_possible_cpus());
	err = evbpf_object_load(obj);
	assert_true(err == -EACCES || err == -EINVAL);
	/* The message names the program and carries the verifier's reason. */
	assert_non_null(strstr(evbpf_errmsg(), "prog 'rejected'"));
	assert_non_null(strstr(evbpf_errmsg(), "invalid access to packet"));
	p = evbpf_object_find_program(obj, "rejected");
	assert_non_null(evbpf_program_log(p));
	assert_int_equal(evbpf_program_fd(p), -ENOENT);
	/* A failed load leaves no map behind. */
	assert_int_equal(evbpf_map_fd(evbpf_object_find_map(obj, "rb")), -ENOENT);
}

static void test_socket_filter_test_run(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_object *obj;
	uint8_t pkt[64];
	struct evbpf_test_run_opts opts = {.sz = sizeof(opts), .data_in = pkt};

	REQUIRE_KERNEL();
	obj = open_fixture(s, "loader.bpf.o");
	assert_ok(evbpf_object_load(obj));
	opts.data_size_in = (uint32_t)test_packet(pkt, sizeof(pkt));
	assert_ok(evbpf_program_test_run(evbpf_object_find_program(obj, "sock_prog"), &opts));
	/* The kernel pulls the 14-byte Ethernet header before the filter runs. */
	assert_int_equal(result(obj, 5), opts.data_size_in - 14);
}

static void test_syscall_program(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_object *obj;
	uint64_t args[2] = {6, 7};
	struct evbpf_test_run_opts opts = {
		.sz = sizeof(opts),
		.ctx_in = args,
		.ctx_size_in = sizeof(args),
	};

	REQUIRE_PROG_TYPE(BPF_PROG_TYPE_SYSCALL);
	obj = open_fixture(s, "loader_syscall.bpf.o");
	/* Loadable only as sleepable, which the section implies. */
	assert_ok(evbpf_object_load(obj));
	assert_ok(evbpf_program_test_run(evbpf_object_find_program(obj, "sys_prog"), &opts));
	assert_int_equal(opts.retval, 7);
	assert_int_equal(result(obj, 6), 42);
}

static void test_standalone_maps(void **st)
{
	struct evbpf_map *m = NULL, *m2 = NULL;
	uint32_t k = 3, v = 33, out = 0;
	int before = fd_count();

	(void)st;
	REQUIRE_KERNEL();
	assert_ok(evbpf_map_create(BPF_MAP_TYPE_HASH, "standalone", 4, 4, 8, NULL, &m));
	assert_ok(evbpf_map_update(m, &k, &v, 0));
	assert_ok(evbpf_map_from_fd(evbpf_map_fd(m), &m2));
	assert_string_equal(evbpf_map_name(m2), "standalone");
	assert_int_equal(evbpf_map_type(m2), BPF_MAP_TYPE_HASH);
	assert_ok(evbpf_map_lookup(m2, &k, &out));
	assert_int_equal(out, 33);
	evbpf_map_free(m);
	evbpf_map_free(m2);
	assert_int_equal(evbpf_map_create(BPF_MAP_TYPE_HASH, "bad", 0, 0, 0, NULL, &m), -EINVAL);
	assert_int_equal(fd_count(), before);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load_and_compute, obj_state_setup, obj_state_teardown),
		cmocka_unit_test_setup_teardown(test_set_global_rodata, obj_state_setup, obj_state_teardown),
		cmocka_unit_test_setup_teardown(test_rodata_frozen, obj_state_setup, obj_state_teardown),
		cmocka_unit_test_setup_teardown(test_single_program_load, obj_state_setup, obj_state_teardown),
		cmocka_unit_test_setup_teardown(test_map_api, obj_state_setup, obj_state_teardown),
		cmocka_unit_test_setup_teardown(test_legacy_maps, obj_state_setup, obj_state_teardown),
		cmocka_unit_test_setup_teardown(test_verifier_rejection, obj_state_setup, obj_state_teardown),
		cmocka_unit_test_setup_teardown(test_socket_filter_test_run, obj_state_setup, obj_state_teardown),
		cmocka_unit_test_setup_teardown(test_syscall_program, obj_state_setup, obj_state_teardown),
		cmocka_unit_test_setup_teardown(test_standalone_maps, obj_state_setup, obj_state_teardown),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
