/* SPDX-License-Identifier: MIT */
/*
 * Arena globals: variables declared __arena (address space 1) are put by
 * clang in the section .addr_space.1, and live in the object's
 * BPF_MAP_TYPE_ARENA map (Linux 6.9), as with libbpf: the section's bytes
 * are copied into the last pages of the arena, and an instruction that
 * takes such a variable's address becomes a map-value load of the arena
 * (the arena's user address, which the kernel fills in) plus the
 * variable's offset there.
 *
 * The arena gets its user address when it is first mapped (unless the
 * map's map_extra fixes it), and programs are given that address when
 * they load: so the arena is mapped as soon as it is created, stays
 * mapped while the map lives, and is written through that mapping.
 */
#include <sys/mman.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

int evbpf__object_init_arena(struct evbpf_object *obj)
{
	size_t sec = evbpf__elf_find_sec(&obj->elf, ".addr_space.1");

	obj->arena_map = -1;
	if (!sec)
		return 0;
	for (size_t i = 0; i < obj->nr_maps; i++) {
		if (obj->maps[i].type != EVBPF_BPF_MAP_TYPE_ARENA)
			continue;
		if (obj->arena_map >= 0)
			return evbpf__err(-EINVAL,
			                  "object '%s': .addr_space.1 globals and two arena "
			                  "maps ('%s', '%s'): which one holds them?",
			                  obj->name, obj->maps[obj->arena_map].name,
			                  obj->maps[i].name);
		obj->arena_map = (int)i;
	}
	if (obj->arena_map < 0)
		return evbpf__err(-EINVAL,
		                  "object '%s': globals in .addr_space.1 (__arena) need an "
		                  "arena map (BPF_MAP_TYPE_ARENA) in .maps",
		                  obj->name);
	obj->arena_sec = sec;
	return 0;
}

int evbpf__arena_fill(struct evbpf_map *map)
{
	const struct evbpf_elf_sec *s = &map->obj->elf.secs[map->obj->arena_sec];
	long page = sysconf(_SC_PAGESIZE);
	size_t size, data;
	void *mem;

	if (page <= 0)
		page = 4096;
	size = (size_t)map->max_entries * (size_t)page;
	data = evbpf__roundup(s->size, (size_t)page);
	if (data > size)
		return evbpf__err(-E2BIG,
		                  "arena '%s': its %u pages cannot hold the %llu bytes of "
		                  ".addr_space.1",
		                  map->name, map->max_entries, (unsigned long long)s->size);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, map->fd, 0);
	if (mem == MAP_FAILED)
		return evbpf__err(-errno, "arena '%s': mmap of %zu bytes: %s", map->name, size,
		                  evbpf_strerror(-errno));
	map->arena_mem = mem;
	map->arena_mem_size = size;
	map->arena_data_off = (uint32_t)(size - data);
	if (s->data && s->size)
		memcpy((uint8_t *)mem + map->arena_data_off, s->data, s->size);
	return 0;
}

void evbpf__arena_release(struct evbpf_map *map)
{
	if (!map->arena_mem)
		return;
	munmap(map->arena_mem, map->arena_mem_size);
	map->arena_mem = NULL;
	map->arena_mem_size = 0;
}
