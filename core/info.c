/* SPDX-License-Identifier: MIT */
/*
 * Introspection: program and link info, id enumeration, run-time
 * statistics, and programs that belong to no object (from a pin, an id or
 * an fd), which the attach functions accept like any other.
 *
 * The kernel's info structs grow with every release and carry user
 * pointers (map ids, tracepoint names) whose meaning depends on fields
 * the kernel fills in. evbpf copies what it reports into flat structs of
 * its own, so callers never handle kernel pointers, and asks for pointer
 * fields only once it knows the kind (a link's type), since the same
 * bytes of the kernel's union are a pointer for one type and a counter
 * for another.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* ------------------------------------------------------------- programs */

/*
 * BPF_OBJ_GET_INFO_BY_FD answers for any BPF fd with that kind's info, in
 * the caller's buffer, and the first fields of every kind look alike; so
 * the fd's kind is checked first, from the anonymous inode's name
 * ("anon_inode:bpf-prog", "bpf-map", "bpf-link"). Without /proc the check
 * is skipped (NULL).
 */
static const char *fd_kind(int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return NULL;
	target[n] = '\0';
	if (!strcmp(target, "anon_inode:bpf-prog"))
		return "program";
	if (!strcmp(target, "anon_inode:bpf-map"))
		return "map";
	if (!strcmp(target, "anon_inode:bpf-link") || !strncmp(target, "anon_inode:bpf_link", 19))
		return "link";
	if (!strcmp(target, "anon_inode:btf"))
		return "BTF object";
	return "not a BPF object";
}

/* -EINVAL with a message unless fd is of kind want (or cannot be told). */
static int check_kind(int fd, const char *want)
{
	const char *kind = fd_kind(fd);

	if (!kind || !strcmp(kind, want))
		return 0;
	return evbpf__err(-EINVAL, "fd %d is not a BPF %s (it is %s%s)", fd, want,
	                  strcmp(kind, "not a BPF object") ? "a BPF " : "", kind);
}

/* The arguments of an *_info_by_fd() call: info with its sz set, and fd
 * a BPF object of that kind. what: "prog info", "link info". */
static int check_info_args(int fd, const void *info, const char *what, const char *kind)
{
	if (!info || *(const size_t *)info < sizeof(size_t))
		return evbpf__err(-EINVAL, "%s: info->sz is not set", what);
	if (fd < 0)
		return evbpf__err(-EINVAL, "%s: bad fd %d", what, fd);
	return check_kind(fd, kind);
}

/* A program's fd from its id, or -errno with "what ID: why". */
static int prog_fd_by_id(uint32_t id, const char *what)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_id = id;
	fd = evbpf__bpf(BPF_PROG_GET_FD_BY_ID, &attr, sizeof(attr));
	if (fd < 0)
		return evbpf__err(fd, "%s %u: %s%s", what, id, evbpf_strerror(fd),
		                  fd == -ENOENT ? " (no program has that id)"
		                                : evbpf__perm_hint(fd));
	return fd;
}

/* A copy of this thread's message, to prefix it with a new one. */
static const char *errmsg_copy(char *buf, size_t size)
{
	snprintf(buf, size, "%s", evbpf_errmsg());
	return buf;
}

static int copy_out(void *dst, const void *src, size_t src_size)
{
	size_t sz = *(const size_t *)dst;

	if (sz < sizeof(size_t))
		return -EINVAL;
	if (sz > src_size)
		sz = src_size;
	memcpy((char *)dst + sizeof(size_t), (const char *)src + sizeof(size_t),
	       sz - sizeof(size_t));
	return 0;
}

/* BPF_OBJ_GET_INFO_BY_FD on a program, with its map ids. */
static int read_prog_info(int fd, struct bpf_prog_info *raw, uint32_t *map_ids)
{
	uint32_t len = sizeof(*raw);

	memset(raw, 0, sizeof(*raw));
	memset(map_ids, 0, EVBPF_PROG_INFO_MAX_MAPS * sizeof(*map_ids));
	raw->nr_map_ids = EVBPF_PROG_INFO_MAX_MAPS;
	raw->map_ids = (uint64_t)(uintptr_t)map_ids;
	return evbpf__bpf_obj_info(fd, raw, &len);
}

static void fill_prog_info(struct evbpf_prog_info *out, const struct bpf_prog_info *raw,
                           const uint32_t *map_ids)
{
	memset(out, 0, sizeof(*out));
	out->sz = sizeof(*out);
	out->id = raw->id;
	out->type = raw->type;
	memcpy(out->name, raw->name, sizeof(out->name));
	out->name[sizeof(out->name) - 1] = '\0';
	memcpy(out->tag, raw->tag, sizeof(out->tag));
	out->run_time_ns = raw->run_time_ns;
	out->run_cnt = raw->run_cnt;
	out->recursion_misses = raw->recursion_misses;
	out->xlated_prog_len = raw->xlated_prog_len;
	out->jited_prog_len = raw->jited_prog_len;
	out->nr_map_ids = raw->nr_map_ids;
	memcpy(out->map_ids, map_ids,
	       (raw->nr_map_ids < EVBPF_PROG_INFO_MAX_MAPS ? raw->nr_map_ids
	                                                   : EVBPF_PROG_INFO_MAX_MAPS) *
	           sizeof(*map_ids));
	out->load_time_ns = raw->load_time;
	out->btf_id = raw->btf_id;
	out->created_by_uid = raw->created_by_uid;
	out->verified_insns = raw->verified_insns;
	out->attach_btf_obj_id = raw->attach_btf_obj_id;
	out->attach_btf_id = raw->attach_btf_id;
	out->ifindex = raw->ifindex;
	out->gpl_compatible = raw->gpl_compatible;
}

EVBPF_API int evbpf_prog_info_by_fd(int prog_fd, struct evbpf_prog_info *info)
{
	uint32_t map_ids[EVBPF_PROG_INFO_MAX_MAPS];
	struct evbpf_prog_info tmp;
	struct bpf_prog_info raw;
	int err;

	err = check_info_args(prog_fd, info, "prog info", "program");
	if (err)
		return err;
	err = read_prog_info(prog_fd, &raw, map_ids);
	if (err)
		return evbpf__err(err, "prog info of fd %d: %s%s", prog_fd, evbpf_strerror(err),
		                  err == -EINVAL ? " (not a BPF program?)" : "");
	fill_prog_info(&tmp, &raw, map_ids);
	return copy_out(info, &tmp, sizeof(tmp));
}

EVBPF_API int evbpf_program_info(const struct evbpf_program *prog, struct evbpf_prog_info *info)
{
	char msg[512];
	int err;

	if (!prog)
		return evbpf__err(-EINVAL, "program info: NULL program");
	if (prog->fd < 0)
		return evbpf__err(-ENOENT, "prog '%s': info before the program is loaded",
		                  prog->name);
	err = evbpf_prog_info_by_fd(prog->fd, info);
	if (err)
		return evbpf__err(err, "prog '%s': %s", prog->name, errmsg_copy(msg, sizeof(msg)));
	return 0;
}

/* ---------------------------------------------------------------- links */

/*
 * struct bpf_link_info as the kernel lays it out (the system header may
 * be older than the running kernel): three u32 and the per-type union at
 * offset 16. The union is padded generously; the kernel accepts a longer
 * buffer as long as the tail is zero.
 */
struct link_info_raw {
	uint32_t type;
	uint32_t id;
	uint32_t prog_id;
	uint32_t pad;
	union {
		struct {
			uint64_t tp_name;
			uint32_t tp_name_len;
		} raw_tp;
		struct {
			uint32_t attach_type, target_obj_id, target_btf_id;
		} tracing;
		struct {
			uint64_t cgroup_id;
			uint32_t attach_type;
		} cgroup;
		struct {
			uint32_t netns_ino, attach_type;
		} netns;
		struct {
			uint32_t ifindex;
		} xdp;
		struct {
			uint32_t map_id;
		} struct_ops;
		struct {
			uint32_t ifindex, attach_type;
		} tcx; /* also netkit */
		struct {
			uint32_t map_id, attach_type;
		} sockmap;
		uint8_t bytes[112];
	} u;
};

enum {
	LINK_RAW_TP = 1,
	LINK_TRACING = 2,
	LINK_CGROUP = 3,
	LINK_ITER = 4,
	LINK_NETNS = 5,
	LINK_XDP = 6,
	LINK_STRUCT_OPS = 9,
	LINK_TCX = 11,
	LINK_NETKIT = 13,
	LINK_SOCKMAP = 14,
};

static const char *const link_type_names[] = {
    "unspec",       "raw_tracepoint", "tracing",      "cgroup",     "iter",      "netns",
    "xdp",          "perf_event",     "kprobe_multi", "struct_ops", "netfilter", "tcx",
    "uprobe_multi", "netkit",         "sockmap",
};

EVBPF_API const char *evbpf_link_type_name(uint32_t link_type)
{
	if (link_type >= EVBPF_ARRAY_SIZE(link_type_names))
		return "unknown";
	return link_type_names[link_type];
}

static void fill_link_info(struct evbpf_link_info *out, const struct link_info_raw *raw,
                           const char *tp_name)
{
	memset(out, 0, sizeof(*out));
	out->sz = sizeof(*out);
	out->id = raw->id;
	out->type = raw->type;
	out->prog_id = raw->prog_id;
	switch (raw->type) {
	case LINK_RAW_TP:
		snprintf(out->tp_name, sizeof(out->tp_name), "%s", tp_name);
		break;
	case LINK_TRACING:
		out->attach_type = raw->u.tracing.attach_type;
		out->target_obj_id = raw->u.tracing.target_obj_id;
		out->target_btf_id = raw->u.tracing.target_btf_id;
		break;
	case LINK_CGROUP:
		out->cgroup_id = raw->u.cgroup.cgroup_id;
		out->attach_type = raw->u.cgroup.attach_type;
		break;
	case LINK_NETNS:
		out->netns_ino = raw->u.netns.netns_ino;
		out->attach_type = raw->u.netns.attach_type;
		break;
	case LINK_XDP:
		out->ifindex = raw->u.xdp.ifindex;
		break;
	case LINK_STRUCT_OPS:
		out->map_id = raw->u.struct_ops.map_id;
		break;
	case LINK_TCX:
	case LINK_NETKIT:
		out->ifindex = raw->u.tcx.ifindex;
		out->attach_type = raw->u.tcx.attach_type;
		break;
	case LINK_SOCKMAP:
		out->map_id = raw->u.sockmap.map_id;
		out->attach_type = raw->u.sockmap.attach_type;
		break;
	default:
		break;
	}
}

EVBPF_API int evbpf_link_info_by_fd(int link_fd, struct evbpf_link_info *info)
{
	struct link_info_raw raw;
	struct evbpf_link_info tmp;
	char tp_name[64] = "";
	uint32_t len = sizeof(raw);
	int err;

	err = check_info_args(link_fd, info, "link info", "link");
	if (err)
		return err;
	/* First with no pointers: only the type says which bytes are one. */
	memset(&raw, 0, sizeof(raw));
	err = evbpf__bpf_obj_info(link_fd, &raw, &len);
	if (!err && raw.type == LINK_RAW_TP) {
		memset(&raw, 0, sizeof(raw));
		raw.u.raw_tp.tp_name = (uint64_t)(uintptr_t)tp_name;
		raw.u.raw_tp.tp_name_len = sizeof(tp_name);
		len = sizeof(raw);
		err = evbpf__bpf_obj_info(link_fd, &raw, &len);
		tp_name[sizeof(tp_name) - 1] = '\0';
	}
	if (err)
		return evbpf__err(err, "link info of fd %d: %s%s", link_fd, evbpf_strerror(err),
		                  err == -EINVAL ? " (not a BPF link?)" : "");
	fill_link_info(&tmp, &raw, tp_name);
	return copy_out(info, &tmp, sizeof(tmp));
}

EVBPF_API int evbpf_link_info(const struct evbpf_link *link, struct evbpf_link_info *info)
{
	int err;

	if (!link)
		return evbpf__err(-EINVAL, "link info: NULL link");
	if (link->fd < 0 || (strcmp(link->kind, "bpf_link") && strcmp(link->kind, "perf_link")))
		return evbpf__err(-ENOTSUP,
		                  "link info: %s is a '%s' attachment, not a BPF link: the "
		                  "kernel keeps no link object for it",
		                  link->desc, link->kind);
	err = evbpf_link_info_by_fd(link->fd, info);
	if (err) {
		char msg[512];

		return evbpf__err(err, "%s: %s", link->desc, errmsg_copy(msg, sizeof(msg)));
	}
	return 0;
}

/* ------------------------------------------------------------------ ids */

static int get_next_id(enum bpf_cmd cmd, const char *what, uint32_t start_id, uint32_t *next)
{
	union bpf_attr attr;
	int err;

	if (!next)
		return evbpf__err(-EINVAL, "%s_next_id: NULL next_id", what);
	memset(&attr, 0, sizeof(attr));
	attr.start_id = start_id;
	err = evbpf__bpf(cmd, &attr, sizeof(attr));
	if (err == -ENOENT) {
		evbpf__errmsg_set("%s_next_id: no %s id after %u", what, what, start_id);
		return err;
	}
	if (err)
		return evbpf__err(err, "%s_next_id after %u: %s%s", what, start_id,
		                  evbpf_strerror(err), evbpf__perm_hint(err));
	*next = attr.next_id;
	return 0;
}

EVBPF_API int evbpf_prog_next_id(uint32_t start_id, uint32_t *next_id)
{
	return get_next_id(BPF_PROG_GET_NEXT_ID, "prog", start_id, next_id);
}

EVBPF_API int evbpf_link_next_id(uint32_t start_id, uint32_t *next_id)
{
	return get_next_id(BPF_LINK_GET_NEXT_ID, "link", start_id, next_id);
}

EVBPF_API int evbpf_map_next_id(uint32_t start_id, uint32_t *next_id)
{
	return get_next_id(BPF_MAP_GET_NEXT_ID, "map", start_id, next_id);
}

/* ---------------------------------------------------------------- stats */

EVBPF_API int evbpf_enable_stats(uint32_t type, int *fdp)
{
	union bpf_attr attr;
	int fd;

	if (!fdp)
		return evbpf__err(-EINVAL, "enable_stats: NULL fd pointer");
	memset(&attr, 0, sizeof(attr));
	attr.enable_stats.type = type;
	fd = evbpf__bpf(BPF_ENABLE_STATS, &attr, sizeof(attr));
	if (fd < 0)
		return evbpf__err(fd, "BPF_ENABLE_STATS (type %u): %s%s", type, evbpf_strerror(fd),
		                  fd == -EINVAL ? " (unknown type, or a kernel before 5.8)"
		                                : evbpf__perm_hint(fd));
	*fdp = fd;
	return 0;
}

/* ------------------------------------------------ programs without object */

/* Program types whose programs all have one expected attach type. */
static uint32_t sole_attach_type(uint32_t prog_type, bool *known)
{
	*known = true;
	switch (prog_type) {
	case BPF_PROG_TYPE_LSM:
		return BPF_LSM_MAC;
	case BPF_PROG_TYPE_SK_LOOKUP:
		return BPF_SK_LOOKUP;
	case BPF_PROG_TYPE_FLOW_DISSECTOR:
		return BPF_FLOW_DISSECTOR;
	case BPF_PROG_TYPE_SK_MSG:
		return BPF_SK_MSG_VERDICT;
	case BPF_PROG_TYPE_SOCK_OPS:
		return BPF_CGROUP_SOCK_OPS;
	case BPF_PROG_TYPE_CGROUP_DEVICE:
		return BPF_CGROUP_DEVICE;
	case BPF_PROG_TYPE_CGROUP_SYSCTL:
		return BPF_CGROUP_SYSCTL;
	default:
		*known = false;
		return 0;
	}
}

/*
 * tp_btf and iter programs are tracing programs like fentry; what tells
 * them apart is the type they attach to (btf_trace_NAME, bpf_iter_NAME),
 * which kernels from 6.0 report. 0 when that says nothing.
 */
static uint32_t tracing_attach_type(const struct bpf_prog_info *raw)
{
	const struct evbpf_btf *vmlinux;
	struct bpf_btf_info binfo;
	char name[64] = "";
	uint32_t len = sizeof(binfo);
	union bpf_attr attr;
	const char *tname;
	int fd, err;

	if (!raw->attach_btf_id || !raw->attach_btf_obj_id)
		return 0;
	memset(&attr, 0, sizeof(attr));
	attr.btf_id = raw->attach_btf_obj_id;
	fd = evbpf__bpf(BPF_BTF_GET_FD_BY_ID, &attr, sizeof(attr));
	if (fd < 0)
		return 0;
	memset(&binfo, 0, sizeof(binfo));
	binfo.name = (uint64_t)(uintptr_t)name;
	binfo.name_len = sizeof(name);
	err = evbpf__bpf_obj_info(fd, &binfo, &len);
	close(fd);
	/* Only vmlinux's ids are known here (module BTF is split BTF). */
	if (err || strcmp(name, "vmlinux") || evbpf__vmlinux_btf(&vmlinux))
		return 0;
	tname = evbpf__btf_name(vmlinux, raw->attach_btf_id);
	if (tname && !strncmp(tname, "btf_trace_", 10))
		return BPF_TRACE_RAW_TP;
	if (tname && !strncmp(tname, "bpf_iter_", 9))
		return BPF_TRACE_ITER;
	return 0;
}

EVBPF_API int evbpf_program_from_fd(int prog_fd, struct evbpf_program **progp)
{
	uint32_t map_ids[EVBPF_PROG_INFO_MAX_MAPS];
	struct bpf_prog_info raw;
	struct evbpf_program *prog;
	char name[32];
	bool known;
	int err;

	if (prog_fd < 0 || !progp)
		return evbpf__err(-EINVAL, "program from fd: bad argument");
	err = check_kind(prog_fd, "program");
	if (err)
		return err;
	err = read_prog_info(prog_fd, &raw, map_ids);
	if (err)
		return evbpf__err(err == -EINVAL ? -EINVAL : err, "fd %d is not a BPF program: %s",
		                  prog_fd, evbpf_strerror(err));
	prog = calloc(1, sizeof(*prog));
	if (!prog)
		return evbpf__err(-ENOMEM, "program from fd: out of memory");
	prog->fd = -1;
	prog->attach_btf_obj_fd = -1;
	prog->attach_prog_fd = -1;
	prog->code_sec = -1;
	memcpy(name, raw.name, sizeof(raw.name));
	name[sizeof(raw.name)] = '\0';
	if (!name[0])
		snprintf(name, sizeof(name), "id_%u", raw.id);
	prog->name = strdup(name);
	prog->sec_name = strdup("");
	prog->fd = evbpf__dup_fd(prog_fd);
	if (!prog->name || !prog->sec_name || prog->fd < 0) {
		err = prog->fd < 0 && prog->name && prog->sec_name ? prog->fd : -ENOMEM;
		evbpf_program_free(prog);
		return evbpf__err(err, "program from fd %d: %s", prog_fd, evbpf_strerror(err));
	}
	prog->prog_type = raw.type;
	prog->expected_attach_type = sole_attach_type(raw.type, &known);
	if (!known && raw.type == BPF_PROG_TYPE_TRACING)
		prog->expected_attach_type = tracing_attach_type(&raw);
	prog->attach_btf_id = raw.attach_btf_id;
	prog->stats.sz = sizeof(prog->stats);
	prog->stats.insns = raw.xlated_prog_len / (uint32_t)EVBPF_INSN_SZ;
	prog->stats.verified_insns = raw.verified_insns;
	*progp = prog;
	return 0;
}

EVBPF_API int evbpf_program_from_pin(const char *path, struct evbpf_program **progp)
{
	int fd, err;

	if (!path || !progp)
		return evbpf__err(-EINVAL, "program from pin: NULL argument");
	fd = evbpf_obj_get(path);
	if (fd < 0)
		return fd;
	err = evbpf_program_from_fd(fd, progp);
	close(fd);
	if (err) {
		char msg[512];

		return evbpf__err(err, "program from pin '%s': %s", path,
		                  errmsg_copy(msg, sizeof(msg)));
	}
	return 0;
}

EVBPF_API int evbpf_program_from_id(uint32_t id, struct evbpf_program **progp)
{
	int fd, err;

	if (!progp)
		return evbpf__err(-EINVAL, "program from id: NULL argument");
	fd = prog_fd_by_id(id, "BPF_PROG_GET_FD_BY_ID");
	if (fd < 0)
		return fd;
	err = evbpf_program_from_fd(fd, progp);
	close(fd);
	return err;
}

EVBPF_API void evbpf_program_free(struct evbpf_program *prog)
{
	if (!prog)
		return;
	if (prog->obj) {
		evbpf__warn("prog '%s': evbpf_program_free on a program owned by an object "
		            "ignored",
		            prog->name);
		return;
	}
	evbpf__close_fd(&prog->fd);
	free(prog->name);
	free(prog->sec_name);
	free(prog->log);
	free(prog);
}

/* ------------------------------------------ info by id (evbpf top, #16) */

/*
 * A program's info straight from its id: the fd BPF_PROG_GET_FD_BY_ID
 * hands out lives only for the read. Monitors such as `evbpf top` read
 * every program on every refresh, and a program may be unloaded between
 * the id walk and this call: that is -ENOENT, which callers skip.
 */
EVBPF_API int evbpf_prog_info_by_id(uint32_t id, struct evbpf_prog_info *info)
{
	char msg[512];
	int fd, err;

	if (!info || info->sz < sizeof(size_t))
		return evbpf__err(-EINVAL, "prog info of id %u: info->sz is not set", id);
	fd = prog_fd_by_id(id, "prog info of id");
	if (fd < 0)
		return fd;
	err = evbpf_prog_info_by_fd(fd, info);
	close(fd);
	if (err)
		return evbpf__err(err, "prog id %u: %s", id, errmsg_copy(msg, sizeof(msg)));
	return 0;
}
