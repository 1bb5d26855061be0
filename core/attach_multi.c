/* SPDX-License-Identifier: MIT */
/*
 * Multi-attach probes: one BPF link for many kernel functions
 * (BPF_TRACE_KPROBE_MULTI, Linux 5.18 with CONFIG_FPROBE; sessions,
 * which run the program at entry and at return, 6.10) or for many
 * functions of one user-space file (BPF_TRACE_UPROBE_MULTI, 6.6;
 * sessions 6.13). One link instead of a perf event per function is what
 * makes attaching thousands of functions practical.
 *
 * Kernel functions by glob are found the way libbpf finds them: the
 * names come from tracefs's available_filter_functions, the functions
 * ftrace can attach to (kallsyms also lists notrace and inlined-away
 * ones, which would fail the whole link). Its __ftrace_invalid_address__
 * lines are placeholders for functions ftrace dropped and are skipped.
 * The link is given addresses, not names: from
 * available_filter_functions_addrs where the kernel has it (6.5), else
 * from /proc/kallsyms; addresses are deduplicated, since a name can be
 * listed twice (static functions of different files).
 *
 * The link_create fields for both are laid out here by hand: the build's
 * <linux/bpf.h> may predate them.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define KPROBE_MULTI_RETURN 1u
#define UPROBE_MULTI_RETURN 1u
#define INVALID_PREFIX      "__ftrace_invalid_address__"

/* link_create.kprobe_multi and .uprobe_multi, at offset 16 of link_create. */
struct kprobe_multi_attr {
	uint32_t flags, cnt;
	uint64_t syms, addrs, cookies;
};
struct uprobe_multi_attr {
	uint64_t path, offsets, ref_ctr_offsets, cookies;
	uint32_t cnt, flags, pid;
};
#define LINK_CREATE_UNION_OFF 16

/* A growing array of u64 (addresses, offsets). */
struct u64_list {
	uint64_t *v;
	size_t n, cap;
};

static int list_add(struct u64_list *l, uint64_t x)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		uint64_t *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = x;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void list_sort_unique(struct u64_list *l)
{
	size_t w = 0;

	if (!l->n)
		return;
	qsort(l->v, l->n, sizeof(*l->v), cmp_u64);
	for (size_t i = 1; i < l->n; i++)
		if (l->v[i] != l->v[w])
			l->v[++w] = l->v[i];
	l->n = w + 1;
}

/* Whether a link type is there; -EOPNOTSUPP naming why when it is not. */
static int require(enum evbpf_feature feature, const struct evbpf_program *prog, const char *what)
{
	int answer = evbpf_probe_feature(feature);
	char why[256];

	if (answer != 0)
		return 0; /* present, or cannot tell: let the kernel answer */
	snprintf(why, sizeof(why), "%s", evbpf_errmsg());
	return evbpf__err(-EOPNOTSUPP, "prog '%s': %s: this kernel lacks it (%s)", prog->name, what,
	                  why);
}

static int create_link(struct evbpf_program *prog, uint32_t attach_type, const void *multi,
                       size_t multi_size, const char *kind, const char *desc,
                       struct evbpf_link **linkp)
{
	struct evbpf_link *link;
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	memcpy((uint8_t *)&attr.link_create + LINK_CREATE_UNION_OFF, multi, multi_size);
	fd = evbpf__link_create(prog->fd, 0, attach_type, 0, &attr);
	if (fd < 0)
		return fd;
	link = evbpf__link_alloc(kind, "prog '%s' on %s", prog->name, desc);
	if (!link) {
		close(fd);
		return -ENOMEM;
	}
	link->fd = fd;
	*linkp = link;
	return 0;
}

/* ------------------------------------------------------------- kprobes */

static bool tracefs_line_name(char *line, char **namep, char **restp)
{
	char *name = line, *end;

	while (*name == ' ')
		name++;
	end = name + strcspn(name, " \t\n");
	if (end == name)
		return false;
	*restp = *end ? end + 1 : end;
	*end = '\0';
	*namep = name;
	return true;
}

static bool wanted(const char *name, const char *pattern)
{
	return strncmp(name, INVALID_PREFIX, sizeof(INVALID_PREFIX) - 1) != 0 &&
	       evbpf__glob_match(name, pattern);
}

/* available_filter_functions_addrs: "ADDR NAME [MODULE]" (Linux 6.5). */
static int addrs_from_ftrace(FILE *f, const char *pattern, struct u64_list *out)
{
	char line[1024];

	while (fgets(line, sizeof(line), f)) {
		char *end, *name, *rest;
		unsigned long long addr = strtoull(line, &end, 16);

		if (end == line || !tracefs_line_name(end, &name, &rest))
			continue;
		if (addr && wanted(name, pattern) && list_add(out, addr))
			return -ENOMEM;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct name_set {
	char **v;
	size_t n, cap;
};

static void names_free(struct name_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

/* available_filter_functions names matching, then their kallsyms addresses. */
static int addrs_from_kallsyms(FILE *f, const char *pattern, struct u64_list *out)
{
	struct name_set set = {0};
	char line[1024];
	bool hidden = false;
	FILE *ks;
	int err = 0;

	while (!err && fgets(line, sizeof(line), f)) {
		char *name, *rest, **v;

		if (!tracefs_line_name(line, &name, &rest) || !wanted(name, pattern))
			continue;
		if (set.n == set.cap) {
			set.cap = set.cap ? 2 * set.cap : 64;
			v = realloc(set.v, set.cap * sizeof(*v));
			if (!v) {
				err = -ENOMEM;
				break;
			}
			set.v = v;
		}
		set.v[set.n] = strdup(name);
		if (!set.v[set.n])
			err = -ENOMEM;
		else
			set.n++;
	}
	if (err || !set.n)
		goto out;
	qsort(set.v, set.n, sizeof(*set.v), cmp_str);
	ks = fopen("/proc/kallsyms", "re");
	if (!ks) {
		err = evbpf__err(-errno, "cannot read /proc/kallsyms: %s", evbpf_strerror(-errno));
		goto out;
	}
	while (fgets(line, sizeof(line), ks)) {
		char type, name[512];
		unsigned long long addr;
		char *key = name;

		if (sscanf(line, "%llx %c %511s", &addr, &type, name) != 3)
			continue;
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (!bsearch(&key, set.v, set.n, sizeof(*set.v), cmp_str))
			continue;
		if (!addr) {
			hidden = true;
			continue;
		}
		if (list_add(out, addr)) {
			err = -ENOMEM;
			break;
		}
	}
	fclose(ks);
	if (!err && !out->n && hidden)
		err = evbpf__err(-EPERM, "/proc/kallsyms hides addresses (kptr_restrict; needs "
		                         "CAP_SYSLOG)");
out:
	names_free(&set);
	return err;
}

static int resolve_kernel_glob(const struct evbpf_program *prog, const char *pattern,
                               struct u64_list *out)
{
	const char *root = evbpf__tracefs_root_with("available_filter_functions");
	char path[256];
	bool with_addrs;
	FILE *f;
	int err;

	if (!root)
		return evbpf__err(-ENOENT,
		                  "prog '%s': kprobe.multi '%s': no available_filter_functions in "
		                  "tracefs (/sys/kernel/tracing or /sys/kernel/debug/tracing)",
		                  prog->name, pattern);
	snprintf(path, sizeof(path), "%s/available_filter_functions_addrs", root);
	with_addrs = access(path, R_OK) == 0;
	if (!with_addrs)
		snprintf(path, sizeof(path), "%s/available_filter_functions", root);
	f = fopen(path, "re");
	if (!f)
		return evbpf__err(-errno, "prog '%s': cannot read %s: %s", prog->name, path,
		                  evbpf_strerror(-errno));
	err =
	    with_addrs ? addrs_from_ftrace(f, pattern, out) : addrs_from_kallsyms(f, pattern, out);
	fclose(f);
	if (err == -ENOMEM)
		return evbpf__err(err, "prog '%s': kprobe.multi: out of memory", prog->name);
	if (err)
		return err;
	list_sort_unique(out);
	if (!out->n)
		return evbpf__err(-ENOENT,
		                  "prog '%s': kprobe.multi pattern '%s' matches no function "
		                  "in %s",
		                  prog->name, pattern, path);
	return 0;
}

static int kprobe_multi_check(const struct evbpf_program *prog,
                              const struct evbpf_kprobe_multi_opts *o, bool session)
{
	typedef struct evbpf_kprobe_multi_opts O;
	int given;

	if (!o || o->sz < sizeof(size_t))
		return evbpf__err(-EINVAL, "prog '%s': attach_kprobe_multi: %s", prog->name,
		                  o ? "opts->sz is not set" : "opts are required");
	given = (EVBPF_OPTS_HAS(o, O, pattern) && o->pattern) +
	        (EVBPF_OPTS_HAS(o, O, syms) && o->syms) + (EVBPF_OPTS_HAS(o, O, addrs) && o->addrs);
	if (given != 1)
		return evbpf__err(-EINVAL,
		                  "prog '%s': attach_kprobe_multi: give exactly one of pattern, "
		                  "syms and addrs",
		                  prog->name);
	if (!(EVBPF_OPTS_HAS(o, O, pattern) && o->pattern) &&
	    (!EVBPF_OPTS_HAS(o, O, cnt) || !o->cnt || o->cnt > UINT32_MAX))
		return evbpf__err(-EINVAL,
		                  "prog '%s': attach_kprobe_multi: cnt must count syms or addrs",
		                  prog->name);
	if (EVBPF_OPTS_HAS(o, O, pattern) && o->pattern && EVBPF_OPTS_HAS(o, O, cookies) &&
	    o->cookies)
		return evbpf__err(-EINVAL,
		                  "prog '%s': attach_kprobe_multi: cookies need a list of syms or "
		                  "addrs (a pattern's matches have no order to give them)",
		                  prog->name);
	if (session && EVBPF_OPTS_HAS(o, O, retprobe) && o->retprobe)
		return evbpf__err(-EINVAL,
		                  "prog '%s': attach_kprobe_multi: a kprobe.session program runs "
		                  "at entry and return; retprobe does not apply",
		                  prog->name);
	if (prog->prog_type != BPF_PROG_TYPE_KPROBE ||
	    (prog->expected_attach_type != EVBPF_BPF_TRACE_KPROBE_MULTI && !session))
		return evbpf__err(-EINVAL,
		                  "prog '%s': attach_kprobe_multi: the program was not loaded as "
		                  "kprobe.multi, kretprobe.multi or kprobe.session (section '%s')",
		                  prog->name, prog->sec_name);
	return 0;
}

EVBPF_API int evbpf_program_attach_kprobe_multi(struct evbpf_program *prog,
                                                const struct evbpf_kprobe_multi_opts *opts,
                                                struct evbpf_link **linkp)
{
	typedef struct evbpf_kprobe_multi_opts O;
	struct kprobe_multi_attr km = {0};
	struct u64_list addrs = {0};
	const char *pattern;
	bool session, ret;
	char desc[128];
	int err;

	err = evbpf__attach_check(prog, linkp, "attach_kprobe_multi");
	if (err)
		return err;
	session = prog->expected_attach_type == EVBPF_BPF_TRACE_KPROBE_SESSION;
	err = kprobe_multi_check(prog, opts, session);
	if (err)
		return err;
	err = require(EVBPF_FEATURE_KPROBE_MULTI, prog, "kprobe.multi (Linux 5.18, CONFIG_FPROBE)");
	if (!err && session)
		err = require(EVBPF_FEATURE_KPROBE_SESSION, prog, "kprobe.session (Linux 6.10)");
	if (err)
		return err;
	ret = (prog->sec_def && (prog->sec_def->flags & EVBPF_SEC_RETPROBE)) ||
	      (EVBPF_OPTS_HAS(opts, O, retprobe) && opts->retprobe);
	pattern = EVBPF_OPTS_HAS(opts, O, pattern) ? opts->pattern : NULL;
	if (pattern) {
		err = resolve_kernel_glob(prog, pattern, &addrs);
		if (err)
			goto out;
		km.addrs = (uint64_t)(uintptr_t)addrs.v;
		km.cnt = (uint32_t)addrs.n;
		snprintf(desc, sizeof(desc), "%s %.64s (%zu functions)",
		         session ? "kprobe.session"
		         : ret   ? "kretprobe.multi"
		                 : "kprobe.multi",
		         pattern, addrs.n);
	} else {
		km.syms = EVBPF_OPTS_HAS(opts, O, syms) ? (uint64_t)(uintptr_t)opts->syms : 0;
		km.addrs = EVBPF_OPTS_HAS(opts, O, addrs) ? (uint64_t)(uintptr_t)opts->addrs : 0;
		km.cookies =
		    EVBPF_OPTS_HAS(opts, O, cookies) ? (uint64_t)(uintptr_t)opts->cookies : 0;
		km.cnt = (uint32_t)opts->cnt;
		snprintf(desc, sizeof(desc), "%s %.64s%s (%zu functions)",
		         session ? "kprobe.session"
		         : ret   ? "kretprobe.multi"
		                 : "kprobe.multi",
		         opts->syms ? opts->syms[0] : "", opts->syms && opts->cnt > 1 ? ",..." : "",
		         opts->cnt);
	}
	km.flags = ret && !session ? KPROBE_MULTI_RETURN : 0;
	err = create_link(prog,
	                  session ? EVBPF_BPF_TRACE_KPROBE_SESSION : EVBPF_BPF_TRACE_KPROBE_MULTI,
	                  &km, sizeof(km), "kprobe_multi", desc, linkp);
	if (err)
		err = evbpf__err(
		    err, "prog '%s': attaching %s: BPF_LINK_CREATE: %s%s", prog->name, desc,
		    evbpf_strerror(err),
		    err == -ESRCH || err == -ENOENT ? " (a function is unknown to the kernel)"
		    : err == -EINVAL ? " (a function cannot be traced, or a bad request)"
		                     : "");
out:
	free(addrs.v);
	return err;
}

int evbpf__attach_kprobe_multi_sec(struct evbpf_program *prog, struct evbpf_link **linkp)
{
	struct evbpf_kprobe_multi_opts opts = {.sz = sizeof(opts)};
	const char *slash = strchr(prog->sec_name, '/');

	if (!slash || !slash[1])
		return evbpf__err(-ENOTSUP,
		                  "prog '%s': section '%s' does not say where to attach "
		                  "(kprobe.multi/PATTERN); use evbpf_program_attach_kprobe_multi()",
		                  prog->name, prog->sec_name);
	opts.pattern = slash + 1;
	return evbpf_program_attach_kprobe_multi(prog, &opts, linkp);
}

/* ------------------------------------------------------------- uprobes */

struct glob_ctx {
	const struct evbpf_uelf *f;
	const char *pattern;
	struct u64_list *out;
	int err;
};

static int glob_sym(void *ctx, const char *name, const Elf64_Sym *sym, uint32_t table)
{
	struct glob_ctx *g = ctx;
	uint64_t addr = sym->st_value;
	char base[512];
	size_t len = strcspn(name, "@");
	uint64_t off;

	(void)table;
	/* "memcpy@@GLIBC_2.14" matches as "memcpy". */
	if (len >= sizeof(base))
		return 0;
	memcpy(base, name, len);
	base[len] = '\0';
	if (!evbpf__glob_match(base, g->pattern))
		return 0;
	if (evbpf__uelf_vaddr_to_off(g->f, addr, true, &off)) {
		evbpf__errmsg_clear();
		return 0; /* not in an executable segment: not a probe site */
	}
	if (list_add(g->out, off)) {
		g->err = -ENOMEM;
		return 1;
	}
	return 0;
}

static int resolve_user_glob(const struct evbpf_program *prog, const char *path,
                             const char *pattern, struct u64_list *out)
{
	struct glob_ctx g = {.pattern = pattern, .out = out};
	struct evbpf_uelf f;
	int err;

	err = evbpf__uelf_open(path, &f);
	if (err)
		return err;
	g.f = &f;
	err = evbpf__uelf_for_each_func(&f, glob_sym, &g);
	evbpf__uelf_close(&f);
	if (err > 0)
		err = g.err;
	if (err)
		return err == -ENOMEM ? evbpf__err(err, "prog '%s': out of memory", prog->name)
		                      : err;
	list_sort_unique(out);
	if (!out->n)
		return evbpf__err(-ENOENT,
		                  "prog '%s': uprobe.multi pattern '%s' matches no function "
		                  "in '%s'",
		                  prog->name, pattern, path);
	return 0;
}

static int uprobe_multi_check(const struct evbpf_program *prog, const char *pattern,
                              const struct evbpf_uprobe_multi_opts *o, bool session)
{
	typedef struct evbpf_uprobe_multi_opts O;
	bool syms = EVBPF_OPTS_HAS(o, O, syms) && o->syms;
	bool offs = EVBPF_OPTS_HAS(o, O, offsets) && o->offsets;
	bool extra = (EVBPF_OPTS_HAS(o, O, cookies) && o->cookies) ||
	             (EVBPF_OPTS_HAS(o, O, ref_ctr_offsets) && o->ref_ctr_offsets);

	if (o && o->sz < sizeof(size_t))
		return evbpf__err(-EINVAL, "prog '%s': attach_uprobe_multi: opts->sz is not set",
		                  prog->name);
	if ((pattern != NULL) + syms + offs != 1)
		return evbpf__err(-EINVAL,
		                  "prog '%s': attach_uprobe_multi: give exactly one of "
		                  "func_pattern, opts->syms and opts->offsets",
		                  prog->name);
	if (!pattern && (!EVBPF_OPTS_HAS(o, O, cnt) || !o->cnt || o->cnt > UINT32_MAX))
		return evbpf__err(-EINVAL,
		                  "prog '%s': attach_uprobe_multi: cnt must count syms or "
		                  "offsets",
		                  prog->name);
	if (pattern && extra)
		return evbpf__err(
		    -EINVAL,
		    "prog '%s': attach_uprobe_multi: cookies and ref_ctr_offsets need "
		    "a list of syms or offsets",
		    prog->name);
	if (session && EVBPF_OPTS_HAS(o, O, retprobe) && o->retprobe)
		return evbpf__err(-EINVAL,
		                  "prog '%s': attach_uprobe_multi: an uprobe.session program runs "
		                  "at entry and return; retprobe does not apply",
		                  prog->name);
	if (prog->prog_type != BPF_PROG_TYPE_KPROBE ||
	    (prog->expected_attach_type != EVBPF_BPF_TRACE_UPROBE_MULTI && !session))
		return evbpf__err(-EINVAL,
		                  "prog '%s': attach_uprobe_multi: the program was not loaded as "
		                  "uprobe.multi, uretprobe.multi or uprobe.session (section '%s')",
		                  prog->name, prog->sec_name);
	return 0;
}

/* Offsets of a list of function names. */
static int resolve_syms(const struct evbpf_program *prog, const char *path, const char *const *syms,
                        size_t cnt, struct u64_list *out)
{
	char detail[512];

	for (size_t i = 0; i < cnt; i++) {
		uint64_t off;
		int err;

		if (!syms[i])
			return evbpf__err(-EINVAL,
			                  "prog '%s': attach_uprobe_multi: syms[%zu] is NULL",
			                  prog->name, i);
		err = evbpf__elf_func_offset(path, syms[i], &off);
		if (err) {
			snprintf(detail, sizeof(detail), "%s", evbpf_errmsg());
			return evbpf__err(err, "prog '%s': uprobe.multi: %s", prog->name, detail);
		}
		if (list_add(out, off))
			return -ENOMEM;
	}
	return 0;
}

EVBPF_API int evbpf_program_attach_uprobe_multi(struct evbpf_program *prog, int pid,
                                                const char *path, const char *func_pattern,
                                                const struct evbpf_uprobe_multi_opts *opts,
                                                struct evbpf_link **linkp)
{
	typedef struct evbpf_uprobe_multi_opts O;
	struct uprobe_multi_attr um = {0};
	struct u64_list offs = {0};
	char resolved[4096], desc[160];
	const char *kind;
	bool session, ret;
	int err;

	err = evbpf__attach_check(prog, linkp, "attach_uprobe_multi");
	if (err)
		return err;
	if (!path || !*path)
		return evbpf__err(-EINVAL, "prog '%s': attach_uprobe_multi: no path", prog->name);
	if (func_pattern && !*func_pattern)
		func_pattern = NULL;
	session = prog->expected_attach_type == EVBPF_BPF_TRACE_UPROBE_SESSION;
	err = uprobe_multi_check(prog, func_pattern, opts, session);
	if (err)
		return err;
	err = require(EVBPF_FEATURE_UPROBE_MULTI, prog, "uprobe.multi (Linux 6.6)");
	if (!err && session)
		err = require(EVBPF_FEATURE_UPROBE_SESSION, prog, "uprobe.session (Linux 6.13)");
	if (err)
		return err;
	err = evbpf__resolve_binary_path(path, resolved, sizeof(resolved));
	if (err)
		return evbpf__err(err, "prog '%s': uprobe.multi binary '%s' not found", prog->name,
		                  path);
	ret = (prog->sec_def && (prog->sec_def->flags & EVBPF_SEC_RETPROBE)) ||
	      (EVBPF_OPTS_HAS(opts, O, retprobe) && opts->retprobe);
	if (func_pattern) {
		err = resolve_user_glob(prog, resolved, func_pattern, &offs);
	} else if (EVBPF_OPTS_HAS(opts, O, syms) && opts->syms) {
		err = resolve_syms(prog, resolved, opts->syms, opts->cnt, &offs);
	} else {
		for (size_t i = 0; !err && i < opts->cnt; i++)
			err = list_add(&offs, opts->offsets[i]);
	}
	if (err)
		goto out;
	um.path = (uint64_t)(uintptr_t)resolved;
	um.offsets = (uint64_t)(uintptr_t)offs.v;
	um.cnt = (uint32_t)offs.n;
	if (!func_pattern) {
		um.cookies =
		    EVBPF_OPTS_HAS(opts, O, cookies) ? (uint64_t)(uintptr_t)opts->cookies : 0;
		um.ref_ctr_offsets = EVBPF_OPTS_HAS(opts, O, ref_ctr_offsets)
		                         ? (uint64_t)(uintptr_t)opts->ref_ctr_offsets
		                         : 0;
	}
	um.flags = ret && !session ? UPROBE_MULTI_RETURN : 0;
	um.pid = pid > 0 ? (uint32_t)pid : 0;
	kind = session ? "uprobe.session" : ret ? "uretprobe.multi" : "uprobe.multi";
	snprintf(desc, sizeof(desc), "%s %.80s:%.32s (%zu functions)", kind, resolved,
	         func_pattern ? func_pattern : "", offs.n);
	err = create_link(prog,
	                  session ? EVBPF_BPF_TRACE_UPROBE_SESSION : EVBPF_BPF_TRACE_UPROBE_MULTI,
	                  &um, sizeof(um), "uprobe_multi", desc, linkp);
	if (err)
		err = evbpf__err(err, "prog '%s': attaching %s: BPF_LINK_CREATE: %s", prog->name,
		                 desc, evbpf_strerror(err));
out:
	if (err == -ENOMEM)
		evbpf__err(err, "prog '%s': attach_uprobe_multi: out of memory", prog->name);
	free(offs.v);
	return err;
}

/* uprobe.multi/PATH:PATTERN (the path ends at the first ':', as in libbpf). */
int evbpf__attach_uprobe_multi_sec(struct evbpf_program *prog, struct evbpf_link **linkp)
{
	const char *slash = strchr(prog->sec_name, '/');
	const char *colon = slash ? strchr(slash + 1, ':') : NULL;
	char path[4096];
	size_t len;

	if (!slash || !slash[1])
		return evbpf__err(
		    -ENOTSUP,
		    "prog '%s': section '%s' does not say where to attach "
		    "(uprobe.multi/PATH:PATTERN); use evbpf_program_attach_uprobe_multi()",
		    prog->name, prog->sec_name);
	len = colon ? (size_t)(colon - slash - 1) : 0;
	if (!colon || !len || !colon[1] || len >= sizeof(path))
		return evbpf__err(-EINVAL, "prog '%s': section '%s' should be %.*s/PATH:PATTERN",
		                  prog->name, prog->sec_name, (int)(slash - prog->sec_name),
		                  prog->sec_name);
	memcpy(path, slash + 1, len);
	path[len] = '\0';
	return evbpf_program_attach_uprobe_multi(prog, -1, path, colon + 1, NULL, linkp);
}
