/* Programs whose load must fail with a message that says what is wrong
 * (tests/kernel/test-messages.c): a call to a BPF function of another
 * object that was never linked in, a freplace program without a target,
 * and a CO-RE enum relocation no kernel can satisfy, left unguarded. */
#include "evbpf_test.bpf.h"
#include <bpf/bpf_core_read.h>

char _license[] SEC("license") = "GPL";

/* Defined in another object: `bpftool gen object` would link it in. */
extern int evbpf_defined_elsewhere(int x);

SEC("tp/syscalls/sys_enter_getpid")
int calls_other_object(void *ctx)
{
	return evbpf_defined_elsewhere(1);
}

SEC("freplace/some_global_func")
int replaces_nothing(void *ctx)
{
	return 0;
}

enum evbpf_no_kernel_has_this { EVBPF_NO_KERNEL_HAS_THIS = 7 };

SEC("tp/syscalls/sys_enter_getpid")
int unguarded_enum(void *ctx)
{
	return bpf_core_enum_value(enum evbpf_no_kernel_has_this, EVBPF_NO_KERNEL_HAS_THIS);
}
