/* SPDX-License-Identifier: MIT */
/*
 * Maps: parsing the three ways an object declares them (BTF-defined maps
 * in .maps, legacy struct bpf_map_def in "maps", and global data sections
 * that become single-element arrays), creating them in the kernel, and the
 * element API.
 */
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "internal.h"

#define RINGBUF_MIN_SIZE 4096u

bool evbpf__map_is_percpu(uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

static bool is_global_data_sec(const char *name)
{
	return !strcmp(name, ".data") || !strcmp(name, ".rodata") || !strcmp(name, ".bss") ||
	       !strncmp(name, ".data.", 6) || !strncmp(name, ".rodata.", 8) ||
	       !strncmp(name, ".bss.", 5);
}

static bool is_rodata_sec(const char *name)
{
	return !strcmp(name, ".rodata") || !strncmp(name, ".rodata.", 8);
}

static struct evbpf_map *add_map(struct evbpf_object *obj, const char *name,
				 enum evbpf_map_origin origin, size_t sec_idx, uint64_t sec_off)
{
	struct evbpf_map *maps, *m;

	maps = realloc(obj->maps, (obj->nr_maps + 1) * sizeof(*maps));
	if (!maps)
		return NULL;
	obj->maps = maps;
	m = &maps[obj->nr_maps];
	memset(m, 0, sizeof(*m));
	m->obj = obj;
	m->fd = -1;
	m->inner_map_idx = -1;
	m->origin = origin;
	m->sec_idx = sec_idx;
	m->sec_off = sec_off;
	m->name = strdup(name);
	if (!m->name)
		return NULL;
	obj->nr_maps++;
	return m;
}


/* ------------------------------------------------------------ BTF maps */

/* __uint(name, N) is encoded as a pointer to an array of N elements. */
static int btf_uint_member(const struct evbpf_btf *btf, const struct btf_member *m,
			   uint32_t *val)
{
	const struct btf_type *t;
	int id;

	id = evbpf__btf_skip_mods(btf, m->type);
	t = id > 0 ? evbpf__btf_type(btf, (uint32_t)id) : NULL;
	if (!t || evbpf__btf_kind(t) != BTF_KIND_PTR)
		return id == -ELOOP ? -ELOOP : -EINVAL;
	id = evbpf__btf_skip_mods(btf, t->type);
	t = id > 0 ? evbpf__btf_type(btf, (uint32_t)id) : NULL;
	if (!t || evbpf__btf_kind(t) != BTF_KIND_ARRAY)
		return id == -ELOOP ? -ELOOP : -EINVAL;
	*val = ((const struct btf_array *)(t + 1))->nelems;
	return 0;
}

/* __type(name, T) is encoded as a pointer to T. */
static int btf_type_member(const struct evbpf_btf *btf, const struct btf_member *m,
			   uint32_t *type_id, uint32_t *size)
{
	const struct btf_type *t;
	int64_t sz;
	int id;

	id = evbpf__btf_skip_mods(btf, m->type);
	t = id > 0 ? evbpf__btf_type(btf, (uint32_t)id) : NULL;
	if (!t || evbpf__btf_kind(t) != BTF_KIND_PTR)
		return id == -ELOOP ? -ELOOP : -EINVAL;
	sz = evbpf__btf_resolve_size(btf, t->type);
	if (sz < 0)
		return (int)sz;
	if (sz > UINT32_MAX)
		return -E2BIG;
	*type_id = t->type;
	*size = (uint32_t)sz;
	return 0;
}

static int parse_btf_map_def(struct evbpf_object *obj, struct evbpf_map *map, uint32_t def_id,
			     bool inner);

static int parse_inner_map(struct evbpf_object *obj, struct evbpf_map *outer,
			   const struct btf_member *m)
{
	const struct evbpf_btf *btf = obj->btf;
	const struct btf_type *t;
	struct evbpf_map *inner;
	char name[256];
	size_t outer_idx = (size_t)(outer - obj->maps);
	int id, err;

	/* __array(values, struct inner_def): an array of pointers to the
	 * inner definition. */
	id = evbpf__btf_skip_mods(btf, m->type);
	t = id > 0 ? evbpf__btf_type(btf, (uint32_t)id) : NULL;
	if (!t || evbpf__btf_kind(t) != BTF_KIND_ARRAY)
		return evbpf__err(-EINVAL, "map '%s': 'values' is not an array", outer->name);
	id = evbpf__btf_skip_mods(btf, ((const struct btf_array *)(t + 1))->type);
	t = id > 0 ? evbpf__btf_type(btf, (uint32_t)id) : NULL;
	if (!t || evbpf__btf_kind(t) != BTF_KIND_PTR)
		return evbpf__err(-EINVAL, "map '%s': 'values' is not an array of pointers",
				  outer->name);
	if (outer->type == BPF_MAP_TYPE_PROG_ARRAY)
		return 0; /* initial program values: no inner definition */
	id = evbpf__btf_skip_mods(btf, t->type);
	if (id <= 0)
		return evbpf__err(-EINVAL, "map '%s': bad inner map type", outer->name);
	snprintf(name, sizeof(name), "%s.inner", outer->name);
	inner = add_map(obj, name, EVBPF_MAP_BTF, outer->sec_idx, UINT64_MAX);
	if (!inner)
		return -ENOMEM;
	outer = &obj->maps[outer_idx]; /* add_map may move the array */
	err = parse_btf_map_def(obj, inner, (uint32_t)id, true);
	if (err)
		return err;
	outer->inner_map_idx = (int)(obj->nr_maps - 1);
	return 0;
}

static int parse_btf_map_def(struct evbpf_object *obj, struct evbpf_map *map, uint32_t def_id,
			     bool inner)
{
	const struct evbpf_btf *btf = obj->btf;
	const struct btf_type *def = evbpf__btf_type(btf, def_id);
	const struct btf_member *m;
	size_t map_idx = (size_t)(map - obj->maps);
	uint32_t val;
	int err = 0;

	if (!def || evbpf__btf_kind(def) != BTF_KIND_STRUCT)
		return evbpf__err(-EINVAL, "map '%s': definition is not a struct", map->name);
	m = (const struct btf_member *)(def + 1);
	for (uint16_t i = 0; i < evbpf__btf_vlen(def); i++) {
		const char *mname = evbpf__btf_str(btf, m[i].name_off);
		struct evbpf_map *mp = &obj->maps[map_idx];

		if (!strcmp(mname, "type")) {
			err = btf_uint_member(btf, &m[i], &mp->type);
		} else if (!strcmp(mname, "max_entries")) {
			err = btf_uint_member(btf, &m[i], &mp->max_entries);
		} else if (!strcmp(mname, "map_flags")) {
			err = btf_uint_member(btf, &m[i], &mp->map_flags);
		} else if (!strcmp(mname, "numa_node")) {
			err = btf_uint_member(btf, &m[i], &mp->numa_node);
		} else if (!strcmp(mname, "map_extra")) {
			err = btf_uint_member(btf, &m[i], &val);
			mp->map_extra = val;
		} else if (!strcmp(mname, "key_size")) {
			err = btf_uint_member(btf, &m[i], &val);
			if (!err && mp->key_size && mp->key_size != val)
				return evbpf__err(-EINVAL, "map '%s': key_size %u conflicts with "
							   "key type size %u",
						  mp->name, val, mp->key_size);
			mp->key_size = val;
		} else if (!strcmp(mname, "value_size")) {
			err = btf_uint_member(btf, &m[i], &val);
			if (!err && mp->value_size && mp->value_size != val)
				return evbpf__err(-EINVAL, "map '%s': value_size %u conflicts "
							   "with value type size %u",
						  mp->name, val, mp->value_size);
			mp->value_size = val;
		} else if (!strcmp(mname, "key")) {
			err = btf_type_member(btf, &m[i], &mp->btf_key_type_id, &val);
			if (!err && mp->key_size && mp->key_size != val)
				return evbpf__err(-EINVAL, "map '%s': key type size %u conflicts "
							   "with key_size %u",
						  mp->name, val, mp->key_size);
			mp->key_size = val;
		} else if (!strcmp(mname, "value")) {
			err = btf_type_member(btf, &m[i], &mp->btf_value_type_id, &val);
			if (!err && mp->value_size && mp->value_size != val)
				return evbpf__err(-EINVAL, "map '%s': value type size %u conflicts "
							   "with value_size %u",
						  mp->name, val, mp->value_size);
			mp->value_size = val;
		} else if (!strcmp(mname, "pinning")) {
			err = btf_uint_member(btf, &m[i], &val);
			if (!err && val > EVBPF_PIN_BY_NAME)
				return evbpf__err(-EINVAL, "map '%s': unknown pinning %u",
						  mp->name, val);
			if (!err && inner && val)
				return evbpf__err(-EINVAL, "map '%s': inner maps cannot be pinned",
						  mp->name);
			mp->pinning = (enum evbpf_pin_type)val;
		} else if (!strcmp(mname, "values")) {
			/* BTF member offsets are in bits (no kind_flag here). */
			mp->values_off = BTF_INFO_KFLAG(def->info) ? BTF_MEMBER_BIT_OFFSET(m[i].offset) / 8
								   : m[i].offset / 8;
			if (inner)
				return evbpf__err(-EINVAL, "map '%s': nested map-in-map",
						  mp->name);
			err = parse_inner_map(obj, mp, &m[i]);
			if (err)
				return err;
		} else {
			evbpf__debug("map '%s': ignoring unknown field '%s'", mp->name, mname);
		}
		if (err)
			return evbpf__err(-EINVAL, "map '%s': field '%s' is malformed%s",
					  obj->maps[map_idx].name, mname,
					  err == -ELOOP ? ": reference loop"
					  : err == -E2BIG ? ": type too large"
							  : "");
	}
	return 0;
}

static int init_btf_maps(struct evbpf_object *obj)
{
	const struct evbpf_btf *btf = obj->btf;
	size_t sec_idx = evbpf__elf_find_sec(&obj->elf, ".maps");
	const struct btf_type *ds;
	const struct btf_var_secinfo *v;
	int ds_id;

	if (!sec_idx)
		return 0;
	if (!btf)
		return evbpf__err(-EINVAL, "object '%s': .maps section without .BTF (compile "
					   "with -g)",
				  obj->name);
	ds_id = evbpf__btf_find(btf, ".maps", BTF_KIND_DATASEC);
	if (ds_id < 0)
		return evbpf__err(-EINVAL, "object '%s': no BTF DATASEC for .maps", obj->name);
	ds = evbpf__btf_type(btf, (uint32_t)ds_id);
	v = (const struct btf_var_secinfo *)(ds + 1);
	for (uint16_t i = 0; i < evbpf__btf_vlen(ds); i++) {
		const struct btf_type *var = evbpf__btf_type(btf, v[i].type);
		const char *name;
		struct evbpf_map *map;
		int def_id, err;

		if (!var || evbpf__btf_kind(var) != BTF_KIND_VAR)
			return evbpf__err(-EINVAL, "object '%s': .maps entry %u is not a variable",
					  obj->name, i);
		name = evbpf__btf_name(btf, v[i].type);
		def_id = evbpf__btf_skip_mods(btf, var->type);
		if (def_id <= 0)
			return evbpf__err(-EINVAL, "map '%s': definition type: %s", name,
					  def_id == -ELOOP ? "reference loop" : "invalid");
		map = add_map(obj, name, EVBPF_MAP_BTF, sec_idx, v[i].offset);
		if (!map)
			return -ENOMEM;
		evbpf__kernel_name(map->kname, "", name);
		err = parse_btf_map_def(obj, map, (uint32_t)def_id, false);
		if (err)
			return err;
	}
	return 0;
}

/* ---------------------------------------------------------- legacy maps */

/* struct bpf_map_def from old bpf_helpers.h: five u32 fields. */
struct legacy_map_def {
	uint32_t type, key_size, value_size, max_entries, map_flags;
};

static int init_legacy_maps(struct evbpf_object *obj)
{
	const struct evbpf_elf *elf = &obj->elf;
	size_t sec_idx = evbpf__elf_find_sec(elf, "maps");
	const struct evbpf_elf_sec *s;

	if (!sec_idx)
		return 0;
	s = &elf->secs[sec_idx];
	for (size_t i = 0; i < elf->nr_syms; i++) {
		const Elf64_Sym *sym = &elf->syms[i];
		struct legacy_map_def def = {0};
		struct evbpf_map *map;
		const char *name;
		size_t n;

		if (sym->st_shndx != sec_idx || ELF64_ST_TYPE(sym->st_info) == STT_SECTION ||
		    ELF64_ST_BIND(sym->st_info) != STB_GLOBAL)
			continue;
		name = evbpf__elf_sym_name(elf, sym);
		if (!s->data)
			return evbpf__err(-EINVAL, "map '%s': legacy maps section has no data", name);
		if (sym->st_size < 4 * sizeof(uint32_t))
			return evbpf__err(-EINVAL, "map '%s': legacy definition has %llu bytes, "
						   "fewer than 16",
					  name, (unsigned long long)sym->st_size);
		n = sym->st_size < sizeof(def) ? sym->st_size : sizeof(def);
		memcpy(&def, s->data + sym->st_value, n);
		map = add_map(obj, name, EVBPF_MAP_LEGACY, sec_idx, sym->st_value);
		if (!map)
			return -ENOMEM;
		evbpf__kernel_name(map->kname, "", name);
		map->type = def.type;
		map->key_size = def.key_size;
		map->value_size = def.value_size;
		map->max_entries = def.max_entries;
		map->map_flags = def.map_flags;
	}
	return 0;
}

/* ---------------------------------------------------------- global data */

struct evbpf_map *evbpf__object_add_data_map(struct evbpf_object *obj, const char *name,
					     enum evbpf_map_origin origin, size_t sec_idx,
					     uint32_t size, uint32_t extra_flags)
{
	struct evbpf_map *map;
	char prefix[16];
	int ds;

	map = add_map(obj, name, origin, sec_idx, 0);
	if (!map)
		return NULL;
	/* Kernel name: up to 8 characters of the object name, then the
	 * section name, as libbpf does ("myprog.rodata"). */
	snprintf(prefix, sizeof(prefix), "%.8s", obj->name);
	evbpf__kernel_name(map->kname, prefix, name);
	map->type = BPF_MAP_TYPE_ARRAY;
	map->key_size = sizeof(uint32_t);
	map->value_size = size;
	map->max_entries = 1;
	map->map_flags = BPF_F_MMAPABLE | extra_flags;
	map->init_size = size;
	/* Rounded up so that a skeleton's section struct, whose size is
	 * the section's rounded up to its alignment (at most 16), can be
	 * assigned as a whole before load. */
	map->init_data = calloc(1, evbpf__roundup(size ? size : 1, 16));
	if (!map->init_data)
		return NULL; /* counted in obj->maps: released with the object */
	if (obj->btf) {
		ds = evbpf__btf_find(obj->btf, name, BTF_KIND_DATASEC);
		if (ds > 0)
			map->btf_value_type_id = (uint32_t)ds;
	}
	return map;
}

static int init_data_maps(struct evbpf_object *obj)
{
	const struct evbpf_elf *elf = &obj->elf;

	for (size_t i = 1; i < elf->nr_secs; i++) {
		const struct evbpf_elf_sec *s = &elf->secs[i];
		struct evbpf_map *map;

		if (!is_global_data_sec(s->name) || (s->type != SHT_PROGBITS && s->type != SHT_NOBITS))
			continue;
		if (s->flags & SHF_EXECINSTR)
			continue;
		if (s->size == 0)
			continue;
		if (s->size > UINT32_MAX / 2)
			return evbpf__err(-E2BIG, "object '%s': section '%s' is too large",
					  obj->name, s->name);
		map = evbpf__object_add_data_map(obj, s->name, EVBPF_MAP_DATA, i,
						 (uint32_t)s->size,
						 is_rodata_sec(s->name) ? BPF_F_RDONLY_PROG : 0);
		if (!map)
			return -ENOMEM;
		if (s->type == SHT_PROGBITS && s->data)
			memcpy(map->init_data, s->data, s->size);
	}
	return 0;
}

/* Fill in what the declaration leaves to the loader. */
static int finalize_map_def(struct evbpf_map *map)
{
	if (map->type == BPF_MAP_TYPE_RINGBUF || map->type == BPF_MAP_TYPE_USER_RINGBUF) {
		uint64_t sz = RINGBUF_MIN_SIZE;
		long page = sysconf(_SC_PAGESIZE);

		if (page > 0 && (uint64_t)page > sz)
			sz = (uint64_t)page;
		/* A power of two and a multiple of the page size. */
		while (sz < map->max_entries)
			sz <<= 1;
		if (sz > (1ull << 31))
			return evbpf__err(-E2BIG, "map '%s': ring buffer size %u is too large",
					  map->name, map->max_entries);
		if (sz != map->max_entries && map->max_entries)
			evbpf__debug("map '%s': ring buffer size %u rounded up to %llu", map->name,
				     map->max_entries, (unsigned long long)sz);
		map->max_entries = (uint32_t)sz;
	}
	if (map->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
		if (!map->key_size)
			map->key_size = 4;
		if (!map->value_size)
			map->value_size = 4;
		/* A CPU index and a perf event fd; consumers rely on it. */
		if (map->key_size != 4 || map->value_size != 4)
			return evbpf__err(-EINVAL, "map '%s': perf event array key_size %u, "
						   "value_size %u: both must be 4",
					  map->name, map->key_size, map->value_size);
		if (!map->max_entries) {
			int n = evbpf_num_possible_cpus();

			if (n < 0)
				return n;
			map->max_entries = (uint32_t)n;
		}
	}
	if ((map->type == BPF_MAP_TYPE_ARRAY_OF_MAPS || map->type == BPF_MAP_TYPE_HASH_OF_MAPS ||
	     map->type == BPF_MAP_TYPE_PROG_ARRAY) &&
	    !map->value_size)
		map->value_size = 4;
	if (map->type == BPF_MAP_TYPE_UNSPEC)
		return evbpf__err(-EINVAL, "map '%s': no map type", map->name);
	return 0;
}

int evbpf__object_init_maps(struct evbpf_object *obj)
{
	int err;

	err = init_btf_maps(obj);
	if (!err)
		err = init_legacy_maps(obj);
	if (!err)
		err = init_data_maps(obj);
	if (err)
		return err;
	for (size_t i = 0; i < obj->nr_maps; i++) {
		err = finalize_map_def(&obj->maps[i]);
		if (err)
			return err;
	}
	return 0;
}

/* ------------------------------------------------------------- creation */

/* Map types whose creation rejects BTF key/value type ids. */
static bool map_takes_btf(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
	case BPF_MAP_TYPE_CGROUP_ARRAY:
	case BPF_MAP_TYPE_STACK_TRACE:
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
	case BPF_MAP_TYPE_HASH_OF_MAPS:
	case BPF_MAP_TYPE_DEVMAP:
	case BPF_MAP_TYPE_DEVMAP_HASH:
	case BPF_MAP_TYPE_CPUMAP:
	case BPF_MAP_TYPE_XSKMAP:
	case BPF_MAP_TYPE_SOCKMAP:
	case BPF_MAP_TYPE_SOCKHASH:
	case BPF_MAP_TYPE_QUEUE:
	case BPF_MAP_TYPE_STACK:
	case BPF_MAP_TYPE_RINGBUF:
	case BPF_MAP_TYPE_USER_RINGBUF:
	case BPF_MAP_TYPE_PROG_ARRAY:
		return false;
	default:
		return true;
	}
}

static int create_fd(struct evbpf_map *map, int inner_fd, bool with_btf)
{
	union bpf_attr attr;
	int btf_fd = map->obj ? map->obj->btf_fd : -1;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = map->type;
	attr.key_size = map->key_size;
	attr.value_size = map->value_size;
	attr.max_entries = map->max_entries;
	attr.map_flags = map->map_flags;
	attr.numa_node = map->numa_node;
	attr.map_extra = map->map_extra;
	attr.inner_map_fd = inner_fd >= 0 ? (uint32_t)inner_fd : 0;
	memcpy(attr.map_name, map->kname, sizeof(attr.map_name));
	if (with_btf && btf_fd >= 0 && map_takes_btf(map->type) &&
	    (map->btf_key_type_id || map->btf_value_type_id)) {
		attr.btf_fd = (uint32_t)btf_fd;
		attr.btf_key_type_id = map->btf_key_type_id;
		attr.btf_value_type_id = map->btf_value_type_id;
	}
	return evbpf__bpf_map_create(&attr);
}

static int fill_global_data(struct evbpf_map *map)
{
	uint32_t zero = 0;
	int err;

	err = evbpf__bpf_map_update(map->fd, &zero, map->init_data, 0);
	if (err)
		return evbpf__err(err, "map '%s': writing initial value: %s", map->name,
				  evbpf_strerror(err));
	if (map->map_flags & BPF_F_RDONLY_PROG) {
		err = evbpf__bpf_map_freeze(map->fd);
		if (err)
			return evbpf__err(err, "map '%s': freeze: %s", map->name,
					  evbpf_strerror(err));
	}
	return 0;
}

int evbpf__map_create_kernel(struct evbpf_map *map)
{
	struct evbpf_object *obj = map->obj;
	int inner_fd = -1, fd, err;

	if (map->fd >= 0)
		return 0;
	if (map->sec_off == UINT64_MAX && map->origin == EVBPF_MAP_BTF)
		return 0; /* an inner template: created with its outer map */
	err = evbpf__map_pin_reuse(map); /* LIBBPF_PIN_BY_NAME (pin.c) */
	if (err)
		return err < 0 ? err : 0;
	if (map->inner_map_idx >= 0) {
		struct evbpf_map *inner = &obj->maps[map->inner_map_idx];

		inner_fd = create_fd(inner, -1, true);
		if (inner_fd < 0)
			inner_fd = create_fd(inner, -1, false);
		if (inner_fd < 0)
			return evbpf__err(inner_fd, "map '%s': creating inner map template: %s%s",
					  map->name, evbpf_strerror(inner_fd),
					  evbpf__memlock_hint(inner_fd));
	}
	fd = create_fd(map, inner_fd, true);
	if (fd < 0 && obj && obj->btf_fd >= 0) {
		int fd2 = create_fd(map, inner_fd, false);

		if (fd2 >= 0) {
			evbpf__debug("map '%s': created without BTF (%s with BTF)", map->name,
				     evbpf_strerror(fd));
			fd = fd2;
		}
	}
	if (inner_fd >= 0)
		close(inner_fd);
	if (fd < 0)
		return evbpf__err(fd, "map '%s': BPF_MAP_CREATE (type %u, key %u, value %u, max %u, "
				      "flags 0x%x): %s%s",
				  map->name, map->type, map->key_size, map->value_size,
				  map->max_entries, map->map_flags, evbpf_strerror(fd),
				  evbpf__memlock_hint(fd));
	map->fd = fd;
	if (map->origin == EVBPF_MAP_DATA || map->origin == EVBPF_MAP_KCONFIG) {
		err = fill_global_data(map);
		if (err) {
			evbpf__close_fd(&map->fd);
			return err;
		}
	}
	err = evbpf__map_pin_new(map);
	if (err)
		evbpf__close_fd(&map->fd);
	return err;
}

int evbpf__map_fill_slots(struct evbpf_map *map)
{
	struct evbpf_object *obj = map->obj;

	for (size_t i = 0; i < map->nr_init_slots; i++) {
		const struct evbpf_map_init_slot *s = &map->init_slots[i];
		uint32_t key = s->slot;
		int fd, err;

		fd = map->type == BPF_MAP_TYPE_PROG_ARRAY ? obj->progs[s->target].fd
							  : obj->maps[s->target].fd;
		if (fd < 0)
			continue;
		err = evbpf__bpf_map_update(map->fd, &key, &fd, 0);
		if (err)
			return evbpf__err(err, "map '%s': setting initial slot %u: %s", map->name,
					  key, evbpf_strerror(err));
	}
	return 0;
}

void evbpf__map_release(struct evbpf_map *map)
{
	evbpf__map_munmap(map);
	evbpf__close_fd(&map->fd);
	free(map->name);
	free(map->pin_path);
	free(map->init_data);
	free(map->init_slots);
	map->init_slots = NULL;
	map->nr_init_slots = 0;
	map->name = NULL;
	map->pin_path = NULL;
	map->init_data = NULL;
}

/* ------------------------------------------------------------ accessors */

EVBPF_API int evbpf_map_fd(const struct evbpf_map *map)
{
	if (!map)
		return -EINVAL;
	return map->fd >= 0 ? map->fd : -ENOENT;
}

EVBPF_API const char *evbpf_map_name(const struct evbpf_map *map)
{
	return map ? map->name : NULL;
}

EVBPF_API uint32_t evbpf_map_type(const struct evbpf_map *map)
{
	return map ? map->type : 0;
}

EVBPF_API uint32_t evbpf_map_key_size(const struct evbpf_map *map)
{
	return map ? map->key_size : 0;
}

EVBPF_API uint32_t evbpf_map_value_size(const struct evbpf_map *map)
{
	return map ? map->value_size : 0;
}

EVBPF_API uint32_t evbpf_map_max_entries(const struct evbpf_map *map)
{
	return map ? map->max_entries : 0;
}

EVBPF_API uint32_t evbpf_map_flags(const struct evbpf_map *map)
{
	return map ? map->map_flags : 0;
}

EVBPF_API size_t evbpf_map_value_buf_size(const struct evbpf_map *map)
{
	int ncpu;

	if (!map)
		return 0;
	if (!evbpf__map_is_percpu(map->type))
		return map->value_size;
	ncpu = evbpf_num_possible_cpus();
	if (ncpu < 0)
		return 0;
	return evbpf__roundup(map->value_size, 8) * (size_t)ncpu;
}

static int check_unloaded(struct evbpf_map *map, const char *what)
{
	if (!map)
		return evbpf__err(-EINVAL, "%s: NULL map", what);
	if (map->fd >= 0)
		return evbpf__err(-EBUSY, "map '%s': %s after load", map->name, what);
	return 0;
}

EVBPF_API int evbpf_map_set_max_entries(struct evbpf_map *map, uint32_t max_entries)
{
	int err = check_unloaded(map, "set_max_entries");

	if (err)
		return err;
	if (map->origin == EVBPF_MAP_DATA)
		return evbpf__err(-EINVAL, "map '%s': global data has one element", map->name);
	map->max_entries = max_entries;
	return finalize_map_def(map);
}

EVBPF_API int evbpf_map_set_value_size(struct evbpf_map *map, uint32_t value_size)
{
	int err = check_unloaded(map, "set_value_size");

	if (err)
		return err;
	if (map->origin == EVBPF_MAP_DATA)
		return evbpf__err(-EINVAL, "map '%s': global data size is fixed", map->name);
	map->value_size = value_size;
	map->btf_value_type_id = 0;
	return 0;
}

static int read_map_info(int fd, struct bpf_map_info *info)
{
	uint32_t len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return evbpf__bpf_obj_info(fd, info, &len);
}

EVBPF_API int evbpf_map_reuse_fd(struct evbpf_map *map, int fd)
{
	struct bpf_map_info info;
	int err = check_unloaded(map, "reuse_fd"), nfd;

	if (err)
		return err;
	err = read_map_info(fd, &info);
	if (err)
		return evbpf__err(err, "map '%s': fd %d is not a BPF map: %s", map->name, fd,
				  evbpf_strerror(err));
	if (info.type != map->type || info.key_size != map->key_size ||
	    info.value_size != map->value_size || info.max_entries != map->max_entries)
		return evbpf__err(-EINVAL, "map '%s': fd %d has a different shape (type %u key %u "
					   "value %u max %u)",
				  map->name, fd, info.type, info.key_size, info.value_size,
				  info.max_entries);
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (nfd < 0)
		return -errno;
	map->fd = nfd;
	map->reused = true;
	return 0;
}

/* -------------------------------------------------------------- elements */

static int elem_check(const struct evbpf_map *map, const void *key, const void *value,
		      const char *what)
{
	if (!map)
		return evbpf__err(-EINVAL, "map %s: NULL map", what);
	if (map->fd < 0)
		return evbpf__err(-ENOENT, "map '%s': %s before the map is loaded", map->name,
				  what);
	if (!key && map->key_size)
		return evbpf__err(-EINVAL, "map '%s': %s: NULL key", map->name, what);
	(void)value;
	return 0;
}

EVBPF_API int evbpf_map_lookup(const struct evbpf_map *map, const void *key, void *value)
{
	int err = elem_check(map, key, value, "lookup");

	if (err)
		return err;
	if (!value)
		return evbpf__err(-EINVAL, "map '%s': lookup: NULL value", map->name);
	return evbpf__map_elem_result(map, "lookup", evbpf__bpf_map_lookup(map->fd, key, value, 0));
}

EVBPF_API int evbpf_map_update(const struct evbpf_map *map, const void *key, const void *value,
			       uint64_t flags)
{
	int err = elem_check(map, key, value, "update");

	if (err)
		return err;
	if (!value)
		return evbpf__err(-EINVAL, "map '%s': update: NULL value", map->name);
	return evbpf__map_elem_result(map, "update",
				      evbpf__bpf_map_update(map->fd, key, value, flags));
}

static int elem_cmd(enum bpf_cmd cmd, int fd, const void *key, void *value, void *next)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = (uint32_t)fd;
	attr.key = (uint64_t)(uintptr_t)key;
	if (next)
		attr.next_key = (uint64_t)(uintptr_t)next;
	else
		attr.value = (uint64_t)(uintptr_t)value;
	return evbpf__bpf(cmd, &attr, sizeof(attr));
}

EVBPF_API int evbpf_map_delete(const struct evbpf_map *map, const void *key)
{
	int err = elem_check(map, key, NULL, "delete");

	if (err)
		return err;
	return evbpf__map_elem_result(map, "delete",
				      elem_cmd(BPF_MAP_DELETE_ELEM, map->fd, key, NULL, NULL));
}

EVBPF_API int evbpf_map_next_key(const struct evbpf_map *map, const void *key, void *next_key)
{
	int err;

	if (!map)
		return evbpf__err(-EINVAL, "map next_key: NULL map");
	err = elem_check(map, map->key_size ? "" : NULL, NULL, "next_key");
	if (err)
		return err;
	if (!next_key)
		return evbpf__err(-EINVAL, "map '%s': next_key: NULL next_key", map->name);
	return evbpf__map_elem_result(map, "next_key",
				      elem_cmd(BPF_MAP_GET_NEXT_KEY, map->fd, key, NULL, next_key));
}

EVBPF_API int evbpf_map_lookup_and_delete(const struct evbpf_map *map, const void *key,
					  void *value)
{
	int err = elem_check(map, map && map->key_size ? key : "", value, "lookup_and_delete");

	if (err)
		return err;
	return evbpf__map_elem_result(map, "lookup_and_delete",
				      elem_cmd(BPF_MAP_LOOKUP_AND_DELETE_ELEM, map->fd, key, value,
					       NULL));
}

/* ------------------------------------------------------- standalone maps */

EVBPF_API int evbpf_map_create(uint32_t map_type, const char *name, uint32_t key_size,
			       uint32_t value_size, uint32_t max_entries,
			       const struct evbpf_map_create_opts *opts, struct evbpf_map **mapp)
{
	struct evbpf_map *map;
	int err, inner_fd = -1;

	if (!mapp)
		return evbpf__err(-EINVAL, "map create: NULL out parameter");
	if (opts && opts->sz < sizeof(size_t))
		return evbpf__err(-EINVAL, "map create: opts->sz is not set");
	map = calloc(1, sizeof(*map));
	if (!map)
		return -ENOMEM;
	map->fd = -1;
	map->inner_map_idx = -1;
	map->origin = EVBPF_MAP_STANDALONE;
	map->name = strdup(name ? name : "");
	if (!map->name) {
		free(map);
		return -ENOMEM;
	}
	evbpf__kernel_name(map->kname, "", map->name);
	map->type = map_type;
	map->key_size = key_size;
	map->value_size = value_size;
	map->max_entries = max_entries;
	if (opts) {
		map->map_flags = opts->map_flags;
		map->numa_node = opts->numa_node;
		map->map_extra = opts->map_extra;
		if (opts->inner_map_fd)
			inner_fd = (int)opts->inner_map_fd;
	}
	err = finalize_map_def(map);
	if (!err) {
		err = create_fd(map, inner_fd, false);
		if (err >= 0) {
			map->fd = err;
			err = 0;
		} else {
			err = evbpf__err(err, "map '%s': BPF_MAP_CREATE: %s%s", map->name,
					 evbpf_strerror(err), evbpf__memlock_hint(err));
		}
	}
	if (err) {
		evbpf_map_free(map);
		return err;
	}
	*mapp = map;
	return 0;
}

EVBPF_API int evbpf_map_from_fd(int fd, struct evbpf_map **mapp)
{
	struct bpf_map_info info;
	struct evbpf_map *map;
	int err;

	if (fd < 0 || !mapp)
		return evbpf__err(-EINVAL, "map from fd: bad argument");
	err = read_map_info(fd, &info);
	if (err)
		return evbpf__err(err, "fd %d is not a BPF map: %s", fd, evbpf_strerror(err));
	map = calloc(1, sizeof(*map));
	if (!map)
		return -ENOMEM;
	map->inner_map_idx = -1;
	map->origin = EVBPF_MAP_STANDALONE;
	map->name = strndup(info.name, sizeof(info.name));
	map->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (!map->name || map->fd < 0) {
		err = map->fd < 0 ? -errno : -ENOMEM;
		evbpf_map_free(map);
		return err;
	}
	memcpy(map->kname, info.name, sizeof(map->kname));
	map->kname[sizeof(map->kname) - 1] = '\0';
	map->type = info.type;
	map->key_size = info.key_size;
	map->value_size = info.value_size;
	map->max_entries = info.max_entries;
	map->map_flags = info.map_flags;
	*mapp = map;
	return 0;
}

EVBPF_API void evbpf_map_free(struct evbpf_map *map)
{
	if (!map)
		return;
	if (map->obj) {
		evbpf__warn("map '%s': evbpf_map_free on a map owned by an object ignored",
			    map->name);
		return;
	}
	evbpf__map_release(map);
	free(map);
}
