/* Fixture for tests/kernel/test-multi.c: multi-attach probes. Each
 * program counts the hits of the process under test in its own slot (USDT_TARGET, the
 * test executable tests/usdt/usdt_target, comes from CMake) of
 * `counts`; with cookies, hits are counted per cookie in `by_cookie`.
 * Needs Linux 5.18 (kprobe.multi) or 6.6 (uprobe.multi); the sessions
 * 6.10 and 6.13 (the tests skip where the kernel lacks them). */
#include "evbpf_test.bpf.h"
#include <linux/ptrace.h>
#include <bpf/bpf_tracing.h>

#ifndef USDT_TARGET
#define USDT_TARGET "/nonexistent"
#endif

enum { C_KMULTI, C_KRETMULTI, C_KSESSION, C_UMULTI, C_URETMULTI, C_USESSION, C_KLIST, C_USEC, C_NR = 8 };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, C_NR);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, u64);
	__type(value, u64);
	__uint(max_entries, 64);
} by_cookie SEC(".maps");

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

static __always_inline void bump_cookie(void *ctx)
{
	u64 c = bpf_get_attach_cookie(ctx), one = 1, *v;

	v = bpf_map_lookup_elem(&by_cookie, &c);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&by_cookie, &c, &one, BPF_NOEXIST);
}

/* nanosleep(2) and clock_nanosleep(2) sleep in hrtimer_nanosleep(). */
SEC("kprobe.multi/hrtimer_nanosleep*")
int kmulti(struct pt_regs *ctx)
{
	if (mine())
		bump(C_KMULTI);
	return 0;
}

SEC("kretprobe.multi/hrtimer_nanosleep*")
int kretmulti(struct pt_regs *ctx)
{
	if (mine())
		bump(C_KRETMULTI);
	return 0;
}

/* Entry returns 0: run at return too. */
SEC("kprobe.session/hrtimer_nanosleep*")
int ksession(struct pt_regs *ctx)
{
	if (mine())
		bump(C_KSESSION);
	return 0;
}

/* Attached with a list of functions and cookies. */
SEC("kprobe.multi")
int klist(struct pt_regs *ctx)
{
	if (mine()) {
		bump(C_KLIST);
		bump_cookie(ctx);
	}
	return 0;
}

SEC("uprobe.multi")
int umulti(struct pt_regs *ctx)
{
	if (mine()) {
		bump(C_UMULTI);
		bump_cookie(ctx);
	}
	return 0;
}

/* By section, every process: the glob in the test executable. */
SEC("uprobe.multi/" USDT_TARGET ":evbpf_umulti_*")
int umulti_sec(struct pt_regs *ctx)
{
	if (mine())
		bump(C_USEC);
	return 0;
}

SEC("uretprobe.multi")
int uretmulti(struct pt_regs *ctx)
{
	if (mine())
		bump(C_URETMULTI);
	return 0;
}

SEC("uprobe.session")
int usession(struct pt_regs *ctx)
{
	if (mine())
		bump(C_USESSION);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
