/* SPDX-License-Identifier: MIT */
/*
 * USDT: programs written against libbpf's <bpf/usdt.bpf.h>
 * (tests/bpf/usdt.bpf.c) on the <sys/sdt.h> probes of a test executable
 * and a test shared library (tests/usdt/). The target process is started
 * first and waits; the object is loaded with its pid as target_tgid,
 * attached, and the target fires every probe N times. What the BPF side
 * read through bpf_usdt_arg(), bpf_usdt_arg_cnt() and bpf_usdt_cookie()
 * is compared with the values the target passed.
 *
 * Runs wherever uprobes exist: with BPF cookies (5.15+) the spec id is
 * the cookie; on older kernels (5.10) it is found by the site's address,
 * and shared libraries need a pid.
 */
#include <stdlib.h>

#include "common.h"
#include "usdt/target_fixture.h"

#include "internal.h"

#define ROUNDS 3
#define NSLOTS 16

struct rec {
	uint64_t calls;
	int64_t arg_cnt;
	int64_t args[6];
	int64_t err_past_end;
	int64_t cookie;
};

/* Start the target, then open and load the object for its pid, with
 * room for max_specs spec ids (0: usdt.bpf.h's default). */
static void start_specs(struct state *s, uint32_t max_specs)
{
	uint32_t tgid;

	REQUIRE_FEATURE(EVBPF_FEATURE_UPROBE);
	assert_int_equal(target_start(&s->t, ROUNDS), 0);
	tgid = (uint32_t)s->t.pid;
	assert_ok(evbpf_object_open_file(FIXTURE("usdt.bpf.o"), NULL, &s->obj));
	assert_ok(evbpf_object_set_global(s->obj, "target_tgid", &tgid, sizeof(tgid)));
	if (max_specs)
		assert_ok(evbpf_map_set_max_entries(
		    evbpf_object_find_map(s->obj, "__bpf_usdt_specs"), max_specs));
	assert_ok(evbpf_object_load(s->obj));
}

static void start(struct state *s)
{
	start_specs(s, 0);
}

static struct evbpf_program *prog(struct state *s, const char *name)
{
	struct evbpf_program *p = evbpf_object_find_program(s->obj, name);

	assert_non_null(p);
	return p;
}

static struct rec rec(struct state *s, uint32_t slot)
{
	struct rec r;

	assert_ok(evbpf_map_lookup(evbpf_object_find_map(s->obj, "recs"), &slot, &r));
	return r;
}

static void attach(struct state *s, int i, int pid, const char *path, const char *provider,
                   const char *name, uint64_t cookie)
{
	struct evbpf_usdt_opts o = {.sz = sizeof(o), .cookie = cookie};

	assert_ok(evbpf_program_attach_usdt(prog(s, "on_usdt"), pid, path, provider, name, &o,
	                                    &s->links[i]));
	assert_string_equal(evbpf_link_kind(s->links[i]), "usdt");
}

/* The executable's notes hold one probe of each operand kind: checked
 * here so that the values below test what they claim to. */
static void check_spec_kinds(void)
{
	static const struct {
		const char *name;
		enum evbpf_usdt_arg_type type;
	} want[] = {{"consts", EVBPF_USDT_ARG_CONST},
	            {"regs", EVBPF_USDT_ARG_REG},
	            {"mem", EVBPF_USDT_ARG_REG_DEREF}};
	struct evbpf_usdt_note *notes;
	struct evbpf_uelf f;
	size_t n;

	assert_ok(evbpf__uelf_open(EVBPF_TEST_USDT_TARGET, &f));
	assert_ok(evbpf__usdt_notes(&f, &notes, &n));
	for (size_t w = 0; w < EVBPF_ARRAY_SIZE(want); w++) {
		bool found = false;

		for (size_t i = 0; i < n; i++) {
			struct evbpf_usdt_spec spec;

			if (strcmp(notes[i].provider, "usdt_test") ||
			    strcmp(notes[i].name, want[w].name))
				continue;
			found = true;
			assert_ok(evbpf__usdt_parse_args(notes[i].args, &spec));
			assert_int_equal(spec.arg_cnt, 4);
			for (int a = 0; a < spec.arg_cnt; a++)
				assert_int_equal(spec.args[a].type, want[w].type);
		}
		assert_true(found);
	}
	free(notes);
	evbpf__uelf_close(&f);
}

static void test_args_every_kind(void **st)
{
	struct state *s = *st;
	const long last = ROUNDS - 1;
	struct rec r;

	SKIP_UNDER_VALGRIND("the target runs under valgrind's translation too");
	check_spec_kinds();
	start(s);
	attach(s, 0, s->t.pid, EVBPF_TEST_USDT_TARGET, "usdt_test", "consts", 1);
	attach(s, 1, s->t.pid, EVBPF_TEST_USDT_TARGET, "usdt_test", "regs", 2);
	attach(s, 2, s->t.pid, EVBPF_TEST_USDT_TARGET, "usdt_test", "mem", 3);
	assert_int_equal(target_run(&s->t), 0);

	r = rec(s, 1); /* -9, 42, (unsigned char)200, 0x123456789a */
	assert_int_equal(r.calls, ROUNDS);
	assert_int_equal(r.arg_cnt, 4);
	assert_int_equal(r.cookie, 1);
	assert_int_equal(r.args[0], -9);
	assert_int_equal(r.args[1], 42);
	assert_int_equal(r.args[2], 200);
	assert_int_equal(r.args[3], 0x123456789aLL);
	assert_int_equal(r.err_past_end, -ENOENT);

	r = rec(s, 2); /* registers: long, int, short, unsigned char */
	assert_int_equal(r.calls, ROUNDS);
	assert_int_equal(r.cookie, 2);
	assert_int_equal(r.args[0], last * 1000 + 7);
	assert_int_equal(r.args[1], -last - 5);
	assert_int_equal(r.args[2], -300 - last);
	assert_int_equal(r.args[3], 250 + last);

	r = rec(s, 3); /* memory: long, int, short, signed char */
	assert_int_equal(r.calls, ROUNDS);
	assert_int_equal(r.cookie, 3);
	assert_int_equal(r.args[0], last * 100000000000L + 3);
	assert_int_equal(r.args[1], last - 100000);
	assert_int_equal(r.args[2], last + 30000);
	assert_int_equal(r.args[3], -100 - last);
	/* The probes were not enabled through semaphores. */
	assert_int_equal(s->t.sema, 0);
}

static void test_semaphore(void **st)
{
	struct state *s = *st;
	struct rec r;

	SKIP_UNDER_VALGRIND("the target runs under valgrind's translation too");
	start(s);
	attach(s, 0, s->t.pid, EVBPF_TEST_USDT_TARGET, "usdt_test", "sema", 4);
	assert_int_equal(target_run(&s->t), 0);
	assert_true(s->t.sema >= 1); /* raised by the uprobe's reference counter */
	r = rec(s, 4);
	assert_int_equal(r.calls, ROUNDS);
	assert_int_equal(r.arg_cnt, 2);
	assert_int_equal(r.args[0], ROUNDS - 1);
	assert_int_equal(r.args[1], 2 * (ROUNDS - 1));

	/* Detached, a new process sees the semaphore at 0 and skips it. */
	assert_ok(evbpf_link_destroy(s->links[0]));
	s->links[0] = NULL;
	assert_int_equal(target_start(&s->t, ROUNDS), 0);
	assert_int_equal(target_run(&s->t), 0);
	assert_int_equal(s->t.sema, 0);
}

static void test_shared_library(void **st)
{
	struct state *s = *st;
	struct rec r;

	SKIP_UNDER_VALGRIND("the target runs under valgrind's translation too");
	/* The library by name, found through LD_LIBRARY_PATH. */
	setenv("LD_LIBRARY_PATH", EVBPF_TEST_USDT_LIB_DIR, 1);
	start(s);
	attach(s, 0, s->t.pid, "libevbpf_usdt_lib.so", "usdt_lib", "lib", 5);
	attach(s, 1, s->t.pid, "libevbpf_usdt_lib.so", "usdt_lib", "lib_sema", 6);
	assert_int_equal(target_run(&s->t), 0);
	assert_true(s->t.lib_sema >= 1);
	r = rec(s, 5);
	assert_int_equal(r.calls, ROUNDS);
	assert_int_equal(r.arg_cnt, 3);
	assert_int_equal(r.args[0], ROUNDS - 1);
	assert_int_equal(r.args[1], -(ROUNDS - 1));
	assert_int_equal(r.args[2], 0x7000000000L + ROUNDS - 1);
	r = rec(s, 6);
	assert_int_equal(r.calls, ROUNDS);
	assert_int_equal(r.arg_cnt, 1);
	assert_int_equal(r.args[0], 500 + ROUNDS - 1);
}

static void test_by_section(void **st)
{
	struct state *s = *st;
	const long last = ROUNDS - 1;
	bool cookies = evbpf__has_bpf_cookie();
	struct rec r;
	int err;

	SKIP_UNDER_VALGRIND("the target runs under valgrind's translation too");
	setenv("LD_LIBRARY_PATH", EVBPF_TEST_USDT_LIB_DIR, 1);
	start(s);
	/* The fixed-address executable works in every process everywhere. */
	assert_ok(evbpf_program_attach(prog(s, "regs_by_section"), &s->links[0]));
	err = evbpf_program_attach(prog(s, "lib_by_section"), &s->links[1]);
	if (cookies) {
		assert_ok(err);
	} else {
		/* Without cookies a library's sites have no address without a pid. */
		assert_int_equal(err, -ENOTSUP);
		assert_non_null(strstr(evbpf_errmsg(), "give a pid"));
		assert_null(s->links[1]);
	}
	assert_int_equal(target_run(&s->t), 0);
	r = rec(s, 14);
	assert_int_equal(r.calls, ROUNDS);
	assert_int_equal(r.args[0], last * 1000 + 7);
	assert_int_equal(r.args[1], -last - 5);
	assert_int_equal(r.args[2], -300 - last);
	assert_int_equal(r.args[3], 250 + last);
	r = rec(s, 15);
	assert_int_equal(r.calls, cookies ? ROUNDS : 0);
	if (cookies)
		assert_int_equal(r.args[2], 0x7000000000L + last);
}

/* Spec ids and address entries come back when links go: with two spec
 * ids, a third probe waits for one of the first two to be detached, and
 * attaching and detaching more often than there are ids keeps working. */
static void test_spec_ids_recycled(void **st)
{
	struct state *s = *st;
	struct evbpf_link *link = NULL;
	struct rec r;

	SKIP_UNDER_VALGRIND("the target runs under valgrind's translation too");
	start_specs(s, 2);
	attach(s, 0, s->t.pid, EVBPF_TEST_USDT_TARGET, "usdt_test", "consts", 1);
	attach(s, 1, s->t.pid, EVBPF_TEST_USDT_TARGET, "usdt_test", "regs", 2);
	assert_int_equal(evbpf_program_attach_usdt(prog(s, "on_usdt"), s->t.pid,
	                                           EVBPF_TEST_USDT_TARGET, "usdt_test", "mem", NULL,
	                                           &link),
	                 -ENOSPC);
	assert_non_null(strstr(evbpf_errmsg(), "BPF_USDT_MAX_SPEC_CNT"));
	assert_null(link);
	for (int i = 0; i < 5; i++) {
		assert_ok(evbpf_link_destroy(s->links[1]));
		attach(s, 1, s->t.pid, EVBPF_TEST_USDT_TARGET, "usdt_test", i % 2 ? "regs" : "mem",
		       3);
	}
	/* The last one (mem, cookie 3) fires with its own spec. */
	assert_int_equal(target_run(&s->t), 0);
	r = rec(s, 3);
	assert_int_equal(r.calls, ROUNDS);
	assert_int_equal(r.args[0], (ROUNDS - 1) * 100000000000L + 3);
	assert_int_equal(rec(s, 1).calls, ROUNDS);
	assert_int_equal(rec(s, 2).calls, 0);
}

static void test_errors(void **st)
{
	struct state *s = *st;
	struct evbpf_link *link = NULL;
	struct evbpf_object *other;
	struct evbpf_usdt_opts bad = {0};

	start(s);
	assert_int_equal(evbpf_program_attach_usdt(prog(s, "on_usdt"), s->t.pid,
	                                           EVBPF_TEST_USDT_TARGET, "usdt_test", "nope",
	                                           NULL, &link),
	                 -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), "usdt_test:nope"));
	assert_int_equal(evbpf_program_attach_usdt(prog(s, "on_usdt"), s->t.pid, "/nonexistent/x",
	                                           "p", "n", NULL, &link),
	                 -ENOENT);
	assert_int_equal(evbpf_program_attach_usdt(prog(s, "on_usdt"), s->t.pid,
	                                           EVBPF_TEST_USDT_TARGET, NULL, "n", NULL, &link),
	                 -EINVAL);
	assert_int_equal(evbpf_program_attach_usdt(prog(s, "on_usdt"), s->t.pid,
	                                           EVBPF_TEST_USDT_TARGET, "usdt_test", "regs",
	                                           &bad, &link),
	                 -EINVAL);
	/* A file without notes (a BPF object is no executable at all). */
	assert_true(evbpf_program_attach_usdt(prog(s, "on_usdt"), s->t.pid, FIXTURE("usdt.bpf.o"),
	                                      "p", "n", NULL, &link) < 0);
	/* A bare SEC("usdt") cannot attach by section. */
	assert_int_equal(evbpf_program_attach(prog(s, "on_usdt"), &link), -ENOTSUP);
	assert_non_null(strstr(evbpf_errmsg(), "evbpf_program_attach_usdt"));
	assert_null(link);

	/* An object without usdt.bpf.h's maps. */
	assert_ok(evbpf_object_open_file(FIXTURE("attach_trace.bpf.o"), NULL, &other));
	assert_ok(evbpf_program_load(evbpf_object_find_program(other, "on_uprobe")));
	assert_int_equal(evbpf_program_attach_usdt(evbpf_object_find_program(other, "on_uprobe"),
	                                           s->t.pid, EVBPF_TEST_USDT_TARGET, "usdt_test",
	                                           "regs", NULL, &link),
	                 -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), "__bpf_usdt_specs"));
	evbpf_object_close(other);
	assert_null(link);
}

/* A link outlives its object: destroying it after the close is safe. */
static void test_link_outlives_object(void **st)
{
	struct state *s = *st;

	SKIP_UNDER_VALGRIND("the target runs under valgrind's translation too");
	start(s);
	attach(s, 0, s->t.pid, EVBPF_TEST_USDT_TARGET, "usdt_test", "sema", 4);
	evbpf_object_close(s->obj);
	s->obj = NULL;
	assert_int_equal(target_run(&s->t), 0);
	assert_true(s->t.sema >= 1);
	assert_ok(evbpf_link_destroy(s->links[0]));
	s->links[0] = NULL;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_args_every_kind, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_semaphore, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_shared_library, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_by_section, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_spec_ids_recycled, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_link_outlives_object, setup, teardown),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
