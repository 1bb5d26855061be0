/* Every getppid() of one process becomes a ring buffer record. Built
 * against the vmlinux.h that evbpf_bpf_skeleton() generates. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct event {
	int pid;
	unsigned int seq;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

const volatile int target_pid = -1; /* set through skel->rodata */
const volatile long target_nr = -1;
unsigned int seen; /* read as skel->bss->seen */

SEC("raw_tp/sys_enter")
int on_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	struct event *e;

	if ((int)(bpf_get_current_pid_tgid() >> 32) != target_pid ||
	    (long)ctx->args[1] != target_nr)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = target_pid;
	e->seq = seen++; /* one thread calls getppid(): no atomics needed */
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
