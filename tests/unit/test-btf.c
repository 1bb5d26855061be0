/* SPDX-License-Identifier: MIT */
/*
 * The BTF reader on hand-built blobs: every kind parses, lookups by name
 * and kind and by essential (flavor-less) name, sizes and alignments
 * through modifiers, split BTF over a base, appending types, and hostile
 * BTF (truncated headers, bad offsets and ids, loops, impossible encodings)
 * rejected with a message that names the problem. Also .BTF.ext tables
 * and the gzip reader used for /proc/config.gz.
 */
#include "common.h"
#include "internal.h"
#include "unit/btf_builder.h"

static struct bb B;

static int parse(struct bb *b, const struct evbpf_btf *base, struct evbpf_btf **btfp)
{
	size_t n = bb_blob(b);

	return evbpf__btf_parse(b->blob, n, base, btfp);
}

/* Parse must fail with err and a message containing what. */
static void expect_reject(struct bb *b, int err, const char *what)
{
	struct evbpf_btf *btf = NULL;
	int r = parse(b, NULL, &btf);

	if (r == 0) {
		evbpf__btf_free(btf);
		fail_msg("hostile BTF accepted (expected '%s')", what);
	}
	assert_int_equal(r, err);
	if (!strstr(evbpf_errmsg(), what))
		fail_msg("message '%s' does not mention '%s'", evbpf_errmsg(), what);
}

static void test_every_kind(void **st)
{
	struct evbpf_btf *btf;
	uint32_t i_int, i_long, i_ptr, i_s, i_td, i_arr, i_en, i_fwd, i_proto, i_func, i_var;
	uint32_t i_const, i_vol, i_restrict, i_tag, i_float, i_e64, i_u, i_ds, i_dtag, i_td2;
	uint32_t ids[4];

	(void)st;
	bb_init(&B, 1, 0);
	i_int = bb_int(&B, "int", 4, 32, BTF_INT_SIGNED);
	i_long = bb_int(&B, "long", 8, 64, BTF_INT_SIGNED);
	i_s = bb_composite(&B, BTF_KIND_STRUCT, "s", 16, 3, 1);
	bb_member(&B, "a", i_int, 0);
	bb_member(&B, "bf", i_int, 3u << 24 | 32); /* kflag: 3-bit field at bit 32 */
	bb_member(&B, "l", i_long, 64);
	i_ptr = bb_ref(&B, BTF_KIND_PTR, "", i_s);
	i_td = bb_ref(&B, BTF_KIND_TYPEDEF, "s_t", i_s);
	i_const = bb_ref(&B, BTF_KIND_CONST, "", i_td);
	i_vol = bb_ref(&B, BTF_KIND_VOLATILE, "", i_const);
	i_restrict = bb_ref(&B, BTF_KIND_RESTRICT, "", i_ptr);
	i_tag = bb_ref(&B, BTF_KIND_TYPE_TAG, "user", i_vol);
	i_arr = bb_array(&B, i_tag, i_int, 3);
	i_en = bb_enum(&B, "e", 4, 2);
	bb_enumerator(&B, "E_A", -1);
	bb_enumerator(&B, "E_B", 7);
	i_e64 = bb_enum64(&B, "e64", 1);
	bb_enumerator64(&B, "E_BIG", 1ULL << 40);
	i_fwd = bb_type(&B, "fw", BB_INFO(BTF_KIND_FWD, 1, 0), 0);
	i_proto = bb_proto(&B, i_int, 2);
	bb_param(&B, "x", i_ptr);
	bb_param(&B, "", 0); /* varargs */
	i_func = bb_type(&B, "f", BB_INFO(BTF_KIND_FUNC, 0, BTF_FUNC_GLOBAL), i_proto);
	i_var = bb_type(&B, "v", BB_INFO(BTF_KIND_VAR, 0, 0), i_arr);
	bb_u32(&B, BTF_VAR_GLOBAL_ALLOCATED);
	i_ds = bb_type(&B, ".data", BB_INFO(BTF_KIND_DATASEC, 0, 1), 48);
	bb_u32(&B, i_var);
	bb_u32(&B, 0);
	bb_u32(&B, 48);
	i_float = bb_type(&B, "double", BB_INFO(BTF_KIND_FLOAT, 0, 0), 8);
	i_dtag = bb_type(&B, "tag", BB_INFO(BTF_KIND_DECL_TAG, 0, 0), i_s);
	bb_u32(&B, 1); /* member #1 */
	/* A tag on a function's second parameter (its vlen is its linkage). */
	bb_type(&B, "arg_ctx", BB_INFO(BTF_KIND_DECL_TAG, 0, 0), i_func);
	bb_u32(&B, 1);
	i_u = bb_composite(&B, BTF_KIND_UNION, "s", 8, 2, 0);
	bb_member(&B, "x", i_int, 0);
	bb_member(&B, "y", i_long, 0);
	i_td2 = bb_ref(&B, BTF_KIND_TYPEDEF, "s___flavor", i_s);
	bb_composite(&B, BTF_KIND_STRUCT, "s___v2", 0, 0, 0);
	assert_ok(parse(&B, NULL, &btf));

	assert_int_equal(evbpf__btf_type_cnt(btf), B.next_id);
	assert_int_equal(evbpf__btf_kind(evbpf__btf_type(btf, i_dtag)), BTF_KIND_DECL_TAG);
	assert_int_equal(evbpf__btf_kind(evbpf__btf_type(btf, i_e64)), BTF_KIND_ENUM64);
	assert_int_equal(evbpf__btf_kind(evbpf__btf_type(btf, i_restrict)), BTF_KIND_RESTRICT);
	assert_int_equal(evbpf__btf_kind(evbpf__btf_type(btf, i_func)), BTF_KIND_FUNC);
	/* Name lookups distinguish kinds. */
	assert_int_equal(evbpf__btf_find(btf, "s", BTF_KIND_STRUCT), i_s);
	assert_int_equal(evbpf__btf_find(btf, "s", BTF_KIND_UNION), i_u);
	assert_int_equal(evbpf__btf_find(btf, "s", -1), i_s);
	assert_int_equal(evbpf__btf_find(btf, "s_t", BTF_KIND_TYPEDEF), i_td);
	assert_int_equal(evbpf__btf_find(btf, "s_t", BTF_KIND_STRUCT), -ENOENT);
	assert_int_equal(evbpf__btf_find(btf, "e64", BTF_KIND_ENUM64), i_e64);
	assert_int_equal(evbpf__btf_find(btf, "fw", BTF_KIND_FWD), i_fwd);
	assert_int_equal(evbpf__btf_find(btf, "nope", -1), -ENOENT);
	/* Essential names: "s", "s___flavor", "s___v2" and the union. */
	assert_int_equal(evbpf__btf_essential_len("s___flavor"), 1);
	assert_int_equal(evbpf__btf_essential_len("a____b"), 6); /* 4 underscores: no flavor */
	assert_int_equal(evbpf__btf_essential_len("x___"), 4);
	assert_int_equal(evbpf__btf_find_essential(btf, "s", 1, ids, 4), 4);
	assert_int_equal(ids[0], i_s);
	assert_int_equal(ids[2], i_td2);
	/* Sizes and alignment through typedef, const, volatile, type tag. */
	assert_int_equal(evbpf__btf_resolve_size(btf, i_arr), 48);
	assert_int_equal(evbpf__btf_resolve_size(btf, i_var), 48);
	assert_int_equal(evbpf__btf_resolve_size(btf, i_restrict), 8);
	assert_int_equal(evbpf__btf_resolve_size(btf, i_float), 8);
	assert_int_equal(evbpf__btf_resolve_size(btf, i_ds), 48);
	assert_int_equal(evbpf__btf_resolve_size(btf, i_func), -EINVAL);
	assert_int_equal(evbpf__btf_align(btf, i_arr), 8);
	assert_int_equal(evbpf__btf_align(btf, i_en), 4);
	assert_int_equal(evbpf__btf_skip_mods(btf, i_tag), i_s);
	assert_int_equal(evbpf__btf_member_bitfield_size(evbpf__btf_type(btf, i_s), 1), 3);
	assert_int_equal(evbpf__btf_member_bit_offset(evbpf__btf_type(btf, i_s), 1), 32);
	evbpf__btf_free(btf);
}

static void test_hostile_headers(void **st)
{
	struct btf_header h;
	struct evbpf_btf *btf;
	size_t n;

	(void)st;
	bb_init(&B, 1, 0);
	bb_int(&B, "int", 4, 32, 0);
	n = bb_blob(&B);
	assert_int_equal(evbpf__btf_parse(B.blob, 6, NULL, &btf), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "too short"));
	assert_int_equal(evbpf__btf_parse(B.blob, 10, NULL, &btf), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "header length"));
	memcpy(&h, B.blob, sizeof(h));

	B.blob[0] ^= 0xff;
	assert_int_equal(evbpf__btf_parse(B.blob, n, NULL, &btf), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "magic"));
	memcpy(B.blob, &h, sizeof(h));

	((struct btf_header *)B.blob)->hdr_len = (uint32_t)n + 4;
	assert_int_equal(evbpf__btf_parse(B.blob, n, NULL, &btf), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "header length"));
	memcpy(B.blob, &h, sizeof(h));

	((struct btf_header *)B.blob)->type_len = 0xfffffff0;
	assert_int_equal(evbpf__btf_parse(B.blob, n, NULL, &btf), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "past the end"));
	memcpy(B.blob, &h, sizeof(h));

	((struct btf_header *)B.blob)->str_off = 4; /* overlaps the types */
	((struct btf_header *)B.blob)->str_len = 4;
	assert_int_equal(evbpf__btf_parse(B.blob, n, NULL, &btf), -EINVAL);
	memcpy(B.blob, &h, sizeof(h));

	/* The type section cut in the middle of the int's encoding. */
	((struct btf_header *)B.blob)->type_len = 14;
	((struct btf_header *)B.blob)->str_off = 14;
	((struct btf_header *)B.blob)->str_len = 0;
	assert_int_equal(evbpf__btf_parse(B.blob, sizeof(h) + 14, NULL, &btf), -EINVAL);
	memcpy(B.blob, &h, sizeof(h));

	/* Strings not NUL-terminated. */
	B.blob[n - 1] = 'x';
	assert_int_equal(evbpf__btf_parse(B.blob, n, NULL, &btf), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "NUL"));
}

static void test_hostile_types(void **st)
{
	uint32_t i_int, a, b;

	(void)st;
	/* Unknown kind. */
	bb_init(&B, 1, 0);
	bb_type(&B, "x", BB_INFO(25, 0, 0), 0);
	expect_reject(&B, -EINVAL, "unknown kind");
	/* A record that runs past the type section (vlen too large). */
	bb_init(&B, 1, 0);
	bb_composite(&B, BTF_KIND_STRUCT, "s", 4, 100, 0);
	expect_reject(&B, -EINVAL, "runs past");
	/* Name offset outside the string section. */
	bb_init(&B, 1, 0);
	bb_int(&B, "int", 4, 32, 0);
	B.types[0] = 0x7fffffff;
	expect_reject(&B, -EINVAL, "string offset");
	/* A reference past the last type. */
	bb_init(&B, 1, 0);
	bb_ref(&B, BTF_KIND_PTR, "", 99);
	expect_reject(&B, -EINVAL, "past the last type");
	/* A member past the last type. */
	bb_init(&B, 1, 0);
	bb_composite(&B, BTF_KIND_STRUCT, "s", 4, 1, 0);
	bb_member(&B, "m", 42, 0);
	expect_reject(&B, -EINVAL, "member");
	/* Impossible int encodings. */
	bb_init(&B, 1, 0);
	bb_int(&B, "int", 4, 200, 0);
	expect_reject(&B, -EINVAL, "bits");
	bb_init(&B, 1, 0);
	bb_int(&B, "int", 3, 24, 0);
	expect_reject(&B, -EINVAL, "int size");
	/* A member beyond its struct. */
	bb_init(&B, 1, 0);
	i_int = bb_int(&B, "int", 4, 32, 0);
	bb_composite(&B, BTF_KIND_STRUCT, "s", 4, 1, 0);
	bb_member(&B, "m", i_int, 64);
	expect_reject(&B, -EINVAL, "outside");
	/* Loops through modifiers and pointers. */
	bb_init(&B, 1, 0);
	a = bb_ref(&B, BTF_KIND_CONST, "", 2);
	bb_ref(&B, BTF_KIND_VOLATILE, "", a);
	expect_reject(&B, -EINVAL, "loop");
	bb_init(&B, 1, 0);
	bb_ref(&B, BTF_KIND_PTR, "", 1);
	expect_reject(&B, -EINVAL, "loop");
	bb_init(&B, 1, 0);
	i_int = bb_int(&B, "int", 4, 32, 0);
	bb_array(&B, 3, i_int, 2); /* array of a typedef of itself */
	bb_ref(&B, BTF_KIND_TYPEDEF, "t", 2);
	expect_reject(&B, -EINVAL, "loop");
	/* Structs containing themselves by value (directly, or through an
	 * array and another struct); through a pointer is fine. */
	bb_init(&B, 1, 0);
	bb_composite(&B, BTF_KIND_STRUCT, "a", 8, 1, 0);
	bb_member(&B, "self", 1, 0);
	expect_reject(&B, -EINVAL, "contains itself");
	bb_init(&B, 1, 0);
	a = bb_composite(&B, BTF_KIND_STRUCT, "a", 8, 1, 0); /* [1] { struct b b; } */
	bb_member(&B, "b", 2, 0);
	b = bb_composite(&B, BTF_KIND_STRUCT, "b", 8, 1, 0); /* [2] { struct a x[1]; } */
	bb_member(&B, "x", 3, 0);
	bb_array(&B, a, b, 1); /* [3] */
	expect_reject(&B, -EINVAL, "contains itself");
	/* A func whose type is not a prototype, an enum of 3 bytes, a decl
	 * tag on a member that does not exist, an array of void. */
	bb_init(&B, 1, 0);
	i_int = bb_int(&B, "int", 4, 32, 0);
	bb_type(&B, "f", BB_INFO(BTF_KIND_FUNC, 0, 0), i_int);
	expect_reject(&B, -EINVAL, "prototype");
	bb_init(&B, 1, 0);
	bb_enum(&B, "e", 3, 0);
	expect_reject(&B, -EINVAL, "enum size");
	bb_init(&B, 1, 0);
	a = bb_composite(&B, BTF_KIND_STRUCT, "s", 0, 0, 0);
	bb_type(&B, "tag", BB_INFO(BTF_KIND_DECL_TAG, 0, 0), a);
	bb_u32(&B, 5);
	expect_reject(&B, -EINVAL, "component");
	bb_init(&B, 1, 0);
	i_int = bb_int(&B, "int", 4, 32, 0);
	bb_array(&B, 0, i_int, 4);
	expect_reject(&B, -EINVAL, "void");
}

static void test_size_overflow(void **st)
{
	struct evbpf_btf *btf;
	uint32_t i_long, arr, arr2;

	(void)st;
	bb_init(&B, 1, 0);
	i_long = bb_int(&B, "long", 8, 64, 0);
	arr = bb_array(&B, i_long, i_long, 0x10000000);
	arr2 = bb_array(&B, arr, i_long, 0x100);
	assert_ok(parse(&B, NULL, &btf));
	/* 2^28 * 8 fits in 32 bits; 2^28 * 8 * 256 does not. */
	assert_int_equal(evbpf__btf_resolve_size(btf, arr), 0x80000000LL);
	assert_int_equal(evbpf__btf_resolve_size(btf, arr2), -E2BIG);
	evbpf__btf_free(btf);
}

static void test_split(void **st)
{
	struct evbpf_btf *base, *split;
	uint32_t i_int, i_s, s_ptr, s_mod, base_strs;
	static struct bb S;

	(void)st;
	bb_init(&B, 1, 0);
	i_int = bb_int(&B, "int", 4, 32, BTF_INT_SIGNED);
	i_s = bb_composite(&B, BTF_KIND_STRUCT, "task", 4, 1, 0);
	bb_member(&B, "pid", i_int, 0);
	assert_ok(parse(&B, NULL, &base));
	base_strs = (uint32_t)B.ns;

	/* Module BTF: ids continue after the base, strings after its strings,
	 * and its types refer to the base's. */
	bb_init(&S, evbpf__btf_type_cnt(base), base_strs);
	s_ptr = bb_ref(&S, BTF_KIND_PTR, "", i_s);
	s_mod = bb_composite(&S, BTF_KIND_STRUCT, "mod_thing", 8, 1, 0);
	bb_member(&S, "t", s_ptr, 0);
	bb_composite(&S, BTF_KIND_STRUCT, "task___mod", 4, 0, 0);
	assert_ok(parse(&S, base, &split));
	assert_int_equal(evbpf__btf_start_id(split), 3);
	assert_int_equal(evbpf__btf_type_cnt(split), 6);
	assert_true(evbpf__btf_base(split) == base);
	assert_int_equal(evbpf__btf_find(split, "mod_thing", BTF_KIND_STRUCT), s_mod);
	assert_int_equal(evbpf__btf_find(split, "task", BTF_KIND_STRUCT), i_s); /* via base */
	assert_string_equal(evbpf__btf_name(split, i_int), "int");
	assert_int_equal(evbpf__btf_resolve_size(split, s_ptr), 8);
	assert_int_equal(evbpf__btf_skip_mods(split, s_ptr), s_ptr);
	/* Own types only: the flavor in the module, not the base's task. */
	assert_int_equal(evbpf__btf_find_essential(split, "task", 4, NULL, 0), 1);
	/* Appending is refused for split BTF. */
	assert_int_equal(evbpf__btf_add_str(split, "x"), -ENOTSUP);
	evbpf__btf_free(split);

	/* A split type referring past its own last id is rejected. */
	bb_init(&S, evbpf__btf_type_cnt(base), base_strs);
	bb_ref(&S, BTF_KIND_PTR, "", 77);
	assert_int_equal(parse(&S, base, &split), -EINVAL);
	evbpf__btf_free(base);
}

static void test_add_types(void **st)
{
	struct evbpf_btf *btf, *again;
	uint32_t rec[4];
	const void *raw;
	size_t size;
	int name, id;

	(void)st;
	bb_init(&B, 1, 0);
	bb_int(&B, "int", 4, 32, BTF_INT_SIGNED);
	assert_ok(parse(&B, NULL, &btf));
	assert_ok(evbpf__btf_find(btf, "int", -1)); /* builds the index */
	name = evbpf__btf_add_str(btf, "added");
	assert_true(name > 0);
	rec[0] = (uint32_t)name;
	rec[1] = BB_INFO(BTF_KIND_TYPEDEF, 0, 0);
	rec[2] = 1;
	id = evbpf__btf_add_type(btf, rec, 12);
	assert_int_equal(id, 2);
	assert_int_equal(evbpf__btf_find(btf, "added", BTF_KIND_TYPEDEF), 2);
	assert_int_equal(evbpf__btf_resolve_size(btf, 2), 4);
	/* The rebuilt blob parses on its own. */
	raw = evbpf__btf_raw(btf, &size);
	assert_ok(evbpf__btf_parse(raw, size, NULL, &again));
	assert_int_equal(evbpf__btf_type_cnt(again), 3);
	assert_string_equal(evbpf__btf_name(again, 2), "added");
	evbpf__btf_free(again);
	evbpf__btf_free(btf);
}

static void test_sanitize(void **st)
{
	struct evbpf_btf *btf, *again;
	uint32_t i_int, i_tag, i_dtag, i_float, i_e64, i_en, i_proto, i_func;

	(void)st;
	bb_init(&B, 1, 0);
	i_int = bb_int(&B, "int", 4, 32, BTF_INT_SIGNED);
	i_tag = bb_ref(&B, BTF_KIND_TYPE_TAG, "user", i_int);
	i_dtag = bb_type(&B, "tag", BB_INFO(BTF_KIND_DECL_TAG, 0, 0), i_int);
	bb_u32(&B, (uint32_t)-1);
	i_float = bb_type(&B, "double", BB_INFO(BTF_KIND_FLOAT, 0, 0), 8);
	i_e64 = bb_enum64(&B, "e64", 2);
	bb_enumerator64(&B, "BIG", 1ULL << 40);
	bb_enumerator64(&B, "SMALL", 1);
	i_en = bb_type(&B, "se", BB_INFO(BTF_KIND_ENUM, 1, 1), 4);
	bb_enumerator(&B, "NEG", -1);
	i_proto = bb_proto(&B, i_int, 0);
	i_func = bb_type(&B, "f", BB_INFO(BTF_KIND_FUNC, 0, BTF_FUNC_GLOBAL), i_proto);
	assert_ok(parse(&B, NULL, &btf));
	/* A kernel with FUNC and DATASEC (5.2) and nothing newer. */
	assert_ok(evbpf__btf_sanitize(btf, EVBPF_BTF_HAS_FUNC | EVBPF_BTF_HAS_DATASEC, &again));
	assert_non_null(again);
	/* Same ids, older kinds, same sizes. */
	assert_int_equal(evbpf__btf_kind(evbpf__btf_type(again, i_tag)), BTF_KIND_CONST);
	assert_int_equal(evbpf__btf_type(again, i_tag)->type, i_int);
	assert_int_equal(evbpf__btf_kind(evbpf__btf_type(again, i_dtag)), BTF_KIND_INT);
	assert_int_equal(evbpf__btf_kind(evbpf__btf_type(again, i_float)), BTF_KIND_STRUCT);
	assert_int_equal(evbpf__btf_resolve_size(again, i_float), 8);
	assert_int_equal(evbpf__btf_kind(evbpf__btf_type(again, i_e64)), BTF_KIND_UNION);
	assert_int_equal(evbpf__btf_vlen(evbpf__btf_type(again, i_e64)), 2);
	assert_int_equal(evbpf__btf_resolve_size(again, i_e64), 8);
	assert_int_equal(BTF_INFO_KFLAG(evbpf__btf_type(again, i_en)->info), 0);
	assert_int_equal(evbpf__btf_vlen(evbpf__btf_type(again, i_func)), BTF_FUNC_STATIC);
	assert_int_equal(evbpf__btf_find(again, "e64", BTF_KIND_UNION), i_e64);
	evbpf__btf_free(again);
	evbpf__btf_free(btf);
}

/* ------------------------------------------------------------ .BTF.ext */

struct ext_blob {
	uint8_t b[512];
	size_t n;
};

static void ext_u32(struct ext_blob *e, uint32_t v)
{
	memcpy(e->b + e->n, &v, 4);
	e->n += 4;
}

/* Header (32 bytes), then func_info: rec size 8, section ".text" with two
 * records; line_info empty; core_relo with one record. */
static void build_ext(struct ext_blob *e, uint32_t text_off, uint32_t func_type, uint32_t acc)
{
	uint32_t func_len = 4 + 8 + 2 * 8, core_len = 4 + 8 + 16;

	e->n = 0;
	ext_u32(e, 0xeB9F | 1u << 16); /* magic, version 1, flags 0 */
	ext_u32(e, 32);                /* hdr_len */
	ext_u32(e, 0);
	ext_u32(e, func_len);
	ext_u32(e, func_len);
	ext_u32(e, 0);
	ext_u32(e, func_len);
	ext_u32(e, core_len);
	ext_u32(e, 8);
	ext_u32(e, text_off);
	ext_u32(e, 2);
	ext_u32(e, 0);
	ext_u32(e, func_type);
	ext_u32(e, 16);
	ext_u32(e, func_type);
	ext_u32(e, 16);
	ext_u32(e, text_off);
	ext_u32(e, 1);
	ext_u32(e, 8); /* insn_off */
	ext_u32(e, func_type);
	ext_u32(e, acc);
	ext_u32(e, 0);
}

static void test_btf_ext(void **st)
{
	struct evbpf_btf *btf;
	struct evbpf_btf_ext *ext;
	struct ext_blob e;
	uint32_t text, acc, proto, func;
	const struct evbpf_btf_ext_sec *sec;

	(void)st;
	bb_init(&B, 1, 0);
	proto = bb_proto(&B, 0, 0);
	func = bb_type(&B, "main", BB_INFO(BTF_KIND_FUNC, 0, 1), proto);
	text = bb_str(&B, ".text");
	acc = bb_str(&B, "0");
	assert_ok(parse(&B, NULL, &btf));

	build_ext(&e, text, func, acc);
	assert_ok(evbpf__btf_ext_parse(e.b, e.n, btf, &ext));
	sec = evbpf__btf_ext_sec(ext, EVBPF_BTF_EXT_FUNC, ".text");
	assert_non_null(sec);
	assert_int_equal(sec->nr, 2);
	assert_null(evbpf__btf_ext_sec(ext, EVBPF_BTF_EXT_LINE, ".text"));
	assert_int_equal(evbpf__btf_ext_sec(ext, EVBPF_BTF_EXT_CORE, ".text")->nr, 1);
	assert_null(evbpf__btf_ext_sec(ext, EVBPF_BTF_EXT_FUNC, "xdp"));
	evbpf__btf_ext_free(ext);

	/* Truncated header, bad magic, tables past the end. */
	assert_int_equal(evbpf__btf_ext_parse(e.b, 12, btf, &ext), -EINVAL);
	e.b[0] = 0;
	assert_int_equal(evbpf__btf_ext_parse(e.b, e.n, btf, &ext), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "magic"));
	build_ext(&e, text, func, acc);
	assert_int_equal(evbpf__btf_ext_parse(e.b, e.n - 4, btf, &ext), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "past the end"));
	/* A record size smaller than a func_info record. */
	build_ext(&e, text, func, acc);
	memcpy(e.b + 32, &(uint32_t){4}, 4);
	assert_int_equal(evbpf__btf_ext_parse(e.b, e.n, btf, &ext), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "record size"));
	/* More records than the table holds. */
	build_ext(&e, text, func, acc);
	memcpy(e.b + 40, &(uint32_t){1000}, 4);
	assert_int_equal(evbpf__btf_ext_parse(e.b, e.n, btf, &ext), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "run past"));
	/* A section name that is not a string of the BTF. */
	build_ext(&e, 0xffffff, func, acc);
	assert_int_equal(evbpf__btf_ext_parse(e.b, e.n, btf, &ext), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "section name"));
	/* insn_off not at an instruction; a func_info type out of range; a
	 * CO-RE access string out of range. */
	build_ext(&e, text, func, acc);
	memcpy(e.b + 52, &(uint32_t){17}, 4);
	assert_int_equal(evbpf__btf_ext_parse(e.b, e.n, btf, &ext), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "instruction"));
	build_ext(&e, text, 999, acc);
	assert_int_equal(evbpf__btf_ext_parse(e.b, e.n, btf, &ext), -EINVAL);
	build_ext(&e, text, func, 0xfffffff);
	assert_int_equal(evbpf__btf_ext_parse(e.b, e.n, btf, &ext), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "core_relo"));
	evbpf__btf_free(btf);
}

/* ------------------------------------------------------------ gzip */

static void gzip_roundtrip(const uint8_t *data, size_t len, const char *level)
{
	char path[] = "/tmp/evbpf-gz-XXXXXX", cmd[128];
	uint8_t *gz, *out;
	size_t gz_len, out_len;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "gzip %s -n -f %s", level, path);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s.gz", path);
	assert_ok(evbpf__read_file(cmd, &gz, &gz_len));
	unlink(cmd);
	assert_ok(evbpf__gunzip(gz, gz_len, &out, &out_len));
	assert_int_equal(out_len, len);
	assert_memory_equal(out, data, len);
	assert_int_equal(out[out_len], 0);
	free(out);
	/* A flipped bit in the data or a cut stream is detected. */
	gz[gz_len / 2] ^= 0x10;
	assert_true(evbpf__gunzip(gz, gz_len, &out, &out_len) < 0);
	assert_true(evbpf__gunzip(gz, gz_len / 3, &out, &out_len) < 0);
	assert_int_equal(evbpf__gunzip(gz, 10, &out, &out_len), -EINVAL);
	free(gz);
}

static void test_gunzip(void **st)
{
	size_t len = 300000;
	uint8_t *data = malloc(len);
	uint32_t x = 12345;

	(void)st;
	if (system("command -v gzip >/dev/null") != 0)
		fail_msg("gzip is needed to build test data");
	/* Text-like (dynamic Huffman, long matches)... */
	for (size_t i = 0; i < len; i++)
		data[i] = (uint8_t)("CONFIG_FOO=y\n# CONFIG_BAR is not set\n"[i % 37]);
	gzip_roundtrip(data, len, "-9");
	gzip_roundtrip(data, 100, "-1"); /* small: fixed Huffman */
	/* ...and incompressible (stored blocks). */
	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245 + 12345;
		data[i] = (uint8_t)(x >> 16);
	}
	gzip_roundtrip(data, len, "-6");
	free(data);
}

/* The real kernel's BTF passes full validation, not only the trusted path. */
static void test_vmlinux_validates(void **st)
{
	struct evbpf_btf *btf;
	const struct evbpf_btf *cached;

	(void)st;
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		SKIP_TEST("no /sys/kernel/btf/vmlinux");
	}
	assert_ok(evbpf__btf_parse_file("/sys/kernel/btf/vmlinux", NULL, &btf));
	assert_ok(evbpf__vmlinux_btf(&cached));
	assert_int_equal(evbpf__btf_type_cnt(btf), evbpf__btf_type_cnt(cached));
	assert_true(evbpf__btf_find(btf, "task_struct", BTF_KIND_STRUCT) > 0);
	assert_int_equal(evbpf__btf_find(btf, "task_struct", BTF_KIND_STRUCT),
	                 evbpf__btf_find(cached, "task_struct", BTF_KIND_STRUCT));
	evbpf__btf_free(btf);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_kind),    cmocka_unit_test(test_hostile_headers),
	    cmocka_unit_test(test_hostile_types), cmocka_unit_test(test_size_overflow),
	    cmocka_unit_test(test_split),         cmocka_unit_test(test_sanitize),
	    cmocka_unit_test(test_add_types),     cmocka_unit_test(test_btf_ext),
	    cmocka_unit_test(test_gunzip),        cmocka_unit_test(test_vmlinux_validates),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
