/* SPDX-License-Identifier: MIT */
/*
 * Seed for fuzz_relo_core: the types of core_local.bpf.c as a "kernel"
 * with another layout (members moved and resized, a flavor, an enum with
 * other values), used as a target BTF. Compiled by fuzz/run.sh.
 */
#define SEC(name) __attribute__((section(name), used))

enum core_state { CORE_BUSY = 7, CORE_IDLE = 9, CORE_DEAD = 11 };

struct core_inner {
	long pad;
	char b[8];
	int a;
};

struct core_task {
	long pad[3];
	unsigned long state;
	int pid;
	unsigned int sflag : 7;
	int flag : 2;
	struct core_inner arr[4];
	struct core_inner inner;
	union {
		long u2;
		short u1;
	};
	struct core_inner *next;
};

struct core_task___v2 {
	int pid;
};

typedef struct core_task core_task_t;

SEC("kprobe/target")
int target_prog(struct core_task *t, core_task_t *u, struct core_task___v2 *v, enum core_state s)
{
	return t->pid + u->pid + v->pid + s;
}

char LICENSE[] SEC("license") = "GPL";
