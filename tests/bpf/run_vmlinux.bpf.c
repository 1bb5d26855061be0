/* Fixture: a libbpf-bootstrap-style object built on vmlinux.h, where the
 * record struct shares its size with kernel structs. evbpf run
 * must still find it: a global variable names it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct event {
	int pid;
	int ppid;
	unsigned int exit_code;
	unsigned long long duration_ns;
	char comm[16];
	bool exit_event;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct event *unused_event __attribute__((unused));
/* As a CO-RE program reading task_struct would: its whole type closure
 * lands in the object's BTF, with many 48-byte structs. */
struct task_struct *unused_task __attribute__((unused));

SEC("syscall")
int emit(void *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

	if (!e)
		return 1;
	__builtin_memset(e, 0, sizeof(*e));
	e->pid = 42;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
