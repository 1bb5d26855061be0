/* SPDX-License-Identifier: MIT */
/*
 * The per-test state of suites that attach an object to a running
 * usdt_target (the USDT and multi-probe suites): the object, up to four
 * links and the target, all released by the teardown, which also checks
 * that no fd leaked.
 */
#ifndef EVBPF_TESTS_USDT_TARGET_FIXTURE_H
#define EVBPF_TESTS_USDT_TARGET_FIXTURE_H

#include "common.h"
#include "usdt/target.h"

struct state {
	int fds_before;
	struct evbpf_object *obj;
	struct evbpf_link *links[4];
	struct target t;
};

static int setup(void **st)
{
	struct state *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	s->fds_before = fd_count();
	*st = s;
	return 0;
}

static int teardown(void **st)
{
	struct state *s = *st;

	target_kill(&s->t);
	for (size_t i = 0; i < sizeof(s->links) / sizeof(s->links[0]); i++)
		evbpf_link_destroy(s->links[i]);
	evbpf_object_close(s->obj);
	assert_int_equal(fd_count(), s->fds_before);
	free(s);
	return 0;
}

#endif
