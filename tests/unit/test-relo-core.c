/* SPDX-License-Identifier: MIT */
/*
 * The CO-RE engine on two BTF blobs, no kernel: core_reloc.bpf.o (the
 * local layout) is relocated against core_reloc_target.bpf.o (the same
 * source built with -DTARGET, where fields move, change size and type, or
 * disappear). Expected values come from the host compiler laying out the
 * TARGET types (offsetof/sizeof, real bitfield stores), not from the code
 * under test.
 */
#include "common.h"
#include "btf_obj.h"
#include "unit/btf_builder.h"

#define TARGET
#include "bpf/core_reloc.h"
#undef TARGET

struct fx {
	struct evbpf_object *obj;
	struct evbpf_btf *target;
};

static int setup(void **st)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_ok(evbpf_object_open_file(FIXTURE("core_reloc.bpf.o"), NULL, &f->obj));
	assert_ok(evbpf__btf_parse_file(FIXTURE("core_reloc_target.bpf.o"), NULL, &f->target));
	assert_non_null(f->obj->btfx);
	assert_non_null(f->obj->btfx->ext);
	*st = f;
	return 0;
}

static int teardown(void **st)
{
	struct fx *f = *st;

	evbpf_object_close(f->obj);
	evbpf__btf_free(f->target);
	free(f);
	return 0;
}

/* Relocate every record of the object and return the first of `kind`
 * whose spec contains `path` (e.g. " struct core_s.b ("). */
static bool find_relo(struct fx *f, uint32_t kind, const char *path, struct evbpf_core_res *out,
                      struct evbpf_core_relo *relo_out)
{
	const struct evbpf_btf_ext_table_info *tab = &f->obj->btfx->ext->tables[EVBPF_BTF_EXT_CORE];
	const struct evbpf_btf *targets[] = {f->target};

	for (size_t s = 0; s < tab->nr_secs; s++) {
		for (uint32_t i = 0; i < tab->secs[s].nr; i++) {
			struct evbpf_core_relo relo;
			struct evbpf_core_res res;

			memcpy(&relo, tab->secs[s].recs + (size_t)i * tab->rec_size, sizeof(relo));
			if (relo.kind != kind)
				continue;
			assert_ok(
			    evbpf__core_calc("test", (int)i, f->obj->btf, &relo, targets, 1, &res));
			if (!strstr(res.spec, path))
				continue;
			*out = res;
			if (relo_out)
				*relo_out = relo;
			return true;
		}
	}
	return false;
}

static uint64_t val(struct fx *f, uint32_t kind, const char *path)
{
	struct evbpf_core_res res;

	if (!find_relo(f, kind, path, &res, NULL))
		fail_msg("no %s relocation for '%s'", evbpf__core_kind_name(kind), path);
	if (res.poison)
		fail_msg("%s relocation for '%s' poisoned", evbpf__core_kind_name(kind), path);
	return res.new_val;
}

static bool poisoned(struct fx *f, uint32_t kind, const char *path)
{
	struct evbpf_core_res res;

	if (!find_relo(f, kind, path, &res, NULL))
		fail_msg("no %s relocation for '%s'", evbpf__core_kind_name(kind), path);
	return res.poison;
}

static void test_field_offsets_and_sizes(void **st)
{
	struct fx *f = *st;

	assert_int_equal(val(f, EVBPF_CORE_FIELD_BYTE_OFFSET, " struct core_s.a ("),
	                 offsetof(struct core_s, a));
	assert_int_equal(val(f, EVBPF_CORE_FIELD_BYTE_OFFSET, " struct core_s.b ("),
	                 offsetof(struct core_s, b));
	assert_int_equal(val(f, EVBPF_CORE_FIELD_BYTE_SIZE, " struct core_s.b ("),
	                 sizeof(((struct core_s *)0)->b));
	/* Nested struct with its members swapped and moved. */
	assert_int_equal(val(f, EVBPF_CORE_FIELD_BYTE_OFFSET, " struct core_s.in.x ("),
	                 offsetof(struct core_s, in) + offsetof(struct core_inner, x));
	assert_int_equal(val(f, EVBPF_CORE_FIELD_BYTE_OFFSET, " struct core_s.in.y ("),
	                 offsetof(struct core_s, in) + offsetof(struct core_inner, y));
	/* Members of an anonymous union, found by name through it. */
	assert_int_equal(val(f, EVBPF_CORE_FIELD_BYTE_OFFSET, " struct core_s.u1 ("),
	                 offsetof(struct core_s, u1));
	assert_int_equal(val(f, EVBPF_CORE_FIELD_BYTE_OFFSET, " struct core_s.u2 ("),
	                 offsetof(struct core_s, u2));
	/* Arrays: the element type changed size and the array grew. */
	assert_int_equal(val(f, EVBPF_CORE_FIELD_BYTE_OFFSET, " struct core_s.arr[3] ("),
	                 offsetof(struct core_s, arr) + 3 * sizeof(long));
	assert_int_equal(val(f, EVBPF_CORE_FIELD_BYTE_SIZE, " struct core_s.arr ("),
	                 sizeof(((struct core_s *)0)->arr));
	assert_int_equal(val(f, EVBPF_CORE_FIELD_BYTE_OFFSET, " struct core_s.ptr ("),
	                 offsetof(struct core_s, ptr));
	/* A flexible array member indexed past its zero length. */
	assert_int_equal(val(f, EVBPF_CORE_FIELD_BYTE_OFFSET, " struct core_s.flex[2] ("),
	                 offsetof(struct core_s, flex) + 2 * sizeof(int));
}

static void test_flavor(void **st)
{
	struct fx *f = *st;

	/* core_s___flavor is relocated against the target's core_s. */
	assert_int_equal(val(f, EVBPF_CORE_FIELD_BYTE_OFFSET, " struct core_s___flavor.b ("),
	                 offsetof(struct core_s, b));
	assert_int_equal(val(f, EVBPF_CORE_FIELD_BYTE_SIZE, " struct core_s___flavor.b ("), 8);
}

static void test_field_exists(void **st)
{
	struct fx *f = *st;

	assert_int_equal(val(f, EVBPF_CORE_FIELD_EXISTS, " struct core_s.a ("), 1);
	/* c is gone; e changed from an enum to an int, which is not
	 * compatible. */
	assert_int_equal(val(f, EVBPF_CORE_FIELD_EXISTS, " struct core_s.c ("), 0);
	assert_int_equal(val(f, EVBPF_CORE_FIELD_EXISTS, " struct core_s.e ("), 0);
	/* Reading c is poisoned rather than failing the whole program. */
	assert_true(poisoned(f, EVBPF_CORE_FIELD_BYTE_OFFSET, " struct core_s.c ("));
}

/* What BPF_CORE_READ_BITFIELD_PROBED computes from the relocated values. */
static int64_t read_bitfield(struct fx *f, const char *path, const void *obj)
{
	uint64_t off = val(f, EVBPF_CORE_FIELD_BYTE_OFFSET, path);
	uint64_t size = val(f, EVBPF_CORE_FIELD_BYTE_SIZE, path);
	uint64_t lshift = val(f, EVBPF_CORE_FIELD_LSHIFT_U64, path);
	uint64_t rshift = val(f, EVBPF_CORE_FIELD_RSHIFT_U64, path);
	bool is_signed = val(f, EVBPF_CORE_FIELD_SIGNED, path);
	uint64_t v = 0;

	assert_true(size == 1 || size == 2 || size == 4 || size == 8);
	assert_true(off + size <= sizeof(struct core_s));
	memcpy(&v, (const char *)obj + off, size);
	v <<= lshift;
	return is_signed ? (int64_t)v >> rshift : (int64_t)(v >> rshift);
}

static void test_bitfields(void **st)
{
	struct fx *f = *st;
	struct core_s s;

	/* Neighbours all ones, so a wrong mask or shift shows. */
	memset(&s, 0xff, sizeof(s));
	s.bf1 = 5;
	s.bf2 = -300;
	s.bf3 = 0x12345678abULL;
	assert_int_equal(read_bitfield(f, " struct core_s.bf1 (", &s), 5);
	assert_int_equal(read_bitfield(f, " struct core_s.bf2 (", &s), -300);
	assert_int_equal(read_bitfield(f, " struct core_s.bf3 (", &s), 0x12345678abLL);
	s.bf2 = 1023;
	assert_int_equal(read_bitfield(f, " struct core_s.bf2 (", &s), 1023);
	assert_int_equal(val(f, EVBPF_CORE_FIELD_SIGNED, " struct core_s.bf1 ("), 0);
	assert_int_equal(val(f, EVBPF_CORE_FIELD_SIGNED, " struct core_s.bf2 ("), 1);
}

static void test_types(void **st)
{
	struct fx *f = *st;
	struct evbpf_core_res res;
	struct evbpf_core_relo relo;

	assert_int_equal(val(f, EVBPF_CORE_TYPE_EXISTS, " struct core_s ("), 1);
	assert_int_equal(val(f, EVBPF_CORE_TYPE_EXISTS, " struct core_only_local ("), 0);
	assert_int_equal(val(f, EVBPF_CORE_TYPE_SIZE, " struct core_s ("), sizeof(struct core_s));
	assert_int_equal(val(f, EVBPF_CORE_TYPE_SIZE, " struct core_both ("),
	                 sizeof(struct core_both));
	assert_true(find_relo(f, EVBPF_CORE_TYPE_ID_LOCAL, " struct core_s (", &res, &relo));
	assert_int_equal(res.new_val, relo.type_id);
	assert_int_equal(res.new_val, evbpf__btf_find(f->obj->btf, "core_s", BTF_KIND_STRUCT));
	assert_int_equal(val(f, EVBPF_CORE_TYPE_ID_TARGET, " struct core_both ("),
	                 evbpf__btf_find(f->target, "core_both", BTF_KIND_STRUCT));
	assert_int_equal(val(f, EVBPF_CORE_TYPE_ID_TARGET, " struct core_only_local ("), 0);
}

static void test_enums(void **st)
{
	struct fx *f = *st;

	assert_int_equal(val(f, EVBPF_CORE_ENUMVAL_EXISTS, "::CORE_A ("), 1);
	assert_int_equal(val(f, EVBPF_CORE_ENUMVAL_EXISTS, "::CORE_GONE ("), 0);
	assert_int_equal(val(f, EVBPF_CORE_ENUMVAL_VALUE, "::CORE_A ("), CORE_A);
	assert_int_equal(val(f, EVBPF_CORE_ENUMVAL_VALUE, "::CORE_B ("), CORE_B);
	assert_int_equal(val(f, EVBPF_CORE_ENUMVAL_VALUE, "::CORE_BIG ("), CORE_BIG);
	assert_true(poisoned(f, EVBPF_CORE_ENUMVAL_VALUE, "::CORE_GONE ("));
}

/* clang 14 cannot emit bpf_core_type_matches(); build the record. */
static void test_type_matches(void **st)
{
	struct fx *f = *st;
	const struct evbpf_btf *targets[] = {f->target};
	struct evbpf_core_res res;
	struct evbpf_core_relo relo;

	assert_true(find_relo(f, EVBPF_CORE_TYPE_EXISTS, " struct core_s (", &res, &relo));
	relo.kind = EVBPF_CORE_TYPE_MATCHES;
	/* core_s lost member c: no match. */
	assert_ok(evbpf__core_calc("test", 0, f->obj->btf, &relo, targets, 1, &res));
	assert_int_equal(res.new_val, 0);
	assert_false(res.poison);
	/* core_both's only local member z is in the target with its type. */
	relo.type_id = (uint32_t)evbpf__btf_find(f->obj->btf, "core_both", BTF_KIND_STRUCT);
	assert_ok(evbpf__core_calc("test", 0, f->obj->btf, &relo, targets, 1, &res));
	assert_int_equal(res.new_val, 1);
	/* Only compatibility, not a match, is needed for type_exists. */
	relo.kind = EVBPF_CORE_TYPE_EXISTS;
	relo.type_id = (uint32_t)evbpf__btf_find(f->obj->btf, "core_s", BTF_KIND_STRUCT);
	assert_ok(evbpf__core_calc("test", 0, f->obj->btf, &relo, targets, 1, &res));
	assert_int_equal(res.new_val, 1);
}

static void test_bad_records(void **st)
{
	struct fx *f = *st;
	const struct evbpf_btf *targets[] = {f->target};
	struct evbpf_core_res res;
	struct evbpf_core_relo relo, bad;
	int str;

	assert_true(find_relo(f, EVBPF_CORE_FIELD_BYTE_OFFSET, " struct core_s.b (", &res, &relo));
	bad = relo;
	bad.kind = 99;
	assert_int_equal(evbpf__core_calc("p", 7, f->obj->btf, &bad, targets, 1, &res), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "relo #7"));
	bad = relo;
	bad.type_id = evbpf__btf_type_cnt(f->obj->btf);
	assert_int_equal(evbpf__core_calc("p", 1, f->obj->btf, &bad, targets, 1, &res), -EINVAL);
	bad = relo;
	bad.access_str_off = 0xfffffff;
	assert_int_equal(evbpf__core_calc("p", 1, f->obj->btf, &bad, targets, 1, &res), -EINVAL);
	/* Member index out of range, and a malformed access string. */
	str = evbpf__btf_add_str(f->obj->btf, "0:200");
	assert_true(str > 0);
	bad = relo;
	bad.access_str_off = (uint32_t)str;
	assert_int_equal(evbpf__core_calc("p", 3, f->obj->btf, &bad, targets, 1, &res), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "prog 'p': relo #3"));
	assert_non_null(strstr(evbpf_errmsg(), "core_s"));
	str = evbpf__btf_add_str(f->obj->btf, "0:x");
	bad.access_str_off = (uint32_t)str;
	assert_int_equal(evbpf__core_calc("p", 3, f->obj->btf, &bad, targets, 1, &res), -EINVAL);
}

static void test_patch(void **st)
{
	struct fx *f = *st;
	struct evbpf_core_res res;
	struct bpf_insn insns[4];

	/* ALU: mov r1, <offset of b>. */
	assert_true(find_relo(f, EVBPF_CORE_FIELD_BYTE_OFFSET, " struct core_s.b (", &res, NULL));
	memset(insns, 0, sizeof(insns));
	insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
	insns[0].dst_reg = 1;
	insns[0].imm = (int32_t)res.orig_val;
	assert_ok(evbpf__core_patch("p", 0, insns, 4, 0, &res));
	assert_int_equal(insns[0].imm, offsetof(struct core_s, b));
	/* A compiled value that is not what the local BTF says is refused. */
	insns[0].imm = 1234;
	assert_int_equal(evbpf__core_patch("p", 0, insns, 4, 0, &res), -EINVAL);

	/* LDX of b (a 2-byte signed short, now an 8-byte long): the load
	 * cannot be widened without losing the sign, so it is poisoned. */
	memset(insns, 0, sizeof(insns));
	insns[0].code = BPF_LDX | BPF_MEM | BPF_H;
	insns[0].off = (int16_t)res.orig_val;
	assert_true(res.fail_memsz_adjust);
	assert_ok(evbpf__core_patch("p", 0, insns, 4, 0, &res));
	assert_int_equal(insns[0].code, BPF_JMP | BPF_CALL);
	assert_int_equal(insns[0].imm, EVBPF_CORE_POISON_IMM);

	/* LDX of ptr: same size, offset moves. */
	assert_true(find_relo(f, EVBPF_CORE_FIELD_BYTE_OFFSET, " struct core_s.ptr (", &res, NULL));
	memset(insns, 0, sizeof(insns));
	insns[0].code = BPF_LDX | BPF_MEM | BPF_DW;
	insns[0].off = (int16_t)res.orig_val;
	assert_ok(evbpf__core_patch("p", 0, insns, 4, 0, &res));
	assert_int_equal(insns[0].code, BPF_LDX | BPF_MEM | BPF_DW);
	assert_int_equal(insns[0].off, offsetof(struct core_s, ptr));

	/* ld_imm64 of a 64-bit enum value, then a poisoned one: both halves
	 * become calls so neither reads as a bad opcode. */
	assert_true(find_relo(f, EVBPF_CORE_ENUMVAL_VALUE, "::CORE_BIG (", &res, NULL));
	memset(insns, 0, sizeof(insns));
	insns[0].code = BPF_LD | BPF_IMM | BPF_DW;
	insns[0].imm = (int32_t)(uint32_t)res.orig_val;
	insns[1].imm = (int32_t)(uint32_t)(res.orig_val >> 32);
	assert_ok(evbpf__core_patch("p", 0, insns, 4, 0, &res));
	assert_int_equal((uint32_t)insns[0].imm, (uint32_t)CORE_BIG);
	assert_int_equal((uint32_t)insns[1].imm, 0);
	assert_true(find_relo(f, EVBPF_CORE_ENUMVAL_VALUE, "::CORE_GONE (", &res, NULL));
	assert_ok(evbpf__core_patch("p", 0, insns, 4, 0, &res));
	assert_int_equal(insns[0].code, BPF_JMP | BPF_CALL);
	assert_int_equal(insns[1].code, BPF_JMP | BPF_CALL);
	/* Out of range instruction index. */
	assert_int_equal(evbpf__core_patch("p", 0, insns, 4, 4, &res), -EINVAL);
}

/* Local "struct s { int a; int b; }" and a byte_off relocation of s.b. */
static struct evbpf_btf *local_s(struct evbpf_core_relo *relo)
{
	static struct bb L;
	struct evbpf_btf *btf;
	uint32_t i_int, i_s, acc;

	bb_init(&L, 1, 0);
	i_int = bb_int(&L, "int", 4, 32, BTF_INT_SIGNED);
	i_s = bb_composite(&L, BTF_KIND_STRUCT, "s", 8, 2, 0);
	bb_member(&L, "a", i_int, 0);
	bb_member(&L, "b", i_int, 32);
	acc = bb_str(&L, "0:1");
	assert_ok(evbpf__btf_parse(L.blob, bb_blob(&L), NULL, &btf));
	*relo = (struct evbpf_core_relo){.insn_off = 0,
	                                 .type_id = i_s,
	                                 .access_str_off = acc,
	                                 .kind = EVBPF_CORE_FIELD_BYTE_OFFSET};
	return btf;
}

/* A target with struct NAME { int pad[pad]; int b; }. */
static void add_s(struct bb *b, uint32_t i_int, const char *name, uint32_t pad)
{
	uint32_t arr = pad ? bb_array(b, i_int, i_int, pad) : 0;

	bb_composite(b, BTF_KIND_STRUCT, name, 4 * (pad + 1), pad ? 2 : 1, 0);
	if (pad)
		bb_member(b, "pad", arr, 0);
	bb_member(b, "b", i_int, 32 * pad);
}

static void test_candidates(void **st)
{
	static struct bb T, M;
	struct evbpf_core_relo relo;
	struct evbpf_btf *local = local_s(&relo), *target, *base, *mod;
	const struct evbpf_btf *targets[2];
	struct evbpf_core_res res;
	uint32_t i_int;

	(void)st;
	/* Two flavors that agree: fine. */
	bb_init(&T, 1, 0);
	i_int = bb_int(&T, "int", 4, 32, BTF_INT_SIGNED);
	add_s(&T, i_int, "s", 3);
	add_s(&T, i_int, "s___v2", 3);
	assert_ok(evbpf__btf_parse(T.blob, bb_blob(&T), NULL, &target));
	targets[0] = target;
	assert_ok(evbpf__core_calc("p", 0, local, &relo, targets, 1, &res));
	assert_int_equal(res.new_val, 12);
	assert_int_equal(res.nr_matches, 2);
	assert_int_equal(res.nr_cands, 2);
	evbpf__btf_free(target);

	/* Two that disagree: an error naming both, not a guess. */
	bb_init(&T, 1, 0);
	i_int = bb_int(&T, "int", 4, 32, BTF_INT_SIGNED);
	add_s(&T, i_int, "s", 3);
	add_s(&T, i_int, "s___v2", 5);
	assert_ok(evbpf__btf_parse(T.blob, bb_blob(&T), NULL, &target));
	targets[0] = target;
	assert_int_equal(evbpf__core_calc("p", 4, local, &relo, targets, 1, &res), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "ambiguous"));
	assert_non_null(strstr(evbpf_errmsg(), "relo #4"));
	evbpf__btf_free(target);

	/* A candidate of the wrong kind (a union named s) is not one, and a
	 * struct without member b does not match: the other candidate wins. */
	bb_init(&T, 1, 0);
	i_int = bb_int(&T, "int", 4, 32, BTF_INT_SIGNED);
	bb_composite(&T, BTF_KIND_UNION, "s", 4, 1, 0);
	bb_member(&T, "b", i_int, 0);
	bb_composite(&T, BTF_KIND_STRUCT, "s___old", 4, 1, 0);
	bb_member(&T, "c", i_int, 0);
	add_s(&T, i_int, "s___new", 7);
	assert_ok(evbpf__btf_parse(T.blob, bb_blob(&T), NULL, &target));
	targets[0] = target;
	assert_ok(evbpf__core_calc("p", 0, local, &relo, targets, 1, &res));
	assert_int_equal(res.new_val, 28);
	assert_int_equal(res.nr_matches, 1);
	evbpf__btf_free(target);

	/* Module BTF (split over a base without s) is searched when the
	 * base has no candidate. */
	bb_init(&T, 1, 0);
	i_int = bb_int(&T, "int", 4, 32, BTF_INT_SIGNED);
	assert_ok(evbpf__btf_parse(T.blob, bb_blob(&T), NULL, &base));
	bb_init(&M, evbpf__btf_type_cnt(base), (uint32_t)T.ns);
	add_s(&M, i_int, "s", 2);
	assert_ok(evbpf__btf_parse(M.blob, bb_blob(&M), base, &mod));
	targets[0] = base;
	targets[1] = mod;
	assert_ok(evbpf__core_calc("p", 0, local, &relo, targets, 2, &res));
	assert_int_equal(res.new_val, 8);
	assert_true(res.target_btf == mod);
	/* Without the module: no candidate, the access is poisoned. */
	assert_ok(evbpf__core_calc("p", 0, local, &relo, targets, 1, &res));
	assert_true(res.poison);
	assert_int_equal(res.nr_cands, 0); /* what makes the loader try modules */
	evbpf__btf_free(mod);
	evbpf__btf_free(base);
	evbpf__btf_free(local);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_field_offsets_and_sizes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flavor, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_field_exists, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bitfields, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_types, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_enums, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_type_matches, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_records, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_patch, setup, teardown),
	    cmocka_unit_test(test_candidates),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
