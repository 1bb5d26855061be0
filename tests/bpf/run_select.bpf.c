/* SPDX-License-Identifier: MIT */
/*
 * Fixture for `evbpf run` program selection (tests/examples/evbpf-run.sh):
 * one tracepoint that exists (a u64 per exec into a ring buffer), one that
 * does not, and programs whose attach target must come from the command
 * line (XDP, a bare uprobe, socket, perf_event). sel_counts has no
 * max_entries: the kernel refuses it until --max-entries gives one.
 */
#include "evbpf_test.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} sel_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
} sel_counts SEC(".maps");

SEC("tp/sched/sched_process_exec")
int sel_exec(void *ctx)
{
	__u32 key = 0;
	__u64 one = 1, *v;

	v = bpf_map_lookup_elem(&sel_counts, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&sel_counts, &key, &one, BPF_NOEXIST);
	bpf_ringbuf_output(&sel_events, &(__u64){bpf_get_current_pid_tgid() >> 32},
	                   sizeof(__u64), 0);
	return 0;
}

SEC("tp/evbpf_no_such_system/no_such_event")
int sel_missing(void *ctx)
{
	return 0;
}

SEC("xdp")
int sel_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("uprobe")
int sel_uprobe(void *ctx)
{
	return 0;
}

SEC("socket")
int sel_socket(void *ctx)
{
	return 0;
}

SEC("perf_event")
int sel_perf(void *ctx)
{
	return 0;
}
