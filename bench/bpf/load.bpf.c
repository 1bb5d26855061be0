/* A realistic object for the load benchmark: a small network and process
 * monitor. Several maps of different kinds, global data in .rodata, .data
 * and .bss, static and global subprograms, and programs of five types.
 * Built twice: load_plain.bpf.o without CO-RE, and load_core.bpf.o with
 * -DBENCH_CORE, where the tracing programs read task_struct fields through
 * CO-RE relocations (resolved against /sys/kernel/btf/vmlinux at load). */
#include "evbpf_test.bpf.h"
#include <bpf/bpf_core_read.h>

typedef __u16 u16;

struct flow_key {
	u32 saddr, daddr;
	u16 sport, dport;
	u8 proto;
	u8 pad[3];
};

struct flow_val {
	u64 packets, bytes, first_ns, last_ns;
};

struct event {
	u64 ts;
	u32 pid, tgid, ppid, kind;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct flow_key);
	__type(value, struct flow_val);
	__uint(max_entries, 4096);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, 16);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, 1024);
} pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, u32);
	__uint(max_entries, 64);
} config SEC(".maps");

const volatile u32 target_tgid = 0; /* .rodata */
const volatile u32 sample_rate = 1; /* .rodata */
u64 events_sent = 0;                /* .bss */
u32 blocked_port = 12345;           /* .data */
char prefix[8] = "bench";           /* .data */

enum stat_idx { ST_PKTS, ST_BYTES, ST_DROP, ST_EXEC, ST_OPEN, ST_SWITCH, ST_EXIT, ST_TC };

static __attribute__((noinline)) void stat_add(u32 idx, u64 v)
{
	u64 *p = bpf_map_lookup_elem(&stats, &idx);

	if (p)
		*p += v;
}

__attribute__((noinline)) int sampled(u64 x)
{
	u32 rate = sample_rate;

	if (rate <= 1)
		return 1;
	return (x % rate) == 0;
}

static __attribute__((noinline)) int flow_update(struct flow_key *k, u64 len)
{
	struct flow_val *v, nv = {};
	u64 now = bpf_ktime_get_ns();

	v = bpf_map_lookup_elem(&flows, k);
	if (v) {
		__sync_fetch_and_add(&v->packets, 1);
		__sync_fetch_and_add(&v->bytes, len);
		v->last_ns = now;
		return 0;
	}
	nv.packets = 1;
	nv.bytes = len;
	nv.first_ns = nv.last_ns = now;
	return bpf_map_update_elem(&flows, k, &nv, BPF_NOEXIST);
}

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct flow_key k = {};
	unsigned char *p = data;

	stat_add(ST_PKTS, 1);
	stat_add(ST_BYTES, end - data);
	if (p + 34 > (unsigned char *)end)
		return XDP_PASS;
	k.proto = p[23];
	__builtin_memcpy(&k.saddr, p + 26, 4);
	__builtin_memcpy(&k.daddr, p + 30, 4);
	if (k.proto == 6 || k.proto == 17) {
		if (p + 38 > (unsigned char *)end)
			return XDP_PASS;
		k.sport = (u16)(p[34] << 8 | p[35]);
		k.dport = (u16)(p[36] << 8 | p[37]);
		if (k.dport == blocked_port) {
			stat_add(ST_DROP, 1);
			return XDP_DROP;
		}
	}
	flow_update(&k, end - data);
	return XDP_PASS;
}

SEC("tc")
int tc_count(struct __sk_buff *skb)
{
	struct flow_key k = {};

	k.proto = (u8)skb->protocol;
	k.saddr = skb->hash;
	k.daddr = skb->mark;
	k.sport = (u16)skb->ifindex;
	k.dport = (u16)skb->priority;
	stat_add(ST_TC, 1);
	flow_update(&k, skb->len);
	return 0;
}

SEC("socket")
int sock_filter(struct __sk_buff *skb)
{
	u32 idx = skb->ifindex & 63;
	u32 *c = bpf_map_lookup_elem(&config, &idx);

	if (c && *c)
		return 0;
	return skb->len;
}

#ifdef BENCH_CORE
/* Only the fields used; the loader finds their offsets in vmlinux BTF. */
struct task_struct {
	int pid;
	int tgid;
	struct task_struct *real_parent;
	char comm[16];
	unsigned int flags;
	int prio;
} __attribute__((preserve_access_index));

static __attribute__((noinline)) void fill_task(struct event *e)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();

	e->pid = BPF_CORE_READ(t, pid);
	e->tgid = BPF_CORE_READ(t, tgid);
	e->ppid = BPF_CORE_READ(t, real_parent, tgid);
	BPF_CORE_READ_STR_INTO(&e->comm, t, comm);
}
#else
static __attribute__((noinline)) void fill_task(struct event *e)
{
	u64 id = bpf_get_current_pid_tgid();

	e->pid = (u32)id;
	e->tgid = id >> 32;
	e->ppid = 0;
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
}
#endif

static __always_inline int emit(u32 kind)
{
	struct event *e;
	u64 id = bpf_get_current_pid_tgid();

	if (target_tgid && (id >> 32) != target_tgid)
		return 0;
	if (!sampled(id))
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->ts = bpf_ktime_get_ns();
	e->kind = kind;
	fill_task(e);
	bpf_ringbuf_submit(e, 0);
	__sync_fetch_and_add(&events_sent, 1);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int trace_exec(void *ctx)
{
	stat_add(ST_EXEC, 1);
	return emit(1);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int trace_open(void *ctx)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;
	u64 one = 1, *c = bpf_map_lookup_elem(&pids, &tgid);

	if (c)
		__sync_fetch_and_add(c, 1);
	else
		bpf_map_update_elem(&pids, &tgid, &one, BPF_ANY);
	stat_add(ST_OPEN, 1);
	return emit(2);
}

SEC("raw_tracepoint/sched_switch")
int trace_switch(void *ctx)
{
	stat_add(ST_SWITCH, 1);
	return 0;
}

SEC("kprobe/do_exit")
int trace_exit(void *ctx)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;

	bpf_map_delete_elem(&pids, &tgid);
	stat_add(ST_EXIT, 1);
	return emit(3);
}

#ifdef BENCH_CORE
SEC("kprobe/wake_up_new_task")
int trace_fork(void *ctx)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	unsigned int flags = BPF_CORE_READ(t, flags);
	int prio = BPF_CORE_READ(t, prio);

	stat_add(ST_EXEC, (flags & 1) + (prio > 100));
	return emit(4);
}

/* Field offsets as the loader relocated them; the benchmark runs this with
 * BPF_PROG_TEST_RUN under both loaders and compares, so that a loader
 * that ignores CO-RE relocations cannot pass for a fast one. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, 4);
} core_offsets SEC(".maps");

static __always_inline void put_offset(u32 idx, u64 off)
{
	bpf_map_update_elem(&core_offsets, &idx, &off, BPF_ANY);
}

SEC("tc")
int core_check(struct __sk_buff *ctx)
{
	put_offset(0, bpf_core_field_offset(struct task_struct, pid));
	put_offset(1, bpf_core_field_offset(struct task_struct, tgid));
	put_offset(2, bpf_core_field_offset(struct task_struct, real_parent));
	put_offset(3, bpf_core_field_offset(struct task_struct, comm));
	return 0;
}
#endif

char LICENSE[] SEC("license") = "GPL";
