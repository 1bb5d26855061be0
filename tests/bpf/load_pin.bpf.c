/* Fixture for `evbpf load --pin`: two programs, a map pinned by name and
 * one that is not. Built for 5.10. */
#include "evbpf_test.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, 2);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} shared_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, 2);
} own_counts SEC(".maps");

static void bump(void *map, u32 k)
{
	u64 *v = bpf_map_lookup_elem(map, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("xdp")
int count_xdp(struct xdp_md *ctx)
{
	bump(&shared_counts, 0);
	bump(&own_counts, 0);
	return XDP_PASS;
}

SEC("socket")
int count_socket(struct __sk_buff *skb)
{
	bump(&shared_counts, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
