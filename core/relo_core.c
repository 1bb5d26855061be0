/* SPDX-License-Identifier: MIT */
/*
 * CO-RE: rewrite field offsets, sizes, type ids and enum values compiled
 * against one BTF (the object's, "local") to what another BTF ("target",
 * normally the running kernel's) says. Depends on BTF only, so it is tested
 * on pairs of BTF blobs without a kernel.
 *
 * A relocation names a local root type and an access string "0:2:1": the
 * first number indexes the root as an array (pointer arithmetic), the rest
 * pick struct/union members by index or array elements. Locally that gives
 * a "spec": a bit offset plus the chain of named members and array indexes.
 * To relocate, every target type with the same essential name (the name
 * without a "___flavor" suffix) and a compatible kind is a candidate; the
 * chain is replayed in each candidate by member *name*, descending through
 * anonymous structs and unions, with member types checked for
 * compatibility. Every candidate that matches must agree on the result.
 *
 * What cannot be relocated is not an error at load: the instruction is
 * replaced by a call to a helper id that does not exist (0xbad2310, "bad
 * relo"), so the verifier only rejects the program when that code is
 * reachable, which lets programs guard optional fields with
 * bpf_core_field_exists() and friends.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SPEC_MAX    64
#define MATCH_DEPTH 32
/* Type matching visits at most this many types per relocation: BTF made to
 * be hostile (a DAG of wide anonymous structs) would otherwise take
 * exponential time. Real types need a few thousand at most. */
#define MATCH_BUDGET 1000000

static _Thread_local uint32_t match_budget;

struct core_acc {
	uint32_t type_id; /* composite for a member, element type for an array */
	uint32_t idx;
	const char *name; /* member or enumerator name; NULL for array indexes */
};

struct core_spec {
	const struct evbpf_btf *btf;
	uint32_t root_type_id;
	uint32_t kind;
	struct core_acc acc[SPEC_MAX]; /* named members and array indexes */
	int len;
	uint32_t raw[SPEC_MAX]; /* the access string, parsed */
	int raw_len;
	uint64_t bit_offset;
};

static const char *const kind_names[] = {
    "byte_off",       "byte_sz",       "field_exists",   "signed",      "lshift_u64",
    "rshift_u64",     "local_type_id", "target_type_id", "type_exists", "type_size",
    "enumval_exists", "enumval_value", "type_matches",
};

const char *evbpf__core_kind_name(uint32_t kind)
{
	return kind < EVBPF_ARRAY_SIZE(kind_names) ? kind_names[kind] : "unknown";
}

static bool kind_is_field(uint32_t k)
{
	return k <= EVBPF_CORE_FIELD_RSHIFT_U64;
}

static bool kind_is_type(uint32_t k)
{
	return (k >= EVBPF_CORE_TYPE_ID_LOCAL && k <= EVBPF_CORE_TYPE_SIZE) ||
	       k == EVBPF_CORE_TYPE_MATCHES;
}

static bool kind_is_enumval(uint32_t k)
{
	return k == EVBPF_CORE_ENUMVAL_EXISTS || k == EVBPF_CORE_ENUMVAL_VALUE;
}

/* Skip modifiers and typedefs; returns the type (NULL for void or errors)
 * and its id through idp. */
static const struct btf_type *skip_mods(const struct evbpf_btf *btf, uint32_t id, uint32_t *idp)
{
	int r = evbpf__btf_skip_mods(btf, id);

	if (r <= 0) {
		if (idp)
			*idp = 0;
		return NULL;
	}
	if (idp)
		*idp = (uint32_t)r;
	return evbpf__btf_type(btf, (uint32_t)r);
}

static bool is_composite(const struct btf_type *t)
{
	return t && (evbpf__btf_kind(t) == BTF_KIND_STRUCT || evbpf__btf_kind(t) == BTF_KIND_UNION);
}

static bool is_any_enum(const struct btf_type *t)
{
	return t && (evbpf__btf_kind(t) == BTF_KIND_ENUM || evbpf__btf_kind(t) == BTF_KIND_ENUM64);
}

static uint32_t int_encoding(const struct btf_type *t)
{
	return BTF_INT_ENCODING(*(const uint32_t *)(t + 1));
}

static uint32_t int_offset(const struct btf_type *t)
{
	return BTF_INT_OFFSET(*(const uint32_t *)(t + 1));
}

/* Kinds that CO-RE treats as the same: enum and enum64. */
static bool kinds_compat(const struct btf_type *a, const struct btf_type *b)
{
	return evbpf__btf_kind(a) == evbpf__btf_kind(b) || (is_any_enum(a) && is_any_enum(b));
}

static const char *safe_name(const struct evbpf_btf *btf, uint32_t off)
{
	const char *s = evbpf__btf_str(btf, off);

	return s ? s : "";
}

static bool ess_names_equal(const char *a, const char *b)
{
	size_t la = evbpf__btf_essential_len(a), lb = evbpf__btf_essential_len(b);

	return la == lb && !strncmp(a, b, la);
}

static int64_t enum_value(const struct btf_type *t, uint32_t i)
{
	if (evbpf__btf_kind(t) == BTF_KIND_ENUM) {
		const struct btf_enum *e = (const struct btf_enum *)(t + 1) + i;

		return BTF_INFO_KFLAG(t->info) ? (int64_t)e->val : (int64_t)(uint32_t)e->val;
	} else {
		const struct btf_enum64 *e = (const struct btf_enum64 *)(t + 1) + i;

		return (int64_t)(((uint64_t)e->val_hi32 << 32) | e->val_lo32);
	}
}

static const char *enum_name(const struct evbpf_btf *btf, const struct btf_type *t, uint32_t i)
{
	if (evbpf__btf_kind(t) == BTF_KIND_ENUM)
		return safe_name(btf, ((const struct btf_enum *)(t + 1))[i].name_off);
	return safe_name(btf, ((const struct btf_enum64 *)(t + 1))[i].name_off);
}

/* ------------------------------------------------------------ specs */

static int parse_access(const char *s, struct core_spec *spec)
{
	spec->raw_len = 0;
	while (*s) {
		unsigned long v;
		char *end;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = strtoul(s, &end, 10);
		if (v > INT32_MAX || spec->raw_len == SPEC_MAX)
			return -E2BIG;
		spec->raw[spec->raw_len++] = (uint32_t)v;
		s = end;
		if (*s == ':')
			s++;
		else if (*s)
			return -EINVAL;
	}
	return spec->raw_len ? 0 : -EINVAL;
}

/* Build the local spec from a relocation record; -EINVAL with errbuf set
 * on malformed input. */
static int parse_spec(const struct evbpf_btf *btf, uint32_t type_id, const char *access,
                      uint32_t kind, struct core_spec *spec, char *why, size_t why_sz)
{
	const struct btf_type *t;
	uint32_t id;
	int64_t sz;
	int err;

	memset(spec, 0, sizeof(*spec));
	spec->btf = btf;
	spec->root_type_id = type_id;
	spec->kind = kind;
	err = parse_access(access, spec);
	if (err) {
		snprintf(why, why_sz, "malformed access string '%s'", access);
		return -EINVAL;
	}
	t = skip_mods(btf, type_id, &id);
	if (!t) {
		snprintf(why, why_sz, "root type [%u] is void or invalid", type_id);
		return -EINVAL;
	}
	if (kind_is_type(kind)) {
		if (spec->raw_len != 1 || spec->raw[0] != 0) {
			snprintf(why, why_sz, "type relocation with access '%s'", access);
			return -EINVAL;
		}
		return 0;
	}
	if (kind_is_enumval(kind)) {
		if (!is_any_enum(t) || spec->raw_len != 1 || spec->raw[0] >= evbpf__btf_vlen(t)) {
			snprintf(why, why_sz, "enum relocation '%s' does not name an enumerator",
			         access);
			return -EINVAL;
		}
		spec->acc[0] = (struct core_acc){id, spec->raw[0], enum_name(btf, t, spec->raw[0])};
		spec->len = 1;
		return 0;
	}
	if (!kind_is_field(kind)) {
		snprintf(why, why_sz, "unknown relocation kind %u", kind);
		return -EINVAL;
	}
	sz = evbpf__btf_resolve_size(btf, id);
	if (sz < 0) {
		snprintf(why, why_sz, "root type [%u] has no size", id);
		return -EINVAL;
	}
	spec->acc[0] = (struct core_acc){id, spec->raw[0], NULL};
	spec->len = 1;
	spec->bit_offset = (uint64_t)spec->raw[0] * (uint64_t)sz * 8;
	for (int i = 1; i < spec->raw_len; i++) {
		uint32_t idx = spec->raw[i];

		t = skip_mods(btf, id, &id);
		if (!t) {
			snprintf(why, why_sz, "access #%d: type is void", i);
			return -EINVAL;
		}
		if (is_composite(t)) {
			const struct btf_member *m;
			const char *name;

			if (idx >= evbpf__btf_vlen(t)) {
				snprintf(why, why_sz, "access #%d: member %u of %u", i, idx,
				         evbpf__btf_vlen(t));
				return -EINVAL;
			}
			m = (const struct btf_member *)(t + 1) + idx;
			spec->bit_offset += evbpf__btf_member_bit_offset(t, (uint16_t)idx);
			name = safe_name(btf, m->name_off);
			if (*name)
				spec->acc[spec->len++] = (struct core_acc){id, idx, name};
			id = m->type;
		} else if (evbpf__btf_kind(t) == BTF_KIND_ARRAY) {
			const struct btf_array *a = (const struct btf_array *)(t + 1);

			if (a->nelems && idx >= a->nelems && i + 1 < spec->raw_len) {
				snprintf(why, why_sz, "access #%d: index %u of %u", i, idx,
				         a->nelems);
				return -EINVAL;
			}
			if (!skip_mods(btf, a->type, &id))
				return -EINVAL;
			sz = evbpf__btf_resolve_size(btf, id);
			if (sz < 0)
				return -EINVAL;
			spec->acc[spec->len++] = (struct core_acc){id, idx, NULL};
			spec->bit_offset += (uint64_t)idx * (uint64_t)sz * 8;
		} else {
			snprintf(why, why_sz, "access #%d: %s [%u] is not a struct, union or array",
			         i, evbpf__btf_name(btf, id), id);
			return -EINVAL;
		}
		if (spec->len >= SPEC_MAX)
			return -E2BIG;
	}
	return 0;
}

/* "struct task_struct.real_parent.tgid" from a spec, for messages. */
static void format_spec(const struct core_spec *spec, const char *access, char *buf, size_t size)
{
	const struct btf_type *t = evbpf__btf_type(spec->btf, spec->root_type_id);
	static const char *const kinds[] = {
	    "?",   "int",     "ptr",      "array",    "struct",   "union", "enum",
	    "fwd", "typedef", "volatile", "const",    "restrict", "func",  "func_proto",
	    "var", "datasec", "float",    "decl_tag", "type_tag", "enum64"};
	size_t n;

	n = (size_t)snprintf(
	    buf, size, "[%u] %s %s", spec->root_type_id,
	    t && evbpf__btf_kind(t) < EVBPF_ARRAY_SIZE(kinds) ? kinds[evbpf__btf_kind(t)] : "?",
	    evbpf__btf_name(spec->btf, spec->root_type_id));
	for (int i = 1; i < spec->len && n < size; i++) {
		if (spec->acc[i].name)
			n += (size_t)snprintf(buf + n, size - n, ".%s", spec->acc[i].name);
		else
			n += (size_t)snprintf(buf + n, size - n, "[%u]", spec->acc[i].idx);
	}
	if (kind_is_enumval(spec->kind) && spec->len && n < size)
		n += (size_t)snprintf(buf + n, size - n, "::%s", spec->acc[0].name);
	if (n < size)
		snprintf(buf + n, size - n, " (%s)", access);
}

/* ------------------------------------------------------------ compatibility */

static int fields_compat(const struct evbpf_btf *lb, uint32_t lid, const struct evbpf_btf *tb,
                         uint32_t tid)
{
	for (int depth = 0; depth < MATCH_DEPTH; depth++) {
		const struct btf_type *l = skip_mods(lb, lid, &lid), *t = skip_mods(tb, tid, &tid);

		if (!l || !t)
			return !l && !t;
		if (is_composite(l) && is_composite(t))
			return 1;
		if (!kinds_compat(l, t))
			return 0;
		switch (evbpf__btf_kind(l)) {
		case BTF_KIND_PTR:
		case BTF_KIND_FLOAT:
			return 1;
		case BTF_KIND_FWD:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			return ess_names_equal(evbpf__btf_name(lb, lid), evbpf__btf_name(tb, tid));
		case BTF_KIND_INT:
			/* Any two integers are compatible, except old-style
			 * bitfield encodings with an offset. */
			return int_offset(l) == 0 && int_offset(t) == 0;
		case BTF_KIND_ARRAY:
			lid = ((const struct btf_array *)(l + 1))->type;
			tid = ((const struct btf_array *)(t + 1))->type;
			continue;
		default:
			return 0;
		}
	}
	return -ELOOP;
}

/* Whether target type tid can stand for local type lid in type-based
 * relocations (exists, size, id). */
static int types_compat(const struct evbpf_btf *lb, uint32_t lid, const struct evbpf_btf *tb,
                        uint32_t tid, int depth)
{
	for (; depth < MATCH_DEPTH; depth++) {
		const struct btf_type *l = skip_mods(lb, lid, &lid), *t = skip_mods(tb, tid, &tid);

		if (!match_budget--)
			return -E2BIG;
		if (!l || !t)
			return !l && !t;
		if (!kinds_compat(l, t))
			return 0;
		switch (evbpf__btf_kind(l)) {
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_FWD:
		case BTF_KIND_FLOAT:
			return 1;
		case BTF_KIND_INT:
			return int_offset(l) == 0 && int_offset(t) == 0;
		case BTF_KIND_PTR:
			lid = l->type;
			tid = t->type;
			continue;
		case BTF_KIND_ARRAY:
			lid = ((const struct btf_array *)(l + 1))->type;
			tid = ((const struct btf_array *)(t + 1))->type;
			continue;
		case BTF_KIND_FUNC_PROTO: {
			const struct btf_param *lp = (const void *)(l + 1),
			                       *tp = (const void *)(t + 1);

			if (evbpf__btf_vlen(l) != evbpf__btf_vlen(t))
				return 0;
			for (uint16_t i = 0; i < evbpf__btf_vlen(l); i++) {
				int r = types_compat(lb, lp[i].type, tb, tp[i].type, depth + 1);

				if (r <= 0)
					return r;
			}
			lid = l->type;
			tid = t->type;
			continue;
		}
		default:
			return 0;
		}
	}
	return -ELOOP;
}

static bool names_match(const struct evbpf_btf *lb, uint32_t lid, const struct evbpf_btf *tb,
                        uint32_t tid)
{
	const char *l = evbpf__btf_name(lb, lid), *t = evbpf__btf_name(tb, tid);

	/* An anonymous local type matches any name. */
	return !*l || ess_names_equal(l, t);
}

static int types_match(const struct evbpf_btf *lb, uint32_t lid, const struct evbpf_btf *tb,
                       uint32_t tid, bool behind_ptr, int depth);

static int composites_match(const struct evbpf_btf *lb, const struct btf_type *l,
                            const struct evbpf_btf *tb, const struct btf_type *t, bool behind_ptr,
                            int depth)
{
	const struct btf_member *lm = (const void *)(l + 1), *tm = (const void *)(t + 1);

	if (evbpf__btf_vlen(l) > evbpf__btf_vlen(t))
		return 0;
	for (uint16_t i = 0; i < evbpf__btf_vlen(l); i++) {
		const char *ln = safe_name(lb, lm[i].name_off);
		bool found = false;

		for (uint16_t j = 0; j < evbpf__btf_vlen(t); j++) {
			int r;

			if (strcmp(ln, safe_name(tb, tm[j].name_off)))
				continue;
			if (evbpf__btf_member_bitfield_size(l, i) !=
			    evbpf__btf_member_bitfield_size(t, j))
				continue;
			r = types_match(lb, lm[i].type, tb, tm[j].type, behind_ptr, depth + 1);
			if (r < 0)
				return r;
			if (r) {
				found = true;
				break;
			}
		}
		if (!found)
			return 0;
	}
	return 1;
}

/*
 * bpf_core_type_matches(): a stricter check than compatibility. Names match
 * (essential names, anonymous local types match anything), ints have the
 * same size and signedness, enums have every local enumerator name in the
 * target, structs and unions have every local member (by name, with
 * matching type and bitfield size) in the target, arrays and prototypes
 * match element by element. Behind a pointer, composites and forward
 * declarations match by name and kind only.
 */
static int types_match(const struct evbpf_btf *lb, uint32_t lid, const struct evbpf_btf *tb,
                       uint32_t tid, bool behind_ptr, int depth)
{
	const struct btf_type *l, *t;

	if (depth > MATCH_DEPTH)
		return -ELOOP;
	if (!match_budget--)
		return -E2BIG;
	l = skip_mods(lb, lid, &lid);
	t = skip_mods(tb, tid, &tid);
	if (!l || !t)
		return !l && !t;
	/* A forward declaration matches a struct/union/fwd of its kind. */
	if (evbpf__btf_kind(l) == BTF_KIND_FWD || evbpf__btf_kind(t) == BTF_KIND_FWD) {
		bool lu, tu;

		if (!names_match(lb, lid, tb, tid))
			return 0;
		lu = evbpf__btf_kind(l) == BTF_KIND_FWD ? BTF_INFO_KFLAG(l->info)
		                                        : evbpf__btf_kind(l) == BTF_KIND_UNION;
		tu = evbpf__btf_kind(t) == BTF_KIND_FWD ? BTF_INFO_KFLAG(t->info)
		                                        : evbpf__btf_kind(t) == BTF_KIND_UNION;
		if (lu != tu)
			return 0;
		return evbpf__btf_kind(l) == BTF_KIND_FWD || evbpf__btf_kind(t) == BTF_KIND_FWD;
	}
	if (!kinds_compat(l, t))
		return 0;
	switch (evbpf__btf_kind(l)) {
	case BTF_KIND_INT:
		if (l->size != t->size)
			return 0;
		return (int_encoding(l) & BTF_INT_SIGNED) == (int_encoding(t) & BTF_INT_SIGNED);
	case BTF_KIND_FLOAT:
		return l->size == t->size;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		if (!names_match(lb, lid, tb, tid) || l->size != t->size)
			return 0;
		for (uint16_t i = 0; i < evbpf__btf_vlen(l); i++) {
			const char *ln = enum_name(lb, l, i);
			bool found = false;

			for (uint16_t j = 0; j < evbpf__btf_vlen(t) && !found; j++)
				found = ess_names_equal(ln, enum_name(tb, t, j));
			if (!found)
				return 0;
		}
		return 1;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		if (!names_match(lb, lid, tb, tid))
			return 0;
		if (behind_ptr)
			return 1;
		return composites_match(lb, l, tb, t, behind_ptr, depth);
	case BTF_KIND_PTR:
		return types_match(lb, l->type, tb, t->type, true, depth + 1);
	case BTF_KIND_ARRAY: {
		const struct btf_array *la = (const void *)(l + 1), *ta = (const void *)(t + 1);

		if (la->nelems != ta->nelems)
			return 0;
		return types_match(lb, la->type, tb, ta->type, behind_ptr, depth + 1);
	}
	case BTF_KIND_FUNC_PROTO: {
		const struct btf_param *lp = (const void *)(l + 1), *tp = (const void *)(t + 1);

		if (evbpf__btf_vlen(l) != evbpf__btf_vlen(t))
			return 0;
		for (uint16_t i = 0; i < evbpf__btf_vlen(l); i++) {
			int r = types_match(lb, lp[i].type, tb, tp[i].type, behind_ptr, depth + 1);

			if (r <= 0)
				return r;
		}
		return types_match(lb, l->type, tb, t->type, behind_ptr, depth + 1);
	}
	default:
		return 0;
	}
}

/* ------------------------------------------------------------ matching */

/* Find member `name` in composite tid, looking through anonymous members.
 * Adds the member's bit offset to *bit_off and returns the composite id and
 * member index holding it through *holder and *idx. */
static int match_member(const struct evbpf_btf *tb, uint32_t tid, const char *name,
                        uint64_t *bit_off, uint32_t *holder, uint32_t *idx, int depth)
{
	const struct btf_type *t = skip_mods(tb, tid, &tid);
	const struct btf_member *m;

	if (!is_composite(t))
		return 0;
	if (depth > MATCH_DEPTH)
		return -ELOOP;
	if (!match_budget--)
		return -E2BIG;
	m = (const struct btf_member *)(t + 1);
	for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++) {
		const char *mn = safe_name(tb, m[i].name_off);
		uint64_t off = evbpf__btf_member_bit_offset(t, i);

		if (*mn) {
			if (strcmp(mn, name))
				continue;
			*bit_off += off;
			*holder = tid;
			*idx = i;
			return 1;
		}
		if (is_composite(skip_mods(tb, m[i].type, NULL))) {
			uint64_t sub = *bit_off + off;
			int r = match_member(tb, m[i].type, name, &sub, holder, idx, depth + 1);

			if (r) {
				if (r > 0)
					*bit_off = sub;
				return r;
			}
		}
	}
	return 0;
}

/* Replay the local spec in target type tid. 1 and the target spec when it
 * matches, 0 when it does not, -errno on malformed BTF. */
static int match_spec(const struct core_spec *local, const struct evbpf_btf *tb, uint32_t tid,
                      struct core_spec *targ)
{
	const struct evbpf_btf *lb = local->btf;
	int64_t sz;

	memset(targ, 0, sizeof(*targ));
	targ->btf = tb;
	targ->root_type_id = tid;
	targ->kind = local->kind;

	if (kind_is_type(local->kind)) {
		if (local->kind == EVBPF_CORE_TYPE_MATCHES)
			return types_match(lb, local->root_type_id, tb, tid, false, 0);
		return types_compat(lb, local->root_type_id, tb, tid, 0);
	}
	if (kind_is_enumval(local->kind)) {
		const struct btf_type *t = skip_mods(tb, tid, &tid);

		if (!is_any_enum(t))
			return 0;
		for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++) {
			if (!ess_names_equal(local->acc[0].name, enum_name(tb, t, i)))
				continue;
			targ->acc[0] = (struct core_acc){tid, i, enum_name(tb, t, i)};
			targ->len = 1;
			return 1;
		}
		return 0;
	}

	/* Field: the root index scales with the target root's size. */
	if (!skip_mods(tb, tid, &tid))
		return 0;
	sz = evbpf__btf_resolve_size(tb, tid);
	if (sz < 0)
		return 0;
	targ->acc[0] = (struct core_acc){tid, local->acc[0].idx, NULL};
	targ->len = 1;
	targ->bit_offset = (uint64_t)local->acc[0].idx * (uint64_t)sz * 8;
	for (int i = 1; i < local->len; i++) {
		const struct core_acc *la = &local->acc[i];
		const struct btf_type *t;

		if (la->name) {
			const struct btf_type *lt = evbpf__btf_type(lb, la->type_id);
			const struct btf_member *lm = (const struct btf_member *)(lt + 1) + la->idx;
			uint32_t holder = 0, idx = 0;
			const struct btf_type *ht;
			int r;

			r = match_member(tb, tid, la->name, &targ->bit_offset, &holder, &idx, 0);
			if (r <= 0)
				return r;
			ht = evbpf__btf_type(tb, holder);
			tid = ((const struct btf_member *)(ht + 1))[idx].type;
			r = fields_compat(lb, lm->type, tb, tid);
			if (r <= 0)
				return r;
			targ->acc[targ->len++] = (struct core_acc){holder, idx, la->name};
		} else {
			const struct btf_array *a;

			t = skip_mods(tb, tid, &tid);
			if (!t || evbpf__btf_kind(t) != BTF_KIND_ARRAY)
				return 0;
			a = (const struct btf_array *)(t + 1);
			/* A zero-length array is a flexible array member. */
			if (a->nelems && la->idx >= a->nelems)
				return 0;
			if (!skip_mods(tb, a->type, &tid))
				return 0;
			sz = evbpf__btf_resolve_size(tb, tid);
			if (sz < 0)
				return 0;
			targ->acc[targ->len++] = (struct core_acc){tid, la->idx, NULL};
			targ->bit_offset += (uint64_t)la->idx * (uint64_t)sz * 8;
		}
	}
	return 1;
}

/* ------------------------------------------------------------ values */

struct field_val {
	uint64_t val;
	uint32_t byte_sz; /* for BYTE_OFFSET: the field's size, to fix loads */
	uint32_t type_id; /* the field's type (0 for bitfields) */
	bool validate;    /* the compiled instruction must hold this value */
};

/* -EUCLEAN means "cannot be computed": the caller poisons. */
static int calc_field(const struct core_spec *spec, uint32_t kind, struct field_val *out)
{
	const struct core_acc *acc;
	const struct btf_type *t, *mt;
	uint32_t field_id, bit_sz, byte_sz;
	uint64_t bit_off, byte_off;
	bool bitfield;
	int64_t sz;

	memset(out, 0, sizeof(*out));
	out->validate = true;
	if (kind == EVBPF_CORE_FIELD_EXISTS) {
		out->val = spec ? 1 : 0;
		return 0;
	}
	if (!spec)
		return -EUCLEAN;
	acc = &spec->acc[spec->len - 1];
	if (!acc->name) {
		/* The root or an array element. */
		sz = evbpf__btf_resolve_size(spec->btf, acc->type_id);
		if (sz < 0)
			return -EINVAL;
		if (kind == EVBPF_CORE_FIELD_BYTE_OFFSET) {
			out->val = spec->bit_offset / 8;
			out->byte_sz = (uint32_t)sz;
			out->type_id = acc->type_id;
		} else if (kind == EVBPF_CORE_FIELD_BYTE_SIZE) {
			out->val = (uint64_t)sz;
		} else {
			return -EINVAL;
		}
		return 0;
	}
	t = evbpf__btf_type(spec->btf, acc->type_id);
	mt = skip_mods(spec->btf, ((const struct btf_member *)(t + 1))[acc->idx].type, &field_id);
	if (!mt)
		return -EINVAL;
	bit_off = spec->bit_offset;
	bit_sz = evbpf__btf_member_bitfield_size(t, (uint16_t)acc->idx);
	bitfield = bit_sz > 0;
	if (bitfield) {
		byte_sz = mt->size;
		if (!byte_sz)
			return -EINVAL;
		byte_off = bit_off / 8 / byte_sz * byte_sz;
		/* The smallest load that covers the whole bitfield. */
		while (bit_off + bit_sz - byte_off * 8 > byte_sz * 8) {
			if (byte_sz >= 8)
				return -E2BIG;
			byte_sz *= 2;
			byte_off = bit_off / 8 / byte_sz * byte_sz;
		}
	} else {
		sz = evbpf__btf_resolve_size(spec->btf, field_id);
		if (sz < 0)
			return -EINVAL;
		byte_sz = (uint32_t)sz;
		byte_off = bit_off / 8;
		bit_sz = byte_sz * 8;
	}
	/* Bitfield offsets and sizes depend on how the compiler chose to load
	 * them, so the compiled values are not checked, except signedness. */
	out->validate = !bitfield;
	switch (kind) {
	case EVBPF_CORE_FIELD_BYTE_OFFSET:
		out->val = byte_off;
		if (!bitfield) {
			out->byte_sz = byte_sz;
			out->type_id = field_id;
		}
		break;
	case EVBPF_CORE_FIELD_BYTE_SIZE:
		out->val = byte_sz;
		break;
	case EVBPF_CORE_FIELD_SIGNED:
		out->val =
		    (is_any_enum(mt) && BTF_INFO_KFLAG(mt->info)) ||
		    (evbpf__btf_kind(mt) == BTF_KIND_INT && (int_encoding(mt) & BTF_INT_SIGNED));
		out->validate = true;
		break;
	case EVBPF_CORE_FIELD_LSHIFT_U64:
		/* Little-endian: shift the field's top bit up to bit 63. */
		out->val = 64 - (bit_off + bit_sz - byte_off * 8);
		break;
	case EVBPF_CORE_FIELD_RSHIFT_U64:
		out->val = 64 - bit_sz;
		out->validate = true;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static int calc_type(const struct core_spec *spec, uint32_t kind, uint64_t *val)
{
	int64_t sz;

	if (!spec) {
		/* Type relocations read 0 when the target has no such type. */
		*val = 0;
		return 0;
	}
	switch (kind) {
	case EVBPF_CORE_TYPE_ID_LOCAL:
	case EVBPF_CORE_TYPE_ID_TARGET:
		*val = spec->root_type_id;
		return 0;
	case EVBPF_CORE_TYPE_EXISTS:
	case EVBPF_CORE_TYPE_MATCHES:
		*val = 1;
		return 0;
	case EVBPF_CORE_TYPE_SIZE:
		sz = evbpf__btf_resolve_size(spec->btf, spec->root_type_id);
		if (sz < 0)
			return -EINVAL;
		*val = (uint64_t)sz;
		return 0;
	default:
		return -EINVAL;
	}
}

static int calc_enumval(const struct core_spec *spec, uint32_t kind, uint64_t *val)
{
	const struct btf_type *t;

	if (kind == EVBPF_CORE_ENUMVAL_EXISTS) {
		*val = spec ? 1 : 0;
		return 0;
	}
	if (!spec)
		return -EUCLEAN;
	t = evbpf__btf_type(spec->btf, spec->acc[0].type_id);
	*val = (uint64_t)enum_value(t, spec->acc[0].idx);
	return 0;
}

/* Value of a relocation against spec (NULL: no target). */
static int calc_value(const struct core_spec *spec, uint32_t kind, struct field_val *out)
{
	if (kind_is_field(kind))
		return calc_field(spec, kind, out);
	memset(out, 0, sizeof(*out));
	out->validate = true;
	if (kind_is_type(kind))
		return calc_type(spec, kind, &out->val);
	return calc_enumval(spec, kind, &out->val);
}

/* Loads and stores can change width only for pointers and unsigned ints,
 * which zero-extend the same way at any width. */
static bool memsz_adjustable(const struct evbpf_btf *lb, uint32_t lid, const struct evbpf_btf *tb,
                             uint32_t tid)
{
	const struct btf_type *l = skip_mods(lb, lid, NULL), *t = skip_mods(tb, tid, NULL);

	if (!l || !t)
		return false;
	if (evbpf__btf_kind(l) == BTF_KIND_PTR && evbpf__btf_kind(t) == BTF_KIND_PTR)
		return true;
	return evbpf__btf_kind(l) == BTF_KIND_INT && evbpf__btf_kind(t) == BTF_KIND_INT &&
	       !(int_encoding(l) & BTF_INT_SIGNED) && !(int_encoding(t) & BTF_INT_SIGNED);
}

/* ------------------------------------------------------------ candidates */

#define MAX_CANDS 64

struct cand {
	const struct evbpf_btf *btf;
	uint32_t id;
};

static int find_cands(const struct evbpf_btf *lb, uint32_t local_id,
                      const struct evbpf_btf *const *targets, size_t nr_targets, struct cand *cands,
                      int max)
{
	const struct btf_type *lt = evbpf__btf_type(lb, local_id);
	const char *name = evbpf__btf_name(lb, local_id);
	size_t len = evbpf__btf_essential_len(name);
	int n = 0;

	for (size_t ti = 0; ti < nr_targets; ti++) {
		const struct evbpf_btf *tb = targets[ti];
		uint32_t ids[MAX_CANDS];
		int cnt;

		if (!tb)
			continue;
		cnt = evbpf__btf_find_essential(tb, name, len, ids, MAX_CANDS);
		if (cnt < 0)
			return cnt;
		if (ti == 0 && evbpf__btf_base(tb)) {
			/* A split target: its base's types are candidates too. */
			const struct evbpf_btf *base = evbpf__btf_base(tb);
			uint32_t bids[MAX_CANDS];
			int bcnt = evbpf__btf_find_essential(base, name, len, bids, MAX_CANDS);

			for (int i = 0; i < bcnt && i < MAX_CANDS && n < max; i++) {
				const struct btf_type *t = evbpf__btf_type(base, bids[i]);

				if (kinds_compat(lt, t))
					cands[n++] = (struct cand){tb, bids[i]};
			}
		}
		for (int i = 0; i < cnt && i < MAX_CANDS && n < max; i++) {
			const struct btf_type *t = evbpf__btf_type(tb, ids[i]);

			if (kinds_compat(lt, t))
				cands[n++] = (struct cand){tb, ids[i]};
		}
		/* Modules are searched only when the first target (vmlinux)
		 * has no candidate at all, as in libbpf. */
		if (n)
			break;
	}
	return n;
}

/* ------------------------------------------------------------ public */

int evbpf__core_calc(const char *prog_name, int relo_idx, const struct evbpf_btf *local,
                     const struct evbpf_core_relo *relo, const struct evbpf_btf *const *targets,
                     size_t nr_targets, struct evbpf_core_res *res)
{
	struct core_spec lspec, tspec, best;
	struct field_val lv, tv, bv;
	const char *access;
	struct cand cands[MAX_CANDS];
	char path[256];
	int n, err, matched = 0;
	const struct btf_type *lt;

	memset(res, 0, sizeof(*res));
	match_budget = MATCH_BUDGET;
	memset(&best, 0, sizeof(best));
	memset(&bv, 0, sizeof(bv));
	access = evbpf__btf_str(local, relo->access_str_off);
	if (!access)
		return evbpf__err(-EINVAL,
		                  "prog '%s': relo #%d: access string offset %u is invalid",
		                  prog_name, relo_idx, relo->access_str_off);
	if (relo->kind > EVBPF_CORE_TYPE_MATCHES)
		return evbpf__err(-EINVAL, "prog '%s': relo #%d: unknown kind %u", prog_name,
		                  relo_idx, relo->kind);
	lt = evbpf__btf_type(local, relo->type_id);
	if (!lt)
		return evbpf__err(-EINVAL, "prog '%s': relo #%d: type [%u] is invalid", prog_name,
		                  relo_idx, relo->type_id);
	err = parse_spec(local, relo->type_id, access, relo->kind, &lspec, path, sizeof(path));
	if (err)
		return evbpf__err(err, "prog '%s': relo #%d (%s): %s [%u] %s access '%s': %s",
		                  prog_name, relo_idx, evbpf__core_kind_name(relo->kind), "type",
		                  relo->type_id, evbpf__btf_name(local, relo->type_id), access,
		                  path);
	format_spec(&lspec, access, res->spec, sizeof(res->spec));

	err = calc_value(&lspec, relo->kind, &lv);
	if (err && err != -EUCLEAN)
		return evbpf__err(-EINVAL,
		                  "prog '%s': relo #%d (%s) %s: cannot compute the local "
		                  "value",
		                  prog_name, relo_idx, evbpf__core_kind_name(relo->kind),
		                  res->spec);
	res->orig_val = lv.val;
	res->orig_sz = lv.byte_sz;
	res->orig_type_id = lv.type_id;
	res->validate = lv.validate;
	if (relo->kind == EVBPF_CORE_ENUMVAL_VALUE) {
		const struct btf_type *et = evbpf__btf_type(local, lspec.acc[0].type_id);

		res->orig_any_sign = et && evbpf__btf_kind(et) == BTF_KIND_ENUM &&
		                     !BTF_INFO_KFLAG(et->info);
	}

	if (relo->kind == EVBPF_CORE_TYPE_ID_LOCAL) {
		res->new_val = relo->type_id;
		return 0;
	}
	if (!*evbpf__btf_name(local, lspec.root_type_id) &&
	    !*evbpf__btf_name(local, (uint32_t)evbpf__btf_skip_mods(local, relo->type_id)))
		return evbpf__err(-EOPNOTSUPP, "prog '%s': relo #%d (%s) %s: anonymous root type",
		                  prog_name, relo_idx, evbpf__core_kind_name(relo->kind),
		                  res->spec);

	n = find_cands(local, relo->type_id, targets, nr_targets, cands, MAX_CANDS);
	res->nr_cands = n > 0 ? n : 0;
	if (n < 0)
		return evbpf__err(n, "prog '%s': relo #%d: candidate lookup failed", prog_name,
		                  relo_idx);
	for (int i = 0; i < n; i++) {
		int r = match_spec(&lspec, cands[i].btf, cands[i].id, &tspec);

		if (r < 0)
			return evbpf__err(r,
			                  "prog '%s': relo #%d (%s) %s: target type [%u] is "
			                  "malformed",
			                  prog_name, relo_idx, evbpf__core_kind_name(relo->kind),
			                  res->spec, cands[i].id);
		if (!r)
			continue;
		err = calc_value(&tspec, relo->kind, &tv);
		if (err == -EUCLEAN)
			continue;
		if (err)
			return evbpf__err(err,
			                  "prog '%s': relo #%d (%s) %s: cannot compute the "
			                  "value in target type [%u]",
			                  prog_name, relo_idx, evbpf__core_kind_name(relo->kind),
			                  res->spec, cands[i].id);
		if (matched && (tv.val != bv.val || tv.byte_sz != bv.byte_sz))
			return evbpf__err(-EINVAL,
			                  "prog '%s': relo #%d (%s) %s: ambiguous: "
			                  "target types [%u] and [%u] give %llu and %llu",
			                  prog_name, relo_idx, evbpf__core_kind_name(relo->kind),
			                  res->spec, best.root_type_id, tspec.root_type_id,
			                  (unsigned long long)bv.val, (unsigned long long)tv.val);
		if (!matched) {
			best = tspec;
			bv = tv;
			res->target_btf = cands[i].btf;
		}
		matched++;
	}
	res->nr_matches = matched;
	if (!matched) {
		err = calc_value(NULL, relo->kind, &tv);
		if (err == -EUCLEAN) {
			res->poison = true;
			evbpf__debug("prog '%s': relo #%d (%s) %s: no match in %d candidate(s); "
			             "instruction poisoned",
			             prog_name, relo_idx, evbpf__core_kind_name(relo->kind),
			             res->spec, n);
			return 0;
		}
		if (err)
			return evbpf__err(err, "prog '%s': relo #%d: failed", prog_name, relo_idx);
		res->new_val = tv.val;
		return 0;
	}
	res->new_val = bv.val;
	res->new_sz = bv.byte_sz;
	res->new_type_id = bv.type_id;
	if (relo->kind == EVBPF_CORE_FIELD_BYTE_OFFSET && res->orig_sz != res->new_sz &&
	    !memsz_adjustable(local, res->orig_type_id, res->target_btf, res->new_type_id))
		res->fail_memsz_adjust = true;
	return 0;
}

static int bpf_size_bytes(uint8_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B:
		return 1;
	case BPF_H:
		return 2;
	case BPF_W:
		return 4;
	case BPF_DW:
		return 8;
	default:
		return -1;
	}
}

static int bytes_bpf_size(uint32_t n)
{
	switch (n) {
	case 1:
		return BPF_B;
	case 2:
		return BPF_H;
	case 4:
		return BPF_W;
	case 8:
		return BPF_DW;
	default:
		return -1;
	}
}

static void poison_insn(struct bpf_insn *insn)
{
	insn->code = BPF_JMP | BPF_CALL;
	insn->dst_reg = 0;
	insn->src_reg = 0;
	insn->off = 0;
	insn->imm = EVBPF_CORE_POISON_IMM;
}

int evbpf__core_patch(const char *prog_name, int relo_idx, struct bpf_insn *insns, size_t cnt,
                      uint32_t idx, const struct evbpf_core_res *res)
{
	struct bpf_insn *insn;
	uint8_t class;

	if (idx >= cnt)
		return evbpf__err(-EINVAL, "prog '%s': relo #%d: instruction %u is past the end",
		                  prog_name, relo_idx, idx);
	insn = &insns[idx];
	class = BPF_CLASS(insn->code);
	if (res->poison) {
	poison:
		/* Both halves of an ld_imm64, so the second does not read as
		 * an unknown opcode. */
		if (insn->code == (BPF_LD | BPF_IMM | BPF_DW) && idx + 1 < cnt)
			poison_insn(insn + 1);
		poison_insn(insn);
		return 0;
	}
	switch (class) {
	case BPF_ALU:
	case BPF_ALU64:
		if (BPF_SRC(insn->code) != BPF_K)
			return evbpf__err(-EINVAL,
			                  "prog '%s': relo #%d %s: insn #%u is ALU with a "
			                  "register source",
			                  prog_name, relo_idx, res->spec, idx);
		if (res->validate && (uint32_t)insn->imm != (uint32_t)res->orig_val)
			return evbpf__err(-EINVAL,
			                  "prog '%s': relo #%d %s: insn #%u holds %u, "
			                  "expected %llu",
			                  prog_name, relo_idx, res->spec, idx, (uint32_t)insn->imm,
			                  (unsigned long long)res->orig_val);
		insn->imm = (int32_t)res->new_val;
		return 0;
	case BPF_LDX:
	case BPF_ST:
	case BPF_STX:
		if (res->validate && insn->off != (int16_t)res->orig_val)
			return evbpf__err(-EINVAL,
			                  "prog '%s': relo #%d %s: insn #%u has offset %d, "
			                  "expected %llu",
			                  prog_name, relo_idx, res->spec, idx, insn->off,
			                  (unsigned long long)res->orig_val);
		if (res->new_val > SHRT_MAX)
			return evbpf__err(-E2BIG,
			                  "prog '%s': relo #%d %s: offset %llu does not fit "
			                  "insn #%u",
			                  prog_name, relo_idx, res->spec,
			                  (unsigned long long)res->new_val, idx);
		if (res->fail_memsz_adjust) {
			evbpf__warn(
			    "prog '%s': relo #%d %s: insn #%u reads the field with the wrong "
			    "size (%u bytes, the kernel's is %u); poisoned",
			    prog_name, relo_idx, res->spec, idx, res->orig_sz, res->new_sz);
			goto poison;
		}
		insn->off = (int16_t)res->new_val;
		if (res->new_sz && res->orig_sz && res->new_sz != res->orig_sz) {
			int size = bytes_bpf_size(res->new_sz);

			if (bpf_size_bytes(insn->code) != (int)res->orig_sz || size < 0)
				return evbpf__err(-EINVAL,
				                  "prog '%s': relo #%d %s: insn #%u: cannot "
				                  "change access size %d to %u",
				                  prog_name, relo_idx, res->spec, idx,
				                  bpf_size_bytes(insn->code), res->new_sz);
			insn->code = (uint8_t)(BPF_MODE(insn->code) | size | BPF_CLASS(insn->code));
		}
		return 0;
	case BPF_LD: {
		uint64_t imm;

		if (insn->code != (BPF_LD | BPF_IMM | BPF_DW) || idx + 1 >= cnt ||
		    insn[0].src_reg || insn[0].off || insn[1].code || insn[1].src_reg ||
		    insn[1].dst_reg || insn[1].off)
			return evbpf__err(-EINVAL,
			                  "prog '%s': relo #%d %s: insn #%u is not a plain "
			                  "ld_imm64",
			                  prog_name, relo_idx, res->spec, idx);
		imm = (uint32_t)insn[0].imm | ((uint64_t)(uint32_t)insn[1].imm << 32);
		if (res->validate && imm != res->orig_val &&
		    !(res->orig_any_sign &&
		      imm == (uint64_t)(int64_t)(int32_t)(uint32_t)res->orig_val))
			return evbpf__err(-EINVAL,
			                  "prog '%s': relo #%d %s: insn #%u holds %llu, "
			                  "expected %llu",
			                  prog_name, relo_idx, res->spec, idx,
			                  (unsigned long long)imm,
			                  (unsigned long long)res->orig_val);
		insn[0].imm = (int32_t)(uint32_t)res->new_val;
		insn[1].imm = (int32_t)(uint32_t)(res->new_val >> 32);
		return 0;
	}
	default:
		return evbpf__err(-EINVAL,
		                  "prog '%s': relo #%d %s: insn #%u (code 0x%02x) cannot "
		                  "be relocated",
		                  prog_name, relo_idx, res->spec, idx, insn->code);
	}
}
