/* Fixture for the loader: BTF maps, every kind of global data, static and
 * global subprograms, and two programs in one section. Run with
 * BPF_PROG_TEST_RUN; results land in the `results` array. Only what every
 * kernel we run on has (5.10): the syscall program type (5.14) lives in
 * loader_syscall.bpf.c, so that its refusal takes nothing else down. */
#include "evbpf_test.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, 8);
} results SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, 64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, u32);
	__type(value, u32);
	__uint(max_entries, 1);
} percpu SEC(".maps");

const volatile u32 multiplier = 3;         /* .rodata */
u64 data_var = 100;                        /* .data */
u64 bss_var;                               /* .bss */
u64 custom_var SEC(".data.custom") = 7;    /* .data.custom */
const volatile u32 ro_custom SEC(".rodata.custom") = 11;
static volatile u32 static_var = 5;        /* a static in .data */

static __attribute__((noinline)) u64 add_static(u64 a, u64 b)
{
	return a + b;
}

__attribute__((noinline)) u64 mul_global(u64 a, u64 b)
{
	return a * b + static_var;
}

static __attribute__((noinline)) u64 nested(u64 x)
{
	/* A subprogram calling another subprogram. */
	return add_static(x, 1000);
}

static __always_inline void put(u32 idx, u64 val)
{
	bpf_map_update_elem(&results, &idx, &val, BPF_ANY);
}

SEC("xdp")
int compute(struct xdp_md *ctx)
{
	u32 key = 1, zero = 0;
	u64 one = 1, *c;
	u32 *pc;

	put(0, add_static(data_var, multiplier));      /* 100 + 3 */
	put(1, mul_global(custom_var, ro_custom));    /* 7 * 11 + 5 */
	put(2, nested(multiplier));                    /* 1003 */
	bss_var += 1;
	put(3, bss_var);
	c = bpf_map_lookup_elem(&counts, &key);
	if (c)
		__sync_fetch_and_add(c, 1);
	else
		bpf_map_update_elem(&counts, &key, &one, BPF_ANY);
	pc = bpf_map_lookup_elem(&percpu, &zero);
	if (pc)
		*pc += 1;
	return multiplier == 3 ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int second(struct xdp_md *ctx)
{
	put(4, mul_global(2, 21));
	return XDP_DROP;
}

SEC("socket")
int sock_prog(struct __sk_buff *skb)
{
	put(5, skb->len);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";

