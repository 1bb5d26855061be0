/* SPDX-License-Identifier: MIT */
/* What netagent.bpf.c and main.c share: counter classes and flow samples. */
#ifndef NETAGENT_H
#define NETAGENT_H

#include <linux/types.h>

enum netagent_class {
	NETAGENT_TCP = 0,
	NETAGENT_UDP = 1,
	NETAGENT_ICMP = 2,     /* ICMP and ICMPv6 */
	NETAGENT_OTHER_IP = 3, /* IPv4/IPv6 with another protocol */
	NETAGENT_NON_IP = 4,   /* ARP, LLDP, ... */
	NETAGENT_NR_CLASSES = 5,
};

/* One slot of the per-CPU counter array. */
struct netagent_counter {
	__u64 packets;
	__u64 bytes;
};

/* A sampled packet, sent through the perf event array. */
struct flow_event {
	__u8 family; /* 4 or 6 */
	__u8 proto;  /* IPPROTO_* */
	__u16 sport; /* host byte order; 0 without ports */
	__u16 dport;
	__u16 pad;
	__u32 len; /* bytes on the wire, from the Ethernet header */
	__u32 ifindex;
	__u8 saddr[16]; /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
};

#endif
