/* Fixture for the tracing attach tests: each program bumps its own slot in
 * `counts` when the process under test (target_tgid) triggers it, so the
 * tests can check attach -> fires -> detach exactly. Built for the oldest
 * kernel of the matrix (5.10): no atomic fetch instructions, no attach
 * cookies (attach_cookie.bpf.c has those). Tests load only the programs
 * they exercise, so a program type one kernel refuses fails only its own
 * tests. */
#include "evbpf_test.bpf.h"
#include <linux/ptrace.h>
#include <bpf/bpf_tracing.h>

enum {
	C_TRACEPOINT,
	C_RAW_TP,
	C_TP_BTF,
	C_PERF,
	C_KPROBE,
	C_UPROBE,
	C_URETPROBE,
	C_UPROBE_SEC,
	C_ITER_ELEM,
	C_KRETPROBE,
	C_NR = 16,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, C_NR);
} counts SEC(".maps");

/* The last uprobe argument and uretprobe return value seen. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, 4);
} probe_vals SEC(".maps");

const volatile u32 target_tgid;

static __always_inline int mine(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == target_tgid;
}

static __always_inline void bump(u32 idx)
{
	u64 *v = bpf_map_lookup_elem(&counts, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline void store(u32 idx, u64 val)
{
	bpf_map_update_elem(&probe_vals, &idx, &val, BPF_ANY);
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int tp_getppid(void *ctx)
{
	if (mine())
		bump(C_TRACEPOINT);
	return 0;
}

SEC("raw_tp/sys_enter")
int raw_sys_enter(void *ctx)
{
	if (mine())
		bump(C_RAW_TP);
	return 0;
}

SEC("tp_btf/sys_enter")
int btf_sys_enter(u64 *ctx)
{
	/* ctx[1] is the syscall number (the args are pt_regs *, long id). */
	if (mine() && ctx[1] == 110 /* getppid on x86-64 */)
		bump(C_TP_BTF);
	return 0;
}

SEC("perf_event")
int on_clock(void *ctx)
{
	bump(C_PERF);
	return 0;
}

/* nanosleep(2) and clock_nanosleep(2) both sleep in do_nanosleep(). */
SEC("kprobe/do_nanosleep")
int kprobe_nanosleep(void *ctx)
{
	if (mine())
		bump(C_KPROBE);
	return 0;
}

SEC("kretprobe/do_nanosleep")
int BPF_KRETPROBE(kretprobe_nanosleep, long ret)
{
	if (mine()) {
		bump(C_KRETPROBE);
		store(3, (u64)ret + 1000); /* 1000: it slept to the end (returned 0) */
	}
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(on_uprobe, long a, long b)
{
	if (mine()) {
		bump(C_UPROBE);
		store(0, (u64)a);
		store(1, (u64)b);
	}
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(on_uretprobe, long ret)
{
	if (mine()) {
		bump(C_URETPROBE);
		store(2, (u64)ret);
	}
	return 0;
}

/* Attached by section name: the test binary itself, by symbol. */
SEC("uprobe//proc/self/exe:evbpf_test_uprobe_target")
int uprobe_by_section(void *ctx)
{
	if (mine())
		bump(C_UPROBE_SEC);
	return 0;
}

/* Iterator contexts; only the leading pointers are used, whose offsets are
 * fixed by the kernel ABI. */
struct seq_file;
struct bpf_iter_meta {
	struct seq_file *seq;
	u64 session_id;
	u64 seq_num;
};
struct bpf_iter__bpf_map_elem {
	struct bpf_iter_meta *meta;
	void *map;
	void *key;
	void *value;
};

SEC("iter/bpf_map_elem")
int dump_elems(struct bpf_iter__bpf_map_elem *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	u32 *key = ctx->key;
	u64 *val = ctx->value;

	if (!key || !val)
		return 0;
	BPF_SEQ_PRINTF(seq, "%u=%llu\n", *key, *val);
	bump(C_ITER_ELEM);
	return 0;
}

/* iter/task: one line "TGID PID COMM" per task, through CO-RE reads of the
 * two fields and the name (the kernel BTF gives their offsets). */
struct task_struct {
	int pid;
	int tgid;
	char comm[16];
} __attribute__((preserve_access_index));

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
};

SEC("iter/task")
int dump_tasks(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;

	if (!task)
		return 0;
	BPF_SEQ_PRINTF(seq, "%d %d %s\n", task->tgid, task->pid, task->comm);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
