/* Fixture for attach cookies (bpf_get_attach_cookie(), Linux 5.15): one
 * program attached several times with different cookies counts its calls
 * per cookie, so a test can tell the attachments apart. Apart from
 * attach_trace.bpf.c so that kernels without the helper load the rest. */
#include "evbpf_test.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, u64);
	__type(value, u64);
	__uint(max_entries, 16);
} by_cookie SEC(".maps");

const volatile u32 target_tgid;

static __always_inline int count_cookie(void *ctx)
{
	u64 cookie, one = 1, *v;

	if ((bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	cookie = bpf_get_attach_cookie(ctx);
	v = bpf_map_lookup_elem(&by_cookie, &cookie);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&by_cookie, &cookie, &one, BPF_NOEXIST);
	return 0;
}

/* Attached with evbpf_program_attach_kprobe() and _uprobe(), entry and
 * return alike: the section only gives the program type. */
SEC("kprobe")
int kprobe_cookie(void *ctx)
{
	return count_cookie(ctx);
}

SEC("uprobe")
int uprobe_cookie(void *ctx)
{
	return count_cookie(ctx);
}

char LICENSE[] SEC("license") = "GPL";
