/* SPDX-License-Identifier: MIT */
/*
 * Known classes of bad input, one test each: a small object crafted in
 * memory (elf_builder.h) that opens, then the same object with exactly one
 * thing broken, which must fail with a negative errno and a message that
 * names the problem. Then truncations of the real fixtures at every length
 * and deterministic random bit flips, which must fail cleanly or open, and
 * never crash. These are the crash classes fuzzers found in other loaders
 * (libbpf's bpf-object-fuzzer, cilium/ebpf), kept as regression tests.
 */
#include <sys/wait.h>

#include "common.h"
#include "internal.h"
#include "elf_builder.h"

/* ---------------------------------------------------------------- helpers */

static const struct bpf_insn prog_ret2[] = {
    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 2},
    {.code = BPF_JMP | BPF_EXIT},
};

/* r1 = <map or global> (ld_imm64, relocated), r0 = 2, exit */
static const struct bpf_insn prog_ldimm64[] = {
    {.code = BPF_LD | BPF_IMM | BPF_DW, .dst_reg = 1},
    {0},
    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 2},
    {.code = BPF_JMP | BPF_EXIT},
};

/* A well-formed object: one XDP program and a license. */
static struct elf_builder *base_object(int *xdp)
{
	struct elf_builder *b = eb_new();
	int sec = eb_add_code(b, "xdp", prog_ret2, 2);

	eb_add_sec(b, "license", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, "GPL", 4);
	eb_add_sym(b, "prog", sec, 0, sizeof(prog_ret2), STB_GLOBAL, STT_FUNC);
	if (xdp)
		*xdp = sec;
	return b;
}

/* A program whose ld_imm64 refers to a legacy map "m" (relocation #0). */
static struct elf_builder *map_object(int *xdp, uint32_t *map_sym)
{
	struct elf_builder *b = eb_new();
	uint32_t def[5] = {BPF_MAP_TYPE_ARRAY, 4, 8, 16, 0};
	int code = eb_add_code(b, "xdp", prog_ldimm64, 4);
	int maps = eb_add_sec(b, "maps", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, def, sizeof(def));

	eb_add_sec(b, "license", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, "GPL", 4);
	eb_add_sym(b, "prog", code, 0, sizeof(prog_ldimm64), STB_GLOBAL, STT_FUNC);
	*map_sym = eb_add_sym(b, "m", maps, 0, sizeof(def), STB_GLOBAL, STT_OBJECT);
	*xdp = code;
	return b;
}

/* Open must succeed: proves a builder object is well formed, so that the
 * broken variant fails for the reason the test breaks and no other. */
static void expect_ok(const uint8_t *buf, size_t size)
{
	struct evbpf_object *obj = NULL;

	assert_ok(evbpf_object_open_mem(buf, size, NULL, &obj));
	assert_non_null(obj);
	evbpf_object_close(obj);
}

static void expect_fail_err(const uint8_t *buf, size_t size, int want_err, const char *needle)
{
	struct evbpf_object *obj = (struct evbpf_object *)buf; /* must stay untouched */
	int err = evbpf_object_open_mem(buf, size, NULL, &obj);

	if (err >= 0)
		fail_msg("a broken object opened (expected an error mentioning \"%s\")", needle);
	assert_ptr_equal(obj, buf);
	if (want_err)
		assert_int_equal(err, want_err);
	if (!strstr(evbpf_errmsg(), needle))
		fail_msg("error %d: message \"%s\" does not mention \"%s\"", err, evbpf_errmsg(),
		         needle);
}

static void expect_fail(const uint8_t *buf, size_t size, const char *needle)
{
	expect_fail_err(buf, size, -EINVAL, needle);
}

static uint8_t *finish_ok(struct elf_builder *b, size_t *size)
{
	uint8_t *buf = eb_finish(b, size);

	expect_ok(buf, *size);
	return buf;
}

/* ------------------------------------------------------------ ELF layout */

static void test_base_objects_open(void **st)
{
	struct elf_builder *b = base_object(NULL);
	struct evbpf_object *obj;
	uint32_t map_sym;
	uint8_t *buf;
	size_t size;
	int xdp;

	buf = eb_finish(b, &size);
	assert_ok(evbpf_object_open_mem(buf, size, NULL, &obj));
	assert_non_null(evbpf_object_find_program(obj, "prog"));
	assert_string_equal(evbpf_object_license(obj), "GPL");
	evbpf_object_close(obj);
	free(buf);
	free(b);

	b = map_object(&xdp, &map_sym);
	eb_add_rel(b, xdp, 0, map_sym, 1 /* R_BPF_64_64 */);
	buf = eb_finish(b, &size);
	assert_ok(evbpf_object_open_mem(buf, size, NULL, &obj));
	assert_non_null(evbpf_object_find_map(obj, "m"));
	assert_int_equal(evbpf_map_max_entries(evbpf_object_find_map(obj, "m")), 16);
	evbpf_object_close(obj);
	free(buf);
	free(b);
}

static void test_not_elf(void **st)
{
	static const uint8_t junk[128] = "this is not an ELF file";

	expect_fail(junk, sizeof(junk), "not an ELF file");
	expect_fail(junk, 10, "too short for an ELF header");
	expect_fail(junk, 0, "too short");
}

static void test_section_table_past_end(void **st)
{
	struct elf_builder *b = base_object(NULL);
	size_t size;
	uint8_t *buf = finish_ok(b, &size);

	eb_ehdr(buf)->e_shoff = size + 4096;
	expect_fail(buf, size, "section header table at");
	/* Near UINT64_MAX: offset + header size must not wrap around. */
	eb_ehdr(buf)->e_shoff = UINT64_MAX - 7;
	expect_fail(buf, size, "past the end of the file");
	free(buf);
	free(b);
}

static void test_section_count_past_end(void **st)
{
	struct elf_builder *b = base_object(NULL);
	size_t size;
	uint8_t *buf = finish_ok(b, &size);
	uint16_t shnum = eb_ehdr(buf)->e_shnum;

	eb_ehdr(buf)->e_shnum = 0xff00;
	expect_fail(buf, size, "65280 section headers do not fit");
	/* An extended count (e_shnum 0, real count in section 0's sh_size)
	 * large enough to overflow count * sizeof(Elf64_Shdr). */
	eb_ehdr(buf)->e_shnum = 0;
	eb_shdr(buf, 0)->sh_size = 1ull << 60;
	expect_fail(buf, size, "section headers do not fit");
	/* A string table index past the count. */
	eb_ehdr(buf)->e_shnum = shnum;
	eb_shdr(buf, 0)->sh_size = 0;
	eb_ehdr(buf)->e_shstrndx = shnum;
	expect_fail(buf, size, "section name table index");
	free(buf);
	free(b);
}

static void test_section_data_past_end(void **st)
{
	struct elf_builder *b = base_object(NULL);
	size_t size;
	uint8_t *buf = finish_ok(b, &size);
	Elf64_Shdr *sh = eb_shdr_by_name(buf, "xdp");

	sh->sh_offset = size - 8;
	expect_fail(buf, size, "section 'xdp': offset");
	sh->sh_offset = 64;
	sh->sh_size = UINT64_MAX - 32; /* offset + size wraps */
	expect_fail(buf, size, "is past the end of the file");
	free(buf);
	free(b);
}

static void test_entsize_zero(void **st)
{
	int xdp;
	uint32_t map_sym;
	struct elf_builder *b = map_object(&xdp, &map_sym);
	size_t size;
	uint8_t *buf;

	eb_add_rel(b, xdp, 0, map_sym, 1);
	buf = finish_ok(b, &size);
	eb_shdr_by_name(buf, ".symtab")->sh_entsize = 0;
	expect_fail(buf, size, "symbol table '.symtab': sh_entsize 0");
	eb_shdr_by_name(buf, ".symtab")->sh_entsize = sizeof(Elf64_Sym);
	eb_shdr_by_name(buf, ".relxdp")->sh_entsize = 0;
	expect_fail(buf, size, "section '.relxdp': sh_entsize 0");
	free(buf);
	free(b);
}

static void test_unterminated_section_name(void **st)
{
	struct elf_builder *b = base_object(NULL);
	size_t size;
	uint8_t *buf = finish_ok(b, &size);
	Elf64_Shdr *shstr = eb_shdr(buf, eb_ehdr(buf)->e_shstrndx);

	/* The last name in the table loses its terminator. */
	buf[shstr->sh_offset + shstr->sh_size - 1] = 'X';
	expect_fail(buf, size, "name offset");
	buf[shstr->sh_offset + shstr->sh_size - 1] = '\0';
	eb_shdr_by_name(buf, "xdp")->sh_name = (uint32_t)shstr->sh_size + 100;
	expect_fail(buf, size, "name offset");
	free(buf);
	free(b);
}

static void test_unterminated_license(void **st)
{
	struct elf_builder *b = base_object(NULL);
	size_t size;
	uint8_t *buf = finish_ok(b, &size);
	Elf64_Shdr *lic = eb_shdr_by_name(buf, "license");

	memcpy(buf + lic->sh_offset, "GPLX", 4);
	expect_fail(buf, size, "license section is not a NUL-terminated string");
	/* An empty license section has no terminator either. */
	lic->sh_size = 0;
	expect_fail(buf, size, "license section is not a NUL-terminated string");
	free(buf);
	free(b);
}

static void test_unterminated_symbol_name(void **st)
{
	struct elf_builder *b = base_object(NULL);
	size_t size;
	uint8_t *buf = finish_ok(b, &size);
	Elf64_Shdr *str = eb_shdr_by_name(buf, ".strtab");

	buf[str->sh_offset + str->sh_size - 1] = 'X'; /* "prog" runs off the end */
	expect_fail(buf, size, "symbol #1: name offset");
	free(buf);
	free(b);
}

static void test_symbol_outside_section(void **st)
{
	struct elf_builder *b = base_object(NULL);
	size_t size;
	uint8_t *buf;

	b->syms[1].st_value = 4096;
	buf = eb_finish(b, &size);
	expect_fail(buf, size, "symbol 'prog': [4096, +16) lies outside section 'xdp'");
	free(buf);
	b->syms[1].st_value = 8;
	b->syms[1].st_size = UINT64_MAX; /* value + size wraps */
	buf = eb_finish(b, &size);
	expect_fail(buf, size, "lies outside section 'xdp'");
	free(buf);
	b->syms[1].st_value = 0;
	b->syms[1].st_size = 16;
	b->syms[1].st_shndx = 200;
	buf = eb_finish(b, &size);
	expect_fail(buf, size, "symbol 'prog': section index 200 out of range");
	free(buf);
	free(b);
}

static void test_code_not_whole_instructions(void **st)
{
	struct elf_builder *b = base_object(NULL);
	size_t size;
	uint8_t *buf;

	b->secs[1].size = 12;
	b->syms[1].st_size = 8;
	buf = eb_finish(b, &size);
	expect_fail(buf, size, "is not a multiple of the instruction size");
	free(buf);
	free(b);
}

/* ---------------------------------------------------------- relocations */

static void test_relocation_past_instructions(void **st)
{
	int xdp;
	uint32_t map_sym;
	struct elf_builder *b = map_object(&xdp, &map_sym);
	size_t size;
	uint8_t *buf;

	eb_add_rel(b, xdp, 4096, map_sym, 1);
	buf = eb_finish(b, &size);
	expect_fail(buf, size, "relocation #0: offset 4096 is past the end of 'xdp'");
	free(buf);
	/* Inside the section but not at an instruction. */
	b->rels[0].off = 4;
	buf = eb_finish(b, &size);
	expect_fail(buf, size, "offset 4 is not at an instruction");
	free(buf);
	/* At the last instruction: an ld_imm64 there would have no second half. */
	b->rels[0].off = 3 * sizeof(struct bpf_insn);
	buf = eb_finish(b, &size);
	expect_fail(buf, size, "instruction 3 (code 0x95) cannot be relocated");
	free(buf);
	free(b);
}

static void test_relocation_symbol_out_of_range(void **st)
{
	int xdp;
	uint32_t map_sym;
	struct elf_builder *b = map_object(&xdp, &map_sym);
	size_t size;
	uint8_t *buf;

	eb_add_rel(b, xdp, 0, 50, 1);
	buf = eb_finish(b, &size);
	expect_fail(buf, size, "relocation #0: symbol 50 out of range");
	free(buf);
	free(b);
}

static void test_relocation_at_non_map_symbol(void **st)
{
	struct elf_builder *b = eb_new();
	uint64_t thing = 0;
	int code = eb_add_code(b, "xdp", prog_ldimm64, 4);
	int foo = eb_add_sec(b, ".foo", SHT_PROGBITS, SHF_ALLOC, &thing, sizeof(thing));
	uint32_t sym;
	size_t size;
	uint8_t *buf;

	eb_add_sym(b, "prog", code, 0, sizeof(prog_ldimm64), STB_GLOBAL, STT_FUNC);
	sym = eb_add_sym(b, "thing", foo, 0, sizeof(thing), STB_GLOBAL, STT_OBJECT);
	buf = finish_ok(b, &size);
	free(buf);
	eb_add_rel(b, code, 0, sym, 1);
	buf = eb_finish(b, &size);
	expect_fail(buf, size,
	            "symbol 'thing' in section '.foo' is not a map or a global variable");
	free(buf);
	free(b);
}

static void test_relocation_bad_type_and_insn(void **st)
{
	int xdp;
	uint32_t map_sym;
	struct elf_builder *b = map_object(&xdp, &map_sym);
	size_t size;
	uint8_t *buf;

	eb_add_rel(b, xdp, 0, map_sym, 77);
	buf = eb_finish(b, &size);
	expect_fail(buf, size, "unexpected relocation type 77");
	free(buf);
	/* The mov at instruction 2 is no ld_imm64. */
	b->rels[0].type = 1;
	b->rels[0].off = 2 * sizeof(struct bpf_insn);
	buf = eb_finish(b, &size);
	expect_fail(buf, size, "instruction 2 (code 0xb7) cannot be relocated");
	free(buf);
	free(b);
}

/* ------------------------------------------------------------------ BTF */

/* The object of base_object() plus a .BTF section, and a .maps section
 * of maps_size bytes with one symbol var_name at offset 0 if maps_size. */
static uint8_t *btf_object(struct btf_builder *bb, const char *var_name, size_t maps_size,
                           size_t *size)
{
	struct elf_builder *b = base_object(NULL);
	size_t btf_size;
	uint8_t *btf = bb_finish(bb, &btf_size), *buf;

	eb_add_sec(b, ".BTF", SHT_PROGBITS, 0, btf, btf_size);
	if (maps_size) {
		int maps =
		    eb_add_sec(b, ".maps", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, NULL, maps_size);

		eb_add_sym(b, var_name, maps, 0, maps_size, STB_GLOBAL, STT_OBJECT);
	}
	buf = eb_finish(b, size);
	free(btf);
	free(b);
	return buf;
}

/* struct { __uint(type, type); __uint(max_entries, max); } NAME SEC(".maps") */
static uint8_t *ringbuf_like_object(uint32_t type, uint32_t max, size_t *size)
{
	struct btf_builder *bb = bb_new();
	uint32_t i = bb_int(bb, "int", 4);
	uint32_t t = bb_map_uint(bb, i, type), m = bb_map_uint(bb, i, max);
	uint32_t def = bb_struct(bb, NULL, 16, 2), var;
	uint8_t *buf;

	bb_member(bb, "type", t, 0);
	bb_member(bb, "max_entries", m, 64);
	var = bb_var(bb, "rb", def);
	bb_datasec(bb, ".maps", 1);
	bb_secinfo(bb, var, 0, 16);
	buf = btf_object(bb, "rb", 16, size);
	free(bb);
	return buf;
}

static void test_btf_string_offset_out_of_range(void **st)
{
	struct btf_builder *bb = bb_new();
	uint32_t i = bb_int(bb, "int", 4);
	uint8_t *buf;
	size_t size;

	bb_struct(bb, "s", 4, 1);
	bb_member(bb, "x", i, 0);
	buf = btf_object(bb, NULL, 0, &size);
	expect_ok(buf, size);
	free(buf);
	/* The member name (the struct's 3rd word after its header) past the
	 * string section. */
	memcpy(bb->types + 16 + 12, &(uint32_t){100000}, 4);
	buf = btf_object(bb, NULL, 0, &size);
	expect_fail(buf, size, "type [2]: member name string offset 100000 is out of range");
	free(buf);
	/* The type's own name. */
	memcpy(bb->types + 16 + 12, &(uint32_t){0}, 4);
	memcpy(bb->types, &(uint32_t){0xfffffff0u}, 4);
	buf = btf_object(bb, NULL, 0, &size);
	expect_fail(buf, size, "section .BTF: btf: type [1]: name string offset");
	free(buf);
	free(bb);
}

static void test_btf_type_id_out_of_range(void **st)
{
	struct btf_builder *bb = bb_new();
	uint8_t *buf;
	size_t size;

	bb_int(bb, "int", 4);
	bb_ref(bb, BTF_KIND_PTR, NULL, 7);
	buf = btf_object(bb, NULL, 0, &size);
	expect_fail(buf, size, "type [2]: type refers to type [7], past the last type [2]");
	free(buf);
	free(bb);

	bb = bb_new();
	bb_int(bb, "int", 4);
	bb_array(bb, 1, 0xffffffffu, 4);
	buf = btf_object(bb, NULL, 0, &size);
	expect_fail(buf, size, "index type refers to type [4294967295]");
	free(buf);
	free(bb);
}

static void test_btf_truncated_and_bad_header(void **st)
{
	struct btf_builder *bb = bb_new();
	uint8_t *buf;
	size_t size;

	bb_int(bb, "int", 4);
	bb_struct(bb, "s", 4, 200); /* 200 members that are not there */
	buf = btf_object(bb, NULL, 0, &size);
	expect_fail(buf, size, "type [2] (kind 4, vlen 200) runs past the type section");
	free(buf);
	free(bb);

	bb = bb_new();
	bb_type(bb, "weird", 31, 0, 0, 0);
	buf = btf_object(bb, NULL, 0, &size);
	expect_fail(buf, size, "type [1] has unknown kind 31");
	free(buf);
	free(bb);

	/* Header lengths that point past the section. */
	bb = bb_new();
	bb_int(bb, "int", 4);
	buf = btf_object(bb, NULL, 0, &size);
	{
		Elf64_Shdr *sh = eb_shdr_by_name(buf, ".BTF");
		struct btf_header *h = (struct btf_header *)(buf + sh->sh_offset);

		h->str_len = 0x7fffffff;
		expect_fail(buf, size, "type or string section runs past the end");
		h->str_len = 0;
		expect_fail(buf, size, "string section must start with an empty string");
		h->hdr_len = 0xffff;
		expect_fail(buf, size, "header length 65535 is invalid");
		h->hdr_len = sizeof(*h);
		sh->sh_size = 6;
		expect_fail(buf, size, "too short for a BTF header");
	}
	free(buf);
	free(bb);
}

/* const -> const -> (back to the first) as the type of a .maps variable. */
static void test_btf_reference_loop(void **st)
{
	struct btf_builder *bb = bb_new();
	uint32_t c1, var;
	uint8_t *buf;
	size_t size;

	c1 = bb_ref(bb, BTF_KIND_CONST, NULL, 2);
	bb_ref(bb, BTF_KIND_VOLATILE, NULL, c1);
	var = bb_var(bb, "m", c1);
	bb_datasec(bb, ".maps", 1);
	bb_secinfo(bb, var, 0, 16);
	buf = btf_object(bb, "m", 16, &size);
	expect_fail(buf, size, "reference loop");
	free(buf);
	free(bb);

	/* A loop in a field: __uint(type, ...) through typedefs that cycle. */
	bb = bb_new();
	{
		uint32_t t1 = bb_ref(bb, BTF_KIND_TYPEDEF, "a", 2);
		uint32_t def;

		bb_ref(bb, BTF_KIND_TYPEDEF, "b", t1);
		def = bb_struct(bb, NULL, 8, 1);
		bb_member(bb, "type", t1, 0);
		var = bb_var(bb, "m", def);
		bb_datasec(bb, ".maps", 1);
		bb_secinfo(bb, var, 0, 8);
	}
	buf = btf_object(bb, "m", 8, &size);
	expect_fail(buf, size, "reference loop");
	free(buf);
	free(bb);
}

/*
 * Loops through modifiers, arrays, and structs that contain each other by
 * value are either rejected when the BTF is parsed, with a message that
 * says so, or stopped by the walkers (-ELOOP); never followed forever.
 */
static struct evbpf_btf *parse_or_reject_loop(struct btf_builder *bb)
{
	struct evbpf_btf *btf = NULL;
	size_t size;
	uint8_t *raw = bb_finish(bb, &size);
	int err = evbpf__btf_parse(raw, size, NULL, &btf);

	free(raw);
	free(bb);
	if (!err)
		return btf;
	assert_int_equal(err, -EINVAL);
	if (!strstr(evbpf_errmsg(), "reference loop") && !strstr(evbpf_errmsg(), "contains itself"))
		fail_msg("loop rejected with \"%s\"", evbpf_errmsg());
	return NULL;
}

static void test_btf_walkers_stop_at_loops(void **st)
{
	struct btf_builder *bb = bb_new();
	struct evbpf_btf *btf;

	bb_struct(bb, "a", 4, 1); /* [1] struct a { struct b x; } */
	bb_member(bb, "x", 2, 0);
	bb_struct(bb, "b", 4, 1); /* [2] struct b { struct a y; } */
	bb_member(bb, "y", 1, 0);
	btf = parse_or_reject_loop(bb);
	if (btf) {
		assert_int_equal(evbpf__btf_align(btf, 1), -ELOOP);
		assert_int_equal(evbpf__btf_align(btf, 2), -ELOOP);
		evbpf__btf_free(btf);
	}

	bb = bb_new();
	bb_int(bb, "int", 4);
	bb_array(bb, 2, 1, 1); /* [2] an array of itself */
	btf = parse_or_reject_loop(bb);
	if (btf) {
		assert_int_equal(evbpf__btf_resolve_size(btf, 2), -ELOOP);
		assert_int_equal(evbpf__btf_align(btf, 2), -ELOOP);
		evbpf__btf_free(btf);
	}

	bb = bb_new();
	bb_ref(bb, BTF_KIND_TYPEDEF, "t", 2); /* [1] -> [2] -> [1] */
	bb_ref(bb, BTF_KIND_CONST, NULL, 1);
	btf = parse_or_reject_loop(bb);
	if (btf) {
		assert_int_equal(evbpf__btf_skip_mods(btf, 1), -ELOOP);
		assert_int_equal(evbpf__btf_resolve_size(btf, 2), -ELOOP);
		evbpf__btf_free(btf);
	}
}

/* Ids past the last type are rejected, not read. */
static void test_btf_ids_past_the_end(void **st)
{
	struct btf_builder *bb = bb_new();
	struct evbpf_btf *btf;
	uint8_t *raw;
	size_t size;

	bb_int(bb, "int", 4);
	bb_ref(bb, BTF_KIND_CONST, NULL, 1);
	raw = bb_finish(bb, &size);
	assert_ok(evbpf__btf_parse(raw, size, NULL, &btf));
	assert_int_equal(evbpf__btf_type_cnt(btf), 3);
	assert_int_equal(evbpf__btf_skip_mods(btf, 2), 1);
	assert_int_equal(evbpf__btf_resolve_size(btf, 2), 4);
	assert_null(evbpf__btf_type(btf, 3));
	assert_null(evbpf__btf_type(btf, UINT32_MAX));
	assert_int_equal(evbpf__btf_skip_mods(btf, 3), -EINVAL);
	assert_true(evbpf__btf_resolve_size(btf, 1000) < 0);
	assert_true(evbpf__btf_align(btf, UINT32_MAX) < 0);
	assert_null(evbpf__btf_str(btf, 100000));
	evbpf__btf_free(btf);
	free(raw);
	free(bb);
}

/* Wide structs nested deep: alignment gives up instead of taking
 * exponential time. */
static void test_btf_align_bounded(void **st)
{
	struct btf_builder *bb = bb_new();
	struct evbpf_btf *btf;
	uint8_t *raw;
	size_t size;
	uint32_t inner = bb_int(bb, "int", 4), top;

	for (int level = 0; level < 24; level++) {
		uint32_t s = bb_struct(bb, NULL, 4, 8);

		for (int m = 0; m < 8; m++)
			bb_member(bb, NULL, inner, 0);
		inner = s;
	}
	top = inner;
	raw = bb_finish(bb, &size);
	assert_ok(evbpf__btf_parse(raw, size, NULL, &btf));
	/* 8^24 member visits without the bound. */
	assert_int_equal(evbpf__btf_align(btf, top), -E2BIG);
	/* A shallow one still works. */
	assert_int_equal(evbpf__btf_align(btf, 2), 4);
	evbpf__btf_free(btf);
	free(raw);
	free(bb);
}

static void test_datasec_bad_entries(void **st)
{
	struct btf_builder *bb = bb_new();
	uint32_t i;
	uint8_t *buf;
	size_t size;

	/* A .maps entry that is an int, not a variable. */
	i = bb_int(bb, "int", 4);
	bb_datasec(bb, ".maps", 1);
	bb_secinfo(bb, i, 0, 4);
	buf = btf_object(bb, "m", 16, &size);
	expect_fail(buf, size, ".maps entry 0 is not a variable");
	free(buf);
	free(bb);

	/* An entry whose type id is past the last type. */
	bb = bb_new();
	bb_int(bb, "int", 4);
	bb_datasec(bb, ".maps", 1);
	bb_secinfo(bb, 99, 0, 4);
	buf = btf_object(bb, "m", 16, &size);
	expect_fail(buf, size, "variable refers to type [99]");
	free(buf);
	free(bb);

	/* A variable with no ELF symbol in its section. */
	bb = bb_new();
	i = bb_int(bb, "int", 4);
	i = bb_var(bb, "ghost", i);
	bb_datasec(bb, ".maps", 1);
	bb_secinfo(bb, i, 0, 4);
	buf = btf_object(bb, "m", 16, &size);
	expect_fail(buf, size, "BTF variable 'ghost' in '.maps' has no ELF symbol");
	free(buf);
	free(bb);

	/* A variable larger than its section. */
	bb = bb_new();
	i = bb_int(bb, "int", 4);
	i = bb_var(bb, "m", i);
	bb_datasec(bb, ".maps", 1);
	bb_secinfo(bb, i, 0, 64);
	buf = btf_object(bb, "m", 16, &size);
	expect_fail(buf, size, "variable 'm' lies outside section '.maps'");
	free(buf);
	free(bb);
}

/* ------------------------------------------------------------- .BTF.ext */

struct ext_hdr {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len;
	uint32_t func_info_off, func_info_len;
	uint32_t line_info_off, line_info_len;
	uint32_t core_relo_off, core_relo_len;
};

/*
 * base_object() with a .BTF holding FUNC "prog" and a .BTF.ext whose
 * func_info has one block for section "xdp": {rec_size, name_off, count,
 * records...}. words[] after the header is the func_info table, which the
 * caller may break; func_len is its length in bytes.
 */
static uint8_t *ext_object(const uint32_t *words, size_t nwords, size_t *size)
{
	struct btf_builder *bb = bb_new();
	struct elf_builder *b = base_object(NULL);
	uint8_t ext[512], *btf, *buf;
	struct ext_hdr h = {
	    .magic = 0xeB9F,
	    .version = 1,
	    .hdr_len = sizeof(h),
	    .func_info_len = (uint32_t)(nwords * 4),
	};
	size_t btf_size;
	uint32_t i = bb_int(bb, "int", 4);
	uint32_t proto = bb_type(bb, NULL, BTF_KIND_FUNC_PROTO, 0, 0, i);

	bb_type(bb, "prog", BTF_KIND_FUNC, 1 /* global */, 0, proto);
	bb_str(bb, "xdp");
	btf = bb_finish(bb, &btf_size);
	memcpy(ext, &h, sizeof(h));
	memcpy(ext + sizeof(h), words, nwords * 4);
	eb_add_sec(b, ".BTF", SHT_PROGBITS, 0, btf, btf_size);
	eb_add_sec(b, ".BTF.ext", SHT_PROGBITS, 0, ext, sizeof(h) + nwords * 4);
	buf = eb_finish(b, size);
	free(btf);
	free(bb);
	free(b);
	return buf;
}

/* The string offset of "xdp" in ext_object()'s BTF: after "int" and "prog". */
#define XDP_STR 10

static void test_btf_ext_truncated_header(void **st)
{
	static const uint32_t good[] = {8, XDP_STR, 1, 0, 3};
	size_t size;
	uint8_t *buf = ext_object(good, 5, &size);
	Elf64_Shdr *sh;
	struct ext_hdr *h;

	expect_ok(buf, size);
	sh = eb_shdr_by_name(buf, ".BTF.ext");
	h = (struct ext_hdr *)(buf + sh->sh_offset);
	sh->sh_size = 10;
	expect_fail(buf, size, ".BTF.ext: 10 bytes is too short for the header");
	sh->sh_size = sizeof(*h) + sizeof(good);
	h->hdr_len = 4096;
	expect_fail(buf, size, ".BTF.ext: header length 4096 is invalid");
	h->hdr_len = sizeof(*h);
	h->func_info_len = 0x7ffffff0;
	expect_fail(buf, size, ".BTF.ext: a table runs past the end");
	h->func_info_len = sizeof(good);
	h->func_info_off = UINT32_MAX - 4; /* offset + length wraps */
	expect_fail(buf, size, ".BTF.ext: a table runs past the end");
	free(buf);
}

static void test_btf_ext_records_past_section(void **st)
{
	static const uint32_t many[] = {8, XDP_STR, 1000, 0, 3};
	static const uint32_t short_block[] = {8, XDP_STR};
	static const uint32_t tiny_rec[] = {4, XDP_STR, 1, 0};
	static const uint32_t bad_name[] = {8, 5000, 1, 0, 3};
	static const uint32_t bad_type[] = {8, XDP_STR, 1, 0, 99};
	static const uint32_t bad_off[] = {8, XDP_STR, 1, 3, 3};
	size_t size;
	uint8_t *buf;

	buf = ext_object(many, 5, &size);
	expect_fail(buf, size,
	            "func_info: section 'xdp': 1000 records of 8 bytes run past the table");
	free(buf);
	buf = ext_object(short_block, 2, &size);
	expect_fail(buf, size, "func_info: block header at 4 is truncated");
	free(buf);
	buf = ext_object(tiny_rec, 4, &size);
	expect_fail(buf, size, "func_info: record size 4 is invalid");
	free(buf);
	buf = ext_object(bad_name, 5, &size);
	expect_fail(buf, size, "func_info: section name offset 5000 is invalid");
	free(buf);
	buf = ext_object(bad_type, 5, &size);
	expect_fail(buf, size, "record #0: type [99] is invalid");
	free(buf);
	buf = ext_object(bad_off, 5, &size);
	expect_fail(buf, size, "insn_off 3 is not at an instruction");
	free(buf);
}

/* ------------------------------------------------------------- btf dump */

static void expect_dump_too_large(struct btf_builder *bb)
{
	struct evbpf_btf *btf;
	char *text = NULL;
	size_t size, len = 0;
	uint8_t *raw = bb_finish(bb, &size);
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_ok(evbpf__btf_parse(raw, size, NULL, &btf));
	assert_int_equal(evbpf__btf_dump_c(btf, out), -E2BIG);
	if (!strstr(evbpf_errmsg(), "btf dump: the header would be too large"))
		fail_msg("message \"%s\"", evbpf_errmsg());
	fclose(out);
	free(text);
	evbpf__btf_free(btf);
	free(raw);
	free(bb);
}

/* A 4 GiB struct with one int: a gigabyte of "long: 64;" padding lines. */
static void test_btf_dump_huge_padding(void **st)
{
	struct btf_builder *bb = bb_new();
	uint32_t i = bb_int(bb, "int", 4);

	bb_struct(bb, "huge", 0xfffffff0u, 1);
	bb_member(bb, "x", i, 0);
	expect_dump_too_large(bb);
}

/* Anonymous unions are printed inline where used: each level using the
 * one below twice doubles the text, 2^40 copies at the top. */
static void test_btf_dump_exponential_inline(void **st)
{
	struct btf_builder *bb = bb_new();
	uint32_t prev = bb_int(bb, "int", 4);

	for (int level = 0; level < 40; level++) {
		uint32_t u = bb_type(bb, NULL, BTF_KIND_UNION, 2, 0, 4);

		bb_member(bb, "a", prev, 0);
		bb_member(bb, "b", prev, 0);
		prev = u;
	}
	bb_struct(bb, "top", 4, 1);
	bb_member(bb, "t", prev, 0);
	expect_dump_too_large(bb);
}

/* Anonymous structs nested 2000 deep, each inside the next: printing
 * them inline must not recurse 2000 deep. */
static void test_btf_dump_deep_anonymous(void **st)
{
	struct btf_builder *bb = bb_new();
	uint32_t prev = bb_int(bb, "int", 4);
	struct evbpf_btf *btf;
	char *text = NULL;
	size_t size, len = 0;
	uint8_t *raw;
	FILE *out;

	for (int level = 0; level < 2000; level++) {
		uint32_t s = bb_struct(bb, NULL, 4, 1);

		bb_member(bb, NULL, prev, 0);
		prev = s;
	}
	bb_struct(bb, "top", 4, 1);
	bb_member(bb, "t", prev, 0);
	raw = bb_finish(bb, &size);
	out = open_memstream(&text, &len);
	assert_ok(evbpf__btf_parse(raw, size, NULL, &btf));
	assert_int_equal(evbpf__btf_dump_c(btf, out), -ELOOP);
	if (!strstr(evbpf_errmsg(), "nest too deeply"))
		fail_msg("message \"%s\"", evbpf_errmsg());
	fclose(out);
	free(text);
	evbpf__btf_free(btf);
	free(raw);
	free(bb);
}

/* ----------------------------------------------------------------- maps */

static void test_ringbuf_absurd_size(void **st)
{
	uint8_t *buf;
	size_t size;

	buf = ringbuf_like_object(BPF_MAP_TYPE_RINGBUF, 1 << 20, &size);
	expect_ok(buf, size);
	free(buf);
	buf = ringbuf_like_object(BPF_MAP_TYPE_RINGBUF, 0xffffffffu, &size);
	expect_fail_err(buf, size, -E2BIG, "map 'rb': ring buffer size 4294967295 is too large");
	free(buf);
	buf = ringbuf_like_object(BPF_MAP_TYPE_USER_RINGBUF, (1u << 31) + 1, &size);
	expect_fail_err(buf, size, -E2BIG, "ring buffer size 2147483649 is too large");
	free(buf);
}

/* A perf event array's key and value are a CPU index and an fd. */
static void test_perf_array_absurd_sizes(void **st)
{
	struct btf_builder *bb = bb_new();
	uint32_t i = bb_int(bb, "int", 4);
	uint32_t t = bb_map_uint(bb, i, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	uint32_t k = bb_map_uint(bb, i, 4), v = bb_map_uint(bb, i, 1u << 30);
	uint32_t def = bb_struct(bb, NULL, 24, 3), var;
	uint8_t *buf;
	size_t size;

	bb_member(bb, "type", t, 0);
	bb_member(bb, "key_size", k, 64);
	bb_member(bb, "value_size", v, 128);
	var = bb_var(bb, "events", def);
	bb_datasec(bb, ".maps", 1);
	bb_secinfo(bb, var, 0, 24);
	buf = btf_object(bb, "events", 24, &size);
	expect_fail(buf, size, "map 'events': perf event array key_size 4, value_size 1073741824");
	free(buf);
	free(bb);
}

/* __type(value, int[65536][65536]): a value too large for any map. */
static void test_map_value_type_too_large(void **st)
{
	struct btf_builder *bb = bb_new();
	uint32_t i = bb_int(bb, "int", 4);
	uint32_t t = bb_map_uint(bb, i, BPF_MAP_TYPE_ARRAY);
	uint32_t a1 = bb_array(bb, i, i, 65536), a2 = bb_array(bb, a1, i, 65536);
	uint32_t vp = bb_ref(bb, BTF_KIND_PTR, NULL, a2);
	uint32_t def = bb_struct(bb, NULL, 16, 2), var;
	uint8_t *buf;
	size_t size;

	bb_member(bb, "type", t, 0);
	bb_member(bb, "value", vp, 64);
	var = bb_var(bb, "big", def);
	bb_datasec(bb, ".maps", 1);
	bb_secinfo(bb, var, 0, 16);
	buf = btf_object(bb, "big", 16, &size);
	expect_fail(buf, size, "map 'big': field 'value' is malformed");
	free(buf);
	free(bb);
}

static void test_legacy_map_too_small(void **st)
{
	int xdp;
	uint32_t map_sym;
	struct elf_builder *b = map_object(&xdp, &map_sym);
	size_t size;
	uint8_t *buf;

	b->syms[map_sym].st_size = 8;
	buf = eb_finish(b, &size);
	expect_fail(buf, size, "map 'm': legacy definition has 8 bytes, fewer than 16");
	free(buf);
	free(b);
}

/* A legacy definition with two more fields (iproute2's id and pinning, as
 * cilium's invalid_map has): accepted while they are zero, refused with a
 * message when they say something. */
static void test_legacy_map_extra_fields(void **st)
{
	uint32_t def[7] = {BPF_MAP_TYPE_ARRAY, 4, 8, 16, 0, 0, 0};
	struct elf_builder *b;
	size_t size;
	uint8_t *buf;

	for (int pass = 0; pass < 2; pass++) {
		int code, maps;

		def[6] = pass; /* pinning */
		b = eb_new();
		code = eb_add_code(b, "xdp", prog_ldimm64, 4);
		maps = eb_add_sec(b, "maps", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, def, sizeof(def));
		eb_add_sec(b, "license", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, "GPL", 4);
		eb_add_sym(b, "prog", code, 0, sizeof(prog_ldimm64), STB_GLOBAL, STT_FUNC);
		eb_add_sym(b, "m", maps, 0, sizeof(def), STB_GLOBAL, STT_OBJECT);
		buf = eb_finish(b, &size);
		if (pass == 0)
			expect_ok(buf, size);
		else
			expect_fail_err(buf, size, -EINVAL,
			                "map 'm': legacy definition has 28 bytes, and those past "
			                "the first 20");
		free(buf);
		free(b);
	}
}

/* ----------------------------------------------- truncation, bit flips */

static uint8_t *read_fixture(const char *name, size_t *size)
{
	FILE *f = fopen(FIXTURE(name), "rb");
	uint8_t *buf;
	long n;

	if (!f)
		fail_msg("cannot open fixture %s", FIXTURE(name));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return buf;
}

static const char *const fixtures[] = {"loader.bpf.o", "legacy.bpf.o", "sizes.bpf.o",
                                       "features.bpf.o"};

/* Every strict prefix of a real object is missing its section header
 * table (clang writes it last) and must fail cleanly. */
static void test_truncated_at_every_length(void **st)
{
	for (size_t f = 0; f < EVBPF_ARRAY_SIZE(fixtures); f++) {
		size_t size;
		uint8_t *buf = read_fixture(fixtures[f], &size);

		expect_ok(buf, size);
		for (size_t len = 0; len < size; len++) {
			struct evbpf_object *obj = NULL;
			int err = evbpf_object_open_mem(buf, len, NULL, &obj);

			if (err >= 0 || obj)
				fail_msg("%s truncated to %zu bytes opened", fixtures[f], len);
			if (!evbpf_errmsg()[0])
				fail_msg("%s truncated to %zu bytes: error %d without a message",
				         fixtures[f], len, err);
		}
		free(buf);
	}
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* Link every program with made-up map fds (no kernel): relocation and
 * subprogram code runs on what the mutated object holds. */
static void link_all(struct evbpf_object *obj)
{
	struct evbpf_program *prog = NULL;

	for (size_t i = 0; i < obj->nr_maps; i++)
		obj->maps[i].fd = 0x40000000 + (int)i;
	while ((prog = evbpf_object_next_program(obj, prog))) {
		int err = evbpf__program_link(prog);

		if (err > 0 || (err < 0 && err != -ENOMEM && !evbpf_errmsg()[0]))
			fail_msg("link: error %d without a message", err);
	}
	for (size_t i = 0; i < obj->nr_maps; i++)
		obj->maps[i].fd = -1;
}

#define BIT_FLIP_ROUNDS 1500

static void test_random_bit_flips(void **st)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	size_t opened = 0, failed = 0;

	for (size_t f = 0; f < EVBPF_ARRAY_SIZE(fixtures); f++) {
		size_t size;
		uint8_t *orig = read_fixture(fixtures[f], &size), *buf = malloc(size);

		for (int round = 0; round < BIT_FLIP_ROUNDS; round++) {
			struct evbpf_object *obj = NULL;
			int flips = 1 + (int)(xorshift64(&seed) % 8), err;

			memcpy(buf, orig, size);
			for (int i = 0; i < flips; i++) {
				uint64_t r = xorshift64(&seed);

				buf[(r >> 3) % size] ^= (uint8_t)(1u << (r & 7));
			}
			err = evbpf_object_open_mem(buf, size, NULL, &obj);
			if (err == 0) {
				assert_non_null(obj);
				link_all(obj);
				evbpf_object_close(obj);
				opened++;
				continue;
			}
			if (err > 0 || obj || !evbpf_errmsg()[0])
				fail_msg("%s round %d: error %d, obj %p, message \"%s\"",
				         fixtures[f], round, err, (void *)obj, evbpf_errmsg());
			failed++;
		}
		free(buf);
		free(orig);
	}
	/* Most flips land in debug info the loader ignores; some must not. */
	print_message("bit flips: %zu opened, %zu rejected\n", opened, failed);
	assert_true(opened > 0);
	assert_true(failed > 0);
}

/* ------------------------------------------------------- evbpf inspect */

/* Run `evbpf inspect FILE`; returns the exit status, output in out. */
static int run_inspect(const uint8_t *data, size_t size, char *out, size_t out_size)
{
	char path[] = "/tmp/evbpf-bad-XXXXXX", cmd[4096];
	int fd = mkstemp(path), status;
	size_t n = 0;
	FILE *p;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, size), (ssize_t)size);
	close(fd);
	snprintf(cmd, sizeof(cmd), "'%s' inspect '%s' 2>&1", EVBPF_TEST_TOOL, path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (n + 1 < out_size) {
		size_t r = fread(out + n, 1, out_size - 1 - n, p);

		if (!r)
			break;
		n += r;
	}
	out[n] = '\0';
	status = pclose(p);
	unlink(path);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void assert_one_line(const char *out, const char *needle)
{
	const char *nl = strchr(out, '\n');

	if (!nl || nl[1] != '\0')
		fail_msg("expected exactly one line, got \"%s\"", out);
	if (strncmp(out, "evbpf: ", 7) != 0 || !strstr(out, needle))
		fail_msg("\"%s\" does not mention \"%s\"", out, needle);
}

static void test_inspect_bad_file(void **st)
{
	static const uint8_t junk[100] = "#!/bin/sh\necho not an object\n";
	char out[4096];
	size_t size;
	uint8_t *buf;

	assert_int_equal(run_inspect(junk, sizeof(junk), out, sizeof(out)), 1);
	assert_one_line(out, "bad magic: not an ELF file");

	buf = read_fixture("loader.bpf.o", &size);
	assert_int_equal(run_inspect(buf, size / 2, out, sizeof(out)), 1);
	assert_one_line(out, "past the end of the file");
	/* And the whole file is fine, so the failure above is the truncation. */
	assert_int_equal(run_inspect(buf, size, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "programs:"));
	free(buf);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base_objects_open),
	    cmocka_unit_test(test_not_elf),
	    cmocka_unit_test(test_section_table_past_end),
	    cmocka_unit_test(test_section_count_past_end),
	    cmocka_unit_test(test_section_data_past_end),
	    cmocka_unit_test(test_entsize_zero),
	    cmocka_unit_test(test_unterminated_section_name),
	    cmocka_unit_test(test_unterminated_license),
	    cmocka_unit_test(test_unterminated_symbol_name),
	    cmocka_unit_test(test_symbol_outside_section),
	    cmocka_unit_test(test_code_not_whole_instructions),
	    cmocka_unit_test(test_relocation_past_instructions),
	    cmocka_unit_test(test_relocation_symbol_out_of_range),
	    cmocka_unit_test(test_relocation_at_non_map_symbol),
	    cmocka_unit_test(test_relocation_bad_type_and_insn),
	    cmocka_unit_test(test_btf_string_offset_out_of_range),
	    cmocka_unit_test(test_btf_type_id_out_of_range),
	    cmocka_unit_test(test_btf_truncated_and_bad_header),
	    cmocka_unit_test(test_btf_reference_loop),
	    cmocka_unit_test(test_btf_walkers_stop_at_loops),
	    cmocka_unit_test(test_btf_ids_past_the_end),
	    cmocka_unit_test(test_btf_align_bounded),
	    cmocka_unit_test(test_datasec_bad_entries),
	    cmocka_unit_test(test_btf_ext_truncated_header),
	    cmocka_unit_test(test_btf_ext_records_past_section),
	    cmocka_unit_test(test_btf_dump_huge_padding),
	    cmocka_unit_test(test_btf_dump_exponential_inline),
	    cmocka_unit_test(test_btf_dump_deep_anonymous),
	    cmocka_unit_test(test_ringbuf_absurd_size),
	    cmocka_unit_test(test_perf_array_absurd_sizes),
	    cmocka_unit_test(test_map_value_type_too_large),
	    cmocka_unit_test(test_legacy_map_too_small),
	    cmocka_unit_test(test_legacy_map_extra_fields),
	    cmocka_unit_test(test_truncated_at_every_length),
	    cmocka_unit_test(test_random_bit_flips),
	    cmocka_unit_test(test_inspect_bad_file),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
