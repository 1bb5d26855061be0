/* SPDX-License-Identifier: MIT */
/*
 * Multi-attach probes (tests/bpf/multi.bpf.c): kprobe.multi,
 * kretprobe.multi and kprobe.session on the kernel's nanosleep path
 * (Linux 5.18 with CONFIG_FPROBE, sessions 6.10: the 6.12 guest of the
 * matrix), and uprobe.multi, uretprobe.multi and uprobe.session on the
 * functions of the test executable tests/usdt/usdt_target (6.6, sessions
 * 6.13: the host). Each test names the facility it needs and skips with
 * the probe's reason where the kernel lacks it; counts are exact, since
 * the programs count only the process under test.
 */
#include <stdlib.h>
#include <time.h>

#include "common.h"
#include "usdt/target_fixture.h"

#include "internal.h"

#define ROUNDS 3

enum { C_KMULTI, C_KRETMULTI, C_KSESSION, C_UMULTI, C_URETMULTI, C_USESSION, C_KLIST, C_USEC };

static void open_for(struct state *s, uint32_t tgid)
{
	assert_ok(evbpf_object_open_file(FIXTURE("multi.bpf.o"), NULL, &s->obj));
	assert_ok(evbpf_object_set_global(s->obj, "target_tgid", &tgid, sizeof(tgid)));
}

static struct evbpf_program *load(struct state *s, const char *name)
{
	struct evbpf_program *p = evbpf_object_find_program(s->obj, name);

	assert_non_null(p);
	assert_ok(evbpf_program_load(p));
	return p;
}

static uint64_t count(struct state *s, uint32_t idx)
{
	uint64_t v = 0;

	assert_ok(evbpf_map_lookup(evbpf_object_find_map(s->obj, "counts"), &idx, &v));
	return v;
}

static uint64_t by_cookie(struct state *s, uint64_t cookie)
{
	uint64_t v = 0;
	int err = evbpf_map_lookup(evbpf_object_find_map(s->obj, "by_cookie"), &cookie, &v);

	return err == -ENOENT ? 0 : v;
}

static void sleep_rounds(void)
{
	for (int i = 0; i < ROUNDS; i++)
		nanosleep(&(struct timespec){0, 1000}, NULL);
}

/* ---------------------------------------------------------------- kprobes */

static void test_kprobe_multi_glob(void **st)
{
	struct state *s = *st;

	REQUIRE_FEATURE(EVBPF_FEATURE_KPROBE_MULTI);
	open_for(s, (uint32_t)getpid());
	assert_ok(evbpf_program_attach(load(s, "kmulti"), &s->links[0]));
	assert_string_equal(evbpf_link_kind(s->links[0]), "kprobe_multi");
	assert_ok(evbpf_program_attach(load(s, "kretmulti"), &s->links[1]));
	sleep_rounds();
	assert_int_equal(count(s, C_KMULTI), ROUNDS);
	assert_int_equal(count(s, C_KRETMULTI), ROUNDS);
	/* Detached, nothing more is counted. */
	assert_ok(evbpf_link_destroy(s->links[0]));
	s->links[0] = NULL;
	sleep_rounds();
	assert_int_equal(count(s, C_KMULTI), ROUNDS);
	assert_int_equal(count(s, C_KRETMULTI), 2 * ROUNDS);
}

/* A list of names with a cookie each, then the same by address. */
static void test_kprobe_multi_list_cookies(void **st)
{
	static const char *const syms[] = {"hrtimer_nanosleep", "do_nanosleep"};
	static const uint64_t cookies[] = {11, 22};
	struct state *s = *st;
	struct evbpf_kprobe_multi_opts o = {
	    .sz = sizeof(o), .syms = syms, .cookies = cookies, .cnt = 2};
	unsigned long long addr = 0;
	char line[512], name[256], type;
	FILE *ks;

	REQUIRE_FEATURE(EVBPF_FEATURE_KPROBE_MULTI);
	open_for(s, (uint32_t)getpid());
	assert_ok(evbpf_program_attach_kprobe_multi(load(s, "klist"), &o, &s->links[0]));
	sleep_rounds();
	assert_int_equal(by_cookie(s, 11), ROUNDS);
	assert_int_equal(by_cookie(s, 22), ROUNDS);
	assert_int_equal(count(s, C_KLIST), 2 * ROUNDS);
	assert_ok(evbpf_link_destroy(s->links[0]));
	s->links[0] = NULL;

	ks = fopen("/proc/kallsyms", "r");
	assert_non_null(ks);
	while (!addr && fgets(line, sizeof(line), ks))
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 ||
		    strcmp(name, "hrtimer_nanosleep") != 0)
			addr = 0;
	fclose(ks);
	assert_true(addr != 0);
	o.syms = NULL;
	o.addrs = (const uint64_t *)&addr;
	o.cookies = (const uint64_t[]){33};
	o.cnt = 1;
	assert_ok(evbpf_program_attach_kprobe_multi(evbpf_object_find_program(s->obj, "klist"), &o,
	                                            &s->links[0]));
	sleep_rounds();
	assert_int_equal(by_cookie(s, 33), ROUNDS);
}

static void test_kprobe_session(void **st)
{
	struct state *s = *st;

	REQUIRE_FEATURE(EVBPF_FEATURE_KPROBE_SESSION);
	open_for(s, (uint32_t)getpid());
	assert_ok(evbpf_program_attach(load(s, "ksession"), &s->links[0]));
	sleep_rounds();
	/* The entry returns 0, so the program runs again at return. */
	assert_int_equal(count(s, C_KSESSION), 2 * ROUNDS);
}

static void test_kprobe_multi_errors(void **st)
{
	struct state *s = *st;
	struct evbpf_kprobe_multi_opts o = {.sz = sizeof(o)};
	struct evbpf_program *p;
	int have;

	REQUIRE_KERNEL();
	have = evbpf_probe_feature(EVBPF_FEATURE_KPROBE_MULTI);
	assert_true(have >= 0);
	open_for(s, (uint32_t)getpid());
	/* klist calls bpf_get_attach_cookie(), which kernels without
	 * multi-kprobes may lack too. */
	p = load(s, have ? "klist" : "kmulti");
	if (!have) {
		/* The kernel lacks them: the error says so, with the reason. */
		o.pattern = "hrtimer_nanosleep";
		assert_int_equal(evbpf_program_attach_kprobe_multi(p, &o, &s->links[0]),
		                 -EOPNOTSUPP);
		assert_non_null(strstr(evbpf_errmsg(), "lacks"));
		assert_non_null(strstr(evbpf_errmsg(), "kprobe_multi"));
		return;
	}
	o.pattern = "evbpf_no_such_function_*";
	assert_int_equal(evbpf_program_attach_kprobe_multi(p, &o, &s->links[0]), -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), "matches no function"));
	o.pattern = "hrtimer_nanosleep";
	o.cookies = (const uint64_t[]){1};
	assert_int_equal(evbpf_program_attach_kprobe_multi(p, &o, &s->links[0]), -EINVAL);
	o.cookies = NULL;
	o.syms = (const char *const[]){"hrtimer_nanosleep"};
	assert_int_equal(evbpf_program_attach_kprobe_multi(p, &o, &s->links[0]), -EINVAL);
	o.pattern = NULL;
	o.cnt = 0;
	assert_int_equal(evbpf_program_attach_kprobe_multi(p, &o, &s->links[0]), -EINVAL);
	assert_int_equal(evbpf_program_attach_kprobe_multi(p, NULL, &s->links[0]), -EINVAL);
	/* klist has no target in its section. */
	assert_int_equal(evbpf_program_attach(p, &s->links[0]), -ENOTSUP);
	assert_null(s->links[0]);
}

/* ---------------------------------------------------------------- uprobes */

static void start_target(struct state *s)
{
	assert_int_equal(target_start(&s->t, ROUNDS), 0);
	open_for(s, (uint32_t)s->t.pid);
}

static void test_uprobe_multi(void **st)
{
	static const char *const two[] = {"evbpf_umulti_one", "evbpf_umulti_two"};
	struct state *s = *st;
	struct evbpf_uprobe_multi_opts o = {.sz = sizeof(o), .syms = two, .cnt = 2};

	REQUIRE_FEATURE(EVBPF_FEATURE_UPROBE_MULTI);
	SKIP_UNDER_VALGRIND("the target runs under valgrind's translation too");
	start_target(s);
	/* A glob, one process: three of the four functions match. */
	assert_ok(evbpf_program_attach_uprobe_multi(load(s, "umulti"), s->t.pid,
	                                            EVBPF_TEST_USDT_TARGET, "evbpf_umulti_*", NULL,
	                                            &s->links[0]));
	assert_string_equal(evbpf_link_kind(s->links[0]), "uprobe_multi");
	/* A list of names, return probes (the section says so). */
	assert_ok(evbpf_program_attach_uprobe_multi(
	    load(s, "uretmulti"), s->t.pid, EVBPF_TEST_USDT_TARGET, NULL, &o, &s->links[1]));
	/* By section: uprobe.multi/PATH:evbpf_umulti_*, every process. */
	assert_ok(evbpf_program_attach(load(s, "umulti_sec"), &s->links[2]));
	assert_int_equal(target_run(&s->t), 0);
	assert_int_equal(count(s, C_UMULTI), 3 * ROUNDS);
	assert_int_equal(count(s, C_URETMULTI), 2 * ROUNDS);
	assert_int_equal(count(s, C_USEC), 3 * ROUNDS);
}

static void test_uprobe_multi_cookies(void **st)
{
	static const char *const fns[] = {"evbpf_umulti_three", "evbpf_umult_other"};
	static const uint64_t cookies[] = {7, 8};
	struct state *s = *st;
	struct evbpf_uprobe_multi_opts o = {
	    .sz = sizeof(o), .syms = fns, .cookies = cookies, .cnt = 2};

	REQUIRE_FEATURE(EVBPF_FEATURE_UPROBE_MULTI);
	SKIP_UNDER_VALGRIND("the target runs under valgrind's translation too");
	start_target(s);
	assert_ok(evbpf_program_attach_uprobe_multi(
	    load(s, "umulti"), s->t.pid, EVBPF_TEST_USDT_TARGET, NULL, &o, &s->links[0]));
	assert_int_equal(target_run(&s->t), 0);
	assert_int_equal(by_cookie(s, 7), ROUNDS);
	assert_int_equal(by_cookie(s, 8), ROUNDS);
	assert_int_equal(by_cookie(s, 0), 0);
}

static void test_uprobe_session(void **st)
{
	struct state *s = *st;

	REQUIRE_FEATURE(EVBPF_FEATURE_UPROBE_SESSION);
	SKIP_UNDER_VALGRIND("the target runs under valgrind's translation too");
	start_target(s);
	assert_ok(evbpf_program_attach_uprobe_multi(load(s, "usession"), s->t.pid,
	                                            EVBPF_TEST_USDT_TARGET, "evbpf_umulti_*", NULL,
	                                            &s->links[0]));
	assert_int_equal(target_run(&s->t), 0);
	assert_int_equal(count(s, C_USESSION), 2 * 3 * ROUNDS); /* entry and return */
}

static void test_uprobe_multi_errors(void **st)
{
	struct state *s = *st;
	struct evbpf_uprobe_multi_opts o = {.sz = sizeof(o)};
	struct evbpf_program *p;
	int have;

	REQUIRE_KERNEL();
	have = evbpf_probe_feature(EVBPF_FEATURE_UPROBE_MULTI);
	assert_true(have >= 0);
	open_for(s, (uint32_t)getpid());
	p = load(s, have ? "umulti" : "uretmulti");
	if (!have) {
		assert_int_equal(evbpf_program_attach_uprobe_multi(p, -1, EVBPF_TEST_USDT_TARGET,
		                                                   "evbpf_umulti_*", NULL,
		                                                   &s->links[0]),
		                 -EOPNOTSUPP);
		assert_non_null(strstr(evbpf_errmsg(), "lacks"));
		return;
	}
	assert_int_equal(evbpf_program_attach_uprobe_multi(p, -1, EVBPF_TEST_USDT_TARGET,
	                                                   "evbpf_nothing_*", NULL, &s->links[0]),
	                 -ENOENT);
	assert_non_null(strstr(evbpf_errmsg(), "matches no function"));
	assert_int_equal(
	    evbpf_program_attach_uprobe_multi(p, -1, "/nonexistent/bin", "x*", NULL, &s->links[0]),
	    -ENOENT);
	assert_int_equal(evbpf_program_attach_uprobe_multi(p, -1, EVBPF_TEST_USDT_TARGET, NULL,
	                                                   NULL, &s->links[0]),
	                 -EINVAL);
	o.syms = (const char *const[]){"evbpf_no_such_function"};
	o.cnt = 1;
	assert_int_equal(evbpf_program_attach_uprobe_multi(p, -1, EVBPF_TEST_USDT_TARGET, NULL, &o,
	                                                   &s->links[0]),
	                 -ENOENT);
	o.cookies = (const uint64_t[]){1};
	assert_int_equal(evbpf_program_attach_uprobe_multi(p, -1, EVBPF_TEST_USDT_TARGET, "x*", &o,
	                                                   &s->links[0]),
	                 -EINVAL);
	/* A kprobe.multi program is not an uprobe.multi one. */
	assert_int_equal(evbpf_program_attach_uprobe_multi(load(s, "klist"), -1,
	                                                   EVBPF_TEST_USDT_TARGET, "x*", NULL,
	                                                   &s->links[0]),
	                 -EINVAL);
	assert_null(s->links[0]);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_kprobe_multi_glob, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kprobe_multi_list_cookies, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kprobe_session, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kprobe_multi_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uprobe_multi, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uprobe_multi_cookies, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uprobe_session, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uprobe_multi_errors, setup, teardown),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
