/* SPDX-License-Identifier: MIT */
/*
 * Fixture: a libbpf-tools-style object built on vmlinux.h whose record
 * struct is only used through the pointer bpf_ringbuf_reserve() returns,
 * so it is not in the BTF, while the BTF holds the kernel structs a CO-RE
 * program pulls in, many of them of the record's size (48 bytes). With its
 * DWARF, evbpf run finds struct exit_rec; stripped of it
 * (run_dwarf_vmlinux_nodebug.bpf.o), it must not pick some kernel struct
 * of the same size, and prints hex with a warning instead.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct exit_rec {
	int pid;
	int ppid;
	unsigned int exit_code;
	unsigned long long duration_ns;
	char comm[16];
	bool exit_event;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} exits SEC(".maps");

/* As a CO-RE program reading task_struct would: its whole type closure
 * lands in the object's BTF. */
struct task_struct *unused_task __attribute__((unused));

const volatile char target_comm[16] = "";

SEC("raw_tp/sys_enter")
int dwv_on_sys_enter(void *ctx)
{
	struct exit_rec *e;
	char comm[16];

	bpf_get_current_comm(comm, sizeof(comm));
	for (int i = 0; i < 16; i++) {
		if (comm[i] != target_comm[i] || !target_comm[0])
			return 0;
		if (!comm[i])
			break;
	}
	e = bpf_ringbuf_reserve(&exits, sizeof(*e), 0);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = 1;
	e->exit_code = 256;
	e->duration_ns = 1000;
	__builtin_memcpy(e->comm, comm, sizeof(comm));
	e->exit_event = true;
	bpf_ringbuf_submit(e, 0);
	return 0;
}
