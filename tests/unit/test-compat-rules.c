/* SPDX-License-Identifier: MIT */
/*
 * The rules evbpf shares with libbpf 1.x where the kernel sees the
 * result (tests/compat compares the real loads; these pin the edge cases
 * no fixture has): data map kernel names, and CO-RE enum values of enums
 * that do not say their signedness.
 */
#include "common.h"
#include "internal.h"
#include "unit/btf_builder.h"

static void test_data_map_names(void **st)
{
	static const struct {
		const char *obj, *sec, *want;
	} cases[] = {
	    {"myobject", ".rodata", "myobject.rodata"},
	    {"myobject", ".bss", "myobject.bss"},        /* 7 characters kept for the suffix */
	    {"myobject", ".kconfig", "myobjec.kconfig"}, /* the suffix wins */
	    {"ab", ".data", "ab.data"},
	    {"my-obj", ".data", "my_obj.data"},
	    /* Custom sections: their own name, so no two collide. */
	    {"testdata", ".data.array", ".data.array"},
	    {"testdata", ".data.atomic", ".data.atomic"},
	    {"testdata", ".rodata.str1.1", ".rodata.str1.1"},
	    {"x", ".rodata.abracadabra", ".rodata.abracad"},
	};
	char got[BPF_OBJ_NAME_LEN];

	(void)st;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		evbpf__data_map_kname(got, cases[i].obj, cases[i].sec);
		assert_string_equal(got, cases[i].want);
	}
}

/* Local BTF: enum e (4 bytes, signedness said or not) { NEG = -1 };
 * target BTF: enum e, signed, { NEG = -1 }. */
static struct evbpf_btf *enum_btf(int kflag)
{
	static struct bb b;
	struct evbpf_btf *btf = NULL;
	size_t n;

	bb_init(&b, 1, 0);
	bb_type(&b, "e", BB_INFO(BTF_KIND_ENUM, kflag, 1), 4);
	bb_enumerator(&b, "NEG", -1);
	n = bb_blob(&b);
	assert_ok(evbpf__btf_parse(b.blob, n, NULL, &btf));
	return btf;
}

/* Relocate `r1 = imm ll` (holding what the compiler wrote) with an
 * ENUMVAL_VALUE relocation of NEG: 0 or the patch's error. */
static int relocate(struct evbpf_btf *local, const struct evbpf_btf *target, uint64_t imm,
                    uint64_t *out)
{
	struct bpf_insn insns[2] = {
	    {.code = BPF_LD | BPF_IMM | BPF_DW, .dst_reg = 1, .imm = (int32_t)(uint32_t)imm},
	    {.imm = (int32_t)(uint32_t)(imm >> 32)},
	};
	const struct evbpf_btf *targets[1] = {target};
	struct evbpf_core_relo relo = {
	    .insn_off = 0, .type_id = 1, .kind = EVBPF_CORE_ENUMVAL_VALUE};
	struct evbpf_core_res res;
	int err;

	relo.access_str_off = (uint32_t)evbpf__btf_add_str(local, "0");
	assert_ok(evbpf__core_calc("p", 0, local, &relo, targets, 1, &res));
	err = evbpf__core_patch("p", 0, insns, 2, 0, &res);
	*out = (uint32_t)insns[0].imm | (uint64_t)(uint32_t)insns[1].imm << 32;
	return err;
}

static void test_enum_value_either_sign(void **st)
{
	struct evbpf_btf *clang14 = enum_btf(0), *signed_local = enum_btf(1);
	struct evbpf_btf *target = enum_btf(1);
	uint64_t v = 0;

	(void)st;
	/* clang 14 and older: no signedness in BTF, the instruction holds
	 * the value sign-extended (or not): both pass. */
	assert_ok(relocate(clang14, target, 0xffffffffffffffffull, &v));
	assert_int_equal(v, 0xffffffffffffffffull);
	assert_ok(relocate(clang14, target, 0x00000000ffffffffull, &v));
	assert_int_equal(v, 0xffffffffffffffffull);
	/* What is neither reading is still refused. */
	assert_int_equal(relocate(clang14, target, 5, &v), -EINVAL);
	/* An enum that says it is signed gets no second reading. */
	assert_ok(relocate(signed_local, target, 0xffffffffffffffffull, &v));
	assert_int_equal(relocate(signed_local, target, 0x00000000ffffffffull, &v), -EINVAL);
	evbpf__btf_free(clang14);
	evbpf__btf_free(signed_local);
	evbpf__btf_free(target);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_data_map_names),
	    cmocka_unit_test(test_enum_value_either_sign),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
