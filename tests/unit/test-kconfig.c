/* SPDX-License-Identifier: MIT */
/*
 * The .kconfig parser on made-up configs: every extern type (bool,
 * tristate, char, integers of each size and signedness, hex, strings),
 * "is not set", values that do not fit or do not parse, and externs that
 * are missing, weak or not. No kernel: the values are checked in the
 * .kconfig map's initial bytes, at the offsets the object's layout gave.
 */
#include "common.h"
#include "btf_obj.h"

static struct evbpf_object *obj;

static int setup(void **st)
{
	(void)st;
	assert_ok(evbpf_object_open_file(FIXTURE("ext_kconfig.bpf.o"), NULL, &obj));
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	evbpf_object_close(obj);
	obj = NULL;
	return 0;
}

static uint8_t *kdata(void)
{
	struct evbpf_object_btfx *x = obj->btfx;

	assert_true(x->kconfig_map >= 0);
	return obj->maps[x->kconfig_map].init_data;
}

static struct evbpf_extern *ext(const char *name)
{
	struct evbpf_object_btfx *x = obj->btfx;

	for (size_t i = 0; i < x->nr_exts; i++)
		if (!strcmp(x->exts[i].name, name))
			return &x->exts[i];
	fail_msg("no extern %s", name);
	return NULL;
}

static int64_t kval(const char *name)
{
	struct evbpf_extern *e = ext(name);
	int64_t v = 0;

	memcpy(&v, kdata() + e->kcfg_off, e->kcfg_size < 8 ? e->kcfg_size : 8);
	/* Sign-extend signed values narrower than 8 bytes. */
	if (e->kcfg_signed && e->kcfg_size < 8 && (v >> (e->kcfg_size * 8 - 1)) & 1)
		v = (int64_t)((uint64_t)v | (~(uint64_t)0 << (e->kcfg_size * 8)));
	return v;
}

static int apply(const char *config)
{
	char *text = strdup(config);
	int err = evbpf__kconfig_apply(obj, kdata(), text);

	free(text);
	return err;
}

static void test_values(void **st)
{
	(void)st;
	assert_ok(apply("# comment\n"
	                "CONFIG_T_BOOL=y\n"
	                "CONFIG_T_TRI=m\n"
	                "CONFIG_T_CHAR=m\n"
	                "CONFIG_T_U8=200\n"
	                "CONFIG_T_INT=-42\n"
	                "CONFIG_T_U16=65535\n"
	                "CONFIG_T_S64=-9000000000\n"
	                "CONFIG_T_HEX=0xdeadbeefcafe\n"
	                "CONFIG_T_STR=\"abcdefghij\"\n"
	                "# CONFIG_T_NOTSET is not set\n"
	                "CONFIG_UNRELATED=y\n"));
	assert_int_equal(kval("CONFIG_T_BOOL"), 1);
	assert_int_equal(ext("CONFIG_T_BOOL")->kcfg_size, 1);
	assert_int_equal(kval("CONFIG_T_TRI"), 2); /* TRI_MODULE */
	assert_int_equal(kval("CONFIG_T_CHAR"), 'm');
	assert_int_equal(kval("CONFIG_T_U8"), 200);
	assert_int_equal(kval("CONFIG_T_INT"), -42);
	assert_int_equal(kval("CONFIG_T_U16"), 65535);
	assert_int_equal(kval("CONFIG_T_S64"), -9000000000LL);
	assert_int_equal(kval("CONFIG_T_HEX"), 0xdeadbeefcafeULL);
	/* Strings are truncated and always terminated. */
	assert_string_equal((char *)kdata() + ext("CONFIG_T_STR")->kcfg_off, "abcdefg");
	assert_int_equal(kval("CONFIG_T_NOTSET"), 0);
	assert_true(ext("CONFIG_T_NOTSET")->resolved);
	/* Weak and absent: zero, unresolved. */
	assert_int_equal(kval("CONFIG_T_MISSING"), 0);
	assert_false(ext("CONFIG_T_MISSING")->resolved);

	/* Applying another config replaces every value. */
	assert_ok(apply("CONFIG_T_BOOL=n\nCONFIG_T_TRI=y\nCONFIG_T_INT=7\n"));
	assert_int_equal(kval("CONFIG_T_BOOL"), 0);
	assert_int_equal(kval("CONFIG_T_TRI"), 1);
	assert_int_equal(kval("CONFIG_T_INT"), 7);
	assert_int_equal(kval("CONFIG_T_U8"), 0);
}

static void test_layout(void **st)
{
	struct evbpf_object_btfx *x;
	uint32_t end = 0;

	(void)st;
	x = obj->btfx;
	/* Every value at its natural alignment, inside the map, no overlap. */
	for (size_t i = 0; i < x->nr_exts; i++) {
		struct evbpf_extern *a = &x->exts[i];

		if (a->type != EVBPF_EXT_KCFG)
			continue;
		if (a->kcfg_type == EVBPF_KCFG_INT)
			assert_int_equal(a->kcfg_off % a->kcfg_size, 0);
		for (size_t j = 0; j < x->nr_exts; j++) {
			struct evbpf_extern *b = &x->exts[j];

			if (j == i || b->type != EVBPF_EXT_KCFG)
				continue;
			assert_true(a->kcfg_off + a->kcfg_size <= b->kcfg_off ||
			            b->kcfg_off + b->kcfg_size <= a->kcfg_off);
		}
		if (a->kcfg_off + a->kcfg_size > end)
			end = a->kcfg_off + a->kcfg_size;
	}
	assert_true(end <= evbpf_map_value_size(evbpf_object_find_map(obj, ".kconfig")));
	assert_true(evbpf_map_flags(evbpf_object_find_map(obj, ".kconfig")) & BPF_F_RDONLY_PROG);
}

static void test_bad_values(void **st)
{
	(void)st;
	assert_int_equal(apply("CONFIG_T_BOOL=m\n"), -EINVAL); /* a bool cannot be a module */
	assert_non_null(strstr(evbpf_errmsg(), "CONFIG_T_BOOL"));
	assert_int_equal(apply("CONFIG_T_BOOL=1\n"), -EINVAL);
	assert_int_equal(apply("CONFIG_T_TRI=\"y\"\n"), -EINVAL);
	assert_int_equal(apply("CONFIG_T_U16=65536\n"), -ERANGE);
	assert_int_equal(apply("CONFIG_T_U8=-1\n"), -EINVAL);
	assert_int_equal(apply("CONFIG_T_INT=2147483648\n"), -ERANGE);
	assert_int_equal(apply("CONFIG_T_INT=12abc\n"), -EINVAL);
	assert_int_equal(apply("CONFIG_T_INT=\n"), -EINVAL);
	assert_int_equal(apply("CONFIG_T_STR=unquoted\n"), -EINVAL);
	assert_int_equal(apply("CONFIG_T_HEX=99999999999999999999999\n"), -ERANGE);
	/* A non-weak extern the config does not set. */
	ext("CONFIG_T_MISSING")->weak = false;
	assert_int_equal(apply("CONFIG_T_BOOL=y\n"), -ESRCH);
	assert_non_null(strstr(evbpf_errmsg(), "CONFIG_T_MISSING"));
	/* ...but "is not set" for an int is not a value either. */
	assert_int_equal(apply("# CONFIG_T_MISSING is not set\n"), -ESRCH);
	assert_ok(apply("CONFIG_T_MISSING=3\n"));
	assert_int_equal(kval("CONFIG_T_MISSING"), 3);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
