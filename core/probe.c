/* SPDX-License-Identifier: MIT */
/*
 * Feature probes: does the running kernel have this program type, this map
 * type, this helper for this program type? Each probe makes the smallest
 * object of the kind and reads the kernel's answer:
 *
 *  - program types: "r0 = 0; exit". Types that cannot load without an
 *    attach target (tracing, LSM, extension, struct_ops) still reach the
 *    verifier, which says why in its log; an unknown type is refused before
 *    the verifier runs, with an empty log.
 *  - map types: a map of the type with sizes it accepts. Local storage maps
 *    need BTF for their key and value, so the probe carries a two-string
 *    BTF blob. A struct_ops map needs a kernel struct_ops type; asking for
 *    type id 1 makes a kernel that knows the map type answer ENOTSUPP.
 *  - helpers: a call of the helper; the verifier rejects unknown helpers,
 *    and helpers the program type may not call, with messages we look for.
 *
 * Answers are cached for the life of the process (the kernel cannot lose a
 * feature while we run); the cache is a table of atomics, so probes are
 * thread-safe and a race only makes two threads probe the same thing.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define PROBE_TYPES 64
#define PROBE_HELPERS 256
#define ENOTSUPP_KERNEL 524 /* the kernel's internal ENOTSUPP */

/* 0: not probed; otherwise the answer + 2 (answers are 1, 0 or -errno,
 * and -errno values are cached only for "cannot tell" cases we want to
 * repeat, so only 1 and 0 are stored). */
static int prog_cache[PROBE_TYPES];
static int map_cache[PROBE_TYPES];
static signed char helper_cache[PROBE_TYPES][PROBE_HELPERS];

static int cache_get(const int *slot)
{
	return __atomic_load_n(slot, __ATOMIC_RELAXED);
}

static int remember(int *slot, int answer)
{
	if (answer == 0 || answer == 1)
		__atomic_store_n(slot, answer + 2, __ATOMIC_RELAXED);
	return answer;
}

/* The expected attach type a program type needs to load at all. */
static uint32_t probe_attach_type(uint32_t prog_type)
{
	switch (prog_type) {
	case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
		return BPF_CGROUP_INET4_CONNECT;
	case BPF_PROG_TYPE_CGROUP_SOCKOPT:
		return BPF_CGROUP_GETSOCKOPT;
	case BPF_PROG_TYPE_SK_LOOKUP:
		return BPF_SK_LOOKUP;
	case BPF_PROG_TYPE_TRACING:
		/* tp_btf rather than fentry: some kernels refuse fentry by
		 * policy (EPERM) while tracing programs load fine as tp_btf;
		 * whether trampolines attach is EVBPF_FEATURE_TRAMPOLINE's
		 * question. */
		return BPF_TRACE_RAW_TP;
	case BPF_PROG_TYPE_LSM:
		return BPF_LSM_MAC;
	case EVBPF_BPF_PROG_TYPE_NETFILTER:
		return EVBPF_BPF_NETFILTER;
	default:
		return 0;
	}
}

/* Load insns as prog_type with a verifier log; returns the fd or -errno
 * and leaves the log in log (NUL-terminated). */
int evbpf__probe_load(uint32_t prog_type, uint32_t attach_type, const struct bpf_insn *insns,
		      uint32_t cnt, char *log, size_t log_size)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	memset(log, 0, log_size);
	attr.prog_type = prog_type;
	attr.expected_attach_type = attach_type ? attach_type : probe_attach_type(prog_type);
	attr.insns = (uint64_t)(uintptr_t)insns;
	attr.insn_cnt = cnt;
	attr.license = (uint64_t)(uintptr_t) "GPL";
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = (uint32_t)log_size;
	attr.log_level = 1;
	if (prog_type == BPF_PROG_TYPE_SYSCALL)
		attr.prog_flags = BPF_F_SLEEPABLE;
	return evbpf__bpf(BPF_PROG_LOAD, &attr, sizeof(attr));
}

static const struct bpf_insn ret0[] = {
	{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	{.code = BPF_JMP | BPF_EXIT},
};

EVBPF_API int evbpf_probe_prog_type(uint32_t prog_type)
{
	char log[4096];
	int fd, cached;

	if (prog_type == 0 || prog_type >= PROBE_TYPES)
		return prog_type == 0 ? evbpf__err(-EINVAL, "probe: program type 0 is UNSPEC") : 0;
	cached = cache_get(&prog_cache[prog_type]);
	if (cached)
		return cached - 2;
	fd = evbpf__probe_load(prog_type, 0, ret0, EVBPF_ARRAY_SIZE(ret0), log, sizeof(log));
	if (fd >= 0) {
		close(fd);
		return remember(&prog_cache[prog_type], 1);
	}
	/* The verifier ran (and explained itself): the type exists. */
	if (log[0])
		return remember(&prog_cache[prog_type], 1);
	if (fd == -EINVAL || fd == -ENOTSUPP_KERNEL || fd == -EOPNOTSUPP)
		return remember(&prog_cache[prog_type], 0);
	return evbpf__err(fd, "probe: program type %u (%s): %s", prog_type,
			  evbpf_prog_type_name(prog_type), evbpf_strerror(fd));
}

/* A minimal BTF: [1] int, enough for local storage keys and values. */
static int probe_btf_fd(void)
{
	static const char strs[] = "\0int";
	struct {
		struct btf_header hdr;
		struct btf_type t;
		uint32_t enc;
		char strs[sizeof(strs)];
	} __attribute__((packed)) blob;

	memset(&blob, 0, sizeof(blob));
	blob.hdr.magic = BTF_MAGIC;
	blob.hdr.version = BTF_VERSION;
	blob.hdr.hdr_len = sizeof(blob.hdr);
	blob.hdr.type_off = 0;
	blob.hdr.type_len = sizeof(blob.t) + sizeof(blob.enc);
	blob.hdr.str_off = blob.hdr.type_len;
	blob.hdr.str_len = sizeof(strs);
	blob.t.name_off = 1;
	blob.t.info = (uint32_t)BTF_KIND_INT << 24; /* kind in bits 24-28, vlen 0 */
	blob.t.size = 4;
	blob.enc = (BTF_INT_SIGNED << 24) | 32; /* encoding, bit offset 0, 32 bits */
	memcpy(blob.strs, strs, sizeof(strs));
	return evbpf__bpf_btf_load(&blob, sizeof(blob), NULL, 0, 0);
}

static void probe_map_attr(uint32_t map_type, union bpf_attr *attr)
{
	long page = sysconf(_SC_PAGESIZE);

	attr->map_type = map_type;
	attr->key_size = 4;
	attr->value_size = 4;
	attr->max_entries = 1;
	switch (map_type) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_STACK_TRACE:
	case BPF_MAP_TYPE_REUSEPORT_SOCKARRAY:
		attr->value_size = 8;
		break;
	case BPF_MAP_TYPE_LPM_TRIE:
		attr->key_size = 8; /* prefix length + 4 bytes */
		attr->value_size = 8;
		attr->map_flags = BPF_F_NO_PREALLOC;
		break;
	case BPF_MAP_TYPE_CGROUP_STORAGE:
	case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
		attr->key_size = sizeof(struct bpf_cgroup_storage_key);
		attr->value_size = 8;
		attr->max_entries = 0;
		break;
	case BPF_MAP_TYPE_QUEUE:
	case BPF_MAP_TYPE_STACK:
		attr->key_size = 0;
		break;
	case BPF_MAP_TYPE_SK_STORAGE:
	case BPF_MAP_TYPE_INODE_STORAGE:
	case BPF_MAP_TYPE_TASK_STORAGE:
	case EVBPF_BPF_MAP_TYPE_CGRP_STORAGE:
		attr->max_entries = 0;
		attr->map_flags = BPF_F_NO_PREALLOC;
		attr->btf_key_type_id = 1;
		attr->btf_value_type_id = 1;
		break;
	case BPF_MAP_TYPE_RINGBUF:
	case BPF_MAP_TYPE_USER_RINGBUF:
		attr->key_size = 0;
		attr->value_size = 0;
		attr->max_entries = page > 0 ? (uint32_t)page : 4096;
		break;
	case BPF_MAP_TYPE_BLOOM_FILTER:
		attr->key_size = 0;
		attr->value_size = 8;
		break;
	case BPF_MAP_TYPE_STRUCT_OPS:
		attr->value_size = 256;
		attr->btf_vmlinux_value_type_id = 1;
		break;
	case EVBPF_BPF_MAP_TYPE_ARENA:
		attr->key_size = 0;
		attr->value_size = 0;
		attr->map_flags = BPF_F_MMAPABLE;
		break;
	default:
		break;
	}
}

EVBPF_API int evbpf_probe_map_type(uint32_t map_type)
{
	union bpf_attr attr;
	int fd, inner = -1, btf = -1, cached, answer;

	if (map_type == 0 || map_type >= PROBE_TYPES)
		return map_type == 0 ? evbpf__err(-EINVAL, "probe: map type 0 is UNSPEC") : 0;
	cached = cache_get(&map_cache[map_type]);
	if (cached)
		return cached - 2;
	memset(&attr, 0, sizeof(attr));
	probe_map_attr(map_type, &attr);
	if (map_type == BPF_MAP_TYPE_ARRAY_OF_MAPS || map_type == BPF_MAP_TYPE_HASH_OF_MAPS) {
		union bpf_attr in;

		memset(&in, 0, sizeof(in));
		probe_map_attr(BPF_MAP_TYPE_ARRAY, &in);
		inner = evbpf__bpf_map_create(&in);
		if (inner < 0)
			return evbpf__err(inner, "probe: inner map: %s", evbpf_strerror(inner));
		attr.inner_map_fd = (uint32_t)inner;
	}
	if (attr.btf_key_type_id) {
		btf = probe_btf_fd();
		if (btf < 0)
			return evbpf__err(btf, "probe: BTF for map type %u: %s", map_type,
					  evbpf_strerror(btf));
		attr.btf_fd = (uint32_t)btf;
	}
	fd = evbpf__bpf_map_create(&attr);
	evbpf__close_fd(&inner);
	evbpf__close_fd(&btf);
	if (fd >= 0) {
		close(fd);
		answer = 1;
	} else if (map_type == BPF_MAP_TYPE_STRUCT_OPS && fd == -ENOTSUPP_KERNEL) {
		answer = 1; /* known map type, made-up struct_ops type */
	} else if (fd == -EINVAL || fd == -ENOTSUPP_KERNEL || fd == -EOPNOTSUPP) {
		answer = 0;
	} else {
		return evbpf__err(fd, "probe: map type %u (%s): %s", map_type,
				  evbpf_map_type_name(map_type), evbpf_strerror(fd));
	}
	return remember(&map_cache[map_type], answer);
}

EVBPF_API int evbpf_probe_helper(uint32_t prog_type, uint32_t helper_id)
{
	const struct bpf_insn insns[] = {
		{.code = BPF_JMP | BPF_CALL, .imm = (int32_t)helper_id},
		ret0[0],
		ret0[1],
	};
	char log[4096];
	int fd, cached, slot, answer;

	if (prog_type == 0 || helper_id == 0)
		return evbpf__err(-EINVAL, "probe: program type and helper id must be non-zero");
	answer = evbpf_probe_prog_type(prog_type);
	if (answer <= 0)
		return answer;
	if (prog_type >= PROBE_TYPES || helper_id >= PROBE_HELPERS)
		return 0;
	cached = __atomic_load_n(&helper_cache[prog_type][helper_id], __ATOMIC_RELAXED);
	if (cached)
		return cached - 2;
	fd = evbpf__probe_load(prog_type, 0, insns, EVBPF_ARRAY_SIZE(insns), log, sizeof(log));
	if (fd >= 0) {
		close(fd);
		answer = 1;
	} else if (strstr(log, "invalid func ") || strstr(log, "unknown func ") ||
		   strstr(log, "cannot use helper")) {
		answer = 0;
	} else if (log[0]) {
		/* Refused for its arguments or context: the helper exists. */
		answer = 1;
	} else {
		return evbpf__err(fd, "probe: helper %u for %s: %s", helper_id,
				  evbpf_prog_type_name(prog_type), evbpf_strerror(fd));
	}
	slot = answer + 2;
	__atomic_store_n(&helper_cache[prog_type][helper_id], (signed char)slot,
			 __ATOMIC_RELAXED);
	return answer;
}
