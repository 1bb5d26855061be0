/* SPDX-License-Identifier: MIT */
/*
 * Resource hygiene on error paths: failures injected at load and attach
 * (a map the kernel refuses to create, a map type that does not exist, a
 * program the verifier rejects, attach targets that do not exist) must
 * release everything the failed call created. Each test counts this
 * process's fds before and after, checks the object is still usable (fixed
 * and loaded again, or closed), and that failing many times in a row does
 * not accumulate anything.
 */
#include "common.h"
#include "internal.h"
#include "../unit/elf_builder.h"

static const struct bpf_insn ret0[] = {
    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
    {.code = BPF_JMP | BPF_EXIT},
};

/* exit without setting r0: the verifier says "R0 !read_ok". */
static const struct bpf_insn bad_exit[] = {
    {.code = BPF_JMP | BPF_EXIT},
};

/*
 * An object with two legacy maps (a good array "good" and "bad" of
 * bad_type), one program per (section, insns) pair, and a GPL license.
 */
static struct evbpf_object *craft(uint32_t bad_type, const char *sec, const struct bpf_insn *insns,
                                  size_t cnt)
{
	struct elf_builder *b = eb_new();
	uint32_t defs[2][5] = {{BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0}, {bad_type, 4, 8, 4, 0}};
	struct evbpf_object *obj;
	int code, maps;
	size_t size;
	uint8_t *buf;

	code = eb_add_code(b, sec, insns, cnt);
	maps = eb_add_sec(b, "maps", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, defs, sizeof(defs));
	eb_add_sec(b, "license", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, "GPL", 4);
	eb_add_sym(b, "prog", code, 0, cnt * sizeof(*insns), STB_GLOBAL, STT_FUNC);
	eb_add_sym(b, "good", maps, 0, 20, STB_GLOBAL, STT_OBJECT);
	eb_add_sym(b, "bad", maps, 20, 20, STB_GLOBAL, STT_OBJECT);
	buf = eb_finish(b, &size);
	assert_ok(evbpf_object_open_mem(buf, size, NULL, &obj));
	free(buf);
	free(b);
	return obj;
}

static void assert_no_fds(const struct evbpf_object *obj)
{
	const struct evbpf_map *m = NULL;
	const struct evbpf_program *p = NULL;

	while ((m = evbpf_object_next_map(obj, m)))
		assert_int_equal(evbpf_map_fd(m), -ENOENT);
	while ((p = evbpf_object_next_program(obj, p)))
		assert_int_equal(evbpf_program_fd(p), -ENOENT);
}

static void expect_msg(const char *needle)
{
	if (!strstr(evbpf_errmsg(), needle))
		fail_msg("message \"%s\" does not mention \"%s\"", evbpf_errmsg(), needle);
}

/* A map the kernel refuses (a hash with max_entries 0), after another map
 * was already created: that one must be closed again. Then fixed, it loads. */
static void test_map_create_fails(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_map *counts;
	int before, err;

	REQUIRE_KERNEL();
	assert_ok(evbpf_object_open_file(FIXTURE("loader.bpf.o"), NULL, &s->obj));
	before = fd_count();
	counts = evbpf_object_find_map(s->obj, "counts");
	assert_non_null(counts);
	assert_ok(evbpf_map_set_max_entries(counts, 0));
	err = evbpf_object_load(s->obj);
	assert_true(err < 0);
	expect_msg("map 'counts': BPF_MAP_CREATE");
	assert_int_equal(fd_count(), before);
	assert_no_fds(s->obj);

	assert_ok(evbpf_map_set_max_entries(counts, 64));
	assert_ok(evbpf_object_load(s->obj));
	assert_true(evbpf_map_fd(counts) >= 0);
	assert_true(fd_count() > before);
}

/* A map type no kernel has, in a crafted object. */
static void test_invalid_map_type(void **st)
{
	struct obj_state *s = *st;
	int before, err;

	REQUIRE_KERNEL();
	s->obj = craft(0x7fff, "xdp", ret0, 2);
	before = fd_count();
	for (int i = 0; i < 20; i++) {
		err = evbpf_object_load(s->obj);
		assert_true(err < 0);
		expect_msg("map 'bad'");
		assert_int_equal(fd_count(), before);
	}
	assert_no_fds(s->obj);
}

/* The verifier rejects the program after both maps were created. */
static void test_program_rejected(void **st)
{
	struct obj_state *s = *st;
	int before, err;

	REQUIRE_KERNEL();
	s->obj = craft(BPF_MAP_TYPE_HASH, "xdp", bad_exit, 1);
	before = fd_count();
	for (int i = 0; i < 10; i++) {
		err = evbpf_object_load(s->obj);
		assert_true(err < 0);
		expect_msg("R0 !read_ok");
		assert_int_equal(fd_count(), before);
		assert_no_fds(s->obj);
	}
	/* The log of the failed load stays with the program. */
	assert_non_null(evbpf_program_log(evbpf_object_find_program(s->obj, "prog")));
}

/* One program at a time (Aya's model): a failure leaves no program fd,
 * and whatever maps it made are released by close. */
static void test_single_program_rejected(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_program *prog;
	int before;

	REQUIRE_KERNEL();
	s->obj = craft(BPF_MAP_TYPE_HASH, "xdp", bad_exit, 1);
	prog = evbpf_object_find_program(s->obj, "prog");
	before = fd_count();
	for (int i = 0; i < 10; i++) {
		assert_true(evbpf_program_load(prog) < 0);
		assert_int_equal(evbpf_program_fd(prog), -ENOENT);
	}
	/* Repeated failures hold at most what one success would (maps, BTF),
	 * not one set per attempt. */
	assert_true(fd_count() <= before + 3);
}

/* Attaching to targets that do not exist leaves the loaded program alone,
 * creates no link and leaks no perf event fd. */
static void test_attach_fails(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_program *prog;
	struct evbpf_link *link = (struct evbpf_link *)st; /* must stay untouched */
	int before;

	REQUIRE_KERNEL();
	s->obj = craft(BPF_MAP_TYPE_HASH, "kprobe/evbpf_no_such_function_x", ret0, 2);
	assert_ok(evbpf_object_load(s->obj));
	prog = evbpf_object_find_program(s->obj, "prog");
	before = fd_count();
	for (int i = 0; i < 5; i++) {
		assert_true(evbpf_program_attach(prog, &link) < 0);
		assert_ptr_equal(link, st);
		assert_true(evbpf_program_attach_kprobe(prog, i & 1, "evbpf_no_such_function_y",
		                                        NULL, &link) < 0);
		assert_ptr_equal(link, st);
		assert_true(evbpf_program_attach_tracepoint(prog, "evbpf_no_such", "event", &link) <
		            0);
		assert_ptr_equal(link, st);
		assert_true(evbpf_program_attach_raw_tracepoint(prog, "evbpf_no_such_tp", &link) <
		            0);
		assert_ptr_equal(link, st);
		assert_int_equal(fd_count(), before);
	}
	assert_true(evbpf_program_fd(prog) >= 0);
}

/* Reusing an fd of the wrong shape fails without keeping a dup of it. */
static void test_reuse_fd_mismatch(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_map *other = NULL, *good;
	int before;

	REQUIRE_KERNEL();
	s->obj = craft(BPF_MAP_TYPE_HASH, "xdp", ret0, 2);
	assert_ok(evbpf_map_create(BPF_MAP_TYPE_HASH, "other", 4, 16, 4, NULL, &other));
	good = evbpf_object_find_map(s->obj, "good");
	before = fd_count();
	assert_true(evbpf_map_reuse_fd(good, evbpf_map_fd(other)) < 0);
	expect_msg("different shape");
	assert_true(evbpf_map_reuse_fd(good, 12345) < 0);
	assert_int_equal(fd_count(), before);
	assert_int_equal(evbpf_map_fd(good), -ENOENT);
	evbpf_map_free(other);
}

/* Standalone maps the kernel refuses: no fd, out parameter untouched. */
static void test_map_create_standalone_fails(void **st)
{
	struct evbpf_map *map = (struct evbpf_map *)st;
	int before = fd_count();

	REQUIRE_KERNEL();
	assert_true(evbpf_map_create(0x7fff, "nope", 4, 4, 1, NULL, &map) < 0);
	assert_true(evbpf_map_create(BPF_MAP_TYPE_HASH, "nope", 4, 4, 0, NULL, &map) < 0);
	assert_true(evbpf_map_create(BPF_MAP_TYPE_ARRAY, "nope", 4, 0, 1, NULL, &map) < 0);
	assert_ptr_equal(map, st);
	assert_int_equal(fd_count(), before);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_map_create_fails, obj_state_setup, obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_invalid_map_type, obj_state_setup, obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_program_rejected, obj_state_setup, obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_single_program_rejected, obj_state_setup, obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_attach_fails, obj_state_setup, obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_reuse_fd_mismatch, obj_state_setup, obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_map_create_standalone_fails, obj_state_setup, obj_state_teardown),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
