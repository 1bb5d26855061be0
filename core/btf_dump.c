/* SPDX-License-Identifier: MIT */
/*
 * BTF to C: the "vmlinux.h" a BPF program includes to see the kernel's
 * types. The output has to compile, and every struct has to come out with
 * the offsets and size BTF gives it, so:
 *
 *  - Order. A type is printed after everything it needs complete: the
 *    types of members held by value (through typedefs, qualifiers and
 *    arrays). What is only pointed to needs a forward declaration, which is
 *    printed on demand ("struct foo;"); a struct first named inside a
 *    prototype's parameter list would otherwise get prototype scope.
 *  - Anonymous structs, unions and enums are printed inline where they are
 *    used; anonymous enums nothing refers to are printed on their own.
 *  - Layout. Members are placed where BTF says: a gap the compiler would
 *    not leave is filled with unnamed bitfields ("long: 64;"), a struct
 *    whose size or member offsets break natural alignment is packed.
 *  - Names. BTF may hold two different types with one name (deduplication
 *    keeps both when they differ) and enumerators share one namespace, so
 *    a clash gets a "___N" suffix, the CO-RE flavor convention.
 *  - preserve_access_index on every struct and union (through a clang
 *    attribute pragma that BPF_NO_PRESERVE_ACCESS_INDEX turns off), so
 *    member accesses become CO-RE relocations.
 *
 * The same printer writes the variables of a skeleton's section structs
 * (evbpf__btf_decl), in a mode where every type is spelled out where it is
 * used: see the comment there.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define DUMP_MAX_DEPTH 2048
/* Anonymous types are printed inside their users, recursively: bound the
 * nesting (the kernel's is a handful deep) so hostile BTF cannot exhaust
 * the stack. */
#define DUMP_MAX_INLINE 64

enum { ST_NONE, ST_EMITTING, ST_DONE };

struct name_map {
	char **keys;
	uint32_t *counts;
	size_t cap, len;
};

struct dump {
	const struct evbpf_btf *btf;
	FILE *out;
	uint32_t cnt;
	uint8_t *state;
	uint8_t *declared; /* forward declaration printed */
	uint8_t *refs;     /* how many types refer to this one (saturating) */
	uint8_t *aligns;   /* memoized alignment as printed (0: not known yet) */
	char **names;      /* unique C names of named types */
	struct name_map tags, idents;
	int depth;
	int inline_depth;
	int err;
	/* Declarations for a skeleton (evbpf__btf_decl): see there. */
	bool skel;
};

struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

/*
 * Work budget for one dump, in bytes formatted: BTF that no compiler made
 * can ask for gigabytes of padding lines (a 4 GiB struct with one member)
 * or repeat anonymous types inline exponentially. Real BTF formats to less
 * than its own size; the budget allows many times that. Thread-local, as
 * dumps on different threads are independent.
 */
#define DUMP_BUDGET_MIN (1u << 20)
#define DUMP_BUDGET_PER_BYTE 32u

static _Thread_local size_t sb_budget;
static _Thread_local bool sb_over_budget;

static void sb_vadd(struct sbuf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	if (b->oom)
		return;
	va_copy(cp, ap);
	n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, cp);
	va_end(cp);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if ((size_t)n > sb_budget) {
		b->oom = true;
		sb_over_budget = true;
		return;
	}
	sb_budget -= (size_t)n;
	if (!b->s || b->len + (size_t)n + 1 > b->cap) {
		size_t ncap = (b->len + (size_t)n + 1) * 2;
		char *ns = realloc(b->s, ncap);

		if (!ns) {
			b->oom = true;
			return;
		}
		b->s = ns;
		b->cap = ncap;
		vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

static void __attribute__((format(printf, 2, 3))) sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vadd(b, fmt, ap);
	va_end(ap);
}

static const char *sb_str(const struct sbuf *b)
{
	return b->s && !b->oom ? b->s : "";
}

/* ------------------------------------------------------------ names */

static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s) {
		h ^= (uint8_t)*s++;
		h *= 16777619u;
	}
	return h;
}

/* How many times name has been taken in map (0 the first time). */
static int name_take(struct name_map *m, const char *name, uint32_t *count)
{
	size_t i;

	if ((m->len + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 4096;
		char **keys = calloc(ncap, sizeof(*keys));
		uint32_t *counts = calloc(ncap, sizeof(*counts));

		if (!keys || !counts) {
			free(keys);
			free(counts);
			return -ENOMEM;
		}
		for (size_t j = 0; j < m->cap; j++) {
			if (!m->keys[j])
				continue;
			for (i = str_hash(m->keys[j]) & (ncap - 1); keys[i];
			     i = (i + 1) & (ncap - 1))
				;
			keys[i] = m->keys[j];
			counts[i] = m->counts[j];
		}
		free(m->keys);
		free(m->counts);
		m->keys = keys;
		m->counts = counts;
		m->cap = ncap;
	}
	for (i = str_hash(name) & (m->cap - 1); m->keys[i]; i = (i + 1) & (m->cap - 1)) {
		if (!strcmp(m->keys[i], name)) {
			*count = m->counts[i]++;
			return 0;
		}
	}
	m->keys[i] = strdup(name);
	if (!m->keys[i])
		return -ENOMEM;
	m->counts[i] = 1;
	m->len++;
	*count = 0;
	return 0;
}

static void name_map_free(struct name_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->counts);
}

/* A unique spelling of name in a namespace: name, name___2, ... */
static char *unique(struct dump *d, struct name_map *m, const char *name)
{
	uint32_t n = 0;
	char *s;

	if (name_take(m, name, &n)) {
		d->err = -ENOMEM;
		return NULL;
	}
	if (n == 0)
		return strdup(name);
	if (asprintf(&s, "%s___%u", name, n + 1) < 0)
		return NULL;
	return s;
}

static const struct btf_type *T(const struct dump *d, uint32_t id)
{
	return evbpf__btf_type(d->btf, id);
}

static const char *raw_name(const struct dump *d, uint32_t id)
{
	return evbpf__btf_name(d->btf, id);
}

/* Give every named struct/union/enum/typedef its C name up front, so
 * references print the same name whatever the order. */
static int assign_names(struct dump *d)
{
	for (uint32_t id = 1; id < d->cnt; id++) {
		const struct btf_type *t = T(d, id);
		const char *name = raw_name(d, id);

		if (!*name)
			continue;
		switch (evbpf__btf_kind(t)) {
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			d->names[id] = unique(d, &d->tags, name);
			break;
		case BTF_KIND_TYPEDEF:
			/* The kernel's va_list is x86's 24-byte array; BPF's
			 * builtin is a pointer. Keep the kernel's layout under
			 * a name that does not redefine the builtin. */
			if (!strcmp(name, "__builtin_va_list"))
				name = "__evbpf_builtin_va_list";
			d->names[id] = unique(d, &d->idents, name);
			break;
		default:
			continue;
		}
		if (!d->names[id])
			return -ENOMEM;
	}
	/* A forward declaration names the struct or union of the same name,
	 * if BTF has one; otherwise it keeps its own. */
	for (uint32_t id = 1; id < d->cnt; id++) {
		const struct btf_type *t = T(d, id);
		const char *name = raw_name(d, id);
		bool is_union = BTF_INFO_KFLAG(t->info);
		int full;

		if (evbpf__btf_kind(t) != BTF_KIND_FWD || !*name)
			continue;
		full = evbpf__btf_find(d->btf, name, is_union ? BTF_KIND_UNION : BTF_KIND_STRUCT);
		if (full > 0 && d->names[full]) {
			d->names[id] = strdup(d->names[full]);
		} else {
			d->names[id] = unique(d, &d->tags, name);
		}
		if (!d->names[id])
			return -ENOMEM;
	}
	return 0;
}

static const char *c_name(const struct dump *d, uint32_t id)
{
	return d->names[id] ? d->names[id] : raw_name(d, id);
}

/* ------------------------------------------------------------ layout */

static bool is_packed(struct dump *d, const struct btf_type *t);

/*
 * The alignment a type gets in the printed C: natural alignment, except
 * that a struct printed packed is aligned to 1 (so a packed struct nested
 * at an odd offset does not make its container look packed too).
 */
static int natural_align(struct dump *d, uint32_t id)
{
	const struct btf_type *t;
	int r;

	r = evbpf__btf_skip_mods(d->btf, id);
	for (int depth = 0; r > 0 && depth < 32; depth++) {
		t = T(d, (uint32_t)r);
		if (evbpf__btf_kind(t) != BTF_KIND_ARRAY)
			break;
		r = evbpf__btf_skip_mods(d->btf, ((const struct btf_array *)(t + 1))->type);
	}
	if (r <= 0)
		return 1;
	id = (uint32_t)r;
	t = T(d, id);
	if (evbpf__btf_kind(t) != BTF_KIND_STRUCT && evbpf__btf_kind(t) != BTF_KIND_UNION) {
		int a = evbpf__btf_align(d->btf, id);

		return a > 0 ? a : 1;
	}
	if (d->aligns[id])
		return d->aligns[id];
	if (d->depth > DUMP_MAX_DEPTH)
		return 1;
	d->depth++;
	d->aligns[id] = 1; /* provisional, in case of a (malformed) cycle */
	if (is_packed(d, t)) {
		d->aligns[id] = 1;
	} else {
		const struct btf_member *m = (const struct btf_member *)(t + 1);
		int max = 1;

		for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++) {
			int a = natural_align(d, m[i].type);

			if (a > max)
				max = a;
		}
		d->aligns[id] = (uint8_t)max;
	}
	d->depth--;
	return d->aligns[id];
}

static bool is_packed(struct dump *d, const struct btf_type *t)
{
	const struct btf_member *m = (const struct btf_member *)(t + 1);
	int align = 1;

	for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++) {
		int a = natural_align(d, m[i].type);

		if (a > align)
			align = a;
		if (!evbpf__btf_member_bitfield_size(t, i) &&
		    evbpf__btf_member_bit_offset(t, i) % ((uint32_t)a * 8))
			return true;
	}
	return t->size % (uint32_t)align != 0;
}

/* ------------------------------------------------------------ declarations */

static void emit_type(struct dump *d, uint32_t id, bool need_full);
static void print_decl(struct dump *d, struct sbuf *b, uint32_t id, const char *name, int indent);
static void print_base(struct dump *d, struct sbuf *b, uint32_t id, int indent, bool by_value);

static void indent_to(struct sbuf *b, int indent)
{
	for (int i = 0; i < indent; i++)
		sb_add(b, "\t");
}

static void print_pad(struct sbuf *b, uint64_t from, uint64_t to, int indent)
{
	static const struct {
		unsigned bits;
		const char *type;
	} units[] = {{64, "long"}, {32, "int"}, {16, "short"}, {8, "char"}};

	while (from < to && !b->oom) {
		uint64_t left = to - from;
		unsigned n = 0;
		const char *type = "char";

		for (size_t i = 0; i < EVBPF_ARRAY_SIZE(units); i++) {
			if (from % units[i].bits == 0 && left >= units[i].bits) {
				n = units[i].bits;
				type = units[i].type;
				break;
			}
		}
		if (!n)
			n = (unsigned)(left < 8 - from % 8 ? left : 8 - from % 8);
		indent_to(b, indent);
		sb_add(b, "%s: %u;\n", type, n);
		from += n;
	}
}

static void print_members(struct dump *d, struct sbuf *b, const struct btf_type *t, int indent)
{
	const struct btf_member *m = (const struct btf_member *)(t + 1);
	bool is_union = evbpf__btf_kind(t) == BTF_KIND_UNION;
	bool packed = is_packed(d, t);
	uint64_t cur = 0;

	/* Out of budget: stop walking too, or nested anonymous types would
	 * still be visited an exponential number of times. */
	for (uint16_t i = 0; i < evbpf__btf_vlen(t) && !sb_over_budget; i++) {
		uint64_t off = evbpf__btf_member_bit_offset(t, i);
		uint32_t bf = evbpf__btf_member_bitfield_size(t, i);
		const char *mname = evbpf__btf_str(d->btf, m[i].name_off);
		int64_t sz = evbpf__btf_resolve_size(d->btf, m[i].type);

		if (!is_union && off > cur) {
			uint64_t natural = cur;

			if (!bf && !packed)
				natural =
				    evbpf__roundup(cur, (size_t)natural_align(d, m[i].type) * 8);
			if (bf) {
				uint64_t unit = sz > 0 ? (uint64_t)sz * 8 : 8;

				if (!packed && cur / unit != (cur + bf - 1) / unit)
					natural = evbpf__roundup(cur, unit);
			}
			if (off != natural)
				print_pad(b, cur, off, indent);
		}
		indent_to(b, indent);
		print_decl(d, b, m[i].type, mname ? mname : "", indent);
		if (bf)
			sb_add(b, ": %u", bf);
		sb_add(b, ";\n");
		if (!is_union) {
			uint64_t end = off + (bf ? bf : (sz > 0 ? (uint64_t)sz * 8 : 0));

			if (end > cur)
				cur = end;
		}
	}
	if (!is_union && (uint64_t)t->size * 8 > cur) {
		/* Tail padding the compiler would not add by itself. */
		int a = 1;

		for (uint16_t i = 0; i < evbpf__btf_vlen(t) && !packed; i++)
			if (natural_align(d, m[i].type) > a)
				a = natural_align(d, m[i].type);
		if (evbpf__roundup(cur, (size_t)a * 8) != (uint64_t)t->size * 8)
			print_pad(b, cur, (uint64_t)t->size * 8, indent);
	}
}

static void print_enum_body(struct dump *d, struct sbuf *b, const struct btf_type *t, int indent)
{
	bool is_signed = BTF_INFO_KFLAG(t->info);

	sb_add(b, "{\n");
	for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++) {
		const char *name;
		char *uname;
		uint64_t v;

		if (evbpf__btf_kind(t) == BTF_KIND_ENUM) {
			const struct btf_enum *e = (const struct btf_enum *)(t + 1) + i;

			name = evbpf__btf_str(d->btf, e->name_off);
			v = is_signed ? (uint64_t)(int64_t)e->val : (uint32_t)e->val;
		} else {
			const struct btf_enum64 *e = (const struct btf_enum64 *)(t + 1) + i;

			name = evbpf__btf_str(d->btf, e->name_off);
			v = (uint64_t)e->val_hi32 << 32 | e->val_lo32;
		}
		uname = unique(d, &d->idents, name && *name ? name : "__anon_enum_val");
		indent_to(b, indent + 1);
		if (is_signed && (int64_t)v == INT64_MIN)
			sb_add(b, "%s = (-9223372036854775807LL - 1),\n", uname ? uname : "?");
		else if (is_signed)
			sb_add(b, "%s = %lld,\n", uname ? uname : "?", (long long)v);
		else if (v > UINT32_MAX)
			sb_add(b, "%s = %lluULL,\n", uname ? uname : "?", (unsigned long long)v);
		else
			sb_add(b, "%s = %llu,\n", uname ? uname : "?", (unsigned long long)v);
		free(uname);
	}
	indent_to(b, indent);
	sb_add(b, "}");
	if (t->size < 4 && evbpf__btf_vlen(t))
		sb_add(b, " __attribute__((packed))");
}

/* The body of a struct/union: "{ members }" plus attributes. */
static void print_composite_body(struct dump *d, struct sbuf *b, const struct btf_type *t,
                                 int indent)
{
	sb_add(b, "{\n");
	print_members(d, b, t, indent + 1);
	indent_to(b, indent);
	sb_add(b, "}");
	if (is_packed(d, t))
		sb_add(b, " __attribute__((packed))");
}

/* Skeleton mode: an enum as the integer type of its size and sign. */
static void print_enum_int(struct dump *d, struct sbuf *b, const struct btf_type *t)
{
	bool is_signed = BTF_INFO_KFLAG(t->info);

	/* Compilers before signed-enum BTF (clang 15) leave the flag
	 * clear: a negative enumerator says it. */
	for (uint16_t i = 0; i < evbpf__btf_vlen(t) && !is_signed; i++) {
		if (evbpf__btf_kind(t) == BTF_KIND_ENUM)
			is_signed = ((const struct btf_enum *)(t + 1))[i].val < 0;
	}
	switch (t->size) {
	case 1:
		sb_add(b, is_signed ? "signed char" : "unsigned char");
		break;
	case 2:
		sb_add(b, is_signed ? "short" : "unsigned short");
		break;
	case 8:
		sb_add(b, is_signed ? "long long" : "unsigned long long");
		break;
	default:
		sb_add(b, is_signed ? "int" : "unsigned int");
		break;
	}
	(void)d;
}

/* The base type of a declaration: its specifiers. by_value: the
 * declaration holds it, not a pointer to it (skeleton mode prints named
 * structs held by value inline). */
static void print_base(struct dump *d, struct sbuf *b, uint32_t id, int indent, bool by_value)
{
	const struct btf_type *t = T(d, id);

	if (!t) {
		sb_add(b, "void");
		return;
	}
	switch (evbpf__btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
		/* C's _Bool is C++'s bool: skeletons include <stdbool.h>. */
		if (d->skel && !strcmp(raw_name(d, id), "_Bool"))
			sb_add(b, "bool");
		else
			sb_add(b, "%s", raw_name(d, id));
		break;
	case BTF_KIND_TYPEDEF:
		sb_add(b, "%s", c_name(d, id));
		break;
	case BTF_KIND_FWD:
		sb_add(b, "%s %s", BTF_INFO_KFLAG(t->info) ? "union" : "struct", c_name(d, id));
		if (d->skel)
			d->declared[id] = 1; /* forward-declared by evbpf__btf_decl_fwds */
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		sb_add(b, "%s", evbpf__btf_kind(t) == BTF_KIND_UNION ? "union" : "struct");
		if (*raw_name(d, id) && !(d->skel && by_value)) {
			sb_add(b, " %s", c_name(d, id));
			if (d->skel)
				d->declared[id] = 1;
		} else if (d->inline_depth >= DUMP_MAX_INLINE) {
			if (!d->err)
				d->err = evbpf__err(-ELOOP, "btf dump: anonymous types nest too "
				                            "deeply at [%u]",
				                    id);
		} else {
			sb_add(b, " ");
			d->inline_depth++;
			print_composite_body(d, b, t, indent);
			d->inline_depth--;
		}
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		if (d->skel) {
			print_enum_int(d, b, t);
		} else if (*raw_name(d, id)) {
			sb_add(b, "enum %s", c_name(d, id));
		} else {
			sb_add(b, "enum ");
			print_enum_body(d, b, t, indent);
		}
		break;
	default:
		/* FUNC, VAR, DATASEC, tags: not types a declaration can use. */
		sb_add(b, "int /* unsupported BTF kind %u */", evbpf__btf_kind(t));
		break;
	}
}

/*
 * Print "TYPE NAME" with C declarator syntax. The chain of pointers,
 * arrays, prototypes and qualifiers from the outside in becomes the
 * declarator around the name; what is left is the base type.
 */
static void print_decl(struct dump *d, struct sbuf *b, uint32_t id, const char *name, int indent)
{
	struct sbuf decl = {0}, quals = {0};
	bool last_ptr = false, via_ptr = false;

	sb_add(&decl, "%s", name);
	for (int depth = 0; depth < 64; depth++) {
		const struct btf_type *t = T(d, id);
		struct sbuf tmp = {0};
		uint16_t kind;

		if (!t)
			break;
		kind = evbpf__btf_kind(t);
		if (d->skel && (kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_CONST ||
		                kind == BTF_KIND_VOLATILE || kind == BTF_KIND_RESTRICT)) {
			id = t->type;
			continue;
		}
		if (kind == BTF_KIND_PTR) {
			sb_add(&tmp, "*%s", sb_str(&decl));
			last_ptr = true;
			via_ptr = true;
			id = t->type;
		} else if (kind == BTF_KIND_CONST || kind == BTF_KIND_VOLATILE ||
		           kind == BTF_KIND_RESTRICT) {
			const char *q = kind == BTF_KIND_CONST      ? "const"
			                : kind == BTF_KIND_VOLATILE ? "volatile"
			                                            : "restrict";
			const struct btf_type *next = T(d, t->type);
			uint16_t nk = next ? evbpf__btf_kind(next) : 0;

			id = t->type;
			if (nk == BTF_KIND_PTR) {
				sb_add(&tmp, " %s %s", q, sb_str(&decl));
			} else {
				/* Qualifies the base type (or an array's element,
				 * which C spells the same way). */
				if (kind != BTF_KIND_RESTRICT && !strstr(sb_str(&quals), q))
					sb_add(&quals, "%s ", q);
				continue;
			}
		} else if (kind == BTF_KIND_TYPE_TAG) {
			id = t->type;
			continue;
		} else if (kind == BTF_KIND_ARRAY) {
			const struct btf_array *a = (const struct btf_array *)(t + 1);

			if (last_ptr)
				sb_add(&tmp, "(%s)[%u]", sb_str(&decl), a->nelems);
			else
				sb_add(&tmp, "%s[%u]", sb_str(&decl), a->nelems);
			last_ptr = false;
			id = a->type;
		} else if (kind == BTF_KIND_FUNC_PROTO) {
			const struct btf_param *p = (const struct btf_param *)(t + 1);
			uint16_t vlen = evbpf__btf_vlen(t);

			sb_add(&tmp, last_ptr ? "(%s)(" : "%s(", sb_str(&decl));
			if (!vlen)
				sb_add(&tmp, "void");
			for (uint16_t i = 0; i < vlen; i++) {
				const char *pn = evbpf__btf_str(d->btf, p[i].name_off);

				if (i)
					sb_add(&tmp, ", ");
				if (!p[i].type && i + 1 == vlen) {
					sb_add(&tmp, "...");
					continue;
				}
				print_decl(d, &tmp, p[i].type, pn ? pn : "", indent);
			}
			sb_add(&tmp, ")");
			last_ptr = false;
			via_ptr = true; /* a return type: never inline a body there */
			id = t->type;
		} else {
			break;
		}
		free(decl.s);
		decl = tmp;
	}
	sb_add(b, "%s", sb_str(&quals));
	print_base(d, b, id, indent, !via_ptr);
	if (decl.len) {
		const char *s = sb_str(&decl);

		sb_add(b, s[0] == ' ' ? "%s" : " %s", s);
	}
	if (decl.oom || quals.oom)
		b->oom = true;
	free(decl.s);
	free(quals.s);
}

/* ------------------------------------------------------------ ordering */

static void emit_fwd(struct dump *d, uint32_t id, const struct btf_type *t)
{
	bool is_union = evbpf__btf_kind(t) == BTF_KIND_UNION ||
	                (evbpf__btf_kind(t) == BTF_KIND_FWD && BTF_INFO_KFLAG(t->info));

	if (d->declared[id] || d->state[id] == ST_DONE)
		return;
	d->declared[id] = 1;
	fprintf(d->out, "%s %s;\n\n", is_union ? "union" : "struct", c_name(d, id));
}

/* The dependencies of an anonymous type printed inline. */
static void emit_members_deps(struct dump *d, const struct btf_type *t)
{
	const struct btf_member *m = (const struct btf_member *)(t + 1);

	for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++)
		emit_type(d, m[i].type, true);
}

static void print_top(struct dump *d, struct sbuf *b)
{
	if (b->oom && sb_over_budget && !d->err) {
		d->err = evbpf__err(-E2BIG, "btf dump: the header would be too large (more than "
		                            "%u bytes per byte of BTF)",
		                    DUMP_BUDGET_PER_BYTE);
	} else if (b->oom) {
		d->err = -ENOMEM;
	} else if (b->s) {
		fputs(b->s, d->out);
	}
	free(b->s);
}

static void emit_type(struct dump *d, uint32_t id, bool need_full)
{
	const struct btf_type *t = T(d, id);
	struct sbuf b = {0};

	if (!t || d->err)
		return;
	if (d->depth > DUMP_MAX_DEPTH) {
		d->err = evbpf__err(-ELOOP, "btf dump: types nest too deeply at [%u]", id);
		return;
	}
	d->depth++;
	switch (evbpf__btf_kind(t)) {
	case BTF_KIND_PTR:
		emit_type(d, t->type, false);
		break;
	case BTF_KIND_ARRAY:
		/* C wants complete element types, even behind a pointer. */
		emit_type(d, ((const struct btf_array *)(t + 1))->type, true);
		break;
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		emit_type(d, t->type, need_full);
		break;
	case BTF_KIND_FUNC_PROTO: {
		const struct btf_param *p = (const struct btf_param *)(t + 1);

		emit_type(d, t->type, false);
		for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++)
			emit_type(d, p[i].type, false);
		break;
	}
	case BTF_KIND_FWD: {
		/* Declare the struct itself when BTF has it. */
		int full =
		    evbpf__btf_find(d->btf, raw_name(d, id),
		                    BTF_INFO_KFLAG(t->info) ? BTF_KIND_UNION : BTF_KIND_STRUCT);

		if (full > 0)
			emit_type(d, (uint32_t)full, false);
		else
			emit_fwd(d, id, t);
		break;
	}
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		if (!*raw_name(d, id) || d->state[id] != ST_NONE)
			break;
		d->state[id] = ST_DONE;
		if (!evbpf__btf_vlen(t)) {
			fprintf(d->out, "enum %s;\n\n", c_name(d, id));
			break;
		}
		sb_add(&b, "enum %s ", c_name(d, id));
		print_enum_body(d, &b, t, 0);
		sb_add(&b, ";\n\n");
		print_top(d, &b);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		if (!*raw_name(d, id)) {
			/* Printed inline wherever it is used, but its
			 * dependencies need emitting once, not once per use:
			 * that would be exponential in the nesting. */
			if (d->state[id] != ST_NONE)
				break;
			d->state[id] = ST_EMITTING;
			emit_members_deps(d, t);
			d->state[id] = ST_DONE;
			break;
		}
		if (!need_full) {
			emit_fwd(d, id, t);
			break;
		}
		if (d->state[id] != ST_NONE)
			break;
		d->state[id] = ST_EMITTING;
		emit_members_deps(d, t);
		d->state[id] = ST_DONE;
		print_base(d, &b, id, 0, false); /* "struct name" */
		sb_add(&b, " ");
		print_composite_body(d, &b, t, 0);
		sb_add(&b, ";\n\n");
		print_top(d, &b);
		break;
	case BTF_KIND_TYPEDEF:
		if (d->state[id] == ST_EMITTING)
			break;
		if (d->state[id] == ST_DONE) {
			if (need_full)
				emit_type(d, t->type, true);
			break;
		}
		/* The typedef itself needs its target declared only (an
		 * anonymous target is printed inline, with its dependencies);
		 * users that hold it by value then need the target complete. */
		d->state[id] = ST_EMITTING;
		emit_type(d, t->type, false);
		d->state[id] = ST_DONE;
		sb_add(&b, "typedef ");
		print_decl(d, &b, t->type, c_name(d, id), 0);
		sb_add(&b, ";\n\n");
		print_top(d, &b);
		if (need_full)
			emit_type(d, t->type, true);
		break;
	default:
		break;
	}
	d->depth--;
}

static void count_refs(struct dump *d)
{
	for (uint32_t id = 1; id < d->cnt; id++) {
		const struct btf_type *t = T(d, id);
		uint32_t refs[2] = {0, 0};

		switch (evbpf__btf_kind(t)) {
		case BTF_KIND_PTR:
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
		case BTF_KIND_VAR:
		case BTF_KIND_FUNC_PROTO:
			refs[0] = t->type;
			break;
		case BTF_KIND_ARRAY:
			refs[0] = ((const struct btf_array *)(t + 1))->type;
			break;
		default:
			break;
		}
		if (refs[0] < d->cnt && d->refs[refs[0]] < 255)
			d->refs[refs[0]]++;
		if (evbpf__btf_kind(t) == BTF_KIND_STRUCT || evbpf__btf_kind(t) == BTF_KIND_UNION ||
		    evbpf__btf_kind(t) == BTF_KIND_FUNC_PROTO) {
			bool proto = evbpf__btf_kind(t) == BTF_KIND_FUNC_PROTO;

			for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++) {
				uint32_t r = proto ? ((const struct btf_param *)(t + 1))[i].type
				                   : ((const struct btf_member *)(t + 1))[i].type;

				if (r < d->cnt && d->refs[r] < 255)
					d->refs[r]++;
			}
		}
	}
}

static void budget_reset(const struct evbpf_btf *btf)
{
	size_t raw_size;

	evbpf__btf_raw(btf, &raw_size);
	sb_budget = DUMP_BUDGET_MIN + raw_size * DUMP_BUDGET_PER_BYTE;
	sb_over_budget = false;
}

static void dump_fini(struct dump *d)
{
	for (uint32_t i = 0; d->names && i < d->cnt; i++)
		free(d->names[i]);
	free(d->names);
	free(d->state);
	free(d->declared);
	free(d->refs);
	free(d->aligns);
	name_map_free(&d->tags);
	name_map_free(&d->idents);
}

static int dump_init(struct dump *d, const struct evbpf_btf *btf, FILE *out)
{
	int err;

	memset(d, 0, sizeof(*d));
	d->btf = btf;
	d->out = out;
	d->cnt = evbpf__btf_type_cnt(btf);
	d->state = calloc(d->cnt, 1);
	d->declared = calloc(d->cnt, 1);
	d->refs = calloc(d->cnt, 1);
	d->aligns = calloc(d->cnt, 1);
	d->names = calloc(d->cnt, sizeof(*d->names));
	if (!d->state || !d->declared || !d->refs || !d->aligns || !d->names) {
		err = -ENOMEM;
		goto err;
	}
	err = assign_names(d);
	if (err)
		goto err;
	count_refs(d);
	return 0;
err:
	dump_fini(d);
	return err;
}

int evbpf__btf_dump_c(const struct evbpf_btf *btf, FILE *out)
{
	struct dump d;
	int err;

	budget_reset(btf);
	err = dump_init(&d, btf, out);
	if (err)
		return err;
	fprintf(out, "/* Generated by evbpf btf dump: C types from BTF. */\n"
	             "#ifndef __VMLINUX_H__\n"
	             "#define __VMLINUX_H__\n\n"
	             "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
	             "#pragma clang attribute push (__attribute__((preserve_access_index)), "
	             "apply_to = record)\n"
	             "#endif\n\n");
	for (uint32_t id = 1; id < d.cnt && !d.err; id++) {
		const struct btf_type *t = T(&d, id);
		uint16_t kind = evbpf__btf_kind(t);

		if (kind == BTF_KIND_ENUM || kind == BTF_KIND_ENUM64) {
			if (!*raw_name(&d, id) && !d.refs[id] && evbpf__btf_vlen(t)) {
				struct sbuf b = {0};

				sb_add(&b, "enum ");
				print_enum_body(&d, &b, t, 0);
				sb_add(&b, ";\n\n");
				print_top(&d, &b);
				continue;
			}
		}
		if (kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION || kind == BTF_KIND_ENUM ||
		    kind == BTF_KIND_ENUM64 || kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_FWD) {
			if (*raw_name(&d, id))
				emit_type(&d, id, true);
		}
	}
	fprintf(out, "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
	             "#pragma clang attribute pop\n"
	             "#endif\n\n"
	             "#endif /* __VMLINUX_H__ */\n");
	err = d.err;
	if (!err && ferror(out))
		err = evbpf__err(-EIO, "btf dump: write error");
	dump_fini(&d);
	return err;
}

/* ------------------------------------------------------------ skeletons */

/*
 * A skeleton's section structs must compile in any C or C++ translation
 * unit, next to the user's own headers and the system's. So a variable's
 * type is spelled out where it is used: typedefs are looked through
 * (vmlinux.h's u64 or bool would clash with <stdint.h> or C++), named
 * structs and unions held by value are printed as anonymous bodies (no
 * second definition of a struct the user's header already has), enums
 * become the integer of their size (their enumerators would clash the
 * same way), and const and volatile are dropped (so `const volatile`
 * .rodata can be written before load). Layout is unchanged: padding,
 * packing and bitfields are printed as for vmlinux.h. Only pointers name
 * other types ("struct task_struct *"), which needs no definition.
 */
struct evbpf_btf_dump {
	struct dump d;
};

int evbpf__btf_decl_printer_new(const struct evbpf_btf *btf, struct evbpf_btf_dump **dp)
{
	struct evbpf_btf_dump *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		return -ENOMEM;
	err = dump_init(&p->d, btf, NULL);
	if (err) {
		free(p);
		return err;
	}
	p->d.skel = true;
	*dp = p;
	return 0;
}

int evbpf__btf_decl_fwds(struct evbpf_btf_dump *p, FILE *out)
{
	const struct dump *d = &p->d;
	int n = 0;

	for (uint32_t id = 1; id < d->cnt; id++) {
		const struct btf_type *t = T(d, id);
		bool is_union = evbpf__btf_kind(t) == BTF_KIND_UNION ||
		                (evbpf__btf_kind(t) == BTF_KIND_FWD && BTF_INFO_KFLAG(t->info));

		if (!d->declared[id])
			continue;
		fprintf(out, "%s %s;\n", is_union ? "union" : "struct", c_name(d, id));
		n++;
	}
	return ferror(out) ? -EIO : n;
}

void evbpf__btf_decl_printer_free(struct evbpf_btf_dump *p)
{
	if (!p)
		return;
	dump_fini(&p->d);
	free(p);
}

char *evbpf__btf_decl(struct evbpf_btf_dump *p, uint32_t id, const char *name, int indent)
{
	struct sbuf b = {0};

	budget_reset(p->d.btf);
	p->d.err = 0;
	print_decl(&p->d, &b, id, name, indent);
	if (p->d.err || b.oom) {
		if (!p->d.err)
			evbpf__err(sb_over_budget ? -E2BIG : -ENOMEM,
			           "btf: declaration of '%s' (type [%u]) is too large", name, id);
		free(b.s);
		return NULL;
	}
	return b.s ? b.s : strdup("");
}
