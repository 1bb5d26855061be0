/* SPDX-License-Identifier: MIT */
/*
 * Map operations beyond one element by key: lookups with flags
 * (BPF_F_LOCK), freezing, queue and stack access, and the batch commands
 * (BPF_MAP_LOOKUP_BATCH and friends, Linux 5.6), with a fallback to one
 * syscall per element where the kernel has no batch commands or the map
 * type has no batch operations (the kernel answers ENOTSUPP, e.g. LPM
 * tries, queues), so callers can write one loop for every map.
 *
 * Every failure sets a fresh evbpf_errmsg() naming the map and the
 * operation (evbpf__map_elem_result), so a message never belongs to an
 * earlier, unrelated call. "Not found" answers (-ENOENT from a lookup,
 * the end of an iteration) are expected outcomes rather than errors: they
 * set the message but log only at debug level.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define ENOTSUPP_KERNEL       524
#define MAP_TYPE_BLOOM_FILTER 30

static const char *elem_hint(const struct evbpf_map *map, const char *what, int err)
{
	static __thread char hint[128];

	switch (-err) {
	case EEXIST:
		return " (the key exists and BPF_NOEXIST was given)";
	case E2BIG:
		snprintf(hint, sizeof(hint), " (the map is full: max_entries %u)",
		         map->max_entries);
		return hint;
	case EPERM:
		if (!strcmp(what, "freeze"))
			return " (frozen already, or read-only for user space)";
		if (!strcmp(what, "update") || !strcmp(what, "delete") || !strcmp(what, "push") ||
		    !strcmp(what, "update_batch") || !strcmp(what, "delete_batch"))
			return " (is the map frozen, or read-only for user space?)";
		return evbpf__perm_hint(err);
	case EBUSY:
		return !strcmp(what, "freeze") ? " (frozen already, or mmapped writable)" : "";
	case ENOTSUPP_KERNEL:
	case EOPNOTSUPP:
		snprintf(hint, sizeof(hint), " (%s maps do not support it)",
		         evbpf_map_type_name(map->type));
		return hint;
	case EINVAL:
		return " (bad flags, or an operation this map type does not have)";
	case ENOSPC:
		if (!strcmp(what, "lookup_batch") || !strcmp(what, "lookup_and_delete_batch"))
			return " (the kernel reads a hash map a bucket at a time: *count is "
			       "smaller than the next bucket; retry with a larger count)";
		return "";
	default:
		return "";
	}
}

int evbpf__map_elem_result(const struct evbpf_map *map, const char *what, int ret)
{
	if (ret >= 0)
		return ret;
	if (ret == -ENOENT) {
		evbpf__errmsg_set("map '%s': %s: %s", map->name, what,
		                  !strcmp(what, "next_key") ? "no more keys"
		                  : !strcmp(what, "pop") || !strcmp(what, "peek")
		                      ? "the map is empty"
		                      : "no such element");
		return ret;
	}
	return evbpf__err(ret, "map '%s': %s: %s%s", map->name, what,
	                  ret == -ENOTSUPP_KERNEL ? "Operation not supported" : evbpf_strerror(ret),
	                  elem_hint(map, what, ret));
}

static int loaded(const struct evbpf_map *map, const char *what)
{
	if (!map)
		return evbpf__err(-EINVAL, "map %s: NULL map", what);
	if (map->fd < 0)
		return evbpf__err(-ENOENT, "map '%s': %s before the map is loaded", map->name,
		                  what);
	return 0;
}

static int elem_op(enum bpf_cmd cmd, const struct evbpf_map *map, const void *key, void *value,
                   uint64_t flags)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = (uint32_t)map->fd;
	attr.key = (uint64_t)(uintptr_t)key;
	attr.value = (uint64_t)(uintptr_t)value;
	attr.flags = flags;
	return evbpf__bpf(cmd, &attr, sizeof(attr));
}

EVBPF_API int evbpf_map_lookup_flags(const struct evbpf_map *map, const void *key, void *value,
                                     uint64_t flags)
{
	int err = loaded(map, "lookup_flags");

	if (err)
		return err;
	if ((!key && map->key_size) || !value)
		return evbpf__err(-EINVAL, "map '%s': lookup_flags: NULL %s", map->name,
		                  value ? "key" : "value");
	return evbpf__map_elem_result(map, "lookup",
	                              elem_op(BPF_MAP_LOOKUP_ELEM, map, key, value, flags));
}

EVBPF_API int evbpf_map_freeze(const struct evbpf_map *map)
{
	int err = loaded(map, "freeze");

	if (err)
		return err;
	return evbpf__map_elem_result(map, "freeze", evbpf__bpf_map_freeze(map->fd));
}

/* ----------------------------------------------------- queues and stacks */

static int check_queue(const struct evbpf_map *map, const void *value, const char *what,
                       bool bloom_ok)
{
	int err = loaded(map, what);

	if (err)
		return err;
	if (!value)
		return evbpf__err(-EINVAL, "map '%s': %s: NULL value", map->name, what);
	if (map->type == BPF_MAP_TYPE_QUEUE || map->type == BPF_MAP_TYPE_STACK ||
	    (bloom_ok && map->type == MAP_TYPE_BLOOM_FILTER))
		return 0;
	return evbpf__err(-EINVAL, "map '%s': %s is for queue and stack maps%s, not %s maps",
	                  map->name, what, bloom_ok ? " (and bloom filters)" : "",
	                  evbpf_map_type_name(map->type));
}

EVBPF_API int evbpf_map_push(const struct evbpf_map *map, const void *value, uint64_t flags)
{
	int err = check_queue(map, value, "push", true);

	if (err)
		return err;
	return evbpf__map_elem_result(
	    map, "push", elem_op(BPF_MAP_UPDATE_ELEM, map, NULL, (void *)value, flags));
}

EVBPF_API int evbpf_map_pop(const struct evbpf_map *map, void *value)
{
	int err = check_queue(map, value, "pop", false);

	if (err)
		return err;
	return evbpf__map_elem_result(map, "pop",
	                              elem_op(BPF_MAP_LOOKUP_AND_DELETE_ELEM, map, NULL, value, 0));
}

EVBPF_API int evbpf_map_peek(const struct evbpf_map *map, void *value)
{
	int err = check_queue(map, value, "peek", true);

	if (err)
		return err;
	return evbpf__map_elem_result(map, "peek",
	                              elem_op(BPF_MAP_LOOKUP_ELEM, map, NULL, value, 0));
}

/* ----------------------------------------------------------------- batch */

struct batch_args {
	const struct evbpf_map *map;
	const char *what;
	const void *in_batch;
	void *out_batch;
	void *keys;
	void *values;
	uint32_t *count;
	uint64_t elem_flags;
	uint64_t flags;
	bool fallback;
};

static int batch_args_init(struct batch_args *a, const struct evbpf_map *map, const char *what,
                           uint32_t *count, const struct evbpf_map_batch_opts *opts)
{
	int err = loaded(map, what);

	if (err)
		return err;
	if (!count)
		return evbpf__err(-EINVAL, "map '%s': %s: NULL count", map->name, what);
	if (opts && opts->sz < sizeof(size_t))
		return evbpf__err(-EINVAL, "map '%s': %s: opts->sz is not set", map->name, what);
	memset(a, 0, sizeof(*a));
	a->map = map;
	a->what = what;
	a->count = count;
	if (EVBPF_OPTS_HAS(opts, struct evbpf_map_batch_opts, elem_flags))
		a->elem_flags = opts->elem_flags;
	if (EVBPF_OPTS_HAS(opts, struct evbpf_map_batch_opts, flags))
		a->flags = opts->flags;
	if (EVBPF_OPTS_HAS(opts, struct evbpf_map_batch_opts, fallback))
		a->fallback = opts->fallback != 0;
	return 0;
}

static size_t value_stride(const struct evbpf_map *map)
{
	return evbpf_map_value_buf_size(map);
}

/*
 * The kernel's batch command, or 1 when the fallback must serve the call:
 * the kernel has no batch commands (EVBPF_FEATURE_MAP_BATCH), or this map
 * type has no batch operation (ENOTSUPP, EOPNOTSUPP). Both are properties
 * of the kernel and the map type, so a pass over a map never switches
 * between the two and the cursor keeps one meaning.
 */
static int kernel_batch(enum bpf_cmd cmd, struct batch_args *a)
{
	union bpf_attr attr;
	int ret;

	if (a->fallback || evbpf_probe_feature(EVBPF_FEATURE_MAP_BATCH) == 0)
		return 1;
	if (cmd == BPF_MAP_LOOKUP_BATCH || cmd == BPF_MAP_LOOKUP_AND_DELETE_BATCH) {
		/* What the kernel writes reads as initialised to checkers
		 * that do not know the batch commands (valgrind). */
		size_t ksz = a->map->key_size;

		memset(a->keys, 0, (size_t)*a->count * ksz);
		memset(a->values, 0, (size_t)*a->count * value_stride(a->map));
	}
	memset(&attr, 0, sizeof(attr));
	attr.batch.map_fd = (uint32_t)a->map->fd;
	attr.batch.in_batch = (uint64_t)(uintptr_t)a->in_batch;
	attr.batch.out_batch = (uint64_t)(uintptr_t)a->out_batch;
	attr.batch.keys = (uint64_t)(uintptr_t)a->keys;
	attr.batch.values = (uint64_t)(uintptr_t)a->values;
	attr.batch.count = *a->count;
	attr.batch.elem_flags = a->elem_flags;
	attr.batch.flags = a->flags;
	ret = evbpf__bpf(cmd, &attr, sizeof(attr));
	if (ret == -ENOTSUPP_KERNEL || ret == -EOPNOTSUPP) {
		evbpf__debug("map '%s': %s: no batch operation for %s maps, one element at a "
		             "time",
		             a->map->name, a->what, evbpf_map_type_name(a->map->type));
		return 1;
	}
	*a->count = attr.batch.count;
	if (ret == -ENOENT) {
		evbpf__errmsg_set("map '%s': %s: no more elements (%u in this batch)", a->map->name,
		                  a->what, *a->count);
		return ret;
	}
	return evbpf__map_elem_result(a->map, a->what, ret);
}

/*
 * lookup (and delete) one element at a time: the cursor is the last key
 * returned. With delete, every element read is deleted and the walk
 * starts from the first key each time, since a deleted key cannot be a
 * next_key position.
 */
static int fallback_lookup(struct batch_args *a, bool delete)
{
	const struct evbpf_map *map = a->map;
	size_t ksz = map->key_size, vsz = value_stride(map);
	uint32_t want = *a->count, n = 0;
	uint8_t *keys = a->keys, *values = a->values;
	const void *prev = delete ? NULL : a->in_batch;
	int ret = 0;

	while (n < want) {
		uint8_t *k = keys + (size_t)n * ksz, *v = values + (size_t)n * vsz;

		ret = evbpf__bpf_map_next_key(map->fd, delete ? NULL : prev, k);
		if (ret)
			break;
		ret = evbpf__bpf_map_lookup(map->fd, k, v, a->elem_flags);
		if (ret == -ENOENT)
			continue; /* deleted since next_key; the next key follows it */
		if (ret)
			break;
		if (delete) {
			ret = elem_op(BPF_MAP_DELETE_ELEM, map, k, NULL, 0);
			if (ret && ret != -ENOENT)
				break;
			ret = 0;
		}
		prev = k;
		n++;
	}
	*a->count = n;
	if (n && a->out_batch)
		memcpy(a->out_batch, keys + (size_t)(n - 1) * ksz, ksz);
	else if (a->out_batch && a->in_batch && !delete)
		memmove(a->out_batch, a->in_batch, ksz);
	if (ret == -ENOENT) {
		evbpf__errmsg_set("map '%s': %s: no more elements (%u in this batch)", map->name,
		                  a->what, n);
		return ret;
	}
	return evbpf__map_elem_result(map, a->what, ret);
}

static int batch_lookup(const struct evbpf_map *map, const char *what, bool delete,
                        const void *in_batch, void *out_batch, void *keys, void *values,
                        uint32_t *count, const struct evbpf_map_batch_opts *opts)
{
	struct batch_args a;
	int ret = batch_args_init(&a, map, what, count, opts);

	if (ret)
		return ret;
	if (!out_batch || !keys || !values)
		return evbpf__err(-EINVAL, "map '%s': %s: NULL %s", map->name, what,
		                  !out_batch ? "out_batch"
		                  : !keys    ? "keys"
		                             : "values");
	if (!*count)
		return 0;
	a.in_batch = in_batch;
	a.out_batch = out_batch;
	a.keys = keys;
	a.values = values;
	ret = kernel_batch(delete ? BPF_MAP_LOOKUP_AND_DELETE_BATCH : BPF_MAP_LOOKUP_BATCH, &a);
	if (ret != 1)
		return ret;
	return fallback_lookup(&a, delete);
}

EVBPF_API int evbpf_map_lookup_batch(const struct evbpf_map *map, const void *in_batch,
                                     void *out_batch, void *keys, void *values, uint32_t *count,
                                     const struct evbpf_map_batch_opts *opts)
{
	return batch_lookup(map, "lookup_batch", false, in_batch, out_batch, keys, values, count,
	                    opts);
}

EVBPF_API int evbpf_map_lookup_and_delete_batch(const struct evbpf_map *map, const void *in_batch,
                                                void *out_batch, void *keys, void *values,
                                                uint32_t *count,
                                                const struct evbpf_map_batch_opts *opts)
{
	return batch_lookup(map, "lookup_and_delete_batch", true, in_batch, out_batch, keys, values,
	                    count, opts);
}

EVBPF_API int evbpf_map_update_batch(const struct evbpf_map *map, const void *keys,
                                     const void *values, uint32_t *count,
                                     const struct evbpf_map_batch_opts *opts)
{
	struct batch_args a;
	size_t ksz, vsz;
	uint32_t n;
	int ret = batch_args_init(&a, map, "update_batch", count, opts);

	if (ret)
		return ret;
	if (!keys || !values)
		return evbpf__err(-EINVAL, "map '%s': update_batch: NULL %s", map->name,
		                  keys ? "values" : "keys");
	if (!*count)
		return 0;
	a.keys = (void *)keys;
	a.values = (void *)values;
	ret = kernel_batch(BPF_MAP_UPDATE_BATCH, &a);
	if (ret != 1)
		return ret;
	ksz = map->key_size;
	vsz = value_stride(map);
	for (n = 0; n < *count; n++) {
		ret =
		    evbpf__bpf_map_update(map->fd, (const uint8_t *)keys + (size_t)n * ksz,
		                          (const uint8_t *)values + (size_t)n * vsz, a.elem_flags);
		if (ret)
			break;
	}
	*count = n;
	return evbpf__map_elem_result(map, "update_batch", ret);
}

EVBPF_API int evbpf_map_delete_batch(const struct evbpf_map *map, const void *keys, uint32_t *count,
                                     const struct evbpf_map_batch_opts *opts)
{
	struct batch_args a;
	uint32_t n;
	int ret = batch_args_init(&a, map, "delete_batch", count, opts);

	if (ret)
		return ret;
	if (!keys)
		return evbpf__err(-EINVAL, "map '%s': delete_batch: NULL keys", map->name);
	if (!*count)
		return 0;
	a.keys = (void *)keys;
	ret = kernel_batch(BPF_MAP_DELETE_BATCH, &a);
	if (ret != 1)
		return ret;
	for (n = 0; n < *count; n++) {
		ret = elem_op(BPF_MAP_DELETE_ELEM, map,
		              (const uint8_t *)keys + (size_t)n * map->key_size, NULL, 0);
		if (ret)
			break;
	}
	*count = n;
	return evbpf__map_elem_result(map, "delete_batch", ret);
}
