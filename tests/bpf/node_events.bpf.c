/* SPDX-License-Identifier: MIT */
/*
 * Fixture for the Node.js binding's tests (bindings/node/test). The XDP
 * programs are run with BPF_PROG_TEST_RUN: each run emits one record with a
 * sequence number, so `repeat` N gives N records in order, and what the
 * kernel refused is counted (node_dropped) so that a test can tell a lost
 * record from a record the producer never wrote. The tracepoint program is
 * there for attach(): Node's process.ppid calls getppid(), and a raw
 * tracepoint attaches without tracefs.
 */
#include "evbpf_test.bpf.h"

char LICENSE[] SEC("license") = "GPL";

enum node_kind {
	NODE_KIND_RING = 1,
	NODE_KIND_PERF = 2,
	NODE_KIND_SYSCALL = 3,
};

struct node_event {
	u64 seq;
	u32 pid;
	enum node_kind kind;
	char tag[8];
	u32 scaled; /* seq * multiplier */
	u32 flag : 1;
	u32 level : 3;
};

struct node_key {
	u32 id;
	u8 group;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} samples SEC(".maps");

/* Polled by pollMap: count_hit adds one to key seq % 4. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, u32);
	__type(value, u64);
} counts SEC(".maps");

/* A struct key with BTF, for map.set/get with objects. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, struct node_key);
	__type(value, struct node_event);
} table SEC(".maps");

/* No BTF types: keys and values are Buffers only. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__uint(key_size, 4);
	__uint(value_size, 8);
} raw SEC(".maps");

/* Set before load (setGlobal). */
const volatile u32 multiplier = 1;
const volatile u32 target_pid = 0;

u64 node_seq = 0;
u64 perf_seq = 0;
u64 node_dropped = 0;
u64 perf_failed = 0;

static __always_inline void fill(struct node_event *e, u64 s, enum node_kind kind)
{
	e->seq = s;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->kind = kind;
	__builtin_memcpy(e->tag, "evbpf", 6);
	e->tag[6] = 0;
	e->tag[7] = 0;
	e->scaled = (u32)s * multiplier;
	e->flag = s & 1;
	e->level = s % 8;
}

SEC("xdp")
int ring_emit(struct xdp_md *ctx)
{
	u64 s = __sync_fetch_and_add(&node_seq, 1);
	struct node_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		__sync_fetch_and_add(&node_dropped, 1);
		return XDP_PASS;
	}
	fill(e, s, NODE_KIND_RING);
	bpf_ringbuf_submit(e, 0);
	return XDP_PASS;
}

SEC("xdp")
int perf_emit(struct xdp_md *ctx)
{
	u64 s = __sync_fetch_and_add(&perf_seq, 1);
	struct node_event e = {};

	fill(&e, s, NODE_KIND_PERF);
	if (bpf_perf_event_output(ctx, &samples, BPF_F_CURRENT_CPU, &e, sizeof(e)))
		__sync_fetch_and_add(&perf_failed, 1);
	return XDP_PASS;
}

SEC("xdp")
int count_hit(struct xdp_md *ctx)
{
	u64 s = __sync_fetch_and_add(&node_seq, 1);
	u32 key = s % 4;
	u64 one = 1, *v = bpf_map_lookup_elem(&counts, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST);
	return XDP_PASS;
}

#define NR_GETPPID 110 /* x86_64 */

/* A raw tracepoint needs no tracefs. */
SEC("raw_tp/sys_enter")
int on_getppid(struct bpf_raw_tracepoint_args *ctx)
{
	struct node_event *e;

	if ((bpf_get_current_pid_tgid() >> 32) != target_pid || ctx->args[1] != NR_GETPPID)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	fill(e, __sync_fetch_and_add(&node_seq, 1), NODE_KIND_SYSCALL);
	bpf_ringbuf_submit(e, 0);
	return 0;
}
