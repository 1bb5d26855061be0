/* SPDX-License-Identifier: MIT */
/* The record execsnoop.bpf.c writes and main.c reads. */
#ifndef EXECSNOOP_H
#define EXECSNOOP_H

#include <linux/types.h>

#define EXECSNOOP_COMM_LEN     16
#define EXECSNOOP_FILENAME_LEN 128

enum exec_event_kind {
	EXEC_EVENT_EXEC = 1,
	EXEC_EVENT_EXIT = 2,
};

struct exec_event {
	__u32 kind; /* enum exec_event_kind */
	__u32 pid;
	__u32 ppid;
	__s32 exit_code;   /* exit: wait(2) status (code << 8 | signal) */
	__u64 start_ns;    /* task start, CLOCK_MONOTONIC */
	__u64 duration_ns; /* exit: how long the process lived */
	char comm[EXECSNOOP_COMM_LEN];
	char filename[EXECSNOOP_FILENAME_LEN]; /* exec: the program run */
};

#endif
