/* SPDX-License-Identifier: MIT */
/*
 * Attach targets named by BTF: tp_btf/NAME, fentry/FUNC, fexit/FUNC,
 * fmod_ret/FUNC, lsm/HOOK and iter/NAME programs are loaded with the BTF
 * id of what they attach to, looked up in the kernel's BTF by the naming
 * conventions the kernel uses for each:
 *   tp_btf/x   -> typedef btf_trace_x
 *   lsm/x      -> func bpf_lsm_x
 *   iter/x     -> func bpf_iter_x
 *   fentry/x   -> func x   (likewise fexit, fmod_ret)
 */
#include <string.h>

#include "internal.h"

static int lookup_target(const struct evbpf_btf *btf, const struct evbpf_program *prog,
			 const char *target)
{
	char name[256];
	int kind = BTF_KIND_FUNC;

	switch (prog->expected_attach_type) {
	case BPF_TRACE_RAW_TP:
		snprintf(name, sizeof(name), "btf_trace_%s", target);
		kind = BTF_KIND_TYPEDEF;
		break;
	case BPF_LSM_MAC:
	case BPF_LSM_CGROUP:
		snprintf(name, sizeof(name), "bpf_lsm_%s", target);
		break;
	case BPF_TRACE_ITER:
		snprintf(name, sizeof(name), "bpf_iter_%s", target);
		break;
	default:
		snprintf(name, sizeof(name), "%s", target);
		break;
	}
	return evbpf__btf_find(btf, name, kind);
}

int evbpf__program_resolve_attach_btf(struct evbpf_program *prog)
{
	const struct evbpf_btf *vmlinux;
	const char *slash, *target;
	int err, id;

	if (!prog->sec_def || !(prog->sec_def->flags & EVBPF_SEC_BTF_ID) || prog->attach_btf_id)
		return 0;
	slash = strchr(prog->sec_name, '/');
	target = slash ? slash + 1 : "";
	if (!*target)
		return evbpf__err(-EINVAL, "prog '%s': section '%s' names no attach target",
				  prog->name, prog->sec_name);
	err = evbpf__vmlinux_btf(&vmlinux);
	if (err)
		return evbpf__err(err, "prog '%s': cannot resolve '%s' without kernel BTF",
				  prog->name, target);
	id = lookup_target(vmlinux, prog, target);
	if (id < 0)
		return evbpf__err(-ESRCH, "prog '%s': attach target '%s' not found in kernel BTF",
				  prog->name, target);
	prog->attach_btf_id = (uint32_t)id;
	return 0;
}

/*
 * fentry, fexit, fmod_ret, lsm and freplace programs run from BPF
 * trampolines. A kernel that cannot or will not make one refuses the load
 * before the verifier runs, so there is no log to explain it: say what the
 * refusal means instead of a bare errno.
 */
const char *evbpf__attach_btf_load_hint(const struct evbpf_program *prog, int err)
{
	bool trampoline;

	if (err != -EPERM && err != -524 /* ENOTSUPP */ && err != -EOPNOTSUPP)
		return "";
	trampoline = prog->prog_type == BPF_PROG_TYPE_EXT || prog->prog_type == BPF_PROG_TYPE_LSM ||
	             (prog->prog_type == BPF_PROG_TYPE_TRACING &&
	              (prog->expected_attach_type == BPF_TRACE_FENTRY ||
	               prog->expected_attach_type == BPF_TRACE_FEXIT ||
	               prog->expected_attach_type == BPF_MODIFY_RETURN));
	if (!trampoline)
		return "";
	if (err == -EPERM)
		return "; the kernel refused this BPF trampoline program (fentry/fexit/fmod_ret/"
		       "lsm/freplace) before verifying it: trampoline programs are blocked on "
		       "this system (a lockdown or BPF LSM policy) although the program types "
		       "exist";
	return "; this kernel cannot build BPF trampolines (fentry/fexit/fmod_ret/lsm/"
	       "freplace need a BPF JIT with trampoline support and "
	       "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS)";
}
