/* SPDX-License-Identifier: MIT */
/* Fixture for `evbpf run`: a program in a section no loader knows. */
#include "evbpf_test.bpf.h"

char LICENSE[] SEC("license") = "GPL";

SEC("nosuchhook/whatever")
int run_unknown_prog(void *ctx)
{
	return 0;
}
