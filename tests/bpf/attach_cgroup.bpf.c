/* Fixture for the cgroup attach tests: one program per cgroup hook, each
 * counting in its own slot of `counts` and allowing what it sees. */
#include "evbpf_test.bpf.h"

enum {
	C_SKB_INGRESS,
	C_SKB_EGRESS,
	C_SOCK_CREATE,
	C_SOCK_RELEASE,
	C_POST_BIND4,
	C_BIND4,
	C_CONNECT4,
	C_SENDMSG4,
	C_RECVMSG4,
	C_GETSOCKNAME4,
	C_GETPEERNAME4,
	C_SYSCTL,
	C_GETSOCKOPT,
	C_SETSOCKOPT,
	C_DEV,
	C_SOCKOPS,
	C_NR,
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, C_NR);
} counts SEC(".maps");

static __always_inline int bump(u32 idx)
{
	u64 *v = bpf_map_lookup_elem(&counts, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);
	return 1;
}

SEC("cgroup_skb/ingress")
int cg_skb_ingress(struct __sk_buff *skb)
{
	return bump(C_SKB_INGRESS);
}

SEC("cgroup_skb/egress")
int cg_skb_egress(struct __sk_buff *skb)
{
	return bump(C_SKB_EGRESS);
}

SEC("cgroup/sock_create")
int cg_sock_create(struct bpf_sock *sk)
{
	return bump(C_SOCK_CREATE);
}

SEC("cgroup/sock_release")
int cg_sock_release(struct bpf_sock *sk)
{
	return bump(C_SOCK_RELEASE);
}

SEC("cgroup/post_bind4")
int cg_post_bind4(struct bpf_sock *sk)
{
	return bump(C_POST_BIND4);
}

SEC("cgroup/bind4")
int cg_bind4(struct bpf_sock_addr *ctx)
{
	return bump(C_BIND4);
}

SEC("cgroup/connect4")
int cg_connect4(struct bpf_sock_addr *ctx)
{
	return bump(C_CONNECT4);
}

SEC("cgroup/sendmsg4")
int cg_sendmsg4(struct bpf_sock_addr *ctx)
{
	return bump(C_SENDMSG4);
}

SEC("cgroup/recvmsg4")
int cg_recvmsg4(struct bpf_sock_addr *ctx)
{
	return bump(C_RECVMSG4);
}

SEC("cgroup/getsockname4")
int cg_getsockname4(struct bpf_sock_addr *ctx)
{
	return bump(C_GETSOCKNAME4);
}

SEC("cgroup/getpeername4")
int cg_getpeername4(struct bpf_sock_addr *ctx)
{
	return bump(C_GETPEERNAME4);
}

SEC("cgroup/sysctl")
int cg_sysctl(struct bpf_sysctl *ctx)
{
	return bump(C_SYSCTL);
}

SEC("cgroup/getsockopt")
int cg_getsockopt(struct bpf_sockopt *ctx)
{
	return bump(C_GETSOCKOPT);
}

SEC("cgroup/setsockopt")
int cg_setsockopt(struct bpf_sockopt *ctx)
{
	return bump(C_SETSOCKOPT);
}

SEC("cgroup/dev")
int cg_dev(struct bpf_cgroup_dev_ctx *ctx)
{
	return bump(C_DEV);
}

SEC("sockops")
int cg_sockops(struct bpf_sock_ops *ctx)
{
	return bump(C_SOCKOPS);
}

/* No direction in the section: attach needs opts.attach_type. */
SEC("cgroup/skb")
int cg_skb_any(struct __sk_buff *skb)
{
	return bump(C_SKB_INGRESS);
}

char LICENSE[] SEC("license") = "GPL";
