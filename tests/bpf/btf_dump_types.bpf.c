/* SPDX-License-Identifier: MIT */
/*
 * Types that are hard to print back as C, for test-btf-dump: its BTF is
 * dumped with `evbpf btf dump`, and the header must compile and give every
 * struct the size and member offsets BTF records.
 */
#include "evbpf_test.bpf.h"

struct list {
	struct list *next, **pprev;
};

struct fwd_only;

typedef struct {
	int a;
	char b;
} anon_typedef_t;

typedef int (*handler_t)(struct fwd_only *, const char *, ...);

enum small_enum { SMALL_A = -3, SMALL_B = 0x7fffffff };
enum { ANON_X = 1, ANON_Y = 2 } anon_enum_var;

struct __attribute__((packed)) packed_s {
	char c;
	long l;
	short s;
};

struct aligned_s {
	int x;
	long __attribute__((aligned(32))) y;
	char tail;
};

struct bits {
	unsigned int a : 3;
	unsigned int b : 7;
	int : 0;
	unsigned long long c : 40;
	signed char d : 2;
	unsigned int e : 30;
	enum small_enum f : 8;
};

union u {
	int i;
	struct {
		short lo, hi;
	};
	char raw[9];
};

struct everything {
	struct list node;
	anon_typedef_t at;
	handler_t h;
	int (*(*fnptr_arr)[4])(void);
	void (*signal)(int, void (*)(int));
	const volatile int *const cvp;
	char matrix[3][5];
	struct packed_s ps;
	struct aligned_s as;
	struct bits bf;
	union u un;
	union {
		long l;
		struct {
			int lo;
			int hi;
		} parts;
	};
	struct {
		int nested_anon;
	} named_anon;
	_Bool flag;
	double d;
	__int128 big;
	enum small_enum e;
	struct fwd_only *fwd;
	int flex[];
};

struct everything everything_var;
struct bits bits_var;
union u u_var;

SEC("xdp")
int btf_dump_keep(struct xdp_md *ctx)
{
	return everything_var.flag + bits_var.a + u_var.i + anon_enum_var;
}

char LICENSE[] SEC("license") = "GPL";
