/* A minimal TCP congestion control as struct_ops, in both forms: a
 * .struct_ops.link map (registered through a BPF link) and a plain
 * .struct_ops map (registered by the map update). The struct is declared
 * here with only the members used and in another order than the kernel's,
 * as an object built against another kernel would have it: the loader
 * must place each member by name. The counters show which callbacks ran.
 * Built for 5.10: no vmlinux.h, no kfuncs, no atomic fetches. */
#include "evbpf_test.bpf.h"
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

struct sock;

struct tcp_sock {
	u32 snd_cwnd;
} __attribute__((preserve_access_index));

struct tcp_congestion_ops {
	char name[16];
	void (*init)(struct sock *sk);
	u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, u32 ack, u32 acked);
	u32 (*undo_cwnd)(struct sock *sk);
};

u64 init_calls;
u64 ssthresh_calls;
u64 cong_avoid_calls;
u64 undo_calls;

SEC("struct_ops/evbpf_init")
void BPF_PROG(evbpf_init, struct sock *sk)
{
	__sync_fetch_and_add(&init_calls, 1);
}

SEC("struct_ops/evbpf_ssthresh")
u32 BPF_PROG(evbpf_ssthresh, struct sock *sk)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	u32 half = tp->snd_cwnd >> 1;

	__sync_fetch_and_add(&ssthresh_calls, 1);
	return half > 2 ? half : 2;
}

/* The window stays where it is: enough for a test of who is called. */
SEC("struct_ops/evbpf_cong_avoid")
void BPF_PROG(evbpf_cong_avoid, struct sock *sk, u32 ack, u32 acked)
{
	__sync_fetch_and_add(&cong_avoid_calls, 1);
}

SEC("struct_ops/evbpf_undo_cwnd")
u32 BPF_PROG(evbpf_undo_cwnd, struct sock *sk)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;

	__sync_fetch_and_add(&undo_calls, 1);
	return tp->snd_cwnd;
}

/* In no struct: not loaded with the object. */
SEC("struct_ops/evbpf_unused")
u32 BPF_PROG(evbpf_unused, struct sock *sk)
{
	return 0;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops evbpf_cc_link = {
	.init = (void *)evbpf_init,
	.ssthresh = (void *)evbpf_ssthresh,
	.cong_avoid = (void *)evbpf_cong_avoid,
	.undo_cwnd = (void *)evbpf_undo_cwnd,
	.name = "evbpf_cc_link",
};

SEC(".struct_ops")
struct tcp_congestion_ops evbpf_cc_map = {
	.ssthresh = (void *)evbpf_ssthresh,
	.cong_avoid = (void *)evbpf_cong_avoid,
	.undo_cwnd = (void *)evbpf_undo_cwnd,
	.name = "evbpf_cc_map",
};
