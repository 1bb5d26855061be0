/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * execsnoop: every exec and every process exit, into a ring buffer.
 *
 * CO-RE without vmlinux.h: the task_struct below names only the fields this
 * program reads. preserve_access_index makes clang record each access as a
 * relocation, and evbpf rewrites the offsets for the running kernel's
 * task_struct (from /sys/kernel/btf/vmlinux) when it loads the program.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "execsnoop.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct task_struct {
	int pid;
	int tgid;
	int exit_code;
	__u64 start_time;
	struct task_struct *real_parent;
} __attribute__((preserve_access_index));

/* Tracepoint contexts, as events/sched/<name>/format in tracefs lays them
 * out (stable ABI for these fields). */
struct trace_entry_header {
	unsigned short type;
	unsigned char flags;
	unsigned char preempt_count;
	int pid;
};

struct sched_process_exec_ctx {
	struct trace_entry_header ent;
	unsigned int filename_loc; /* __data_loc: offset in the low 16 bits */
	int pid;
	int old_pid;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} exec_events SEC(".maps");

/* Puts struct exec_event in the object's BTF, so `evbpf run` decodes the
 * records of exec_events field by field. */
struct exec_event *exec_event_type __attribute__((unused));

static __always_inline void fill_task(struct exec_event *e, struct task_struct *task)
{
	e->pid = BPF_CORE_READ(task, tgid);
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->start_ns = BPF_CORE_READ(task, start_time);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

SEC("tp/sched/sched_process_exec")
int handle_exec(struct sched_process_exec_ctx *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	unsigned int off = ctx->filename_loc & 0xffff;
	struct exec_event *e;

	e = bpf_ringbuf_reserve(&exec_events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->kind = EXEC_EVENT_EXEC;
	e->exit_code = 0;
	e->duration_ns = 0;
	fill_task(e, task);
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), (void *)ctx + off);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp/sched/sched_process_exit")
int handle_exit(void *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	struct exec_event *e;

	/* Threads other than the main one: not a process exit. */
	if ((__u32)id != (__u32)(id >> 32))
		return 0;
	e = bpf_ringbuf_reserve(&exec_events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->kind = EXEC_EVENT_EXIT;
	fill_task(e, task);
	e->exit_code = BPF_CORE_READ(task, exit_code);
	e->duration_ns = bpf_ktime_get_ns() - e->start_ns;
	e->filename[0] = '\0';
	bpf_ringbuf_submit(e, 0);
	return 0;
}
