/* SPDX-License-Identifier: MIT */
/*
 * Fixture for `evbpf run`'s choice among alternative programs
 * (tests/examples/evbpf-run.sh): the same exec event three ways, as
 * libbpf-tools objects carry it (tp_btf, raw_tp and a tracefs tracepoint).
 * Each program sends its own number, so the records say which one ran.
 */
#include "evbpf_test.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} alt_events SEC(".maps");

static __always_inline int send(__u64 which)
{
	bpf_ringbuf_output(&alt_events, &which, sizeof(which), 0);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int alt_btf(__u64 *ctx)
{
	return send(1);
}

SEC("raw_tp/sched_process_exec")
int alt_raw(void *ctx)
{
	return send(2);
}

SEC("tp/sched/sched_process_exec")
int alt_tp(void *ctx)
{
	return send(3);
}
