/* SPDX-License-Identifier: MIT */
/*
 * Programs: linking, BPF_PROG_LOAD with the verifier log, and test runs.
 *
 * A program is loaded first without a log (the common, fast case). Only
 * when the kernel refuses it do we load it again with log level 1 to get
 * the verifier's reasoning, growing the buffer on ENOSPC so the message
 * ends with the instruction that failed rather than the middle of a trace.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define LOG_INITIAL_SIZE (256u * 1024)
#define LOG_MAX_SIZE (64u * 1024 * 1024)
#define LOG_TAIL_LINES 24
#define LOAD_EAGAIN_RETRIES 5


static int prog_load_once(union bpf_attr *attr)
{
	int fd;

	for (int i = 0; i < LOAD_EAGAIN_RETRIES; i++) {
		fd = evbpf__bpf(BPF_PROG_LOAD, attr, sizeof(*attr));
		if (fd != -EAGAIN)
			break;
	}
	return fd;
}

/* The last lines of a verifier log, which say what went wrong. */
static const char *log_tail(const char *log, int lines)
{
	const char *p = log + strlen(log);

	/* Skip the trailing newline(s), then walk back `lines` newlines. */
	while (p > log && (p[-1] == '\n' || p[-1] == '\0'))
		p--;
	while (p > log) {
		if (p[-1] == '\n' && --lines == 0)
			break;
		p--;
	}
	return p;
}

static int load_with_log(struct evbpf_program *prog, union bpf_attr *attr, uint32_t level)
{
	size_t size = LOG_INITIAL_SIZE;
	int fd;

	for (;;) {
		char *log = realloc(prog->log, size);

		if (!log)
			return -ENOMEM;
		prog->log = log;
		/* Zeroed so the log reads as initialised memory whatever the
		 * kernel wrote (valgrind cannot see the kernel's writes). */
		memset(log, 0, size);
		attr->log_buf = (uint64_t)(uintptr_t)log;
		attr->log_size = (uint32_t)size;
		attr->log_level = level;
		fd = prog_load_once(attr);
		if (fd != -ENOSPC || size >= LOG_MAX_SIZE)
			break;
		size *= 4;
	}
	attr->log_buf = 0;
	attr->log_size = 0;
	attr->log_level = 0;
	return fd;
}

static void fill_stats(struct evbpf_program *prog, uint64_t load_ns)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	prog->stats.sz = sizeof(prog->stats);
	prog->stats.insns = (uint32_t)prog->insn_cnt;
	prog->stats.load_ns = load_ns;
	if (evbpf__bpf_obj_info(prog->fd, &info, &len) == 0 &&
	    len > offsetof(struct bpf_prog_info, verified_insns))
		prog->stats.verified_insns = info.verified_insns;
}

static int report_rejection(struct evbpf_program *prog, int err)
{
	const char *log = prog->log && prog->log[0] ? prog->log : NULL;

	evbpf__err(err, "prog '%s' (section '%s'): BPF_PROG_LOAD: %s%s%s", prog->name,
		   prog->sec_name, evbpf_strerror(err), evbpf__memlock_hint(err),
		   log ? "; verifier log tail:\n" : " (no verifier log)");
	if (log)
		evbpf__errmsg_append(log_tail(log, LOG_TAIL_LINES));
	else
		evbpf__errmsg_append(evbpf__attach_btf_load_hint(prog, err));
	return err;
}

EVBPF_API int evbpf_program_load(struct evbpf_program *prog)
{
	struct evbpf_object *obj;
	union bpf_attr attr;
	uint64_t t0;
	int fd, err;

	if (!prog)
		return evbpf__err(-EINVAL, "program load: NULL program");
	if (prog->fd >= 0)
		return 0;
	obj = prog->obj;
	if (!prog->prog_type)
		return evbpf__err(-EINVAL, "prog '%s': section '%s' does not name a program type; "
					   "call evbpf_program_set_type() first",
				  prog->name, prog->sec_name);
	err = evbpf__object_create_maps(obj);
	if (err)
		return err;
	err = evbpf__program_resolve_attach_btf(prog);
	if (err)
		return err;
	err = evbpf__program_link(prog);
	if (err)
		return err;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = prog->prog_type;
	attr.expected_attach_type = prog->expected_attach_type;
	attr.insns = (uint64_t)(uintptr_t)prog->insns;
	attr.insn_cnt = (uint32_t)prog->insn_cnt;
	attr.license = (uint64_t)(uintptr_t)(obj->license[0] ? obj->license : "");
	attr.kern_version = obj->kversion;
	attr.prog_flags = prog->prog_flags;
	attr.attach_btf_id = prog->attach_btf_id;
	if (prog->attach_prog_fd >= 0)
		attr.attach_prog_fd = (uint32_t)prog->attach_prog_fd;
	else if (prog->attach_btf_obj_fd >= 0)
		attr.attach_btf_obj_fd = (uint32_t)prog->attach_btf_obj_fd;
	evbpf__kernel_name(attr.prog_name, NULL, prog->name);
	err = evbpf__program_prepare(prog, &attr);
	if (err)
		goto out;

	free(prog->log);
	prog->log = NULL;
	t0 = evbpf__now_ns();
	if (obj->log_level)
		fd = load_with_log(prog, &attr, obj->log_level);
	else
		fd = prog_load_once(&attr);
	if (fd < 0 && !obj->log_level && fd != -ENOMEM) {
		int fd2 = load_with_log(prog, &attr, 1);

		if (fd2 >= 0) {
			/* Passed with a log but not without: keep it. */
			evbpf__debug("prog '%s': loaded on retry with a log", prog->name);
			fd = fd2;
		}
	}
	if (fd < 0) {
		err = report_rejection(prog, fd);
		goto out;
	}
	prog->fd = fd;
	fill_stats(prog, evbpf__now_ns() - t0);
	evbpf__debug("prog '%s': loaded, %zu insns, fd %d", prog->name, prog->insn_cnt, fd);
	err = 0;
out:
	evbpf__program_unprepare(prog);
	return err;
}

EVBPF_API void evbpf_program_unload(struct evbpf_program *prog)
{
	if (prog)
		evbpf__close_fd(&prog->fd);
}

EVBPF_API int evbpf_program_fd(const struct evbpf_program *prog)
{
	if (!prog)
		return -EINVAL;
	return prog->fd >= 0 ? prog->fd : -ENOENT;
}

EVBPF_API const char *evbpf_program_name(const struct evbpf_program *prog)
{
	return prog ? prog->name : NULL;
}

EVBPF_API const char *evbpf_program_section(const struct evbpf_program *prog)
{
	return prog ? prog->sec_name : NULL;
}

EVBPF_API uint32_t evbpf_program_type(const struct evbpf_program *prog)
{
	return prog ? prog->prog_type : 0;
}

EVBPF_API uint32_t evbpf_program_expected_attach_type(const struct evbpf_program *prog)
{
	return prog ? prog->expected_attach_type : 0;
}

EVBPF_API size_t evbpf_program_insn_count(const struct evbpf_program *prog)
{
	return prog ? prog->sec_insn_cnt : 0;
}

EVBPF_API int evbpf_program_set_type(struct evbpf_program *prog, uint32_t prog_type,
				     uint32_t expected_attach_type)
{
	if (!prog)
		return evbpf__err(-EINVAL, "set_type: NULL program");
	/* A program from a pin or an id: the kernel does not report its
	 * expected attach type, so the caller may say it (the type itself
	 * is the kernel's and cannot change). */
	if (!prog->obj && prog->fd >= 0 && prog_type == prog->prog_type) {
		prog->expected_attach_type = expected_attach_type;
		return 0;
	}
	if (prog->fd >= 0)
		return evbpf__err(-EBUSY, "prog '%s': set_type after load%s", prog->name,
				  prog->obj ? "" : " (only the expected attach type of a "
						   "program from a pin or an id can be set)");
	prog->prog_type = prog_type;
	prog->expected_attach_type = expected_attach_type;
	return 0;
}

EVBPF_API int evbpf_program_set_autoload(struct evbpf_program *prog, int autoload)
{
	if (!prog)
		return evbpf__err(-EINVAL, "set_autoload: NULL program");
	if (prog->fd >= 0)
		return evbpf__err(-EBUSY, "prog '%s': set_autoload after load", prog->name);
	prog->autoload = autoload != 0;
	return 0;
}

EVBPF_API int evbpf_program_autoload(const struct evbpf_program *prog)
{
	return prog ? prog->autoload : 0;
}

EVBPF_API const char *evbpf_program_log(const struct evbpf_program *prog)
{
	return prog && prog->log && prog->log[0] ? prog->log : NULL;
}

EVBPF_API int evbpf_program_stats(const struct evbpf_program *prog,
				  struct evbpf_prog_stats *stats)
{
	size_t n;

	if (!prog || !stats || stats->sz < sizeof(size_t))
		return evbpf__err(-EINVAL, "program stats: bad argument");
	if (prog->fd < 0)
		return evbpf__err(-ENOENT, "prog '%s': not loaded", prog->name);
	n = stats->sz < sizeof(*stats) ? stats->sz : sizeof(*stats);
	memcpy((char *)stats + sizeof(size_t), (const char *)&prog->stats + sizeof(size_t),
	       n - sizeof(size_t));
	return 0;
}

#define OPT(opts, field) ((opts)->sz >= offsetof(struct evbpf_test_run_opts, field) + sizeof((opts)->field))

EVBPF_API int evbpf_program_test_run(struct evbpf_program *prog,
				     struct evbpf_test_run_opts *opts)
{
	union bpf_attr attr;
	int err;

	if (!prog || !opts || opts->sz < sizeof(size_t))
		return evbpf__err(-EINVAL, "test_run: bad argument (opts->sz must be set)");
	if (prog->fd < 0)
		return evbpf__err(-ENOENT, "prog '%s': test_run before load", prog->name);
	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = (uint32_t)prog->fd;
	if (OPT(opts, data_size_in)) {
		attr.test.data_in = (uint64_t)(uintptr_t)opts->data_in;
		attr.test.data_size_in = opts->data_size_in;
	}
	if (OPT(opts, ctx_size_in)) {
		attr.test.ctx_in = (uint64_t)(uintptr_t)opts->ctx_in;
		attr.test.ctx_size_in = opts->ctx_size_in;
	}
	if (OPT(opts, repeat))
		attr.test.repeat = opts->repeat;
	/* Output buffers are passed only when the caller supplied them. */
	if (OPT(opts, data_size_out) && opts->data_out) {
		attr.test.data_out = (uint64_t)(uintptr_t)opts->data_out;
		attr.test.data_size_out = opts->data_size_out;
	}
	if (OPT(opts, ctx_size_out) && opts->ctx_out) {
		attr.test.ctx_out = (uint64_t)(uintptr_t)opts->ctx_out;
		attr.test.ctx_size_out = opts->ctx_size_out;
	}
	if (OPT(opts, flags))
		attr.test.flags = opts->flags;
	if (OPT(opts, cpu))
		attr.test.cpu = opts->cpu;
	if (OPT(opts, batch_size))
		attr.test.batch_size = opts->batch_size;
	err = evbpf__bpf(BPF_PROG_TEST_RUN, &attr, sizeof(attr));
	if (err)
		return evbpf__err(err, "prog '%s': BPF_PROG_TEST_RUN: %s", prog->name,
				  evbpf_strerror(err));
	if (OPT(opts, retval))
		opts->retval = attr.test.retval;
	if (OPT(opts, duration_ns))
		opts->duration_ns = attr.test.duration;
	if (OPT(opts, data_size_out) && opts->data_out)
		opts->data_size_out = attr.test.data_size_out;
	if (OPT(opts, ctx_size_out) && opts->ctx_out)
		opts->ctx_size_out = attr.test.ctx_size_out;
	return 0;
}
