/* SPDX-License-Identifier: MIT */
/*
 * Fixture for `evbpf run`'s table output, multi-string lists and per-CPU
 * views (tests/examples/evbpf-run-table.sh, tests/kernel/test-run-view.c).
 *
 * On each exec by a process named target_comm (or each BPF_PROG_TEST_RUN
 * with any_comm set), tbl_exec sends an execsnoop-shaped record into a perf event
 * array: argv as NUL-separated strings in `char args[]` with a count and a
 * size beside it, sent cut to offsetof(args) + args_size as execsnoop does
 * (so shorter than the struct by design); and it counts into per-CPU maps:
 * a log2 histogram of `sample` (u64 slots, a one-entry per-CPU array),
 * per-key histograms (u32 slots, a per-CPU hash), a per-CPU hash of
 * counts and an LRU per-CPU hash of a struct of two counters. Built for
 * 5.10: raw_tp (no tracefs), no atomics that return a value.
 */
#include "evbpf_test.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define ARGS_MAX   128
#define HIST_SLOTS 20

/* 1-, 2- and 4-byte enums (packed makes an enum as small as its values). */
enum __attribute__((packed)) tbl_kind {
	TBL_KIND_EXEC = 1,
	TBL_KIND_OTHER = 200,
};

enum __attribute__((packed)) tbl_wide {
	TBL_WIDE_A = 300,
	TBL_WIDE_LONGEST = 301,
};

enum tbl_phase {
	TBL_PHASE_IDLE = 0,
	TBL_PHASE_RUN = 5,
	TBL_PHASE_STOP = 9,
};

struct tbl_inner {
	__u16 lo;
	__u16 hi;
	enum tbl_phase phase;
};

struct exec_event {
	__u32 pid;
	enum tbl_kind kind;
	enum tbl_wide wide;
	__u8 level : 3;
	enum tbl_phase state : 4; /* an enum bitfield */
	struct tbl_inner inner;
	char comm[16];
	int args_count;
	unsigned int args_size;
	char args[ARGS_MAX];
};

struct hist {
	__u32 slots[HIST_SLOTS];
};

struct stats {
	__u64 calls;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} exec_events SEC(".maps");

/* The record is built here: it is too big for the stack with the rest. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exec_event);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[HIST_SLOTS]);
} pcpu_hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct hist);
} pcpu_khist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} pcpu_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct stats);
} pcpu_stats SEC(".maps");

/* Record types appear in BTF only when something global refers to them. */
struct exec_event *exec_event_type __attribute__((unused));

const volatile char target_comm[16] = "";
/* Every run counts, whatever the comm: for BPF_PROG_TEST_RUN on another
 * CPU, where the program runs in whatever task that CPU was running. */
const volatile _Bool any_comm = 0;
const volatile __u64 sample = 100;
const volatile __u32 key_id = 7;

static __always_inline int is_target(void)
{
	char comm[16];

	if (any_comm)
		return 1;
	bpf_get_current_comm(comm, sizeof(comm));
	if (!target_comm[0])
		return 0;
	for (int i = 0; i < 16; i++) {
		if (comm[i] != target_comm[i])
			return 0;
		if (!comm[i])
			break;
	}
	return 1;
}

static __always_inline __u32 log2_slot(__u64 v)
{
	__u32 slot = 0;

	for (int i = 0; i < 63 && v > 1; i++) {
		v >>= 1;
		slot++;
	}
	return slot < HIST_SLOTS ? slot : HIST_SLOTS - 1;
}

static __always_inline void count(void)
{
	__u32 slot = log2_slot(sample), k = key_id, z = 0;
	struct stats *st, st_init = {1, 10};
	struct hist *h, hzero = {};
	__u64 one = 1, *c, *f;

	/* Per-CPU values: no other CPU writes them, plain adds will do. */
	f = bpf_map_lookup_elem(&pcpu_hist, &z);
	if (f && slot < HIST_SLOTS)
		f[slot] += 1;
	h = bpf_map_lookup_elem(&pcpu_khist, &k);
	if (!h) {
		bpf_map_update_elem(&pcpu_khist, &k, &hzero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&pcpu_khist, &k);
	}
	if (h && slot < HIST_SLOTS)
		h->slots[slot] += 1;
	c = bpf_map_lookup_elem(&pcpu_counts, &k);
	if (c)
		*c += 1;
	else
		bpf_map_update_elem(&pcpu_counts, &k, &one, BPF_NOEXIST);
	st = bpf_map_lookup_elem(&pcpu_stats, &k);
	if (st) {
		st->calls += 1;
		st->bytes += 10;
	} else {
		bpf_map_update_elem(&pcpu_stats, &k, &st_init, BPF_NOEXIST);
	}
}

SEC("raw_tp/sched_process_exec")
int tbl_exec(void *ctx)
{
	static const char argv[] = "one\0two words\0three";
	struct exec_event *e;
	__u32 z = 0;

	if (!is_target())
		return 0;
	count();
	e = bpf_map_lookup_elem(&scratch, &z);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->kind = TBL_KIND_EXEC;
	e->wide = TBL_WIDE_LONGEST;
	e->level = 6;
	e->state = TBL_PHASE_RUN;
	e->inner.lo = 1;
	e->inner.hi = 65535;
	e->inner.phase = TBL_PHASE_STOP;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	/* Stale bytes past the strings, as a reused buffer holds them, and
	 * sent: args_size and args_count must keep them out of the list. */
	__builtin_memset(e->args, 'x', 32);
	__builtin_memcpy(e->args, argv, sizeof(argv));
	e->args_count = 3;
	e->args_size = sizeof(argv);
	bpf_perf_event_output(ctx, &exec_events, BPF_F_CURRENT_CPU, e,
	                      __builtin_offsetof(struct exec_event, args) + 32);
	return 0;
}
