/* SPDX-License-Identifier: MIT */
/* Fixture for `evbpf run`: a program the verifier rejects (it reads
 * through a pointer it never checked against NULL). */
#include "evbpf_test.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} run_reject_map SEC(".maps");

SEC("raw_tp/sys_enter")
int run_reject_prog(void *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&run_reject_map, &key);

	return (int)*v;
}
