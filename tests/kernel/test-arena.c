/* SPDX-License-Identifier: MIT */
/*
 * Arena globals (Linux 6.9): a variable in .addr_space.1 lives in the
 * object's arena map. clang 18 and later emit such objects; the clang of
 * this build may be older, so the object is assembled here: an arena map
 * in "maps", a global in .addr_space.1 holding 42 at offset 8 (after
 * another one), and a socket filter that takes its address, casts it
 * into the arena (addr_space_cast) and returns what it reads. A test run
 * returning 42 proves the initial bytes went where the relocated
 * instruction points.
 */
#include <stdbool.h>

#include "common.h"
#include "unit/elf_builder.h"

#define MAP_TYPE_ARENA 33
#define F_MMAPABLE     (1U << 10)

/* big: .addr_space.1 holds 8 KiB (zeros) instead of the two globals. */
static uint8_t *arena_object(uint32_t pages, bool big, size_t *size)
{
	const struct bpf_insn insns[] = {
	    {.code = BPF_LD | BPF_IMM | BPF_DW, .dst_reg = 1},
	    {0},
	    /* r1 = addr_space_cast(r1, 0, 1): the arena's user address
	     * as a pointer the program may dereference. */
	    {.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 1, .src_reg = 1, .off = 1, .imm = 1},
	    {.code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = 0, .src_reg = 1},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	uint32_t def[5] = {MAP_TYPE_ARENA, 0, 0, pages, F_MMAPABLE};
	uint32_t data[4] = {7, 0, 42, 0};
	struct elf_builder *b = eb_new();
	int code, maps, arena;
	uint32_t var;
	uint8_t *buf;

	code = eb_add_code(b, "socket", insns, sizeof(insns) / sizeof(insns[0]));
	maps = eb_add_sec(b, "maps", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, def, sizeof(def));
	if (big)
		arena =
		    eb_add_sec(b, ".addr_space.1", SHT_NOBITS, SHF_ALLOC | SHF_WRITE, NULL, 8192);
	else
		arena = eb_add_sec(b, ".addr_space.1", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, data,
		                   sizeof(data));
	eb_add_sec(b, "license", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, "GPL", 4);
	eb_add_sym(b, "read_arena", code, 0, sizeof(insns), STB_GLOBAL, STT_FUNC);
	eb_add_sym(b, "arena", maps, 0, sizeof(def), STB_GLOBAL, STT_OBJECT);
	eb_add_sym(b, "first", arena, 0, 4, STB_GLOBAL, STT_OBJECT);
	var = eb_add_sym(b, "answer", arena, 8, 4, STB_GLOBAL, STT_OBJECT);
	eb_add_rel(b, code, 0, var, 1 /* R_BPF_64_64 */);
	buf = eb_finish(b, size);
	free(b);
	return buf;
}

static void test_arena_global(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_test_run_opts run = {.sz = sizeof(run), .repeat = 1};
	uint8_t pkt[64];
	size_t size;
	uint8_t *buf;

	REQUIRE_MAP_TYPE(MAP_TYPE_ARENA);
	buf = arena_object(4, false, &size);
	assert_ok(evbpf_object_open_mem(buf, size, NULL, &s->obj));
	free(buf);
	assert_ok(evbpf_object_load(s->obj));
	run.data_in = pkt;
	run.data_size_in = (uint32_t)test_packet(pkt, sizeof(pkt));
	assert_ok(evbpf_program_test_run(evbpf_object_find_program(s->obj, "read_arena"), &run));
	assert_int_equal(run.retval, 42);
}

/* Globals that need more pages than the arena has are refused at load. */
static void test_arena_too_small(void **st)
{
	struct obj_state *s = *st;
	size_t size;
	uint8_t *buf;

	REQUIRE_MAP_TYPE(MAP_TYPE_ARENA);
	buf = arena_object(1, true, &size);
	assert_ok(evbpf_object_open_mem(buf, size, NULL, &s->obj));
	free(buf);
	assert_int_equal(evbpf_object_load(s->obj), -E2BIG);
	assert_non_null(strstr(evbpf_errmsg(), "arena 'arena'"));
}

/* Without an arena map the globals have nowhere to live: open says so. */
static void test_arena_without_map(void **st)
{
	struct elf_builder *b = eb_new();
	struct evbpf_object *obj = NULL;
	uint32_t data = 1;
	size_t size;
	uint8_t *buf;

	(void)st;
	eb_add_code(b, "socket", (const struct bpf_insn[]){{.code = BPF_JMP | BPF_EXIT}}, 1);
	eb_add_sym(b, "p", 1, 0, 8, STB_GLOBAL, STT_FUNC);
	eb_add_sec(b, ".addr_space.1", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, &data, 4);
	buf = eb_finish(b, &size);
	free(b);
	assert_int_equal(evbpf_object_open_mem(buf, size, NULL, &obj), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "arena map"));
	assert_null(obj);
	free(buf);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_arena_global, obj_state_setup, obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_arena_too_small, obj_state_setup,
	                                    obj_state_teardown),
	    cmocka_unit_test(test_arena_without_map),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
