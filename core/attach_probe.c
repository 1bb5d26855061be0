/* SPDX-License-Identifier: MIT */
/*
 * kprobes and uprobes through their perf PMUs (Linux 4.17): the PMU's type
 * number is read from /sys/bus/event_source/devices/{kprobe,uprobe}/type and
 * the return-probe flag is the config bit named in format/retprobe
 * ("config:0"). The probed function (kprobe) or file (uprobe) is passed by
 * pointer in config1, the offset in config2.
 *
 * No tracefs kprobe_events fallback: a kernel without the PMU is either
 * older than 4.17 or was built without CONFIG_KPROBES / CONFIG_UPROBES, and
 * the error says which directory was missing.
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

/* ---------------------------------------------------------------- kprobe */

EVBPF_API int evbpf_program_attach_kprobe(struct evbpf_program *prog, int retprobe,
                                          const char *func, const struct evbpf_probe_opts *opts,
                                          struct evbpf_link **linkp)
{
	struct perf_event_attr attr;
	uint64_t offset = 0, cookie = 0;
	char desc[256], detail[512];
	int err, type, bit = 0, pfd;

	err = evbpf__attach_check(prog, linkp, "attach_kprobe");
	if (err)
		return err;
	if (!func || !*func)
		return evbpf__err(-EINVAL, "prog '%s': attach_kprobe: no function name",
		                  prog->name);
	if (opts && opts->sz < sizeof(size_t))
		return evbpf__err(-EINVAL, "prog '%s': attach_kprobe: opts->sz is not set",
		                  prog->name);
	if (opts) {
		offset = opts->offset;
		cookie = opts->cookie;
	}
	type = evbpf__pmu_type(NULL, "kprobe");
	if (type < 0) {
		snprintf(detail, sizeof(detail), "%s", evbpf_errmsg());
		return evbpf__err(type, "prog '%s': cannot attach %s to '%s': %s", prog->name,
		                  retprobe ? "kretprobe" : "kprobe", func, detail);
	}
	if (retprobe) {
		bit = evbpf__pmu_retprobe_bit(NULL, "kprobe");
		if (bit < 0)
			return bit;
	}
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = (uint32_t)type;
	attr.config = retprobe ? 1ull << bit : 0;
	attr.config1 = (uint64_t)(uintptr_t)func; /* kprobe_func */
	attr.config2 = offset;                    /* probe_offset */
	attr.sample_period = 1;
	attr.disabled = 1;
	pfd = evbpf__perf_event_open(&attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		return evbpf__err(pfd, "prog '%s': opening %s on '%s+%llu': %s%s", prog->name,
		                  retprobe ? "kretprobe" : "kprobe", func,
		                  (unsigned long long)offset, evbpf_strerror(pfd),
		                  pfd == -ENOENT || pfd == -EINVAL
		                      ? " (no such kernel function, or it cannot be probed)"
		                      : "");
	snprintf(desc, sizeof(desc), "%s %s+%llu", retprobe ? "kretprobe" : "kprobe", func,
	         (unsigned long long)offset);
	return evbpf__attach_perf_fd(prog, pfd, cookie, desc, linkp);
}

/* ---------------------------------------------------------------- uprobe */

EVBPF_API int evbpf_program_attach_uprobe(struct evbpf_program *prog, int retprobe, int pid,
                                          const char *binary, const char *func,
                                          const struct evbpf_probe_opts *opts,
                                          struct evbpf_link **linkp)
{
	struct perf_event_attr attr;
	uint64_t offset = 0, cookie = 0, ref_ctr = 0, sym_off = 0;
	char path[4096], desc[256];
	int err, type, bit = 0, pfd;

	err = evbpf__attach_check(prog, linkp, "attach_uprobe");
	if (err)
		return err;
	if (!binary || !*binary)
		return evbpf__err(-EINVAL, "prog '%s': attach_uprobe: no binary", prog->name);
	if (opts && opts->sz < sizeof(size_t))
		return evbpf__err(-EINVAL, "prog '%s': attach_uprobe: opts->sz is not set",
		                  prog->name);
	if (opts) {
		offset = opts->offset;
		cookie = opts->cookie;
		ref_ctr = opts->ref_ctr_offset;
	}
	if (ref_ctr >> 32)
		return evbpf__err(-EINVAL,
		                  "prog '%s': uprobe reference counter offset %#llx is too "
		                  "large",
		                  prog->name, (unsigned long long)ref_ctr);
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
	type = evbpf__pmu_type(NULL, "uprobe");
	if (type < 0) {
		snprintf(desc, sizeof(desc), "%s", evbpf_errmsg());
		return evbpf__err(type, "prog '%s': cannot attach %s: %s", prog->name,
		                  retprobe ? "uretprobe" : "uprobe", desc);
	}
	if (retprobe) {
		bit = evbpf__pmu_retprobe_bit(NULL, "uprobe");
		if (bit < 0)
			return bit;
	}
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = (uint32_t)type;
	attr.config = (retprobe ? 1ull << bit : 0) | ref_ctr << UPROBE_REF_CTR_SHIFT;
	attr.config1 = (uint64_t)(uintptr_t)path; /* uprobe_path */
	attr.config2 = sym_off + offset;          /* probe_offset */
	attr.sample_period = 1;
	attr.disabled = 1;
	/* Any process: pid -1 on CPU 0 (uprobes fire on every CPU anyway). */
	pfd = evbpf__perf_event_open(&attr, pid > 0 ? pid : -1, pid > 0 ? -1 : 0, -1,
	                             PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		return evbpf__err(pfd, "prog '%s': opening %s on %s offset %#llx: %s", prog->name,
		                  retprobe ? "uretprobe" : "uprobe", path,
		                  (unsigned long long)(sym_off + offset), evbpf_strerror(pfd));
	snprintf(desc, sizeof(desc), "%s %.150s:%s+%#llx", retprobe ? "uretprobe" : "uprobe", path,
	         func && *func ? func : "", (unsigned long long)offset);
	return evbpf__attach_perf_fd(prog, pfd, cookie, desc, linkp);
}
