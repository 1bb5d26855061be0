/* SPDX-License-Identifier: MIT */
/*
 * Map polling: a snapshot of a map every interval, on a reactor timer.
 *
 * A snapshot is read with BPF_MAP_LOOKUP_BATCH where the kernel and the map
 * type support it (Linux 5.6+, hash and array maps), otherwise with
 * BPF_MAP_GET_NEXT_KEY + BPF_MAP_LOOKUP_ELEM. Neither blocks in the
 * kernel, but a large map takes a while to copy: maps with more entries
 * than offloop_entries are dumped by the reactor's work operation (the
 * libuv thread pool, the libev reactor's worker) and delivered when the
 * dump comes back to the loop, so the loop never stalls on them. One dump
 * is in flight at a time; a tick that finds one still running is skipped.
 *
 * Ownership while a dump is off the loop: the job owns `cur` and the delta
 * buffers, the loop thread touches none of them until the completion runs
 * on it. The map fd is our own dup, so closing the object meanwhile cannot
 * make the worker read a different map that reused the number.
 *
 * Delta mode sorts each snapshot by key (memcmp order) and merges it with
 * the previous one: keys that are new or whose value bytes changed are
 * reported, and keys that disappeared are listed separately.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EVBPF_ASYNC_INTERNAL
#include "internal.h"
#include "reactor.h"

#define MAPPOLL_DEFAULT_INTERVAL_MS 1000
#define MAPPOLL_DEFAULT_OFFLOOP     4096
#define MAPPOLL_BATCH_CHUNK         256

struct entries {
	uint8_t *keys;
	uint8_t *values; /* NULL for key-only lists */
	size_t count;
	size_t cap;
};

struct evbpf_mappoll {
	int fd; /* our dup of the map's fd */
	char name[BPF_OBJ_NAME_LEN];
	size_t key_size;
	size_t value_size; /* bytes a lookup writes (per-CPU: all slots) */
	uint32_t max_entries;
	evbpf_mappoll_fn fn;
	void *ctx;
	uint32_t interval_ms;
	uint32_t flags;
	bool offloop;
	bool batch_ok; /* cleared once the kernel refuses batch lookups */
	/* Snapshot state. */
	struct entries cur;
	struct entries prev;    /* delta mode: the last snapshot, sorted */
	struct entries changed; /* delta mode: new or changed entries */
	struct entries deleted; /* delta mode: keys only */
	size_t *order;          /* delta mode: cur's indices sorted by key */
	uint8_t *last_key;      /* next_key walk: the last key recorded */
	size_t order_cap;
	uint64_t seq;
	bool have_prev;
	bool last_batch; /* the last dump used BPF_MAP_LOOKUP_BATCH */
	int job_err;
	/* Loop state. */
	struct evbpf_reactor *reactor;
	struct evbpf_reactor_timer *timer;
	bool started;
	bool in_flight;
	bool in_callback;
	bool free_req;
	struct evbpf_mappoll_stats stats;
};

static int entries_reserve(struct entries *e, size_t n, size_t key_size, size_t value_size)
{
	size_t cap = e->cap ? e->cap : 64;
	uint8_t *k, *v;

	if (n <= e->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	k = realloc(e->keys, cap * key_size);
	if (!k)
		return -ENOMEM;
	e->keys = k;
	if (value_size) {
		v = realloc(e->values, cap * value_size);
		if (!v)
			return -ENOMEM;
		e->values = v;
	}
	e->cap = cap;
	return 0;
}

static void entries_free(struct entries *e)
{
	free(e->keys);
	free(e->values);
	memset(e, 0, sizeof(*e));
}

/* Hard limit on a dump: a map being rewritten while we walk it can make
 * next_key restart from the first key, so we stop at a generous bound. */
static size_t dump_limit(const struct evbpf_mappoll *mp)
{
	return (size_t)mp->max_entries * 4 + 1024;
}

static int dump_batch(struct evbpf_mappoll *mp)
{
	uint64_t tok_in[8], tok_out[8]; /* a hash bucket index or an array key */
	size_t chunk = MAPPOLL_BATCH_CHUNK;
	bool first = true;
	union bpf_attr attr;
	int err;

	if (mp->key_size > sizeof(tok_in))
		return -ENOTSUP;
	for (;;) {
		if (mp->cur.count > dump_limit(mp))
			return -E2BIG;
		if (entries_reserve(&mp->cur, mp->cur.count + chunk, mp->key_size, mp->value_size))
			return -ENOMEM;
		/* The kernel fills these; clearing them first keeps stale
		 * bytes out of the snapshot and makes the buffers defined for
		 * checkers that do not know this command (valgrind). */
		memset(mp->cur.keys + mp->cur.count * mp->key_size, 0, chunk * mp->key_size);
		memset(mp->cur.values + mp->cur.count * mp->value_size, 0, chunk * mp->value_size);
		memset(tok_out, 0, sizeof(tok_out));
		memset(&attr, 0, sizeof(attr));
		attr.batch.map_fd = (uint32_t)mp->fd;
		attr.batch.in_batch = first ? 0 : (uint64_t)(uintptr_t)tok_in;
		attr.batch.out_batch = (uint64_t)(uintptr_t)tok_out;
		attr.batch.keys =
		    (uint64_t)(uintptr_t)(mp->cur.keys + mp->cur.count * mp->key_size);
		attr.batch.values =
		    (uint64_t)(uintptr_t)(mp->cur.values + mp->cur.count * mp->value_size);
		attr.batch.count = (uint32_t)chunk;
		err = evbpf__bpf(BPF_MAP_LOOKUP_BATCH, &attr, sizeof(attr));
		if (err < 0 && err != -ENOENT) {
			/* A hash bucket holds more entries than fit in one
			 * call: retry the same position with a larger chunk. */
			if (err == -ENOSPC && !attr.batch.count && chunk < (1u << 20)) {
				chunk *= 2;
				continue;
			}
			return err;
		}
		mp->cur.count += attr.batch.count;
		if (err == -ENOENT)
			return 0;
		memcpy(tok_in, tok_out, sizeof(tok_in));
		first = false;
	}
}

static int dump_iter(struct evbpf_mappoll *mp)
{
	size_t steps = 0, limit = dump_limit(mp);
	bool have_last = false;
	union bpf_attr attr;
	int err;

	for (;;) {
		uint8_t *key, *value;

		/* A map rewritten while we walk it can send next_key back to
		 * the first key; stop at a generous bound. */
		if (++steps > limit)
			return -E2BIG;
		if (entries_reserve(&mp->cur, mp->cur.count + 1, mp->key_size, mp->value_size))
			return -ENOMEM;
		key = mp->cur.keys + mp->cur.count * mp->key_size;
		value = mp->cur.values + mp->cur.count * mp->value_size;
		memset(&attr, 0, sizeof(attr));
		attr.map_fd = (uint32_t)mp->fd;
		attr.key = have_last ? (uint64_t)(uintptr_t)mp->last_key : 0;
		attr.next_key = (uint64_t)(uintptr_t)key;
		err = evbpf__bpf(BPF_MAP_GET_NEXT_KEY, &attr, sizeof(attr));
		if (err == -ENOENT)
			return 0;
		if (err < 0)
			return err;
		err = evbpf__bpf_map_lookup(mp->fd, key, value, 0);
		if (err < 0 && err != -ENOENT)
			return err;
		/* A key without a value (an empty slot of an array-like map,
		 * or deleted since next_key) is walked past, not recorded. */
		memcpy(mp->last_key, key, mp->key_size);
		have_last = true;
		if (!err)
			mp->cur.count++;
	}
}

static int dump(struct evbpf_mappoll *mp)
{
	int err;

	mp->cur.count = 0;
	mp->last_batch = false;
	if (mp->batch_ok && !(mp->flags & EVBPF_MAPPOLL_NO_BATCH)) {
		err = dump_batch(mp);
		if (!err) {
			mp->last_batch = true;
			return 0;
		}
		/* 524 is the kernel's internal ENOTSUPP, which it returns for
		 * map types without batch operations. */
		if (err != -EINVAL && err != -ENOTSUP && err != -EOPNOTSUPP && err != -524)
			return err;
		/* This kernel or map type has no batch lookup: remember,
		 * and walk the keys instead from now on. */
		mp->batch_ok = false;
		mp->cur.count = 0;
	}
	return dump_iter(mp);
}

static int key_cmp(const void *a, const void *b, void *arg)
{
	const struct evbpf_mappoll *mp = arg;

	return memcmp(mp->cur.keys + *(const size_t *)a * mp->key_size,
	              mp->cur.keys + *(const size_t *)b * mp->key_size, mp->key_size);
}

static int append(struct entries *e, const uint8_t *key, const uint8_t *value, size_t ks, size_t vs)
{
	if (entries_reserve(e, e->count + 1, ks, value ? vs : 0))
		return -ENOMEM;
	memcpy(e->keys + e->count * ks, key, ks);
	if (value)
		memcpy(e->values + e->count * vs, value, vs);
	e->count++;
	return 0;
}

/* Sort cur, diff it against prev into changed/deleted, and leave the
 * sorted cur in prev for next time (cur keeps the delivered order). */
static int compute_delta(struct evbpf_mappoll *mp)
{
	size_t ks = mp->key_size, vs = mp->value_size, i = 0, j = 0, n = mp->cur.count;
	struct entries sorted = {0};
	int err = 0;

	if (n > mp->order_cap) {
		size_t *o = realloc(mp->order, n * sizeof(*o));

		if (!o)
			return -ENOMEM;
		mp->order = o;
		mp->order_cap = n;
	}
	for (size_t k = 0; k < n; k++)
		mp->order[k] = k;
	qsort_r(mp->order, n, sizeof(*mp->order), key_cmp, mp);
	mp->changed.count = 0;
	mp->deleted.count = 0;
	if (entries_reserve(&sorted, n ? n : 1, ks, vs))
		return -ENOMEM;
	for (size_t k = 0; k < n; k++) {
		memcpy(sorted.keys + k * ks, mp->cur.keys + mp->order[k] * ks, ks);
		memcpy(sorted.values + k * vs, mp->cur.values + mp->order[k] * vs, vs);
	}
	sorted.count = n;
	while (mp->have_prev && !err && (i < n || j < mp->prev.count)) {
		const uint8_t *ck = sorted.keys + i * ks, *pk = mp->prev.keys + j * ks;
		int c = i >= n ? 1 : j >= mp->prev.count ? -1 : memcmp(ck, pk, ks);

		if (c < 0) {
			err = append(&mp->changed, ck, sorted.values + i * vs, ks, vs);
			i++;
		} else if (c > 0) {
			err = append(&mp->deleted, pk, NULL, ks, 0);
			j++;
		} else {
			if (memcmp(sorted.values + i * vs, mp->prev.values + j * vs, vs))
				err = append(&mp->changed, ck, sorted.values + i * vs, ks, vs);
			i++;
			j++;
		}
	}
	if (err) {
		entries_free(&sorted);
		return err;
	}
	entries_free(&mp->prev);
	mp->prev = sorted;
	return 0;
}

/* Everything that may run off the loop thread. */
static int collect(struct evbpf_mappoll *mp)
{
	int err = dump(mp);

	if (!err && (mp->flags & EVBPF_MAPPOLL_DELTA))
		err = compute_delta(mp);
	return err;
}

static void destroy(struct evbpf_mappoll *mp)
{
	if (mp->timer)
		evbpf__reactor_timer_close(mp->reactor, &mp->timer);
	if (mp->fd >= 0)
		close(mp->fd);
	entries_free(&mp->cur);
	entries_free(&mp->prev);
	entries_free(&mp->changed);
	entries_free(&mp->deleted);
	free(mp->order);
	free(mp->last_key);
	free(mp);
}

/* On the calling (loop) thread: hand the collected snapshot over. Returns
 * true when the callback freed the poller (it is gone then). */
static bool deliver(struct evbpf_mappoll *mp)
{
	struct evbpf_map_snapshot snap = {0};
	bool delta = (mp->flags & EVBPF_MAPPOLL_DELTA) && mp->have_prev;

	snap.seq = ++mp->seq;
	snap.key_size = mp->key_size;
	snap.value_size = mp->value_size;
	if (delta) {
		snap.delta = 1;
		snap.count = mp->changed.count;
		snap.keys = mp->changed.keys;
		snap.values = mp->changed.values;
		snap.deleted_count = mp->deleted.count;
		snap.deleted_keys = mp->deleted.keys;
	} else {
		snap.count = mp->cur.count;
		snap.keys = mp->cur.keys;
		snap.values = mp->cur.values;
	}
	mp->have_prev = true;
	mp->stats.polls++;
	mp->stats.entries += mp->cur.count;
	if (mp->last_batch)
		mp->stats.batch_polls++;
	mp->in_callback = true;
	mp->fn(mp->ctx, &snap);
	mp->in_callback = false;
	if (mp->free_req) {
		destroy(mp);
		return true;
	}
	return false;
}

static void job_work(void *arg)
{
	struct evbpf_mappoll *mp = arg;

	mp->job_err = collect(mp);
}

static void job_done(void *arg, int status)
{
	struct evbpf_mappoll *mp = arg;

	mp->in_flight = false;
	if (mp->free_req) {
		destroy(mp);
		return;
	}
	if (status < 0 || mp->job_err < 0) {
		evbpf__warn("mappoll: map '%s': dump failed: %s", mp->name,
		            evbpf_strerror(status < 0 ? status : mp->job_err));
		return;
	}
	/* A poller stopped while its dump ran delivers nothing more. */
	if (!mp->started)
		return;
	mp->stats.offloop_polls++;
	deliver(mp);
}

static void on_tick(void *arg)
{
	struct evbpf_mappoll *mp = arg;
	int err;

	if (mp->in_flight) {
		mp->stats.skipped++;
		return;
	}
	if (mp->offloop) {
		mp->in_flight = true;
		err = evbpf__reactor_work(mp->reactor, job_work, job_done, mp);
		if (!err)
			return;
		mp->in_flight = false;
		evbpf__warn("mappoll: map '%s': cannot dump off the loop (%s); dumping here",
		            mp->name, evbpf_strerror(err));
	}
	err = collect(mp);
	if (err) {
		evbpf__warn("mappoll: map '%s': dump failed: %s", mp->name, evbpf_strerror(err));
		return;
	}
	deliver(mp);
}

EVBPF_API int evbpf_mappoll_new(const struct evbpf_map *map, evbpf_mappoll_fn fn, void *ctx,
                                const struct evbpf_mappoll_opts *opts, struct evbpf_mappoll **mpp)
{
	struct evbpf_mappoll_opts o = {0};
	struct evbpf_mappoll *mp;
	int fd, err;

	if (!map)
		return evbpf__err_null_map("mappoll");
	if (!fn || !mpp)
		return evbpf__err(-EINVAL, "mappoll: NULL argument");
	if (opts) {
		if (opts->sz < sizeof(size_t))
			return evbpf__err(-EINVAL, "mappoll: opts->sz is not set");
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	}
	if (o.flags & ~(EVBPF_MAPPOLL_DELTA | EVBPF_MAPPOLL_OFFLOOP | EVBPF_MAPPOLL_NO_BATCH))
		return evbpf__err(-EINVAL, "mappoll: unknown flags 0x%x", o.flags);
	fd = evbpf_map_fd(map);
	if (fd < 0)
		return evbpf__err(-EINVAL, "mappoll: map '%s' is not loaded", evbpf_map_name(map));
	if (!evbpf_map_key_size(map) || !evbpf_map_value_buf_size(map) ||
	    evbpf_map_type(map) == BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return evbpf__err(-EINVAL, "mappoll: a %s map cannot be polled",
		                  evbpf_map_type_name(evbpf_map_type(map)));
	mp = calloc(1, sizeof(*mp));
	if (!mp)
		return evbpf__err(-ENOMEM, "mappoll: out of memory");
	mp->last_key = malloc(evbpf_map_key_size(map));
	mp->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (mp->fd < 0 || !mp->last_key) {
		err = mp->fd < 0 ? -errno : -ENOMEM;
		if (mp->fd >= 0)
			close(mp->fd);
		free(mp->last_key);
		free(mp);
		return evbpf__err(err, "mappoll: dup of the map fd: %s", evbpf_strerror(err));
	}
	snprintf(mp->name, sizeof(mp->name), "%s", evbpf_map_name(map));
	mp->key_size = evbpf_map_key_size(map);
	mp->value_size = evbpf_map_value_buf_size(map);
	mp->max_entries = evbpf_map_max_entries(map);
	mp->fn = fn;
	mp->ctx = ctx;
	mp->interval_ms = o.interval_ms ? o.interval_ms : MAPPOLL_DEFAULT_INTERVAL_MS;
	mp->flags = o.flags;
	mp->offloop =
	    (o.flags & EVBPF_MAPPOLL_OFFLOOP) ||
	    mp->max_entries > (o.offloop_entries ? o.offloop_entries : MAPPOLL_DEFAULT_OFFLOOP);
	mp->batch_ok = true;
	mp->stats.sz = sizeof(mp->stats);
	*mpp = mp;
	return 0;
}

EVBPF_API int evbpf_mappoll_poll(struct evbpf_mappoll *mp)
{
	int err;

	if (!mp)
		return evbpf__err(-EINVAL, "mappoll poll: NULL poller");
	if (mp->in_flight || mp->in_callback)
		return evbpf__err(-EBUSY, "mappoll: map '%s': a snapshot is in progress", mp->name);
	err = collect(mp);
	if (err)
		return evbpf__err(err, "mappoll: map '%s': dump failed: %s", mp->name,
		                  evbpf_strerror(err));
	deliver(mp);
	return 0;
}

EVBPF_API int evbpf_mappoll_start(struct evbpf_mappoll *mp, struct evbpf_reactor *reactor)
{
	int err;

	if (!mp)
		return evbpf__err(-EINVAL, "mappoll start: NULL argument");
	err = evbpf__reactor_check(reactor, "mappoll start");
	if (err)
		return err;
	if (mp->started)
		return evbpf__err(-EBUSY, "mappoll: map '%s': already started", mp->name);
	if (mp->in_flight && mp->reactor != reactor)
		return evbpf__err(-EBUSY,
		                  "mappoll: map '%s': a dump is still running on "
		                  "another reactor",
		                  mp->name);
	err = evbpf__reactor_timer_open(reactor, on_tick, mp, &mp->timer);
	if (err)
		return err;
	err = reactor->ops->timer_start(mp->timer, mp->interval_ms, mp->interval_ms);
	if (err) {
		evbpf__reactor_timer_close(reactor, &mp->timer);
		return evbpf__err(err, "mappoll: reactor '%s' cannot start a timer: %s",
		                  reactor->ops->name, evbpf_strerror(err));
	}
	mp->reactor = reactor;
	mp->started = true;
	return 0;
}

EVBPF_API int evbpf_mappoll_stop(struct evbpf_mappoll *mp)
{
	if (!mp)
		return evbpf__err(-EINVAL, "mappoll stop: NULL poller");
	if (!mp->started)
		return 0;
	evbpf__reactor_timer_close(mp->reactor, &mp->timer);
	mp->started = false;
	return 0;
}

EVBPF_API int evbpf_mappoll_stats(const struct evbpf_mappoll *mp, struct evbpf_mappoll_stats *stats)
{
	size_t sz;

	if (!mp || !stats || stats->sz < sizeof(size_t))
		return evbpf__err(-EINVAL, "mappoll stats: bad argument");
	sz = stats->sz < sizeof(*stats) ? stats->sz : sizeof(*stats);
	memcpy((char *)stats + sizeof(size_t), (const char *)&mp->stats + sizeof(size_t),
	       sz - sizeof(size_t));
	return 0;
}

EVBPF_API void evbpf_mappoll_free(struct evbpf_mappoll *mp)
{
	if (!mp)
		return;
	evbpf_mappoll_stop(mp);
	if (mp->in_flight || mp->in_callback) {
		mp->free_req = true;
		return;
	}
	destroy(mp);
}
