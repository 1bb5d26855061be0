/* Fixture: BTF kinds newer than the oldest kernel we run on, in an object
 * that must load with its BTF (and so with func_info) everywhere: FLOAT
 * (5.13), DECL_TAG (5.16), TYPE_TAG (5.17) and a global function (5.6),
 * in map value types, globals and a subprogram. The loader rewrites what
 * the kernel lacks before BPF_BTF_LOAD. (ENUM64 and signed enums need
 * clang 15; test-btf-kinds loads them from hand-built BTF.) */
#include "evbpf_test.bpf.h"

#define __tag(x) __attribute__((btf_decl_tag(x)))
#define __type_tag(x) __attribute__((btf_type_tag(x)))

struct sample {
	u64 count __tag("counter");
	double ratio;  /* FLOAT */
	float scale;   /* FLOAT */
	u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, struct sample);
	__uint(max_entries, 1);
} samples SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, 2);
} out SEC(".maps");

/* A type tag on a pointer that the BTF of a global carries. */
u64 __type_tag("evbpf_tag") *tagged_ptr __tag("global_tag");
double seed = 1.5;

__attribute__((noinline)) __tag("global_fn") u64 scaled(u64 x __tag("arg"))
{
	return x * 3 + 1;
}

SEC("xdp")
int kinds(struct xdp_md *ctx)
{
	u32 zero = 0, one = 1;
	struct sample *s = bpf_map_lookup_elem(&samples, &zero);
	u64 v = scaled(ctx->data_end - ctx->data); /* the packet's length */

	if (s)
		s->count += 1;
	bpf_map_update_elem(&out, &zero, &v, BPF_ANY);
	v = tagged_ptr ? 1 : 2;
	bpf_map_update_elem(&out, &one, &v, BPF_ANY);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
