/* Producers for the drain and end-to-end benchmarks. Every program is a
 * tc (sched_cls) program so that BPF_PROG_TEST_RUN can run it `repeat`
 * times in one syscall; each run emits exactly one record. (Not XDP: an
 * XDP test run swaps the XDP dispatcher's program before and after, which
 * waits for an RCU grace period, milliseconds per call.) The record size
 * is a compile-time constant per program because bpf_ringbuf_reserve()
 * needs one, hence one program per size. */
#include "evbpf_test.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} perf SEC(".maps");

/* Records the producer could not reserve (ring full): index 0. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, 1);
} dropped SEC(".maps");

/* The first 16 bytes of every record: a sequence number and the time of
 * submission (bpf_ktime_get_ns is CLOCK_MONOTONIC). */
struct rec_head {
	u64 seq;
	u64 ts;
};

u64 seq;

static __always_inline void count_drop(void)
{
	u32 zero = 0;
	u64 *d = bpf_map_lookup_elem(&dropped, &zero);

	if (d)
		__sync_fetch_and_add(d, 1);
}

#define RING_PRODUCER(size)                                                                        \
	SEC("tc")                                                                                  \
	int ring_##size(struct __sk_buff *ctx)                                                     \
	{                                                                                          \
		struct rec_head *r = bpf_ringbuf_reserve(&ring, size, 0);                          \
		if (!r) {                                                                          \
			count_drop();                                                              \
			return 0;                                                                  \
		}                                                                                  \
		r->seq = seq++;                                                                    \
		r->ts = bpf_ktime_get_ns();                                                        \
		bpf_ringbuf_submit(r, 0);                                                          \
		return 0;                                                                          \
	}

RING_PRODUCER(16)
RING_PRODUCER(64)
RING_PRODUCER(256)
RING_PRODUCER(1024)

/* Perf event output copies from a buffer: a per-CPU scratch array big
 * enough for the largest record. */
struct scratch {
	u8 bytes[1024];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, u32);
	__type(value, struct scratch);
	__uint(max_entries, 1);
} scratch SEC(".maps");

#define PERF_PRODUCER(size)                                                                        \
	SEC("tc")                                                                                  \
	int perf_##size(struct __sk_buff *ctx)                                                     \
	{                                                                                          \
		u32 zero = 0;                                                                      \
		struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);                          \
		struct rec_head *r;                                                                \
		if (!s)                                                                            \
			return 0;                                                                  \
		r = (struct rec_head *)s->bytes;                                                   \
		r->seq = seq++;                                                                    \
		r->ts = bpf_ktime_get_ns();                                                        \
		if (bpf_perf_event_output(ctx, &perf, BPF_F_CURRENT_CPU, s->bytes, size))          \
			count_drop();                                                              \
		return 0;                                                                          \
	}

PERF_PRODUCER(16)
PERF_PRODUCER(64)
PERF_PRODUCER(256)
PERF_PRODUCER(1024)

char LICENSE[] SEC("license") = "GPL";
