/* SPDX-License-Identifier: MIT */
/*
 * Tables and log2 histograms of maps for `evbpf run` (see run_view.h).
 *
 * Per-CPU maps: a lookup gives one value per possible CPU, each in an
 * 8-byte aligned slot (evbpf_map_value_buf_size()). What an operator wants
 * is the total, so values made only of integers (an integer, or structs
 * and arrays of them: counters, histogram slots) are summed over the CPUs,
 * each integer in its own width; any other value (a string, an enum, a
 * bool, a union) has no meaningful sum and shows as a list, one per CPU.
 */
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
#define SUM_MAX_LEAVES 1024

/* An integer inside a value, summed over the CPUs of a per-CPU map. */
struct sum_leaf {
	uint32_t off;
	uint32_t size; /* 1, 2, 4 or 8 */
};

struct run_view {
	const struct evbpf_map *map;
	const struct evbpf_btf *btf;
	const char *name;
	bool hist;
	uint32_t top;
	uint32_t key_tid, value_tid; /* 0: no BTF, shown in hex */
	size_t slot_size;            /* --hist: 4 or 8 */
	size_t slot_off;             /* --hist: where the slots start in a value */
	size_t nr_slots;
	/* --hist on a struct value: its slots member (the others are labels),
	 * -1 when the value is the array itself. */
	const struct btf_type *value_struct;
	int slots_member;
	bool slots_named;
	bool int_value; /* --map: the value is an integer, sorted by it */
	struct evbpf_mappoll *mp;
	struct jbuf buf;
	FILE *out;
	/* Per-CPU maps: each entry has ncpus values, stride bytes apart. */
	bool percpu;
	size_t ncpus, stride;
	struct sum_leaf *leaves; /* NULL: the value cannot be summed */
	size_t nr_leaves;
	uint8_t *folded; /* the snapshot's values summed over the CPUs */
	size_t folded_cap;
	/* The snapshot being sorted (qsort has no context argument). */
	const struct evbpf_map_snapshot *snap;
};

static struct run_view *sort_view;

static void write_uint(void *p, size_t size, uint64_t v)
{
	uint8_t b1 = (uint8_t)v;
	uint16_t b2 = (uint16_t)v;
	uint32_t b4 = (uint32_t)v;

	switch (size) {
	case 1:
		memcpy(p, &b1, 1);
		break;
	case 2:
		memcpy(p, &b2, 2);
		break;
	case 4:
		memcpy(p, &b4, 4);
		break;
	case 8:
		memcpy(p, &v, 8);
		break;
	}
}

static uint64_t read_uint(const void *p, size_t size)
{
	uint64_t v = 0;

	switch (size) {
	case 1:
		v = *(const uint8_t *)p;
		break;
	case 2: {
		uint16_t x;
		memcpy(&x, p, 2);
		v = x;
		break;
	}
	case 4: {
		uint32_t x;
		memcpy(&x, p, 4);
		v = x;
		break;
	}
	case 8:
		memcpy(&v, p, 8);
		break;
	}
	return v;
}

/* The element size of the slot array a histogram value holds: the value
 * itself an array (`u32 slots[N]`), or a struct whose only member is one
 * (bcc's `struct hist { u32 slots[N]; }`). 0: not a histogram. */
/* An array of 4- or 8-byte integers: its element size, else 0. */
static size_t slot_array(const struct evbpf_btf *btf, uint32_t tid, uint32_t *nelems)
{
	int rid = evbpf__btf_skip_mods(btf, tid);
	const struct btf_type *t = rid > 0 ? evbpf__btf_type(btf, (uint32_t)rid) : NULL;
	const struct btf_array *a;
	const struct btf_type *et;
	int eid;
	int64_t esize;

	if (!t || evbpf__btf_kind(t) != BTF_KIND_ARRAY)
		return 0;
	a = (const struct btf_array *)(t + 1);
	eid = evbpf__btf_skip_mods(btf, a->type);
	et = eid > 0 ? evbpf__btf_type(btf, (uint32_t)eid) : NULL;
	if (!et || (evbpf__btf_kind(et) != BTF_KIND_INT && evbpf__btf_kind(et) != BTF_KIND_ENUM))
		return 0;
	esize = evbpf__btf_resolve_size(btf, a->type);
	if (esize != 4 && esize != 8)
		return 0;
	*nelems = a->nelems;
	return (size_t)esize;
}

/*
 * Where a histogram value keeps its slots: the value itself when it is an
 * array of u32/u64 (bpftrace-style), else the member of a struct that is
 * one — the member called "slots" when there are several, as in bcc's
 * `struct hist { u32 slots[N]; char comm[16]; }`, whose other members are
 * labels printed above the histogram. 0, or -EINVAL.
 */
static int hist_layout(struct run_view *v, size_t value_size)
{
	const struct btf_type *t;
	int rid, nr = 0;
	uint32_t n = 0;
	size_t size;

	v->slots_member = -1;
	size = slot_array(v->btf, v->value_tid, &n);
	if (size) {
		v->slot_size = size;
		v->slot_off = 0;
		v->nr_slots = value_size / size;
		return 0;
	}
	rid = evbpf__btf_skip_mods(v->btf, v->value_tid);
	t = rid > 0 ? evbpf__btf_type(v->btf, (uint32_t)rid) : NULL;
	if (!t || evbpf__btf_kind(t) != BTF_KIND_STRUCT)
		return -EINVAL;
	for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++) {
		const struct btf_member *m = (const struct btf_member *)(t + 1) + i;
		uint32_t bit = evbpf__btf_member_bit_offset(t, i), nelems = 0;
		size_t esize = slot_array(v->btf, m->type, &nelems);
		const char *name = evbpf__btf_str(v->btf, m->name_off);
		bool named = name && !strcmp(name, "slots");

		if (!esize || bit % 8 || bit / 8 > value_size ||
		    (uint64_t)nelems * esize > value_size - bit / 8)
			continue;
		/* The first "slots", else the only array of integers. */
		if (v->slots_named)
			continue;
		if (!named && nr++)
			continue;
		v->slots_named = named;
		v->slots_member = i;
		v->slot_size = esize;
		v->slot_off = bit / 8;
		v->nr_slots = nelems;
	}
	if (!v->slots_named && nr != 1) {
		v->slots_member = -1;
		return -EINVAL;
	}
	v->value_struct = t;
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

/*
 * The integers a value of type tid at off is made of, appended to
 * leaves[*n]: false when it holds anything else (or too many of them).
 */
static bool sum_leaves(const struct evbpf_btf *btf, uint32_t tid, uint64_t off, int depth,
                       struct sum_leaf *leaves, size_t *n)
{
	int rid = evbpf__btf_skip_mods(btf, tid);
	const struct btf_type *t = rid > 0 ? evbpf__btf_type(btf, (uint32_t)rid) : NULL;

	if (!t || depth > 8)
		return false;
	switch (evbpf__btf_kind(t)) {
	case BTF_KIND_INT: {
		uint32_t enc = *(const uint32_t *)(t + 1);

		if ((t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8) ||
		    BTF_INT_OFFSET(enc) || BTF_INT_BITS(enc) != t->size * 8u ||
		    (BTF_INT_ENCODING(enc) & (BTF_INT_BOOL | BTF_INT_CHAR)) ||
		    *n >= SUM_MAX_LEAVES || off > UINT32_MAX)
			return false;
		leaves[*n].off = (uint32_t)off;
		leaves[(*n)++].size = t->size;
		return true;
	}
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = (const struct btf_array *)(t + 1);
		int64_t esize = evbpf__btf_resolve_size(btf, a->type);

		if (esize <= 0 || a->nelems > SUM_MAX_LEAVES)
			return false;
		for (uint32_t i = 0; i < a->nelems; i++)
			if (!sum_leaves(btf, a->type, off + i * (uint64_t)esize, depth + 1, leaves,
			                n))
				return false;
		return true;
	}
	case BTF_KIND_STRUCT: {
		const struct btf_member *m = (const struct btf_member *)(t + 1);

		for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++) {
			uint32_t bit = evbpf__btf_member_bit_offset(t, i);

			if (evbpf__btf_member_bitfield_size(t, i) || bit % 8 ||
			    !sum_leaves(btf, m[i].type, off + bit / 8, depth + 1, leaves, n))
				return false;
		}
		return true;
	}
	default:
		return false;
	}
}

/* The leaves of a per-CPU map's value: by BTF, or without BTF an integer
 * of 1, 2, 4 or 8 bytes. */
static int plan_sums(struct run_view *v)
{
	size_t vsize = evbpf_map_value_size(v->map), n = 0;

	v->leaves = calloc(SUM_MAX_LEAVES, sizeof(*v->leaves));
	if (!v->leaves)
		return -ENOMEM;
	if (v->value_tid ? sum_leaves(v->btf, v->value_tid, 0, 0, v->leaves, &n)
	                 : (vsize == 1 || vsize == 2 || vsize == 4 || vsize == 8)) {
		if (!v->value_tid) {
			v->leaves[0].off = 0;
			v->leaves[0].size = (uint32_t)vsize;
			n = 1;
		}
		v->nr_leaves = n;
		return 0;
	}
	free(v->leaves);
	v->leaves = NULL;
	return 0;
}

/* s with its per-CPU values summed (v->folded), in *out. */
static int fold_snapshot(struct run_view *v, const struct evbpf_map_snapshot *s,
                         struct evbpf_map_snapshot *out)
{
	size_t vsize = evbpf_map_value_size(v->map);

	*out = *s;
	if (s->count > v->folded_cap) {
		uint8_t *p = realloc(v->folded, s->count * vsize);

		if (!p)
			return -ENOMEM;
		v->folded = p;
		v->folded_cap = s->count;
	}
	if (s->count)
		memset(v->folded, 0, s->count * vsize);
	for (size_t i = 0; i < s->count; i++) {
		const uint8_t *base = (const uint8_t *)s->values + i * s->value_size;
		uint8_t *dst = v->folded + i * vsize;

		for (size_t l = 0; l < v->nr_leaves; l++) {
			const struct sum_leaf *leaf = &v->leaves[l];
			uint64_t sum = 0;

			for (size_t cpu = 0; cpu < v->ncpus; cpu++)
				sum += read_uint(base + cpu * v->stride + leaf->off, leaf->size);
			write_uint(dst + leaf->off, leaf->size, sum);
		}
	}
	out->values = v->folded;
	out->value_size = vsize;
	return 0;
}

/* Append the JSON of size bytes at data as type tid (hex without BTF). */
static void decode_into(struct run_view *v, uint32_t tid, const void *data, size_t size)
{
	struct json_btf_result res = {0};
	size_t mark = v->buf.len;

	if (!tid || json_btf_value(&v->buf, v->btf, tid, data, size, &res)) {
		v->buf.len = mark;
		v->buf.oom = false;
		jbuf_hex(&v->buf, data, size);
	}
}

/* The decoded JSON of size bytes at data as type tid (hex without BTF). */
static const char *decode(struct run_view *v, uint32_t tid, const void *data, size_t size)
{
	jbuf_reset(&v->buf);
	decode_into(v, tid, data, size);
	jbuf_putc(&v->buf, '\0');
	return v->buf.oom ? "?" : v->buf.p;
}

/* A per-CPU value that cannot be summed: a list, one value per CPU. */
static const char *decode_percpu(struct run_view *v, const void *data)
{
	jbuf_reset(&v->buf);
	jbuf_putc(&v->buf, '[');
	for (size_t cpu = 0; cpu < v->ncpus; cpu++) {
		if (cpu)
			jbuf_putc(&v->buf, ',');
		decode_into(v, v->value_tid, (const uint8_t *)data + cpu * v->stride,
		            evbpf_map_value_size(v->map));
	}
	jbuf_putc(&v->buf, ']');
	jbuf_putc(&v->buf, '\0');
	return v->buf.oom ? "?" : v->buf.p;
}

static void print_time(struct run_view *v)
{
	time_t now = time(NULL);
	struct tm tm;
	char when[16] = "";

	if (localtime_r(&now, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	fprintf(v->out, "%s", when);
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
	struct evbpf_map_snapshot folded;
	size_t shown;

	print_time(v);
	fprintf(v->out, " map '%s': %zu entr%s\n", v->name, n, n == 1 ? "y" : "ies");
	if (order && v->percpu && v->leaves) {
		if (fold_snapshot(v, s, &folded)) {
			free(order);
			order = NULL;
		} else {
			s = &folded;
		}
	}
	if (!order) {
		fprintf(v->out, "  (out of memory)\n");
		return;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	sort_view = v;
	v->snap = s;
	qsort(order, n, sizeof(*order), cmp_entries);
	shown = v->top && v->top < n ? v->top : n;
	fprintf(v->out, "  %-32s %s\n", "KEY", "VALUE");
	for (size_t k = 0; k < shown; k++) {
		size_t i = order[k];
		const char *value = (const char *)s->values + i * s->value_size;

		fprintf(
		    v->out, "  %-32s ",
		    decode(v, v->key_tid, (const char *)s->keys + i * s->key_size, s->key_size));
		fprintf(v->out, "%s\n",
		        v->percpu && !v->leaves
		            ? decode_percpu(v, value)
		            : decode(v, v->value_tid, value, evbpf_map_value_size(v->map)));
	}
	free(order);
}

/* Slot i of a histogram value: per-CPU maps, summed over the CPUs (in 64
 * bits, whatever the slot's width). */
static uint64_t hist_count(const struct run_view *v, const void *value, size_t i)
{
	const char *p = (const char *)value + v->slot_off + i * v->slot_size;
	uint64_t sum = 0;

	if (!v->percpu)
		return read_uint(p, v->slot_size);
	for (size_t cpu = 0; cpu < v->ncpus; cpu++)
		sum += read_uint(p + cpu * v->stride, v->slot_size);
	return sum;
}

/* One histogram, as bcc's tools print them: slot i counts values whose
 * log2 is i, [2^i, 2^(i+1) - 1] (slot 0: 0 -> 1), up to the last
 * non-empty slot. */
static void print_hist(struct run_view *v, const void *value)
{
	uint64_t counts[HIST_MAX_SLOTS], max = 0;
	size_t last = 0;

	for (size_t i = 0; i < v->nr_slots; i++) {
		counts[i] = hist_count(v, value, i);
		if (counts[i]) {
			last = i;
			if (counts[i] > max)
				max = counts[i];
		}
	}
	fprintf(v->out, "%24s : %-10s distribution\n", "value", "count");
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
		fprintf(v->out, "%10llu -> %-10llu : %-10llu |%-*s|\n", (unsigned long long)lo,
		        (unsigned long long)hi, (unsigned long long)counts[i], HIST_BAR_WIDTH,
		        bars);
	}
}

/* The members of a struct histogram value other than its slots, as
 * "comm = \"bash\"" lines (per-CPU maps: the first CPU's copy). */
static void print_labels(struct run_view *v, const void *value)
{
	const struct btf_type *t = v->value_struct;
	size_t value_size = evbpf_map_value_size(v->map);

	if (!t)
		return;
	for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++) {
		const struct btf_member *m = (const struct btf_member *)(t + 1) + i;
		uint32_t bit = evbpf__btf_member_bit_offset(t, i);
		int64_t msize = evbpf__btf_resolve_size(v->btf, m->type);
		const char *name = evbpf__btf_str(v->btf, m->name_off);

		if (i == v->slots_member || bit % 8 || msize <= 0 || bit / 8 > value_size ||
		    (uint64_t)msize > value_size - bit / 8)
			continue;
		fprintf(v->out, "%s = %s\n", name && *name ? name : "?",
		        decode(v, m->type, (const char *)value + bit / 8, (size_t)msize));
	}
}

static void print_hists(struct run_view *v, const struct evbpf_map_snapshot *s)
{
	size_t printed = 0;

	uint32_t type = evbpf_map_type(v->map);

	print_time(v);
	fprintf(v->out, " map '%s':\n", v->name);
	for (size_t i = 0; i < s->count; i++) {
		const char *value = (const char *)s->values + i * s->value_size;
		bool empty = true;

		for (size_t b = 0; b < v->nr_slots && empty; b++)
			empty = !hist_count(v, value, b);
		if (empty)
			continue; /* an array map's unused keys */
		/* A map of one histogram needs no key line. */
		if (s->count > 1 ||
		    (type != BPF_MAP_TYPE_ARRAY && type != BPF_MAP_TYPE_PERCPU_ARRAY))
			fprintf(v->out, "key = %s\n",
			        decode(v, v->key_tid, (const char *)s->keys + i * s->key_size,
			               s->key_size));
		print_labels(v, value);
		print_hist(v, value);
		printed++;
		if (v->top && printed >= v->top)
			break;
	}
	if (!printed)
		fprintf(v->out, "  (empty)\n");
}

static void on_snapshot(void *ctx, const struct evbpf_map_snapshot *s)
{
	struct run_view *v = ctx;

	if (v->percpu && s->count && s->value_size < v->ncpus * v->stride) {
		/* Not what evbpf_map_value_buf_size() promised: say so
		 * rather than read past the values. */
		print_time(v);
		fprintf(v->out, " map '%s': per-CPU values of %zu bytes, expected %zu\n\n", v->name,
		        s->value_size, v->ncpus * v->stride);
		return;
	}
	if (v->hist)
		print_hists(v, s);
	else
		print_table(v, s);
	fputc('\n', v->out);
	fflush(v->out);
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
	    type != BPF_MAP_TYPE_LRU_HASH && type != BPF_MAP_TYPE_PERCPU_HASH &&
	    type != BPF_MAP_TYPE_PERCPU_ARRAY && type != BPF_MAP_TYPE_LRU_PERCPU_HASH) {
		snprintf(msg, msg_size,
		         "%s %s: a %s map; hash, LRU hash and array maps (per-CPU or not) are "
		         "shown",
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
	v->out = stdout;
	v->percpu = type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	            type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	if (v->percpu) {
		int ncpus = evbpf_num_possible_cpus();

		if (ncpus <= 0) {
			snprintf(msg, msg_size, "%s %s: cannot count the possible CPUs: %s", what,
			         name, evbpf_strerror(ncpus ? ncpus : -EINVAL));
			err = ncpus ? ncpus : -EINVAL;
			goto err;
		}
		v->ncpus = (size_t)ncpus;
		v->stride = evbpf__roundup(evbpf_map_value_size(map), 8);
	}
	if (v->btf) {
		v->key_tid = map->btf_key_type_id;
		v->value_tid = map->btf_value_type_id;
	}
	if (hist) {
		if (!v->value_tid || hist_layout(v, evbpf_map_value_size(map))) {
			snprintf(msg, msg_size,
			         "%s %s: the value is neither an array of u32 or u64 slots nor a "
			         "struct with one (a member 'slots') (by its BTF)",
			         what, name);
			err = -EINVAL;
			goto err;
		}
		if (v->nr_slots > HIST_MAX_SLOTS)
			v->nr_slots = HIST_MAX_SLOTS;
	} else {
		v->int_value = is_int_type(v->btf, v->value_tid, evbpf_map_value_size(map));
		if (v->percpu) {
			err = plan_sums(v);
			if (err) {
				snprintf(msg, msg_size, "%s %s: out of memory", what, name);
				goto err;
			}
			/* Sorted by the sum; a list per CPU sorts by key. */
			v->int_value = v->int_value && v->leaves;
		}
	}
	err = evbpf_mappoll_new(map, on_snapshot, v, &po, &v->mp);
	if (err) {
		snprintf(msg, msg_size, "%s %s: %s", what, name, evbpf_errmsg());
		goto err;
	}
	*vp = v;
	return 0;
err:
	free(v->leaves);
	free(v);
	return err;
}

void run_view_set_output(struct run_view *v, FILE *out)
{
	v->out = out;
}

int run_view_poll(struct run_view *v)
{
	return evbpf_mappoll_poll(v->mp);
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
	free(v->leaves);
	free(v->folded);
	free(v);
}
