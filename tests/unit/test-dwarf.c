/* SPDX-License-Identifier: MIT */
/*
 * The DWARF reader (core/dwarf.c) and its conversion to BTF
 * (core/dwarf_btf.c): on objects clang built in the tree with DWARF 5 and
 * DWARF 4, on every truncation of each debug section and every flipped
 * byte of .debug_info and .debug_abbrev (clean errors, no crash; ASan and
 * valgrind runs catch leaks), and on crafted units that break one rule
 * each.
 */
#include "common.h"

#include "internal.h"
#include "dwarf.h"
#include "unit/elf_builder.h"
#include "bpf/run_dwarf.h"

/* Where the host compiler puts dw_event.mid, in bits. */
static uint64_t host_mid_bit(void)
{
	struct dw_event e;
	const uint8_t *p = (const uint8_t *)&e;

	memset(&e, 0, sizeof(e));
	e.mid = 1;
	for (size_t i = 0; i < sizeof(e) * 8; i++)
		if (p[i / 8] & (1u << (i % 8)))
			return i;
	return 0;
}

static uint8_t *load(const char *fixture, size_t *sizep)
{
	uint8_t *buf;

	assert_ok(evbpf__read_file(FIXTURE(fixture), &buf, sizep));
	return buf;
}

static uint32_t find_die(const struct evbpf_dwarf *dw, uint16_t tag, const char *name)
{
	for (uint32_t i = 0; i < evbpf__dwarf_die_cnt(dw); i++) {
		const struct evbpf_dwarf_die *d = evbpf__dwarf_die(dw, i);

		if (d->tag == tag && d->name && !strcmp(d->name, name))
			return i;
	}
	return EVBPF_DWARF_NONE;
}

static const struct evbpf_dwarf_die *member(const struct evbpf_dwarf *dw, uint32_t s,
                                            const char *name)
{
	const struct evbpf_dwarf_die *sd = evbpf__dwarf_die(dw, s);

	for (uint32_t m = s + 1; m < sd->next_sibling; m++) {
		const struct evbpf_dwarf_die *d = evbpf__dwarf_die(dw, m);

		if (d->parent == s && d->tag == EVBPF_DW_TAG_member && d->name &&
		    !strcmp(d->name, name))
			return d;
	}
	fail_msg("no member '%s'", name);
	return NULL;
}

static struct evbpf_btf *empty_btf(void)
{
	struct {
		struct btf_header h;
		char strs[4];
	} raw = {{BTF_MAGIC, 1, 0, sizeof(struct btf_header), 0, 0, 0, 1}, ""};
	struct evbpf_btf *btf;

	assert_ok(evbpf__btf_parse(&raw, sizeof(raw.h) + 1, NULL, &btf));
	return btf;
}

static void check_fixture(const char *fixture, int version)
{
	const struct evbpf_dwarf_die *d, *sp;
	struct evbpf_dwarf *dw;
	struct evbpf_btf *btf;
	struct evbpf_elf elf;
	uint32_t ev, id;
	size_t size;
	uint8_t *buf = load(fixture, &size);

	assert_ok(evbpf__dwarf_parse_mem(buf, size, &dw));
	assert_int_equal(evbpf__dwarf_version(dw), version);
	ev = find_die(dw, EVBPF_DW_TAG_structure_type, "dw_event");
	assert_int_not_equal(ev, EVBPF_DWARF_NONE);
	assert_int_equal(evbpf__dwarf_type_size(dw, ev), sizeof(struct dw_event));
	assert_int_equal(member(dw, ev, "inner")->member_offset, offsetof(struct dw_event, inner));
	assert_int_equal(member(dw, ev, "ts")->member_offset, offsetof(struct dw_event, ts));
	/* Bitfields: DWARF 4 counts from the storage unit's top bit, clang
	 * 14 does so for DWARF 5 too; either way "mid" is where gcc puts it. */
	d = member(dw, ev, "mid");
	assert_int_equal(d->bit_size, 9);
	if (d->has & EVBPF_DWARF_HAS_DATA_BIT_OFFSET)
		assert_int_equal(d->data_bit_offset, host_mid_bit());
	else
		assert_int_equal(d->member_offset * 8 + d->byte_size * 8 - d->bit_offset -
		                     d->bit_size,
		                 host_mid_bit());
	/* The 64-bit enum's value and the signed one's. */
	d = evbpf__dwarf_die(dw, find_die(dw, EVBPF_DW_TAG_enumerator, "DW_WIDE_BIG"));
	assert_non_null(d);
	assert_int_equal(d->const_value, 0x123456789aULL);
	d = evbpf__dwarf_die(dw, find_die(dw, EVBPF_DW_TAG_enumerator, "DW_STATE_NEG"));
	assert_non_null(d);
	assert_int_equal((int64_t)d->const_value, -2);
	/* Functions sit in their own ELF sections, found through the
	 * relocations of their addresses. */
	assert_ok(evbpf__elf_parse(&elf, buf, size));
	sp = evbpf__dwarf_die(dw, find_die(dw, EVBPF_DW_TAG_subprogram, "dw_on_sys_enter"));
	assert_non_null(sp);
	assert_true(sp->has & EVBPF_DWARF_HAS_LOW_PC);
	assert_int_equal(sp->low_pc_sec, evbpf__elf_find_sec(&elf, "raw_tp/sys_enter"));
	assert_true(sp->high_pc > sp->low_pc);
	sp = evbpf__dwarf_die(dw, find_die(dw, EVBPF_DW_TAG_subprogram, "twin"));
	assert_non_null(sp);
	assert_int_equal(sp->low_pc_sec, evbpf__elf_find_sec(&elf, ".text"));
	d = evbpf__dwarf_die(dw, find_die(dw, EVBPF_DW_TAG_variable, "q"));
	assert_non_null(d);
	assert_true(d->has & EVBPF_DWARF_HAS_FBREG);
	evbpf__elf_free(&elf);

	/* As BTF: the struct, 96 bytes, members in place. */
	btf = empty_btf();
	assert_ok(evbpf__dwarf_to_btf(dw, ev, btf, &id));
	assert_int_equal(evbpf__btf_resolve_size(btf, id), sizeof(struct dw_event));
	{
		const struct btf_type *t = evbpf__btf_type(btf, id);
		const struct btf_member *m = (const struct btf_member *)(t + 1);
		bool seen_mid = false;

		assert_int_equal(evbpf__btf_kind(t), BTF_KIND_STRUCT);
		assert_true(BTF_INFO_KFLAG(t->info));
		for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++) {
			const char *name = evbpf__btf_str(btf, m[i].name_off);

			if (!strcmp(name, "mid")) {
				assert_int_equal(evbpf__btf_member_bit_offset(t, i),
				                 host_mid_bit());
				assert_int_equal(evbpf__btf_member_bitfield_size(t, i), 9);
				seen_mid = true;
			}
		}
		assert_true(seen_mid);
	}
	evbpf__btf_free(btf);
	evbpf__dwarf_free(dw);
	free(buf);
}

static void test_fixture_dwarf5(void **st)
{
	(void)st;
	check_fixture("run_dwarf.bpf.o", 5);
}

static void test_fixture_dwarf4(void **st)
{
	(void)st;
	check_fixture("run_dwarf_v4.bpf.o", 4);
}

static void test_no_dwarf(void **st)
{
	struct evbpf_dwarf *dw;
	size_t size;
	uint8_t *buf;

	(void)st;
	if (access(FIXTURE("run_dwarf_vmlinux_nodebug.bpf.o"), R_OK))
		SKIP_TEST("no stripped fixture (needs vmlinux.h and llvm-objcopy at build time)");
	buf = load("run_dwarf_vmlinux_nodebug.bpf.o", &size);
	assert_int_equal(evbpf__dwarf_parse_mem(buf, size, &dw), -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), "no .debug_info"));
	assert_null(dw);
	free(buf);
}

/* Parse, and when it works convert every struct: on hostile bytes both
 * must end in 0 or a clean error. Returns the parse result. */
static int parse_and_convert(const uint8_t *buf, size_t size)
{
	struct evbpf_dwarf *dw;
	int err;

	evbpf__errmsg_clear();
	err = evbpf__dwarf_parse_mem(buf, size, &dw);
	if (err) {
		if (err != -EINVAL && err != -EOVERFLOW && err != -ENOTSUP && err != -ENOENT)
			fail_msg("parse: unexpected error %d (%s)", err, evbpf_errmsg());
		if (!evbpf_errmsg()[0])
			fail_msg("parse: error %d without a message", err);
		assert_null(dw);
		return err;
	}
	for (uint32_t i = 0; i < evbpf__dwarf_die_cnt(dw); i++) {
		const struct evbpf_dwarf_die *d = evbpf__dwarf_die(dw, i);
		struct evbpf_btf *btf;
		uint32_t id;
		int cerr;

		if (d->tag != EVBPF_DW_TAG_structure_type && d->tag != EVBPF_DW_TAG_typedef)
			continue;
		btf = empty_btf();
		cerr = evbpf__dwarf_to_btf(dw, i, btf, &id);
		if (cerr && cerr != -EINVAL && cerr != -EOVERFLOW)
			fail_msg("convert: unexpected error %d", cerr);
		(void)evbpf__dwarf_type_size(dw, i);
		evbpf__btf_free(btf);
	}
	evbpf__dwarf_free(dw);
	return 0;
}

static size_t truncate_all(const char *fixture, const char *sec)
{
	size_t size, failed = 0;
	uint8_t *buf = load(fixture, &size);
	Elf64_Shdr *sh = eb_shdr_by_name(buf, sec);
	uint64_t full;

	if (!sh) {
		free(buf);
		return 0;
	}
	full = sh->sh_size;
	for (uint64_t len = 0; len < full; len++) {
		sh->sh_size = len;
		failed += parse_and_convert(buf, size) != 0;
	}
	sh->sh_size = full;
	assert_int_equal(parse_and_convert(buf, size), 0);
	free(buf);
	return failed;
}

static void check_truncations(const char *fixture)
{
	static const char *const secs[] = {".debug_abbrev", ".debug_str", ".debug_str_offsets",
	                                   ".debug_addr", ".debug_line_str"};

	/* Every proper prefix of .debug_info cuts a unit short. */
	{
		size_t size;
		uint8_t *buf = load(fixture, &size);
		uint64_t full = eb_shdr_by_name(buf, ".debug_info")->sh_size;

		free(buf);
		assert_int_equal(truncate_all(fixture, ".debug_info"), full);
	}
	for (size_t i = 0; i < EVBPF_ARRAY_SIZE(secs); i++)
		truncate_all(fixture, secs[i]);
}

static void test_truncated_dwarf5(void **st)
{
	(void)st;
	check_truncations("run_dwarf.bpf.o");
}

static void test_truncated_dwarf4(void **st)
{
	(void)st;
	check_truncations("run_dwarf_v4.bpf.o");
}

static void flip_all(const char *fixture, const char *sec)
{
	size_t size, failed = 0;
	uint8_t *buf = load(fixture, &size);
	Elf64_Shdr *sh = eb_shdr_by_name(buf, sec);

	assert_non_null(sh);
	for (uint64_t i = 0; i < sh->sh_size; i++) {
		for (int pass = 0; pass < 2; pass++) {
			uint8_t x = pass ? 0x80 : 0xff;

			buf[sh->sh_offset + i] ^= x;
			failed += parse_and_convert(buf, size) != 0;
			buf[sh->sh_offset + i] ^= x;
		}
	}
	/* Some flips must have been noticed. */
	assert_true(failed > 0);
	free(buf);
}

static void test_flipped_bytes(void **st)
{
	(void)st;
	flip_all("run_dwarf.bpf.o", ".debug_info");
	flip_all("run_dwarf.bpf.o", ".debug_abbrev");
	flip_all("run_dwarf_v4.bpf.o", ".debug_info");
	flip_all("run_dwarf_v4.bpf.o", ".debug_abbrev");
}

/* ------------------------------------------------------------ crafted */

/* A DWARF 4 unit: a compile unit holding "int" and "struct s { int a; }". */
struct craft {
	uint8_t abbrev[256];
	size_t abbrev_len;
	uint8_t info[4096];
	size_t info_len;
	uint32_t int_off; /* of the base type DIE */
	int version;
	uint8_t name_form;
	uint8_t ref_form;
	int nest;           /* extra lexical blocks around the struct */
	uint32_t ref_delta; /* added to the member's type reference */
};

static void put(uint8_t *p, size_t *len, const void *data, size_t n)
{
	memcpy(p + *len, data, n);
	*len += n;
}

static void put8(uint8_t *p, size_t *len, uint8_t v)
{
	put(p, len, &v, 1);
}

static void craft_build(struct craft *c)
{
	static const uint8_t abbrev[] = {
	    1, 0x11, 1, 0x03, 0x08, 0,    0,                      /* compile_unit: name */
	    2, 0x24, 0, 0x03, 0x08, 0x0b, 0x0b, 0x3e, 0x0b, 0, 0, /* base_type */
	    3, 0x13, 1, 0x03, 0x08, 0x0b, 0x0b, 0,    0,          /* structure_type */
	    4, 0x0d, 0, 0x03, 0x08, 0x49, 0x13, 0x38, 0x0b, 0, 0, /* member */
	    5, 0x0b, 1, 0,    0,                                  /* lexical_block */
	    0};
	uint32_t len32, abbrev_off = 0;
	uint16_t ver;
	size_t len = 0;
	uint8_t *p = c->info;

	memcpy(c->abbrev, abbrev, sizeof(abbrev));
	c->abbrev_len = sizeof(abbrev);
	c->abbrev[4] = c->name_form; /* the compile unit's name form */
	c->abbrev[33] = c->ref_form; /* the member's type form */
	if (!c->version)
		c->version = 4;
	if (!c->name_form)
		c->name_form = 0x08;
	if (!c->ref_form)
		c->ref_form = 0x13;
	c->abbrev[4] = c->name_form;
	c->abbrev[33] = c->ref_form;
	ver = (uint16_t)c->version;
	len = 4;
	put(p, &len, &ver, 2);
	if (c->version >= 5) {
		put8(p, &len, 1); /* DW_UT_compile */
		put8(p, &len, 8);
		put(p, &len, &abbrev_off, 4);
	} else {
		put(p, &len, &abbrev_off, 4);
		put8(p, &len, 8);
	}
	put8(p, &len, 1);
	if (c->name_form == 0x08)
		put(p, &len, "cu", 3);
	else
		put8(p, &len, 0);
	c->int_off = (uint32_t)len;
	put8(p, &len, 2);
	put(p, &len, "int", 4);
	put8(p, &len, 4);
	put8(p, &len, 5);
	for (int i = 0; i < c->nest; i++)
		put8(p, &len, 5);
	put8(p, &len, 3);
	put(p, &len, "s", 2);
	put8(p, &len, 4);
	put8(p, &len, 4);
	put(p, &len, "a", 2);
	{
		uint32_t ref = c->int_off + c->ref_delta;

		put(p, &len, &ref, 4);
	}
	put8(p, &len, 0);
	put8(p, &len, 0); /* end of struct s */
	for (int i = 0; i < c->nest; i++)
		put8(p, &len, 0);
	put8(p, &len, 0); /* end of the unit's children */
	len32 = (uint32_t)(len - 4);
	memcpy(p, &len32, 4);
	c->info_len = len;
}

static uint8_t *craft_elf(const struct craft *c, size_t *sizep, uint32_t rel_type)
{
	struct elf_builder *b = eb_new();
	int info;
	uint8_t *buf;

	eb_add_sec(b, ".debug_abbrev", SHT_PROGBITS, 0, c->abbrev, c->abbrev_len);
	info = eb_add_sec(b, ".debug_info", SHT_PROGBITS, 0, c->info, c->info_len);
	eb_add_sec(b, ".debug_str", SHT_PROGBITS, 0, "\0", 1);
	if (rel_type)
		eb_add_rel(b, info, 6, 0, rel_type);
	buf = eb_finish(b, sizep);
	free(b);
	return buf;
}

static int craft_parse(struct craft *c, uint32_t rel_type, struct evbpf_dwarf **dwp)
{
	size_t size;
	uint8_t *buf;
	int err;

	craft_build(c);
	buf = craft_elf(c, &size, rel_type);
	err = evbpf__dwarf_parse_mem(buf, size, dwp);
	free(buf);
	return err;
}

/* Unset fields: DWARF 4, DW_FORM_string names, DW_FORM_ref4 types. */
#define CRAFT(...) ((struct craft){__VA_ARGS__})

static void test_crafted_ok(void **st)
{
	struct craft c = CRAFT(.nest = 3);
	struct evbpf_dwarf *dw;
	struct evbpf_btf *btf;
	uint32_t s, id;

	(void)st;
	assert_ok(craft_parse(&c, 0, &dw));
	assert_int_equal(evbpf__dwarf_die_cnt(dw), 4 + 3);
	s = find_die(dw, EVBPF_DW_TAG_structure_type, "s");
	assert_int_equal(evbpf__dwarf_die(dw, s)->depth, 4);
	assert_int_equal(evbpf__dwarf_type_size(dw, s), 4);
	btf = empty_btf();
	assert_ok(evbpf__dwarf_to_btf(dw, s, btf, &id));
	assert_int_equal(evbpf__btf_find(btf, "s", BTF_KIND_STRUCT), (int)id);
	assert_true(evbpf__btf_find(btf, "int", BTF_KIND_INT) > 0);
	/* Again: the struct and int are reused, nothing is added. */
	{
		uint32_t cnt = evbpf__btf_type_cnt(btf), id2;

		assert_ok(evbpf__dwarf_to_btf(dw, s, btf, &id2));
		assert_int_equal(id2, id);
		assert_int_equal(evbpf__btf_type_cnt(btf), cnt);
	}
	evbpf__btf_free(btf);
	evbpf__dwarf_free(dw);
	/* A DWARF 5 header reads the same. */
	c = CRAFT(.version = 5);
	assert_ok(craft_parse(&c, 0, &dw));
	assert_int_equal(evbpf__dwarf_version(dw), 5);
	evbpf__dwarf_free(dw);
}

static void expect_craft_error(struct craft c, uint32_t rel_type, int err, const char *msg)
{
	struct evbpf_dwarf *dw = (struct evbpf_dwarf *)1;

	assert_int_equal(craft_parse(&c, rel_type, &dw), err);
	assert_null(dw);
	if (!strstr(evbpf_errmsg(), msg))
		fail_msg("error '%s' does not say '%s'", evbpf_errmsg(), msg);
}

static void test_crafted_errors(void **st)
{
	(void)st;
	expect_craft_error(CRAFT(.name_form = 0x7f), 0, -EINVAL, "unknown form 0x7f");
	expect_craft_error(CRAFT(.name_form = 0x02), 0, -EINVAL, "unknown form 0x2");
	/* strx1 without a .debug_str_offsets to look it up in. */
	expect_craft_error(CRAFT(.name_form = 0x25), 0, -EINVAL, "string index 0");
	/* A reference to where no DIE starts. */
	expect_craft_error(CRAFT(.ref_delta = 1), 0, -EINVAL, "where no DIE starts");
	expect_craft_error(CRAFT(.ref_delta = 4000), 0, -EINVAL, "past the end of the unit");
	/* An unknown form in the abbreviation of a member's type. */
	expect_craft_error(CRAFT(.ref_form = 0x2d), 0, -EINVAL, "unknown form 0x2d");
	expect_craft_error(CRAFT(.version = 6), 0, -ENOTSUP, "version 6");
	expect_craft_error(CRAFT(.version = 1), 0, -ENOTSUP, "version 1");
	expect_craft_error(CRAFT(.nest = 200), 0, -EOVERFLOW, "nested more than");
	/* .debug_info relocations are absolute 32/64-bit ones only. */
	expect_craft_error(CRAFT(), 1, -EINVAL, "type 1 is not an absolute");
}

/* Abbreviations without attributes (found by fuzz_dwarf: the reader took
 * the address of an element of the attribute array the table did not
 * have). */
static void test_crafted_no_attrs(void **st)
{
	struct craft c = CRAFT();
	struct evbpf_dwarf *dw;
	static const uint8_t abbrev[] = {1, 0x11, 1, 0, 0, 2, 0x13, 0, 0, 0, 0};
	static const uint8_t info[] = {0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 8, 1, 2, 2, 0};
	uint32_t len32 = sizeof(info) - 4;
	size_t size;
	uint8_t *buf;

	(void)st;
	memcpy(c.abbrev, abbrev, sizeof(abbrev));
	c.abbrev_len = sizeof(abbrev);
	memcpy(c.info, info, sizeof(info));
	memcpy(c.info, &len32, 4);
	c.info_len = sizeof(info);
	buf = craft_elf(&c, &size, 0);
	assert_ok(evbpf__dwarf_parse_mem(buf, size, &dw));
	free(buf);
	assert_int_equal(evbpf__dwarf_die_cnt(dw), 3);
	assert_null(evbpf__dwarf_die(dw, 1)->name);
	/* A struct without a size has none. */
	assert_true(evbpf__dwarf_type_size(dw, 1) < 0);
	evbpf__dwarf_free(dw);
}

/* A typedef that names itself: sizes and conversion stop. */
static void test_type_loop(void **st)
{
	struct craft c = CRAFT();
	struct evbpf_dwarf *dw;
	struct evbpf_btf *btf;
	uint32_t a, id;
	size_t size;
	uint8_t *buf;

	(void)st;
	craft_build(&c);
	/* Turn "int" into a typedef of itself: tag 0x16 with DW_AT_type. */
	c.abbrev[8] = 0x16;
	c.abbrev[12] = 0x49; /* byte_size -> type */
	c.abbrev[13] = 0x13; /* data1 -> ref4 */
	{
		/* The DIE: code 2, "int", a ref4 to itself (was a data1),
		 * the encoding. The member still refers to it. */
		size_t off = c.int_off + 1 + 4;
		uint8_t rest[4096];
		size_t rest_len = c.info_len - (off + 1);
		uint32_t len32;

		memcpy(rest, c.info + off + 1, rest_len);
		memcpy(c.info + off, &c.int_off, 4);
		memcpy(c.info + off + 4, rest, rest_len);
		c.info_len += 3;
		len32 = (uint32_t)(c.info_len - 4);
		memcpy(c.info, &len32, 4);
	}
	buf = craft_elf(&c, &size, 0);
	assert_ok(evbpf__dwarf_parse_mem(buf, size, &dw));
	free(buf);
	a = find_die(dw, EVBPF_DW_TAG_typedef, "int");
	assert_int_not_equal(a, EVBPF_DWARF_NONE);
	assert_int_equal(evbpf__dwarf_skip_mods(dw, a), EVBPF_DWARF_NONE);
	assert_true(evbpf__dwarf_type_size(dw, a) < 0);
	btf = empty_btf();
	/* Converting terminates: a self-referencing typedef is written once. */
	assert_ok(evbpf__dwarf_to_btf(dw, a, btf, &id));
	evbpf__btf_free(btf);
	evbpf__dwarf_free(dw);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixture_dwarf5),   cmocka_unit_test(test_fixture_dwarf4),
	    cmocka_unit_test(test_no_dwarf),         cmocka_unit_test(test_truncated_dwarf5),
	    cmocka_unit_test(test_truncated_dwarf4), cmocka_unit_test(test_flipped_bytes),
	    cmocka_unit_test(test_crafted_ok),       cmocka_unit_test(test_crafted_errors),
	    cmocka_unit_test(test_crafted_no_attrs), cmocka_unit_test(test_type_loop),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
