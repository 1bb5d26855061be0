/* SPDX-License-Identifier: MIT */
/*
 * Loads that must fail, and what they must say (tests/bpf/messages.bpf.c):
 * each message names the program and the real cause, where a bare errno
 * or a wrong guess (a missing kfunc, a blocked trampoline, the wrong
 * CO-RE guard) would send the user the wrong way.
 */
#include "common.h"

/* Open messages.bpf.o with only `name` to be loaded, and load it. */
static int load_only(struct obj_state *s, const char *name)
{
	struct evbpf_program *p = NULL;

	assert_ok(evbpf_object_open_file(FIXTURE("messages.bpf.o"), NULL, &s->obj));
	while ((p = evbpf_object_next_program(s->obj, p)))
		assert_ok(evbpf_program_set_autoload(p, !strcmp(evbpf_program_name(p), name)));
	return evbpf_object_load(s->obj);
}

static void test_extern_function_of_another_object(void **st)
{
	REQUIRE_FEATURE(EVBPF_FEATURE_VMLINUX_BTF);
	assert_int_equal(load_only(*st, "calls_other_object"), -ESRCH);
	assert_non_null(strstr(evbpf_errmsg(), "'evbpf_defined_elsewhere'"));
	assert_non_null(strstr(evbpf_errmsg(), "another object"));
	assert_null(strstr(evbpf_errmsg(), "kfunc 'evbpf"));
}

static void test_freplace_without_target(void **st)
{
	REQUIRE_KERNEL();
	assert_int_equal(load_only(*st, "replaces_nothing"), -EINVAL);
	assert_non_null(strstr(evbpf_errmsg(), "prog 'replaces_nothing'"));
	assert_non_null(strstr(evbpf_errmsg(), "evbpf_program_set_attach_target"));
	assert_null(strstr(evbpf_errmsg(), "trampoline"));
}

static void test_core_enum_hint(void **st)
{
	REQUIRE_FEATURE(EVBPF_FEATURE_VMLINUX_BTF);
	assert_true(load_only(*st, "unguarded_enum") < 0);
	assert_non_null(strstr(evbpf_errmsg(), "bpf_core_enum_value_exists()"));
	assert_null(strstr(evbpf_errmsg(), "bpf_core_field_exists()"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_extern_function_of_another_object, obj_state_setup,
	                                    obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_freplace_without_target, obj_state_setup,
	                                    obj_state_teardown),
	    cmocka_unit_test_setup_teardown(test_core_enum_hint, obj_state_setup,
	                                    obj_state_teardown),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
