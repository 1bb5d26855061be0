/* SPDX-License-Identifier: MIT */
/*
 * Count the packets and bytes that reach sockets of one cgroup. Attached
 * to the cgroup's ingress hook; lets every packet through (return 1).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct traffic {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct traffic);
	__uint(max_entries, 1);
} ingress_stats SEC(".maps");

SEC("cgroup_skb/ingress")
int ingress_filter(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct traffic *t = bpf_map_lookup_elem(&ingress_stats, &key);

	if (t) {
		__sync_fetch_and_add(&t->packets, 1);
		__sync_fetch_and_add(&t->bytes, skb->len);
	}
	return 1; /* allow */
}

char LICENSE[] SEC("license") = "GPL";
