/* Fixture for the networking attach tests: each program counts in its own
 * slot of `counts` and lets traffic through. */
#include "evbpf_test.bpf.h"

enum {
	C_XDP,
	C_TC_INGRESS,
	C_TC_EGRESS,
	C_SOCKET,
	C_SK_MSG,
	C_SK_SKB,
	C_SK_LOOKUP,
	C_REUSEPORT,
	C_FLOW,
	C_XDP2,
	C_NR,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, C_NR);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__type(key, u32);
	__type(value, u32);
	__uint(max_entries, 4);
} socks SEC(".maps");

static __always_inline void bump(u32 idx)
{
	u64 *v = bpf_map_lookup_elem(&counts, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("xdp")
int net_xdp(struct xdp_md *ctx)
{
	bump(C_XDP);
	return XDP_PASS;
}

/* The replacement for evbpf_link_update(). */
SEC("xdp")
int net_xdp2(struct xdp_md *ctx)
{
	bump(C_XDP2);
	return XDP_PASS;
}

SEC("tc/ingress")
int net_tc_in(struct __sk_buff *skb)
{
	bump(C_TC_INGRESS);
	return 0; /* TC_ACT_OK */
}

SEC("tc/egress")
int net_tc_out(struct __sk_buff *skb)
{
	bump(C_TC_EGRESS);
	return 0;
}

/* The same program for the cls_bpf fallback (plain "tc" section). */
SEC("tc")
int net_tc_any(struct __sk_buff *skb)
{
	bump(C_TC_INGRESS);
	return 0;
}

SEC("socket")
int net_socket(struct __sk_buff *skb)
{
	bump(C_SOCKET);
	return skb->len;
}

SEC("sk_msg")
int net_sk_msg(struct sk_msg_md *msg)
{
	bump(C_SK_MSG);
	return SK_PASS;
}

SEC("sk_skb/stream_verdict")
int net_sk_skb(struct __sk_buff *skb)
{
	bump(C_SK_SKB);
	return SK_PASS;
}

SEC("sk_lookup")
int net_sk_lookup(struct bpf_sk_lookup *ctx)
{
	bump(C_SK_LOOKUP);
	return SK_PASS;
}

SEC("sk_reuseport")
int net_reuseport(struct sk_reuseport_md *ctx)
{
	bump(C_REUSEPORT);
	return SK_PASS;
}

SEC("flow_dissector")
int net_flow(struct __sk_buff *skb)
{
	bump(C_FLOW);
	return 129; /* BPF_FLOW_DISSECTOR_CONTINUE: let the kernel dissect */
}

char LICENSE[] SEC("license") = "GPL";
