/* SPDX-License-Identifier: MIT */
/*
 * BTF-driven JSON for `evbpf run` (see json_btf.h).
 *
 * Layout facts the decoder relies on: BPF objects are little-endian (bpfel),
 * as are the hosts evbpf runs on, so a bitfield's bit i lies at bit
 * (off + i) % 8 of byte (off + i) / 8; pointers are 8 bytes. Anything else
 * the BTF says is checked before it is used: ids may be void or out of
 * range, sizes may disagree with the record, and a struct may hold a
 * thousand copies of another at offset 0 (the node budget ends that).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json_btf.h"

/* ------------------------------------------------------------ buffer */

void jbuf_free(struct jbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void jbuf_reset(struct jbuf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->p)
		b->p[0] = '\0';
}

static bool jbuf_reserve(struct jbuf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->oom)
		return false;
	if (extra > SIZE_MAX / 2 - b->len) {
		b->oom = true;
		return false;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void jbuf_putc(struct jbuf *b, char c)
{
	if (!jbuf_reserve(b, 1))
		return;
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

void jbuf_puts(struct jbuf *b, const char *s)
{
	size_t n = strlen(s);

	if (!jbuf_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

void jbuf_printf(struct jbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !jbuf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence at s (at most len bytes), or 0. */
static size_t utf8_seq_len(const unsigned char *s, size_t len)
{
	size_t n;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void jbuf_str(struct jbuf *b, const void *str, size_t len, bool stop_at_nul)
{
	const unsigned char *s = str;
	size_t i = 0;

	jbuf_putc(b, '"');
	while (i < len && !b->oom) {
		unsigned char c = s[i];
		size_t n;

		if (c == '\0' && stop_at_nul)
			break;
		if (c == '"' || c == '\\') {
			jbuf_putc(b, '\\');
			jbuf_putc(b, (char)c);
			i++;
			continue;
		}
		if (c == '\n' || c == '\t' || c == '\r') {
			jbuf_puts(b, c == '\n' ? "\\n" : c == '\t' ? "\\t" : "\\r");
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			jbuf_printf(b, "\\u%04x", c);
			i++;
			continue;
		}
		n = utf8_seq_len(s + i, len - i);
		if (!n) {
			/* Not UTF-8: keep the byte visible as its Latin-1
			 * code point, so the output stays valid JSON. */
			jbuf_printf(b, "\\u%04x", c);
			i++;
			continue;
		}
		if (jbuf_reserve(b, n)) {
			memcpy(b->p + b->len, s + i, n);
			b->len += n;
			b->p[b->len] = '\0';
		}
		i += n;
	}
	jbuf_putc(b, '"');
}

void jbuf_text(struct jbuf *b, const void *str, size_t len, bool stop_at_nul)
{
	const unsigned char *s = str;
	size_t i = 0;

	jbuf_puts(b, ""); /* a string even when empty */
	while (i < len && !b->oom) {
		unsigned char c = s[i];
		size_t n;

		if (c == '\0' && stop_at_nul)
			break;
		if (c == '\n' || c == '\t' || c == '\r') {
			jbuf_puts(b, c == '\n' ? "\\n" : c == '\t' ? "\\t" : "\\r");
			i++;
			continue;
		}
		n = c < 0x20 || c == 0x7f ? 0 : utf8_seq_len(s + i, len - i);
		if (!n) {
			jbuf_printf(b, "\\x%02x", c);
			i++;
			continue;
		}
		if (jbuf_reserve(b, n)) {
			memcpy(b->p + b->len, s + i, n);
			b->len += n;
			b->p[b->len] = '\0';
		}
		i += n;
	}
}

void jbuf_hex(struct jbuf *b, const void *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *d = data;

	if (len > SIZE_MAX / 2 - 2 || !jbuf_reserve(b, len * 2 + 2))
		return;
	b->p[b->len++] = '"';
	for (size_t i = 0; i < len; i++) {
		b->p[b->len++] = digits[d[i] >> 4];
		b->p[b->len++] = digits[d[i] & 15];
	}
	b->p[b->len++] = '"';
	b->p[b->len] = '\0';
}

/* ------------------------------------------------------------ decoder */

struct decoder {
	const struct evbpf_btf *btf;
	struct jbuf *out;
	const uint8_t *data;
	size_t size;
	size_t nodes; /* values left in the budget */
	bool text;    /* JSON_BTF_TEXT */
	bool truncated;
	bool flex_tail;
	/* The record type's variable tail (see json_btf.h): the array at
	 * this absolute bit offset, of this type; tail_bit UINT64_MAX when
	 * the type has none. */
	uint64_t tail_bit;
	uint32_t tail_type;
	int err;
};

/* A member of a struct or union, where it lies in the record. */
struct member {
	const struct btf_type *parent;
	uint64_t parent_off; /* the parent's byte offset */
	uint16_t index;
	const char *name;          /* NULL: a name offset out of range */
	uint32_t type;             /* as declared */
	const struct btf_type *mt; /* through modifiers and typedefs; NULL: none */
	uint64_t bit;              /* absolute bit offset */
	unsigned int bf;           /* bitfield width; 0: a whole value */
};

/* How much of a member the record holds. */
enum member_fit {
	FIT_OUT,   /* not all of it: left out */
	FIT_WHOLE, /* all of it (or it decodes as null whatever the record) */
	FIT_PART,  /* an array that starts in the record and ends past it */
};

static void decode_at(struct decoder *d, uint32_t id, uint64_t byte_off, int depth);
static void decode_members(struct decoder *d, const struct btf_type *t, uint64_t byte_off,
                           int depth, bool *first);

int64_t json_btf_size(const struct evbpf_btf *btf, uint32_t id)
{
	return evbpf__btf_resolve_size(btf, id);
}

static uint16_t btf_kind_of(const struct btf_type *t)
{
	return t ? evbpf__btf_kind(t) : BTF_KIND_UNKN;
}

static const struct btf_type *resolve(const struct evbpf_btf *btf, uint32_t id, int *rid_out)
{
	int rid = evbpf__btf_skip_mods(btf, id);

	if (rid_out)
		*rid_out = rid;
	return rid > 0 ? evbpf__btf_type(btf, (uint32_t)rid) : NULL;
}

/* Take one value from the budget; false (and -E2BIG) when it is spent. */
static bool take_node(struct decoder *d)
{
	if (d->err)
		return false;
	if (d->nodes == 0 || d->out->oom) {
		d->err = d->out->oom ? -ENOMEM : -E2BIG;
		return false;
	}
	d->nodes--;
	return true;
}

static bool fits(const struct decoder *d, uint64_t off, uint64_t len)
{
	return off <= d->size && len <= d->size - off;
}

static uint64_t read_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static int64_t sign_extend(uint64_t v, unsigned int bits)
{
	if (bits == 0 || bits >= 64)
		return (int64_t)v;
	if (v & (1ull << (bits - 1)))
		v |= ~0ull << bits;
	return (int64_t)v;
}

/* Bits [bit_off, bit_off + nbits) of the data, nbits in 1..64. */
static uint64_t read_bits(const struct decoder *d, uint64_t bit_off, unsigned int nbits)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < nbits; i++) {
		uint64_t b = bit_off + i;

		v |= (uint64_t)((d->data[b / 8] >> (b % 8)) & 1) << i;
	}
	return v;
}

/* A string value: JSON, or bare text in text mode. */
static void put_string(struct decoder *d, const void *s, size_t len, bool stop_at_nul)
{
	if (d->text)
		jbuf_text(d->out, s, len, stop_at_nul);
	else
		jbuf_str(d->out, s, len, stop_at_nul);
}

/* The name of enumerator value raw (bits wide) of enum t, or NULL. */
static const char *enum_name(const struct evbpf_btf *btf, const struct btf_type *t, uint64_t raw,
                             unsigned int bits)
{
	uint16_t vlen = evbpf__btf_vlen(t);
	uint64_t mask = bits >= 64 ? ~0ull : (1ull << bits) - 1;

	for (uint16_t i = 0; i < vlen; i++) {
		uint64_t v;
		uint32_t name_off;
		const char *name;

		if (evbpf__btf_kind(t) == BTF_KIND_ENUM) {
			const struct btf_enum *e = (const struct btf_enum *)(t + 1) + i;

			/* A 32-bit value read as signed or unsigned. */
			v = (uint64_t)(int64_t)e->val;
			if ((v & mask) != (raw & mask) &&
			    ((uint64_t)(uint32_t)e->val & mask) != (raw & mask))
				continue;
			name_off = e->name_off;
		} else {
			const struct btf_enum64 *e = (const struct btf_enum64 *)(t + 1) + i;

			v = (uint64_t)e->val_hi32 << 32 | e->val_lo32;
			if ((v & mask) != (raw & mask))
				continue;
			name_off = e->name_off;
		}
		name = evbpf__btf_str(btf, name_off);
		if (name && *name)
			return name;
	}
	return NULL;
}

static void put_enum(struct decoder *d, const struct btf_type *t, uint64_t raw, unsigned int bits)
{
	uint64_t mask = bits >= 64 ? ~0ull : (1ull << bits) - 1;
	const char *name = enum_name(d->btf, t, raw, bits);

	if (name)
		put_string(d, name, strlen(name), true);
	else if (BTF_INFO_KFLAG(t->info))
		jbuf_printf(d->out, "%lld", (long long)sign_extend(raw, bits));
	else
		jbuf_printf(d->out, "%llu", (unsigned long long)(raw & mask));
}

static void put_int(struct decoder *d, uint32_t enc, uint64_t raw, unsigned int bits)
{
	if (BTF_INT_ENCODING(enc) & BTF_INT_BOOL)
		jbuf_puts(d->out, raw ? "true" : "false");
	else if (BTF_INT_ENCODING(enc) & BTF_INT_SIGNED)
		jbuf_printf(d->out, "%lld", (long long)sign_extend(raw, bits));
	else
		jbuf_printf(d->out, "%llu", (unsigned long long)raw);
}

/* An integer or enum bitfield at an absolute bit offset (t resolved). */
static void put_bits(struct decoder *d, const struct btf_type *t, uint64_t bit_off,
                     unsigned int nbits)
{
	if (!t || nbits == 0 || nbits > 64) {
		jbuf_puts(d->out, "null");
	} else if (evbpf__btf_kind(t) == BTF_KIND_INT) {
		uint32_t enc = *(const uint32_t *)(t + 1);

		put_int(d, enc, read_bits(d, bit_off, nbits), nbits);
	} else if (evbpf__btf_kind(t) == BTF_KIND_ENUM || evbpf__btf_kind(t) == BTF_KIND_ENUM64) {
		put_enum(d, t, read_bits(d, bit_off, nbits), nbits);
	} else {
		jbuf_puts(d->out, "null");
	}
}

static void decode_bits(struct decoder *d, uint32_t id, uint64_t bit_off, unsigned int nbits)
{
	if (!take_node(d))
		return;
	put_bits(d, resolve(d->btf, id, NULL), bit_off, nbits);
}

/* Whether an array of this element type reads best as a string. */
static bool is_char_type(const struct evbpf_btf *btf, uint32_t id)
{
	/* Through qualifiers but not typedefs: __u8 and uint8_t arrays are
	 * bytes (addresses, hashes), char arrays are text. */
	for (int i = 0; i < 8; i++) {
		const struct btf_type *t = evbpf__btf_type(btf, id);
		const char *name;
		uint32_t enc;

		if (!t)
			return false;
		switch (evbpf__btf_kind(t)) {
		case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = t->type;
			continue;
		case BTF_KIND_INT:
			if (t->size != 1)
				return false;
			enc = *(const uint32_t *)(t + 1);
			if (BTF_INT_ENCODING(enc) & BTF_INT_CHAR)
				return true;
			name = evbpf__btf_name(btf, id);
			return name && (!strcmp(name, "char") || !strcmp(name, "signed char") ||
			                !strcmp(name, "unsigned char"));
		default:
			return false;
		}
	}
	return false;
}

static void decode_int(struct decoder *d, const struct btf_type *t, uint64_t byte_off)
{
	uint32_t enc = *(const uint32_t *)(t + 1);

	if (t->size > 8) {
		/* __int128 and wider: hex, most significant byte first. */
		jbuf_puts(d->out, d->text ? "0x" : "\"0x");
		for (size_t i = t->size; i-- > 0;)
			jbuf_printf(d->out, "%02x", d->data[byte_off + i]);
		if (!d->text)
			jbuf_putc(d->out, '"');
		return;
	}
	put_int(d, enc, read_le(d->data + byte_off, t->size), t->size * 8u);
}

static void decode_float(struct decoder *d, const struct btf_type *t, uint64_t byte_off)
{
	double v;

	if (t->size == 4) {
		float f;

		memcpy(&f, d->data + byte_off, 4);
		v = f;
	} else if (t->size == 8) {
		memcpy(&v, d->data + byte_off, 8);
	} else {
		jbuf_hex(d->out, d->data + byte_off, t->size);
		return;
	}
	if (isfinite(v))
		jbuf_printf(d->out, "%.17g", v);
	else
		jbuf_puts(d->out, "null");
}

/* Fill mb with member i of struct or union t at byte_off. */
static void member_at(const struct evbpf_btf *btf, const struct btf_type *t, uint64_t byte_off,
                      uint16_t i, struct member *mb)
{
	const struct btf_member *m = (const struct btf_member *)(t + 1) + i;
	uint16_t kind;

	mb->parent = t;
	mb->parent_off = byte_off;
	mb->index = i;
	mb->name = evbpf__btf_str(btf, m->name_off);
	mb->type = m->type;
	mb->mt = resolve(btf, m->type, NULL);
	mb->bit = byte_off * 8 + evbpf__btf_member_bit_offset(t, i);
	mb->bf = evbpf__btf_member_bitfield_size(t, i);
	kind = btf_kind_of(mb->mt);
	if (kind == BTF_KIND_INT && !mb->bf) {
		uint32_t enc = *(const uint32_t *)(mb->mt + 1);

		/* An int that is itself a bitfield (no kind_flag). */
		if (BTF_INT_OFFSET(enc) || BTF_INT_BITS(enc) != mb->mt->size * 8u) {
			mb->bit += BTF_INT_OFFSET(enc);
			mb->bf = BTF_INT_BITS(enc);
		}
	}
	if (!mb->bf && mb->bit % 8 &&
	    (kind == BTF_KIND_INT || kind == BTF_KIND_ENUM || kind == BTF_KIND_ENUM64))
		mb->bf = (unsigned int)(mb->mt->size * 8 > 64 ? 64 : mb->mt->size * 8);
}

/* A trailing `T x[]`, which holds whatever the record has left. */
static bool is_flexible(const struct member *mb)
{
	return btf_kind_of(mb->mt) == BTF_KIND_ARRAY &&
	       ((const struct btf_array *)(mb->mt + 1))->nelems == 0 &&
	       mb->index == evbpf__btf_vlen(mb->parent) - 1;
}

static enum member_fit member_fit(const struct decoder *d, const struct member *mb)
{
	int64_t msize;

	if (mb->bf)
		return fits(d, 0, (mb->bit + mb->bf + 7) / 8) ? FIT_WHOLE : FIT_OUT;
	if (mb->bit % 8)
		return FIT_WHOLE; /* decodes as null */
	msize = evbpf__btf_resolve_size(d->btf, mb->type);
	if (btf_kind_of(mb->mt) == BTF_KIND_ARRAY && mb->bit / 8 <= d->size)
		return is_flexible(mb) || msize < 0 || !fits(d, mb->bit / 8, (uint64_t)msize)
		           ? FIT_PART
		           : FIT_WHOLE;
	if (msize < 0)
		return FIT_WHOLE; /* decodes as null */
	if (fits(d, mb->bit / 8, (uint64_t)msize))
		return FIT_WHOLE;
	/* A struct that holds the record's variable tail: cut in that
	 * tail is cut by design. */
	if (btf_kind_of(mb->mt) == BTF_KIND_STRUCT && d->tail_bit != UINT64_MAX &&
	    d->tail_bit >= mb->bit && d->tail_bit - mb->bit < (uint64_t)msize * 8 &&
	    d->tail_bit / 8 <= d->size)
		return FIT_PART;
	return FIT_OUT;
}

/*
 * The integer value of the sibling of mb named "<mb's name><suffix>" or
 * "<prefix><mb's name>" (one of names, printf formats of the name), when
 * it is a whole, non-negative integer the record holds; else -1.
 */
static int64_t sibling_int(const struct decoder *d, const struct member *mb,
                           const char *const *formats, size_t nr_formats)
{
	uint16_t vlen = evbpf__btf_vlen(mb->parent);
	/* Only the members near it: a bound on the work a struct of
	 * thousands of char arrays can make per record. */
	uint16_t lo = mb->index > JSON_BTF_SIBLING_SPAN ? mb->index - JSON_BTF_SIBLING_SPAN : 0;
	uint16_t hi =
	    vlen - mb->index > JSON_BTF_SIBLING_SPAN ? mb->index + JSON_BTF_SIBLING_SPAN + 1 : vlen;

	for (size_t f = 0; f < nr_formats; f++) {
		char want[256];
		int n = snprintf(want, sizeof(want), formats[f], mb->name);

		if (n < 0 || (size_t)n >= sizeof(want))
			continue;
		for (uint16_t i = lo; i < hi; i++) {
			struct member sib;
			uint32_t enc;
			uint64_t raw;

			if (i == mb->index)
				continue;
			member_at(d->btf, mb->parent, mb->parent_off, i, &sib);
			if (!sib.name || strcmp(sib.name, want))
				continue;
			if (btf_kind_of(sib.mt) != BTF_KIND_INT || sib.bf || sib.bit % 8 ||
			    sib.mt->size == 0 || sib.mt->size > 8 ||
			    !fits(d, sib.bit / 8, sib.mt->size))
				return -1;
			enc = *(const uint32_t *)(sib.mt + 1);
			raw = read_le(d->data + sib.bit / 8, sib.mt->size);
			if (BTF_INT_ENCODING(enc) & BTF_INT_SIGNED) {
				int64_t v = sign_extend(raw, sib.mt->size * 8u);

				return v < 0 ? -1 : v;
			}
			return raw > INT64_MAX ? INT64_MAX : (int64_t)raw;
		}
	}
	return -1;
}

/* Text a list of strings may hold: no control characters but tab. */
static bool printable_strings(const uint8_t *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] && s[i] != '\t' && (s[i] < 0x20 || s[i] == 0x7f))
			return false;
	return true;
}

/*
 * A char array of n elements at byte_off: a string, or a list of the
 * strings it holds (the rule is in json_btf.h). mb: the member it is, when
 * it is one; partial_ok: the record's variable tail, cut by design.
 */
static void decode_chars(struct decoder *d, uint64_t byte_off, uint64_t n, const struct member *mb,
                         bool partial_ok)
{
	static const char *const count_names[] = {"%s_count", "%s_cnt", "nr_%s"};
	static const char *const size_names[] = {"%s_size", "%s_len"};
	uint64_t avail = byte_off <= d->size ? d->size - byte_off : 0;
	const uint8_t *s = d->data + byte_off;
	int64_t count = -1, limit = -1;
	size_t len, end, at = 0;
	bool list;

	if (n > avail && !partial_ok)
		d->truncated = true;
	len = (size_t)(n < avail ? n : avail);
	if (mb && mb->name && *mb->name) {
		count = sibling_int(d, mb, count_names, EVBPF_ARRAY_SIZE(count_names));
		limit = sibling_int(d, mb, size_names, EVBPF_ARRAY_SIZE(size_names));
	}
	if (limit >= 0 && (uint64_t)limit < len)
		len = (size_t)limit;
	end = len;
	while (end && !s[end - 1])
		end--;
	list = count >= 0 || ((limit >= 0 || (partial_ok && n > avail)) && memchr(s, 0, end) &&
	                      printable_strings(s, end));
	if (!list) {
		put_string(d, s, len, true);
		return;
	}
	if (!d->text)
		jbuf_putc(d->out, '[');
	for (int64_t k = 0; at < end && (count < 0 || k < count); k++) {
		const uint8_t *nul = memchr(s + at, 0, end - at);
		size_t stop = nul ? (size_t)(nul - s) : end;

		if (k)
			jbuf_putc(d->out, d->text ? ' ' : ',');
		if (k && !take_node(d))
			return;
		put_string(d, s + at, stop - at, false);
		at = stop + 1;
	}
	if (!d->text)
		jbuf_putc(d->out, ']');
}

/* flexible: a trailing `T x[]`; partial_ok: the record's variable tail. */
static void decode_array(struct decoder *d, const struct btf_type *t, uint64_t byte_off, int depth,
                         bool flexible, const struct member *mb, bool partial_ok)
{
	const struct btf_array *a = (const struct btf_array *)(t + 1);
	int64_t esize = evbpf__btf_resolve_size(d->btf, a->type);
	uint64_t n = a->nelems;

	if (esize < 0) {
		jbuf_puts(d->out, "null");
		return;
	}
	if (flexible && esize > 0 && byte_off <= d->size) {
		n = (d->size - byte_off) / (uint64_t)esize;
		d->flex_tail = true;
	}
	if (is_char_type(d->btf, a->type)) {
		decode_chars(d, byte_off, n, mb, partial_ok || flexible);
		return;
	}
	jbuf_putc(d->out, '[');
	for (uint64_t i = 0; esize > 0 && i < n && !d->err; i++) {
		uint64_t off = byte_off + i * (uint64_t)esize;

		if (!fits(d, off, (uint64_t)esize)) {
			if (!partial_ok)
				d->truncated = true;
			break;
		}
		if (i)
			jbuf_putc(d->out, ',');
		decode_at(d, a->type, off, depth + 1);
	}
	jbuf_putc(d->out, ']');
}

/* The record's variable tail: the last member of the record type when it
 * is an array, or of a struct that is itself the last member. */
static bool find_tail(const struct evbpf_btf *btf, uint32_t id, uint64_t *bit, uint32_t *tid)
{
	uint64_t off = 0;

	for (int depth = 0; depth < JSON_BTF_MAX_DEPTH; depth++) {
		const struct btf_type *t = resolve(btf, id, NULL);
		const struct btf_member *m;
		const struct btf_type *mt;
		uint16_t last;
		int mid;

		if (btf_kind_of(t) != BTF_KIND_STRUCT || !evbpf__btf_vlen(t))
			return false;
		last = evbpf__btf_vlen(t) - 1;
		m = (const struct btf_member *)(t + 1) + last;
		if (evbpf__btf_member_bitfield_size(t, last) ||
		    evbpf__btf_member_bit_offset(t, last) % 8)
			return false;
		off += evbpf__btf_member_bit_offset(t, last);
		mt = resolve(btf, m->type, &mid);
		if (btf_kind_of(mt) == BTF_KIND_ARRAY) {
			*bit = off;
			*tid = (uint32_t)mid;
			return true;
		}
		id = m->type;
	}
	return false;
}

static bool is_tail(const struct decoder *d, const struct member *mb)
{
	return d->tail_bit != UINT64_MAX && mb->bit == d->tail_bit &&
	       evbpf__btf_skip_mods(d->btf, mb->type) == (int)d->tail_type;
}

/* The value of a member that fits (FIT_WHOLE) or starts in the record
 * (FIT_PART). */
static void decode_member(struct decoder *d, const struct member *mb, enum member_fit fit,
                          int depth)
{
	if (mb->bf) {
		decode_bits(d, mb->type, mb->bit, mb->bf);
		return;
	}
	if (mb->bit % 8) {
		if (take_node(d))
			jbuf_puts(d->out, "null");
		return;
	}
	if (fit == FIT_PART && btf_kind_of(mb->mt) == BTF_KIND_STRUCT) {
		bool first = true, text = d->text;

		if (!take_node(d))
			return;
		d->text = false;
		jbuf_putc(d->out, '{');
		if (depth + 1 <= JSON_BTF_MAX_DEPTH)
			decode_members(d, mb->mt, mb->bit / 8, depth + 1, &first);
		jbuf_putc(d->out, '}');
		d->text = text;
		return;
	}
	if (btf_kind_of(mb->mt) == BTF_KIND_ARRAY &&
	    (fit == FIT_PART ||
	     is_char_type(d->btf, ((const struct btf_array *)(mb->mt + 1))->type))) {
		/* An array that starts in the record shows the elements it
		 * has there; char arrays may look at their siblings. */
		bool flexible = fit == FIT_PART && is_flexible(mb);
		bool partial_ok = flexible || is_tail(d, mb);

		if (fit == FIT_PART && !partial_ok)
			d->truncated = true;
		if (!take_node(d))
			return;
		if (depth + 1 > JSON_BTF_MAX_DEPTH)
			jbuf_puts(d->out, "null");
		else
			decode_array(d, mb->mt, mb->bit / 8, depth + 1, flexible, mb, partial_ok);
		return;
	}
	decode_at(d, mb->type, mb->bit / 8, depth + 1);
}

/* Members of a struct or union at byte_off; *first tracks the commas so
 * anonymous members can be flattened into their parent's object. */
static void decode_members(struct decoder *d, const struct btf_type *t, uint64_t byte_off,
                           int depth, bool *first)
{
	for (uint16_t i = 0; i < evbpf__btf_vlen(t) && !d->err; i++) {
		struct member mb;
		enum member_fit fit;

		member_at(d->btf, t, byte_off, i, &mb);
		if (!mb.name)
			continue;
		if (!*mb.name) {
			/* Anonymous struct/union members read as their
			 * fields; anonymous bitfields are padding. */
			uint16_t kind = btf_kind_of(mb.mt);

			if (!mb.bf && mb.bit % 8 == 0 &&
			    (kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION) &&
			    depth + 1 <= JSON_BTF_MAX_DEPTH)
				decode_members(d, mb.mt, mb.bit / 8, depth + 1, first);
			continue;
		}
		fit = member_fit(d, &mb);
		if (fit == FIT_OUT) {
			d->truncated = true;
			continue;
		}
		if (!*first)
			jbuf_putc(d->out, ',');
		*first = false;
		jbuf_str(d->out, mb.name, strlen(mb.name), true);
		jbuf_putc(d->out, ':');
		decode_member(d, &mb, fit, depth);
	}
}

/* The value of type id at byte_off, which the caller checked fits. */
static void decode_at(struct decoder *d, uint32_t id, uint64_t byte_off, int depth)
{
	const struct btf_type *t;
	int64_t size;
	bool first = true, text;
	int rid;

	if (!take_node(d))
		return;
	t = resolve(d->btf, id, &rid);
	if (!t || depth > JSON_BTF_MAX_DEPTH) {
		jbuf_puts(d->out, "null");
		return;
	}
	size = evbpf__btf_resolve_size(d->btf, (uint32_t)rid);
	if (evbpf__btf_kind(t) == BTF_KIND_PTR)
		size = 8;
	if (size < 0 || !fits(d, byte_off, (uint64_t)size)) {
		/* Callers check sizes; this catches types whose size cannot
		 * be resolved at all. */
		jbuf_puts(d->out, "null");
		return;
	}
	switch (evbpf__btf_kind(t)) {
	case BTF_KIND_INT: {
		uint32_t enc = *(const uint32_t *)(t + 1);

		/* An int that carries its own bit offset and width. */
		if (BTF_INT_OFFSET(enc) + BTF_INT_BITS(enc) > t->size * 8u)
			jbuf_puts(d->out, "null");
		else if (BTF_INT_OFFSET(enc) || BTF_INT_BITS(enc) != t->size * 8u)
			put_bits(d, t, byte_off * 8 + BTF_INT_OFFSET(enc), BTF_INT_BITS(enc));
		else
			decode_int(d, t, byte_off);
		break;
	}
	case BTF_KIND_PTR:
		jbuf_printf(d->out, d->text ? "0x%llx" : "\"0x%llx\"",
		            (unsigned long long)read_le(d->data + byte_off, 8));
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		if (t->size == 0 || t->size > 8)
			jbuf_puts(d->out, "null");
		else
			put_enum(d, t, read_le(d->data + byte_off, t->size), t->size * 8u);
		break;
	case BTF_KIND_FLOAT:
		decode_float(d, t, byte_off);
		break;
	case BTF_KIND_ARRAY:
		decode_array(d, t, byte_off, depth, false, NULL, false);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		/* A struct in a table cell stays JSON, quotes and all. */
		text = d->text;
		d->text = false;
		jbuf_putc(d->out, '{');
		decode_members(d, t, byte_off, depth, &first);
		jbuf_putc(d->out, '}');
		d->text = text;
		break;
	default:
		/* fwd, func, var, datasec, ...: nothing to show. */
		jbuf_puts(d->out, "null");
		break;
	}
}

static void decoder_init(struct decoder *d, struct jbuf *out, const struct evbpf_btf *btf,
                         uint32_t type_id, const void *data, size_t size, size_t max_nodes,
                         unsigned int flags)
{
	memset(d, 0, sizeof(*d));
	d->btf = btf;
	d->out = out;
	d->data = data;
	d->size = size;
	d->nodes = max_nodes;
	d->text = flags & JSON_BTF_TEXT;
	if (!find_tail(btf, type_id, &d->tail_bit, &d->tail_type))
		d->tail_bit = UINT64_MAX;
}

static int value_flags(struct jbuf *out, const struct evbpf_btf *btf, uint32_t type_id,
                       const void *data, size_t size, size_t max_nodes, unsigned int flags,
                       struct json_btf_result *res)
{
	struct decoder d;
	const struct btf_type *t;
	int rid;
	int64_t tsize;

	if (res)
		memset(res, 0, sizeof(*res));
	t = resolve(btf, type_id, &rid);
	if (!t)
		return -EINVAL;
	tsize = evbpf__btf_resolve_size(btf, (uint32_t)rid);
	if (tsize < 0)
		return -EINVAL;
	decoder_init(&d, out, btf, (uint32_t)rid, data, size, max_nodes, flags);
	if ((uint64_t)tsize > size) {
		/* Short record: structs and arrays show what is there (and
		 * say whether that is less than the fixed part); a scalar
		 * that does not fit shows nothing. */
		if (evbpf__btf_kind(t) != BTF_KIND_STRUCT && evbpf__btf_kind(t) != BTF_KIND_UNION &&
		    evbpf__btf_kind(t) != BTF_KIND_ARRAY) {
			d.truncated = true;
			jbuf_puts(out, "null");
			goto done;
		}
		if (!take_node(&d)) {
			goto done;
		} else if (evbpf__btf_kind(t) == BTF_KIND_ARRAY) {
			decode_array(&d, t, 0, 0, false, NULL, false);
		} else {
			bool first = true, text = d.text;

			d.text = false;
			jbuf_putc(out, '{');
			decode_members(&d, t, 0, 0, &first);
			jbuf_putc(out, '}');
			d.text = text;
		}
		goto done;
	}
	decode_at(&d, (uint32_t)rid, 0, 0);
done:
	if (res) {
		res->truncated = d.truncated;
		res->flex_tail = d.flex_tail;
	}
	if (!d.err && out->oom)
		d.err = -ENOMEM;
	return d.err;
}

int json_btf_value(struct jbuf *out, const struct evbpf_btf *btf, uint32_t type_id,
                   const void *data, size_t size, struct json_btf_result *res)
{
	return value_flags(out, btf, type_id, data, size, JSON_BTF_MAX_NODES, 0, res);
}

int json_btf_value_flags(struct jbuf *out, const struct evbpf_btf *btf, uint32_t type_id,
                         const void *data, size_t size, unsigned int flags,
                         struct json_btf_result *res)
{
	return value_flags(out, btf, type_id, data, size, JSON_BTF_MAX_NODES, flags, res);
}

int json_btf_value_budget(struct jbuf *out, const struct evbpf_btf *btf, uint32_t type_id,
                          const void *data, size_t size, size_t max_nodes,
                          struct json_btf_result *res)
{
	return value_flags(out, btf, type_id, data, size, max_nodes, 0, res);
}

/* ------------------------------------------------------------ table columns */

#define COL_TEXT_WIDTH 24 /* char arrays and other arrays at most */

static unsigned int decimal_width(uint64_t v)
{
	unsigned int n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* The widest decimal value of an integer of bits bits (1..64). */
static unsigned int int_width(unsigned int bits, bool is_signed)
{
	unsigned int w;

	if (bits >= 64)
		w = 20;
	else if (is_signed)
		w = decimal_width(1ull << (bits - 1)) + 1;
	else
		w = decimal_width((1ull << bits) - 1);
	return w > JSON_BTF_INT_WIDTH ? JSON_BTF_INT_WIDTH : w;
}

/* The longest enumerator name; values without one print as numbers. */
static unsigned int enum_width(const struct evbpf_btf *btf, const struct btf_type *t,
                               unsigned int bits)
{
	size_t entry = evbpf__btf_kind(t) == BTF_KIND_ENUM ? sizeof(struct btf_enum)
	                                                   : sizeof(struct btf_enum64);
	unsigned int w = 1;

	for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++) {
		/* name_off is the first field of both entry kinds. */
		const uint32_t *name_off = (const uint32_t *)((const char *)(t + 1) + i * entry);
		const char *name = evbpf__btf_str(btf, *name_off);
		size_t len = name ? strlen(name) : 0;

		if (len > w)
			w = (unsigned int)(len > 64 ? 64 : len);
	}
	if (w == 1)
		return int_width(bits, BTF_INFO_KFLAG(t->info));
	return w;
}

static unsigned int col_width(const struct evbpf_btf *btf, const struct btf_type *t,
                              unsigned int bits, bool *numeric, int depth)
{
	uint32_t enc;

	*numeric = false;
	if (depth > 8)
		return COL_TEXT_WIDTH;
	switch (btf_kind_of(t)) {
	case BTF_KIND_INT:
		enc = *(const uint32_t *)(t + 1);
		if (BTF_INT_ENCODING(enc) & BTF_INT_BOOL)
			return 5;
		if (!bits && t->size > 8)
			return 2 + 2 * t->size;
		*numeric = true;
		return int_width(bits ? bits : t->size * 8u,
		                 BTF_INT_ENCODING(enc) & BTF_INT_SIGNED);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return enum_width(btf, t, bits ? bits : t->size * 8u);
	case BTF_KIND_PTR:
		return 18;
	case BTF_KIND_FLOAT:
		*numeric = true;
		return 12;
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = (const struct btf_array *)(t + 1);
		uint64_t w;
		bool elem_numeric;

		if (is_char_type(btf, a->type))
			w = a->nelems > 1 ? a->nelems - 1 : COL_TEXT_WIDTH;
		else
			w = (uint64_t)a->nelems * (col_width(btf, resolve(btf, a->type, NULL), 0,
			                                     &elem_numeric, depth + 1) +
			                           1) +
			    1;
		return w > COL_TEXT_WIDTH ? COL_TEXT_WIDTH : (unsigned int)w;
	}
	default:
		return COL_TEXT_WIDTH;
	}
}

struct col_walk {
	const struct evbpf_btf *btf;
	struct json_btf_col *cols;
	size_t max, n;
	size_t visits; /* members left to look at: hostile BTF fans out */
};

static void add_member_cols(struct col_walk *w, uint32_t parent_id, uint64_t byte_off,
                            const char *prefix, int depth)
{
	const struct btf_type *t = evbpf__btf_type(w->btf, parent_id);

	for (uint16_t i = 0; i < evbpf__btf_vlen(t) && w->n < w->max && w->visits; i++) {
		const struct btf_member *m = (const struct btf_member *)(t + 1) + i;
		struct json_btf_col *col;
		struct member mb;
		char name[JSON_BTF_COL_NAME];
		uint16_t kind;
		bool composite;
		int mid;

		w->visits--;
		member_at(w->btf, t, byte_off, i, &mb);
		if (!mb.name)
			continue;
		kind = btf_kind_of(mb.mt);
		composite = !mb.bf && mb.bit % 8 == 0 &&
		            (kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION) &&
		            depth < JSON_BTF_MAX_DEPTH;
		(void)resolve(w->btf, m->type, &mid);
		if (!*mb.name) {
			/* Anonymous struct/union: its fields, unprefixed;
			 * anonymous bitfields are padding. */
			if (composite)
				add_member_cols(w, (uint32_t)mid, mb.bit / 8, prefix, depth + 1);
			continue;
		}
		snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "", mb.name);
		if (composite) {
			add_member_cols(w, (uint32_t)mid, mb.bit / 8, name, depth + 1);
			continue;
		}
		col = &w->cols[w->n++];
		memset(col, 0, sizeof(*col));
		memcpy(col->name, name, sizeof(name));
		col->parent = parent_id;
		col->member = i;
		col->parent_off = byte_off;
		col->width = col_width(w->btf, mb.mt, mb.bf, &col->numeric, 0);
	}
}

int json_btf_columns(const struct evbpf_btf *btf, uint32_t type_id, struct json_btf_col *cols,
                     size_t max)
{
	struct col_walk w = {.btf = btf, .cols = cols, .max = max, .visits = JSON_BTF_MAX_NODES};
	const struct btf_type *t;
	int rid;

	t = btf ? resolve(btf, type_id, &rid) : NULL;
	if (!t || evbpf__btf_resolve_size(btf, (uint32_t)rid) < 0)
		return -EINVAL;
	if (evbpf__btf_kind(t) == BTF_KIND_STRUCT || evbpf__btf_kind(t) == BTF_KIND_UNION) {
		add_member_cols(&w, (uint32_t)rid, 0, "", 0);
		return (int)w.n;
	}
	if (!max)
		return 0;
	memset(cols, 0, sizeof(*cols));
	snprintf(cols->name, sizeof(cols->name), "value");
	cols->width = col_width(btf, t, 0, &cols->numeric, 0);
	return 1;
}

int json_btf_col_text(struct jbuf *out, const struct evbpf_btf *btf, uint32_t type_id,
                      const struct json_btf_col *col, const void *data, size_t size)
{
	const struct btf_type *pt;
	struct decoder d;
	struct member mb;
	enum member_fit fit;
	int rid;

	if (!col->parent) {
		const struct btf_type *t = resolve(btf, type_id, &rid);
		int64_t tsize = t ? evbpf__btf_resolve_size(btf, (uint32_t)rid) : -EINVAL;

		if (tsize < 0)
			return -EINVAL;
		if ((uint64_t)tsize > size && evbpf__btf_kind(t) != BTF_KIND_ARRAY)
			return 1;
		return value_flags(out, btf, type_id, data, size, JSON_BTF_MAX_NODES, JSON_BTF_TEXT,
		                   NULL);
	}
	pt = evbpf__btf_type(btf, col->parent);
	if (!pt || (btf_kind_of(pt) != BTF_KIND_STRUCT && btf_kind_of(pt) != BTF_KIND_UNION) ||
	    col->member >= evbpf__btf_vlen(pt) || !resolve(btf, type_id, &rid))
		return -EINVAL;
	decoder_init(&d, out, btf, (uint32_t)rid, data, size, JSON_BTF_MAX_NODES, JSON_BTF_TEXT);
	member_at(btf, pt, col->parent_off, col->member, &mb);
	fit = member_fit(&d, &mb);
	if (fit == FIT_OUT)
		return 1;
	decode_member(&d, &mb, fit, 0);
	if (!d.err && out->oom)
		d.err = -ENOMEM;
	return d.err;
}

/* ------------------------------------------------------------ type lookup */

int json_btf_find_type(const struct evbpf_btf *btf, const char *spec)
{
	static const struct {
		const char *kw;
		int kind;
	} kws[] = {
	    {"struct", BTF_KIND_STRUCT},
	    {"union", BTF_KIND_UNION},
	    {"enum", BTF_KIND_ENUM},
	};
	static const int bare_kinds[] = {BTF_KIND_TYPEDEF, BTF_KIND_STRUCT, BTF_KIND_UNION,
	                                 BTF_KIND_ENUM,    BTF_KIND_ENUM64, BTF_KIND_INT,
	                                 BTF_KIND_FLOAT};
	char name[256];
	size_t len;
	int id;

	if (!btf || !spec)
		return -ENOENT;
	while (isspace((unsigned char)*spec))
		spec++;
	for (size_t i = 0; i < EVBPF_ARRAY_SIZE(kws); i++) {
		size_t n = strlen(kws[i].kw);

		if (!strncmp(spec, kws[i].kw, n) && isspace((unsigned char)spec[n])) {
			spec += n;
			while (isspace((unsigned char)*spec))
				spec++;
			len = strlen(spec);
			while (len && isspace((unsigned char)spec[len - 1]))
				len--;
			if (!len || len >= sizeof(name))
				return -ENOENT;
			memcpy(name, spec, len);
			name[len] = '\0';
			id = evbpf__btf_find(btf, name, kws[i].kind);
			if (id < 0 && kws[i].kind == BTF_KIND_ENUM)
				id = evbpf__btf_find(btf, name, BTF_KIND_ENUM64);
			return id < 0 ? -ENOENT : id;
		}
	}
	len = strlen(spec);
	while (len && isspace((unsigned char)spec[len - 1]))
		len--;
	if (!len || len >= sizeof(name))
		return -ENOENT;
	memcpy(name, spec, len);
	name[len] = '\0';
	for (size_t i = 0; i < EVBPF_ARRAY_SIZE(bare_kinds); i++) {
		id = evbpf__btf_find(btf, name, bare_kinds[i]);
		if (id > 0)
			return id;
	}
	return -ENOENT;
}

void json_btf_type_name(const struct evbpf_btf *btf, uint32_t id, char *buf, size_t size)
{
	const struct btf_type *t = evbpf__btf_type(btf, id);
	const char *name = t ? evbpf__btf_name(btf, id) : NULL;
	const char *kw = "";

	if (!t || !name || !*name) {
		snprintf(buf, size, "?");
		return;
	}
	switch (evbpf__btf_kind(t)) {
	case BTF_KIND_STRUCT:
		kw = "struct ";
		break;
	case BTF_KIND_UNION:
		kw = "union ";
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		kw = "enum ";
		break;
	default:
		break;
	}
	snprintf(buf, size, "%s%s", kw, name);
}

bool json_btf_size_fits(int64_t type_size, size_t rec_size, bool perf_padded)
{
	if (type_size <= 0)
		return false;
	if ((uint64_t)type_size == rec_size)
		return true;
	/* perf raw samples: u32 size + data, padded to 8 bytes. */
	return perf_padded && (uint64_t)type_size < rec_size &&
	       evbpf__roundup((size_t)type_size + 4, 8) - 4 == rec_size;
}

bool json_btf_tail_fits(const struct evbpf_btf *btf, uint32_t type_id, size_t rec_size)
{
	int rid = evbpf__btf_skip_mods(btf, type_id);
	const struct btf_type *t = rid > 0 ? evbpf__btf_type(btf, (uint32_t)rid) : NULL;
	const struct btf_type *last;
	const struct btf_member *m;
	uint16_t vlen;
	uint32_t off;
	int lid;

	if (!t || evbpf__btf_kind(t) != BTF_KIND_STRUCT || !(vlen = evbpf__btf_vlen(t)))
		return false;
	m = (const struct btf_member *)(t + 1);
	off = evbpf__btf_member_bit_offset(t, vlen - 1);
	lid = evbpf__btf_skip_mods(btf, m[vlen - 1].type);
	last = lid > 0 ? evbpf__btf_type(btf, (uint32_t)lid) : NULL;
	if (!last || evbpf__btf_kind(last) != BTF_KIND_ARRAY || off % 8 || off / 8 > rec_size)
		return false;
	if (((const struct btf_array *)(last + 1))->nelems == 0)
		return t->size <= rec_size;
	return t->size > rec_size;
}

/* Whether a struct name reads like the record type of map_name. */
static bool named_like_map(const char *sname, const char *map_name)
{
	static const char *const suffixes[] = {"_ringbuf", "_rb",   "_ring", "_buf",
	                                       "_map",     "_perf", "_pb",   "_output"};
	char base[256];
	size_t len = strlen(map_name), slen = strlen(sname);

	if (!slen || len >= sizeof(base))
		return false;
	memcpy(base, map_name, len + 1);
	for (size_t i = 0; i < EVBPF_ARRAY_SIZE(suffixes); i++) {
		size_t n = strlen(suffixes[i]);

		if (len > n && !strcmp(base + len - n, suffixes[i])) {
			len -= n;
			base[len] = '\0';
			break;
		}
	}
	/* events -> event, exec_events -> exec_event; then each of the two
	 * with _event, _event_t or _t after it (flows -> flow_event). */
	for (int singular = 0; singular < 2; singular++) {
		static const char *const tails[] = {"", "_event", "_event_t", "_t"};
		size_t n = len - (size_t)singular;

		if (singular && (len < 2 || base[len - 1] != 's'))
			break;
		if (slen < n || strncmp(sname, base, n))
			continue;
		for (size_t t = 0; t < EVBPF_ARRAY_SIZE(tails); t++)
			if (!strcmp(sname + n, tails[t]))
				return true;
	}
	return false;
}

bool json_btf_is_map_def(const struct evbpf_btf *btf, uint32_t id)
{
	int ds_id = evbpf__btf_find(btf, ".maps", BTF_KIND_DATASEC);
	const struct btf_type *ds;
	const struct btf_var_secinfo *v;

	if (ds_id < 0)
		return false;
	ds = evbpf__btf_type(btf, (uint32_t)ds_id);
	v = (const struct btf_var_secinfo *)(ds + 1);
	for (uint16_t i = 0; i < evbpf__btf_vlen(ds); i++) {
		const struct btf_type *var = evbpf__btf_type(btf, v[i].type);

		if (var && evbpf__btf_kind(var) == BTF_KIND_VAR &&
		    evbpf__btf_skip_mods(btf, var->type) == (int)id)
			return true;
	}
	return false;
}

/* A name for an anonymous struct: a typedef of it, or the struct itself. */
static uint32_t named_alias(const struct evbpf_btf *btf, uint32_t id)
{
	const char *name = evbpf__btf_name(btf, id);
	uint32_t cnt = evbpf__btf_type_cnt(btf);

	if (name && *name)
		return id;
	for (uint32_t i = evbpf__btf_start_id(btf); i < cnt; i++) {
		const struct btf_type *t = evbpf__btf_type(btf, i);

		if (t && evbpf__btf_kind(t) == BTF_KIND_TYPEDEF && t->type == id)
			return i;
	}
	return id;
}

/* Whether a global variable (a VAR in a data section) refers to struct id,
 * through pointers, arrays and modifiers: how a BPF program names its
 * record type ("struct event *unused __attribute__((unused));"), since
 * clang emits a type only when something global refers to it. */
static bool referenced_by_global(const struct evbpf_btf *btf, uint32_t id)
{
	uint32_t cnt = evbpf__btf_type_cnt(btf);

	for (uint32_t v = evbpf__btf_start_id(btf); v < cnt; v++) {
		const struct btf_type *t = evbpf__btf_type(btf, v);
		uint32_t ref;

		if (!t || evbpf__btf_kind(t) != BTF_KIND_VAR)
			continue;
		ref = t->type;
		for (int depth = 0; depth < 16 && ref; depth++) {
			const struct btf_type *r = evbpf__btf_type(btf, ref);

			if (!r)
				break;
			if (ref == id)
				return true;
			if (evbpf__btf_kind(r) == BTF_KIND_ARRAY)
				ref = ((const struct btf_array *)(r + 1))->type;
			else if (evbpf__btf_kind(r) == BTF_KIND_PTR ||
			         evbpf__btf_kind(r) == BTF_KIND_TYPEDEF ||
			         evbpf__btf_kind(r) == BTF_KIND_CONST ||
			         evbpf__btf_kind(r) == BTF_KIND_VOLATILE ||
			         evbpf__btf_kind(r) == BTF_KIND_RESTRICT ||
			         evbpf__btf_kind(r) == BTF_KIND_TYPE_TAG)
				ref = r->type;
			else
				break;
		}
	}
	return false;
}

/* The conventional record type names of libbpf-style programs. */
static bool generic_event_name(const char *name)
{
	return name && (!strcmp(name, "event") || !strcmp(name, "event_t"));
}

uint32_t json_btf_guess_record_type(const struct evbpf_btf *btf, const char *map_name,
                                    uint32_t value_type_id, size_t rec_size, bool perf_padded)
{
	uint32_t cnt, only = 0, named = 0, global = 0, generic = 0;
	int nr_fit = 0, nr_named = 0, nr_global = 0, nr_generic = 0;

	if (!btf)
		return 0;
	if (value_type_id && (json_btf_size_fits(evbpf__btf_resolve_size(btf, value_type_id),
	                                         rec_size, perf_padded) ||
	                      json_btf_tail_fits(btf, value_type_id, rec_size)))
		return value_type_id;
	cnt = evbpf__btf_type_cnt(btf);
	for (uint32_t id = evbpf__btf_start_id(btf); id < cnt; id++) {
		const struct btf_type *t = evbpf__btf_type(btf, id);
		const char *name;
		bool exact;

		if (!t || evbpf__btf_kind(t) != BTF_KIND_STRUCT)
			continue;
		exact = json_btf_size_fits(t->size, rec_size, perf_padded);
		/* A variable tail only counts for a struct named like the
		 * map: too many structs end in an array to guess by size. */
		if ((!exact && !json_btf_tail_fits(btf, id, rec_size)) ||
		    json_btf_is_map_def(btf, id))
			continue;
		name = evbpf__btf_name(btf, named_alias(btf, id));
		if (exact) {
			nr_fit++;
			only = id;
			if (referenced_by_global(btf, id)) {
				nr_global++;
				global = id;
			}
			if (generic_event_name(name)) {
				nr_generic++;
				generic = id;
			}
		}
		if (name && map_name && named_like_map(name, map_name)) {
			nr_named++;
			named = id;
		}
	}
	if (nr_named == 1)
		return named_alias(btf, named);
	if (nr_fit == 1)
		return named_alias(btf, only);
	/* Many structs of the size (an object built on vmlinux.h): the one
	 * a global variable names, else the one called event. */
	if (nr_global == 1)
		return named_alias(btf, global);
	if (nr_generic == 1)
		return named_alias(btf, generic);
	return 0;
}
