/* SPDX-License-Identifier: MIT */
/*
 * CO-RE, .kconfig and .ksyms against the running kernel, with types from
 * the vmlinux.h that `evbpf btf dump` generated at build time. The raw_tp
 * program runs under BPF_PROG_TEST_RUN in the test process's context, so
 * what it reads about "current" can be checked against getpid() & co.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

/* A flavor with a field no kernel has, and an enumerator no kernel has. */
struct task_struct___fake {
	int evbpf_no_such_field;
} __attribute__((preserve_access_index));

enum bpf_map_type___fake { EVBPF_FAKE_MAP_TYPE = 1 };

struct evbpf_no_such_type {
	int x;
};

extern int CONFIG_HZ __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig;
extern enum libbpf_tristate CONFIG_BPF_JIT __kconfig __weak;
extern char CONFIG_LOCALVERSION[32] __kconfig __weak;
extern u32 LINUX_KERNEL_VERSION __kconfig;
extern bool LINUX_HAS_SYSCALL_WRAPPER __kconfig;
extern int CONFIG_EVBPF_NO_SUCH_OPTION __kconfig __weak;

/*
 * What not every kernel has is __weak, so that its absence costs only the
 * program that uses it (a strong extern that cannot be resolved fails the
 * load of every program of the object): typed per-CPU variables are in
 * the kernel's BTF only from pahole 1.18 on (Debian's 5.10 has none), and
 * bpf_task_from_pid is Linux 6.2. Absent, they read as 0, and the code
 * they guard is dead, which the verifier skips.
 */
extern const struct rq runqueues __ksym __weak;   /* typed, per-CPU */
extern const void _stext __ksym;                   /* typeless: an address */
extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;
extern void evbpf_no_such_kfunc(void) __ksym __weak;

u64 r_tgid, r_ptgid, r_pid, r_pid_size, r_comm_size, r_has_pid, r_has_fake;
u64 r_ringbuf, r_fake_enum, r_type_exists, r_type_missing, r_task_size;
char r_comm[16];
u64 r_hz, r_bpf_syscall, r_jit, r_kver, r_wrapper, r_missing_cfg;
char r_localversion[32];
u64 r_cpu_match, r_has_runqueues, r_stext, r_kfunc_tgid, r_weak_kfunc, r_has_task_from_pid;
const volatile s32 target_pid;

/* A global function: verified on its own, which needs func_info. */
__attribute__((noinline)) int parent_tgid(u64 task_addr)
{
	struct task_struct *task = (void *)task_addr;

	if (!task)
		return -1;
	return BPF_CORE_READ(task, real_parent, tgid);
}

SEC("raw_tp/sys_enter")
int core_read(void *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();

	r_tgid = BPF_CORE_READ(task, tgid);
	r_ptgid = parent_tgid((u64)task);
	r_pid = BPF_CORE_READ(task, pid);
	r_pid_size = bpf_core_field_size(task->pid);
	r_comm_size = bpf_core_field_size(task->comm);
	BPF_CORE_READ_STR_INTO(&r_comm, task, comm);
	r_has_pid = bpf_core_field_exists(task->pid);
	r_has_fake = bpf_core_field_exists(((struct task_struct___fake *)task)->evbpf_no_such_field);
	r_ringbuf = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
	r_fake_enum = bpf_core_enum_value_exists(enum bpf_map_type___fake, EVBPF_FAKE_MAP_TYPE);
	r_type_exists = bpf_core_type_exists(struct task_struct);
	r_type_missing = bpf_core_type_exists(struct evbpf_no_such_type);
	r_task_size = bpf_core_type_size(struct task_struct);

	r_hz = CONFIG_HZ;
	r_bpf_syscall = CONFIG_BPF_SYSCALL;
	r_jit = CONFIG_BPF_JIT;
	r_kver = LINUX_KERNEL_VERSION;
	r_wrapper = LINUX_HAS_SYSCALL_WRAPPER;
	r_missing_cfg = CONFIG_EVBPF_NO_SUCH_OPTION;
	__builtin_memcpy(r_localversion, CONFIG_LOCALVERSION, sizeof(r_localversion));

	r_stext = (u64)&_stext;
	return 0;
}

/* Attached to sys_enter: records, for this test process's own syscalls
 * only, the tgid and parent tgid it reads through CO-RE. */
u64 r_tp_hits, r_tp_tgid, r_tp_ptgid;

SEC("raw_tp/sys_enter")
int core_sys_enter(void *ctx)
{
	struct task_struct *task = (void *)bpf_get_current_task();

	if (BPF_CORE_READ(task, tgid) != target_pid)
		return 0;
	r_tp_tgid = BPF_CORE_READ(task, tgid);
	r_tp_ptgid = BPF_CORE_READ(task, real_parent, tgid);
	__sync_fetch_and_add(&r_tp_hits, 1);
	return 0;
}

/* The usual pattern for a field renamed across kernels: ___flavor types
 * for each layout, the one the kernel lacks poisoned but dead code. */
struct task_struct___old {
	volatile long state;
} __attribute__((preserve_access_index));

struct task_struct___new {
	unsigned int __state;
} __attribute__((preserve_access_index));

u64 r_state_new, r_state_old;

SEC("raw_tp/sys_enter")
int core_flavors(void *ctx)
{
	void *task = (void *)bpf_get_current_task();

	if (bpf_core_field_exists(((struct task_struct___new *)task)->__state))
		r_state_new = 1 + BPF_CORE_READ((struct task_struct___new *)task, __state);
	else
		r_state_old = 1 + BPF_CORE_READ((struct task_struct___old *)task, state);
	return 0;
}

/* Typed per-CPU variable: the kernel resolves its address through
 * kallsyms, so this loads only on kernels with CONFIG_KALLSYMS_ALL. */
SEC("raw_tp/sys_enter")
int core_ksym_var(void *ctx)
{
	/* A local, so that the verifier sees the constant it was loaded as. */
	bool has = &runqueues != 0;

	r_has_runqueues = has;
	if (!has)
		return 0;
	r_cpu_match = BPF_CORE_READ((struct rq *)bpf_this_cpu_ptr(&runqueues), cpu) ==
		      bpf_get_smp_processor_id();
	return 0;
}

/* tc, run on a test packet: a type the generic kfuncs are registered for. */
SEC("tc")
int core_kfunc(struct __sk_buff *skb)
{
	bool has = &bpf_task_from_pid != 0 && &bpf_task_release != 0;
	struct task_struct *t;

	/* Missing and weak: the call is dead code once the check reads 0. */
	r_weak_kfunc = !!&evbpf_no_such_kfunc;
	if (r_weak_kfunc)
		evbpf_no_such_kfunc();
	r_has_task_from_pid = has;
	if (!has)
		return 2;
	t = bpf_task_from_pid(target_pid);
	if (!t)
		return 1;
	r_kfunc_tgid = t->tgid;
	bpf_task_release(t);
	return 0;
}
