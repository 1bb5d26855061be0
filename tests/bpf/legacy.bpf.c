/* Fixture: legacy `maps` section definitions (struct bpf_map_def). */
#include "evbpf_test.bpf.h"

struct legacy_map_def {
	unsigned int type, key_size, value_size, max_entries, map_flags;
};

struct legacy_map_def SEC("maps") legacy_hash = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(u32),
	.value_size = sizeof(u64),
	.max_entries = 16,
};

struct legacy_map_def SEC("maps") legacy_array = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(u32),
	.value_size = sizeof(u32),
	.max_entries = 4,
};

SEC("xdp")
int legacy_prog(struct xdp_md *ctx)
{
	u32 k = 7, idx = 2;
	u64 v = 4242;
	u32 *a;

	bpf_map_update_elem(&legacy_hash, &k, &v, BPF_ANY);
	a = bpf_map_lookup_elem(&legacy_array, &idx);
	if (a)
		*a = 99;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
