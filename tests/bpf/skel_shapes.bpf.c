/* Fixture for skeletons: global data of every shape a section struct has
 * to lay out (padding, arrays, nested, anonymous and packed types,
 * bitfields, enums, typedefs, pointers, custom sections, a static
 * variable), an XDP program that combines them (BPF_PROG_TEST_RUN) and a
 * raw tracepoint a skeleton attaches by itself. For 5.10. */
#include "evbpf_test.bpf.h"
#include "skel_shapes.h"

/* .rodata: set through the skeleton before load */
const volatile int threshold = 1;
const volatile struct point origin = {3, 4};
const volatile char label[16] = "shapes";
const volatile unsigned long long big = 0x100000000ull;
const volatile int target_tgid = -1;
const volatile long target_nr = -1;

/* .data */
int data_int = 7;
struct {
	int a;
	struct {
		char b;
		short c;
	} nested;
	union {
		int i;
		float f;
	};
} data_anon = {1, {2, 3}, {4}};
struct flags data_flags = {5, 17, 1, -3, 200, 0x123456789aull};
tagged_t data_tagged = {"ab", 6};
enum mode data_mode = MODE_B;
enum neg data_neg = NEG_FIVE;
_Bool data_bool = 1;
unsigned char data_matrix[2][3] = {{1, 2, 3}, {4, 5, 6}};
struct inner data_inner_arr[2] = {{7, 8}, {9, 10}};
union number data_union = {.l = 11};
struct packed_rec data_packed = {1, 2, 3};

/* .bss */
int bss_counter;
char bss_bytes[5];
long long bss_wide;
struct point bss_points[3];
struct inner *bss_ptr;
unsigned long long out_sum;
unsigned long long hits;
static int static_hidden;

/* custom sections */
int custom_a SEC(".data.custom") = 30;
char custom_b SEC(".data.custom") = 4;
const volatile int ro_custom SEC(".rodata.custom") = 5;

SEC("xdp")
int compute(struct xdp_md *ctx)
{
	unsigned long long sum = 0;

	sum += threshold + origin.x + origin.y + label[0] + (big >> 32);
	sum += data_int + data_anon.a + data_anon.nested.b + data_anon.nested.c + data_anon.i;
	sum += data_flags.a + data_flags.b + data_flags.c + data_flags.d + data_flags.e;
	sum += data_flags.f & 0xff;
	sum += data_tagged.value + data_tagged.tag[1] + data_mode + data_neg + data_bool;
	sum += data_matrix[1][2] + data_inner_arr[1].s + data_inner_arr[1].c;
	sum += data_union.bytes[0] + data_packed.i + data_packed.s;
	sum += custom_a + custom_b + ro_custom + bss_points[2].y + bss_bytes[4];
	out_sum = sum;
	static_hidden++;
	bss_counter += 1;
	bss_wide = static_hidden;
	data_int += 1;
	return XDP_PASS;
}

SEC("raw_tp/sys_enter")
int count_syscall(struct bpf_raw_tracepoint_args *ctx)
{
	if ((int)(bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	if ((long)ctx->args[1] != target_nr)
		return 0;
	__sync_fetch_and_add(&hits, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
