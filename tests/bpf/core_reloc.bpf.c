/* SPDX-License-Identifier: MIT */
/*
 * CO-RE relocations of every kind against the types in core_reloc.h. Built
 * twice (see tests/CMakeLists.txt): core_reloc.bpf.o with the local layout
 * and core_reloc_target.bpf.o with -DTARGET; test-relo-core relocates the
 * first against the second's BTF, without a kernel.
 */
#include "evbpf_test.bpf.h"
#include <bpf/bpf_core_read.h>

#include "core_reloc.h"

char LICENSE[] SEC("license") = "GPL";

#ifndef TARGET

u64 out[64];

SEC("raw_tp/sys_enter")
int core_fields(void *ctx)
{
	struct core_s *s = (void *)(long)bpf_get_prandom_u32();
	struct core_s___flavor *f = (void *)s;
	int i = 0;

	out[i++] = bpf_core_field_offset(s->a);
	out[i++] = bpf_core_field_offset(s->b);
	out[i++] = bpf_core_field_size(s->b);
	out[i++] = bpf_core_field_exists(s->c);
	out[i++] = bpf_core_field_exists(s->a);
	out[i++] = bpf_core_field_offset(s->in.x);
	out[i++] = bpf_core_field_offset(s->in.y);
	out[i++] = bpf_core_field_offset(s->u1);
	out[i++] = bpf_core_field_offset(s->u2);
	out[i++] = bpf_core_field_offset(s->arr[3]);
	out[i++] = bpf_core_field_size(s->arr);
	out[i++] = bpf_core_field_offset(s->ptr);
	out[i++] = bpf_core_field_offset(f->b);
	out[i++] = bpf_core_field_size(f->b);
	out[i++] = BPF_CORE_READ_BITFIELD_PROBED(s, bf1);
	out[i++] = BPF_CORE_READ_BITFIELD_PROBED(s, bf2);
	out[i++] = BPF_CORE_READ_BITFIELD_PROBED(s, bf3);
	out[i++] = bpf_core_field_exists(s->e);
	out[i++] = bpf_core_field_offset(s->flex[2]);
	/* A direct read (an LDX whose offset and width are relocated). */
	out[i++] = BPF_CORE_READ(s, b);
	out[i++] = BPF_CORE_READ(s, c); /* poisoned: c is gone */
	return 0;
}

SEC("raw_tp/sys_enter")
int core_types(void *ctx)
{
	int i = 0;

	out[i++] = bpf_core_type_exists(struct core_s);
	out[i++] = bpf_core_type_exists(struct core_only_local);
	out[i++] = bpf_core_type_size(struct core_s);
	out[i++] = bpf_core_type_size(struct core_both);
	out[i++] = bpf_core_type_id_local(struct core_s);
	out[i++] = bpf_core_type_id_kernel(struct core_both);
	out[i++] = bpf_core_type_id_kernel(struct core_only_local);
	out[i++] = bpf_core_enum_value_exists(enum core_e, CORE_A);
	out[i++] = bpf_core_enum_value_exists(enum core_e, CORE_GONE);
	out[i++] = bpf_core_enum_value(enum core_e, CORE_A);
	out[i++] = bpf_core_enum_value(enum core_e, CORE_B);
	out[i++] = bpf_core_enum_value(enum core_e64, CORE_BIG);
	out[i++] = bpf_core_enum_value(enum core_e, CORE_GONE); /* poisoned */
	return 0;
}

/* Loaded in the kernel relocated against the TARGET BTF (btf_path): the
 * read of c is poisoned but dead once field_exists reads 0. */
SEC("raw_tp/sys_enter")
int core_guarded(void *ctx)
{
	struct core_s *s = (void *)(long)bpf_get_prandom_u32();

	out[0] = bpf_core_field_exists(s->c);
	out[1] = bpf_core_field_offset(s->b);
	out[2] = 99;
	if (bpf_core_field_exists(s->c))
		out[2] = BPF_CORE_READ(s, c);
	return 0;
}

#else

/* The target build only carries BTF: keep its types alive. */
struct core_s target_s;
struct core_both target_both;
enum core_e target_e;
enum core_e64 target_e64;

#endif
