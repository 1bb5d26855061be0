/* SPDX-License-Identifier: MIT */
/*
 * BTF reader. The raw bytes are copied into a buffer we own (so types are
 * 4-byte aligned and can be fixed up in place before BPF_BTF_LOAD), every
 * type is indexed once, and the whole blob is validated up front: type
 * records that run past the type section, unknown kinds, string offsets
 * outside the string section, and referenced type ids past the last type
 * are all rejected here, so the rest of the code can index without checks
 * beyond "id < type_cnt". Reference loops (a const pointing at itself) are
 * legal to store but caught by the walkers, which bound their depth.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define BTF_MAX_DEPTH 32

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

uint32_t evbpf__btf_type_cnt(const struct evbpf_btf *btf)
{
	return btf->start_id + btf->nr_types;
}

uint32_t evbpf__btf_start_id(const struct evbpf_btf *btf)
{
	return btf->start_id;
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

int evbpf__btf_find(const struct evbpf_btf *btf, const char *name, int kind)
{
	uint32_t cnt = evbpf__btf_type_cnt(btf);

	for (uint32_t id = 1; id < cnt; id++) {
		const struct btf_type *t = evbpf__btf_type(btf, id);

		if (kind >= 0 && evbpf__btf_kind(t) != kind)
			continue;
		if (!strcmp(evbpf__btf_name(btf, id), name))
			return (int)id;
	}
	return -ENOENT;
}

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

/*
 * Alignment recurses into struct and union members, so a member that
 * contains its own struct (directly or through others) would recurse
 * forever, and wide structs nested many levels deep would take exponential
 * time. depth bounds the nesting and *budget the members visited in all.
 */
#define BTF_ALIGN_BUDGET (1 << 16)

static int btf_align(const struct evbpf_btf *btf, uint32_t id, int depth, uint32_t *budget)
{
	for (; depth < BTF_MAX_DEPTH; depth++) {
		const struct btf_type *t = evbpf__btf_type(btf, id);

		if (!t)
			return -EINVAL;
		switch (evbpf__btf_kind(t)) {
		case BTF_KIND_INT: {
			uint32_t enc = *(const uint32_t *)(t + 1);
			uint32_t bytes = (BTF_INT_BITS(enc) + 7) / 8;

			return bytes > 8 ? 8 : (bytes ? (int)bytes : 1);
		}
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_FLOAT:
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
			id = t->type;
			break;
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION: {
			const struct btf_member *m = (const void *)(t + 1);
			int max = 1;

			if (BTF_INFO_KFLAG(t->info) == 0 || evbpf__btf_vlen(t) == 0) {
				for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++) {
					int a;

					/* Members are checked to be valid ids at parse. */
					if (m[i].type == id)
						return -ELOOP;
					if (*budget == 0)
						return -E2BIG;
					(*budget)--;
					a = btf_align(btf, m[i].type, depth + 1, budget);
					if (a < 0)
						return a;
					if (a > max)
						max = a;
				}
			} else {
				max = 1; /* bitfield structs: use byte alignment */
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
	uint32_t budget = BTF_ALIGN_BUDGET;

	return btf_align(btf, id, 0, &budget);
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
	free(btf->raw);
	free(btf->type_offs);
	free(btf);
}

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
		return evbpf__err(-EINVAL, "btf: type [%u]: %s refers to type [%u], past the last "
					   "type [%u]",
				  id, what, ref, evbpf__btf_type_cnt(btf) - 1);
	return 0;
}

/* Validate one type's strings and references (all types are indexed). */
static int check_type(const struct evbpf_btf *btf, uint32_t id)
{
	const struct btf_type *t = evbpf__btf_type(btf, id);
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
		break;
	}
	default:
		break;
	}
	switch (kind) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		const struct btf_member *m = (const void *)(t + 1);

		for (uint16_t i = 0; i < vlen; i++) {
			err = check_str(btf, id, m[i].name_off, "member name");
			if (!err)
				err = check_ref(btf, id, m[i].type, "member");
			if (err)
				return err;
		}
		break;
	}
	case BTF_KIND_ENUM: {
		const struct btf_enum *e = (const void *)(t + 1);

		for (uint16_t i = 0; i < vlen; i++) {
			err = check_str(btf, id, e[i].name_off, "enumerator name");
			if (err)
				return err;
		}
		break;
	}
	case BTF_KIND_ENUM64: {
		const struct btf_enum64 *e = (const void *)(t + 1);

		for (uint16_t i = 0; i < vlen; i++) {
			err = check_str(btf, id, e[i].name_off, "enumerator name");
			if (err)
				return err;
		}
		break;
	}
	case BTF_KIND_FUNC_PROTO: {
		const struct btf_param *p = (const void *)(t + 1);

		for (uint16_t i = 0; i < vlen; i++) {
			err = check_str(btf, id, p[i].name_off, "parameter name");
			if (!err)
				err = check_ref(btf, id, p[i].type, "parameter");
			if (err)
				return err;
		}
		break;
	}
	case BTF_KIND_DATASEC: {
		const struct btf_var_secinfo *v = (const void *)(t + 1);

		for (uint16_t i = 0; i < vlen; i++) {
			err = check_ref(btf, id, v[i].type, "variable");
			if (err)
				return err;
		}
		break;
	}
	default:
		break;
	}
	return 0;
}

static int index_types(struct evbpf_btf *btf)
{
	uint32_t len = btf->hdr->type_len, off = 0, cap = 0;

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
			return evbpf__err(-EINVAL,
					  "btf: type [%u] (kind %u, vlen %u) runs past the type section",
					  btf->start_id + btf->nr_types, evbpf__btf_kind(t),
					  evbpf__btf_vlen(t));
		if (btf->nr_types == cap) {
			uint32_t ncap = cap ? cap * 2 : 1024;
			uint32_t *n = realloc(btf->type_offs, ncap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			btf->type_offs = n;
			cap = ncap;
		}
		if (btf->start_id + btf->nr_types == UINT32_MAX)
			return evbpf__err(-E2BIG, "btf: too many types");
		btf->type_offs[btf->nr_types++] = off;
		off += (uint32_t)need;
	}
	return 0;
}

int evbpf__btf_parse(const void *data, size_t size, const struct evbpf_btf *base,
		     struct evbpf_btf **btfp)
{
	struct btf_header hdr;
	struct evbpf_btf *btf;
	uint64_t data_len;
	int err;

	if (size < sizeof(hdr))
		return evbpf__err(-EINVAL, "btf: %zu bytes is too short for a BTF header", size);
	memcpy(&hdr, data, sizeof(hdr));
	if (hdr.magic != BTF_MAGIC)
		return evbpf__err(hdr.magic == 0x9FEB ? -ENOTSUP : -EINVAL,
				  "btf: bad magic 0x%04x (big-endian BTF is not supported)",
				  hdr.magic);
	if (hdr.version != BTF_VERSION)
		return evbpf__err(-ENOTSUP, "btf: unsupported version %u", hdr.version);
	if (hdr.hdr_len < sizeof(hdr) || hdr.hdr_len > size)
		return evbpf__err(-EINVAL, "btf: header length %u is invalid", hdr.hdr_len);
	data_len = size - hdr.hdr_len;
	if ((uint64_t)hdr.type_off + hdr.type_len > data_len ||
	    (uint64_t)hdr.str_off + hdr.str_len > data_len)
		return evbpf__err(-EINVAL, "btf: type or string section runs past the end (%zu "
					   "bytes)",
				  size);
	if ((hdr.hdr_len + hdr.type_off) % 4)
		return evbpf__err(-EINVAL, "btf: type section is not 4-byte aligned");
	if (hdr.type_off < hdr.str_off && (uint64_t)hdr.type_off + hdr.type_len > hdr.str_off)
		return evbpf__err(-EINVAL, "btf: type and string sections overlap");
	if (hdr.str_off < hdr.type_off && (uint64_t)hdr.str_off + hdr.str_len > hdr.type_off)
		return evbpf__err(-EINVAL, "btf: type and string sections overlap");
	if (!base && (hdr.str_len == 0 ||
		      ((const char *)data)[hdr.hdr_len + hdr.str_off] != '\0'))
		return evbpf__err(-EINVAL, "btf: string section must start with an empty string");
	if (hdr.str_len &&
	    ((const char *)data)[hdr.hdr_len + hdr.str_off + hdr.str_len - 1] != '\0')
		return evbpf__err(-EINVAL, "btf: string section is not NUL-terminated");

	btf = calloc(1, sizeof(*btf));
	if (!btf)
		return -ENOMEM;
	btf->raw = malloc(size ? size : 1);
	if (!btf->raw) {
		free(btf);
		return -ENOMEM;
	}
	memcpy(btf->raw, data, size);
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
	for (uint32_t i = 0; i < btf->nr_types; i++) {
		err = check_type(btf, btf->start_id + i);
		if (err)
			goto err;
	}
	*btfp = btf;
	return 0;
err:
	evbpf__btf_free(btf);
	return err;
}

/* ------------------------------------------------------------ vmlinux */

#include <pthread.h>

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
	err = evbpf__btf_parse(buf, size, NULL, &vmlinux_btf);
	free(buf);
	vmlinux_err = err;
}

int evbpf__vmlinux_btf(const struct evbpf_btf **btfp)
{
	pthread_once(&vmlinux_once, vmlinux_load);
	if (vmlinux_err)
		return evbpf__err(vmlinux_err, "kernel BTF /sys/kernel/btf/vmlinux: %s (a kernel "
					       "built with CONFIG_DEBUG_INFO_BTF=y is needed)",
				  evbpf_strerror(vmlinux_err));
	*btfp = vmlinux_btf;
	return 0;
}
