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
 *  - kprobes and uprobes are made for real, disabled, and closed again:
 *    through the perf PMU (perf_event_open), and through tracefs's
 *    kprobe_events / uprobe_events (an event added and removed), since
 *    a PMU directory in sysfs or a writable events file does not mean the
 *    kernel's policy lets a probe be made.
 *  - tp_btf programs and module BTF likewise: attached, or read.
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
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/perf_event.h>

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

static const struct bpf_insn ret0[] = {
	{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
	{.code = BPF_JMP | BPF_EXIT},
};

/* Kernel functions to probe, in order: one of them is in every kernel
 * configuration we support (the first needs CONFIG_NET). */
static const char *const kprobe_targets[] = {"bpf_fentry_test1", "vfs_read", "do_nanosleep"};

/* Refusals that mean "absent for us": the facility is there in the
 * kernel's code but this kernel or its policy will not let us use it. */
static bool refused(int err)
{
	return err == -EPERM || err == -EACCES || err == -EINVAL || err == -EOPNOTSUPP ||
	       err == -ENOTSUPP_KERNEL || err == -ENOSYS;
}


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

/* A kprobe_multi link on a real function, destroyed at once: the kernel
 * knowing the link type (the probe below) is not the same as it letting
 * us attach (fprobe needs ftrace on the function; policies may refuse). */
static int attach_kprobe_multi_for_real(char *why, size_t len)
{
	char log[1024];
	int prog, fd = -ESRCH;

	prog = evbpf__probe_load(BPF_PROG_TYPE_KPROBE, ATTACH_KPROBE_MULTI, ret0,
				 EVBPF_ARRAY_SIZE(ret0), log, sizeof(log));
	if (prog < 0) {
		snprintf(why, len, "kprobe_multi program refused: %s", evbpf_strerror(prog));
		return prog == -EPERM || prog == -EINVAL ? 0 : prog;
	}
	for (size_t i = 0; i < EVBPF_ARRAY_SIZE(kprobe_targets) && (fd == -ESRCH || fd == -ENOENT);
	     i++) {
		const char *syms[1] = {kprobe_targets[i]};
		union bpf_attr extra;
		uint32_t *words = (uint32_t *)&extra.link_create;

		memset(&extra, 0, sizeof(extra));
		words[5] = 1; /* kprobe_multi.cnt */
		memcpy(&words[6], &(uint64_t){(uint64_t)(uintptr_t)syms}, sizeof(uint64_t));
		fd = evbpf__link_create(prog, 0, ATTACH_KPROBE_MULTI, 0, &extra);
	}
	close(prog);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	snprintf(why, len, "a kprobe_multi link on a kernel function was refused: %s",
		 evbpf_strerror(fd));
	return fd == -ESRCH || fd == -ENOENT || refused(fd) ? 0 : fd;
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

static int probe_netfilter_link(char *why, size_t len)
{
	union bpf_attr extra;

	/* pf 0 is no protocol family: EAFNOSUPPORT once the kernel checks. */
	memset(&extra, 0, sizeof(extra));
	return try_link(EVBPF_BPF_PROG_TYPE_NETFILTER, EVBPF_BPF_NETFILTER, 0, &extra,
			-EAFNOSUPPORT, "netfilter links (Linux 6.4+, CONFIG_NETFILTER_BPF_LINK)",
			why, len);
}

static int probe_netkit(char *why, size_t len)
{
	/* Without CONFIG_NETKIT (or before 6.7) the attach type is EINVAL;
	 * with it, ifindex 0 is no device. */
	return try_link(BPF_PROG_TYPE_SCHED_CLS, EVBPF_BPF_NETKIT_PRIMARY, 0, NULL, -ENODEV,
			"netkit (Linux 6.7+, CONFIG_NETKIT)", why, len);
}

/*
 * struct_ops: a tcp_congestion_ops map is created (which needs the
 * kernel's bpf_struct_ops_tcp_congestion_ops type and a BTF fd of ours)
 * and a program implementing its ssthresh member is loaded. Nothing is
 * registered: that would make a congestion control visible system-wide.
 */
static int probe_struct_ops(char *why, size_t len)
{
	static const uint32_t types[] = {INT_TYPE};
	static const char strs[] = "\0int";
	const struct evbpf_btf *vm;
	const struct btf_type *t;
	const struct btf_member *m;
	union bpf_attr attr;
	uint8_t blob[64];
	struct btf_header hdr;
	char log[1024];
	int ops, vt, btf = -1, fd = -1, member = -1, answer;

	if (evbpf__vmlinux_btf(&vm) < 0) {
		snprintf(why, len, "no kernel BTF to find struct_ops types in");
		return 0;
	}
	ops = evbpf__btf_find(vm, "tcp_congestion_ops", BTF_KIND_STRUCT);
	vt = evbpf__btf_find(vm, "bpf_struct_ops_tcp_congestion_ops", BTF_KIND_STRUCT);
	if (ops < 0 || vt < 0) {
		snprintf(why, len, "the kernel's BTF has no bpf_struct_ops_tcp_congestion_ops "
			 "(no struct_ops, Linux 5.6+ with CONFIG_BPF_JIT)");
		return 0;
	}
	t = evbpf__btf_type(vm, (uint32_t)ops);
	m = (const struct btf_member *)(t + 1);
	for (uint16_t i = 0; i < evbpf__btf_vlen(t) && member < 0; i++)
		if (!strcmp(evbpf__btf_str(vm, m[i].name_off), "ssthresh"))
			member = i;
	if (member < 0) {
		snprintf(why, len, "the kernel's tcp_congestion_ops has no ssthresh member");
		return 0;
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.magic = BTF_MAGIC;
	hdr.version = BTF_VERSION;
	hdr.hdr_len = sizeof(hdr);
	hdr.type_len = sizeof(types);
	hdr.str_off = sizeof(types);
	hdr.str_len = sizeof(strs);
	memcpy(blob, &hdr, sizeof(hdr));
	memcpy(blob + sizeof(hdr), types, sizeof(types));
	memcpy(blob + sizeof(hdr) + sizeof(types), strs, sizeof(strs));
	btf = evbpf__bpf_btf_load(blob, sizeof(hdr) + sizeof(types) + sizeof(strs), NULL, 0, 0);
	if (btf < 0)
		return btf == -EINVAL ? (snprintf(why, len, "no BTF loading"), 0) : btf;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_STRUCT_OPS;
	attr.key_size = 4;
	attr.value_size = evbpf__btf_type(vm, (uint32_t)vt)->size;
	attr.max_entries = 1;
	attr.btf_fd = (uint32_t)btf;
	attr.btf_vmlinux_value_type_id = (uint32_t)vt;
	fd = evbpf__bpf_map_create(&attr);
	if (fd < 0) {
		snprintf(why, len, "struct_ops map refused: %s", evbpf_strerror(fd));
		answer = fd == -EINVAL || fd == -ENOTSUPP_KERNEL || fd == -EOPNOTSUPP ||
				 fd == -EPERM ? 0 : fd;
		goto out;
	}
	close(fd);
	memset(&attr, 0, sizeof(attr));
	memset(log, 0, sizeof(log));
	attr.prog_type = BPF_PROG_TYPE_STRUCT_OPS;
	attr.expected_attach_type = (uint32_t)member;
	attr.attach_btf_id = (uint32_t)ops;
	attr.insns = (uint64_t)(uintptr_t)ret0;
	attr.insn_cnt = EVBPF_ARRAY_SIZE(ret0);
	attr.license = (uint64_t)(uintptr_t) "GPL";
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	fd = evbpf__bpf(BPF_PROG_LOAD, &attr, sizeof(attr));
	if (fd >= 0) {
		close(fd);
		answer = 1;
		goto out;
	}
	snprintf(why, len, "struct_ops program refused: %s", evbpf_strerror(fd));
	answer = fd == -EINVAL || fd == -ENOTSUPP_KERNEL || fd == -EOPNOTSUPP || fd == -EPERM
			 ? 0 : fd;
out:
	close(btf);
	return answer;
}

static int try_btf_attach(uint32_t attach_type, int btf_id, const char *what, char *why,
			  size_t len);

/*
 * fentry on a function every kernel with BPF test runs has, attached and
 * detached at once. EPERM here (we could create maps, so this is not a
 * privilege problem) is a policy refusal: the facility is absent for us.
 */
static int probe_trampoline(char *why, size_t len)
{
	static const char *const targets[] = {"bpf_fentry_test1", "ksys_read"};
	const struct evbpf_btf *vmlinux;
	int id = -ENOENT;

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
	return try_btf_attach(BPF_TRACE_FENTRY, id, "fentry", why, len);
}

/* ---------------------------------------------------------------- */
/* Attach facilities tried for real (issue 16: evbpf probe)           */
/* ---------------------------------------------------------------- */

/*
 * A directory under sysfs says a PMU was built in, not that a probe can
 * be made through it (lockdown, a perf_event_paranoid policy or an LSM
 * may still refuse). So a probe is made: perf_event_open() of a disabled
 * event on the PMU, closed at once. For kprobes the target is a kernel
 * function every configuration we support has; for uprobes it is a
 * memfd of a few nops that no process maps, so the kernel registers the
 * uprobe and installs nothing anywhere.
 */

/* A sealed-from-the-world file to put uprobes on: an unlinked memfd.
 * Returns its fd (the caller closes it) and its path in path. */
static int nop_file(char *path, size_t len)
{
	static const uint8_t nops[16] = {0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
					 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90};
	int fd = (int)syscall(SYS_memfd_create, "evbpf-probe", 1u /* MFD_CLOEXEC */);

	if (fd < 0)
		return -errno;
	if (write(fd, nops, sizeof(nops)) != (ssize_t)sizeof(nops)) {
		close(fd);
		return -EIO;
	}
	snprintf(path, len, "/proc/self/fd/%d", fd);
	return fd;
}

static int open_pmu_probe(int type, const char *target, uint64_t offset)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = (uint32_t)type;
	attr.config1 = (uint64_t)(uintptr_t)target; /* kprobe_func, uprobe_path */
	attr.config2 = offset;                      /* probe_offset */
	attr.sample_period = 1;
	attr.disabled = 1;
	return evbpf__perf_event_open(&attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
}

static int probe_kprobe_pmu(char *why, size_t len)
{
	int type, fd = -ENOENT;

	if (!pmu_exists("kprobe", why, len))
		return 0;
	type = evbpf__pmu_type(NULL, "kprobe");
	if (type < 0) {
		snprintf(why, len, "kprobe PMU: %s", evbpf_errmsg());
		return 0;
	}
	for (size_t i = 0; i < EVBPF_ARRAY_SIZE(kprobe_targets) && fd == -ENOENT; i++)
		fd = open_pmu_probe(type, kprobe_targets[i], 0);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	snprintf(why, len, "a kprobe through the kprobe PMU was refused: %s", evbpf_strerror(fd));
	return refused(fd) || fd == -ENOENT ? 0 : fd;
}

static int probe_uprobe_pmu(char *why, size_t len)
{
	char path[64];
	int type, file, fd;

	if (!pmu_exists("uprobe", why, len))
		return 0;
	type = evbpf__pmu_type(NULL, "uprobe");
	if (type < 0) {
		snprintf(why, len, "uprobe PMU: %s", evbpf_errmsg());
		return 0;
	}
	file = nop_file(path, sizeof(path));
	if (file < 0)
		return file;
	fd = open_pmu_probe(type, path, 0);
	close(file);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	snprintf(why, len, "a uprobe through the uprobe PMU was refused: %s", evbpf_strerror(fd));
	return refused(fd) ? 0 : fd;
}

/* tracefs: add a probe event, then remove it. */
static int try_legacy(bool uprobe, char *why, size_t len)
{
	const char *events = uprobe ? "uprobe_events" : "kprobe_events";
	struct evbpf_tracefs_probe tp;
	char location[96];
	int file = -1, id = -ENOENT;

	if (!evbpf__tracefs_root_with(events)) {
		snprintf(why, len, "no %s in tracefs: %s", events,
			 tracefs_root() ? (uprobe ? "kernel built without CONFIG_UPROBE_EVENTS"
						  : "kernel built without CONFIG_KPROBE_EVENTS")
					: "tracefs is not mounted (mount -t tracefs nodev "
					  "/sys/kernel/tracing)");
		return 0;
	}
	if (uprobe) {
		char path[64];

		file = nop_file(path, sizeof(path));
		if (file < 0)
			return file;
		snprintf(location, sizeof(location), "%s:0x0", path);
		id = evbpf__tracefs_probe_add(&tp, true, false, location, "probe");
	} else {
		for (size_t i = 0; i < EVBPF_ARRAY_SIZE(kprobe_targets) && id < 0; i++) {
			snprintf(location, sizeof(location), "%s", kprobe_targets[i]);
			id = evbpf__tracefs_probe_add(&tp, false, false, location, "probe");
			if (id == -EPERM || id == -EACCES)
				break;
		}
	}
	if (file >= 0)
		close(file);
	if (id >= 0) {
		evbpf__tracefs_probe_remove(&tp);
		return 1;
	}
	snprintf(why, len, "adding a probe event to %s failed: %s", events, evbpf_strerror(id));
	return refused(id) || id == -ENOENT || id == -EOPNOTSUPP ? 0 : id;
}

static int probe_kprobe_legacy(char *why, size_t len)
{
	return try_legacy(false, why, len);
}

static int probe_uprobe_legacy(char *why, size_t len)
{
	return try_legacy(true, why, len);
}

/* Either way of making the probe works. The two probes are called
 * directly: the cache's lock is held while a probe runs. */
static int probe_either(int (*pmu)(char *, size_t), int (*legacy)(char *, size_t),
			const char *kind, char *why, size_t len)
{
	char first[200] = "", second[200] = "";
	int a = pmu(first, sizeof(first)), b;

	if (a == 1)
		return 1;
	b = legacy(second, sizeof(second));
	if (b == 1)
		return 1;
	snprintf(why, len, "no %s through the PMU (%s) nor tracefs (%s)", kind,
		 a < 0 ? evbpf_strerror(a) : first, b < 0 ? evbpf_strerror(b) : second);
	return a < 0 ? a : b < 0 ? b : 0;
}

static int probe_kprobe(char *why, size_t len)
{
	return probe_either(probe_kprobe_pmu, probe_kprobe_legacy, "kprobes", why, len);
}

static int probe_uprobe(char *why, size_t len)
{
	return probe_either(probe_uprobe_pmu, probe_uprobe_legacy, "uprobes", why, len);
}

/* A "return 0" BTF-typed program of type/attach_type on BTF id btf_id,
 * attached with BPF_RAW_TRACEPOINT_OPEN and detached at once. */
static int try_btf_attach(uint32_t attach_type, int btf_id, const char *what, char *why,
			  size_t len)
{
	union bpf_attr attr;
	char log[1024];
	int prog, link;

	memset(&attr, 0, sizeof(attr));
	memset(log, 0, sizeof(log));
	attr.prog_type = BPF_PROG_TYPE_TRACING;
	attr.expected_attach_type = attach_type;
	attr.attach_btf_id = (uint32_t)btf_id;
	attr.insns = (uint64_t)(uintptr_t)ret0;
	attr.insn_cnt = EVBPF_ARRAY_SIZE(ret0);
	attr.license = (uint64_t)(uintptr_t) "GPL";
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	prog = evbpf__bpf(BPF_PROG_LOAD, &attr, sizeof(attr));
	if (prog < 0) {
		snprintf(why, len, "%s program refused: %s", what, evbpf_strerror(prog));
		return refused(prog) ? 0 : prog;
	}
	memset(&attr, 0, sizeof(attr));
	attr.raw_tracepoint.prog_fd = (uint32_t)prog;
	link = evbpf__bpf(BPF_RAW_TRACEPOINT_OPEN, &attr, sizeof(attr));
	close(prog);
	if (link >= 0) {
		close(link);
		return 1;
	}
	snprintf(why, len, "%s attach refused: %s", what, evbpf_strerror(link));
	return refused(link) ? 0 : link;
}

/* tp_btf on sys_enter (every kernel with raw tracepoints has it). */
static int probe_tp_btf(char *why, size_t len)
{
	const struct evbpf_btf *vmlinux;
	int id;

	if (evbpf__vmlinux_btf(&vmlinux) < 0) {
		snprintf(why, len, "no kernel BTF to find the tracepoint's type in");
		return 0;
	}
	id = evbpf__btf_find(vmlinux, "btf_trace_sys_enter", BTF_KIND_TYPEDEF);
	if (id < 0) {
		snprintf(why, len, "the kernel's BTF has no btf_trace_sys_enter (Linux 5.5+)");
		return 0;
	}
	return try_btf_attach(BPF_TRACE_RAW_TP, id, "tp_btf", why, len);
}

/* The BTF of a loaded module, read through bpf() as attaching to a
 * module's function needs (name and kernel_btf in bpf_btf_info, 5.11). */
static int probe_module_btf(char *why, size_t len)
{
	uint32_t id = 0;

	for (;;) {
		struct bpf_btf_info info;
		union bpf_attr attr;
		char name[64] = "";
		uint32_t info_len = sizeof(info);
		int fd, err;

		memset(&attr, 0, sizeof(attr));
		attr.start_id = id;
		err = evbpf__bpf(BPF_BTF_GET_NEXT_ID, &attr, sizeof(attr));
		if (err == -ENOENT)
			break;
		if (err)
			return err;
		id = attr.next_id;
		memset(&attr, 0, sizeof(attr));
		attr.btf_id = id;
		fd = evbpf__bpf(BPF_BTF_GET_FD_BY_ID, &attr, sizeof(attr));
		if (fd == -ENOENT)
			continue;
		if (fd < 0)
			return fd;
		memset(&info, 0, sizeof(info));
		info.name = (uint64_t)(uintptr_t)name;
		info.name_len = sizeof(name);
		err = evbpf__bpf_obj_info(fd, &info, &info_len);
		close(fd);
		if (err == -E2BIG) {
			/* Fields past the kernel's bpf_btf_info (name,
			 * kernel_btf) are refused, not ignored. */
			snprintf(why, len, "the kernel does not tell whose BTF an object is "
				 "(no module BTF before Linux 5.11)");
			return 0;
		}
		if (err)
			return err;
		if (info.kernel_btf && name[0] && strcmp(name, "vmlinux"))
			return 1;
	}
	snprintf(why, len, "no loaded module has BTF (kernel built without "
		 "CONFIG_DEBUG_INFO_BTF_MODULES, before Linux 5.11, or no module loaded)");
	return 0;
}

static int probe_kprobe_multi(char *why, size_t len)
{
	int known = try_kprobe_multi(ATTACH_KPROBE_MULTI,
				     "kprobe_multi links (Linux 5.18+, CONFIG_FPROBE)", why, len);

	return known == 1 ? attach_kprobe_multi_for_real(why, len) : known;
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
	[EVBPF_FEATURE_STRUCT_OPS] = {"struct_ops", probe_struct_ops},
	[EVBPF_FEATURE_NETFILTER_LINK] = {"netfilter_link", probe_netfilter_link},
	[EVBPF_FEATURE_NETKIT] = {"netkit", probe_netkit},
	[EVBPF_FEATURE_KPROBE_SESSION] = {"kprobe_session", probe_kprobe_session},
	[EVBPF_FEATURE_UPROBE_SESSION] = {"uprobe_session", probe_uprobe_session},
	[EVBPF_FEATURE_MAP_BATCH] = {"map_batch", probe_map_batch},
	[EVBPF_FEATURE_ENABLE_STATS] = {"enable_stats", probe_enable_stats},
	[EVBPF_FEATURE_KPROBE_LEGACY] = {"kprobe_legacy", probe_kprobe_legacy},
	[EVBPF_FEATURE_UPROBE_LEGACY] = {"uprobe_legacy", probe_uprobe_legacy},
	[EVBPF_FEATURE_TP_BTF] = {"tp_btf", probe_tp_btf},
	[EVBPF_FEATURE_MODULE_BTF] = {"module_btf", probe_module_btf},
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static signed char cache[EVBPF_FEATURE__COUNT]; /* 0 unknown, else answer + 2 */
static char reasons[EVBPF_FEATURE__COUNT][320];

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
