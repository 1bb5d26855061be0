/* SPDX-License-Identifier: MIT */
/*
 * Direct memory: a BPF_F_MMAPABLE array map mapped into the process
 * (evbpf_map_mmap), and the initial value of a global data section before
 * load (evbpf_map_initial_value). Skeletons point their typed section
 * structs at one, then the other.
 *
 * The kernel's rules (kernel/bpf/syscall.c, bpf_map_mmap): only maps
 * created with BPF_F_MMAPABLE can be mapped, and only MAP_SHARED; a frozen
 * map (.rodata after its initial value is written) or one created with
 * BPF_F_RDONLY refuses a writable mapping with EPERM but allows a
 * read-only one. The mapping holds its own reference to the map, so it
 * stays valid until it is unmapped, whatever happens to the fd.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

/* Bytes the array's elements take: each element is 8-byte aligned. */
static size_t array_bytes(const struct evbpf_map *map)
{
	return evbpf__roundup(map->value_size, 8) * (size_t)map->max_entries;
}

static bool map_is_readonly(const struct evbpf_map *map)
{
	/* .rodata and .kconfig are frozen when their value is written. */
	if ((map->origin == EVBPF_MAP_DATA || map->origin == EVBPF_MAP_KCONFIG) &&
	    (map->map_flags & BPF_F_RDONLY_PROG))
		return true;
	return map->map_flags & BPF_F_RDONLY;
}

static int mmap_check(const struct evbpf_map *map)
{
	if (map->fd < 0)
		return evbpf__err(-ENOENT, "map '%s': mmap before the map is loaded", map->name);
	if (map->type != BPF_MAP_TYPE_ARRAY)
		return evbpf__err(-ENOTSUP, "map '%s': only array maps can be mapped (type %s)",
		                  map->name, evbpf_map_type_name(map->type));
	if (!(map->map_flags & BPF_F_MMAPABLE))
		return evbpf__err(-EINVAL,
		                  "map '%s': created without BPF_F_MMAPABLE, so it cannot "
		                  "be mapped",
		                  map->name);
	if (!array_bytes(map))
		return evbpf__err(-EINVAL, "map '%s': empty map", map->name);
	return 0;
}

EVBPF_API int evbpf_map_mmap(struct evbpf_map *map, void **addrp, size_t *sizep)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len;
	void *addr;
	int err;

	if (!map || !addrp)
		return evbpf__err(-EINVAL, "map mmap: NULL argument");
	if (map->mmaped)
		goto out;
	err = mmap_check(map);
	if (err)
		return err;
	len = evbpf__roundup(array_bytes(map), page > 0 ? (size_t)page : 4096);
	addr = MAP_FAILED;
	if (!map_is_readonly(map))
		addr = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, map->fd, 0);
	/* EPERM: frozen by someone else (a map reused from a pin or an fd):
	 * it can still be read. */
	if (addr == MAP_FAILED && (map_is_readonly(map) || errno == EPERM))
		addr = mmap(NULL, len, PROT_READ, MAP_SHARED, map->fd, 0);
	if (addr == MAP_FAILED) {
		err = -errno;
		return evbpf__err(err, "map '%s': mmap of %zu bytes: %s", map->name, len,
		                  evbpf_strerror(err));
	}
	map->mmaped = addr;
	map->mmap_len = len;
out:
	*addrp = map->mmaped;
	if (sizep)
		*sizep = array_bytes(map);
	return 0;
}

void evbpf__map_munmap(struct evbpf_map *map)
{
	if (!map->mmaped)
		return;
	munmap(map->mmaped, map->mmap_len);
	map->mmaped = NULL;
	map->mmap_len = 0;
}

EVBPF_API void *evbpf_map_initial_value(struct evbpf_map *map, size_t *sizep)
{
	void *addr;

	if (!map) {
		evbpf__err(-EINVAL, "map initial_value: NULL map");
		return NULL;
	}
	if (map->origin != EVBPF_MAP_DATA && map->origin != EVBPF_MAP_KCONFIG) {
		evbpf__err(-EINVAL,
		           "map '%s': only global data sections (.data, .rodata, .bss, "
		           ".data.*, ...) have an initial value",
		           map->name);
		return NULL;
	}
	if (map->fd >= 0) {
		/* Loaded: the value the programs see now, in the map itself. */
		if (evbpf_map_mmap(map, &addr, NULL))
			return NULL;
	} else {
		addr = map->init_data;
	}
	if (sizep)
		*sizep = map->value_size;
	return addr;
}
