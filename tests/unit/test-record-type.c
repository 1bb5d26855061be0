/* SPDX-License-Identifier: MIT */
/*
 * evbpf run's record type finder (tools/record_type.c) on objects whose
 * record structs are only in the DWARF: run_dwarf.bpf.o (DWARF 5 and 4),
 * a vmlinux.h-based object with and without its DWARF. Records are built
 * on the host with the same struct definitions (tests/bpf/run_dwarf.h) and
 * decoded through the converted BTF, so a wrong offset, bitfield or enum
 * shows up in the JSON. No kernel needed.
 */
#include "common.h"

#include "internal.h"
#include "dwarf.h"
#include "../../tools/json_btf.c"
#include "../../tools/record_type.c"
#include "bpf/run_dwarf.h"

struct found {
	struct evbpf_object *obj;
	struct record_finder *f;
};

static void open_finder(const char *fixture, struct found *fo)
{
	char warn[512];

	assert_ok(evbpf_object_open_file(FIXTURE(fixture), NULL, &fo->obj));
	assert_ok(record_finder_new(fo->obj, &fo->f, warn, sizeof(warn)));
	assert_string_equal(warn, "");
}

static void close_finder(struct found *fo)
{
	record_finder_free(fo->f);
	evbpf_object_close(fo->obj);
}

static void find(struct found *fo, const char *map, struct record_type *rt)
{
	struct evbpf_map *m = evbpf_object_find_map(fo->obj, map);

	assert_non_null(m);
	assert_ok(record_finder_find(fo->f, m, rt));
}

static void assert_found(struct found *fo, const char *map, const char *type)
{
	struct record_type rt;
	char name[128];

	find(fo, map, &rt);
	if (rt.status != RECORD_TYPE_FOUND)
		fail_msg("map '%s': status %d (%s), expected %s", map, rt.status, rt.detail, type);
	json_btf_type_name(record_finder_btf(fo->f), rt.type_id, name, sizeof(name));
	assert_string_equal(name, type);
}

/* JSON of a record decoded as map's type. */
static char *decode(struct found *fo, const char *map, const void *data, size_t size)
{
	const struct evbpf_btf *btf = record_finder_btf(fo->f);
	struct json_btf_result res;
	struct record_type rt;
	struct jbuf b = {0};

	find(fo, map, &rt);
	assert_int_equal(rt.status, RECORD_TYPE_FOUND);
	assert_ok(json_btf_value(&b, btf, rt.type_id, data, size, &res));
	jbuf_putc(&b, '\0');
	assert_false(b.oom);
	return b.p;
}

/* What the host-built dw_event below must decode to. */
static const char *const event_fields[] = {
    "\"pid\":4242,",
    "\"state\":\"DW_STATE_NEG\"",
    "\"wide\":\"DW_WIDE_BIG\"",
    "\"inner\":{\"sport\":80,\"dport\":443,\"tag\":\"inner\"}",
    "\"low\":9,\"mid\":300,\"high\":70000",
    "\"word\":67305985,\"octets\":[1,2,3,4]",
    "\"x\":-7,\"y\":7",
    "\"comm\":\"comm\"",
    "\"grid\":[[0,1,0],[0,0,5]]",
    "\"ok\":true",
    "\"delta\":-1",
    "\"ts\":73588229205}",
};

static void check_event(struct found *fo)
{
	struct dw_event e;
	char *json;

	memset(&e, 0, sizeof(e));
	e.pid = 4242;
	e.state = DW_STATE_NEG;
	e.wide = DW_WIDE_BIG;
	e.inner.sport = 80;
	e.inner.dport = 443;
	memcpy(e.inner.tag, "inner", 6);
	e.low = 9;
	e.mid = 300;
	e.high = 70000;
	e.word = 0x04030201;
	e.x = -7;
	e.y = 7;
	memcpy(e.comm, "comm", 5);
	memcpy(e.args, "ls\0-l\0/tmp", 11);
	e.grid[0][1] = 1;
	e.grid[1][2] = 5;
	e.ok = 1;
	e.delta = -1;
	e.ts = 0x1122334455ULL;
	json = decode(fo, "dw_ring", &e, sizeof(e));
	for (size_t i = 0; i < EVBPF_ARRAY_SIZE(event_fields); i++)
		if (!strstr(json, event_fields[i]))
			fail_msg("dw_event decodes as %s: no %s", json, event_fields[i]);
	/* The args chars come first as a string (the decoder shows what it
	 * shows of NUL-separated strings; the first is always there). */
	assert_non_null(strstr(json, "\"args\":"));
	free(json);
}

static void check_sample(struct found *fo)
{
	struct dw_sample s = {.pid = 7, .cookie = 0xc0ffee, .value = -123456789};
	char *json;

	memcpy(s.name, "sample", 7);
	json = decode(fo, "dw_perf", &s, sizeof(s));
	assert_string_equal(json, "{\"pid\":7,\"cookie\":12648430,\"value\":-123456789,"
	                          "\"name\":\"sample\"}");
	free(json);
}

static void check_run_dwarf(const char *fixture, int version)
{
	struct record_type rt;
	struct found fo;

	open_finder(fixture, &fo);
	assert_true(record_finder_has_dwarf(fo.f));
	assert_int_equal(evbpf__dwarf_version(fo.f->dw), version);
	/* The premise: clang left the record structs out of the BTF. */
	assert_true(evbpf__btf_find(fo.obj->btf, "dw_event", BTF_KIND_STRUCT) < 0);
	assert_true(evbpf__btf_find(fo.obj->btf, "dw_sample", BTF_KIND_STRUCT) < 0);

	assert_found(&fo, "dw_ring", "struct dw_event");
	assert_found(&fo, "dw_perf", "struct dw_sample");
	assert_found(&fo, "dw_execs", "struct dw_exec");
	/* Two same-sized structs on the stack: the data's slot decides. */
	assert_found(&fo, "dw_twin", "struct dw_q");
	find(&fo, "dw_ambig", &rt);
	assert_int_equal(rt.status, RECORD_TYPE_AMBIGUOUS);
	assert_non_null(strstr(rt.detail, "struct dw_a"));
	assert_non_null(strstr(rt.detail, "struct dw_b"));
	check_event(&fo);
	check_sample(&fo);
	/* Asking again reuses the type converted the first time. */
	{
		uint32_t cnt = evbpf__btf_type_cnt(record_finder_btf(fo.f));

		assert_found(&fo, "dw_ring", "struct dw_event");
		assert_int_equal(evbpf__btf_type_cnt(record_finder_btf(fo.f)), cnt);
	}
	/* --type by name: from the DWARF when the BTF lacks it. */
	assert_true(record_finder_named(fo.f, "struct dw_b") > 0);
	assert_true(record_finder_named(fo.f, "dw_port_t") > 0);
	assert_int_equal(record_finder_named(fo.f, "struct nope"), -ENOENT);
	close_finder(&fo);
}

static void test_dwarf5(void **st)
{
	(void)st;
	check_run_dwarf("run_dwarf.bpf.o", 5);
}

static void test_dwarf4(void **st)
{
	(void)st;
	check_run_dwarf("run_dwarf_v4.bpf.o", 4);
}

/* A vmlinux.h object: the record struct is in the DWARF only, among many
 * kernel structs of its size in the BTF. */
static void test_vmlinux(void **st)
{
	struct found fo;

	(void)st;
	if (access(FIXTURE("run_dwarf_vmlinux.bpf.o"), R_OK))
		SKIP_TEST("no vmlinux.h here (no /sys/kernel/btf/vmlinux at build time)");
	open_finder("run_dwarf_vmlinux.bpf.o", &fo);
	assert_true(evbpf__btf_find(fo.obj->btf, "exit_rec", BTF_KIND_STRUCT) < 0);
	assert_found(&fo, "exits", "struct exit_rec");
	close_finder(&fo);
}

/* The same without its DWARF: any struct of 48 bytes in the BTF would be a
 * kernel struct; the strict guess refuses and says why. */
static void test_vmlinux_no_dwarf(void **st)
{
	struct record_type rt;
	struct found fo;
	char why[256];
	uint32_t id;

	(void)st;
	if (access(FIXTURE("run_dwarf_vmlinux_nodebug.bpf.o"), R_OK))
		SKIP_TEST("no vmlinux.h or llvm-objcopy at build time");
	open_finder("run_dwarf_vmlinux_nodebug.bpf.o", &fo);
	assert_false(record_finder_has_dwarf(fo.f));
	find(&fo, "exits", &rt);
	assert_int_equal(rt.status, RECORD_TYPE_NO_INFO);
	id = record_type_guess_strict(record_finder_btf(fo.f), "exits", 0, 48, false, why,
	                              sizeof(why));
	assert_int_equal(id, 0);
	assert_non_null(strstr(why, "structs of 48 bytes"));
	/* The premise: several kernel structs have the record's size. */
	assert_true(strtoul(why, NULL, 10) >= 2);
	close_finder(&fo);
}

/* Strict guesses that stand: the only struct that fits, one named like
 * the map. */
static void test_strict_guess(void **st)
{
	struct found fo;
	const struct evbpf_btf *btf;
	char why[256];
	int id;

	(void)st;
	open_finder("run_events.bpf.o", &fo);
	btf = record_finder_btf(fo.f);
	id = evbpf__btf_find(btf, "run_event", BTF_KIND_STRUCT);
	assert_true(id > 0);
	assert_int_equal(
	    record_type_guess_strict(btf, "run_events", 0, 72, false, why, sizeof(why)),
	    (uint32_t)id);
	id = evbpf__btf_find(btf, "run_sample", BTF_KIND_STRUCT);
	assert_true(id > 0);
	/* Perf records are padded: 24 + 4 bytes of header to a multiple of 8. */
	assert_int_equal(record_type_guess_strict(btf, "samples", 0, 28, true, why, sizeof(why)),
	                 (uint32_t)id);
	assert_int_equal(record_type_guess_strict(btf, "samples", 0, 1000, false, why, sizeof(why)),
	                 0);
	assert_non_null(strstr(why, "no struct of 1000 bytes"));
	close_finder(&fo);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dwarf5),       cmocka_unit_test(test_dwarf4),
	    cmocka_unit_test(test_vmlinux),      cmocka_unit_test(test_vmlinux_no_dwarf),
	    cmocka_unit_test(test_strict_guess),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
