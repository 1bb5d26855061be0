/* Ordered hooks and netfilter: four TCX programs that stamp the order in
 * which they ran on a packet (each returns TCX_NEXT so the next runs),
 * netkit programs for the primary and peer side, and a netfilter program
 * that counts the packets of its hook. Built for 5.10 (the netfilter
 * and netkit programs only load where the kernel has them). */
#include "evbpf_test.bpf.h"

char _license[] SEC("license") = "GPL";

#define TCX_NEXT -1
#define NF_ACCEPT 1

u64 clock;
u64 ran[4];   /* the clock when program i last ran */
u64 nf_packets;

static __always_inline int stamp(int i)
{
	ran[i] = ++clock;
	return TCX_NEXT;
}

SEC("tcx/ingress")
int tcx_a(struct __sk_buff *skb)
{
	return stamp(0);
}

SEC("tcx/ingress")
int tcx_b(struct __sk_buff *skb)
{
	return stamp(1);
}

SEC("tcx/ingress")
int tcx_c(struct __sk_buff *skb)
{
	return stamp(2);
}

SEC("tcx/ingress")
int tcx_d(struct __sk_buff *skb)
{
	return stamp(3);
}

SEC("netkit/primary")
int nk_primary(struct __sk_buff *skb)
{
	return stamp(0);
}

SEC("netkit/peer")
int nk_peer(struct __sk_buff *skb)
{
	return stamp(1);
}

SEC("netfilter")
int nf_count(void *ctx)
{
	__sync_fetch_and_add(&nf_packets, 1);
	return NF_ACCEPT;
}
