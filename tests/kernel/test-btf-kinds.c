/* SPDX-License-Identifier: MIT */
/*
 * BTF kinds newer than the kernel: for each kind (and flag) a kernel may
 * lack, a blob that uses it is loaded as it is and after sanitizing for
 * this kernel (core/btf_sanitize.c). Where the feature probe says the
 * kernel has the kind, the raw blob loads and sanitizing leaves it alone;
 * where it says the kernel lacks it, the kernel refuses the raw blob and
 * takes the sanitized one. Then an object whose BTF uses FLOAT, DECL_TAG,
 * TYPE_TAG and a global function loads with its BTF, func_info and map
 * types on every kernel.
 */
#include <unistd.h>

#include "common.h"
#include "internal.h"
#include "unit/btf_builder.h"

static struct bb B;

static void build_float(struct bb *b)
{
	bb_int(b, "int", 4, 32, BTF_INT_SIGNED);
	bb_type(b, "double", BB_INFO(BTF_KIND_FLOAT, 0, 0), 8);
}

static void build_decl_tag(struct bb *b)
{
	uint32_t i_int = bb_int(b, "int", 4, 32, BTF_INT_SIGNED);
	uint32_t i_s = bb_composite(b, BTF_KIND_STRUCT, "s", 4, 1, 0);

	bb_member(b, "x", i_int, 0);
	bb_type(b, "tag", BB_INFO(BTF_KIND_DECL_TAG, 0, 0), i_s);
	bb_u32(b, 0);
}

static void build_type_tag(struct bb *b)
{
	uint32_t i_int = bb_int(b, "int", 4, 32, BTF_INT_SIGNED);
	uint32_t i_tag = bb_ref(b, BTF_KIND_TYPE_TAG, "user", i_int);

	bb_ref(b, BTF_KIND_PTR, "", i_tag);
}

static void build_enum64(struct bb *b)
{
	bb_enum64(b, "wide", 2);
	bb_enumerator64(b, "WIDE_BIG", 1ULL << 40);
	bb_enumerator64(b, "WIDE_ONE", 1);
}

static void build_signed_enum(struct bb *b)
{
	bb_type(b, "sgn", BB_INFO(BTF_KIND_ENUM, 1, 1), 4);
	bb_enumerator(b, "SGN_NEG", -1);
}

static void build_global_func(struct bb *b)
{
	uint32_t i_int = bb_int(b, "int", 4, 32, BTF_INT_SIGNED);
	uint32_t i_proto = bb_proto(b, i_int, 1);

	bb_param(b, "a", i_int);
	bb_type(b, "f", BB_INFO(BTF_KIND_FUNC, 0, BTF_FUNC_GLOBAL), i_proto);
}

static void build_func(struct bb *b)
{
	uint32_t i_int = bb_int(b, "int", 4, 32, BTF_INT_SIGNED);
	uint32_t i_proto = bb_proto(b, i_int, 1);

	bb_param(b, "a", i_int);
	bb_type(b, "f", BB_INFO(BTF_KIND_FUNC, 0, BTF_FUNC_STATIC), i_proto);
}

static void build_datasec(struct bb *b)
{
	uint32_t i_int = bb_int(b, "int", 4, 32, BTF_INT_SIGNED);
	uint32_t i_var = bb_type(b, "v", BB_INFO(BTF_KIND_VAR, 0, 0), i_int);

	bb_u32(b, BTF_VAR_GLOBAL_ALLOCATED);
	bb_type(b, ".data", BB_INFO(BTF_KIND_DATASEC, 0, 1), 4);
	bb_u32(b, i_var), bb_u32(b, 0), bb_u32(b, 4);
}

static const struct {
	const char *what;
	enum evbpf_feature feature;
	void (*build)(struct bb *b);
} kinds[] = {
    {"FUNC", EVBPF_FEATURE_BTF_FUNC, build_func},
    {"global FUNC", EVBPF_FEATURE_BTF_GLOBAL_FUNC, build_global_func},
    {"VAR/DATASEC", EVBPF_FEATURE_BTF_DATASEC, build_datasec},
    {"FLOAT", EVBPF_FEATURE_BTF_FLOAT, build_float},
    {"DECL_TAG", EVBPF_FEATURE_BTF_DECL_TAG, build_decl_tag},
    {"TYPE_TAG", EVBPF_FEATURE_BTF_TYPE_TAG, build_type_tag},
    {"ENUM64", EVBPF_FEATURE_BTF_ENUM64, build_enum64},
    {"signed ENUM", EVBPF_FEATURE_BTF_ENUM64, build_signed_enum},
};

static int load_raw(const void *data, size_t size)
{
	char log[4096];
	int fd = evbpf__bpf_btf_load(data, size, log, sizeof(log), 1);

	if (fd >= 0)
		close(fd);
	else
		print_message("  kernel log: %s\n", log);
	return fd;
}

static void test_each_kind(void **st)
{
	uint32_t have;
	int absent = 0;

	(void)st;
	REQUIRE_FEATURE(EVBPF_FEATURE_BTF);
	have = evbpf__btf_kernel_kinds();
	for (size_t i = 0; i < EVBPF_ARRAY_SIZE(kinds); i++) {
		struct evbpf_btf *btf, *clean = NULL;
		int has = evbpf_probe_feature(kinds[i].feature), fd;
		const void *raw;
		size_t size;

		if (has < 0)
			fail_msg("cannot probe %s: %s", kinds[i].what, evbpf_errmsg());
		bb_init(&B, 1, 0);
		kinds[i].build(&B);
		size = bb_blob(&B);
		assert_ok(evbpf__btf_parse(B.blob, size, NULL, &btf));
		fd = load_raw(B.blob, size);
		assert_ok(evbpf__btf_sanitize(btf, have, &clean));
		print_message("%s: kernel %s it; raw load %s; sanitized: %s\n", kinds[i].what,
		              has ? "has" : "lacks", fd >= 0 ? "accepted" : evbpf_strerror(fd),
		              clean ? "rewritten" : "unchanged");
		if (has) {
			/* As it is, and nothing to rewrite. */
			assert_true(fd >= 0);
			assert_null(clean);
		} else {
			absent++;
			assert_int_equal(fd, -EINVAL);
			assert_non_null(clean);
			raw = evbpf__btf_raw(clean, &size);
			fd = load_raw(raw, size);
			if (fd < 0)
				fail_msg("sanitized %s refused: %s", kinds[i].what,
				         evbpf_strerror(fd));
		}
		evbpf__btf_free(clean);
		evbpf__btf_free(btf);
	}
	print_message("%d of %zu kinds rewritten for this kernel\n", absent,
	              EVBPF_ARRAY_SIZE(kinds));
}

static uint64_t out_value(struct evbpf_object *obj, uint32_t idx)
{
	uint64_t v = 0;

	assert_ok(evbpf_map_lookup(evbpf_object_find_map(obj, "out"), &idx, &v));
	return v;
}

static void test_object_loads_with_btf(void **st)
{
	struct obj_state *s = *st;
	struct evbpf_program *p;
	struct bpf_prog_info pinfo;
	struct bpf_map_info minfo;
	struct bpf_btf_info binfo;
	uint32_t len;
	uint8_t pkt[64];
	struct evbpf_test_run_opts opts = {.sz = sizeof(opts), .data_in = pkt};

	REQUIRE_FEATURE(EVBPF_FEATURE_BTF);
	assert_ok(evbpf_object_open_file(FIXTURE("btf_kinds.bpf.o"), NULL, &s->obj));
	assert_ok(evbpf_object_load(s->obj));
	/* The object's BTF is in the kernel ... */
	assert_true(evbpf_object_btf_fd(s->obj) >= 0);
	memset(&binfo, 0, sizeof(binfo));
	len = sizeof(binfo);
	assert_ok(evbpf__bpf_obj_info(evbpf_object_btf_fd(s->obj), &binfo, &len));
	/* ... the program refers to it, with func_info for itself and the
	 * global subprogram ... */
	p = evbpf_object_find_program(s->obj, "kinds");
	memset(&pinfo, 0, sizeof(pinfo));
	len = sizeof(pinfo);
	assert_ok(evbpf__bpf_obj_info(evbpf_program_fd(p), &pinfo, &len));
	assert_int_equal(pinfo.btf_id, binfo.id);
	assert_int_equal(pinfo.nr_func_info, 2);
	/* ... and so does the map whose value type has floats and tags. */
	memset(&minfo, 0, sizeof(minfo));
	len = sizeof(minfo);
	assert_ok(evbpf__bpf_obj_info(evbpf_map_fd(evbpf_object_find_map(s->obj, "samples")),
	                              &minfo, &len));
	assert_int_equal(minfo.btf_id, binfo.id);
	assert_true(minfo.btf_value_type_id > 0);

	opts.data_size_in = (uint32_t)test_packet(pkt, sizeof(pkt));
	assert_ok(evbpf_program_test_run(p, &opts));
	assert_int_equal(opts.retval, 2 /* XDP_PASS */);
	assert_int_equal(out_value(s->obj, 0), (uint64_t)opts.data_size_in * 3 + 1);
	assert_int_equal(out_value(s->obj, 1), 2);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_each_kind),
	    cmocka_unit_test_setup_teardown(test_object_loads_with_btf, obj_state_setup,
	                                    obj_state_teardown),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
