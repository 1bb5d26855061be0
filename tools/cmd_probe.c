/* SPDX-License-Identifier: MIT */
/*
 * evbpf probe [--json] [--helpers]: what the running kernel lets us do,
 * found by trying (evbpf_probe_feature, evbpf_probe_prog_type, ...), and
 * the BPF options of its build configuration.
 *
 * Answers are grouped: attach facilities (kprobes through the PMU or
 * tracefs, trampolines, multi-probes, TCX ...), BTF, loader and run-time
 * facilities, program types (loading only: a kprobe program type says
 * nothing about whether kprobes can be made), map types, helpers, config.
 *
 * A refusal with EPERM is not an answer about the kernel but about us or
 * the kernel's policy (no CAP_BPF, lockdown, an LSM). It is explained once,
 * before the lists, and each line it affects says "no (EPERM)" only.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/capability.h>

#include "internal.h"
#include "tool.h"

extern const struct tool_cmd tool_cmd_probe;

#define PROBE_MAX_TYPE   64
#define PROBE_MAX_HELPER 256
#define CAP_BPF_NUMBER   39

/* How a feature line reads. */
enum answer { ANS_YES, ANS_NO, ANS_EPERM, ANS_ERROR };

struct probe_out {
	bool json, helpers;
	bool any_eperm;
	int failed;
	const char *sep; /* JSON member separator */
};

/* ------------------------------------------------------------ features */

static const enum evbpf_feature attach_group[] = {
    EVBPF_FEATURE_KPROBE_PMU,     EVBPF_FEATURE_KPROBE_LEGACY,  EVBPF_FEATURE_KPROBE,
    EVBPF_FEATURE_UPROBE_PMU,     EVBPF_FEATURE_UPROBE_LEGACY,  EVBPF_FEATURE_UPROBE,
    EVBPF_FEATURE_TRACEFS,        EVBPF_FEATURE_PERF_LINK,      EVBPF_FEATURE_TRAMPOLINE,
    EVBPF_FEATURE_TP_BTF,         EVBPF_FEATURE_KPROBE_MULTI,   EVBPF_FEATURE_KPROBE_SESSION,
    EVBPF_FEATURE_UPROBE_MULTI,   EVBPF_FEATURE_UPROBE_SESSION, EVBPF_FEATURE_TCX,
    EVBPF_FEATURE_NETKIT,         EVBPF_FEATURE_CGROUP_LINK,    EVBPF_FEATURE_SOCKMAP_LINK,
    EVBPF_FEATURE_NETFILTER_LINK, EVBPF_FEATURE_STRUCT_OPS,
};
static const enum evbpf_feature btf_group[] = {
    EVBPF_FEATURE_BTF,        EVBPF_FEATURE_VMLINUX_BTF,     EVBPF_FEATURE_MODULE_BTF,
    EVBPF_FEATURE_BTF_FUNC,   EVBPF_FEATURE_BTF_GLOBAL_FUNC, EVBPF_FEATURE_BTF_DATASEC,
    EVBPF_FEATURE_BTF_FLOAT,  EVBPF_FEATURE_BTF_DECL_TAG,    EVBPF_FEATURE_BTF_TYPE_TAG,
    EVBPF_FEATURE_BTF_ENUM64,
};
static const enum evbpf_feature runtime_group[] = {
    EVBPF_FEATURE_BPF,        EVBPF_FEATURE_MEMCG_ACCOUNT, EVBPF_FEATURE_ATOMICS,
    EVBPF_FEATURE_BPF_COOKIE, EVBPF_FEATURE_MAP_BATCH,     EVBPF_FEATURE_ENABLE_STATS,
};

struct feature_answer {
	enum answer a;
	char why[400];
};

static struct feature_answer answers[EVBPF_FEATURE__COUNT];

static bool is_eperm_reason(const char *why)
{
	return strstr(why, evbpf_strerror(-EPERM)) != NULL;
}

static void probe_features(struct probe_out *o)
{
	for (int f = 0; f < EVBPF_FEATURE__COUNT; f++) {
		int r = evbpf_probe_feature((enum evbpf_feature)f);
		const char *name = evbpf_feature_name((enum evbpf_feature)f);
		const char *why = evbpf_errmsg();
		struct feature_answer *fa = &answers[f];
		size_t n = strlen(name);

		/* The reason follows the feature's own name in errmsg. */
		if (!strncmp(why, name, n) && !strncmp(why + n, ": ", 2))
			why += n + 2;
		snprintf(fa->why, sizeof(fa->why), "%s", r == 1 ? "" : why);
		if (r == 1)
			fa->a = ANS_YES;
		else if (r == -EPERM || (r == 0 && is_eperm_reason(fa->why)))
			fa->a = ANS_EPERM;
		else if (r == 0)
			fa->a = ANS_NO;
		else
			fa->a = ANS_ERROR;
		if (fa->a == ANS_EPERM)
			o->any_eperm = true;
		if (fa->a == ANS_ERROR)
			o->failed = 1;
	}
}

static void print_feature(struct probe_out *o, enum evbpf_feature f)
{
	const struct feature_answer *fa = &answers[f];
	const char *name = evbpf_feature_name(f);

	if (o->json) {
		printf("%s\"%s\":%s", o->sep, name,
		       fa->a == ANS_YES  ? "true"
		       : fa->a == ANS_NO ? "false"
		                         : "null");
		o->sep = ",";
		return;
	}
	switch (fa->a) {
	case ANS_YES:
		printf("  %-26s yes\n", name);
		break;
	case ANS_NO:
		printf("  %-26s no (%s)\n", name, fa->why);
		break;
	case ANS_EPERM:
		printf("  %-26s no (EPERM)\n", name);
		break;
	case ANS_ERROR:
		printf("  %-26s cannot tell: %s\n", name, fa->why);
		break;
	}
}

static void print_group(struct probe_out *o, const char *title, const enum evbpf_feature *fs,
                        size_t n, bool *shown)
{
	if (!o->json)
		printf("%s:\n", title);
	for (size_t i = 0; i < n; i++) {
		print_feature(o, fs[i]);
		shown[fs[i]] = true;
	}
}

static void print_features(struct probe_out *o)
{
	bool shown[EVBPF_FEATURE__COUNT] = {false};
	bool other = false;

	if (o->json) {
		printf(",\"features\":{");
		o->sep = "";
	}
	print_group(o, "attach facilities", attach_group, EVBPF_ARRAY_SIZE(attach_group), shown);
	print_group(o, "BTF", btf_group, EVBPF_ARRAY_SIZE(btf_group), shown);
	print_group(o, "loader and run time", runtime_group, EVBPF_ARRAY_SIZE(runtime_group),
	            shown);
	/* Facilities added to the library later still show. */
	for (int f = 0; f < EVBPF_FEATURE__COUNT; f++) {
		if (shown[f])
			continue;
		if (!other && !o->json)
			printf("other facilities:\n");
		other = true;
		print_feature(o, (enum evbpf_feature)f);
	}
	if (!o->json)
		return;
	/* Why each absent facility is absent. */
	printf("},\"reasons\":{");
	o->sep = "";
	for (int f = 0; f < EVBPF_FEATURE__COUNT; f++) {
		if (answers[f].a == ANS_YES)
			continue;
		printf("%s\"%s\":", o->sep, evbpf_feature_name((enum evbpf_feature)f));
		tool_json_str(stdout, answers[f].a == ANS_EPERM ? "EPERM" : answers[f].why);
		o->sep = ",";
	}
	printf("}");
}

/* -------------------------------------------------- program, map types */

static int type_answer(bool map, uint32_t t)
{
	return map ? evbpf_probe_map_type(t) : evbpf_probe_prog_type(t);
}

/* Probe every type first: an EPERM among them is explained before any
 * list is printed. */
static void probe_types(struct probe_out *o, bool map, int *res)
{
	for (uint32_t t = 1; t < PROBE_MAX_TYPE; t++) {
		const char *name = map ? evbpf_map_type_name(t) : evbpf_prog_type_name(t);

		res[t] = 2; /* past the last name */
		if (!strcmp(name, "unknown"))
			break;
		res[t] = type_answer(map, t);
		if (res[t] == -EPERM)
			o->any_eperm = true;
		else if (res[t] < 0)
			o->failed = 1;
	}
}

static void print_types(struct probe_out *o, bool map, const int *res)
{
	const char *what = map ? "map_types" : "prog_types";

	if (o->json)
		printf(",\"%s\":{", what);
	else
		printf("%s:\n", map ? "map types"
		                    : "program types (loading; where they attach is "
		                      "under attach facilities)");
	o->sep = "";
	for (uint32_t t = 1; t < PROBE_MAX_TYPE && res[t] != 2; t++) {
		const char *name = map ? evbpf_map_type_name(t) : evbpf_prog_type_name(t);
		int r = res[t];

		if (o->json)
			printf("%s\"%s\":%s", o->sep, name,
			       r == 1   ? "true"
			       : r == 0 ? "false"
			                : "null");
		else
			printf("  %-26s %s%s\n", name,
			       r == 1        ? "yes"
			       : r == 0      ? "no"
			       : r == -EPERM ? "no (EPERM)"
			                     : "",
			       r < 0 && r != -EPERM ? evbpf_strerror(r) : "");
		o->sep = ",";
	}
	if (o->json)
		printf("}");
}

/* ------------------------------------------------------------- helpers */

/* Helper names from the kernel's own enum bpf_func_id (BPF_FUNC_name),
 * so that new helpers are named without a table here. */
static const struct evbpf_btf *helper_btf;
static int helper_enum = -1;

static uint32_t helper_names_init(void)
{
	const struct btf_type *t;
	const struct btf_enum *e;
	uint32_t max = 0;

	if (evbpf__vmlinux_btf(&helper_btf) < 0)
		return PROBE_MAX_HELPER;
	helper_enum = evbpf__btf_find(helper_btf, "bpf_func_id", BTF_KIND_ENUM);
	if (helper_enum < 0)
		return PROBE_MAX_HELPER;
	t = evbpf__btf_type(helper_btf, (uint32_t)helper_enum);
	e = (const struct btf_enum *)(t + 1);
	for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++)
		if ((uint32_t)e[i].val > max && (uint32_t)e[i].val < PROBE_MAX_HELPER)
			max = (uint32_t)e[i].val;
	return max + 1;
}

static void helper_name(uint32_t id, char *buf, size_t size)
{
	snprintf(buf, size, "helper_%u", id);
	if (helper_enum >= 0) {
		const struct btf_type *t = evbpf__btf_type(helper_btf, (uint32_t)helper_enum);
		const struct btf_enum *e = (const struct btf_enum *)(t + 1);

		for (uint16_t i = 0; i < evbpf__btf_vlen(t); i++) {
			const char *n = evbpf__btf_str(helper_btf, e[i].name_off);

			if ((uint32_t)e[i].val == id && !strncmp(n, "BPF_FUNC_", 9)) {
				snprintf(buf, size, "%s", n + 9);
				return;
			}
		}
	}
}

static void print_helpers(struct probe_out *o, const int *prog_res)
{
	uint32_t end = helper_names_init();

	if (o->json)
		printf(",\"helpers\":{");
	else
		printf("helpers (by program type):\n");
	o->sep = "";
	for (uint32_t t = 1; t < PROBE_MAX_TYPE && prog_res[t] != 2; t++) {
		const char *hsep = "";
		int col = 0;

		if (prog_res[t] != 1)
			continue;
		if (o->json)
			printf("%s\"%s\":[", o->sep, evbpf_prog_type_name(t));
		else
			printf("  %s:\n   ", evbpf_prog_type_name(t));
		for (uint32_t h = 1; h < end; h++) {
			char name[64];

			if (evbpf_probe_helper(t, h) != 1)
				continue;
			helper_name(h, name, sizeof(name));
			if (o->json) {
				printf("%s\"%s\"", hsep, name);
				hsep = ",";
				continue;
			}
			if (col + (int)strlen(name) + 1 > 76) {
				printf("\n   ");
				col = 0;
			}
			col += printf(" %s", name);
		}
		if (o->json)
			printf("]");
		else
			printf("\n");
		o->sep = ",";
	}
	if (o->json)
		printf("}");
}

/* -------------------------------------------------------- kernel config */

/*
 * Options that decide what BPF can do on a kernel (the ones `bpftool
 * feature probe` reports, and those behind newer facilities).
 */
static const char *const config_options[] = {
    "CONFIG_BPF",
    "CONFIG_BPF_SYSCALL",
    "CONFIG_HAVE_EBPF_JIT",
    "CONFIG_BPF_JIT",
    "CONFIG_BPF_JIT_ALWAYS_ON",
    "CONFIG_BPF_UNPRIV_DEFAULT_OFF",
    "CONFIG_DEBUG_INFO_BTF",
    "CONFIG_DEBUG_INFO_BTF_MODULES",
    "CONFIG_CGROUPS",
    "CONFIG_CGROUP_BPF",
    "CONFIG_CGROUP_NET_CLASSID",
    "CONFIG_SOCK_CGROUP_DATA",
    "CONFIG_BPF_EVENTS",
    "CONFIG_KPROBES",
    "CONFIG_KPROBE_EVENTS",
    "CONFIG_UPROBES",
    "CONFIG_UPROBE_EVENTS",
    "CONFIG_TRACING",
    "CONFIG_FTRACE_SYSCALLS",
    "CONFIG_DYNAMIC_FTRACE",
    "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS",
    "CONFIG_FPROBE",
    "CONFIG_FUNCTION_ERROR_INJECTION",
    "CONFIG_BPF_KPROBE_OVERRIDE",
    "CONFIG_BPF_LSM",
    "CONFIG_SECURITY_LOCKDOWN_LSM",
    "CONFIG_NET",
    "CONFIG_XDP_SOCKETS",
    "CONFIG_LWTUNNEL_BPF",
    "CONFIG_NET_ACT_BPF",
    "CONFIG_NET_CLS_BPF",
    "CONFIG_NET_CLS_ACT",
    "CONFIG_NET_SCH_INGRESS",
    "CONFIG_NET_XGRESS",
    "CONFIG_NETKIT",
    "CONFIG_NETFILTER_BPF_LINK",
    "CONFIG_XFRM",
    "CONFIG_IP_ROUTE_CLASSID",
    "CONFIG_IPV6_SEG6_BPF",
    "CONFIG_BPF_LIRC_MODE2",
    "CONFIG_BPF_STREAM_PARSER",
    "CONFIG_NETFILTER_XT_MATCH_BPF",
    "CONFIG_BPFILTER",
    "CONFIG_TEST_BPF",
    "CONFIG_HZ",
};

/* The running kernel's .config text (malloc'd) and where it came from. */
static char *read_config(char *source, size_t size)
{
	struct utsname u;
	uint8_t *buf = NULL, *out = NULL;
	size_t len = 0, out_len = 0;

	if (uname(&u) == 0) {
		snprintf(source, size, "/boot/config-%s", u.release);
		if (evbpf__read_file(source, &buf, &len) == 0)
			return (char *)buf;
	}
	snprintf(source, size, "/proc/config.gz");
	if (evbpf__read_file(source, &buf, &len) != 0)
		return NULL;
	if (evbpf__gunzip(buf, len, &out, &out_len) != 0)
		out = NULL;
	free(buf);
	return (char *)out;
}

/* "y", "m", a value, "n" (is not set) or NULL (this kernel has no such
 * option) for one option. */
static const char *config_value(const char *text, const char *opt, char *buf, size_t size)
{
	size_t n = strlen(opt);

	for (const char *line = text; line && *line; line = strchr(line, '\n'), line += !!line) {
		size_t len = strcspn(line, "\n");

		if (!strncmp(line, opt, n) && line[n] == '=') {
			snprintf(buf, size, "%.*s", (int)(len - n - 1), line + n + 1);
			return buf;
		}
		if (!strncmp(line, "# ", 2) && !strncmp(line + 2, opt, n) &&
		    !strncmp(line + 2 + n, " is not set", 11))
			return "n";
	}
	return NULL;
}

static void print_config(struct probe_out *o)
{
	char source[300], buf[128];
	char *text = read_config(source, sizeof(source));

	if (!text) {
		if (o->json)
			printf(",\"config\":null");
		else
			printf("kernel config: not found (neither /boot/config-RELEASE nor "
			       "/proc/config.gz is readable)\n");
		return;
	}
	if (o->json) {
		printf(",\"config\":{\"source\":");
		tool_json_str(stdout, source);
		printf(",\"options\":{");
	} else {
		printf("kernel config (%s):\n", source);
	}
	o->sep = "";
	for (size_t i = 0; i < EVBPF_ARRAY_SIZE(config_options); i++) {
		const char *v = config_value(text, config_options[i], buf, sizeof(buf));

		if (o->json) {
			printf("%s\"%s\":", o->sep, config_options[i]);
			if (v)
				tool_json_str(stdout, v);
			else
				printf("null");
			o->sep = ",";
		} else {
			printf("  %-40s %s\n", config_options[i],
			       !v                ? "-"
			       : !strcmp(v, "n") ? "is not set"
			                         : v);
		}
	}
	if (o->json)
		printf("}}");
	free(text);
}

/* ------------------------------------------------------- EPERM, once */

static bool has_cap(int cap)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) != 0)
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

static void read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, (int)size, f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
}

/* Why the kernel says EPERM to us: privileges first, then lockdown,
 * then a policy we cannot see from here. */
static void eperm_reason(char *buf, size_t size)
{
	char lockdown[128], unpriv[16];

	read_line("/sys/kernel/security/lockdown", lockdown, sizeof(lockdown));
	read_line("/proc/sys/kernel/unprivileged_bpf_disabled", unpriv, sizeof(unpriv));
	if (!has_cap(CAP_SYS_ADMIN) && !has_cap(CAP_BPF_NUMBER)) {
		snprintf(buf, size,
		         "running without CAP_BPF or CAP_SYS_ADMIN (uid %u, "
		         "kernel.unprivileged_bpf_disabled=%s): run as root",
		         (unsigned)geteuid(), unpriv[0] ? unpriv : "?");
		return;
	}
	if (strstr(lockdown, "[integrity]") || strstr(lockdown, "[confidentiality]")) {
		snprintf(buf, size,
		         "kernel lockdown is on (%s): it refuses what could read or change "
		         "kernel memory",
		         lockdown);
		return;
	}
	snprintf(buf, size,
	         "the kernel refuses these by policy although bpf() works and we have "
	         "CAP_SYS_ADMIN: a security module (SELinux, AppArmor, a BPF LSM program) or "
	         "the kernel's own restrictions%s",
	         lockdown[0] ? "" : " (lockdown state unknown: securityfs is not mounted)");
}

/* ---------------------------------------------------------------- run */

static int run(int argc, char **argv)
{
	struct probe_out o = {.sep = ""};
	int prog_res[PROBE_MAX_TYPE], map_res[PROBE_MAX_TYPE];
	char reason[400] = "";
	struct utsname u;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			o.json = true;
		else if (!strcmp(argv[i], "--helpers"))
			o.helpers = true;
		else if (argv[i][0] == '-')
			return tool_usage_error("probe", "unknown option '%s'", argv[i]);
		else
			return tool_usage_error("probe", "unexpected argument '%s'", argv[i]);
	}
	/* Without bpf() every answer below would be the same refusal: say
	 * it once, with what to do, and fail. */
	if (evbpf_probe_feature(EVBPF_FEATURE_BPF) != 1) {
		fprintf(stderr, "evbpf probe: cannot probe this kernel: %s\n", evbpf_errmsg());
		return 1;
	}
	probe_features(&o);
	probe_types(&o, false, prog_res);
	probe_types(&o, true, map_res);
	if (o.any_eperm)
		eperm_reason(reason, sizeof(reason));
	if (uname(&u) != 0)
		memset(&u, 0, sizeof(u));
	if (o.json) {
		printf("{\"kernel\":{\"release\":");
		tool_json_str(stdout, u.release);
		printf(",\"machine\":");
		tool_json_str(stdout, u.machine);
		printf("},\"not_permitted\":");
		if (o.any_eperm)
			tool_json_str(stdout, reason);
		else
			printf("null");
	} else {
		printf("kernel: Linux %s %s\n", u.release, u.machine);
		if (o.any_eperm)
			printf("not permitted: %s; what it refuses reads \"no (EPERM)\" below\n",
			       reason);
	}
	print_features(&o);
	print_types(&o, false, prog_res);
	print_types(&o, true, map_res);
	if (o.helpers)
		print_helpers(&o, prog_res);
	print_config(&o);
	if (o.json)
		printf("}\n");
	return o.failed;
}

const struct tool_cmd tool_cmd_probe = {
    .name = "probe",
    .usage = "probe [--json] [--helpers]  what the kernel lets BPF do, tried for real",
    .help = "usage: evbpf probe [--json] [--helpers]\n"
            "\n"
            "Report what the running kernel lets BPF do, by really trying each thing:\n"
            "attach facilities (kprobes and uprobes through the PMU or tracefs,\n"
            "trampolines, tp_btf, multi-probes, TCX, netkit, struct_ops ...), BTF\n"
            "(kernel and module BTF, BTF kinds), loader facilities (memcg accounting,\n"
            "run-time statistics ...), program and map types, and the BPF options of\n"
            "the kernel's build configuration (/boot/config-RELEASE or /proc/config.gz).\n"
            "A refusal with EPERM is explained once (privileges, lockdown, a security\n"
            "policy) and marked \"no (EPERM)\" on each line it affects.\n"
            "\n"
            "  --json      one JSON object: kernel, not_permitted (the EPERM reason or\n"
            "              null), features, reasons (why each absent one is absent),\n"
            "              prog_types, map_types, helpers (with --helpers) and config;\n"
            "              true/false per answer, null where EPERM left it unknown\n"
            "  --helpers   also list the helpers each program type may call\n"
            "  -h, --help  this text\n",
    .run = run,
};
