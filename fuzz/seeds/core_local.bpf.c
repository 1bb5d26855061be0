/* SPDX-License-Identifier: MIT */
/*
 * Seed for fuzz_relo_core: CO-RE relocations of every family (field
 * offset, size, existence, signedness, bitfield shifts, type id, existence
 * and size, enum values) against types marked preserve_access_index.
 * core_target.bpf.c declares the same types with another layout; the fuzz
 * seeds pair this object's BTF and .BTF.ext with either BTF as the target.
 * Compiled by fuzz/run.sh, never loaded.
 */
#define SEC(name) __attribute__((section(name), used))
#define CORE __attribute__((preserve_access_index))

enum core_state { CORE_IDLE = 1, CORE_BUSY = 2 };

struct core_inner {
	int a;
	char b[4];
} CORE;

struct core_task {
	int pid;
	long state;
	unsigned int flag : 3;
	int sflag : 5;
	struct core_inner inner;
	struct core_inner arr[2];
	union {
		int u1;
		long u2;
	};
	struct core_inner *next;
} CORE;

struct core_task___v2 {
	int pid;
	long state;
} CORE;

typedef struct core_task core_task_t;

SEC("kprobe/core")
int core_prog(struct core_task *t)
{
	long r = 0;

	r += t->pid;
	r += t->inner.b[2];
	r += t->arr[1].a;
	r += t->u2;
	r += t->next->a;
	r += __builtin_preserve_field_info(t->state, 1);  /* byte size */
	r += __builtin_preserve_field_info(t->state, 2);  /* exists */
	r += __builtin_preserve_field_info(t->sflag, 3);  /* signed */
	r += __builtin_preserve_field_info(t->flag, 4);   /* lshift */
	r += __builtin_preserve_field_info(t->flag, 5);   /* rshift */
	r += __builtin_preserve_field_info(t->flag, 0);   /* byte offset */
	r += __builtin_preserve_type_info(*(core_task_t *)0, 0);     /* type exists */
	r += __builtin_preserve_type_info(*(struct core_task___v2 *)0, 1); /* size */
	r += __builtin_btf_type_id(*(struct core_inner *)0, 1);      /* target id */
	r += __builtin_btf_type_id(*(struct core_inner *)0, 0);      /* local id */
	r += __builtin_preserve_enum_value(*(enum core_state *)CORE_BUSY, 0); /* exists */
	r += __builtin_preserve_enum_value(*(enum core_state *)CORE_BUSY, 1); /* value */
	return (int)r;
}

char LICENSE[] SEC("license") = "GPL";
