/* SPDX-License-Identifier: MIT */
/*
 * DWARF types as BTF (core/dwarf.h): a type the object's BTF lacks (a
 * record struct only ever used through a local variable) is rebuilt from
 * its DWARF and appended to a BTF, so BTF-only code decodes it unchanged.
 *
 * Two passes. The first walks the type's closure and gives every DIE the
 * BTF id it will get (types appended get consecutive ids, so the ids are
 * known before anything is written, and self-references work); a named
 * struct, union, enum, typedef or base type the BTF already has with the
 * same size is reused instead, and what a pointer points to is only
 * declared (a FWD) unless it is small, so a pointer to task_struct does not
 * pull in the kernel's types. The second pass writes the records in the
 * same order.
 */
#include <stdlib.h>
#include <string.h>

#include "dwarf.h"

/* The info word of a BTF type: kind, kind flag, vlen. */
#define BTF_INFO_ENC(kind, kflag, vlen)                                                            \
	((uint32_t)(kflag) << 31 | (uint32_t)(kind) << 24 | ((uint32_t)(vlen)&0xffff))

#define CONV_MAX_TYPES 65536 /* new BTF types one conversion may add */
#define CONV_MAX_VLEN  0xffff

struct conv {
	const struct evbpf_dwarf *dw;
	struct evbpf_btf *btf;
	uint32_t *ids;   /* per DIE: its first BTF id, 0 when not planned */
	uint32_t *order; /* DIEs to write, in id order */
	size_t nr_order;
	uint32_t next_id;  /* the id the next new type gets */
	uint32_t index_id; /* the integer type array records use as index */
	bool need_index;   /* ...which is written first, when the BTF has none */
	uint8_t *rec;      /* scratch record */
	size_t rec_cap;
};

static bool is_aggregate(uint16_t tag)
{
	return tag == EVBPF_DW_TAG_structure_type || tag == EVBPF_DW_TAG_union_type;
}

/* The subranges of an array DIE: its dimensions, outermost first. */
static size_t array_dims(const struct evbpf_dwarf *dw, uint32_t idx, uint32_t *dims, size_t max)
{
	const struct evbpf_dwarf_die *d = evbpf__dwarf_die(dw, idx);
	size_t n = 0;

	for (uint32_t c = idx + 1; d && c < d->next_sibling; c++) {
		const struct evbpf_dwarf_die *s = evbpf__dwarf_die(dw, c);

		if (!s)
			break;
		if (s->parent == idx && s->tag == EVBPF_DW_TAG_subrange_type) {
			if (n == max)
				return max + 1;
			dims[n++] = c;
		}
	}
	return n;
}

#define CONV_MAX_DIMS 8

/* How many BTF types a DIE becomes: arrays one per dimension. */
static int nr_types_of(const struct evbpf_dwarf *dw, uint32_t idx)
{
	const struct evbpf_dwarf_die *d = evbpf__dwarf_die(dw, idx);
	uint32_t dims[CONV_MAX_DIMS];
	size_t n;

	if (d->tag != EVBPF_DW_TAG_array_type)
		return 1;
	n = array_dims(dw, idx, dims, CONV_MAX_DIMS);
	if (n > CONV_MAX_DIMS)
		return evbpf__err(-EOVERFLOW, "dwarf: array at %u has more than %d dimensions",
		                  d->off, CONV_MAX_DIMS);
	return n ? (int)n : 1; /* no subrange: an array of unknown size */
}

static int btf_kind_of(const struct evbpf_dwarf_die *d)
{
	switch (d->tag) {
	case EVBPF_DW_TAG_structure_type:
		return BTF_KIND_STRUCT;
	case EVBPF_DW_TAG_union_type:
		return BTF_KIND_UNION;
	case EVBPF_DW_TAG_enumeration_type:
		return d->byte_size == 8 ? BTF_KIND_ENUM64 : BTF_KIND_ENUM;
	case EVBPF_DW_TAG_typedef:
		return BTF_KIND_TYPEDEF;
	case EVBPF_DW_TAG_base_type:
		return d->encoding == EVBPF_DW_ATE_float ? BTF_KIND_FLOAT : BTF_KIND_INT;
	default:
		return -1;
	}
}

/* A BTF type of the same name, kind and size that can stand for the DIE. */
static uint32_t reusable(const struct conv *c, uint32_t idx)
{
	const struct evbpf_dwarf_die *d = evbpf__dwarf_die(c->dw, idx);
	int kind = btf_kind_of(d);
	const struct btf_type *t;
	int id;

	if (kind < 0 || !d->name || !d->name[0] || (d->has & EVBPF_DWARF_DECLARATION))
		return 0;
	id = evbpf__btf_find(c->btf, d->name, kind);
	if (id < 0 && kind == BTF_KIND_ENUM64)
		id = evbpf__btf_find(c->btf, d->name, BTF_KIND_ENUM);
	if (id <= 0)
		return 0;
	t = evbpf__btf_type(c->btf, (uint32_t)id);
	if (kind == BTF_KIND_TYPEDEF) {
		int64_t a = evbpf__dwarf_type_size(c->dw, idx);
		int64_t b = evbpf__btf_resolve_size(c->btf, (uint32_t)id);

		return a == b || (a < 0 && b < 0) ? (uint32_t)id : 0;
	}
	return t && t->size == d->byte_size ? (uint32_t)id : 0;
}

static int plan(struct conv *c, uint32_t idx, int depth);

/* What a pointer points to: small types in full, aggregates as a FWD
 * (planned as the struct's own DIE with the FWD flag: see write_one). */
static int plan_ref(struct conv *c, uint32_t idx, int depth)
{
	if (idx == EVBPF_DWARF_NONE)
		return 0;
	return plan(c, idx, depth + 1);
}

static int push_order(struct conv *c, uint32_t idx, int n)
{
	uint32_t *o;

	if (c->nr_order >= CONV_MAX_TYPES)
		return evbpf__err(-EOVERFLOW, "dwarf: a type needs more than %d BTF types",
		                  CONV_MAX_TYPES);
	o = realloc(c->order, (c->nr_order + 1) * sizeof(*o));
	if (!o)
		return -ENOMEM;
	c->order = o;
	c->order[c->nr_order++] = idx;
	c->ids[idx] = c->next_id;
	c->next_id += (uint32_t)n;
	return 0;
}

/* Pointers to structs and unions become pointers to declarations. */
#define FWD_MARK 0x80000000u

static bool pointee_is_fwd(const struct evbpf_dwarf *dw, uint32_t ptr_idx)
{
	const struct evbpf_dwarf_die *p = evbpf__dwarf_die(dw, ptr_idx);
	const struct evbpf_dwarf_die *t = evbpf__dwarf_die(dw, p->type);

	return t && is_aggregate(t->tag);
}

static int plan(struct conv *c, uint32_t idx, int depth)
{
	const struct evbpf_dwarf_die *d = evbpf__dwarf_die(c->dw, idx);
	uint32_t reuse;
	int n, err;

	if (!d)
		return 0;
	if (c->ids[idx])
		return 0;
	if (depth > 64)
		return evbpf__err(-EOVERFLOW, "dwarf: type at %u is nested more than 64 deep",
		                  d->off);
	switch (d->tag) {
	case EVBPF_DW_TAG_structure_type:
	case EVBPF_DW_TAG_union_type:
	case EVBPF_DW_TAG_enumeration_type:
	case EVBPF_DW_TAG_typedef:
	case EVBPF_DW_TAG_base_type:
	case EVBPF_DW_TAG_pointer_type:
	case EVBPF_DW_TAG_const_type:
	case EVBPF_DW_TAG_volatile_type:
	case EVBPF_DW_TAG_restrict_type:
	case EVBPF_DW_TAG_array_type:
		break;
	case EVBPF_DW_TAG_atomic_type:
		/* BTF has no _Atomic: the type itself. */
		err = plan(c, d->type, depth + 1);
		if (!err)
			c->ids[idx] = d->type == EVBPF_DWARF_NONE ? 0 : c->ids[d->type];
		return err;
	default:
		/* Functions, void: nothing BTF-decodable (void *). */
		return 0;
	}
	reuse = reusable(c, idx);
	if (reuse) {
		c->ids[idx] = reuse;
		return 0;
	}
	n = nr_types_of(c->dw, idx);
	if (n < 0)
		return n;
	err = push_order(c, idx, n);
	if (err)
		return err;
	switch (d->tag) {
	case EVBPF_DW_TAG_structure_type:
	case EVBPF_DW_TAG_union_type:
		if (d->has & EVBPF_DWARF_DECLARATION)
			return 0; /* a FWD */
		for (uint32_t m = idx + 1; m < d->next_sibling; m++) {
			const struct evbpf_dwarf_die *md = evbpf__dwarf_die(c->dw, m);

			if (!md)
				break;
			if (md->parent != idx || md->tag != EVBPF_DW_TAG_member)
				continue;
			err = plan(c, md->type, depth + 1);
			if (err)
				return err;
		}
		return 0;
	case EVBPF_DW_TAG_pointer_type:
		/* A struct behind a pointer: a FWD of its name is enough,
		 * planned under the pointer's own DIE index + FWD_MARK by
		 * write_one; anything else in full. */
		if (pointee_is_fwd(c->dw, idx)) {
			c->next_id++; /* the FWD, written right after the pointer */
			return 0;
		}
		return plan_ref(c, d->type, depth);
	case EVBPF_DW_TAG_enumeration_type:
	case EVBPF_DW_TAG_base_type:
		return 0;
	default:
		return plan_ref(c, d->type, depth);
	}
}

static int rec_reserve(struct conv *c, size_t len)
{
	uint8_t *p;

	if (len <= c->rec_cap)
		return 0;
	p = realloc(c->rec, len);
	if (!p)
		return -ENOMEM;
	c->rec = p;
	c->rec_cap = len;
	return 0;
}

static int add_name(struct conv *c, const char *name, uint32_t *offp)
{
	int off;

	*offp = 0;
	if (!name || !name[0])
		return 0;
	off = evbpf__btf_add_str(c->btf, name);
	if (off < 0)
		return off;
	*offp = (uint32_t)off;
	return 0;
}

/* Emit a record and check it got the planned id. */
static int emit(struct conv *c, size_t len, uint32_t want)
{
	int id = evbpf__btf_add_type(c->btf, c->rec, len);

	if (id < 0)
		return id;
	if ((uint32_t)id != want)
		return evbpf__err(-EINVAL, "dwarf: BTF type id %d, planned %u", id, want);
	return 0;
}

static uint32_t type_id_of(const struct conv *c, uint32_t idx)
{
	return idx == EVBPF_DWARF_NONE || idx >= evbpf__dwarf_die_cnt(c->dw) ? 0 : c->ids[idx];
}

static int write_simple(struct conv *c, const struct evbpf_dwarf_die *d, uint32_t id, int kind,
                        uint32_t ref)
{
	struct btf_type *t;
	int err = rec_reserve(c, sizeof(*t));

	if (err)
		return err;
	t = (struct btf_type *)c->rec;
	memset(t, 0, sizeof(*t));
	err = add_name(c, kind == BTF_KIND_TYPEDEF ? d->name : NULL, &t->name_off);
	if (err)
		return err;
	if (kind == BTF_KIND_TYPEDEF && !t->name_off)
		err = add_name(c, "__anon_typedef", &t->name_off);
	if (err)
		return err;
	t->info = BTF_INFO_ENC(kind, 0, 0);
	t->type = ref;
	return emit(c, sizeof(*t), id);
}

static int write_base(struct conv *c, const struct evbpf_dwarf_die *d, uint32_t id)
{
	struct btf_type *t;
	uint32_t enc = 0, *extra;
	int err = rec_reserve(c, sizeof(*t) + 4);

	if (err)
		return err;
	if (!d->byte_size || d->byte_size > 16)
		return evbpf__err(-EINVAL, "dwarf: base type '%s' of %llu bytes",
		                  d->name ? d->name : "?", (unsigned long long)d->byte_size);
	t = (struct btf_type *)c->rec;
	memset(t, 0, sizeof(*t) + 4);
	err = add_name(c, d->name ? d->name : "__anon_int", &t->name_off);
	if (err)
		return err;
	t = (struct btf_type *)c->rec;
	t->size = (uint32_t)d->byte_size;
	if (d->encoding == EVBPF_DW_ATE_float) {
		t->info = BTF_INFO_ENC(BTF_KIND_FLOAT, 0, 0);
		return emit(c, sizeof(*t), id);
	}
	switch (d->encoding) {
	case EVBPF_DW_ATE_signed:
		enc = BTF_INT_SIGNED;
		break;
	case EVBPF_DW_ATE_signed_char:
		enc = BTF_INT_SIGNED | BTF_INT_CHAR;
		break;
	case EVBPF_DW_ATE_unsigned_char:
		enc = BTF_INT_CHAR;
		break;
	case EVBPF_DW_ATE_boolean:
		enc = BTF_INT_BOOL;
		break;
	default:
		break;
	}
	t->info = BTF_INFO_ENC(BTF_KIND_INT, 0, 0);
	extra = (uint32_t *)(t + 1);
	*extra = enc << 24 | (uint32_t)(d->byte_size * 8);
	return emit(c, sizeof(*t) + 4, id);
}

static bool enum_signed(const struct conv *c, uint32_t idx)
{
	const struct evbpf_dwarf_die *d = evbpf__dwarf_die(c->dw, idx);
	const struct evbpf_dwarf_die *base =
	    evbpf__dwarf_die(c->dw, evbpf__dwarf_skip_mods(c->dw, d->type));

	if (base && base->tag == EVBPF_DW_TAG_base_type)
		return base->encoding == EVBPF_DW_ATE_signed ||
		       base->encoding == EVBPF_DW_ATE_signed_char;
	for (uint32_t e = idx + 1; e < d->next_sibling; e++) {
		const struct evbpf_dwarf_die *ed = evbpf__dwarf_die(c->dw, e);

		if (ed && ed->parent == idx && (ed->has & EVBPF_DWARF_CONST_SIGNED) &&
		    (int64_t)ed->const_value < 0)
			return true;
	}
	return false;
}

static int write_enum(struct conv *c, uint32_t idx, uint32_t id)
{
	const struct evbpf_dwarf_die *d = evbpf__dwarf_die(c->dw, idx);
	bool is64 = d->byte_size == 8, sgn = enum_signed(c, idx);
	size_t esz = is64 ? sizeof(struct btf_enum64) : sizeof(struct btf_enum), n = 0, len;
	struct btf_type *t;
	int err;

	if (!d->byte_size || d->byte_size > 8 || (d->byte_size & (d->byte_size - 1)))
		return evbpf__err(-EINVAL, "dwarf: enum at %u of %llu bytes", d->off,
		                  (unsigned long long)d->byte_size);
	for (uint32_t e = idx + 1; e < d->next_sibling; e++) {
		const struct evbpf_dwarf_die *ed = evbpf__dwarf_die(c->dw, e);

		n += ed && ed->parent == idx && ed->tag == EVBPF_DW_TAG_enumerator;
	}
	if (n > CONV_MAX_VLEN)
		return evbpf__err(-EOVERFLOW, "dwarf: enum at %u has %zu values", d->off, n);
	len = sizeof(*t) + n * esz;
	err = rec_reserve(c, len);
	if (err)
		return err;
	memset(c->rec, 0, len);
	n = 0;
	for (uint32_t e = idx + 1; e < d->next_sibling; e++) {
		const struct evbpf_dwarf_die *ed = evbpf__dwarf_die(c->dw, e);
		uint8_t *slot = c->rec + sizeof(*t) + n * esz;
		uint32_t name_off;

		if (!ed || ed->parent != idx || ed->tag != EVBPF_DW_TAG_enumerator)
			continue;
		err = add_name(c, ed->name ? ed->name : "__anon_enumerator", &name_off);
		if (err)
			return err;
		if (is64) {
			struct btf_enum64 v = {name_off, (uint32_t)ed->const_value,
			                       (uint32_t)(ed->const_value >> 32)};

			memcpy(slot, &v, sizeof(v));
		} else {
			struct btf_enum v = {name_off, (int32_t)(uint32_t)ed->const_value};

			memcpy(slot, &v, sizeof(v));
		}
		n++;
	}
	t = (struct btf_type *)c->rec;
	err = add_name(c, d->name, &t->name_off);
	if (err)
		return err;
	t = (struct btf_type *)c->rec;
	t->info = BTF_INFO_ENC(is64 ? BTF_KIND_ENUM64 : BTF_KIND_ENUM, sgn, n);
	t->size = (uint32_t)d->byte_size;
	return emit(c, len, id);
}

/* A member's offset in bits from the start of its struct, and its
 * bitfield size (0: not a bitfield). */
static int member_bits(const struct conv *c, const struct evbpf_dwarf_die *m, uint64_t *bitp,
                       uint32_t *sizep)
{
	uint64_t bit = m->member_offset * 8;

	*sizep = 0;
	if (m->has & EVBPF_DWARF_HAS_DATA_BIT_OFFSET)
		bit = m->data_bit_offset;
	if (m->has & EVBPF_DWARF_HAS_BIT_SIZE) {
		if (!m->bit_size || m->bit_size > 128)
			return -EINVAL;
		*sizep = (uint32_t)m->bit_size;
		if (m->has & EVBPF_DWARF_HAS_BIT_OFFSET) {
			/* DWARF 4: counted from the most significant bit of a
			 * storage unit of byte_size (or the type's size) bytes
			 * at member_offset; little-endian turns it around. */
			int64_t unit = (m->has & EVBPF_DWARF_HAS_BYTE_SIZE)
			                   ? (int64_t)m->byte_size
			                   : evbpf__dwarf_type_size(c->dw, m->type);

			if (unit <= 0 || unit > 16 ||
			    m->bit_offset + m->bit_size > (uint64_t)unit * 8)
				return -EINVAL;
			bit =
			    m->member_offset * 8 + (uint64_t)unit * 8 - m->bit_offset - m->bit_size;
		}
	}
	*bitp = bit;
	return 0;
}

static int write_struct(struct conv *c, uint32_t idx, uint32_t id)
{
	const struct evbpf_dwarf_die *d = evbpf__dwarf_die(c->dw, idx);
	size_t n = 0, len;
	bool kflag = false;
	struct btf_type *t;
	int err;

	for (uint32_t m = idx + 1; m < d->next_sibling; m++) {
		const struct evbpf_dwarf_die *md = evbpf__dwarf_die(c->dw, m);

		if (!md || md->parent != idx || md->tag != EVBPF_DW_TAG_member)
			continue;
		n++;
		kflag |= (md->has & EVBPF_DWARF_HAS_BIT_SIZE) != 0;
	}
	if (n > CONV_MAX_VLEN)
		return evbpf__err(-EOVERFLOW, "dwarf: struct at %u has %zu members", d->off, n);
	if (d->byte_size > UINT32_MAX)
		return evbpf__err(-EOVERFLOW, "dwarf: struct at %u is too large", d->off);
	len = sizeof(*t) + n * sizeof(struct btf_member);
	err = rec_reserve(c, len);
	if (err)
		return err;
	memset(c->rec, 0, len);
	n = 0;
	for (uint32_t m = idx + 1; m < d->next_sibling; m++) {
		const struct evbpf_dwarf_die *md = evbpf__dwarf_die(c->dw, m);
		struct btf_member bm;
		uint64_t bit;
		uint32_t bsize;

		if (!md || md->parent != idx || md->tag != EVBPF_DW_TAG_member)
			continue;
		if (member_bits(c, md, &bit, &bsize) || bsize > 255 ||
		    bit > (kflag ? 0xffffffu : UINT32_MAX))
			return evbpf__err(-EINVAL,
			                  "dwarf: member '%s' at %u: bad bit offset or size",
			                  md->name ? md->name : "", md->off);
		err = add_name(c, md->name, &bm.name_off);
		if (err)
			return err;
		bm.type = type_id_of(c, md->type);
		bm.offset = kflag ? bsize << 24 | (uint32_t)bit : (uint32_t)bit;
		memcpy(c->rec + sizeof(*t) + n * sizeof(bm), &bm, sizeof(bm));
		n++;
	}
	t = (struct btf_type *)c->rec;
	err = add_name(c, d->name, &t->name_off);
	if (err)
		return err;
	t = (struct btf_type *)c->rec;
	t->info = BTF_INFO_ENC(d->tag == EVBPF_DW_TAG_union_type ? BTF_KIND_UNION : BTF_KIND_STRUCT,
	                       kflag, n);
	t->size = (uint32_t)d->byte_size;
	return emit(c, len, id);
}

static int write_fwd(struct conv *c, const struct evbpf_dwarf_die *d, uint32_t id)
{
	struct btf_type *t;
	int err = rec_reserve(c, sizeof(*t));

	if (err)
		return err;
	t = (struct btf_type *)c->rec;
	memset(t, 0, sizeof(*t));
	err = add_name(c, d->name ? d->name : "__anon_fwd", &t->name_off);
	if (err)
		return err;
	t = (struct btf_type *)c->rec;
	t->info = BTF_INFO_ENC(BTF_KIND_FWD, d->tag == EVBPF_DW_TAG_union_type, 0);
	return emit(c, sizeof(*t), id);
}

static int write_array(struct conv *c, uint32_t idx, uint32_t id)
{
	const struct evbpf_dwarf_die *d = evbpf__dwarf_die(c->dw, idx);
	uint32_t dims[CONV_MAX_DIMS], elem = type_id_of(c, d->type);
	size_t n = array_dims(c->dw, idx, dims, CONV_MAX_DIMS);
	int err = rec_reserve(c, sizeof(struct btf_type) + sizeof(struct btf_array));

	if (err)
		return err;
	/* BTF nests the other way: the first id is the outermost array,
	 * whose element is the next id, down to the element type. */
	for (size_t i = 0; i < (n ? n : 1); i++) {
		const struct evbpf_dwarf_die *s = n ? evbpf__dwarf_die(c->dw, dims[i]) : NULL;
		struct btf_type *t = (struct btf_type *)c->rec;
		struct btf_array *a = (struct btf_array *)(t + 1);

		memset(t, 0, sizeof(*t) + sizeof(*a));
		t->info = BTF_INFO_ENC(BTF_KIND_ARRAY, 0, 0);
		a->type = i + 1 < n ? id + (uint32_t)i + 1 : elem;
		a->index_type = c->index_id;
		if (s && (s->has & EVBPF_DWARF_HAS_COUNT)) {
			if (s->count > UINT32_MAX)
				return evbpf__err(-EOVERFLOW, "dwarf: array at %u is too long",
				                  d->off);
			a->nelems = (uint32_t)s->count;
		}
		err = emit(c, sizeof(*t) + sizeof(*a), id + (uint32_t)i);
		if (err)
			return err;
	}
	return 0;
}

static int write_one(struct conv *c, uint32_t idx)
{
	const struct evbpf_dwarf_die *d = evbpf__dwarf_die(c->dw, idx);
	uint32_t id = c->ids[idx];
	int err;

	switch (d->tag) {
	case EVBPF_DW_TAG_structure_type:
	case EVBPF_DW_TAG_union_type:
		if (d->has & EVBPF_DWARF_DECLARATION)
			return write_fwd(c, d, id);
		return write_struct(c, idx, id);
	case EVBPF_DW_TAG_enumeration_type:
		return write_enum(c, idx, id);
	case EVBPF_DW_TAG_base_type:
		return write_base(c, d, id);
	case EVBPF_DW_TAG_array_type:
		return write_array(c, idx, id);
	case EVBPF_DW_TAG_pointer_type:
		if (pointee_is_fwd(c->dw, idx)) {
			const struct evbpf_dwarf_die *target = evbpf__dwarf_die(c->dw, d->type);
			uint32_t existing = c->ids[d->type];

			/* The struct itself when it is converted anyway,
			 * else the FWD written next. */
			if (!existing)
				existing = reusable(c, d->type);
			err = write_simple(c, d, id, BTF_KIND_PTR, existing ? existing : id + 1);
			if (!err)
				err = write_fwd(c, target, id + 1);
			return err;
		}
		return write_simple(c, d, id, BTF_KIND_PTR, type_id_of(c, d->type));
	case EVBPF_DW_TAG_typedef:
		return write_simple(c, d, id, BTF_KIND_TYPEDEF, type_id_of(c, d->type));
	case EVBPF_DW_TAG_const_type:
		return write_simple(c, d, id, BTF_KIND_CONST, type_id_of(c, d->type));
	case EVBPF_DW_TAG_volatile_type:
		return write_simple(c, d, id, BTF_KIND_VOLATILE, type_id_of(c, d->type));
	case EVBPF_DW_TAG_restrict_type:
		return write_simple(c, d, id, BTF_KIND_RESTRICT, type_id_of(c, d->type));
	default:
		return evbpf__err(-EINVAL, "dwarf: DIE at %u (tag 0x%x) cannot be written as BTF",
		                  d->off, d->tag);
	}
}

/* The integer type arrays are indexed by: an existing one, or a new
 * "__ARRAY_SIZE_TYPE__" written before the rest. */
static void find_index_type(struct conv *c)
{
	static const char *const names[] = {"__ARRAY_SIZE_TYPE__", "unsigned int", "int"};

	for (size_t i = 0; i < EVBPF_ARRAY_SIZE(names); i++) {
		int id = evbpf__btf_find(c->btf, names[i], BTF_KIND_INT);

		if (id > 0) {
			c->index_id = (uint32_t)id;
			return;
		}
	}
	c->need_index = true;
	c->index_id = c->next_id++;
}

static int write_index_type(struct conv *c)
{
	struct evbpf_dwarf_die d = {
	    .tag = EVBPF_DW_TAG_base_type,
	    .name = "__ARRAY_SIZE_TYPE__",
	    .byte_size = 4,
	    .encoding = EVBPF_DW_ATE_unsigned,
	};

	return write_base(c, &d, c->index_id);
}

int evbpf__dwarf_to_btf(const struct evbpf_dwarf *dw, uint32_t idx, struct evbpf_btf *btf,
                        uint32_t *idp)
{
	struct conv c = {.dw = dw, .btf = btf};
	int err;

	*idp = 0;
	if (!evbpf__dwarf_die(dw, idx))
		return evbpf__err(-EINVAL, "dwarf: no DIE #%u", idx);
	if (evbpf__btf_base(btf))
		return evbpf__err(-EINVAL, "dwarf: cannot add types to split BTF");
	c.ids = calloc(evbpf__dwarf_die_cnt(dw), sizeof(*c.ids));
	if (!c.ids)
		return -ENOMEM;
	c.next_id = evbpf__btf_type_cnt(btf);
	find_index_type(&c);
	err = plan(&c, idx, 0);
	if (err)
		goto out;
	if (c.need_index)
		err = write_index_type(&c);
	for (size_t i = 0; !err && i < c.nr_order; i++)
		err = write_one(&c, c.order[i]);
	if (!err)
		*idp = c.ids[idx];
out:
	free(c.ids);
	free(c.order);
	free(c.rec);
	return err;
}
