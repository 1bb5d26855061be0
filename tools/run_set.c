/* SPDX-License-Identifier: MIT */
/*
 * `evbpf run --set NAME=VALUE`: a global variable's initial value from the
 * command line, parsed by the variable's BTF type: integers (decimal, 0x
 * hex, 0 octal, range-checked for the width and signedness), bools
 * (true/false/1/0/yes/no/on/off), enums (an enumerator name or a number),
 * floats, char arrays (a string, zero-padded), and for anything else the
 * raw bytes as 0x followed by exactly two hex digits per byte.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "run.h"

static int fail(char *msg, size_t msg_size, int err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *msg, size_t msg_size, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, msg_size, fmt, ap);
	va_end(ap);
	return err;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

static int parse_s64(const char *s, int64_t *v)
{
	char *end;

	if (!*s)
		return -EINVAL;
	errno = 0;
	*v = strtoll(s, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

static void store_le(uint8_t *buf, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++, v >>= 8)
		buf[i] = (uint8_t)v;
}

static int parse_bool(const char *s, uint64_t *v)
{
	static const char *const yes[] = {"true", "1", "yes", "on"};
	static const char *const no[] = {"false", "0", "no", "off"};

	for (size_t i = 0; i < EVBPF_ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*v = 1;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*v = 0;
			return 0;
		}
	}
	return -EINVAL;
}

/* An integer of `size` bytes, signed or not, into buf. */
static int parse_int(const char *s, size_t size, bool is_signed, uint8_t *buf)
{
	unsigned int bits = (unsigned int)size * 8;

	if (size == 0 || size > 8)
		return -ENOTSUP;
	if (is_signed) {
		int64_t v, lim = bits == 64 ? INT64_MAX : (int64_t)((1ull << (bits - 1)) - 1);

		if (parse_s64(s, &v))
			return -EINVAL;
		if (v > lim || v < -lim - 1)
			return -ERANGE;
		store_le(buf, (uint64_t)v, size);
	} else {
		uint64_t v, lim = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;
		int64_t neg;

		if (s[0] == '-' && parse_s64(s, &neg) == 0)
			return -ERANGE; /* a number, but not for an unsigned type */
		if (parse_u64(s, &v))
			return -EINVAL;
		if (v > lim)
			return -ERANGE;
		store_le(buf, v, size);
	}
	return 0;
}

static int parse_enum(const struct evbpf_btf *btf, const struct btf_type *t, const char *s,
                      uint8_t *buf)
{
	uint16_t vlen = evbpf__btf_vlen(t);

	if (evbpf__btf_kind(t) == BTF_KIND_ENUM) {
		const struct btf_enum *e = (const struct btf_enum *)(t + 1);

		for (uint16_t i = 0; i < vlen; i++) {
			const char *name = evbpf__btf_str(btf, e[i].name_off);

			if (name && !strcmp(name, s)) {
				store_le(buf, (uint64_t)(int64_t)e[i].val, t->size);
				return 0;
			}
		}
	} else {
		const struct btf_enum64 *e = (const struct btf_enum64 *)(t + 1);

		for (uint16_t i = 0; i < vlen; i++) {
			const char *name = evbpf__btf_str(btf, e[i].name_off);

			if (name && !strcmp(name, s)) {
				store_le(buf, (uint64_t)e[i].val_hi32 << 32 | e[i].val_lo32,
				         t->size);
				return 0;
			}
		}
	}
	return parse_int(s, t->size, BTF_INFO_KFLAG(t->info) || *s == '-', buf);
}

static int parse_raw_hex(const char *s, uint8_t *buf, size_t size)
{
	if (strncmp(s, "0x", 2) && strncmp(s, "0X", 2))
		return -EINVAL;
	s += 2;
	if (strlen(s) != size * 2)
		return -EINVAL;
	for (size_t i = 0; i < size; i++) {
		char pair[3] = {s[2 * i], s[2 * i + 1], '\0'};
		char *end;

		if (!isxdigit((unsigned char)pair[0]) || !isxdigit((unsigned char)pair[1]))
			return -EINVAL;
		buf[i] = (uint8_t)strtoul(pair, &end, 16);
	}
	return 0;
}

/* Whether an array element type holds text (char, not a typedef'd u8). */
static bool is_char_elem(const struct evbpf_btf *btf, uint32_t id)
{
	for (int i = 0; i < 8; i++) {
		const struct btf_type *t = evbpf__btf_type(btf, id);
		const char *name;

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
			name = evbpf__btf_name(btf, id);
			return t->size == 1 &&
			       ((BTF_INT_ENCODING(*(const uint32_t *)(t + 1)) & BTF_INT_CHAR) ||
			        (name && strstr(name, "char")));
		default:
			return false;
		}
	}
	return false;
}

/* Parse value for the variable's type into buf (size bytes, zeroed). */
static int parse_value(const struct evbpf_btf *btf, uint32_t type_id, const char *value,
                       uint8_t *buf, size_t size, char *msg, size_t msg_size, const char *name)
{
	int rid = evbpf__btf_skip_mods(btf, type_id);
	const struct btf_type *t = rid > 0 ? evbpf__btf_type(btf, (uint32_t)rid) : NULL;
	const struct btf_array *a;
	uint64_t v;
	int err = -ENOTSUP;

	if (!t)
		return fail(msg, msg_size, -EINVAL, "--set %s: the variable's type is unknown",
		            name);
	switch (evbpf__btf_kind(t)) {
	case BTF_KIND_INT: {
		uint32_t enc = *(const uint32_t *)(t + 1);

		const char *tname = evbpf__btf_name(btf, (uint32_t)rid);

		if (BTF_INT_ENCODING(enc) & BTF_INT_BOOL || (tname && !strcmp(tname, "_Bool"))) {
			err = parse_bool(value, &v);
			if (!err)
				store_le(buf, v, size);
			if (err)
				return fail(msg, msg_size, -EINVAL,
				            "--set %s=%s: not a bool (true/false/1/0)", name,
				            value);
			return 0;
		}
		err = parse_int(value, t->size, BTF_INT_ENCODING(enc) & BTF_INT_SIGNED, buf);
		if (err == -ERANGE)
			return fail(msg, msg_size, err,
			            "--set %s=%s: out of range for a %u-byte %s", name, value,
			            t->size,
			            BTF_INT_ENCODING(enc) & BTF_INT_SIGNED ? "signed integer"
			                                                   : "unsigned integer");
		break;
	}
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		err = parse_enum(btf, t, value, buf);
		if (err)
			return fail(
			    msg, msg_size, -EINVAL,
			    "--set %s=%s: neither an enumerator of the variable's enum nor a "
			    "number in range",
			    name, value);
		return 0;
	case BTF_KIND_FLOAT: {
		char *end;
		double d;

		errno = 0;
		d = strtod(value, &end);
		if (errno || *end || !*value)
			return fail(msg, msg_size, -EINVAL, "--set %s=%s: not a number", name,
			            value);
		if (t->size == 4) {
			float f = (float)d;

			memcpy(buf, &f, 4);
			return 0;
		}
		if (t->size == 8) {
			memcpy(buf, &d, 8);
			return 0;
		}
		break;
	}
	case BTF_KIND_PTR:
		err = parse_int(value, size, false, buf);
		break;
	case BTF_KIND_ARRAY:
		a = (const struct btf_array *)(t + 1);
		if (is_char_elem(btf, a->type) && strncmp(value, "0x", 2)) {
			size_t len = strlen(value);

			if (len > size)
				return fail(
				    msg, msg_size, -E2BIG,
				    "--set %s: the string is %zu bytes, the array holds %zu", name,
				    len, size);
			memcpy(buf, value, len);
			return 0;
		}
		break;
	default:
		break;
	}
	if (err == -ENOTSUP || err == -EINVAL) {
		/* Any type at all: exactly size bytes of hex. */
		if (parse_raw_hex(value, buf, size) == 0)
			return 0;
		if (err == -EINVAL)
			return fail(msg, msg_size, err, "--set %s=%s: not a number", name, value);
		return fail(msg, msg_size, -EINVAL,
		            "--set %s: this type takes raw bytes: 0x followed by %zu hex digits",
		            name, size * 2);
	}
	return err;
}

int run_set_global(struct evbpf_object *obj, const char *assignment, char *msg, size_t msg_size)
{
	const struct evbpf_btf *btf = obj->btf;
	const char *eq = strchr(assignment, '=');
	const struct btf_type *var;
	char name[256];
	uint8_t *buf;
	int64_t size;
	int id, err;

	if (!eq || eq == assignment || (size_t)(eq - assignment) >= sizeof(name))
		return fail(msg, msg_size, -EINVAL, "--set %s: expected NAME=VALUE", assignment);
	memcpy(name, assignment, (size_t)(eq - assignment));
	name[eq - assignment] = '\0';
	if (!btf)
		return fail(msg, msg_size, -ENOENT,
		            "--set %s: the object has no BTF to tell the variable's type", name);
	id = evbpf__btf_find(btf, name, BTF_KIND_VAR);
	var = id > 0 ? evbpf__btf_type(btf, (uint32_t)id) : NULL;
	if (!var)
		return fail(msg, msg_size, -ENOENT,
		            "--set %s: no global variable '%s' in the object", name, name);
	size = evbpf__btf_resolve_size(btf, var->type);
	if (size <= 0 || size > (1 << 20))
		return fail(msg, msg_size, -EINVAL, "--set %s: the variable's size is unusable",
		            name);
	buf = calloc(1, (size_t)size);
	if (!buf)
		return fail(msg, msg_size, -ENOMEM, "--set %s: out of memory", name);
	err = parse_value(btf, var->type, eq + 1, buf, (size_t)size, msg, msg_size, name);
	if (!err) {
		err = evbpf_object_set_global(obj, name, buf, (size_t)size);
		if (err)
			fail(msg, msg_size, err, "--set %s: %s", name, evbpf_errmsg());
	}
	free(buf);
	return err;
}
