/* SPDX-License-Identifier: MIT */
/*
 * Fixture for `evbpf run --map` and `--hist` (tests/examples/evbpf-run.sh):
 * on every exec by a process named target_comm, a count per key in a hash
 * map, and one sample of value `sample` into log2 histograms: bcc-style
 * `struct hist { __u32 slots[N]; char comm[16]; }` per key in a hash map
 * (runqlat's shape: the comm is a label), and one array of u64 slots in a
 * one-entry array map.
 */
#include "evbpf_test.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define HIST_SLOTS 20

struct hist {
	__u32 slots[HIST_SLOTS];
	char comm[16];
};

struct hist_key {
	__u32 id;
	char tag[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, struct hist_key);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct hist);
} hists SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[HIST_SLOTS]);
} flat SEC(".maps");

const volatile char target_comm[16] = "";
const volatile __u64 sample = 0;
const volatile __u32 key_id = 0;

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 slot = 0;

	for (int i = 0; i < 63 && v > 1; i++) {
		v >>= 1;
		slot++;
	}
	return slot < HIST_SLOTS ? slot : HIST_SLOTS - 1;
}

static __always_inline int is_target(void)
{
	char comm[16];

	bpf_get_current_comm(comm, sizeof(comm));
	for (int i = 0; i < 16; i++) {
		if (comm[i] != target_comm[i])
			return 0;
		if (!comm[i])
			break;
	}
	return 1;
}

SEC("tp/sched/sched_process_exec")
int hist_exec(void *ctx)
{
	struct hist_key ck = {.id = key_id, .tag = "ab"};
	struct hist zero = {};
	__u32 slot = log2_slot(sample), k = key_id, z = 0;
	struct hist *h;
	__u64 one = 1, *c, *f;

	if (!is_target())
		return 0;
	c = bpf_map_lookup_elem(&counts, &ck);
	if (c)
		__sync_fetch_and_add(c, 1);
	else
		bpf_map_update_elem(&counts, &ck, &one, BPF_NOEXIST);
	/* A second, smaller count so the table has an order to check. */
	ck.id = key_id + 1;
	if (!bpf_map_lookup_elem(&counts, &ck))
		bpf_map_update_elem(&counts, &ck, &one, BPF_NOEXIST);
	h = bpf_map_lookup_elem(&hists, &k);
	if (!h) {
		bpf_map_update_elem(&hists, &k, &zero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&hists, &k);
	}
	if (h && slot < HIST_SLOTS)
		__sync_fetch_and_add(&h->slots[slot], 1);
	if (h)
		bpf_get_current_comm(h->comm, sizeof(h->comm));
	f = bpf_map_lookup_elem(&flat, &z);
	if (f && slot < HIST_SLOTS)
		__sync_fetch_and_add(&f[slot], 1);
	return 0;
}
