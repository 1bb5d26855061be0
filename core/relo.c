/* SPDX-License-Identifier: MIT */
/*
 * Map, global data and call relocations, and the linking of subprograms.
 *
 * At open, each code section's REL entries become evbpf_reloc records
 * (what the instruction refers to). At load, a program is linked: its own
 * instructions are copied, then every .text function it calls (directly,
 * or as a callback through ld_imm64) is appended once, recursively, and
 * each relocation is applied to the copy where the instruction now lives.
 *
 * Call arithmetic: a BPF call's imm is relative to the next instruction.
 * clang emits calls into .text with a relocation against either the
 * function's symbol (imm = -1) or the .text section symbol (imm = offset
 * - 1), so the callee's instruction index in .text is always
 * sym_off / 8 + imm + 1.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define R_BPF_NONE 0
#define R_BPF_64_64 1
#define R_BPF_64_ABS64 2
#define R_BPF_64_ABS32 3
#define R_BPF_64_NODYLD32 4
#define R_BPF_64_32 10

static bool is_ldimm64(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW);
}

static bool is_pseudo_call(const struct bpf_insn *insn)
{
	return insn->code == (BPF_JMP | BPF_CALL) && insn->src_reg == BPF_PSEUDO_CALL;
}

static int find_map_at(const struct evbpf_object *obj, size_t sec_idx, uint64_t off)
{
	for (size_t i = 0; i < obj->nr_maps; i++)
		if (obj->maps[i].sec_idx == sec_idx && obj->maps[i].sec_off == off &&
		    obj->maps[i].origin != EVBPF_MAP_DATA)
			return (int)i;
	return -1;
}

static int find_data_map(const struct evbpf_object *obj, size_t sec_idx)
{
	for (size_t i = 0; i < obj->nr_maps; i++)
		if (obj->maps[i].sec_idx == sec_idx && obj->maps[i].origin == EVBPF_MAP_DATA)
			return (int)i;
	return -1;
}

static int cmp_relo(const void *a, const void *b)
{
	const struct evbpf_reloc *x = a, *y = b;

	return x->insn_idx < y->insn_idx ? -1 : x->insn_idx > y->insn_idx;
}

static int record_relo(struct evbpf_object *obj, struct evbpf_code_sec *cs, size_t j,
		       const Elf64_Rel *rel, struct evbpf_reloc *r)
{
	const struct evbpf_elf *elf = &obj->elf;
	const Elf64_Sym *sym = &elf->syms[ELF64_R_SYM(rel->r_info)];
	const char *sym_name = evbpf__elf_sym_name(elf, sym);
	uint32_t type = (uint32_t)ELF64_R_TYPE(rel->r_info);
	const struct bpf_insn *insn;
	size_t shndx = sym->st_shndx;
	int sym_type = ELF64_ST_TYPE(sym->st_info);
	int idx;

	if (rel->r_offset % EVBPF_INSN_SZ)
		return evbpf__err(-EINVAL, "section '%s': relo #%zu: offset %llu is not at an "
					   "instruction",
				  cs->name, j, (unsigned long long)rel->r_offset);
	r->insn_idx = (uint32_t)(rel->r_offset / EVBPF_INSN_SZ);
	if (r->insn_idx >= cs->insn_cnt)
		return evbpf__err(-EINVAL, "section '%s': relo #%zu: instruction %u is past the "
					   "end (%zu instructions)",
				  cs->name, j, r->insn_idx, cs->insn_cnt);
	if (type != R_BPF_64_64 && type != R_BPF_64_32)
		return evbpf__err(-EINVAL, "section '%s': relo #%zu: unexpected relocation type %u",
				  cs->name, j, type);
	insn = &cs->insns[r->insn_idx];
	r->sym_off = sym->st_value;
	r->map_idx = -1;
	r->ext_idx = -1;

	if (insn->code == (BPF_JMP | BPF_CALL)) {
		if (shndx == SHN_UNDEF) {
			r->kind = EVBPF_RELO_EXTERN;
			r->ext_idx = (int)ELF64_R_SYM(rel->r_info);
			return 0;
		}
		if (insn->src_reg != BPF_PSEUDO_CALL)
			return evbpf__err(-EINVAL, "section '%s': relo #%zu: call to '%s' is not a "
						   "BPF-to-BPF call",
					  cs->name, j, sym_name);
		if (obj->text_code_sec < 0 ||
		    shndx != obj->code_secs[obj->text_code_sec].sec_idx)
			return evbpf__err(-EINVAL, "section '%s': relo #%zu: call to '%s' outside "
						   ".text",
					  cs->name, j, sym_name);
		if (sym->st_value % EVBPF_INSN_SZ)
			return evbpf__err(-EINVAL, "section '%s': relo #%zu: misaligned callee '%s'",
					  cs->name, j, sym_name);
		r->kind = EVBPF_RELO_CALL;
		return 0;
	}
	if (!is_ldimm64(insn) || r->insn_idx + 1 >= cs->insn_cnt)
		return evbpf__err(-EINVAL, "section '%s': relo #%zu: instruction %u (code 0x%02x) "
					   "cannot be relocated",
				  cs->name, j, r->insn_idx, insn->code);
	if (shndx == SHN_UNDEF) {
		r->kind = EVBPF_RELO_EXTERN;
		r->ext_idx = (int)ELF64_R_SYM(rel->r_info);
		return 0;
	}
	if (shndx >= elf->nr_secs)
		return evbpf__err(-EINVAL, "section '%s': relo #%zu: symbol '%s' in special "
					   "section %zu",
				  cs->name, j, sym_name, shndx);
	if (obj->text_code_sec >= 0 && shndx == obj->code_secs[obj->text_code_sec].sec_idx) {
		r->kind = EVBPF_RELO_SUBPROG_ADDR;
		return 0;
	}
	if (obj->arena_sec && shndx == obj->arena_sec) {
		/* A global in the arena: the arena's address plus where the
		 * section's bytes were put in it (arena.c). */
		r->kind = EVBPF_RELO_MAP_VALUE;
		r->map_idx = obj->arena_map;
		return 0;
	}
	if (sym_type != STT_SECTION) {
		idx = find_map_at(obj, shndx, sym->st_value);
		if (idx >= 0) {
			r->kind = EVBPF_RELO_MAP_FD;
			r->map_idx = idx;
			return 0;
		}
	}
	idx = find_data_map(obj, shndx);
	if (idx >= 0) {
		r->kind = EVBPF_RELO_MAP_VALUE;
		r->map_idx = idx;
		return 0;
	}
	return evbpf__err(-EINVAL, "section '%s': relo #%zu: symbol '%s' in section '%s' is not "
				   "a map or a global variable",
			  cs->name, j, sym_name, elf->secs[shndx].name);
}

/* .rel.maps: `.values = { [i] = &x }` in a map-in-map or program array. */
static int collect_map_slot(struct evbpf_object *obj, size_t maps_sec, size_t j,
			    const Elf64_Rel *rel)
{
	const struct evbpf_elf *elf = &obj->elf;
	const Elf64_Sym *sym = &elf->syms[ELF64_R_SYM(rel->r_info)];
	const char *sym_name = evbpf__elf_sym_name(elf, sym);
	struct evbpf_map *map = NULL, *m;
	struct evbpf_map_init_slot *slots;
	uint64_t off;
	int target = -1;

	for (size_t i = 0; i < obj->nr_maps; i++) {
		m = &obj->maps[i];
		/* `values` is a flexible array: the initializer extends the
		 * definition past def_size, up to max_entries pointers. */
		if (m->origin == EVBPF_MAP_BTF && m->sec_idx == maps_sec &&
		    m->sec_off != UINT64_MAX && m->values_off && rel->r_offset >= m->sec_off &&
		    rel->r_offset < m->sec_off + m->values_off + 8ull * m->max_entries)
			map = m;
	}
	if (!map || !map->values_off || rel->r_offset - map->sec_off < map->values_off)
		return evbpf__err(-EINVAL, "section '.maps': relo #%zu: offset %llu is not in a "
					   "map's 'values'",
				  j, (unsigned long long)rel->r_offset);
	off = rel->r_offset - map->sec_off - map->values_off;
	if (off % 8 || off / 8 >= map->max_entries)
		return evbpf__err(-EINVAL, "map '%s': initial value slot at offset %llu is out of "
					   "range",
				  map->name, (unsigned long long)off);
	if (map->type == BPF_MAP_TYPE_PROG_ARRAY) {
		for (size_t i = 0; i < obj->nr_progs; i++)
			if (!strcmp(obj->progs[i].name, sym_name))
				target = (int)i;
	} else if (sym->st_shndx == maps_sec) {
		target = find_map_at(obj, maps_sec, sym->st_value);
	}
	if (target < 0)
		return evbpf__err(-EINVAL, "map '%s': initial value '%s' is not a %s", map->name,
				  sym_name,
				  map->type == BPF_MAP_TYPE_PROG_ARRAY ? "program" : "map");
	slots = realloc(map->init_slots, (map->nr_init_slots + 1) * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	map->init_slots = slots;
	slots[map->nr_init_slots++] = (struct evbpf_map_init_slot){(uint32_t)(off / 8), target};
	return 0;
}

int evbpf__object_collect_relos(struct evbpf_object *obj)
{
	const struct evbpf_elf *elf = &obj->elf;

	for (size_t i = 1; i < elf->nr_secs; i++) {
		const struct evbpf_elf_sec *s = &elf->secs[i];
		struct evbpf_code_sec *cs = NULL;
		const Elf64_Rel *rels;
		size_t n;
		int err;

		if (s->type != SHT_REL)
			continue;
		n = s->size / sizeof(Elf64_Rel);
		rels = (const Elf64_Rel *)s->data;
		if (!strcmp(elf->secs[s->info].name, ".struct_ops") ||
		    !strcmp(elf->secs[s->info].name, ".struct_ops.link")) {
			err = evbpf__struct_ops_collect_relos(obj, s->info, rels, n);
			if (err)
				return err;
			continue;
		}
		if (!strcmp(elf->secs[s->info].name, ".maps")) {
			for (size_t j = 0; j < n; j++) {
				err = collect_map_slot(obj, s->info, j, &rels[j]);
				if (err)
					return err;
			}
			continue;
		}
		for (size_t c = 0; c < obj->nr_code_secs; c++)
			if (obj->code_secs[c].sec_idx == s->info)
				cs = &obj->code_secs[c];
		if (!cs)
			continue; /* .rel.BTF, .rel.BTF.ext ... */
		if (!n)
			continue;
		if (cs->relos)
			return evbpf__err(-EINVAL, "section '%s' has two relocation sections",
					  cs->name);
		cs->relos = calloc(n, sizeof(*cs->relos));
		if (!cs->relos)
			return -ENOMEM;
		for (size_t j = 0; j < n; j++) {
			if (ELF64_R_TYPE(rels[j].r_info) == R_BPF_NONE)
				continue;
			err = record_relo(obj, cs, j, &rels[j], &cs->relos[cs->nr_relos]);
			if (err)
				return err;
			cs->nr_relos++;
		}
		qsort(cs->relos, cs->nr_relos, sizeof(*cs->relos), cmp_relo);
	}
	return 0;
}

/* ------------------------------------------------------------- linking */

struct linker {
	struct evbpf_program *prog;
	struct evbpf_object *obj;
	size_t cap; /* of prog->insns */
	size_t pieces_cap;
};

/* The .text function containing instruction idx: [*start, *start + *len). */
static int text_func_at(const struct evbpf_object *obj, uint32_t idx, uint32_t *start,
			uint32_t *len)
{
	const struct evbpf_code_sec *text = &obj->code_secs[obj->text_code_sec];
	const struct evbpf_elf *elf = &obj->elf;

	for (size_t i = 0; i < elf->nr_syms; i++) {
		const Elf64_Sym *sym = &elf->syms[i];
		uint64_t s, e;

		if (ELF64_ST_TYPE(sym->st_info) != STT_FUNC || sym->st_shndx != text->sec_idx)
			continue;
		s = sym->st_value / EVBPF_INSN_SZ;
		e = (sym->st_value + sym->st_size) / EVBPF_INSN_SZ;
		if (idx >= s && idx < e) {
			*start = (uint32_t)s;
			*len = (uint32_t)(e - s);
			return 0;
		}
	}
	/* Without function symbols (hand-written code) all of .text is one. */
	*start = 0;
	*len = (uint32_t)text->insn_cnt;
	return 0;
}

static int append_piece(struct linker *l, int code_sec, uint32_t src_off, uint32_t cnt,
			uint32_t *dst_off)
{
	struct evbpf_program *prog = l->prog;
	const struct evbpf_code_sec *cs = &l->obj->code_secs[code_sec];

	if ((uint64_t)src_off + cnt > cs->insn_cnt || cnt == 0)
		return evbpf__err(-EINVAL, "prog '%s': subprogram at %u runs past '%s'", prog->name,
				  src_off, cs->name);
	if (prog->insn_cnt + cnt > 1000000)
		return evbpf__err(-E2BIG, "prog '%s': too many instructions", prog->name);
	if (prog->insn_cnt + cnt > l->cap) {
		size_t ncap = (prog->insn_cnt + cnt) * 2;
		struct bpf_insn *n = realloc(prog->insns, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		prog->insns = n;
		l->cap = ncap;
	}
	if (prog->nr_pieces == l->pieces_cap) {
		size_t ncap = l->pieces_cap ? l->pieces_cap * 2 : 4;
		struct evbpf_prog_piece *n = realloc(prog->pieces, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		prog->pieces = n;
		l->pieces_cap = ncap;
	}
	memcpy(prog->insns + prog->insn_cnt, cs->insns + src_off, cnt * EVBPF_INSN_SZ);
	prog->pieces[prog->nr_pieces++] = (struct evbpf_prog_piece){
		.code_sec = code_sec,
		.src_off = src_off,
		.dst_off = (uint32_t)prog->insn_cnt,
		.insn_cnt = cnt,
	};
	*dst_off = (uint32_t)prog->insn_cnt;
	prog->insn_cnt += cnt;
	return 0;
}

/* Where .text instruction idx lives in the linked program, appending its
 * function if it is not there yet. */
static int resolve_text_insn(struct linker *l, uint32_t idx, uint32_t *dst)
{
	struct evbpf_program *prog = l->prog;
	uint32_t start, len, off;
	int err;

	if (l->obj->text_code_sec < 0)
		return evbpf__err(-EINVAL, "prog '%s': call into .text, which is missing",
				  prog->name);
	if (idx >= l->obj->code_secs[l->obj->text_code_sec].insn_cnt)
		return evbpf__err(-EINVAL, "prog '%s': call target %u is past the end of .text",
				  prog->name, idx);
	for (size_t i = 0; i < prog->nr_pieces; i++) {
		const struct evbpf_prog_piece *p = &prog->pieces[i];

		if (p->code_sec == l->obj->text_code_sec && idx >= p->src_off &&
		    idx < p->src_off + p->insn_cnt) {
			*dst = p->dst_off + (idx - p->src_off);
			return 0;
		}
	}
	err = text_func_at(l->obj, idx, &start, &len);
	if (err)
		return err;
	err = append_piece(l, l->obj->text_code_sec, start, len, &off);
	if (err)
		return err;
	*dst = off + (idx - start);
	return 0;
}

/* Point the call at dst to .text instruction callee (appending its
 * function if needed): a call's imm is relative to the next instruction. */
static int link_call(struct linker *l, uint32_t dst, int64_t callee)
{
	struct evbpf_program *prog = l->prog;
	uint32_t target;
	int err;

	if (callee < 0 || callee > UINT32_MAX)
		return evbpf__err(-EINVAL, "prog '%s': insn %u: call target out of range",
				  prog->name, dst);
	err = resolve_text_insn(l, (uint32_t)callee, &target);
	if (err)
		return err;
	/* Read prog->insns only now: appending may have moved the array. */
	prog->insns[dst].imm = (int32_t)target - (int32_t)(dst + 1);
	return 0;
}

static int apply_relo(struct linker *l, const struct evbpf_reloc *r, uint32_t dst)
{
	struct evbpf_program *prog = l->prog;
	struct evbpf_object *obj = l->obj;
	struct bpf_insn *insn = &prog->insns[dst];
	const struct evbpf_map *map;
	uint32_t target;
	int64_t callee;
	int err;

	switch (r->kind) {
	case EVBPF_RELO_MAP_FD:
	case EVBPF_RELO_MAP_VALUE:
		map = &obj->maps[r->map_idx];
		if (map->fd < 0)
			return evbpf__err(-EINVAL, "prog '%s': map '%s' is not created", prog->name,
					  map->name);
		if (r->kind == EVBPF_RELO_MAP_FD) {
			insn[0].src_reg = BPF_PSEUDO_MAP_FD;
			insn[0].imm = map->fd;
			break;
		}
		if ((uint64_t)insn[0].imm + r->sym_off >= map->value_size && map->value_size)
			return evbpf__err(-EINVAL, "prog '%s': insn %u: offset %llu is past the end "
						   "of '%s'",
					  prog->name, dst,
					  (unsigned long long)((uint64_t)insn[0].imm + r->sym_off),
					  map->name);
		insn[0].src_reg = BPF_PSEUDO_MAP_VALUE;
		insn[1].imm = (int32_t)(insn[0].imm + (int64_t)r->sym_off + map->arena_data_off);
		insn[0].imm = map->fd;
		break;
	case EVBPF_RELO_CALL:
		callee = (int64_t)(r->sym_off / EVBPF_INSN_SZ) + insn->imm + 1;
		return link_call(l, dst, callee);
	case EVBPF_RELO_SUBPROG_ADDR:
		callee = ((int64_t)r->sym_off + insn->imm) / (int64_t)EVBPF_INSN_SZ;
		if (callee < 0 || callee > UINT32_MAX || (r->sym_off + insn->imm) % EVBPF_INSN_SZ)
			return evbpf__err(-EINVAL, "prog '%s': insn %u: callback address out of "
						   "range",
					  prog->name, dst);
		err = resolve_text_insn(l, (uint32_t)callee, &target);
		if (err)
			return err;
		insn = &prog->insns[dst];
		insn[0].src_reg = BPF_PSEUDO_FUNC;
		insn[0].imm = (int32_t)target - (int32_t)(dst + 1);
		insn[1].imm = 0;
		break;
	case EVBPF_RELO_EXTERN:
		return evbpf__extern_apply(prog, r, dst);
	}
	return 0;
}

/* Pseudo calls with no relocation stay inside their section: clang emits
 * them for static functions in the same section. Keep them inside the
 * piece or resolve them through .text. */
static int fix_local_calls(struct linker *l, size_t piece_idx)
{
	struct evbpf_program *prog = l->prog;
	struct evbpf_prog_piece p = prog->pieces[piece_idx];
	const struct evbpf_code_sec *cs = &l->obj->code_secs[p.code_sec];
	size_t r = 0;

	for (uint32_t i = 0; i < p.insn_cnt; i++) {
		uint32_t src = p.src_off + i, dst = p.dst_off + i;
		struct bpf_insn *insn = &prog->insns[dst];
		int64_t callee;
		bool relocated;
		int err;

		while (r < cs->nr_relos && cs->relos[r].insn_idx < src)
			r++;
		relocated = r < cs->nr_relos && cs->relos[r].insn_idx == src;
		if (relocated || !is_pseudo_call(insn))
			continue;
		callee = (int64_t)src + insn->imm + 1;
		if (callee >= p.src_off && callee < p.src_off + p.insn_cnt)
			continue; /* relative offset unchanged */
		if (p.code_sec != l->obj->text_code_sec)
			return evbpf__err(-EINVAL, "prog '%s': insn %u: call leaves the program",
					  prog->name, dst);
		err = link_call(l, dst, callee);
		if (err)
			return err;
	}
	return 0;
}

int evbpf__program_link(struct evbpf_program *prog)
{
	struct evbpf_object *obj = prog->obj;
	struct linker l = {.prog = prog, .obj = obj};
	uint32_t dst;
	int err;

	free(prog->insns);
	free(prog->pieces);
	prog->insns = NULL;
	prog->pieces = NULL;
	prog->insn_cnt = 0;
	prog->nr_pieces = 0;
	err = append_piece(&l, prog->code_sec, prog->sec_insn_off, prog->sec_insn_cnt, &dst);
	if (err)
		return err;
	/* Pieces appended while processing are processed in turn. */
	for (size_t pi = 0; pi < prog->nr_pieces; pi++) {
		struct evbpf_prog_piece p = prog->pieces[pi];
		const struct evbpf_code_sec *cs = &obj->code_secs[p.code_sec];

		for (size_t r = 0; r < cs->nr_relos; r++) {
			const struct evbpf_reloc *rel = &cs->relos[r];

			if (rel->insn_idx < p.src_off || rel->insn_idx >= p.src_off + p.insn_cnt)
				continue;
			if (rel->insn_idx + 1 >= p.src_off + p.insn_cnt &&
			    (rel->kind == EVBPF_RELO_MAP_FD || rel->kind == EVBPF_RELO_MAP_VALUE ||
			     rel->kind == EVBPF_RELO_SUBPROG_ADDR))
				return evbpf__err(-EINVAL, "prog '%s': ld_imm64 at the end of a "
							   "function",
						  prog->name);
			err = apply_relo(&l, rel, p.dst_off + (rel->insn_idx - p.src_off));
			if (err)
				return err;
		}
		err = fix_local_calls(&l, pi);
		if (err)
			return err;
	}
	return 0;
}
