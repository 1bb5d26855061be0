/* SPDX-License-Identifier: MIT */
/*
 * Tracing attachments: tracepoints (a tracefs event id opened as a perf
 * event), raw tracepoints (BPF_RAW_TRACEPOINT_OPEN by name), and the BTF
 * based hooks (tp_btf, fentry, fexit, fmod_ret, lsm, freplace), whose target
 * was fixed at load time by attach_btf_id and which attach with
 * BPF_LINK_CREATE, or BPF_RAW_TRACEPOINT_OPEN on kernels before 5.13.
 *
 * tracefs is looked for where the kernel mounts it (/sys/kernel/tracing)
 * and where it used to be reached (/sys/kernel/debug/tracing); nothing
 * here mounts anything.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/perf_event.h>

#include "internal.h"

const char *const evbpf__tracefs_roots[] = {
    "/sys/kernel/tracing",
    "/sys/kernel/debug/tracing",
    NULL,
};

static bool valid_event_part(const char *s)
{
	if (!s || !*s || strlen(s) > 200 || strstr(s, ".."))
		return false;
	return !strchr(s, '/');
}

int evbpf__tracefs_event_id(const char *const *roots, const char *category, const char *name)
{
	const char *root = NULL;
	char path[512];
	uint8_t *buf;
	size_t size;
	struct stat st;
	char *end;
	long id;
	int err;

	if (!valid_event_part(category) || !valid_event_part(name))
		return evbpf__err(-EINVAL, "tracepoint '%s/%s': bad category or name",
		                  category ? category : "", name ? name : "");
	if (!roots)
		roots = evbpf__tracefs_roots;
	for (size_t i = 0; roots[i]; i++) {
		snprintf(path, sizeof(path), "%s/events", roots[i]);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			root = roots[i];
			break;
		}
	}
	if (!root)
		return evbpf__err(-ENOENT,
		                  "tracepoint '%s/%s': tracefs not found at %s%s (mount "
		                  "it: mount -t tracefs nodev /sys/kernel/tracing)",
		                  category, name, roots[0] ? roots[0] : "(no path)",
		                  roots[0] && roots[1] ? " or the debugfs tracing directory" : "");
	snprintf(path, sizeof(path), "%s/events/%s/%s/id", root, category, name);
	err = evbpf__read_file(path, &buf, &size);
	if (err)
		return evbpf__err(err == -ENOENT ? -ENOENT : err,
		                  "tracepoint '%s/%s': %s: %s (no such tracepoint in this kernel?)",
		                  category, name, path, evbpf_strerror(err));
	id = strtol((const char *)buf, &end, 10);
	if (end == (char *)buf || id <= 0 || id > INT32_MAX) {
		free(buf);
		return evbpf__err(-EINVAL, "tracepoint '%s/%s': %s does not hold an id", category,
		                  name, path);
	}
	free(buf);
	return (int)id;
}

EVBPF_API int evbpf_program_attach_tracepoint(struct evbpf_program *prog, const char *category,
                                              const char *name, struct evbpf_link **linkp)
{
	struct perf_event_attr attr;
	char desc[256];
	int err, id, pfd;

	err = evbpf__attach_check(prog, linkp, "attach_tracepoint");
	if (err)
		return err;
	id = evbpf__tracefs_event_id(NULL, category, name);
	if (id < 0)
		return id;
	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.size = sizeof(attr);
	attr.config = (uint64_t)id;
	attr.sample_period = 1;
	attr.wakeup_events = 1;
	attr.disabled = 1;
	pfd = evbpf__perf_event_open(&attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		return evbpf__err(pfd,
		                  "prog '%s': perf_event_open for tracepoint %s/%s (id %d): %s",
		                  prog->name, category, name, id, evbpf_strerror(pfd));
	snprintf(desc, sizeof(desc), "tracepoint %s/%s", category, name);
	return evbpf__attach_perf_fd(prog, pfd, 0, EVBPF_PERF_ATTACH_ANY, NULL, desc, linkp);
}

static int raw_tp_open(int prog_fd, const char *name)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.raw_tracepoint.name = (uint64_t)(uintptr_t)name;
	attr.raw_tracepoint.prog_fd = (uint32_t)prog_fd;
	return evbpf__bpf(BPF_RAW_TRACEPOINT_OPEN, &attr, sizeof(attr));
}

EVBPF_API int evbpf_program_attach_raw_tracepoint(struct evbpf_program *prog, const char *name,
                                                  struct evbpf_link **linkp)
{
	struct evbpf_link *link;
	int err, fd;

	err = evbpf__attach_check(prog, linkp, "attach_raw_tracepoint");
	if (err)
		return err;
	if (!name || !*name)
		return evbpf__err(-EINVAL, "prog '%s': attach_raw_tracepoint: no tracepoint name",
		                  prog->name);
	fd = raw_tp_open(prog->fd, name);
	if (fd < 0)
		return evbpf__err(fd, "prog '%s': BPF_RAW_TRACEPOINT_OPEN '%s': %s%s", prog->name,
		                  name, evbpf_strerror(fd),
		                  fd == -ENOENT ? " (no such tracepoint in this kernel)" : "");
	link = evbpf__link_alloc("bpf_link", "prog '%s' on raw tracepoint %s", prog->name, name);
	if (!link) {
		close(fd);
		return -ENOMEM;
	}
	link->fd = fd;
	*linkp = link;
	return 0;
}

static const char *tracing_kind(uint32_t attach_type)
{
	switch (attach_type) {
	case BPF_TRACE_RAW_TP:
		return "tp_btf";
	case BPF_TRACE_FENTRY:
		return "fentry";
	case BPF_TRACE_FEXIT:
		return "fexit";
	case BPF_MODIFY_RETURN:
		return "fmod_ret";
	case BPF_LSM_MAC:
		return "lsm";
	default:
		return "tracing";
	}
}

EVBPF_API int evbpf_program_attach_trace(struct evbpf_program *prog, uint64_t cookie,
                                         struct evbpf_link **linkp)
{
	struct evbpf_link *link;
	union bpf_attr attr;
	const char *slash;
	int err, fd;

	err = evbpf__attach_check(prog, linkp, "attach_trace");
	if (err)
		return err;
	if (prog->prog_type != BPF_PROG_TYPE_TRACING && prog->prog_type != BPF_PROG_TYPE_LSM &&
	    prog->prog_type != BPF_PROG_TYPE_EXT)
		return evbpf__err(-EINVAL,
		                  "prog '%s': attach_trace needs a tp_btf, fentry, fexit, "
		                  "fmod_ret, lsm or freplace program (type %s)",
		                  prog->name, evbpf_prog_type_name(prog->prog_type));
	memset(&attr, 0, sizeof(attr));
	attr.link_create.tracing.cookie = cookie;
	fd = evbpf__link_create(prog->fd, 0, prog->expected_attach_type, 0, &attr);
	if ((fd == -EINVAL || fd == -EOPNOTSUPP) && !cookie)
		fd = raw_tp_open(prog->fd, NULL); /* before BPF_LINK_CREATE knew tracing */
	if (fd < 0)
		return evbpf__err(fd, "prog '%s' (section '%s'): attaching %s program: %s",
		                  prog->name, prog->sec_name,
		                  tracing_kind(prog->expected_attach_type), evbpf_strerror(fd));
	slash = strchr(prog->sec_name, '/');
	link = evbpf__link_alloc("bpf_link", "prog '%s' on %s %s", prog->name,
	                         tracing_kind(prog->expected_attach_type), slash ? slash + 1 : "");
	if (!link) {
		close(fd);
		return -ENOMEM;
	}
	link->fd = fd;
	*linkp = link;
	return 0;
}

/* ------------------------------------------------------------ freplace */

/* The BTF of a loaded program (a target for freplace or fentry). */
static int load_prog_btf(int prog_fd, struct evbpf_btf **btfp)
{
	struct bpf_prog_info pinfo;
	struct bpf_btf_info binfo;
	uint32_t len = sizeof(pinfo);
	union bpf_attr attr;
	uint8_t *raw = NULL;
	int btf_fd, err;

	memset(&pinfo, 0, sizeof(pinfo));
	err = evbpf__bpf_obj_info(prog_fd, &pinfo, &len);
	if (err)
		return evbpf__err(err, "fd %d is not a BPF program: %s", prog_fd,
		                  evbpf_strerror(err));
	if (!pinfo.btf_id)
		return evbpf__err(-EINVAL,
		                  "target program '%s' has no BTF (was it loaded with "
		                  "BTF?)",
		                  pinfo.name);
	memset(&attr, 0, sizeof(attr));
	attr.btf_id = pinfo.btf_id;
	btf_fd = evbpf__bpf(BPF_BTF_GET_FD_BY_ID, &attr, sizeof(attr));
	if (btf_fd < 0)
		return evbpf__err(btf_fd, "target program '%s': BPF_BTF_GET_FD_BY_ID: %s",
		                  pinfo.name, evbpf_strerror(btf_fd));
	memset(&binfo, 0, sizeof(binfo));
	len = sizeof(binfo);
	err = evbpf__bpf_obj_info(btf_fd, &binfo, &len);
	if (!err && binfo.btf_size) {
		/* Zeroed: valgrind cannot see the kernel fill it in. */
		raw = calloc(1, binfo.btf_size);
		if (!raw) {
			err = -ENOMEM;
		} else {
			uint32_t size = binfo.btf_size;

			memset(&binfo, 0, sizeof(binfo));
			binfo.btf = (uint64_t)(uintptr_t)raw;
			binfo.btf_size = size;
			len = sizeof(binfo);
			err = evbpf__bpf_obj_info(btf_fd, &binfo, &len);
		}
	}
	close(btf_fd);
	if (!err)
		err = evbpf__btf_parse(raw, binfo.btf_size, NULL, btfp);
	free(raw);
	if (err)
		return evbpf__err(err, "target program '%s': reading its BTF: %s", pinfo.name,
		                  evbpf_strerror(err));
	return 0;
}

/* The BTF id of global function func_name in the program open at
 * target_prog_fd, or -errno with a message. */
static int target_func_id(const struct evbpf_program *prog, int target_prog_fd,
                          const char *func_name)
{
	struct evbpf_btf *btf = NULL;
	int err, id;

	err = load_prog_btf(target_prog_fd, &btf);
	if (err)
		return err;
	id = evbpf__btf_find(btf, func_name, BTF_KIND_FUNC);
	evbpf__btf_free(btf);
	if (id < 0)
		return evbpf__err(-ESRCH,
		                  "prog '%s': function '%s' not found in the target "
		                  "program's BTF (is it a global function?)",
		                  prog->name, func_name);
	return id;
}

EVBPF_API int evbpf_program_set_attach_target(struct evbpf_program *prog, int target_prog_fd,
                                              const char *func_name)
{
	int err, id, fd;

	if (!prog || !func_name || !*func_name)
		return evbpf__err(-EINVAL, "set_attach_target: NULL argument");
	if (prog->fd >= 0)
		return evbpf__err(-EBUSY, "prog '%s': set_attach_target after load", prog->name);
	if (target_prog_fd < 0) {
		const struct evbpf_btf *vmlinux;

		err = evbpf__vmlinux_btf(&vmlinux);
		if (err)
			return err;
		id = evbpf__btf_find(vmlinux, func_name, BTF_KIND_FUNC);
		if (id < 0)
			return evbpf__err(-ESRCH,
			                  "prog '%s': function '%s' not found in kernel BTF",
			                  prog->name, func_name);
		evbpf__close_fd(&prog->attach_prog_fd);
		prog->attach_btf_id = (uint32_t)id;
		return 0;
	}
	id = target_func_id(prog, target_prog_fd, func_name);
	if (id < 0)
		return id;
	fd = evbpf__dup_fd(target_prog_fd);
	if (fd < 0)
		return fd;
	evbpf__close_fd(&prog->attach_prog_fd);
	prog->attach_prog_fd = fd;
	prog->attach_btf_id = (uint32_t)id;
	return 0;
}

EVBPF_API int evbpf_program_attach_freplace(struct evbpf_program *prog, int target_prog_fd,
                                            const char *func_name, struct evbpf_link **linkp)
{
	struct evbpf_link *link;
	union bpf_attr attr;
	int err, id, fd;

	err = evbpf__attach_check(prog, linkp, "attach_freplace");
	if (err)
		return err;
	if (prog->prog_type != BPF_PROG_TYPE_EXT)
		return evbpf__err(-EINVAL,
		                  "prog '%s': attach_freplace needs a freplace (EXT) "
		                  "program, not %s",
		                  prog->name, evbpf_prog_type_name(prog->prog_type));
	if (target_prog_fd < 0 && (!func_name || !*func_name)) {
		/* The target given at load time. */
		fd = evbpf__link_create(prog->fd, 0, 0, 0, NULL);
		id = (int)prog->attach_btf_id;
	} else {
		if (target_prog_fd < 0 || !func_name || !*func_name)
			return evbpf__err(-EINVAL,
			                  "prog '%s': attach_freplace needs both a target "
			                  "program fd and a function name",
			                  prog->name);
		id = target_func_id(prog, target_prog_fd, func_name);
		if (id < 0)
			return id;
		memset(&attr, 0, sizeof(attr));
		attr.link_create.target_btf_id = (uint32_t)id;
		fd = evbpf__link_create(prog->fd, target_prog_fd, 0, 0, &attr);
	}
	if (fd < 0)
		return evbpf__err(fd, "prog '%s': freplace of '%s': BPF_LINK_CREATE: %s",
		                  prog->name, func_name ? func_name : "(load-time target)",
		                  evbpf_strerror(fd));
	link = evbpf__link_alloc("bpf_link", "prog '%s' replacing %s", prog->name,
	                         func_name ? func_name : "its load-time target");
	if (!link) {
		close(fd);
		return -ENOMEM;
	}
	link->fd = fd;
	*linkp = link;
	return 0;
}
