/* SPDX-License-Identifier: MIT */
/*
 * evbpf_program_attach(): attach by what the section name says.
 *
 *   tracepoint/CAT/NAME, tp/CAT/NAME       tracepoint
 *   raw_tp/NAME, raw_tracepoint/NAME       raw tracepoint
 *   tp_btf/, fentry/, fexit/, fmod_ret/, lsm/ (and .s)   BTF id from load
 *   kprobe/FUNC[+OFF], kretprobe/FUNC      kprobe (PMU, or tracefs without it)
 *   ksyscall/NAME, kretsyscall/NAME        kprobe on the syscall's entry
 *   uprobe/BINARY:SYMBOL[+OFF], uretprobe/...   uprobe (likewise), any process
 *   usdt/PATH:PROVIDER:NAME                USDT probe sites (attach_usdt.c)
 *   kprobe.multi/GLOB, kretprobe.multi/GLOB, kprobe.session/GLOB
 *                                          one multi-kprobe link (attach_multi.c)
 *   uprobe.multi/PATH:GLOB, uretprobe.multi/..., uprobe.session/...
 *                                          one uprobe_multi link, any process
 *   iter/NAME                              iterator link
 *
 * Everything else needs something the section cannot say (an interface, a
 * cgroup, a socket, a map) and is refused with the typed function to use.
 */
#include <string.h>

#include "internal.h"

/* What follows the section's first '/' ("" when there is none). */
static const char *sec_target(const char *sec)
{
	const char *slash = strchr(sec, '/');

	return slash ? slash + 1 : "";
}

static int attach_tracepoint_sec(struct evbpf_program *prog, struct evbpf_link **linkp)
{
	const char *target = sec_target(prog->sec_name);
	const char *slash = strchr(target, '/');
	char cat[256];

	if (!slash || slash == target || !slash[1] || (size_t)(slash - target) >= sizeof(cat))
		return evbpf__err(-EINVAL,
		                  "prog '%s': section '%s' should be "
		                  "tracepoint/CATEGORY/NAME",
		                  prog->name, prog->sec_name);
	memcpy(cat, target, (size_t)(slash - target));
	cat[slash - target] = '\0';
	return evbpf_program_attach_tracepoint(prog, cat, slash + 1, linkp);
}

static int attach_kprobe_sec(struct evbpf_program *prog, struct evbpf_link **linkp)
{
	struct evbpf_probe_opts opts = {.sz = sizeof(opts)};
	const char *target = sec_target(prog->sec_name);
	bool ret = prog->sec_def->flags & EVBPF_SEC_RETPROBE;
	char func[256];

	if (!*target)
		return evbpf__err(-ENOTSUP,
		                  "prog '%s': section '%s' does not say where to attach "
		                  "(kprobe/FUNC[+OFFSET]); use evbpf_program_attach_kprobe()",
		                  prog->name, prog->sec_name);
	if (!strncmp(prog->sec_name, "ksyscall/", 9) ||
	    !strncmp(prog->sec_name, "kretsyscall/", 12)) {
		/* The syscall's entry point as the kernel names it on x86-64
		 * and arm64 since 4.17 (pt_regs wrappers). */
#if defined(__x86_64__)
		snprintf(func, sizeof(func), "__x64_sys_%s", target);
#elif defined(__aarch64__)
		snprintf(func, sizeof(func), "__arm64_sys_%s", target);
#else
		snprintf(func, sizeof(func), "sys_%s", target);
#endif
	} else if (evbpf__parse_func_offset(target, func, sizeof(func), &opts.offset)) {
		return evbpf__err(-EINVAL,
		                  "prog '%s': section '%s' should be kprobe/FUNC or "
		                  "kprobe/FUNC+OFFSET",
		                  prog->name, prog->sec_name);
	}
	return evbpf_program_attach_kprobe(prog, ret, func, &opts, linkp);
}

static int attach_uprobe_sec(struct evbpf_program *prog, struct evbpf_link **linkp)
{
	struct evbpf_probe_opts opts = {.sz = sizeof(opts)};
	bool ret = prog->sec_def->flags & EVBPF_SEC_RETPROBE;
	const char *slash = strchr(prog->sec_name, '/');
	char binary[4096], sym[256];

	if (!slash || evbpf__parse_uprobe_target(slash + 1, binary, sizeof(binary), sym,
	                                         sizeof(sym), &opts.offset))
		return evbpf__err(-ENOTSUP,
		                  "prog '%s': section '%s' does not say where to attach "
		                  "(uprobe/BINARY:SYMBOL[+OFFSET]); use "
		                  "evbpf_program_attach_uprobe()",
		                  prog->name, prog->sec_name);
	return evbpf_program_attach_uprobe(prog, ret, -1, binary, sym[0] ? sym : NULL, &opts,
	                                   linkp);
}

static const char *typed_function(const struct evbpf_program *prog)
{
	switch (prog->prog_type) {
	case BPF_PROG_TYPE_XDP:
		return "evbpf_program_attach_xdp()";
	case BPF_PROG_TYPE_SCHED_CLS:
		return "evbpf_program_attach_tc()";
	case BPF_PROG_TYPE_SOCKET_FILTER:
		return "evbpf_program_attach_socket()";
	case BPF_PROG_TYPE_SK_REUSEPORT:
		return "evbpf_program_attach_reuseport()";
	case BPF_PROG_TYPE_SK_MSG:
	case BPF_PROG_TYPE_SK_SKB:
		return "evbpf_program_attach_sockmap()";
	case BPF_PROG_TYPE_SK_LOOKUP:
	case BPF_PROG_TYPE_FLOW_DISSECTOR:
		return "evbpf_program_attach_netns()";
	case BPF_PROG_TYPE_PERF_EVENT:
		return "evbpf_program_attach_perf_event() or _perf_event_cpus()";
	case BPF_PROG_TYPE_EXT:
		return "evbpf_program_attach_freplace()";
	default:
		return NULL;
	}
}

EVBPF_API int evbpf_program_attach(struct evbpf_program *prog, struct evbpf_link **linkp)
{
	const char *typed;
	int err;

	err = evbpf__attach_check(prog, linkp, "attach");
	if (err)
		return err;
	if (!prog->obj)
		return evbpf__err(-ENOTSUP,
		                  "prog '%s' (type %s) comes from a pin or an id and has no "
		                  "section to attach by; use a typed attach function "
		                  "(evbpf_program_attach_tracepoint(), _xdp(), _cgroup(), ...)",
		                  prog->name, evbpf_prog_type_name(prog->prog_type));
	if (prog->sec_def) {
		switch (prog->sec_def->attach) {
		case EVBPF_ATTACH_TRACEPOINT:
			return attach_tracepoint_sec(prog, linkp);
		case EVBPF_ATTACH_RAW_TP:
			return evbpf_program_attach_raw_tracepoint(prog, sec_target(prog->sec_name),
			                                           linkp);
		case EVBPF_ATTACH_TRACING:
			return evbpf_program_attach_trace(prog, 0, linkp);
		case EVBPF_ATTACH_KPROBE:
			return attach_kprobe_sec(prog, linkp);
		case EVBPF_ATTACH_UPROBE:
			return attach_uprobe_sec(prog, linkp);
		case EVBPF_ATTACH_ITER:
			return evbpf_program_attach_iter(prog, NULL, linkp);
		case EVBPF_ATTACH_USDT:
			return evbpf__attach_usdt_sec(prog, linkp);
		case EVBPF_ATTACH_KPROBE_MULTI:
			return evbpf__attach_kprobe_multi_sec(prog, linkp);
		case EVBPF_ATTACH_UPROBE_MULTI:
			return evbpf__attach_uprobe_multi_sec(prog, linkp);
		case EVBPF_ATTACH_CGROUP:
			return evbpf__err(-ENOTSUP,
			                  "prog '%s' (section '%s') attaches to a cgroup: "
			                  "use evbpf_program_attach_cgroup()",
			                  prog->name, prog->sec_name);
		default:
			break;
		}
	}
	typed = typed_function(prog);
	if (typed)
		return evbpf__err(-ENOTSUP,
		                  "prog '%s' (section '%s'): the section does not say "
		                  "where to attach; use %s",
		                  prog->name, prog->sec_name, typed);
	return evbpf__err(-ENOTSUP,
	                  "prog '%s' (section '%s', type %s) cannot be attached by "
	                  "section name",
	                  prog->name, prog->sec_name, evbpf_prog_type_name(prog->prog_type));
}

/* ------------------------------------------------------------ autoattach */

/* Whether the section alone says where to attach: what a skeleton's
 * NAME__attach() attaches, and libbpf's skeletons too. */
static bool sec_attachable(const struct evbpf_program *prog)
{
	const char *target = sec_target(prog->sec_name);
	char binary[4096], sym[256];
	uint64_t off;

	if (!prog->sec_def)
		return false;
	switch (prog->sec_def->attach) {
	case EVBPF_ATTACH_TRACEPOINT:
		return strchr(target, '/') != NULL;
	case EVBPF_ATTACH_RAW_TP:
		return *target != '\0';
	case EVBPF_ATTACH_TRACING:
	case EVBPF_ATTACH_ITER:
		return true;
	case EVBPF_ATTACH_KPROBE:
		return *target && strncmp(prog->sec_name, "kprobe.multi", 12) &&
		       strncmp(prog->sec_name, "kretprobe.multi", 15);
	case EVBPF_ATTACH_UPROBE:
		return strncmp(prog->sec_name, "usdt", 4) && strchr(prog->sec_name, '/') &&
		       !evbpf__parse_uprobe_target(target, binary, sizeof(binary), sym, sizeof(sym),
		                                   &off);
	default:
		return false;
	}
}

EVBPF_API int evbpf_program_autoattach(const struct evbpf_program *prog)
{
	if (!prog)
		return evbpf__err(-EINVAL, "autoattach: NULL program");
	return !prog->no_autoattach && sec_attachable(prog);
}

EVBPF_API int evbpf_program_set_autoattach(struct evbpf_program *prog, int autoattach)
{
	if (!prog)
		return evbpf__err(-EINVAL, "set_autoattach: NULL program");
	prog->no_autoattach = !autoattach;
	return 0;
}
