/* Fixture for tests/kernel/test-usdt.c: programs written against libbpf's
 * <bpf/usdt.bpf.h> exactly as libbpf users write them. on_usdt records
 * what usdt.bpf.h's helpers return into the slot named by the attach
 * cookie (bpf_usdt_cookie()), so one program serves every probe; the
 * BPF_USDT() programs attach by section. Built for 5.10: without BPF
 * cookies usdt.bpf.h finds the spec through __bpf_usdt_ip_to_spec_id.
 * USDT_TARGET (the test executable's path) comes from CMake. */
#include "evbpf_test.bpf.h"
#include <stdbool.h>
#include <linux/ptrace.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>

#ifndef USDT_TARGET
#define USDT_TARGET "/nonexistent"
#endif

#define NSLOTS 16
#define NARGS 6

struct rec {
	u64 calls;
	s64 arg_cnt;
	s64 args[NARGS];
	s64 err_past_end; /* bpf_usdt_arg() one past the last argument */
	s64 cookie;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, struct rec);
	__uint(max_entries, NSLOTS);
} recs SEC(".maps");

const volatile u32 target_tgid;

static __always_inline struct rec *slot(u32 idx)
{
	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	return bpf_map_lookup_elem(&recs, &idx);
}

SEC("usdt")
int on_usdt(struct pt_regs *ctx)
{
	long cookie = bpf_usdt_cookie(ctx), v;
	struct rec *r = slot((u32)cookie);
	int cnt;

	if (!r)
		return 0;
	__sync_fetch_and_add(&r->calls, 1);
	cnt = bpf_usdt_arg_cnt(ctx);
	r->arg_cnt = cnt;
	r->cookie = cookie;
	for (int i = 0; i < NARGS; i++) {
		if (bpf_usdt_arg(ctx, i, &v) == 0)
			r->args[i] = v;
	}
	r->err_past_end = bpf_usdt_arg(ctx, cnt, &v);
	return 0;
}

/* By section, every process: the executable by path, the library by name. */
SEC("usdt/" USDT_TARGET ":usdt_test:regs")
int BPF_USDT(regs_by_section, long a, int b, short c, unsigned char d)
{
	struct rec *r = slot(14);

	if (r) {
		__sync_fetch_and_add(&r->calls, 1);
		r->args[0] = a;
		r->args[1] = b;
		r->args[2] = c;
		r->args[3] = d;
	}
	return 0;
}

SEC("usdt/libevbpf_usdt_lib.so:usdt_lib:lib")
int BPF_USDT(lib_by_section, long i, long neg, long big)
{
	struct rec *r = slot(15);

	if (r) {
		__sync_fetch_and_add(&r->calls, 1);
		r->args[0] = i;
		r->args[1] = neg;
		r->args[2] = big;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
