/* Fixture for BTF-trampoline hooks (fentry, lsm) that some kernels refuse:
 * the tests check the error names the program and what the kernel said. */
#include "evbpf_test.bpf.h"

u64 hits;

SEC("fentry/do_nanosleep")
int fentry_nanosleep(void *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

SEC("lsm/file_open")
int lsm_file_open(void *ctx)
{
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
