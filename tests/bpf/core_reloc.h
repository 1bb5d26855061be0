/* SPDX-License-Identifier: MIT */
/*
 * Types for the CO-RE engine's paired fixture. core_reloc.bpf.c is built
 * twice: as is (the "local" layout the program is compiled against) and
 * with -DTARGET (the layout it is relocated to, standing in for a kernel),
 * where fields move, change size, change type or disappear. The unit test
 * includes this header with TARGET defined too, so the host compiler gives
 * the expected offsets and bitfield placements independently of the code
 * under test (x86-64 and BPF lay these types out the same way).
 */
#ifndef EVBPF_TEST_CORE_RELOC_H
#define EVBPF_TEST_CORE_RELOC_H

#ifndef TARGET

enum core_e { CORE_A = 1, CORE_B = 2, CORE_GONE = 3 };
enum core_e64 { CORE_BIG = 0x80000001U }; /* unsigned, above INT_MAX */

struct core_inner {
	int x;
	int y;
};

struct core_s {
	int a;
	short b;       /* target: long, moved */
	int c;         /* target: gone */
	struct core_inner in;
	union {
		int u1;
		long u2;
	};             /* target: moved, members reordered */
	unsigned int bf1 : 3;
	int bf2 : 5;   /* target: wider, moved */
	unsigned long long bf3 : 40;
	int arr[4];    /* target: 8 elements of long */
	enum core_e e;
	void *ptr;
	int flex[];
};

/* A flavor of core_s: matches the target's core_s by essential name. */
struct core_s___flavor {
	int a;
	short b;
};

struct core_only_local {
	int q;
};

struct core_both {
	int z;
};

#else /* TARGET */

enum core_e { CORE_B = 20, CORE_A = 10 };
enum core_e64 { CORE_BIG = 0xfffffff0U };

struct core_inner {
	long pad;
	int y;
	int x;
};

struct core_s {
	long pad;
	long b;
	int a;
	struct core_inner in;
	unsigned int bf0 : 7;
	unsigned int bf1 : 3;
	int bf2 : 11;
	unsigned long long bf3 : 40;
	union {
		long u2;
		int u1;
	};
	long arr[8];
	int e;
	void *ptr;
	int flex[];
};

struct core_both {
	char pre[3];
	int z;
	long extra;
};

#endif /* TARGET */
#endif
