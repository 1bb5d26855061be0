/* SPDX-License-Identifier: MIT */
/*
 * A tiny raw-BTF writer for tests: append types and strings, then take the
 * blob (header, types, strings). Type ids are handed out in order from
 * start_id (1, or the base's type count for split BTF). Nothing here
 * validates: tests build broken BTF on purpose.
 */
#ifndef EVBPF_TESTS_BTF_BUILDER_H
#define EVBPF_TESTS_BTF_BUILDER_H

#include <stdint.h>
#include <string.h>
#include <linux/btf.h>

#define BB_INFO(kind, kflag, vlen) ((uint32_t)(kflag) << 31 | (uint32_t)(kind) << 24 | (vlen))

struct bb {
	uint32_t types[8192];
	size_t nt; /* u32 words */
	char strs[8192];
	size_t ns;
	uint32_t next_id;
	uint32_t str_base; /* for split BTF: the base's string length */
	uint8_t blob[65536];
};

static inline void bb_init(struct bb *b, uint32_t start_id, uint32_t str_base)
{
	memset(b, 0, sizeof(*b));
	b->next_id = start_id;
	b->str_base = str_base;
	if (!str_base)
		b->ns = 1; /* the empty string at offset 0 */
}

static inline uint32_t bb_str(struct bb *b, const char *s)
{
	uint32_t off = (uint32_t)(b->str_base + b->ns);

	if (!*s)
		return 0; /* the empty string (the base's, for split BTF) */
	memcpy(b->strs + b->ns, s, strlen(s) + 1);
	b->ns += strlen(s) + 1;
	return off;
}

static inline void bb_u32(struct bb *b, uint32_t v)
{
	b->types[b->nt++] = v;
}

/* Start a type: name, info, size-or-type. Returns its id. */
static inline uint32_t bb_type(struct bb *b, const char *name, uint32_t info, uint32_t size_type)
{
	bb_u32(b, bb_str(b, name));
	bb_u32(b, info);
	bb_u32(b, size_type);
	return b->next_id++;
}

static inline uint32_t bb_int(struct bb *b, const char *name, uint32_t size, uint32_t bits,
                              uint32_t enc)
{
	uint32_t id = bb_type(b, name, BB_INFO(BTF_KIND_INT, 0, 0), size);

	bb_u32(b, enc << 24 | bits);
	return id;
}

static inline uint32_t bb_ref(struct bb *b, int kind, const char *name, uint32_t type)
{
	return bb_type(b, name, BB_INFO(kind, 0, 0), type);
}

static inline uint32_t bb_array(struct bb *b, uint32_t elem, uint32_t index, uint32_t n)
{
	uint32_t id = bb_type(b, "", BB_INFO(BTF_KIND_ARRAY, 0, 0), 0);

	bb_u32(b, elem);
	bb_u32(b, index);
	bb_u32(b, n);
	return id;
}

/* A struct or union; follow with vlen bb_member() calls. */
static inline uint32_t bb_composite(struct bb *b, int kind, const char *name, uint32_t size,
                                    uint16_t vlen, int kflag)
{
	return bb_type(b, name, BB_INFO(kind, kflag, vlen), size);
}

static inline void bb_member(struct bb *b, const char *name, uint32_t type, uint32_t offset)
{
	bb_u32(b, bb_str(b, name));
	bb_u32(b, type);
	bb_u32(b, offset);
}

static inline uint32_t bb_enum(struct bb *b, const char *name, uint32_t size, uint16_t vlen)
{
	return bb_type(b, name, BB_INFO(BTF_KIND_ENUM, 0, vlen), size);
}

static inline void bb_enumerator(struct bb *b, const char *name, int32_t val)
{
	bb_u32(b, bb_str(b, name));
	bb_u32(b, (uint32_t)val);
}

static inline uint32_t bb_enum64(struct bb *b, const char *name, uint16_t vlen)
{
	return bb_type(b, name, BB_INFO(BTF_KIND_ENUM64, 0, vlen), 8);
}

static inline void bb_enumerator64(struct bb *b, const char *name, uint64_t val)
{
	bb_u32(b, bb_str(b, name));
	bb_u32(b, (uint32_t)val);
	bb_u32(b, (uint32_t)(val >> 32));
}

static inline uint32_t bb_proto(struct bb *b, uint32_t ret, uint16_t vlen)
{
	return bb_type(b, "", BB_INFO(BTF_KIND_FUNC_PROTO, 0, vlen), ret);
}

static inline void bb_param(struct bb *b, const char *name, uint32_t type)
{
	bb_u32(b, bb_str(b, name));
	bb_u32(b, type);
}

/* The blob: header, types, strings. Returns its size. */
static inline size_t bb_blob(struct bb *b)
{
	struct btf_header h;

	memset(&h, 0, sizeof(h));
	h.magic = BTF_MAGIC;
	h.version = BTF_VERSION;
	h.hdr_len = sizeof(h);
	h.type_off = 0;
	h.type_len = (uint32_t)(b->nt * 4);
	h.str_off = h.type_len;
	h.str_len = (uint32_t)b->ns;
	memcpy(b->blob, &h, sizeof(h));
	memcpy(b->blob + sizeof(h), b->types, b->nt * 4);
	memcpy(b->blob + sizeof(h) + b->nt * 4, b->strs, b->ns);
	return sizeof(h) + b->nt * 4 + b->ns;
}

#endif
