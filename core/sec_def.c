/* SPDX-License-Identifier: MIT */
/*
 * The one table that maps a SEC() name to a program type, an expected
 * attach type and how evbpf_program_attach() attaches it. The names follow
 * libbpf's conventions so that objects written for libbpf load unchanged.
 *
 * Matching: an entry ending in '/' matches any name that starts with it and
 * has something after it (the attach target: "tracepoint/sched/x"). Other
 * entries match the name exactly, or, with SLASH_OK, followed by "/..." as
 * older objects write ("xdp/prog", "socket/filter").
 */
#include <string.h>

#include "internal.h"

#define SLASH_OK EVBPF_SEC_PREFIX_ONLY
#define SLEEP EVBPF_SEC_SLEEPABLE
#define BTFID EVBPF_SEC_BTF_ID
#define RET EVBPF_SEC_RETPROBE

/* Attach types newer than the build's <linux/bpf.h>. */
enum {
	AT_STRUCT_OPS = 44,
	AT_NETFILTER = 45,
	AT_TCX_INGRESS = 46,
	AT_TCX_EGRESS = 47,
	AT_CGROUP_UNIX_CONNECT = 49,
	AT_CGROUP_UNIX_SENDMSG = 50,
	AT_CGROUP_UNIX_RECVMSG = 51,
	AT_CGROUP_UNIX_GETPEERNAME = 52,
	AT_CGROUP_UNIX_GETSOCKNAME = 53,
	AT_NETKIT_PRIMARY = 54,
	AT_NETKIT_PEER = 55,
	AT_KPROBE_MULTI = EVBPF_BPF_TRACE_KPROBE_MULTI,
	AT_UPROBE_MULTI = EVBPF_BPF_TRACE_UPROBE_MULTI,
	AT_KPROBE_SESSION = EVBPF_BPF_TRACE_KPROBE_SESSION,
	AT_UPROBE_SESSION = EVBPF_BPF_TRACE_UPROBE_SESSION,
};
#define PT_NETFILTER 32

#define DEF(pfx, type, at, exp, fl, how)                                                           \
	{                                                                                          \
		.prefix = pfx, .prog_type = BPF_PROG_TYPE_##type, .attach_type = at,               \
		.set_expected = exp, .flags = fl, .attach = EVBPF_ATTACH_##how                     \
	}
#define CG(pfx, type, at) DEF(pfx, type, at, true, 0, CGROUP)

static const struct evbpf_sec_def sec_defs[] = {
	DEF("socket", SOCKET_FILTER, 0, false, SLASH_OK, NONE),
	DEF("sk_reuseport/migrate", SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, true, 0, NONE),
	DEF("sk_reuseport", SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT, true, 0, NONE),
	DEF("kprobe/", KPROBE, 0, false, 0, KPROBE),
	DEF("kretprobe/", KPROBE, 0, false, RET, KPROBE),
	/* No target: attached with evbpf_program_attach_kprobe() only. */
	DEF("kprobe", KPROBE, 0, false, 0, KPROBE),
	DEF("kretprobe", KPROBE, 0, false, RET, KPROBE),
	DEF("ksyscall/", KPROBE, 0, false, 0, KPROBE),
	DEF("kretsyscall/", KPROBE, 0, false, RET, KPROBE),
	/* Multi-attach: a glob or list after the '/', or none for
	 * evbpf_program_attach_kprobe_multi() / _uprobe_multi(). */
	DEF("kprobe.multi", KPROBE, AT_KPROBE_MULTI, true, SLASH_OK, KPROBE_MULTI),
	DEF("kretprobe.multi", KPROBE, AT_KPROBE_MULTI, true, SLASH_OK | RET, KPROBE_MULTI),
	DEF("kprobe.session", KPROBE, AT_KPROBE_SESSION, true, SLASH_OK, KPROBE_MULTI),
	DEF("uprobe.multi", KPROBE, AT_UPROBE_MULTI, true, SLASH_OK, UPROBE_MULTI),
	DEF("uretprobe.multi", KPROBE, AT_UPROBE_MULTI, true, SLASH_OK | RET, UPROBE_MULTI),
	DEF("uprobe.multi.s", KPROBE, AT_UPROBE_MULTI, true, SLASH_OK | SLEEP, UPROBE_MULTI),
	DEF("uretprobe.multi.s", KPROBE, AT_UPROBE_MULTI, true, SLASH_OK | SLEEP | RET,
	    UPROBE_MULTI),
	DEF("uprobe.session", KPROBE, AT_UPROBE_SESSION, true, SLASH_OK, UPROBE_MULTI),
	DEF("uprobe.session.s", KPROBE, AT_UPROBE_SESSION, true, SLASH_OK | SLEEP, UPROBE_MULTI),
	DEF("uprobe", KPROBE, 0, false, SLASH_OK, UPROBE),
	DEF("uretprobe", KPROBE, 0, false, SLASH_OK | RET, UPROBE),
	DEF("uprobe.s", KPROBE, 0, false, SLASH_OK | SLEEP, UPROBE),
	DEF("uretprobe.s", KPROBE, 0, false, SLASH_OK | SLEEP | RET, UPROBE),
	DEF("usdt", KPROBE, 0, false, SLASH_OK, USDT),
	DEF("usdt.s", KPROBE, 0, false, SLASH_OK | SLEEP, USDT),
	DEF("tc/ingress", SCHED_CLS, AT_TCX_INGRESS, true, 0, NONE),
	DEF("tc/egress", SCHED_CLS, AT_TCX_EGRESS, true, 0, NONE),
	DEF("tcx/ingress", SCHED_CLS, AT_TCX_INGRESS, true, 0, NONE),
	DEF("tcx/egress", SCHED_CLS, AT_TCX_EGRESS, true, 0, NONE),
	DEF("netkit/primary", SCHED_CLS, AT_NETKIT_PRIMARY, true, 0, NONE),
	DEF("netkit/peer", SCHED_CLS, AT_NETKIT_PEER, true, 0, NONE),
	DEF("tc", SCHED_CLS, 0, false, SLASH_OK, NONE),
	DEF("classifier", SCHED_CLS, 0, false, SLASH_OK, NONE),
	DEF("action", SCHED_ACT, 0, false, SLASH_OK, NONE),
	DEF("tracepoint/", TRACEPOINT, 0, false, 0, TRACEPOINT),
	DEF("tp/", TRACEPOINT, 0, false, 0, TRACEPOINT),
	DEF("raw_tracepoint/", RAW_TRACEPOINT, 0, false, 0, RAW_TP),
	DEF("raw_tp/", RAW_TRACEPOINT, 0, false, 0, RAW_TP),
	DEF("raw_tracepoint.w/", RAW_TRACEPOINT_WRITABLE, 0, false, 0, RAW_TP),
	DEF("raw_tp.w/", RAW_TRACEPOINT_WRITABLE, 0, false, 0, RAW_TP),
	DEF("tp_btf/", TRACING, BPF_TRACE_RAW_TP, true, BTFID, TRACING),
	DEF("fentry/", TRACING, BPF_TRACE_FENTRY, true, BTFID, TRACING),
	DEF("fmod_ret/", TRACING, BPF_MODIFY_RETURN, true, BTFID, TRACING),
	DEF("fexit/", TRACING, BPF_TRACE_FEXIT, true, BTFID, TRACING),
	DEF("fentry.s/", TRACING, BPF_TRACE_FENTRY, true, BTFID | SLEEP, TRACING),
	DEF("fmod_ret.s/", TRACING, BPF_MODIFY_RETURN, true, BTFID | SLEEP, TRACING),
	DEF("fexit.s/", TRACING, BPF_TRACE_FEXIT, true, BTFID | SLEEP, TRACING),
	DEF("freplace/", EXT, 0, false, 0, NONE),
	DEF("lsm/", LSM, BPF_LSM_MAC, true, BTFID, TRACING),
	DEF("lsm.s/", LSM, BPF_LSM_MAC, true, BTFID | SLEEP, TRACING),
	DEF("lsm_cgroup/", LSM, BPF_LSM_CGROUP, true, BTFID, CGROUP),
	DEF("iter/", TRACING, BPF_TRACE_ITER, true, BTFID, ITER),
	DEF("iter.s/", TRACING, BPF_TRACE_ITER, true, BTFID | SLEEP, ITER),
	/* The kernel loads syscall programs only as sleepable ones. */
	DEF("syscall", SYSCALL, 0, false, SLEEP, SYSCALL),
	DEF("xdp.frags/devmap", XDP, BPF_XDP_DEVMAP, true, 0, NONE),
	DEF("xdp/devmap", XDP, BPF_XDP_DEVMAP, true, 0, NONE),
	DEF("xdp.frags/cpumap", XDP, BPF_XDP_CPUMAP, true, 0, NONE),
	DEF("xdp/cpumap", XDP, BPF_XDP_CPUMAP, true, 0, NONE),
	DEF("xdp.frags", XDP, BPF_XDP, true, 0, NONE),
	DEF("xdp", XDP, BPF_XDP, true, SLASH_OK, NONE),
	DEF("perf_event", PERF_EVENT, 0, false, SLASH_OK, PERF_EVENT),
	DEF("lwt_in", LWT_IN, 0, false, SLASH_OK, NONE),
	DEF("lwt_out", LWT_OUT, 0, false, SLASH_OK, NONE),
	DEF("lwt_xmit", LWT_XMIT, 0, false, SLASH_OK, NONE),
	DEF("lwt_seg6local", LWT_SEG6LOCAL, 0, false, SLASH_OK, NONE),
	CG("sockops", SOCK_OPS, BPF_CGROUP_SOCK_OPS),
	DEF("sk_skb/stream_parser", SK_SKB, BPF_SK_SKB_STREAM_PARSER, true, 0, NONE),
	DEF("sk_skb/stream_verdict", SK_SKB, BPF_SK_SKB_STREAM_VERDICT, true, 0, NONE),
	DEF("sk_skb/verdict", SK_SKB, BPF_SK_SKB_VERDICT, true, 0, NONE),
	DEF("sk_skb", SK_SKB, 0, false, SLASH_OK, NONE),
	DEF("sk_msg", SK_MSG, BPF_SK_MSG_VERDICT, true, SLASH_OK, NONE),
	DEF("lirc_mode2", LIRC_MODE2, BPF_LIRC_MODE2, true, 0, NONE),
	DEF("flow_dissector", FLOW_DISSECTOR, BPF_FLOW_DISSECTOR, true, SLASH_OK, NONE),
	CG("cgroup_skb/ingress", CGROUP_SKB, BPF_CGROUP_INET_INGRESS),
	CG("cgroup_skb/egress", CGROUP_SKB, BPF_CGROUP_INET_EGRESS),
	DEF("cgroup/skb", CGROUP_SKB, 0, false, 0, CGROUP),
	CG("cgroup/sock_create", CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE),
	CG("cgroup/sock_release", CGROUP_SOCK, BPF_CGROUP_INET_SOCK_RELEASE),
	CG("cgroup/sock", CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE),
	CG("cgroup/post_bind4", CGROUP_SOCK, BPF_CGROUP_INET4_POST_BIND),
	CG("cgroup/post_bind6", CGROUP_SOCK, BPF_CGROUP_INET6_POST_BIND),
	CG("cgroup/bind4", CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_BIND),
	CG("cgroup/bind6", CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_BIND),
	CG("cgroup/connect4", CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT),
	CG("cgroup/connect6", CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_CONNECT),
	CG("cgroup/connect_unix", CGROUP_SOCK_ADDR, AT_CGROUP_UNIX_CONNECT),
	CG("cgroup/sendmsg4", CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_SENDMSG),
	CG("cgroup/sendmsg6", CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_SENDMSG),
	CG("cgroup/sendmsg_unix", CGROUP_SOCK_ADDR, AT_CGROUP_UNIX_SENDMSG),
	CG("cgroup/recvmsg4", CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_RECVMSG),
	CG("cgroup/recvmsg6", CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_RECVMSG),
	CG("cgroup/recvmsg_unix", CGROUP_SOCK_ADDR, AT_CGROUP_UNIX_RECVMSG),
	CG("cgroup/getpeername4", CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_GETPEERNAME),
	CG("cgroup/getpeername6", CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_GETPEERNAME),
	CG("cgroup/getpeername_unix", CGROUP_SOCK_ADDR, AT_CGROUP_UNIX_GETPEERNAME),
	CG("cgroup/getsockname4", CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_GETSOCKNAME),
	CG("cgroup/getsockname6", CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_GETSOCKNAME),
	CG("cgroup/getsockname_unix", CGROUP_SOCK_ADDR, AT_CGROUP_UNIX_GETSOCKNAME),
	CG("cgroup/sysctl", CGROUP_SYSCTL, BPF_CGROUP_SYSCTL),
	CG("cgroup/getsockopt", CGROUP_SOCKOPT, BPF_CGROUP_GETSOCKOPT),
	CG("cgroup/setsockopt", CGROUP_SOCKOPT, BPF_CGROUP_SETSOCKOPT),
	CG("cgroup/dev", CGROUP_DEVICE, BPF_CGROUP_DEVICE),
	DEF("struct_ops", STRUCT_OPS, 0, false, SLASH_OK, NONE),
	DEF("struct_ops.s", STRUCT_OPS, 0, false, SLASH_OK | SLEEP, NONE),
	DEF("sk_lookup", SK_LOOKUP, BPF_SK_LOOKUP, true, SLASH_OK, NONE),
	{.prefix = "netfilter",
	 .prog_type = PT_NETFILTER,
	 .attach_type = AT_NETFILTER,
	 .set_expected = true,
	 .attach = EVBPF_ATTACH_NONE},
};

static bool sec_matches(const struct evbpf_sec_def *d, const char *name)
{
	size_t len = strlen(d->prefix);

	if (strncmp(name, d->prefix, len) != 0)
		return false;
	if (d->prefix[len - 1] == '/')
		return name[len] != '\0';
	if (name[len] == '\0')
		return true;
	return (d->flags & EVBPF_SEC_PREFIX_ONLY) && name[len] == '/';
}

const struct evbpf_sec_def *evbpf__sec_def_find(const char *sec_name)
{
	for (size_t i = 0; i < EVBPF_ARRAY_SIZE(sec_defs); i++)
		if (sec_matches(&sec_defs[i], sec_name))
			return &sec_defs[i];
	return NULL;
}
