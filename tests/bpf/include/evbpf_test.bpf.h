/* Shared definitions for BPF-side test fixtures. */
#ifndef EVBPF_TEST_BPF_H
#define EVBPF_TEST_BPF_H

#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

typedef __u8 u8;
typedef __u32 u32;
typedef __u64 u64;
typedef __s64 s64;

#endif
