/* Fixture: a BPF program that drains a user ring buffer
 * (BPF_MAP_TYPE_USER_RINGBUF and bpf_user_ringbuf_drain, Linux 6.1),
 * run with BPF_PROG_TEST_RUN as a syscall program. Each record is a
 * struct command; the program checks the sequence and sums the values. */
#include "evbpf_test.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 4096);
} commands SEC(".maps");

struct command {
	u32 seq;
	u32 value;
};

u64 drained = 0;  /* records handed to the callback */
u64 sum = 0;      /* of their values */
u64 bad = 0;      /* short records, sequence gaps, drain errors */
u64 seq_next = 1; /* the sequence number expected next */

static long handle(struct bpf_dynptr *dynptr, void *ctx)
{
	struct command cmd;

	if (bpf_dynptr_read(&cmd, sizeof(cmd), dynptr, 0, 0)) {
		bad++;
		return 1;
	}
	if (cmd.seq != seq_next)
		bad++;
	seq_next = cmd.seq + 1;
	sum += cmd.value;
	drained++;
	return 0;
}

SEC("syscall")
int drain(void *ctx)
{
	long n = bpf_user_ringbuf_drain(&commands, handle, NULL, 0);

	if (n < 0)
		bad++;
	return n < 0 ? 0 : (int)n;
}

char LICENSE[] SEC("license") = "GPL";
