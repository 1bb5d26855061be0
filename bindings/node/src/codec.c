/* SPDX-License-Identifier: MIT */
/*
 * JavaScript values to bytes and back through BTF.
 *
 * Decoding is tools/json_btf.c, the decoder of `evbpf run`, compiled into
 * the addon: it writes JSON text and the JavaScript layer parses it, so a
 * record decodes to the same value here as on the command line. Encoding
 * (map keys and values, globals) is the inverse for the kinds a user
 * writes by hand: integers, enums, floats, pointers as numbers, arrays,
 * char arrays from strings, structs and unions from plain objects, with
 * anonymous members flattened into their parent as the decoder shows them.
 * BPF objects are little-endian, as are the hosts evbpf runs on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"
#include "internal.h"
#include "json_btf.h"

#define ENCODE_MAX_DEPTH 32

struct encoder {
	napi_env env;
	const struct evbpf_btf *btf;
	uint8_t *buf;
	size_t size;
	const char *what;
};

static bool enc_fail(struct encoder *e, const char *fmt, const char *detail)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, detail);
	throw_errno(e->env, -EINVAL, false, "%s: %s", e->what, msg);
	return false;
}

static napi_valuetype type_of(napi_env env, napi_value v)
{
	napi_valuetype t = napi_undefined;

	napi_typeof(env, v, &t);
	return t;
}

/* A JavaScript number, BigInt or boolean as 64 raw bits. */
static bool enc_int_value(struct encoder *e, napi_value v, bool is_signed, uint64_t *out)
{
	napi_valuetype t = type_of(e->env, v);
	bool lossless;

	if (t == napi_boolean) {
		bool b;

		napi_get_value_bool(e->env, v, &b);
		*out = b;
		return true;
	}
	if (t == napi_bigint) {
		if (is_signed) {
			int64_t s;

			napi_get_value_bigint_int64(e->env, v, &s, &lossless);
			*out = (uint64_t)s;
		} else {
			napi_get_value_bigint_uint64(e->env, v, out, &lossless);
		}
		if (!lossless)
			return enc_fail(e, "%s", "BigInt out of range for a 64-bit integer");
		return true;
	}
	if (t == napi_number) {
		double d;

		napi_get_value_double(e->env, v, &d);
		if (d != d || d < -9223372036854775808.0 || d >= 18446744073709551616.0)
			return enc_fail(e, "%s", "number out of range");
		if (d >= 9223372036854775808.0) {
			*out = (uint64_t)d;
			if ((double)*out != d)
				return enc_fail(e, "%s", "not an integer");
		} else {
			int64_t s = (int64_t)d;

			if ((double)s != d)
				return enc_fail(e, "%s", "not an integer");
			*out = (uint64_t)s;
		}
		return true;
	}
	return enc_fail(e, "%s", "expected a number, BigInt or boolean");
}

static bool put_bits(struct encoder *e, uint64_t bit, unsigned int nbits, uint64_t val)
{
	char bits[16];

	if (nbits == 0 || nbits > 64 || bit + nbits > (uint64_t)e->size * 8)
		return enc_fail(e, "%s", "value lies past the end of the buffer");
	/* Unsigned values must fit the width, negative ones its signed range. */
	if (nbits < 64 && (val >> nbits) != 0 &&
	    !((int64_t)val < 0 && (int64_t)val >= -((int64_t)1 << (nbits - 1)))) {
		snprintf(bits, sizeof(bits), "%u", nbits);
		return enc_fail(e, "value does not fit in %s bits", bits);
	}
	for (unsigned int i = 0; i < nbits; i++) {
		uint64_t b = bit + i;

		if ((val >> i) & 1)
			e->buf[b / 8] |= (uint8_t)(1u << (b % 8));
		else
			e->buf[b / 8] &= (uint8_t) ~(1u << (b % 8));
	}
	return true;
}

static bool enc_at(struct encoder *e, uint32_t id, uint64_t bit, unsigned int bitfield,
                   napi_value v, int depth);

static bool enc_enum(struct encoder *e, const struct btf_type *t, uint64_t bit, unsigned int nbits,
                     napi_value v)
{
	uint64_t val = 0;

	if (type_of(e->env, v) == napi_string) {
		char name[256];
		size_t len;
		bool found = false;

		napi_get_value_string_utf8(e->env, v, name, sizeof(name), &len);
		if (evbpf__btf_kind(t) == BTF_KIND_ENUM) {
			const struct btf_enum *en = (const struct btf_enum *)(t + 1);

			for (uint16_t i = 0; i < evbpf__btf_vlen(t) && !found; i++) {
				const char *n = evbpf__btf_str(e->btf, en[i].name_off);

				if (n && strcmp(n, name) == 0) {
					val = (uint64_t)(int64_t)en[i].val;
					found = true;
				}
			}
		} else {
			const struct btf_enum64 *en = (const struct btf_enum64 *)(t + 1);

			for (uint16_t i = 0; i < evbpf__btf_vlen(t) && !found; i++) {
				const char *n = evbpf__btf_str(e->btf, en[i].name_off);

				if (n && strcmp(n, name) == 0) {
					val = ((uint64_t)en[i].val_hi32 << 32) | en[i].val_lo32;
					found = true;
				}
			}
		}
		if (!found)
			return enc_fail(e, "no enumerator named '%s'", name);
	} else if (!enc_int_value(e, v, true, &val)) {
		return false;
	}
	return put_bits(e, bit, nbits, val);
}

static bool enc_array(struct encoder *e, const struct btf_type *t, uint64_t bit, napi_value v,
                      int depth)
{
	const struct btf_array *a = (const struct btf_array *)(t + 1);
	int64_t esize = evbpf__btf_resolve_size(e->btf, a->type);
	int rid = evbpf__btf_skip_mods(e->btf, a->type);
	const struct btf_type *et = rid > 0 ? evbpf__btf_type(e->btf, (uint32_t)rid) : NULL;
	uint64_t off = bit / 8;
	void *data;
	size_t len;
	bool is_array = false;
	uint32_t n;

	if (esize <= 0 || off + (uint64_t)esize * a->nelems > e->size)
		return enc_fail(e, "%s", "array lies past the end of the buffer");
	if (type_of(e->env, v) == napi_string && esize == 1 && et &&
	    evbpf__btf_kind(et) == BTF_KIND_INT) {
		char *s = (char *)e->buf + off;

		napi_get_value_string_utf8(e->env, v, NULL, 0, &len);
		if (len > a->nelems)
			return enc_fail(e, "%s", "string longer than the char array");
		/* napi writes a NUL after the text: a scratch copy. */
		data = calloc(1, len + 1);
		if (!data)
			return enc_fail(e, "%s", "out of memory");
		napi_get_value_string_utf8(e->env, v, data, len + 1, &len);
		memset(s, 0, a->nelems);
		memcpy(s, data, len);
		free(data);
		return true;
	}
	if (bytes_of(e->env, v, &data, &len)) {
		if (len != (size_t)esize * a->nelems)
			return enc_fail(e, "%s", "Buffer size differs from the array's size");
		memcpy(e->buf + off, data, len);
		return true;
	}
	napi_is_array(e->env, v, &is_array);
	if (!is_array)
		return enc_fail(e, "%s", "expected an array, a Buffer or (char arrays) a string");
	napi_get_array_length(e->env, v, &n);
	if (n > a->nelems)
		return enc_fail(e, "%s", "more elements than the array holds");
	for (uint32_t i = 0; i < n; i++) {
		napi_value el;

		napi_get_element(e->env, v, i, &el);
		if (!enc_at(e, a->type, bit + (uint64_t)i * (uint64_t)esize * 8, 0, el, depth + 1))
			return false;
	}
	return true;
}

static bool enc_members(struct encoder *e, const struct btf_type *t, uint64_t bit, napi_value v,
                        int depth)
{
	const struct btf_member *m = (const struct btf_member *)(t + 1);

	for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++) {
		const char *name = evbpf__btf_str(e->btf, m[i].name_off);
		uint64_t mbit = bit + evbpf__btf_member_bit_offset(t, i);
		unsigned int bf = evbpf__btf_member_bitfield_size(t, i);
		int rid = evbpf__btf_skip_mods(e->btf, m[i].type);
		const struct btf_type *mt = rid > 0 ? evbpf__btf_type(e->btf, (uint32_t)rid) : NULL;
		bool has = false;
		napi_value mv;

		if (!name || !mt)
			continue;
		if (!*name) {
			uint16_t k = evbpf__btf_kind(mt);

			if (!bf && (k == BTF_KIND_STRUCT || k == BTF_KIND_UNION)) {
				if (depth + 1 > ENCODE_MAX_DEPTH)
					return enc_fail(e, "%s", "types nest too deep");
				if (!enc_members(e, mt, mbit, v, depth + 1))
					return false;
			}
			continue;
		}
		napi_has_named_property(e->env, v, name, &has);
		if (!has)
			continue;
		napi_get_named_property(e->env, v, name, &mv);
		if (type_of(e->env, mv) == napi_undefined)
			continue;
		if (!enc_at(e, m[i].type, mbit, bf, mv, depth + 1))
			return false;
	}
	return true;
}

static bool enc_at(struct encoder *e, uint32_t id, uint64_t bit, unsigned int bitfield,
                   napi_value v, int depth)
{
	int rid = evbpf__btf_skip_mods(e->btf, id);
	const struct btf_type *t = rid > 0 ? evbpf__btf_type(e->btf, (uint32_t)rid) : NULL;
	uint64_t val;

	if (depth > ENCODE_MAX_DEPTH)
		return enc_fail(e, "%s", "types nest too deep");
	if (!t)
		return enc_fail(e, "%s", "unknown BTF type");
	switch (evbpf__btf_kind(t)) {
	case BTF_KIND_INT: {
		uint32_t enc = *(const uint32_t *)(t + 1);
		unsigned int nbits = bitfield ? bitfield : BTF_INT_BITS(enc);

		if (!bitfield)
			bit += BTF_INT_OFFSET(enc);
		if (nbits > 64)
			return enc_fail(e, "%s", "integers wider than 64 bits take a Buffer");
		if (!enc_int_value(e, v, BTF_INT_ENCODING(enc) & BTF_INT_SIGNED, &val))
			return false;
		return put_bits(e, bit, nbits, val);
	}
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return enc_enum(e, t, bit, bitfield ? bitfield : t->size * 8, v);
	case BTF_KIND_PTR:
		if (!enc_int_value(e, v, false, &val))
			return false;
		return put_bits(e, bit, 64, val);
	case BTF_KIND_FLOAT: {
		double d;
		float f;

		if (type_of(e->env, v) != napi_number)
			return enc_fail(e, "%s", "expected a number");
		napi_get_value_double(e->env, v, &d);
		if (bit % 8 || bit / 8 + t->size > e->size || (t->size != 4 && t->size != 8))
			return enc_fail(e, "%s", "unsupported float layout");
		f = (float)d;
		memcpy(e->buf + bit / 8, t->size == 4 ? (void *)&f : (void *)&d, t->size);
		return true;
	}
	case BTF_KIND_ARRAY:
		if (bit % 8)
			return enc_fail(e, "%s", "misaligned array");
		return enc_array(e, t, bit, v, depth);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		void *data;
		size_t len;

		if (bit % 8 || bit / 8 + t->size > e->size)
			return enc_fail(e, "%s", "struct lies past the end of the buffer");
		if (bytes_of(e->env, v, &data, &len)) {
			if (len != t->size)
				return enc_fail(e, "%s",
				                "Buffer size differs from the struct's size");
			memcpy(e->buf + bit / 8, data, len);
			return true;
		}
		if (type_of(e->env, v) != napi_object)
			return enc_fail(e, "%s", "expected an object for a struct or union");
		return enc_members(e, t, bit, v, depth);
	}
	default:
		return enc_fail(e, "%s", "this BTF kind takes a Buffer");
	}
}

bool codec_encode(napi_env env, const struct evbpf_btf *btf, uint32_t id, napi_value v, void *buf,
                  size_t size, const char *what)
{
	struct encoder e = {.env = env, .btf = btf, .buf = buf, .size = size, .what = what};

	memset(buf, 0, size);
	return enc_at(&e, id, 0, 0, v, 0);
}

napi_value codec_decode(napi_env env, const struct evbpf_btf *btf, uint32_t id, const void *data,
                        size_t size, size_t per_cpu_slot, int nr_cpus)
{
	struct jbuf b = {0};
	napi_value out = NULL;
	int err = 0;

	if (per_cpu_slot) {
		jbuf_putc(&b, '[');
		for (int cpu = 0; cpu < nr_cpus && !err; cpu++) {
			if (cpu)
				jbuf_putc(&b, ',');
			err =
			    json_btf_value(&b, btf, id, (const uint8_t *)data + cpu * per_cpu_slot,
			                   per_cpu_slot, NULL);
		}
		jbuf_putc(&b, ']');
	} else {
		err = json_btf_value(&b, btf, id, data, size, NULL);
	}
	if (!err && b.oom)
		err = -ENOMEM;
	if (err)
		throw_errno(env, err, false, "decoding %zu bytes through BTF failed", size);
	else
		napi_create_string_utf8(env, b.p ? b.p : "null", b.p ? b.len : 4, &out);
	jbuf_free(&b);
	return out;
}

int codec_global_type(const struct evbpf_btf *btf, const char *name, uint32_t *type_id,
                      size_t *size)
{
	int id = btf ? evbpf__btf_find(btf, name, BTF_KIND_VAR) : -ENOENT;
	const struct btf_type *var = id > 0 ? evbpf__btf_type(btf, (uint32_t)id) : NULL;
	int64_t sz;

	if (!var)
		return -ENOENT;
	sz = evbpf__btf_resolve_size(btf, var->type);
	if (sz <= 0 || sz > (1 << 20))
		return -EINVAL;
	*type_id = var->type;
	*size = (size_t)sz;
	return 0;
}

bool codec_map_bytes(napi_env env, const struct evbpf_btf *btf, uint32_t id, napi_value v,
                     void *buf, size_t size, const char *map_name, const char *what)
{
	char ctx[160];
	void *data;
	size_t len;

	if (bytes_of(env, v, &data, &len)) {
		if (len != size) {
			throw_errno(env, -EINVAL, false, "map '%s': %s is %zu bytes, expected %zu",
			            map_name, what, len, size);
			return false;
		}
		memcpy(buf, data, len);
		return true;
	}
	if (!btf || !id) {
		throw_errno(env, -EINVAL, false,
		            "map '%s' has no BTF type for its %s: pass a Buffer of %zu bytes",
		            map_name, what, size);
		return false;
	}
	snprintf(ctx, sizeof(ctx), "map '%s' %s", map_name, what);
	return codec_encode(env, btf, id, v, buf, size, ctx);
}

napi_value codec_map_value(napi_env env, const struct evbpf_map *map, const struct evbpf_btf *btf,
                           uint32_t id, const void *data, size_t size, bool decode, bool is_key)
{
	napi_value out;
	uint32_t t = evbpf_map_type(map);
	bool per_cpu =
	    !is_key &&
	    (t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_ARRAY ||
	     t == BPF_MAP_TYPE_LRU_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE);

	if (decode && btf && id) {
		size_t slot = per_cpu ? ((evbpf_map_value_size(map) + 7) & ~(size_t)7) : 0;
		int cpus = per_cpu ? evbpf_num_possible_cpus() : 0;

		return codec_decode(env, btf, id, data, size, slot, cpus);
	}
	if (napi_create_buffer_copy(env, size, data, NULL, &out) != napi_ok)
		return NULL;
	return out;
}
