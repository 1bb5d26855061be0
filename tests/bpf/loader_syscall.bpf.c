/* Fixture: a BPF_PROG_TYPE_SYSCALL program (Linux 5.14), apart from
 * loader.bpf.c so that kernels without the type load the rest. Run with a
 * context from user space; the result lands in `results`. */
#include "evbpf_test.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, u32);
	__type(value, u64);
	__uint(max_entries, 8);
} results SEC(".maps");

struct syscall_args {
	u64 a, b;
};

SEC("syscall")
int sys_prog(struct syscall_args *args)
{
	u32 idx = 6;
	u64 val = args->a * args->b;

	bpf_map_update_elem(&results, &idx, &val, BPF_ANY);
	return 7;
}

char LICENSE[] SEC("license") = "GPL";
