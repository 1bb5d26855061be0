/* freplace: `target` calls the global function `decide`, which returns
 * XDP_PASS; `replacement` (an extension program) makes it XDP_DROP. */
#include "evbpf_test.bpf.h"

__attribute__((noinline)) int decide(struct xdp_md *ctx)
{
	return ctx ? XDP_PASS : XDP_ABORTED;
}

SEC("xdp")
int target(struct xdp_md *ctx)
{
	return decide(ctx);
}

SEC("freplace/decide")
int replacement(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
