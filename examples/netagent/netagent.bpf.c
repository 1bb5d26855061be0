/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * netagent: an XDP program that counts every packet by protocol class in a
 * per-CPU array and sends one packet in sample_every to user space as a
 * flow sample through a perf event array. It never drops anything.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "netagent.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NETAGENT_NR_CLASSES);
	__type(key, __u32);
	__type(value, struct netagent_counter);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} flows SEC(".maps");

/* Set by main.c before load: sample one packet in this many (0: none). */
const volatile __u32 sample_every = 1;

/* Puts struct flow_event in BTF for `evbpf run`. */
struct flow_event *flow_event_type __attribute__((unused));

struct vlan_hdr_min {
	__be16 tci;
	__be16 proto;
};

static __always_inline void count(__u32 class, __u64 len)
{
	struct netagent_counter *c = bpf_map_lookup_elem(&counters, &class);

	if (c) {
		c->packets++;
		c->bytes += len;
	}
}

static __always_inline void ports(void *l4, void *end, __u8 proto, struct flow_event *f)
{
	/* TCP and UDP both start with the two ports. */
	__be16 *p = l4;

	if ((proto != IPPROTO_TCP && proto != IPPROTO_UDP) || (void *)(p + 2) > end)
		return;
	f->sport = bpf_ntohs(p[0]);
	f->dport = bpf_ntohs(p[1]);
}

static __always_inline __u32 class_of(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return NETAGENT_TCP;
	case IPPROTO_UDP:
		return NETAGENT_UDP;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return NETAGENT_ICMP;
	default:
		return NETAGENT_OTHER_IP;
	}
}

SEC("xdp")
int netagent_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct flow_event f = {};
	__u64 len = (__u64)(end - data);
	void *l3;
	__u16 proto;

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	proto = bpf_ntohs(eth->h_proto);
	l3 = eth + 1;
	if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
		struct vlan_hdr_min *vlan = l3;

		if ((void *)(vlan + 1) > end)
			return XDP_PASS;
		proto = bpf_ntohs(vlan->proto);
		l3 = vlan + 1;
	}
	if (proto == ETH_P_IP) {
		struct iphdr *ip = l3;

		if ((void *)(ip + 1) > end || ip->ihl < 5)
			return XDP_PASS;
		f.family = 4;
		f.proto = ip->protocol;
		__builtin_memcpy(f.saddr, &ip->saddr, 4);
		__builtin_memcpy(f.daddr, &ip->daddr, 4);
		ports((void *)ip + ip->ihl * 4, end, f.proto, &f);
	} else if (proto == ETH_P_IPV6) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > end)
			return XDP_PASS;
		f.family = 6;
		f.proto = ip6->nexthdr;
		__builtin_memcpy(f.saddr, &ip6->saddr, 16);
		__builtin_memcpy(f.daddr, &ip6->daddr, 16);
		ports(ip6 + 1, end, f.proto, &f);
	} else {
		count(NETAGENT_NON_IP, len);
		return XDP_PASS;
	}
	count(class_of(f.proto), len);
	if (sample_every && bpf_get_prandom_u32() % sample_every == 0) {
		f.len = (__u32)len;
		f.ifindex = ctx->ingress_ifindex;
		bpf_perf_event_output(ctx, &flows, BPF_F_CURRENT_CPU, &f, sizeof(f));
	}
	return XDP_PASS;
}
