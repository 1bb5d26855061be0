/* SPDX-License-Identifier: MIT */
/*
 * Loader features real objects use: static initial values of a map-in-map
 * and a program array (.rel.maps), tail calls, arrays in .bss, bpf_loop
 * callbacks (function pointers into .text) and bpf_printk strings.
 * bpf_loop is Linux 5.17: its program is left out of the first test's load
 * (autoload off), so older kernels load the rest.
 */
#include "common.h"

static int fds_before;

static int setup(void **st)
{
	(void)st;
	fds_before = fd_count();
	return 0;
}

static int teardown(void **st)
{
	evbpf_object_close(*st);
	assert_int_equal(fd_count(), fds_before);
	return 0;
}

static uint32_t run(struct evbpf_program *prog)
{
	uint8_t pkt[64];
	struct evbpf_test_run_opts opts = {.sz = sizeof(opts), .data_in = pkt};

	opts.data_size_in = (uint32_t)test_packet(pkt, sizeof(pkt));
	assert_ok(evbpf_program_test_run(prog, &opts));
	return opts.retval;
}

static uint64_t out(struct evbpf_object *obj, uint32_t idx)
{
	uint64_t v = 0;

	assert_ok(evbpf_map_lookup(evbpf_object_find_map(obj, "out"), &idx, &v));
	return v;
}

static void test_map_in_map_and_tail_call(void **st)
{
	struct evbpf_object *obj;
	uint32_t one = 1, zero = 0, hits = 0;
	uint64_t val = 555;
	int inner_id_fd;

	REQUIRE_KERNEL();
	assert_ok(evbpf_object_open_file(FIXTURE("features.bpf.o"), NULL, &obj));
	*st = obj;
	assert_ok(evbpf_program_set_autoload(evbpf_object_find_program(obj, "callbacks"), 0));
	assert_ok(evbpf_object_load(obj));
	assert_int_equal(evbpf_program_fd(evbpf_object_find_program(obj, "callbacks")), -ENOENT);
	/* outer[0] = inner_a and jump[0] = tail_target came from .rel.maps. */
	assert_ok(evbpf_map_update(evbpf_object_find_map(obj, "inner_a"), &one, &val, 0));
	assert_ok(evbpf_map_lookup(evbpf_object_find_map(obj, "outer"), &zero, &inner_id_fd));
	assert_true(inner_id_fd > 0); /* lookups of map-in-map return the inner map's id */
	assert_ok(evbpf_map_lookup(evbpf_object_find_map(obj, "jump"), &zero, &inner_id_fd));
	assert_true(inner_id_fd > 0);

	/* XDP_PASS comes from the tail-called program, not XDP_ABORTED. */
	assert_int_equal(run(evbpf_object_find_program(obj, "features")), 2);
	assert_int_equal(out(obj, 1), 555);
	assert_int_equal(out(obj, 2), 77 + 5);
	assert_ok(evbpf_object_get_global(obj, "tail_hits", &hits, sizeof(hits)));
	assert_int_equal(hits, 1);
}

static void test_callbacks(void **st)
{
	struct evbpf_object *obj;

	REQUIRE_HELPER(BPF_PROG_TYPE_XDP, BPF_FUNC_loop); /* Linux 5.17 */
	assert_ok(evbpf_object_open_file(FIXTURE("features.bpf.o"), NULL, &obj));
	*st = obj;
	assert_ok(evbpf_object_load(obj));
	assert_int_equal(run(evbpf_object_find_program(obj, "callbacks")), 2);
	assert_int_equal(out(obj, 0), 45);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_map_in_map_and_tail_call, setup, teardown),
		cmocka_unit_test_setup_teardown(test_callbacks, setup, teardown),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
