/* SPDX-License-Identifier: MIT */
/*
 * evbpf run's record type guessing on an object built on vmlinux.h: the
 * record struct shares its size with kernel structs, so neither the
 * map's name nor the size decides; the struct a global variable refers to
 * does. No kernel needed: the object's BTF is read, nothing is loaded.
 */
#include "common.h"

#include "internal.h"
#include "../../tools/json_btf.c"

static void test_guess_by_global_reference(void **st)
{
	struct evbpf_object *obj;
	uint32_t id, cnt, same_size = 0;
	int event_id;

	(void)st;
	assert_ok(evbpf_object_open_file(FIXTURE("run_vmlinux.bpf.o"), NULL, &obj));
	assert_non_null(obj->btf);
	event_id = evbpf__btf_find(obj->btf, "event", BTF_KIND_STRUCT);
	assert_true(event_id > 0);
	/* The premise: the size alone is ambiguous. */
	cnt = evbpf__btf_type_cnt(obj->btf);
	for (id = 1; id < cnt; id++) {
		const struct btf_type *t = evbpf__btf_type(obj->btf, id);

		if (evbpf__btf_kind(t) == BTF_KIND_STRUCT && t->size == 48)
			same_size++;
	}
	assert_true(same_size >= 2);
	assert_int_equal(json_btf_guess_record_type(obj->btf, "rb", 0, 48, false),
			 (uint32_t)event_id);
	/* A size nothing global refers to stays unknown. */
	assert_int_equal(json_btf_guess_record_type(obj->btf, "rb", 0, 40, false), 0);
	evbpf_object_close(obj);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guess_by_global_reference),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
