/* SPDX-License-Identifier: MIT */
/*
 * kprobes and uprobes through their perf PMUs (Linux 4.17): the PMU's type
 * number is read from /sys/bus/event_source/devices/{kprobe,uprobe}/type and
 * the return-probe flag is the config bit named in format/retprobe
 * ("config:0"). The probed function (kprobe) or file (uprobe) is passed by
 * pointer in config1, the offset in config2.
 *
 * Without the PMU (kernels before 4.17) the probe is made in tracefs
 * instead (core/attach_tracefs.c), and evbpf_probe_opts.attach_mode can
 * force that, or force how the program is put on the PMU event
 * (PERF_EVENT_IOC_SET_BPF or a BPF link), so that every path can be tested
 * on a kernel that has the newer ones. A kernel with neither the PMU nor
 * the tracefs files was built without CONFIG_KPROBES / CONFIG_UPROBES (or
 * has tracefs unmounted), and the error says what was looked for.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include "internal.h"

#define DEVICES_DIR "/sys/bus/event_source/devices"
/* Where attr.config carries the uprobe reference counter offset. */
#define UPROBE_REF_CTR_SHIFT 32

static const char *pmu_config(const char *pmu)
{
	return !strcmp(pmu, "kprobe") ? "CONFIG_KPROBES" : "CONFIG_UPROBES";
}

int evbpf__pmu_type(const char *devices_dir, const char *pmu)
{
	char path[512];
	uint8_t *buf;
	size_t size;
	struct stat st;
	char *end;
	long type;
	int err;

	if (!devices_dir)
		devices_dir = DEVICES_DIR;
	snprintf(path, sizeof(path), "%s/%s", devices_dir, pmu);
	if (stat(path, &st) != 0)
		return evbpf__err(-EOPNOTSUPP,
		                  "%s PMU not found at %s: kernel built without %s "
		                  "(or older than Linux 4.17)",
		                  pmu, path, pmu_config(pmu));
	snprintf(path, sizeof(path), "%s/%s/type", devices_dir, pmu);
	err = evbpf__read_file(path, &buf, &size);
	if (err)
		return evbpf__err(err, "%s PMU: cannot read %s: %s", pmu, path,
		                  evbpf_strerror(err));
	type = strtol((const char *)buf, &end, 10);
	if (end == (char *)buf || type < 0 || type > INT32_MAX) {
		free(buf);
		return evbpf__err(-EINVAL, "%s PMU: %s does not hold a PMU type", pmu, path);
	}
	free(buf);
	return (int)type;
}

int evbpf__pmu_retprobe_bit(const char *devices_dir, const char *pmu)
{
	char path[512];
	uint8_t *buf;
	size_t size;
	char *end;
	long bit;
	int err;

	if (!devices_dir)
		devices_dir = DEVICES_DIR;
	snprintf(path, sizeof(path), "%s/%s/format/retprobe", devices_dir, pmu);
	err = evbpf__read_file(path, &buf, &size);
	if (err)
		return evbpf__err(err, "%s PMU: cannot read %s: %s (no return probes?)", pmu, path,
		                  evbpf_strerror(err));
	if (strncmp((const char *)buf, "config:", 7) != 0) {
		free(buf);
		return evbpf__err(-EINVAL, "%s PMU: %s: expected 'config:N'", pmu, path);
	}
	bit = strtol((const char *)buf + 7, &end, 10);
	if (end == (char *)buf + 7 || bit < 0 || bit > 63) {
		free(buf);
		return evbpf__err(-EINVAL, "%s PMU: %s: bad bit number", pmu, path);
	}
	free(buf);
	return (int)bit;
}

static int parse_offset(const char *s, uint64_t *offset)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*offset = v;
	return 0;
}

int evbpf__parse_func_offset(const char *spec, char *func, size_t func_size, uint64_t *offset)
{
	const char *plus;
	size_t len;

	if (!spec || !*spec)
		return -EINVAL;
	plus = strchr(spec, '+');
	len = plus ? (size_t)(plus - spec) : strlen(spec);
	if (len == 0 || len >= func_size)
		return -EINVAL;
	memcpy(func, spec, len);
	func[len] = '\0';
	*offset = 0;
	return plus ? parse_offset(plus + 1, offset) : 0;
}

int evbpf__parse_uprobe_target(const char *spec, char *binary, size_t binary_size, char *sym,
                               size_t sym_size, uint64_t *offset)
{
	const char *colon;
	size_t len;

	if (!spec)
		return -EINVAL;
	colon = strrchr(spec, ':');
	if (!colon)
		return -EINVAL;
	len = (size_t)(colon - spec);
	if (len == 0 || len >= binary_size)
		return -EINVAL;
	memcpy(binary, spec, len);
	binary[len] = '\0';
	/* "BINARY:0x1234" is a raw offset; anything else is SYMBOL[+OFF]. */
	if (colon[1] >= '0' && colon[1] <= '9') {
		sym[0] = '\0';
		return parse_offset(colon + 1, offset);
	}
	return evbpf__parse_func_offset(colon + 1, sym, sym_size, offset);
}

/* ------------------------------------------------------- the mechanisms */

/* One kprobe or uprobe to make, whatever the mechanism. */
struct probe_spec {
	const char *what; /* "kprobe", "kretprobe", "uprobe", "uretprobe" */
	bool uprobe, retprobe;
	const char *pmu_target; /* kernel function name, or file path */
	uint64_t offset;        /* from the function (kprobe) or file offset (uprobe) */
	uint64_t ref_ctr;       /* uprobe semaphore offset */
	const char *location;   /* the same for a tracefs probe definition */
	const char *name_hint;
	int pid; /* uprobes: one process, or -1 */
	uint64_t cookie;
	enum evbpf_probe_attach_mode mode;
	const char *desc; /* "kprobe do_nanosleep+0" */
};

static enum evbpf_perf_attach perf_attach_of(enum evbpf_probe_attach_mode mode)
{
	switch (mode) {
	case EVBPF_PROBE_ATTACH_PERF:
		return EVBPF_PERF_ATTACH_IOCTL;
	case EVBPF_PROBE_ATTACH_LINK:
		return EVBPF_PERF_ATTACH_LINK;
	default:
		return EVBPF_PERF_ATTACH_ANY;
	}
}

/* Any process: pid -1 on CPU 0. A probe's programs run on whatever CPU hits
 * it; the event's CPU only matters for sampling, which we do not use. */
static int open_probe_event(struct perf_event_attr *attr, int pid)
{
	return evbpf__perf_event_open(attr, pid > 0 ? pid : -1, pid > 0 ? -1 : 0, -1,
	                              PERF_FLAG_FD_CLOEXEC);
}

static int attach_pmu(struct evbpf_program *prog, const struct probe_spec *ps, int type,
                      struct evbpf_link **linkp)
{
	const char *pmu = ps->uprobe ? "uprobe" : "kprobe";
	struct perf_event_attr attr;
	int bit = 0, pfd;

	if (ps->retprobe) {
		bit = evbpf__pmu_retprobe_bit(NULL, pmu);
		if (bit < 0)
			return bit;
	}
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = (uint32_t)type;
	attr.config = ps->retprobe ? 1ull << bit : 0;
	if (ps->uprobe)
		attr.config |= ps->ref_ctr << UPROBE_REF_CTR_SHIFT;
	attr.config1 = (uint64_t)(uintptr_t)ps->pmu_target; /* kprobe_func, uprobe_path */
	attr.config2 = ps->offset;                          /* probe_offset */
	attr.sample_period = 1;
	attr.disabled = 1;
	pfd = open_probe_event(&attr, ps->pid);
	if (pfd < 0)
		return evbpf__err(pfd, "prog '%s': opening %s on %s: %s%s", prog->name, ps->what,
		                  ps->location, evbpf_strerror(pfd),
		                  !ps->uprobe && (pfd == -ENOENT || pfd == -EINVAL)
		                      ? " (no such kernel function, or it cannot be probed)"
		                      : "");
	return evbpf__attach_perf_fd(prog, pfd, ps->cookie, perf_attach_of(ps->mode), NULL,
	                             ps->desc, linkp);
}

static int attach_tracefs(struct evbpf_program *prog, const struct probe_spec *ps,
                          struct evbpf_link **linkp)
{
	struct evbpf_tracefs_probe tp;
	struct perf_event_attr attr;
	char detail[768], desc[256];
	int id, pfd;

	id = evbpf__tracefs_probe_add(&tp, ps->uprobe, ps->retprobe, ps->location, ps->name_hint);
	if (id < 0) {
		snprintf(detail, sizeof(detail), "%s", evbpf_errmsg());
		return evbpf__err(id, "prog '%s': cannot attach %s: %s", prog->name, ps->what,
		                  detail);
	}
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.config = (uint64_t)id;
	attr.sample_period = 1;
	attr.disabled = 1;
	pfd = open_probe_event(&attr, ps->pid);
	if (pfd < 0) {
		evbpf__tracefs_probe_remove(&tp);
		return evbpf__err(pfd, "prog '%s': perf_event_open of tracefs %s %s/%s (id %d): %s",
		                  prog->name, ps->what, tp.group, tp.name, id, evbpf_strerror(pfd));
	}
	snprintf(desc, sizeof(desc), "%s (tracefs %s/%s)", ps->desc, tp.group, tp.name);
	return evbpf__attach_perf_fd(prog, pfd, ps->cookie, EVBPF_PERF_ATTACH_ANY, &tp, desc,
	                             linkp);
}

/* The mechanism the mode asks for, or the best one this kernel has. */
static int attach_probe(struct evbpf_program *prog, const struct probe_spec *ps,
                        struct evbpf_link **linkp)
{
	const char *pmu = ps->uprobe ? "uprobe" : "kprobe";
	char detail[512];
	int type;

	if (ps->mode == EVBPF_PROBE_ATTACH_LEGACY)
		return attach_tracefs(prog, ps, linkp);
	type = evbpf__pmu_type(NULL, pmu);
	if (type >= 0)
		return attach_pmu(prog, ps, type, linkp);
	snprintf(detail, sizeof(detail), "%s", evbpf_errmsg());
	if (ps->mode == EVBPF_PROBE_ATTACH_DEFAULT &&
	    evbpf__tracefs_root_with(ps->uprobe ? "uprobe_events" : "kprobe_events"))
		return attach_tracefs(prog, ps, linkp);
	return evbpf__err(type, "prog '%s': cannot attach %s to %s: %s%s", prog->name, ps->what,
	                  ps->location, detail,
	                  ps->mode != EVBPF_PROBE_ATTACH_DEFAULT
	                      ? " (and the attach mode asks for the PMU)"
	                  : ps->uprobe ? ", and no uprobe_events in tracefs either"
	                               : ", and no kprobe_events in tracefs either");
}

static int probe_opts(const struct evbpf_probe_opts *opts, const char *prog_name, const char *what,
                      struct probe_spec *ps)
{
	typedef struct evbpf_probe_opts O;

	if (opts && opts->sz < sizeof(size_t))
		return evbpf__err(-EINVAL, "prog '%s': %s: opts->sz is not set", prog_name, what);
	ps->offset = EVBPF_OPTS_HAS(opts, O, offset) ? opts->offset : 0;
	ps->cookie = EVBPF_OPTS_HAS(opts, O, cookie) ? opts->cookie : 0;
	ps->ref_ctr = EVBPF_OPTS_HAS(opts, O, ref_ctr_offset) ? opts->ref_ctr_offset : 0;
	ps->mode =
	    EVBPF_OPTS_HAS(opts, O, attach_mode) ? opts->attach_mode : EVBPF_PROBE_ATTACH_DEFAULT;
	if (ps->mode > EVBPF_PROBE_ATTACH_LINK)
		return evbpf__err(-EINVAL, "prog '%s': %s: unknown attach mode %d", prog_name, what,
		                  (int)ps->mode);
	return 0;
}

/* ---------------------------------------------------------------- kprobe */

EVBPF_API int evbpf_program_attach_kprobe(struct evbpf_program *prog, int retprobe,
                                          const char *func, const struct evbpf_probe_opts *opts,
                                          struct evbpf_link **linkp)
{
	struct probe_spec ps = {.retprobe = retprobe != 0, .pid = -1};
	char location[320], desc[352];
	int err;

	err = evbpf__attach_check(prog, linkp, "attach_kprobe");
	if (err)
		return err;
	if (!func || !*func)
		return evbpf__err(-EINVAL, "prog '%s': attach_kprobe: no function name",
		                  prog->name);
	err = probe_opts(opts, prog->name, "attach_kprobe", &ps);
	if (err)
		return err;
	ps.what = retprobe ? "kretprobe" : "kprobe";
	if (ps.offset)
		snprintf(location, sizeof(location), "%.256s+%llu", func,
		         (unsigned long long)ps.offset);
	else
		snprintf(location, sizeof(location), "%.256s", func);
	snprintf(desc, sizeof(desc), "%s %s", ps.what, location);
	ps.pmu_target = func;
	ps.location = location;
	ps.name_hint = func;
	ps.desc = desc;
	return attach_probe(prog, &ps, linkp);
}

/* ---------------------------------------------------------------- uprobe */

EVBPF_API int evbpf_program_attach_uprobe(struct evbpf_program *prog, int retprobe, int pid,
                                          const char *binary, const char *func,
                                          const struct evbpf_probe_opts *opts,
                                          struct evbpf_link **linkp)
{
	struct probe_spec ps = {.uprobe = true, .retprobe = retprobe != 0, .pid = pid};
	uint64_t sym_off = 0;
	char path[4096], location[4200], desc[256];
	int err;

	err = evbpf__attach_check(prog, linkp, "attach_uprobe");
	if (err)
		return err;
	if (!binary || !*binary)
		return evbpf__err(-EINVAL, "prog '%s': attach_uprobe: no binary", prog->name);
	err = probe_opts(opts, prog->name, "attach_uprobe", &ps);
	if (err)
		return err;
	ps.what = retprobe ? "uretprobe" : "uprobe";
	if (ps.ref_ctr >> 32)
		return evbpf__err(-EINVAL,
		                  "prog '%s': uprobe reference counter offset %#llx is too "
		                  "large",
		                  prog->name, (unsigned long long)ps.ref_ctr);
	err = evbpf__resolve_binary_path(binary, path, sizeof(path));
	if (err)
		return evbpf__err(err, "prog '%s': uprobe binary '%s' not found", prog->name,
		                  binary);
	if (func && *func) {
		err = evbpf__elf_func_offset(path, func, &sym_off);
		if (err) {
			snprintf(desc, sizeof(desc), "%s", evbpf_errmsg());
			return evbpf__err(err, "prog '%s': uprobe on '%s': %s", prog->name, func,
			                  desc);
		}
	}
	ps.offset = sym_off + ps.offset;
	if (ps.ref_ctr)
		snprintf(location, sizeof(location), "%s:%#llx(%#llx)", path,
		         (unsigned long long)ps.offset, (unsigned long long)ps.ref_ctr);
	else
		snprintf(location, sizeof(location), "%s:%#llx", path,
		         (unsigned long long)ps.offset);
	snprintf(desc, sizeof(desc), "%s %.150s:%s+%#llx", ps.what, path, func && *func ? func : "",
	         (unsigned long long)(ps.offset - sym_off));
	ps.pmu_target = path;
	ps.location = location;
	ps.name_hint = func && *func ? func : "";
	ps.desc = desc;
	return attach_probe(prog, &ps, linkp);
}
