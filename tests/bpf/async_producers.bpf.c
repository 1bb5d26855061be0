/* Fixture: producers for the async tests. Each XDP program emits one record
 * per run (BPF_PROG_TEST_RUN with repeat N gives N records) carrying a
 * sequence number, and counts what the kernel refused, so a test can prove
 * that nothing was lost on the producer side either. */
#include "evbpf_test.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} rb2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} perf SEC(".maps");

#define MAX_WORDS 33

struct scratch {
	u64 words[64]; /* room for any size rec_size() can give */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, u64);
} counts SEC(".maps");

/*
 * Sequence numbers. Several threads may run one producer at once
 * (test-hygiene-stress), so taking a number must be atomic; a fetch-and-add
 * whose result is used needs BPF_FETCH (Linux 5.12), which the oldest
 * kernels we run on refuse ("BPF_STX uses reserved fields"). A spin lock
 * (5.1) hands the numbers out instead. Counters whose old value nobody
 * reads keep __sync_fetch_and_add(), which compiles to the old XADD.
 */
struct seq_lock {
	struct bpf_spin_lock lock;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, u32);
	__type(value, struct seq_lock);
} seq_locks SEC(".maps");

enum { SEQ_RB, SEQ_RB2, SEQ_PERF };

/* Set before load. */
const volatile u64 rb_flags = 0;      /* BPF_RB_NO_WAKEUP / BPF_RB_FORCE_WAKEUP */
const volatile u32 discard_every = 0; /* discard every Nth ring record */
const volatile u32 vary_size = 0;     /* records of 8..264 bytes, by sequence */

u64 rb_seq = 0;
u64 rb2_seq = 0;
u64 perf_seq = 0;
u64 rb_dropped = 0;
u64 rb2_dropped = 0;
u64 perf_failed = 0;

/* The next number of counter (one of the *_seq globals), or -1. */
static __always_inline s64 next_seq(u32 which, u64 *counter)
{
	struct seq_lock *l = bpf_map_lookup_elem(&seq_locks, &which);
	u64 s;

	if (!l)
		return -1;
	bpf_spin_lock(&l->lock);
	s = *counter;
	*counter = s + 1;
	bpf_spin_unlock(&l->lock);
	return (s64)s;
}

/* Words in record s: word 0 is s, word i is s * 1000 + i. */
static __always_inline u32 rec_words(u64 s)
{
	return vary_size ? 1 + (u32)(s % MAX_WORDS) : 2;
}

/* Bytes in record s, bounded in a way the verifier can follow (clang would
 * drop a plain bound it can prove itself from the modulo). */
static __always_inline u32 rec_size(u64 s)
{
	u32 size = rec_words(s) * 8;

	asm volatile("" : "+r"(size));
	return size & 0x1f8; /* <= 504: no-op on 8..264, a bound for the verifier */
}

static __always_inline struct scratch *fill(u64 s)
{
	u32 zero = 0;
	struct scratch *sc = bpf_map_lookup_elem(&scratch, &zero);

	if (!sc)
		return 0;
	sc->words[0] = s;
	for (int i = 1; i < MAX_WORDS; i++)
		sc->words[i] = s * 1000 + i;
	return sc;
}

static __always_inline int rb_produce_one(void)
{
	s64 seq = next_seq(SEQ_RB, &rb_seq);
	struct scratch *sc;
	u64 s;
	u32 size;

	if (seq < 0)
		return XDP_ABORTED;
	s = (u64)seq;

	if (discard_every && s % discard_every == 0) {
		u64 *r = bpf_ringbuf_reserve(&rb, 16, 0);

		if (!r) {
			__sync_fetch_and_add(&rb_dropped, 1);
			return XDP_PASS;
		}
		r[0] = s;
		r[1] = 0;
		bpf_ringbuf_discard(r, rb_flags);
		return XDP_PASS;
	}
	sc = fill(s);
	if (!sc)
		return XDP_ABORTED;
	size = rec_size(s);
	if (bpf_ringbuf_output(&rb, sc, size, rb_flags))
		__sync_fetch_and_add(&rb_dropped, 1);
	return XDP_PASS;
}

SEC("xdp")
int rb_produce(struct xdp_md *ctx)
{
	return rb_produce_one();
}

/* The same producers as tc programs: a tc test run does not wait for an
 * RCU grace period, as an XDP test run does on kernels that swap the XDP
 * dispatcher's program around it (tens of milliseconds per call in a
 * guest), so a paced producer's records come as fast as it asks. They
 * return 2 as the XDP ones do (run_prog() checks it). */
SEC("tc")
int rb_produce_tc(struct __sk_buff *ctx)
{
	return rb_produce_one();
}

SEC("xdp")
int rb2_produce(struct xdp_md *ctx)
{
	s64 seq = next_seq(SEQ_RB2, &rb2_seq);
	u64 *r, s;

	if (seq < 0)
		return XDP_ABORTED;
	s = (u64)seq;
	r = bpf_ringbuf_reserve(&rb2, 16, 0);
	if (!r) {
		__sync_fetch_and_add(&rb2_dropped, 1);
		return XDP_PASS;
	}
	r[0] = s;
	r[1] = s * 1000 + 1;
	bpf_ringbuf_submit(r, rb_flags);
	return XDP_PASS;
}

static __always_inline int perf_produce_one(void *ctx)
{
	s64 seq = next_seq(SEQ_PERF, &perf_seq);
	struct scratch *sc;
	u32 size;
	u64 s;

	if (seq < 0)
		return XDP_ABORTED;
	s = (u64)seq;
	sc = fill(s);
	if (!sc)
		return XDP_ABORTED;
	size = rec_size(s);
	if (bpf_perf_event_output(ctx, &perf, BPF_F_CURRENT_CPU, sc, size))
		__sync_fetch_and_add(&perf_failed, 1);
	return XDP_PASS;
}

SEC("xdp")
int perf_produce(struct xdp_md *ctx)
{
	return perf_produce_one(ctx);
}

SEC("tc")
int perf_produce_tc(struct __sk_buff *ctx)
{
	return perf_produce_one(ctx);
}

/* Map polling: counts[key] += key for keys 0..7 per run. */
SEC("xdp")
int count_keys(struct xdp_md *ctx)
{
#pragma clang loop unroll(full)
	for (u32 i = 0; i < 8; i++) {
		u32 k = i;
		u64 *v = bpf_map_lookup_elem(&counts, &k);

		if (v) {
			u64 add = i;

			/* Opaque to clang, which turns an add of a known 0
			 * into an atomic OR (Linux 5.12); an add is XADD. */
			asm volatile("" : "+r"(add));
			__sync_fetch_and_add(v, add);
		} else {
			u64 init = i;

			bpf_map_update_elem(&counts, &k, &init, BPF_NOEXIST);
		}
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
