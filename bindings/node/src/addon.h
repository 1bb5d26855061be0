/* SPDX-License-Identifier: MIT */
/*
 * The Node-API addon behind bindings/node: evbpf objects, maps and
 * consumers as JavaScript values, on the libuv loop of the Node.js
 * environment (main thread or worker) that created them.
 *
 * Ownership: every native structure is owned by the JavaScript object that
 * wraps it and is freed in that object's finalizer. Closing (explicitly,
 * when the environment is torn down, or in the finalizer) releases the
 * kernel resources and libuv handles; the finalizer frees the memory. The
 * per-environment `struct addon` is freed when its instance data is
 * finalized and no wrapped structure points at it any more.
 */
#ifndef EVBPF_NODE_ADDON_H
#define EVBPF_NODE_ADDON_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <evbpf/evbpf.h>
#include <evbpf/async.h>

struct evbpf_btf;

struct list {
	struct list *prev, *next;
};

static inline void list_init(struct list *l)
{
	l->prev = l->next = l;
}

static inline void list_add(struct list *head, struct list *n)
{
	n->next = head->next;
	n->prev = head;
	head->next->prev = n;
	head->next = n;
}

static inline void list_del(struct list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	list_init(n);
}

#define container_of(p, type, member) ((type *)((char *)(p)-offsetof(type, member)))

/* One per Node.js environment (the main thread, each worker). */
struct addon {
	napi_env env;
	struct uv_loop_s *loop;
	struct list objects;   /* struct nobject.node */
	struct list consumers; /* struct nconsumer.node */
	int refs;              /* the instance data + each wrapped structure */
	bool torn_down;        /* the environment is going away */
};

struct nobject {
	struct list node;
	struct addon *a;
	struct evbpf_object *obj;
	struct evbpf_link **links;
	char **link_names;
	size_t nr_links;
	bool closed;
};

void addon_unref(struct addon *a);

/* Throw an Error with code (the errno name, e.g. 'ENOENT'), errno (the
 * negative value, as Node's own system errors carry it) and message. With
 * use_errmsg, evbpf_errmsg() follows the caller's text. Returns NULL, the
 * value a native function returns after throwing. */
napi_value throw_errno(napi_env env, int err, bool use_errmsg, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
napi_value throw_type(napi_env env, const char *msg);

/* Argument helpers: each throws and returns false on failure. */
bool arg_string(napi_env env, napi_value v, char *buf, size_t size, const char *what);
bool arg_uint32(napi_env env, napi_value v, uint32_t def, uint32_t *out, const char *what);
bool arg_bool(napi_env env, napi_value v, bool def, bool *out);
bool is_nullish(napi_env env, napi_value v);
napi_value opt_get(napi_env env, napi_value opts, const char *name);
/* Whether v is a Buffer or typed array; its bytes then. */
bool bytes_of(napi_env env, napi_value v, void **data, size_t *size);

/* The wrapped evbpf object behind a handle (throws and returns NULL when
 * v is not one, or when it is closed and open_required). */
struct nobject *nobject_of(napi_env env, napi_value v, bool open_required);
struct evbpf_map *map_of(napi_env env, struct nobject *o, napi_value name);
const struct evbpf_btf *nobject_btf(const struct nobject *o);
uint32_t map_btf_key(const struct evbpf_map *map);
uint32_t map_btf_value(const struct evbpf_map *map);
void nobject_close(struct nobject *o);

/* ---------------------------------------------------------- codec.c */

/* Encode a JavaScript value as BTF type `id` into size bytes at buf
 * (zeroed first): numbers, BigInts and booleans for integers, names or
 * numbers for enums, strings for char arrays, arrays and Buffers for
 * arrays, plain objects for structs and unions. Throws on failure. */
bool codec_encode(napi_env env, const struct evbpf_btf *btf, uint32_t id, napi_value v, void *buf,
                  size_t size, const char *what);
/* Bytes to a JSON string value through BTF type id (the decoder of
 * `evbpf run`); per_cpu_slot > 0 decodes an array of nr_cpus slots of that
 * size. Returns NULL after throwing. */
napi_value codec_decode(napi_env env, const struct evbpf_btf *btf, uint32_t id, const void *data,
                        size_t size, size_t per_cpu_slot, int nr_cpus);
/* The BTF type a global variable was declared with, and its size; -ENOENT. */
int codec_global_type(const struct evbpf_btf *btf, const char *name, uint32_t *type_id,
                      size_t *size);
/* Map bytes (key or value) from a Buffer, or encoded through BTF type id. */
bool codec_map_bytes(napi_env env, const struct evbpf_btf *btf, uint32_t id, napi_value v,
                     void *buf, size_t size, const char *map_name, const char *what);
/* A Buffer, or with decode the JSON string of the bytes (map values of
 * per-CPU maps as an array per CPU). */
napi_value codec_map_value(napi_env env, const struct evbpf_map *map, const struct evbpf_btf *btf,
                           uint32_t id, const void *data, size_t size, bool decode, bool is_key);

/* ---------------------------------------------------------- consumer.c */

napi_value js_ringbuf(napi_env env, napi_callback_info info);
napi_value js_perfbuf(napi_env env, napi_callback_info info);
napi_value js_poll_map(napi_env env, napi_callback_info info);
napi_value js_consumer_pause(napi_env env, napi_callback_info info);
napi_value js_consumer_resume(napi_env env, napi_callback_info info);
napi_value js_consumer_close(napi_env env, napi_callback_info info);
napi_value js_consumer_stats(napi_env env, napi_callback_info info);
napi_value js_consumer_ref(napi_env env, napi_callback_info info);
/* Close every consumer reading a map of o (before o closes). */
void consumers_close_for(struct addon *a, struct nobject *o);
void consumers_close_all(struct addon *a);

#endif
