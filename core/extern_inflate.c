/* SPDX-License-Identifier: MIT */
/*
 * gzip (RFC 1952) and DEFLATE (RFC 1951) decoding, enough to read
 * /proc/config.gz without linking zlib (libevbpf links libc only).
 *
 * Huffman codes are decoded canonically one bit at a time from per-length
 * counts and a symbol table sorted by code: simple and small, and fast
 * enough for a kernel config (a few hundred KiB). Input is untrusted: every
 * read is bounds-checked, code length sets that are over-subscribed are
 * refused, distances may not reach before the start of the output, and the
 * output is capped.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_BITS 15
#define MAX_LIT  288
#define MAX_DIST 30
#define OUT_MAX  (256u << 20)

struct inflate {
	const uint8_t *in;
	size_t in_len, in_pos;
	uint32_t bitbuf;
	int bitcnt;
	uint8_t *out;
	size_t out_len, out_cap;
};

struct huffman {
	uint16_t count[MAX_BITS + 1];
	uint16_t symbol[MAX_LIT];
};

static int get_bits(struct inflate *s, int need, uint32_t *val)
{
	uint32_t v = s->bitbuf;

	while (s->bitcnt < need) {
		if (s->in_pos >= s->in_len)
			return -EINVAL;
		v |= (uint32_t)s->in[s->in_pos++] << s->bitcnt;
		s->bitcnt += 8;
	}
	s->bitbuf = need == 32 ? 0 : v >> need;
	s->bitcnt -= need;
	*val = need == 32 ? v : v & ((1u << need) - 1);
	return 0;
}

static int put_byte(struct inflate *s, uint8_t b)
{
	if (s->out_len == s->out_cap) {
		size_t ncap = s->out_cap ? s->out_cap * 2 : 65536;
		uint8_t *n;

		if (ncap > OUT_MAX)
			return -E2BIG;
		n = realloc(s->out, ncap);
		if (!n)
			return -ENOMEM;
		s->out = n;
		s->out_cap = ncap;
	}
	s->out[s->out_len++] = b;
	return 0;
}

/* Build a decoding table from code lengths. Incomplete codes are allowed
 * (a single distance code is legal); over-subscribed ones are not. */
static int build(struct huffman *h, const uint8_t *lengths, int n)
{
	uint16_t offs[MAX_BITS + 1];
	int left = 1;

	memset(h->count, 0, sizeof(h->count));
	for (int i = 0; i < n; i++)
		h->count[lengths[i]]++;
	for (int len = 1; len <= MAX_BITS; len++) {
		left <<= 1;
		left -= h->count[len];
		if (left < 0)
			return -EINVAL;
	}
	offs[1] = 0;
	for (int len = 1; len < MAX_BITS; len++)
		offs[len + 1] = (uint16_t)(offs[len] + h->count[len]);
	for (int i = 0; i < n; i++)
		if (lengths[i])
			h->symbol[offs[lengths[i]]++] = (uint16_t)i;
	return 0;
}

static int decode(struct inflate *s, const struct huffman *h)
{
	int code = 0, first = 0, index = 0;

	for (int len = 1; len <= MAX_BITS; len++) {
		uint32_t bit;
		int count;

		if (get_bits(s, 1, &bit))
			return -EINVAL;
		code |= (int)bit;
		count = h->count[len];
		if (code - first < count)
			return h->symbol[index + (code - first)];
		index += count;
		first += count;
		first <<= 1;
		code <<= 1;
	}
	return -EINVAL;
}

static const uint16_t len_base[29] = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
                                      15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
                                      67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {
    1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
    193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

static int codes(struct inflate *s, const struct huffman *lit, const struct huffman *dist)
{
	for (;;) {
		int sym = decode(s, lit), err;
		uint32_t extra, len, d;

		if (sym < 0)
			return -EINVAL;
		if (sym < 256) {
			err = put_byte(s, (uint8_t)sym);
			if (err)
				return err;
			continue;
		}
		if (sym == 256)
			return 0;
		sym -= 257;
		if (sym >= 29 || get_bits(s, len_extra[sym], &extra))
			return -EINVAL;
		len = len_base[sym] + extra;
		sym = decode(s, dist);
		if (sym < 0 || sym >= 30 || get_bits(s, dist_extra[sym], &extra))
			return -EINVAL;
		d = dist_base[sym] + extra;
		if (d > s->out_len)
			return -EINVAL;
		while (len--) {
			err = put_byte(s, s->out[s->out_len - d]);
			if (err)
				return err;
		}
	}
}

static int stored(struct inflate *s)
{
	uint16_t len, nlen;

	s->bitbuf = 0;
	s->bitcnt = 0;
	if (s->in_len - s->in_pos < 4)
		return -EINVAL;
	len = (uint16_t)(s->in[s->in_pos] | s->in[s->in_pos + 1] << 8);
	nlen = (uint16_t)(s->in[s->in_pos + 2] | s->in[s->in_pos + 3] << 8);
	s->in_pos += 4;
	if ((uint16_t)(len ^ nlen) != 0xffff || s->in_len - s->in_pos < len)
		return -EINVAL;
	for (uint16_t i = 0; i < len; i++) {
		int err = put_byte(s, s->in[s->in_pos++]);

		if (err)
			return err;
	}
	return 0;
}

static int fixed(struct inflate *s)
{
	struct huffman lit, dist;
	uint8_t lengths[MAX_LIT];
	int i;

	/* Built per block: cheap, and keeps this file free of shared state. */
	for (i = 0; i < 144; i++)
		lengths[i] = 8;
	for (; i < 256; i++)
		lengths[i] = 9;
	for (; i < 280; i++)
		lengths[i] = 7;
	for (; i < MAX_LIT; i++)
		lengths[i] = 8;
	build(&lit, lengths, MAX_LIT);
	for (i = 0; i < MAX_DIST; i++)
		lengths[i] = 5;
	build(&dist, lengths, MAX_DIST);
	return codes(s, &lit, &dist);
}

static int dynamic(struct inflate *s)
{
	static const uint8_t order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
	                                  11, 4,  12, 3, 13, 2, 14, 1, 15};
	uint8_t lengths[MAX_LIT + MAX_DIST];
	struct huffman lencode, lit, dist;
	uint32_t nlen, ndist, ncode, v;
	uint32_t index;

	if (get_bits(s, 5, &nlen) || get_bits(s, 5, &ndist) || get_bits(s, 4, &ncode))
		return -EINVAL;
	nlen += 257;
	ndist += 1;
	ncode += 4;
	if (nlen > MAX_LIT || ndist > MAX_DIST)
		return -EINVAL;
	memset(lengths, 0, sizeof(lengths));
	for (index = 0; index < ncode; index++) {
		if (get_bits(s, 3, &v))
			return -EINVAL;
		lengths[order[index]] = (uint8_t)v;
	}
	if (build(&lencode, lengths, 19))
		return -EINVAL;
	index = 0;
	while (index < nlen + ndist) {
		int sym = decode(s, &lencode);
		uint32_t rep;
		uint8_t len = 0;

		if (sym < 0)
			return -EINVAL;
		if (sym < 16) {
			lengths[index++] = (uint8_t)sym;
			continue;
		}
		if (sym == 16) {
			if (index == 0 || get_bits(s, 2, &rep))
				return -EINVAL;
			len = lengths[index - 1];
			rep += 3;
		} else if (sym == 17) {
			if (get_bits(s, 3, &rep))
				return -EINVAL;
			rep += 3;
		} else {
			if (get_bits(s, 7, &rep))
				return -EINVAL;
			rep += 11;
		}
		if (index + rep > nlen + ndist)
			return -EINVAL;
		while (rep--)
			lengths[index++] = len;
	}
	if (lengths[256] == 0)
		return -EINVAL; /* no end-of-block code */
	if (build(&lit, lengths, (int)nlen) || build(&dist, lengths + nlen, (int)ndist))
		return -EINVAL;
	return codes(s, &lit, &dist);
}

static int inflate_raw(struct inflate *s)
{
	uint32_t last, type;
	int err;

	do {
		if (get_bits(s, 1, &last) || get_bits(s, 2, &type))
			return -EINVAL;
		if (type == 0)
			err = stored(s);
		else if (type == 1)
			err = fixed(s);
		else if (type == 2)
			err = dynamic(s);
		else
			err = -EINVAL;
		if (err)
			return err;
	} while (!last);
	return 0;
}

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

int evbpf__gunzip(const uint8_t *in, size_t len, uint8_t **outp, size_t *out_lenp)
{
	struct inflate s = {.in = in, .in_len = len};
	uint32_t crc, isize;
	uint8_t flags;
	size_t pos = 10;
	int err;

	if (len < 18 || in[0] != 0x1f || in[1] != 0x8b || in[2] != 8)
		return evbpf__err(-EINVAL, "gzip: not a gzip (deflate) stream");
	flags = in[3];
	if (flags & 0xe0)
		return evbpf__err(-EINVAL, "gzip: reserved header flags set");
	if (flags & 4) { /* FEXTRA */
		size_t xlen;

		if (len - pos < 2)
			return evbpf__err(-EINVAL, "gzip: truncated header");
		xlen = in[pos] | (size_t)in[pos + 1] << 8;
		pos += 2;
		if (len - pos < xlen)
			return evbpf__err(-EINVAL, "gzip: truncated header");
		pos += xlen;
	}
	for (int f = 8; f <= 16; f <<= 1) { /* FNAME, FCOMMENT */
		const uint8_t *z;

		if (!(flags & f))
			continue;
		z = pos < len ? memchr(in + pos, 0, len - pos) : NULL;
		if (!z)
			return evbpf__err(-EINVAL, "gzip: truncated header");
		pos = (size_t)(z - in) + 1;
	}
	if (flags & 2) /* FHCRC */
		pos += 2;
	if (pos + 8 > len)
		return evbpf__err(-EINVAL, "gzip: truncated stream");
	s.in_pos = pos;
	s.in_len = len - 8; /* the trailer is not deflate data */
	err = inflate_raw(&s);
	if (err) {
		free(s.out);
		return evbpf__err(err, "gzip: %s",
		                  err == -E2BIG    ? "output too large"
		                  : err == -ENOMEM ? "out of memory"
		                                   : "corrupt deflate data");
	}
	memcpy(&crc, in + len - 8, 4);
	memcpy(&isize, in + len - 4, 4);
	if (isize != (uint32_t)s.out_len || crc != crc32_update(0, s.out, s.out_len)) {
		free(s.out);
		return evbpf__err(-EINVAL, "gzip: size or CRC mismatch");
	}
	/* NUL-terminate for text users. */
	err = put_byte(&s, 0);
	if (err) {
		free(s.out);
		return err;
	}
	*outp = s.out;
	*out_lenp = s.out_len - 1;
	return 0;
}
