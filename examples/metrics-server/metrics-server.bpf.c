/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * metrics-server: count system calls per process. A raw tracepoint needs
 * neither tracefs nor BTF of the kernel: raw_tp/sys_enter runs on every
 * syscall entry. The map is an LRU hash, so processes that stopped making
 * syscalls make room for new ones instead of the table filling up.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#include "metrics-server.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, METRICS_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct syscall_count);
} syscalls SEC(".maps");

SEC("raw_tp/sys_enter")
int count_syscalls(void *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct syscall_count *c = bpf_map_lookup_elem(&syscalls, &tgid);
	struct syscall_count first = {.count = 1};

	if (c) {
		__sync_fetch_and_add(&c->count, 1);
		/* exec changes the name: keep the current one. */
		bpf_get_current_comm(c->comm, sizeof(c->comm));
		return 0;
	}
	bpf_get_current_comm(first.comm, sizeof(first.comm));
	/* Another CPU may have inserted it meanwhile: then count there. */
	if (bpf_map_update_elem(&syscalls, &tgid, &first, BPF_NOEXIST)) {
		c = bpf_map_lookup_elem(&syscalls, &tgid);
		if (c)
			__sync_fetch_and_add(&c->count, 1);
	}
	return 0;
}
