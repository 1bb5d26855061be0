/* SPDX-License-Identifier: MIT */
/* Fixture for `evbpf run`: a tracepoint program (needs tracefs to attach)
 * writing a u64 per exec into a ring buffer. */
#include "evbpf_test.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} tp_events SEC(".maps");

SEC("tp/sched/sched_process_exec")
int run_tp_exec(void *ctx)
{
	bpf_ringbuf_output(&tp_events, &(__u64){bpf_get_current_pid_tgid() >> 32}, sizeof(__u64),
	                   0);
	return 0;
}
