/* SPDX-License-Identifier: MIT */
/*
 * The public API contract of shared/DESIGN.md, checked at compile time:
 * every function is assigned to a pointer of exactly the documented type,
 * so a renamed function or a changed parameter breaks this build. The
 * struct fields the contract names are used by name. At run time the test
 * checks the documented NULL-safety and error conventions.
 */
#include "common.h"

#include <evbpf/async.h>
#ifdef EVBPF_TEST_HAVE_UV
#include <evbpf/uv.h>
#endif
#ifdef EVBPF_TEST_HAVE_EV
#include <evbpf/ev.h>
#endif

struct contract {
	int (*open_file)(const char *, const struct evbpf_open_opts *, struct evbpf_object **);
	int (*open_mem)(const void *, size_t, const struct evbpf_open_opts *,
			struct evbpf_object **);
	int (*set_global)(struct evbpf_object *, const char *, const void *, size_t);
	int (*object_load)(struct evbpf_object *);
	void (*object_close)(struct evbpf_object *);
	struct evbpf_program *(*find_program)(const struct evbpf_object *, const char *);
	struct evbpf_map *(*find_map)(const struct evbpf_object *, const char *);
	struct evbpf_program *(*next_program)(const struct evbpf_object *,
					      const struct evbpf_program *);
	struct evbpf_map *(*next_map)(const struct evbpf_object *, const struct evbpf_map *);
	int (*program_load)(struct evbpf_program *);
	int (*program_fd)(const struct evbpf_program *);
	const char *(*program_name)(const struct evbpf_program *);
	const char *(*program_section)(const struct evbpf_program *);
	int (*program_attach)(struct evbpf_program *, struct evbpf_link **);
	int (*program_attach_cgroup)(struct evbpf_program *, int, struct evbpf_link **);
	int (*test_run)(struct evbpf_program *, struct evbpf_test_run_opts *);
	int (*link_destroy)(struct evbpf_link *);
	int (*map_fd)(const struct evbpf_map *);
	int (*map_lookup)(const struct evbpf_map *, const void *, void *);
	int (*map_update)(const struct evbpf_map *, const void *, const void *, uint64_t);
	int (*map_delete)(const struct evbpf_map *, const void *);
	int (*map_next_key)(const struct evbpf_map *, const void *, void *);
	const char *(*strerror)(int);
	const char *(*errmsg)(void);
	int (*ringbuf_new)(const struct evbpf_map *, evbpf_ringbuf_fn, void *,
			   struct evbpf_ringbuf **);
	int (*ringbuf_consume)(struct evbpf_ringbuf *);
	int (*ringbuf_start)(struct evbpf_ringbuf *, struct evbpf_reactor *);
	int (*ringbuf_stop)(struct evbpf_ringbuf *);
	void (*ringbuf_free)(struct evbpf_ringbuf *);
	int (*perfbuf_new)(const struct evbpf_map *, size_t, evbpf_perfbuf_fn, evbpf_lost_fn,
			   void *, struct evbpf_perfbuf **);
	int (*perfbuf_consume)(struct evbpf_perfbuf *);
	int (*perfbuf_start)(struct evbpf_perfbuf *, struct evbpf_reactor *);
	int (*perfbuf_stop)(struct evbpf_perfbuf *);
	void (*perfbuf_free)(struct evbpf_perfbuf *);
	void (*reactor_free)(struct evbpf_reactor *);
#ifdef EVBPF_TEST_HAVE_UV
	int (*uv_reactor_new)(uv_loop_t *, struct evbpf_reactor **);
#endif
#ifdef EVBPF_TEST_HAVE_EV
	int (*ev_reactor_new)(struct ev_loop *, struct evbpf_reactor **);
#endif
};

static const struct contract api = {
	.open_file = evbpf_object_open_file,
	.open_mem = evbpf_object_open_mem,
	.set_global = evbpf_object_set_global,
	.object_load = evbpf_object_load,
	.object_close = evbpf_object_close,
	.find_program = evbpf_object_find_program,
	.find_map = evbpf_object_find_map,
	.next_program = evbpf_object_next_program,
	.next_map = evbpf_object_next_map,
	.program_load = evbpf_program_load,
	.program_fd = evbpf_program_fd,
	.program_name = evbpf_program_name,
	.program_section = evbpf_program_section,
	.program_attach = evbpf_program_attach,
	.program_attach_cgroup = evbpf_program_attach_cgroup,
	.test_run = evbpf_program_test_run,
	.link_destroy = evbpf_link_destroy,
	.map_fd = evbpf_map_fd,
	.map_lookup = evbpf_map_lookup,
	.map_update = evbpf_map_update,
	.map_delete = evbpf_map_delete,
	.map_next_key = evbpf_map_next_key,
	.strerror = evbpf_strerror,
	.errmsg = evbpf_errmsg,
	.ringbuf_new = evbpf_ringbuf_new,
	.ringbuf_consume = evbpf_ringbuf_consume,
	.ringbuf_start = evbpf_ringbuf_start,
	.ringbuf_stop = evbpf_ringbuf_stop,
	.ringbuf_free = evbpf_ringbuf_free,
	.perfbuf_new = evbpf_perfbuf_new,
	.perfbuf_consume = evbpf_perfbuf_consume,
	.perfbuf_start = evbpf_perfbuf_start,
	.perfbuf_stop = evbpf_perfbuf_stop,
	.perfbuf_free = evbpf_perfbuf_free,
	.reactor_free = evbpf_reactor_free,
#ifdef EVBPF_TEST_HAVE_UV
	.uv_reactor_new = evbpf_uv_reactor_new,
#endif
#ifdef EVBPF_TEST_HAVE_EV
	.ev_reactor_new = evbpf_ev_reactor_new,
#endif
};

static void test_struct_fields(void **st)
{
	/* Fields named by the contract, in a designated initializer as a
	 * client would write them. */
	struct evbpf_open_opts oo = {.sz = sizeof(oo), .btf_path = NULL, .pin_root = NULL};
	struct evbpf_test_run_opts to = {
		.sz = sizeof(to),
		.data_in = NULL,
		.data_size_in = 0,
		.ctx_in = NULL,
		.ctx_size_in = 0,
		.repeat = 1,
		.retval = 0,
		.duration_ns = 0,
	};

	(void)st;
	/* sz comes first in every options struct. */
	assert_int_equal(offsetof(struct evbpf_open_opts, sz), 0);
	assert_int_equal(offsetof(struct evbpf_test_run_opts, sz), 0);
	assert_int_equal(oo.sz, sizeof(oo));
	assert_int_equal(to.repeat, 1);
}

static void test_null_safety(void **st)
{
	struct evbpf_object *obj = (struct evbpf_object *)0x1;

	(void)st;
	/* Destructors accept NULL. */
	api.object_close(NULL);
	api.ringbuf_free(NULL);
	api.perfbuf_free(NULL);
	api.reactor_free(NULL);
	assert_int_equal(api.link_destroy(NULL), 0);
	/* Bad arguments are -EINVAL, the out parameter stays untouched. */
	assert_int_equal(api.open_file(NULL, NULL, &obj), -EINVAL);
	assert_ptr_equal(obj, (struct evbpf_object *)0x1);
	assert_int_equal(api.open_mem(NULL, 0, NULL, &obj), -EINVAL);
	assert_ptr_equal(obj, (struct evbpf_object *)0x1);
	assert_int_equal(api.object_load(NULL), -EINVAL);
	assert_int_equal(api.program_load(NULL), -EINVAL);
	assert_int_equal(api.program_fd(NULL), -EINVAL);
	assert_int_equal(api.map_fd(NULL), -EINVAL);
	assert_int_equal(api.map_lookup(NULL, NULL, NULL), -EINVAL);
	assert_int_equal(api.set_global(NULL, "x", "", 1), -EINVAL);
	assert_null(api.find_map(NULL, "x"));
	assert_null(api.next_program(NULL, NULL));
	assert_non_null(api.errmsg());
	assert_non_null(api.strerror(-EINVAL));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_struct_fields),
		cmocka_unit_test(test_null_safety),
	};

	return RUN_TESTS(tests, NULL, NULL);
}
