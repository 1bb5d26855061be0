/* SPDX-License-Identifier: MIT */
/*
 * Fixture for evbpf run's record types from DWARF (test-record-type,
 * tests/examples/evbpf-run-dwarf.sh): as in bcc's libbpf-tools, the record
 * structs are used only through a reserved pointer or a local variable, so
 * clang leaves them out of the BTF and only the DWARF (-g) describes them.
 * On every syscall entry of a process whose comm is target_comm:
 *  - dw_ring (ring buffer) gets a struct dw_event through
 *    bpf_ringbuf_reserve: nested and anonymous structs and unions,
 *    bitfields, a signed and a 64-bit enum, char arrays, a two-dimensional
 *    array and execsnoop-like NUL-separated strings;
 *  - dw_perf (perf event array) a struct dw_sample from the stack;
 *  - dw_ambig (ring buffer) a struct dw_a or a struct dw_b from the stack,
 *    through bpf_ringbuf_output: two types, so the record type is
 *    ambiguous;
 *  - dw_execs (perf event array) an execsnoop-like variable-length record
 *    built in a per-CPU heap map, whose value type says what it is;
 *  - dw_twin (perf event array) a struct dw_q from the stack of a function
 *    that also has a struct dw_p of the same size there.
 * Built twice: with clang's default DWARF (5 since clang 14) and, as
 * run_dwarf_v4.bpf.o, with -gdwarf-4.
 */
#include "evbpf_test.bpf.h"
#include "run_dwarf.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} dw_ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} dw_perf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} dw_ambig SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} dw_execs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} dw_twin SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dw_exec);
} dw_heap SEC(".maps");

const volatile char target_comm[16] = "";
/* Rounds of records to send (0: no limit), so a test can count them. */
const volatile __u64 rounds = 0;
__u64 dw_seq = 0;

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

static __always_inline void fill_event(struct dw_event *e, __u32 pid, __u64 n)
{
	__builtin_memset(e, 0, sizeof(*e));
	e->pid = pid;
	e->state = DW_STATE_NEG;
	e->wide = DW_WIDE_BIG;
	e->inner.sport = 80;
	e->inner.dport = 443;
	__builtin_memcpy(e->inner.tag, "inner", 6);
	e->low = 9;
	e->mid = 300;
	e->high = 70000;
	e->word = 0x04030201;
	e->x = -7;
	e->y = 7;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	__builtin_memcpy(e->args, "ls\0-l\0/tmp", 11);
	e->grid[0][1] = 1;
	e->grid[1][2] = 5;
	e->ok = 1;
	e->delta = -1;
	e->ts = n;
}

/* Not inlined, so its frame is its own (a BPF-to-BPF call). */
static __attribute__((noinline)) int twin(void *ctx, __u32 pid)
{
	struct dw_p p = {};
	struct dw_q q = {};

	p.p1 = pid;
	/* Both on the stack: their addresses are taken. */
	bpf_probe_read_kernel(&p.p2, sizeof(p.p2), &p.p1);
	q.q1 = 1;
	q.q2 = 2;
	q.q3 = p.p2;
	bpf_perf_event_output(ctx, &dw_twin, BPF_F_CURRENT_CPU, &q, sizeof(q));
	return p.p1;
}

SEC("raw_tp/sys_enter")
int dw_on_sys_enter(__u64 *ctx)
{
	struct dw_sample sample = {};
	struct dw_a a = {};
	struct dw_b b = {};
	struct dw_event *e;
	struct dw_exec *x;
	char comm[16];
	__u32 zero = 0, pid;
	__u64 n;

	bpf_get_current_comm(comm, sizeof(comm));
	if (!target_comm[0] || !comm_matches(comm))
		return 0;
	/* Not a fetching atomic (BPF_FETCH needs Linux 5.12): the probe is
	 * one process, so a plain read before the add is exact enough. */
	n = dw_seq;
	__sync_fetch_and_add(&dw_seq, 1);
	if (rounds && n >= rounds)
		return 0;
	pid = bpf_get_current_pid_tgid() >> 32;
	e = bpf_ringbuf_reserve(&dw_ring, sizeof(*e), 0);
	if (e) {
		fill_event(e, pid, n);
		bpf_ringbuf_submit(e, 0);
	}

	sample.pid = pid;
	sample.cookie = 0xc0ffee;
	sample.value = -123456789;
	__builtin_memcpy(sample.name, "sample", 7);
	bpf_perf_event_output(ctx, &dw_perf, BPF_F_CURRENT_CPU, &sample, sizeof(sample));

	if (n & 1) {
		a.a = pid;
		bpf_ringbuf_output(&dw_ambig, &a, sizeof(a), 0);
	} else {
		b.b1 = 1;
		b.b3 = pid;
		bpf_ringbuf_output(&dw_ambig, &b, sizeof(b), 0);
	}

	twin(ctx, pid);

	x = bpf_map_lookup_elem(&dw_heap, &zero);
	if (!x)
		return 0;
	x->pid = pid;
	x->args_size = 9;
	__builtin_memcpy(x->args, "one\0two\0", 9);
	/* Only the arguments used, as execsnoop sends them. */
	bpf_perf_event_output(ctx, &dw_execs, BPF_F_CURRENT_CPU, x,
	                      __builtin_offsetof(struct dw_exec, args) + (x->args_size & 63));
	return 0;
}
