/* SPDX-License-Identifier: MIT */
/*
 * A bounds-checked DWARF reader for BPF objects: the debugging information
 * entries of .debug_info, flattened into an array (core/dwarf.h).
 *
 * What clang puts into a relocatable BPF object, and so what this reads:
 *  - DWARF 5 by default since clang 14 (-gdwarf-4 for 4): compile units
 *    with strx1..4 names through .debug_str_offsets, addrx addresses
 *    through .debug_addr, loclistx/rnglistx/sec_offset references to lists
 *    this reader skips, exprloc locations, implicit_const in abbrevs.
 *  - The section offsets inside .debug_info, .debug_str_offsets and
 *    .debug_addr are not final: they are R_BPF_64_ABS32/ABS64 relocations
 *    (REL, addend in place) against section symbols, and addresses against
 *    the symbols of the code sections. Each of those three sections is
 *    copied and relocated before it is read; an address also keeps the ELF
 *    section its symbol lives in, because every BPF program starts at
 *    offset 0 of its own section and the offset alone says nothing.
 *
 * Nothing here trusts the bytes: reads go through a cursor that stops at
 * the end of its range, nesting and attribute counts are bounded, and
 * references are resolved to DIEs or rejected.
 */
#include <stdlib.h>
#include <string.h>

#include "dwarf.h"

#define DW_MAX_DEPTH       128 /* nesting of DIEs (C types and scopes need ~10) */
#define DW_MAX_ATTRS       256 /* attributes of one abbreviation */
#define DW_MAX_ORIGIN_HOPS 16

/* Forms (DWARF 5, 7.5.6). */
enum {
	DW_FORM_addr = 0x01,
	DW_FORM_block2 = 0x03,
	DW_FORM_block4 = 0x04,
	DW_FORM_data2 = 0x05,
	DW_FORM_data4 = 0x06,
	DW_FORM_data8 = 0x07,
	DW_FORM_string = 0x08,
	DW_FORM_block = 0x09,
	DW_FORM_block1 = 0x0a,
	DW_FORM_data1 = 0x0b,
	DW_FORM_flag = 0x0c,
	DW_FORM_sdata = 0x0d,
	DW_FORM_strp = 0x0e,
	DW_FORM_udata = 0x0f,
	DW_FORM_ref_addr = 0x10,
	DW_FORM_ref1 = 0x11,
	DW_FORM_ref2 = 0x12,
	DW_FORM_ref4 = 0x13,
	DW_FORM_ref8 = 0x14,
	DW_FORM_ref_udata = 0x15,
	DW_FORM_indirect = 0x16,
	DW_FORM_sec_offset = 0x17,
	DW_FORM_exprloc = 0x18,
	DW_FORM_flag_present = 0x19,
	DW_FORM_strx = 0x1a,
	DW_FORM_addrx = 0x1b,
	DW_FORM_ref_sup4 = 0x1c,
	DW_FORM_strp_sup = 0x1d,
	DW_FORM_data16 = 0x1e,
	DW_FORM_line_strp = 0x1f,
	DW_FORM_ref_sig8 = 0x20,
	DW_FORM_implicit_const = 0x21,
	DW_FORM_loclistx = 0x22,
	DW_FORM_rnglistx = 0x23,
	DW_FORM_ref_sup8 = 0x24,
	DW_FORM_strx1 = 0x25,
	DW_FORM_strx2 = 0x26,
	DW_FORM_strx3 = 0x27,
	DW_FORM_strx4 = 0x28,
	DW_FORM_addrx1 = 0x29,
	DW_FORM_addrx2 = 0x2a,
	DW_FORM_addrx3 = 0x2b,
	DW_FORM_addrx4 = 0x2c,
};

/* Attributes (7.5.4) this reader interprets. */
enum {
	DW_AT_location = 0x02,
	DW_AT_name = 0x03,
	DW_AT_byte_size = 0x0b,
	DW_AT_bit_offset = 0x0c,
	DW_AT_bit_size = 0x0d,
	DW_AT_low_pc = 0x11,
	DW_AT_high_pc = 0x12,
	DW_AT_const_value = 0x1c,
	DW_AT_upper_bound = 0x2f,
	DW_AT_abstract_origin = 0x31,
	DW_AT_count = 0x37,
	DW_AT_data_member_location = 0x38,
	DW_AT_declaration = 0x3c,
	DW_AT_encoding = 0x3e,
	DW_AT_specification = 0x47,
	DW_AT_type = 0x49,
	DW_AT_data_bit_offset = 0x6b,
	DW_AT_str_offsets_base = 0x72,
	DW_AT_addr_base = 0x73,
};

#define DW_OP_plus_uconst 0x23
#define DW_OP_fbreg       0x91

#define DW_UT_compile 0x01
#define DW_UT_partial 0x03

/* An address relocation: the value at off in its section is an offset into
 * ELF section shndx. */
struct dw_rel {
	uint64_t off;
	uint32_t shndx;
};

/* A relocated copy of a section (or the section itself when it has none). */
struct dw_sec {
	const char *name;
	const uint8_t *data;
	size_t size;
	uint8_t *copy;
	struct dw_rel *rels;
	size_t nr_rels;
};

struct abbrev_attr {
	uint32_t name;
	uint32_t form;
	int64_t implicit;
};

struct abbrev {
	uint64_t code;
	uint32_t tag;
	bool children;
	uint32_t first_attr;
	uint32_t nr_attrs;
};

struct abbrev_table {
	uint64_t off;
	struct abbrev *abbrevs;
	size_t nr;
	struct abbrev_attr *attrs;
	size_t nr_attrs;
};

struct evbpf_dwarf {
	uint8_t *own_buf; /* evbpf__dwarf_parse_mem's copy of the ELF */
	struct dw_sec info, str_offsets, addr;
	struct dw_sec str, line_str, abbrev;
	struct abbrev_table *tables;
	size_t nr_tables;
	struct evbpf_dwarf_die *dies;
	size_t nr_dies, cap_dies;
	int version;
};

/* The unit being read. */
struct dw_unit {
	uint64_t off; /* of the unit header */
	uint64_t end; /* one past the unit */
	int version;
	uint8_t offset_size;
	uint8_t addr_size;
	uint64_t str_offsets_base;
	uint64_t addr_base;
	const struct abbrev_table *abbrevs;
};

/* ------------------------------------------------------------ cursor */

struct cur {
	const uint8_t *p, *end;
	bool bad;
};

static bool cur_need(struct cur *c, size_t n)
{
	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = true;
		return false;
	}
	return true;
}

static uint64_t rd_u(struct cur *c, size_t n)
{
	uint64_t v = 0;

	if (!cur_need(c, n))
		return 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)c->p[i] << (8 * i);
	c->p += n;
	return v;
}

static void skip(struct cur *c, uint64_t n)
{
	if (n > (uint64_t)(c->end - c->p)) {
		c->bad = true;
		return;
	}
	c->p += n;
}

/* LEB128: more than 64 significant bits is malformed. */
static uint64_t rd_uleb(struct cur *c)
{
	uint64_t v = 0;
	unsigned int shift = 0;

	for (;;) {
		uint8_t b;

		if (!cur_need(c, 1))
			return 0;
		b = *c->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		else if (b & 0x7f)
			c->bad = true;
		if (!(b & 0x80))
			return v;
		shift += 7;
		if (shift > 70) {
			c->bad = true;
			return 0;
		}
	}
}

static int64_t rd_sleb(struct cur *c)
{
	uint64_t v = 0;
	unsigned int shift = 0;
	uint8_t b;

	do {
		if (!cur_need(c, 1))
			return 0;
		b = *c->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (shift > 70) {
			c->bad = true;
			return 0;
		}
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	return (int64_t)v;
}

/* ------------------------------------------------------------ sections */

static int cmp_rel(const void *a, const void *b)
{
	const struct dw_rel *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static const struct dw_rel *find_rel(const struct dw_sec *s, uint64_t off)
{
	struct dw_rel key = {.off = off};

	if (!s->nr_rels)
		return NULL;
	return bsearch(&key, s->rels, s->nr_rels, sizeof(*s->rels), cmp_rel);
}

/*
 * Copy section sec_idx and apply the REL sections that target it. BPF
 * debug sections only use R_BPF_64_ABS64 (2) and R_BPF_64_ABS32 (3):
 * S + A, with the addend in place. The ELF reader has checked the symbol
 * indexes and that each offset lies in the section; the width is checked
 * here.
 */
static int relocate(struct dw_sec *s, const struct evbpf_elf *elf, size_t sec_idx)
{
	size_t n = 0;

	s->copy = malloc(s->size ? s->size : 1);
	if (!s->copy)
		return -ENOMEM;
	memcpy(s->copy, s->data, s->size);
	s->data = s->copy;
	for (size_t i = 1; i < elf->nr_secs; i++)
		if (elf->secs[i].type == SHT_REL && elf->secs[i].info == sec_idx)
			n += elf->secs[i].size / sizeof(Elf64_Rel);
	if (!n)
		return 0;
	s->rels = calloc(n, sizeof(*s->rels));
	if (!s->rels)
		return -ENOMEM;
	for (size_t i = 1; i < elf->nr_secs; i++) {
		const struct evbpf_elf_sec *rs = &elf->secs[i];
		const Elf64_Rel *rels = (const Elf64_Rel *)rs->data;

		if (rs->type != SHT_REL || rs->info != sec_idx)
			continue;
		for (size_t j = 0; j < rs->size / sizeof(Elf64_Rel); j++) {
			uint32_t type = (uint32_t)ELF64_R_TYPE(rels[j].r_info);
			uint64_t off = rels[j].r_offset, v = 0;
			const Elf64_Sym *sym;
			size_t width;

			if (type == 0) /* R_BPF_NONE */
				continue;
			if (type != 2 && type != 3)
				return evbpf__err(-EINVAL,
				                  "dwarf: '%s': relocation #%zu: type %u is not an "
				                  "absolute 32- or 64-bit relocation",
				                  rs->name, j, type);
			width = type == 2 ? 8 : 4;
			if (off > s->size || s->size - off < width)
				return evbpf__err(
				    -EINVAL,
				    "dwarf: '%s': relocation #%zu at %llu runs past the end "
				    "of '%s' (%zu bytes)",
				    rs->name, j, (unsigned long long)off, s->name, s->size);
			sym = &elf->syms[ELF64_R_SYM(rels[j].r_info)];
			memcpy(&v, s->copy + off, width);
			v += sym->st_value;
			memcpy(s->copy + off, &v, width);
			s->rels[s->nr_rels].off = off;
			s->rels[s->nr_rels].shndx = sym->st_shndx;
			s->nr_rels++;
		}
	}
	qsort(s->rels, s->nr_rels, sizeof(*s->rels), cmp_rel);
	return 0;
}

static void sec_get(struct dw_sec *s, const struct evbpf_elf *elf, const char *name, size_t *idx)
{
	size_t i = evbpf__elf_find_sec(elf, name);

	s->name = name;
	*idx = i;
	if (!i || elf->secs[i].type == SHT_NOBITS || !elf->secs[i].data)
		return;
	s->data = elf->secs[i].data;
	s->size = (size_t)elf->secs[i].size;
}

/* A NUL-terminated string at off in a string section, or NULL. */
static const char *sec_str(const struct dw_sec *s, uint64_t off)
{
	if (!s->data || off >= s->size)
		return NULL;
	if (!memchr(s->data + off, '\0', s->size - off))
		return NULL;
	return (const char *)s->data + off;
}

/* ------------------------------------------------------------ abbrevs */

static bool form_known(uint64_t form)
{
	return form >= DW_FORM_addr && form <= DW_FORM_addrx4 && form != 0x02;
}

static int add_table(struct evbpf_dwarf *dw, uint64_t off, const struct abbrev_table **tp)
{
	struct abbrev_table *t, *tables;
	struct cur c;
	size_t cap = 0, cap_attrs = 0;

	for (size_t i = 0; i < dw->nr_tables; i++)
		if (dw->tables[i].off == off) {
			*tp = &dw->tables[i];
			return 0;
		}
	if (off >= dw->abbrev.size)
		return evbpf__err(-EINVAL,
		                  "dwarf: abbreviation table offset %llu is past the end "
		                  "of .debug_abbrev (%zu bytes)",
		                  (unsigned long long)off, dw->abbrev.size);
	tables = realloc(dw->tables, (dw->nr_tables + 1) * sizeof(*tables));
	if (!tables)
		return -ENOMEM;
	dw->tables = tables;
	t = &dw->tables[dw->nr_tables++];
	memset(t, 0, sizeof(*t));
	t->off = off;
	c.p = dw->abbrev.data + off;
	c.end = dw->abbrev.data + dw->abbrev.size;
	c.bad = false;
	for (;;) {
		uint64_t code = rd_uleb(&c), tag;
		struct abbrev *a;

		if (c.bad)
			goto trunc;
		if (!code)
			break;
		if (t->nr == cap) {
			struct abbrev *n;

			cap = cap ? cap * 2 : 32;
			n = realloc(t->abbrevs, cap * sizeof(*n));
			if (!n)
				return -ENOMEM;
			t->abbrevs = n;
		}
		a = &t->abbrevs[t->nr++];
		tag = rd_uleb(&c);
		a->code = code;
		a->tag = tag > UINT16_MAX ? 0 : (uint32_t)tag;
		a->children = rd_u(&c, 1) != 0;
		a->first_attr = (uint32_t)t->nr_attrs;
		a->nr_attrs = 0;
		for (;;) {
			uint64_t name = rd_uleb(&c), form = rd_uleb(&c);
			struct abbrev_attr *at;

			if (c.bad)
				goto trunc;
			if (!name && !form)
				break;
			if (!form_known(form))
				return evbpf__err(
				    -EINVAL, "dwarf: abbreviation %llu: unknown form 0x%llx",
				    (unsigned long long)code, (unsigned long long)form);
			if (a->nr_attrs >= DW_MAX_ATTRS)
				return evbpf__err(-EOVERFLOW,
				                  "dwarf: abbreviation %llu has more than %d "
				                  "attributes",
				                  (unsigned long long)code, DW_MAX_ATTRS);
			if (t->nr_attrs == cap_attrs) {
				struct abbrev_attr *n;

				cap_attrs = cap_attrs ? cap_attrs * 2 : 128;
				n = realloc(t->attrs, cap_attrs * sizeof(*n));
				if (!n)
					return -ENOMEM;
				t->attrs = n;
			}
			at = &t->attrs[t->nr_attrs++];
			at->name = name > UINT32_MAX ? 0 : (uint32_t)name;
			at->form = (uint32_t)form;
			at->implicit = form == DW_FORM_implicit_const ? rd_sleb(&c) : 0;
			a->nr_attrs++;
		}
	}
	*tp = t;
	return 0;
trunc:
	return evbpf__err(-EINVAL, "dwarf: abbreviation table at %llu is truncated or malformed",
	                  (unsigned long long)off);
}

static const struct abbrev *find_abbrev(const struct abbrev_table *t, uint64_t code)
{
	/* clang numbers them 1, 2, 3, ... */
	if (code && code <= t->nr && t->abbrevs[code - 1].code == code)
		return &t->abbrevs[code - 1];
	for (size_t i = 0; i < t->nr; i++)
		if (t->abbrevs[i].code == code)
			return &t->abbrevs[i];
	return NULL;
}

/* ------------------------------------------------------------ values */

enum val_kind {
	V_NONE,
	V_UCONST,
	V_SCONST,
	V_STR,
	V_REF, /* offset in .debug_info */
	V_ADDR,
	V_BLOCK,
	V_FLAG,
	V_SECOFF, /* sec_offset, loclistx, rnglistx: lists this reader skips */
	V_STRX,   /* resolved once the unit's bases are known */
	V_ADDRX,
};

struct dw_val {
	enum val_kind kind;
	uint64_t u;
	const uint8_t *block;
	const char *str;
	uint32_t shndx; /* V_ADDR */
};

static int bad_form(const struct dw_unit *u, uint32_t form, const char *why)
{
	return evbpf__err(-EINVAL, "dwarf: unit at %llu: form 0x%x: %s", (unsigned long long)u->off,
	                  form, why);
}

/* Read an address of the unit's size at c (in .debug_info) or at off in
 * .debug_addr. */
static void address_at(const struct dw_sec *s, const uint8_t *p, uint8_t size, struct dw_val *v)
{
	const struct dw_rel *r = find_rel(s, (uint64_t)(p - s->data));

	v->kind = V_ADDR;
	v->u = 0;
	for (size_t i = 0; i < size; i++)
		v->u |= (uint64_t)p[i] << (8 * i);
	v->shndx = r ? r->shndx : 0;
}

static int read_form(struct evbpf_dwarf *dw, const struct dw_unit *u, struct cur *c, uint32_t form,
                     int64_t implicit, struct dw_val *v, int indirect_depth)
{
	uint64_t n;

	memset(v, 0, sizeof(*v));
	switch (form) {
	case DW_FORM_addr:
		if (!cur_need(c, u->addr_size))
			break;
		address_at(&dw->info, c->p, u->addr_size, v);
		c->p += u->addr_size;
		break;
	case DW_FORM_data1:
	case DW_FORM_ref1:
	case DW_FORM_flag:
	case DW_FORM_strx1:
	case DW_FORM_addrx1:
		v->u = rd_u(c, 1);
		break;
	case DW_FORM_data2:
	case DW_FORM_ref2:
	case DW_FORM_strx2:
	case DW_FORM_addrx2:
		v->u = rd_u(c, 2);
		break;
	case DW_FORM_strx3:
	case DW_FORM_addrx3:
		v->u = rd_u(c, 3);
		break;
	case DW_FORM_data4:
	case DW_FORM_ref4:
	case DW_FORM_strx4:
	case DW_FORM_addrx4:
	case DW_FORM_ref_sup4:
		v->u = rd_u(c, 4);
		break;
	case DW_FORM_data8:
	case DW_FORM_ref8:
	case DW_FORM_ref_sig8:
	case DW_FORM_ref_sup8:
		v->u = rd_u(c, 8);
		break;
	case DW_FORM_data16:
		/* Only a 128-bit constant uses it: kept as "present", not read. */
		skip(c, 16);
		v->kind = V_BLOCK;
		return c->bad ? bad_form(u, form, "truncated") : 0;
	case DW_FORM_sdata:
		v->u = (uint64_t)rd_sleb(c);
		v->kind = V_SCONST;
		break;
	case DW_FORM_udata:
	case DW_FORM_ref_udata:
	case DW_FORM_strx:
	case DW_FORM_addrx:
	case DW_FORM_loclistx:
	case DW_FORM_rnglistx:
		v->u = rd_uleb(c);
		break;
	case DW_FORM_implicit_const:
		v->u = (uint64_t)implicit;
		v->kind = V_SCONST;
		break;
	case DW_FORM_string: {
		const uint8_t *nul = c->bad ? NULL : memchr(c->p, '\0', (size_t)(c->end - c->p));

		if (!nul)
			return bad_form(u, form, "string without a terminator");
		v->kind = V_STR;
		v->str = (const char *)c->p;
		c->p = nul + 1;
		return 0;
	}
	case DW_FORM_strp:
	case DW_FORM_line_strp:
	case DW_FORM_strp_sup:
	case DW_FORM_sec_offset:
	case DW_FORM_ref_addr:
		v->u = rd_u(c, u->version <= 2 && form == DW_FORM_ref_addr ? u->addr_size
		                                                           : u->offset_size);
		break;
	case DW_FORM_block1:
	case DW_FORM_block2:
	case DW_FORM_block4:
	case DW_FORM_block:
	case DW_FORM_exprloc:
		n = form == DW_FORM_block1   ? rd_u(c, 1)
		    : form == DW_FORM_block2 ? rd_u(c, 2)
		    : form == DW_FORM_block4 ? rd_u(c, 4)
		                             : rd_uleb(c);
		if (c->bad)
			break;
		v->kind = V_BLOCK;
		v->block = c->p;
		v->u = n;
		skip(c, n);
		break;
	case DW_FORM_flag_present:
		v->kind = V_FLAG;
		v->u = 1;
		return 0;
	case DW_FORM_indirect:
		n = rd_uleb(c);
		if (c->bad)
			break;
		/* The form named here may not be indirect again. */
		if (indirect_depth || !form_known(n) || n == DW_FORM_indirect ||
		    n == DW_FORM_implicit_const)
			return bad_form(u, form, "bad indirect form");
		return read_form(dw, u, c, (uint32_t)n, 0, v, 1);
	default:
		return bad_form(u, form, "unknown form");
	}
	if (c->bad)
		return bad_form(u, form, "value runs past the end of the unit");
	if (v->kind != V_NONE)
		return 0;
	switch (form) {
	case DW_FORM_ref1:
	case DW_FORM_ref2:
	case DW_FORM_ref4:
	case DW_FORM_ref8:
	case DW_FORM_ref_udata:
		if (v->u >= u->end - u->off)
			return bad_form(u, form, "reference past the end of the unit");
		v->kind = V_REF;
		v->u += u->off;
		break;
	case DW_FORM_ref_addr:
		v->kind = V_REF;
		break;
	case DW_FORM_strp:
		v->kind = V_STR;
		v->str = sec_str(&dw->str, v->u);
		if (!v->str)
			return bad_form(u, form, "string offset outside .debug_str");
		break;
	case DW_FORM_line_strp:
		v->kind = V_STR;
		v->str = sec_str(&dw->line_str, v->u);
		if (!v->str)
			return bad_form(u, form, "string offset outside .debug_line_str");
		break;
	case DW_FORM_strx:
	case DW_FORM_strx1:
	case DW_FORM_strx2:
	case DW_FORM_strx3:
	case DW_FORM_strx4:
		v->kind = V_STRX;
		break;
	case DW_FORM_addrx:
	case DW_FORM_addrx1:
	case DW_FORM_addrx2:
	case DW_FORM_addrx3:
	case DW_FORM_addrx4:
		v->kind = V_ADDRX;
		break;
	case DW_FORM_flag:
		v->kind = V_FLAG;
		break;
	case DW_FORM_data1:
	case DW_FORM_data2:
	case DW_FORM_data4:
	case DW_FORM_data8:
	case DW_FORM_udata:
		v->kind = V_UCONST;
		break;
	default:
		/* sec_offset, list indexes, supplementary and signature
		 * references: nothing this reader follows. */
		v->kind = V_SECOFF;
		break;
	}
	return 0;
}

/* strx and addrx, once the unit's bases are known. */
static int resolve_index(struct evbpf_dwarf *dw, const struct dw_unit *u, struct dw_val *v)
{
	uint64_t off;

	if (v->kind == V_STRX) {
		if (v->u > (dw->str_offsets.size / u->offset_size) ||
		    u->str_offsets_base > dw->str_offsets.size)
			goto bad_str;
		off = u->str_offsets_base + v->u * u->offset_size;
		if (off > dw->str_offsets.size || dw->str_offsets.size - off < u->offset_size)
			goto bad_str;
		{
			struct cur c = {dw->str_offsets.data + off,
			                dw->str_offsets.data + dw->str_offsets.size, false};

			off = rd_u(&c, u->offset_size);
		}
		v->kind = V_STR;
		v->str = sec_str(&dw->str, off);
		if (!v->str)
			goto bad_str;
		return 0;
	}
	if (v->kind == V_ADDRX) {
		if (v->u > dw->addr.size / u->addr_size || u->addr_base > dw->addr.size)
			goto bad_addr;
		off = u->addr_base + v->u * u->addr_size;
		if (off > dw->addr.size || dw->addr.size - off < u->addr_size)
			goto bad_addr;
		address_at(&dw->addr, dw->addr.data + off, u->addr_size, v);
	}
	return 0;
bad_str:
	return evbpf__err(-EINVAL,
	                  "dwarf: unit at %llu: string index %llu is outside "
	                  ".debug_str_offsets or its string outside .debug_str",
	                  (unsigned long long)u->off, (unsigned long long)v->u);
bad_addr:
	return evbpf__err(-EINVAL, "dwarf: unit at %llu: address index %llu is outside .debug_addr",
	                  (unsigned long long)u->off, (unsigned long long)v->u);
}

/* ------------------------------------------------------------ DIEs */

static bool is_const(const struct dw_val *v)
{
	return v->kind == V_UCONST || v->kind == V_SCONST;
}

/* DW_OP_fbreg N alone: a variable at a fixed place in the frame. */
static void read_location(struct evbpf_dwarf_die *d, const struct dw_val *v)
{
	struct cur c;
	int64_t off;

	d->has |= EVBPF_DWARF_HAS_LOCATION;
	if (v->kind != V_BLOCK || !v->block || v->u < 2)
		return;
	c.p = v->block;
	c.end = v->block + v->u;
	c.bad = false;
	if (rd_u(&c, 1) != DW_OP_fbreg)
		return;
	off = rd_sleb(&c);
	if (c.bad || c.p != c.end)
		return;
	d->fbreg = off;
	d->has |= EVBPF_DWARF_HAS_FBREG;
}

static void read_member_location(struct evbpf_dwarf_die *d, const struct dw_val *v)
{
	struct cur c;

	if (is_const(v)) {
		d->member_offset = v->u;
		d->has |= EVBPF_DWARF_HAS_MEMBER_OFFSET;
		return;
	}
	/* DWARF 2 style: DW_OP_plus_uconst N. */
	if (v->kind != V_BLOCK || !v->block)
		return;
	c.p = v->block;
	c.end = v->block + v->u;
	c.bad = false;
	if (rd_u(&c, 1) != DW_OP_plus_uconst)
		return;
	d->member_offset = rd_uleb(&c);
	if (!c.bad && c.p == c.end)
		d->has |= EVBPF_DWARF_HAS_MEMBER_OFFSET;
}

static void set_attr(struct evbpf_dwarf_die *d, uint32_t name, const struct dw_val *v,
                     bool *high_is_size)
{
	switch (name) {
	case DW_AT_name:
		if (v->kind == V_STR)
			d->name = v->str;
		break;
	case DW_AT_byte_size:
		if (is_const(v)) {
			d->byte_size = v->u;
			d->has |= EVBPF_DWARF_HAS_BYTE_SIZE;
		}
		break;
	case DW_AT_bit_size:
		if (is_const(v)) {
			d->bit_size = v->u;
			d->has |= EVBPF_DWARF_HAS_BIT_SIZE;
		}
		break;
	case DW_AT_bit_offset:
		if (is_const(v)) {
			d->bit_offset = v->u;
			d->has |= EVBPF_DWARF_HAS_BIT_OFFSET;
		}
		break;
	case DW_AT_data_bit_offset:
		if (is_const(v)) {
			d->data_bit_offset = v->u;
			d->has |= EVBPF_DWARF_HAS_DATA_BIT_OFFSET;
		}
		break;
	case DW_AT_data_member_location:
		read_member_location(d, v);
		break;
	case DW_AT_const_value:
		if (is_const(v)) {
			d->const_value = v->u;
			d->has |= EVBPF_DWARF_HAS_CONST;
			if (v->kind == V_SCONST)
				d->has |= EVBPF_DWARF_CONST_SIGNED;
		}
		break;
	case DW_AT_count:
		if (is_const(v)) {
			d->count = v->u;
			d->has |= EVBPF_DWARF_HAS_COUNT;
		}
		break;
	case DW_AT_upper_bound:
		/* An upper bound of -1 (or none) is a flexible array. */
		if (is_const(v) && !(v->kind == V_SCONST && (int64_t)v->u < 0) &&
		    v->u != UINT64_MAX) {
			d->count = v->u + 1;
			d->has |= EVBPF_DWARF_HAS_COUNT;
		}
		break;
	case DW_AT_encoding:
		if (is_const(v)) {
			d->encoding = (uint8_t)v->u;
			d->has |= EVBPF_DWARF_HAS_ENCODING;
		}
		break;
	case DW_AT_type:
		if (v->kind == V_REF)
			d->type = (uint32_t)v->u;
		break;
	case DW_AT_abstract_origin:
	case DW_AT_specification:
		if (v->kind == V_REF)
			d->origin = (uint32_t)v->u;
		break;
	case DW_AT_low_pc:
		if (v->kind == V_ADDR) {
			d->low_pc = v->u;
			d->low_pc_sec = v->shndx;
			d->has |= EVBPF_DWARF_HAS_LOW_PC;
		}
		break;
	case DW_AT_high_pc:
		if (v->kind == V_ADDR || is_const(v)) {
			d->high_pc = v->u;
			*high_is_size = v->kind != V_ADDR;
			d->has |= EVBPF_DWARF_HAS_HIGH_PC;
		}
		break;
	case DW_AT_location:
		read_location(d, v);
		break;
	case DW_AT_declaration:
		if (v->kind == V_FLAG && v->u)
			d->has |= EVBPF_DWARF_DECLARATION;
		break;
	default:
		break;
	}
}

static struct evbpf_dwarf_die *new_die(struct evbpf_dwarf *dw)
{
	struct evbpf_dwarf_die *d;

	if (dw->nr_dies == dw->cap_dies) {
		size_t cap = dw->cap_dies ? dw->cap_dies * 2 : 256;

		d = realloc(dw->dies, cap * sizeof(*d));
		if (!d)
			return NULL;
		dw->dies = d;
		dw->cap_dies = cap;
	}
	d = &dw->dies[dw->nr_dies++];
	memset(d, 0, sizeof(*d));
	d->parent = d->type = d->origin = EVBPF_DWARF_NONE;
	return d;
}

/* One DIE's attributes: read raw, then (for a unit's DIE) the bases taken,
 * then strx/addrx resolved and the ones kept interpreted. */
static int read_attrs(struct evbpf_dwarf *dw, struct dw_unit *u, struct cur *c,
                      const struct abbrev *a, struct evbpf_dwarf_die *d)
{
	/* A table whose abbreviations have no attributes has no array. */
	const struct abbrev_attr *attrs = a->nr_attrs ? &u->abbrevs->attrs[a->first_attr] : NULL;
	struct dw_val vals[DW_MAX_ATTRS];
	bool high_is_size = false;
	int err;

	for (uint32_t i = 0; i < a->nr_attrs; i++) {
		err = read_form(dw, u, c, attrs[i].form, attrs[i].implicit, &vals[i], 0);
		if (err)
			return err;
	}
	if (d->depth == 0) {
		for (uint32_t i = 0; i < a->nr_attrs; i++) {
			if (vals[i].kind != V_SECOFF && !is_const(&vals[i]))
				continue;
			if (attrs[i].name == DW_AT_str_offsets_base)
				u->str_offsets_base = vals[i].u;
			else if (attrs[i].name == DW_AT_addr_base)
				u->addr_base = vals[i].u;
		}
	}
	for (uint32_t i = 0; i < a->nr_attrs; i++) {
		err = resolve_index(dw, u, &vals[i]);
		if (err)
			return err;
		set_attr(d, attrs[i].name, &vals[i], &high_is_size);
	}
	if ((d->has & EVBPF_DWARF_HAS_HIGH_PC) && high_is_size)
		d->high_pc += d->low_pc;
	return 0;
}

static int read_unit_header(struct evbpf_dwarf *dw, struct cur *c, struct dw_unit *u, bool *skipp)
{
	uint64_t len, abbrev_off;
	uint8_t unit_type = DW_UT_compile;
	int err;

	memset(u, 0, sizeof(*u));
	u->off = (uint64_t)(c->p - dw->info.data);
	len = rd_u(c, 4);
	u->offset_size = 4;
	if (len == 0xffffffff) {
		len = rd_u(c, 8);
		u->offset_size = 8;
	} else if (len >= 0xfffffff0) {
		return evbpf__err(-EINVAL, "dwarf: unit at %llu: reserved length 0x%llx",
		                  (unsigned long long)u->off, (unsigned long long)len);
	}
	if (c->bad || len > (uint64_t)(c->end - c->p))
		return evbpf__err(-EINVAL,
		                  "dwarf: unit at %llu: length %llu runs past the end of "
		                  ".debug_info (%zu bytes)",
		                  (unsigned long long)u->off, (unsigned long long)len,
		                  dw->info.size);
	u->end = (uint64_t)(c->p - dw->info.data) + len;
	c->end = dw->info.data + u->end;
	u->version = (int)rd_u(c, 2);
	if (u->version < 2 || u->version > 5)
		return evbpf__err(-ENOTSUP, "dwarf: unit at %llu: version %d is not DWARF 2 to 5",
		                  (unsigned long long)u->off, u->version);
	if (u->version >= 5) {
		unit_type = (uint8_t)rd_u(c, 1);
		u->addr_size = (uint8_t)rd_u(c, 1);
		abbrev_off = rd_u(c, u->offset_size);
	} else {
		abbrev_off = rd_u(c, u->offset_size);
		u->addr_size = (uint8_t)rd_u(c, 1);
	}
	if (c->bad)
		return evbpf__err(-EINVAL, "dwarf: unit at %llu: truncated header",
		                  (unsigned long long)u->off);
	/* Type units and split units carry nothing a BPF object needs. */
	*skipp = unit_type != DW_UT_compile && unit_type != DW_UT_partial;
	if (*skipp)
		return 0;
	if (u->addr_size != 4 && u->addr_size != 8)
		return evbpf__err(-EINVAL, "dwarf: unit at %llu: address size %u",
		                  (unsigned long long)u->off, u->addr_size);
	/* Without DW_AT_*_base, the first contribution's entries start
	 * right after its 8-byte header (DWARF 5, 7.26 and 7.27). */
	u->str_offsets_base = u->offset_size == 8 ? 16 : 8;
	u->addr_base = 8;
	err = add_table(dw, abbrev_off, &u->abbrevs);
	if (err)
		return err;
	if (u->version > dw->version)
		dw->version = u->version;
	return 0;
}

static int read_unit(struct evbpf_dwarf *dw, struct cur *c)
{
	uint32_t stack[DW_MAX_DEPTH];
	size_t depth = 0;
	struct dw_unit u;
	bool skip_unit = false;
	int err;

	err = read_unit_header(dw, c, &u, &skip_unit);
	if (err)
		return err;
	if (skip_unit) {
		c->p = c->end;
		return 0;
	}
	while (c->p < c->end) {
		uint64_t off = (uint64_t)(c->p - dw->info.data);
		uint64_t code = rd_uleb(c);
		const struct abbrev *a;
		struct evbpf_dwarf_die *d;

		if (c->bad)
			return evbpf__err(-EINVAL, "dwarf: DIE at %llu: truncated",
			                  (unsigned long long)off);
		if (!code) {
			/* The end of a list of children. */
			if (!depth)
				continue; /* padding after the unit's DIE */
			depth--;
			dw->dies[stack[depth]].next_sibling = (uint32_t)dw->nr_dies;
			continue;
		}
		a = find_abbrev(u.abbrevs, code);
		if (!a)
			return evbpf__err(-EINVAL, "dwarf: DIE at %llu: no abbreviation %llu",
			                  (unsigned long long)off, (unsigned long long)code);
		if (dw->nr_dies >= UINT32_MAX - 1)
			return evbpf__err(-EOVERFLOW, "dwarf: too many DIEs");
		d = new_die(dw);
		if (!d)
			return -ENOMEM;
		d->off = (uint32_t)off;
		d->tag = (uint16_t)a->tag;
		d->depth = (uint8_t)depth;
		d->parent = depth ? stack[depth - 1] : EVBPF_DWARF_NONE;
		d->next_sibling = (uint32_t)dw->nr_dies;
		err = read_attrs(dw, &u, c, a, d);
		if (err)
			return err;
		if (a->children) {
			if (depth >= DW_MAX_DEPTH)
				return evbpf__err(-EOVERFLOW,
				                  "dwarf: DIE at %llu: nested more than %d "
				                  "deep",
				                  (unsigned long long)off, DW_MAX_DEPTH);
			stack[depth++] = (uint32_t)(dw->nr_dies - 1);
		}
	}
	/* A unit that ends inside a list of children closes it. */
	while (depth) {
		depth--;
		dw->dies[stack[depth]].next_sibling = (uint32_t)dw->nr_dies;
	}
	return 0;
}

static int die_by_off(const struct evbpf_dwarf *dw, uint32_t off, uint32_t *idx)
{
	size_t lo = 0, hi = dw->nr_dies;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (dw->dies[mid].off == off) {
			*idx = (uint32_t)mid;
			return 0;
		}
		if (dw->dies[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -ENOENT;
}

/* DW_AT_type and DW_AT_abstract_origin held offsets: make them indexes. */
static int resolve_refs(struct evbpf_dwarf *dw)
{
	for (size_t i = 0; i < dw->nr_dies; i++) {
		uint32_t *refs[2] = {&dw->dies[i].type, &dw->dies[i].origin};

		for (int k = 0; k < 2; k++) {
			if (*refs[k] == EVBPF_DWARF_NONE)
				continue;
			if (die_by_off(dw, *refs[k], refs[k]))
				return evbpf__err(-EINVAL,
				                  "dwarf: DIE at %u refers to offset %u, "
				                  "where no DIE starts",
				                  dw->dies[i].off, *refs[k]);
		}
	}
	return 0;
}

int evbpf__dwarf_parse(const struct evbpf_elf *elf, struct evbpf_dwarf **dwp)
{
	struct evbpf_dwarf *dw;
	size_t info_idx, so_idx, addr_idx, unused;
	struct cur c;
	int err;

	*dwp = NULL;
	dw = calloc(1, sizeof(*dw));
	if (!dw)
		return -ENOMEM;
	sec_get(&dw->info, elf, ".debug_info", &info_idx);
	if (!dw->info.data) {
		err =
		    evbpf__err(-ENOENT, "dwarf: the object has no .debug_info (built without -g?)");
		goto err;
	}
	if (dw->info.size >= UINT32_MAX) {
		err = evbpf__err(-EOVERFLOW, "dwarf: .debug_info is too large");
		goto err;
	}
	sec_get(&dw->str_offsets, elf, ".debug_str_offsets", &so_idx);
	sec_get(&dw->addr, elf, ".debug_addr", &addr_idx);
	sec_get(&dw->str, elf, ".debug_str", &unused);
	sec_get(&dw->line_str, elf, ".debug_line_str", &unused);
	sec_get(&dw->abbrev, elf, ".debug_abbrev", &unused);
	err = relocate(&dw->info, elf, info_idx);
	if (!err && so_idx && dw->str_offsets.data)
		err = relocate(&dw->str_offsets, elf, so_idx);
	if (!err && addr_idx && dw->addr.data)
		err = relocate(&dw->addr, elf, addr_idx);
	if (err)
		goto err;
	c.p = dw->info.data;
	c.bad = false;
	while (c.p < dw->info.data + dw->info.size) {
		c.end = dw->info.data + dw->info.size;
		err = read_unit(dw, &c);
		if (err)
			goto err;
	}
	err = resolve_refs(dw);
	if (err)
		goto err;
	*dwp = dw;
	return 0;
err:
	evbpf__dwarf_free(dw);
	return err;
}

int evbpf__dwarf_parse_mem(const void *buf, size_t size, struct evbpf_dwarf **dwp)
{
	struct evbpf_elf elf;
	uint8_t *copy;
	int err;

	*dwp = NULL;
	/* malloc's alignment is what the ELF reader needs for its tables. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, size);
	err = evbpf__elf_parse(&elf, copy, size);
	if (err) {
		free(copy);
		return err;
	}
	err = evbpf__dwarf_parse(&elf, dwp);
	evbpf__elf_free(&elf);
	if (err) {
		free(copy);
		return err;
	}
	(*dwp)->own_buf = copy;
	return 0;
}

static void sec_free(struct dw_sec *s)
{
	free(s->copy);
	free(s->rels);
}

void evbpf__dwarf_free(struct evbpf_dwarf *dw)
{
	if (!dw)
		return;
	sec_free(&dw->info);
	sec_free(&dw->str_offsets);
	sec_free(&dw->addr);
	for (size_t i = 0; i < dw->nr_tables; i++) {
		free(dw->tables[i].abbrevs);
		free(dw->tables[i].attrs);
	}
	free(dw->tables);
	free(dw->dies);
	free(dw->own_buf);
	free(dw);
}

size_t evbpf__dwarf_die_cnt(const struct evbpf_dwarf *dw)
{
	return dw->nr_dies;
}

const struct evbpf_dwarf_die *evbpf__dwarf_die(const struct evbpf_dwarf *dw, uint32_t idx)
{
	return idx < dw->nr_dies ? &dw->dies[idx] : NULL;
}

int evbpf__dwarf_version(const struct evbpf_dwarf *dw)
{
	return dw->version;
}

static bool is_modifier(uint16_t tag)
{
	return tag == EVBPF_DW_TAG_typedef || tag == EVBPF_DW_TAG_const_type ||
	       tag == EVBPF_DW_TAG_volatile_type || tag == EVBPF_DW_TAG_restrict_type ||
	       tag == EVBPF_DW_TAG_atomic_type;
}

uint32_t evbpf__dwarf_skip_mods(const struct evbpf_dwarf *dw, uint32_t idx)
{
	/* A chain longer than the DIE count loops. */
	for (size_t hops = 0; hops <= dw->nr_dies; hops++) {
		const struct evbpf_dwarf_die *d = evbpf__dwarf_die(dw, idx);

		if (!d || !is_modifier(d->tag))
			return d ? idx : EVBPF_DWARF_NONE;
		idx = d->type;
	}
	return EVBPF_DWARF_NONE;
}

uint32_t evbpf__dwarf_origin(const struct evbpf_dwarf *dw, uint32_t idx)
{
	for (int i = 0; i < DW_MAX_ORIGIN_HOPS; i++) {
		const struct evbpf_dwarf_die *d = evbpf__dwarf_die(dw, idx);

		if (!d || d->origin == EVBPF_DWARF_NONE)
			return idx;
		idx = d->origin;
	}
	return idx;
}

int64_t evbpf__dwarf_type_size(const struct evbpf_dwarf *dw, uint32_t idx)
{
	uint64_t mult = 1;

	/* Arrays of arrays: bounded by the DIE count, like modifiers. */
	for (size_t hops = 0; hops <= dw->nr_dies; hops++) {
		const struct evbpf_dwarf_die *d;

		idx = evbpf__dwarf_skip_mods(dw, idx);
		d = evbpf__dwarf_die(dw, idx);
		if (!d)
			return -EINVAL;
		if (d->tag == EVBPF_DW_TAG_array_type) {
			for (uint32_t c = idx + 1; c < d->next_sibling && c < dw->nr_dies; c++) {
				const struct evbpf_dwarf_die *s = &dw->dies[c];

				if (s->parent != idx || s->tag != EVBPF_DW_TAG_subrange_type)
					continue;
				if (!(s->has & EVBPF_DWARF_HAS_COUNT))
					return 0; /* flexible */
				if (s->count && mult > INT64_MAX / s->count)
					return -EOVERFLOW;
				mult *= s->count;
			}
			idx = d->type;
			continue;
		}
		if (d->tag == EVBPF_DW_TAG_pointer_type && !(d->has & EVBPF_DWARF_HAS_BYTE_SIZE))
			return 8 * (int64_t)mult;
		if (!(d->has & EVBPF_DWARF_HAS_BYTE_SIZE) || (d->has & EVBPF_DWARF_DECLARATION))
			return -EINVAL;
		if (d->byte_size && mult > INT64_MAX / d->byte_size)
			return -EOVERFLOW;
		return (int64_t)(d->byte_size * mult);
	}
	return -EINVAL;
}
