/* Fixture: maps for the map operation tests (batches, BPF_F_LOCK,
 * freeze, queues and stacks). Built for 5.10: no program uses them, the
 * tests work on them from user space; the tc program only makes the
 * object a normal one with a program. */
#include "evbpf_test.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, 128);
} hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, 16);
} percpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, 32);
} array SEC(".maps");

struct lpm_key {
	u32 prefixlen;
	u32 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct lpm_key);
	__type(value, u64);
	__uint(max_entries, 32);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} trie SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(value_size, sizeof(u64));
	__uint(max_entries, 4);
} queue SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(value_size, sizeof(u64));
	__uint(max_entries, 4);
} stack SEC(".maps");

struct locked {
	struct bpf_spin_lock lock;
	u32 pad;
	u64 a, b;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, u32);
	__type(value, struct locked);
	__uint(max_entries, 4);
} locked SEC(".maps");

SEC("tc")
int keep(struct __sk_buff *skb)
{
	u32 key = 0;
	struct locked *l = bpf_map_lookup_elem(&locked, &key);

	if (l) {
		bpf_spin_lock(&l->lock);
		l->a++;
		l->b = l->a;
		bpf_spin_unlock(&l->lock);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
