/* SPDX-License-Identifier: MIT */
/*
 * struct_ops: BPF programs that implement a kernel struct of function
 * pointers (tcp_congestion_ops, sched_ext_ops, ...), the way libbpf loads
 * them.
 *
 * The object declares each implementation as a global variable of the
 * kernel's struct type in SEC(".struct_ops") or SEC(".struct_ops.link"):
 *
 *   SEC(".struct_ops.link")
 *   struct tcp_congestion_ops my_ca = { .ssthresh = (void *)my_ssthresh,
 *                                       .name = "my_ca" };
 *
 * Each such variable becomes a BPF_MAP_TYPE_STRUCT_OPS map named after it.
 * Its function pointers are relocations (.rel.struct_ops) against programs
 * of SEC("struct_ops/...") sections; everything else is plain data.
 *
 * At load, the struct is looked up in the kernel's BTF along with the
 * kernel's wrapper type bpf_struct_ops_NAME (the map value: a common
 * header, then the struct in a member of the struct's own type). Every
 * member of the object's struct is matched by name with the kernel's,
 * since the object may have been built against another kernel's layout:
 * data members are copied to the kernel's offsets, and each program is
 * loaded with attach_btf_id = the kernel struct and expected_attach_type
 * = the index of the member it implements (that is how the verifier
 * learns the function's signature).
 *
 * Registration happens at attach: the value, with the programs' fds in
 * the function pointer slots, is written into the map. For a plain
 * .struct_ops map that write registers the struct, and deleting the
 * element unregisters it. A .struct_ops.link map (BPF_F_LINK, Linux 6.4)
 * only stores the value; BPF_LINK_CREATE registers it, and closing the
 * link unregisters. Kernels before 6.4 refuse BPF_F_LINK: such maps are
 * then made as plain ones, which register the same way minus the link.
 *
 * The kernel accepts one value per map for its lifetime, so a map is
 * registered once; attaching it again while it is registered (from
 * evbpf_program_attach() on each of its programs, say) hands out another
 * link to the same registration, and the struct is unregistered when the
 * last of those links is destroyed.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define EVBPF_BPF_F_LINK     (1U << 13)
#define EVBPF_BPF_STRUCT_OPS 44 /* enum bpf_attach_type, Linux 6.4 */

/*
 * One registration of a struct_ops map, shared by the map and by every
 * link to it (links outlive the object, so it cannot live in the map).
 */
struct evbpf_st_reg {
	int refs;    /* the map (while it points here) and each link */
	int active;  /* links attached through it: 0 means unregistered */
	int map_fd;  /* a dup of the map: plain maps unregister through it */
	int link_fd; /* .struct_ops.link: the BPF link, or -1 */
	char name[BPF_OBJ_NAME_LEN];
};

struct evbpf_struct_ops {
	bool link;              /* from .struct_ops.link: BPF_F_LINK */
	uint32_t local_type_id; /* the variable's struct in the object's BTF */
	char *type_name;        /* "tcp_congestion_ops" (flavor suffix cut) */
	uint8_t *data;          /* the variable's initial bytes, local layout */
	uint32_t data_size;
	uint16_t nr_members;
	int *progs; /* per local member: index in obj->progs, or -1 */
	/* Filled at load from the kernel's BTF: */
	uint32_t kern_type_id, kern_vtype_id;
	uint8_t *kern_vdata; /* the map value, function slots still empty */
	uint32_t kern_vsize;
	uint32_t *kern_func_off; /* per local member: offset of its slot in kern_vdata */
	bool updated;            /* the value was written (once per map) */
	struct evbpf_st_reg *reg;
};

static bool is_struct_ops_sec(const char *name, bool *link)
{
	*link = !strcmp(name, ".struct_ops.link");
	return *link || !strcmp(name, ".struct_ops");
}

static void reg_put(struct evbpf_st_reg *reg)
{
	if (!reg || __atomic_sub_fetch(&reg->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	evbpf__close_fd(&reg->map_fd);
	evbpf__close_fd(&reg->link_fd);
	free(reg);
}

void evbpf__struct_ops_free(struct evbpf_map *map)
{
	struct evbpf_struct_ops *st = map->st_ops;

	if (!st)
		return;
	reg_put(st->reg);
	free(st->type_name);
	free(st->data);
	free(st->progs);
	free(st->kern_vdata);
	free(st->kern_func_off);
	free(st);
	map->st_ops = NULL;
}

/* ------------------------------------------------------------------ open */

static int add_struct_ops_var(struct evbpf_object *obj, size_t sec_idx, bool link,
                              const struct btf_var_secinfo *v)
{
	const struct evbpf_btf *btf = obj->btf;
	const struct evbpf_elf_sec *s = &obj->elf.secs[sec_idx];
	const char *var_name = evbpf__btf_name(btf, v->type);
	const struct btf_type *var = evbpf__btf_type(btf, v->type), *t;
	struct evbpf_struct_ops *st;
	struct evbpf_map *map;
	const char *tname;
	int id;

	if (!var || evbpf__btf_kind(var) != BTF_KIND_VAR)
		return evbpf__err(-EINVAL, "object '%s': %s: entry is not a variable", obj->name,
		                  s->name);
	id = evbpf__btf_skip_mods(btf, var->type);
	t = id > 0 ? evbpf__btf_type(btf, (uint32_t)id) : NULL;
	if (!t || evbpf__btf_kind(t) != BTF_KIND_STRUCT)
		return evbpf__err(-EINVAL, "struct_ops '%s' (%s): not a struct", var_name, s->name);
	tname = evbpf__btf_name(btf, (uint32_t)id);
	if (!tname || !*tname)
		return evbpf__err(-EINVAL, "struct_ops '%s': its struct has no name", var_name);
	if (v->size != t->size || (uint64_t)v->offset + v->size > s->size)
		return evbpf__err(-EINVAL, "struct_ops '%s': %u bytes at %u do not fit '%s'",
		                  var_name, v->size, v->offset, s->name);
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->link = link;
	st->local_type_id = (uint32_t)id;
	st->type_name = strndup(tname, evbpf__btf_essential_len(tname));
	st->data_size = t->size;
	st->data = calloc(1, t->size ? t->size : 1);
	st->nr_members = evbpf__btf_vlen(t);
	st->progs = malloc((st->nr_members + 1u) * sizeof(*st->progs));
	if (!st->type_name || !st->data || !st->progs) {
		free(st->type_name);
		free(st->data);
		free(st->progs);
		free(st);
		return -ENOMEM;
	}
	for (uint16_t i = 0; i < st->nr_members; i++)
		st->progs[i] = -1;
	if (s->data)
		memcpy(st->data, s->data + v->offset, t->size);

	map = evbpf__object_add_data_map(obj, var_name, EVBPF_MAP_STRUCT_OPS, sec_idx, 0, 0);
	if (!map) {
		evbpf__struct_ops_free(&(struct evbpf_map){.st_ops = st});
		return -ENOMEM;
	}
	/* A data map by shape, but a struct_ops map by everything else. */
	free(map->init_data);
	map->init_data = NULL;
	map->init_size = 0;
	map->st_ops = st;
	map->sec_off = v->offset;
	map->type = BPF_MAP_TYPE_STRUCT_OPS;
	map->key_size = sizeof(uint32_t);
	map->value_size = 0; /* the kernel's wrapper type's size, known at load */
	map->max_entries = 1;
	map->map_flags = link ? EVBPF_BPF_F_LINK : 0;
	map->btf_value_type_id = 0;
	evbpf__kernel_name(map->kname, "", var_name);
	return 0;
}

int evbpf__object_init_struct_ops(struct evbpf_object *obj)
{
	const struct evbpf_elf *elf = &obj->elf;

	for (size_t i = 1; i < elf->nr_secs; i++) {
		const struct btf_var_secinfo *v;
		const struct btf_type *ds;
		bool link;
		int ds_id, err;

		if (!is_struct_ops_sec(elf->secs[i].name, &link))
			continue;
		if (!obj->btf)
			return evbpf__err(-EINVAL, "object '%s': %s without .BTF (compile with -g)",
			                  obj->name, elf->secs[i].name);
		ds_id = evbpf__btf_find(obj->btf, elf->secs[i].name, BTF_KIND_DATASEC);
		if (ds_id < 0)
			return evbpf__err(-EINVAL, "object '%s': no BTF DATASEC for %s", obj->name,
			                  elf->secs[i].name);
		ds = evbpf__btf_type(obj->btf, (uint32_t)ds_id);
		v = (const struct btf_var_secinfo *)(ds + 1);
		for (uint16_t j = 0; j < evbpf__btf_vlen(ds); j++) {
			err = add_struct_ops_var(obj, i, link, &v[j]);
			if (err)
				return err;
		}
	}
	return 0;
}

static struct evbpf_map *map_at(struct evbpf_object *obj, size_t sec_idx, uint64_t off)
{
	for (size_t i = 0; i < obj->nr_maps; i++) {
		struct evbpf_map *m = &obj->maps[i];

		if (m->st_ops && m->sec_idx == sec_idx && off >= m->sec_off &&
		    off < m->sec_off + m->st_ops->data_size)
			return m;
	}
	return NULL;
}

/* The local member starting at byte off of the struct, or -1. */
static int member_at(const struct btf_type *t, uint64_t off)
{
	for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++)
		if (evbpf__btf_member_bit_offset(t, i) == off * 8)
			return i;
	return -1;
}

static bool is_func_ptr(const struct evbpf_btf *btf, uint32_t type_id)
{
	const struct btf_type *t;
	int id = evbpf__btf_skip_mods(btf, type_id);

	t = id > 0 ? evbpf__btf_type(btf, (uint32_t)id) : NULL;
	if (!t || evbpf__btf_kind(t) != BTF_KIND_PTR)
		return false;
	id = evbpf__btf_skip_mods(btf, t->type);
	t = id > 0 ? evbpf__btf_type(btf, (uint32_t)id) : NULL;
	return t && evbpf__btf_kind(t) == BTF_KIND_FUNC_PROTO;
}

static int prog_at(const struct evbpf_object *obj, size_t shndx, uint64_t off)
{
	for (size_t i = 0; i < obj->nr_progs; i++) {
		const struct evbpf_program *p = &obj->progs[i];

		if (obj->code_secs[p->code_sec].sec_idx == shndx &&
		    (uint64_t)p->sec_insn_off * EVBPF_INSN_SZ == off)
			return (int)i;
	}
	return -1;
}

static int collect_relo(struct evbpf_object *obj, size_t sec_idx, size_t j, const Elf64_Rel *rel)
{
	const struct evbpf_elf *elf = &obj->elf;
	const struct evbpf_elf_sec *s = &elf->secs[sec_idx];
	const Elf64_Sym *sym = &elf->syms[ELF64_R_SYM(rel->r_info)];
	const char *sym_name = evbpf__elf_sym_name(elf, sym);
	const struct btf_type *t;
	const struct btf_member *m;
	struct evbpf_map *map;
	uint64_t off;
	int mi, pi;

	map = map_at(obj, sec_idx, rel->r_offset);
	if (!map)
		return evbpf__err(-EINVAL,
		                  "section '%s': relo #%zu: offset %llu is in no "
		                  "struct_ops variable",
		                  s->name, j, (unsigned long long)rel->r_offset);
	t = evbpf__btf_type(obj->btf, map->st_ops->local_type_id);
	mi = member_at(t, rel->r_offset - map->sec_off);
	m = (const struct btf_member *)(t + 1) + (mi < 0 ? 0 : mi);
	if (mi < 0 || !is_func_ptr(obj->btf, m->type))
		return evbpf__err(-EINVAL,
		                  "struct_ops '%s': relo #%zu at offset %llu is not on a "
		                  "function pointer member",
		                  map->name, j, (unsigned long long)(rel->r_offset - map->sec_off));
	off = sym->st_value;
	if (ELF64_ST_TYPE(sym->st_info) == STT_SECTION) {
		/* REL: the addend is in the bytes being relocated. */
		if (!s->data || rel->r_offset + sizeof(uint64_t) > s->size)
			return evbpf__err(-EINVAL, "section '%s': relo #%zu: no addend", s->name,
			                  j);
		memcpy(&off, s->data + rel->r_offset, sizeof(off));
	}
	pi = prog_at(obj, sym->st_shndx, off);
	if (pi < 0)
		return evbpf__err(-EINVAL,
		                  "struct_ops '%s': member '%s' points to '%s', which is "
		                  "not a program",
		                  map->name, evbpf__btf_str(obj->btf, m->name_off),
		                  sym_name ? sym_name : "?");
	if (obj->progs[pi].prog_type != BPF_PROG_TYPE_STRUCT_OPS)
		return evbpf__err(-EINVAL,
		                  "struct_ops '%s': member '%s' points to prog '%s' of "
		                  "section '%s'; it must be in a SEC(\"struct_ops/...\")",
		                  map->name, evbpf__btf_str(obj->btf, m->name_off),
		                  obj->progs[pi].name, obj->progs[pi].sec_name);
	map->st_ops->progs[mi] = pi;
	/* The pointer is no data: the slot gets the program's fd at attach. */
	memset(map->st_ops->data + (rel->r_offset - map->sec_off), 0, sizeof(uint64_t));
	return 0;
}

int evbpf__struct_ops_collect_relos(struct evbpf_object *obj, size_t sec_idx, const Elf64_Rel *rels,
                                    size_t n)
{
	for (size_t j = 0; j < n; j++) {
		int err;

		if (ELF64_R_TYPE(rels[j].r_info) == 0 /* R_BPF_NONE */)
			continue;
		err = collect_relo(obj, sec_idx, j, &rels[j]);
		if (err)
			return err;
	}
	return 0;
}

struct evbpf_map *evbpf__struct_ops_map_of(const struct evbpf_program *prog)
{
	struct evbpf_object *obj = prog->obj;
	int pi = (int)(prog - obj->progs);

	for (size_t i = 0; i < obj->nr_maps; i++) {
		const struct evbpf_struct_ops *st = obj->maps[i].st_ops;

		for (uint16_t k = 0; st && k < st->nr_members; k++)
			if (st->progs[k] == pi)
				return &obj->maps[i];
	}
	return NULL;
}

int evbpf__struct_ops_check_prog(const struct evbpf_program *prog)
{
	if (prog->prog_type != BPF_PROG_TYPE_STRUCT_OPS || prog->attach_btf_id)
		return 0;
	if (!evbpf__struct_ops_map_of(prog))
		return evbpf__err(-EINVAL,
		                  "prog '%s' (section '%s'): no .struct_ops variable "
		                  "points to this struct_ops program, so nothing says which "
		                  "kernel struct member it implements",
		                  prog->name, prog->sec_name);
	return evbpf__err(-EINVAL, "prog '%s': its struct_ops map was not prepared", prog->name);
}

/* ------------------------------------------------------------------ load */

/* The member of kernel struct t named name: its index, or -1. */
static int kern_member(const struct evbpf_btf *btf, const struct btf_type *t, const char *name)
{
	const struct btf_member *m = (const struct btf_member *)(t + 1);

	for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++)
		if (!strcmp(evbpf__btf_str(btf, m[i].name_off), name))
			return i;
	return -1;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Find the kernel's struct and its map value wrapper; size the value. */
static int find_kern_types(struct evbpf_map *map, const struct evbpf_btf *vm, uint32_t *data_off)
{
	struct evbpf_struct_ops *st = map->st_ops;
	const struct btf_type *vt;
	const struct btf_member *m;
	char wrapper[256];
	int id;

	id = evbpf__btf_find(vm, st->type_name, BTF_KIND_STRUCT);
	if (id < 0)
		return evbpf__err(-ENOTSUP, "struct_ops '%s': the kernel's BTF has no struct %s",
		                  map->name, st->type_name);
	st->kern_type_id = (uint32_t)id;
	snprintf(wrapper, sizeof(wrapper), "bpf_struct_ops_%s", st->type_name);
	id = evbpf__btf_find(vm, wrapper, BTF_KIND_STRUCT);
	if (id < 0)
		return evbpf__err(-ENOTSUP,
		                  "struct_ops '%s': struct %s is not a struct_ops type "
		                  "of this kernel (no struct %s in its BTF)",
		                  map->name, st->type_name, wrapper);
	st->kern_vtype_id = (uint32_t)id;
	vt = evbpf__btf_type(vm, (uint32_t)id);
	m = (const struct btf_member *)(vt + 1);
	for (uint16_t i = 0; i < evbpf__btf_vlen(vt); i++) {
		if (evbpf__btf_skip_mods(vm, m[i].type) != (int)st->kern_type_id)
			continue;
		*data_off = evbpf__btf_member_bit_offset(vt, i) / 8;
		st->kern_vsize = vt->size;
		return 0;
	}
	return evbpf__err(-EINVAL, "struct_ops '%s': struct %s holds no struct %s", map->name,
	                  wrapper, st->type_name);
}

/* Give prog the kernel struct and the member it implements. */
static int bind_prog(struct evbpf_map *map, struct evbpf_program *prog, uint32_t member,
                     const char *mname)
{
	uint32_t type_id = map->st_ops->kern_type_id;

	if (prog->attach_btf_id &&
	    (prog->attach_btf_id != type_id || prog->expected_attach_type != member))
		return evbpf__err(-EINVAL,
		                  "struct_ops '%s': prog '%s' implements '%s' here but "
		                  "another member elsewhere; a program implements one",
		                  map->name, prog->name, mname);
	if (prog->fd >= 0 && !prog->attach_btf_id)
		return evbpf__err(-EBUSY, "struct_ops '%s': prog '%s' was loaded before its map",
		                  map->name, prog->name);
	prog->attach_btf_id = type_id;
	prog->expected_attach_type = member;
	return 0;
}

/* One member of the object's struct, placed in the kernel's layout. */
static int place_member(struct evbpf_map *map, const struct evbpf_btf *vm, uint16_t i,
                        uint32_t data_off)
{
	struct evbpf_struct_ops *st = map->st_ops;
	const struct evbpf_btf *btf = map->obj->btf;
	const struct btf_type *lt = evbpf__btf_type(btf, st->local_type_id);
	const struct btf_type *kt = evbpf__btf_type(vm, st->kern_type_id);
	const struct btf_member *lm = (const struct btf_member *)(lt + 1) + i, *km;
	const char *mname = evbpf__btf_str(btf, lm->name_off);
	uint32_t loff = evbpf__btf_member_bit_offset(lt, i) / 8, koff;
	int64_t lsize, ksize;
	int k;

	lsize = evbpf__btf_resolve_size(btf, lm->type);
	if (lsize < 0 || loff + (uint64_t)lsize > st->data_size)
		return evbpf__err(-EINVAL, "struct_ops '%s': member '%s' has no size", map->name,
		                  mname);
	k = kern_member(vm, kt, mname);
	if (k < 0) {
		/* Members this kernel lacks are fine while nothing uses them. */
		if (st->progs[i] < 0 && all_zero(st->data + loff, (size_t)lsize))
			return 0;
		return evbpf__err(-ENOTSUP,
		                  "struct_ops '%s': the kernel's struct %s has no member "
		                  "'%s'",
		                  map->name, st->type_name, mname);
	}
	km = (const struct btf_member *)(kt + 1) + k;
	if (evbpf__btf_member_bitfield_size(lt, i) || evbpf__btf_member_bitfield_size(kt, k))
		return evbpf__err(-ENOTSUP, "struct_ops '%s': member '%s' is a bitfield", map->name,
		                  mname);
	koff = data_off + evbpf__btf_member_bit_offset(kt, (uint16_t)k) / 8;
	if (is_func_ptr(btf, lm->type)) {
		if (!is_func_ptr(vm, km->type))
			return evbpf__err(-EINVAL,
			                  "struct_ops '%s': member '%s' is a function "
			                  "pointer here but not in the kernel",
			                  map->name, mname);
		if (koff + sizeof(uint64_t) > st->kern_vsize)
			return evbpf__err(-EINVAL,
			                  "struct_ops '%s': member '%s' lies outside the "
			                  "kernel's value",
			                  map->name, mname);
		st->kern_func_off[i] = koff;
		if (st->progs[i] < 0)
			return 0;
		return bind_prog(map, &map->obj->progs[st->progs[i]], (uint32_t)k, mname);
	}
	ksize = evbpf__btf_resolve_size(vm, km->type);
	if (ksize != lsize || koff + (uint64_t)ksize > st->kern_vsize)
		return evbpf__err(-EINVAL,
		                  "struct_ops '%s': member '%s' has %lld bytes here and "
		                  "%lld in the kernel",
		                  map->name, mname, (long long)lsize, (long long)ksize);
	memcpy(st->kern_vdata + koff, st->data + loff, (size_t)lsize);
	return 0;
}

static int prepare(struct evbpf_map *map)
{
	struct evbpf_struct_ops *st = map->st_ops;
	const struct evbpf_btf *vm;
	uint32_t data_off = 0;
	int err;

	err = evbpf__vmlinux_btf(&vm);
	if (err)
		return evbpf__err(err, "struct_ops '%s': needs the kernel's BTF: %s", map->name,
		                  evbpf_strerror(err));
	err = find_kern_types(map, vm, &data_off);
	if (err)
		return err;
	free(st->kern_vdata);
	free(st->kern_func_off);
	st->kern_vdata = calloc(1, st->kern_vsize ? st->kern_vsize : 1);
	st->kern_func_off = calloc(st->nr_members + 1u, sizeof(*st->kern_func_off));
	if (!st->kern_vdata || !st->kern_func_off)
		return -ENOMEM;
	for (uint16_t i = 0; i < st->nr_members; i++) {
		err = place_member(map, vm, i, data_off);
		if (err)
			return err;
	}
	map->value_size = st->kern_vsize;
	return 0;
}

static int create(struct evbpf_map *map, uint32_t flags)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_STRUCT_OPS;
	attr.key_size = sizeof(uint32_t);
	attr.value_size = map->value_size;
	attr.max_entries = 1;
	attr.map_flags = flags;
	attr.btf_fd = (uint32_t)map->obj->btf_fd;
	attr.btf_vmlinux_value_type_id = map->st_ops->kern_vtype_id;
	memcpy(attr.map_name, map->kname, sizeof(attr.map_name));
	return evbpf__bpf_map_create(&attr);
}

int evbpf__struct_ops_map_create(struct evbpf_map *map)
{
	struct evbpf_struct_ops *st = map->st_ops;
	int fd, err;

	err = prepare(map);
	if (err)
		return err;
	if (map->obj->btf_fd < 0)
		return evbpf__err(-EINVAL,
		                  "struct_ops '%s': the kernel refused the object's BTF, "
		                  "which a struct_ops map needs",
		                  map->name);
	fd = create(map, map->map_flags);
	if (fd == -EINVAL && st->link) {
		/* BPF_F_LINK on a struct_ops map is Linux 6.4: register the
		 * plain way on older kernels. */
		int fd2 = create(map, 0);

		if (fd2 >= 0) {
			evbpf__debug("struct_ops '%s': no struct_ops links here, registering "
			             "through the map",
			             map->name);
			st->link = false;
			map->map_flags &= ~EVBPF_BPF_F_LINK;
			fd = fd2;
		}
	}
	if (fd < 0)
		return evbpf__err(fd, "struct_ops '%s' (struct %s): BPF_MAP_CREATE: %s%s%s",
		                  map->name, st->type_name, evbpf_strerror(fd),
		                  evbpf__memlock_hint(fd),
		                  fd == -ENOTSUP || fd == -524 || fd == -EOPNOTSUPP
		                      ? " (this kernel has no struct_ops maps)"
		                      : "");
	map->fd = fd;
	st->updated = false;
	reg_put(st->reg);
	st->reg = NULL;
	return 0;
}

/* ---------------------------------------------------------------- attach */

/* The value with every function slot holding its program's fd. */
static int write_value(struct evbpf_map *map)
{
	struct evbpf_struct_ops *st = map->st_ops;
	const struct btf_type *lt = evbpf__btf_type(map->obj->btf, st->local_type_id);
	uint32_t zero = 0;
	int err;

	for (uint16_t i = 0; i < st->nr_members; i++) {
		const struct evbpf_program *p;
		uint64_t fd;

		if (st->progs[i] < 0 || !st->kern_func_off[i])
			continue;
		p = &map->obj->progs[st->progs[i]];
		if (p->fd < 0)
			return evbpf__err(
			    -ENOENT,
			    "struct_ops '%s': prog '%s' (member '%s') is not "
			    "loaded",
			    map->name, p->name,
			    evbpf__btf_str(map->obj->btf,
			                   ((const struct btf_member *)(lt + 1))[i].name_off));
		fd = (uint64_t)p->fd;
		memcpy(st->kern_vdata + st->kern_func_off[i], &fd, sizeof(fd));
	}
	err = evbpf__bpf_map_update(map->fd, &zero, st->kern_vdata, 0);
	if (err)
		return evbpf__err(err, "struct_ops '%s' (struct %s): %s: %s%s", map->name,
		                  st->type_name, st->link ? "writing the value" : "registering",
		                  evbpf_strerror(err),
		                  err == -EBUSY    ? " (the kernel takes one value per map: it was "
		                                     "registered before; reload the object)"
		                  : err == -EEXIST ? " (the kernel has one by that name already)"
		                                   : "");
	st->updated = true;
	return 0;
}

static int reg_detach(struct evbpf_link *link)
{
	struct evbpf_st_reg *reg = link->st_reg;
	uint32_t zero = 0;
	int err = 0;

	link->st_reg = NULL;
	if (__atomic_sub_fetch(&reg->active, 1, __ATOMIC_ACQ_REL) == 0) {
		if (reg->link_fd >= 0) {
			evbpf__close_fd(&reg->link_fd); /* the link's own dup closes next */
		} else {
			union bpf_attr attr;

			memset(&attr, 0, sizeof(attr));
			attr.map_fd = (uint32_t)reg->map_fd;
			attr.key = (uint64_t)(uintptr_t)&zero;
			err = evbpf__bpf(BPF_MAP_DELETE_ELEM, &attr, sizeof(attr));
			if (err == -ENOENT)
				err = 0;
		}
	}
	reg_put(reg);
	return err;
}

/* A new link on reg (which must be active, or just made so). */
static int reg_link(struct evbpf_st_reg *reg, const char *desc, struct evbpf_link **linkp)
{
	struct evbpf_link *link;

	link = evbpf__link_alloc(reg->link_fd >= 0 ? "bpf_link" : "struct_ops",
	                         "struct_ops map '%s'%s", reg->name, desc);
	if (!link)
		return -ENOMEM;
	if (reg->link_fd >= 0) {
		link->fd = evbpf__dup_fd(reg->link_fd);
		if (link->fd < 0) {
			int err = link->fd;

			free(link);
			return err;
		}
	}
	__atomic_add_fetch(&reg->refs, 1, __ATOMIC_ACQ_REL);
	__atomic_add_fetch(&reg->active, 1, __ATOMIC_ACQ_REL);
	link->st_reg = reg;
	link->detach = reg_detach;
	*linkp = link;
	return 0;
}

static int reg_new(struct evbpf_map *map, struct evbpf_st_reg **regp)
{
	struct evbpf_struct_ops *st = map->st_ops;
	struct evbpf_st_reg *reg;
	int err;

	reg = calloc(1, sizeof(*reg));
	if (!reg)
		return -ENOMEM;
	reg->refs = 1; /* the map's */
	reg->link_fd = -1;
	snprintf(reg->name, sizeof(reg->name), "%s", map->kname);
	reg->map_fd = evbpf__dup_fd(map->fd);
	if (reg->map_fd < 0) {
		err = reg->map_fd;
		goto err;
	}
	if (!st->link || !st->updated) {
		err = write_value(map);
		if (err)
			goto err;
	}
	if (st->link) {
		reg->link_fd = evbpf__link_create(map->fd, 0, EVBPF_BPF_STRUCT_OPS, 0, NULL);
		if (reg->link_fd < 0) {
			err = evbpf__err(reg->link_fd,
			                 "struct_ops '%s' (struct %s): BPF_LINK_CREATE: "
			                 "%s%s",
			                 map->name, st->type_name, evbpf_strerror(reg->link_fd),
			                 reg->link_fd == -EEXIST ? " (the kernel has one by that "
			                                           "name already)"
			                                         : "");
			reg->link_fd = -1;
			goto err;
		}
	}
	*regp = reg;
	return 0;
err:
	reg_put(reg);
	return err;
}

EVBPF_API int evbpf_map_attach_struct_ops(struct evbpf_map *map, struct evbpf_link **linkp)
{
	struct evbpf_struct_ops *st;
	struct evbpf_st_reg *reg = NULL;
	int err;

	if (!map || !linkp)
		return evbpf__err(-EINVAL, "attach_struct_ops: NULL %s",
		                  map ? "link pointer" : "map");
	st = map->st_ops;
	if (!st)
		return evbpf__err(-EINVAL,
		                  "map '%s': attach_struct_ops needs a map declared in "
		                  "SEC(\".struct_ops\") or SEC(\".struct_ops.link\")",
		                  map->name);
	if (map->fd < 0)
		return evbpf__err(-ENOENT, "struct_ops '%s': attach before the object is loaded",
		                  map->name);
	if (st->reg && __atomic_load_n(&st->reg->active, __ATOMIC_ACQUIRE) > 0)
		return reg_link(st->reg, " (shared registration)", linkp);
	if (st->reg && !st->link)
		return evbpf__err(-EBUSY,
		                  "struct_ops '%s': was registered and unregistered; the "
		                  "kernel registers a struct_ops map once (reload the object)",
		                  map->name);
	err = reg_new(map, &reg);
	if (err)
		return err;
	err = reg_link(reg, "", linkp);
	if (err) {
		union bpf_attr attr;
		uint32_t zero = 0;

		/* Undo the registration nobody holds. */
		if (reg->link_fd < 0) {
			memset(&attr, 0, sizeof(attr));
			attr.map_fd = (uint32_t)reg->map_fd;
			attr.key = (uint64_t)(uintptr_t)&zero;
			evbpf__bpf(BPF_MAP_DELETE_ELEM, &attr, sizeof(attr));
		}
		reg_put(reg);
		return err;
	}
	reg_put(st->reg);
	st->reg = reg;
	return 0;
}
