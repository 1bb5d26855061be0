/* SPDX-License-Identifier: MIT */
/*
 * The record types of run_dwarf.bpf.c, shared with the tests that decode
 * records built on the host (same layout: both are LP64 little-endian).
 */
#ifndef EVBPF_TEST_RUN_DWARF_H
#define EVBPF_TEST_RUN_DWARF_H

#include <linux/types.h>

enum dw_state {
	DW_STATE_NEG = -2,
	DW_STATE_ZERO = 0,
	DW_STATE_RUNNING = 3,
};

enum dw_wide {
	DW_WIDE_SMALL = 1,
	DW_WIDE_BIG = 0x123456789aULL,
};

typedef __u16 dw_port_t;

struct dw_inner {
	dw_port_t sport;
	dw_port_t dport;
	char tag[6];
};

#define DW_ARGS 3
#define DW_ARG_LEN 8

struct dw_event {
	__u32 pid;
	enum dw_state state;
	enum dw_wide wide;
	struct dw_inner inner;
	__u32 low : 4;
	__u32 mid : 9;
	__u32 high : 19;
	union {
		__u32 word;
		__u8 octets[4];
	};
	struct {
		__s16 x;
		__s16 y;
	};
	char comm[16];
	char args[DW_ARGS * DW_ARG_LEN]; /* NUL-separated, like execsnoop's */
	__u8 grid[2][3];
	_Bool ok;
	signed char delta;
	__u64 ts;
};

struct dw_sample {
	__u32 pid;
	__u32 cookie;
	__s64 value;
	char name[12];
};

struct dw_a {
	__u32 a;
	__u32 pad;
};

struct dw_b {
	__u16 b1;
	__u16 b2;
	__u32 b3;
};

#define DW_EXEC_ARGS 64
struct dw_exec {
	__u32 pid;
	__u32 args_size;
	char args[DW_EXEC_ARGS];
};

/* Two structs of the same size on the stack of one function: only the
 * stack slot of the output's data tells which one is the record. */
struct dw_p {
	__u32 p1;
	__u32 p2;
};

struct dw_q {
	__u16 q1;
	__u16 q2;
	__u32 q3;
};

#endif
