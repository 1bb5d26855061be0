/* SPDX-License-Identifier: MIT */
/* What metrics-server.bpf.c and main.c share: the map's value. */
#ifndef METRICS_SERVER_H
#define METRICS_SERVER_H

#include <linux/types.h>

#define METRICS_COMM_LEN  16
#define METRICS_MAX_PROCS 10240

/* Value of the `syscalls` map, keyed by process id (tgid). */
struct syscall_count {
	__u64 count;
	char comm[METRICS_COMM_LEN]; /* the process's name at its last syscall */
};

#endif
