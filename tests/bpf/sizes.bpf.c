/* Fixture: map sizes the loader fills in (ring buffer rounding, a perf
 * event array without max_entries) and a program the verifier rejects. */
#include "evbpf_test.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 5000); /* rounded up to 8192 */
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} perf SEC(".maps");

SEC("xdp")
int rejected(struct xdp_md *ctx)
{
	/* Reads past the end of the packet without a bounds check. */
	unsigned char *data = (unsigned char *)(long)ctx->data;

	return data[100];
}

char LICENSE[] SEC("license") = "GPL";
