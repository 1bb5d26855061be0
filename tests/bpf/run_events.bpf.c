/* SPDX-License-Identifier: MIT */
/*
 * Fixture for `evbpf run` (tests/examples/run.sh): on every syscall entry of
 * a process whose comm is target_comm, a record into a ring buffer and a
 * smaller one into a perf event array. The ring record's type has what the
 * BTF decoder must handle: an enum, a char array, a nested struct, an
 * anonymous union, bitfields, a bool, a signed field and a byte array.
 */
#include "evbpf_test.bpf.h"

char LICENSE[] SEC("license") = "GPL";

enum run_phase {
	RUN_PHASE_IDLE = 0,
	RUN_PHASE_ENTER = 7,
};

struct run_pair {
	__u16 lo;
	__u16 hi;
};

struct run_event {
	__u32 pid;
	enum run_phase phase;
	__s64 syscall_nr;
	char comm[16];
	struct run_pair pair;
	__u32 flag : 1;
	__u32 level : 3;
	__u32 rest : 28;
	union {
		__u32 as_u32;
		__u8 bytes[4];
	};
	__u64 seq;
	_Bool enabled;
	__s8 neg;
	__u8 mac[6];
	__u32 marker;
};

struct run_sample {
	__u32 pid;
	__u32 marker;
	__u64 seq;
	__u8 tag;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} run_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} run_samples SEC(".maps");

/* Record types appear in BTF only when something global refers to them. */
struct run_event *run_event_type __attribute__((unused));
struct run_sample *run_sample_type __attribute__((unused));

const volatile char target_comm[16] = "";
const volatile __u32 marker = 0;
const volatile _Bool enabled = 1;
const volatile enum run_phase phase = RUN_PHASE_ENTER;
/* Which of the two buffers get records. */
const volatile _Bool use_ring = 1;
const volatile _Bool use_perf = 1;
__u64 seq = 0;

struct bpf_raw_tracepoint_args;

static __always_inline int comm_matches(const char *comm)
{
	for (int i = 0; i < 16; i++) {
		if (comm[i] != target_comm[i])
			return 0;
		if (!comm[i])
			return 1;
	}
	return 1;
}

SEC("raw_tp/sys_enter")
int run_on_sys_enter(__u64 *ctx)
{
	struct run_sample sample = {};
	struct run_event *e;
	char comm[16];
	__u64 n;

	bpf_get_current_comm(comm, sizeof(comm));
	if (!target_comm[0] || !comm_matches(comm))
		return 0;
	/* Not n = __sync_fetch_and_add(): using the old value needs
	 * BPF_FETCH, which 5.10's verifier rejects. The probe's syscalls
	 * come one at a time, so the read and the add do not race. */
	n = seq;
	__sync_fetch_and_add(&seq, 1);
	e = use_ring ? bpf_ringbuf_reserve(&run_events, sizeof(*e), 0) : 0;
	if (e) {
		__builtin_memset(e, 0, sizeof(*e));
		e->pid = bpf_get_current_pid_tgid() >> 32;
		e->phase = phase;
		e->syscall_nr = (__s64)ctx[1];
		__builtin_memcpy(e->comm, comm, sizeof(comm));
		e->pair.lo = 1;
		e->pair.hi = 2;
		e->flag = 1;
		e->level = 5;
		e->rest = 12345;
		e->as_u32 = 0x04030201;
		e->seq = n;
		e->enabled = enabled;
		e->neg = -3;
		e->mac[0] = 0xaa;
		e->mac[5] = 0xbb;
		e->marker = marker;
		bpf_ringbuf_submit(e, 0);
	}
	sample.pid = bpf_get_current_pid_tgid() >> 32;
	sample.marker = marker;
	sample.seq = n;
	sample.tag = 9;
	if (use_perf)
		bpf_perf_event_output(ctx, &run_samples, BPF_F_CURRENT_CPU, &sample,
		                      sizeof(sample));
	return 0;
}
