/* SPDX-License-Identifier: MIT */
/*
 * Kernel facilities (evbpf_probe_feature): what the loader and the attach
 * paths may rely on, found by trying, never by the kernel's version, since
 * distributions backport and configurations remove.
 *
 *  - BTF kinds: a two- or three-type BTF blob using the kind is loaded;
 *    a kernel that does not know the kind refuses it with EINVAL.
 *  - Instructions and helpers: a socket filter or tracepoint program using
 *    them is loaded (core/probe.c); the verifier's refusal says "absent".
 *  - Link types: BPF_LINK_CREATE is called with a target that cannot
 *    exist (fd -1, ifindex 0). A kernel that knows the attach type gets as
 *    far as looking the target up and fails with EBADF or ENODEV; one that
 *    does not know it fails earlier with EINVAL. Nothing is attached.
 *  - Trampolines are attached for real (fentry on a function the kernel
 *    always has, detached at once): kernels with the code can still refuse
 *    it by policy (lockdown, an LSM), and only an attach tells.
 *  - kprobes and uprobes: the perf PMU's directory in sysfs, or tracefs's
 *    kprobe_events / uprobe_events for the legacy interface.
 *
 * Memory accounting: from 5.11 BPF memory is charged to the memory cgroup;
 * before, to RLIMIT_MEMLOCK. The kernel release that moved it also added
 * the bpf_ktime_get_coarse_ns helper, and no kernel has one without the
 * other, so the helper's presence answers (libbpf reasons the same way).
 *
 * Answers and their reasons are cached for the process behind a mutex:
 * a probe costs a few syscalls and runs once.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define ENOTSUPP_KERNEL 524
#define FUNC_KTIME_GET_COARSE_NS 160
#define FUNC_GET_ATTACH_COOKIE 174
#define ATTACH_KPROBE_MULTI 42
#define ATTACH_UPROBE_MULTI 48
#define ATTACH_KPROBE_SESSION 56
#define ATTACH_UPROBE_SESSION 57
#define ATTACH_PERF_EVENT 41
#define ATTACH_SK_SKB_VERDICT 38
#define KIND_FLOAT 16
#define KIND_DECL_TAG 17
#define KIND_TYPE_TAG 18
#define KIND_ENUM64 19

struct feature_def {
	const char *name;
	/* 1 present, 0 absent (with why filled in), -errno cannot tell. */
	int (*probe)(char *why, size_t len);
};

/* ---------------------------------------------------------------- */
/* BTF kinds                                                          */
/* ---------------------------------------------------------------- */

#define T_INFO(kind, vlen, kflag) (((uint32_t)(kflag) << 31) | ((uint32_t)(kind) << 24) | (vlen))

/* Load a blob of raw type words and a string section. */
static int try_btf(const uint32_t *types, size_t types_len, const char *strs, size_t strs_len,
		   const char *what, char *why, size_t len)
{
	uint8_t blob[256];
	struct btf_header hdr;
	int fd;

	if (sizeof(hdr) + types_len + strs_len > sizeof(blob))
		return -E2BIG;
	memset(&hdr, 0, sizeof(hdr));
	hdr.magic = BTF_MAGIC;
	hdr.version = BTF_VERSION;
	hdr.hdr_len = sizeof(hdr);
	hdr.type_len = (uint32_t)types_len;
	hdr.str_off = (uint32_t)types_len;
	hdr.str_len = (uint32_t)strs_len;
	memcpy(blob, &hdr, sizeof(hdr));
	memcpy(blob + sizeof(hdr), types, types_len);
	memcpy(blob + sizeof(hdr) + types_len, strs, strs_len);
	fd = evbpf__bpf_btf_load(blob, sizeof(hdr) + types_len + strs_len, NULL, 0, 0);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	if (fd == -EINVAL) {
		snprintf(why, len, "the kernel refuses BTF with %s", what);
		return 0;
	}
	return fd;
}

/* Type 1 of most blobs: int, 4 bytes, signed. Name "int" at offset 1. */
#define INT_TYPE 1, T_INFO(BTF_KIND_INT, 0, 0), 4, (BTF_INT_SIGNED << 24) | 32

static int probe_btf(char *why, size_t len)
{
	static const uint32_t types[] = {INT_TYPE};
	static const char strs[] = "\0int";

	return try_btf(types, sizeof(types), strs, sizeof(strs), "an int", why, len);
}

static int probe_btf_func(char *why, size_t len)
{
	/* [1] FUNC_PROTO void(void), [2] static FUNC "f" of type 1 */
	static const uint32_t types[] = {
		0, T_INFO(BTF_KIND_FUNC_PROTO, 0, 0), 0,
		1, T_INFO(BTF_KIND_FUNC, 0, 0), 1,
	};
	static const char strs[] = "\0f";

	return try_btf(types, sizeof(types), strs, sizeof(strs), "FUNC/FUNC_PROTO", why, len);
}

static int probe_btf_global_func(char *why, size_t len)
{
	static const uint32_t types[] = {
		0, T_INFO(BTF_KIND_FUNC_PROTO, 0, 0), 0,
		1, T_INFO(BTF_KIND_FUNC, 1 /* BTF_FUNC_GLOBAL */, 0), 1,
	};
	static const char strs[] = "\0f";

	return try_btf(types, sizeof(types), strs, sizeof(strs), "global FUNC linkage", why,
		       len);
}

static int probe_btf_datasec(char *why, size_t len)
{
	/* [1] int, [2] VAR "a" (static) of 1, [3] DATASEC ".data" { 2 @0 size 4 } */
	static const uint32_t types[] = {
		INT_TYPE,
		5, T_INFO(BTF_KIND_VAR, 0, 0), 1, 0,
		7, T_INFO(BTF_KIND_DATASEC, 1, 0), 4, 2, 0, 4,
	};
	static const char strs[] = "\0int\0a\0.data";

	return try_btf(types, sizeof(types), strs, sizeof(strs), "VAR/DATASEC", why, len);
}

static int probe_btf_float(char *why, size_t len)
{
	static const uint32_t types[] = {1, T_INFO(KIND_FLOAT, 0, 0), 4};
	static const char strs[] = "\0float";

	return try_btf(types, sizeof(types), strs, sizeof(strs), "FLOAT", why, len);
}

static int probe_btf_decl_tag(char *why, size_t len)
{
	/* [1] int, [2] struct s { int m; }, [3] DECL_TAG "tag" on 2, component -1 */
	static const uint32_t types[] = {
		INT_TYPE,
		5, T_INFO(BTF_KIND_STRUCT, 1, 0), 4, 7, 1, 0,
		9, T_INFO(KIND_DECL_TAG, 0, 0), 2, (uint32_t)-1,
	};
	static const char strs[] = "\0int\0s\0m\0tag";

	return try_btf(types, sizeof(types), strs, sizeof(strs), "DECL_TAG", why, len);
}

static int probe_btf_type_tag(char *why, size_t len)
{
	/* [1] int, [2] TYPE_TAG "tag" of 1, [3] PTR to 2 */
	static const uint32_t types[] = {
		INT_TYPE,
		5, T_INFO(KIND_TYPE_TAG, 0, 0), 1,
		0, T_INFO(BTF_KIND_PTR, 0, 0), 2,
	};
	static const char strs[] = "\0int\0tag";

	return try_btf(types, sizeof(types), strs, sizeof(strs), "TYPE_TAG", why, len);
}

static int probe_btf_enum64(char *why, size_t len)
{
	/* [1] signed ENUM64 "e" size 8 { v = -1 } */
	static const uint32_t types[] = {
		1, T_INFO(KIND_ENUM64, 1, 1), 8, 3, 0xffffffffu, 0xffffffffu,
	};
	static const char strs[] = "\0e\0v";

	return try_btf(types, sizeof(types), strs, sizeof(strs), "ENUM64", why, len);
}

static int probe_vmlinux_btf(char *why, size_t len)
{
	if (access("/sys/kernel/btf/vmlinux", R_OK) == 0)
		return 1;
	snprintf(why, len, "/sys/kernel/btf/vmlinux: %s (kernel built without "
		 "CONFIG_DEBUG_INFO_BTF)", strerror(errno));
	return 0;
}

/* ---------------------------------------------------------------- */
/* bpf() itself, instructions, helpers                                */
/* ---------------------------------------------------------------- */

static int probe_bpf(char *why, size_t len)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	fd = evbpf__bpf_map_create(&attr);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	if (fd == -ENOSYS) {
		snprintf(why, len, "no bpf() system call (CONFIG_BPF_SYSCALL)");
		return 0;
	}
	return fd;
}

static int helper_answer(uint32_t prog_type, uint32_t helper, const char *what, char *why,
			 size_t len)
{
	int answer = evbpf_probe_helper(prog_type, helper);

	if (answer == 0)
		snprintf(why, len, "no %s helper for %s programs", what,
			 evbpf_prog_type_name(prog_type));
	return answer;
}

static int probe_memcg(char *why, size_t len)
{
	int answer = evbpf_probe_helper(BPF_PROG_TYPE_SOCKET_FILTER, FUNC_KTIME_GET_COARSE_NS);

	if (answer == 0)
		snprintf(why, len, "BPF memory is charged to RLIMIT_MEMLOCK (before Linux 5.11)");
	return answer;
}

static int probe_atomics(char *why, size_t len)
{
	/* *(u64 *)(r10 - 8) = 0; r1 = 1; r1 = atomic_fetch_add(r10 - 8, r1); r0 = 0 */
	const struct bpf_insn insns[] = {
		{.code = BPF_ST | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_10, .off = -8, .imm = 0},
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = 1},
		{.code = BPF_STX | BPF_DW | 0xc0 /* BPF_ATOMIC */, .dst_reg = BPF_REG_10,
		 .src_reg = BPF_REG_1, .off = -8, .imm = BPF_ADD | 0x01 /* BPF_FETCH */},
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	char log[1024];
	int fd = evbpf__probe_load(BPF_PROG_TYPE_SOCKET_FILTER, 0, insns, EVBPF_ARRAY_SIZE(insns),
				   log, sizeof(log));

	if (fd >= 0) {
		close(fd);
		return 1;
	}
	if (fd == -EINVAL) {
		snprintf(why, len, "the verifier refuses atomic fetch instructions (Linux 5.12+)");
		return 0;
	}
	return fd;
}

static int probe_cookie(char *why, size_t len)
{
	return helper_answer(BPF_PROG_TYPE_TRACEPOINT, FUNC_GET_ATTACH_COOKIE,
			     "bpf_get_attach_cookie", why, len);
}

/* ---------------------------------------------------------------- */
/* Tracing facilities                                                 */
/* ---------------------------------------------------------------- */

static const char *tracefs_root(void)
{
	static const char *const roots[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};
	char path[128];

	for (size_t i = 0; i < EVBPF_ARRAY_SIZE(roots); i++) {
		snprintf(path, sizeof(path), "%s/events", roots[i]);
		if (access(path, F_OK) == 0)
			return roots[i];
	}
	return NULL;
}

static int probe_tracefs(char *why, size_t len)
{
	if (tracefs_root())
		return 1;
	snprintf(why, len, "tracefs is not mounted at /sys/kernel/tracing or "
		 "/sys/kernel/debug/tracing");
	return 0;
}

static int pmu_exists(const char *pmu, char *why, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s", pmu);
	if (access(path, F_OK) == 0)
		return 1;
	snprintf(why, len, "no %s PMU at %s", pmu, path);
	return 0;
}

static int probe_kprobe_pmu(char *why, size_t len)
{
	return pmu_exists("kprobe", why, len);
}

static int probe_uprobe_pmu(char *why, size_t len)
{
	return pmu_exists("uprobe", why, len);
}

/* The PMU, or else tracefs's legacy NAME_events file. */
static int probe_probe_events(const char *kind, char *why, size_t len)
{
	const char *root = tracefs_root();
	char path[160];

	if (pmu_exists(kind, why, len))
		return 1;
	if (root) {
		snprintf(path, sizeof(path), "%s/%s_events", root, kind);
		if (access(path, W_OK) == 0)
			return 1;
	}
	if (!root)
		snprintf(why, len, "no %s PMU, and tracefs is not mounted to look for "
			 "%s_events (mount -t tracefs nodev /sys/kernel/tracing)", kind, kind);
	else
		snprintf(why, len, "no %s PMU and no %s/%s_events (kernel built without %s)",
			 kind, root, kind,
			 !strcmp(kind, "kprobe") ? "CONFIG_KPROBE_EVENTS" : "CONFIG_UPROBE_EVENTS");
	return 0;
}

static int probe_kprobe(char *why, size_t len)
{
	return probe_probe_events("kprobe", why, len);
}

static int probe_uprobe(char *why, size_t len)
{
	return probe_probe_events("uprobe", why, len);
}

static const struct bpf_insn ret0[] = {
	{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	{.code = BPF_JMP | BPF_EXIT},
};

/*
 * Load a "return 0" program of prog_type/attach_type and call
 * BPF_LINK_CREATE on an impossible target. Returns 1 when the kernel
 * failed with one of the "target not found" errors (it knows the link
 * type), 0 on EINVAL (or the kernel's ENOTSUPP / EOPNOTSUPP), -errno else.
 */
static int try_link(uint32_t prog_type, uint32_t attach_type, int target, union bpf_attr *extra,
		    int found_err, const char *what, char *why, size_t len)
{
	char log[1024];
	int prog, fd;

	prog = evbpf__probe_load(prog_type, attach_type, ret0, EVBPF_ARRAY_SIZE(ret0), log,
				 sizeof(log));
	if (prog == -EINVAL || prog == -ENOTSUPP_KERNEL) {
		snprintf(why, len, "%s: the kernel refuses %s programs for this attach type",
			 what, evbpf_prog_type_name(prog_type));
		return 0;
	}
	if (prog < 0)
		return prog;
	fd = evbpf__link_create(prog, target, attach_type, 0, extra);
	close(prog);
	if (fd >= 0) {
		/* The impossible target was possible after all: it exists. */
		close(fd);
		return 1;
	}
	if (fd == found_err || (found_err == -ESRCH && fd == -ENOENT))
		return 1;
	if (fd == -EINVAL || fd == -ENOTSUPP_KERNEL || fd == -EOPNOTSUPP) {
		snprintf(why, len, "%s: BPF_LINK_CREATE answers %s", what, evbpf_strerror(fd));
		return 0;
	}
	return fd;
}

static int probe_perf_link(char *why, size_t len)
{
	return try_link(BPF_PROG_TYPE_TRACEPOINT, ATTACH_PERF_EVENT, -1, NULL, -EBADF,
			"perf event links (Linux 5.15+)", why, len);
}

static int probe_kprobe_multi(char *why, size_t len)
{
	/* The symbol list points at one name that no kernel has. */
	static const char *const syms[] = {"evbpf_no_such_function"};
	union bpf_attr extra;
	uint32_t *words = (uint32_t *)&extra.link_create;

	memset(&extra, 0, sizeof(extra));
	/* link_create.kprobe_multi: flags, cnt, syms, addrs, cookies (at 16) */
	words[5] = 1;
	memcpy(&words[6], &(uint64_t){(uint64_t)(uintptr_t)syms}, sizeof(uint64_t));
	return try_link(BPF_PROG_TYPE_KPROBE, ATTACH_KPROBE_MULTI, 0, &extra, -ESRCH,
			"kprobe_multi links (Linux 5.18+, CONFIG_FPROBE)", why, len);
}

/* A kprobe_multi link naming one function no kernel has: ESRCH once the
 * kernel got as far as looking it up. */
static int try_kprobe_multi(uint32_t attach_type, const char *what, char *why, size_t len)
{
	static const char *const syms[] = {"evbpf_no_such_function"};
	union bpf_attr extra;
	uint32_t *words = (uint32_t *)&extra.link_create;

	memset(&extra, 0, sizeof(extra));
	/* link_create.kprobe_multi: flags, cnt, syms, addrs, cookies (at 16) */
	words[5] = 1;
	memcpy(&words[6], &(uint64_t){(uint64_t)(uintptr_t)syms}, sizeof(uint64_t));
	return try_link(BPF_PROG_TYPE_KPROBE, attach_type, 0, &extra, -ESRCH, what, why, len);
}

static int probe_kprobe_session(char *why, size_t len)
{
	return try_kprobe_multi(ATTACH_KPROBE_SESSION, "kprobe session links (Linux 6.10+)", why,
				len);
}

/* An uprobe_multi link on a directory: EBADF once the kernel got as far
 * as opening the path. */
static int try_uprobe_multi(uint32_t attach_type, const char *what, char *why, size_t len)
{
	static const char path[] = "/";
	static const uint64_t offsets[] = {0};
	union bpf_attr extra;
	uint32_t *words = (uint32_t *)&extra.link_create;

	memset(&extra, 0, sizeof(extra));
	/* link_create.uprobe_multi: path, offsets, ref_ctr_offsets, cookies,
	 * cnt, flags, pid (at 16) */
	memcpy(&words[4], &(uint64_t){(uint64_t)(uintptr_t)path}, sizeof(uint64_t));
	memcpy(&words[6], &(uint64_t){(uint64_t)(uintptr_t)offsets}, sizeof(uint64_t));
	words[12] = 1;
	return try_link(BPF_PROG_TYPE_KPROBE, attach_type, 0, &extra, -EBADF, what, why, len);
}

static int probe_uprobe_session(char *why, size_t len)
{
	return try_uprobe_multi(ATTACH_UPROBE_SESSION, "uprobe session links (Linux 6.13+)", why,
				len);
}

static int probe_uprobe_multi(char *why, size_t len)
{
	/* A directory is not a file that can be probed: EBADF once the
	 * kernel got as far as opening the path. */
	static const char path[] = "/";
	static const uint64_t offsets[] = {0};
	union bpf_attr extra;
	uint32_t *words = (uint32_t *)&extra.link_create;

	memset(&extra, 0, sizeof(extra));
	/* link_create.uprobe_multi: path, offsets, ref_ctr_offsets, cookies,
	 * cnt, flags, pid (at 16) */
	memcpy(&words[4], &(uint64_t){(uint64_t)(uintptr_t)path}, sizeof(uint64_t));
	memcpy(&words[6], &(uint64_t){(uint64_t)(uintptr_t)offsets}, sizeof(uint64_t));
	words[12] = 1;
	return try_link(BPF_PROG_TYPE_KPROBE, ATTACH_UPROBE_MULTI, 0, &extra, -EBADF,
			"uprobe_multi links (Linux 6.6+)", why, len);
}

static int probe_tcx(char *why, size_t len)
{
	return try_link(BPF_PROG_TYPE_SCHED_CLS, EVBPF_BPF_TCX_INGRESS, 0, NULL, -ENODEV,
			"TCX links (Linux 6.6+)", why, len);
}

static int probe_cgroup_link(char *why, size_t len)
{
	return try_link(BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS, -1, NULL, -EBADF,
			"cgroup links (Linux 5.7+)", why, len);
}

static int probe_sockmap_link(char *why, size_t len)
{
	return try_link(BPF_PROG_TYPE_SK_SKB, ATTACH_SK_SKB_VERDICT, -1, NULL, -EBADF,
			"sockmap links (Linux 6.10+)", why, len);
}

/*
 * fentry on a function every kernel with BPF test runs has, attached and
 * detached at once. EPERM here (we could create maps, so this is not a
 * privilege problem) is a policy refusal: the facility is absent for us.
 */
static int probe_trampoline(char *why, size_t len)
{
	static const char *const targets[] = {"bpf_fentry_test1", "ksys_read"};
	const struct evbpf_btf *vmlinux;
	union bpf_attr attr;
	char log[1024];
	int id = -ENOENT, prog, link;

	if (evbpf__vmlinux_btf(&vmlinux) < 0) {
		snprintf(why, len, "no kernel BTF to find an fentry target in");
		return 0;
	}
	for (size_t i = 0; i < EVBPF_ARRAY_SIZE(targets) && id < 0; i++)
		id = evbpf__btf_find(vmlinux, targets[i], BTF_KIND_FUNC);
	if (id < 0) {
		snprintf(why, len, "no fentry target function in the kernel's BTF");
		return 0;
	}
	memset(&attr, 0, sizeof(attr));
	memset(log, 0, sizeof(log));
	attr.prog_type = BPF_PROG_TYPE_TRACING;
	attr.expected_attach_type = BPF_TRACE_FENTRY;
	attr.attach_btf_id = (uint32_t)id;
	attr.insns = (uint64_t)(uintptr_t)ret0;
	attr.insn_cnt = EVBPF_ARRAY_SIZE(ret0);
	attr.license = (uint64_t)(uintptr_t) "GPL";
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	prog = evbpf__bpf(BPF_PROG_LOAD, &attr, sizeof(attr));
	if (prog < 0) {
		snprintf(why, len, "fentry program refused: %s", evbpf_strerror(prog));
		return prog == -EPERM || prog == -EINVAL || prog == -ENOTSUPP_KERNEL ||
		       prog == -EOPNOTSUPP ? 0 : prog;
	}
	memset(&attr, 0, sizeof(attr));
	attr.raw_tracepoint.prog_fd = (uint32_t)prog;
	link = evbpf__bpf(BPF_RAW_TRACEPOINT_OPEN, &attr, sizeof(attr));
	close(prog);
	if (link >= 0) {
		close(link);
		return 1;
	}
	snprintf(why, len, "fentry attach refused: %s", evbpf_strerror(link));
	return link == -EPERM || link == -EINVAL || link == -ENOTSUPP_KERNEL ||
	       link == -EOPNOTSUPP ? 0 : link;
}

/* ---------------------------------------------------------------- */
/* Map batches and run-time statistics                               */
/* ---------------------------------------------------------------- */

/* A hash map with one element read back with BPF_MAP_LOOKUP_BATCH: a
 * kernel without the command refuses it with EINVAL before looking at
 * the map. */
static int probe_map_batch(char *why, size_t len)
{
	uint32_t key = 1, value = 2, keys[2] = {0}, values[2] = {0}, cursor = 0;
	union bpf_attr attr;
	int fd, ret;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_HASH;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 2;
	fd = evbpf__bpf_map_create(&attr);
	if (fd < 0)
		return fd;
	ret = evbpf__bpf_map_update(fd, &key, &value, 0);
	if (!ret) {
		memset(&attr, 0, sizeof(attr));
		attr.batch.map_fd = (uint32_t)fd;
		attr.batch.out_batch = (uint64_t)(uintptr_t)&cursor;
		attr.batch.keys = (uint64_t)(uintptr_t)keys;
		attr.batch.values = (uint64_t)(uintptr_t)values;
		attr.batch.count = 2;
		ret = evbpf__bpf(BPF_MAP_LOOKUP_BATCH, &attr, sizeof(attr));
		if ((ret == 0 || ret == -ENOENT) && attr.batch.count == 1 && keys[0] == key &&
		    values[0] == value)
			ret = 1;
		else if (ret == -EINVAL)
			snprintf(why, len, "no BPF_MAP_LOOKUP_BATCH command (Linux 5.6)");
		else if (ret >= 0)
			ret = -EIO; /* answered, but not with the element */
	}
	close(fd);
	return ret == -EINVAL ? 0 : ret;
}

/* BPF_ENABLE_STATS for run time: a kernel without the command (or the
 * stats type) refuses it with EINVAL. The fd it returns keeps the stats
 * on only while open, so closing it at once leaves nothing behind. */
static int probe_enable_stats(char *why, size_t len)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.enable_stats.type = BPF_STATS_RUN_TIME;
	fd = evbpf__bpf(BPF_ENABLE_STATS, &attr, sizeof(attr));
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	if (fd == -EINVAL) {
		snprintf(why, len, "no BPF_ENABLE_STATS command (Linux 5.8)");
		return 0;
	}
	return fd;
}

/* ---------------------------------------------------------------- */
/* The table and the cache                                           */
/* ---------------------------------------------------------------- */

static const struct feature_def features[EVBPF_FEATURE__COUNT] = {
	[EVBPF_FEATURE_BPF] = {"bpf", probe_bpf},
	[EVBPF_FEATURE_MEMCG_ACCOUNT] = {"memcg_account", probe_memcg},
	[EVBPF_FEATURE_BTF] = {"btf", probe_btf},
	[EVBPF_FEATURE_BTF_FUNC] = {"btf_func", probe_btf_func},
	[EVBPF_FEATURE_BTF_GLOBAL_FUNC] = {"btf_global_func", probe_btf_global_func},
	[EVBPF_FEATURE_BTF_DATASEC] = {"btf_datasec", probe_btf_datasec},
	[EVBPF_FEATURE_BTF_FLOAT] = {"btf_float", probe_btf_float},
	[EVBPF_FEATURE_BTF_DECL_TAG] = {"btf_decl_tag", probe_btf_decl_tag},
	[EVBPF_FEATURE_BTF_TYPE_TAG] = {"btf_type_tag", probe_btf_type_tag},
	[EVBPF_FEATURE_BTF_ENUM64] = {"btf_enum64", probe_btf_enum64},
	[EVBPF_FEATURE_VMLINUX_BTF] = {"vmlinux_btf", probe_vmlinux_btf},
	[EVBPF_FEATURE_ATOMICS] = {"atomics", probe_atomics},
	[EVBPF_FEATURE_BPF_COOKIE] = {"bpf_cookie", probe_cookie},
	[EVBPF_FEATURE_TRACEFS] = {"tracefs", probe_tracefs},
	[EVBPF_FEATURE_KPROBE] = {"kprobe", probe_kprobe},
	[EVBPF_FEATURE_KPROBE_PMU] = {"kprobe_pmu", probe_kprobe_pmu},
	[EVBPF_FEATURE_UPROBE] = {"uprobe", probe_uprobe},
	[EVBPF_FEATURE_UPROBE_PMU] = {"uprobe_pmu", probe_uprobe_pmu},
	[EVBPF_FEATURE_PERF_LINK] = {"perf_link", probe_perf_link},
	[EVBPF_FEATURE_TRAMPOLINE] = {"trampoline", probe_trampoline},
	[EVBPF_FEATURE_KPROBE_MULTI] = {"kprobe_multi", probe_kprobe_multi},
	[EVBPF_FEATURE_UPROBE_MULTI] = {"uprobe_multi", probe_uprobe_multi},
	[EVBPF_FEATURE_TCX] = {"tcx", probe_tcx},
	[EVBPF_FEATURE_CGROUP_LINK] = {"cgroup_link", probe_cgroup_link},
	[EVBPF_FEATURE_SOCKMAP_LINK] = {"sockmap_link", probe_sockmap_link},
	[EVBPF_FEATURE_KPROBE_SESSION] = {"kprobe_session", probe_kprobe_session},
	[EVBPF_FEATURE_UPROBE_SESSION] = {"uprobe_session", probe_uprobe_session},
	[EVBPF_FEATURE_MAP_BATCH] = {"map_batch", probe_map_batch},
	[EVBPF_FEATURE_ENABLE_STATS] = {"enable_stats", probe_enable_stats},
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static signed char cache[EVBPF_FEATURE__COUNT]; /* 0 unknown, else answer + 2 */
static char reasons[EVBPF_FEATURE__COUNT][160];

EVBPF_API const char *evbpf_feature_name(enum evbpf_feature feature)
{
	if ((unsigned)feature >= EVBPF_FEATURE__COUNT)
		return NULL;
	return features[feature].name;
}

EVBPF_API int evbpf_probe_feature(enum evbpf_feature feature)
{
	char why[sizeof(reasons[0])] = "";
	int answer;

	if ((unsigned)feature >= EVBPF_FEATURE__COUNT)
		return evbpf__err(-EINVAL, "probe: no feature %d", (int)feature);
	/* Probes create maps and programs, which raise RLIMIT_MEMLOCK first
	 * (memlock.c); that asks for MEMCG_ACCOUNT, so it must be settled
	 * before the lock is taken. */
	evbpf__memlock_setup();
	pthread_mutex_lock(&cache_lock);
	if (cache[feature]) {
		answer = cache[feature] - 2;
		memcpy(why, reasons[feature], sizeof(why));
	} else {
		answer = features[feature].probe(why, sizeof(why));
		if (answer == 0 || answer == 1) {
			cache[feature] = (signed char)(answer + 2);
			memcpy(reasons[feature], why, sizeof(why));
		}
	}
	pthread_mutex_unlock(&cache_lock);
	if (answer == 0)
		evbpf__errmsg_set("%s: %s", features[feature].name, why[0] ? why : "absent");
	else if (answer < 0)
		return evbpf__err(answer, "probe %s: %s%s", features[feature].name,
				  evbpf_strerror(answer), evbpf__memlock_hint(answer));
	else
		evbpf__errmsg_clear();
	return answer;
}
