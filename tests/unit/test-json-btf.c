/* SPDX-License-Identifier: MIT */
/*
 * The BTF -> JSON decoder of `evbpf run` (tools/json_btf.c) on BTF built in
 * memory: every kind it prints, records shorter than their type, BTF that
 * nests too deep or fans out too wide, strings that are not UTF-8, type
 * lookup by C name and record type guessing; then mutated BTF decoded
 * against random bytes, which must never read out of bounds (run under
 * ASan and valgrind in CI) and always yield either JSON or an error.
 */
#include "common.h"
#include "elf_builder.h"

#include "internal.h"
#include "../../tools/json_btf.c"

static struct evbpf_btf *parse(struct btf_builder *b)
{
	struct evbpf_btf *btf = NULL;
	size_t size;
	uint8_t *raw = bb_finish(b, &size);
	int err = evbpf__btf_parse(raw, size, NULL, &btf);

	free(raw);
	free(b);
	if (err)
		fail_msg("BTF rejected: %s", evbpf_errmsg());
	return btf;
}

/* Decode and compare with the expected JSON text. */
static void expect_json(const struct evbpf_btf *btf, uint32_t id, const void *data, size_t size,
                        const char *want, bool want_truncated)
{
	struct jbuf b = {0};
	struct json_btf_result res;

	assert_int_equal(json_btf_value(&b, btf, id, data, size, &res), 0);
	assert_string_equal(b.p, want);
	assert_int_equal(res.truncated, want_truncated);
	jbuf_free(&b);
}

static uint32_t add_uint(struct btf_builder *b, const char *name, uint32_t size, uint32_t enc)
{
	uint32_t id = bb_type(b, name, BTF_KIND_INT, 0, 0, size);

	bb_u32(b, BB_INT_ENC(enc, 0, size * 8));
	return id;
}

static uint32_t add_enum(struct btf_builder *b, const char *name, uint32_t size, int kflag)
{
	uint32_t id = bb_type(b, name, BTF_KIND_ENUM, 2, kflag, size);

	bb_u32(b, bb_str(b, "E_ONE"));
	bb_u32(b, 1);
	bb_u32(b, bb_str(b, "E_MINUS"));
	bb_u32(b, (uint32_t)-2);
	return id;
}

/* struct rec {
 *	u32 a; s16 b; bool ok; char c;           0..8
 *	char name[8];                              8..16
 *	enum e e; (4 bytes)                        16..20
 *	u32 f1:3, f2:5 (kflag bitfields), s:4 signed   20..24
 *	union { u32 word; u8 bytes[4]; } (anon)    24..28
 *	struct pair { u16 lo, hi; } pair;          28..32
 *	u16 arr[2];                                32..36
 *	float x;                                   36..40
 *	void *ptr;                                 40..48
 *	double y;                                  48..56
 * }
 */
static void test_kinds(void **state)
{
	struct btf_builder *b = bb_new();
	uint32_t u32 = add_uint(b, "unsigned int", 4, 0);
	uint32_t s16 = add_uint(b, "short", 2, BTF_INT_SIGNED);
	uint32_t u16 = add_uint(b, "unsigned short", 2, 0);
	uint32_t boolean = add_uint(b, "_Bool", 1, BTF_INT_BOOL);
	uint32_t chr = add_uint(b, "char", 1, BTF_INT_SIGNED);
	uint32_t u8 = add_uint(b, "unsigned char", 1, 0);
	uint32_t u8t = bb_ref(b, BTF_KIND_TYPEDEF, "__u8", u8);
	uint32_t s32 = add_uint(b, "int", 4, BTF_INT_SIGNED);
	uint32_t idx = u32;
	uint32_t name = bb_array(b, chr, idx, 8);
	uint32_t e = add_enum(b, "e", 4, 1);
	uint32_t bytes = bb_array(b, u8t, idx, 4);
	uint32_t un, pair, arr, flt, dbl, ptr, rec;

	un = bb_type(b, NULL, BTF_KIND_UNION, 2, 0, 4);
	bb_member(b, "word", u32, 0);
	bb_member(b, "bytes", bytes, 0);
	pair = bb_struct(b, "pair", 4, 2);
	bb_member(b, "lo", u16, 0);
	bb_member(b, "hi", u16, 16);
	arr = bb_array(b, u16, idx, 2);
	flt = bb_type(b, "float", BTF_KIND_FLOAT, 0, 0, 4);
	dbl = bb_type(b, "double", BTF_KIND_FLOAT, 0, 0, 8);
	ptr = bb_ref(b, BTF_KIND_PTR, NULL, 0);
	rec = bb_type(b, "rec", BTF_KIND_STRUCT, 16, 1, 56);
	bb_member(b, "a", u32, 0);
	bb_member(b, "b", s16, 32);
	bb_member(b, "ok", boolean, 48);
	bb_member(b, "c", chr, 56);
	bb_member(b, "name", name, 64);
	bb_member(b, "e", e, 128);
	bb_member(b, "f1", u32, BTF_MEMBER_BIT_OFFSET(160) | 3u << 24);
	bb_member(b, "f2", u32, (160 + 3) | 5u << 24);
	bb_member(b, "s", s32, (160 + 8) | 4u << 24);
	bb_member(b, "", un, 192);
	bb_member(b, "pair", pair, 224);
	bb_member(b, "arr", arr, 256);
	bb_member(b, "x", flt, 288);
	bb_member(b, "ptr", ptr, 320);
	bb_member(b, "y", dbl, 384);
	bb_member(b, "", s32, (200) | 2u << 24); /* anonymous padding bitfield */

	struct evbpf_btf *btf = parse(b);
	uint8_t d[56] = {0};
	uint32_t v32 = 4000000000u, word = 0x04030201, evalue = (uint32_t)-2;
	int16_t v16 = -5;
	float x = 1.5f;
	double y = -0.25;
	uint64_t p = 0xffff888012345678ull;

	memcpy(d, &v32, 4);
	memcpy(d + 4, &v16, 2);
	d[6] = 1;
	d[7] = 'A';
	memcpy(d + 8, "a\"b\\\n\x01", 6);
	memcpy(d + 16, &evalue, 4);
	/* f1 = 5 (bits 0-2), f2 = 17 (bits 3-7), s = -3 (bits 8-11). */
	d[20] = 5 | 17 << 3;
	d[21] = 0xd;
	memcpy(d + 24, &word, 4);
	d[28] = 7;
	d[30] = 9;
	d[32] = 0xff;
	d[33] = 0xff;
	d[34] = 2;
	memcpy(d + 36, &x, 4);
	memcpy(d + 40, &p, 8);
	memcpy(d + 48, &y, 8);
	expect_json(btf, rec, d, sizeof(d),
	            "{\"a\":4000000000,\"b\":-5,\"ok\":true,\"c\":65,"
	            "\"name\":\"a\\\"b\\\\\\n\\u0001\",\"e\":\"E_MINUS\",\"f1\":5,\"f2\":17,"
	            "\"s\":-3,\"word\":67305985,\"bytes\":[1,2,3,4],\"pair\":{\"lo\":7,\"hi\":9},"
	            "\"arr\":[65535,2],\"x\":1.5,\"ptr\":\"0xffff888012345678\",\"y\":-0.25}",
	            false);
	/* An enum value with no name prints as its number. */
	evalue = 3;
	memcpy(d + 16, &evalue, 4);
	expect_json(btf, e, d + 16, 4, "3", false);
	/* Short records: the members that fit, and the flag. */
	expect_json(btf, rec, d, 6, "{\"a\":4000000000,\"b\":-5}", true);
	/* An array that starts inside a short record shows what it has. */
	expect_json(btf, rec, d, 12,
	            "{\"a\":4000000000,\"b\":-5,\"ok\":true,\"c\":65,\"name\":\"a\\\"b\\\\\"}",
	            true);
	expect_json(btf, rec, d, 34,
	            "{\"a\":4000000000,\"b\":-5,\"ok\":true,\"c\":65,"
	            "\"name\":\"a\\\"b\\\\\\n\\u0001\",\"e\":3,\"f1\":5,\"f2\":17,"
	            "\"s\":-3,\"word\":67305985,\"bytes\":[1,2,3,4],\"pair\":{\"lo\":7,\"hi\":9},"
	            "\"arr\":[65535]}",
	            true);
	expect_json(btf, u32, d, 2, "null", true);
	/* A record type of void or an id past the end is an error. */
	{
		struct jbuf jb = {0};

		assert_int_equal(json_btf_value(&jb, btf, 0, d, 8, NULL), -EINVAL);
		assert_int_equal(json_btf_value(&jb, btf, 9999, d, 8, NULL), -EINVAL);
		jbuf_free(&jb);
	}
	evbpf__btf_free(btf);
}

/* Old-style bitfields (no kind_flag: the int carries offset and width),
 * __int128, enum64 and an unnamed enum bitfield. */
static void test_int_encodings(void **state)
{
	struct btf_builder *b = bb_new();
	uint32_t u32 = add_uint(b, "unsigned int", 4, 0);
	uint32_t bf = bb_type(b, "unsigned int", BTF_KIND_INT, 0, 0, 4);
	uint32_t i128, e64, st;

	bb_u32(b, BB_INT_ENC(0, 4, 6)); /* bits 4..9 of the int */
	i128 = bb_type(b, "__int128 unsigned", BTF_KIND_INT, 0, 0, 16);
	bb_u32(b, BB_INT_ENC(0, 0, 128));
	e64 = bb_type(b, "big", BTF_KIND_ENUM64, 1, 0, 8);
	bb_u32(b, bb_str(b, "BIG_VALUE"));
	bb_u32(b, 1);
	bb_u32(b, 0x80000000u);
	st = bb_struct(b, "s", 32, 4);
	bb_member(b, "plain", u32, 0);
	bb_member(b, "old", bf, 32);
	bb_member(b, "e", e64, 64);
	bb_member(b, "wide", i128, 128);

	struct evbpf_btf *btf = parse(b);
	uint8_t d[32] = {0};
	uint32_t v = 42, old = 0x2a << 4 | 0xf;
	uint64_t ev = 0x8000000000000001ull;

	memcpy(d, &v, 4);
	memcpy(d + 4, &old, 4);
	memcpy(d + 8, &ev, 8);
	d[16] = 0x01;
	d[31] = 0xab;
	expect_json(btf, st, d, sizeof(d),
	            "{\"plain\":42,\"old\":42,\"e\":\"BIG_VALUE\",\"wide\":"
	            "\"0xab000000000000000000000000000001\"}",
	            false);
	(void)u32;
	evbpf__btf_free(btf);
}

/* A chain of structs each holding the next: the output stops at the
 * recursion bound with null, and stays valid. */
static void test_deep_nesting(void **state)
{
	struct btf_builder *b = bb_new();
	uint32_t prev = add_uint(b, "int", 4, BTF_INT_SIGNED), first;
	struct evbpf_btf *btf;
	struct jbuf jb = {0};
	uint8_t d[4] = {1};
	int depth = 0, max_depth = 0;

	for (int i = 0; i < 100; i++) {
		uint32_t id = bb_struct(b, NULL, 4, 1);

		bb_member(b, "n", prev, 0);
		prev = id;
	}
	first = prev;
	btf = parse(b);
	assert_int_equal(json_btf_value(&jb, btf, first, d, sizeof(d), NULL), 0);
	for (const char *p = jb.p; *p; p++) {
		depth += *p == '{';
		depth -= *p == '}';
		if (depth > max_depth)
			max_depth = depth;
	}
	assert_int_equal(depth, 0);
	assert_true(max_depth <= JSON_BTF_MAX_DEPTH + 1);
	assert_non_null(strstr(jb.p, "null"));
	jbuf_free(&jb);
	evbpf__btf_free(btf);
}

/* 20 x 20 x 20 members all at offset 0: 8000 values. A budget of 1000
 * ends with -E2BIG instead of printing them; the default budget prints
 * them. Zero-sized elements and huge element counts stay bounded. */
static void test_fan_out(void **state)
{
	struct btf_builder *b = bb_new();
	uint32_t prev = add_uint(b, "int", 4, BTF_INT_SIGNED), top, empty, zarr, huge, holder;
	struct evbpf_btf *btf;
	struct jbuf jb = {0};
	uint8_t d[8] = {0};
	char name[8];

	for (int level = 0; level < 3; level++) {
		uint32_t id = bb_struct(b, NULL, 4, 20);

		for (int m = 0; m < 20; m++) {
			snprintf(name, sizeof(name), "m%d", m);
			bb_member(b, name, prev, 0);
		}
		prev = id;
	}
	top = prev;
	empty = bb_struct(b, "empty", 0, 0);
	zarr = bb_array(b, empty, prev, 0x7fffffff);
	huge = bb_array(b, add_uint(b, "unsigned short", 2, 0), prev, 0x7fffffff);
	holder = bb_struct(b, "holder", 8, 1);
	bb_member(b, "z", zarr, 0);
	btf = parse(b);

	assert_int_equal(json_btf_value_budget(&jb, btf, top, d, 4, 1000, NULL), -E2BIG);
	jbuf_reset(&jb);
	assert_int_equal(json_btf_value(&jb, btf, top, d, 4, NULL), 0);
	assert_int_equal(jb.p[0], '{');
	jbuf_reset(&jb);
	assert_int_equal(json_btf_value(&jb, btf, zarr, d, 8, NULL), 0);
	assert_string_equal(jb.p, "[]");
	jbuf_reset(&jb);
	/* 8 bytes of a 4 GiB array: four elements, truncated. */
	{
		struct json_btf_result res;

		assert_int_equal(json_btf_value(&jb, btf, huge, d, 8, &res), 0);
		assert_string_equal(jb.p, "[0,0,0,0]");
		assert_true(res.truncated);
		jbuf_reset(&jb);
		assert_int_equal(json_btf_value(&jb, btf, holder, d, 8, &res), 0);
		assert_string_equal(jb.p, "{\"z\":[]}");
	}
	jbuf_free(&jb);
	evbpf__btf_free(btf);
}

/* Records with a variable tail: a fixed array filled in part (the record
 * ends inside it) and a flexible array member (it takes what is left). */
static void test_array_tails(void **state)
{
	struct btf_builder *b = bb_new();
	uint32_t u32 = add_uint(b, "unsigned int", 4, 0);
	uint32_t chr = add_uint(b, "char", 1, BTF_INT_SIGNED);
	uint32_t args = bb_array(b, chr, u32, 64);
	uint32_t flex = bb_array(b, u32, u32, 0);
	uint32_t ev, msg, plain;
	struct json_btf_result res;
	struct jbuf jb = {0};
	uint8_t d[24] = {0};
	uint32_t v;

	ev = bb_struct(b, "exec_event", 68, 2);
	bb_member(b, "pid", u32, 0);
	bb_member(b, "args", args, 32);
	msg = bb_struct(b, "msg", 4, 2);
	bb_member(b, "len", u32, 0);
	bb_member(b, "vals", flex, 32);
	plain = bb_struct(b, "plain", 8, 2);
	bb_member(b, "x", u32, 0);
	bb_member(b, "y", u32, 32);
	struct evbpf_btf *btf = parse(b);

	v = 7;
	memcpy(d, &v, 4);
	memcpy(d + 4, "ls -l", 6);
	/* A record that ends inside its last array is whole (not truncated). */
	expect_json(btf, ev, d, 10, "{\"pid\":7,\"args\":\"ls -l\"}", false);
	expect_json(btf, ev, d, 3, "{}", true);
	for (uint32_t i = 0; i < 5; i++)
		memcpy(d + 4 + 4 * i, &i, 4);
	assert_int_equal(json_btf_value(&jb, btf, msg, d, 24, &res), 0);
	assert_string_equal(jb.p, "{\"len\":7,\"vals\":[0,1,2,3,4]}");
	assert_false(res.truncated);
	assert_true(res.flex_tail);
	jbuf_free(&jb);

	assert_true(json_btf_tail_fits(btf, ev, 10));
	assert_true(json_btf_tail_fits(btf, ev, 4));
	assert_false(json_btf_tail_fits(btf, ev, 3));  /* ends before the array */
	assert_false(json_btf_tail_fits(btf, ev, 68)); /* exact: not a tail */
	assert_true(json_btf_tail_fits(btf, msg, 4));
	assert_true(json_btf_tail_fits(btf, msg, 24));
	assert_false(json_btf_tail_fits(btf, msg, 3));
	assert_false(json_btf_tail_fits(btf, plain, 6));
	/* Tails count for structs named like the map only. */
	assert_int_equal(json_btf_guess_record_type(btf, "exec_events", 0, 10, false), ev);
	assert_int_equal(json_btf_guess_record_type(btf, "events", 0, 10, false), 0);
	assert_int_equal(json_btf_guess_record_type(btf, "msgs", 0, 24, true), msg);
	assert_int_equal(json_btf_guess_record_type(btf, "rb", 0, 8, false), plain);
	evbpf__btf_free(btf);
}

static void test_strings(void **state)
{
	struct jbuf b = {0};
	const char mixed[] = "ok \xc3\xa9 \xff\xfe \xe2\x82 \xf0\x9f\x98\x80 \x7f\t";

	jbuf_str(&b, mixed, sizeof(mixed) - 1, true);
	assert_string_equal(b.p, "\"ok \xc3\xa9 \\u00ff\\u00fe \\u00e2\\u0082 \xf0\x9f\x98\x80 "
	                         "\\u007f\\t\"");
	jbuf_reset(&b);
	jbuf_str(&b, "ab\0cd", 5, true);
	assert_string_equal(b.p, "\"ab\"");
	jbuf_reset(&b);
	jbuf_hex(&b, "\x00\x0f\xf0", 3);
	assert_string_equal(b.p, "\"000ff0\"");
	jbuf_free(&b);
}

static void test_lookup_and_guess(void **state)
{
	struct btf_builder *b = bb_new();
	uint32_t u32 = add_uint(b, "unsigned int", 4, 0);
	uint32_t event, other, anon, td, mapdef, var, ds, e, flow;

	event = bb_struct(b, "event", 12, 3);
	bb_member(b, "a", u32, 0);
	bb_member(b, "b", u32, 32);
	bb_member(b, "c", u32, 64);
	other = bb_struct(b, "other", 12, 1);
	bb_member(b, "x", u32, 0);
	anon = bb_struct(b, NULL, 20, 1);
	bb_member(b, "y", u32, 0);
	td = bb_ref(b, BTF_KIND_TYPEDEF, "sample_t", anon);
	/* A map definition of 24 bytes must never be taken for a record. */
	mapdef = bb_struct(b, NULL, 24, 1);
	bb_member(b, "type", u32, 0);
	var = bb_var(b, "events", mapdef);
	ds = bb_datasec(b, ".maps", 1);
	bb_secinfo(b, var, 0, 24);
	e = add_enum(b, "e", 4, 0);
	flow = bb_struct(b, "flow_event", 28, 1);
	bb_member(b, "f", u32, 0);
	bb_struct(b, "zzz", 28, 1);
	bb_member(b, "z", u32, 0);
	struct evbpf_btf *btf = parse(b);
	char name[64];

	assert_int_equal(json_btf_find_type(btf, "struct event"), (int)event);
	assert_int_equal(json_btf_find_type(btf, "  struct   event "), (int)event);
	assert_int_equal(json_btf_find_type(btf, "event"), (int)event);
	assert_int_equal(json_btf_find_type(btf, "sample_t"), (int)td);
	assert_int_equal(json_btf_find_type(btf, "enum e"), (int)e);
	assert_int_equal(json_btf_find_type(btf, "unsigned int"), (int)u32);
	assert_int_equal(json_btf_find_type(btf, "union event"), -ENOENT);
	assert_int_equal(json_btf_find_type(btf, "struct nope"), -ENOENT);
	assert_int_equal(json_btf_find_type(btf, ""), -ENOENT);
	json_btf_type_name(btf, event, name, sizeof(name));
	assert_string_equal(name, "struct event");
	json_btf_type_name(btf, anon, name, sizeof(name));
	assert_string_equal(name, "?");

	/* Two 12-byte structs: the one named like the map wins. */
	assert_int_equal(json_btf_guess_record_type(btf, "events", 0, 12, false), event);
	assert_int_equal(json_btf_guess_record_type(btf, "event_rb", 0, 12, false), event);
	/* Neither named like "rb": the conventional name "event" decides. */
	assert_int_equal(json_btf_guess_record_type(btf, "rb", 0, 12, false), event);
	/* flows -> flow_event, flow_events -> flow_event, not zzz. */
	assert_int_equal(json_btf_guess_record_type(btf, "flows", 0, 28, false), flow);
	assert_int_equal(json_btf_guess_record_type(btf, "flow_events", 0, 28, false), flow);
	assert_int_equal(json_btf_guess_record_type(btf, "flow_ringbuf", 0, 28, false), flow);
	assert_int_equal(json_btf_guess_record_type(btf, "packets", 0, 28, false), 0);
	/* The only 20-byte struct, named through its typedef. */
	assert_int_equal(json_btf_guess_record_type(btf, "rb", 0, 20, false), td);
	/* Perf records are padded: 20 + 4 rounds to 24, so 20 bytes read 20. */
	assert_int_equal(json_btf_guess_record_type(btf, "pb", 0, 20, true), td);
	assert_int_equal(json_btf_guess_record_type(btf, "events", 0, 12, true), event);
	/* A 12-byte struct is padded to 12 + 4 = 16 -> 12: no 16-byte read. */
	assert_int_equal(json_btf_guess_record_type(btf, "events", 0, 16, true), 0);
	/* The map definition (24 bytes) is never a record type. */
	assert_int_equal(json_btf_guess_record_type(btf, "x", 0, 24, false), 0);
	/* The value type of the map definition comes first when it fits. */
	assert_int_equal(json_btf_guess_record_type(btf, "events", other, 12, false), other);
	assert_int_equal(json_btf_guess_record_type(btf, "events", other, 20, false), td);
	(void)ds;
	evbpf__btf_free(btf);
}

/* Decode one column (text mode) and compare; want NULL: past the record. */
static void expect_col(const struct evbpf_btf *btf, uint32_t type, const struct json_btf_col *col,
                       const void *data, size_t size, const char *want)
{
	struct jbuf b = {0};
	int err = json_btf_col_text(&b, btf, type, col, data, size);

	if (!want) {
		assert_int_equal(err, 1);
	} else {
		assert_int_equal(err, 0);
		assert_string_equal(b.p ? b.p : "", want);
	}
	jbuf_free(&b);
}

/* The column named name of cols[n]. */
static const struct json_btf_col *col_named(const struct json_btf_col *cols, int n,
                                            const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(cols[i].name, name))
			return &cols[i];
	fail_msg("no column %s", name);
	return NULL;
}

/* Char arrays holding several NUL-separated strings (json_btf.h's rule):
 * by a count member, by a length member, as the variable tail of a short
 * record; and the cases that stay one string. */
static void test_multi_strings(void **state)
{
	struct btf_builder *b = bb_new();
	uint32_t u32 = add_uint(b, "unsigned int", 4, 0);
	uint32_t s32 = add_uint(b, "int", 4, BTF_INT_SIGNED);
	uint32_t chr = add_uint(b, "char", 1, BTF_INT_SIGNED);
	uint32_t args = bb_array(b, chr, u32, 32);
	uint32_t buf = bb_array(b, chr, u32, 16);
	uint32_t name8 = bb_array(b, chr, u32, 8);
	uint32_t ev, sized, plain, tail;
	struct json_btf_col cols[8];
	uint8_t d[64];
	int32_t count;
	uint32_t size;
	int n;

	/* execsnoop's shape: { u32 pid; int args_count; u32 args_size;
	 * char args[32]; } */
	ev = bb_struct(b, "exec_event", 44, 4);
	bb_member(b, "pid", u32, 0);
	bb_member(b, "args_count", s32, 32);
	bb_member(b, "args_size", u32, 64);
	bb_member(b, "args", args, 96);
	/* { u32 buf_len; char buf[16]; } */
	sized = bb_struct(b, "sized", 20, 2);
	bb_member(b, "buf_len", u32, 0);
	bb_member(b, "buf", buf, 32);
	/* { u32 pid; char name[8]; u32 after; } */
	plain = bb_struct(b, "plain", 16, 3);
	bb_member(b, "pid", u32, 0);
	bb_member(b, "name", name8, 32);
	bb_member(b, "after", u32, 96);
	/* { u32 pid; char path[16]; } */
	tail = bb_struct(b, "tail", 20, 2);
	bb_member(b, "pid", u32, 0);
	bb_member(b, "path", buf, 32);
	struct evbpf_btf *btf = parse(b);

	/* Three strings, then stale bytes the count and the size keep out;
	 * whole record and cut to the strings: neither is truncated. */
	memset(d, 'x', sizeof(d));
	memset(d, 0, 12);
	d[0] = 9;
	count = 3;
	size = 20;
	memcpy(d + 4, &count, 4);
	memcpy(d + 8, &size, 4);
	memcpy(d + 12, "one\0two words\0three", 20);
	expect_json(btf, ev, d, 44,
	            "{\"pid\":9,\"args_count\":3,\"args_size\":20,"
	            "\"args\":[\"one\",\"two words\",\"three\"]}",
	            false);
	expect_json(btf, ev, d, 32,
	            "{\"pid\":9,\"args_count\":3,\"args_size\":20,"
	            "\"args\":[\"one\",\"two words\",\"three\"]}",
	            false);
	/* The count caps the list; a count means a list even of one. */
	count = 2;
	memcpy(d + 4, &count, 4);
	expect_json(
	    btf, ev, d, 44,
	    "{\"pid\":9,\"args_count\":2,\"args_size\":20,\"args\":[\"one\",\"two words\"]}",
	    false);
	count = 1;
	size = 3;
	memcpy(d + 4, &count, 4);
	memcpy(d + 8, &size, 4);
	memcpy(d + 12, "ls\0", 3);
	expect_json(btf, ev, d, 15,
	            "{\"pid\":9,\"args_count\":1,\"args_size\":3,\"args\":[\"ls\"]}", false);
	count = 0;
	size = 0;
	memcpy(d + 4, &count, 4);
	memcpy(d + 8, &size, 4);
	expect_json(btf, ev, d, 12, "{\"pid\":9,\"args_count\":0,\"args_size\":0,\"args\":[]}",
	            false);
	/* A negative count is no count: the size still bounds a list. */
	count = -1;
	size = 20;
	memcpy(d + 4, &count, 4);
	memcpy(d + 8, &size, 4);
	memcpy(d + 12, "one\0two words\0three", 20);
	expect_json(btf, ev, d, 44,
	            "{\"pid\":9,\"args_count\":-1,\"args_size\":20,"
	            "\"args\":[\"one\",\"two words\",\"three\"]}",
	            false);
	/* A record cut before the array is truncated. */
	expect_json(btf, ev, d, 10, "{\"pid\":9,\"args_count\":-1}", true);
	/* In a table: the strings joined by spaces. */
	n = json_btf_columns(btf, ev, cols, 8);
	assert_int_equal(n, 4);
	expect_col(btf, ev, col_named(cols, n, "args"), d, 44, "one two words three");
	expect_col(btf, ev, col_named(cols, n, "args"), d, 12, "");
	expect_col(btf, ev, col_named(cols, n, "args_size"), d, 10, NULL);

	/* A length member: a list when it bounds several strings ... */
	memset(d, 'x', sizeof(d));
	size = 5;
	memcpy(d, &size, 4);
	memcpy(d + 4, "ab\0cd", 5);
	expect_json(btf, sized, d, 20, "{\"buf_len\":5,\"buf\":[\"ab\",\"cd\"]}", false);
	/* ... one string cut to it otherwise ... */
	size = 3;
	memcpy(d, &size, 4);
	memcpy(d + 4, "abcdef", 6);
	expect_json(btf, sized, d, 20, "{\"buf_len\":3,\"buf\":\"abc\"}", false);
	/* ... or when the bytes are not text. */
	size = 6;
	memcpy(d, &size, 4);
	memcpy(d + 4, "ab\0\001c\0", 6);
	expect_json(btf, sized, d, 20, "{\"buf_len\":6,\"buf\":\"ab\"}", false);
	/* Larger than the array: the array bounds it. */
	size = 1000;
	memcpy(d, &size, 4);
	memcpy(d + 4, "p\0q\0", 4);
	memset(d + 8, 0, 12);
	expect_json(btf, sized, d, 20, "{\"buf_len\":1000,\"buf\":[\"p\",\"q\"]}", false);

	/* A fixed array with neither: what follows the NUL is stale. */
	memset(d, 0, sizeof(d));
	memcpy(d + 4, "ab\0cd\0\0", 8);
	expect_json(btf, plain, d, 16, "{\"pid\":0,\"name\":\"ab\",\"after\":0}", false);

	/* The variable tail of a short record: its end is the record's. */
	memset(d, 0, sizeof(d));
	memcpy(d + 4, "a\0b c\0d\0\0\0", 10);
	expect_json(btf, tail, d, 14, "{\"pid\":0,\"path\":[\"a\",\"b c\",\"d\"]}", false);
	expect_json(btf, tail, d, 6, "{\"pid\":0,\"path\":\"a\"}", false);
	memcpy(d + 4, "abc\0", 4);
	expect_json(btf, tail, d, 8, "{\"pid\":0,\"path\":\"abc\"}", false);
	/* The whole array: a fixed array like any other. */
	memcpy(d + 4, "a\0b\0", 4);
	expect_json(btf, tail, d, 20, "{\"pid\":0,\"path\":\"a\"}", false);
	/* Control characters: not a list of strings. */
	memcpy(d + 4, "a\0\033[1m\0", 7);
	expect_json(btf, tail, d, 11, "{\"pid\":0,\"path\":\"a\"}", false);
	(void)state;
	evbpf__btf_free(btf);
}

/* A count member further than JSON_BTF_SIBLING_SPAN members away does not
 * count (the search is bounded); one within it does. */
static void test_sibling_span(void **state)
{
	struct btf_builder *b = bb_new();
	uint32_t u32 = add_uint(b, "unsigned int", 4, 0);
	uint32_t chr = add_uint(b, "char", 1, BTF_INT_SIGNED);
	uint32_t args = bb_array(b, chr, u32, 8);
	uint32_t nfill = JSON_BTF_SIBLING_SPAN + 1;
	uint32_t far, near;
	char name[16];
	uint8_t d[64] = {0};
	uint32_t two = 2;

	far = bb_struct(b, "far", 4 * (nfill + 1) + 8, (uint16_t)(nfill + 2));
	bb_member(b, "args_count", u32, 0);
	for (uint32_t i = 0; i < nfill; i++) {
		snprintf(name, sizeof(name), "f%u", i);
		bb_member(b, name, u32, 32 * (i + 1));
	}
	bb_member(b, "args", args, 32 * (nfill + 1));
	near = bb_struct(b, "near", 4 * nfill + 8, (uint16_t)(nfill + 1));
	for (uint32_t i = 0; i < nfill - 1; i++) {
		snprintf(name, sizeof(name), "f%u", i);
		bb_member(b, name, u32, 32 * i);
	}
	bb_member(b, "args_count", u32, 32 * (nfill - 1));
	bb_member(b, "args", args, 32 * nfill);
	struct evbpf_btf *btf = parse(b);
	struct jbuf jb = {0};

	memcpy(d, &two, 4);
	memcpy(d + 4 * (nfill + 1), "a\0b\0", 4);
	assert_int_equal(json_btf_value(&jb, btf, far, d, 4 * (nfill + 1) + 8, NULL), 0);
	assert_non_null(strstr(jb.p, "\"args\":\"a\"}"));
	jbuf_reset(&jb);
	memset(d, 0, sizeof(d));
	memcpy(d + 4 * (nfill - 1), &two, 4);
	memcpy(d + 4 * nfill, "a\0b\0", 4);
	assert_int_equal(json_btf_value(&jb, btf, near, d, 4 * nfill + 8, NULL), 0);
	assert_non_null(strstr(jb.p, "\"args\":[\"a\",\"b\"]}"));
	jbuf_free(&jb);
	(void)state;
	evbpf__btf_free(btf);
}

/* Columns of BTF that fans out into nothing (structs of structs of empty
 * structs): the walk is bounded, and finds no column. */
static void test_columns_fan_out(void **state)
{
	struct btf_builder *b = bb_new();
	uint32_t prev = bb_struct(b, "empty", 0, 0);
	struct json_btf_col cols[4];
	char name[8];

	for (int level = 0; level < 4; level++) {
		uint32_t id = bb_struct(b, NULL, 0, 200);

		for (int m = 0; m < 200; m++) {
			snprintf(name, sizeof(name), "m%d", m);
			bb_member(b, name, prev, 0);
		}
		prev = id;
	}
	struct evbpf_btf *btf = parse(b);

	/* 200^4 members to look at without the bound. */
	assert_int_equal(json_btf_columns(btf, prev, cols, 4), 0);
	(void)state;
	evbpf__btf_free(btf);
}

/* "truncated" only for records short of the fixed part: the tail array of
 * a nested struct that is the last member counts too. */
static void test_fixed_part(void **state)
{
	struct btf_builder *b = bb_new();
	uint32_t u32 = add_uint(b, "unsigned int", 4, 0);
	uint32_t u16 = add_uint(b, "unsigned short", 2, 0);
	uint32_t vals = bb_array(b, u16, u32, 8);
	uint32_t inner, outer, mid;
	uint8_t d[32] = {0};

	for (int i = 0; i < 32; i++)
		d[i] = (uint8_t)i;
	/* struct inner { u32 n; u16 vals[8]; } (20 bytes) */
	inner = bb_struct(b, "inner", 20, 2);
	bb_member(b, "n", u32, 0);
	bb_member(b, "vals", vals, 32);
	/* struct outer { u32 id; struct inner in; } (24 bytes) */
	outer = bb_struct(b, "outer", 24, 2);
	bb_member(b, "id", u32, 0);
	bb_member(b, "in", inner, 32);
	/* struct mid { struct inner in; u32 after; }: the array is not last. */
	mid = bb_struct(b, "mid", 24, 2);
	bb_member(b, "in", inner, 0);
	bb_member(b, "after", u32, 160);
	struct evbpf_btf *btf = parse(b);

	/* Fixed part: 8 bytes (id, in.n). */
	expect_json(btf, outer, d, 16,
	            "{\"id\":50462976,\"in\":{\"n\":117835012,\"vals\":[2312,2826,3340,3854]}}",
	            false);
	expect_json(btf, outer, d, 11, "{\"id\":50462976,\"in\":{\"n\":117835012,\"vals\":[2312]}}",
	            false);
	expect_json(btf, outer, d, 8, "{\"id\":50462976,\"in\":{\"n\":117835012,\"vals\":[]}}",
	            false);
	expect_json(btf, outer, d, 6, "{\"id\":50462976}", true);
	/* Not the tail: cutting it is truncation. */
	expect_json(btf, mid, d, 8, "{}", true);
	expect_json(btf, mid, d, 20,
	            "{\"in\":{\"n\":50462976,\"vals\":[1284,1798,2312,2826,3340,3854,4368,4882]}}",
	            true);
	(void)state;
	evbpf__btf_free(btf);
}

/* Enums of 1, 2, 4 and 8 bytes (ENUM and ENUM64), in a nested struct and
 * as bitfields: the enumerator's name, or the number when none has it. */
static void test_enum_sizes(void **state)
{
	struct btf_builder *b = bb_new();
	uint32_t e8, e16, e32, e64, e8b, inner, st;
	struct json_btf_col cols[16];
	uint8_t d[32] = {0};
	uint16_t w;
	uint32_t v;
	uint64_t h;
	int n;

	e8 = bb_type(b, "k", BTF_KIND_ENUM, 2, 0, 1);
	bb_u32(b, bb_str(b, "K_ONE"));
	bb_u32(b, 1);
	bb_u32(b, bb_str(b, "K_HIGH"));
	bb_u32(b, 200);
	e16 = bb_type(b, "w", BTF_KIND_ENUM, 1, 0, 2);
	bb_u32(b, bb_str(b, "W_300"));
	bb_u32(b, 300);
	e32 = bb_type(b, "ph", BTF_KIND_ENUM, 2, 0, 4);
	bb_u32(b, bb_str(b, "PH_RUN"));
	bb_u32(b, 5);
	bb_u32(b, bb_str(b, "PH_STOPPED"));
	bb_u32(b, 9);
	e64 = bb_type(b, "h", BTF_KIND_ENUM64, 1, 0, 8);
	bb_u32(b, bb_str(b, "H_HUGE"));
	bb_u32(b, 0);
	bb_u32(b, 0x100);
	/* An 8-byte ENUM as clang 14 writes it (32-bit values). */
	e8b = bb_type(b, "e8b", BTF_KIND_ENUM, 1, 0, 8);
	bb_u32(b, bb_str(b, "E8B_SEVEN"));
	bb_u32(b, 7);
	inner = bb_struct(b, "inner", 4, 1);
	bb_member(b, "phase", e32, 0);
	/* struct s { k k; w w; inner in; ph st:4 (kflag); h h; e8b e; } */
	st = bb_type(b, "s", BTF_KIND_STRUCT, 6, 1, 32);
	bb_member(b, "k", e8, 0);
	bb_member(b, "w", e16, 16);
	bb_member(b, "in", inner, 32);
	bb_member(b, "st", e32, 64 | 4u << 24);
	bb_member(b, "h", e64, 128);
	bb_member(b, "e", e8b, 192);
	struct evbpf_btf *btf = parse(b);

	d[0] = 200;
	w = 300;
	memcpy(d + 2, &w, 2);
	v = 9;
	memcpy(d + 4, &v, 4);
	d[8] = 5;
	h = 0x10000000000ull;
	memcpy(d + 16, &h, 8);
	h = 7;
	memcpy(d + 24, &h, 8);
	expect_json(btf, st, d, 32,
	            "{\"k\":\"K_HIGH\",\"w\":\"W_300\",\"in\":{\"phase\":\"PH_STOPPED\"},"
	            "\"st\":\"PH_RUN\",\"h\":\"H_HUGE\",\"e\":\"E8B_SEVEN\"}",
	            false);
	n = json_btf_columns(btf, st, cols, 16);
	assert_int_equal(n, 6);
	assert_string_equal(cols[2].name, "in.phase");
	expect_col(btf, st, &cols[2], d, 32, "PH_STOPPED");
	expect_col(btf, st, &cols[3], d, 32, "PH_RUN");
	/* Widths: the longest name. */
	assert_int_equal(cols[0].width, 6);
	assert_int_equal(cols[2].width, 10);
	assert_int_equal(cols[3].width, 10);
	/* No name: the number. */
	d[0] = 7;
	w = 301;
	memcpy(d + 2, &w, 2);
	v = 3;
	memcpy(d + 4, &v, 4);
	d[8] = 15 | 0xf0; /* st is bits 0-3 only */
	h = 3;
	memcpy(d + 16, &h, 8);
	h = 0x100000007ull; /* not 7: the high half counts */
	memcpy(d + 24, &h, 8);
	expect_json(btf, st, d, 32,
	            "{\"k\":7,\"w\":301,\"in\":{\"phase\":3},\"st\":15,\"h\":3,\"e\":4294967303}",
	            false);
	expect_col(btf, st, &cols[0], d, 32, "7");
	(void)state;
	evbpf__btf_free(btf);
}

/* Table columns: flattened names, widths by type, text of each cell. */
static void test_columns(void **state)
{
	struct btf_builder *b = bb_new();
	uint32_t u32 = add_uint(b, "unsigned int", 4, 0);
	uint32_t u16 = add_uint(b, "unsigned short", 2, 0);
	uint32_t s32 = add_uint(b, "int", 4, BTF_INT_SIGNED);
	uint32_t u64 = add_uint(b, "unsigned long long", 8, 0);
	uint32_t u8 = add_uint(b, "unsigned char", 1, 0);
	uint32_t boolean = add_uint(b, "_Bool", 1, BTF_INT_BOOL);
	uint32_t chr = add_uint(b, "char", 1, BTF_INT_SIGNED);
	uint32_t comm = bb_array(b, chr, u32, 16);
	uint32_t u8t = bb_ref(b, BTF_KIND_TYPEDEF, "__u8", u8);
	uint32_t bytes = bb_array(b, u8t, u32, 4);
	uint32_t e = add_enum(b, "e", 4, 1);
	uint32_t pair, un, rec;
	struct json_btf_col cols[16];
	uint8_t d[48] = {0};
	uint32_t v;
	int n;

	pair = bb_struct(b, "pair", 4, 2);
	bb_member(b, "lo", u16, 0);
	bb_member(b, "hi", u16, 16);
	un = bb_type(b, NULL, BTF_KIND_UNION, 2, 0, 4);
	bb_member(b, "word", u32, 0);
	bb_member(b, "bytes", bytes, 0);
	/* struct rec { u32 pid; struct pair pair; union {word; bytes};
	 * enum e phase; char comm[16]; int bf:3; bool ok; u64 ts; } */
	rec = bb_type(b, "rec", BTF_KIND_STRUCT, 9, 1, 48);
	bb_member(b, "pid", u32, 0);
	bb_member(b, "pair", pair, 32);
	bb_member(b, "", un, 64);
	bb_member(b, "phase", e, 96);
	bb_member(b, "comm", comm, 128);
	bb_member(b, "bf", s32, 256 | 3u << 24);
	bb_member(b, "", s32, 259 | 5u << 24); /* padding: no column */
	bb_member(b, "ok", boolean, 264);
	bb_member(b, "ts", u64, 320);
	struct evbpf_btf *btf = parse(b);

	n = json_btf_columns(btf, rec, cols, 16);
	assert_int_equal(n, 10);
	{
		static const char *const names[] = {"pid",   "pair.lo", "pair.hi", "word", "bytes",
		                                    "phase", "comm",    "bf",      "ok",   "ts"};
		static const unsigned int widths[] = {10, 5, 5, 10, 17, 7, 15, 2, 5, 16};
		static const bool numeric[] = {true,  true,  true, true,  false,
		                               false, false, true, false, true};

		for (int i = 0; i < 10; i++) {
			assert_string_equal(cols[i].name, names[i]);
			assert_int_equal(cols[i].width, widths[i]);
			assert_int_equal(cols[i].numeric, numeric[i]);
		}
	}
	/* The cap: fewer columns than the type has. */
	assert_int_equal(json_btf_columns(btf, rec, cols, 3), 3);
	n = json_btf_columns(btf, rec, cols, 16);
	v = 4711;
	memcpy(d, &v, 4);
	d[4] = 1;
	d[6] = 2;
	v = 0x04030201;
	memcpy(d + 8, &v, 4);
	v = (uint32_t)-2;
	memcpy(d + 12, &v, 4);
	memcpy(d + 16, "tab\there \xc3\xa9\x01", 13);
	d[32] = 5 | 0xf8; /* bf = -3 in bits 0-2; padding after */
	d[33] = 1;
	expect_col(btf, rec, &cols[0], d, 48, "4711");
	expect_col(btf, rec, &cols[1], d, 48, "1");
	expect_col(btf, rec, &cols[2], d, 48, "2");
	expect_col(btf, rec, &cols[3], d, 48, "67305985");
	expect_col(btf, rec, &cols[4], d, 48, "[1,2,3,4]");
	expect_col(btf, rec, &cols[5], d, 48, "E_MINUS");
	expect_col(btf, rec, &cols[6], d, 48, "tab\\there \xc3\xa9\\x01");
	expect_col(btf, rec, &cols[7], d, 48, "-3");
	expect_col(btf, rec, &cols[8], d, 48, "true");
	/* A short record: the members it holds, nothing for the others. */
	expect_col(btf, rec, &cols[0], d, 6, "4711");
	expect_col(btf, rec, &cols[2], d, 6, NULL);
	expect_col(btf, rec, &cols[6], d, 20, "tab\\t");
	expect_col(btf, rec, &cols[7], d, 20, NULL);
	/* A record type that is not a struct: one column "value". */
	n = json_btf_columns(btf, u64, cols, 16);
	assert_int_equal(n, 1);
	assert_string_equal(cols[0].name, "value");
	assert_int_equal(cols[0].width, 16);
	{
		uint64_t ts = 18446744073709551615ull;

		expect_col(btf, u64, &cols[0], &ts, 8, "18446744073709551615");
		expect_col(btf, u64, &cols[0], &ts, 4, NULL);
	}
	assert_int_equal(json_btf_columns(btf, 9999, cols, 16), -EINVAL);
	(void)state;
	evbpf__btf_free(btf);
}

/* Mutated BTF against random records: whatever the parser accepts, the
 * decoder must handle without reading outside the record. */
static void test_mutations(void **state)
{
	struct btf_builder *b = bb_new();
	uint32_t u32 = add_uint(b, "unsigned int", 4, 0);
	uint32_t chr = add_uint(b, "char", 1, BTF_INT_SIGNED);
	uint32_t arr = bb_array(b, chr, u32, 6);
	uint32_t e = add_enum(b, "e", 4, 1);
	uint32_t inner = bb_type(b, "inner", BTF_KIND_STRUCT, 3, 1, 12);
	uint32_t ptr;
	size_t size;
	uint8_t *raw;
	int accepted = 0;

	bb_member(b, "a", u32, 0);
	bb_member(b, "bf", u32, 33 | 7u << 24);
	bb_member(b, "name", arr, 48);
	ptr = bb_ref(b, BTF_KIND_PTR, NULL, inner);
	bb_struct(b, "outer", 24, 3);
	bb_member(b, "in", inner, 0);
	bb_member(b, "e", e, 96);
	bb_member(b, "ptr", ptr, 128);
	raw = bb_finish(b, &size);
	free(b);
	{
		struct evbpf_btf *btf = NULL;

		assert_int_equal(evbpf__btf_parse(raw, size, NULL, &btf), 0);
		evbpf__btf_free(btf);
	}
	srand(12345);
	for (int iter = 0; iter < 3000; iter++) {
		uint8_t *m = malloc(size);
		struct evbpf_btf *btf = NULL;

		memcpy(m, raw, size);
		for (int flips = 1 + rand() % 4; flips > 0; flips--) {
			size_t at = sizeof(struct btf_header) + (size_t)rand() % (size - 24);

			m[at] ^= (uint8_t)(1u << (rand() % 8));
		}
		if (evbpf__btf_parse(m, size, NULL, &btf) == 0) {
			uint32_t cnt = evbpf__btf_type_cnt(btf);

			for (uint32_t id = 0; id < cnt + 2; id++) {
				size_t len = (size_t)rand() % 40;
				uint8_t *rec = malloc(len ? len : 1);
				struct jbuf jb = {0};
				int err;

				for (size_t i = 0; i < len; i++)
					rec[i] = (uint8_t)rand();
				err = json_btf_value_budget(&jb, btf, id, rec, len, 10000, NULL);
				assert_true(err == 0 || err == -EINVAL || err == -E2BIG);
				if (err == 0)
					assert_non_null(jb.p);
				(void)json_btf_guess_record_type(btf, "outers", 0, len, rand() & 1);
				jbuf_free(&jb);
				free(rec);
			}
			evbpf__btf_free(btf);
			accepted++;
		}
		free(m);
	}
	free(raw);
	/* Enough mutants got through the parser to mean something. */
	assert_true(accepted > 100);
	(void)state;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kinds),         cmocka_unit_test(test_int_encodings),
	    cmocka_unit_test(test_deep_nesting),  cmocka_unit_test(test_fan_out),
	    cmocka_unit_test(test_strings),       cmocka_unit_test(test_lookup_and_guess),
	    cmocka_unit_test(test_array_tails),   cmocka_unit_test(test_mutations),
	    cmocka_unit_test(test_multi_strings), cmocka_unit_test(test_fixed_part),
	    cmocka_unit_test(test_enum_sizes),    cmocka_unit_test(test_columns),
	    cmocka_unit_test(test_sibling_span),  cmocka_unit_test(test_columns_fan_out),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
