/* Fixture: programs to introspect. An XDP program run by
 * BPF_PROG_TEST_RUN (run counts exact), a tracepoint and a raw tracepoint
 * on getpid for pinning, reopening and attaching. Built for 5.10. */
#include "evbpf_test.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, 4);
} counts SEC(".maps");

/* Only this process's calls count (other processes call getpid too). */
volatile const u32 target_tgid = 0;

static void bump(u32 idx)
{
	u64 *c = bpf_map_lookup_elem(&counts, &idx);

	if (c)
		__sync_fetch_and_add(c, 1);
}

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	bump(0);
	return XDP_PASS;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int tp_getpid(void *ctx)
{
	if ((u32)(bpf_get_current_pid_tgid() >> 32) == target_tgid)
		bump(1);
	return 0;
}

SEC("raw_tp/sys_enter")
int raw_enter(void *ctx)
{
	if ((u32)(bpf_get_current_pid_tgid() >> 32) == target_tgid)
		bump(2);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
