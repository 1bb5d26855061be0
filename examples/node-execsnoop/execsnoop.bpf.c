/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * node-execsnoop: one record per exec, from the sched/sched_process_exec
 * tracepoint into a ring buffer. The record type is in the object's BTF,
 * so the Node.js script receives it decoded ({decode: true}).
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct exec_event {
	__u32 pid;
	__u32 ppid_unused; /* keeps the layout 8-byte aligned */
	__u64 time_ns;     /* bpf_ktime_get_ns() at the exec */
	char comm[16];
	char filename[128];
};

/* The tracepoint's context, as events/sched/sched_process_exec/format
 * lays it out. */
struct sched_process_exec_ctx {
	unsigned short type;
	unsigned char flags;
	unsigned char preempt_count;
	int common_pid;
	unsigned int filename_loc; /* __data_loc: offset in the low 16 bits */
	int pid;
	int old_pid;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} exec_events SEC(".maps");

struct exec_event *exec_event_type __attribute__((unused));

SEC("tp/sched/sched_process_exec")
int on_exec(struct sched_process_exec_ctx *ctx)
{
	unsigned int off = ctx->filename_loc & 0xffff;
	struct exec_event *e = bpf_ringbuf_reserve(&exec_events, sizeof(*e), 0);

	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ppid_unused = 0;
	e->time_ns = bpf_ktime_get_ns();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), (void *)ctx + off);
	bpf_ringbuf_submit(e, 0);
	return 0;
}
