/* SPDX-License-Identifier: MIT */
/*
 * Ring buffers, perf buffers and map polling as JavaScript callbacks on
 * Node's own libuv loop.
 *
 * Each consumer runs on a reactor of its own over the environment's loop
 * (napi_get_uv_event_loop), so that ref()/unref() apply to it alone
 * (evbpf_uv_reactor_set_ref). Node's rules, and how they are met:
 *
 *  - Callbacks run on the loop's thread, inside a handle scope and a
 *    callback scope, one per record: process.nextTick callbacks and
 *    promise reactions queued by a record's callback run before the next
 *    record, as they would after any other libuv callback in Node.
 *  - Records are handed over one at a time (evbpf_ringbuf_fn), so pause()
 *    or close() from a callback takes effect at once and the records after
 *    it stay in the ring; nothing is queued in memory. A slow callback
 *    holds up the drain, the drain yields to the loop after `budget`
 *    records, and when the ring is full the kernel refuses new records
 *    (counted by the producer), which is the backpressure.
 *  - A started consumer has active libuv handles and keeps the process
 *    alive; pause() stops it, which closes the handles, so a paused or
 *    closed consumer does not. The JavaScript object is held by a strong
 *    reference while the consumer is started, so an active consumer is
 *    not collected even if the program drops every reference to it.
 *  - A callback that throws: the exception goes to Node's
 *    'uncaughtException' machinery (napi_fatal_exception) and the drain
 *    stops there; the records after it follow at the next iteration.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>
#include <evbpf/uv.h>

#include "addon.h"
#include "internal.h"
#include "json_btf.h"

static const napi_type_tag consumer_tag = {0x6576627066636f6eULL, 0x73756d65722e6e6fULL};

enum consumer_kind { CONSUMER_RING, CONSUMER_PERF, CONSUMER_POLL };

#define TYPE_CACHE 8

struct nconsumer {
	struct list node;
	struct addon *a;
	struct nobject *o;
	enum consumer_kind kind;
	struct evbpf_map *map;
	struct evbpf_reactor *reactor;
	struct evbpf_ringbuf *rb;
	struct evbpf_perfbuf *pb;
	struct evbpf_mappoll *mp;
	napi_ref self;    /* strong while started */
	napi_ref obj_ref; /* the object's handle, strong until closed */
	napi_ref cb;
	napi_ref lost_cb;
	napi_async_context actx;
	bool started;
	bool closed;
	bool ref;
	int in_cb;
	/* {decode: true}: records as JSON text through BTF */
	bool decode;
	uint32_t forced_type;
	struct {
		size_t size;
		uint32_t id;
	} cache[TYPE_CACHE];
	size_t nr_cache;
	/* pollMap */
	bool delta;
};

static int consumer_start(struct nconsumer *c)
{
	switch (c->kind) {
	case CONSUMER_RING:
		return evbpf_ringbuf_start(c->rb, c->reactor);
	case CONSUMER_PERF:
		return evbpf_perfbuf_start(c->pb, c->reactor);
	default:
		return evbpf_mappoll_start(c->mp, c->reactor);
	}
}

static int consumer_stop(struct nconsumer *c)
{
	switch (c->kind) {
	case CONSUMER_RING:
		return evbpf_ringbuf_stop(c->rb);
	case CONSUMER_PERF:
		return evbpf_perfbuf_stop(c->pb);
	default:
		return evbpf_mappoll_stop(c->mp);
	}
}

static void set_started(struct nconsumer *c, bool started)
{
	uint32_t count;

	if (c->started == started)
		return;
	c->started = started;
	if (started)
		napi_reference_ref(c->a->env, c->self, &count);
	else
		napi_reference_unref(c->a->env, c->self, &count);
}

static void consumer_close(struct nconsumer *c)
{
	napi_env env = c->a->env;

	if (c->closed)
		return;
	c->closed = true;
	/* Freeing from inside the consumer's own callback is allowed. */
	evbpf_ringbuf_free(c->rb);
	evbpf_perfbuf_free(c->pb);
	evbpf_mappoll_free(c->mp);
	c->rb = NULL;
	c->pb = NULL;
	c->mp = NULL;
	evbpf_reactor_free(c->reactor);
	c->reactor = NULL;
	list_del(&c->node);
	set_started(c, false);
	/* During teardown napi references go with the environment. */
	if (!c->a->torn_down) {
		napi_delete_reference(env, c->obj_ref);
		napi_delete_reference(env, c->cb);
		if (c->lost_cb)
			napi_delete_reference(env, c->lost_cb);
		if (!c->in_cb && c->actx) {
			napi_async_destroy(env, c->actx);
			c->actx = NULL;
		}
	}
	c->obj_ref = c->cb = c->lost_cb = NULL;
}

static void consumer_finalize(napi_env env, void *data, void *hint)
{
	struct nconsumer *c = data;
	struct addon *a = c->a;

	(void)hint;
	consumer_close(c);
	if (c->actx && !a->torn_down)
		napi_async_destroy(env, c->actx);
	free(c);
	addon_unref(a);
}

void consumers_close_for(struct addon *a, struct nobject *o)
{
	struct list *n = a->consumers.next;

	while (n != &a->consumers) {
		struct nconsumer *c = container_of(n, struct nconsumer, node);

		n = n->next;
		if (c->o == o)
			consumer_close(c);
	}
}

void consumers_close_all(struct addon *a)
{
	while (a->consumers.next != &a->consumers)
		consumer_close(container_of(a->consumers.next, struct nconsumer, node));
}

static struct nconsumer *consumer_of(napi_env env, napi_value v)
{
	struct nconsumer *c = NULL;
	bool ok = false;

	if (!v || napi_check_object_type_tag(env, v, &consumer_tag, &ok) != napi_ok || !ok ||
	    napi_unwrap(env, v, (void **)&c) != napi_ok || !c) {
		throw_type(env, "not an evbpf consumer handle");
		return NULL;
	}
	return c;
}

/* ------------------------------------------------------------ delivery */

struct call_scope {
	napi_handle_scope hs;
	napi_callback_scope cs;
	napi_value self;
};

static bool scope_open(struct nconsumer *c, struct call_scope *s)
{
	napi_env env = c->a->env;

	if (napi_open_handle_scope(env, &s->hs) != napi_ok)
		return false;
	/* The local handle keeps the consumer's object (and so this struct)
	 * alive until the scope closes, even if the callback closes it. */
	if (napi_get_reference_value(env, c->self, &s->self) != napi_ok || !s->self ||
	    napi_open_callback_scope(env, s->self, c->actx, &s->cs) != napi_ok) {
		napi_close_handle_scope(env, s->hs);
		return false;
	}
	c->in_cb++;
	return true;
}

static void scope_close(struct nconsumer *c, struct call_scope *s)
{
	napi_env env = c->a->env;

	c->in_cb--;
	napi_close_callback_scope(env, s->cs);
	napi_close_handle_scope(env, s->hs);
	if (c->closed && !c->in_cb && c->actx && !c->a->torn_down) {
		napi_async_destroy(env, c->actx);
		c->actx = NULL;
	}
}

/* Call fn(argv...) with the consumer's object as `this`. A throw goes to
 * 'uncaughtException'; returns -ECANCELED then, or when the callback
 * paused or closed the consumer, so that the drain ends at this record. */
static int deliver(struct nconsumer *c, struct call_scope *s, napi_ref fn_ref, size_t argc,
                   napi_value *argv)
{
	napi_env env = c->a->env;
	napi_value fn, exc;
	napi_status st;

	if (!fn_ref || napi_get_reference_value(env, fn_ref, &fn) != napi_ok || !fn)
		return -ECANCELED;
	st = napi_call_function(env, s->self, fn, argc, argv, NULL);
	if (st != napi_ok) {
		bool pending = false;

		napi_is_exception_pending(env, &pending);
		if (pending && napi_get_and_clear_last_exception(env, &exc) == napi_ok)
			napi_fatal_exception(env, exc);
		return -ECANCELED;
	}
	return c->closed || !c->started ? -ECANCELED : 0;
}

static uint32_t record_type(struct nconsumer *c, size_t size)
{
	const struct evbpf_btf *btf = nobject_btf(c->o);
	uint32_t id;

	if (c->forced_type)
		return c->forced_type;
	for (size_t i = 0; i < c->nr_cache; i++)
		if (c->cache[i].size == size)
			return c->cache[i].id;
	id = json_btf_guess_record_type(btf, evbpf_map_name(c->map),
	                                c->kind == CONSUMER_PERF ? 0 : map_btf_value(c->map), size,
	                                c->kind == CONSUMER_PERF);
	if (c->nr_cache < TYPE_CACHE) {
		c->cache[c->nr_cache].size = size;
		c->cache[c->nr_cache].id = id;
		c->nr_cache++;
	}
	return id;
}

/* A record as a Buffer (a copy: the ring's bytes are only valid during
 * the call) or, decoded, as JSON text the JavaScript layer parses. */
static napi_value record_value(struct nconsumer *c, const void *data, size_t size)
{
	napi_env env = c->a->env;
	napi_value v = NULL;
	uint32_t id;

	if (c->decode && nobject_btf(c->o) && (id = record_type(c, size))) {
		v = codec_decode(env, nobject_btf(c->o), id, data, size, 0, 0);
		if (v)
			return v;
		napi_get_and_clear_last_exception(env, &v);
	}
	napi_create_buffer_copy(env, size, data, NULL, &v);
	return v;
}

static int on_ring_record(void *ctx, const void *data, size_t size)
{
	struct nconsumer *c = ctx;
	struct call_scope s;
	napi_value arg;
	int ret;

	if (c->closed || !scope_open(c, &s))
		return -ECANCELED;
	arg = record_value(c, data, size);
	ret = deliver(c, &s, c->cb, 1, &arg);
	scope_close(c, &s);
	return ret;
}

static int on_perf_record(void *ctx, int cpu, const void *data, size_t size)
{
	struct nconsumer *c = ctx;
	struct call_scope s;
	napi_value argv[2];
	int ret;

	if (c->closed || !scope_open(c, &s))
		return -ECANCELED;
	argv[0] = record_value(c, data, size);
	napi_create_int32(c->a->env, cpu, &argv[1]);
	ret = deliver(c, &s, c->cb, 2, argv);
	scope_close(c, &s);
	return ret;
}

static void on_perf_lost(void *ctx, int cpu, uint64_t lost)
{
	struct nconsumer *c = ctx;
	struct call_scope s;
	napi_value argv[2];

	if (c->closed || !c->lost_cb || !scope_open(c, &s))
		return;
	napi_create_double(c->a->env, (double)lost, &argv[0]);
	napi_create_int32(c->a->env, cpu, &argv[1]);
	deliver(c, &s, c->lost_cb, 2, argv);
	scope_close(c, &s);
}

static napi_value snapshot_keys(struct nconsumer *c, const uint8_t *keys, size_t n, size_t key_size)
{
	napi_env env = c->a->env;
	const struct evbpf_btf *btf = nobject_btf(c->o);
	napi_value arr, v;

	napi_create_array_with_length(env, n, &arr);
	for (size_t i = 0; i < n; i++) {
		v = codec_map_value(env, c->map, btf, map_btf_key(c->map), keys + i * key_size,
		                    key_size, c->decode, true);
		if (!v)
			return NULL;
		napi_set_element(env, arr, (uint32_t)i, v);
	}
	return arr;
}

static void on_snapshot(void *ctx, const struct evbpf_map_snapshot *snap)
{
	struct nconsumer *c = ctx;
	napi_env env = c->a->env;
	const struct evbpf_btf *btf = nobject_btf(c->o);
	const uint8_t *keys = snap->keys, *values = snap->values;
	struct call_scope s;
	napi_value out, entries, e, k, v;
	bool failed = false;

	if (c->closed || !scope_open(c, &s))
		return;
	napi_create_object(env, &out);
	napi_create_double(env, (double)snap->seq, &v);
	napi_set_named_property(env, out, "seq", v);
	napi_get_boolean(env, snap->delta, &v);
	napi_set_named_property(env, out, "delta", v);
	napi_create_array_with_length(env, snap->count, &entries);
	for (size_t i = 0; i < snap->count && !failed; i++) {
		k = codec_map_value(env, c->map, btf, map_btf_key(c->map),
		                    keys + i * snap->key_size, snap->key_size, c->decode, true);
		v = k ? codec_map_value(env, c->map, btf, map_btf_value(c->map),
		                        values + i * snap->value_size, snap->value_size, c->decode,
		                        false)
		      : NULL;
		if (!k || !v) {
			failed = true;
			break;
		}
		napi_create_object(env, &e);
		napi_set_named_property(env, e, "key", k);
		napi_set_named_property(env, e, "value", v);
		napi_set_element(env, entries, (uint32_t)i, e);
	}
	if (!failed) {
		napi_set_named_property(env, out, "entries", entries);
		v = snapshot_keys(c, snap->deleted_keys, snap->deleted_count, snap->key_size);
		if (v) {
			napi_set_named_property(env, out, "deleted", v);
			deliver(c, &s, c->cb, 1, &out);
		}
	}
	if (failed || !v) {
		napi_value exc;

		if (napi_get_and_clear_last_exception(env, &exc) == napi_ok)
			napi_fatal_exception(env, exc);
	}
	scope_close(c, &s);
}

/* ------------------------------------------------------------ creation */

/* Common part of ringbuf(), perfbuf() and pollMap(): (handle, map name,
 * callback, opts). */
static struct nconsumer *consumer_new(napi_env env, napi_value *argv, enum consumer_kind kind,
                                      napi_value *handlep)
{
	struct addon *a = NULL;
	struct nconsumer *c;
	struct nobject *o;
	struct evbpf_map *map;
	napi_valuetype t;
	napi_value handle, name, type;
	char spec[256];
	int err;

	napi_get_instance_data(env, (void **)&a);
	if (!(o = nobject_of(env, argv[0], true)) || !(map = map_of(env, o, argv[1])))
		return NULL;
	if (napi_typeof(env, argv[2], &t) != napi_ok || t != napi_function) {
		throw_type(env, "the callback must be a function");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		throw_errno(env, -ENOMEM, false, "consumer");
		return NULL;
	}
	c->a = a;
	c->o = o;
	c->kind = kind;
	c->map = map;
	c->ref = true;
	list_init(&c->node);
	if (!arg_bool(env, opt_get(env, argv[3], "decode"), kind == CONSUMER_POLL, &c->decode))
		goto err_free;
	if ((type = opt_get(env, argv[3], "type"))) {
		if (!arg_string(env, type, spec, sizeof(spec), "opts.type"))
			goto err_free;
		err = nobject_btf(o) ? json_btf_find_type(nobject_btf(o), spec) : -ENOENT;
		if (err <= 0) {
			throw_errno(env, -ENOENT, false,
			            "opts.type: no type '%s' in the object's BTF", spec);
			goto err_free;
		}
		c->forced_type = (uint32_t)err;
		c->decode = true;
	}
	err = evbpf_uv_reactor_new(a->loop, &c->reactor);
	if (err) {
		throw_errno(env, err, true, "consumer of map '%s'", evbpf_map_name(map));
		goto err_free;
	}
	napi_create_object(env, &handle);
	napi_create_string_utf8(env, "evbpf", NAPI_AUTO_LENGTH, &name);
	if (napi_wrap(env, handle, c, consumer_finalize, NULL, NULL) != napi_ok) {
		evbpf_reactor_free(c->reactor);
		throw_errno(env, -ENOMEM, false, "consumer");
		goto err_free;
	}
	/* From here on the finalizer owns c. */
	a->refs++;
	list_add(&a->consumers, &c->node);
	napi_type_tag_object(env, handle, &consumer_tag);
	napi_create_reference(env, handle, 0, &c->self);
	napi_create_reference(env, argv[0], 1, &c->obj_ref);
	napi_create_reference(env, argv[2], 1, &c->cb);
	napi_async_init(env, handle, name, &c->actx);
	*handlep = handle;
	return c;
err_free:
	free(c);
	return NULL;
}

/* Start a consumer just created; on failure close it (the finalizer frees
 * it) and throw. */
static napi_value consumer_begin(napi_env env, struct nconsumer *c, napi_value handle, int err,
                                 const char *what)
{
	if (!err)
		err = consumer_start(c);
	if (err) {
		throw_errno(env, err, true, "%s '%s'", what, evbpf_map_name(c->map));
		consumer_close(c);
		return NULL;
	}
	set_started(c, true);
	return handle;
}

/* ringbuf(handle, map, onRecord, {budget, decode, type, drainIntervalMs}) */
napi_value js_ringbuf(napi_env env, napi_callback_info info)
{
	struct evbpf_ringbuf_opts opts = {.sz = sizeof(opts)};
	napi_value argv[4], handle;
	struct nconsumer *c;
	size_t argc = 4;
	int err;

	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	if (argc < 4)
		return throw_type(env, "ringbuf(handle, map, onRecord, opts)");
	if (!arg_uint32(env, opt_get(env, argv[3], "budget"), 0, &opts.budget, "opts.budget") ||
	    !arg_uint32(env, opt_get(env, argv[3], "drainIntervalMs"), 0, &opts.drain_interval_ms,
	                "opts.drainIntervalMs"))
		return NULL;
	if (!(c = consumer_new(env, argv, CONSUMER_RING, &handle)))
		return NULL;
	err = evbpf_ringbuf_new_opts(c->map, on_ring_record, c, &opts, &c->rb);
	return consumer_begin(env, c, handle, err, "ringbuf");
}

/* perfbuf(handle, map, onRecord, {pagesPerCpu, budget, decode, type, onLost}) */
napi_value js_perfbuf(napi_env env, napi_callback_info info)
{
	struct evbpf_perfbuf_opts opts = {.sz = sizeof(opts)};
	napi_value argv[4], handle, lost;
	struct nconsumer *c;
	size_t argc = 4;
	uint32_t pages;
	napi_valuetype t;
	int err;

	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	if (argc < 4)
		return throw_type(env, "perfbuf(handle, map, onRecord, opts)");
	if (!arg_uint32(env, opt_get(env, argv[3], "pagesPerCpu"), 64, &pages,
	                "opts.pagesPerCpu") ||
	    !arg_uint32(env, opt_get(env, argv[3], "budget"), 0, &opts.budget, "opts.budget") ||
	    !arg_uint32(env, opt_get(env, argv[3], "drainIntervalMs"), 0, &opts.drain_interval_ms,
	                "opts.drainIntervalMs"))
		return NULL;
	lost = opt_get(env, argv[3], "onLost");
	if (lost && (napi_typeof(env, lost, &t) != napi_ok || t != napi_function))
		return throw_type(env, "opts.onLost must be a function");
	if (!(c = consumer_new(env, argv, CONSUMER_PERF, &handle)))
		return NULL;
	if (lost)
		napi_create_reference(env, lost, 1, &c->lost_cb);
	err = evbpf_perfbuf_new_opts(c->map, pages, on_perf_record, on_perf_lost, c, &opts, &c->pb);
	return consumer_begin(env, c, handle, err, "perfbuf");
}

/* pollMap(handle, map, cb, {intervalMs, delta, decode}) */
napi_value js_poll_map(napi_env env, napi_callback_info info)
{
	struct evbpf_mappoll_opts opts = {.sz = sizeof(opts)};
	napi_value argv[4], handle;
	struct nconsumer *c;
	size_t argc = 4;
	bool delta;
	int err;

	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	if (argc < 4)
		return throw_type(env, "pollMap(handle, map, cb, opts)");
	if (!arg_uint32(env, opt_get(env, argv[3], "intervalMs"), 1000, &opts.interval_ms,
	                "opts.intervalMs") ||
	    !arg_bool(env, opt_get(env, argv[3], "delta"), false, &delta))
		return NULL;
	if (opts.interval_ms == 0)
		return throw_errno(env, -EINVAL, false, "pollMap: intervalMs must be at least 1");
	opts.flags = delta ? EVBPF_MAPPOLL_DELTA : 0;
	if (!(c = consumer_new(env, argv, CONSUMER_POLL, &handle)))
		return NULL;
	c->delta = delta;
	err = evbpf_mappoll_new(c->map, on_snapshot, c, &opts, &c->mp);
	return consumer_begin(env, c, handle, err, "pollMap");
}

/* ------------------------------------------------------------ control */

static struct nconsumer *consumer_arg(napi_env env, napi_callback_info info, napi_value *argv,
                                      size_t n)
{
	size_t argc = n;

	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	for (size_t i = argc; i < n; i++)
		napi_get_undefined(env, &argv[i]);
	return consumer_of(env, argv[0]);
}

napi_value js_consumer_pause(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	struct nconsumer *c = consumer_arg(env, info, argv, 1);
	int err;

	if (!c || c->closed || !c->started)
		return NULL;
	err = consumer_stop(c);
	if (err)
		return throw_errno(env, err, true, "pause '%s'", evbpf_map_name(c->map));
	set_started(c, false);
	return NULL;
}

napi_value js_consumer_resume(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	struct nconsumer *c = consumer_arg(env, info, argv, 1);
	int err;

	if (!c)
		return NULL;
	if (c->closed)
		return throw_errno(env, -EBADF, false, "resume: the consumer is closed");
	if (c->started)
		return NULL;
	err = consumer_start(c);
	if (err)
		return throw_errno(env, err, true, "resume '%s'", evbpf_map_name(c->map));
	set_started(c, true);
	return NULL;
}

napi_value js_consumer_close(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	struct nconsumer *c = consumer_arg(env, info, argv, 1);

	if (c)
		consumer_close(c);
	return NULL;
}

static void set_u64(napi_env env, napi_value obj, const char *key, uint64_t n)
{
	napi_value v;

	napi_create_double(env, (double)n, &v);
	napi_set_named_property(env, obj, key, v);
}

napi_value js_consumer_stats(napi_env env, napi_callback_info info)
{
	napi_value argv[1], out;
	struct nconsumer *c = consumer_arg(env, info, argv, 1);
	int err;

	if (!c)
		return NULL;
	if (c->closed)
		return throw_errno(env, -EBADF, false, "stats: the consumer is closed");
	napi_create_object(env, &out);
	if (c->kind == CONSUMER_POLL) {
		struct evbpf_mappoll_stats st = {.sz = sizeof(st)};

		err = evbpf_mappoll_stats(c->mp, &st);
		if (err)
			return throw_errno(env, err, true, "stats");
		set_u64(env, out, "polls", st.polls);
		set_u64(env, out, "offloopPolls", st.offloop_polls);
		set_u64(env, out, "batchPolls", st.batch_polls);
		set_u64(env, out, "skipped", st.skipped);
		set_u64(env, out, "entries", st.entries);
	} else {
		struct evbpf_async_stats st = {.sz = sizeof(st)};

		err = c->kind == CONSUMER_RING ? evbpf_ringbuf_stats(c->rb, &st)
		                               : evbpf_perfbuf_stats(c->pb, &st);
		if (err)
			return throw_errno(env, err, true, "stats");
		set_u64(env, out, "records", st.records);
		set_u64(env, out, "bytes", st.bytes);
		set_u64(env, out, "wakeups", st.wakeups);
		set_u64(env, out, "timerDrains", st.timer_drains);
		set_u64(env, out, "budgetHits", st.budget_hits);
		set_u64(env, out, "lost", st.lost);
		set_u64(env, out, "drains", st.drains);
	}
	return out;
}

/* setRef(consumer, bool): whether a started consumer keeps the loop alive. */
napi_value js_consumer_ref(napi_env env, napi_callback_info info)
{
	napi_value argv[2];
	struct nconsumer *c = consumer_arg(env, info, argv, 2);
	bool ref;
	int err;

	if (!c || !arg_bool(env, argv[1], true, &ref) || c->closed)
		return NULL;
	err = evbpf_uv_reactor_set_ref(c->reactor, ref);
	if (err)
		return throw_errno(env, err, true, "ref");
	c->ref = ref;
	return NULL;
}
