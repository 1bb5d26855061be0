/* SPDX-License-Identifier: MIT */
/*
 * BTF for kernels older than the compiler: clang emits whatever BTF kinds
 * it knows, and BPF_BTF_LOAD rejects the whole blob for a single kind (or
 * flag) the running kernel predates. Losing the object's BTF costs map
 * and func_info types, and global functions cannot load without it, so
 * before loading we rewrite what the kernel lacks into kinds it has, as
 * feature probes report them (core/features.c). Type ids never change:
 * func_info, line_info, map key/value ids and CO-RE all refer to them.
 * Strings keep their offsets too (line_info points into them); new
 * strings are only appended.
 *
 *   kind or flag          kernel   becomes
 *   FUNC_PROTO            5.0      ENUM of 4 bytes, one enumerator per
 *                                  parameter (its name, its type id)
 *   FUNC                  5.0      TYPEDEF of the (former) prototype
 *   FUNC global/extern    5.6      FUNC with static linkage
 *   VAR                   5.2      INT of 1 byte, same name
 *   DATASEC               5.2      STRUCT of the section's size, one
 *                                  member per variable at its offset,
 *                                  named like the section with '.' -> '_'
 *   FLOAT                 5.13     anonymous STRUCT of the same size
 *                                  ("long double" is no identifier)
 *   DECL_TAG              5.16     INT of 1 byte named like the tag (as
 *                                  libbpf writes it: same bytes loaded)
 *   TYPE_TAG              5.17     anonymous CONST of the same type
 *   ENUM64                6.0      ENUM of the same size when every value
 *                                  fits in 32 bits, else a UNION of the
 *                                  same size with a 1-byte placeholder int
 *                                  member per enumerator (names kept)
 *   signed ENUM (kflag)   6.0      ENUM with the flag cleared
 *
 * Records may change size (ENUM64 -> ENUM), so the type section is
 * written anew, record by record, rather than patched in place; a
 * placeholder INT, when needed, is appended after the last type.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PLACEHOLDER_NAME "__evbpf_placeholder"

struct san_buf {
	uint8_t *data;
	size_t len, cap;
};

static int buf_put(struct san_buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *d;

		while (cap < b->len + n)
			cap *= 2;
		d = realloc(b->data, cap);
		if (!d)
			return -ENOMEM;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

static int put_u32(struct san_buf *b, uint32_t v)
{
	return buf_put(b, &v, sizeof(v));
}

static int put_head(struct san_buf *b, uint32_t name_off, uint32_t kind, uint32_t vlen, bool kflag,
                    uint32_t size_type)
{
	int err = put_u32(b, name_off);

	if (!err)
		err = put_u32(b, (kflag ? 1u << 31 : 0) | kind << 24 | vlen);
	if (!err)
		err = put_u32(b, size_type);
	return err;
}

struct sanitizer {
	const struct evbpf_btf *btf;
	uint32_t have;
	struct san_buf types;
	struct san_buf strs;  /* strings appended after the original ones */
	uint32_t strs_base;   /* length of the original string section */
	uint32_t placeholder; /* id of the appended int, when used */
	bool used_placeholder;
	bool changed;
};

static bool lacks(const struct sanitizer *s, uint32_t what)
{
	return !(s->have & what);
}

/* Append a string; its offset in the new string section. */
static int add_str(struct sanitizer *s, const char *str, uint32_t *offp)
{
	uint32_t off = s->strs_base + (uint32_t)s->strs.len;
	int err = buf_put(&s->strs, str, strlen(str) + 1);

	if (!err)
		*offp = off;
	return err;
}

static uint32_t placeholder(struct sanitizer *s)
{
	s->used_placeholder = true;
	return s->placeholder;
}

/* A 1-byte INT without encoding: what VAR and DECL_TAG become. */
static int put_byte_int(struct sanitizer *s, uint32_t name_off)
{
	int err = put_head(&s->types, name_off, BTF_KIND_INT, 0, false, 1);

	return err ? err : put_u32(&s->types, 8); /* 8 bits at bit 0 */
}

static int put_datasec_struct(struct sanitizer *s, const struct btf_type *t)
{
	const struct btf_var_secinfo *v = (const void *)(t + 1);
	uint16_t vlen = evbpf__btf_vlen(t);
	const char *name = evbpf__btf_str(s->btf, t->name_off);
	uint32_t size = t->size, name_off = t->name_off;
	int err;

	/* ".rodata" is not an identifier, and a struct's name must be one. */
	if (name && strchr(name, '.')) {
		char *fixed = strdup(name);

		if (!fixed)
			return -ENOMEM;
		for (char *p = fixed; *p; p++)
			if (*p == '.')
				*p = '_';
		err = add_str(s, fixed, &name_off);
		free(fixed);
		if (err)
			return err;
	}
	/* Extern sections (.kconfig, .ksyms) may still have size 0 here. */
	for (uint16_t i = 0; i < vlen; i++)
		if (v[i].offset >= size)
			size = v[i].offset + 1;
	err = put_head(&s->types, name_off, BTF_KIND_STRUCT, vlen, false, size);
	for (uint16_t i = 0; i < vlen && !err; i++) {
		const struct btf_type *vt = evbpf__btf_type(s->btf, v[i].type);
		bool is_var = vt && evbpf__btf_kind(vt) == BTF_KIND_VAR;

		/* A VAR is a 1-byte INT now; anything else (a .ksyms FUNC) is
		 * no member type, so it points at the placeholder. */
		err = put_u32(&s->types, is_var ? vt->name_off : 0);
		if (!err)
			err = put_u32(&s->types, is_var ? v[i].type : placeholder(s));
		if (!err)
			err = put_u32(&s->types, v[i].offset * 8);
	}
	return err;
}

/* Whether an ENUM64's values all survive as 32-bit ENUM values. */
static bool enum64_fits_32(const struct btf_type *t)
{
	const struct btf_enum64 *e = (const void *)(t + 1);
	bool is_signed = BTF_INFO_KFLAG(t->info);

	for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++) {
		uint64_t v = (uint64_t)e[i].val_hi32 << 32 | e[i].val_lo32;

		if (is_signed ? (int64_t)v < INT32_MIN || (int64_t)v > INT32_MAX : v > UINT32_MAX)
			return false;
	}
	return true;
}

static int put_enum64(struct sanitizer *s, const struct btf_type *t)
{
	const struct btf_enum64 *e = (const void *)(t + 1);
	uint16_t vlen = evbpf__btf_vlen(t);
	bool fits = enum64_fits_32(t);
	int err;

	err = put_head(&s->types, t->name_off, fits ? BTF_KIND_ENUM : BTF_KIND_UNION, vlen, false,
	               t->size);
	for (uint16_t i = 0; i < vlen && !err; i++) {
		err = put_u32(&s->types, e[i].name_off);
		if (err)
			break;
		if (fits) {
			err = put_u32(&s->types, e[i].val_lo32);
		} else {
			err = put_u32(&s->types, placeholder(s));
			if (!err)
				err = put_u32(&s->types, 0); /* every member at offset 0 */
		}
	}
	return err;
}

/* Write type id's record, rewritten if the kernel lacks its kind. */
static int put_type(struct sanitizer *s, uint32_t id)
{
	const struct btf_type *t = evbpf__btf_type(s->btf, id);
	uint16_t kind = evbpf__btf_kind(t), vlen = evbpf__btf_vlen(t);
	int err;

	switch (kind) {
	case BTF_KIND_FUNC_PROTO:
		if (!lacks(s, EVBPF_BTF_HAS_FUNC))
			break;
		/* btf_param {name_off, type} and btf_enum {name_off, val}
		 * have the same layout: the records carry over as they are. */
		err = put_head(&s->types, 0, BTF_KIND_ENUM, vlen, false, 4);
		if (!err)
			err = buf_put(&s->types, t + 1, (size_t)vlen * sizeof(struct btf_param));
		return err ? err : 1;
	case BTF_KIND_FUNC:
		if (lacks(s, EVBPF_BTF_HAS_FUNC)) {
			err = put_head(&s->types, t->name_off, BTF_KIND_TYPEDEF, 0, false, t->type);
			return err ? err : 1;
		}
		if (lacks(s, EVBPF_BTF_HAS_GLOBAL_FUNC) && vlen != BTF_FUNC_STATIC) {
			err = put_head(&s->types, t->name_off, BTF_KIND_FUNC, BTF_FUNC_STATIC,
			               false, t->type);
			return err ? err : 1;
		}
		break;
	case BTF_KIND_VAR:
		if (!lacks(s, EVBPF_BTF_HAS_DATASEC))
			break;
		err = put_byte_int(s, t->name_off);
		return err ? err : 1;
	case BTF_KIND_DATASEC:
		if (!lacks(s, EVBPF_BTF_HAS_DATASEC))
			break;
		err = put_datasec_struct(s, t);
		return err ? err : 1;
	case BTF_KIND_FLOAT:
		if (!lacks(s, EVBPF_BTF_HAS_FLOAT))
			break;
		err = put_head(&s->types, 0, BTF_KIND_STRUCT, 0, false, t->size);
		return err ? err : 1;
	case BTF_KIND_DECL_TAG:
		if (!lacks(s, EVBPF_BTF_HAS_DECL_TAG))
			break;
		err = put_byte_int(s, t->name_off);
		return err ? err : 1;
	case BTF_KIND_TYPE_TAG:
		if (!lacks(s, EVBPF_BTF_HAS_TYPE_TAG))
			break;
		err = put_head(&s->types, 0, BTF_KIND_CONST, 0, false, t->type);
		return err ? err : 1;
	case BTF_KIND_ENUM:
		if (!lacks(s, EVBPF_BTF_HAS_ENUM64) || !BTF_INFO_KFLAG(t->info))
			break;
		err = put_head(&s->types, t->name_off, BTF_KIND_ENUM, vlen, false, t->size);
		if (!err)
			err = buf_put(&s->types, t + 1, (size_t)vlen * sizeof(struct btf_enum));
		return err ? err : 1;
	case BTF_KIND_ENUM64:
		if (!lacks(s, EVBPF_BTF_HAS_ENUM64))
			break;
		err = put_enum64(s, t);
		return err ? err : 1;
	default:
		break;
	}
	return buf_put(&s->types, t, evbpf__btf_type_rec_size(t));
}

/* Header, the new types, the original strings and the appended ones. */
static int assemble(struct sanitizer *s, const struct btf_header *old_hdr, const char *old_strs,
                    struct evbpf_btf **outp)
{
	struct btf_header hdr;
	struct san_buf blob = {0};
	int err;

	memset(&hdr, 0, sizeof(hdr));
	hdr.magic = BTF_MAGIC;
	hdr.version = old_hdr->version;
	hdr.flags = old_hdr->flags;
	hdr.hdr_len = sizeof(hdr);
	hdr.type_off = 0;
	hdr.type_len = (uint32_t)s->types.len;
	hdr.str_off = hdr.type_len;
	hdr.str_len = s->strs_base + (uint32_t)s->strs.len;
	err = buf_put(&blob, &hdr, sizeof(hdr));
	if (!err && s->types.len)
		err = buf_put(&blob, s->types.data, s->types.len);
	if (!err)
		err = buf_put(&blob, old_strs, s->strs_base);
	if (!err && s->strs.len)
		err = buf_put(&blob, s->strs.data, s->strs.len);
	if (!err)
		err = evbpf__btf_parse(blob.data, blob.len, NULL, outp);
	free(blob.data);
	return err;
}

int evbpf__btf_sanitize(const struct evbpf_btf *btf, uint32_t have, struct evbpf_btf **outp)
{
	struct sanitizer s;
	const struct btf_header *hdr;
	const uint8_t *raw;
	uint32_t cnt;
	size_t size;
	int err = 0;

	*outp = NULL;
	if (evbpf__btf_base(btf))
		return evbpf__err(-ENOTSUP, "btf: cannot sanitize split BTF");
	memset(&s, 0, sizeof(s));
	s.btf = btf;
	s.have = have;
	raw = evbpf__btf_raw(btf, &size);
	hdr = (const struct btf_header *)raw;
	s.strs_base = hdr->str_len;
	cnt = evbpf__btf_type_cnt(btf);
	s.placeholder = cnt;
	for (uint32_t id = 1; id < cnt && err >= 0; id++) {
		err = put_type(&s, id);
		if (err > 0)
			s.changed = true;
	}
	if (err >= 0 && s.used_placeholder) {
		uint32_t name_off;

		err = add_str(&s, PLACEHOLDER_NAME, &name_off);
		if (!err)
			err = put_head(&s.types, name_off, BTF_KIND_INT, 0, false, 1);
		if (!err)
			err = put_u32(&s.types, 8);
	}
	if (err >= 0 && s.changed)
		err = assemble(&s, hdr, (const char *)raw + hdr->hdr_len + hdr->str_off, outp);
	free(s.types.data);
	free(s.strs.data);
	if (err == -ENOMEM)
		return evbpf__err(err, "btf: out of memory while sanitizing");
	return err < 0 ? err : 0;
}

uint32_t evbpf__btf_kernel_kinds(void)
{
	static const struct {
		enum evbpf_feature feature;
		uint32_t has;
	} kinds[] = {
	    {EVBPF_FEATURE_BTF_FUNC, EVBPF_BTF_HAS_FUNC},
	    {EVBPF_FEATURE_BTF_GLOBAL_FUNC, EVBPF_BTF_HAS_GLOBAL_FUNC},
	    {EVBPF_FEATURE_BTF_DATASEC, EVBPF_BTF_HAS_DATASEC},
	    {EVBPF_FEATURE_BTF_FLOAT, EVBPF_BTF_HAS_FLOAT},
	    {EVBPF_FEATURE_BTF_DECL_TAG, EVBPF_BTF_HAS_DECL_TAG},
	    {EVBPF_FEATURE_BTF_TYPE_TAG, EVBPF_BTF_HAS_TYPE_TAG},
	    {EVBPF_FEATURE_BTF_ENUM64, EVBPF_BTF_HAS_ENUM64},
	};
	uint32_t have = 0;

	/* A probe that cannot tell leaves the kind alone: rewriting global
	 * functions as static changes how the verifier checks them, so only
	 * a kernel known to lack a kind gets the older form. */
	for (size_t i = 0; i < EVBPF_ARRAY_SIZE(kinds); i++)
		if (evbpf_probe_feature(kinds[i].feature) != 0)
			have |= kinds[i].has;
	/* An absent kind leaves its reason in errmsg; nothing failed here. */
	evbpf__errmsg_clear();
	return have;
}
