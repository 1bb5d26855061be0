/* SPDX-License-Identifier: MIT */
/*
 * Pinning: BPF_OBJ_PIN puts a map, program or link in a bpffs directory
 * where it outlives the process, and BPF_OBJ_GET opens it again.
 *
 * Maps declared with __uint(pinning, LIBBPF_PIN_BY_NAME) live at
 * PIN_ROOT/NAME (evbpf_open_opts.pin_root, default /sys/fs/bpf). At load,
 * a map already pinned there is reused if its type, key and value sizes,
 * max_entries and flags match the declaration, and refused with a message
 * saying which differs otherwise; a map that is not pinned yet is created
 * and pinned. If the load then fails, the pins that load made are removed
 * again so a failed load leaves nothing behind.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define DEFAULT_PIN_ROOT "/sys/fs/bpf"

static int obj_pin(int fd, const char *path)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.pathname = (uint64_t)(uintptr_t)path;
	attr.bpf_fd = (uint32_t)fd;
	return evbpf__bpf(BPF_OBJ_PIN, &attr, sizeof(attr));
}

EVBPF_API int evbpf_obj_get(const char *path)
{
	union bpf_attr attr;
	int fd;

	if (!path)
		return evbpf__err(-EINVAL, "obj_get: NULL path");
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (uint64_t)(uintptr_t)path;
	fd = evbpf__bpf(BPF_OBJ_GET, &attr, sizeof(attr));
	if (fd < 0)
		return evbpf__err(fd, "BPF_OBJ_GET '%s': %s", path, evbpf_strerror(fd));
	return fd;
}

static const char *pin_hint(int err)
{
	if (err == -EPERM || err == -EINVAL)
		return " (is the directory on a bpf filesystem? mount -t bpf bpf DIR)";
	if (err == -EEXIST)
		return " (something is already pinned there)";
	if (err == -ENOENT)
		return " (the directory does not exist)";
	return "";
}

EVBPF_API int evbpf_map_pin(struct evbpf_map *map, const char *path)
{
	char *copy;
	int err;

	if (!map)
		return evbpf__err(-EINVAL, "map pin: NULL map");
	if (!path)
		path = map->pin_path;
	if (!path)
		return evbpf__err(-EINVAL, "map '%s': pin: no path", map->name);
	if (map->fd < 0)
		return evbpf__err(-ENOENT, "map '%s': pin before the map is loaded", map->name);
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	err = obj_pin(map->fd, path);
	if (err) {
		free(copy);
		return evbpf__err(err, "map '%s': BPF_OBJ_PIN at '%s': %s%s", map->name, path,
		                  evbpf_strerror(err), pin_hint(err));
	}
	free(map->pin_path);
	map->pin_path = copy;
	return 0;
}

EVBPF_API int evbpf_map_unpin(struct evbpf_map *map, const char *path)
{
	if (!map)
		return evbpf__err(-EINVAL, "map unpin: NULL map");
	if (!path)
		path = map->pin_path;
	if (!path)
		return evbpf__err(-EINVAL, "map '%s': unpin: no path", map->name);
	if (unlink(path))
		return evbpf__err(-errno, "map '%s': unpin '%s': %s", map->name, path,
		                  evbpf_strerror(-errno));
	return 0;
}

EVBPF_API const char *evbpf_map_pin_path(const struct evbpf_map *map)
{
	return map ? map->pin_path : NULL;
}

EVBPF_API int evbpf_program_pin(struct evbpf_program *prog, const char *path)
{
	int err;

	if (!prog || !path)
		return evbpf__err(-EINVAL, "program pin: NULL argument");
	if (prog->fd < 0)
		return evbpf__err(-ENOENT, "prog '%s': pin before the program is loaded",
		                  prog->name);
	err = obj_pin(prog->fd, path);
	if (err)
		return evbpf__err(err, "prog '%s': BPF_OBJ_PIN at '%s': %s%s", prog->name, path,
		                  evbpf_strerror(err), pin_hint(err));
	return 0;
}

EVBPF_API int evbpf_program_unpin(struct evbpf_program *prog, const char *path)
{
	if (!prog || !path)
		return evbpf__err(-EINVAL, "program unpin: NULL argument");
	if (unlink(path))
		return evbpf__err(-errno, "prog '%s': unpin '%s': %s", prog->name, path,
		                  evbpf_strerror(-errno));
	return 0;
}

EVBPF_API int evbpf_map_from_pinned(const char *path, struct evbpf_map **mapp)
{
	int fd, err;

	if (!path || !mapp)
		return evbpf__err(-EINVAL, "map from pinned: NULL argument");
	fd = evbpf_obj_get(path);
	if (fd < 0)
		return fd;
	err = evbpf_map_from_fd(fd, mapp);
	close(fd);
	if (!err) {
		(*mapp)->pin_path = strdup(path);
		if (!(*mapp)->pin_path) {
			evbpf_map_free(*mapp);
			*mapp = NULL;
			return -ENOMEM;
		}
	}
	return err;
}

EVBPF_API int evbpf_map_from_id(uint32_t id, struct evbpf_map **mapp)
{
	union bpf_attr attr;
	int fd, err;

	if (!mapp)
		return evbpf__err(-EINVAL, "map from id: NULL argument");
	memset(&attr, 0, sizeof(attr));
	attr.map_id = id;
	fd = evbpf__bpf(BPF_MAP_GET_FD_BY_ID, &attr, sizeof(attr));
	if (fd < 0)
		return evbpf__err(fd, "BPF_MAP_GET_FD_BY_ID %u: %s", id, evbpf_strerror(fd));
	err = evbpf_map_from_fd(fd, mapp);
	close(fd);
	return err;
}

/* -------------------------------------------------- LIBBPF_PIN_BY_NAME */

static int set_pin_path(struct evbpf_map *map)
{
	const char *root = map->obj && map->obj->pin_root ? map->obj->pin_root : DEFAULT_PIN_ROOT;
	size_t len;

	if (map->pin_path)
		return 0;
	len = strlen(root) + 1 + strlen(map->name) + 1;
	map->pin_path = malloc(len);
	if (!map->pin_path)
		return -ENOMEM;
	snprintf(map->pin_path, len, "%s/%s", root, map->name);
	return 0;
}

int evbpf__map_pin_reuse(struct evbpf_map *map)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);
	union bpf_attr attr;
	struct stat st;
	int fd, err;

	if (map->pinning != EVBPF_PIN_BY_NAME)
		return 0;
	err = set_pin_path(map);
	if (err)
		return err;
	if (stat(map->pin_path, &st) != 0)
		return 0; /* not pinned yet: create, then pin */
	memset(&attr, 0, sizeof(attr));
	attr.pathname = (uint64_t)(uintptr_t)map->pin_path;
	fd = evbpf__bpf(BPF_OBJ_GET, &attr, sizeof(attr));
	if (fd < 0)
		return evbpf__err(fd, "map '%s': opening pinned map '%s': %s", map->name,
		                  map->pin_path, evbpf_strerror(fd));
	memset(&info, 0, sizeof(info));
	err = evbpf__bpf_obj_info(fd, &info, &len);
	if (err) {
		close(fd);
		return evbpf__err(err, "map '%s': '%s' is not a pinned map: %s", map->name,
		                  map->pin_path, evbpf_strerror(err));
	}
	if (info.type != map->type || info.key_size != map->key_size ||
	    info.value_size != map->value_size || info.max_entries != map->max_entries ||
	    info.map_flags != map->map_flags) {
		close(fd);
		return evbpf__err(-EINVAL,
		                  "map '%s': the map pinned at '%s' is incompatible: it has "
		                  "type %u key %u value %u max_entries %u flags %#x, the "
		                  "object declares type %u key %u value %u max_entries %u "
		                  "flags %#x; unpin it or change pin_root",
		                  map->name, map->pin_path, info.type, info.key_size,
		                  info.value_size, info.max_entries, info.map_flags, map->type,
		                  map->key_size, map->value_size, map->max_entries, map->map_flags);
	}
	map->fd = fd;
	evbpf__debug("map '%s': reusing the map pinned at '%s'", map->name, map->pin_path);
	return 1;
}

int evbpf__map_pin_new(struct evbpf_map *map)
{
	int err;

	if (map->pinning != EVBPF_PIN_BY_NAME)
		return 0;
	err = set_pin_path(map);
	if (err)
		return err;
	err = obj_pin(map->fd, map->pin_path);
	if (err)
		return evbpf__err(err, "map '%s': pinning at '%s': %s%s", map->name, map->pin_path,
		                  evbpf_strerror(err), pin_hint(err));
	map->pinned_new = true;
	return 0;
}

void evbpf__object_unpin_new_maps(struct evbpf_object *obj)
{
	for (size_t i = 0; i < obj->nr_maps; i++) {
		struct evbpf_map *m = &obj->maps[i];

		if (m->pinned_new && m->pin_path)
			unlink(m->pin_path);
		m->pinned_new = false;
	}
}
