/* SPDX-License-Identifier: MIT */
/*
 * BTF sanitizing (core/btf_sanitize.c) on hand-built BTF, without a
 * kernel: for each kind a kernel may lack, the rewrite into an older kind,
 * with every type id and string offset unchanged, and only the kinds the
 * kernel lacks touched.
 */
#include "common.h"
#include "internal.h"
#include "unit/btf_builder.h"

static struct bb B;

static struct evbpf_btf *parse_b(void)
{
	struct evbpf_btf *btf = NULL;
	size_t n = bb_blob(&B);

	assert_ok(evbpf__btf_parse(B.blob, n, NULL, &btf));
	return btf;
}

/* Sanitize for a kernel with `have`; the result must differ. */
static struct evbpf_btf *sanitize(const struct evbpf_btf *btf, uint32_t have)
{
	struct evbpf_btf *out = NULL;

	assert_ok(evbpf__btf_sanitize(btf, have, &out));
	assert_non_null(out);
	return out;
}

static uint16_t kind_of(const struct evbpf_btf *btf, uint32_t id)
{
	const struct btf_type *t = evbpf__btf_type(btf, id);

	assert_non_null(t);
	return evbpf__btf_kind(t);
}

/* Every type in [from, to) is byte for byte what it was. */
static void assert_same_types(const struct evbpf_btf *a, const struct evbpf_btf *b, uint32_t from,
                              uint32_t to)
{
	for (uint32_t id = from; id < to; id++) {
		const struct btf_type *ta = evbpf__btf_type(a, id), *tb = evbpf__btf_type(b, id);
		size_t n = evbpf__btf_type_rec_size(ta);

		assert_int_equal(n, evbpf__btf_type_rec_size(tb));
		if (memcmp(ta, tb, n))
			fail_msg("type [%u] changed", id);
	}
}

static void test_nothing_to_do(void **st)
{
	struct evbpf_btf *btf, *out = (void *)1;
	uint32_t i_int, i_proto;

	bb_init(&B, 1, 0);
	i_int = bb_int(&B, "int", 4, 32, BTF_INT_SIGNED);
	bb_type(&B, "f", BB_INFO(BTF_KIND_FLOAT, 0, 0), 8);
	i_proto = bb_proto(&B, i_int, 0);
	bb_type(&B, "g", BB_INFO(BTF_KIND_FUNC, 0, BTF_FUNC_GLOBAL), i_proto);
	btf = parse_b();
	/* A current kernel: nothing to rewrite, no copy. */
	assert_ok(evbpf__btf_sanitize(btf, EVBPF_BTF_HAS_ALL, &out));
	assert_null(out);
	/* A kernel lacking only kinds this BTF does not use: the same. */
	assert_ok(evbpf__btf_sanitize(btf,
	                              EVBPF_BTF_HAS_ALL &
	                                  ~(EVBPF_BTF_HAS_TYPE_TAG | EVBPF_BTF_HAS_DECL_TAG |
	                                    EVBPF_BTF_HAS_ENUM64 | EVBPF_BTF_HAS_DATASEC),
	                              &out));
	assert_null(out);
	evbpf__btf_free(btf);
}

static void test_func_and_proto(void **st)
{
	struct evbpf_btf *btf, *out;
	uint32_t i_int, i_long, i_proto, i_func, i_ptr;
	const struct btf_type *t;
	const struct btf_enum *e;

	bb_init(&B, 1, 0);
	i_int = bb_int(&B, "int", 4, 32, BTF_INT_SIGNED);
	i_long = bb_int(&B, "long", 8, 64, BTF_INT_SIGNED);
	i_proto = bb_proto(&B, i_int, 2);
	bb_param(&B, "a", i_int);
	bb_param(&B, "b", i_long);
	i_func = bb_type(&B, "handler", BB_INFO(BTF_KIND_FUNC, 0, BTF_FUNC_GLOBAL), i_proto);
	i_ptr = bb_ref(&B, BTF_KIND_PTR, "", i_proto);
	btf = parse_b();
	out = sanitize(btf, EVBPF_BTF_HAS_ALL & ~EVBPF_BTF_HAS_FUNC);
	assert_int_equal(evbpf__btf_type_cnt(out), evbpf__btf_type_cnt(btf));
	/* FUNC_PROTO -> a 4-byte ENUM, one enumerator per parameter. */
	t = evbpf__btf_type(out, i_proto);
	assert_int_equal(evbpf__btf_kind(t), BTF_KIND_ENUM);
	assert_int_equal(t->size, 4);
	assert_int_equal(evbpf__btf_vlen(t), 2);
	e = (const void *)(t + 1);
	assert_string_equal(evbpf__btf_str(out, e[0].name_off), "a");
	assert_int_equal(e[0].val, i_int);
	assert_string_equal(evbpf__btf_str(out, e[1].name_off), "b");
	assert_int_equal(e[1].val, i_long);
	/* FUNC -> TYPEDEF of it, name kept. */
	t = evbpf__btf_type(out, i_func);
	assert_int_equal(evbpf__btf_kind(t), BTF_KIND_TYPEDEF);
	assert_int_equal(evbpf__btf_vlen(t), 0);
	assert_int_equal(t->type, i_proto);
	assert_string_equal(evbpf__btf_name(out, i_func), "handler");
	/* References to them stay where they were. */
	assert_int_equal(evbpf__btf_type(out, i_ptr)->type, i_proto);
	assert_same_types(btf, out, i_int, i_proto);
	evbpf__btf_free(out);
	evbpf__btf_free(btf);
}

static void test_global_linkage(void **st)
{
	struct evbpf_btf *btf, *out;
	uint32_t i_int, i_proto, i_global, i_static, i_extern;

	bb_init(&B, 1, 0);
	i_int = bb_int(&B, "int", 4, 32, BTF_INT_SIGNED);
	i_proto = bb_proto(&B, i_int, 0);
	i_global = bb_type(&B, "g", BB_INFO(BTF_KIND_FUNC, 0, BTF_FUNC_GLOBAL), i_proto);
	i_static = bb_type(&B, "s", BB_INFO(BTF_KIND_FUNC, 0, BTF_FUNC_STATIC), i_proto);
	i_extern = bb_type(&B, "x", BB_INFO(BTF_KIND_FUNC, 0, BTF_FUNC_EXTERN), i_proto);
	btf = parse_b();
	out = sanitize(btf, EVBPF_BTF_HAS_ALL & ~EVBPF_BTF_HAS_GLOBAL_FUNC);
	/* Still functions, of the same prototype, all static now. */
	for (uint32_t id = i_global; id <= i_extern; id++) {
		const struct btf_type *t = evbpf__btf_type(out, id);

		assert_int_equal(evbpf__btf_kind(t), BTF_KIND_FUNC);
		assert_int_equal(evbpf__btf_vlen(t), BTF_FUNC_STATIC);
		assert_int_equal(t->type, i_proto);
	}
	assert_string_equal(evbpf__btf_name(out, i_global), "g");
	assert_same_types(btf, out, i_static, i_static + 1);
	assert_same_types(btf, out, i_int, i_global);
	evbpf__btf_free(out);
	evbpf__btf_free(btf);
}

static void test_var_and_datasec(void **st)
{
	struct evbpf_btf *btf, *out;
	uint32_t i_int, i_long, i_a, i_b, i_proto, i_kfunc, i_ds, i_ks, ds_name_off, ph;
	const struct btf_type *t;
	const struct btf_member *m;

	bb_init(&B, 1, 0);
	i_int = bb_int(&B, "int", 4, 32, BTF_INT_SIGNED);
	i_long = bb_int(&B, "long", 8, 64, BTF_INT_SIGNED);
	i_a = bb_type(&B, "counter", BB_INFO(BTF_KIND_VAR, 0, 0), i_int);
	bb_u32(&B, BTF_VAR_GLOBAL_ALLOCATED);
	i_b = bb_type(&B, "total", BB_INFO(BTF_KIND_VAR, 0, 0), i_long);
	bb_u32(&B, BTF_VAR_STATIC);
	i_proto = bb_proto(&B, i_int, 0);
	i_kfunc = bb_type(&B, "kf", BB_INFO(BTF_KIND_FUNC, 0, BTF_FUNC_EXTERN), i_proto);
	ds_name_off = (uint32_t)(B.str_base + B.ns);
	i_ds = bb_type(&B, ".data.stats", BB_INFO(BTF_KIND_DATASEC, 0, 2), 16);
	bb_u32(&B, i_a), bb_u32(&B, 0), bb_u32(&B, 4);
	bb_u32(&B, i_b), bb_u32(&B, 8), bb_u32(&B, 8);
	/* An extern section: a function among its entries, no size yet. */
	i_ks = bb_type(&B, ".ksyms", BB_INFO(BTF_KIND_DATASEC, 0, 1), 0);
	bb_u32(&B, i_kfunc), bb_u32(&B, 0), bb_u32(&B, 0);
	btf = parse_b();
	out = sanitize(btf, EVBPF_BTF_HAS_ALL & ~EVBPF_BTF_HAS_DATASEC);
	/* VAR -> 1-byte INT, its name kept. */
	for (uint32_t id = i_a; id <= i_b; id++) {
		t = evbpf__btf_type(out, id);
		assert_int_equal(evbpf__btf_kind(t), BTF_KIND_INT);
		assert_int_equal(t->size, 1);
		assert_int_equal(BTF_INT_BITS(*(const uint32_t *)(t + 1)), 8);
	}
	assert_string_equal(evbpf__btf_name(out, i_a), "counter");
	/* DATASEC -> STRUCT named as an identifier, same size, one member
	 * per variable, named like it, at its offset. */
	t = evbpf__btf_type(out, i_ds);
	assert_int_equal(evbpf__btf_kind(t), BTF_KIND_STRUCT);
	assert_string_equal(evbpf__btf_name(out, i_ds), "_data_stats");
	assert_int_equal(t->size, 16);
	assert_int_equal(evbpf__btf_vlen(t), 2);
	m = (const void *)(t + 1);
	assert_string_equal(evbpf__btf_str(out, m[0].name_off), "counter");
	assert_int_equal(m[0].type, i_a);
	assert_int_equal(m[0].offset, 0);
	assert_string_equal(evbpf__btf_str(out, m[1].name_off), "total");
	assert_int_equal(m[1].type, i_b);
	assert_int_equal(m[1].offset, 64);
	/* The section's name string is still there, at its offset (line_info
	 * and .BTF.ext refer to strings by offset). */
	assert_string_equal(evbpf__btf_str(out, ds_name_off), ".data.stats");
	/* A function entry is no member type: a placeholder int, appended
	 * after the last type, stands in; the struct is sized to hold it. */
	ph = evbpf__btf_type_cnt(btf);
	assert_int_equal(evbpf__btf_type_cnt(out), ph + 1);
	assert_int_equal(kind_of(out, ph), BTF_KIND_INT);
	assert_int_equal(evbpf__btf_type(out, ph)->size, 1);
	t = evbpf__btf_type(out, i_ks);
	assert_int_equal(evbpf__btf_kind(t), BTF_KIND_STRUCT);
	assert_string_equal(evbpf__btf_name(out, i_ks), "_ksyms");
	assert_true(t->size >= 1);
	assert_int_equal(((const struct btf_member *)(t + 1))->type, ph);
	/* FUNC and its prototype are left alone: the kernel has them. */
	assert_same_types(btf, out, i_proto, i_ds);
	assert_same_types(btf, out, i_int, i_a);
	evbpf__btf_free(out);
	evbpf__btf_free(btf);
}

static void test_float(void **st)
{
	struct evbpf_btf *btf, *out;
	uint32_t i_int, i_dbl, i_ld, i_s;
	const struct btf_type *t;

	bb_init(&B, 1, 0);
	i_int = bb_int(&B, "int", 4, 32, BTF_INT_SIGNED);
	i_dbl = bb_type(&B, "double", BB_INFO(BTF_KIND_FLOAT, 0, 0), 8);
	i_ld = bb_type(&B, "long double", BB_INFO(BTF_KIND_FLOAT, 0, 0), 16);
	i_s = bb_composite(&B, BTF_KIND_STRUCT, "m", 24, 2, 0);
	bb_member(&B, "d", i_dbl, 0);
	bb_member(&B, "ld", i_ld, 64);
	btf = parse_b();
	out = sanitize(btf, EVBPF_BTF_HAS_ALL & ~EVBPF_BTF_HAS_FLOAT);
	for (uint32_t id = i_dbl; id <= i_ld; id++) {
		t = evbpf__btf_type(out, id);
		/* An anonymous memberless struct of the same size. */
		assert_int_equal(evbpf__btf_kind(t), BTF_KIND_STRUCT);
		assert_int_equal(evbpf__btf_vlen(t), 0);
		assert_int_equal(t->name_off, 0);
		assert_int_equal(t->size, evbpf__btf_type(btf, id)->size);
	}
	/* The struct holding them keeps its layout. */
	assert_same_types(btf, out, i_s, i_s + 1);
	assert_int_equal(evbpf__btf_resolve_size(out, i_s), 24);
	assert_same_types(btf, out, i_int, i_dbl);
	evbpf__btf_free(out);
	evbpf__btf_free(btf);
}

static void test_decl_tag(void **st)
{
	struct evbpf_btf *btf, *out;
	uint32_t i_int, i_s, i_tag;
	const struct btf_type *t;

	bb_init(&B, 1, 0);
	i_int = bb_int(&B, "int", 4, 32, BTF_INT_SIGNED);
	i_s = bb_composite(&B, BTF_KIND_STRUCT, "s", 4, 1, 0);
	bb_member(&B, "x", i_int, 0);
	i_tag = bb_type(&B, "kernel_only", BB_INFO(BTF_KIND_DECL_TAG, 0, 0), i_s);
	bb_u32(&B, 0); /* on member 0 */
	btf = parse_b();
	out = sanitize(btf, EVBPF_BTF_HAS_ALL & ~EVBPF_BTF_HAS_DECL_TAG);
	t = evbpf__btf_type(out, i_tag);
	assert_int_equal(evbpf__btf_kind(t), BTF_KIND_INT);
	/* The tag's name stays, as libbpf leaves it (identical bytes). */
	assert_string_equal(evbpf__btf_name(out, i_tag), "kernel_only");
	assert_int_equal(t->size, 1);
	assert_int_equal(*(const uint32_t *)(t + 1), 8); /* 8 bits, no encoding */
	assert_same_types(btf, out, i_int, i_tag);
	evbpf__btf_free(out);
	evbpf__btf_free(btf);
}

static void test_type_tag(void **st)
{
	struct evbpf_btf *btf, *out;
	uint32_t i_int, i_tag, i_ptr;
	const struct btf_type *t;

	bb_init(&B, 1, 0);
	i_int = bb_int(&B, "int", 4, 32, BTF_INT_SIGNED);
	i_tag = bb_ref(&B, BTF_KIND_TYPE_TAG, "user", i_int);
	i_ptr = bb_ref(&B, BTF_KIND_PTR, "", i_tag);
	btf = parse_b();
	out = sanitize(btf, EVBPF_BTF_HAS_ALL & ~EVBPF_BTF_HAS_TYPE_TAG);
	t = evbpf__btf_type(out, i_tag);
	assert_int_equal(evbpf__btf_kind(t), BTF_KIND_CONST);
	assert_int_equal(t->name_off, 0);
	assert_int_equal(t->type, i_int);
	assert_int_equal(evbpf__btf_skip_mods(out, i_tag), i_int);
	assert_same_types(btf, out, i_ptr, i_ptr + 1);
	evbpf__btf_free(out);
	evbpf__btf_free(btf);
}

static void test_enum64_and_signed_enums(void **st)
{
	struct evbpf_btf *btf, *out;
	uint32_t i_small, i_neg, i_big, i_sen, i_uen, ph;
	const struct btf_type *t;
	const struct btf_enum *e;
	const struct btf_member *m;

	bb_init(&B, 1, 0);
	/* 64-bit enums whose values fit 32 bits, unsigned and signed. */
	i_small = bb_enum64(&B, "small64", 2);
	bb_enumerator64(&B, "S_ONE", 1);
	bb_enumerator64(&B, "S_MAX", UINT32_MAX);
	i_neg = bb_type(&B, "neg64", BB_INFO(BTF_KIND_ENUM64, 1, 2), 8);
	bb_enumerator64(&B, "N_MINUS", (uint64_t)-5);
	bb_enumerator64(&B, "N_PLUS", 7);
	/* One that does not fit. */
	i_big = bb_enum64(&B, "big64", 2);
	bb_enumerator64(&B, "B_HUGE", 1ULL << 40);
	bb_enumerator64(&B, "B_SMALL", 3);
	/* 32-bit enums, signed (kflag) and not. */
	i_sen = bb_type(&B, "sen", BB_INFO(BTF_KIND_ENUM, 1, 1), 4);
	bb_enumerator(&B, "SEN_NEG", -1);
	i_uen = bb_enum(&B, "uen", 4, 1);
	bb_enumerator(&B, "UEN_A", 2);
	btf = parse_b();
	out = sanitize(btf, EVBPF_BTF_HAS_ALL & ~EVBPF_BTF_HAS_ENUM64);

	t = evbpf__btf_type(out, i_small);
	assert_int_equal(evbpf__btf_kind(t), BTF_KIND_ENUM);
	assert_int_equal(BTF_INFO_KFLAG(t->info), 0);
	assert_int_equal(t->size, 8);
	assert_int_equal(evbpf__btf_vlen(t), 2);
	e = (const void *)(t + 1);
	assert_string_equal(evbpf__btf_str(out, e[0].name_off), "S_ONE");
	assert_int_equal((uint32_t)e[0].val, 1);
	assert_int_equal((uint32_t)e[1].val, UINT32_MAX);

	t = evbpf__btf_type(out, i_neg);
	assert_int_equal(evbpf__btf_kind(t), BTF_KIND_ENUM);
	assert_int_equal(BTF_INFO_KFLAG(t->info), 0);
	e = (const void *)(t + 1);
	assert_int_equal(e[0].val, -5);
	assert_int_equal(e[1].val, 7);

	/* Too wide: a union of the enum's size, one placeholder member per
	 * enumerator, named after it. */
	ph = evbpf__btf_type_cnt(btf);
	assert_int_equal(evbpf__btf_type_cnt(out), ph + 1);
	assert_int_equal(kind_of(out, ph), BTF_KIND_INT);
	t = evbpf__btf_type(out, i_big);
	assert_int_equal(evbpf__btf_kind(t), BTF_KIND_UNION);
	assert_int_equal(t->size, 8);
	assert_int_equal(evbpf__btf_vlen(t), 2);
	m = (const void *)(t + 1);
	assert_string_equal(evbpf__btf_str(out, m[0].name_off), "B_HUGE");
	assert_string_equal(evbpf__btf_str(out, m[1].name_off), "B_SMALL");
	assert_int_equal(m[0].type, ph);
	assert_int_equal(m[1].offset, 0);
	assert_string_equal(evbpf__btf_name(out, i_big), "big64");

	/* Signed 32-bit enums lose the flag only. */
	t = evbpf__btf_type(out, i_sen);
	assert_int_equal(evbpf__btf_kind(t), BTF_KIND_ENUM);
	assert_int_equal(BTF_INFO_KFLAG(t->info), 0);
	assert_int_equal(((const struct btf_enum *)(t + 1))->val, -1);
	assert_same_types(btf, out, i_uen, i_uen + 1);
	evbpf__btf_free(out);
	evbpf__btf_free(btf);
}

/* A 5.10 kernel (FUNC, global linkage, DATASEC; nothing from 5.13 on):
 * the newer kinds are rewritten, the older ones kept, ids all in place. */
static void test_only_missing_kinds(void **st)
{
	struct evbpf_btf *btf, *out;
	uint32_t i_int, i_tag, i_flt, i_proto, i_func, i_var, i_ds;
	const uint32_t have_510 =
	    EVBPF_BTF_HAS_FUNC | EVBPF_BTF_HAS_GLOBAL_FUNC | EVBPF_BTF_HAS_DATASEC;

	bb_init(&B, 1, 0);
	i_int = bb_int(&B, "int", 4, 32, BTF_INT_SIGNED);
	i_tag = bb_ref(&B, BTF_KIND_TYPE_TAG, "rcu", i_int);
	i_flt = bb_type(&B, "float", BB_INFO(BTF_KIND_FLOAT, 0, 0), 4);
	i_proto = bb_proto(&B, i_int, 1);
	bb_param(&B, "x", i_tag);
	i_func = bb_type(&B, "glob", BB_INFO(BTF_KIND_FUNC, 0, BTF_FUNC_GLOBAL), i_proto);
	i_var = bb_type(&B, "v", BB_INFO(BTF_KIND_VAR, 0, 0), i_flt);
	bb_u32(&B, BTF_VAR_GLOBAL_ALLOCATED);
	i_ds = bb_type(&B, ".bss", BB_INFO(BTF_KIND_DATASEC, 0, 1), 4);
	bb_u32(&B, i_var), bb_u32(&B, 0), bb_u32(&B, 4);
	btf = parse_b();
	out = sanitize(btf, have_510);
	assert_int_equal(evbpf__btf_type_cnt(out), evbpf__btf_type_cnt(btf));
	assert_int_equal(kind_of(out, i_tag), BTF_KIND_CONST);
	assert_int_equal(kind_of(out, i_flt), BTF_KIND_STRUCT);
	assert_same_types(btf, out, i_proto, i_ds + 1);
	assert_int_equal(evbpf__btf_find(out, "glob", BTF_KIND_FUNC), i_func);
	evbpf__btf_free(out);
	evbpf__btf_free(btf);
}

static void test_split_refused(void **st)
{
	struct evbpf_btf *base, *split, *out = (void *)1;

	bb_init(&B, 1, 0);
	bb_int(&B, "int", 4, 32, BTF_INT_SIGNED);
	base = parse_b();
	bb_init(&B, 2, 5);
	bb_type(&B, "", BB_INFO(BTF_KIND_FLOAT, 0, 0), 8);
	{
		size_t n = bb_blob(&B);

		assert_ok(evbpf__btf_parse(B.blob, n, base, &split));
	}
	assert_int_equal(evbpf__btf_sanitize(split, 0, &out), -ENOTSUP);
	assert_null(out);
	evbpf__btf_free(split);
	evbpf__btf_free(base);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nothing_to_do),
	    cmocka_unit_test(test_func_and_proto),
	    cmocka_unit_test(test_global_linkage),
	    cmocka_unit_test(test_var_and_datasec),
	    cmocka_unit_test(test_float),
	    cmocka_unit_test(test_decl_tag),
	    cmocka_unit_test(test_type_tag),
	    cmocka_unit_test(test_enum64_and_signed_enums),
	    cmocka_unit_test(test_only_missing_kinds),
	    cmocka_unit_test(test_split_refused),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
