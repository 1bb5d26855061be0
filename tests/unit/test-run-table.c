/* SPDX-License-Identifier: MIT */
/*
 * The table output of `evbpf run` (tools/run_table.c) on BTF built in
 * memory, at a fixed time in a fixed time zone: the header, column widths
 * and alignment, text cut with a mark but never the last column, '-' for
 * members a short record lacks, hex records, the MAP column, the header
 * printed again when the layout changes, and the ISO 8601 time of JSON
 * lines.
 */
#include "common.h"
#include "elf_builder.h"

#include "internal.h"
#include "../../tools/json_btf.c"
#include "../../tools/run_table.c"

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

static uint32_t add_uint(struct btf_builder *b, const char *name, uint32_t size, uint32_t enc)
{
	uint32_t id = bb_type(b, name, BTF_KIND_INT, 0, 0, size);

	bb_u32(b, BB_INT_ENC(enc, 0, size * 8));
	return id;
}

/* 1970-01-02 03:04:05.123456789 UTC */
static const struct timespec when = {.tv_sec = 86400 + 3 * 3600 + 4 * 60 + 5, .tv_nsec = 123456789};

static int setup_utc(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

/* struct ev { u32 pid; char comm[16]; enum e phase; char tag[8];
 *	char path[32]; }: widths 10, 15, 7 ("E_MINUS"), 7, 24 (last). */
static struct evbpf_btf *event_btf(uint32_t *ev)
{
	struct btf_builder *b = bb_new();
	uint32_t u32 = add_uint(b, "unsigned int", 4, 0);
	uint32_t chr = add_uint(b, "char", 1, BTF_INT_SIGNED);
	uint32_t comm = bb_array(b, chr, u32, 16);
	uint32_t tag = bb_array(b, chr, u32, 8);
	uint32_t path = bb_array(b, chr, u32, 32);
	uint32_t e = bb_type(b, "e", BTF_KIND_ENUM, 2, 0, 4);

	bb_u32(b, bb_str(b, "E_ONE"));
	bb_u32(b, 1);
	bb_u32(b, bb_str(b, "E_MINUS"));
	bb_u32(b, (uint32_t)-2);
	*ev = bb_struct(b, "ev", 64, 5);
	bb_member(b, "pid", u32, 0);
	bb_member(b, "comm", comm, 32);
	bb_member(b, "phase", e, 160);
	bb_member(b, "tag", tag, 192);
	bb_member(b, "path", path, 256);
	return parse(b);
}

static void fill_event(uint8_t *d, uint32_t pid, const char *comm, uint32_t phase, const char *tag,
                       const char *path)
{
	memset(d, 0, 64);
	memcpy(d, &pid, 4);
	memcpy(d + 4, comm, strlen(comm));
	memcpy(d + 20, &phase, 4);
	memcpy(d + 24, tag, strlen(tag) < 8 ? strlen(tag) : 8);
	memcpy(d + 32, path, strlen(path) < 32 ? strlen(path) : 32);
}

static void test_rows(void **state)
{
	uint32_t ev;
	struct evbpf_btf *btf = event_btf(&ev);
	struct run_table *t = run_table_new(false);
	struct jbuf out = {0};
	const char *map = "events";
	uint8_t d[64];

	(void)state;
	assert_non_null(t);
	fill_event(d, 4711, "bash", 1, "abcdefgh", "/a/very/long/path/that/is/longer");
	assert_int_equal(run_table_row(t, &out, map, btf, ev, d, sizeof(d), &when), 0);
	/* Header once; PID right-aligned; "abcdefgh" cut to 7 columns with
	 * the mark; the last column whole, past its width. */
	assert_string_equal(out.p, "TIME            PID COMM            PHASE   TAG     PATH\n"
	                           "03:04:05       4711 bash            E_ONE   abcdef~ "
	                           "/a/very/long/path/that/is/longer\n");
	jbuf_reset(&out);
	/* Same layout: no header. UTF-8 pads by characters, not bytes; an
	 * enum value without a name prints its number. */
	fill_event(d, 1, "h\xc3\xa9llo", 77, "", "/");
	assert_int_equal(run_table_row(t, &out, map, btf, ev, d, sizeof(d), &when), 0);
	assert_string_equal(out.p,
	                    "03:04:05          1 h\xc3\xa9llo           77              /\n");
	jbuf_reset(&out);
	/* A record that ends inside comm: the part there, then '-'. */
	fill_event(d, 2, "sh", (uint32_t)-2, "t", "p");
	assert_int_equal(run_table_row(t, &out, map, btf, ev, d, 7, &when), 0);
	assert_string_equal(out.p, "03:04:05          2 sh              -       -       -\n");
	jbuf_reset(&out);
	/* No type: the bytes in hex under DATA, after a new header. */
	assert_int_equal(run_table_row(t, &out, map, btf, 0, "\x01\x02\xff", 3, &when), 0);
	assert_string_equal(out.p, "TIME     DATA\n"
	                           "03:04:05 0102ff\n");
	jbuf_reset(&out);
	/* Back to the type: its header again. */
	fill_event(d, 3, "x", (uint32_t)-2, "", "");
	assert_int_equal(run_table_row(t, &out, map, btf, ev, d, sizeof(d), &when), 0);
	assert_string_equal(out.p, "TIME            PID COMM            PHASE   TAG     PATH\n"
	                           "03:04:05          3 x               E_MINUS         \n");
	jbuf_free(&out);
	run_table_free(t);
	evbpf__btf_free(btf);
}

/* Records of several maps: a MAP column, and each map its header. */
static void test_map_column(void **state)
{
	uint32_t ev;
	struct evbpf_btf *btf = event_btf(&ev);
	struct run_table *t = run_table_new(true);
	struct jbuf out = {0};
	uint64_t v = 42;
	uint8_t d[64];

	(void)state;
	assert_non_null(t);
	fill_event(d, 5, "cat", 1, "", "/etc");
	assert_int_equal(run_table_row(t, &out, "events", btf, ev, d, sizeof(d), &when), 0);
	assert_int_equal(run_table_row(t, &out, "pb", btf, 0, &v, sizeof(v), &when), 0);
	assert_int_equal(run_table_row(t, &out, "pb", btf, 0, &v, sizeof(v), &when), 0);
	assert_string_equal(out.p,
	                    "TIME     MAP           PID COMM            PHASE   TAG     PATH\n"
	                    "03:04:05 events          5 cat             E_ONE           /etc\n"
	                    "TIME     MAP DATA\n"
	                    "03:04:05 pb  2a00000000000000\n"
	                    "03:04:05 pb  2a00000000000000\n");
	jbuf_free(&out);
	run_table_free(t);
	/* More layouts than the cache holds: each still gets its header. */
	t = run_table_new(true);
	assert_non_null(t);
	{
		static const char *const maps[] = {"m0", "m1", "m2", "m3", "m4",
		                                   "m5", "m6", "m7", "m8", "m9"};
		int headers = 0;

		for (int round = 0; round < 2; round++)
			for (int i = 0; i < 10; i++) {
				jbuf_reset(&out);
				assert_int_equal(
				    run_table_row(t, &out, maps[i], btf, 0, &v, 1, &when), 0);
				headers += !strncmp(out.p, "TIME", 4);
				assert_non_null(strstr(out.p, maps[i]));
			}
		assert_int_equal(headers, 20);
	}
	jbuf_free(&out);
	run_table_free(t);
	evbpf__btf_free(btf);
}

static void test_iso8601(void **state)
{
	char buf[64];

	(void)state;
	run_format_iso8601(&when, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-02T03:04:05.123456+00:00");
	/* POSIX TZ: "UTC-2" is two hours east of UTC. */
	setenv("TZ", "UTC-2", 1);
	tzset();
	run_format_iso8601(&when, buf, sizeof(buf));
	assert_string_equal(buf, "1970-01-02T05:04:05.123456+02:00");
	setenv("TZ", "UTC", 1);
	tzset();
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_rows, setup_utc),
	    cmocka_unit_test_setup(test_map_column, setup_utc),
	    cmocka_unit_test_setup(test_iso8601, setup_utc),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
