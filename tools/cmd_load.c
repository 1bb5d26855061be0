/* SPDX-License-Identifier: MIT */
/* evbpf load FILE.o [--pin DIR]: load every program, report verifier stats. */
#include <string.h>

#include "tool.h"

static int run(int argc, char **argv)
{
	struct evbpf_open_opts opts = {.sz = sizeof(opts)};
	const struct evbpf_program *p = NULL;
	struct evbpf_object *obj;
	const char *path = NULL;
	int err, failed = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--pin") && i + 1 < argc)
			opts.pin_root = argv[++i];
		else if (!strcmp(argv[i], "--pin"))
			return tool_usage_error("load", "--pin needs a directory");
		else if (argv[i][0] == '-')
			return tool_usage_error("load", "unknown option '%s'", argv[i]);
		else if (!path)
			path = argv[i];
		else
			return tool_usage_error("load", "unexpected argument '%s'", argv[i]);
	}
	if (!path)
		return tool_usage_error("load", "no object file given");
	err = evbpf_object_open_file(path, &opts, &obj);
	if (err) {
		tool_error(path, err);
		return 1;
	}
	while ((p = evbpf_object_next_program(obj, p))) {
		struct evbpf_prog_stats st = {.sz = sizeof(st)};
		struct evbpf_program *prog = (struct evbpf_program *)p;

		err = evbpf_program_load(prog);
		if (err) {
			const char *msg = evbpf_errmsg();

			fprintf(stderr, "evbpf: %s\n", msg[0] ? msg : evbpf_strerror(err));
			failed = 1;
			break;
		}
		evbpf_program_stats(p, &st);
		printf("%-24s %-32s %-16s loaded: %u insns, %u verified, %.3f ms\n",
		       evbpf_program_name(p), evbpf_program_section(p),
		       evbpf_prog_type_name(evbpf_program_type(p)), st.insns, st.verified_insns,
		       (double)st.load_ns / 1e6);
	}
	evbpf_object_close(obj);
	return failed;
}

const struct tool_cmd tool_cmd_load = {
	.name = "load",
	.usage = "load FILE.o [--pin DIR]   load every program; verifier stats or log",
	.help = "usage: evbpf load FILE.o [--pin DIR]\n"
		"\n"
		"Load every program of a BPF object and print the verifier's statistics, or\n"
		"its log when a program is rejected (exit status 1).\n"
		"\n"
		"  --pin DIR   pin root for maps declared with LIBBPF_PIN_BY_NAME\n"
		"  -h, --help  this text\n",
	.run = run,
};
