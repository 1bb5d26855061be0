/* SPDX-License-Identifier: MIT */
/*
 * BTF reader. The raw bytes are copied into a buffer we own (so types are
 * 4-byte aligned and can be fixed up in place before BPF_BTF_LOAD), every
 * type is indexed once, and the whole blob is validated up front: type
 * records that run past the type section, unknown kinds, string offsets
 * outside the string section, referenced type ids past the last type,
 * impossible integer encodings and member offsets, reference loops (a
 * const pointing at itself, a pointer chain that never ends) and structs
 * that contain themselves by value are all rejected here, so the rest of
 * the code can index without checks beyond "id < type_cnt" and walk type
 * chains without fearing cycles. Walkers still bound their depth.
 *
 * Lookups by name go through an index keyed by the essential name (the
 * name without a CO-RE "___flavor" suffix), built on the first lookup:
 * the kernel's BTF has over 100k types and CO-RE asks for many names.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define BTF_MAX_DEPTH 32
/* Alignment walks over struct members visit at most this many types, so a
 * hostile DAG of nested structs cannot make them run for ever. */
#define BTF_MAX_WALK 100000

enum { IDX_TYPES, IDX_FUNCS };

struct index_entry {
	uint32_t id;
	uint32_t next; /* entry index + 1, or 0 at the end of a chain */
};

struct evbpf_btf {
	uint8_t *raw; /* header + types + strings, owned */
	size_t raw_size;
	struct btf_header *hdr;
	uint8_t *types_data;
	const char *strs;
	uint32_t strs_len;
	uint32_t *type_offs; /* offset of each own type in types_data */
	uint32_t nr_types;   /* own types */
	uint32_t start_id;   /* 1, or base's type_cnt for split BTF */
	uint32_t start_str;  /* 0, or base's string length for split BTF */
	const struct evbpf_btf *base;
	/* The name index, one per class (functions apart, as the kernel has
	 * four times more of them than of all other named types together and
	 * CO-RE never looks them up): chains per hash of the essential name.
	 * heads is published last (atomically) once its index is complete. */
	pthread_mutex_t index_lock;
	_Atomic(uint32_t *) index_heads[2];
	struct index_entry *index_entries[2];
	uint32_t index_mask[2];
	/* Ids of named own types other than functions, in order, noted while
	 * parsing (where each header is read anyway) so that the index CO-RE
	 * needs is built without walking all types again. */
	uint32_t *named;
	uint32_t nr_named, named_cap;
};

static size_t type_extra_size(const struct btf_type *t)
{
	uint16_t vlen = evbpf__btf_vlen(t);

	switch (evbpf__btf_kind(t)) {
	case BTF_KIND_INT:
		return sizeof(uint32_t);
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return (size_t)vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return (size_t)vlen * sizeof(struct btf_enum);
	case BTF_KIND_ENUM64:
		return (size_t)vlen * sizeof(struct btf_enum64);
	case BTF_KIND_FUNC_PROTO:
		return (size_t)vlen * sizeof(struct btf_param);
	case BTF_KIND_VAR:
		return sizeof(struct btf_var);
	case BTF_KIND_DATASEC:
		return (size_t)vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_DECL_TAG:
		return sizeof(struct btf_decl_tag);
	default:
		return 0;
	}
}

size_t evbpf__btf_type_rec_size(const struct btf_type *t)
{
	return sizeof(*t) + type_extra_size(t);
}

uint32_t evbpf__btf_type_cnt(const struct evbpf_btf *btf)
{
	return btf->start_id + btf->nr_types;
}

uint32_t evbpf__btf_start_id(const struct evbpf_btf *btf)
{
	return btf->start_id;
}

const struct evbpf_btf *evbpf__btf_base(const struct evbpf_btf *btf)
{
	return btf->base;
}

const struct btf_type *evbpf__btf_type(const struct evbpf_btf *btf, uint32_t id)
{
	if (id == 0)
		return NULL;
	if (id < btf->start_id)
		return btf->base ? evbpf__btf_type(btf->base, id) : NULL;
	if (id - btf->start_id >= btf->nr_types)
		return NULL;
	return (const struct btf_type *)(btf->types_data + btf->type_offs[id - btf->start_id]);
}

struct btf_type *evbpf__btf_type_mut(struct evbpf_btf *btf, uint32_t id)
{
	if (id < btf->start_id || id - btf->start_id >= btf->nr_types)
		return NULL;
	return (struct btf_type *)(btf->types_data + btf->type_offs[id - btf->start_id]);
}

const char *evbpf__btf_str(const struct evbpf_btf *btf, uint32_t off)
{
	if (off < btf->start_str)
		return btf->base ? evbpf__btf_str(btf->base, off) : NULL;
	off -= btf->start_str;
	if (off >= btf->strs_len)
		return NULL;
	return btf->strs + off;
}

const char *evbpf__btf_name(const struct evbpf_btf *btf, uint32_t id)
{
	const struct btf_type *t = evbpf__btf_type(btf, id);
	const char *s;

	if (!t)
		return "";
	s = evbpf__btf_str(btf, t->name_off);
	return s ? s : "";
}

/* ------------------------------------------------------------ name index */

size_t evbpf__btf_essential_len(const char *name)
{
	size_t n = strlen(name);

	/* The last "X___Y" where X and Y are not underscores splits off the
	 * flavor: "task_struct___v2" is a flavor of "task_struct". */
	for (size_t i = n >= 5 ? n - 5 + 1 : 0; i-- > 0;) {
		const char *s = name + i;

		if (s[0] != '_' && s[1] == '_' && s[2] == '_' && s[3] == '_' && s[4] != '_')
			return i + 1;
	}
	return n;
}

static uint32_t name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)s[i];
		h *= 16777619u;
	}
	return h;
}

/* Hash of the essential part of name in one pass: the hash is saved at
 * each flavor separator so the suffix can be dropped without rescanning. */
static uint32_t essential_hash(const char *s)
{
	uint32_t h = 2166136261u, h_ess = 0;
	bool sep = false;

	for (size_t i = 0; s[i]; i++) {
		h ^= (uint8_t)s[i];
		h *= 16777619u;
		if (s[i] != '_' && s[i + 1] == '_' && s[i + 2] == '_' && s[i + 3] == '_' &&
		    s[i + 4] && s[i + 4] != '_') {
			h_ess = h;
			sep = true;
		}
	}
	return sep ? h_ess : h;
}

static int note_named(struct evbpf_btf *btf, uint32_t id)
{
	if (btf->nr_named == btf->named_cap) {
		uint32_t ncap = btf->named_cap ? btf->named_cap * 2 : 4096;
		uint32_t *n = realloc(btf->named, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		btf->named = n;
		btf->named_cap = ncap;
	}
	btf->named[btf->nr_named++] = id;
	return 0;
}

static int index_class(const struct btf_type *t)
{
	return evbpf__btf_kind(t) == BTF_KIND_FUNC ? IDX_FUNCS : IDX_TYPES;
}

static int build_index(struct evbpf_btf *btf, int cls)
{
	uint32_t size = 16, count = 0, k = 0, *heads;
	struct index_entry *entries;

	if (cls == IDX_TYPES) {
		count = btf->nr_named;
	} else {
		for (uint32_t i = 0; i < btf->nr_types; i++) {
			const struct btf_type *t =
			    (const struct btf_type *)(btf->types_data + btf->type_offs[i]);

			if (t->name_off && index_class(t) == cls)
				count++;
		}
	}
	while (size < count && size < (1u << 30))
		size <<= 1;
	heads = calloc(size, sizeof(*heads));
	entries = malloc((count ? count : 1) * sizeof(*entries));
	if (!heads || !entries) {
		free(heads);
		free(entries);
		return -ENOMEM;
	}
	/* Pushing in reverse leaves every chain in ascending id order. */
	for (uint32_t j = cls == IDX_TYPES ? btf->nr_named : btf->nr_types; j-- > 0 && k < count;) {
		uint32_t i = cls == IDX_TYPES ? btf->named[j] - btf->start_id : j;
		const struct btf_type *t =
		    (const struct btf_type *)(btf->types_data + btf->type_offs[i]);
		const char *name;
		uint32_t h;

		if (!t->name_off || index_class(t) != cls)
			continue;
		name = evbpf__btf_str(btf, t->name_off);
		if (!name || !*name)
			continue;
		h = essential_hash(name) & (size - 1);
		entries[k] = (struct index_entry){btf->start_id + i, heads[h]};
		heads[h] = ++k;
	}
	btf->index_entries[cls] = entries;
	btf->index_mask[cls] = size - 1;
	atomic_store_explicit(&btf->index_heads[cls], heads, memory_order_release);
	return 0;
}

static const uint32_t *get_index(const struct evbpf_btf *cbtf, int cls)
{
	struct evbpf_btf *btf = (struct evbpf_btf *)cbtf; /* the index is a cache */
	uint32_t *heads = atomic_load_explicit(&btf->index_heads[cls], memory_order_acquire);

	if (heads)
		return heads;
	pthread_mutex_lock(&btf->index_lock);
	if (!atomic_load_explicit(&btf->index_heads[cls], memory_order_relaxed))
		build_index(btf, cls);
	pthread_mutex_unlock(&btf->index_lock);
	return atomic_load_explicit(&btf->index_heads[cls], memory_order_acquire);
}

static void drop_index(struct evbpf_btf *btf)
{
	for (int cls = 0; cls < 2; cls++) {
		free(atomic_load_explicit(&btf->index_heads[cls], memory_order_relaxed));
		free(btf->index_entries[cls]);
		atomic_store_explicit(&btf->index_heads[cls], NULL, memory_order_relaxed);
		btf->index_entries[cls] = NULL;
	}
}

int evbpf__btf_find_essential(const struct evbpf_btf *btf, const char *name, size_t len,
                              uint32_t *ids, size_t max)
{
	const uint32_t *heads = get_index(btf, IDX_TYPES);
	const struct index_entry *entries = btf->index_entries[IDX_TYPES];
	int n = 0;

	if (!heads)
		return -ENOMEM;
	for (uint32_t e = heads[name_hash(name, len) & btf->index_mask[IDX_TYPES]]; e;
	     e = entries[e - 1].next) {
		uint32_t id = entries[e - 1].id;
		const char *tn = evbpf__btf_name(btf, id);

		if (evbpf__btf_essential_len(tn) != len || strncmp(tn, name, len))
			continue;
		if ((size_t)n < max)
			ids[n] = id;
		if (n == INT32_MAX)
			break;
		n++;
	}
	return n;
}

/* The first own type of class cls named name (of kind, if >= 0), or 0. */
static uint32_t find_in(const struct evbpf_btf *btf, int cls, const char *name, int kind)
{
	const uint32_t *heads = get_index(btf, cls);
	const struct index_entry *entries = btf->index_entries[cls];
	size_t len = evbpf__btf_essential_len(name);

	if (!heads)
		return 0;
	for (uint32_t e = heads[name_hash(name, len) & btf->index_mask[cls]]; e;
	     e = entries[e - 1].next) {
		uint32_t id = entries[e - 1].id;
		const struct btf_type *t = evbpf__btf_type(btf, id);

		if (kind >= 0 && evbpf__btf_kind(t) != kind)
			continue;
		if (!strcmp(evbpf__btf_name(btf, id), name))
			return id;
	}
	return 0;
}

int evbpf__btf_find(const struct evbpf_btf *btf, const char *name, int kind)
{
	uint32_t types = 0, funcs = 0;

	if (btf->base) {
		int id = evbpf__btf_find(btf->base, name, kind);

		if (id > 0)
			return id;
	}
	if (!*name)
		return -ENOENT;
	if (kind != BTF_KIND_FUNC)
		types = find_in(btf, IDX_TYPES, name, kind);
	if (kind < 0 || kind == BTF_KIND_FUNC)
		funcs = find_in(btf, IDX_FUNCS, name, kind);
	if (types && funcs)
		return (int)(types < funcs ? types : funcs);
	if (types || funcs)
		return (int)(types | funcs);
	return -ENOENT;
}

/* ------------------------------------------------------------ walkers */

static bool is_modifier(uint16_t kind)
{
	return kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_CONST || kind == BTF_KIND_VOLATILE ||
	       kind == BTF_KIND_RESTRICT || kind == BTF_KIND_TYPE_TAG;
}

int evbpf__btf_skip_mods(const struct evbpf_btf *btf, uint32_t id)
{
	for (int depth = 0; depth < BTF_MAX_DEPTH; depth++) {
		const struct btf_type *t = evbpf__btf_type(btf, id);

		if (!t)
			return id == 0 ? 0 : -EINVAL;
		if (!is_modifier(evbpf__btf_kind(t)))
			return (int)id;
		id = t->type;
	}
	return -ELOOP;
}

int64_t evbpf__btf_resolve_size(const struct evbpf_btf *btf, uint32_t id)
{
	uint64_t nelems = 1;

	for (int depth = 0; depth < BTF_MAX_DEPTH; depth++) {
		const struct btf_type *t = evbpf__btf_type(btf, id);

		if (!t)
			return -EINVAL;
		switch (evbpf__btf_kind(t)) {
		case BTF_KIND_INT:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_DATASEC:
		case BTF_KIND_FLOAT:
			if (t->size && nelems > UINT32_MAX / t->size)
				return -E2BIG;
			return (int64_t)(nelems * t->size);
		case BTF_KIND_PTR:
			if (nelems > UINT32_MAX / sizeof(uint64_t))
				return -E2BIG;
			return (int64_t)(nelems * sizeof(uint64_t));
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
		case BTF_KIND_VAR:
			id = t->type;
			break;
		case BTF_KIND_ARRAY: {
			const struct btf_array *a = (const void *)(t + 1);

			if (a->nelems && nelems > UINT32_MAX / a->nelems)
				return -E2BIG;
			nelems *= a->nelems;
			id = a->type;
			break;
		}
		default:
			return -EINVAL;
		}
	}
	return -ELOOP;
}

static int align_of(const struct evbpf_btf *btf, uint32_t id, int depth, uint32_t *budget)
{
	for (; depth < BTF_MAX_DEPTH; depth++) {
		const struct btf_type *t = evbpf__btf_type(btf, id);

		if (!t)
			return -EINVAL;
		if (!(*budget)--)
			return -E2BIG;
		switch (evbpf__btf_kind(t)) {
		case BTF_KIND_INT:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_FLOAT:
			/* Natural alignment, capped at 8 (an __int128 is 16
			 * bytes but aligned to 8 by BPF's ABI; so is long double
			 * on the targets that matter here). */
			return t->size > 8 ? 8 : (t->size ? (int)t->size : 1);
		case BTF_KIND_PTR:
			return 8;
		case BTF_KIND_ARRAY:
			id = ((const struct btf_array *)(t + 1))->type;
			break;
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
		case BTF_KIND_VAR:
			id = t->type;
			break;
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION: {
			const struct btf_member *m = (const void *)(t + 1);
			int max = 1;

			for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++) {
				int a = align_of(btf, m[i].type, depth + 1, budget);

				if (a < 0)
					return a;
				if (a > max)
					max = a;
			}
			return max;
		}
		default:
			return -EINVAL;
		}
	}
	return -ELOOP;
}

int evbpf__btf_align(const struct evbpf_btf *btf, uint32_t id)
{
	uint32_t budget = BTF_MAX_WALK;

	return align_of(btf, id, 0, &budget);
}

uint32_t evbpf__btf_member_bit_offset(const struct btf_type *t, uint16_t i)
{
	const struct btf_member *m = (const struct btf_member *)(t + 1) + i;

	return BTF_INFO_KFLAG(t->info) ? BTF_MEMBER_BIT_OFFSET(m->offset) : m->offset;
}

uint32_t evbpf__btf_member_bitfield_size(const struct btf_type *t, uint16_t i)
{
	const struct btf_member *m = (const struct btf_member *)(t + 1) + i;

	return BTF_INFO_KFLAG(t->info) ? BTF_MEMBER_BITFIELD_SIZE(m->offset) : 0;
}

const void *evbpf__btf_raw(const struct evbpf_btf *btf, size_t *sizep)
{
	*sizep = btf->raw_size;
	return btf->raw;
}

void evbpf__btf_free(struct evbpf_btf *btf)
{
	if (!btf)
		return;
	drop_index(btf);
	pthread_mutex_destroy(&btf->index_lock);
	free(btf->raw);
	free(btf->type_offs);
	free(btf->named);
	free(btf);
}

/* ------------------------------------------------------------ mutation */

/*
 * Append a type record or a string (for sanitizing an object's BTF before
 * BPF_BTF_LOAD). The raw blob is rebuilt as header, types, strings, so
 * pointers into it and type_mut() results are invalid afterwards.
 */
static int relayout(struct evbpf_btf *btf, const void *type_rec, size_t type_len, const char *str,
                    size_t str_len)
{
	uint32_t hdr_len = btf->hdr->hdr_len, types_len = btf->hdr->type_len;
	size_t size = (size_t)hdr_len + types_len + type_len + btf->strs_len + str_len;
	uint8_t *raw;

	if (btf->base)
		return -ENOTSUP;
	if (size > UINT32_MAX)
		return -E2BIG;
	raw = malloc(size);
	if (!raw)
		return -ENOMEM;
	memcpy(raw, btf->raw, hdr_len);
	memcpy(raw + hdr_len, btf->types_data, types_len);
	/* Callers append a type or a string, so one of these is NULL (with
	 * length 0), which memcpy() does not allow. */
	if (type_len)
		memcpy(raw + hdr_len + types_len, type_rec, type_len);
	memcpy(raw + hdr_len + types_len + type_len, btf->strs, btf->strs_len);
	if (str_len)
		memcpy(raw + hdr_len + types_len + type_len + btf->strs_len, str, str_len);
	free(btf->raw);
	btf->raw = raw;
	btf->raw_size = size;
	btf->hdr = (struct btf_header *)raw;
	btf->hdr->type_off = 0;
	btf->hdr->type_len = types_len + (uint32_t)type_len;
	btf->hdr->str_off = btf->hdr->type_len;
	btf->hdr->str_len = btf->strs_len + (uint32_t)str_len;
	btf->types_data = raw + hdr_len;
	btf->strs = (const char *)raw + hdr_len + btf->hdr->type_len;
	btf->strs_len = btf->hdr->str_len;
	return 0;
}

int evbpf__btf_add_str(struct evbpf_btf *btf, const char *s)
{
	uint32_t off = btf->strs_len;
	int err;

	err = relayout(btf, NULL, 0, s, strlen(s) + 1);
	return err ? err : (int)off;
}

int evbpf__btf_add_type(struct evbpf_btf *btf, const void *rec, size_t len)
{
	uint32_t off = btf->hdr->type_len, *n;
	int err;

	if (len % 4 || len < sizeof(struct btf_type))
		return -EINVAL;
	n = realloc(btf->type_offs, (btf->nr_types + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	btf->type_offs = n;
	err = relayout(btf, rec, len, NULL, 0);
	if (err)
		return err;
	drop_index(btf);
	if (((const struct btf_type *)rec)->name_off && evbpf__btf_kind(rec) != BTF_KIND_FUNC &&
	    note_named(btf, btf->start_id + btf->nr_types))
		return -ENOMEM;
	btf->type_offs[btf->nr_types++] = off;
	return (int)(btf->start_id + btf->nr_types - 1);
}

/* ------------------------------------------------------------ validation */

static int check_str(const struct evbpf_btf *btf, uint32_t id, uint32_t off, const char *what)
{
	if (!evbpf__btf_str(btf, off))
		return evbpf__err(-EINVAL, "btf: type [%u]: %s string offset %u is out of range",
		                  id, what, off);
	return 0;
}

static int check_ref(const struct evbpf_btf *btf, uint32_t id, uint32_t ref, const char *what)
{
	if (ref >= evbpf__btf_type_cnt(btf))
		return evbpf__err(-EINVAL,
		                  "btf: type [%u]: %s refers to type [%u], past the last "
		                  "type [%u]",
		                  id, what, ref, evbpf__btf_type_cnt(btf) - 1);
	return 0;
}

static int check_int(uint32_t id, const struct btf_type *t)
{
	uint32_t enc = *(const uint32_t *)(t + 1);
	uint32_t bits = BTF_INT_BITS(enc), off = BTF_INT_OFFSET(enc);

	if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8 && t->size != 16)
		return evbpf__err(-EINVAL, "btf: type [%u]: int size %u is invalid", id, t->size);
	if (bits > 128 || off + bits > t->size * 8)
		return evbpf__err(-EINVAL,
		                  "btf: type [%u]: int of %u bits at bit %u does not fit "
		                  "%u bytes",
		                  id, bits, off, t->size);
	if (BTF_INT_ENCODING(enc) & ~(uint32_t)(BTF_INT_SIGNED | BTF_INT_CHAR | BTF_INT_BOOL))
		return evbpf__err(-EINVAL, "btf: type [%u]: unknown int encoding 0x%x", id,
		                  BTF_INT_ENCODING(enc));
	return 0;
}

static int check_members(const struct evbpf_btf *btf, uint32_t id, const struct btf_type *t)
{
	const struct btf_member *m = (const void *)(t + 1);
	int err;

	for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++) {
		uint64_t bit_off = evbpf__btf_member_bit_offset(t, i);
		uint64_t bf = evbpf__btf_member_bitfield_size(t, i);

		err = check_str(btf, id, m[i].name_off, "member name");
		if (!err)
			err = check_ref(btf, id, m[i].type, "member");
		if (err)
			return err;
		if (m[i].type == 0)
			return evbpf__err(-EINVAL, "btf: type [%u]: member #%u has type void", id,
			                  i);
		if (bit_off + bf > (uint64_t)t->size * 8)
			return evbpf__err(-EINVAL,
			                  "btf: type [%u]: member #%u at bit %llu lies "
			                  "outside its %u-byte %s",
			                  id, i, (unsigned long long)bit_off, t->size,
			                  evbpf__btf_kind(t) == BTF_KIND_UNION ? "union"
			                                                       : "struct");
	}
	return 0;
}

/* Validate one type's strings, references and encodings (all types are
 * indexed, so references can be looked at). */
static int check_type(const struct evbpf_btf *btf, uint32_t id)
{
	const struct btf_type *t = evbpf__btf_type(btf, id), *r;
	uint16_t kind = evbpf__btf_kind(t), vlen = evbpf__btf_vlen(t);
	int err;

	err = check_str(btf, id, t->name_off, "name");
	if (err)
		return err;
	switch (kind) {
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FUNC_PROTO:
	case BTF_KIND_VAR:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_DECL_TAG:
		err = check_ref(btf, id, t->type, "type");
		if (err)
			return err;
		break;
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = (const void *)(t + 1);

		err = check_ref(btf, id, a->type, "element type");
		if (!err)
			err = check_ref(btf, id, a->index_type, "index type");
		if (err)
			return err;
		if (a->type == 0)
			return evbpf__err(-EINVAL, "btf: type [%u]: array of void", id);
		break;
	}
	default:
		break;
	}
	switch (kind) {
	case BTF_KIND_INT:
		return check_int(id, t);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return check_members(btf, id, t);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64: {
		/* Both record kinds start with name_off; only the stride differs. */
		const size_t stride = kind == BTF_KIND_ENUM ? sizeof(struct btf_enum)
		                                            : sizeof(struct btf_enum64);
		const uint8_t *e = (const uint8_t *)(t + 1);

		if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8)
			return evbpf__err(-EINVAL, "btf: type [%u]: %s size %u is invalid", id,
			                  kind == BTF_KIND_ENUM ? "enum" : "enum64", t->size);
		for (uint16_t i = 0; i < vlen; i++) {
			uint32_t name_off;

			memcpy(&name_off, e + i * stride, sizeof(name_off));
			err = check_str(btf, id, name_off, "enumerator name");
			if (err)
				return err;
		}
		break;
	}
	case BTF_KIND_FLOAT:
		if (t->size != 2 && t->size != 4 && t->size != 8 && t->size != 12 && t->size != 16)
			return evbpf__err(-EINVAL, "btf: type [%u]: float size %u is invalid", id,
			                  t->size);
		break;
	case BTF_KIND_FUNC:
		r = evbpf__btf_type(btf, t->type);
		if (!r || evbpf__btf_kind(r) != BTF_KIND_FUNC_PROTO)
			return evbpf__err(-EINVAL, "btf: type [%u]: func '%s' has no prototype", id,
			                  evbpf__btf_name(btf, id));
		if (vlen > BTF_FUNC_EXTERN)
			return evbpf__err(-EINVAL, "btf: type [%u]: func linkage %u is invalid", id,
			                  vlen);
		break;
	case BTF_KIND_VAR:
		if (((const struct btf_var *)(t + 1))->linkage > BTF_VAR_GLOBAL_EXTERN)
			return evbpf__err(-EINVAL, "btf: type [%u]: var linkage is invalid", id);
		break;
	case BTF_KIND_FUNC_PROTO: {
		const struct btf_param *p = (const void *)(t + 1);

		for (uint16_t i = 0; i < vlen; i++) {
			err = check_str(btf, id, p[i].name_off, "parameter name");
			if (!err)
				err = check_ref(btf, id, p[i].type, "parameter");
			if (err)
				return err;
			if (p[i].type == 0 && i + 1 != vlen)
				return evbpf__err(-EINVAL, "btf: type [%u]: parameter #%u is void",
				                  id, i);
		}
		break;
	}
	case BTF_KIND_DATASEC: {
		const struct btf_var_secinfo *v = (const void *)(t + 1);

		for (uint16_t i = 0; i < vlen; i++) {
			err = check_ref(btf, id, v[i].type, "variable");
			if (err)
				return err;
			if ((uint64_t)v[i].offset + v[i].size > UINT32_MAX)
				return evbpf__err(-EINVAL, "btf: type [%u]: variable #%u overflows",
				                  id, i);
		}
		break;
	}
	case BTF_KIND_DECL_TAG: {
		int32_t comp = ((const struct btf_decl_tag *)(t + 1))->component_idx;

		r = evbpf__btf_type(btf, t->type);
		if (!r)
			return evbpf__err(-EINVAL, "btf: type [%u]: decl tag on void", id);
		/* A function's components are its prototype's parameters (its
		 * own vlen is its linkage). */
		if (evbpf__btf_kind(r) == BTF_KIND_FUNC) {
			r = evbpf__btf_type(btf, r->type);
			if (!r)
				return evbpf__err(-EINVAL,
				                  "btf: type [%u]: decl tag on a function "
				                  "without prototype",
				                  id);
		}
		if (comp < -1 || (comp >= 0 && (uint32_t)comp >= evbpf__btf_vlen(r)))
			return evbpf__err(-EINVAL,
			                  "btf: type [%u]: decl tag component %d is out "
			                  "of range",
			                  id, comp);
		break;
	}
	default:
		break;
	}
	return 0;
}

static bool btf_is_composite_kind(uint16_t kind)
{
	return kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION;
}

/* The one type a "chain" kind refers to, or 0 for kinds that end a chain. */
static uint32_t chain_next(const struct btf_type *t)
{
	switch (evbpf__btf_kind(t)) {
	case BTF_KIND_PTR:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_VAR:
	case BTF_KIND_FUNC:
		return t->type;
	case BTF_KIND_ARRAY:
		return ((const struct btf_array *)(t + 1))->type;
	default:
		return 0;
	}
}

/*
 * Reject reference cycles. Chains (modifiers, pointers, arrays, vars) form
 * a graph where each node has one successor, so a walk that meets a node
 * already marked by the same walk has found a loop. Structs must not
 * contain themselves by value: a depth-first search over member types
 * (through modifiers and arrays, not pointers) finds those.
 */
static int check_loops(const struct evbpf_btf *btf)
{
	uint32_t n = btf->nr_types, start = btf->start_id;
	uint32_t *mark = calloc(n ? n : 1, sizeof(*mark));
	uint32_t *stack = NULL;
	uint16_t *pos = NULL;
	uint8_t *state = NULL;
	int err = 0;

	if (!mark)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t cur = start + i;

		while (cur >= start && cur - start < n && !mark[cur - start]) {
			const struct btf_type *t = evbpf__btf_type(btf, cur);

			mark[cur - start] = i + 1;
			cur = chain_next(t);
			if (!cur)
				break;
		}
		if (cur >= start && cur - start < n && mark[cur - start] == i + 1 &&
		    chain_next(evbpf__btf_type(btf, cur))) {
			err = evbpf__err(-EINVAL, "btf: type [%u] (%s) is part of a reference loop",
			                 cur, evbpf__btf_name(btf, cur));
			goto out;
		}
	}

	memset(mark, 0, (n ? n : 1) * sizeof(*mark));
	/* Containment: 0 unvisited, 1 on the stack, 2 done. */
	state = calloc(n ? n : 1, 1);
	stack = malloc((n ? n : 1) * sizeof(*stack));
	pos = malloc((n ? n : 1) * sizeof(*pos));
	if (!state || !stack || !pos) {
		err = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t sp = 0;

		if (state[i])
			continue;
		if (!btf_is_composite_kind(evbpf__btf_kind(evbpf__btf_type(btf, start + i))))
			continue;
		stack[sp] = start + i;
		pos[sp++] = 0;
		state[i] = 1;
		while (sp) {
			uint32_t id = stack[sp - 1], mid;
			const struct btf_type *t = evbpf__btf_type(btf, id);
			const struct btf_type *mt;

			if (pos[sp - 1] >= evbpf__btf_vlen(t)) {
				state[id - start] = 2;
				sp--;
				continue;
			}
			mid = ((const struct btf_member *)(t + 1))[pos[sp - 1]++].type;
			if (mid < start || mid - start >= n)
				continue;
			/* Through modifiers and arrays (acyclic, checked above),
			 * memoized in mark: 0 unknown, 1 no own composite, else
			 * the composite's id + 2. */
			if (!mark[mid - start]) {
				uint32_t first = mid;

				for (mt = evbpf__btf_type(btf, mid);
				     mt && evbpf__btf_kind(mt) != BTF_KIND_PTR && chain_next(mt);
				     mt = evbpf__btf_type(btf, mid))
					mid = chain_next(mt);
				mark[first - start] =
				    mt && btf_is_composite_kind(evbpf__btf_kind(mt)) && mid >= start
				        ? mid + 2
				        : 1;
				mid = first;
			}
			if (mark[mid - start] == 1)
				continue;
			mid = mark[mid - start] - 2;
			if (state[mid - start] == 1) {
				err = evbpf__err(-EINVAL, "btf: type [%u] (%s) contains itself",
				                 mid, evbpf__btf_name(btf, mid));
				goto out;
			}
			if (state[mid - start] == 2)
				continue;
			state[mid - start] = 1;
			stack[sp] = mid;
			pos[sp++] = 0;
		}
	}
out:
	free(mark);
	free(state);
	free(stack);
	free(pos);
	return err;
}

static int index_types(struct evbpf_btf *btf)
{
	uint32_t len = btf->hdr->type_len, off = 0, cap;

	/* A type takes at least 12 bytes: size the index once. */
	cap = len / sizeof(struct btf_type) + 1;
	btf->type_offs = malloc(cap * sizeof(*btf->type_offs));
	if (!btf->type_offs)
		return -ENOMEM;
	while (off < len) {
		const struct btf_type *t;
		size_t need;

		if (len - off < sizeof(struct btf_type))
			return evbpf__err(-EINVAL, "btf: type [%u] is truncated",
			                  btf->start_id + btf->nr_types);
		t = (const struct btf_type *)(btf->types_data + off);
		if (evbpf__btf_kind(t) == BTF_KIND_UNKN || evbpf__btf_kind(t) > EVBPF_BTF_KIND_MAX)
			return evbpf__err(-EINVAL, "btf: type [%u] has unknown kind %u",
			                  btf->start_id + btf->nr_types, evbpf__btf_kind(t));
		need = sizeof(*t) + type_extra_size(t);
		if (need > len - off)
			return evbpf__err(
			    -EINVAL, "btf: type [%u] (kind %u, vlen %u) runs past the type section",
			    btf->start_id + btf->nr_types, evbpf__btf_kind(t), evbpf__btf_vlen(t));
		if (btf->start_id + btf->nr_types == UINT32_MAX / 2)
			return evbpf__err(-E2BIG, "btf: too many types");
		if (t->name_off && evbpf__btf_kind(t) != BTF_KIND_FUNC &&
		    note_named(btf, btf->start_id + btf->nr_types))
			return -ENOMEM;
		btf->type_offs[btf->nr_types++] = off;
		off += (uint32_t)need;
	}
	return 0;
}

/*
 * Parse taking ownership of raw (malloc'd, size bytes). trusted is for the
 * kernel's own /sys/kernel/btf/vmlinux, which the kernel generated and
 * validated: its records are still bounds-checked while indexing, but the
 * per-type checks (which cost more than reading the file) are skipped.
 * Every walker bounds its depth and every name lookup its string offset,
 * so even a broken trusted blob cannot crash us.
 */
static int parse_owned(uint8_t *raw, size_t size, const struct evbpf_btf *base, bool trusted,
                       struct evbpf_btf **btfp)
{
	struct btf_header hdr;
	struct evbpf_btf *btf;
	uint64_t data_len;
	int err;

	if (size < offsetof(struct btf_header, type_off)) {
		free(raw);
		return evbpf__err(-EINVAL, "btf: %zu bytes is too short for a BTF header", size);
	}
	memset(&hdr, 0, sizeof(hdr));
	memcpy(&hdr, raw, size < sizeof(hdr) ? size : sizeof(hdr));
	if (hdr.magic == 0x9FEB)
		err = evbpf__err(-ENOTSUP, "btf: big-endian BTF is not supported");
	else if (hdr.magic != BTF_MAGIC)
		err = evbpf__err(-EINVAL, "btf: bad magic 0x%04x: not BTF", hdr.magic);
	else if (hdr.version != BTF_VERSION)
		err = evbpf__err(-ENOTSUP, "btf: unsupported version %u", hdr.version);
	else if (size < sizeof(hdr) || hdr.hdr_len < sizeof(hdr) || hdr.hdr_len > size)
		err = evbpf__err(-EINVAL, "btf: header length %u is invalid (%zu bytes)",
		                 hdr.hdr_len, size);
	else
		err = 0;
	if (!err) {
		/* A longer header than ours must be zero in the part we skip. */
		for (uint32_t i = sizeof(hdr); i < hdr.hdr_len; i++)
			if (raw[i]) {
				err = evbpf__err(-ENOTSUP, "btf: unknown non-zero header fields");
				break;
			}
	}
	if (err) {
		free(raw);
		return err;
	}
	data_len = size - hdr.hdr_len;
	if ((uint64_t)hdr.type_off + hdr.type_len > data_len ||
	    (uint64_t)hdr.str_off + hdr.str_len > data_len)
		err = evbpf__err(-EINVAL,
		                 "btf: type or string section runs past the end (%zu "
		                 "bytes)",
		                 size);
	else if ((hdr.hdr_len + hdr.type_off) % 4)
		err = evbpf__err(-EINVAL, "btf: type section is not 4-byte aligned");
	else if ((hdr.type_off < hdr.str_off &&
	          (uint64_t)hdr.type_off + hdr.type_len > hdr.str_off) ||
	         (hdr.str_off < hdr.type_off && (uint64_t)hdr.str_off + hdr.str_len > hdr.type_off))
		err = evbpf__err(-EINVAL, "btf: type and string sections overlap");
	else if (!base && (hdr.str_len == 0 || raw[hdr.hdr_len + hdr.str_off] != '\0'))
		err = evbpf__err(-EINVAL, "btf: string section must start with an empty string");
	else if (hdr.str_len && raw[hdr.hdr_len + hdr.str_off + hdr.str_len - 1] != '\0')
		err = evbpf__err(-EINVAL, "btf: string section is not NUL-terminated");
	else if (base && (uint64_t)base->start_str + base->strs_len + hdr.str_len > UINT32_MAX)
		err = evbpf__err(-E2BIG, "btf: split string section is too large");
	if (err) {
		free(raw);
		return err;
	}

	btf = calloc(1, sizeof(*btf));
	if (!btf) {
		free(raw);
		return -ENOMEM;
	}
	pthread_mutex_init(&btf->index_lock, NULL);
	btf->raw = raw;
	btf->raw_size = size;
	btf->hdr = (struct btf_header *)btf->raw;
	btf->types_data = btf->raw + hdr.hdr_len + hdr.type_off;
	btf->strs = (const char *)btf->raw + hdr.hdr_len + hdr.str_off;
	btf->strs_len = hdr.str_len;
	btf->base = base;
	btf->start_id = base ? evbpf__btf_type_cnt(base) : 1;
	btf->start_str = base ? base->start_str + base->strs_len : 0;

	err = index_types(btf);
	if (err)
		goto err;
	for (uint32_t i = 0; i < btf->nr_types && !trusted; i++) {
		err = check_type(btf, btf->start_id + i);
		if (err)
			goto err;
	}
	err = trusted ? 0 : check_loops(btf);
	if (err)
		goto err;
	*btfp = btf;
	return 0;
err:
	evbpf__btf_free(btf);
	return err;
}

int evbpf__btf_parse(const void *data, size_t size, const struct evbpf_btf *base,
                     struct evbpf_btf **btfp)
{
	uint8_t *raw = malloc(size ? size : 1);

	if (!raw)
		return -ENOMEM;
	if (size)
		memcpy(raw, data, size);
	return parse_owned(raw, size, base, false, btfp);
}

int evbpf__btf_parse_kernel(uint8_t *raw, size_t size, const struct evbpf_btf *base,
                            struct evbpf_btf **btfp)
{
	return parse_owned(raw, size, base, true, btfp);
}

int evbpf__btf_parse_file(const char *path, const struct evbpf_btf *base, struct evbpf_btf **btfp)
{
	struct evbpf_elf elf;
	uint8_t *buf;
	size_t size, idx;
	int err;

	err = evbpf__read_file(path, &buf, &size);
	if (err)
		return evbpf__err(err, "btf: cannot read '%s': %s", path, evbpf_strerror(err));
	if (size < 4 || memcmp(buf, ELFMAG, SELFMAG) != 0) {
		err = parse_owned(buf, size, base, false, btfp);
		goto out;
	}
	/* An ELF file (a vmlinux image or an object): its .BTF section. */
	err = evbpf__elf_parse(&elf, buf, size);
	if (err) {
		free(buf);
		goto out;
	}
	idx = evbpf__elf_find_sec(&elf, ".BTF");
	if (!idx || !elf.secs[idx].data)
		err = evbpf__err(-ENOENT, "btf: '%s' has no .BTF section", path);
	else
		err = evbpf__btf_parse(elf.secs[idx].data, elf.secs[idx].size, base, btfp);
	evbpf__elf_free(&elf);
	free(buf);
out:
	if (err && err != -ENOMEM) {
		char detail[512];

		snprintf(detail, sizeof(detail), "%s", evbpf_errmsg());
		if (!strstr(detail, path))
			evbpf__err(err, "%s: %s", path, detail);
	}
	return err;
}

/* ------------------------------------------------------------ vmlinux */

static pthread_once_t vmlinux_once = PTHREAD_ONCE_INIT;
static struct evbpf_btf *vmlinux_btf;
static int vmlinux_err;

static void vmlinux_load(void)
{
	uint8_t *buf;
	size_t size;
	int err;

	err = evbpf__read_file("/sys/kernel/btf/vmlinux", &buf, &size);
	if (err) {
		vmlinux_err = err;
		return;
	}
	vmlinux_err = parse_owned(buf, size, NULL, true, &vmlinux_btf);
}

int evbpf__vmlinux_btf(const struct evbpf_btf **btfp)
{
	pthread_once(&vmlinux_once, vmlinux_load);
	if (vmlinux_err)
		return evbpf__err(vmlinux_err,
		                  "kernel BTF /sys/kernel/btf/vmlinux: %s (a kernel "
		                  "built with CONFIG_DEBUG_INFO_BTF=y is needed)",
		                  evbpf_strerror(vmlinux_err));
	*btfp = vmlinux_btf;
	return 0;
}
