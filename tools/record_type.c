/* SPDX-License-Identifier: MIT */
/*
 * Record types of ring buffers and perf event arrays, from the programs'
 * instructions and the object's DWARF (tools/record_type.h).
 *
 * The instruction scan is linear and simple on purpose: clang loads a
 * helper's arguments into r1-r5 right before the call, so following
 * constants, map references (ld_imm64 with a map relocation), stack
 * addresses (r10 plus a constant) and map values (r0 of
 * bpf_map_lookup_elem) through moves and additions is enough. At a jump
 * target the argument registers are forgotten, since another path may
 * have set them; r6-r9 (callee-saved, where clang keeps pointers across
 * calls) are kept.
 *
 * DWARF frame offsets: the BPF backend describes a stack variable as
 * DW_OP_fbreg N with the frame base at the bottom of the frame, i.e.
 * r10 - stack_size + N. The stack size is not in the DWARF; it is the
 * deepest r10 offset the function's instructions use.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dwarf.h"
#include "internal.h"
#include "json_btf.h"
#include "record_type.h"

#define HELPER_MAP_LOOKUP        1
#define HELPER_PERF_EVENT_OUTPUT 25
#define HELPER_RINGBUF_OUTPUT    130
#define HELPER_RINGBUF_RESERVE   131

#define MAX_CANDS 8

enum reg_kind { R_UNKNOWN, R_CONST, R_MAP, R_STACK, R_MAP_VALUE };

struct reg {
	enum reg_kind kind;
	int64_t val; /* constant, stack offset from r10, or map index */
};

/* A call that gives a record to a map. */
struct site {
	int code_sec;
	uint32_t insn; /* index in the code section */
	int map_idx;
	int64_t size;    /* -1: not a constant */
	struct reg data; /* the record's bytes (R_UNKNOWN for reserve) */
};

struct record_finder {
	struct evbpf_object *obj;
	struct evbpf_btf *btf; /* a copy of the object's, types appended */
	struct evbpf_dwarf *dw;
	struct site *sites;
	size_t nr_sites;
};

/* A candidate type: a BTF id, or a DWARF DIE not converted yet. */
struct cand {
	bool is_btf;
	uint32_t id;
	char name[96];
};

/* ------------------------------------------------------------ scan */

static bool is_ldimm64(const struct bpf_insn *in)
{
	return in->code == (BPF_LD | BPF_IMM | BPF_DW);
}

static const struct evbpf_reloc *relo_at(const struct evbpf_code_sec *cs, uint32_t insn)
{
	size_t lo = 0, hi = cs->nr_relos;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cs->relos[mid].insn_idx == insn)
			return &cs->relos[mid];
		if (cs->relos[mid].insn_idx < insn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Instructions some jump lands on. */
static uint8_t *jump_targets(const struct evbpf_code_sec *cs)
{
	uint8_t *t = calloc(cs->insn_cnt + 1, 1);

	if (!t)
		return NULL;
	for (size_t i = 0; i < cs->insn_cnt; i++) {
		const struct bpf_insn *in = &cs->insns[i];
		uint8_t cls = BPF_CLASS(in->code);
		int64_t to;

		if (is_ldimm64(in)) {
			i++;
			continue;
		}
		if ((cls != BPF_JMP && cls != 0x06 /* BPF_JMP32 */) ||
		    BPF_OP(in->code) == BPF_CALL || BPF_OP(in->code) == BPF_EXIT)
			continue;
		/* JMP32 JA (gotol) keeps its offset in imm. */
		to = (int64_t)i + 1 +
		     (cls == 0x06 && BPF_OP(in->code) == BPF_JA ? in->imm : in->off);
		if (to >= 0 && (uint64_t)to < cs->insn_cnt)
			t[to] = 1;
	}
	return t;
}

static int add_site(struct record_finder *f, const struct site *s)
{
	struct site *n = realloc(f->sites, (f->nr_sites + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	f->sites = n;
	f->sites[f->nr_sites++] = *s;
	return 0;
}

static int64_t const_of(const struct reg *r)
{
	return r->kind == R_CONST && r->val > 0 ? r->val : -1;
}

static int on_call(struct record_finder *f, int c, uint32_t i, struct reg *regs, int32_t helper)
{
	struct site s = {.code_sec = c, .insn = i, .map_idx = -1, .size = -1};
	const struct reg *map = NULL;

	switch (helper) {
	case HELPER_RINGBUF_RESERVE:
		map = &regs[1];
		s.size = const_of(&regs[2]);
		break;
	case HELPER_RINGBUF_OUTPUT:
		map = &regs[1];
		s.data = regs[2];
		s.size = const_of(&regs[3]);
		break;
	case HELPER_PERF_EVENT_OUTPUT:
		map = &regs[2];
		s.data = regs[4];
		s.size = const_of(&regs[5]);
		break;
	default:
		return 0;
	}
	if (map->kind != R_MAP)
		return 0;
	s.map_idx = (int)map->val;
	return add_site(f, &s);
}

static void forget_args(struct reg *regs)
{
	for (int r = 0; r <= 5; r++)
		regs[r].kind = R_UNKNOWN;
}

static void alu(struct reg *regs, const struct bpf_insn *in)
{
	struct reg *dst = &regs[in->dst_reg];
	bool is64 = BPF_CLASS(in->code) == BPF_ALU64;
	uint8_t op = BPF_OP(in->code);

	if (BPF_SRC(in->code) == BPF_X && in->src_reg > 10)
		return;
	if (op == BPF_MOV) {
		if (BPF_SRC(in->code) == BPF_K) {
			dst->kind = R_CONST;
			dst->val = is64 ? (int64_t)in->imm : (int64_t)(uint32_t)in->imm;
		} else if (in->off == 0) {
			*dst = regs[in->src_reg];
			if (!is64 && dst->kind == R_CONST)
				dst->val = (int64_t)(uint32_t)dst->val;
			else if (!is64)
				dst->kind = R_UNKNOWN;
		} else {
			dst->kind = R_UNKNOWN; /* movsx */
		}
		return;
	}
	if (is64 && BPF_SRC(in->code) == BPF_K && (op == BPF_ADD || op == BPF_SUB) &&
	    (dst->kind == R_STACK || dst->kind == R_CONST)) {
		dst->val += op == BPF_ADD ? in->imm : -(int64_t)in->imm;
		return;
	}
	dst->kind = R_UNKNOWN;
}

static int scan_code_sec(struct record_finder *f, int c)
{
	const struct evbpf_code_sec *cs = &f->obj->code_secs[c];
	struct reg regs[11] = {0};
	uint8_t *targets = jump_targets(cs);
	int err = 0;

	if (!targets)
		return -ENOMEM;
	regs[10].kind = R_STACK;
	for (uint32_t i = 0; i < cs->insn_cnt && !err; i++) {
		const struct bpf_insn *in = &cs->insns[i];
		uint8_t cls = BPF_CLASS(in->code);

		if (targets[i])
			forget_args(regs);
		if (in->dst_reg > 10)
			continue;
		if (is_ldimm64(in)) {
			const struct evbpf_reloc *r = relo_at(cs, i);

			if (r && r->kind == EVBPF_RELO_MAP_FD && r->map_idx >= 0) {
				regs[in->dst_reg].kind = R_MAP;
				regs[in->dst_reg].val = r->map_idx;
			} else {
				regs[in->dst_reg].kind = R_UNKNOWN;
			}
			i++;
			continue;
		}
		switch (cls) {
		case BPF_ALU:
		case BPF_ALU64:
			if (in->dst_reg != 10)
				alu(regs, in);
			break;
		case BPF_LDX:
		case BPF_LD:
			regs[in->dst_reg].kind = R_UNKNOWN;
			break;
		case BPF_JMP:
			if (BPF_OP(in->code) == BPF_EXIT) {
				for (int r = 0; r < 10; r++)
					regs[r].kind = R_UNKNOWN;
			} else if (BPF_OP(in->code) == BPF_CALL) {
				struct reg r1 = regs[1];

				if (in->src_reg == 0)
					err = on_call(f, c, i, regs, in->imm);
				forget_args(regs);
				if (in->src_reg == 0 && in->imm == HELPER_MAP_LOOKUP &&
				    r1.kind == R_MAP) {
					regs[0].kind = R_MAP_VALUE;
					regs[0].val = r1.val;
				}
			}
			break;
		default:
			break;
		}
	}
	free(targets);
	return err;
}

/* ------------------------------------------------------------ DWARF */

/* The deepest r10 offset used in [lo, hi): the frame's size. */
static int64_t frame_size(const struct evbpf_code_sec *cs, uint32_t lo, uint32_t hi)
{
	bool stack[11] = {false};
	int64_t off[11] = {0}, min = 0;

	stack[10] = true;
	for (uint32_t i = lo; i < hi && i < cs->insn_cnt; i++) {
		const struct bpf_insn *in = &cs->insns[i];
		uint8_t cls = BPF_CLASS(in->code);

		if (in->dst_reg > 10 || in->src_reg > 10)
			continue;
		if (is_ldimm64(in)) {
			stack[in->dst_reg] = false;
			i++;
			continue;
		}
		if ((cls == BPF_STX || cls == BPF_ST) && in->dst_reg == 10 && in->off < min)
			min = in->off;
		if (cls == BPF_LDX && in->src_reg == 10 && in->off < min)
			min = in->off;
		if (cls == BPF_ALU64 && BPF_OP(in->code) == BPF_MOV && BPF_SRC(in->code) == BPF_X &&
		    in->dst_reg != 10) {
			stack[in->dst_reg] = stack[in->src_reg];
			off[in->dst_reg] = off[in->src_reg];
			continue;
		}
		if (cls == BPF_ALU64 && BPF_OP(in->code) == BPF_ADD && BPF_SRC(in->code) == BPF_K &&
		    stack[in->dst_reg] && in->dst_reg != 10) {
			off[in->dst_reg] += in->imm;
			if (off[in->dst_reg] < min)
				min = off[in->dst_reg];
			continue;
		}
		if ((cls == BPF_ALU64 || cls == BPF_ALU || cls == BPF_LDX) && in->dst_reg != 10)
			stack[in->dst_reg] = false;
	}
	return -min;
}

/* The subprogram whose code holds instruction insn of section sec_idx. */
static uint32_t covering_subprogram(const struct evbpf_dwarf *dw, size_t sec_idx, uint32_t insn)
{
	uint64_t pc = (uint64_t)insn * EVBPF_INSN_SZ;

	for (uint32_t i = 0; i < evbpf__dwarf_die_cnt(dw); i++) {
		const struct evbpf_dwarf_die *d = evbpf__dwarf_die(dw, i);

		if (d->tag != EVBPF_DW_TAG_subprogram || !(d->has & EVBPF_DWARF_HAS_LOW_PC) ||
		    !(d->has & EVBPF_DWARF_HAS_HIGH_PC) || d->low_pc_sec != sec_idx)
			continue;
		if (pc >= d->low_pc && pc < d->high_pc)
			return i;
	}
	return EVBPF_DWARF_NONE;
}

/*
 * The type a variable gives a record: its struct or union (or a typedef of
 * one), directly or behind a pointer; EVBPF_DWARF_NONE for anything else.
 * *directp tells whether the variable holds the record itself.
 */
static uint32_t var_record_type(const struct evbpf_dwarf *dw, uint32_t type, bool *directp)
{
	const struct evbpf_dwarf_die *d;

	*directp = true;
	for (int hops = 0; hops < 16; hops++) {
		d = evbpf__dwarf_die(dw, type);
		if (!d)
			return EVBPF_DWARF_NONE;
		if (d->tag == EVBPF_DW_TAG_const_type || d->tag == EVBPF_DW_TAG_volatile_type ||
		    d->tag == EVBPF_DW_TAG_restrict_type) {
			type = d->type;
			continue;
		}
		if (d->tag == EVBPF_DW_TAG_pointer_type && *directp) {
			*directp = false;
			type = d->type;
			continue;
		}
		break;
	}
	d = evbpf__dwarf_die(dw, evbpf__dwarf_skip_mods(dw, type));
	if (!d || (d->tag != EVBPF_DW_TAG_structure_type && d->tag != EVBPF_DW_TAG_union_type) ||
	    (d->has & EVBPF_DWARF_DECLARATION))
		return EVBPF_DWARF_NONE;
	/* A typedef names an anonymous struct better than "struct ?". */
	while ((d = evbpf__dwarf_die(dw, type)) &&
	       (d->tag == EVBPF_DW_TAG_const_type || d->tag == EVBPF_DW_TAG_volatile_type))
		type = d->type;
	return type;
}

static void die_type_name(const struct evbpf_dwarf *dw, uint32_t idx, char *buf, size_t size)
{
	const struct evbpf_dwarf_die *d = evbpf__dwarf_die(dw, idx);
	const char *kw = "";

	if (d && d->tag == EVBPF_DW_TAG_structure_type)
		kw = "struct ";
	else if (d && d->tag == EVBPF_DW_TAG_union_type)
		kw = "union ";
	snprintf(buf, size, "%s%s", kw, d && d->name ? d->name : "?");
}

static bool size_fits(int64_t type_size, int64_t rec_size, bool perf)
{
	if (rec_size < 0)
		return true;
	return json_btf_size_fits(type_size, (size_t)rec_size, perf);
}

static void add_cand(struct cand *cands, size_t *n, const struct cand *c)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(cands[i].name, c->name))
			return;
	if (*n < MAX_CANDS)
		cands[(*n)++] = *c;
}

/*
 * The candidates one call site gives: the local variables (and
 * parameters) of the function around it, including inlined ones, whose
 * struct has the record's size; the one at the data's stack slot alone
 * when there is one.
 */
static void site_cands_dwarf(const struct record_finder *f, const struct site *s, bool perf,
                             struct cand *cands, size_t *n)
{
	const struct evbpf_dwarf *dw = f->dw;
	const struct evbpf_code_sec *cs = &f->obj->code_secs[s->code_sec];
	uint32_t sp = covering_subprogram(dw, cs->sec_idx, s->insn);
	const struct evbpf_dwarf_die *spd = evbpf__dwarf_die(dw, sp);
	struct cand local[MAX_CANDS];
	size_t nr_local = 0;
	int64_t fsize = -1;

	if (!spd)
		return;
	for (uint32_t v = sp + 1; v < spd->next_sibling; v++) {
		const struct evbpf_dwarf_die *vd = evbpf__dwarf_die(dw, v);
		const struct evbpf_dwarf_die *od;
		uint32_t rt;
		bool direct;
		struct cand c = {0};

		if (!vd ||
		    (vd->tag != EVBPF_DW_TAG_variable && vd->tag != EVBPF_DW_TAG_formal_parameter))
			continue;
		od = evbpf__dwarf_die(dw, evbpf__dwarf_origin(dw, v));
		rt = var_record_type(dw, od->type, &direct);
		if (rt == EVBPF_DWARF_NONE ||
		    !size_fits(evbpf__dwarf_type_size(dw, rt), s->size, perf))
			continue;
		c.id = rt;
		die_type_name(dw, rt, c.name, sizeof(c.name));
		/* The exact slot: a struct variable at the data's address. */
		if (s->data.kind == R_STACK && direct && (vd->has & EVBPF_DWARF_HAS_FBREG)) {
			if (fsize < 0)
				fsize = frame_size(cs, (uint32_t)(spd->low_pc / EVBPF_INSN_SZ),
				                   (uint32_t)(spd->high_pc / EVBPF_INSN_SZ));
			if (vd->fbreg - fsize == s->data.val) {
				add_cand(cands, n, &c);
				return;
			}
		}
		/* A reserve's record is reached through a pointer; output's
		 * data may be either. */
		if (s->data.kind == R_STACK && !direct)
			continue;
		add_cand(local, &nr_local, &c);
	}
	for (size_t i = 0; i < nr_local; i++)
		add_cand(cands, n, &local[i]);
}

/* "events" -> "event", "exec_events" -> "exec_event", "rb" -> "rb". */
static bool related_name(const char *tname, const char *map_name)
{
	size_t len = strlen(map_name);

	if (len > 1 && map_name[len - 1] == 's')
		len--;
	return len >= 3 && !strncmp(tname, map_name, len);
}

uint32_t record_type_guess_strict(const struct evbpf_btf *btf, const char *map_name,
                                  uint32_t value_type_id, size_t rec_size, bool perf, char *why,
                                  size_t why_size)
{
	uint32_t id, cnt;
	size_t n = 0, len = 0;
	char list[200] = "";

	if (why_size)
		why[0] = '\0';
	if (!btf) {
		snprintf(why, why_size, "the object has no BTF or DWARF");
		return 0;
	}
	id = json_btf_guess_record_type(btf, map_name, value_type_id, rec_size, perf);
	if (id && id == value_type_id)
		return id;
	cnt = evbpf__btf_type_cnt(btf);
	for (uint32_t i = evbpf__btf_start_id(btf); i < cnt; i++) {
		const struct btf_type *t = evbpf__btf_type(btf, i);
		char name[96];

		if (!t || evbpf__btf_kind(t) != BTF_KIND_STRUCT ||
		    !json_btf_size_fits(t->size, rec_size, perf) || json_btf_is_map_def(btf, i))
			continue;
		n++;
		json_btf_type_name(btf, i, name, sizeof(name));
		if (n <= 4 && len + strlen(name) + 3 < sizeof(list))
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
			                        n > 1 ? ", " : "", name);
	}
	if (id) {
		const char *name = evbpf__btf_name(btf, id);

		if (n == 1 || (name && related_name(name, map_name)))
			return id;
	}
	if (!n)
		snprintf(why, why_size, "no struct of %zu bytes in the BTF", rec_size);
	else
		snprintf(why, why_size, "%zu structs of %zu bytes in the BTF: %s%s", n, rec_size,
		         list, n > 4 ? ", ..." : "");
	return 0;
}

/* ------------------------------------------------------------ finder */

/* An empty BTF to add DWARF types to when the object has none. */
static int empty_btf(struct evbpf_btf **btfp)
{
	struct {
		struct btf_header h;
		char strs[4];
	} raw = {{BTF_MAGIC, 1, 0, sizeof(struct btf_header), 0, 0, 0, 1}, ""};

	return evbpf__btf_parse(&raw, sizeof(raw.h) + 1, NULL, btfp);
}

int record_finder_new(struct evbpf_object *obj, struct record_finder **fp, char *warn,
                      size_t warn_size)
{
	struct record_finder *f = calloc(1, sizeof(*f));
	int err;

	*fp = NULL;
	if (warn_size)
		warn[0] = '\0';
	if (!f)
		return -ENOMEM;
	f->obj = obj;
	err = evbpf__dwarf_parse(&obj->elf, &f->dw);
	if (err && err != -ENOENT)
		snprintf(warn, warn_size,
		         "%s: cannot read its DWARF, record types from BTF only: %s",
		         obj->path ? obj->path : obj->name, evbpf_errmsg());
	if (err)
		f->dw = NULL;
	if (obj->btf) {
		size_t size;
		const void *raw = evbpf__btf_raw(obj->btf, &size);

		err = evbpf__btf_parse(raw, size, NULL, &f->btf);
	} else {
		err = f->dw ? empty_btf(&f->btf) : 0;
	}
	for (size_t c = 0; !err && c < obj->nr_code_secs; c++)
		err = scan_code_sec(f, (int)c);
	if (err) {
		record_finder_free(f);
		return err;
	}
	*fp = f;
	return 0;
}

void record_finder_free(struct record_finder *f)
{
	if (!f)
		return;
	evbpf__dwarf_free(f->dw);
	evbpf__btf_free(f->btf);
	free(f->sites);
	free(f);
}

const struct evbpf_btf *record_finder_btf(const struct record_finder *f)
{
	return f->btf;
}

bool record_finder_has_dwarf(const struct record_finder *f)
{
	return f->dw != NULL;
}

static int map_index(const struct evbpf_object *obj, const struct evbpf_map *map)
{
	for (size_t i = 0; i < obj->nr_maps; i++)
		if (&obj->maps[i] == map)
			return (int)i;
	return -1;
}

static void list_cands(const struct cand *cands, size_t n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && len < size; i++)
		len +=
		    (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", cands[i].name);
}

static int cand_type_id(struct record_finder *f, const struct cand *c, uint32_t *idp)
{
	if (c->is_btf) {
		*idp = c->id;
		return 0;
	}
	return evbpf__dwarf_to_btf(f->dw, c->id, f->btf, idp);
}

int record_finder_find(struct record_finder *f, const struct evbpf_map *map,
                       struct record_type *out)
{
	bool perf = evbpf_map_type(map) == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
	int idx = map_index(f->obj, map);
	struct cand cands[MAX_CANDS];
	size_t n = 0, nr_sites = 0;
	int err;

	memset(out, 0, sizeof(*out));
	/* The map definition's own value type says it outright. */
	if (!perf && map->btf_value_type_id && f->btf) {
		out->status = RECORD_TYPE_FOUND;
		out->type_id = map->btf_value_type_id;
		return 0;
	}
	for (size_t i = 0; i < f->nr_sites; i++) {
		const struct site *s = &f->sites[i];
		const struct evbpf_map *src;

		if (s->map_idx != idx)
			continue;
		nr_sites++;
		/* A record copied from a map value (a per-CPU heap, as
		 * execsnoop does) has that map's value type. */
		src = s->data.kind == R_MAP_VALUE ? &f->obj->maps[s->data.val] : NULL;
		if (src && src->btf_value_type_id && f->btf) {
			struct cand c = {.is_btf = true, .id = src->btf_value_type_id};

			json_btf_type_name(f->btf, c.id, c.name, sizeof(c.name));
			add_cand(cands, &n, &c);
			continue;
		}
		if (f->dw)
			site_cands_dwarf(f, s, perf, cands, &n);
	}
	if (n == 1) {
		err = cand_type_id(f, &cands[0], &out->type_id);
		if (err) {
			out->status = RECORD_TYPE_NOT_FOUND;
			snprintf(out->detail, sizeof(out->detail), "%s cannot be converted: %s",
			         cands[0].name, evbpf_errmsg());
			return 0;
		}
		out->status = RECORD_TYPE_FOUND;
		return 0;
	}
	if (n > 1) {
		out->status = RECORD_TYPE_AMBIGUOUS;
		list_cands(cands, n, out->detail, sizeof(out->detail));
		return 0;
	}
	if (!nr_sites || !f->dw) {
		out->status = RECORD_TYPE_NO_INFO;
		snprintf(out->detail, sizeof(out->detail), "%s",
		         !f->dw ? "no DWARF (built without -g)"
		                : "no call that writes to it was found");
		return 0;
	}
	out->status = RECORD_TYPE_NOT_FOUND;
	snprintf(out->detail, sizeof(out->detail),
	         "no local variable of a struct type fits the %zu call(s) writing to it", nr_sites);
	return 0;
}

static int dwarf_named(struct record_finder *f, const char *spec)
{
	static const struct {
		const char *kw;
		uint16_t tag;
	} kws[] = {
	    {"struct ", EVBPF_DW_TAG_structure_type},
	    {"union ", EVBPF_DW_TAG_union_type},
	    {"enum ", EVBPF_DW_TAG_enumeration_type},
	};
	const char *name = spec;
	int tag = -1;
	uint32_t id;

	for (size_t k = 0; k < EVBPF_ARRAY_SIZE(kws); k++)
		if (!strncmp(spec, kws[k].kw, strlen(kws[k].kw))) {
			name = spec + strlen(kws[k].kw);
			tag = kws[k].tag;
		}
	for (uint32_t i = 0; i < evbpf__dwarf_die_cnt(f->dw); i++) {
		const struct evbpf_dwarf_die *d = evbpf__dwarf_die(f->dw, i);

		if (!d->name || strcmp(d->name, name) || (d->has & EVBPF_DWARF_DECLARATION))
			continue;
		if (tag >= 0
		        ? d->tag != tag
		        : d->tag != EVBPF_DW_TAG_typedef && d->tag != EVBPF_DW_TAG_structure_type &&
		              d->tag != EVBPF_DW_TAG_union_type &&
		              d->tag != EVBPF_DW_TAG_enumeration_type &&
		              d->tag != EVBPF_DW_TAG_base_type)
			continue;
		if (evbpf__dwarf_to_btf(f->dw, i, f->btf, &id))
			return -ENOENT;
		return (int)id;
	}
	return -ENOENT;
}

int record_finder_named(struct record_finder *f, const char *spec)
{
	int id = f->btf ? json_btf_find_type(f->btf, spec) : -ENOENT;

	if (id > 0 || !f->dw || !f->btf)
		return id;
	return dwarf_named(f, spec);
}
