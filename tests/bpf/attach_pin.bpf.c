/* Fixture for pinning: a map pinned by name, a map that is not, a program
 * to pin and attach, and one the verifier rejects (autoload is switched
 * off except in the failed-load test). */
#include "evbpf_test.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, 4);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pinned_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, 4);
} private_counts SEC(".maps");

const volatile u32 target_tgid;

SEC("raw_tp/sys_enter")
int count_enter(void *ctx)
{
	u32 k = 0;
	u64 *v;

	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	v = bpf_map_lookup_elem(&pinned_counts, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	v = bpf_map_lookup_elem(&private_counts, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}

SEC("xdp")
int rejected(struct xdp_md *ctx)
{
	/* No bounds check: the verifier refuses this. */
	return *(u8 *)(long)ctx->data;
}

char LICENSE[] SEC("license") = "GPL";
