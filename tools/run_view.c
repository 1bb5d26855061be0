/* SPDX-License-Identifier: MIT */
/* Tables and log2 histograms of maps for `evbpf run` (see run_view.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "json_btf.h"
#include "run_view.h"

#define HIST_BAR_WIDTH 40
#define HIST_MAX_SLOTS 64

struct run_view {
	const struct evbpf_map *map;
	const struct evbpf_btf *btf;
	const char *name;
	bool hist;
	uint32_t top;
	uint32_t key_tid, value_tid; /* 0: no BTF, shown in hex */
	size_t slot_size;            /* --hist: 4 or 8 */
	size_t nr_slots;
	bool int_value; /* --map: the value is an integer, sorted by it */
	struct evbpf_mappoll *mp;
	struct jbuf buf;
	/* The snapshot being sorted (qsort has no context argument). */
	const struct evbpf_map_snapshot *snap;
};

static struct run_view *sort_view;

static uint64_t read_uint(const void *p, size_t size)
{
	uint64_t v = 0;

	switch (size) {
	case 1: v = *(const uint8_t *)p; break;
	case 2: { uint16_t x; memcpy(&x, p, 2); v = x; break; }
	case 4: { uint32_t x; memcpy(&x, p, 4); v = x; break; }
	case 8: memcpy(&v, p, 8); break;
	}
	return v;
}

/* The element size of the slot array a histogram value holds: the value
 * itself an array (`u32 slots[N]`), or a struct whose only member is one
 * (bcc's `struct hist { u32 slots[N]; }`). 0: not a histogram. */
static size_t hist_slot_size(const struct evbpf_btf *btf, uint32_t tid)
{
	for (int depth = 0; depth < 2; depth++) {
		int rid = evbpf__btf_skip_mods(btf, tid);
		const struct btf_type *t = rid > 0 ? evbpf__btf_type(btf, (uint32_t)rid) : NULL;
		int64_t esize;

		if (!t)
			return 0;
		if (evbpf__btf_kind(t) == BTF_KIND_ARRAY) {
			const struct btf_array *a = (const struct btf_array *)(t + 1);

			esize = evbpf__btf_resolve_size(btf, a->type);
			return esize == 4 || esize == 8 ? (size_t)esize : 0;
		}
		if (evbpf__btf_kind(t) != BTF_KIND_STRUCT || evbpf__btf_vlen(t) != 1)
			return 0;
		tid = ((const struct btf_member *)(t + 1))->type;
	}
	return 0;
}

static bool is_int_type(const struct evbpf_btf *btf, uint32_t tid, size_t size)
{
	int rid = evbpf__btf_skip_mods(btf, tid);
	const struct btf_type *t = rid > 0 ? evbpf__btf_type(btf, (uint32_t)rid) : NULL;

	if (!tid)
		return size == 1 || size == 2 || size == 4 || size == 8;
	return t && evbpf__btf_kind(t) == BTF_KIND_INT && size <= 8;
}

/* The decoded JSON of size bytes at data as type tid (hex without BTF). */
static const char *decode(struct run_view *v, uint32_t tid, const void *data, size_t size)
{
	struct json_btf_result res = {0};

	jbuf_reset(&v->buf);
	if (!tid || json_btf_value(&v->buf, v->btf, tid, data, size, &res)) {
		jbuf_reset(&v->buf);
		jbuf_hex(&v->buf, data, size);
	}
	jbuf_putc(&v->buf, '\0');
	return v->buf.oom ? "?" : v->buf.p;
}

static void print_time(void)
{
	time_t now = time(NULL);
	struct tm tm;
	char when[16] = "";

	if (localtime_r(&now, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	printf("%s", when);
}

/* Largest value first; equal values, and values that are not integers,
 * by key bytes. */
static int cmp_entries(const void *a, const void *b)
{
	const struct evbpf_map_snapshot *s = sort_view->snap;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (sort_view->int_value) {
		uint64_t x = read_uint((const char *)s->values + i * s->value_size,
		                       evbpf_map_value_size(sort_view->map));
		uint64_t y = read_uint((const char *)s->values + j * s->value_size,
		                       evbpf_map_value_size(sort_view->map));

		if (x != y)
			return x < y ? 1 : -1;
	}
	return memcmp((const char *)s->keys + i * s->key_size,
	              (const char *)s->keys + j * s->key_size, s->key_size);
}

static void print_table(struct run_view *v, const struct evbpf_map_snapshot *s)
{
	size_t n = s->count, *order = malloc((n ? n : 1) * sizeof(*order));
	size_t shown;

	print_time();
	printf(" map '%s': %zu entr%s\n", v->name, n, n == 1 ? "y" : "ies");
	if (!order) {
		printf("  (out of memory)\n");
		return;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	sort_view = v;
	v->snap = s;
	qsort(order, n, sizeof(*order), cmp_entries);
	shown = v->top && v->top < n ? v->top : n;
	printf("  %-32s %s\n", "KEY", "VALUE");
	for (size_t k = 0; k < shown; k++) {
		size_t i = order[k];

		printf("  %-32s ", decode(v, v->key_tid, (const char *)s->keys + i * s->key_size,
		                          s->key_size));
		printf("%s\n", decode(v, v->value_tid, (const char *)s->values + i * s->value_size,
		                      evbpf_map_value_size(v->map)));
	}
	free(order);
}

/* One histogram, as bcc's tools print them: slot i counts values whose
 * log2 is i, [2^i, 2^(i+1) - 1] (slot 0: 0 -> 1), up to the last
 * non-empty slot. */
static void print_hist(struct run_view *v, const void *value)
{
	uint64_t counts[HIST_MAX_SLOTS], max = 0;
	size_t last = 0;

	for (size_t i = 0; i < v->nr_slots; i++) {
		counts[i] = read_uint((const char *)value + i * v->slot_size, v->slot_size);
		if (counts[i]) {
			last = i;
			if (counts[i] > max)
				max = counts[i];
		}
	}
	printf("%24s : %-10s distribution\n", "value", "count");
	for (size_t i = 0; i <= last; i++) {
		uint64_t lo = 1ull << i;
		uint64_t hi = i < 63 ? (1ull << (i + 1)) - 1 : UINT64_MAX;
		int bar = max ? (int)((counts[i] * HIST_BAR_WIDTH + max - 1) / max) : 0;
		char bars[HIST_BAR_WIDTH + 1];

		if (lo == hi)
			lo--; /* slot 0 holds 0 and 1 */
		if (bar > HIST_BAR_WIDTH)
			bar = HIST_BAR_WIDTH;
		memset(bars, '*', (size_t)bar);
		bars[bar] = '\0';
		printf("%10llu -> %-10llu : %-10llu |%-*s|\n", (unsigned long long)lo,
		       (unsigned long long)hi, (unsigned long long)counts[i], HIST_BAR_WIDTH,
		       bars);
	}
}

static void print_hists(struct run_view *v, const struct evbpf_map_snapshot *s)
{
	size_t printed = 0;

	print_time();
	printf(" map '%s':\n", v->name);
	for (size_t i = 0; i < s->count; i++) {
		const char *value = (const char *)s->values + i * s->value_size;
		bool empty = true;

		for (size_t b = 0; b < v->nr_slots * v->slot_size && empty; b++)
			empty = !value[b];
		if (empty)
			continue; /* an array map's unused keys */
		/* A map of one histogram needs no key line. */
		if (s->count > 1 || evbpf_map_type(v->map) != BPF_MAP_TYPE_ARRAY)
			printf("key = %s\n", decode(v, v->key_tid,
			                            (const char *)s->keys + i * s->key_size,
			                            s->key_size));
		print_hist(v, value);
		printed++;
		if (v->top && printed >= v->top)
			break;
	}
	if (!printed)
		printf("  (empty)\n");
}

static void on_snapshot(void *ctx, const struct evbpf_map_snapshot *s)
{
	struct run_view *v = ctx;

	if (v->hist)
		print_hists(v, s);
	else
		print_table(v, s);
	putchar('\n');
}

int run_view_new(const struct evbpf_object *obj, const char *name, bool hist, uint32_t top,
                 uint32_t interval_ms, char *msg, size_t msg_size, struct run_view **vp)
{
	struct evbpf_mappoll_opts po = {.sz = sizeof(po), .interval_ms = interval_ms};
	const char *what = hist ? "--hist" : "--map";
	struct run_view *v;
	struct evbpf_map *map;
	uint32_t type;
	int err;

	*vp = NULL;
	map = evbpf_object_find_map(obj, name);
	if (!map) {
		snprintf(msg, msg_size, "%s %s: no map of that name", what, name);
		return -ENOENT;
	}
	type = evbpf_map_type(map);
	if (type != BPF_MAP_TYPE_HASH && type != BPF_MAP_TYPE_ARRAY &&
	    type != BPF_MAP_TYPE_LRU_HASH) {
		snprintf(msg, msg_size, "%s %s: a %s map; hash, LRU hash and array maps are shown",
		         what, name, evbpf_map_type_name(type));
		return -ENOTSUP;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		snprintf(msg, msg_size, "%s %s: out of memory", what, name);
		return -ENOMEM;
	}
	v->map = map;
	v->name = evbpf_map_name(map);
	v->hist = hist;
	v->top = top;
	v->btf = obj->btf;
	if (v->btf) {
		v->key_tid = map->btf_key_type_id;
		v->value_tid = map->btf_value_type_id;
	}
	if (hist) {
		v->slot_size = v->value_tid ? hist_slot_size(v->btf, v->value_tid) : 0;
		if (!v->slot_size) {
			snprintf(msg, msg_size,
			         "%s %s: the value is not an array of u32 or u64 slots (by its BTF)",
			         what, name);
			err = -EINVAL;
			goto err;
		}
		v->nr_slots = evbpf_map_value_size(map) / v->slot_size;
		if (v->nr_slots > HIST_MAX_SLOTS)
			v->nr_slots = HIST_MAX_SLOTS;
	} else {
		v->int_value = is_int_type(v->btf, v->value_tid, evbpf_map_value_size(map));
	}
	err = evbpf_mappoll_new(map, on_snapshot, v, &po, &v->mp);
	if (err) {
		snprintf(msg, msg_size, "%s %s: %s", what, name, evbpf_errmsg());
		goto err;
	}
	*vp = v;
	return 0;
err:
	free(v);
	return err;
}

int run_view_start(struct run_view *v, struct evbpf_reactor *reactor)
{
	return evbpf_mappoll_start(v->mp, reactor);
}

void run_view_free(struct run_view *v)
{
	if (!v)
		return;
	evbpf_mappoll_free(v->mp);
	jbuf_free(&v->buf);
	free(v);
}
