/* Fixture: constructs real objects use that the loader must relocate:
 * bpf_loop callbacks (function pointers into .text), bpf_printk strings
 * (.rodata.str1.1), map-in-map with an inner template, tail calls through
 * a program array, and an array of structs in .bss indexed at run time. */
#include "evbpf_test.bpf.h"

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, 4);
};

struct inner inner_a SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, u32);
	__array(values, struct inner);
} outer SEC(".maps") = {
	.values = {[0] = &inner_a},
};

int tail_target(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__uint(key_size, sizeof(u32));
	__array(values, int(struct xdp_md *));
} jump SEC(".maps") = {
	.values = {[0] = (void *)&tail_target},
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, 8);
} out SEC(".maps");

struct slot {
	u64 a, b;
};
struct slot slots[4];
u32 tail_hits;

static long loop_cb(u32 i, void *ctx)
{
	u64 *sum = ctx;

	*sum += i;
	return 0;
}

static __always_inline void put(u32 idx, u64 val)
{
	bpf_map_update_elem(&out, &idx, &val, BPF_ANY);
}

SEC("xdp")
int features(struct xdp_md *ctx)
{
	u32 zero = 0, one = 1, idx;
	u64 *v;
	void *m;

	m = bpf_map_lookup_elem(&outer, &zero);
	if (m) {
		v = bpf_map_lookup_elem(m, &one);
		if (v)
			put(1, *v);
	}
	idx = (u32)bpf_get_prandom_u32() & 3;
	slots[idx].b = 77;
	slots[3].a = 5;
	put(2, slots[idx].b + slots[3].a);
	bpf_tail_call(ctx, &jump, 0);
	return XDP_ABORTED; /* reached only when the tail call fails */
}

/* Callbacks need func_info from .BTF.ext: the verifier checks them. */
SEC("xdp")
int callbacks(struct xdp_md *ctx)
{
	u64 sum = 0;

	bpf_loop(10, loop_cb, &sum, 0);
	put(0, sum); /* 0 + 1 + ... + 9 = 45 */
	bpf_printk("callbacks ran, sum=%llu", sum);
	return XDP_PASS;
}

SEC("xdp")
int tail_target(struct xdp_md *ctx)
{
	tail_hits++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
